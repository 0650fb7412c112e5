//! The figures of chapter 5's second part: the data, the training run, and what the network
//! learned. Every figure of a run is drawn from a [`Run`]; the book's come from
//! [`super::book_run`], and `examples/chapter5.rs` draws the same ones for a reader's own run.

use std::path::Path;

use image::{Rgb, RgbImage, imageops};
use ndarray::{ArrayView2, ArrayView3, Axis, Ix4};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rand_chacha::ChaCha8Rng;

use super::manifold::{
    ORBIT_PERIOD, Pca, nearest_neighbour_accuracy, pixel_rows, pixels_and_features, rotation_orbit,
    unit_rows,
};
use super::{EpochReport, Run, book_run};
use crate::data::preprocess::to_image;
use crate::data::synthetic::{Spec, contact_sheet};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, legend_box, save_png,
    svg_area,
};

/// The second part's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch05/samples.png",
        render: render_samples,
    },
    Figure {
        path: "ch05/training-curves.svg",
        render: |path| render_training_curves(book_run(), path),
    },
    Figure {
        path: "ch05/confusion.svg",
        render: |path| render_confusion(book_run(), path),
    },
    Figure {
        path: "ch05/filters.svg",
        render: |path| render_filters(book_run(), path),
    },
    Figure {
        path: "ch05/feature-maps.png",
        render: |path| render_feature_maps(book_run(), path),
    },
    Figure {
        path: "ch05/orbit-frames.png",
        render: render_orbit_frames,
    },
    Figure {
        path: "ch05/orbit.svg",
        render: render_orbit,
    },
    Figure {
        path: "ch05/manifold.svg",
        render: |path| render_manifold(book_run(), path),
    },
];

/// Draws one figure of a run into a file.
pub type RunFigure = fn(&Run, &Path) -> FigureResult;

/// The figures drawn from a run, by file name: what `examples/chapter5.rs` draws for a run on
/// the reader's own data.
pub const RUN_FIGURES: [(&str, RunFigure); 5] = [
    ("training-curves.svg", render_training_curves),
    ("confusion.svg", render_confusion),
    ("filters.svg", render_filters),
    ("feature-maps.png", render_feature_maps),
    ("manifold.svg", render_manifold),
];

/// Sample pictures per class in the contact sheet.
pub const SAMPLES_PER_CLASS: usize = 8;

/// One row per class of the synthetic data set (in label order), eight training pictures each.
pub fn render_samples(path: &Path) -> FigureResult {
    save_png(&contact_sheet(&Spec::default(), SAMPLES_PER_CLASS), path)
}

/// A line chart of one quantity per epoch: each series is (label, colour, dashed, values).
fn draw_epochs(
    area: &DrawingArea<SVGBackend, Shift>,
    path: &Path,
    caption: &str,
    y_desc: &str,
    y_range: std::ops::Range<f64>,
    series: &[(&str, RGBColor, bool, Vec<f64>)],
) -> FigureResult {
    let epochs = series.iter().map(|s| s.3.len()).max().unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, CAPTION_SIZE))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5..epochs as f64 + 0.5, y_range)
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_labels(epochs.min(12))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;
    for (label, colour, dashed, values) in series {
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| ((i + 1) as f64, v))
            .collect();
        let style = colour.stroke_width(3);
        let drawn = if *dashed {
            chart
                .draw_series(DashedLineSeries::new(points.clone(), 8, 6, style))
                .at(path)?
        } else {
            chart
                .draw_series(LineSeries::new(points.clone(), style))
                .at(path)?
        };
        let colour = *colour;
        drawn
            .label(*label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3)));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))
            .at(path)?;
    }
    legend_box(&mut chart, SeriesLabelPosition::MiddleRight).at(path)
}

fn column(history: &[EpochReport], field: fn(&EpochReport) -> f64) -> Vec<f64> {
    history.iter().map(field).collect()
}

