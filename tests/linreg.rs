//! Chapter 2: the line model's gradient and Hessian against finite differences at many seeded
//! random points, gradient descent against the closed form, and the convergence theory
//! (stability bound, rate (κ − 1)/(κ + 1)) against measured runs.

use descent::gradcheck::{
    HESSIAN_STEP, STEP, assert_gradients_match, numeric_gradient, numeric_hessian,
};
use descent::linreg::{
    Data, Line, LinregError, Scaling, best_rate, closed_form, gradient_descent, hessian, iterates,
    mse, mse_gradient, sgd, shuffled_order, symmetric_eigen,
};
use ndarray::{Array1, ArrayView1};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 2;
const TRIALS: usize = 200;
/// Relative tolerance of a gradient check: the MSE is a quadratic, so the centred difference
/// has no truncation error and only round-off (about ε·L/h ≈ 1e-10 relative) remains.
const TOLERANCE: f64 = 1e-6;

/// A random data set (2 to 30 points, x anywhere in [−5, 5], noisy line) and a random line.
fn random_problem(rng: &mut ChaCha8Rng) -> (Data, Line) {
    let n = rng.random_range(2..30);
    let truth = Line::new(rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0));
    let low = rng.random_range(-5.0..4.0);
    let data = Data::generate(
        n,
        truth,
        0.5,
        low..low + 1.0 + rng.random_range(0.0..4.0),
        rng.random(),
    );
    let line = Line::new(rng.random_range(-4.0..4.0), rng.random_range(-4.0..4.0));
    (data, line)
}

fn loss_of(data: &Data) -> impl Fn(ArrayView1<f64>) -> f64 + '_ {
    move |theta| mse(Line::from_array(theta), data)
}

#[test]
fn the_gradient_matches_finite_differences_at_many_points() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for _ in 0..TRIALS {
        let (data, line) = random_problem(&mut rng);
        let analytic = mse_gradient(line, &data).to_array();
        let numeric = numeric_gradient(loss_of(&data), line.to_array().view(), STEP);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn the_gradient_of_a_minibatch_matches_finite_differences_of_its_loss() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for _ in 0..TRIALS {
        let (data, line) = random_problem(&mut rng);
        let size = rng.random_range(1..=data.len());
        let batch = data.select(&shuffled_order(data.len(), &mut rng)[..size]);
        let analytic = mse_gradient(line, &batch).to_array();
        let numeric = numeric_gradient(loss_of(&batch), line.to_array().view(), STEP);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn the_hessian_matches_finite_differences_and_is_the_same_everywhere() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for _ in 0..TRIALS {
        let (data, line) = random_problem(&mut rng);
        let analytic = hessian(data.x());
        let numeric = numeric_hessian(loss_of(&data), line.to_array().view(), HESSIAN_STEP);
        let scale = analytic.iter().fold(1.0f64, |a, &v| a.max(v.abs()));
        assert!(
            (&analytic - &numeric)
                .iter()
                .all(|d| d.abs() <= 1e-6 * scale),
            "Hessian {analytic} vs finite differences {numeric} at {line:?}"
        );
    }
}

#[test]
fn the_closed_form_eigen_decomposition_is_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    for _ in 0..TRIALS {
        let (data, _) = random_problem(&mut rng);
        let h = hessian(data.x());
        let e = symmetric_eigen(h.view());
        for (lambda, v) in [(e.lambda_min, &e.v_min), (e.lambda_max, &e.v_max)] {
            let residual = h.dot(v) - v * lambda;
            assert!(
                residual.iter().all(|r| r.abs() < 1e-9 * e.lambda_max),
                "H v ≠ λ v for λ = {lambda}"
            );
            assert!((v.dot(v) - 1.0).abs() < 1e-12);
        }
        assert!(
            e.v_min.dot(&e.v_max).abs() < 1e-9,
            "eigenvectors of a symmetric matrix are orthogonal"
        );
        assert!((e.lambda_min + e.lambda_max - h[[0, 0]] - h[[1, 1]]).abs() < 1e-9 * e.lambda_max);
        assert!(0.0 < e.lambda_min && e.lambda_min <= e.lambda_max);
    }
    // Diagonal matrices (b = 0) take the other branch, in both orders.
    let e = symmetric_eigen(ndarray::array![[3.0, 0.0], [0.0, 1.0]].view());
    assert_eq!((e.lambda_min, e.lambda_max), (1.0, 3.0));
    assert_eq!(e.v_min, ndarray::array![0.0, 1.0]);
}

