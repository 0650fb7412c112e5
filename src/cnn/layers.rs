//! The layers around the convolutions: ReLU, max-pooling, flattening and the dense layer.
//! Each forward rule has its backward rule right under it.

use ndarray::{Array1, Array2, Array4, ArrayD, ArrayViewD, Axis, Ix2, Ix4, IxDyn, Zip};
use rand::Rng;

use super::{Layer, Param, Real, he_normal};

/// The rectified linear unit, element by element: y = max(0, x).
///
/// Backward: ∂L/∂x = ∂L/∂y where x > 0, and 0 elsewhere; the gate is open or shut. At x = 0
/// exactly the derivative does not exist; like every library, we use 0 there.
///
/// # Examples
///
/// ```
/// use descent::cnn::{Layer, Relu};
/// use ndarray::array;
/// let mut relu = Relu::default();
/// let y = relu.forward(array![-1.0f32, 0.0, 2.0].into_dyn().view());
/// assert_eq!(y, array![0.0, 0.0, 2.0].into_dyn());
/// let dx = relu.backward(array![5.0f32, 5.0, 5.0].into_dyn().view());
/// assert_eq!(dx, array![0.0, 0.0, 5.0].into_dyn());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Relu<A = f32> {
    input: Option<ArrayD<A>>,
}

impl<A: Real> Layer<A> for Relu<A> {
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        self.input = Some(x.to_owned());
        Zip::from(&x).par_map_collect(|&v| v.max(A::zero()))
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let x = self
            .input
            .as_ref()
            .expect("Relu::backward called before forward");
        assert_eq!(
            x.shape(),
            grad_y.shape(),
            "Relu::backward: ∂L/∂y has the wrong shape"
        );
        Zip::from(x)
            .and(&grad_y)
            .par_map_collect(|&x, &dy| if x > A::zero() { dy } else { A::zero() })
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        input.to_vec()
    }

    fn describe(&self) -> String {
        "ReLU".into()
    }
}

/// Max-pooling over `size × size` windows, `stride` apart: each output is the largest value
/// in its window.
///
/// Backward: the maximum is the only input that moved the output, so ∂L/∂y goes to the
/// arg-max of each window and every other input gets 0. Where windows overlap, a value that
/// is the maximum of several windows collects the gradient of each.
///
/// # Shapes
///
/// `[n, c, h, w]` → `[n, c, (h − size)/stride + 1, (w − size)/stride + 1]`.
///
/// # Examples
///
/// ```
/// use descent::cnn::{Layer, MaxPool2d};
/// use ndarray::{array, Array4};
/// let x = array![[1.0f32, 3.0], [4.0, 2.0]].into_shape_with_order((1, 1, 2, 2)).unwrap();
/// let mut pool = MaxPool2d::new(2, 2);
/// assert_eq!(pool.forward(x.view().into_dyn()).into_raw_vec_and_offset().0, vec![4.0]);
/// let dx = pool.backward(Array4::from_elem((1, 1, 1, 1), 7.0f32).view().into_dyn());
/// assert_eq!(dx.into_raw_vec_and_offset().0, vec![0.0, 0.0, 7.0, 0.0]); // all to the 4
/// ```
#[derive(Debug, Clone)]
pub struct MaxPool2d {
    /// Side of the square window.
    pub size: usize,
    /// Step between windows.
    pub stride: usize,
    cache: Option<PoolCache>,
}

/// What max-pooling's forward keeps for its backward.
#[derive(Debug, Clone)]
struct PoolCache {
    /// The input shape.
    input: [usize; 4],
    /// For every output, the (row, column) of its window's maximum in the input.
    arg_max: Array4<(usize, usize)>,
}

