//! The manifold section's tools: Jacobi's eigen-decomposition, principal components through the
//! Gram matrix, and the rotation orbit.

use approx::assert_abs_diff_eq;
use descent::cnn::train::manifold::{Pca, pixel_rows, rotation_orbit, symmetric_eigen};
use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_matrix(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0..1.0))
}

#[test]
fn jacobi_decomposes_random_symmetric_matrices() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for n in [1, 2, 5, 12, 30] {
        let b = random_matrix(n, n, &mut rng);
        let a = &b + &b.t();
        let (values, vectors) = symmetric_eigen(a.view());
        // Orthogonal eigenvectors, eigenvalues largest first, and A = V Λ Vᵀ.
        assert_abs_diff_eq!(vectors.t().dot(&vectors), Array2::eye(n), epsilon = 1e-10);
        assert!(
            values.windows(2).into_iter().all(|w| w[0] >= w[1]),
            "{values}"
        );
        let rebuilt = (&vectors * &values).dot(&vectors.t());
        assert_abs_diff_eq!(rebuilt, a, epsilon = 1e-10);
    }
}

#[test]
fn jacobi_finds_repeated_eigenvalues() {
    let a = Array2::<f64>::eye(4) * 3.0;
    let (values, _) = symmetric_eigen(a.view());
    assert_abs_diff_eq!(values, Array1::from_elem(4, 3.0), epsilon = 1e-12);
}

#[test]
fn pca_through_the_gram_matrix_equals_the_covariance_route() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    // More points than dimensions, so the covariance is small enough to decompose directly.
    let (n, d) = (40, 6);
    let mixing = random_matrix(d, d, &mut rng);
    let points = random_matrix(n, d, &mut rng).dot(&mixing);
    let pca = Pca::fit(points.view(), 3);

    let centred = &points - &points.mean_axis(Axis(0)).unwrap();
    let covariance = centred.t().dot(&centred) / n as f64;
    let (variances, directions) = symmetric_eigen(covariance.view());
    assert_abs_diff_eq!(
        pca.variances.slice(ndarray::s![..d]),
        variances.view(),
        epsilon = 1e-10
    );
    assert!(
        pca.variances
            .slice(ndarray::s![d..])
            .iter()
            .all(|v| v.abs() < 1e-10)
    );
    // The scores are the centred points' coordinates along the directions, up to sign.
    for k in 0..3 {
        let along = centred.dot(&directions.column(k));
        let sign = along.dot(&pca.scores.column(k)).signum();
        assert_abs_diff_eq!(pca.scores.column(k), along * sign, epsilon = 1e-9);
    }
}

#[test]
fn the_rotation_orbit_closes_after_a_quarter_turn() {
    let orbit = rotation_orbit(8, 3);
    assert_eq!(orbit.len(), 8);
    let again = rotation_orbit(4, 3);
    // Steps of a 4-step orbit are every other step of an 8-step one: same pictures.
    for (i, picture) in again.iter().enumerate() {
        assert_eq!(picture, &orbit[2 * i]);
    }
    let rows = pixel_rows(&orbit);
    assert_eq!(rows.dim(), (8, 64 * 64 * 3));
    assert!(rows.iter().all(|v| (0.0..=1.0).contains(v)));
    // Turned pictures differ from each other.
    assert!(orbit.windows(2).all(|w| w[0] != w[1]));
}
