//! The figures of chapter 4: the flip and slide, convolution against cross-correlation, a
//! picture through each filter, the Toeplitz and im2col matrices, both gradients as sliding
//! windows, and a kernel learned by gradient descent.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2, array, s};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::filters::{Filter, sobel_x, test_picture, to_array};
use super::learn::{Settings, learn_kernel};
use super::matrix::{doubly_block_toeplitz, im2col};
use super::{ConvSpec, Padding, convolve1d, correlate_backward, correlate1d, pad};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, linspace, save_png,
    svg_area,
};

/// Chapter 4's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch04/flip-and-slide.svg",
        render: render_flip_and_slide,
    },
    Figure {
        path: "ch04/convolution-vs-correlation.svg",
        render: render_convolution_vs_correlation,
    },
    Figure {
        path: "ch04/picture.png",
        render: render_picture,
    },
    Figure {
        path: "ch04/box-blur.png",
        render: render_box_blur,
    },
    Figure {
        path: "ch04/gaussian-blur.png",
        render: render_gaussian_blur,
    },
    Figure {
        path: "ch04/sharpen.png",
        render: render_sharpen,
    },
    Figure {
        path: "ch04/sobel-x.png",
        render: render_sobel_x,
    },
    Figure {
        path: "ch04/sobel-y.png",
        render: render_sobel_y,
    },
    Figure {
        path: "ch04/edges.png",
        render: render_edges,
    },
    Figure {
        path: "ch04/matrices.svg",
        render: render_matrices,
    },
    Figure {
        path: "ch04/kernel-gradient.svg",
        render: render_kernel_gradient,
    },
    Figure {
        path: "ch04/input-gradient.svg",
        render: render_input_gradient,
    },
    Figure {
        path: "ch04/learned-kernel.svg",
        render: render_learned_kernel,
    },
];

/// The values of t at which the flip-and-slide figure freezes the sliding box.
pub const SLIDE_FRAMES: [f64; 4] = [0.5, 1.0, 1.5, 1.8];

/// The unit box: 1 on [0, 1), 0 elsewhere.
fn unit_box(t: f64) -> f64 {
    if (0.0..1.0).contains(&t) { 1.0 } else { 0.0 }
}

/// (box ∗ box)(t), the triangle: the length of the overlap of [0, 1] and [t − 1, t].
///
/// # Examples
///
/// ```
/// use descent::conv::figures::box_triangle;
/// assert_eq!((box_triangle(0.5), box_triangle(1.0), box_triangle(2.5)), (0.5, 1.0, 0.0));
/// ```
pub fn box_triangle(t: f64) -> f64 {
    (t.min(1.0) - (t - 1.0).max(0.0)).max(0.0)
}

/// Four frames: the box f, the flipped box g(t − τ) sliding with t, their overlap shaded, and
/// the triangle (f ∗ g)(t) traced up to t.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_flip_and_slide(path: &Path) -> FigureResult {
    let root = svg_area(path, (1000, 640))?;
    for (panel, &t) in root.split_evenly((2, 2)).iter().zip(&SLIDE_FRAMES) {
        draw_slide_frame(panel, t).at(path)?;
    }
    root.present().at(path)
}

