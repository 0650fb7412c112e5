//! The figures of chapter 5's first half: parameter counts of dense, locally connected and
//! convolutional layers, and receptive fields growing through a stack of layers.

use std::path::Path;

use ndarray::{Array1, Array2, Array4, ArrayD, ArrayView2, Axis, Ix2};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::count::{ConvShape, receptive_field};
use super::{Conv2d, Layer, MaxPool2d, Sequential};
use crate::conv::{ConvSpec, Padding};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, svg_area,
};

/// Chapter 5's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch05/parameter-counts.svg",
        render: render_parameter_counts,
    },
    Figure {
        path: "ch05/receptive-field.svg",
        render: render_receptive_field,
    },
    Figure {
        path: "ch05/max-pool-routing.svg",
        render: render_max_pool_routing,
    },
];

/// The layer whose three wirings the parameter-count figure compares: 3 × 3 kernels from RGB
/// to 64 channels, padding 1, so the output keeps the image's size.
pub const COMPARED_LAYER: ConvShape = ConvShape {
    in_channels: 3,
    out_channels: 64,
    kernel: 3,
    stride: 1,
    padding: 1,
};

/// The image sides of the parameter-count figure, from a thumbnail to ImageNet's 224.
pub const IMAGE_SIDES: [usize; 6] = [8, 16, 32, 64, 128, 224];

/// The parameters of [`COMPARED_LAYER`] on a square image of side `side`, wired three ways:
/// dense (every output sees every input), locally connected (each output sees its 3 × 3
/// window, with weights of its own) and convolutional (the window's weights shared by every
/// position).
///
/// # Examples
///
/// ```
/// use descent::cnn::figures::wirings;
/// let [dense, local, conv] = wirings(224);
/// assert_eq!(conv, 1_792);
/// assert_eq!(local, 224 * 224 * 1_792);
/// assert_eq!(dense, 150_528 * (64 * 224 * 224) + 64 * 224 * 224);
/// ```
pub fn wirings(side: usize) -> [usize; 3] {
    [
        COMPARED_LAYER.dense_equivalent_parameters(side),
        COMPARED_LAYER.locally_connected_parameters(side),
        COMPARED_LAYER.parameters(),
    ]
}

/// Log-log lines: parameters of the three wirings of [`COMPARED_LAYER`] against the image
/// side.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_parameter_counts(path: &Path) -> FigureResult {
    let root = svg_area(path, (900, 560))?;
    let names = [
        "dense: every output sees every input",
        "locally connected: 3×3 windows, no sharing",
        "convolution: 3×3 windows, shared weights",
    ];
    let (first, last) = (IMAGE_SIDES[0] as f64, IMAGE_SIDES[5] as f64);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Parameters of one layer, RGB → 64 channels, same output size",
            (FONT, CAPTION_SIZE),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (first / 1.2..last * 1.2)
                .log_scale()
                .with_key_points(IMAGE_SIDES.iter().map(|&s| s as f64).collect()),
            (1e3f64..1e13).log_scale(),
        )
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("image side (pixels)")
        .y_desc("parameters")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("1e{}", v.log10().round() as i32))
        .draw()
        .at(path)?;
    for (k, name) in names.iter().enumerate() {
        let colour = PALETTE[k];
        let points: Vec<(f64, f64)> = IMAGE_SIDES
            .iter()
            .map(|&side| (side as f64, wirings(side)[k] as f64))
            .collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(3),
            ))
            .at(path)?
            .label(*name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
            });
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 5, colour.filled())))
            .at(path)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, LABEL_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()
        .at(path)?;
    root.present().at(path)
}

/// For each input pixel of a `side × side` image, the number of paths from it to the centre
/// output of a stack of layers with all-ones kernels, given as (kernel, stride); 0 outside the
/// centre output's receptive field.
///
/// It is computed by backpropagation: the gradient of that one output with respect to the
/// input. With every weight 1, the chain rule multiplies ones along each path and adds the
/// paths up, so the gradient counts them, and it is non-zero exactly on the receptive field.
///
/// # Panics
///
/// If the stack does not fit in the image.
///
/// # Examples
///
/// ```
/// use descent::cnn::figures::paths_to_centre;
/// use ndarray::array;
/// let paths = paths_to_centre(&[(3, 1), (3, 1)], 5);
/// // Two 3×3 layers: the centre output depends on the whole 5×5 input, its middle most.
/// assert_eq!(paths.row(0), array![1.0, 2.0, 3.0, 2.0, 1.0]);
/// assert_eq!(paths[[2, 2]], 9.0);
/// assert_eq!(paths.sum(), 81.0); // 9 middle outputs, 9 inputs each
/// ```
pub fn paths_to_centre(layers: &[(usize, usize)], side: usize) -> Array2<f64> {
    let stack = layers
        .iter()
        .map(|&(kernel, stride)| {
            let conv = Conv2d::from_parts(
                Array4::ones((1, 1, kernel, kernel)),
                Array1::zeros(1),
                ConvSpec::new(Padding::Valid, stride),
            );
            Box::new(conv) as Box<dyn Layer<f64>>
        })
        .collect();
    let mut model = Sequential::new(stack);
    let y = model.forward(Array4::<f64>::zeros((1, 1, side, side)).into_dyn().view());
    let (oh, ow) = (y.shape()[2], y.shape()[3]);
    let mut grad_y = ArrayD::zeros(y.raw_dim());
    grad_y[[0, 0, oh / 2, ow / 2]] = 1.0;
    model
        .backward(grad_y.view())
        .index_axis_move(Axis(0), 0)
        .index_axis_move(Axis(0), 0)
        .into_dimensionality::<Ix2>()
        .expect("one image, one channel")
}

