//! Chapter 5, reference solutions.

use ndarray::{Array2, ArrayView2, s};

/// Exercise 5.1: the backward pass of max-pooling over non-overlapping `size × size` windows
/// of one 2-D map. Each window's ∂L/∂y goes to the position of its maximum (the first one on
/// a tie, reading row by row); every other input gets 0.
pub fn max_pool_backward(x: ArrayView2<f64>, grad_y: ArrayView2<f64>, size: usize) -> Array2<f64> {
    let mut grad_x = Array2::zeros(x.raw_dim());
    for ((i, j), &dy) in grad_y.indexed_iter() {
        let (top, left) = (i * size, j * size);
        let window = x.slice(s![top..top + size, left..left + size]);
        let ((p, q), _) =
            window
                .indexed_iter()
                .fold(((0, 0), f64::NEG_INFINITY), |best, (pq, &v)| {
                    if v > best.1 { (pq, v) } else { best }
                });
        grad_x[[top + p, left + q]] += dy;
    }
    grad_x
}

/// Exercise 5.2: the parameters of a stack of convolutions, each given as (out_channels,
/// kernel): F² · C_in · C_out weights and C_out biases per layer, each layer's C_in being the
/// C_out of the layer before.
pub fn conv_stack_parameters(in_channels: usize, layers: &[(usize, usize)]) -> usize {
    layers
        .iter()
        .scan(in_channels, |c_in, &(c_out, kernel)| {
            let count = kernel * kernel * *c_in * c_out + c_out;
            *c_in = c_out;
            Some(count)
        })
        .sum()
}

/// Exercise 5.3: ∂L/∂z of the mean softmax cross-entropy over a batch: row i is
/// (softmax(zᵢ) − onehot(yᵢ)) / n.
pub fn logit_gradient(logits: ArrayView2<f64>, labels: &[usize]) -> Array2<f64> {
    let n = logits.nrows() as f64;
    let mut grad = Array2::zeros(logits.raw_dim());
    for ((z, mut g), &y) in logits.rows().into_iter().zip(grad.rows_mut()).zip(labels) {
        let p = crate::loss::softmax(z);
        g.assign(&(p / n));
        g[y] -= 1.0 / n;
    }
    grad
}

/// Exercise 5.4: the receptive field of a stack of (kernel, stride) layers,
/// r = 1 + Σ_l (F_l − 1) · J_l with J_l the product of the strides below layer l.
pub fn receptive_field(layers: &[(usize, usize)]) -> usize {
    let (field, _) = layers
        .iter()
        .fold((1, 1), |(field, jump), &(kernel, stride)| {
            (field + (kernel - 1) * jump, jump * stride)
        });
    field
}
