//! Chapter 1's figures: each loss next to its derivative, the loss surfaces of a line model,
//! and the sub-operation graph of each loss.
//!
//! Every curve is computed by the functions of [`crate::loss`], never by a second copy of
//! their formulas.

use std::ops::Range;
use std::path::Path;

use ndarray::{Array1, Array2, ArrayView1, array};
use plotters::coord::Shift;
use plotters::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    RegressionLoss, cross_entropy, cross_entropy_grad, line, log_loss, log_loss_grad, mae,
    mae_grad, mse, mse_grad, residual, rmse, rmse_grad, softmax,
};
use crate::figures::Figure;
use crate::plot::graph::{Direction, Graph, values_text};
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, linspace, svg_area,
};

/// Chapter 1's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch01/regression-losses.svg",
        render: render_regression_losses,
    },
    Figure {
        path: "ch01/cross-entropy.svg",
        render: render_cross_entropy,
    },
    Figure {
        path: "ch01/log-loss.svg",
        render: render_log_loss,
    },
    Figure {
        path: "ch01/surfaces.svg",
        render: render_surfaces,
    },
    Figure {
        path: "ch01/contours.svg",
        render: render_contours,
    },
    Figure {
        path: "ch01/graph-mse.svg",
        render: render_graph_mse,
    },
    Figure {
        path: "ch01/graph-rmse.svg",
        render: render_graph_rmse,
    },
    Figure {
        path: "ch01/graph-mae.svg",
        render: render_graph_mae,
    },
    Figure {
        path: "ch01/graph-cross-entropy.svg",
        render: render_graph_cross_entropy,
    },
    Figure {
        path: "ch01/graph-log-loss.svg",
        render: render_graph_log_loss,
    },
];

/// The worked example's targets.
pub fn worked_targets() -> Array1<f64> {
    array![1.0, 2.0, 3.0]
}

/// The worked example's predictions: residuals (0.5, 0, −1).
pub fn worked_predictions() -> Array1<f64> {
    array![1.5, 2.0, 2.0]
}

/// The worked example's logits; its target class is [`WORKED_TARGET`].
pub fn worked_logits() -> Array1<f64> {
    array![2.0, 1.0, 0.1]
}

/// The target class of the worked cross-entropy example.
pub const WORKED_TARGET: usize = 0;

/// The probability of the worked log-loss example.
pub const WORKED_PROBABILITY: f64 = 0.8;

// ---------------------------------------------------------------------------------------------
// Each loss next to its derivative
// ---------------------------------------------------------------------------------------------

/// One curve of a panel: a name for the legend, its colour and dash, and its pieces (a curve
/// with a jump is drawn as separate pieces, so no false vertical line joins them).
struct Curve {
    name: String,
    colour: RGBColor,
    dashed: bool,
    pieces: Vec<Vec<(f64, f64)>>,
}

/// A panel of curves with labelled axes and marked points.
struct Panel<'a> {
    caption: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    x_range: Range<f64>,
    y_range: Range<f64>,
    curves: Vec<Curve>,
    /// Points to mark with a dot (the worked examples).
    marks: Vec<(f64, f64)>,
    /// Vertical segments to draw as thick translucent bars (subgradient intervals), each with
    /// a dot at its midpoint (the subgradient the code picks).
    bars: Vec<(f64, Range<f64>)>,
    /// Where the legend goes, if any curve has a name.
    legend: SeriesLabelPosition,
}

/// Where most panels put their legend.
const LEGEND: SeriesLabelPosition = SeriesLabelPosition::UpperMiddle;

/// How many points each curve is sampled at.
const SAMPLES: usize = 301;

/// Samples `f` on `range` in two pieces, left and right of 0, so a kink or jump at 0 is not
/// bridged. (Smooth curves lose nothing visible: the gap is 1e-9 wide.)
fn two_sided(f: impl Fn(f64) -> f64, range: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    const GAP: f64 = 1e-9;
    let left = linspace(range.start, -GAP, SAMPLES / 2);
    let right = linspace(GAP, range.end, SAMPLES / 2);
    [left, right]
        .into_iter()
        .map(|xs| xs.into_iter().map(|x| (x, f(x))).collect())
        .collect()
}

