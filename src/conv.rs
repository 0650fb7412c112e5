#![doc = include_str!("../chapters/04-convolution.md")]

pub mod figures;
pub mod filters;
pub mod learn;
pub mod matrix;

use std::ops::AddAssign;

use ndarray::{
    Array, Array1, Array2, Array4, ArrayView1, ArrayView2, ArrayView4, Axis, Dimension, Ix1, Ix2,
    Ix4, LinalgScalar, Zip, s,
};

/// How many zeros surround the input along one axis, for a kernel of length F.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Padding {
    /// No padding: every window lies inside the input. At stride 1 the output has W − F + 1
    /// elements. The default.
    #[default]
    Valid,
    /// F − 1 zeros in all, ⌊(F − 1)/2⌋ before and the rest after, so that at stride 1 the
    /// output has the input's size W. (For an even F the extra zero goes after.)
    Same,
    /// F − 1 zeros on each side: every shift at which kernel and input overlap at all. At
    /// stride 1 the output has W + F − 1 elements.
    Full,
    /// P zeros on each side.
    Explicit(usize),
}

impl Padding {
    /// The zeros (before, after) along an axis, for a kernel of length `kernel`.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::conv::Padding;
    /// assert_eq!(Padding::Same.amounts(3), (1, 1));
    /// assert_eq!(Padding::Same.amounts(4), (1, 2));
    /// assert_eq!(Padding::Full.amounts(3), (2, 2));
    /// assert_eq!(Padding::Explicit(5).amounts(3), (5, 5));
    /// ```
    pub fn amounts(self, kernel: usize) -> (usize, usize) {
        let all = kernel.saturating_sub(1);
        match self {
            Padding::Valid => (0, 0),
            Padding::Same => (all / 2, all - all / 2),
            Padding::Full => (all, all),
            Padding::Explicit(p) => (p, p),
        }
    }
}

/// The settings of a convolution: padding and stride, along rows (height) then columns
/// (width).
///
/// A 1-D signal is a 1 × W image, so the 1-D functions use only the width settings
/// ([`ConvSpec::along_width`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvSpec {
    /// Zero padding of the rows and of the columns. Default: [`Padding::Valid`] for both.
    pub padding: [Padding; 2],
    /// Step between two neighbouring windows, along rows and columns. Default: 1 for both.
    pub stride: [usize; 2],
}

impl Default for ConvSpec {
    fn default() -> Self {
        ConvSpec::VALID
    }
}

/// Why a convolution cannot be computed with the sizes given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConvError {
    /// A stride of 0 would never move the window.
    #[error("the stride must be at least 1, got 0")]
    ZeroStride,
    /// A kernel with no elements.
    #[error("the kernel must have at least one element along every axis, got length 0")]
    EmptyKernel,
    /// The kernel is longer than the padded input, so no window fits.
    #[error(
        "a kernel of length {kernel} does not fit in an input of length {input} padded by \
         {before} + {after} zeros"
    )]
    KernelTooLarge {
        /// Input length along the axis.
        input: usize,
        /// Kernel length along the axis.
        kernel: usize,
        /// Zeros before the input.
        before: usize,
        /// Zeros after the input.
        after: usize,
    },
}

