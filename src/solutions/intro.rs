//! Introduction, reference solutions.

/// Exercise I.1: one step of gradient descent, x − η·slope.
pub fn gradient_step(x: f64, slope: f64, learning_rate: f64) -> f64 {
    x - learning_rate * slope
}
