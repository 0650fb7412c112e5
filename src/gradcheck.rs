#![doc = include_str!("../chapters/appendix-gradient-checking.md")]

pub mod figures;

use ndarray::{Array, Array1, Array2, ArrayView, ArrayView1, Dimension};

/// Step for the centred difference of a first derivative: about the cube root of machine
/// epsilon, where truncation error (∝ h²) and round-off error (∝ ε/h) balance.
pub const STEP: f64 = 1e-6;

/// Step for the second differences of [`numeric_hessian`]: about the fourth root of machine
/// epsilon, where truncation (∝ h²) and round-off (∝ ε/h²) balance.
pub const HESSIAN_STEP: f64 = 1e-4;

/// Below this magnitude [`relative_error`] divides by the floor instead, so that two
/// gradients that are both (almost) zero do not produce a huge ratio.
pub const FLOOR: f64 = 1e-10;

/// A relative error below this is what a correct gradient gives in `f64`.
pub const GOOD: f64 = 1e-7;

/// A relative error above this almost always means a bug in the backward pass.
pub const BUG: f64 = 1e-2;

/// Forward difference: (f(x + h) − f(x)) / h. Its error shrinks like h.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::forward_difference;
/// // f(x) = x², f'(3) = 6; the forward difference overshoots by exactly h.
/// let d = forward_difference(|x| x * x, 3.0, 0.1);
/// assert!((d - 6.1).abs() < 1e-12);
/// ```
pub fn forward_difference(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    (f(x + h) - f(x)) / h
}

/// Centred difference: (f(x + h) − f(x − h)) / 2h. Its error shrinks like h².
///
/// # Examples
///
/// ```
/// use descent::gradcheck::centred_difference;
/// // For a parabola the centred difference is exact, whatever h.
/// let d = centred_difference(|x| x * x, 3.0, 0.1);
/// assert!((d - 6.0).abs() < 1e-12);
/// ```
pub fn centred_difference(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Relative error |a − n| / max(|a|, |n|, [`FLOOR`]) between an analytic and a numeric value.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::relative_error;
/// assert!((relative_error(1.0, 1.01) - 0.01 / 1.01).abs() < 1e-15);
/// assert_eq!(relative_error(0.0, 0.0), 0.0);
/// ```
pub fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(FLOOR)
}

/// Evaluates `f` with element `i` (in standard order) of `probe` moved by `delta`, then puts
/// the element back.
///
/// # Panics
///
/// If `probe` is not in standard layout; callers build it with `as_standard_layout`.
fn nudged<D: Dimension, T>(
    probe: &mut Array<f64, D>,
    i: usize,
    delta: f64,
    f: &mut impl FnMut(ArrayView<f64, D>) -> T,
) -> T {
    let original = probe.as_slice().expect("probe is in standard layout")[i];
    probe.as_slice_mut().expect("probe is in standard layout")[i] = original + delta;
    let value = f(probe.view());
    probe.as_slice_mut().expect("probe is in standard layout")[i] = original;
    value
}

/// The numeric gradient of a scalar function f: ℝⁿ → ℝ by centred differences, one
/// coordinate at a time: ∂f/∂xᵢ ≈ (f(x + h eᵢ) − f(x − h eᵢ)) / 2h.
///
/// Works for arrays of any shape; the gradient has the shape of `x`.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::{numeric_gradient, STEP};
/// use ndarray::array;
/// // f(x, y) = x² y has gradient (2xy, x²) = (12, 9) at (3, 2).
/// let g = numeric_gradient(|v| v[0] * v[0] * v[1], array![3.0, 2.0].view(), STEP);
/// assert!((g[0] - 12.0).abs() < 1e-8 && (g[1] - 9.0).abs() < 1e-8);
/// ```
pub fn numeric_gradient<D: Dimension>(
    mut f: impl FnMut(ArrayView<f64, D>) -> f64,
    x: ArrayView<f64, D>,
    h: f64,
) -> Array<f64, D> {
    let mut probe = x.as_standard_layout().into_owned();
    let partials: Vec<f64> = (0..x.len())
        .map(|i| {
            let up = nudged(&mut probe, i, h, &mut f);
            let down = nudged(&mut probe, i, -h, &mut f);
            (up - down) / (2.0 * h)
        })
        .collect();
    Array::from_shape_vec(x.raw_dim(), partials).expect("one partial per element of x")
}

