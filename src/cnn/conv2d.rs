//! The convolution layer: chapter 4's im2col and col2im, one image at a time, in parallel.
//!
//! Forward, for each image b of the batch:
//!
//! ```text
//! cols_b = im2col(x_b)                  [c_in·kh·kw, oh·ow]
//! y_b    = W · cols_b + b               [c_out, oh·ow]   (W reshaped to [c_out, c_in·kh·kw])
//! ```
//!
//! Backward, with dY_b = ∂L/∂y_b:
//!
//! ```text
//! ∂L/∂W += dY_b · cols_bᵀ      ∂L/∂b += Σ_positions dY_b      ∂L/∂x_b = col2im(Wᵀ · dY_b)
//! ```
//!
//! Working image by image keeps each im2col matrix small enough to stay in the processor's
//! cache: every worker thread reuses one scratch matrix for all its images (see `Scratch` below).
//! The layer keeps a copy of its input rather than the im2col matrices of the whole batch,
//! and redoes im2col in the backward pass: for benchmark (b) of `benches/cnn.rs` those
//! matrices would be 19 MB against the input's 2 MB. Each image's output is written straight
//! into place (no transpose afterwards). The backward pass takes the images in fixed groups of
//! eight: one thread adds up a group's weight gradient in image order, and the groups' sums
//! are added in group order, so the result does not depend on how many threads ran.
//!
//! On a processor with AVX-512, `f32` layers at stride 1 compute the forward product, ∂L/∂x
//! and ∂L/∂W with the implicit-im2col kernels of `implicit.rs` instead (see [`Engine`]).

use std::any::TypeId;
use std::mem::MaybeUninit;

use ndarray::parallel::prelude::*;
use ndarray::{
    Array1, Array2, Array4, ArrayD, ArrayView, ArrayView2, ArrayView3, ArrayView4, ArrayViewD,
    ArrayViewMut, ArrayViewMut2, ArrayViewMut3, ArrayViewMut4, Axis, Dimension, Ix4, ShapeBuilder,
};
use rand::Rng;

use super::matmul::matmul_into;
use super::{Layer, Param, Real, he_normal, implicit};
use crate::conv::matrix::{col2im_add, im2col_into};
use crate::conv::{ConvSpec, Padding};

/// A 2-D convolution layer (a cross-correlation, as in every deep-learning library).
///
/// # Shapes
///
/// Input `[n, c_in, h, w]`, output `[n, c_out, oh, ow]` with oh, ow from chapter 4's
/// output-size rule; weight `[c_out, c_in, kh, kw]`, bias `[c_out]`.
#[derive(Debug, Clone)]
pub struct Conv2d<A = f32> {
    /// The kernels, `[c_out, c_in, kh, kw]`.
    pub weight: Array4<A>,
    /// One bias per output channel.
    pub bias: Array1<A>,
    /// ∂L/∂weight, accumulated.
    pub grad_weight: Array4<A>,
    /// ∂L/∂bias, accumulated.
    pub grad_bias: Array1<A>,
    /// Padding and stride.
    pub spec: ConvSpec,
    /// Which route the forward product and the gradients take.
    pub engine: Engine,
    /// A copy of the input, kept by `forward` for `backward`.
    cache: Option<Array4<A>>,
}

impl<A: Real> Conv2d<A> {
    /// A layer with He-initialised kernels (fan-in c_in · k · k) and zero biases.
    ///
    /// `padding` zeros on every side and stride `stride`; a 3 × 3 kernel with padding 1 and
    /// stride 1 keeps the image size.
    ///
    /// # Panics
    ///
    /// If a size or the stride is zero.
    pub fn new(
        in_channels: usize,
        out_channels: usize,
        kernel_size: usize,
        stride: usize,
        padding: usize,
        rng: &mut impl Rng,
    ) -> Self {
        assert!(
            in_channels > 0 && out_channels > 0 && kernel_size > 0 && stride > 0,
            "Conv2d needs positive sizes, got {in_channels} → {out_channels} channels, kernel {kernel_size}, stride {stride}"
        );
        let shape = [out_channels, in_channels, kernel_size, kernel_size];
        let fan_in = in_channels * kernel_size * kernel_size;
        let weight = he_normal(&shape, fan_in, rng)
            .into_dimensionality::<Ix4>()
            .expect("four axes");
        Self::from_parts(
            weight,
            Array1::zeros(out_channels),
            ConvSpec::new(Padding::Explicit(padding), stride),
        )
    }

