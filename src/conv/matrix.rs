//! Convolution as a matrix product, two ways: the Toeplitz matrix of the kernel (y = T x),
//! and im2col (the input's windows as columns, Y = W · cols).
//!
//! Both give the same numbers as the direct sums of [`super::correlate_nchw`]; the tests in
//! `tests/conv.rs` prove it, forward and backward, on many random shapes.

use std::ops::AddAssign;

use ndarray::{Array2, Array4, ArrayView1, ArrayView2, ArrayView4, Axis, Ix4, LinalgScalar, s};

use super::{ConvGradients, ConvSpec, add_bias, bias_gradient, output_len, pad};

/// The Toeplitz matrix T of a 1-D kernel, such that x ⋆ w = T x:
/// T[i, k] = w[k + P_before − S i] where that index is inside the kernel, and 0 elsewhere.
///
/// Each row is the kernel, shifted S places right of the row above; padding shows up as
/// kernel entries that fall off the left or right edge. Only the width settings of `spec`
/// are used.
///
/// # Shapes
///
/// `w`: k elements → [output length, `input_len`].
///
/// # Panics
///
/// If the sizes are impossible.
///
/// # Examples
///
/// ```
/// use descent::conv::{matrix::toeplitz, ConvSpec};
/// use ndarray::array;
/// let t = toeplitz(array![2.0, -1.0].view(), 4, ConvSpec::VALID);
/// assert_eq!(t, array![[2.0, -1.0, 0.0, 0.0], [0.0, 2.0, -1.0, 0.0], [0.0, 0.0, 2.0, -1.0]]);
/// ```
pub fn toeplitz(w: ArrayView1<f64>, input_len: usize, spec: ConvSpec) -> Array2<f64> {
    let pads = spec.padding[1].amounts(w.len());
    let stride = spec.stride[1];
    let rows = output_len(input_len, w.len(), pads, stride).unwrap_or_else(|e| {
        panic!(
            "no Toeplitz matrix for a kernel of length {} on {input_len} inputs: {e}",
            w.len()
        )
    });
    Array2::from_shape_fn((rows, input_len), |(i, k)| {
        (k + pads.0)
            .checked_sub(stride * i)
            .and_then(|offset| w.get(offset))
            .copied()
            .unwrap_or(0.0)
    })
}

/// The doubly block Toeplitz matrix T of a 2-D kernel, such that vec(x ⋆ w) = T vec(x),
/// with vec reading an image row by row.
///
/// T is an oh × h grid of blocks, each ow × w. Block (i, a) links output row i to input row a:
/// it is the 1-D [`toeplitz`] matrix of kernel row p = a + P_top − S₀ i, or zero when no
/// kernel row lands there. So the blocks form a Toeplitz pattern, and each block is Toeplitz.
///
/// # Shapes
///
/// `w`: [kh, kw]; `input` = [h, w] → [oh · ow, h · w].
///
/// # Panics
///
/// If the sizes are impossible.
///
/// # Examples
///
/// ```
/// use descent::conv::{correlate, matrix::doubly_block_toeplitz, ConvSpec};
/// use ndarray::{array, Array2};
/// let x = Array2::from_shape_fn((3, 3), |(i, j)| (3 * i + j + 1) as f64);
/// let w = array![[1.0, 2.0], [3.0, 4.0]];
/// let t = doubly_block_toeplitz(w.view(), [3, 3], ConvSpec::VALID);
/// assert_eq!(t.shape(), &[4, 9]);
/// let y = t.dot(&x.flatten());
/// assert_eq!(y, correlate(x.view(), w.view(), ConvSpec::VALID).flatten());
/// ```
pub fn doubly_block_toeplitz(w: ArrayView2<f64>, input: [usize; 2], spec: ConvSpec) -> Array2<f64> {
    let (kh, kw) = w.dim();
    let [oh, ow] = spec.expect_output_shape(input, [kh, kw]);
    let [h, width] = input;
    let top = spec.padding[0].amounts(kh).0;
    let mut t = Array2::zeros((oh * ow, h * width));
    for i in 0..oh {
        for a in 0..h {
            let Some(p) = (a + top)
                .checked_sub(spec.stride[0] * i)
                .filter(|&p| p < kh)
            else {
                continue;
            };
            t.slice_mut(s![i * ow..(i + 1) * ow, a * width..(a + 1) * width])
                .assign(&toeplitz(w.row(p), width, spec));
        }
    }
    t
}

