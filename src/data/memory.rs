//! A split decoded once and kept in memory, ready to be cut into mini-batches.

use image::RgbImage;
use ndarray::{Array3, Array4, ArrayView3, Axis};
use rand::Rng;
use rayon::prelude::*;

use super::folder::{ImageFolder, decode_rgb};
use super::{DataError, Preprocess};

/// Every picture of one split, decoded once and resized so that its shorter side is the
/// preprocessing's `resize` (see [`Preprocess::fit`]).
///
/// Decoding a JPEG costs more than a training step spends on it, so decoding every file again
/// each epoch would make the loader, not the network, the bottleneck. Kept at the resized
/// size, a split of 10,000 pictures for 64 × 64 crops takes about 160 MB; each epoch then
/// only crops, flips and normalises.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Class names, sorted; a class's label id is its index here.
    pub classes: Vec<String>,
    /// The pictures, resized, in the folder's order.
    pub images: Vec<RgbImage>,
    /// The label id of each picture.
    pub labels: Vec<usize>,
    /// How the pictures were resized and how batches are cropped and normalised.
    pub preprocess: Preprocess,
}

impl Decoded {
    /// Decodes every picture of `folder` (in parallel), calling `progress` after each.
    ///
    /// # Errors
    ///
    /// The first file, in the folder's order, that cannot be read or decoded, naming it. A bad
    /// file stops the load: nothing is skipped.
    pub fn load(
        folder: &ImageFolder,
        preprocess: Preprocess,
        progress: impl Fn() + Sync,
    ) -> Result<Decoded, DataError> {
        let decoded: Vec<Result<RgbImage, DataError>> = folder
            .samples
            .par_iter()
            .map(|sample| {
                let image = decode_rgb(&sample.path).map(|image| preprocess.fit(&image));
                progress();
                image
            })
            .collect();
        Ok(Decoded {
            classes: folder.classes.clone(),
            images: decoded.into_iter().collect::<Result<_, _>>()?,
            labels: folder.samples.iter().map(|s| s.label).collect(),
            preprocess,
        })
    }

    /// Number of pictures.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// True when there is no picture.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Indices of the pictures in mini-batches, shuffled with `seed`; see [`super::batches`].
    pub fn batches(&self, batch_size: usize, seed: Option<u64>) -> Vec<Vec<usize>> {
        super::batches(self.len(), batch_size, seed)
    }

    /// The mini-batch of the pictures at `indices`: `[n, 3, size, size]` and the labels. With
    /// an `rng` the training transform is used (random crop, random flip), without one the
    /// evaluation transform (centre crop).
    ///
    /// # Panics
    ///
    /// If an index is out of range.
    pub fn batch(
        &self,
        indices: &[usize],
        mut rng: Option<&mut impl Rng>,
    ) -> (Array4<f32>, Vec<usize>) {
        let tensors: Vec<Array3<f32>> = indices
            .iter()
            .map(|&i| match rng.as_deref_mut() {
                Some(rng) => self.preprocess.train(&self.images[i], rng),
                None => self.preprocess.eval(&self.images[i]),
            })
            .collect();
        let views: Vec<ArrayView3<f32>> = tensors.iter().map(|t| t.view()).collect();
        let batch = ndarray::stack(Axis(0), &views).expect("every tensor has the same shape");
        (batch, indices.iter().map(|&i| self.labels[i]).collect())
    }
}
