//! Chapter 2's figures: the line fitting the data (as stills and as an animation), loss curves
//! around the stability bound, descent paths on the loss contours before and after centring,
//! and full-batch against mini-batch paths.

use std::ops::Range;
use std::path::Path;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbaImage};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{
    Data, Eigen2, Line, Scaling, closed_form, hessian, iterates, mse, sgd, symmetric_eigen,
};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureError, FigureResult, GREY, LABEL_SIZE, PALETTE,
    legend_box, linspace, svg_area,
};

/// Chapter 2's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch02/fitted-lines.svg",
        render: render_fitted_lines,
    },
    Figure {
        path: "ch02/fitting.gif",
        render: render_fitting_animation,
    },
    Figure {
        path: "ch02/loss-curves.svg",
        render: render_loss_curves,
    },
    Figure {
        path: "ch02/contours.svg",
        render: render_contours,
    },
    Figure {
        path: "ch02/sgd-paths.svg",
        render: render_sgd_paths,
    },
];

/// Seed of the figures' data set.
pub const SEED: u64 = 2;
/// Samples in the figures' data set.
pub const SAMPLES: usize = 40;
/// The line the figures' data scatter around.
pub const TRUE_LINE: Line = Line::new(2.0, 1.0);
/// Standard deviation of the noise on y.
pub const NOISE: f64 = 0.6;
/// The inputs x are drawn from this range.
pub const X_RANGE: Range<f64> = 0.0..4.0;
/// Where gradient descent starts in the line figures.
pub const START: Line = Line::new(0.0, 0.0);
/// The learning rate of the line figures: small, so that you can watch the line move.
pub const LINE_LEARNING_RATE: f64 = 0.02;
/// The steps after which the fitted line is drawn.
pub const SNAPSHOTS: [usize; 7] = [0, 1, 3, 10, 30, 100, 400];
/// Frames of the animation (fewer once repeated steps are dropped).
pub const FRAMES: usize = 50;
/// The step of the animation's last frame.
pub const LAST_FRAME_STEP: usize = 400;
/// Steps in the loss-curve figure.
pub const LOSS_STEPS: usize = 250;
/// Steps on each contour path.
pub const PATH_STEPS: usize = 30;
/// How far, in (m, c), the contour paths start from the minimum.
pub const PATH_OFFSET: [f64; 2] = [-2.5, 3.0];
/// Learning rate of the GD and SGD paths.
pub const SGD_LEARNING_RATE: f64 = 0.1;
/// Steps of each path in the SGD figure.
pub const SGD_STEPS: usize = 40;
/// Seed of the SGD shuffles.
pub const SGD_SEED: u64 = 11;

/// The data set every figure of the chapter except the loss curves uses: 40 noisy points
/// around y = 2x + 1.
pub fn figure_data() -> Data {
    Data::generate(SAMPLES, TRUE_LINE, NOISE, X_RANGE, SEED)
}

fn eigen_of(data: &Data) -> Eigen2 {
    symmetric_eigen(hessian(data.x()).view())
}

fn best_fit(data: &Data) -> Line {
    closed_form(data).expect("the figures' data have distinct x")
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Axes from a chart builder with the book's look.
fn styled_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
}

/// The y range that shows every point of the data with a margin.
fn y_range(data: &Data) -> Range<f64> {
    let (low, high) = data
        .y()
        .iter()
        .fold((0.0f64, 0.0f64), |(l, h), &y| (l.min(y), h.max(y)));
    low - 0.5..high + 0.5
}

fn draw_points<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    data: &Data,
    radius: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series(
        data.x()
            .iter()
            .zip(data.y())
            .map(|(&x, &y)| Circle::new((x, y), radius, GREY.filled())),
    )?;
    Ok(())
}

fn line_points(line: Line, x: &Range<f64>) -> [(f64, f64); 2] {
    [
        (x.start, line.m * x.start + line.c),
        (x.end, line.m * x.end + line.c),
    ]
}