fn draw_slide_frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let value = box_triangle(t);
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("t = {t}: overlap = (f ∗ g)(t) = {value:.1}"),
            (FONT, CAPTION_SIZE),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(44)
        .build_cartesian_2d(-1.2f64..2.6, 0.0f64..1.5)?;
    chart
        .configure_mesh()
        .x_desc("τ, and t for the triangle")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    let taus = linspace(-1.2, 2.6, 761);
    let overlap = taus
        .iter()
        .map(|&tau| (tau, unit_box(tau).min(unit_box(t - tau))));
    chart.draw_series(AreaSeries::new(overlap, 0.0, PALETTE[4].mix(0.45)))?;
    chart
        .draw_series(LineSeries::new(
            taus.iter().map(|&tau| (tau, unit_box(tau))),
            PALETTE[0].stroke_width(3),
        ))?
        .label("f(τ)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], PALETTE[0].stroke_width(3)));
    chart
        .draw_series(LineSeries::new(
            taus.iter().map(|&tau| (tau, unit_box(t - tau))),
            PALETTE[1].stroke_width(3),
        ))?
        .label("g(t − τ)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], PALETTE[1].stroke_width(3)));
    chart.draw_series(LineSeries::new(
        taus.iter().map(|&s| (s, box_triangle(s))),
        GREY.stroke_width(1),
    ))?;
    chart
        .draw_series(LineSeries::new(
            taus.iter()
                .filter(|&&s| s <= t)
                .map(|&s| (s, box_triangle(s))),
            BLACK.stroke_width(2),
        ))?
        .label("(f ∗ g)(t)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    chart.draw_series([Circle::new((t, value), 6, BLACK.filled())])?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, LABEL_SIZE - 2))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()?;
    Ok(())
}

/// The asymmetric kernel of the convolution-against-correlation figure.
pub fn asymmetric_kernel() -> Array1<f64> {
    array![3.0, 2.0, 1.0]
}

/// A spike at the middle of seven samples.
pub fn spike() -> Array1<f64> {
    Array1::from_shape_fn(7, |i| if i == 3 { 1.0 } else { 0.0 })
}

/// Three stem plots: a spike, its convolution with [3, 2, 1] (the kernel) and its
/// cross-correlation (the kernel reversed).
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_convolution_vs_correlation(path: &Path) -> FigureResult {
    let root = svg_area(path, (1050, 360))?;
    let same = ConvSpec::new(Padding::Same, 1);
    let (x, w) = (spike(), asymmetric_kernel());
    let panels = [
        ("input x: a spike", x.clone(), PALETTE[6]),
        (
            "x ∗ w (convolution): the kernel",
            convolve1d(x.view(), w.view(), same),
            PALETTE[0],
        ),
        (
            "x ⋆ w (correlation): reversed",
            correlate1d(x.view(), w.view(), same),
            PALETTE[1],
        ),
    ];
    for (area, (title, values, colour)) in root.split_evenly((1, 3)).iter().zip(panels) {
        draw_stems(area, title, values.view(), colour).at(path)?;
    }
    root.present().at(path)
}

fn draw_stems<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    values: ndarray::ArrayView1<f64>,
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, CAPTION_SIZE))
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(36)
        .build_cartesian_2d(-0.5f64..6.5, 0.0f64..3.6)?;
    chart
        .configure_mesh()
        .x_desc("index i")
        .x_labels(7)
        .y_labels(4)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (i, &v) in values.iter().enumerate() {
        let i = i as f64;
        chart.draw_series(LineSeries::new([(i, 0.0), (i, v)], colour.stroke_width(3)))?;
        chart.draw_series([Circle::new((i, v), 6, colour.filled())])?;
    }
    Ok(())
}

/// Writes the test picture through `filter`.
fn render_filtered(path: &Path, filter: Filter) -> FigureResult {
    let levels = to_array(&test_picture());
    save_png(&filter.to_picture(filter.apply(levels.view()).view()), path)
}

/// The crate's own test picture.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_picture(path: &Path) -> FigureResult {
    save_png(&test_picture(), path)
}

/// The test picture through the box blur.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_box_blur(path: &Path) -> FigureResult {
    render_filtered(path, Filter::BoxBlur)
}

/// The test picture through the Gaussian blur.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_gaussian_blur(path: &Path) -> FigureResult {
    render_filtered(path, Filter::GaussianBlur)
}

/// The test picture sharpened.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_sharpen(path: &Path) -> FigureResult {
    render_filtered(path, Filter::Sharpen)
}

/// The test picture through Sobel x.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_sobel_x(path: &Path) -> FigureResult {
    render_filtered(path, Filter::SobelX)
}

/// The test picture through Sobel y.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_sobel_y(path: &Path) -> FigureResult {
    render_filtered(path, Filter::SobelY)
}

