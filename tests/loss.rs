//! Every gradient, Jacobian and Hessian of Chapter 1 against finite differences, at many
//! seeded random points; the MAE kink on its own; stability at huge logits; shape errors.

use descent::gradcheck::{
    HESSIAN_STEP, STEP, assert_gradients_match, numeric_gradient, numeric_hessian, numeric_jacobian,
};
use descent::loss::{
    cross_entropy, cross_entropy_grad, line, line_mse_hessian, log_loss, log_loss_grad,
    log_loss_with_logits, log_loss_with_logits_grad, log_softmax, mae, mae_grad, mse, mse_grad,
    rmse, rmse_grad, sigmoid, softmax, softmax_jacobian,
};
use ndarray::{Array1, ArrayView1, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 11;
const TRIALS: usize = 200;
/// A correct gradient of these losses matches its centred difference to about 1e-9 in
/// relative terms; a wrong one is off by far more.
const TOLERANCE: f64 = 1e-6;
/// Residuals closer to 0 than this are moved away, so MAE's kink is never inside a probe.
/// Cross-entropy's gradient has components as small as e^{−8} next to a loss near 8, where the
/// centred difference's round-off (about ε·|CE|/h ≈ 2e-9 absolute) is 1e-6 of the component.
/// Still four orders of magnitude below what a wrong gradient gives.
const SOFTMAX_TOLERANCE: f64 = 1e-5;
const AWAY_FROM_KINK: f64 = 1e-3;

fn random_vector(rng: &mut ChaCha8Rng, n: usize, range: std::ops::Range<f64>) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| rng.random_range(range.clone()))
}

/// Random predictions and targets whose residuals are all at least `AWAY_FROM_KINK` from 0.
fn random_pair(rng: &mut ChaCha8Rng, n: usize) -> (Array1<f64>, Array1<f64>) {
    let y = random_vector(rng, n, -3.0..3.0);
    let r = random_vector(rng, n, -2.0..2.0).mapv(|r| {
        if r.abs() < AWAY_FROM_KINK {
            AWAY_FROM_KINK.copysign(r)
        } else {
            r
        }
    });
    (&y + &r, y)
}

type Loss = fn(ArrayView1<f64>, ArrayView1<f64>) -> f64;
type Grad = fn(ArrayView1<f64>, ArrayView1<f64>) -> Array1<f64>;

fn check_regression_loss(seed: u64, loss: Loss, grad: Grad) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for trial in 0..TRIALS {
        let n = 1 + trial % 7;
        let (y_hat, y) = random_pair(&mut rng, n);
        let numeric = numeric_gradient(|v| loss(v, y.view()), y_hat.view(), STEP);
        assert_gradients_match(
            grad(y_hat.view(), y.view()).view(),
            numeric.view(),
            TOLERANCE,
        );
    }
}

#[test]
fn mse_gradient_matches_finite_differences() {
    check_regression_loss(SEED, mse, mse_grad);
}

#[test]
fn rmse_gradient_matches_finite_differences() {
    check_regression_loss(SEED + 1, rmse, rmse_grad);
}

#[test]
fn mae_gradient_matches_finite_differences_away_from_the_kink() {
    check_regression_loss(SEED + 2, mae, mae_grad);
}

#[test]
fn mae_at_the_kink_has_one_sided_slopes_and_we_return_their_midpoint() {
    // Residuals (0, 1, −2): the first prediction ties its target.
    let y = array![1.0, 2.0, 3.0];
    let y_hat = array![1.0, 3.0, 1.0];
    let n = 3.0;
    let loss_along_first = |t: f64| {
        let mut moved = y_hat.clone();
        moved[0] += t;
        mae(moved.view(), y.view())
    };
    let h = STEP;
    let right = (loss_along_first(h) - loss_along_first(0.0)) / h;
    let left = (loss_along_first(0.0) - loss_along_first(-h)) / h;
    // The one-sided slopes are the ends of the subgradient interval [−1/n, 1/n] …
    assert!((right - 1.0 / n).abs() < 1e-8, "right slope {right}");
    assert!((left + 1.0 / n).abs() < 1e-8, "left slope {left}");
    // … and the centred difference sees their mean, 0, which is what mae_grad returns.
    let numeric = numeric_gradient(|v| mae(v, y.view()), y_hat.view(), h);
    let analytic = mae_grad(y_hat.view(), y.view());
    assert_eq!(analytic, array![0.0, 1.0 / n, -1.0 / n]);
    assert!(numeric[0].abs() < 1e-8 && (numeric[1] - analytic[1]).abs() < 1e-8);
    // A true derivative would not depend on the side: here it does, so MAE has none at a tie.
    assert!((right - left).abs() > 0.5);
}

#[test]
fn rmse_at_an_exact_fit_has_no_derivative_and_we_return_zero() {
    let y = array![1.0, 2.0, 3.0];
    assert_eq!(rmse_grad(y.view(), y.view()), array![0.0, 0.0, 0.0]);
    // Moving any one prediction by ±h raises RMSE by h/√n on both sides: a cone's tip.
    let h = 1e-4;
    let up = rmse((&y + &array![h, 0.0, 0.0]).view(), y.view());
    let down = rmse((&y - &array![h, 0.0, 0.0]).view(), y.view());
    assert!((up - h / 3f64.sqrt()).abs() < 1e-15 && (up - down).abs() < 1e-15);
}

