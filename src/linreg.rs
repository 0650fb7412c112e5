#![doc = include_str!("../chapters/02-linear-regression.md")]

pub mod figures;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, stack};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A run stops as diverged once its loss exceeds this many times its starting loss.
///
/// With a stable learning rate the MSE of gradient descent never rises above its start (every
/// eigen-component of the error shrinks), so crossing this bound is proof of trouble, not noise.
pub const DIVERGENCE_FACTOR: f64 = 1e6;

/// What can go wrong when fitting a line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinregError {
    /// The loss became non-finite or grew past [`DIVERGENCE_FACTOR`] times its start.
    #[error(
        "diverged at step {step} with learning rate {learning_rate}: the loss reached {loss:e} \
         (it started at {initial_loss:e}); try a smaller learning rate"
    )]
    Diverged {
        /// The step at which the run was stopped (step 0 is the start).
        step: usize,
        /// The learning rate of the run.
        learning_rate: f64,
        /// The loss at that step.
        loss: f64,
        /// The loss at the start.
        initial_loss: f64,
    },
    /// The learning rate is zero, negative, infinite or NaN.
    #[error("the learning rate must be a positive, finite number, got {0}")]
    InvalidLearningRate(f64),
    /// The mini-batch size is zero or larger than the data set.
    #[error("the batch size must be between 1 and the number of samples ({n}), got {batch_size}")]
    InvalidBatchSize {
        /// The batch size asked for.
        batch_size: usize,
        /// The number of samples.
        n: usize,
    },
    /// All x are equal, so no unique line fits best.
    #[error("the closed form needs at least two distinct x values; all {n} samples have x = {x}")]
    Singular {
        /// The number of samples.
        n: usize,
        /// The one x value they share.
        x: f64,
    },
}

/// A line ŷ = m x + c: slope `m`, intercept `c`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// The slope m.
    pub m: f64,
    /// The intercept c.
    pub c: f64,
}

/// The gradient of the loss with respect to the line's parameters: (D_m, D_c).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gradient {
    /// D_m = ∂L/∂m.
    pub grad_m: f64,
    /// D_c = ∂L/∂c.
    pub grad_c: f64,
}

impl Line {
    /// The line with slope `m` and intercept `c`.
    pub const fn new(m: f64, c: f64) -> Self {
        Self { m, c }
    }

    /// The parameters as a vector θ = [m, c].
    pub fn to_array(self) -> Array1<f64> {
        Array1::from(vec![self.m, self.c])
    }

    /// The line whose parameters are θ = [m, c].
    ///
    /// # Panics
    ///
    /// If `theta` does not have exactly two elements.
    pub fn from_array(theta: ArrayView1<f64>) -> Self {
        assert_eq!(
            theta.len(),
            2,
            "a line has 2 parameters [m, c], got {}",
            theta.len()
        );
        Self::new(theta[0], theta[1])
    }

    /// The predictions ŷᵢ = m xᵢ + c.
    ///
    /// # Shapes
    ///
    /// `x`: `[n]` → `[n]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::linreg::Line;
    /// use ndarray::array;
    /// assert_eq!(Line::new(2.0, 1.0).predict(array![0.0, 1.0, 2.0].view()), array![1.0, 3.0, 5.0]);
    /// ```
    pub fn predict(&self, x: ArrayView1<f64>) -> Array1<f64> {
        x.mapv(|x| self.m * x + self.c)
    }

    /// One step of gradient descent: m ← m − η D_m, c ← c − η D_c.
    ///
    /// The step is η·D; the parameters move against the gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::linreg::{Gradient, Line};
    /// let next = Line::new(0.0, 0.0).step(Gradient { grad_m: -35.0, grad_c: -12.0 }, 0.01);
    /// assert!((next.m - 0.35).abs() < 1e-15 && (next.c - 0.12).abs() < 1e-15);
    /// ```
    pub fn step(self, gradient: Gradient, learning_rate: f64) -> Self {
        Self::new(
            self.m - learning_rate * gradient.grad_m,
            self.c - learning_rate * gradient.grad_c,
        )
    }
}

impl Gradient {
    /// The gradient as a vector [D_m, D_c].
    pub fn to_array(self) -> Array1<f64> {
        Array1::from(vec![self.grad_m, self.grad_c])
    }
}

/// A data set of n points (xᵢ, yᵢ).
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    x: Array1<f64>,
    y: Array1<f64>,
}

