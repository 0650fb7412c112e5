//! Introduction: your attempts. Replace each `todo!` with your answer.

/// Exercise I.1: one step of gradient descent from `x`, where the slope of the function
/// is `slope` and the learning rate is `learning_rate`. Return the new x.
pub fn gradient_step(x: f64, slope: f64, learning_rate: f64) -> f64 {
    let _ = (x, slope, learning_rate);
    todo!("Exercise I.1: move x against the slope, by a step the learning rate scales")
}