/// Samples `f` on `range` in one piece.
fn one_piece(f: impl Fn(f64) -> f64, range: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    vec![
        linspace(range.start, range.end, SAMPLES)
            .into_iter()
            .map(|x| (x, f(x)))
            .collect(),
    ]
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, (FONT, CAPTION_SIZE))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(panel.x_range.clone(), panel.y_range.clone())?;
    chart
        .configure_mesh()
        .x_desc(panel.x_desc)
        .y_desc(panel.y_desc)
        .x_label_formatter(&|x| values_text([*x]))
        .y_label_formatter(&|y| values_text([*y]))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(GREY.mix(0.3))
        .draw()?;
    for (x, span) in &panel.bars {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(*x, span.start), (*x, span.end)],
            PALETTE[3].mix(0.45).stroke_width(8),
        )))?;
        let middle = (span.start + span.end) / 2.0;
        chart.draw_series(std::iter::once(Circle::new(
            (*x, middle),
            6,
            PALETTE[3].filled(),
        )))?;
    }
    let in_view = |&(x, y): &(f64, f64)| panel.y_range.contains(&y) && panel.x_range.contains(&x);
    for curve in &panel.curves {
        let style = curve.colour.stroke_width(3);
        for (k, piece) in curve.pieces.iter().enumerate() {
            let points: Vec<(f64, f64)> = piece.iter().copied().filter(in_view).collect();
            let series = if curve.dashed {
                chart.draw_series(DashedLineSeries::new(points, 8, 6, style))?
            } else {
                chart.draw_series(LineSeries::new(points, style))?
            };
            if k == 0 && !curve.name.is_empty() {
                let colour = curve.colour;
                series.label(curve.name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            }
        }
    }
    chart.draw_series(
        panel
            .marks
            .iter()
            .map(|&p| Circle::new(p, 6, PALETTE[6].filled())),
    )?;
    if panel.curves.iter().any(|c| !c.name.is_empty()) {
        chart
            .configure_series_labels()
            .position(panel.legend.clone())
            .label_font((FONT, LABEL_SIZE - 2))
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .draw()?;
    }
    Ok(())
}

/// Draws panels on a grid of `rows` × 2 into an SVG of `size`.
fn render_panels(path: &Path, size: (u32, u32), rows: usize, panels: &[Panel]) -> FigureResult {
    let root = svg_area(path, size)?;
    for (area, panel) in root.split_evenly((rows, 2)).iter().zip(panels) {
        draw_panel(area, panel).at(path)?;
    }
    root.present().at(path)
}

/// A regression loss (or its derivative) as a function of the first residual r₁, the other
/// residuals held at the worked example's (0, −1).
fn of_first_residual(
    f: impl Fn(ArrayView1<f64>, ArrayView1<f64>) -> f64,
    others: [f64; 2],
) -> impl Fn(f64) -> f64 {
    let y = worked_targets();
    move |r1| {
        let y_hat = &y + &array![r1, others[0], others[1]];
        f(y_hat.view(), y.view())
    }
}

