#![doc = include_str!("../chapters/05-cnn.md")]

pub mod conv2d;
pub mod count;
pub mod figures;
mod implicit;
pub mod layers;
pub mod loss;
pub mod matmul;
pub mod model;
pub mod optim;
pub mod train;
pub mod weights;
#[cfg(target_arch = "x86_64")]
mod winograd;

use std::fmt::Debug;
use std::ops::{AddAssign, MulAssign, SubAssign};

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, LinalgScalar, ScalarOperand};
use num_traits::{Float, FromPrimitive};
use rand::Rng;
use rand_distr::{Distribution, Normal};

pub use conv2d::{Conv2d, Engine};
pub use layers::{Flatten, Linear, MaxPool2d, Relu};
pub use loss::softmax_cross_entropy;
pub use model::Sequential;
pub use optim::Sgd;

/// The element types the layers work in: `f32` for training, `f64` for the gradient checks
/// of the very same code (finite differences need the extra digits).
pub trait Real:
    Float
    + FromPrimitive
    + LinalgScalar
    + ScalarOperand
    + AddAssign
    + SubAssign
    + MulAssign
    + Debug
    + Send
    + Sync
    + 'static
{
}

impl Real for f32 {}
impl Real for f64 {}

/// A learnable tensor and the gradient of the loss with respect to it, side by side.
pub struct Param<'a, A> {
    /// What the parameter is, e.g. `"weight"`.
    pub name: &'static str,
    /// θ.
    pub value: ArrayViewMutD<'a, A>,
    /// ∂L/∂θ, accumulated by `backward` since the last `zero_grad`.
    pub grad: ArrayViewMutD<'a, A>,
}

/// One layer of a network: a forward rule, its backward rule right beside it, and the
/// parameters it learns.
///
/// `forward` remembers what `backward` needs (the input, the arg-max of each pooling window); `backward` takes ∂L/∂y, **adds** ∂L/∂θ into the layer's gradients and
/// returns ∂L/∂x. Gradients accumulate, as in chapter 3, so they are zeroed explicitly
/// ([`Layer::zero_grad`]) before each step.
pub trait Layer<A: Real>: Send + Sync {
    /// y = f(x; θ).
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A>;
    /// ∂L/∂x from ∂L/∂y, for the input of the last `forward`.
    ///
    /// # Panics
    ///
    /// If `forward` has not run, or `grad_y` does not have the output's shape.
    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A>;
    /// The learnable tensors with their gradients; none for a layer without parameters.
    fn params(&mut self) -> Vec<Param<'_, A>> {
        Vec::new()
    }
    /// The output shape for an input of shape `input` (batch axis included).
    ///
    /// # Panics
    ///
    /// If the layer cannot take such an input; the message names the shapes.
    fn output_shape(&self, input: &[usize]) -> Vec<usize>;
    /// One line describing the layer, e.g. `Conv2d(3 → 16, 3×3, stride 1, padding 1)`.
    fn describe(&self) -> String;
    /// Sets every gradient to zero.
    fn zero_grad(&mut self) {
        for p in self.params() {
            let mut grad = p.grad;
            grad.fill(A::zero());
        }
    }
    /// The number of learnable numbers.
    fn parameter_count(&mut self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }
}

/// He initialisation: weights drawn from a normal distribution with mean 0 and standard
/// deviation √(2 / fan_in), where fan_in is the number of inputs each output sums over.
///
/// With ReLU, half of the inputs of the next layer are zero on average; the factor 2 makes up
/// for it, so the variance of the activations stays about the same from layer to layer
/// (He et al., 2015).
///
/// # Examples
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let w = descent::cnn::he_normal::<f64>(&[64, 1000], 1000, &mut rng);
/// let std = w.std(0.0);
/// assert!((std - (2.0f64 / 1000.0).sqrt()).abs() < 0.002);
/// ```
pub fn he_normal<A: Real>(shape: &[usize], fan_in: usize, rng: &mut impl Rng) -> ArrayD<A> {
    let std = (2.0 / fan_in as f64).sqrt();
    let normal = Normal::new(0.0, std).expect("a positive standard deviation");
    ArrayD::from_shape_simple_fn(shape, || {
        A::from_f64(normal.sample(rng)).expect("a float converts to the element type")
    })
}

/// Converts a float to the element type (for constants inside generic code).
pub(crate) fn real<A: Real>(v: f64) -> A {
    A::from_f64(v).expect("a float converts to the element type")
}
