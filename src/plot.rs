//! Shared plotting helpers, so every figure of the book has the same look.
//!
//! Charts are SVG: text in an SVG needs no font file at render time, and the browser draws it
//! crisply at any zoom. Each figure is one `render_*` function in its chapter's module that
//! takes the output path; [`crate::figures`] lists them all.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use image::{EncodableLayout, ImageBuffer, PixelWithColorType};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

pub mod graph;

/// Why a figure could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// The folder for the figure could not be created.
    #[error("cannot create the folder for figure {path}: {source}")]
    Folder {
        /// The figure being written.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The drawing library failed while drawing or writing the figure.
    #[error("cannot draw figure {path}: {message}")]
    Draw {
        /// The figure being written.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The result of rendering one figure.
pub type FigureResult = Result<(), FigureError>;

/// Attaches the figure's path to any drawing error.
pub trait DrawContext<T> {
    /// Turns the error into a [`FigureError::Draw`] that names `path`.
    fn at(self, path: &Path) -> Result<T, FigureError>;
}

impl<T, E: Display> DrawContext<T> for Result<T, E> {
    fn at(self, path: &Path) -> Result<T, FigureError> {
        self.map_err(|e| FigureError::Draw {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

/// Font family of every label. SVG leaves the choice of face to the reader's browser.
pub const FONT: &str = "sans-serif";
/// Size of axis labels and captions.
pub const LABEL_SIZE: u32 = 18;
/// Size of panel captions.
pub const CAPTION_SIZE: u32 = 20;

/// A palette that stays distinguishable for colour-blind readers (Okabe and Ito, 2008).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
];

/// A light grey for reference curves and grids.
pub const GREY: RGBColor = RGBColor(150, 150, 150);

/// Opens an SVG drawing area of `size` pixels at `path`, creating its folder, filled white.
///
/// # Errors
///
/// When the folder cannot be created or the area cannot be filled.
pub fn svg_area(
    path: &Path,
    size: (u32, u32),
) -> Result<DrawingArea<SVGBackend<'_>, Shift>, FigureError> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| FigureError::Folder {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let area = SVGBackend::new(path, size).into_drawing_area();
    area.fill(&WHITE).at(path)?;
    Ok(area)
}

/// Draws the legend of `chart`'s labelled series in the book's style, at `position`.
///
/// # Errors
///
/// When the drawing backend fails.
pub fn legend_box<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, LABEL_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .draw()
}

/// Writes a picture as PNG at `path`, creating its folder. For figures made of pixels
/// (filtered pictures, feature maps), where an SVG would need a rectangle per pixel.
///
/// # Errors
///
/// When the folder cannot be created or the file cannot be written; the error names it.
pub fn save_png<P>(picture: &ImageBuffer<P, Vec<P::Subpixel>>, path: &Path) -> FigureResult
where
    P: PixelWithColorType,
    [P::Subpixel]: EncodableLayout,
{
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| FigureError::Folder {
            path: path.to_path_buf(),
            source,
        })?;
    }
    picture
        .save_with_format(path, image::ImageFormat::Png)
        .at(path)
}

/// `count` points spaced evenly from `start` to `end`, both included.
///
/// # Panics
///
/// If `count < 2`.
///
/// # Examples
///
/// ```
/// assert_eq!(descent::plot::linspace(0.0, 1.0, 5), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// ```
pub fn linspace(start: f64, end: f64, count: usize) -> Vec<f64> {
    assert!(count >= 2, "linspace needs at least 2 points, got {count}");
    let step = (end - start) / (count - 1) as f64;
    (0..count).map(|i| start + step * i as f64).collect()
}

/// `count` points spaced evenly on a log scale from `start` to `end`, both included.
///
/// # Panics
///
/// If `count < 2` or either end is not positive.
///
/// # Examples
///
/// ```
/// let hs = descent::plot::logspace(1e-3, 1e-1, 3);
/// assert!((hs[1] - 1e-2).abs() < 1e-15);
/// ```
pub fn logspace(start: f64, end: f64, count: usize) -> Vec<f64> {
    assert!(
        start > 0.0 && end > 0.0,
        "logspace needs positive ends, got {start} and {end}"
    );
    linspace(start.log10(), end.log10(), count)
        .into_iter()
        .map(|e| 10f64.powf(e))
        .collect()
}