/// Left: the CNN's training and validation loss per epoch. Right: its accuracies, the linear
/// baseline's validation accuracy and the accuracy of guessing.
pub fn render_training_curves(run: &Run, path: &Path) -> FigureResult {
    let root = svg_area(path, (1200, 480))?;
    let (left, right) = root.split_horizontally(600);
    let (h, b) = (&run.history, &run.baseline);
    let losses = [
        (
            "train (during the epoch)",
            PALETTE[0],
            false,
            column(h, |r| r.train_loss),
        ),
        (
            "validation (after it)",
            PALETTE[1],
            false,
            column(h, |r| r.val_loss),
        ),
    ];
    let top = losses
        .iter()
        .flat_map(|s| s.3.iter())
        .fold(0.0f64, |m, &v| m.max(v));
    draw_epochs(
        &left,
        path,
        "CNN: cross-entropy",
        "mean cross-entropy",
        0.0..top * 1.08,
        &losses,
    )?;
    let chance = 1.0 / run.splits.train.classes.len() as f64;
    let accuracies = [
        (
            "CNN, train",
            PALETTE[0],
            false,
            column(h, |r| r.train_accuracy),
        ),
        (
            "CNN, validation",
            PALETTE[1],
            false,
            column(h, |r| r.val_accuracy),
        ),
        (
            "linear, validation",
            PALETTE[2],
            true,
            column(b, |r| r.val_accuracy),
        ),
        ("guessing", GREY, true, vec![chance; h.len()]),
    ];
    draw_epochs(
        &right,
        path,
        "Accuracy: CNN against a linear model",
        "fraction right",
        0.0..1.02,
        &accuracies,
    )?;
    root.present().at(path)
}

/// Draws `text` centred at `(x, y)` of `area`, rotated if `vertical`.
fn label(
    area: &DrawingArea<SVGBackend, Shift>,
    path: &Path,
    text: &str,
    (x, y): (i32, i32),
    size: u32,
    vertical: bool,
) -> FigureResult {
    let mut style = (FONT, size)
        .into_text_style(area)
        .pos(Pos::new(HPos::Center, VPos::Center));
    if vertical {
        style = style.transform(FontTransform::Rotate270);
    }
    area.draw(&Text::new(text.to_string(), (x, y), style))
        .at(path)
}

/// Side of a cell of the confusion matrix, in pixels.
const CONFUSION_CELL: i32 = 84;

/// The validation confusion matrix: row = true class, column = predicted class, the count in
/// each cell, shaded by the fraction of its row.
pub fn render_confusion(run: &Run, path: &Path) -> FigureResult {
    let classes = &run.splits.val.classes;
    let k = classes.len() as i32;
    let matrix = run.evaluation.confusion(classes.len());
    let (left, top, cell) = (150, 70, CONFUSION_CELL);
    let size = (left + k * cell + 30, top + k * cell + 120);
    let root = svg_area(path, (size.0 as u32, size.1 as u32))?;
    label(
        &root,
        path,
        &format!(
            "Validation confusion matrix ({:.1} % right)",
            100.0 * run.accuracy()
        ),
        (size.0 / 2, 28),
        CAPTION_SIZE,
        false,
    )?;
    for (i, row) in matrix.axis_iter(Axis(0)).enumerate() {
        let total = row.sum().max(1) as f64;
        for (j, &count) in row.iter().enumerate() {
            let (x, y) = (left + j as i32 * cell, top + i as i32 * cell);
            let share = count as f64 / total;
            let RGBColor(r, g, b) = if i == j { PALETTE[0] } else { PALETTE[1] };
            let mix = |c: u8| (255.0 + (f64::from(c) - 255.0) * share.min(1.0)).round() as u8;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(mix(r), mix(g), mix(b)).filled(),
            ))
            .at(path)?;
            root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], GREY))
                .at(path)?;
            let ink = if share > 0.55 { WHITE } else { BLACK };
            let style = (FONT, LABEL_SIZE)
                .into_text_style(&root)
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new(
                count.to_string(),
                (x + cell / 2, y + cell / 2),
                style,
            ))
            .at(path)?;
        }
    }
    for (c, name) in classes.iter().enumerate() {
        let centre = c as i32 * cell + cell / 2;
        let style = (FONT, 16)
            .into_text_style(&root)
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(name.clone(), (left - 8, top + centre), style))
            .at(path)?;
        label(
            &root,
            path,
            name,
            (left + centre, top + k * cell + 18),
            16,
            false,
        )?;
    }
    label(
        &root,
        path,
        "predicted class",
        (left + k * cell / 2, top + k * cell + 52),
        LABEL_SIZE,
        false,
    )?;
    label(
        &root,
        path,
        "true class",
        (24, top + k * cell / 2),
        LABEL_SIZE,
        true,
    )?;
    root.present().at(path)
}