/// The stacks the receptive-field figure draws, with their titles.
pub const FIELD_STACKS: [(&str, &[(usize, usize)]); 4] = [
    ("one 3×3 conv", &[(3, 1)]),
    ("two 3×3 convs", &[(3, 1), (3, 1)]),
    ("three 3×3 convs", &[(3, 1), (3, 1), (3, 1)]),
    ("3×3 conv, 2×2 pool, 3×3 conv", &[(3, 1), (2, 2), (3, 1)]),
];

/// The side of the input grid drawn in each panel.
const FIELD_GRID: usize = 9;

/// Four panels: the input pixels one output of each of [`FIELD_STACKS`] depends on, shaded and
/// labelled by the number of paths that lead from each pixel to it.
///
/// A 2 × 2 pooling window with stride 2 is drawn as an all-ones 2 × 2 convolution with stride
/// 2: it looks at the same pixels (max-pooling then picks one of them for each input, which
/// changes the paths, not the field).
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_receptive_field(path: &Path) -> FigureResult {
    let root = svg_area(path, (1240, 400))?;
    for (panel, (title, stack)) in root.split_evenly((1, 4)).iter().zip(FIELD_STACKS) {
        let paths = paths_to_centre(stack, FIELD_GRID);
        let field = receptive_field(stack);
        draw_paths(
            panel,
            paths.view(),
            title,
            &format!("sees {field} × {field} pixels"),
        )
        .at(path)?;
    }
    root.present().at(path)
}

