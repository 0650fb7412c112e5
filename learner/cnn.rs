//! Chapter 5: your attempts. Replace each `todo!` with your answer.

use ndarray::{Array2, ArrayView2};

/// Exercise 5.1: ∂L/∂x of max-pooling over non-overlapping `size × size` windows of one 2-D
/// map `x`, given ∂L/∂y (one entry per window). On a tie, the first maximum (row by row) wins.
pub fn max_pool_backward(x: ArrayView2<f64>, grad_y: ArrayView2<f64>, size: usize) -> Array2<f64> {
    let _ = (x, grad_y, size);
    todo!("Exercise 5.1: only the largest input of a window moved its output; who else gets blame?")
}

/// Exercise 5.2: the number of parameters (weights and biases) of a stack of convolutions on
/// an input with `in_channels` channels, each layer given as (out_channels, kernel side).
pub fn conv_stack_parameters(in_channels: usize, layers: &[(usize, usize)]) -> usize {
    let _ = (in_channels, layers);
    todo!(
        "Exercise 5.2: one kernel per (output channel, input channel) pair, one bias per output channel"
    )
}

/// Exercise 5.3: the gradient of the mean softmax cross-entropy of a batch of logits
/// `[n, classes]` with respect to the logits, for the integer `labels`.
pub fn logit_gradient(logits: ArrayView2<f64>, labels: &[usize]) -> Array2<f64> {
    let _ = (logits, labels);
    todo!("Exercise 5.3: chapter 1 did one row; do not forget the mean over the batch")
}

/// Exercise 5.4: the side of the input square that one output of a stack of layers depends
/// on, each layer given as (kernel side, stride).
pub fn receptive_field(layers: &[(usize, usize)]) -> usize {
    let _ = layers;
    todo!("Exercise 5.4: how many input pixels apart are two neighbouring inputs of layer l?")
}
