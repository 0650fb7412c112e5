//! Chapter 1, Error functions: reference solutions.

use ndarray::{Array1, Array2, ArrayView1};

/// Exercise 1.1: the Huber loss with threshold `delta`, mean over samples of
/// ½r² where |r| ≤ δ and δ(|r| − ½δ) beyond.
pub fn huber(y_hat: ArrayView1<f64>, y: ArrayView1<f64>, delta: f64) -> f64 {
    let r = &y_hat - &y;
    let per_sample = r.mapv(|r| {
        if r.abs() <= delta {
            0.5 * r * r
        } else {
            delta * (r.abs() - 0.5 * delta)
        }
    });
    per_sample.sum() / r.len() as f64
}

/// Exercise 1.2: the gradient of [`huber`] with respect to the predictions,
/// r/n inside the threshold and δ·sign(r)/n beyond: the residual clipped to [−δ, δ], over n.
pub fn huber_grad(y_hat: ArrayView1<f64>, y: ArrayView1<f64>, delta: f64) -> Array1<f64> {
    let r = &y_hat - &y;
    let n = r.len() as f64;
    r.mapv(|r| r.clamp(-delta, delta) / n)
}

/// Exercise 1.3: the Jacobian of the element-wise sigmoid, a diagonal matrix with
/// σ(zᵢ)(1 − σ(zᵢ)) on the diagonal.
pub fn sigmoid_jacobian(z: ArrayView1<f64>) -> Array2<f64> {
    let s = crate::loss::sigmoid(z);
    Array2::from_diag(&(&s * &(1.0 - &s)))
}

/// Exercise 1.4: the gradient of the line model's MSE with respect to its parameters,
/// (∂MSE/∂m, ∂MSE/∂c) = ((2/n) Σ rᵢ xᵢ, (2/n) Σ rᵢ) with r = m x + c − y.
pub fn line_mse_param_grad(x: ArrayView1<f64>, y: ArrayView1<f64>, m: f64, c: f64) -> Array1<f64> {
    let grad_y_hat = crate::loss::mse_grad(crate::loss::line(x, m, c).view(), y);
    ndarray::array![grad_y_hat.dot(&x), grad_y_hat.sum()]
}
