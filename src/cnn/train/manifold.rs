//! The manifold hypothesis, measured: principal components, the rotation orbit of one object,
//! and how far apart the classes lie in pixels and in the network's features.
//!
//! A 56 × 56 RGB crop is a point in a space of 9,408 dimensions, but the pictures a camera
//! (or our generator) makes fill almost none of it. Two tools show where they are:
//!
//! - **Principal components** ([`Pca`]): the directions in which a cloud of points varies most.
//!   If a few components hold most of the variance, the cloud is close to a flat space of that
//!   few dimensions.
//! - **Nearest neighbours** ([`nearest_neighbour_accuracy`]): if each point's nearest other
//!   point has the same class, the classes sit in separate regions of the space.

use std::f64::consts::PI;

use image::RgbImage;
use ndarray::{Array1, Array2, ArrayView2, Axis, Ix2, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::cnn::Sequential;
use crate::data::Decoded;
use crate::data::synthetic::draw_turned;

/// Sweeps of [`symmetric_eigen`] before it gives up converging (it needs about ten).
const MAX_SWEEPS: usize = 60;

/// The eigenvalues of a symmetric matrix, largest first, and its eigenvectors as the columns
/// of an orthogonal matrix in the same order, by Jacobi's method.
///
/// Each Jacobi rotation turns two coordinates so that one off-diagonal entry becomes zero.
/// Later rotations spoil earlier zeros, but every rotation moves weight from the off-diagonal
/// entries to the diagonal, so sweeping over all pairs again and again drives the matrix to a
/// diagonal one: the eigenvalues. The product of the rotations holds the eigenvectors.
///
/// # Panics
///
/// If `a` is not square, or the sweeps do not converge (which a symmetric matrix of finite
/// numbers does not cause).
///
/// # Examples
///
/// ```
/// use descent::cnn::train::manifold::symmetric_eigen;
/// use ndarray::array;
///
/// let (values, vectors) = symmetric_eigen(array![[2.0, 1.0], [1.0, 2.0]].view());
/// assert!((values[0] - 3.0).abs() < 1e-12 && (values[1] - 1.0).abs() < 1e-12);
/// // The eigenvector of 3 is (1, 1)/√2, up to sign.
/// assert!((vectors[[0, 0]].abs() - 0.5f64.sqrt()).abs() < 1e-12);
/// assert!((vectors[[0, 0]] - vectors[[1, 0]]).abs() < 1e-12);
/// ```
pub fn symmetric_eigen(a: ArrayView2<f64>) -> (Array1<f64>, Array2<f64>) {
    let n = a.nrows();
    assert_eq!(
        n,
        a.ncols(),
        "symmetric_eigen needs a square matrix, got {:?}",
        a.dim()
    );
    let mut a = a.to_owned();
    let mut v = Array2::<f64>::eye(n);
    let scale = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    let off_diagonal = |a: &Array2<f64>| {
        a.indexed_iter()
            .filter(|((i, j), _)| i != j)
            .map(|(_, x)| x * x)
            .sum::<f64>()
    };
    let mut sweeps = 0;
    while off_diagonal(&a) > 1e-26 * scale {
        assert!(
            sweeps < MAX_SWEEPS,
            "Jacobi sweeps did not converge in {MAX_SWEEPS} sweeps"
        );
        sweeps += 1;
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq == 0.0 {
                    continue;
                }
                // The angle that zeroes a[p][q]: t = tan θ, the smaller root of
                // t² + 2 t cot 2θ − 1 = 0, for numerical stability.
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                rotate(a.view_mut(), Axis(1), p, q, c, s);
                rotate(a.view_mut(), Axis(0), p, q, c, s);
                rotate(v.view_mut(), Axis(1), p, q, c, s);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[[j, j]].total_cmp(&a[[i, i]]));
    let values = order.iter().map(|&i| a[[i, i]]).collect();
    let vectors = v.select(Axis(1), &order);
    (values, vectors)
}

/// Replaces lanes `p` and `q` of `m` along `axis` (columns for `Axis(1)`, rows for `Axis(0)`)
/// by (c·m_p − s·m_q, s·m_p + c·m_q): a rotation by θ with c = cos θ, s = sin θ.
fn rotate(mut m: ndarray::ArrayViewMut2<f64>, axis: Axis, p: usize, q: usize, c: f64, s: f64) {
    let (mp, mq) = match axis {
        Axis(1) => m.multi_slice_mut((s![.., p], s![.., q])),
        _ => m.multi_slice_mut((s![p, ..], s![q, ..])),
    };
    ndarray::Zip::from(mp).and(mq).for_each(|x, y| {
        let (xp, xq) = (*x, *y);
        *x = c * xp - s * xq;
        *y = s * xp + c * xq;
    });
}

/// Principal component analysis of a cloud of points, one point per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// The variance along each principal direction, largest first (as many as points).
    pub variances: Array1<f64>,
    /// Each point's coordinates along the first `k` principal directions: `[points, k]`.
    pub scores: Array2<f64>,
}

