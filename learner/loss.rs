//! Chapter 1, Error functions: your attempts. Replace each `todo!` with your answer.

use ndarray::{Array1, Array2, ArrayView1};

/// Exercise 1.1: the Huber loss with threshold `delta`, averaged over the samples:
/// quadratic (½r²) for small residuals, linear beyond |r| = δ, joined smoothly.
pub fn huber(y_hat: ArrayView1<f64>, y: ArrayView1<f64>, delta: f64) -> f64 {
    let _ = (y_hat, y, delta);
    todo!(
        "Exercise 1.1: pick the piece by |r| against δ; the linear piece must meet ½r² with the same value at |r| = δ"
    )
}

/// Exercise 1.2: the gradient of your Huber loss with respect to the predictions.
pub fn huber_grad(y_hat: ArrayView1<f64>, y: ArrayView1<f64>, delta: f64) -> Array1<f64> {
    let _ = (y_hat, y, delta);
    todo!(
        "Exercise 1.2: differentiate each piece; what does the slope of the linear piece look like next to the residual itself?"
    )
}

/// Exercise 1.3: the Jacobian of the element-wise sigmoid, ∂σ(zᵢ)/∂zⱼ.
pub fn sigmoid_jacobian(z: ArrayView1<f64>) -> Array2<f64> {
    let _ = z;
    todo!("Exercise 1.3: output i depends on input i only; write σ′ in terms of σ itself")
}

/// Exercise 1.4: the gradient of the line model's MSE with respect to (m, c), as a
/// two-element array [∂MSE/∂m, ∂MSE/∂c].
pub fn line_mse_param_grad(x: ArrayView1<f64>, y: ArrayView1<f64>, m: f64, c: f64) -> Array1<f64> {
    let _ = (x, y, m, c);
    todo!("Exercise 1.4: you know ∂MSE/∂ŷᵢ; the chain rule needs ∂ŷᵢ/∂m and ∂ŷᵢ/∂c")
}