/// Side of one weight's square in the filter figure, in pixels.
const WEIGHT_PIXELS: i32 = 22;
/// Filters per row of the filter figure.
const FILTERS_PER_ROW: usize = 8;

/// A filter's weights `[3, kh, kw]` as colours: each weight w of channel c becomes
/// 0.5 + 0.5 · w / max|w| of that channel's intensity, so zero is mid-grey, and the filter's
/// largest weight (in any channel) is full intensity.
pub fn filter_colours(filter: ArrayView3<f32>) -> Vec<Vec<RGBColor>> {
    let largest = filter
        .fold(0.0f32, |m, w| m.max(w.abs()))
        .max(f32::MIN_POSITIVE);
    let (_, kh, kw) = filter.dim();
    (0..kh)
        .map(|y| {
            (0..kw)
                .map(|x| {
                    let level = |c: usize| {
                        ((0.5 + 0.5 * filter[[c, y, x]] / largest) * 255.0).round() as u8
                    };
                    RGBColor(level(0), level(1), level(2))
                })
                .collect()
        })
        .collect()
}

/// The first convolution's filters, each drawn as a small RGB picture of its 3 × 3 weights.
pub fn render_filters(run: &Run, path: &Path) -> FigureResult {
    let weight = {
        let mut model = run.model.lock().expect("the model's lock is not poisoned");
        let params = model.layers[0].params();
        params[0]
            .value
            .to_owned()
            .into_dimensionality::<Ix4>()
            .expect("the first layer is a convolution with [c_out, c_in, kh, kw] weights")
    };
    let (count, _, kh, kw) = weight.dim();
    let rows = count.div_ceil(FILTERS_PER_ROW) as i32;
    let (cell_w, cell_h) = (
        kw as i32 * WEIGHT_PIXELS + 24,
        kh as i32 * WEIGHT_PIXELS + 24,
    );
    let (left, top) = (20, 60);
    let width = left * 2 + FILTERS_PER_ROW as i32 * cell_w;
    let root = svg_area(path, (width as u32, (top + rows * cell_h + 10) as u32))?;
    label(
        &root,
        path,
        &format!("The {count} learned filters of the first layer (grey = 0)"),
        (width / 2, 26),
        CAPTION_SIZE,
        false,
    )?;
    for (f, filter) in weight.axis_iter(Axis(0)).enumerate() {
        let (x0, y0) = (
            left + (f % FILTERS_PER_ROW) as i32 * cell_w + 12,
            top + (f / FILTERS_PER_ROW) as i32 * cell_h,
        );
        for (y, row) in filter_colours(filter).iter().enumerate() {
            for (x, colour) in row.iter().enumerate() {
                let (px, py) = (x0 + x as i32 * WEIGHT_PIXELS, y0 + y as i32 * WEIGHT_PIXELS);
                root.draw(&Rectangle::new(
                    [(px, py), (px + WEIGHT_PIXELS, py + WEIGHT_PIXELS)],
                    colour.filled(),
                ))
                .at(path)?;
            }
        }
    }
    root.present().at(path)
}

/// Feature maps per layer in the feature-map figure.
pub const MAPS_PER_LAYER: usize = 8;
/// Side of every tile of the feature-map figure, in pixels.
const TILE: u32 = 96;
/// Gap between tiles, in pixels.
const GAP: u32 = 6;

/// One feature map `[h, w]` as a grey tile of side [`TILE`]: black is 0, white the map's own
/// largest activation (ReLU outputs are never negative).
fn map_tile(map: ArrayView2<f32>) -> RgbImage {
    let largest = map.fold(0.0f32, |m, &v| m.max(v)).max(f32::MIN_POSITIVE);
    let (h, w) = map.dim();
    let small = RgbImage::from_fn(w as u32, h as u32, |x, y| {
        Rgb([(map[[y as usize, x as usize]] / largest * 255.0).round() as u8; 3])
    });
    imageops::resize(&small, TILE, TILE, imageops::FilterType::Nearest)
}

/// The validation picture the feature-map figure follows: the first one of the last class.
fn feature_map_example(run: &Run) -> usize {
    let last = run.splits.val.classes.len() - 1;
    run.splits
        .val
        .labels
        .iter()
        .position(|&l| l == last)
        .expect("every class has validation pictures")
}