impl Pca {
    /// The principal components of the rows of `points`, keeping `k` coordinates per point.
    ///
    /// With n points in d dimensions and n much smaller than d (a few hundred pictures of
    /// thousands of pixels), the n × n Gram matrix G = X Xᵀ of the centred points X has the
    /// same non-zero eigenvalues as the d × d covariance XᵀX, and is far smaller. An
    /// eigenvector u of G with eigenvalue λ gives the principal direction Xᵀu/√λ, along which
    /// the points' coordinates are X Xᵀ u/√λ = √λ · u, and the variance λ/n.
    ///
    /// # Panics
    ///
    /// If there are no points or `k` exceeds their number.
    ///
    /// # Examples
    ///
    /// Points on a line through the origin: all the variance is in one direction.
    ///
    /// ```
    /// use descent::cnn::train::manifold::Pca;
    /// use ndarray::array;
    ///
    /// let pca = Pca::fit(array![[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]].view(), 1);
    /// assert!((pca.explained(1) - 1.0).abs() < 1e-12);
    /// // Distances along the line: √5 between neighbours, centred on the middle point.
    /// assert!(((pca.scores[[0, 0]] - pca.scores[[1, 0]]).abs() - 5f64.sqrt()).abs() < 1e-12);
    /// assert!(pca.scores[[1, 0]].abs() < 1e-12);
    /// ```
    pub fn fit(points: ArrayView2<f64>, k: usize) -> Pca {
        let n = points.nrows();
        assert!(n > 0, "Pca::fit needs at least one point");
        assert!(k <= n, "Pca::fit: {k} components of only {n} points");
        let mean = points.mean_axis(Axis(0)).expect("at least one point");
        let centred = &points - &mean;
        let (values, vectors) = symmetric_eigen(centred.dot(&centred.t()).view());
        let values = values.mapv(|v| v.max(0.0));
        let scores = &vectors.slice(s![.., ..k]) * &values.slice(s![..k]).mapv(f64::sqrt);
        Pca {
            variances: values / n as f64,
            scores,
        }
    }

    /// The fraction of the total variance that the first `k` principal directions hold.
    pub fn explained(&self, k: usize) -> f64 {
        let total = self.variances.sum();
        if total == 0.0 {
            return 1.0;
        }
        self.variances.slice(s![..k]).sum() / total
    }

    /// The fewest principal directions that together hold at least `fraction` of the variance.
    pub fn components_for(&self, fraction: f64) -> usize {
        (1..=self.variances.len())
            .find(|&k| self.explained(k) >= fraction)
            .unwrap_or(self.variances.len())
    }
}

/// The class whose object the orbit turns: crosses, whose four-fold symmetry brings the picture
/// back to itself after a quarter turn.
pub const ORBIT_CLASS: usize = 1;
/// The turn after which a cross looks the same again.
pub const ORBIT_PERIOD: f64 = PI / 2.0;
/// Side of the orbit's pictures (the data set's side).
pub const ORBIT_SIZE: u32 = 64;

/// `steps` pictures of one cross (its colours and lighting drawn from `seed`), turned by equal
/// steps through a quarter turn: the first picture would come again after the last.
pub fn rotation_orbit(steps: usize, seed: u64) -> Vec<RgbImage> {
    (0..steps)
        .map(|i| {
            let angle = ORBIT_PERIOD * i as f64 / steps as f64;
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            draw_turned(ORBIT_CLASS, ORBIT_SIZE, angle, &mut rng)
        })
        .collect()
}