    /// A layer with the given kernels and biases.
    ///
    /// # Panics
    ///
    /// If the bias does not have one element per output channel.
    pub fn from_parts(weight: Array4<A>, bias: Array1<A>, spec: ConvSpec) -> Self {
        assert_eq!(
            weight.dim().0,
            bias.len(),
            "the weight has {} output channels but the bias has {} elements",
            weight.dim().0,
            bias.len()
        );
        Conv2d {
            grad_weight: Array4::zeros(weight.raw_dim()),
            grad_bias: Array1::zeros(bias.raw_dim()),
            weight,
            bias,
            spec,
            engine: Engine::Auto,
            cache: None,
        }
    }

    fn kernel(&self) -> [usize; 2] {
        let (_, _, kh, kw) = self.weight.dim();
        [kh, kw]
    }

    /// The weight as a matrix, one row per output channel: `[c_out, c_in · kh · kw]`.
    fn weight_rows(&self) -> ArrayView2<'_, A> {
        let (c_out, c_in, kh, kw) = self.weight.dim();
        self.weight
            .view()
            .into_shape_with_order((c_out, c_in * kh * kw))
            .expect("the weight is in standard layout")
    }

    /// The forward pass through an explicit im2col matrix, image by image: `y` gets every
    /// output, `kept` a copy of the input.
    fn im2col_forward(
        &self,
        x: ArrayView4<A>,
        mut y: ArrayViewMut4<MaybeUninit<A>>,
        mut kept: ArrayViewMut4<A>,
    ) {
        let kernel = self.kernel();
        let [oh, ow] = self
            .spec
            .expect_output_shape([x.dim().2, x.dim().3], kernel);
        let c_out = self.weight.dim().0;
        let rows = self.weight.dim().1 * kernel[0] * kernel[1];
        let (weight, bias, spec) = (self.weight_rows(), &self.bias, self.spec);
        x.axis_iter(Axis(0))
            .into_par_iter()
            .zip(y.axis_iter_mut(Axis(0)))
            .zip(kept.axis_iter_mut(Axis(0)))
            .for_each_init(
                || Scratch::new([rows], oh * ow),
                |scratch, ((x_b, y_b), mut kept_b)| {
                    kept_b.assign(&x_b);
                    let [mut cols] = scratch.views();
                    im2col_into(x_b.insert_axis(Axis(0)), kernel, spec, cols.view_mut());
                    let mut y_b = y_b
                        .into_shape_with_order((c_out, oh * ow))
                        .expect("an image of a standard-layout batch is contiguous");
                    for (mut y_o, &b) in y_b.outer_iter_mut().zip(bias) {
                        y_o.fill(MaybeUninit::new(b));
                    }
                    // SAFETY: every element of this image's output was written just above.
                    let mut y_b = unsafe { y_b.assume_init() };
                    matmul_into(weight, cols.view(), y_b.view_mut(), true);
                },
            );
    }

    /// The fastest kernel for the forward pass on images of shape [h, w] that applies, if
    /// any: Winograd for 3 × 3 kernels, otherwise the implicit im2col, both for `f32` layers
    /// with stride 1 on a processor with AVX-512 (see `winograd.rs` and `implicit.rs`).
    fn implicit_forward(&self, input: [usize; 2]) -> Option<Plan> {
        if !self.implicit_applies() {
            return None;
        }
        let weight = self.weight.as_standard_layout();
        let weight = ArrayView4::from_shape(weight.raw_dim(), as_f32(standard(&weight)))
            .expect("same shape");
        let bias = self.bias.as_standard_layout();
        Plan::new(
            weight,
            as_f32(standard(&bias)),
            input,
            self.spec.pads(self.kernel()),
            self.engine,
        )
    }

    /// The same kernels for ∂L/∂x of outputs of shape [oh, ow]: the correlation of ∂L/∂y with
    /// the kernel turned by 180° and its channel axes swapped, padded by kh − 1 − top above
    /// (and likewise on the other sides) so that the result has the input's shape. `None`
    /// where the forward kernels would not apply, or where the padding is wider than the
    /// kernel (then some outputs never see an input, and the turned kernel would need
    /// negative padding).
    fn implicit_backward(&self, output: [usize; 2]) -> Option<Plan> {
        let [kh, kw] = self.kernel();
        let [(top, bottom), (left, right)] = self.spec.pads([kh, kw]);
        if !self.implicit_applies()
            || [top, bottom].iter().any(|&p| p >= kh)
            || [left, right].iter().any(|&p| p >= kw)
        {
            return None;
        }
        let turned = self
            .weight
            .slice(ndarray::s![.., .., ..;-1, ..;-1])
            .permuted_axes([1, 0, 2, 3])
            .as_standard_layout()
            .into_owned();
        let turned = ArrayView4::from_shape(turned.raw_dim(), as_f32(standard(&turned)))
            .expect("same shape");
        let zeros = vec![0.0; turned.dim().0];
        let pads = [
            (kh - 1 - top, kh - 1 - bottom),
            (kw - 1 - left, kw - 1 - right),
        ];
        Plan::new(turned, &zeros, output, pads, self.engine)
    }

    /// The implicit kernel for ∂L/∂W on images of shape [h, w], where it applies (as for
    /// [`Conv2d::implicit_forward`], and when the channel counts fill its blocks).
    fn implicit_weight_gradient(&self, input: [usize; 2]) -> Option<implicit::WeightGradient> {
        if !self.implicit_applies() {
            return None;
        }
        let (c_out, c_in, kh, kw) = self.weight.dim();
        implicit::WeightGradient::new([c_out, c_in, kh, kw], input, self.spec.pads([kh, kw]))
    }

    fn implicit_applies(&self) -> bool {
        TypeId::of::<A>() == TypeId::of::<f32>()
            && self.engine != Engine::Im2col
            && self.spec.stride == [1, 1]
    }

    fn checked_input(&self, x: &ArrayViewD<A>) -> [usize; 4] {
        let c_in = self.weight.dim().1;
        match *x.shape() {
            [n, c, h, w] if c == c_in => [n, c, h, w],
            _ => panic!(
                "Conv2d expects an input of shape [n, {c_in}, h, w], got {:?}",
                x.shape()
            ),
        }
    }
}

