//! The appendix's figure: the error of forward and centred differences against the step h.

use std::path::Path;

use plotters::prelude::*;

use super::{StepError, step_sweep};
use crate::figures::Figure;
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, logspace, svg_area,
};

/// The appendix's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[Figure {
    path: "appendix/step-size.svg",
    render: render_step_size,
}];

/// The point where the derivative of sin is estimated; its true value is cos 1.
pub const POINT: f64 = 1.0;
/// Smallest and largest step of the sweep.
pub const STEP_RANGE: (f64, f64) = (1e-15, 1e-1);
/// Steps per decade of the sweep.
pub const STEPS_PER_DECADE: usize = 8;

/// The sweep drawn in the figure: both errors for sin′(1) over [`STEP_RANGE`].
///
/// # Examples
///
/// ```
/// let sweep = descent::gradcheck::figures::sweep();
/// assert_eq!(sweep.len(), 14 * 8 + 1);
/// ```
pub fn sweep() -> Vec<StepError> {
    let (low, high) = STEP_RANGE;
    let decades = (high / low).log10().round() as usize;
    let steps = logspace(low, high, decades * STEPS_PER_DECADE + 1);
    step_sweep(f64::sin, POINT.cos(), POINT, &steps)
}

/// Log–log plot of |error| against h for both differences, with dashed reference lines of
/// slope 1 and 2 on the truncation side.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_step_size(path: &Path) -> FigureResult {
    let root = svg_area(path, (900, 600))?;
    let points = sweep();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Error of the derivative of sin at x = 1 against the step h",
            (FONT, CAPTION_SIZE),
        )
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(
            (STEP_RANGE.0..STEP_RANGE.1).log_scale(),
            (1e-13f64..1.0).log_scale(),
        )
        .at(path)?;
    chart
        .configure_mesh()
        .x_desc("step h")
        .y_desc("absolute error")
        .x_label_formatter(&|h| power_of_ten(*h))
        .y_label_formatter(&|e| power_of_ten(*e))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .light_line_style(WHITE)
        .draw()
        .at(path)?;

    let floor = 1e-13;
    type Series = (&'static str, fn(&StepError) -> f64, RGBColor);
    let series: [Series; 2] = [
        ("forward difference", |p| p.forward, PALETTE[1]),
        ("centred difference", |p| p.centred, PALETTE[0]),
    ];
    for (label, error, colour) in series {
        let line = points.iter().map(|p| (p.h, error(p).max(floor)));
        chart
            .draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))
            .at(path)?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], colour.stroke_width(3)));
        chart
            .draw_series(line.map(|p| Circle::new(p, 3, colour.filled())))
            .at(path)?;
    }

    // Reference slopes, drawn a decade below the data so that both stay visible.
    let references: [(&str, f64, f64); 2] = [("slope 1", 1.0, 0.04), ("slope 2", 2.0, 0.008)];
    for (label, power, scale) in references {
        let line = [1e-5f64, 1e-1].map(|h| (h, scale * h.powf(power)));
        chart
            .draw_series(LineSeries::new(line, GREY.stroke_width(2)))
            .at(path)?;
        let anchor = if power == 1.0 { 1e-4f64 } else { 1e-3 };
        chart
            .draw_series(std::iter::once(Text::new(
                label,
                (anchor, scale * anchor.powf(power) / 8.0),
                (FONT, LABEL_SIZE).into_font().color(&GREY),
            )))
            .at(path)?;
    }
    let note = |text, at| Text::new(text, at, (FONT, LABEL_SIZE).into_font().color(&BLACK));
    chart
        .draw_series([
            note("round-off ∝ ε/h", (1e-14, 3e-2)),
            note("truncation ∝ h or h² →", (1e-7, 3e-2)),
        ])
        .at(path)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .label_font((FONT, LABEL_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .draw()
        .at(path)?;
    root.present().at(path)
}

/// A tick label for a power of ten: `1e-4`, and `1` for 10⁰.
fn power_of_ten(value: f64) -> String {
    match value.log10().round() as i32 {
        0 => "1".to_string(),
        exponent => format!("1e{exponent}"),
    }
}