impl Data {
    /// Pairs inputs `x` with targets `y`.
    ///
    /// # Panics
    ///
    /// If the lengths differ or the data set is empty; the message names both lengths.
    pub fn new(x: Array1<f64>, y: Array1<f64>) -> Self {
        assert!(
            x.len() == y.len() && !x.is_empty(),
            "a data set needs as many targets as inputs, at least one: got {} x and {} y",
            x.len(),
            y.len()
        );
        Self { x, y }
    }

    /// The chapter's worked example: x = [1, 2, 3, 4] and y = 2x + 1, with no noise.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// let data = descent::linreg::Data::worked();
    /// assert_eq!(data.y(), array![3.0, 5.0, 7.0, 9.0].view());
    /// ```
    pub fn worked() -> Self {
        let x = Array1::from(vec![1.0, 2.0, 3.0, 4.0]);
        let y = x.mapv(|x| 2.0 * x + 1.0);
        Self::new(x, y)
    }

    /// `n` points with x drawn uniformly from `x_range` and y = m x + c + noise, the noise
    /// normal with standard deviation `noise`, all from the seed `seed`.
    ///
    /// # Panics
    ///
    /// If `n` is 0, the range is empty or `noise` is negative or not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::linreg::{Data, Line};
    /// let a = Data::generate(50, Line::new(2.0, 1.0), 0.5, 0.0..4.0, 7);
    /// let b = Data::generate(50, Line::new(2.0, 1.0), 0.5, 0.0..4.0, 7);
    /// assert_eq!(a, b); // same seed, same data
    /// assert!(a.x().iter().all(|x| (0.0..4.0).contains(x)));
    /// ```
    pub fn generate(
        n: usize,
        line: Line,
        noise: f64,
        x_range: std::ops::Range<f64>,
        seed: u64,
    ) -> Self {
        assert!(
            x_range.start < x_range.end,
            "cannot draw x from the empty range {x_range:?}"
        );
        assert!(
            noise >= 0.0 && noise.is_finite(),
            "the noise must be a finite standard deviation ≥ 0, got {noise}"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Array1::from_shape_fn(n, |_| rng.random_range(x_range.clone()));
        let y = line.predict(x.view())
            + Array1::from_shape_fn(n, |_| noise * standard_normal(&mut rng));
        Self::new(x, y)
    }

    /// The inputs x.
    pub fn x(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    /// The targets y.
    pub fn y(&self) -> ArrayView1<'_, f64> {
        self.y.view()
    }

    /// The number of samples n.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Always false: a data set has at least one sample.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The samples at `indices`, in that order: a mini-batch.
    ///
    /// # Panics
    ///
    /// If `indices` is empty or an index is out of range.
    pub fn select(&self, indices: &[usize]) -> Self {
        Self::new(
            self.x.select(Axis(0), indices),
            self.y.select(Axis(0), indices),
        )
    }

    /// The same targets with the inputs replaced by `scaling` applied to them.
    pub fn rescaled(&self, scaling: Scaling) -> Self {
        Self::new(scaling.apply(self.x.view()), self.y.clone())
    }
}

/// A draw from the standard normal distribution by the Box–Muller transform:
/// √(−2 ln u) cos(2π v) with u, v uniform, u in (0, 1].
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u = 1.0 - rng.random::<f64>();
    let v = rng.random::<f64>();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The residuals rᵢ = ŷᵢ − yᵢ of `line` on `data`.
pub fn residuals(line: Line, data: &Data) -> Array1<f64> {
    line.predict(data.x()) - data.y()
}

/// The mean squared error of a line: L(m, c) = (1/n) Σᵢ (m xᵢ + c − yᵢ)².
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, Line, mse};
/// // At m = c = 0 the residuals are −(3, 5, 7, 9): (9 + 25 + 49 + 81) / 4 = 41.
/// assert_eq!(mse(Line::new(0.0, 0.0), &Data::worked()), 41.0);
/// ```
pub fn mse(line: Line, data: &Data) -> f64 {
    let r = residuals(line, data);
    r.dot(&r) / data.len() as f64
}

/// The gradient of the MSE with respect to the line's parameters, right under it:
/// D_m = (2/n) Σᵢ xᵢ rᵢ and D_c = (2/n) Σᵢ rᵢ, with rᵢ = ŷᵢ − yᵢ.
///
/// Written with yᵢ − ŷᵢ instead, as many notes do, both carry a minus sign:
/// D_m = −(2/n) Σᵢ xᵢ (yᵢ − ŷᵢ).
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, Line, mse_gradient};
/// let g = mse_gradient(Line::new(0.0, 0.0), &Data::worked());
/// assert_eq!((g.grad_m, g.grad_c), (-35.0, -12.0));
/// ```
pub fn mse_gradient(line: Line, data: &Data) -> Gradient {
    let r = residuals(line, data);
    let scale = 2.0 / data.len() as f64;
    Gradient {
        grad_m: scale * data.x().dot(&r),
        grad_c: scale * r.sum(),
    }
}

