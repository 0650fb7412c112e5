//! Mini-batch stochastic gradient descent with momentum and weight decay.

use ndarray::{ArrayD, Zip};

use super::{Param, Real, real};

/// SGD with momentum and L2 weight decay, in the convention PyTorch uses:
///
/// g ← ∂L/∂θ + λ θ,   v ← μ v + g,   θ ← θ − η v.
///
/// With μ = 0 this is chapter 2's plain step θ ← θ − η ∂L/∂θ. With μ > 0 the velocity v
/// is a running sum of past gradients: directions that agree from step to step build up speed
/// (up to 1/(1 − μ) times a single step) and directions that flip sign cancel out, which damps
/// chapter 2's zig-zag. Weight decay λ θ pulls every weight a little toward zero each step.
///
/// # Examples
///
/// ```
/// use descent::cnn::{Param, Sgd};
/// use ndarray::array;
/// let (mut theta, mut grad) = (array![1.0f32].into_dyn(), array![0.5f32].into_dyn());
/// let mut sgd = Sgd::new(0.1, 0.9, 0.0);
/// for _ in 0..2 {
///     sgd.step(vec![Param { name: "θ", value: theta.view_mut(), grad: grad.view_mut() }]);
/// }
/// // v₁ = 0.5, θ₁ = 0.95; v₂ = 0.9 · 0.5 + 0.5 = 0.95, θ₂ = 0.95 − 0.095 = 0.855.
/// assert!((theta[[0]] - 0.855).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<A = f32> {
    /// η, the step size.
    pub learning_rate: f64,
    /// μ, how much of the previous velocity is kept.
    pub momentum: f64,
    /// λ, the L2 penalty's coefficient.
    pub weight_decay: f64,
    velocity: Vec<ArrayD<A>>,
}

impl<A: Real> Sgd<A> {
    /// An optimiser with the given η, μ and λ.
    ///
    /// # Panics
    ///
    /// If η is not positive or μ is not in [0, 1) or λ is negative.
    pub fn new(learning_rate: f64, momentum: f64, weight_decay: f64) -> Self {
        assert!(
            learning_rate > 0.0,
            "the learning rate must be positive, got {learning_rate}"
        );
        assert!(
            (0.0..1.0).contains(&momentum),
            "momentum must be in [0, 1), got {momentum}"
        );
        assert!(
            weight_decay >= 0.0,
            "weight decay must not be negative, got {weight_decay}"
        );
        Sgd {
            learning_rate,
            momentum,
            weight_decay,
            velocity: Vec::new(),
        }
    }

    /// One update of every parameter from its gradient. The parameters must come in the same
    /// order at every step (as [`super::Sequential::params`] gives them).
    ///
    /// # Panics
    ///
    /// If the parameters' number or shapes change between steps.
    pub fn step(&mut self, params: Vec<Param<'_, A>>) {
        if self.velocity.is_empty() {
            self.velocity = params
                .iter()
                .map(|p| ArrayD::zeros(p.value.raw_dim()))
                .collect();
        }
        assert_eq!(
            self.velocity.len(),
            params.len(),
            "Sgd::step: the number of parameters changed"
        );
        let (eta, mu, lambda) = (
            real::<A>(self.learning_rate),
            real::<A>(self.momentum),
            real::<A>(self.weight_decay),
        );
        for (p, v) in params.into_iter().zip(&mut self.velocity) {
            assert_eq!(
                p.value.shape(),
                v.shape(),
                "Sgd::step: parameter `{}` changed shape",
                p.name
            );
            let mut value = p.value;
            Zip::from(&mut value)
                .and(&p.grad)
                .and(v)
                .for_each(|theta, &g, v| {
                    *v = mu * *v + g + lambda * *theta;
                    *theta -= eta * *v;
                });
        }
    }
}
