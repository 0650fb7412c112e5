//! Chapter 4, reference solutions.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};

/// Exercise 4.1: ⌊(W − F + 2P)/S⌋ + 1 outputs, or `None` when the kernel does not fit in the
/// padded input or the stride is 0.
pub fn output_size(input: usize, kernel: usize, padding: usize, stride: usize) -> Option<usize> {
    let padded = input + 2 * padding;
    (stride > 0 && kernel > 0 && kernel <= padded).then(|| (padded - kernel) / stride + 1)
}

/// Exercise 4.2: ∂L/∂w_k = Σ_i dy_i x_{i+k}, the cross-correlation x ⋆ dy.
pub fn kernel_gradient_1d(
    x: ArrayView1<f64>,
    dy: ArrayView1<f64>,
    kernel_len: usize,
) -> Array1<f64> {
    Array1::from_shape_fn(kernel_len, |k| x.slice(s![k..k + dy.len()]).dot(&dy))
}

/// Exercise 4.3: ∂L/∂x[a, e] = Σ_p Σ_q dy[a − p, e − q] w[p, q]: every window adds its dy
/// times the kernel onto the inputs it covered (a full convolution of dy with w).
pub fn input_gradient_2d(w: ArrayView2<f64>, dy: ArrayView2<f64>) -> Array2<f64> {
    let ((kh, kw), (oh, ow)) = (w.dim(), dy.dim());
    let mut dx = Array2::zeros((oh + kh - 1, ow + kw - 1));
    for ((i, j), &g) in dy.indexed_iter() {
        dx.slice_mut(s![i..i + kh, j..j + kw]).scaled_add(g, &w);
    }
    dx
}
