//! A stack of layers applied one after another.

use ndarray::{ArrayD, ArrayViewD, Ix2};
use rand::Rng;

use super::loss::predictions;
use super::{
    Conv2d, Flatten, Layer, Linear, MaxPool2d, Param, Real, Relu, Sgd, softmax_cross_entropy,
};

/// Layers applied in order: forward from the first to the last, backward from the last to the
/// first, each layer's ∂L/∂x becoming the ∂L/∂y of the layer before it. That is the chain rule
/// of chapter 3, one layer at a time.
pub struct Sequential<A: Real = f32> {
    /// The layers, input side first.
    pub layers: Vec<Box<dyn Layer<A>>>,
}

impl<A: Real> Sequential<A> {
    /// A model made of these layers.
    pub fn new(layers: Vec<Box<dyn Layer<A>>>) -> Self {
        Sequential { layers }
    }

    /// The output of the last layer, each layer remembering what its backward needs.
    pub fn forward(&mut self, x: ArrayViewD<A>) -> ArrayD<A> {
        let mut layers = self.layers.iter_mut();
        let first = match layers.next() {
            Some(layer) => layer.forward(x),
            None => return x.to_owned(),
        };
        layers.fold(first, |h, layer| layer.forward(h.view()))
    }

    /// Every activation on the way: the input of each layer, then the final output.
    pub fn activations(&mut self, x: ArrayViewD<A>) -> Vec<ArrayD<A>> {
        let mut out = vec![x.to_owned()];
        for layer in &mut self.layers {
            let next = layer.forward(out.last().expect("never empty").view());
            out.push(next);
        }
        out
    }

    /// Backpropagates ∂L/∂output through every layer; returns ∂L/∂input.
    pub fn backward(&mut self, grad_output: ArrayViewD<A>) -> ArrayD<A> {
        let mut layers = self.layers.iter_mut().rev();
        let last = match layers.next() {
            Some(layer) => layer.backward(grad_output),
            None => return grad_output.to_owned(),
        };
        layers.fold(last, |g, layer| layer.backward(g.view()))
    }

    /// Every parameter of every layer, input side first.
    pub fn params(&mut self) -> Vec<Param<'_, A>> {
        self.layers.iter_mut().flat_map(|l| l.params()).collect()
    }

    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        self.layers.iter_mut().for_each(|l| l.zero_grad());
    }

    /// The number of learnable numbers.
    pub fn parameter_count(&mut self) -> usize {
        self.layers.iter_mut().map(|l| l.parameter_count()).sum()
    }

    /// One line per layer: its description, output shape and parameter count, for an input of
    /// shape `input`.
    pub fn summary(&mut self, input: &[usize]) -> Vec<String> {
        let mut shape = input.to_vec();
        self.layers
            .iter_mut()
            .map(|l| {
                shape = l.output_shape(&shape);
                format!(
                    "{:<44} {:<18} {:>9}",
                    l.describe(),
                    format!("{shape:?}"),
                    l.parameter_count()
                )
            })
            .collect()
    }
}

/// What one training step measured on its mini-batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// The mean cross-entropy before the update.
    pub loss: f64,
    /// How many examples were classified right before the update.
    pub correct: usize,
}

impl<A: Real> Sequential<A> {
    /// One step of mini-batch SGD on softmax cross-entropy: zero the gradients, forward,
    /// loss, backward, update.
    ///
    /// # Panics
    ///
    /// If the model's output is not `[n, classes]` for n = `labels.len()`.
    pub fn train_step(
        &mut self,
        sgd: &mut Sgd<A>,
        x: ArrayViewD<A>,
        labels: &[usize],
    ) -> StepReport {
        self.zero_grad();
        let logits = self
            .forward(x)
            .into_dimensionality::<Ix2>()
            .expect("the model ends in a [n, classes] layer");
        let (loss, grad) = softmax_cross_entropy(logits.view(), labels);
        let correct = predictions(logits.view())
            .iter()
            .zip(labels)
            .filter(|(p, y)| p == y)
            .count();
        self.backward(grad.into_dyn().view());
        sgd.step(self.params());
        StepReport { loss, correct }
    }
}

/// The network of chapter 5 for square RGB images of side `image_size` (a multiple of 8):
/// three blocks of 3 × 3 convolution (padding 1), ReLU and 2 × 2 max-pooling, with 16, 32
/// and 64 channels, then one dense layer to the classes.
///
/// Each block halves the image and doubles the channels, so the deeper layers see larger
/// regions of the picture with more kinds of feature.
///
/// # Panics
///
/// If `image_size` is not a positive multiple of 8.
///
/// # Examples
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let mut model = descent::cnn::model::chapter_network(6, 64, &mut rng);
/// // 448 + 4,640 + 18,496 conv parameters, then 4,096 · 6 + 6 in the dense layer.
/// assert_eq!(model.parameter_count(), 448 + 4_640 + 18_496 + 24_582);
/// ```
pub fn chapter_network(classes: usize, image_size: usize, rng: &mut impl Rng) -> Sequential<f32> {
    assert!(
        image_size > 0 && image_size.is_multiple_of(8),
        "the chapter's network takes images whose side is a multiple of 8, got {image_size}"
    );
    let mut layers: Vec<Box<dyn Layer<f32>>> = Vec::new();
    let mut channels = 3;
    for width in CHANNELS {
        layers.push(Box::new(Conv2d::new(channels, width, 3, 1, 1, rng)));
        layers.push(Box::new(Relu::default()));
        layers.push(Box::new(MaxPool2d::new(2, 2)));
        channels = width;
    }
    let side = image_size / 8;
    layers.push(Box::new(Flatten::default()));
    layers.push(Box::new(Linear::new(channels * side * side, classes, rng)));
    Sequential::new(layers)
}

/// The channels of the chapter network's three convolution blocks.
pub const CHANNELS: [usize; 3] = [16, 32, 64];
