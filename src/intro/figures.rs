//! The Introduction's figure: gradient descent on f(x) = x² with four learning rates.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{bowl, bowl_slope, descend};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, linspace, svg_area,
};

/// The Introduction's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[Figure {
    path: "intro/learning-rates.svg",
    render: render_learning_rates,
}];

/// Where every run in the figure starts.
pub const START: f64 = 4.0;
/// How many steps each panel shows.
pub const STEPS: usize = 6;
/// Too small, about right, too large but still converging, and diverging.
pub const LEARNING_RATES: [f64; 4] = [0.1, 0.45, 0.9, 1.05];

const X_RANGE: std::ops::Range<f64> = -8.0..8.0;
const Y_RANGE: std::ops::Range<f64> = -2.0..66.0;

/// Four panels, one per learning rate, each showing the iterates of gradient descent on the bowl.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_learning_rates(path: &Path) -> FigureResult {
    let root = svg_area(path, (1000, 760))?;
    for (panel, &rate) in root.split_evenly((2, 2)).iter().zip(&LEARNING_RATES) {
        draw_descent_panel(panel, rate).at(path)?;
    }
    root.present().at(path)
}

fn draw_descent_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    learning_rate: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let iterates = descend(bowl_slope, START, learning_rate, STEPS);
    let factor = 1.0 - 2.0 * learning_rate;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("η = {learning_rate}: each step multiplies x by {factor:.1}"),
            (FONT, CAPTION_SIZE),
        )
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(52)
        .build_cartesian_2d(X_RANGE, Y_RANGE)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc("f(x) = x²")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()?;
    let curve = linspace(X_RANGE.start, X_RANGE.end, 200);
    chart.draw_series(LineSeries::new(
        curve.iter().map(|&x| (x, bowl(x))),
        GREY.stroke_width(2),
    ))?;
    let path = iterates.iter().map(|&x| (x, bowl(x)));
    chart.draw_series(LineSeries::new(path.clone(), PALETTE[0].stroke_width(2)))?;
    chart.draw_series(path.clone().map(|p| Circle::new(p, 5, PALETTE[1].filled())))?;
    chart.draw_series(path.enumerate().map(|(k, (x, y))| {
        Text::new(
            k.to_string(),
            (x + 0.25, y + 2.5),
            (FONT, LABEL_SIZE).into_font().color(&PALETTE[1]),
        )
    }))?;
    Ok(())
}