/// The gradient of a regression loss with respect to the predictions.
type Grad = fn(ArrayView1<f64>, ArrayView1<f64>) -> Array1<f64>;
/// One row of the regression figure: name, loss, gradient, and the vertical ranges of the loss
/// and derivative panels.
type Row = (&'static str, RegressionLoss, Grad, Range<f64>, Range<f64>);

/// The worked example's residuals beyond the first.
const OTHER_RESIDUALS: [f64; 2] = [0.0, -1.0];
/// The residual range of the regression panels.
const RESIDUAL_RANGE: Range<f64> = -3.0..3.0;

/// MSE, RMSE and MAE (left) next to their derivatives ∂L/∂ŷ₁ (right), as functions of the first
/// residual with the other two held at the worked example's values.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_regression_losses(path: &Path) -> FigureResult {
    let rows: [Row; 3] = [
        ("MSE", mse, mse_grad, 0.0..3.6, -2.2..2.2),
        ("RMSE", rmse, rmse_grad, 0.0..2.0, -0.7..0.7),
        ("MAE", mae, mae_grad, 0.0..1.5, -0.45..0.45),
    ];
    let first = |g: Grad| move |y_hat: ArrayView1<f64>, y: ArrayView1<f64>| g(y_hat, y)[0];
    let r1 = worked_predictions()[0] - worked_targets()[0];
    let mut panels = Vec::new();
    for (name, loss, grad, loss_range, grad_range) in rows {
        let mut loss_curves = vec![Curve {
            name: if name == "RMSE" {
                "others (0, −1)".into()
            } else {
                String::new()
            },
            colour: PALETTE[0],
            dashed: false,
            pieces: two_sided(of_first_residual(loss, OTHER_RESIDUALS), &RESIDUAL_RANGE),
        }];
        let mut grad_curves = vec![Curve {
            name: loss_curves[0].name.clone(),
            colour: PALETTE[1],
            dashed: false,
            pieces: two_sided(
                of_first_residual(first(grad), OTHER_RESIDUALS),
                &RESIDUAL_RANGE,
            ),
        }];
        if name == "RMSE" {
            // With the other residuals zero, RMSE = |r₁|/√n: a kink appears.
            loss_curves.push(Curve {
                name: "others (0, 0)".into(),
                colour: GREY,
                dashed: true,
                pieces: two_sided(of_first_residual(loss, [0.0, 0.0]), &RESIDUAL_RANGE),
            });
            grad_curves.push(Curve {
                name: "others (0, 0)".into(),
                colour: GREY,
                dashed: true,
                pieces: two_sided(of_first_residual(first(grad), [0.0, 0.0]), &RESIDUAL_RANGE),
            });
        }
        let bars = if name == "MAE" {
            vec![(0.0, -1.0 / 3.0..1.0 / 3.0)]
        } else {
            Vec::new()
        };
        let at_worked = |f: &dyn Fn(f64) -> f64| vec![(r1, f(r1))];
        panels.push(Panel {
            caption: name,
            x_desc: "residual r₁ = ŷ₁ − y₁",
            y_desc: "loss",
            x_range: RESIDUAL_RANGE,
            y_range: loss_range,
            curves: loss_curves,
            marks: at_worked(&of_first_residual(loss, OTHER_RESIDUALS)),
            bars: Vec::new(),
            legend: LEGEND,
        });
        panels.push(Panel {
            caption: match name {
                "MSE" => "∂MSE/∂ŷ₁ = 2r₁/n",
                "RMSE" => "∂RMSE/∂ŷ₁ = r₁/(n·RMSE)",
                _ => "∂MAE/∂ŷ₁ = sign(r₁)/n",
            },
            x_desc: "residual r₁ = ŷ₁ − y₁",
            y_desc: "derivative",
            x_range: RESIDUAL_RANGE,
            y_range: grad_range,
            curves: grad_curves,
            marks: at_worked(&of_first_residual(first(grad), OTHER_RESIDUALS)),
            bars,
            legend: SeriesLabelPosition::LowerRight,
        });
    }
    render_panels(path, (1000, 1080), 3, &panels)
}