/// One validation picture on the left, then the first [`MAPS_PER_LAYER`] feature maps after
/// each of the three convolution blocks' ReLUs, one row per block (top: first block).
pub fn render_feature_maps(run: &Run, path: &Path) -> FigureResult {
    let index = feature_map_example(run);
    let (x, _) = run.splits.val.batch(&[index], None::<&mut ChaCha8Rng>);
    let activations = run
        .model
        .lock()
        .expect("the model's lock is not poisoned")
        .activations(x.view().into_dyn());
    // The chapter's network: conv, ReLU, pool, three times. A ReLU's output is the input of the
    // pooling after it, at positions 3, 6 and 9 of the activations (0 is the picture).
    let relu_outputs: Vec<_> = [3, 6, 9]
        .iter()
        .map(|&i| {
            activations[i]
                .view()
                .into_dimensionality::<Ix4>()
                .expect("conv blocks give [n, c, h, w]")
        })
        .collect();
    let step = TILE + GAP;
    let picture_side = TILE * 2 + GAP;
    let left = picture_side + 3 * GAP;
    let width = left + MAPS_PER_LAYER as u32 * step;
    let height = 3 * step + GAP;
    let mut sheet = RgbImage::from_pixel(width, height, Rgb([255; 3]));
    let picture = to_image(x.index_axis(Axis(0), 0));
    let picture = imageops::resize(
        &picture,
        picture_side,
        picture_side,
        imageops::FilterType::Nearest,
    );
    imageops::replace(
        &mut sheet,
        &picture,
        i64::from(GAP),
        i64::from(step / 2 + GAP),
    );
    for (row, maps) in relu_outputs.iter().enumerate() {
        for (k, map) in maps
            .index_axis(Axis(0), 0)
            .axis_iter(Axis(0))
            .take(MAPS_PER_LAYER)
            .enumerate()
        {
            let tile = map_tile(map);
            let (x, y) = (left + k as u32 * step, GAP + row as u32 * step);
            imageops::replace(&mut sheet, &tile, x.into(), y.into());
        }
    }
    save_png(&sheet, path)
}

/// Pictures in the rotation orbit of the manifold figures.
pub const ORBIT_STEPS: usize = 90;
/// Seed of the orbit's cross (its colours and lighting).
pub const ORBIT_SEED: u64 = 7;
/// Frames of the orbit shown in the strip above its figure.
const ORBIT_FRAMES: usize = 9;

/// Every tenth picture of the rotation orbit, side by side, from 0° to 80°.
pub fn render_orbit_frames(path: &Path) -> FigureResult {
    let orbit = rotation_orbit(ORBIT_STEPS, ORBIT_SEED);
    let side = orbit[0].width();
    let every = ORBIT_STEPS / ORBIT_FRAMES;
    let mut strip = RgbImage::from_pixel(
        (side + GAP) * ORBIT_FRAMES as u32 + GAP,
        side + 2 * GAP,
        Rgb([255; 3]),
    );
    for (k, frame) in orbit.iter().step_by(every).take(ORBIT_FRAMES).enumerate() {
        let x = GAP + k as u32 * (side + GAP);
        imageops::replace(&mut strip, frame, x.into(), GAP.into());
    }
    save_png(&strip, path)
}