/// The matrix of a whole convolution layer: vec(y[b]) = T vec(x[b]) for every image b of the
/// batch, vec reading channel by channel, then row by row. Block (o, c) is the
/// [`doubly_block_toeplitz`] matrix of the kernel w[o, c].
///
/// # Shapes
///
/// `w`: [c_out, c_in, kh, kw]; `input` = [h, w] → [c_out · oh · ow, c_in · h · w].
///
/// # Panics
///
/// If the sizes are impossible.
pub fn layer_matrix(w: ArrayView4<f64>, input: [usize; 2], spec: ConvSpec) -> Array2<f64> {
    let (c_out, c_in, kh, kw) = w.dim();
    let [oh, ow] = spec.expect_output_shape(input, [kh, kw]);
    let (rows, cols) = (oh * ow, input[0] * input[1]);
    let mut t = Array2::zeros((c_out * rows, c_in * cols));
    for o in 0..c_out {
        for c in 0..c_in {
            t.slice_mut(s![o * rows..(o + 1) * rows, c * cols..(c + 1) * cols])
                .assign(&doubly_block_toeplitz(
                    w.slice(s![o, c, .., ..]),
                    input,
                    spec,
                ));
        }
    }
    t
}

/// The same matrix in row-major order, copied only if it is not already: a matrix product
/// may return column-major results, which cannot be reshaped in place.
fn into_standard<A: Clone>(a: Array2<A>) -> Array2<A> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

/// Each image of the batch flattened to a row: [n, c, h, w] → [n, c · h · w].
fn rows_of(x: ArrayView4<f64>) -> Array2<f64> {
    let (n, c, h, w) = x.dim();
    x.as_standard_layout()
        .into_owned()
        .into_shape_with_order((n, c * h * w))
        .expect("a standard-layout array reshapes")
}

/// The forward pass of a convolution layer as one matrix product per batch: Y = X Tᵀ + b,
/// with T the [`layer_matrix`] and X the images flattened to rows.
///
/// # Shapes
///
/// As [`super::conv2d`].
///
/// # Panics
///
/// As [`super::conv2d`].
pub fn conv2d_toeplitz(
    x: ArrayView4<f64>,
    w: ArrayView4<f64>,
    b: ArrayView1<f64>,
    spec: ConvSpec,
) -> Array4<f64> {
    let (n, c_in, h, wd) = x.dim();
    let (c_out, kernel_c_in, kh, kw) = w.dim();
    assert_eq!(
        c_in, kernel_c_in,
        "the input has {c_in} channels but the kernel expects {kernel_c_in}"
    );
    let [oh, ow] = spec.expect_output_shape([h, wd], [kh, kw]);
    let t = layer_matrix(w, [h, wd], spec);
    let y = rows_of(x).dot(&t.t());
    add_bias(
        into_standard(y)
            .into_shape_with_order((n, c_out, oh, ow))
            .expect("one row of outputs per image"),
        b,
    )
}

