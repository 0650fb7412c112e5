//! The reference solutions of Chapter 1's exercises against finite differences. (Skipped in
//! learner mode, where the exercises are the learner's own stubs; their checks are the
//! chapter's doc-tests.)
#![cfg(not(feature = "learner"))]

use descent::exercises::loss::{huber, huber_grad, line_mse_param_grad, sigmoid_jacobian};
use descent::gradcheck::{STEP, assert_gradients_match, numeric_gradient, numeric_jacobian};
use descent::loss::{line, mse, sigmoid};
use ndarray::{Array1, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 21;
const TRIALS: usize = 100;
const TOLERANCE: f64 = 1e-6;

fn random_vector(rng: &mut ChaCha8Rng, n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| rng.random_range(-3.0..3.0))
}

#[test]
fn huber_gradient_matches_finite_differences_away_from_the_joins() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for trial in 0..TRIALS {
        let n = 1 + trial % 6;
        let delta = rng.random_range(0.2..2.0);
        let y = random_vector(&mut rng, n);
        // Keep every |r| at least 1e-3 away from δ, where the second derivative jumps.
        let r = random_vector(&mut rng, n).mapv(|r: f64| {
            if (r.abs() - delta).abs() < 1e-3 {
                r + 1e-2
            } else {
                r
            }
        });
        let y_hat = &y + &r;
        let numeric = numeric_gradient(|v| huber(v, y.view(), delta), y_hat.view(), STEP);
        let analytic = huber_grad(y_hat.view(), y.view(), delta);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn huber_is_mse_like_inside_and_mae_like_outside() {
    // Inside the threshold Huber is half the squared error, far outside it grows like δ|r|.
    let zero = array![0.0];
    assert_eq!(huber(array![0.5].view(), zero.view(), 1.0), 0.125);
    assert_eq!(huber(array![101.0].view(), zero.view(), 1.0), 100.5);
}

#[test]
fn sigmoid_jacobian_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for trial in 0..TRIALS {
        let z = random_vector(&mut rng, 1 + trial % 6);
        let numeric = numeric_jacobian(sigmoid, z.view(), STEP);
        assert_gradients_match(sigmoid_jacobian(z.view()).view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn line_parameter_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for trial in 0..TRIALS {
        let n = 1 + trial % 8;
        let (x, y) = (random_vector(&mut rng, n), random_vector(&mut rng, n));
        let theta = random_vector(&mut rng, 2);
        let loss = |p: ndarray::ArrayView1<f64>| mse(line(x.view(), p[0], p[1]).view(), y.view());
        let numeric = numeric_gradient(loss, theta.view(), STEP);
        let analytic = line_mse_param_grad(x.view(), y.view(), theta[0], theta[1]);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}