/// The design matrix A = [x 1], one row [xᵢ, 1] per sample, so that ŷ = A θ with θ = [m, c].
///
/// # Shapes
///
/// `x`: `[n]` → `[n, 2]`.
pub fn design_matrix(x: ArrayView1<f64>) -> Array2<f64> {
    stack![Axis(1), x, Array1::ones(x.len())]
}

/// The Hessian of the MSE of a line, H = (2/n) AᵀA with A = [x 1]:
///
/// H = [[(2/n) Σ xᵢ², (2/n) Σ xᵢ], [(2/n) Σ xᵢ, 2]].
///
/// It depends on x only, not on y, m or c: the MSE of a line is a quadratic bowl.
///
/// # Shapes
///
/// `x`: `[n]` → `[2, 2]`.
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, hessian};
/// use ndarray::array;
/// assert_eq!(hessian(Data::worked().x()), array![[15.0, 5.0], [5.0, 2.0]]);
/// ```
pub fn hessian(x: ArrayView1<f64>) -> Array2<f64> {
    let a = design_matrix(x);
    a.t().dot(&a) * (2.0 / x.len() as f64)
}

/// The eigenvalues and unit eigenvectors of a symmetric 2 × 2 matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen2 {
    /// The smaller eigenvalue λ_min.
    pub lambda_min: f64,
    /// The larger eigenvalue λ_max.
    pub lambda_max: f64,
    /// A unit eigenvector of λ_min: the slow direction of gradient descent.
    pub v_min: Array1<f64>,
    /// A unit eigenvector of λ_max: the fast (and first to go unstable) direction.
    pub v_max: Array1<f64>,
}

impl Eigen2 {
    /// The condition number κ = λ_max / λ_min.
    pub fn condition_number(&self) -> f64 {
        self.lambda_max / self.lambda_min
    }

    /// The largest stable learning rate: gradient descent converges iff 0 < η < 2/λ_max.
    pub fn stability_bound(&self) -> f64 {
        2.0 / self.lambda_max
    }

    /// The best fixed learning rate η* = 2/(λ_min + λ_max), which balances the slow and the
    /// fast direction.
    pub fn best_learning_rate(&self) -> f64 {
        2.0 / (self.lambda_min + self.lambda_max)
    }

    /// The factor by which gradient descent with learning rate `learning_rate` shrinks the
    /// error (in the worst direction) per step: max(|1 − η λ_min|, |1 − η λ_max|).
    /// Below 1 it converges; at the best step it equals (κ − 1)/(κ + 1).
    pub fn contraction(&self, learning_rate: f64) -> f64 {
        (1.0 - learning_rate * self.lambda_min)
            .abs()
            .max((1.0 - learning_rate * self.lambda_max).abs())
    }
}

/// The convergence rate at the best fixed step, (κ − 1)/(κ + 1), for condition number κ.
///
/// # Examples
///
/// ```
/// // κ = 1: a round bowl, one step lands on the minimum.
/// assert_eq!(descent::linreg::best_rate(1.0), 0.0);
/// assert_eq!(descent::linreg::best_rate(3.0), 0.5);
/// ```
pub fn best_rate(kappa: f64) -> f64 {
    (kappa - 1.0) / (kappa + 1.0)
}

/// The eigen-decomposition of a symmetric 2 × 2 matrix [[a, b], [b, d]] in closed form:
/// λ = (a + d)/2 ∓ √(((a − d)/2)² + b²), with eigenvector (b, λ − a) (or an axis when b = 0).
///
/// # Panics
///
/// If `h` is not 2 × 2 or not symmetric.
///
/// # Examples
///
/// ```
/// use descent::linreg::symmetric_eigen;
/// use ndarray::array;
/// let e = symmetric_eigen(array![[2.0, 1.0], [1.0, 2.0]].view());
/// assert!((e.lambda_min - 1.0).abs() < 1e-15 && (e.lambda_max - 3.0).abs() < 1e-15);
/// ```
pub fn symmetric_eigen(h: ArrayView2<f64>) -> Eigen2 {
    assert_eq!(
        h.shape(),
        [2, 2],
        "expected a 2 × 2 matrix, got shape {:?}",
        h.shape()
    );
    let (a, b, d) = (h[[0, 0]], h[[0, 1]], h[[1, 1]]);
    assert!(
        (b - h[[1, 0]]).abs() <= 1e-12 * b.abs().max(1.0),
        "expected a symmetric matrix, got off-diagonal entries {b} and {}",
        h[[1, 0]]
    );
    let mean = 0.5 * (a + d);
    let radius = (0.25 * (a - d) * (a - d) + b * b).sqrt();
    let (lambda_min, lambda_max) = (mean - radius, mean + radius);
    let eigenvector = |lambda: f64, axis: [f64; 2]| {
        let v = if b == 0.0 {
            Array1::from(axis.to_vec())
        } else {
            Array1::from(vec![b, lambda - a])
        };
        let norm = v.dot(&v).sqrt();
        v / norm
    };
    // With b = 0 the matrix is diagonal: the eigenvector of each eigenvalue is the axis whose
    // diagonal entry it is.
    let (min_axis, max_axis) = if a <= d {
        ([1.0, 0.0], [0.0, 1.0])
    } else {
        ([0.0, 1.0], [1.0, 0.0])
    };
    Eigen2 {
        lambda_min,
        lambda_max,
        v_min: eigenvector(lambda_min, min_axis),
        v_max: eigenvector(lambda_max, max_axis),
    }
}