/// The edge magnitude of the test picture.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_edges(path: &Path) -> FigureResult {
    render_filtered(path, Filter::EdgeMagnitude)
}

/// A colour for a value on a diverging scale: white at 0, blue for positive, vermillion for
/// negative, full colour at ±`largest`.
fn heat(value: f64, largest: f64) -> RGBColor {
    let t = (value.abs() / largest.max(f64::MIN_POSITIVE)).min(1.0) * 0.75;
    let RGBColor(r, g, b) = if value >= 0.0 { PALETTE[0] } else { PALETTE[1] };
    let mix = |c: u8| (255.0 + (f64::from(c) - 255.0) * t).round() as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

/// The largest magnitude in a matrix.
fn largest(values: ArrayView2<f64>) -> f64 {
    values.fold(0.0f64, |m, v| m.max(v.abs()))
}

/// The colour scale of every kernel snapshot: the largest weight of Sobel x.
const KERNEL_SCALE: f64 = 2.0;

/// Where and how large to draw a grid of numbers, in pixels of its drawing area.
#[derive(Clone, Copy)]
struct Cells {
    left: i32,
    top: i32,
    size: i32,
}

impl Cells {
    fn corner(&self, row: usize, col: usize) -> (i32, i32) {
        (
            self.left + col as i32 * self.size,
            self.top + row as i32 * self.size,
        )
    }
}

fn centred(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Center))
}

fn number(v: f64) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    if v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A matrix as coloured cells, each labelled with its value; full colour at ±`largest`.
fn draw_cells<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    values: ArrayView2<f64>,
    at: Cells,
    largest: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = (at.size as u32 / 2).clamp(9, 18);
    for ((r, c), &v) in values.indexed_iter() {
        let (x, y) = at.corner(r, c);
        area.draw(&Rectangle::new(
            [(x, y), (x + at.size, y + at.size)],
            heat(v, largest).filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(x, y), (x + at.size, y + at.size)],
            GREY.stroke_width(1),
        ))?;
        area.draw(&Text::new(
            number(v),
            (x + at.size / 2, y + at.size / 2),
            centred(font),
        ))?;
    }
    Ok(())
}

/// A thick frame around the cells rows × cols starting at (row, col).
fn draw_frame<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: Cells,
    (row, col): (usize, usize),
    (rows, cols): (usize, usize),
    colour: RGBColor,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x0, y0) = at.corner(row, col);
    let (x1, y1) = at.corner(row + rows, col + cols);
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colour.stroke_width(4),
    ))
}

