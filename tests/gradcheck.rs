//! The gradient checker itself, checked against functions whose derivatives are known in
//! closed form, at many seeded random points.

use descent::gradcheck::{
    BUG, GOOD, HESSIAN_STEP, STEP, assert_gradients_match, compare, numeric_gradient,
    numeric_hessian, numeric_jacobian,
};
use ndarray::{Array1, Array2, ArrayView1, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 7;
const TRIALS: usize = 200;
/// Round-off in a centred difference is about ε|f|/h in absolute terms, so a gradient
/// component a thousand times smaller than f has a relative error near 1e-7 even when it is
/// right. A wrong gradient is off by far more (see `a_wrong_gradient_is_caught_and_located`).
const TOLERANCE: f64 = 1e-6;

fn random_vector(rng: &mut ChaCha8Rng, n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| rng.random_range(-2.0..2.0))
}

/// f(x) = Σ sin(xᵢ) xᵢ₊₁ + ½‖x‖², a smooth function that couples neighbours.
fn coupled(x: ArrayView1<f64>) -> f64 {
    let n = x.len();
    (0..n - 1).map(|i| x[i].sin() * x[i + 1]).sum::<f64>() + 0.5 * x.dot(&x)
}

fn coupled_gradient(x: ArrayView1<f64>) -> Array1<f64> {
    let n = x.len();
    Array1::from_shape_fn(n, |i| {
        let from_right = if i + 1 < n {
            x[i].cos() * x[i + 1]
        } else {
            0.0
        };
        let from_left = if i > 0 { x[i - 1].sin() } else { 0.0 };
        from_right + from_left + x[i]
    })
}

fn coupled_hessian(x: ArrayView1<f64>) -> Array2<f64> {
    let n = x.len();
    Array2::from_shape_fn((n, n), |(i, j)| {
        let diagonal = if i == j {
            1.0 - if i + 1 < n {
                x[i].sin() * x[i + 1]
            } else {
                0.0
            }
        } else {
            0.0
        };
        let neighbour = if j == i + 1 {
            x[i].cos()
        } else if i == j + 1 {
            x[j].cos()
        } else {
            0.0
        };
        diagonal + neighbour
    })
}

#[test]
fn numeric_gradient_matches_the_closed_form() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for trial in 0..TRIALS {
        let n = 2 + trial % 6;
        let x = random_vector(&mut rng, n);
        let numeric = numeric_gradient(coupled, x.view(), STEP);
        assert_gradients_match(coupled_gradient(x.view()).view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn numeric_jacobian_of_a_gradient_is_the_hessian() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for trial in 0..TRIALS {
        let n = 2 + trial % 5;
        let x = random_vector(&mut rng, n);
        let jacobian = numeric_jacobian(coupled_gradient, x.view(), STEP);
        let exact = coupled_hessian(x.view());
        assert!(
            jacobian.abs_diff_eq(&exact, 1e-8),
            "trial {trial}: {jacobian} vs {exact}"
        );
    }
}

#[test]
fn numeric_hessian_matches_the_closed_form_and_is_symmetric() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for trial in 0..TRIALS {
        let n = 2 + trial % 5;
        let x = random_vector(&mut rng, n);
        let hessian = numeric_hessian(coupled, x.view(), HESSIAN_STEP);
        let exact = coupled_hessian(x.view());
        assert!(
            hessian.abs_diff_eq(&exact, 1e-6),
            "trial {trial}: {hessian} vs {exact}"
        );
        assert!(hessian.abs_diff_eq(&hessian.t(), 1e-12));
    }
}

#[test]
fn numeric_gradient_handles_any_shape_and_layout() {
    // A transposed (non-standard layout) 2-D input: f(X) = Σ Xᵢⱼ² · (i + 2j), gradient 2 Xᵢⱼ (i + 2j).
    let x = array![[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let xt = x.t();
    let weight = |i: usize, j: usize| (i + 2 * j) as f64;
    let f = |v: ndarray::ArrayView2<f64>| {
        v.indexed_iter()
            .map(|((i, j), &value)| value * value * weight(i, j))
            .sum::<f64>()
    };
    let numeric = numeric_gradient(f, xt, STEP);
    let exact = Array2::from_shape_fn(xt.raw_dim(), |(i, j)| 2.0 * xt[[i, j]] * weight(i, j));
    assert_eq!(numeric.shape(), &[3, 2]);
    assert_gradients_match(exact.view(), numeric.view(), GOOD);
}

#[test]
fn a_wrong_gradient_is_caught_and_located() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    for trial in 0..TRIALS {
        let n = 3 + trial % 4;
        let x = random_vector(&mut rng, n);
        let mut wrong = coupled_gradient(x.view());
        let culprit = trial % n;
        wrong[culprit] = -wrong[culprit] + 1.0; // wrong sign and offset: never equal
        let numeric = numeric_gradient(coupled, x.view(), STEP);
        let c = compare(wrong.view(), numeric.view());
        assert!(c.max_relative_error > BUG, "trial {trial}: {c:?}");
        assert_eq!(c.worst_index, culprit);
    }
}

#[test]
fn a_nan_gradient_never_passes() {
    let c = compare(
        array![1.0, f64::NAN, 3.0].view(),
        array![1.0, 2.0, 3.0].view(),
    );
    assert!(c.max_relative_error.is_nan());
    assert_eq!(c.worst_index, 1);
}

#[test]
#[should_panic(expected = "analytic gradient has shape [2] but numeric gradient has shape [3]")]
fn mismatched_shapes_are_named() {
    compare(array![1.0, 2.0].view(), array![1.0, 2.0, 3.0].view());
}

#[test]
#[should_panic(expected = "gradient check failed at element 1")]
fn assert_gradients_match_fails_loudly() {
    assert_gradients_match(array![1.0, 2.0].view(), array![1.0, 2.5].view(), GOOD);
}
