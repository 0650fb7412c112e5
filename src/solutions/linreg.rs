//! Chapter 2, linear regression: reference solutions.

use ndarray::ArrayView1;

/// Exercise 2.1: the gradient (D_m, D_c) of the MSE of the line ŷ = m x + c on the samples
/// (x, y): D_m = (2/n) Σ xᵢ (ŷᵢ − yᵢ), D_c = (2/n) Σ (ŷᵢ − yᵢ).
pub fn line_gradient(x: ArrayView1<f64>, y: ArrayView1<f64>, m: f64, c: f64) -> (f64, f64) {
    let n = x.len() as f64;
    let r = x.mapv(|x| m * x + c) - y;
    (2.0 / n * x.dot(&r), 2.0 / n * r.sum())
}

/// Exercise 2.2: the largest stable learning rate 2/λ_max for fitting a line to inputs `x` by
/// gradient descent on the MSE. H = (2/n)[[Σx², Σx], [Σx, n]], and for a symmetric 2 × 2
/// matrix λ_max = (a + d)/2 + √(((a − d)/2)² + b²).
pub fn largest_stable_learning_rate(x: ArrayView1<f64>) -> f64 {
    let n = x.len() as f64;
    let (a, b, d) = (2.0 / n * x.dot(&x), 2.0 / n * x.sum(), 2.0);
    let lambda_max = 0.5 * (a + d) + (0.25 * (a - d) * (a - d) + b * b).sqrt();
    2.0 / lambda_max
}

/// Exercise 2.3: one epoch of mini-batch SGD on the line (m, c): visit the samples in `order`,
/// cut into consecutive batches of `batch_size` (the last may be shorter), and after each
/// batch step by −η times the gradient of the MSE on that batch. Returns the final (m, c).
pub fn sgd_epoch(
    x: ArrayView1<f64>,
    y: ArrayView1<f64>,
    (m, c): (f64, f64),
    order: &[usize],
    batch_size: usize,
    learning_rate: f64,
) -> (f64, f64) {
    order.chunks(batch_size).fold((m, c), |(m, c), batch| {
        let count = batch.len() as f64;
        let (grad_m, grad_c) = batch.iter().fold((0.0, 0.0), |(gm, gc), &i| {
            let r = m * x[i] + c - y[i];
            (gm + 2.0 * x[i] * r / count, gc + 2.0 * r / count)
        });
        (m - learning_rate * grad_m, c - learning_rate * grad_c)
    })
}