/// The output length along one axis: ⌊(W − F + P_before + P_after) / S⌋ + 1, which is the
/// familiar (W − F + 2P)/S + 1 when the padding is symmetric.
///
/// When S does not divide W − F + 2P, the division rounds down: the last few input elements
/// are never the start of a window.
///
/// # Errors
///
/// [`ConvError::ZeroStride`], [`ConvError::EmptyKernel`], or [`ConvError::KernelTooLarge`]
/// when F exceeds the padded input.
///
/// # Examples
///
/// ```
/// use descent::conv::{output_len, ConvError};
/// assert_eq!(output_len(4, 2, (0, 0), 1), Ok(3)); // (4 − 2)/1 + 1
/// assert_eq!(output_len(7, 3, (0, 0), 2), Ok(3)); // (7 − 3)/2 + 1
/// assert_eq!(output_len(8, 3, (0, 0), 2), Ok(3)); // ⌊5/2⌋ + 1: the last column is skipped
/// assert!(matches!(output_len(2, 3, (0, 0), 1), Err(ConvError::KernelTooLarge { .. })));
/// ```
pub fn output_len(
    input: usize,
    kernel: usize,
    padding: (usize, usize),
    stride: usize,
) -> Result<usize, ConvError> {
    let (before, after) = padding;
    if stride == 0 {
        return Err(ConvError::ZeroStride);
    }
    if kernel == 0 {
        return Err(ConvError::EmptyKernel);
    }
    let padded = input + before + after;
    if kernel > padded {
        return Err(ConvError::KernelTooLarge {
            input,
            kernel,
            before,
            after,
        });
    }
    Ok((padded - kernel) / stride + 1)
}

impl ConvSpec {
    /// No padding, stride 1.
    pub const VALID: ConvSpec = ConvSpec {
        padding: [Padding::Valid; 2],
        stride: [1; 2],
    };

    /// The same padding and stride along both axes.
    pub fn new(padding: Padding, stride: usize) -> Self {
        ConvSpec {
            padding: [padding; 2],
            stride: [stride; 2],
        }
    }

    /// Keeps the width settings and makes the height valid with stride 1: how a 1-D signal,
    /// seen as a 1 × W image, is convolved.
    pub fn along_width(self) -> Self {
        ConvSpec {
            padding: [Padding::Valid, self.padding[1]],
            stride: [1, self.stride[1]],
        }
    }

    /// The zeros (before, after) along rows and along columns for a kernel of this shape.
    pub fn pads(&self, kernel: [usize; 2]) -> [(usize, usize); 2] {
        [
            self.padding[0].amounts(kernel[0]),
            self.padding[1].amounts(kernel[1]),
        ]
    }

    /// The output shape [rows, columns] for an input and a kernel of the given shapes,
    /// by [`output_len`] along each axis.
    ///
    /// # Errors
    ///
    /// As [`output_len`], for the first axis that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::conv::{ConvSpec, Padding};
    /// let spec = ConvSpec::new(Padding::Same, 2);
    /// assert_eq!(spec.output_shape([7, 8], [3, 3]), Ok([4, 4]));
    /// ```
    pub fn output_shape(
        &self,
        input: [usize; 2],
        kernel: [usize; 2],
    ) -> Result<[usize; 2], ConvError> {
        let pads = self.pads(kernel);
        Ok([
            output_len(input[0], kernel[0], pads[0], self.stride[0])?,
            output_len(input[1], kernel[1], pads[1], self.stride[1])?,
        ])
    }

    /// [`ConvSpec::output_shape`] for sizes that the caller has already checked.
    ///
    /// # Panics
    ///
    /// If the sizes are impossible; the message names them.
    pub fn expect_output_shape(&self, input: [usize; 2], kernel: [usize; 2]) -> [usize; 2] {
        self.output_shape(input, kernel).unwrap_or_else(|e| {
            panic!("cannot convolve an input of shape {input:?} with a kernel of shape {kernel:?} ({self:?}): {e}")
        })
    }
}

/// The input with zeros around its last two axes: `pads` = [(top, bottom), (left, right)].
///
/// # Shapes
///
/// `x`: [n, c, h, w] → [n, c, h + top + bottom, w + left + right].
///
/// # Examples
///
/// ```
/// use ndarray::Array4;
/// let x = Array4::<f64>::ones((1, 1, 2, 2));
/// let p = descent::conv::pad(x.view(), [(1, 0), (0, 2)]);
/// assert_eq!(p.shape(), &[1, 1, 3, 4]);
/// assert_eq!(p.sum(), 4.0);
/// assert_eq!(p[[0, 0, 1, 0]], 1.0);
/// ```
pub fn pad<A: LinalgScalar>(x: ArrayView4<A>, pads: [(usize, usize); 2]) -> Array4<A> {
    let (n, c, h, w) = x.dim();
    let [(top, bottom), (left, right)] = pads;
    let mut padded = Array4::zeros((n, c, top + h + bottom, left + w + right));
    padded
        .slice_mut(s![.., .., top..top + h, left..left + w])
        .assign(&x);
    padded
}