/// The backward pass in the Toeplitz view.
///
/// - ∂L/∂x = Tᵀ dy: the transpose sends each output's gradient back along the weights that
///   made it.
/// - ∂L/∂T = dyᵀ X, the gradient of every entry of T. But T's entries are not free: the same
///   weight w[o, c, p, q] sits in many of them. So its gradient is the sum of ∂L/∂T over every
///   entry where it sits, ⟨∂L/∂T, ∂T/∂w[o, c, p, q]⟩, with ∂T/∂w the matrix of a one-hot kernel.
///   That sum over all the places a weight appears is weight sharing, seen in matrix form.
///
/// # Shapes
///
/// As [`super::conv2d_backward`].
///
/// # Panics
///
/// If the shapes do not fit together.
pub fn conv2d_toeplitz_backward(
    x: ArrayView4<f64>,
    w: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    spec: ConvSpec,
) -> ConvGradients<Ix4> {
    let (n, c_in, h, wd) = x.dim();
    let (c_out, _, kh, kw) = w.dim();
    let [oh, ow] = spec.expect_output_shape([h, wd], [kh, kw]);
    assert_eq!(
        dy.dim(),
        (n, c_out, oh, ow),
        "dy has shape {:?}, expected {:?}",
        dy.shape(),
        [n, c_out, oh, ow]
    );
    let t = layer_matrix(w, [h, wd], spec);
    let dy_rows = rows_of(dy);
    let grad_x = into_standard(dy_rows.dot(&t))
        .into_shape_with_order((n, c_in, h, wd))
        .expect("one row of input gradients per image");
    let grad_t = dy_rows.t().dot(&rows_of(x));
    let (rows, cols) = (oh * ow, h * wd);
    let mut grad_w = Array4::zeros((c_out, c_in, kh, kw));
    for ((p, q), _) in Array2::<f64>::zeros((kh, kw)).indexed_iter() {
        let mut one_hot = Array2::zeros((kh, kw));
        one_hot[[p, q]] = 1.0;
        let where_it_sits = doubly_block_toeplitz(one_hot.view(), [h, wd], spec);
        for ((o, c), g) in grad_w.slice_mut(s![.., .., p, q]).indexed_iter_mut() {
            let block = grad_t.slice(s![o * rows..(o + 1) * rows, c * cols..(c + 1) * cols]);
            *g = (&block * &where_it_sits).sum();
        }
    }
    ConvGradients {
        grad_x,
        grad_w,
        grad_b: bias_gradient(dy),
    }
}

/// im2col: every window of the (padded) input becomes one column.
///
/// Row r = (c, p, q) of the result, read in that order, holds x̃[b, c, S₀ i + p, S₁ j + q]
/// for every window (b, i, j), so column (b, i, j) is the window under the kernel at output
/// position (i, j) of image b, flattened. Each row is one strided slice of the padded input,
/// copied in one go.
///
/// # Shapes
///
/// `x`: [n, c, h, w]; `kernel` = [kh, kw] → [c · kh · kw, n · oh · ow].
///
/// # Panics
///
/// If the sizes are impossible.
///
/// # Examples
///
/// ```
/// use descent::conv::{matrix::im2col, ConvSpec};
/// use ndarray::{array, Array4};
/// let x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, i, j)| (3 * i + j + 1) as f64);
/// let cols = im2col(x.view(), [2, 2], ConvSpec::VALID);
/// // Column 0 is the top-left window [1, 2; 4, 5], read row by row.
/// assert_eq!(cols.column(0), array![1.0, 2.0, 4.0, 5.0]);
/// assert_eq!(cols.shape(), &[4, 4]);
/// ```
pub fn im2col<A: LinalgScalar>(x: ArrayView4<A>, kernel: [usize; 2], spec: ConvSpec) -> Array2<A> {
    let (n, c, h, w) = x.dim();
    let [oh, ow] = spec.expect_output_shape([h, w], kernel);
    let mut cols = Array2::zeros((c * kernel[0] * kernel[1], n * oh * ow));
    im2col_into(x, kernel, spec, &mut cols);
    cols
}