/// The numeric Jacobian of a vector function f: ℝⁿ → ℝᵐ by centred differences:
/// Jᵢⱼ = ∂fᵢ/∂xⱼ, an m × n matrix whose column j is (f(x + h eⱼ) − f(x − h eⱼ)) / 2h.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::{numeric_jacobian, STEP};
/// use ndarray::array;
/// // f(x, y) = (x y, x + y) has Jacobian [[y, x], [1, 1]].
/// let j = numeric_jacobian(|v| array![v[0] * v[1], v[0] + v[1]], array![3.0, 2.0].view(), STEP);
/// let expected = array![[2.0, 3.0], [1.0, 1.0]];
/// assert!(j.abs_diff_eq(&expected, 1e-8));
/// ```
pub fn numeric_jacobian(
    mut f: impl FnMut(ArrayView1<f64>) -> Array1<f64>,
    x: ArrayView1<f64>,
    h: f64,
) -> Array2<f64> {
    let mut probe = x.as_standard_layout().into_owned();
    let columns: Vec<Array1<f64>> = (0..x.len())
        .map(|j| {
            let up = nudged(&mut probe, j, h, &mut f);
            let down = nudged(&mut probe, j, -h, &mut f);
            (up - down) / (2.0 * h)
        })
        .collect();
    let m = columns.first().map_or(0, Array1::len);
    Array2::from_shape_fn((m, x.len()), |(i, j)| {
        assert_eq!(
            columns[j].len(),
            m,
            "f returned {} values for column {j} but {m} for column 0",
            columns[j].len()
        );
        columns[j][i]
    })
}

/// The numeric Hessian of a scalar function f: ℝⁿ → ℝ by centred second differences:
/// Hᵢⱼ ≈ [f(x + h eᵢ + h eⱼ) − f(x + h eᵢ − h eⱼ) − f(x − h eᵢ + h eⱼ) + f(x − h eᵢ − h eⱼ)] / 4h².
///
/// It is the numeric Jacobian of the numeric gradient, so it is symmetric by construction up
/// to round-off. Use [`HESSIAN_STEP`] for `h`.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::{numeric_hessian, HESSIAN_STEP};
/// use ndarray::array;
/// // f(x, y) = x² y has Hessian [[2y, 2x], [2x, 0]] = [[4, 6], [6, 0]] at (3, 2).
/// let h = numeric_hessian(|v| v[0] * v[0] * v[1], array![3.0, 2.0].view(), HESSIAN_STEP);
/// assert!(h.abs_diff_eq(&array![[4.0, 6.0], [6.0, 0.0]], 1e-6));
/// ```
pub fn numeric_hessian(
    mut f: impl FnMut(ArrayView1<f64>) -> f64,
    x: ArrayView1<f64>,
    h: f64,
) -> Array2<f64> {
    let n = x.len();
    let mut probe = x.to_owned();
    let mut corner = |probe: &mut Array1<f64>, i: usize, si: f64, j: usize, sj: f64| {
        probe[i] += si * h;
        probe[j] += sj * h;
        let value = f(probe.view());
        probe[i] -= si * h;
        probe[j] -= sj * h;
        value
    };
    Array2::from_shape_fn((n, n), |(i, j)| {
        let pp = corner(&mut probe, i, 1.0, j, 1.0);
        let pm = corner(&mut probe, i, 1.0, j, -1.0);
        let mp = corner(&mut probe, i, -1.0, j, 1.0);
        let mm = corner(&mut probe, i, -1.0, j, -1.0);
        (pp - pm - mp + mm) / (4.0 * h * h)
    })
}

/// The outcome of comparing an analytic gradient with a numeric one, element by element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The largest [`relative_error`] over all elements.
    pub max_relative_error: f64,
    /// Where it occurred, as an index in standard (row-major) order.
    pub worst_index: usize,
    /// The analytic value there.
    pub analytic: f64,
    /// The numeric value there.
    pub numeric: f64,
}

