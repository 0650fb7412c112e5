//! Every figure of the book, listed in one place.
//!
//! Each chapter's module lists its own figures in a `FIGURES` constant; the book builder
//! renders [`all`] of them, and each chapter's example renders its own through
//! [`of_chapter`]. Paths are relative to the `images/` folder.

use std::path::Path;

use crate::plot::FigureResult;

/// One figure: where it goes and the function that draws it.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    /// Path relative to `images/`, starting with the chapter's folder, e.g. `intro/…`.
    pub path: &'static str,
    /// Draws the figure into the given file.
    pub render: fn(&Path) -> FigureResult,
}

impl Figure {
    /// The chapter folder of this figure: the first component of its path.
    pub fn chapter(&self) -> &'static str {
        self.path.split('/').next().unwrap_or(self.path)
    }

    /// Renders this figure under `images_root`.
    ///
    /// # Errors
    ///
    /// When the figure cannot be drawn or written; the error names the file.
    pub fn render_into(&self, images_root: &Path) -> FigureResult {
        (self.render)(&images_root.join(self.path))
    }
}

/// Every figure of the book, in reading order.
pub fn all() -> Vec<Figure> {
    [
        crate::intro::figures::FIGURES,
        crate::loss::figures::FIGURES,
        crate::linreg::figures::FIGURES,
        crate::autodiff::figures::FIGURES,
        crate::conv::figures::FIGURES,
        crate::cnn::figures::FIGURES,
        crate::cnn::train::figures::FIGURES,
        crate::gradcheck::figures::FIGURES,
    ]
    .concat()
}

/// The figures of one chapter folder (`intro`, `ch01`, …, `appendix`).
///
/// # Examples
///
/// ```
/// let intro = descent::figures::of_chapter("intro");
/// assert!(intro.iter().all(|f| f.path.starts_with("intro/")));
/// assert!(!intro.is_empty());
/// ```
pub fn of_chapter(chapter: &str) -> Vec<Figure> {
    all()
        .into_iter()
        .filter(|f| f.chapter() == chapter)
        .collect()
}
