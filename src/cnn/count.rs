//! Counting what a layer costs: the parameters of a dense, a locally connected and a
//! convolutional layer on an image, the output size of a convolution, and the receptive field
//! of a stack of layers.
//!
//! These are plain arithmetic on shapes, no arrays: they answer "how big would it be" for
//! layers far too large to build, such as a dense layer on a 224 × 224 photo.

use crate::conv::output_len;

/// The shape of one image: channels, height and width (one example of an NCHW batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageShape {
    /// C, e.g. 3 for RGB.
    pub channels: usize,
    /// H, in pixels.
    pub height: usize,
    /// W, in pixels.
    pub width: usize,
}

impl ImageShape {
    /// A square image of `side × side` pixels with `channels` channels.
    pub const fn square(channels: usize, side: usize) -> Self {
        ImageShape {
            channels,
            height: side,
            width: side,
        }
    }

    /// C · H · W: how many numbers the image holds, which is what a dense layer sees.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::cnn::count::ImageShape;
    /// assert_eq!(ImageShape::square(3, 224).numbers(), 150_528);
    /// ```
    pub const fn numbers(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// The weights of a dense layer with `units` outputs on a flattened image: one weight per
/// (output, input number) pair, C · H · W · units.
///
/// Each unit's weight vector has the dimension of the layer below, here the whole image. That
/// is true of dense layers only; a convolution's kernel has the size of its window.
///
/// # Examples
///
/// ```
/// use descent::cnn::count::{ImageShape, dense_weights};
/// let photo = ImageShape::square(3, 224);
/// assert_eq!(dense_weights(photo, 1), 150_528);
/// assert_eq!(dense_weights(photo, 4096), 616_562_688);
/// ```
pub const fn dense_weights(input: ImageShape, units: usize) -> usize {
    input.numbers() * units
}

/// The parameters of a dense layer: its weights plus one bias per unit.
///
/// # Examples
///
/// ```
/// use descent::cnn::count::{ImageShape, dense_parameters};
/// assert_eq!(dense_parameters(ImageShape::square(3, 224), 4096), 616_566_784);
/// ```
pub const fn dense_parameters(input: ImageShape, units: usize) -> usize {
    dense_weights(input, units) + units
}

/// The settings of one square convolution layer, enough to count its parameters and size its
/// output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvShape {
    /// C_in.
    pub in_channels: usize,
    /// C_out, the number of kernels.
    pub out_channels: usize,
    /// F, the side of each kernel.
    pub kernel: usize,
    /// S.
    pub stride: usize,
    /// P zeros on every side.
    pub padding: usize,
}

impl ConvShape {
    /// AlexNet's first layer: 96 kernels of 11 × 11 × 3, stride 4, no padding (on 227 × 227
    /// images).
    pub const ALEXNET_CONV1: ConvShape = ConvShape {
        in_channels: 3,
        out_channels: 96,
        kernel: 11,
        stride: 4,
        padding: 0,
    };

    /// The weights of one kernel, F · F · C_in: the size of the window it looks at.
    pub const fn kernel_weights(&self) -> usize {
        self.kernel * self.kernel * self.in_channels
    }

    /// All the weights, F² · C_in · C_out.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::cnn::count::ConvShape;
    /// let conv = ConvShape { in_channels: 3, out_channels: 64, kernel: 3, stride: 1, padding: 1 };
    /// assert_eq!(conv.weights(), 1_728);
    /// assert_eq!(conv.parameters(), 1_792);
    /// ```
    pub const fn weights(&self) -> usize {
        self.kernel_weights() * self.out_channels
    }

    /// Weights plus one bias per output channel. It does not depend on the image size.
    pub const fn parameters(&self) -> usize {
        self.weights() + self.out_channels
    }

    /// The output side for an input side, by chapter 4's rule ⌊(W − F + 2P)/S⌋ + 1;
    /// `None` when the kernel does not fit or the stride is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::cnn::count::ConvShape;
    /// assert_eq!(ConvShape::ALEXNET_CONV1.output_side(227), Some(55)); // (227 − 11)/4 + 1
    /// assert_eq!(ConvShape::ALEXNET_CONV1.output_side(10), None);
    /// ```
    pub fn output_side(&self, input_side: usize) -> Option<usize> {
        output_len(
            input_side,
            self.kernel,
            (self.padding, self.padding),
            self.stride,
        )
        .ok()
    }

    /// The parameters of the same layer *without weight sharing* (a locally connected layer):
    /// every output position has its own C_out kernels and biases, so the count is the
    /// convolution's times the number of positions, oh · ow.
    ///
    /// # Panics
    ///
    /// If the kernel does not fit in the input; the message names both.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::cnn::count::ConvShape;
    /// // 55 · 55 positions, each with AlexNet's 34,944 parameters.
    /// assert_eq!(ConvShape::ALEXNET_CONV1.locally_connected_parameters(227), 105_705_600);
    /// ```
    pub fn locally_connected_parameters(&self, input_side: usize) -> usize {
        let side = self.output_side(input_side).unwrap_or_else(|| {
            panic!(
                "a {0}×{0} kernel with stride {1} and padding {2} does not fit an input of side {input_side}",
                self.kernel, self.stride, self.padding
            )
        });
        side * side * self.parameters()
    }

    /// The parameters of a dense layer producing the same output as this convolution
    /// (C_out · oh · ow units) from the same input (C_in · side · side numbers), biases
    /// included.
    ///
    /// # Panics
    ///
    /// If the kernel does not fit in the input.
    pub fn dense_equivalent_parameters(&self, input_side: usize) -> usize {
        let side = self.output_side(input_side).unwrap_or_else(|| {
            panic!(
                "a {0}×{0} kernel does not fit an input of side {input_side}",
                self.kernel
            )
        });
        let input = ImageShape::square(self.in_channels, input_side);
        dense_parameters(input, self.out_channels * side * side)
    }
}

/// The receptive field of one output of a stack of layers, each given as (kernel, stride):
/// the side of the input square it depends on.
///
/// Layer l widens the field by (F_l − 1) steps of its input, and one step of layer l's input
/// is J_l = S_1 · … · S_{l−1} pixels of the image (the product of the strides below it):
///
/// r = 1 + Σ_l (F_l − 1) · J_l.
///
/// A pooling layer counts as a layer with its window and stride. Padding moves the field but
/// does not change its size.
///
/// # Examples
///
/// ```
/// use descent::cnn::count::receptive_field;
/// assert_eq!(receptive_field(&[]), 1);
/// assert_eq!(receptive_field(&[(3, 1)]), 3);
/// assert_eq!(receptive_field(&[(3, 1), (3, 1)]), 5); // two 3×3 layers see 5×5
/// assert_eq!(receptive_field(&[(3, 1), (2, 2), (3, 1)]), 8); // a pooling layer in between
/// ```
pub fn receptive_field(layers: &[(usize, usize)]) -> usize {
    receptive_fields(layers).last().copied().unwrap_or(1)
}

/// The receptive field after each layer of the stack, input side first: entry l is the field
/// of one output of layer l.
///
/// # Examples
///
/// ```
/// use descent::cnn::count::receptive_fields;
/// assert_eq!(receptive_fields(&[(3, 1); 4]), vec![3, 5, 7, 9]);
/// ```
pub fn receptive_fields(layers: &[(usize, usize)]) -> Vec<usize> {
    layers
        .iter()
        .scan((1, 1), |(field, jump), &(kernel, stride)| {
            *field += kernel.saturating_sub(1) * *jump;
            *jump *= stride;
            Some(*field)
        })
        .collect()
}
