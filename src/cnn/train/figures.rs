//! The figures of chapter 5's second part.

use crate::figures::Figure;

/// The second part's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[];
