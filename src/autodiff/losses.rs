//! Chapter 1's losses rebuilt from the engine's operations, so that backpropagation finds their
//! gradients without anyone writing a derivative.
//!
//! Each function records the loss on a [`Tape`] and returns its node. The predictions are
//! [`Var`]s (so they get gradients); the targets are plain numbers (so they become constants).

use ndarray::ArrayView1;

use super::{Tape, Var};

/// Probabilities are clamped to at least this (and 1 − p to at least this) before the logarithm
/// in [`log_loss`], so that a confident wrong prediction costs a large but finite loss.
pub const LOG_LOSS_EPSILON: f64 = 1e-12;

/// The subscript digits ₀…₉ of `i`, for node names such as `ŷ₁`.
///
/// # Examples
///
/// ```
/// assert_eq!(descent::autodiff::losses::subscript(12), "₁₂");
/// ```
pub fn subscript(i: usize) -> String {
    const DIGITS: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    i.to_string()
        .chars()
        .map(|c| DIGITS[c.to_digit(10).expect("a decimal digit") as usize])
        .collect()
}

/// Records the predictions as inputs named `ŷ₁, ŷ₂, …` (or the given `symbol`).
pub fn named_inputs(tape: &mut Tape, symbol: &str, values: ArrayView1<f64>) -> Vec<Var> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| tape.input(&format!("{symbol}{}", subscript(i + 1)), v))
        .collect()
}

fn check_lengths(y_hat: &[Var], y: ArrayView1<f64>) {
    assert!(!y_hat.is_empty(), "a loss needs at least one prediction");
    assert_eq!(
        y_hat.len(),
        y.len(),
        "{} predictions but {} targets",
        y_hat.len(),
        y.len()
    );
}

/// The residuals rᵢ = ŷᵢ − yᵢ, one subtraction node each, named `r₁, r₂, …`.
///
/// # Panics
///
/// If the lengths differ or are 0.
pub fn residuals(tape: &mut Tape, y_hat: &[Var], y: ArrayView1<f64>) -> Vec<Var> {
    check_lengths(y_hat, y);
    y_hat
        .iter()
        .zip(y)
        .enumerate()
        .map(|(i, (&p, &t))| {
            let target = tape.constant(t);
            let r = tape.sub(p, target);
            tape.named(r, &format!("r{}", subscript(i + 1)))
        })
        .collect()
}

/// Mean squared error (1/n) Σ (ŷᵢ − yᵢ)²: subtract → square → mean.
///
/// # Panics
///
/// If the lengths differ or are 0.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{losses::mse, Tape};
/// use ndarray::array;
/// let mut tape = Tape::new();
/// let y_hat = tape.inputs(&[1.5, 2.0, 2.0]);
/// let loss = mse(&mut tape, &y_hat, array![1.0, 2.0, 3.0].view());
/// assert!((tape.value(loss) - 5.0 / 12.0).abs() < 1e-15);
/// ```
pub fn mse(tape: &mut Tape, y_hat: &[Var], y: ArrayView1<f64>) -> Var {
    let squares: Vec<Var> = residuals(tape, y_hat, y)
        .into_iter()
        .map(|r| tape.powf(r, 2.0))
        .collect();
    let loss = tape.mean(&squares);
    tape.named(loss, "MSE")
}

/// Root mean squared error √MSE: subtract → square → mean → square root.
///
/// # Panics
///
/// If the lengths differ or are 0.
pub fn rmse(tape: &mut Tape, y_hat: &[Var], y: ArrayView1<f64>) -> Var {
    let mse = mse(tape, y_hat, y);
    let loss = tape.sqrt(mse);
    tape.named(loss, "RMSE")
}

/// Mean absolute error (1/n) Σ |ŷᵢ − yᵢ|: subtract → abs → mean.
///
/// # Panics
///
/// If the lengths differ or are 0.
pub fn mae(tape: &mut Tape, y_hat: &[Var], y: ArrayView1<f64>) -> Var {
    let distances: Vec<Var> = residuals(tape, y_hat, y)
        .into_iter()
        .map(|r| tape.abs(r))
        .collect();
    let loss = tape.mean(&distances);
    tape.named(loss, "MAE")
}

/// Softmax cross-entropy of `logits` for the class `target`, in its log-sum-exp form:
/// CE = −ln pₜ = ln Σₖ e^{zₖ − m} − (zₜ − m): shift → exp → sum → log → subtract the target's
/// shifted logit.
///
/// The shift m = maxₖ zₖ is a constant: it keeps every exponent ≤ 0, so nothing overflows, and
/// it cancels in the formula, so it changes neither the loss nor its gradient. Taking the log
/// of the sum instead of the log of pₜ = e^{zₜ − m}/Σ also means a hopeless prediction costs a
/// large finite loss rather than ln 0 = −∞.
///
/// # Panics
///
/// If `logits` is empty or `target` is not one of its indices.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{losses::softmax_cross_entropy, Tape};
/// let mut tape = Tape::new();
/// let logits = tape.inputs(&[1000.0, -1000.0]);
/// let loss = softmax_cross_entropy(&mut tape, &logits, 1);
/// tape.backward(loss);
/// // p₂ = e^{−2000}/(1 + e^{−2000}) underflows to 0, yet the loss is the finite 2000.
/// assert_eq!(tape.value(loss), 2000.0);
/// assert_eq!((tape.grad(logits[0]), tape.grad(logits[1])), (1.0, -1.0));
/// ```
pub fn softmax_cross_entropy(tape: &mut Tape, logits: &[Var], target: usize) -> Var {
    assert!(
        target < logits.len(),
        "target class {target} but only {} logits",
        logits.len()
    );
    let largest = logits
        .iter()
        .map(|&z| tape.value(z))
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = tape.constant(largest);
    let shifted: Vec<Var> = logits.iter().map(|&z| tape.sub(z, shift)).collect();
    let exps: Vec<Var> = shifted.iter().map(|&s| tape.exp(s)).collect();
    let total = tape.sum(&exps);
    let log_total = tape.ln(total);
    let log_total = tape.named(log_total, "lse");
    let loss = tape.sub(log_total, shifted[target]);
    tape.named(loss, "CE")
}

/// Log loss (binary cross-entropy) −(1/n) Σ [yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)], with pᵢ and
/// 1 − pᵢ clamped to at least [`LOG_LOSS_EPSILON`] by a max gate before each logarithm.
///
/// # Panics
///
/// If the lengths differ or are 0.
pub fn log_loss(tape: &mut Tape, p: &[Var], y: ArrayView1<f64>) -> Var {
    check_lengths(p, y);
    let epsilon = tape.constant(LOG_LOSS_EPSILON);
    let one = tape.constant(1.0);
    let terms: Vec<Var> = p
        .iter()
        .zip(y)
        .map(|(&p, &t)| {
            let p_safe = tape.max(p, epsilon);
            let log_p = tape.ln(p_safe);
            let q = tape.sub(one, p);
            let q_safe = tape.max(q, epsilon);
            let log_q = tape.ln(q_safe);
            let (weight_p, weight_q) = (tape.constant(t), tape.constant(1.0 - t));
            let a = tape.mul(weight_p, log_p);
            let b = tape.mul(weight_q, log_q);
            tape.add(a, b)
        })
        .collect();
    let mean = tape.mean(&terms);
    let loss = tape.neg(mean);
    tape.named(loss, "BCE")
}