/// Each picture as one row of its pixel values in [0, 1]: `[pictures, height · width · 3]`.
///
/// # Panics
///
/// If the pictures differ in size.
pub fn pixel_rows(pictures: &[RgbImage]) -> Array2<f64> {
    let width = pictures.first().map_or(0, |p| p.as_raw().len());
    let mut rows = Array2::zeros((pictures.len(), width));
    for (mut row, picture) in rows.axis_iter_mut(Axis(0)).zip(pictures) {
        assert_eq!(picture.as_raw().len(), width, "pictures of different sizes");
        row.iter_mut()
            .zip(picture.as_raw())
            .for_each(|(r, &p)| *r = f64::from(p) / 255.0);
    }
    rows
}

/// Batch size when passing a whole split through a network for its features.
const FEATURE_BATCH: usize = 32;

/// The centre crops of every picture of `data`, flattened (normalised as the network sees
/// them) and what the network makes of them just before its last layer, one row per picture:
/// `(pixels, features)`.
///
/// For the chapter's network, the features are the 64 channels of the last pooling, flattened:
/// the numbers the final dense layer weighs to score each class.
pub fn pixels_and_features(model: &mut Sequential, data: &Decoded) -> (Array2<f64>, Array2<f64>) {
    let mut pixels = Vec::new();
    let mut features = Vec::new();
    let layers = model.layers.len();
    for indices in data.batches(FEATURE_BATCH, None) {
        let (x, _) = data.batch(&indices, None::<&mut ChaCha8Rng>);
        let activations = model.activations(x.view().into_dyn());
        let flat = |a: ndarray::ArrayViewD<f32>| {
            let n = a.shape()[0];
            a.to_shape((n, a.len() / n))
                .expect("a batch flattens to one row per picture")
                .mapv(f64::from)
        };
        pixels.push(flat(x.view().into_dyn()));
        features.push(flat(activations[layers - 1].view()));
    }
    let stack = |parts: Vec<Array2<f64>>| {
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(0), &views)
            .expect("rows of equal width")
            .into_dimensionality::<Ix2>()
            .expect("two axes")
    };
    (stack(pixels), stack(features))
}

/// Each row scaled to length 1 (a row of zeros stays zero). Distances between unit rows
/// compare directions only: which pattern a picture or a feature vector shows, not how bright
/// or how strong it is. Nearest neighbours by this distance are nearest by cosine similarity.
///
/// # Examples
///
/// ```
/// use descent::cnn::train::manifold::unit_rows;
/// use ndarray::array;
///
/// let rows = unit_rows(array![[3.0, 4.0], [0.0, 0.0]].view());
/// assert_eq!(rows, array![[0.6, 0.8], [0.0, 0.0]]);
/// ```
pub fn unit_rows(points: ArrayView2<f64>) -> Array2<f64> {
    let lengths = points.map_axis(Axis(1), |row| row.dot(&row).sqrt());
    let divisors = lengths.mapv(|l| if l > 0.0 { l } else { 1.0 });
    &points / &divisors.insert_axis(Axis(1))
}

/// The fraction of points whose nearest other point (in Euclidean distance) has the same
/// label: a leave-one-out 1-nearest-neighbour classifier. Near 1 when the classes occupy
/// separate regions; near 1/classes when they are mixed.
///
/// # Panics
///
/// If there are fewer than two points, or not one label per point.
///
/// # Examples
///
/// ```
/// use descent::cnn::train::manifold::nearest_neighbour_accuracy;
/// use ndarray::array;
///
/// let points = array![[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 1.0]];
/// assert_eq!(nearest_neighbour_accuracy(points.view(), &[0, 0, 1, 1]), 1.0);
/// assert_eq!(nearest_neighbour_accuracy(points.view(), &[0, 1, 0, 1]), 0.0);
/// ```
pub fn nearest_neighbour_accuracy(points: ArrayView2<f64>, labels: &[usize]) -> f64 {
    let n = points.nrows();
    assert!(n >= 2, "nearest neighbours need two points, got {n}");
    assert_eq!(labels.len(), n, "{} labels for {n} points", labels.len());
    // |a − b|² = |a|² + |b|² − 2 a·b, for all pairs at once.
    let gram = points.dot(&points.t());
    let right = (0..n)
        .filter(|&i| {
            let nearest = (0..n)
                .filter(|&j| j != i)
                .min_by(|&j, &k| {
                    let d = |j: usize| gram[[j, j]] - 2.0 * gram[[i, j]];
                    d(j).total_cmp(&d(k))
                })
                .expect("n ≥ 2");
            labels[nearest] == labels[i]
        })
        .count();
    right as f64 / n as f64
}