fn draw_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&Text::new(
        text.to_string(),
        (x, y),
        TextStyle::from((FONT, CAPTION_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
}

/// The image 1 … 9 and the kernel [[1, 2], [3, 4]] of the chapter's 2-D example.
fn example_3x3() -> (Array2<f64>, Array2<f64>) {
    (
        Array2::from_shape_fn((3, 3), |(i, j)| (3 * i + j + 1) as f64),
        array![[1.0, 2.0], [3.0, 4.0]],
    )
}

/// Heat maps of the doubly block Toeplitz matrix and the im2col matrix of the 3 × 3 example.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_matrices(path: &Path) -> FigureResult {
    let root = svg_area(path, (1000, 330))?;
    let (x, w) = example_3x3();
    let t = doubly_block_toeplitz(w.view(), [3, 3], ConvSpec::VALID);
    let x4 = x
        .view()
        .insert_axis(ndarray::Axis(0))
        .insert_axis(ndarray::Axis(0));
    let cols = im2col(x4, [2, 2], ConvSpec::VALID);
    let draw = |root: &DrawingArea<SVGBackend, Shift>| -> Result<(), DrawingAreaErrorKind<_>> {
        let size = 50;
        let toeplitz_at = Cells {
            left: 30,
            top: 70,
            size,
        };
        draw_label(root, "Toeplitz T (4 × 9): vec(y) = T vec(x)", (30, 30))?;
        draw_cells(root, t.view(), toeplitz_at, largest(t.view()))?;
        // The 2 × 3 grid of 2 × 3 blocks.
        for block_row in 0..2 {
            for block_col in 0..3 {
                draw_frame(
                    root,
                    toeplitz_at,
                    (2 * block_row, 3 * block_col),
                    (2, 3),
                    PALETTE[6],
                )?;
            }
        }
        let cols_at = Cells {
            left: 620,
            top: 70,
            size,
        };
        draw_label(root, "im2col (4 × 4): one column per window", (620, 30))?;
        draw_cells(root, cols.view(), cols_at, largest(cols.view()))?;
        draw_frame(root, cols_at, (0, 0), (4, 1), PALETTE[1])?;
        draw_label(root, "column 0 = window [1, 2; 4, 5]", (620, 300))?;
        draw_label(root, "blocks: one per (output row, input row)", (30, 300))
    };
    draw(&root).at(path)?;
    root.present().at(path)
}

/// The 4 × 4 example of the kernel gradient: x = 1 … 16, dy = 1 … 9.
fn example_4x4() -> (Array2<f64>, Array2<f64>, Array2<f64>) {
    (
        Array2::from_shape_fn((4, 4), |(i, j)| (4 * i + j + 1) as f64),
        array![[1.0, 0.0], [0.0, -1.0]],
        Array2::from_shape_fn((3, 3), |(i, j)| (3 * i + j + 1) as f64),
    )
}

/// Four panels: the 3 × 3 dy laid over the 4 × 4 x at each of its four offsets (m, n); the
/// sum of products under it is dw[m, n].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_kernel_gradient(path: &Path) -> FigureResult {
    let root = svg_area(path, (1040, 330))?;
    let (x, w, dy) = example_4x4();
    let grad_w = correlate_backward(x.view(), w.view(), dy.view(), ConvSpec::VALID).grad_w;
    for (panel, (m, n)) in root
        .split_evenly((1, 4))
        .iter()
        .zip([(0, 0), (0, 1), (1, 0), (1, 1)])
    {
        let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
            let at = Cells {
                left: 30,
                top: 60,
                size: 52,
            };
            draw_label(
                panel,
                &format!("dw[{m}, {n}] = {}", number(grad_w[[m, n]])),
                (30, 30),
            )?;
            draw_cells(panel, x.view(), at, largest(x.view()))?;
            draw_frame(panel, at, (m, n), (3, 3), PALETTE[1])?;
            // dy's value in the corner of each covered cell.
            for ((i, j), &g) in dy.indexed_iter() {
                let (cx, cy) = at.corner(m + i, n + j);
                panel.draw(&Text::new(
                    format!("×{}", number(g)),
                    (cx + at.size - 3, cy + at.size - 3),
                    TextStyle::from((FONT, 11).into_font())
                        .color(&PALETTE[1])
                        .pos(Pos::new(HPos::Right, VPos::Bottom)),
                ))?;
            }
            draw_label(panel, "x, with dy laid over it", (30, 290))
        };
        draw().at(path)?;
    }
    root.present().at(path)
}

