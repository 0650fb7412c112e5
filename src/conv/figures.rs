//! The figures of chapter 4.

use crate::figures::Figure;

/// Chapter 4's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[];
