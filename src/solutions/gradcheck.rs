//! Appendix (checking gradients), reference solutions.

/// Exercise A.1: the centred difference (f(x + h) − f(x − h)) / 2h.
pub fn centred_difference(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Exercise A.2: the relative error |a − n| / max(|a|, |n|, floor).
pub fn relative_error(analytic: f64, numeric: f64, floor: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(floor)
}