/// Cross-entropy (left) and its derivatives (right) as one logit moves: the target's logit z₀
/// or a wrong class's logit z₁, the others held at the worked example's values.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_cross_entropy(path: &Path) -> FigureResult {
    let range = -4.0..6.0;
    let with = |k: usize, v: f64| {
        let mut z = worked_logits();
        z[k] = v;
        z
    };
    let loss_of = |k: usize| move |v: f64| cross_entropy(with(k, v).view(), WORKED_TARGET);
    let grad_of = |k: usize| move |v: f64| cross_entropy_grad(with(k, v).view(), WORKED_TARGET)[k];
    let curve = |name: &str, colour, pieces| Curve {
        name: name.into(),
        colour,
        dashed: false,
        pieces,
    };
    let z = worked_logits();
    let panels = [
        Panel {
            caption: "cross-entropy, target class 0",
            x_desc: "logit value",
            y_desc: "CE",
            x_range: range.clone(),
            y_range: 0.0..6.0,
            curves: vec![
                curve(
                    "moving z₀ (target)",
                    PALETTE[0],
                    one_piece(loss_of(0), &range),
                ),
                curve(
                    "moving z₁ (wrong)",
                    PALETTE[2],
                    one_piece(loss_of(1), &range),
                ),
            ],
            marks: vec![(z[0], loss_of(0)(z[0])), (z[1], loss_of(1)(z[1]))],
            bars: Vec::new(),
            legend: LEGEND,
        },
        Panel {
            caption: "∂CE/∂zₖ = pₖ − yₖ",
            x_desc: "logit value",
            y_desc: "derivative",
            x_range: range.clone(),
            y_range: -1.1..1.1,
            curves: vec![
                curve(
                    "∂CE/∂z₀ = p₀ − 1",
                    PALETTE[0],
                    one_piece(grad_of(0), &range),
                ),
                curve("∂CE/∂z₁ = p₁", PALETTE[2], one_piece(grad_of(1), &range)),
            ],
            marks: vec![(z[0], grad_of(0)(z[0])), (z[1], grad_of(1)(z[1]))],
            bars: Vec::new(),
            legend: SeriesLabelPosition::LowerRight,
        },
    ];
    render_panels(path, (1000, 420), 1, &panels)
}

/// Log loss of one sample (left) and its derivative ∂BCE/∂p (right) against the predicted
/// probability p, for y = 1 and y = 0.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_log_loss(path: &Path) -> FigureResult {
    let range = 0.0..1.0;
    let inside = 0.002..0.998;
    let loss_for = |y: f64| move |p: f64| log_loss(array![p].view(), array![y].view());
    let grad_for = |y: f64| move |p: f64| log_loss_grad(array![p].view(), array![y].view())[0];
    let curve = |name: &str, colour, pieces| Curve {
        name: name.into(),
        colour,
        dashed: false,
        pieces,
    };
    let p = WORKED_PROBABILITY;
    let panels = [
        Panel {
            caption: "log loss −[y ln p + (1 − y) ln(1 − p)]",
            x_desc: "predicted probability p",
            y_desc: "loss",
            x_range: range.clone(),
            y_range: 0.0..5.0,
            curves: vec![
                curve(
                    "y = 1: −ln p",
                    PALETTE[0],
                    one_piece(loss_for(1.0), &inside),
                ),
                curve(
                    "y = 0: −ln(1 − p)",
                    PALETTE[1],
                    one_piece(loss_for(0.0), &inside),
                ),
            ],
            marks: vec![(p, loss_for(1.0)(p)), (p, loss_for(0.0)(p))],
            bars: Vec::new(),
            legend: LEGEND,
        },
        Panel {
            caption: "∂BCE/∂p = (p − y)/(p(1 − p))",
            x_desc: "predicted probability p",
            y_desc: "derivative",
            x_range: range,
            y_range: -10.0..10.0,
            curves: vec![
                curve("y = 1: −1/p", PALETTE[0], one_piece(grad_for(1.0), &inside)),
                curve(
                    "y = 0: 1/(1 − p)",
                    PALETTE[1],
                    one_piece(grad_for(0.0), &inside),
                ),
            ],
            marks: vec![(p, grad_for(1.0)(p)), (p, grad_for(0.0)(p))],
            bars: Vec::new(),
            legend: LEGEND,
        },
    ];
    render_panels(path, (1000, 420), 1, &panels)
}

// ---------------------------------------------------------------------------------------------
// Loss surfaces of the line model
// ---------------------------------------------------------------------------------------------

/// Seed of the small data set the surfaces are drawn for.
pub const DATA_SEED: u64 = 1;
/// How many points the data set has.
pub const DATA_POINTS: usize = 8;
/// The slope the data is drawn around.
pub const TRUE_SLOPE: f64 = 1.5;
/// The intercept the data is drawn around.
pub const TRUE_INTERCEPT: f64 = 0.5;
/// Half-width of the uniform noise added to each target.
pub const NOISE: f64 = 0.6;

