#![doc = include_str!("../chapters/01-error-functions.md")]

pub mod figures;

use ndarray::{Array1, Array2, ArrayView1, Axis, Zip, stack};

/// How far [`log_loss`] keeps a probability from 0 and 1: p is clamped to [`EPS`, 1 − `EPS`]
/// before its logarithm is taken, so the loss is at most −ln `EPS` ≈ 27.6 per sample.
pub const EPS: f64 = 1e-12;

/// The signature shared by [`mse`], [`rmse`] and [`mae`]: predictions and targets in, loss out.
pub type RegressionLoss = fn(ArrayView1<f64>, ArrayView1<f64>) -> f64;

/// Panics unless predictions and targets have the same shape and at least one element.
fn assert_same_shape(what: &str, y_hat: &ArrayView1<f64>, y: &ArrayView1<f64>) {
    assert_eq!(
        y_hat.shape(),
        y.shape(),
        "{what}: predictions have shape {:?} but targets have shape {:?}",
        y_hat.shape(),
        y.shape()
    );
    assert!(
        !y.is_empty(),
        "{what}: needs at least one sample, got shape [0]"
    );
}

/// The sign of `v` with sign(0) = 0. (Rust's `f64::signum` returns 1 for +0.0, which would
/// pick the edge of the subgradient instead of its middle.)
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The residual r = ŷ − y, element by element.
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`; so is the result.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::residual;
/// use ndarray::array;
/// assert_eq!(residual(array![1.5, 2.0].view(), array![1.0, 3.0].view()), array![0.5, -1.0]);
/// ```
pub fn residual(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    assert_same_shape("residual", &y_hat, &y);
    &y_hat - &y
}

/// Mean squared error, MSE = (1/n) Σᵢ (ŷᵢ − yᵢ)² = ‖r‖₂² / n.
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::mse;
/// use ndarray::array;
/// // Residuals (1, −1): squares (1, 1), mean 1.
/// assert_eq!(mse(array![1.0, 1.0].view(), array![0.0, 2.0].view()), 1.0);
/// ```
pub fn mse(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    let r = residual(y_hat, y);
    r.dot(&r) / r.len() as f64
}

/// Gradient of [`mse`] with respect to the predictions: ∂MSE/∂ŷᵢ = (2/n)(ŷᵢ − yᵢ).
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`; so is the gradient.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::mse_grad;
/// use ndarray::array;
/// assert_eq!(mse_grad(array![1.0, 1.0].view(), array![0.0, 2.0].view()), array![1.0, -1.0]);
/// ```
pub fn mse_grad(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    let r = residual(y_hat, y);
    let n = r.len() as f64;
    r * (2.0 / n)
}

/// Root mean squared error, RMSE = √MSE = ‖r‖₂ / √n, in the units of y.
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::rmse;
/// use ndarray::array;
/// // Residuals (3, −3, 3, −3): MSE 9, RMSE 3.
/// let y_hat = array![3.0, -3.0, 3.0, -3.0];
/// assert_eq!(rmse(y_hat.view(), ndarray::Array1::zeros(4).view()), 3.0);
/// ```
pub fn rmse(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    mse(y_hat, y).sqrt()
}

/// Gradient of [`rmse`] with respect to the predictions: ∂RMSE/∂ŷᵢ = (ŷᵢ − yᵢ) / (n·RMSE).
///
/// At RMSE = 0 (every residual zero) the derivative does not exist: RMSE is a cone with its
/// tip there. This function then returns the zero vector, which is a subgradient of the cone
/// at its tip (every vector of length at most 1/√n is one) and the natural "stop here".
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`; so is the gradient.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::rmse_grad;
/// use ndarray::array;
/// // Residuals (3, −3, 3, −3): RMSE 3, so the gradient is r / (4·3).
/// let g = rmse_grad(array![3.0, -3.0, 3.0, -3.0].view(), ndarray::Array1::zeros(4).view());
/// assert_eq!(g, array![0.25, -0.25, 0.25, -0.25]);
/// assert_eq!(rmse_grad(array![1.0].view(), array![1.0].view()), array![0.0]);
/// ```
pub fn rmse_grad(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    let r = residual(y_hat, y);
    let n = r.len() as f64;
    let rmse = (r.dot(&r) / n).sqrt();
    if rmse == 0.0 {
        Array1::zeros(r.len())
    } else {
        r / (n * rmse)
    }
}

