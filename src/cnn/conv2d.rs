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
//! cache, writes each image's output straight into place (no transpose afterwards), and gives
//! the threads independent work. The per-image weight gradients are added up in image order,
//! so the result does not depend on how many threads ran.

use ndarray::parallel::prelude::*;
use ndarray::{Array1, Array2, Array4, ArrayD, ArrayView2, ArrayViewD, Axis, Ix4};
use rand::Rng;

use super::matmul::{matmul, matmul_into};
use super::{Layer, Param, Real, he_normal};
use crate::conv::matrix::{col2im, im2col_into};
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
    /// The input shape and each image's im2col matrix, kept by `forward` for `backward`.
    cache: Option<([usize; 4], Vec<Array2<A>>)>,
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
        let mut y = Array4::<A>::zeros((n, c_out, oh, ow));
        let bias = self.bias.view().insert_axis(Axis(1));
        // Reuse the im2col matrices of the previous step when the shapes are unchanged.
        let rows = self.weight.dim().1 * kernel[0] * kernel[1];
        let cache = self.cache.take();
        let weight = self.weight_rows();
        let mut cols = match cache {
            Some((_, cols)) if cols.len() == n && cols[0].dim() == (rows, oh * ow) => cols,
            _ => vec![Array2::zeros((rows, oh * ow)); n],
        };
        let spec = self.spec;
        x.axis_iter(Axis(0))
            .into_par_iter()
            .zip(y.axis_iter_mut(Axis(0)))
            .zip(cols.par_iter_mut())
            .for_each(|((x_b, y_b), cols)| {
                im2col_into(x_b.insert_axis(Axis(0)), kernel, spec, cols);
                let mut y_b = y_b
                    .into_shape_with_order((c_out, oh * ow))
                    .expect("an image of a standard-layout batch is contiguous");
                y_b.assign(&bias);
                matmul_into(weight, cols.view(), y_b.view_mut(), true);
            });
        self.cache = Some(([n, x.dim().1, h, w], cols));
        y.into_dyn()
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let (input, cols) = self
            .cache
            .as_ref()
            .expect("Conv2d::backward called before forward");
        let [n, c_in, h, w] = *input;
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
        let weight = self.weight_rows();
        let spec = self.spec;
        let mut grad_x = Array4::<A>::zeros((n, c_in, h, w));
        let per_image: Vec<(Array2<A>, Array1<A>)> = grad_x
            .axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(grad_y.axis_iter(Axis(0)))
            .zip(cols.par_iter())
            .map(|((mut grad_x_b, dy_b), cols_b)| {
                let dy_b = dy_b
                    .to_shape(((c_out, oh * ow), ndarray::Order::RowMajor))
                    .expect("one row per output channel");
                let grad_w = matmul(dy_b.view(), cols_b.t());
                let mut grad_cols = Array2::zeros((weight.ncols(), oh * ow));
                matmul_into(weight.t(), dy_b.view(), grad_cols.view_mut(), false);
                let grad_x_image = col2im(grad_cols.view(), [1, c_in, h, w], kernel, spec);
                grad_x_b.assign(&grad_x_image.index_axis(Axis(0), 0));
                (grad_w, dy_b.sum_axis(Axis(1)))
            })
            .collect();
        let mut grad_w_rows = self
            .grad_weight
            .view_mut()
            .into_shape_with_order((c_out, c_in * kernel[0] * kernel[1]))
            .expect("the gradient is in standard layout");
        for (grad_w, grad_b) in &per_image {
            grad_w_rows += grad_w;
            self.grad_bias += grad_b;
        }
        grad_x.into_dyn()
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
