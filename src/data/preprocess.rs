//! From a decoded picture to a normalised tensor, the way ImageNet models expect it.

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use ndarray::{Array3, ArrayView3};
use rand::Rng;

/// The conventional per-channel mean of ImageNet's RGB values in [0, 1].
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// The conventional per-channel standard deviation of ImageNet's RGB values in [0, 1].
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// How pictures become tensors: resize the shorter side to `resize`, crop a `size` × `size`
/// square (the centre for evaluation, a random one flipped at random for training), then
/// normalise each channel with [`IMAGENET_MEAN`] and [`IMAGENET_STD`].
///
/// # Examples
///
/// ```
/// use descent::data::Preprocess;
/// // ImageNet's classic recipe: shorter side to 256, crop 224.
/// assert_eq!(Preprocess::new(224).resize, 256);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preprocess {
    /// Side of the square tensor.
    pub size: u32,
    /// Length the shorter side is resized to before cropping; at least `size`.
    pub resize: u32,
}

impl Preprocess {
    /// The ImageNet ratio: the shorter side resized to 8/7 of the crop (256 for 224).
    ///
    /// # Panics
    ///
    /// If `size` is 0.
    pub fn new(size: u32) -> Preprocess {
        assert!(size > 0, "the crop size must be positive");
        Preprocess {
            size,
            resize: (size * 8).div_ceil(7),
        }
    }

    /// Resizes so that the shorter side is `resize`, keeping the aspect ratio. A picture that
    /// already has that size is returned as it is, so [`Preprocess::eval`] and
    /// [`Preprocess::train`] cost no resize on a picture kept at this size (as
    /// [`super::Decoded`] keeps them).
    pub fn fit(&self, image: &RgbImage) -> RgbImage {
        let (w, h) = image.dimensions();
        let scale = self.resize as f64 / w.min(h) as f64;
        let (nw, nh) = (
            ((w as f64 * scale).round() as u32).max(self.resize),
            ((h as f64 * scale).round() as u32).max(self.resize),
        );
        if (nw, nh) == (w, h) {
            image.clone()
        } else {
            imageops::resize(image, nw, nh, FilterType::Triangle)
        }
    }

    /// The evaluation transform: resize, centre crop, normalise. Output `[3, size, size]`.
    pub fn eval(&self, image: &RgbImage) -> Array3<f32> {
        let resized = self.fit(image);
        let (w, h) = resized.dimensions();
        let crop = imageops::crop_imm(
            &resized,
            (w - self.size) / 2,
            (h - self.size) / 2,
            self.size,
            self.size,
        );
        to_tensor(&crop.to_image())
    }

    /// The training transform: resize, random crop, random horizontal flip, normalise.
    pub fn train(&self, image: &RgbImage, rng: &mut impl Rng) -> Array3<f32> {
        let resized = self.fit(image);
        let (w, h) = resized.dimensions();
        let x = rng.random_range(0..=w - self.size);
        let y = rng.random_range(0..=h - self.size);
        let mut crop = imageops::crop_imm(&resized, x, y, self.size, self.size).to_image();
        if rng.random_bool(0.5) {
            imageops::flip_horizontal_in_place(&mut crop);
        }
        to_tensor(&crop)
    }
}

/// An RGB picture as a normalised `[3, h, w]` tensor: (v / 255 − mean) / std per channel.
///
/// # Examples
///
/// ```
/// use descent::data::{preprocess::to_tensor, IMAGENET_MEAN, IMAGENET_STD};
/// let grey = image::RgbImage::from_pixel(2, 2, image::Rgb([255, 255, 255]));
/// let t = to_tensor(&grey);
/// assert_eq!(t.shape(), &[3, 2, 2]);
/// assert!((t[[0, 1, 1]] - (1.0 - IMAGENET_MEAN[0]) / IMAGENET_STD[0]).abs() < 1e-6);
/// ```
pub fn to_tensor(image: &RgbImage) -> Array3<f32> {
    let (w, h) = image.dimensions();
    Array3::from_shape_fn((3, h as usize, w as usize), |(c, y, x)| {
        let value = image.get_pixel(x as u32, y as u32)[c] as f32 / 255.0;
        (value - IMAGENET_MEAN[c]) / IMAGENET_STD[c]
    })
}

/// The inverse of [`to_tensor`], clamped to [0, 255]: for drawing tensors as pictures.
///
/// # Panics
///
/// If the tensor does not have 3 channels.
pub fn to_image(tensor: ArrayView3<f32>) -> RgbImage {
    let [channels, h, w] = [tensor.dim().0, tensor.dim().1, tensor.dim().2];
    assert_eq!(channels, 3, "an RGB tensor has 3 channels, got {channels}");
    RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let value = |c: usize| {
            let v = tensor[[c, y as usize, x as usize]] * IMAGENET_STD[c] + IMAGENET_MEAN[c];
            (v * 255.0).round().clamp(0.0, 255.0) as u8
        };
        Rgb([value(0), value(1), value(2)])
    })
}