/// Spreads dy apart by the stride: S − 1 zeros between neighbours along each axis. A strided
/// window skips positions; in the backward pass those skipped positions get zero gradient,
/// and dilation puts the zeros in.
///
/// # Shapes
///
/// `dy`: [n, c, h, w] → [n, c, S₀(h − 1) + 1, S₁(w − 1) + 1].
///
/// # Examples
///
/// ```
/// use ndarray::Array4;
/// let dy = Array4::from_shape_vec((1, 1, 1, 3), vec![1.0, 2.0, 3.0]).unwrap();
/// let d = descent::conv::dilate(dy.view(), [1, 2]);
/// assert_eq!(d.iter().copied().collect::<Vec<_>>(), vec![1.0, 0.0, 2.0, 0.0, 3.0]);
/// ```
pub fn dilate<A: LinalgScalar>(dy: ArrayView4<A>, stride: [usize; 2]) -> Array4<A> {
    let (n, c, h, w) = dy.dim();
    let [sh, sw] = stride;
    let spread = |len: usize, step: usize| if len == 0 { 0 } else { step * (len - 1) + 1 };
    let mut dilated = Array4::zeros((n, c, spread(h, sh), spread(w, sw)));
    dilated.slice_mut(s![.., .., ..;sh, ..;sw]).assign(&dy);
    dilated
}

/// The kernel rotated by 180°: both spatial axes reversed. A view, nothing is copied.
///
/// # Examples
///
/// ```
/// use ndarray::array;
/// let w = array![[[[1.0, 2.0], [3.0, 4.0]]]];
/// assert_eq!(descent::conv::rotate180(w.view()), array![[[[4.0, 3.0], [2.0, 1.0]]]]);
/// ```
pub fn rotate180(w: ArrayView4<f64>) -> ArrayView4<f64> {
    w.slice_move(s![.., .., ..;-1, ..;-1])
}

/// Multi-channel cross-correlation by its definition, the direct sums:
///
/// y[b, o, i, j] = Σ_c Σ_p Σ_q w[o, c, p, q] · x̃[b, c, S₀ i + p, S₁ j + q],
///
/// where x̃ is x padded as `spec` says. This is what deep-learning libraries call a
/// convolution layer (without its bias).
///
/// # Shapes
///
/// `x`: [n, c_in, h, w]; `w`: [c_out, c_in, kh, kw] → [n, c_out, oh, ow] with oh, ow from
/// [`ConvSpec::output_shape`].
///
/// # Panics
///
/// If the channel counts of `x` and `w` differ, or the sizes are impossible (kernel larger
/// than the padded input, stride 0).
///
/// # Examples
///
/// ```
/// use descent::conv::{correlate_nchw, ConvSpec};
/// use ndarray::Array4;
/// // Two input channels of ones, a kernel of ones: each output sums 2 · 2 · 2 = 8 ones.
/// let x = Array4::<f64>::ones((1, 2, 3, 3));
/// let w = Array4::<f64>::ones((1, 2, 2, 2));
/// let y = correlate_nchw(x.view(), w.view(), ConvSpec::VALID);
/// assert_eq!(y, Array4::from_elem((1, 1, 2, 2), 8.0));
/// ```
pub fn correlate_nchw(x: ArrayView4<f64>, w: ArrayView4<f64>, spec: ConvSpec) -> Array4<f64> {
    let (n, c_in, h, wd) = x.dim();
    let (c_out, kernel_c_in, kh, kw) = w.dim();
    assert_eq!(
        c_in,
        kernel_c_in,
        "the input has {c_in} channels but the kernel expects {kernel_c_in} (input {:?}, kernel {:?})",
        x.shape(),
        w.shape()
    );
    let [oh, ow] = spec.expect_output_shape([h, wd], [kh, kw]);
    let padded = pad(x, spec.pads([kh, kw]));
    let [sh, sw] = spec.stride;
    Array4::from_shape_fn((n, c_out, oh, ow), |(b, o, i, j)| {
        let window = padded.slice(s![b, .., i * sh..i * sh + kh, j * sw..j * sw + kw]);
        Zip::from(&window)
            .and(w.index_axis(Axis(0), o))
            .fold(0.0, |sum, &xv, &wv| sum + xv * wv)
    })
}