/// Left: the orbit's pictures, points in 12,288 dimensions, projected on their first two
/// principal directions, in order of angle: a closed curve. Right: the fraction of the
/// orbit's variance the first k directions hold.
pub fn render_orbit(path: &Path) -> FigureResult {
    let orbit = rotation_orbit(ORBIT_STEPS, ORBIT_SEED);
    let pca = Pca::fit(pixel_rows(&orbit).view(), 2);
    let root = svg_area(path, (1200, 520))?;
    let (left, right) = root.split_horizontally(600);
    let points: Vec<(f64, f64)> = pca
        .scores
        .rows()
        .into_iter()
        .map(|r| (r[0], r[1]))
        .collect();
    let reach = points
        .iter()
        .fold(0.0f64, |m, p| m.max(p.0.abs()).max(p.1.abs()))
        * 1.15;
    let mut chart = ChartBuilder::on(&left)
        .caption(
            "A turning cross, in its two main directions",
            (FONT, CAPTION_SIZE),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(-reach..reach, -reach..reach)
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("principal direction 1")
        .y_desc("principal direction 2")
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;
    let closed: Vec<(f64, f64)> = points.iter().chain(points.first()).copied().collect();
    chart
        .draw_series(LineSeries::new(closed, GREY.stroke_width(2)))
        .at(path)?;
    chart
        .draw_series(points.iter().enumerate().map(|(i, &p)| {
            let colour = if i == 0 { PALETTE[1] } else { PALETTE[0] };
            Circle::new(p, if i == 0 { 7 } else { 4 }, colour.filled())
        }))
        .at(path)?;
    let every = ORBIT_STEPS / ORBIT_FRAMES;
    for i in (0..ORBIT_STEPS).step_by(every * 2) {
        let degrees = (ORBIT_PERIOD * i as f64 / ORBIT_STEPS as f64).to_degrees();
        let (x, y) = points[i];
        let style = (FONT, 16)
            .into_text_style(&left)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{degrees:.0}°"),
                (x, y),
                style,
            )))
            .at(path)?;
    }
    let shown = 12;
    let mut bars = ChartBuilder::on(&right)
        .caption(
            "Variance held by the first k directions",
            (FONT, CAPTION_SIZE),
        )
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.5..shown as f64 + 0.5, 0.0..1.02)
        .at(path)?;
    bars.configure_mesh()
        .x_desc("k, principal directions kept")
        .y_desc("fraction of the variance")
        .x_labels(shown)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;
    bars.draw_series((1..=shown).map(|k| {
        let x = k as f64;
        Rectangle::new(
            [(x - 0.35, 0.0), (x + 0.35, pca.explained(k))],
            PALETTE[0].filled(),
        )
    }))
    .at(path)?;
    root.present().at(path)
}

/// A tick label with one decimal, never "-0.0".
fn tick(v: &f64) -> String {
    format!("{:.1}", (v * 10.0).round() / 10.0 + 0.0)
}

/// One panel of the manifold figure: every validation picture as a dot at its first two
/// principal coordinates, coloured by class.
fn draw_projection(
    area: &DrawingArea<SVGBackend, Shift>,
    path: &Path,
    caption: &str,
    points: ArrayView2<f64>,
    labels: &[usize],
    classes: &[String],
    legend: SeriesLabelPosition,
) -> FigureResult {
    let pca = Pca::fit(points, 2);
    let range = |axis: usize| {
        let column = pca.scores.column(axis);
        let (low, high) = column.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
        let pad = (high - low).max(f64::MIN_POSITIVE) * 0.08;
        (low - pad)..(high + pad)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, CAPTION_SIZE))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(range(0), range(1))
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("principal direction 1")
        .y_desc("principal direction 2")
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;
    for (class, name) in classes.iter().enumerate() {
        let colour = PALETTE[class % PALETTE.len()];
        chart
            .draw_series(
                pca.scores
                    .rows()
                    .into_iter()
                    .zip(labels)
                    .filter(|&(_, &l)| l == class)
                    .map(|(r, _)| Circle::new((r[0], r[1]), 4, colour.mix(0.75).filled())),
            )
            .at(path)?
            .label(name.as_str())
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
    }
    legend_box(&mut chart, legend).at(path)
}

/// The validation pictures projected on their first two principal directions: left as raw
/// pixels, right as the trained network's features (the input of its last layer), each
/// picture's vector scaled to length 1. Each caption gives the leave-one-out
/// nearest-neighbour accuracy in the full space.
pub fn render_manifold(run: &Run, path: &Path) -> FigureResult {
    let (pixels, features) = {
        let mut model = run.model.lock().expect("the model's lock is not poisoned");
        pixels_and_features(&mut model, &run.splits.val)
    };
    let labels = &run.splits.val.labels;
    let classes = &run.splits.val.classes;
    let root = svg_area(path, (1200, 560))?;
    let (left, right) = root.split_horizontally(600);
    let (pixels, features) = (unit_rows(pixels.view()), unit_rows(features.view()));
    // The features' arms spread to the left and down, leaving the top left corner free.
    for (area, name, points, legend) in [
        (&left, "Pixels", &pixels, SeriesLabelPosition::UpperRight),
        (
            &right,
            "Network features",
            &features,
            SeriesLabelPosition::UpperLeft,
        ),
    ] {
        let accuracy = nearest_neighbour_accuracy(points.view(), labels);
        let caption = format!("{name}: nearest neighbour {:.0} % right", 100.0 * accuracy);
        draw_projection(area, path, &caption, points.view(), labels, classes, legend)?;
    }
    root.present().at(path)
}