impl<A: Real> Layer<A> for Conv2d<A> {
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        let [n, _, h, w] = self.checked_input(&x);
        let x = x.into_dimensionality::<Ix4>().expect("checked above");
        let kernel = self.kernel();
        let [oh, ow] = self.spec.expect_output_shape([h, w], kernel);
        let c_out = self.weight.dim().0;
        let mut y = Array4::<A>::uninit((n, c_out, oh, ow));
        let mut kept = match self.cache.take() {
            Some(kept) if kept.dim() == x.dim() => kept,
            _ => Array4::zeros(x.dim()),
        };
        if let Some(fast) = self.implicit_forward([h, w]) {
            let x = x.as_standard_layout();
            let per_image = y.len() / n.max(1);
            x.axis_iter(Axis(0))
                .into_par_iter()
                .zip(y.axis_iter_mut(Axis(0)))
                .zip(kept.axis_iter_mut(Axis(0)))
                .for_each_init(
                    || fast.scratch(),
                    |spread, ((x_b, mut y_b), mut kept_b)| {
                        kept_b.assign(&x_b);
                        let x_b = as_f32(x_b.as_slice().expect("a standard-layout image"));
                        assert_eq!(y_b.len(), per_image, "one output image");
                        // SAFETY: A is f32 (checked by `implicit_forward`), the processor has
                        // AVX-512 (checked by `Forward::new`), and y_b is this image's
                        // c_out · oh · ow contiguous output, which `image` writes in full.
                        unsafe { fast.image(x_b, spread, y_b.as_mut_ptr().cast::<f32>()) };
                    },
                );
        } else {
            self.im2col_forward(x, y.view_mut(), kept.view_mut());
        }
        self.cache = Some(kept);
        // SAFETY: the loop above wrote every image of the batch.
        unsafe { y.assume_init() }.into_dyn()
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let x = self
            .cache
            .as_ref()
            .expect("Conv2d::backward called before forward");
        let (n, c_in, h, w) = x.dim();
        let kernel = self.kernel();
        let [oh, ow] = self.spec.expect_output_shape([h, w], kernel);
        let c_out = self.weight.dim().0;
        assert_eq!(
            grad_y.shape(),
            &[n, c_out, oh, ow],
            "Conv2d::backward got ∂L/∂y of shape {:?}, but the output had shape {:?}",
            grad_y.shape(),
            [n, c_out, oh, ow]
        );
        let grad_y = grad_y.into_dimensionality::<Ix4>().expect("checked above");
        let weight = self.weight_rows();
        let rows = weight.ncols();
        let mut grad_x = Array4::<A>::uninit((n, c_in, h, w));
        let job = Backward {
            weight,
            kernel,
            spec: self.spec,
            output: [oh, ow],
            fast_x: self.implicit_backward([oh, ow]),
            fast_w: self.implicit_weight_gradient([h, w]),
        };
        // One (∂L/∂W, ∂L/∂b) per group of images, each summed in image order by one thread.
        let per_group: Vec<(Array2<A>, Array1<A>)> = grad_x
            .axis_chunks_iter_mut(Axis(0), GROUP)
            .into_par_iter()
            .zip(grad_y.axis_chunks_iter(Axis(0), GROUP))
            .zip(x.axis_chunks_iter(Axis(0), GROUP))
            .map_init(
                || job.workspace(),
                |work, ((grad_x_g, dy_g), x_g)| job.group(work, x_g, dy_g, grad_x_g),
            )
            .collect();
        // Add the groups up in order, whatever the number of threads, then once into
        // `grad_weight`.
        let mut groups = per_group.into_iter();
        if let Some((mut grad_w, mut grad_b)) = groups.next() {
            for (group_w, group_b) in groups {
                grad_w += &group_w;
                grad_b += &group_b;
            }
            let mut grad_w_rows = self
                .grad_weight
                .view_mut()
                .into_shape_with_order((c_out, rows))
                .expect("the gradient is in standard layout");
            grad_w_rows += &grad_w;
            self.grad_bias += &grad_b;
        }
        // SAFETY: the loop above wrote every image of the batch.
        unsafe { grad_x.assume_init() }.into_dyn()
    }

    fn params(&mut self) -> Vec<Param<'_, A>> {
        vec![
            Param {
                name: "weight",
                value: self.weight.view_mut().into_dyn(),
                grad: self.grad_weight.view_mut().into_dyn(),
            },
            Param {
                name: "bias",
                value: self.bias.view_mut().into_dyn(),
                grad: self.grad_bias.view_mut().into_dyn(),
            },
        ]
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        let c_in = self.weight.dim().1;
        match *input {
            [n, c, h, w] if c == c_in => {
                let [oh, ow] = self.spec.expect_output_shape([h, w], self.kernel());
                vec![n, self.weight.dim().0, oh, ow]
            }
            _ => panic!("Conv2d expects an input of shape [n, {c_in}, h, w], got {input:?}"),
        }
    }

    fn describe(&self) -> String {
        let (c_out, c_in, kh, kw) = self.weight.dim();
        let padding = self.spec.pads([kh, kw])[0].0;
        format!(
            "Conv2d({c_in} → {c_out}, {kh}×{kw}, stride {}, padding {padding})",
            self.spec.stride[0]
        )
    }
}

