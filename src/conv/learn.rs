//! Learning a kernel by gradient descent: given pictures and what a hidden kernel made of
//! them, find the kernel again, with the backward pass of the chapter.

use ndarray::{Array2, Array4, ArrayView2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{ConvSpec, correlate_nchw, kernel_gradient};

/// The settings of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How many random input pictures. Default 8.
    pub examples: usize,
    /// Side of each square input picture. Default 12.
    pub size: usize,
    /// Gradient-descent steps. Default 40.
    pub steps: usize,
    /// Learning rate η. Default 0.5.
    pub learning_rate: f64,
    /// Seed of the random inputs and the starting kernel. Default 4.
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            examples: 8,
            size: 12,
            steps: 40,
            learning_rate: 0.5,
            seed: 4,
        }
    }
}

/// What a run produced: the loss before each step and after the last, and the kernel at
/// each of those moments (so `kernels[0]` is the random start).
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    /// Mean squared error L = (1/n) Σ (ŷ − y)² over every output pixel, steps + 1 values.
    pub losses: Vec<f64>,
    /// The kernel at each moment, steps + 1 of them.
    pub kernels: Vec<Array2<f64>>,
}

/// Recovers `hidden` from input / output pairs: the inputs are random pictures with values
/// uniform in [−1, 1], the targets are y = x ⋆ hidden (valid padding), the model is
/// ŷ = x ⋆ w from a small random w, and each step is w ← w − η ∂L/∂w with ∂L/∂w from
/// [`kernel_gradient`] and ∂L/∂ŷ = 2(ŷ − y)/n.
///
/// # Panics
///
/// If the pictures are smaller than the kernel.
///
/// # Examples
///
/// ```
/// use descent::conv::{filters::sobel_x, learn::{learn_kernel, Settings}};
/// let run = learn_kernel(sobel_x().view(), Settings::default());
/// let last = run.kernels.last().unwrap();
/// assert!((last - &sobel_x()).iter().all(|e| e.abs() < 1e-3));
/// ```
pub fn learn_kernel(hidden: ArrayView2<f64>, settings: Settings) -> Training {
    let Settings {
        examples,
        size,
        steps,
        learning_rate,
        seed,
    } = settings;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array4::from_shape_fn((examples, 1, size, size), |_| rng.random_range(-1.0..1.0));
    let (kh, kw) = hidden.dim();
    let as_layer = |k: ArrayView2<f64>| k.to_owned().insert_axis(Axis(0)).insert_axis(Axis(0));
    let y = correlate_nchw(x.view(), as_layer(hidden).view(), ConvSpec::VALID);
    let n = y.len() as f64;
    let mut w = Array2::from_shape_fn((kh, kw), |_| rng.random_range(-0.1..0.1));
    let mut losses = Vec::with_capacity(steps + 1);
    let mut kernels = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let y_hat = correlate_nchw(x.view(), as_layer(w.view()).view(), ConvSpec::VALID);
        let r = &y_hat - &y;
        losses.push(r.mapv(|v| v * v).sum() / n);
        kernels.push(w.clone());
        if step == steps {
            break;
        }
        let grad_y_hat = r * (2.0 / n);
        let grad_w = kernel_gradient(x.view(), grad_y_hat.view(), [kh, kw], ConvSpec::VALID);
        w.scaled_add(
            -learning_rate,
            &grad_w.index_axis(Axis(0), 0).index_axis(Axis(0), 0),
        );
    }
    Training { losses, kernels }
}