/// The data and the line after each of [`SNAPSHOTS`] steps at η = [`LINE_LEARNING_RATE`].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_fitted_lines(path: &Path) -> FigureResult {
    let data = figure_data();
    let rate = LINE_LEARNING_RATE;
    let last = *SNAPSHOTS.last().expect("snapshots are listed");
    let lines: Vec<Line> = iterates(&data, START, rate).take(last + 1).collect();
    let root = svg_area(path, (900, 560))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Gradient descent fitting a line, η = {rate}"),
            (FONT, CAPTION_SIZE),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(X_RANGE, y_range(&data))
        .at(path)?;
    styled_mesh(&mut chart, "x", "y").at(path)?;
    draw_points(&mut chart, &data, 4).at(path)?;
    for (k, &step) in SNAPSHOTS.iter().enumerate() {
        let colour = PALETTE[(k + 1) % PALETTE.len()];
        let line = lines[step];
        chart
            .draw_series(LineSeries::new(
                line_points(line, &X_RANGE),
                colour.stroke_width(2),
            ))
            .at(path)?
            .label(format!(
                "step {step}: ŷ = {:.2}x + {:.2}, MSE {:.2}",
                line.m,
                line.c,
                mse(line, &data)
            ))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    legend_box(&mut chart, SeriesLabelPosition::UpperLeft).at(path)?;
    root.present().at(path)
}

/// The steps shown by the animation's frames: every step at first, then further and further
/// apart (evenly spaced in log(1 + step)), up to [`LAST_FRAME_STEP`].
pub fn frame_steps() -> Vec<usize> {
    let mut steps: Vec<usize> = linspace(0.0, (LAST_FRAME_STEP as f64 + 1.0).ln(), FRAMES)
        .into_iter()
        .map(|t| (t.exp() - 1.0).round() as usize)
        .collect();
    steps.dedup();
    steps
}

/// The fit as an animated GIF: one frame per step of [`frame_steps`], the current line bold and
/// the earlier ones faint. No text: bitmap text would need a font file.
///
/// # Errors
///
/// When the file cannot be written or encoded.
pub fn render_fitting_animation(path: &Path) -> FigureResult {
    const SIZE: (u32, u32) = (360, 240);
    let data = figure_data();
    let lines: Vec<Line> = iterates(&data, START, LINE_LEARNING_RATE)
        .take(LAST_FRAME_STEP + 1)
        .collect();
    let steps = frame_steps();
    let frames = (0..steps.len())
        .map(|k| {
            let shown: Vec<Line> = steps[..=k].iter().map(|&s| lines[s]).collect();
            let pixels = draw_animation_frame(&data, &shown, SIZE).at(path)?;
            let image = RgbaImage::from_raw(SIZE.0, SIZE.1, pixels)
                .expect("the buffer holds one RGBA pixel per point");
            // Hold the first and the last frame a little longer.
            let hold = if k == 0 || k + 1 == steps.len() {
                1200
            } else {
                120
            };
            Ok(Frame::from_parts(
                image,
                0,
                0,
                Delay::from_numer_denom_ms(hold, 1),
            ))
        })
        .collect::<Result<Vec<_>, FigureError>>()?;
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| FigureError::Folder {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let file = std::fs::File::create(path).at(path)?;
    let mut encoder = GifEncoder::new_with_speed(std::io::BufWriter::new(file), 10);
    encoder.set_repeat(Repeat::Infinite).at(path)?;
    encoder.encode_frames(frames).at(path)
}

/// One frame of the animation as RGBA bytes.
fn draw_animation_frame(data: &Data, lines: &[Line], size: (u32, u32)) -> Result<Vec<u8>, String> {
    let mut rgb = vec![255u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw_frame(&root, data, lines).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 255])
        .collect())
}

fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    data: &Data,
    lines: &[Line],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y = y_range(data);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .build_cartesian_2d(X_RANGE, y.clone())?;
    // Axes through the origin, drawn as plain lines: no labels in a bitmap.
    chart.draw_series([
        PathElement::new([(X_RANGE.start, 0.0), (X_RANGE.end, 0.0)], GREY),
        PathElement::new([(0.0, y.start), (0.0, y.end)], GREY),
    ])?;
    let (current, earlier) = lines.split_last().expect("at least one line per frame");
    chart.draw_series(
        earlier
            .iter()
            .map(|&line| PathElement::new(line_points(line, &X_RANGE), PALETTE[1].mix(0.15))),
    )?;
    draw_points(&mut chart, data, 3)?;
    chart.draw_series(LineSeries::new(
        line_points(*current, &X_RANGE),
        PALETTE[1].stroke_width(3),
    ))?;
    Ok(())
}

/// Learning rates of the loss-curve figure, as fractions of the stability bound 2/λ_max, except
/// the best step, which is added separately.
pub const BOUND_FRACTIONS: [f64; 3] = [0.4, 0.995, 1.04];

/// Loss against step on the worked data for learning rates below, near and above 2/λ_max,
/// on a log scale. The runs are unchecked iterates, so the diverging one can be drawn.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_curves(path: &Path) -> FigureResult {
    let data = Data::worked();
    let e = eigen_of(&data);
    let bound = e.stability_bound();
    let mut rates: Vec<(f64, String)> = BOUND_FRACTIONS
        .iter()
        .map(|&f| (f * bound, format!("η = {:.4} = {f} · 2/λmax", f * bound)))
        .collect();
    rates.insert(
        1,
        (
            e.best_learning_rate(),
            format!(
                "η = {:.4}, the best step 2/(λmin + λmax)",
                e.best_learning_rate()
            ),
        ),
    );
    let curves: Vec<Vec<f64>> = rates
        .iter()
        .map(|&(rate, _)| {
            iterates(&data, START, rate)
                .take(LOSS_STEPS + 1)
                .map(|line| mse(line, &data).max(f64::MIN_POSITIVE))
                .collect()
        })
        .collect();
    let (low, high) = curves
        .iter()
        .flatten()
        .fold((f64::INFINITY, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
    let root = svg_area(path, (900, 560))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Loss on the worked data; the bound 2/λmax is {bound:.4}"),
            (FONT, CAPTION_SIZE),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..LOSS_STEPS as f64, (low / 10.0..high * 1e3).log_scale())
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("MSE (log scale)")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;
    for (k, ((_, label), curve)) in rates.iter().zip(&curves).enumerate() {
        let colour = PALETTE[k];
        chart
            .draw_series(LineSeries::new(
                curve
                    .iter()
                    .enumerate()
                    .map(|(step, &loss)| (step as f64, loss)),
                colour.stroke_width(2),
            ))
            .at(path)?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    legend_box(&mut chart, SeriesLabelPosition::UpperLeft).at(path)?;
    root.present().at(path)
}

/// Points of the loss contour at `excess` above the minimum: an ellipse around `centre` with
/// semi-axes √(2·excess/λ) along the eigenvectors, since L − L* = ½ eᵀHe.
fn contour(centre: Line, e: &Eigen2, excess: f64) -> Vec<(f64, f64)> {
    let (a, b) = (
        (2.0 * excess / e.lambda_min).sqrt(),
        (2.0 * excess / e.lambda_max).sqrt(),
    );
    linspace(0.0, std::f64::consts::TAU, 240)
        .into_iter()
        .map(|t| {
            let p = centre.to_array() + &e.v_min * (a * t.cos()) + &e.v_max * (b * t.sin());
            (p[0], p[1])
        })
        .collect()
}

/// A square window around the minimum that holds the start of every path.
fn window(centre: Line) -> (Range<f64>, Range<f64>) {
    let half = 1.25 * PATH_OFFSET[0].abs().max(PATH_OFFSET[1].abs());
    (
        centre.m - half..centre.m + half,
        centre.c - half..centre.c + half,
    )
}

fn path_start(centre: Line) -> Line {
    Line::new(centre.m + PATH_OFFSET[0], centre.c + PATH_OFFSET[1])
}

/// Draws loss contours of `data` and returns the chart, ready for paths.
fn contour_chart<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    data: &Data,
    caption: &str,
    c_desc: &str,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let best = best_fit(data);
    let e = eigen_of(data);
    let (m_range, c_range) = window(best);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, CAPTION_SIZE))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(m_range, c_range)?;
    styled_mesh(&mut chart, "slope m", c_desc)?;
    let start = path_start(best);
    let top = mse(start, data) - mse(best, data);
    for k in 0..12 {
        let excess = top * 2f64.powi(1 - k);
        chart.draw_series(LineSeries::new(contour(best, &e, excess), GREY.mix(0.8)))?;
    }
    chart.draw_series([Cross::new((best.m, best.c), 8, BLACK.stroke_width(2))])?;
    Ok(chart)
}