/// How a [`Conv2d`] computes its forward product, ∂L/∂x and ∂L/∂W.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The fastest route that applies, product by product, for `f32` with stride 1 on a
    /// processor with AVX-512: Winograd's algorithm (`winograd.rs`) for 3 × 3 kernels, the
    /// implicit-im2col kernels (`implicit.rs`) otherwise and for the weight gradient, where
    /// the channel counts fill their blocks well enough; im2col and a matrix product in every
    /// other case.
    #[default]
    Auto,
    /// As `Auto` but without Winograd's algorithm: the implicit im2col for 3 × 3 kernels too
    /// (the tests compare the routes).
    Implicit,
    /// Always an explicit im2col matrix and a matrix product.
    Im2col,
}

/// A forward convolution kernel ready to run image after image: Winograd's or the implicit
/// im2col.
enum Plan {
    Implicit(implicit::Forward),
    #[cfg(target_arch = "x86_64")]
    Winograd(super::winograd::Winograd),
}

impl Plan {
    /// Winograd where the engine allows it and it applies, else the implicit im2col where
    /// that applies.
    fn new(
        weight: ArrayView4<f32>,
        bias: &[f32],
        input: [usize; 2],
        pads: [(usize, usize); 2],
        engine: Engine,
    ) -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        if engine == Engine::Auto
            && let Some(plan) = super::winograd::Winograd::new(weight, bias, input, pads)
        {
            return Some(Plan::Winograd(plan));
        }
        let _ = engine;
        implicit::Forward::new(weight, bias, input, pads).map(Plan::Implicit)
    }

    fn scratch(&self) -> Vec<f32> {
        match self {
            Plan::Implicit(plan) => plan.scratch(),
            #[cfg(target_arch = "x86_64")]
            Plan::Winograd(plan) => plan.scratch(),
        }
    }

    /// One image, as `implicit::Forward::image`.
    ///
    /// # Safety
    ///
    /// As `implicit::Forward::image`.
    unsafe fn image(&self, x: &[f32], scratch: &mut Vec<f32>, y: *mut f32) {
        // SAFETY: passed on from the caller.
        unsafe {
            match self {
                Plan::Implicit(plan) => plan.image(x, scratch, y),
                #[cfg(target_arch = "x86_64")]
                Plan::Winograd(plan) => plan.image(x, scratch, y),
            }
        }
    }
}