#[test]
fn the_closed_form_is_where_the_gradient_vanishes() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    for _ in 0..TRIALS {
        let (data, _) = random_problem(&mut rng);
        let best = closed_form(&data).expect("random x are distinct");
        let g = mse_gradient(best, &data);
        let size = 1.0 + data.y().iter().fold(0.0f64, |a, y| a.max(y.abs())) * 10.0;
        assert!(
            g.grad_m.abs() < 1e-9 * size && g.grad_c.abs() < 1e-9 * size,
            "{g:?} at {best:?}"
        );
    }
    let flat = Data::new(Array1::from(vec![2.0, 2.0]), Array1::from(vec![1.0, 3.0]));
    assert_eq!(
        closed_form(&flat),
        Err(LinregError::Singular { n: 2, x: 2.0 })
    );
}

/// A well-conditioned problem: x spread evenly around 0, so the Hessian is nearly diagonal.
fn well_conditioned() -> Data {
    Data::generate(40, Line::new(-1.5, 0.7), 0.3, -1.0..1.0, SEED)
}

#[test]
fn gradient_descent_reaches_the_closed_form() {
    let data = well_conditioned();
    let e = symmetric_eigen(hessian(data.x()).view());
    assert!(e.condition_number() < 4.0, "κ = {}", e.condition_number());
    let run = gradient_descent(&data, Line::new(0.0, 0.0), e.best_learning_rate(), 200).unwrap();
    let exact = closed_form(&data).unwrap();
    let got = run.last();
    assert!(
        (got.m - exact.m).abs() < 1e-9 && (got.c - exact.c).abs() < 1e-9,
        "gradient descent ended at {got:?}, the closed form is {exact:?}"
    );
}

/// The error e = θ − θ* of gradient descent on a quadratic obeys eₖ₊₁ = (I − ηH) eₖ exactly.
/// Along the eigenvector vᵢ it is multiplied by (1 − η λᵢ) every step. So we measure the rate
/// two ways:
///
/// 1. at the best step η* = 2/(λ_min + λ_max) both factors have magnitude (κ − 1)/(κ + 1), so
///    the ratio of successive error norms ‖eₖ₊₁‖/‖eₖ‖ must equal it at *every* step;
/// 2. at a smaller step the slow direction wins: the component eₖ·v_min shrinks by exactly
///    1 − η λ_min per step, and the ratio of error norms tends to it asymptotically.
#[test]
fn the_measured_rate_matches_the_predicted_one() {
    // An ill-conditioned problem (x far from 0), so that the rate is far from 0 and 1.
    let data = Data::generate(30, Line::new(2.0, 1.0), 0.5, 1.0..3.0, SEED);
    let e = symmetric_eigen(hessian(data.x()).view());
    let kappa = e.condition_number();
    assert!(kappa > 10.0, "κ = {kappa}");
    let exact = closed_form(&data).unwrap().to_array();
    let errors = |rate: f64, steps: usize| -> Vec<Array1<f64>> {
        iterates(&data, Line::new(-1.0, 4.0), rate)
            .take(steps + 1)
            .map(|line| line.to_array() - &exact)
            .collect()
    };
    let norm = |v: &Array1<f64>| v.dot(v).sqrt();

    // 1. Best step: every successive ratio is (κ − 1)/(κ + 1).
    let predicted = best_rate(kappa);
    for pair in errors(e.best_learning_rate(), 40).windows(2) {
        let measured = norm(&pair[1]) / norm(&pair[0]);
        assert!(
            (measured - predicted).abs() < 1e-9,
            "measured {measured}, predicted {predicted}"
        );
    }

    // 2. Half the stability bound: the slow component contracts by 1 − η λ_min, and so does
    //    the error norm once the fast component has died out.
    let rate = 0.5 * e.stability_bound();
    let slow = 1.0 - rate * e.lambda_min;
    let run = errors(rate, 300);
    for pair in run.windows(2) {
        let measured = pair[1].dot(&e.v_min) / pair[0].dot(&e.v_min);
        assert!(
            (measured - slow).abs() < 1e-9,
            "slow component: {measured} vs {slow}"
        );
    }
    let asymptotic = norm(&run[300]) / norm(&run[299]);
    assert!(
        (asymptotic - slow).abs() < 1e-9,
        "asymptotic ratio {asymptotic} vs {slow}"
    );
    assert!((e.contraction(rate) - slow).abs() < 1e-15);
}