/// A convolution layer's forward pass: y = x ⋆ w + b, with [`correlate_nchw`] and one bias
/// per output channel.
///
/// # Shapes
///
/// `x`: [n, c_in, h, w]; `w`: [c_out, c_in, kh, kw]; `b`: [c_out] → [n, c_out, oh, ow].
///
/// # Panics
///
/// As [`correlate_nchw`], and if `b` does not have c_out elements.
///
/// # Examples
///
/// ```
/// use descent::conv::{conv2d, ConvSpec};
/// use ndarray::{array, Array4};
/// let x = Array4::<f64>::ones((1, 1, 3, 3));
/// let w = Array4::<f64>::ones((2, 1, 2, 2));
/// let y = conv2d(x.view(), w.view(), array![0.5, -4.0].view(), ConvSpec::VALID);
/// assert_eq!(y.shape(), &[1, 2, 2, 2]);
/// assert_eq!((y[[0, 0, 0, 0]], y[[0, 1, 1, 1]]), (4.5, 0.0));
/// ```
pub fn conv2d(
    x: ArrayView4<f64>,
    w: ArrayView4<f64>,
    b: ArrayView1<f64>,
    spec: ConvSpec,
) -> Array4<f64> {
    add_bias(correlate_nchw(x, w, spec), b)
}

/// Adds b[o] to every element of output channel o.
///
/// # Panics
///
/// If `b` does not have one element per channel of `y`.
pub(crate) fn add_bias<A: Clone + AddAssign>(mut y: Array4<A>, b: ArrayView1<A>) -> Array4<A> {
    assert_eq!(
        b.len(),
        y.dim().1,
        "the bias has {} elements but the output has {} channels",
        b.len(),
        y.dim().1
    );
    y += &b.insert_axis(Axis(1)).insert_axis(Axis(2));
    y
}

/// The gradients of a convolution: ∂L/∂x, ∂L/∂w and ∂L/∂b, given the upstream gradient dy.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvGradients<D: Dimension, A = f64> {
    /// ∂L/∂x, the shape of the input.
    pub grad_x: Array<A, D>,
    /// ∂L/∂w, the shape of the kernel.
    pub grad_w: Array<A, D>,
    /// ∂L/∂b, one per output channel: Σ dy over the batch and every position.
    pub grad_b: Array1<A>,
}

/// The kernel gradient: ∂L/∂w[o, c, p, q] = Σ_b Σ_i Σ_j dy[b, o, i, j] · x̃[b, c, S₀ i + p, S₁ j + q].
///
/// Every weight is used at every output position, so its gradient sums over all of them:
/// that is weight sharing. The sum *is* a cross-correlation of the padded input with dy
/// (dilated by the stride), in which the batch plays the part of the channels summed over;
/// this function calls [`correlate_nchw`] to compute it.
///
/// # Shapes
///
/// `x`: [n, c_in, h, w]; `dy`: [n, c_out, oh, ow] → [c_out, c_in, kh, kw].
///
/// # Panics
///
/// If the batch sizes differ, or `dy` does not have the output shape of this convolution.
pub fn kernel_gradient(
    x: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    kernel: [usize; 2],
    spec: ConvSpec,
) -> Array4<f64> {
    let (n, _, h, w) = x.dim();
    check_upstream(dy, n, [h, w], kernel, spec);
    let [kh, kw] = kernel;
    let padded = pad(x, spec.pads(kernel));
    let dilated = dilate(dy, spec.stride);
    // Swap batch and channel axes: the correlation then sums over the batch.
    let by_channel = correlate_nchw(
        padded.view().permuted_axes([1, 0, 2, 3]),
        dilated.view().permuted_axes([1, 0, 2, 3]),
        ConvSpec::VALID,
    );
    // Rows beyond the last window (when the stride does not divide evenly) are cropped.
    by_channel
        .slice(s![.., .., ..kh, ..kw])
        .permuted_axes([1, 0, 2, 3])
        .as_standard_layout()
        .into_owned()
}

