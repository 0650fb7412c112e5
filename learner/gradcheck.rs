//! Appendix (checking gradients): your attempts. Replace each `todo!` with your answer.

/// Exercise A.1: estimate f′(x) from f(x + h) and f(x − h).
pub fn centred_difference(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    let _ = (f, x, h);
    todo!("Exercise A.1: the rise from x − h to x + h, divided by the run between them")
}

/// Exercise A.2: how far apart an analytic and a numeric value are, relative to their size.
/// Divide by `floor` when both are smaller than it.
pub fn relative_error(analytic: f64, numeric: f64, floor: f64) -> f64 {
    let _ = (analytic, numeric, floor);
    todo!("Exercise A.2: the absolute difference over the larger magnitude (never below floor)")
}