/// [`im2col`] into a matrix that already has the right shape, so that a layer can reuse the
/// same memory at every step. Every element of `cols` is overwritten.
///
/// # Panics
///
/// If the sizes are impossible or `cols` does not have the shape [`im2col`] gives.
pub fn im2col_into<A: LinalgScalar>(
    x: ArrayView4<A>,
    kernel: [usize; 2],
    spec: ConvSpec,
    cols: &mut Array2<A>,
) {
    let (n, c, h, w) = x.dim();
    let [kh, kw] = kernel;
    let [oh, ow] = spec.expect_output_shape([h, w], kernel);
    assert_eq!(
        cols.dim(),
        (c * kh * kw, n * oh * ow),
        "im2col_into got a matrix of shape {:?} for an input of shape {:?} and a {kernel:?} kernel",
        cols.shape(),
        x.shape()
    );
    let padded = pad(x, spec.pads(kernel));
    for (r, row) in cols.outer_iter_mut().enumerate() {
        let window = strided_offset(padded.view(), r, kernel, [oh, ow], spec.stride);
        row.into_shape_with_order((n, oh, ow))
            .expect("a row of a standard-layout matrix is contiguous")
            .assign(&window);
    }
}

/// The strided slice x̃[.., c, p + S₀ i, q + S₁ j] over all windows (b, i, j), for row
/// r = (c, p, q) of the im2col matrix.
fn strided_offset<'a, A>(
    padded: ArrayView4<'a, A>,
    r: usize,
    [kh, kw]: [usize; 2],
    [oh, ow]: [usize; 2],
    [sh, sw]: [usize; 2],
) -> ndarray::ArrayView3<'a, A> {
    let (c, p, q) = (r / (kh * kw), (r / kw) % kh, r % kw);
    padded.slice_move(s![.., c, p..p + sh * (oh - 1) + 1;sh, q..q + sw * (ow - 1) + 1;sw])
}

/// col2im: the adjoint of [`im2col`]. Every column is added back onto the window it came
/// from; where windows overlap, their contributions add up. The padding is then dropped.
///
/// Used in the backward pass: if cols = im2col(x) then ∂L/∂x = col2im(∂L/∂cols).
///
/// # Shapes
///
/// `cols`: [c · kh · kw, n · oh · ow]; `input` = [n, c, h, w] → [n, c, h, w].
///
/// # Panics
///
/// If `cols` does not have the shape im2col would give for this input.
///
/// # Examples
///
/// ```
/// use descent::conv::{matrix::{col2im, im2col}, ConvSpec};
/// use ndarray::{Array2, Array4};
/// // col2im of all-ones counts how many windows cover each pixel.
/// let cols = Array2::<f64>::ones((4, 4));
/// let counts = col2im(cols.view(), [1, 1, 3, 3], [2, 2], ConvSpec::VALID);
/// assert_eq!(counts.slice(ndarray::s![0, 0, .., ..]), ndarray::array![[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]);
/// ```
pub fn col2im<A: LinalgScalar + AddAssign>(
    cols: ArrayView2<A>,
    input: [usize; 4],
    kernel: [usize; 2],
    spec: ConvSpec,
) -> Array4<A> {
    let [n, c, h, w] = input;
    let [kh, kw] = kernel;
    let [oh, ow] = spec.expect_output_shape([h, w], kernel);
    assert_eq!(
        cols.dim(),
        (c * kh * kw, n * oh * ow),
        "col2im got columns of shape {:?}, but im2col of {input:?} with a {kernel:?} kernel gives {:?}",
        cols.shape(),
        [c * kh * kw, n * oh * ow]
    );
    let [(top, bottom), (left, right)] = spec.pads(kernel);
    let mut padded = Array4::zeros((n, c, top + h + bottom, left + w + right));
    for (r, row) in cols.outer_iter().enumerate() {
        let (ci, p, q) = (r / (kh * kw), (r / kw) % kh, r % kw);
        let [sh, sw] = spec.stride;
        let mut window =
            padded.slice_mut(s![.., ci, p..p + sh * (oh - 1) + 1;sh, q..q + sw * (ow - 1) + 1;sw]);
        window += &row
            .to_shape((n, oh, ow))
            .expect("a row holds one value per window");
    }
    padded
        .slice(s![.., .., top..top + h, left..left + w])
        .to_owned()
}

/// The kernel as a matrix with one row per output channel: [c_out, c_in · kh · kw].
fn kernel_rows<A: Clone>(w: ArrayView4<A>) -> Array2<A> {
    let (c_out, c_in, kh, kw) = w.dim();
    w.as_standard_layout()
        .into_owned()
        .into_shape_with_order((c_out, c_in * kh * kw))
        .expect("a standard-layout array reshapes")
}