/// Compares two gradients of the same shape element by element.
///
/// # Panics
///
/// If the shapes differ; the message names both.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::compare;
/// use ndarray::array;
/// let c = compare(array![1.0, 2.0].view(), array![1.0, 2.2].view());
/// assert_eq!(c.worst_index, 1);
/// assert!((c.max_relative_error - 0.2 / 2.2).abs() < 1e-15);
/// ```
pub fn compare<D: Dimension>(
    analytic: ArrayView<f64, D>,
    numeric: ArrayView<f64, D>,
) -> Comparison {
    assert_eq!(
        analytic.shape(),
        numeric.shape(),
        "analytic gradient has shape {:?} but numeric gradient has shape {:?}",
        analytic.shape(),
        numeric.shape()
    );
    analytic.iter().zip(numeric.iter()).enumerate().fold(
        Comparison {
            max_relative_error: 0.0,
            worst_index: 0,
            analytic: analytic.iter().next().copied().unwrap_or(0.0),
            numeric: numeric.iter().next().copied().unwrap_or(0.0),
        },
        |worst, (i, (&a, &n))| {
            let error = relative_error(a, n);
            // A NaN error must win, so that a NaN gradient never passes a check.
            if error.is_nan() || error > worst.max_relative_error {
                Comparison {
                    max_relative_error: error,
                    worst_index: i,
                    analytic: a,
                    numeric: n,
                }
            } else {
                worst
            }
        },
    )
}

/// Asserts that an analytic gradient matches a numeric one to `tolerance` in relative error.
///
/// # Panics
///
/// If the shapes differ, or if some element's relative error exceeds `tolerance` (or is NaN);
/// the message names the element, both values and the error.
///
/// # Examples
///
/// ```
/// use descent::gradcheck::{assert_gradients_match, numeric_gradient, STEP};
/// use ndarray::array;
/// let x = array![0.5, -1.5];
/// let analytic = x.mapv(|v: f64| v.cos()); // ∇ Σ sin(xᵢ)
/// let numeric = numeric_gradient(|v| v.mapv(f64::sin).sum(), x.view(), STEP);
/// assert_gradients_match(analytic.view(), numeric.view(), 1e-7);
/// ```
pub fn assert_gradients_match<D: Dimension>(
    analytic: ArrayView<f64, D>,
    numeric: ArrayView<f64, D>,
    tolerance: f64,
) {
    let c = compare(analytic, numeric);
    assert!(
        c.max_relative_error <= tolerance,
        "gradient check failed at element {} (standard order): analytic {} vs numeric {}, \
         relative error {:.3e} > tolerance {tolerance:.1e}",
        c.worst_index,
        c.analytic,
        c.numeric,
        c.max_relative_error
    );
}

/// One point of the step-size sweep drawn in the appendix: the absolute errors of the forward
/// and centred differences at step `h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepError {
    /// The step.
    pub h: f64,
    /// |forward difference − true derivative|.
    pub forward: f64,
    /// |centred difference − true derivative|.
    pub centred: f64,
}

/// Errors of both difference quotients of `f` at `x`, against the true derivative
/// `derivative`, for each step in `steps`.
pub fn step_sweep(
    f: impl Fn(f64) -> f64,
    derivative: f64,
    x: f64,
    steps: &[f64],
) -> Vec<StepError> {
    steps
        .iter()
        .map(|&h| StepError {
            h,
            forward: (forward_difference(&f, x, h) - derivative).abs(),
            centred: (centred_difference(&f, x, h) - derivative).abs(),
        })
        .collect()
}

/// The slope of the least-squares line through the points (log₁₀ u, log₁₀ v): the exponent p
/// in v ∝ uᵖ.
///
/// # Panics
///
/// If fewer than two points are given or any value is not positive.
///
/// # Examples
///
/// ```
/// let hs = [1e-3, 1e-2, 1e-1];
/// let errors = hs.map(|h: f64| 5.0 * h * h);
/// assert!((descent::gradcheck::log_log_slope(&hs, &errors) - 2.0).abs() < 1e-12);
/// ```
pub fn log_log_slope(u: &[f64], v: &[f64]) -> f64 {
    assert!(
        u.len() == v.len() && u.len() >= 2,
        "log_log_slope needs two equally long series of at least 2 points, got {} and {}",
        u.len(),
        v.len()
    );
    assert!(
        u.iter().chain(v).all(|&t| t > 0.0),
        "log_log_slope needs positive values"
    );
    let lu = Array1::from_iter(u.iter().map(|t| t.log10()));
    let lv = Array1::from_iter(v.iter().map(|t| t.log10()));
    let du = &lu - lu.mean().expect("non-empty");
    let dv = &lv - lv.mean().expect("non-empty");
    du.dot(&dv) / du.dot(&du)
}