/// The small data set of the surfaces: x evenly spaced in [0, 3], y = 1.5x + 0.5 plus seeded
/// uniform noise in ±0.6.
///
/// # Examples
///
/// ```
/// let (x, y) = descent::loss::figures::line_data();
/// assert_eq!(x.len(), 8);
/// assert_eq!((x[0], x[7]), (0.0, 3.0));
/// assert!(y.iter().zip(&x).all(|(y, x)| (y - (1.5 * x + 0.5)).abs() <= 0.6));
/// ```
pub fn line_data() -> (Array1<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(DATA_SEED);
    let x = Array1::linspace(0.0, 3.0, DATA_POINTS);
    let y = x.mapv(|x| TRUE_SLOPE * x + TRUE_INTERCEPT + rng.random_range(-NOISE..NOISE));
    (x, y)
}

/// A loss evaluated on a grid of line parameters (m, c).
#[derive(Debug, Clone, PartialEq)]
pub struct LossSurface {
    /// The slopes, one per row of `values`.
    pub m: Vec<f64>,
    /// The intercepts, one per column of `values`.
    pub c: Vec<f64>,
    /// `values[[i, j]]` is the loss of the line with slope `m[i]` and intercept `c[j]`.
    pub values: Array2<f64>,
}

impl LossSurface {
    /// Evaluates `loss(line(x, m, c), y)` on a `count` × `count` grid over the two ranges.
    pub fn new(
        loss: impl Fn(ArrayView1<f64>, ArrayView1<f64>) -> f64,
        (x, y): (ArrayView1<f64>, ArrayView1<f64>),
        m_range: Range<f64>,
        c_range: Range<f64>,
        count: usize,
    ) -> Self {
        let m = linspace(m_range.start, m_range.end, count);
        let c = linspace(c_range.start, c_range.end, count);
        let values =
            Array2::from_shape_fn((count, count), |(i, j)| loss(line(x, m[i], c[j]).view(), y));
        Self { m, c, values }
    }

    /// The grid point (m, c) with the smallest loss, and that loss.
    pub fn argmin(&self) -> ((f64, f64), f64) {
        let ((i, j), &v) = self
            .values
            .indexed_iter()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("the grid is not empty");
        ((self.m[i], self.c[j]), v)
    }
}

/// The slopes the surfaces span.
pub const M_RANGE: Range<f64> = -0.5..3.5;
/// The intercepts the surfaces span.
pub const C_RANGE: Range<f64> = -2.5..3.5;
/// The middle of [`M_RANGE`], where its axis title goes.
const M_MID: f64 = 1.5;
/// The middle of [`C_RANGE`], where its axis title goes.
const C_MID: f64 = 0.5;
/// Grid points per side of the 3-D surfaces.
const SURFACE_GRID: usize = 31;
/// Grid points per side of the contour maps.
const CONTOUR_GRID: usize = 61;
/// Contour levels per map.
const LEVELS: usize = 10;

const SURFACE_LOSSES: [(&str, RegressionLoss); 3] = [("MSE", mse), ("RMSE", rmse), ("MAE", mae)];

/// The surfaces of MSE, RMSE and MAE over (m, c), on the same data, as three 3-D views.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_surfaces(path: &Path) -> FigureResult {
    let (x, y) = line_data();
    let root = svg_area(path, (1200, 460))?;
    for (area, (name, loss)) in root.split_evenly((1, 3)).iter().zip(SURFACE_LOSSES) {
        let surface = LossSurface::new(loss, (x.view(), y.view()), M_RANGE, C_RANGE, SURFACE_GRID);
        draw_surface(area, name, &surface).at(path)?;
    }
    root.present().at(path)
}

/// A colour for a loss value, from blue (low) to orange (high) through pale grey.
fn level_colour(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (low, mid, high) = (
        (0.0, 114.0, 178.0),
        (225.0, 225.0, 225.0),
        (213.0, 94.0, 0.0),
    );
    let mix = |a: (f64, f64, f64), b: (f64, f64, f64), s: f64| {
        RGBColor(
            (a.0 + (b.0 - a.0) * s) as u8,
            (a.1 + (b.1 - a.1) * s) as u8,
            (a.2 + (b.2 - a.2) * s) as u8,
        )
    };
    if t < 0.5 {
        mix(low, mid, 2.0 * t)
    } else {
        mix(mid, high, 2.0 * t - 1.0)
    }
}

