//! Chapter 4: your attempts. Replace each `todo!` with your answer.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Exercise 4.1: the number of outputs along one axis for an input of length `input`, a
/// kernel of length `kernel`, `padding` zeros on each side and stride `stride`; `None` when
/// no window fits or the stride is 0.
pub fn output_size(input: usize, kernel: usize, padding: usize, stride: usize) -> Option<usize> {
    let _ = (input, kernel, padding, stride);
    todo!(
        "Exercise 4.1: count the window starts 0, S, 2S, … that still end inside the padded input"
    )
}

/// Exercise 4.2: ∂L/∂w for a valid 1-D cross-correlation y = x ⋆ w (stride 1), given the
/// upstream gradient `dy` and the kernel length.
pub fn kernel_gradient_1d(
    x: ArrayView1<f64>,
    dy: ArrayView1<f64>,
    kernel_len: usize,
) -> Array1<f64> {
    let _ = (x, dy, kernel_len);
    todo!(
        "Exercise 4.2: each weight was used once in every output; add up what each output says about it"
    )
}

/// Exercise 4.3: ∂L/∂x for a valid 2-D cross-correlation y = x ⋆ w (stride 1), given the
/// kernel `w` and the upstream gradient `dy`.
pub fn input_gradient_2d(w: ArrayView2<f64>, dy: ArrayView2<f64>) -> Array2<f64> {
    let _ = (w, dy);
    todo!("Exercise 4.3: find which outputs each input fed, and through which weight")
}