impl MaxPool2d {
    /// Windows of `size × size`, `stride` apart. The usual choice is 2 and 2: halve the size.
    ///
    /// # Panics
    ///
    /// If `size` or `stride` is zero.
    pub fn new(size: usize, stride: usize) -> Self {
        assert!(
            size > 0 && stride > 0,
            "MaxPool2d needs a positive size and stride, got {size} and {stride}"
        );
        MaxPool2d {
            size,
            stride,
            cache: None,
        }
    }

    fn out_len(&self, len: usize) -> usize {
        assert!(
            len >= self.size,
            "MaxPool2d: a side of {len} is smaller than the {0}×{0} window",
            self.size
        );
        (len - self.size) / self.stride + 1
    }
}

impl<A: Real> Layer<A> for MaxPool2d {
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        let shape = Layer::<A>::output_shape(self, x.shape());
        let x = x
            .into_dimensionality::<Ix4>()
            .expect("checked by output_shape");
        let (k, st) = (self.size, self.stride);
        let out = (shape[0], shape[1], shape[2], shape[3]);
        let mut arg_max = Array4::from_elem(out, (0, 0));
        let mut y = Array4::zeros(out);
        // Every window, visited alongside its output and arg-max slot (no slicing per window).
        let windows = x.windows_with_stride((1, 1, k, k), (1, 1, st, st));
        Zip::indexed(&mut y)
            .and(&mut arg_max)
            .and(windows)
            .par_for_each(|(_, _, i, j), y, arg, window| {
                let window = window
                    .index_axis_move(Axis(0), 0)
                    .index_axis_move(Axis(0), 0);
                let ((p, q), best) = arg_max_of(window);
                *y = best;
                *arg = (i * st + p, j * st + q);
            });
        let (n, c, h, w) = x.dim();
        self.cache = Some(PoolCache {
            input: [n, c, h, w],
            arg_max,
        });
        y.into_dyn()
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let PoolCache { input, arg_max } = self
            .cache
            .as_ref()
            .expect("MaxPool2d::backward called before forward");
        assert_eq!(
            grad_y.shape(),
            arg_max.shape(),
            "MaxPool2d::backward: ∂L/∂y has the wrong shape"
        );
        let grad_y = grad_y.into_dimensionality::<Ix4>().expect("checked above");
        let mut grad_x = Array4::<A>::zeros(*input);
        // Image by image in parallel: each image's gradient only receives its own outputs'.
        Zip::from(grad_x.outer_iter_mut())
            .and(arg_max.outer_iter())
            .and(grad_y.outer_iter())
            .par_for_each(|mut grad_x, arg_max, grad_y| {
                Zip::indexed(arg_max)
                    .and(grad_y)
                    .for_each(|(c, _, _), &(r, q), &dy| grad_x[[c, r, q]] += dy);
            });
        grad_x.into_dyn()
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        match *input {
            [n, c, h, w] => vec![n, c, self.out_len(h), self.out_len(w)],
            _ => panic!("MaxPool2d expects an input of shape [n, c, h, w], got {input:?}"),
        }
    }

    fn describe(&self) -> String {
        format!("MaxPool2d({0}×{0}, stride {1})", self.size, self.stride)
    }
}

/// The position and value of the largest element of a window (the first one, on a tie).
fn arg_max_of<A: Real>(window: ndarray::ArrayView2<A>) -> ((usize, usize), A) {
    let mut best = ((0, 0), window[[0, 0]]);
    for ((p, q), &v) in window.indexed_iter() {
        if v > best.1 {
            best = ((p, q), v);
        }
    }
    best
}

/// Flattens each example to a vector: `[n, c, h, w]` → `[n, c · h · w]`, row-major (channel,
/// then row, then column). Backward reshapes the gradient back; no number changes.
#[derive(Debug, Clone, Default)]
pub struct Flatten {
    input: Option<Vec<usize>>,
}

