//! Chapter 2, linear regression: your attempts. Replace each `todo!` with your answer.

use ndarray::ArrayView1;

/// Exercise 2.1: the gradient (D_m, D_c) of the mean squared error of the line ŷ = m x + c on
/// the samples (x, y).
pub fn line_gradient(x: ArrayView1<f64>, y: ArrayView1<f64>, m: f64, c: f64) -> (f64, f64) {
    let _ = (x, y, m, c);
    todo!(
        "Exercise 2.1: form the residuals ŷ − y first; each derivative is a mean of them, one weighted by x"
    )
}

/// Exercise 2.2: the largest learning rate for which gradient descent on the MSE of a line
/// fitted to inputs `x` converges (the supremum: rates just below it converge).
pub fn largest_stable_learning_rate(x: ArrayView1<f64>) -> f64 {
    let _ = x;
    todo!("Exercise 2.2: build the 2 × 2 Hessian from x alone, then find its larger eigenvalue")
}

/// Exercise 2.3: one epoch of mini-batch SGD on the line (m, c): visit the samples in `order`,
/// cut into consecutive batches of `batch_size` (the last may be shorter), and after each
/// batch take one gradient step on the MSE of that batch. Return the final (m, c).
pub fn sgd_epoch(
    x: ArrayView1<f64>,
    y: ArrayView1<f64>,
    (m, c): (f64, f64),
    order: &[usize],
    batch_size: usize,
    learning_rate: f64,
) -> (f64, f64) {
    let _ = (x, y, m, c, order, batch_size, learning_rate);
    todo!(
        "Exercise 2.3: the slice method `chunks` cuts the order into batches; average the gradient over each batch only"
    )
}