/// The least-squares line in closed form, from the normal equations AᵀA θ = Aᵀy solved as a
/// 2 × 2 system: m = Σ(xᵢ − x̄)(yᵢ − ȳ) / Σ(xᵢ − x̄)², c = ȳ − m x̄.
///
/// # Errors
///
/// [`LinregError::Singular`] if all x are equal: then every line through (x, ȳ) fits equally well.
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, Line, closed_form};
/// assert_eq!(closed_form(&Data::worked())?, Line::new(2.0, 1.0));
/// # Ok::<(), descent::linreg::LinregError>(())
/// ```
pub fn closed_form(data: &Data) -> Result<Line, LinregError> {
    let x_mean = data.x().mean().expect("a data set is not empty");
    let y_mean = data.y().mean().expect("a data set is not empty");
    let dx = data.x().mapv(|x| x - x_mean);
    let dy = data.y().mapv(|y| y - y_mean);
    let spread = dx.dot(&dx);
    if spread == 0.0 {
        return Err(LinregError::Singular {
            n: data.len(),
            x: x_mean,
        });
    }
    let m = dx.dot(&dy) / spread;
    Ok(Line::new(m, y_mean - m * x_mean))
}

/// A change of input x′ = (x − shift) / scale: centring (shift = x̄, scale = 1) or standardising
/// (scale = the standard deviation as well).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    /// Subtracted from every x.
    pub shift: f64,
    /// Then divides every x.
    pub scale: f64,
}

impl Scaling {
    /// Centring: x′ = x − x̄.
    pub fn centre(x: ArrayView1<f64>) -> Self {
        Self {
            shift: x.mean().expect("x is not empty"),
            scale: 1.0,
        }
    }

    /// Standardising: x′ = (x − x̄)/s with s the (population) standard deviation of x.
    ///
    /// # Panics
    ///
    /// If all x are equal, so that s = 0.
    pub fn standardise(x: ArrayView1<f64>) -> Self {
        let scale = x.std(0.0);
        assert!(
            scale > 0.0,
            "cannot standardise x: all {} values are equal",
            x.len()
        );
        Self {
            shift: x.mean().expect("x is not empty"),
            scale,
        }
    }

    /// x′ = (x − shift) / scale.
    pub fn apply(&self, x: ArrayView1<f64>) -> Array1<f64> {
        x.mapv(|x| (x - self.shift) / self.scale)
    }

    /// The same predictions in the original x: ŷ = m′ (x − shift)/scale + c′ is the line
    /// m = m′/scale, c = c′ − m′ shift/scale.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::linreg::{Line, Scaling};
    /// // Centred at x̄ = 2.5, the line 2x + 1 reads 2x′ + 6.
    /// let s = Scaling { shift: 2.5, scale: 1.0 };
    /// assert_eq!(s.original_line(Line::new(2.0, 6.0)), Line::new(2.0, 1.0));
    /// ```
    pub fn original_line(&self, scaled: Line) -> Line {
        let m = scaled.m / self.scale;
        Line::new(m, scaled.c - m * self.shift)
    }
}

/// A training run: the line at every step, the start first, and its loss on the full data.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The line after each step; `lines[0]` is the start.
    pub lines: Vec<Line>,
    /// `losses[k]` is the MSE of `lines[k]` on the whole data set.
    pub losses: Vec<f64>,
}

impl History {
    /// The last line of the run.
    pub fn last(&self) -> Line {
        *self
            .lines
            .last()
            .expect("a history holds at least its start")
    }
}