#[test]
fn on_the_worked_data_011_converges_and_0125_diverges() {
    let data = Data::worked();
    let run = gradient_descent(&data, Line::new(0.0, 0.0), 0.11, 1000).unwrap();
    let end = run.last();
    assert!(
        (end.m - 2.0).abs() < 1e-9 && (end.c - 1.0).abs() < 1e-9,
        "{end:?}"
    );
    match gradient_descent(&data, Line::new(0.0, 0.0), 0.125, 1000) {
        Err(LinregError::Diverged {
            step,
            learning_rate,
            loss,
            initial_loss,
        }) => {
            assert_eq!(learning_rate, 0.125);
            assert_eq!(initial_loss, 41.0);
            assert!(
                loss > 1e6 * 41.0 && step > 10 && step < 1000,
                "stopped at {step} with {loss}"
            );
        }
        other => panic!("L = 0.125 should diverge, got {other:?}"),
    }
}

#[test]
fn bad_knobs_are_errors_that_name_the_value() {
    let data = Data::worked();
    let start = Line::new(0.0, 0.0);
    for bad in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let err = gradient_descent(&data, start, bad, 3).unwrap_err();
        assert!(err.to_string().contains(&bad.to_string()), "{err}");
    }
    let err = sgd(&data, start, 0.01, 5, 1, SEED).unwrap_err();
    assert_eq!(
        err,
        LinregError::InvalidBatchSize {
            batch_size: 5,
            n: 4
        }
    );
    let err = gradient_descent(&data, start, 1.0, 100).unwrap_err();
    assert!(err.to_string().contains("learning rate 1"), "{err}");
}

#[test]
fn full_batch_sgd_is_gradient_descent_and_minibatch_gradients_average_to_the_full_one() {
    let data = well_conditioned();
    let start = Line::new(0.3, -0.2);
    let full = sgd(&data, start, 0.1, data.len(), 5, SEED).unwrap();
    let gd = gradient_descent(&data, start, 0.1, 5).unwrap();
    for (a, b) in full.lines.iter().zip(&gd.lines) {
        assert!((a.m - b.m).abs() < 1e-12 && (a.c - b.c).abs() < 1e-12);
    }
    // Equal batches that cover the data once: the mean of their gradients is the full gradient,
    // which is why a mini-batch gradient is an unbiased estimate of it.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let order = shuffled_order(data.len(), &mut rng);
    let batches: Vec<_> = order
        .chunks(8)
        .map(|b| mse_gradient(start, &data.select(b)).to_array())
        .collect();
    let mean: Array1<f64> =
        batches.iter().fold(Array1::zeros(2), |a, g| a + g) / batches.len() as f64;
    let exact = mse_gradient(start, &data).to_array();
    assert!(
        (&mean - &exact).iter().all(|d| d.abs() < 1e-12),
        "{mean} vs {exact}"
    );
    assert!(
        batches
            .iter()
            .any(|g| (g - &exact).iter().any(|d| d.abs() > 1e-3)),
        "batches are noisy"
    );
}

#[test]
fn centring_shrinks_the_condition_number_and_keeps_the_fit() {
    let data = Data::generate(30, Line::new(2.0, 1.0), 0.5, 1.0..3.0, SEED);
    let before = symmetric_eigen(hessian(data.x()).view()).condition_number();
    for scaling in [Scaling::centre(data.x()), Scaling::standardise(data.x())] {
        let scaled = data.rescaled(scaling);
        let after = symmetric_eigen(hessian(scaled.x()).view()).condition_number();
        assert!(after < before / 5.0, "κ {before} → {after}");
        let back = scaling.original_line(closed_form(&scaled).unwrap());
        let direct = closed_form(&data).unwrap();
        assert!((back.m - direct.m).abs() < 1e-12 && (back.c - direct.c).abs() < 1e-12);
    }
    // Standardised x has mean 0 and variance 1, so H = diag(2, 2): κ = 1.
    let scaled = data.rescaled(Scaling::standardise(data.x()));
    let kappa = symmetric_eigen(hessian(scaled.x()).view()).condition_number();
    assert!((kappa - 1.0).abs() < 1e-12, "κ = {kappa}");
}

#[test]
fn the_animation_is_small_and_has_many_frames() {
    use image::AnimationDecoder;
    let folder = tempfile::tempdir().expect("a temporary folder");
    let path = folder.path().join("fitting.gif");
    descent::linreg::figures::render_fitting_animation(&path).expect("the animation draws");
    let bytes = std::fs::metadata(&path)
        .expect("the animation is written")
        .len();
    assert!(
        bytes < 500_000,
        "the animation is {bytes} bytes; keep it under 500 KB"
    );
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("readable"));
    let frames = image::codecs::gif::GifDecoder::new(file)
        .expect("a valid GIF")
        .into_frames()
        .collect_frames()
        .expect("frames decode");
    assert_eq!(frames.len(), descent::linreg::figures::frame_steps().len());
    assert!(frames.len() > 20, "only {} frames", frames.len());
}