/// The elements of a standard-layout array, in order.
fn standard<A, S: ndarray::Data<Elem = A>, D: ndarray::Dimension>(
    a: &ndarray::ArrayBase<S, D>,
) -> &[A] {
    a.as_slice().expect("a standard-layout array is one slice")
}

/// `values` as `f32`s.
///
/// # Panics
///
/// If `A` is not `f32`: callers check first.
fn as_f32<A: 'static>(values: &[A]) -> &[f32] {
    assert_eq!(
        TypeId::of::<A>(),
        TypeId::of::<f32>(),
        "as_f32 on another type"
    );
    // SAFETY: A is f32, checked just above, so this is the same slice with its own type.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<f32>(), values.len()) }
}

/// The backward pass of one call, for one group of images at a time.
struct Backward<'a, A> {
    /// The weight as a matrix, [c_out, c_in · kh · kw].
    weight: ArrayView2<'a, A>,
    kernel: [usize; 2],
    spec: ConvSpec,
    /// [oh, ow].
    output: [usize; 2],
    /// The fast kernels for ∂L/∂x and ∂L/∂W, where they apply.
    fast_x: Option<Plan>,
    fast_w: Option<implicit::WeightGradient>,
}

impl<A: Real> Backward<'_, A> {
    fn workspace(&self) -> Workspace<A> {
        let [oh, ow] = self.output;
        Workspace {
            matrices: Scratch::new([self.weight.ncols(), self.weight.nrows()], oh * ow),
            spread: self.fast_x.as_ref().map(Plan::scratch),
            weight: self.fast_w.as_ref().map(implicit::WeightGradient::scratch),
        }
    }

    /// ∂L/∂x of every image of the group into `grad_x`, and the group's (∂L/∂W, ∂L/∂b).
    fn group(
        &self,
        work: &mut Workspace<A>,
        x: ArrayView4<A>,
        grad_y: ArrayView4<A>,
        mut grad_x: ArrayViewMut4<MaybeUninit<A>>,
    ) -> (Array2<A>, Array1<A>) {
        let (c_out, rows) = self.weight.dim();
        let [oh, ow] = self.output;
        // Column-major for `matmul_into`, which writes that layout fastest; row-major for the
        // implicit kernel, which writes it as [c_out, c_in, kh, kw].
        let mut grad_w = if self.fast_w.is_some() {
            Array2::<A>::zeros((c_out, rows))
        } else {
            Array2::<A>::zeros((c_out, rows).f())
        };
        let mut grad_b = Array1::<A>::zeros(c_out);
        for ((grad_x_b, dy_b), x_b) in grad_x
            .outer_iter_mut()
            .zip(grad_y.outer_iter())
            .zip(x.outer_iter())
        {
            let [mut cols, mut dy] = work.matrices.views();
            // The matrix products want ∂L/∂y as a [c_out, oh · ow] matrix; it may come in any
            // layout, so it is copied (only when they run).
            if self.fast_w.is_none() || self.fast_x.is_none() {
                dy.assign(
                    &dy_b
                        .to_shape(((c_out, oh * ow), ndarray::Order::RowMajor))
                        .expect("one row per output channel"),
                );
            }
            for (grad_b, dy_o) in grad_b.iter_mut().zip(dy_b.outer_iter()) {
                *grad_b += dy_o.sum();
            }
            if let (Some(plan), Some(sums)) = (&self.fast_w, &mut work.weight) {
                plan.accumulate(f32_view(x_b), f32_view(dy_b), sums);
            } else {
                im2col_into(
                    x_b.insert_axis(Axis(0)),
                    self.kernel,
                    self.spec,
                    cols.view_mut(),
                );
                matmul_into(dy.view(), cols.t(), grad_w.view_mut(), true);
            }
            self.input_gradient(work.spread.as_mut(), dy_b, dy.view(), cols, grad_x_b);
        }
        if let (Some(plan), Some(sums)) = (&self.fast_w, &mut work.weight) {
            let [kh, kw] = self.kernel;
            let c_in = rows / (kh * kw);
            let grad_w = grad_w
                .view_mut()
                .into_shape_with_order((c_out, c_in, kh, kw))
                .expect("a standard-layout matrix");
            plan.drain_into(sums, f32_view_mut(grad_w));
        }
        (grad_w, grad_b)
    }

    /// One image's ∂L/∂x: through the fast kernel where it applies, otherwise as
    /// col2im(Wᵀ · dY) with `cols` as scratch for Wᵀ · dY. `dy` is ∂L/∂y as a matrix, needed
    /// only by the second route.
    fn input_gradient(
        &self,
        spread: Option<&mut Vec<f32>>,
        dy_b: ArrayView3<A>,
        dy: ArrayView2<A>,
        mut cols: ArrayViewMut2<A>,
        mut grad_x_b: ArrayViewMut3<MaybeUninit<A>>,
    ) {
        if let (Some(fast), Some(spread)) = (&self.fast_x, spread) {
            let dy_b = dy_b.as_standard_layout();
            // SAFETY: A is f32 and the processor has AVX-512 (checked by
            // `implicit_backward`); grad_x_b is this image's c_in · h · w contiguous gradient
            // (one image of a standard-layout batch), which `image` writes in full.
            unsafe {
                fast.image(
                    as_f32(standard(&dy_b)),
                    spread,
                    grad_x_b.as_mut_ptr().cast::<f32>(),
                )
            };
        } else {
            grad_x_b.fill(MaybeUninit::new(A::zero()));
            // SAFETY: every element of this image's gradient was written just above.
            let grad_x_b = unsafe { grad_x_b.assume_init() };
            matmul_into(self.weight.t(), dy, cols.view_mut(), false);
            col2im_add(cols, self.kernel, self.spec, grad_x_b.insert_axis(Axis(0)));
        }
    }
}