/// The input gradient: ∂L/∂x is the full convolution of dy with the kernel, that is dy
/// (dilated by the stride) padded by F − 1 zeros and cross-correlated with the kernel
/// rotated by 180°:
///
/// ∂L/∂x̃[b, c, a, e] = Σ_o Σ_p Σ_q dy_dilated[b, o, a − p, e − q] · w[o, c, p, q].
///
/// This function calls [`correlate_nchw`] with [`Padding::Full`] to compute it, then drops
/// the gradient of the padding zeros (they are not inputs).
///
/// # Shapes
///
/// `w`: [c_out, c_in, kh, kw]; `dy`: [n, c_out, oh, ow]; `input` = [h, w] → [n, c_in, h, w].
///
/// # Panics
///
/// If `dy` does not have the output shape of this convolution.
pub fn input_gradient(
    w: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    input: [usize; 2],
    spec: ConvSpec,
) -> Array4<f64> {
    let (_, c_in, kh, kw) = w.dim();
    let n = dy.dim().0;
    check_upstream(dy, n, input, [kh, kw], spec);
    let [(top, bottom), (left, right)] = spec.pads([kh, kw]);
    let dilated = dilate(dy, spec.stride);
    let flipped = rotate180(w).permuted_axes([1, 0, 2, 3]);
    let reached = correlate_nchw(dilated.view(), flipped, ConvSpec::new(Padding::Full, 1));
    // `reached` covers the padded rows and columns that some window touched; the rest get 0.
    let (_, _, rh, rw) = reached.dim();
    let mut grad_padded =
        Array4::zeros((n, c_in, top + input[0] + bottom, left + input[1] + right));
    grad_padded
        .slice_mut(s![.., .., ..rh, ..rw])
        .assign(&reached);
    grad_padded
        .slice(s![.., .., top..top + input[0], left..left + input[1]])
        .to_owned()
}

/// ∂L/∂b[o] = Σ_b Σ_i Σ_j dy[b, o, i, j]: each bias is added to every output of its channel.
///
/// # Shapes
///
/// `dy`: [n, c_out, oh, ow] → [c_out].
pub fn bias_gradient<A: LinalgScalar>(dy: ArrayView4<A>) -> Array1<A> {
    dy.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0))
}

/// The backward pass of [`conv2d`]: all three gradients, each built from a cross-correlation
/// ([`kernel_gradient`], [`input_gradient`], [`bias_gradient`]).
///
/// # Shapes
///
/// `x`: [n, c_in, h, w]; `w`: [c_out, c_in, kh, kw]; `dy`: [n, c_out, oh, ow].
///
/// # Panics
///
/// If the shapes do not fit together (the message names them).
///
/// # Examples
///
/// ```
/// use descent::conv::{conv2d_backward, ConvSpec};
/// use ndarray::Array4;
/// // With dy = 1 everywhere, every weight collects the sum of the inputs it ever met.
/// let x = Array4::<f64>::ones((2, 1, 3, 3));
/// let w = Array4::<f64>::ones((1, 1, 2, 2));
/// let dy = Array4::<f64>::ones((2, 1, 2, 2));
/// let g = conv2d_backward(x.view(), w.view(), dy.view(), ConvSpec::VALID);
/// assert_eq!(g.grad_w, Array4::from_elem((1, 1, 2, 2), 8.0));
/// assert_eq!(g.grad_b[0], 8.0);
/// assert_eq!(g.grad_x[[0, 0, 1, 1]], 4.0); // the centre is in all four windows
/// ```
pub fn conv2d_backward(
    x: ArrayView4<f64>,
    w: ArrayView4<f64>,
    dy: ArrayView4<f64>,
    spec: ConvSpec,
) -> ConvGradients<Ix4> {
    let (_, c_in, h, wd) = x.dim();
    let (_, kernel_c_in, kh, kw) = w.dim();
    assert_eq!(
        c_in, kernel_c_in,
        "the input has {c_in} channels but the kernel expects {kernel_c_in}"
    );
    ConvGradients {
        grad_x: input_gradient(w, dy, [h, wd], spec),
        grad_w: kernel_gradient(x, dy, [kh, kw], spec),
        grad_b: bias_gradient(dy),
    }
}