/// Mean absolute error, MAE = (1/n) Σᵢ |ŷᵢ − yᵢ| = ‖r‖₁ / n.
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::mae;
/// use ndarray::array;
/// assert_eq!(mae(array![1.0, 1.0].view(), array![0.0, 4.0].view()), 2.0);
/// ```
pub fn mae(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    let r = residual(y_hat, y);
    r.mapv(f64::abs).sum() / r.len() as f64
}

/// A (sub)gradient of [`mae`] with respect to the predictions: sign(ŷᵢ − yᵢ) / n.
///
/// Where ŷᵢ = yᵢ (a tie) |r| has a kink and no derivative; every value in [−1/n, 1/n] is a
/// subgradient there. This function picks 0, the middle of that interval, which is also what
/// a centred difference measures and the choice that leaves an exact fit where it is.
///
/// # Shapes
///
/// `y_hat` and `y` are `[n]`; so is the gradient.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::mae_grad;
/// use ndarray::array;
/// let g = mae_grad(array![1.0, 1.0, 5.0, 2.0].view(), array![0.0, 4.0, 5.0, 2.0].view());
/// assert_eq!(g, array![0.25, -0.25, 0.0, 0.0]);
/// ```
pub fn mae_grad(y_hat: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    let r = residual(y_hat, y);
    let n = r.len() as f64;
    r.mapv(|v| sign(v) / n)
}

/// Panics unless there is at least one logit.
fn assert_some_logits(what: &str, logits: &ArrayView1<f64>) {
    assert!(
        !logits.is_empty(),
        "{what}: needs at least one logit, got shape [0]"
    );
}

/// Log-sum-exp, ln Σₖ e^{zₖ}, computed as m + ln Σₖ e^{zₖ − m} with m = maxₖ zₖ, so that no
/// exponential overflows: the largest term is e⁰ = 1.
///
/// # Shapes
///
/// `logits` is `[k]`, k ≥ 1.
///
/// # Panics
///
/// If there are no logits.
///
/// # Examples
///
/// ```
/// use descent::loss::log_sum_exp;
/// use ndarray::array;
/// // ln(e^1000 + e^1000) = 1000 + ln 2, although e^1000 itself overflows.
/// let lse = log_sum_exp(array![1000.0, 1000.0].view());
/// assert!((lse - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// ```
pub fn log_sum_exp(logits: ArrayView1<f64>) -> f64 {
    assert_some_logits("log_sum_exp", &logits);
    let max = logits.fold(f64::NEG_INFINITY, |m, &z| m.max(z));
    max + logits.mapv(|z| (z - max).exp()).sum().ln()
}

/// Softmax, pₖ = e^{zₖ} / Σⱼ e^{zⱼ}, computed with the maximum logit subtracted first (which
/// multiplies top and bottom by the same e^{−m} and changes nothing but the overflow).
///
/// # Shapes
///
/// `logits` is `[k]`, k ≥ 1; so is the result, a probability vector summing to 1.
///
/// # Panics
///
/// If there are no logits.
///
/// # Examples
///
/// ```
/// use descent::loss::softmax;
/// use ndarray::array;
/// // Equal logits, equal probabilities, however large.
/// assert_eq!(softmax(array![1000.0, 1000.0].view()), array![0.5, 0.5]);
/// ```
pub fn softmax(logits: ArrayView1<f64>) -> Array1<f64> {
    assert_some_logits("softmax", &logits);
    let max = logits.fold(f64::NEG_INFINITY, |m, &z| m.max(z));
    let e = logits.mapv(|z| (z - max).exp());
    let total = e.sum();
    e / total
}

/// Log-softmax, ln pₖ = zₖ − ln Σⱼ e^{zⱼ}, via [`log_sum_exp`]: finite even where pₖ
/// underflows to 0.
///
/// # Shapes
///
/// `logits` is `[k]`, k ≥ 1; so is the result.
///
/// # Panics
///
/// If there are no logits.
///
/// # Examples
///
/// ```
/// use descent::loss::log_softmax;
/// use ndarray::array;
/// // p₁ = e^{−2000} underflows to 0, but its logarithm is just −2000.
/// let lp = log_softmax(array![1000.0, -1000.0].view());
/// assert_eq!(lp, array![0.0, -2000.0]);
/// ```
pub fn log_softmax(logits: ArrayView1<f64>) -> Array1<f64> {
    let lse = log_sum_exp(logits);
    logits.mapv(|z| z - lse)
}