/// Images per group in the backward pass. One thread adds up a group's weight gradient in
/// image order, and the groups' sums are added in group order, so the result does not depend
/// on the number of threads.
const GROUP: usize = 8;

/// One worker's buffers in the backward pass: the im2col route's matrices, and the implicit
/// kernels' buffers where those apply.
struct Workspace<A> {
    matrices: Scratch<A, 2>,
    spread: Option<Vec<f32>>,
    weight: Option<implicit::WeightScratch>,
}

/// `view` with its elements as `f32`.
///
/// # Panics
///
/// If `A` is not `f32`: callers check first.
fn f32_view<A: 'static, D: Dimension>(view: ArrayView<'_, A, D>) -> ArrayView<'_, f32, D> {
    assert_eq!(
        TypeId::of::<A>(),
        TypeId::of::<f32>(),
        "f32_view on another type"
    );
    // SAFETY: A is f32, checked just above: the same view with its own element type, for the
    // same lifetime.
    unsafe { view.raw_view().cast::<f32>().deref_into_view() }
}

/// `view` with its elements as `f32`, writable.
///
/// # Panics
///
/// If `A` is not `f32`: callers check first.
fn f32_view_mut<A: 'static, D: Dimension>(
    mut view: ArrayViewMut<'_, A, D>,
) -> ArrayViewMut<'_, f32, D> {
    assert_eq!(
        TypeId::of::<A>(),
        TypeId::of::<f32>(),
        "f32_view_mut on another type"
    );
    // SAFETY: as for `f32_view`; the mutable borrow moves into the result.
    unsafe { view.raw_view_mut().cast::<f32>().deref_into_view_mut() }
}

/// One worker's scratch matrices, all `len` columns wide: in the forward pass cols
/// ([c_in·kh·kw, oh·ow]); in the backward pass cols, ∂L/∂cols and a copy of ∂L/∂y_b
/// ([c_out, oh·ow]).
///
/// Each row is [`PAD`] elements longer than it needs to be. With oh·ow a multiple of 1024
/// (32 × 32 images), rows 4 KiB apart all fall into the same few sets of the processor's
/// level-1 cache and evict one another while the matrix product walks down them; the padding
/// staggers them. Measured: the forward pass of benchmark (b) went from 6.0 to 4.6 ms.
struct Scratch<A, const K: usize> {
    matrices: [Array2<A>; K],
    len: usize,
}

/// See [`Scratch`].
const PAD: usize = 16;

impl<A: Real, const K: usize> Scratch<A, K> {
    fn new(rows: [usize; K], len: usize) -> Self {
        Scratch {
            matrices: rows.map(|r| Array2::zeros((r, len + PAD))),
            len,
        }
    }

    fn views(&mut self) -> [ArrayViewMut2<'_, A>; K] {
        let len = self.len;
        self.matrices
            .each_mut()
            .map(|m| m.slice_mut(ndarray::s![.., ..len]))
    }
}