/// Asserts that `dy` has the shape of the output of this convolution.
fn check_upstream(
    dy: ArrayView4<f64>,
    n: usize,
    input: [usize; 2],
    kernel: [usize; 2],
    spec: ConvSpec,
) {
    let [oh, ow] = spec.expect_output_shape(input, kernel);
    let (dn, _, dh, dw) = dy.dim();
    assert!(
        dn == n && dh == oh && dw == ow,
        "dy has shape {:?} but the output of a {kernel:?} kernel on a batch of {n} inputs of \
         {input:?} ({spec:?}) has batch {n} and size [{oh}, {ow}]",
        dy.shape()
    );
}

/// A 2-D array as a 1 × 1 × h × w batch, without copying.
pub(crate) fn as_nchw(a: ArrayView2<f64>) -> ArrayView4<f64> {
    a.insert_axis(Axis(0)).insert_axis(Axis(0))
}

/// The only image of a 1 × 1 × h × w batch.
pub(crate) fn only_image(a: Array4<f64>) -> Array2<f64> {
    a.index_axis_move(Axis(0), 0).index_axis_move(Axis(0), 0)
}

/// Cross-correlation of one image with one kernel, x ⋆ w: the kernel slides over the image
/// unflipped. y[i, j] = Σ_p Σ_q w[p, q] · x̃[S₀ i + p, S₁ j + q].
///
/// # Shapes
///
/// `x`: [h, w]; `w`: [kh, kw] → [oh, ow].
///
/// # Panics
///
/// As [`correlate_nchw`].
///
/// # Examples
///
/// ```
/// use descent::conv::{correlate, ConvSpec};
/// use ndarray::array;
/// let x = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
/// let w = array![[1.0, 2.0], [3.0, 4.0]];
/// // 1·1 + 2·2 + 3·4 + 4·5 = 37
/// assert_eq!(correlate(x.view(), w.view(), ConvSpec::VALID)[[0, 0]], 37.0);
/// ```
pub fn correlate(x: ArrayView2<f64>, w: ArrayView2<f64>, spec: ConvSpec) -> Array2<f64> {
    only_image(correlate_nchw(as_nchw(x), as_nchw(w), spec))
}

/// True convolution of one image with one kernel, x ∗ w: cross-correlation with the kernel
/// rotated by 180°. y[i, j] = Σ_p Σ_q w[kh − 1 − p, kw − 1 − q] · x̃[S₀ i + p, S₁ j + q].
///
/// # Shapes
///
/// `x`: [h, w]; `w`: [kh, kw] → [oh, ow].
///
/// # Panics
///
/// As [`correlate_nchw`].
///
/// # Examples
///
/// ```
/// use descent::conv::{convolve, ConvSpec};
/// use ndarray::array;
/// let x = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
/// let w = array![[1.0, 2.0], [3.0, 4.0]];
/// // 4·1 + 3·2 + 2·4 + 1·5 = 23
/// assert_eq!(convolve(x.view(), w.view(), ConvSpec::VALID)[[0, 0]], 23.0);
/// ```
pub fn convolve(x: ArrayView2<f64>, w: ArrayView2<f64>, spec: ConvSpec) -> Array2<f64> {
    correlate(x, w.slice(s![..;-1, ..;-1]), spec)
}

