//! The matrix product behind every layer, C ← A · B or C ← C + A · B, by the `gemm` crate.
//!
//! Why not ndarray's own `dot`: ndarray multiplies through the `matrixmultiply` crate, which
//! allocates a fresh packing buffer on every call. A convolution layer makes three products per
//! image, so on a worker thread those allocations turned into page faults that cost as much as
//! the arithmetic. `gemm` keeps its packing buffer per thread and measured faster on every
//! benchmark shape (see the README).

use ndarray::{ArrayView2, ArrayViewMut2, ShapeBuilder};

use super::Real;

/// C ← A · B, or C ← C + A · B when `accumulate` is true. Views of any strides work.
///
/// # Panics
///
/// If the shapes do not fit: A is m × k, B is k × n, C is m × n.
///
/// # Examples
///
/// ```
/// use descent::cnn::matmul::matmul_into;
/// use ndarray::{array, Array2};
/// let (a, b) = (array![[1.0f32, 2.0], [3.0, 4.0]], array![[5.0f32], [6.0]]);
/// let mut c = Array2::ones((2, 1));
/// matmul_into(a.view(), b.view(), c.view_mut(), true);
/// assert_eq!(c, array![[18.0], [40.0]]); // 1 + [17, 39]
/// ```
pub fn matmul_into<A: Real>(
    a: ArrayView2<A>,
    b: ArrayView2<A>,
    mut c: ArrayViewMut2<A>,
    accumulate: bool,
) {
    let ((m, k), (k_b, n)) = (a.dim(), b.dim());
    assert!(
        k == k_b && c.dim() == (m, n),
        "matmul_into: cannot multiply {:?} by {:?} into {:?}",
        a.shape(),
        b.shape(),
        c.shape()
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(A::zero());
        }
        return;
    }
    let (cs, as_, bs) = (
        c.strides().to_vec(),
        a.strides().to_vec(),
        b.strides().to_vec(),
    );
    // SAFETY: the shapes were checked above, so every (row, column) the product touches lies
    // inside its view, and each pointer with its view's strides addresses exactly that view's
    // elements. The views outlive the call. `c` is borrowed mutably, so it cannot alias `a` or
    // `b`. `Real` is only implemented for f32 and f64, the types `gemm` supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            cs[1],
            cs[0],
            accumulate,
            a.as_ptr(),
            as_[1],
            as_[0],
            b.as_ptr(),
            bs[1],
            bs[0],
            A::one(),
            A::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// A · B as a new matrix, in column-major order: the layout `gemm` writes fastest (measured:
/// up to twice as fast as a row-major result on the benchmark shapes).
///
/// # Panics
///
/// If the inner sizes differ.
pub fn matmul<A: Real>(a: ArrayView2<A>, b: ArrayView2<A>) -> ndarray::Array2<A> {
    let mut c = ndarray::Array2::zeros((a.nrows(), b.ncols()).f());
    matmul_into(a, b, c.view_mut(), false);
    c
}
