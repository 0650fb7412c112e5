//! Convolution as a matrix product, two ways: the Toeplitz matrix of the kernel (y = T x),
//! and im2col (the input's windows as columns, Y = W · cols).
//!
//! Both give the same numbers as the direct sums of [`super::correlate_nchw`]; the tests in
//! `tests/conv.rs` prove it, forward and backward, on many random shapes.

use std::ops::AddAssign;

use std::ops::Range;

use ndarray::{
    Array2, Array4, ArrayView1, ArrayView2, ArrayView4, ArrayViewMut2, ArrayViewMut4, Axis, Ix4,
    LinalgScalar, s,
};
use num_traits::Zero;

use super::{ConvGradients, ConvSpec, add_bias, bias_gradient, output_len};

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
/// position (i, j) of image b, flattened. The padding is never built: a tap that falls on it
/// reads zero. With stride 1 each output row of a matrix row is a plain copy of part of an
/// input row, which is what makes im2col fast.
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
    im2col_into(x, kernel, spec, cols.view_mut());
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
    mut cols: ArrayViewMut2<A>,
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
    let taps = Taps::new([h, w], kernel, spec);
    for (b, x_b) in x.outer_iter().enumerate() {
        let x_b = x_b.as_standard_layout();
        let image = x_b
            .as_slice()
            .expect("a standard-layout image is contiguous");
        let block = cols.slice_mut(s![.., b * oh * ow..(b + 1) * oh * ow]);
        for_each_row(block, |r, row| taps.gather(image, r, row));
    }
}

/// col2im: the adjoint of [`im2col`]. Every column is added back onto the window it came
/// from; where windows overlap, their contributions add up. Whatever lands on the padding
/// is dropped.
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
    let mut x = Array4::zeros(input);
    col2im_add(cols.to_owned().view_mut(), kernel, spec, x.view_mut());
    x
}

/// [`col2im`] added onto `x`, an array of the input's shape: x += col2im(cols).
///
/// `cols` is used as scratch: its entries that fall on the padding are set to zero, which
/// lets each row be added in one long run (see [`Taps`]).
///
/// # Panics
///
/// If `cols` does not have the shape im2col would give for `x`, or `x` is not in standard
/// layout.
pub fn col2im_add<A: LinalgScalar + AddAssign>(
    mut cols: ArrayViewMut2<A>,
    kernel: [usize; 2],
    spec: ConvSpec,
    mut x: ArrayViewMut4<A>,
) {
    let (n, c, h, w) = x.dim();
    let [kh, kw] = kernel;
    let [oh, ow] = spec.expect_output_shape([h, w], kernel);
    assert_eq!(
        cols.dim(),
        (c * kh * kw, n * oh * ow),
        "col2im got columns of shape {:?}, but im2col of {:?} with a {kernel:?} kernel gives {:?}",
        cols.shape(),
        x.shape(),
        [c * kh * kw, n * oh * ow]
    );
    let taps = Taps::new([h, w], kernel, spec);
    for (b, mut x_b) in x.outer_iter_mut().enumerate() {
        let image = x_b
            .as_slice_mut()
            .expect("col2im_add writes into a standard-layout array");
        let block = cols.slice_mut(s![.., b * oh * ow..(b + 1) * oh * ow]);
        for_each_row(block, |r, row| taps.scatter_add(row, r, image));
    }
}

/// Calls `visit(r, row)` on every row of `m` as a slice; a row that is not contiguous in
/// memory goes through a buffer.
fn for_each_row<A: Copy + Zero>(mut m: ArrayViewMut2<A>, mut visit: impl FnMut(usize, &mut [A])) {
    let mut buffer = Vec::new();
    for (r, mut row) in m.outer_iter_mut().enumerate() {
        match row.as_slice_mut() {
            Some(row) => visit(r, row),
            None => {
                buffer.clear();
                buffer.extend(row.iter().copied());
                visit(r, &mut buffer);
                row.assign(&ArrayView1::from(&buffer[..]));
            }
        }
    }
}

/// The positions of an im2col row, `ow` columns to an output row, from its first tap inside
/// the image to its last.
fn span(rows: &Range<usize>, columns: &Range<usize>, ow: usize) -> Range<usize> {
    rows.start * ow + columns.start..(rows.end - 1) * ow + columns.end
}

/// to += from, element by element: col2im's inner loop.
///
/// The crate is compiled for any x86-64 processor, where this loop adds 4 floats at a time;
/// on a processor with AVX2 the same loop, compiled for it, adds 8. Measured on the three
/// benchmark shapes of `benches/cnn.rs` (32 images each): col2im took 0.57 / 0.58 / 0.38 ms
/// without, 0.28 / 0.41 / 0.27 ms with.
fn add_run<A: Copy + AddAssign>(to: &mut [A], from: &[A]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { add_run_avx2(to, from) };
    }
    add_run_portable(to, from);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_run_avx2<A: Copy + AddAssign>(to: &mut [A], from: &[A]) {
    add_run_portable(to, from);
}

#[inline(always)]
fn add_run_portable<A: Copy + AddAssign>(to: &mut [A], from: &[A]) {
    to.iter_mut().zip(from).for_each(|(x, &g)| *x += g);
}