/// The backward pass of [`correlate`]: ∂L/∂x, ∂L/∂w and ∂L/∂b (a bias, if one were added)
/// for an upstream gradient dy, through [`conv2d_backward`].
///
/// # Shapes
///
/// `x`: [h, w]; `w`: [kh, kw]; `dy`: [oh, ow] → grad_x [h, w], grad_w [kh, kw], grad_b [1].
///
/// # Panics
///
/// If `dy` does not have the output shape.
pub fn correlate_backward(
    x: ArrayView2<f64>,
    w: ArrayView2<f64>,
    dy: ArrayView2<f64>,
    spec: ConvSpec,
) -> ConvGradients<Ix2> {
    let g = conv2d_backward(as_nchw(x), as_nchw(w), as_nchw(dy), spec);
    ConvGradients {
        grad_x: only_image(g.grad_x),
        grad_w: only_image(g.grad_w),
        grad_b: g.grad_b,
    }
}

/// A 1-D signal as a 1 × W image.
fn as_row(a: ArrayView1<f64>) -> ArrayView2<f64> {
    a.insert_axis(Axis(0))
}

/// The only row of a 1 × W image.
fn only_row(a: Array2<f64>) -> Array1<f64> {
    a.index_axis_move(Axis(0), 0)
}

/// Cross-correlation of two 1-D signals, y[i] = Σ_k w[k] · x̃[S i + k]: [`correlate`] on a
/// 1 × W image, with the width settings of `spec`.
///
/// # Panics
///
/// As [`correlate_nchw`].
///
/// # Examples
///
/// ```
/// use descent::conv::{correlate1d, ConvSpec};
/// use ndarray::array;
/// let y = correlate1d(array![1.0, 2.0, 3.0, 4.0].view(), array![2.0, -1.0].view(), ConvSpec::VALID);
/// assert_eq!(y, array![0.0, 1.0, 2.0]);
/// ```
pub fn correlate1d(x: ArrayView1<f64>, w: ArrayView1<f64>, spec: ConvSpec) -> Array1<f64> {
    only_row(correlate(as_row(x), as_row(w), spec.along_width()))
}

/// True convolution of two 1-D signals, y[n] = Σ_k x[k] · w[n − k]: [`convolve`] on a 1 × W
/// image, with the width settings of `spec`.
///
/// # Panics
///
/// As [`correlate_nchw`].
///
/// # Examples
///
/// ```
/// use descent::conv::{convolve1d, ConvSpec, Padding};
/// use ndarray::array;
/// let box3 = array![1.0, 1.0, 1.0];
/// let y = convolve1d(box3.view(), box3.view(), ConvSpec::new(Padding::Full, 1));
/// assert_eq!(y, array![1.0, 2.0, 3.0, 2.0, 1.0]);
/// ```
pub fn convolve1d(x: ArrayView1<f64>, w: ArrayView1<f64>, spec: ConvSpec) -> Array1<f64> {
    only_row(convolve(as_row(x), as_row(w), spec.along_width()))
}

/// The backward pass of [`correlate1d`], through [`conv2d_backward`].
///
/// # Shapes
///
/// `x`: [w]; `w`: [k]; `dy`: [ow] → grad_x [w], grad_w [k], grad_b [1].
///
/// # Panics
///
/// If `dy` does not have the output length.
pub fn correlate1d_backward(
    x: ArrayView1<f64>,
    w: ArrayView1<f64>,
    dy: ArrayView1<f64>,
    spec: ConvSpec,
) -> ConvGradients<Ix1> {
    let g = correlate_backward(as_row(x), as_row(w), as_row(dy), spec.along_width());
    ConvGradients {
        grad_x: only_row(g.grad_x),
        grad_w: only_row(g.grad_w),
        grad_b: g.grad_b,
    }
}