/// Panics unless `target` indexes one of the logits.
fn assert_target(what: &str, logits: &ArrayView1<f64>, target: usize) {
    assert_some_logits(what, logits);
    assert!(
        target < logits.len(),
        "{what}: target class {target} is out of range for logits of shape {:?}",
        logits.shape()
    );
}

/// Cross-entropy of softmax probabilities against a one-hot target class t:
/// CE = −ln p_t = ln Σₖ e^{zₖ} − z_t, in the stable log-sum-exp form.
///
/// # Shapes
///
/// `logits` is `[k]`, k ≥ 1; `target` is a class index in `0..k`.
///
/// # Panics
///
/// If there are no logits or `target` is out of range (the message names both).
///
/// # Examples
///
/// ```
/// use descent::loss::cross_entropy;
/// use ndarray::array;
/// // Two equal logits: p = ½ for either class, CE = ln 2.
/// assert!((cross_entropy(array![3.0, 3.0].view(), 1) - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn cross_entropy(logits: ArrayView1<f64>, target: usize) -> f64 {
    assert_target("cross_entropy", &logits, target);
    log_sum_exp(logits) - logits[target]
}

/// Gradient of [`cross_entropy`] with respect to the logits: ∂CE/∂zₖ = pₖ − yₖ, with p the
/// softmax and y the one-hot target. Its components sum to 0.
///
/// # Shapes
///
/// `logits` is `[k]`; so is the gradient.
///
/// # Panics
///
/// If there are no logits or `target` is out of range (the message names both).
///
/// # Examples
///
/// ```
/// use descent::loss::cross_entropy_grad;
/// use ndarray::array;
/// assert_eq!(cross_entropy_grad(array![3.0, 3.0].view(), 1), array![0.5, -0.5]);
/// ```
pub fn cross_entropy_grad(logits: ArrayView1<f64>, target: usize) -> Array1<f64> {
    assert_target("cross_entropy_grad", &logits, target);
    let mut grad = softmax(logits);
    grad[target] -= 1.0;
    grad
}

/// Entropy of a probability vector, H(p) = −Σₖ pₖ ln pₖ, with 0 ln 0 = 0.
///
/// # Shapes
///
/// `p` is `[k]`.
///
/// # Examples
///
/// ```
/// use descent::loss::entropy;
/// use ndarray::array;
/// assert_eq!(entropy(array![1.0, 0.0].view()), 0.0); // a sure thing carries no surprise
/// assert!((entropy(array![0.5, 0.5].view()) - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn entropy(p: ArrayView1<f64>) -> f64 {
    cross_entropy_between(p, p)
}

/// Cross-entropy between two probability vectors, H(p, q) = −Σₖ pₖ ln qₖ (terms with pₖ = 0
/// count 0). [`cross_entropy`] is the case where p is one-hot and q = softmax(z).
///
/// # Shapes
///
/// `p` and `q` are `[k]`.
///
/// # Panics
///
/// If the shapes differ (the message names both).
///
/// # Examples
///
/// ```
/// use descent::loss::cross_entropy_between;
/// use ndarray::array;
/// // A one-hot p picks out −ln q of its class.
/// let h = cross_entropy_between(array![0.0, 1.0].view(), array![0.75, 0.25].view());
/// assert!((h - 4f64.ln()).abs() < 1e-15);
/// ```
pub fn cross_entropy_between(p: ArrayView1<f64>, q: ArrayView1<f64>) -> f64 {
    assert_eq!(
        p.shape(),
        q.shape(),
        "cross_entropy_between: p has shape {:?} but q has shape {:?}",
        p.shape(),
        q.shape()
    );
    -Zip::from(p).and(q).fold(
        0.0,
        |acc, &p, &q| if p == 0.0 { acc } else { acc + p * q.ln() },
    )
}

/// Kullback–Leibler divergence, KL(p‖q) = Σₖ pₖ ln(pₖ / qₖ) = H(p, q) − H(p): how many extra
/// nats coding p with a code built for q costs. Not symmetric, so not a distance.
///
/// # Shapes
///
/// `p` and `q` are `[k]`.
///
/// # Panics
///
/// If the shapes differ (the message names both).
///
/// # Examples
///
/// ```
/// use descent::loss::kl_divergence;
/// use ndarray::array;
/// let p = array![0.5, 0.5];
/// assert_eq!(kl_divergence(p.view(), p.view()), 0.0);
/// ```
pub fn kl_divergence(p: ArrayView1<f64>, q: ArrayView1<f64>) -> f64 {
    cross_entropy_between(p, q) - entropy(p)
}