/// Five panels: dy = 1 … 9 padded by one ring of zeros, the kernel rotated by 180° at four
/// positions, and the resulting dx with those entries framed.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_input_gradient(path: &Path) -> FigureResult {
    let root = svg_area(path, (1250, 340))?;
    let (x, w, dy) = example_4x4();
    let grad_x = correlate_backward(x.view(), w.view(), dy.view(), ConvSpec::VALID).grad_x;
    let dy4 = dy
        .view()
        .insert_axis(ndarray::Axis(0))
        .insert_axis(ndarray::Axis(0));
    let padded = pad(dy4, [(1, 1), (1, 1)]);
    let padded = padded.slice(s![0, 0, .., ..]);
    let rotated = w.slice(s![..;-1, ..;-1]);
    let positions = [(0, 0), (1, 1), (0, 3), (3, 3)];
    let panels = root.split_evenly((1, 5));
    for (panel, &(i, j)) in panels.iter().zip(&positions) {
        let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
            let at = Cells {
                left: 20,
                top: 60,
                size: 42,
            };
            draw_label(
                panel,
                &format!("dx[{i}, {j}] = {}", number(grad_x[[i, j]])),
                (20, 30),
            )?;
            draw_cells(panel, padded, at, largest(padded))?;
            draw_frame(panel, at, (i, j), (2, 2), PALETTE[1])?;
            for ((p, q), &k) in rotated.indexed_iter() {
                let (cx, cy) = at.corner(i + p, j + q);
                panel.draw(&Text::new(
                    format!("×{}", number(k)),
                    (cx + at.size - 3, cy + at.size - 3),
                    TextStyle::from((FONT, 11).into_font())
                        .color(&PALETTE[1])
                        .pos(Pos::new(HPos::Right, VPos::Bottom)),
                ))?;
            }
            draw_label(panel, "padded dy ⋆ rot180(w)", (20, 300))
        };
        draw().at(path)?;
    }
    let last = &panels[4];
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        let at = Cells {
            left: 20,
            top: 80,
            size: 48,
        };
        draw_label(last, "dx", (20, 30))?;
        draw_cells(last, grad_x.view(), at, largest(grad_x.view()))?;
        for &(i, j) in &positions {
            draw_frame(last, at, (i, j), (1, 1), PALETTE[1])?;
        }
        Ok(())
    };
    draw().at(path)?;
    root.present().at(path)
}

/// The steps whose kernels the learned-kernel figure shows.
pub const SNAPSHOT_STEPS: [usize; 5] = [0, 2, 5, 10, 40];

/// Left: the loss of [`learn_kernel`] on Sobel x against the step, log scale. Right: the
/// kernel at [`SNAPSHOT_STEPS`] and the hidden kernel.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_learned_kernel(path: &Path) -> FigureResult {
    let root = svg_area(path, (1150, 420))?;
    let settings = Settings::default();
    let run = learn_kernel(sobel_x().view(), settings);
    let (left, right) = root.split_horizontally(420);
    let draw_loss = || -> Result<(), DrawingAreaErrorKind<_>> {
        let lowest = run
            .losses
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .max(1e-30);
        let highest = run.losses.iter().copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&left)
            .caption("loss L = mean (ŷ − y)²", (FONT, CAPTION_SIZE))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(
                0.0..settings.steps as f64,
                (lowest / 2.0..highest * 2.0).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .light_line_style(WHITE)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("1e{}", v.log10().round() as i32))
            .draw()?;
        chart.draw_series(LineSeries::new(
            run.losses.iter().enumerate().map(|(k, &l)| (k as f64, l)),
            PALETTE[0].stroke_width(3),
        ))?;
        chart.draw_series(
            SNAPSHOT_STEPS
                .iter()
                .map(|&k| Circle::new((k as f64, run.losses[k]), 6, PALETTE[1].filled())),
        )?;
        Ok(())
    };
    draw_loss().at(path)?;
    let snapshots = SNAPSHOT_STEPS
        .iter()
        .map(|&k| (format!("step {k}"), run.kernels[k].clone()))
        .chain([("hidden".to_string(), sobel_x())]);
    let draw_kernels = || -> Result<(), DrawingAreaErrorKind<_>> {
        for (slot, (title, kernel)) in snapshots.enumerate() {
            let (col, row) = (slot % 3, slot / 3);
            let at = Cells {
                left: 20 + 240 * col as i32,
                top: 50 + 190 * row as i32,
                size: 46,
            };
            draw_label(&right, &title, (at.left, at.top - 20))?;
            let shown = kernel.mapv(|v| (v * 100.0).round() / 100.0);
            draw_cells(&right, shown.view(), at, KERNEL_SCALE)?;
        }
        Ok(())
    };
    draw_kernels().at(path)?;
    root.present().at(path)
}