fn draw_surface<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &'static str,
    surface: &LossSurface,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let top = surface.values.fold(0.0, |a: f64, &b| a.max(b));
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{name} over slope m and intercept c"),
            (FONT, CAPTION_SIZE + 2),
        )
        .margin(8)
        .build_cartesian_3d(M_RANGE, 0.0..top, C_RANGE)?;
    chart.with_projection(|mut p| {
        p.yaw = 0.6;
        p.pitch = 0.35;
        p.scale = 0.7;
        p.into_matrix()
    });
    chart
        .configure_axes()
        .label_style((FONT, LABEL_SIZE - 1))
        .light_grid_style(GREY.mix(0.15))
        .max_light_lines(2)
        .draw()?;
    // One quadrilateral per grid cell, coloured by its mean height. plotters paints in the
    // order it is given and does no depth sorting, so sort the cells farthest first.
    let (rows, cols) = surface.values.dim();
    let coord = chart.as_coord_spec();
    type Quad = Vec<(f64, f64, f64)>;
    let mut cells: Vec<(i32, Quad, f64)> = (0..rows - 1)
        .flat_map(|i| (0..cols - 1).map(move |j| (i, j)))
        .map(|(i, j)| {
            let corners: Vec<(f64, f64, f64)> = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                .iter()
                .map(|&(a, b)| (surface.m[a], surface.values[[a, b]], surface.c[b]))
                .collect();
            let height = corners.iter().map(|p| p.1).sum::<f64>() / 4.0;
            let depth = corners
                .iter()
                .map(|(m, v, c)| coord.projected_depth(m, v, c))
                .sum::<i32>();
            (depth, corners, height)
        })
        .collect();
    cells.sort_by_key(|cell| std::cmp::Reverse(cell.0));
    chart.draw_series(cells.into_iter().map(|(_, corners, height)| {
        Polygon::new(corners, level_colour(height / top).mix(0.95).filled())
    }))?;
    let axis_label = (FONT, LABEL_SIZE + 4).into_font().color(&BLACK);
    chart.draw_series([
        Text::new("m", (M_MID, 0.0, C_RANGE.end + 2.6), axis_label.clone()),
        Text::new("c", (M_RANGE.end + 1.3, 0.0, C_MID), axis_label),
    ])?;
    Ok(())
}

/// The contours of MSE, RMSE and MAE over (m, c), equally spaced in loss value, with each
/// grid minimiser marked.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_contours(path: &Path) -> FigureResult {
    let (x, y) = line_data();
    let root = svg_area(path, (1200, 440))?;
    for (area, (name, loss)) in root.split_evenly((1, 3)).iter().zip(SURFACE_LOSSES) {
        let surface = LossSurface::new(loss, (x.view(), y.view()), M_RANGE, C_RANGE, CONTOUR_GRID);
        draw_contours(area, name, &surface).at(path)?;
    }
    root.present().at(path)
}

fn draw_contours<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    surface: &LossSurface,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let ((m_best, c_best), low) = surface.argmin();
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("{name}: min {low:.3} at ({m_best:.2}, {c_best:.2})"),
            (FONT, CAPTION_SIZE + 2),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(50)
        .build_cartesian_2d(M_RANGE, C_RANGE)?;
    chart
        .configure_mesh()
        .x_desc("slope m")
        .y_desc("intercept c")
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style((FONT, LABEL_SIZE + 1))
        .axis_desc_style((FONT, LABEL_SIZE + 2))
        .light_line_style(WHITE)
        .bold_line_style(GREY.mix(0.2))
        .draw()?;
    // Levels equally spaced from the minimum up to the smallest value on the border, so every
    // contour is a closed curve inside the map.
    let border = border_minimum(&surface.values);
    for k in 1..=LEVELS {
        let level = low + (border - low) * k as f64 / LEVELS as f64;
        let colour = level_colour(k as f64 / LEVELS as f64);
        chart.draw_series(
            contour_segments(surface, level)
                .into_iter()
                .map(|(a, b)| PathElement::new(vec![a, b], colour.stroke_width(2))),
        )?;
    }
    chart.draw_series(std::iter::once(Cross::new(
        (m_best, c_best),
        8,
        BLACK.stroke_width(3),
    )))?;
    Ok(())
}