/// The logistic sigmoid σ(z) = 1 / (1 + e^{−z}), element by element, computed without
/// overflow for either sign of z.
///
/// # Shapes
///
/// `z` is `[n]`; so is the result.
///
/// # Examples
///
/// ```
/// use descent::loss::sigmoid;
/// use ndarray::array;
/// assert_eq!(sigmoid(array![0.0, 1000.0, -1000.0].view()), array![0.5, 1.0, 0.0]);
/// ```
pub fn sigmoid(z: ArrayView1<f64>) -> Array1<f64> {
    z.mapv(sigmoid_scalar)
}

/// σ(z) for one number: 1/(1 + e^{−z}) for z ≥ 0, e^{z}/(1 + e^{z}) below, so the exponential
/// is never of a large positive number.
fn sigmoid_scalar(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Clamps a probability to [`EPS`, 1 − `EPS`].
fn clamp_probability(p: f64) -> f64 {
    p.clamp(EPS, 1.0 - EPS)
}

/// Log loss (binary cross-entropy), the mean over samples of −[yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)],
/// with each pᵢ clamped to [[`EPS`], 1 − [`EPS`]] so that a confident mistake costs a large
/// but finite amount.
///
/// # Shapes
///
/// `p` (predicted probabilities of class 1) and `y` (targets, 0 or 1, or soft targets in
/// [0, 1]) are `[n]`.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::log_loss;
/// use ndarray::array;
/// // p = ½ is ln 2 wrong whatever the label.
/// let l = log_loss(array![0.5, 0.5].view(), array![0.0, 1.0].view());
/// assert!((l - 2f64.ln()).abs() < 1e-15);
/// ```
pub fn log_loss(p: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    assert_same_shape("log_loss", &p, &y);
    let total = Zip::from(p).and(y).fold(0.0, |acc, &p, &y| {
        let p = clamp_probability(p);
        acc - (y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    });
    total / y.len() as f64
}

/// Gradient of [`log_loss`] with respect to the probabilities:
/// ∂BCE/∂pᵢ = (pᵢ − yᵢ) / (n pᵢ (1 − pᵢ)).
///
/// It is evaluated at the clamped pᵢ, so it stays finite (at most about 1/(n·[`EPS`])). Strictly,
/// outside the clamp interval the clamped loss is flat; returning the unclamped formula there
/// keeps the gradient pointing the useful way instead of vanishing.
///
/// # Shapes
///
/// `p` and `y` are `[n]`; so is the gradient.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::log_loss_grad;
/// use ndarray::array;
/// // One sample, p = ½: −1/p = −2 for y = 1, 1/(1 − p) = 2 for y = 0.
/// assert_eq!(log_loss_grad(array![0.5].view(), array![1.0].view()), array![-2.0]);
/// assert_eq!(log_loss_grad(array![0.5].view(), array![0.0].view()), array![2.0]);
/// ```
pub fn log_loss_grad(p: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    assert_same_shape("log_loss_grad", &p, &y);
    let n = y.len() as f64;
    Zip::from(p).and(y).map_collect(|&p, &y| {
        let p = clamp_probability(p);
        (p - y) / (n * p * (1.0 - p))
    })
}

/// softplus(z) = ln(1 + e^{z}), computed as max(z, 0) + ln(1 + e^{−|z|}) so it never overflows.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Log loss of the probabilities pᵢ = σ(zᵢ), taking the logits zᵢ: the mean over samples of
/// softplus(zᵢ) − yᵢ zᵢ, with softplus(z) = ln(1 + e^{z}). Algebraically equal to
/// [`log_loss`]`(σ(z), y)`, but exact for any z and needing no clamp.
///
/// # Shapes
///
/// `z` and `y` are `[n]`.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::log_loss_with_logits;
/// use ndarray::array;
/// // z = 0 means p = ½: ln 2. A confident mistake of 1000 costs exactly 1000.
/// assert!((log_loss_with_logits(array![0.0].view(), array![1.0].view()) - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(log_loss_with_logits(array![-1000.0].view(), array![1.0].view()), 1000.0);
/// ```
pub fn log_loss_with_logits(z: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    assert_same_shape("log_loss_with_logits", &z, &y);
    let total = Zip::from(z)
        .and(y)
        .fold(0.0, |acc, &z, &y| acc + softplus(z) - y * z);
    total / y.len() as f64
}

/// Gradient of [`log_loss_with_logits`] with respect to the logits: (σ(zᵢ) − yᵢ) / n. The
/// 1/(p(1 − p)) of [`log_loss_grad`] cancels against σ′(z) = p(1 − p).
///
/// # Shapes
///
/// `z` and `y` are `[n]`; so is the gradient.
///
/// # Panics
///
/// If the shapes differ (the message names both) or n = 0.
///
/// # Examples
///
/// ```
/// use descent::loss::log_loss_with_logits_grad;
/// use ndarray::array;
/// let g = log_loss_with_logits_grad(array![0.0, 1000.0].view(), array![1.0, 0.0].view());
/// assert_eq!(g, array![-0.25, 0.5]);
/// ```
pub fn log_loss_with_logits_grad(z: ArrayView1<f64>, y: ArrayView1<f64>) -> Array1<f64> {
    assert_same_shape("log_loss_with_logits_grad", &z, &y);
    let n = y.len() as f64;
    Zip::from(z)
        .and(y)
        .map_collect(|&z, &y| (sigmoid_scalar(z) - y) / n)
}

/// The Jacobian of [`softmax`], Jᵢⱼ = ∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ − pⱼ), that is diag(p) − p pᵀ.
///
/// Symmetric, every row and column sums to 0 (the probabilities always sum to 1), and
/// singular: adding the same constant to every logit changes nothing.
///
/// # Shapes
///
/// `logits` is `[k]`; the Jacobian is `[k, k]`.
///
/// # Panics
///
/// If there are no logits.
///
/// # Examples
///
/// ```
/// use descent::loss::softmax_jacobian;
/// use ndarray::array;
/// // Two equal logits: p = (½, ½), J = [[¼, −¼], [−¼, ¼]].
/// let j = softmax_jacobian(array![0.0, 0.0].view());
/// assert_eq!(j, array![[0.25, -0.25], [-0.25, 0.25]]);
/// ```
pub fn softmax_jacobian(logits: ArrayView1<f64>) -> Array2<f64> {
    let p = softmax(logits);
    let column = p.view().insert_axis(Axis(1));
    let row = p.view().insert_axis(Axis(0));
    Array2::from_diag(&p) - column.dot(&row)
}

/// Predictions of the line model, ŷᵢ = m xᵢ + c.
///
/// # Shapes
///
/// `x` is `[n]`; so is the result.
///
/// # Examples
///
/// ```
/// use descent::loss::line;
/// use ndarray::array;
/// assert_eq!(line(array![0.0, 1.0, 2.0].view(), 2.0, 1.0), array![1.0, 3.0, 5.0]);
/// ```
pub fn line(x: ArrayView1<f64>, m: f64, c: f64) -> Array1<f64> {
    x.mapv(|x| m * x + c)
}

/// The design matrix A = [x 1] of the line model: ŷ = A (m, c)ᵀ.
///
/// # Shapes
///
/// `x` is `[n]`; A is `[n, 2]`.
///
/// # Examples
///
/// ```
/// use descent::loss::line_design_matrix;
/// use ndarray::array;
/// assert_eq!(line_design_matrix(array![2.0, 5.0].view()), array![[2.0, 1.0], [5.0, 1.0]]);
/// ```
pub fn line_design_matrix(x: ArrayView1<f64>) -> Array2<f64> {
    let ones = Array1::ones(x.len());
    stack(Axis(1), &[x, ones.view()]).expect("x and the ones column have the same length")
}

/// The Hessian of the line model's MSE with respect to its parameters (m, c):
/// H = (2/n) AᵀA with A = [x 1], that is (2/n) [[Σxᵢ², Σxᵢ], [Σxᵢ, n]].
///
/// It does not depend on y, m or c: the MSE of the line is a quadratic in (m, c), so its
/// curvature is the same everywhere.
///
/// # Shapes
///
/// `x` is `[n]`; H is `[2, 2]`.
///
/// # Panics
///
/// If x is empty.
///
/// # Examples
///
/// ```
/// use descent::loss::line_mse_hessian;
/// use ndarray::array;
/// // x = (0, 1): Σx² = 1, Σx = 1, n = 2, so H = [[1, 1], [1, 2]].
/// assert_eq!(line_mse_hessian(array![0.0, 1.0].view()), array![[1.0, 1.0], [1.0, 2.0]]);
/// ```
pub fn line_mse_hessian(x: ArrayView1<f64>) -> Array2<f64> {
    assert!(
        !x.is_empty(),
        "line_mse_hessian: needs at least one sample, got shape [0]"
    );
    let a = line_design_matrix(x);
    a.t().dot(&a) * (2.0 / x.len() as f64)
}