/// The forward pass as im2col + one matrix product: Y = W · im2col(x) + b, with W the kernel
/// reshaped to [c_out, c_in · kh · kw]. This is how most libraries compute it. Generic over
/// the element type, so it serves `f32` layers as well as the `f64` of this chapter.
///
/// # Shapes
///
/// As [`super::conv2d`].
///
/// # Panics
///
/// As [`super::conv2d`].
///
/// # Examples
///
/// ```
/// use descent::conv::{matrix::conv2d_im2col, ConvSpec, Padding};
/// use ndarray::{Array1, Array4};
/// let x = Array4::<f32>::ones((2, 3, 5, 5));
/// let w = Array4::<f32>::ones((4, 3, 3, 3));
/// let y = conv2d_im2col(x.view(), w.view(), Array1::zeros(4).view(), ConvSpec::new(Padding::Same, 1));
/// assert_eq!(y.shape(), &[2, 4, 5, 5]);
/// assert_eq!((y[[0, 0, 2, 2]], y[[0, 0, 0, 0]]), (27.0, 12.0)); // 3·3·3 ones; a corner sees 3·2·2
/// ```
pub fn conv2d_im2col<A: LinalgScalar + AddAssign>(
    x: ArrayView4<A>,
    w: ArrayView4<A>,
    b: ArrayView1<A>,
    spec: ConvSpec,
) -> Array4<A> {
    let (n, c_in, h, wd) = x.dim();
    let (c_out, kernel_c_in, kh, kw) = w.dim();
    assert_eq!(
        c_in, kernel_c_in,
        "the input has {c_in} channels but the kernel expects {kernel_c_in}"
    );
    let [oh, ow] = spec.expect_output_shape([h, wd], [kh, kw]);
    let y = kernel_rows(w).dot(&im2col(x, [kh, kw], spec));
    let y = into_standard(y)
        .into_shape_with_order((c_out, n, oh, ow))
        .expect("one output per channel and window")
        .permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned();
    add_bias(y, b)
}

/// The backward pass in the im2col view, two matrix products and a col2im:
/// ∂L/∂W = dY · colsᵀ, ∂L/∂cols = Wᵀ · dY, ∂L/∂x = col2im(∂L/∂cols), ∂L/∂b = Σ dY.
///
/// # Shapes
///
/// As [`super::conv2d_backward`].
///
/// # Panics
///
/// If the shapes do not fit together.
pub fn conv2d_im2col_backward<A: LinalgScalar + AddAssign>(
    x: ArrayView4<A>,
    w: ArrayView4<A>,
    dy: ArrayView4<A>,
    spec: ConvSpec,
) -> ConvGradients<Ix4, A> {
    let (n, c_in, h, wd) = x.dim();
    let (c_out, kernel_c_in, kh, kw) = w.dim();
    assert_eq!(
        c_in, kernel_c_in,
        "the input has {c_in} channels but the kernel expects {kernel_c_in}"
    );
    let [oh, ow] = spec.expect_output_shape([h, wd], [kh, kw]);
    assert_eq!(
        dy.dim(),
        (n, c_out, oh, ow),
        "dy has shape {:?}, expected {:?}",
        dy.shape(),
        [n, c_out, oh, ow]
    );
    let cols = im2col(x, [kh, kw], spec);
    let dy_rows = dy
        .permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((c_out, n * oh * ow))
        .expect("a standard-layout array reshapes");
    let grad_w = into_standard(dy_rows.dot(&cols.t()))
        .into_shape_with_order((c_out, c_in, kh, kw))
        .expect("one gradient per weight");
    let grad_cols = kernel_rows(w).t().dot(&dy_rows);
    ConvGradients {
        grad_x: col2im(grad_cols.view(), [n, c_in, h, wd], [kh, kw], spec),
        grad_w,
        grad_b: dy_rows.sum_axis(Axis(1)),
    }
}