#[test]
fn cross_entropy_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    for trial in 0..TRIALS {
        let k = 2 + trial % 6;
        let logits = random_vector(&mut rng, k, -4.0..4.0);
        let target = rng.random_range(0..k);
        let numeric = numeric_gradient(|z| cross_entropy(z, target), logits.view(), STEP);
        let analytic = cross_entropy_grad(logits.view(), target);
        assert_gradients_match(analytic.view(), numeric.view(), SOFTMAX_TOLERANCE);
        assert!(analytic.sum().abs() < 1e-12, "p − y must sum to 0");
    }
}

#[test]
fn softmax_jacobian_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    for trial in 0..TRIALS {
        let k = 1 + trial % 6;
        let logits = random_vector(&mut rng, k, -4.0..4.0);
        let numeric = numeric_jacobian(softmax, logits.view(), STEP);
        assert_gradients_match(
            softmax_jacobian(logits.view()).view(),
            numeric.view(),
            SOFTMAX_TOLERANCE,
        );
    }
}

#[test]
fn log_loss_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 5);
    for trial in 0..TRIALS {
        let n = 1 + trial % 7;
        let p = random_vector(&mut rng, n, 0.02..0.98);
        // Hard labels and, every third trial, soft ones.
        let y = if trial % 3 == 0 {
            random_vector(&mut rng, n, 0.0..1.0)
        } else {
            random_vector(&mut rng, n, 0.0..1.0).mapv(f64::round)
        };
        let numeric = numeric_gradient(|v| log_loss(v, y.view()), p.view(), STEP);
        let analytic = log_loss_grad(p.view(), y.view());
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn log_loss_with_logits_gradient_matches_finite_differences_and_log_loss() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 6);
    for trial in 0..TRIALS {
        let n = 1 + trial % 7;
        let z = random_vector(&mut rng, n, -6.0..6.0);
        let y = random_vector(&mut rng, n, 0.0..1.0).mapv(f64::round);
        let numeric = numeric_gradient(|v| log_loss_with_logits(v, y.view()), z.view(), STEP);
        let analytic = log_loss_with_logits_grad(z.view(), y.view());
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
        // Same loss as log loss on σ(z) where σ(z) is not clamped.
        let direct = log_loss(sigmoid(z.view()).view(), y.view());
        assert!((direct - log_loss_with_logits(z.view(), y.view())).abs() < 1e-9);
    }
}

#[test]
fn line_mse_hessian_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 7);
    for trial in 0..TRIALS / 4 {
        let n = 1 + trial % 9;
        let x = random_vector(&mut rng, n, -3.0..3.0);
        let y = random_vector(&mut rng, n, -3.0..3.0);
        let params = random_vector(&mut rng, 2, -2.0..2.0);
        let loss = |p: ArrayView1<f64>| mse(line(x.view(), p[0], p[1]).view(), y.view());
        let numeric = numeric_hessian(loss, params.view(), HESSIAN_STEP);
        let analytic = line_mse_hessian(x.view());
        // Second differences are less precise than first ones: 1e-6 relative is still tight.
        assert_gradients_match(analytic.view(), numeric.view(), 1e-5);
    }
}

#[test]
fn logits_of_a_thousand_give_finite_losses_and_gradients() {
    let logits = array![1000.0, -1000.0, 0.0];
    for target in 0..3 {
        assert!(cross_entropy(logits.view(), target).is_finite());
        assert!(
            cross_entropy_grad(logits.view(), target)
                .iter()
                .all(|g| g.is_finite())
        );
    }
    assert_eq!(cross_entropy(logits.view(), 1), 2000.0);
    assert!(log_softmax(logits.view()).iter().all(|v| v.is_finite()));
    assert!(
        softmax_jacobian(logits.view())
            .iter()
            .all(|v| v.is_finite())
    );
    let z = array![1000.0, -1000.0];
    let y = array![0.0, 1.0];
    assert_eq!(log_loss_with_logits(z.view(), y.view()), 1000.0);
    assert_eq!(
        log_loss_with_logits_grad(z.view(), y.view()),
        array![0.5, -0.5]
    );
    // Log loss on the saturated probabilities is clamped: large, finite.
    let p = sigmoid(z.view());
    assert_eq!(p, array![1.0, 0.0]);
    assert!(log_loss(p.view(), y.view()).is_finite());
    assert!(
        log_loss_grad(p.view(), y.view())
            .iter()
            .all(|g| g.is_finite())
    );
}

#[test]
#[should_panic(expected = "predictions have shape [3] but targets have shape [2]")]
fn mse_names_both_shapes() {
    mse(array![1.0, 2.0, 3.0].view(), array![1.0, 2.0].view());
}

#[test]
#[should_panic(expected = "log_loss_grad: predictions have shape [1] but targets have shape [2]")]
fn log_loss_grad_names_both_shapes() {
    log_loss_grad(array![0.5].view(), array![1.0, 0.0].view());
}

#[test]
#[should_panic(expected = "target class 3 is out of range for logits of shape [3]")]
fn cross_entropy_names_a_bad_target() {
    cross_entropy(array![1.0, 2.0, 3.0].view(), 3);
}