impl<A: Real> Layer<A> for Flatten {
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        self.input = Some(x.shape().to_vec());
        let shape = Layer::<A>::output_shape(self, x.shape());
        x.to_shape(IxDyn(&shape))
            .expect("same number of elements")
            .into_owned()
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let input = self
            .input
            .as_ref()
            .expect("Flatten::backward called before forward");
        grad_y
            .to_shape(IxDyn(input))
            .unwrap_or_else(|_| {
                panic!(
                    "Flatten::backward: ∂L/∂y of shape {:?} does not fit {input:?}",
                    grad_y.shape()
                )
            })
            .into_owned()
    }

    fn output_shape(&self, input: &[usize]) -> Vec<usize> {
        assert!(!input.is_empty(), "Flatten needs a batch axis");
        vec![input[0], input[1..].iter().product()]
    }

    fn describe(&self) -> String {
        "Flatten".into()
    }
}

/// A dense (fully connected) layer: y = x Wᵀ + b, every output connected to every input.
///
/// Backward: ∂L/∂W = (∂L/∂y)ᵀ x, ∂L/∂b = Σ over the batch of ∂L/∂y, ∂L/∂x = (∂L/∂y) W.
///
/// # Shapes
///
/// Input `[n, in]`, weight `[out, in]`, bias `[out]`, output `[n, out]`.
#[derive(Debug, Clone)]
pub struct Linear<A = f32> {
    /// `[out, in]`: row o holds the weights of output o.
    pub weight: Array2<A>,
    /// `[out]`.
    pub bias: Array1<A>,
    /// ∂L/∂weight, accumulated.
    pub grad_weight: Array2<A>,
    /// ∂L/∂bias, accumulated.
    pub grad_bias: Array1<A>,
    input: Option<Array2<A>>,
}

impl<A: Real> Linear<A> {
    /// A layer with He-initialised weights (fan-in `in_features`) and zero biases.
    pub fn new(in_features: usize, out_features: usize, rng: &mut impl Rng) -> Self {
        let weight = he_normal(&[out_features, in_features], in_features, rng)
            .into_dimensionality::<Ix2>()
            .expect("two axes");
        Self::from_parts(weight, Array1::zeros(out_features))
    }

    /// A layer with the given weights and biases.
    ///
    /// # Panics
    ///
    /// If the bias does not have one element per output.
    pub fn from_parts(weight: Array2<A>, bias: Array1<A>) -> Self {
        assert_eq!(
            weight.nrows(),
            bias.len(),
            "Linear: {} outputs but {} biases",
            weight.nrows(),
            bias.len()
        );
        Linear {
            grad_weight: Array2::zeros(weight.raw_dim()),
            grad_bias: Array1::zeros(bias.raw_dim()),
            weight,
            bias,
            input: None,
        }
    }
}

impl<A: Real> Layer<A> for Linear<A> {
    fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        Layer::<A>::output_shape(self, x.shape());
        let x = x
            .into_dimensionality::<Ix2>()
            .expect("checked by output_shape");
        let y = x.dot(&self.weight.t()) + &self.bias;
        self.input = Some(x.to_owned());
        y.into_dyn()
    }

    fn backward(&mut self, grad_y: ArrayViewD<A>) -> ArrayD<A> {
        let x = self
            .input
            .as_ref()
            .expect("Linear::backward called before forward");
        let dy = grad_y
            .into_dimensionality::<Ix2>()
            .expect("Linear::backward: ∂L/∂y must be [n, out]");
        assert_eq!(
            dy.dim(),
            (x.nrows(), self.weight.nrows()),
            "Linear::backward: ∂L/∂y has the wrong shape"
        );
        self.grad_weight += &dy.t().dot(x);
        self.grad_bias += &dy.sum_axis(Axis(0));
        dy.dot(&self.weight).into_dyn()
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
        let (out, inp) = self.weight.dim();
        match *input {
            [n, i] if i == inp => vec![n, out],
            _ => panic!("Linear expects an input of shape [n, {inp}], got {input:?}"),
        }
    }

    fn describe(&self) -> String {
        let (out, inp) = self.weight.dim();
        format!("Linear({inp} → {out})")
    }
}