/// The smallest value on the border of a grid.
fn border_minimum(values: &Array2<f64>) -> f64 {
    let (rows, cols) = values.dim();
    values
        .indexed_iter()
        .filter(|((i, j), _)| *i == 0 || *j == 0 || *i == rows - 1 || *j == cols - 1)
        .map(|(_, &v)| v)
        .fold(f64::INFINITY, f64::min)
}

/// The pieces of the contour `level` of a surface, by marching squares: in each grid cell,
/// the level crosses the cell's edges where the values on their two ends straddle it; the
/// crossings (found by linear interpolation) are joined in pairs.
fn contour_segments(surface: &LossSurface, level: f64) -> Vec<((f64, f64), (f64, f64))> {
    let v = &surface.values;
    let (m, c) = (&surface.m, &surface.c);
    let mut segments = Vec::new();
    for i in 0..m.len() - 1 {
        for j in 0..c.len() - 1 {
            // Corners in order around the cell.
            let corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let crossings: Vec<(f64, f64)> = (0..4)
                .filter_map(|k| {
                    let (a, b) = (corners[k], corners[(k + 1) % 4]);
                    let (va, vb) = (v[a] - level, v[b] - level);
                    (va * vb < 0.0).then(|| {
                        let t = va / (va - vb);
                        (
                            m[a.0] + t * (m[b.0] - m[a.0]),
                            c[a.1] + t * (c[b.1] - c[a.1]),
                        )
                    })
                })
                .collect();
            segments.extend(crossings.chunks_exact(2).map(|pair| (pair[0], pair[1])));
        }
    }
    segments
}

// ---------------------------------------------------------------------------------------------
// Sub-operation graphs
// ---------------------------------------------------------------------------------------------

/// The graph of a regression loss on the worked example: subtract, then `elementwise` (square
/// or abs), then mean, then optionally square root.
fn regression_graph(elementwise: (&str, fn(f64) -> f64), root: bool) -> Graph {
    let (y_hat, y) = (worked_predictions(), worked_targets());
    let mut g = Graph::new();
    let y_hat_node = g.node("ŷ", values_text(y_hat.iter().copied()));
    let y_node = g.node("y", values_text(y.iter().copied()));
    let r = residual(y_hat.view(), y.view());
    let subtract = g.node("subtract: r = ŷ − y", values_text(r.iter().copied()));
    g.edge(y_hat_node, subtract);
    g.edge(y_node, subtract);
    let (op_name, op) = elementwise;
    let mapped = r.mapv(op);
    let map_node = g.node(op_name, values_text(mapped.iter().copied()));
    g.edge(subtract, map_node);
    let mean = mapped.mean().expect("three samples");
    let mean_node = g.node("mean", values_text([mean]));
    g.edge(map_node, mean_node);
    if root {
        let root_node = g.node("square root", values_text([mean.sqrt()]));
        g.edge(mean_node, root_node);
    }
    g
}

/// MSE as a graph of sub-operations: subtract → square → mean, with the worked example's
/// values on the boxes.
///
/// # Examples
///
/// ```
/// use descent::loss::figures::mse_graph;
/// let g = mse_graph();
/// let labels: Vec<&str> = g.nodes.iter().map(|n| n.label.as_str()).collect();
/// assert_eq!(labels, ["ŷ", "y", "subtract: r = ŷ − y", "square: r²", "mean"]);
/// ```
pub fn mse_graph() -> Graph {
    regression_graph(("square: r²", |r| r * r), false)
}

/// RMSE as a graph: subtract → square → mean → square root.
pub fn rmse_graph() -> Graph {
    regression_graph(("square: r²", |r| r * r), true)
}

/// MAE as a graph: subtract → abs → mean.
pub fn mae_graph() -> Graph {
    regression_graph(("absolute value: |r|", f64::abs), false)
}

