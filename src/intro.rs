//! The code behind the [Introduction](crate): gradient descent on the simplest bowl there is,
//! f(x) = x².
//!
//! The Introduction itself is the documentation of the crate root; this module holds the
//! functions it calls and the figure it draws.

pub mod figures;

/// The bowl f(x) = x².
///
/// # Examples
///
/// ```
/// assert_eq!(descent::intro::bowl(-3.0), 9.0);
/// ```
pub fn bowl(x: f64) -> f64 {
    x * x
}

/// The slope of the bowl, f′(x) = 2x, right under its function.
///
/// # Examples
///
/// ```
/// assert_eq!(descent::intro::bowl_slope(-3.0), -6.0);
/// ```
pub fn bowl_slope(x: f64) -> f64 {
    2.0 * x
}

/// Gradient descent in one dimension: starting at `start`, takes `steps` steps of
/// x ← x − η f′(x) with η = `learning_rate`, and returns every iterate, `start` first.
///
/// # Examples
///
/// ```
/// use descent::intro::{bowl_slope, descend};
/// // On f(x) = x² each step multiplies x by 1 − 2η: here 0.5.
/// assert_eq!(descend(bowl_slope, 8.0, 0.25, 3), vec![8.0, 4.0, 2.0, 1.0]);
/// ```
pub fn descend(
    slope: impl Fn(f64) -> f64,
    start: f64,
    learning_rate: f64,
    steps: usize,
) -> Vec<f64> {
    std::iter::successors(Some(start), |&x| Some(x - learning_rate * slope(x)))
        .take(steps + 1)
        .collect()
}