fn check_learning_rate(learning_rate: f64) -> Result<(), LinregError> {
    if learning_rate > 0.0 && learning_rate.is_finite() {
        Ok(())
    } else {
        Err(LinregError::InvalidLearningRate(learning_rate))
    }
}

/// The iterates of full-batch gradient descent, start first, without end and without checks:
/// θₖ₊₁ = θₖ − η ∇L(θₖ). Use [`gradient_descent`] for a checked, finite run.
pub fn iterates(data: &Data, start: Line, learning_rate: f64) -> impl Iterator<Item = Line> + '_ {
    std::iter::successors(Some(start), move |&line| {
        Some(line.step(mse_gradient(line, data), learning_rate))
    })
}

/// Records a sequence of lines with their losses, stopping with [`LinregError::Diverged`] as
/// soon as a loss is non-finite or exceeds [`DIVERGENCE_FACTOR`] times the first.
fn record(
    lines: impl Iterator<Item = Line>,
    data: &Data,
    learning_rate: f64,
) -> Result<History, LinregError> {
    let mut history = History {
        lines: Vec::new(),
        losses: Vec::new(),
    };
    for (step, line) in lines.enumerate() {
        let loss = mse(line, data);
        let initial_loss = *history.losses.first().unwrap_or(&loss);
        if !loss.is_finite() || loss > DIVERGENCE_FACTOR * initial_loss.max(f64::MIN_POSITIVE) {
            return Err(LinregError::Diverged {
                step,
                learning_rate,
                loss,
                initial_loss,
            });
        }
        history.lines.push(line);
        history.losses.push(loss);
    }
    Ok(history)
}

/// Full-batch gradient descent: `steps` steps of m ← m − η D_m, c ← c − η D_c from `start`.
///
/// # Errors
///
/// [`LinregError::InvalidLearningRate`] unless η is positive and finite;
/// [`LinregError::Diverged`], naming the step, η and the loss, if the loss blows up.
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, Line, gradient_descent};
/// let run = gradient_descent(&Data::worked(), Line::new(0.0, 0.0), 0.01, 1)?;
/// assert_eq!(run.losses[0], 41.0);
/// assert!(run.losses[1] < run.losses[0]);
/// # Ok::<(), descent::linreg::LinregError>(())
/// ```
pub fn gradient_descent(
    data: &Data,
    start: Line,
    learning_rate: f64,
    steps: usize,
) -> Result<History, LinregError> {
    check_learning_rate(learning_rate)?;
    record(
        iterates(data, start, learning_rate).take(steps + 1),
        data,
        learning_rate,
    )
}

/// The order in which one epoch of SGD visits the samples: a shuffle of 0..n drawn from `rng`.
pub fn shuffled_order(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

/// Mini-batch stochastic gradient descent: each epoch shuffles the samples (seeded by `seed`),
/// cuts them into batches of `batch_size` (the last may be smaller) and takes one step per
/// batch, with the gradient of the MSE on that batch alone.
///
/// The history holds the line after every step and its loss on the *full* data set.
///
/// # Errors
///
/// [`LinregError::InvalidLearningRate`], [`LinregError::InvalidBatchSize`] (0 or more than
/// n), or [`LinregError::Diverged`].
///
/// # Examples
///
/// ```
/// use descent::linreg::{Data, Line, sgd};
/// let data = Data::worked();
/// // 2 epochs of 2 batches of 2 samples: 4 steps.
/// let run = sgd(&data, Line::new(0.0, 0.0), 0.01, 2, 2, 42)?;
/// assert_eq!(run.lines.len(), 1 + 4);
/// assert_eq!(run, sgd(&data, Line::new(0.0, 0.0), 0.01, 2, 2, 42)?); // seeded
/// # Ok::<(), descent::linreg::LinregError>(())
/// ```
pub fn sgd(
    data: &Data,
    start: Line,
    learning_rate: f64,
    batch_size: usize,
    epochs: usize,
    seed: u64,
) -> Result<History, LinregError> {
    check_learning_rate(learning_rate)?;
    let n = data.len();
    if batch_size == 0 || batch_size > n {
        return Err(LinregError::InvalidBatchSize { batch_size, n });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let batches = (0..epochs).flat_map(move |_| {
        let order = shuffled_order(n, &mut rng);
        order
            .chunks(batch_size)
            .map(<[usize]>::to_vec)
            .collect::<Vec<_>>()
    });
    let steps = batches.scan(start, |line, batch| {
        *line = line.step(mse_gradient(*line, &data.select(&batch)), learning_rate);
        Some(*line)
    });
    record(std::iter::once(start).chain(steps), data, learning_rate)
}