fn draw_path<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    lines: &[Line],
    colour: RGBColor,
    label: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let points: Vec<(f64, f64)> = lines.iter().map(|l| (l.m, l.c)).collect();
    chart
        .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    chart.draw_series(
        points
            .into_iter()
            .map(|p| Circle::new(p, 3, colour.filled())),
    )?;
    Ok(())
}

fn draw_gd_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &Data,
    title: &str,
    c_desc: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let e = eigen_of(data);
    let rate = e.best_learning_rate();
    let caption = format!("{title}: κ = {:.1}", e.condition_number());
    let mut chart = contour_chart(area, data, &caption, c_desc)?;
    let lines: Vec<Line> = iterates(data, path_start(best_fit(data)), rate)
        .take(PATH_STEPS + 1)
        .collect();
    draw_path(
        &mut chart,
        &lines,
        PALETTE[1],
        &format!("{PATH_STEPS} steps at the best η = {rate:.3}"),
    )?;
    legend_box(&mut chart, SeriesLabelPosition::LowerRight)
}

/// Gradient descent on the contours of the MSE, before centring x (a narrow valley: zig-zag)
/// and after (nearly round contours: straight in).
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_contours(path: &Path) -> FigureResult {
    let data = figure_data();
    let centred = data.rescaled(Scaling::centre(data.x()));
    let root = svg_area(path, (1100, 560))?;
    let panels = root.split_evenly((1, 2));
    draw_gd_panel(&panels[0], &data, "raw x", "intercept c").at(path)?;
    draw_gd_panel(&panels[1], &centred, "centred x", "intercept c′ (at x̄)").at(path)?;
    root.present().at(path)
}

/// Full-batch gradient descent against mini-batch SGD with batches of 4 and of 1, the same
/// number of steps and the same learning rate, on the centred data.
///
/// # Errors
///
/// When the file cannot be written, or if a run diverges (it does not at these settings).
pub fn render_sgd_paths(path: &Path) -> FigureResult {
    let raw = figure_data();
    let data = raw.rescaled(Scaling::centre(raw.x()));
    let start = path_start(best_fit(&data));
    let root = svg_area(path, (720, 640))?;
    let mut chart = contour_chart(
        &root,
        &data,
        &format!("{SGD_STEPS} steps each, η = {SGD_LEARNING_RATE}, centred x"),
        "intercept c′ (at x̄)",
    )
    .at(path)?;
    let n = data.len();
    let runs = [
        (n, "full batch (gradient descent)"),
        (4, "mini-batches of 4"),
        (1, "single samples"),
    ];
    for (k, (batch, label)) in runs.into_iter().enumerate() {
        let epochs = SGD_STEPS.div_ceil(n.div_ceil(batch));
        let run = sgd(&data, start, SGD_LEARNING_RATE, batch, epochs, SGD_SEED).at(path)?;
        draw_path(
            &mut chart,
            &run.lines[..=SGD_STEPS],
            PALETTE[[1, 0, 2][k]],
            label,
        )
        .at(path)?;
    }
    legend_box(&mut chart, SeriesLabelPosition::LowerRight).at(path)?;
    root.present().at(path)
}
