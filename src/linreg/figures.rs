//! Chapter 2's figures.
use crate::figures::Figure;
/// The chapter's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[];