/// Cross-entropy as a graph on the worked logits: exp → sum → divide → log → pick the target
/// → negate.
pub fn cross_entropy_graph() -> Graph {
    let z = worked_logits();
    let mut g = Graph {
        direction: Direction::TopToBottom,
        ..Graph::new()
    };
    let z_node = g.node("logits z", values_text(z.iter().copied()));
    let target = g.node("target class t", WORKED_TARGET.to_string());
    let e = z.mapv(f64::exp);
    let exp = g.node("exp: eᶻ", values_text(e.iter().copied()));
    g.edge(z_node, exp);
    let total = e.sum();
    let sum = g.node("sum: Σ eᶻ", values_text([total]));
    g.edge(exp, sum);
    let p = &e / total;
    let divide = g.node("divide: p = eᶻ / Σ", values_text(p.iter().copied()));
    g.edge(exp, divide);
    g.edge(sum, divide);
    let log_p = p.mapv(f64::ln);
    let log = g.node("log: ln p", values_text(log_p.iter().copied()));
    g.edge(divide, log);
    let picked = log_p[WORKED_TARGET];
    let pick = g.node("pick: ln pₜ", values_text([picked]));
    g.edge(log, pick);
    g.edge(target, pick);
    let negate = g.node("negate: CE", values_text([-picked]));
    g.edge(pick, negate);
    debug_assert!((p - softmax(z.view())).iter().all(|d| d.abs() < 1e-15));
    g
}

/// Log loss of one sample as a graph: p and y feed two logarithm branches that are weighted,
/// added and negated.
pub fn log_loss_graph() -> Graph {
    let (p, y) = (WORKED_PROBABILITY, 1.0);
    let mut g = Graph {
        direction: Direction::TopToBottom,
        ..Graph::new()
    };
    let p_node = g.node("p", values_text([p]));
    let y_node = g.node("y", values_text([y]));
    let ln_p = g.node("log: ln p", values_text([p.ln()]));
    g.edge(p_node, ln_p);
    let one_minus_p = g.node("1 − p", values_text([1.0 - p]));
    g.edge(p_node, one_minus_p);
    let one_minus_y = g.node("1 − y", values_text([1.0 - y]));
    g.edge(y_node, one_minus_y);
    let ln_q = g.node("log: ln(1 − p)", values_text([(1.0 - p).ln()]));
    g.edge(one_minus_p, ln_q);
    let first = g.node("multiply: y ln p", values_text([y * p.ln()]));
    g.edge(y_node, first);
    g.edge(ln_p, first);
    let second = g.node(
        "multiply: (1 − y) ln(1 − p)",
        values_text([(1.0 - y) * (1.0 - p).ln()]),
    );
    g.edge(one_minus_y, second);
    g.edge(ln_q, second);
    let sum = y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    let add = g.node("add", values_text([sum]));
    g.edge(first, add);
    g.edge(second, add);
    let negate = g.node("negate: BCE", values_text([-sum]));
    g.edge(add, negate);
    g
}

/// Draws [`mse_graph`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_graph_mse(path: &Path) -> FigureResult {
    mse_graph().render(
        path,
        "MSE = mean((ŷ − y)²) on ŷ = (1.5, 2, 2), y = (1, 2, 3)",
    )
}

/// Draws [`rmse_graph`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_graph_rmse(path: &Path) -> FigureResult {
    rmse_graph().render(path, "RMSE = √mean((ŷ − y)²) on the same data")
}

/// Draws [`mae_graph`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_graph_mae(path: &Path) -> FigureResult {
    mae_graph().render(path, "MAE = mean(|ŷ − y|) on the same data")
}

/// Draws [`cross_entropy_graph`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_graph_cross_entropy(path: &Path) -> FigureResult {
    cross_entropy_graph().render(
        path,
        "cross-entropy = −ln softmax(z)ₜ on z = (2, 1, 0.1), t = 0",
    )
}

/// Draws [`log_loss_graph`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_graph_log_loss(path: &Path) -> FigureResult {
    log_loss_graph().render(
        path,
        "log loss = −[y ln p + (1 − y) ln(1 − p)] on p = 0.8, y = 1",
    )
}