/// Where the taps of an im2col matrix read in one image: row r = (c, p, q) of the matrix
/// reads x[c, S₀ i + p − top, S₁ j + q − left] at column (i, j), or zero when that lies in
/// the padding.
///
/// This is the hot loop of every convolution layer, so it works on plain slices. For one row
/// r, the outputs i and the outputs j that land inside the image are two ranges. In the common
/// case, stride 1 and as many output columns as input columns, column (i, j) reads image index
/// (i·w + j) + a constant shift, so the whole row is one contiguous run of the image:
/// one copy (gather) or one long addition (scatter), plus a fix-up of the few entries that
/// fall on the padding at the left and right edges. Otherwise each output row i is handled
/// on its own.
struct Taps {
    input: [usize; 2],
    kernel: [usize; 2],
    output: [usize; 2],
    before: [usize; 2],
    stride: [usize; 2],
    /// [`Taps::inside`] of channel 0's rows, worked out once.
    channel_0: Vec<Option<Inside>>,
}

/// The part of one im2col row that lands inside the image: output rows `rows`, output
/// columns `columns`, and the image index of the first tap.
#[derive(Clone)]
struct Inside {
    rows: Range<usize>,
    columns: Range<usize>,
    first: usize,
}

impl Taps {
    fn new(input: [usize; 2], kernel: [usize; 2], spec: ConvSpec) -> Self {
        let [(top, _), (left, _)] = spec.pads(kernel);
        let mut taps = Taps {
            input,
            kernel,
            output: spec.expect_output_shape(input, kernel),
            before: [top, left],
            stride: spec.stride,
            channel_0: Vec::new(),
        };
        taps.channel_0 = (0..kernel[0] * kernel[1])
            .map(|r| taps.work_out(r))
            .collect();
        taps
    }

    /// The outputs i along `axis` whose tap k lands inside the input, S i + k − before ∈ [0, len).
    fn inside_axis(&self, axis: usize, k: usize) -> Range<usize> {
        let (len, out, before, stride) = (
            self.input[axis],
            self.output[axis],
            self.before[axis],
            self.stride[axis],
        );
        let first = before.saturating_sub(k).div_ceil(stride).min(out);
        let end = (len + before).saturating_sub(k).div_ceil(stride).min(out);
        first..end.max(first)
    }

    /// Row r's taps that land inside the image, or `None` if none does.
    fn inside(&self, r: usize) -> Option<Inside> {
        let taps = self.channel_0.len();
        let [h, w] = self.input;
        let Inside {
            rows,
            columns,
            first,
        } = self.channel_0[r % taps].clone()?;
        Some(Inside {
            first: first + (r / taps) * h * w,
            rows,
            columns,
        })
    }

    /// [`Taps::inside`], from scratch.
    fn work_out(&self, r: usize) -> Option<Inside> {
        let [kh, kw] = self.kernel;
        let (c, p, q) = (r / (kh * kw), (r / kw) % kh, r % kw);
        let (rows, columns) = (self.inside_axis(0, p), self.inside_axis(1, q));
        if rows.is_empty() || columns.is_empty() {
            return None;
        }
        let [h, w] = self.input;
        let a = self.stride[0] * rows.start + p - self.before[0];
        let b = self.stride[1] * columns.start + q - self.before[1];
        Some(Inside {
            first: (c * h + a) * w + b,
            rows,
            columns,
        })
    }

    /// Stride 1 and as many output columns as input columns: see [`Taps`].
    fn contiguous(&self) -> bool {
        self.stride == [1, 1] && self.output[1] == self.input[1]
    }

    /// Row r of the im2col matrix of `image` ([c, h, w], flattened), written into `row`.
    fn gather<A: Copy + Zero>(&self, image: &[A], r: usize, row: &mut [A]) {
        let Some(Inside {
            rows,
            columns,
            first,
        }) = self.inside(r)
        else {
            row.fill(A::zero());
            return;
        };
        let (ow, w) = (self.output[1], self.input[1]);
        if self.contiguous() {
            let run = span(&rows, &columns, ow);
            row[..run.start].fill(A::zero());
            row[run.clone()].copy_from_slice(&image[first..first + run.len()]);
            row[run.end..].fill(A::zero());
            self.clear_edges(rows, columns, row);
            return;
        }
        row.fill(A::zero());
        for (k, i) in rows.enumerate() {
            let out = &mut row[i * ow..(i + 1) * ow][columns.clone()];
            let from = &image[first + k * self.stride[0] * w..];
            out.iter_mut()
                .zip(from.iter().step_by(self.stride[1]))
                .for_each(|(o, &x)| *o = x);
        }
    }

    /// The adjoint of [`Taps::gather`]: row r of an im2col-shaped matrix added onto `image`.
    /// The entries of `row` that fall on the padding are zeroed on the way.
    fn scatter_add<A: Copy + Zero + AddAssign>(&self, row: &mut [A], r: usize, image: &mut [A]) {
        let Some(Inside {
            rows,
            columns,
            first,
        }) = self.inside(r)
        else {
            return;
        };
        let (ow, w) = (self.output[1], self.input[1]);
        if self.contiguous() {
            let run = span(&rows, &columns, ow);
            self.clear_edges(rows, columns, row);
            // The cleared entries add zero to the image elements the run wraps onto.
            add_run(&mut image[first..first + run.len()], &row[run]);
            return;
        }
        for (k, i) in rows.enumerate() {
            let from = &row[i * ow..(i + 1) * ow][columns.clone()];
            let to = &mut image[first + k * self.stride[0] * w..];
            to.iter_mut()
                .step_by(self.stride[1])
                .zip(from)
                .for_each(|(x, &g)| *x += g);
        }
    }

    /// Zeroes, in every output row, the columns outside `columns`: the taps on the left and
    /// right padding. Column by column, because each run is only a pixel or two long.
    fn clear_edges<A: Copy + Zero>(
        &self,
        rows: Range<usize>,
        columns: Range<usize>,
        row: &mut [A],
    ) {
        let ow = self.output[1];
        for j in (0..columns.start).chain(columns.end..ow) {
            for i in rows.clone() {
                row[i * ow + j] = A::zero();
            }
        }
    }
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