/// One panel of the receptive-field figure: the grid of path counts with a title above and a
/// note below.
fn draw_paths<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    paths: ArrayView2<f64>,
    title: &str,
    note: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const LEFT: i32 = 20;
    const TOP: i32 = 56;
    const CELL: i32 = 30;
    let most = paths.fold(0.0f64, |m, &v| m.max(v));
    let label = |text: &str, y: i32| {
        Text::new(
            text.to_string(),
            (LEFT, y),
            TextStyle::from((FONT, CAPTION_SIZE).into_font())
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )
    };
    area.draw(&label(title, 26))?;
    for ((r, c), &count) in paths.indexed_iter() {
        let (x, y) = (LEFT + c as i32 * CELL, TOP + r as i32 * CELL);
        let corners = [(x, y), (x + CELL, y + CELL)];
        area.draw(&Rectangle::new(corners, shade(count / most).filled()))?;
        area.draw(&Rectangle::new(corners, GREY.stroke_width(1)))?;
        if count > 0.0 {
            let ink = if count / most > 0.6 { WHITE } else { BLACK };
            area.draw(&Text::new(
                format!("{count:.0}"),
                (x + CELL / 2, y + CELL / 2),
                TextStyle::from((FONT, 13).into_font())
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
    }
    let bottom = TOP + FIELD_GRID as i32 * CELL;
    area.draw(&label(note, bottom + 28))?;
    Ok(())
}

/// White at 0, the palette's blue at 1.
fn shade(t: f64) -> RGBColor {
    let RGBColor(r, g, b) = PALETTE[0];
    let t = if t > 0.0 {
        0.15 + 0.85 * t.min(1.0)
    } else {
        0.0
    };
    let mix = |c: u8| (255.0 + (f64::from(c) - 255.0) * t).round() as u8;
    RGBColor(mix(r), mix(g), mix(b))
}

/// The max-pooling example of the chapter, extended by a second row of windows: the input x,
/// the output y of 2 × 2 pooling with stride 2, an upstream gradient dy and the gradient dx
/// that [`MaxPool2d`]'s backward pass routes to each window's arg-max.
///
/// # Examples
///
/// ```
/// use descent::cnn::figures::max_pool_example;
/// use ndarray::array;
/// let [x, y, dy, dx] = max_pool_example();
/// assert_eq!(x.row(0), array![1.0, 5.0, 2.0, 0.0]);
/// assert_eq!(y, array![[5.0, 8.0], [9.0, 4.0]]);
/// assert_eq!(dy, array![[10.0, 20.0], [30.0, 40.0]]);
/// assert_eq!(dx.sum(), dy.sum()); // nothing is lost, nothing is added
/// assert_eq!((dx[[0, 1]], dx[[1, 2]], dx[[3, 1]], dx[[3, 2]]), (10.0, 20.0, 30.0, 40.0));
/// ```
pub fn max_pool_example() -> [Array2<f64>; 4] {
    let x = ndarray::array![
        [1.0, 5.0, 2.0, 0.0],
        [3.0, 4.0, 8.0, 7.0],
        [6.0, 2.0, 1.0, 3.0],
        [0.0, 9.0, 4.0, 2.0]
    ];
    let dy = ndarray::array![[10.0, 20.0], [30.0, 40.0]];
    fn as_map(a: &Array2<f64>) -> ndarray::ArrayViewD<'_, f64> {
        a.view()
            .insert_axis(Axis(0))
            .insert_axis(Axis(0))
            .into_dyn()
    }
    let as_matrix = |a: ArrayD<f64>| {
        a.index_axis_move(Axis(0), 0)
            .index_axis_move(Axis(0), 0)
            .into_dimensionality::<Ix2>()
            .expect("one image, one channel")
    };
    let mut pool = MaxPool2d::new(2, 2);
    let y = as_matrix(pool.forward(as_map(&x)));
    let dx = as_matrix(pool.backward(as_map(&dy)));
    [x, y, dy, dx]
}

/// Four panels: x with its four 2 × 2 windows in four colours and each arg-max filled, y, dy,
/// and dx, where each window's dy lands on its arg-max and every other input gets 0.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_max_pool_routing(path: &Path) -> FigureResult {
    let root = svg_area(path, (1240, 340))?;
    let [x, y, dy, dx] = max_pool_example();
    let window_of = |r: usize, c: usize| PALETTE[(r / 2) * 2 + c / 2];
    let output_colour = |r: usize, c: usize| PALETTE[r * 2 + c];
    let winners: Vec<(usize, usize)> = dx
        .indexed_iter()
        .filter(|(_, g)| **g != 0.0)
        .map(|(rc, _)| rc)
        .collect();
    let is_winner = |r: usize, c: usize| winners.contains(&(r, c));
    let panels = root.split_evenly((1, 4));
    let draw = || -> Result<(), DrawingAreaErrorKind<_>> {
        draw_grid(
            &panels[0],
            x.view(),
            "x: four 2×2 windows",
            "the arg-max of each, filled",
            &|r, c| (window_of(r, c), is_winner(r, c)),
        )?;
        draw_grid(
            &panels[1],
            y.view(),
            "y = max of each window",
            "forward",
            &|r, c| (output_colour(r, c), true),
        )?;
        draw_grid(
            &panels[2],
            dy.view(),
            "dy, from the layer above",
            "backward",
            &|r, c| (output_colour(r, c), true),
        )?;
        draw_grid(
            &panels[3],
            dx.view(),
            "dx: dy goes to the arg-max",
            "every other input gets 0",
            &|r, c| (window_of(r, c), is_winner(r, c)),
        )
    };
    draw().at(path)?;
    root.present().at(path)
}

/// A grid of numbers, 50-pixel cells, centred in its panel under a title; `style(r, c)` gives
/// each cell's colour and whether it is filled (otherwise only tinted).
fn draw_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    values: ArrayView2<f64>,
    title: &str,
    note: &str,
    style: &dyn Fn(usize, usize) -> (RGBColor, bool),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const CELL: i32 = 50;
    const GRID_TOP: i32 = 60;
    const GRID_HEIGHT: i32 = 4 * CELL;
    let (width, _) = area.dim_in_pixel();
    let (rows, cols) = values.dim();
    let left = (width as i32 - cols as i32 * CELL) / 2;
    let top = GRID_TOP + (GRID_HEIGHT - rows as i32 * CELL) / 2;
    let text = |s: &str, (x, y): (i32, i32), size: u32, colour: &'static RGBColor| {
        Text::new(
            s.to_string(),
            (x, y),
            TextStyle::from((FONT, size).into_font())
                .color(colour)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        )
    };
    let middle = width as i32 / 2;
    area.draw(&text(title, (middle, 26), CAPTION_SIZE, &BLACK))?;
    for ((r, c), &v) in values.indexed_iter() {
        let (x, y) = (left + c as i32 * CELL, top + r as i32 * CELL);
        let corners = [(x, y), (x + CELL, y + CELL)];
        let (colour, filled) = style(r, c);
        let fill = if filled {
            colour.mix(0.85)
        } else {
            colour.mix(0.15)
        };
        area.draw(&Rectangle::new(corners, fill.filled()))?;
        area.draw(&Rectangle::new(corners, GREY.stroke_width(1)))?;
        let ink = if filled { &WHITE } else { &BLACK };
        area.draw(&text(
            &format!("{v:.0}"),
            (x + CELL / 2, y + CELL / 2),
            LABEL_SIZE,
            ink,
        ))?;
    }
    area.draw(&text(
        note,
        (middle, GRID_TOP + GRID_HEIGHT + 34),
        LABEL_SIZE,
        &BLACK,
    ))?;
    Ok(())
}
