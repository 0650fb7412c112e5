//! Softmax cross-entropy on a batch of logits: chapter 1's loss, averaged over the batch.

use ndarray::{Array2, ArrayView2, Axis, Zip};

use super::{Real, real};
use crate::loss::{cross_entropy, cross_entropy_grad};

/// The mean cross-entropy of a batch of logits against integer labels, and its gradient
/// with respect to the logits:
///
/// L = (1/n) Σᵢ −log softmax(zᵢ)[yᵢ],   ∂L/∂zᵢ = (softmax(zᵢ) − onehot(yᵢ)) / n.
///
/// Each row goes through chapter 1's [`cross_entropy`] and [`cross_entropy_grad`] in `f64`
/// (with their log-sum-exp), so the loss is the same function the book derived there.
///
/// # Shapes
///
/// `logits`: `[n, classes]`, `labels`: n class indices → (loss, `[n, classes]`).
///
/// # Panics
///
/// If the batch is empty, the label count differs from the batch size, or a label is not
/// below the number of classes.
///
/// # Examples
///
/// ```
/// use descent::cnn::softmax_cross_entropy;
/// use ndarray::array;
/// // Equal logits: p = 1/2 for both classes, so L = ln 2 and ∂L/∂z = p − y = [−½, ½].
/// let (loss, grad) = softmax_cross_entropy(array![[0.0f64, 0.0]].view(), &[0]);
/// assert!((loss - 2f64.ln()).abs() < 1e-12);
/// assert_eq!(grad, array![[-0.5, 0.5]]);
/// ```
pub fn softmax_cross_entropy<A: Real>(logits: ArrayView2<A>, labels: &[usize]) -> (f64, Array2<A>) {
    let (n, classes) = logits.dim();
    assert!(n > 0, "softmax_cross_entropy: empty batch");
    assert_eq!(
        labels.len(),
        n,
        "softmax_cross_entropy: {n} rows of logits but {} labels",
        labels.len()
    );
    if let Some(bad) = labels.iter().find(|&&y| y >= classes) {
        panic!("softmax_cross_entropy: label {bad} is not below the {classes} classes");
    }
    let mut grad = Array2::zeros((n, classes));
    let mut total = 0.0;
    Zip::from(logits.rows())
        .and(grad.rows_mut())
        .and(labels)
        .for_each(|z, mut g, &y| {
            let z = z.mapv(|v| v.to_f64().expect("a float converts to f64"));
            total += cross_entropy(z.view(), y);
            g.assign(&cross_entropy_grad(z.view(), y).mapv(|v| real::<A>(v / n as f64)));
        });
    (total / n as f64, grad)
}

/// The predicted class of each row: the index of the largest logit (the first, on a tie).
pub fn predictions<A: Real>(logits: ArrayView2<A>) -> Vec<usize> {
    logits
        .axis_iter(Axis(0))
        .map(|row| {
            row.indexed_iter()
                .fold((0, A::neg_infinity()), |best, (i, &v)| {
                    if v > best.1 { (i, v) } else { best }
                })
                .0
        })
        .collect()
}

/// The fraction of predictions equal to the labels.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    assert_eq!(
        predicted.len(),
        labels.len(),
        "accuracy: {} predictions but {} labels",
        predicted.len(),
        labels.len()
    );
    let right = predicted.iter().zip(labels).filter(|(p, y)| p == y).count();
    right as f64 / labels.len().max(1) as f64
}
