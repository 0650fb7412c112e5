//! Classic image filters as cross-correlations: box blur, Gaussian blur, sharpen, Sobel
//! edges. Pictures go in and out through the `image` crate, as grey levels in [0, 1].

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma};
use ndarray::{Array2, ArrayView2, Zip, array};

use super::matrix::conv2d_im2col;
use super::{ConvSpec, Padding, as_nchw, only_image};

/// Side of the test picture the crate draws for itself.
pub const PICTURE_SIZE: u32 = 256;
/// Pictures a reader brings are shrunk to at most this many pixels on their longer side:
/// im2col holds one copy of the picture per kernel weight, 49 for the Gaussian.
pub const MAX_SIDE: u32 = 800;
/// Side of the Gaussian kernel.
pub const GAUSSIAN_SIZE: usize = 7;
/// Standard deviation of the Gaussian kernel, in pixels.
pub const GAUSSIAN_SIGMA: f64 = 1.5;
/// Side of the box-blur kernel.
pub const BOX_SIZE: usize = 5;

/// One of the filters of the chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// The mean of a [`BOX_SIZE`]² neighbourhood.
    BoxBlur,
    /// A weighted mean with Gaussian weights ([`GAUSSIAN_SIZE`], [`GAUSSIAN_SIGMA`]).
    GaussianBlur,
    /// The pixel, plus its difference from its four neighbours.
    Sharpen,
    /// The horizontal derivative: bright where the picture gets brighter to the right.
    SobelX,
    /// The vertical derivative: bright where the picture gets brighter downwards.
    SobelY,
    /// The length of the gradient, √(Sobel x² + Sobel y²): bright on every edge.
    EdgeMagnitude,
}

impl Filter {
    /// Every filter, in the order the chapter shows them.
    pub const ALL: [Filter; 6] = [
        Filter::BoxBlur,
        Filter::GaussianBlur,
        Filter::Sharpen,
        Filter::SobelX,
        Filter::SobelY,
        Filter::EdgeMagnitude,
    ];

    /// A short name for file names: `box-blur`, `sobel-x`, …
    pub fn name(self) -> &'static str {
        match self {
            Filter::BoxBlur => "box-blur",
            Filter::GaussianBlur => "gaussian-blur",
            Filter::Sharpen => "sharpen",
            Filter::SobelX => "sobel-x",
            Filter::SobelY => "sobel-y",
            Filter::EdgeMagnitude => "edges",
        }
    }

    /// Runs the filter on a grey picture with [`Padding::Same`] (the output keeps the size
    /// of the input; zeros are assumed outside, so blurs darken the border a little).
    /// Blurs and sharpen return grey levels; the Sobel filters return signed derivatives,
    /// the edge magnitude non-negative ones.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::conv::filters::Filter;
    /// use ndarray::Array2;
    /// // A vertical step from 0 to 1: Sobel x fires on it, Sobel y does not.
    /// let step = Array2::from_shape_fn((5, 6), |(_, j)| if j >= 3 { 1.0 } else { 0.0 });
    /// let gx = Filter::SobelX.apply(step.view());
    /// let gy = Filter::SobelY.apply(step.view());
    /// assert_eq!(gx[[2, 2]], 4.0);
    /// assert_eq!(gy[[2, 2]], 0.0);
    /// ```
    pub fn apply(self, picture: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Filter::BoxBlur => same_size(picture, box_kernel(BOX_SIZE).view()),
            Filter::GaussianBlur => same_size(
                picture,
                gaussian_kernel(GAUSSIAN_SIZE, GAUSSIAN_SIGMA).view(),
            ),
            Filter::Sharpen => same_size(picture, sharpen_kernel().view()),
            Filter::SobelX => same_size(picture, sobel_x().view()),
            Filter::SobelY => same_size(picture, sobel_y().view()),
            Filter::EdgeMagnitude => {
                let gx = Filter::SobelX.apply(picture);
                let gy = Filter::SobelY.apply(picture);
                Zip::from(&gx).and(&gy).map_collect(|a, b| a.hypot(*b))
            }
        }
    }

    /// Turns the filter's output into a picture: grey levels are clamped to [0, 1];
    /// signed derivatives map 0 to mid grey and a strong magnitude ([`DISPLAY_QUANTILE`])
    /// to black or white; edge magnitudes map 0 to black and a strong one to white.
    pub fn to_picture(self, filtered: ArrayView2<f64>) -> GrayImage {
        let largest = strong_magnitude(filtered);
        let shown = match self {
            Filter::BoxBlur | Filter::GaussianBlur | Filter::Sharpen => filtered.to_owned(),
            Filter::SobelX | Filter::SobelY => filtered.mapv(|v| 0.5 + 0.5 * v / largest),
            Filter::EdgeMagnitude => filtered.mapv(|v| v / largest),
        };
        to_image(shown.view())
    }
}

/// x ⋆ w with "same" padding, computed by im2col and one matrix product: on a whole picture
/// that is much faster than the direct sums, and `tests/conv.rs` proves the two agree.
fn same_size(picture: ArrayView2<f64>, kernel: ArrayView2<f64>) -> Array2<f64> {
    let no_bias = ndarray::Array1::zeros(1);
    let same = ConvSpec::new(Padding::Same, 1);
    only_image(conv2d_im2col(
        as_nchw(picture),
        as_nchw(kernel),
        no_bias.view(),
        same,
    ))
}

/// Derivatives are shown so that this fraction of pixels stays below full black or white:
/// scaling by the single largest value would let a few border pixels dim every other edge.
pub const DISPLAY_QUANTILE: f64 = 0.995;

/// The magnitude at [`DISPLAY_QUANTILE`] of all magnitudes, at least the smallest positive.
fn strong_magnitude(values: ArrayView2<f64>) -> f64 {
    let mut magnitudes: Vec<f64> = values.iter().map(|v| v.abs()).collect();
    magnitudes.sort_by(f64::total_cmp);
    let index = ((magnitudes.len() as f64 - 1.0) * DISPLAY_QUANTILE).round() as usize;
    magnitudes
        .get(index)
        .copied()
        .unwrap_or(0.0)
        .max(f64::MIN_POSITIVE)
}

/// The box-blur kernel: `size`² equal weights summing to 1.
///
/// # Examples
///
/// ```
/// let k = descent::conv::filters::box_kernel(3);
/// assert!((k.sum() - 1.0).abs() < 1e-15 && k[[0, 0]] == k[[1, 1]]);
/// ```
pub fn box_kernel(size: usize) -> Array2<f64> {
    Array2::from_elem((size, size), 1.0 / (size * size) as f64)
}

/// The Gaussian kernel: weights ∝ exp(−(u² + v²) / 2σ²) around the centre, summing to 1.
///
/// # Examples
///
/// ```
/// let k = descent::conv::filters::gaussian_kernel(5, 1.0);
/// assert!((k.sum() - 1.0).abs() < 1e-12);
/// assert!(k[[2, 2]] > k[[2, 3]] && k[[2, 3]] > k[[2, 4]]);
/// ```
pub fn gaussian_kernel(size: usize, sigma: f64) -> Array2<f64> {
    let centre = (size as f64 - 1.0) / 2.0;
    let k = Array2::from_shape_fn((size, size), |(i, j)| {
        let (u, v) = (i as f64 - centre, j as f64 - centre);
        (-(u * u + v * v) / (2.0 * sigma * sigma)).exp()
    });
    let total = k.sum();
    k / total
}

/// The sharpen kernel [[0, −1, 0], [−1, 5, −1], [0, −1, 0]]: the identity plus a negative
/// Laplacian. It sums to 1, so flat regions are unchanged.
pub fn sharpen_kernel() -> Array2<f64> {
    array![[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]
}

/// Sobel x as a cross-correlation kernel, [[−1, 0, 1], [−2, 0, 2], [−1, 0, 1]]: a smoothed
/// difference, right minus left. (As a true convolution kernel it is the mirror image: with
/// the flip, the −1s must sit on the right.)
pub fn sobel_x() -> Array2<f64> {
    array![[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
}

/// Sobel y as a cross-correlation kernel: the transpose of [`sobel_x`], below minus above.
pub fn sobel_y() -> Array2<f64> {
    sobel_x().reversed_axes()
}

/// A grey picture as an array of levels in [0, 1], row by row.
pub fn to_array(picture: &GrayImage) -> Array2<f64> {
    let (w, h) = picture.dimensions();
    Array2::from_shape_fn((h as usize, w as usize), |(i, j)| {
        f64::from(picture.get_pixel(j as u32, i as u32)[0]) / 255.0
    })
}

/// An array of levels (clamped to [0, 1]) as a grey picture.
pub fn to_image(levels: ArrayView2<f64>) -> GrayImage {
    let (h, w) = levels.dim();
    GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let v = levels[[y as usize, x as usize]].clamp(0.0, 1.0);
        Luma([(v * 255.0).round() as u8])
    })
}

/// The test picture the crate draws for itself, so that no photograph has to be shipped:
/// a disc, a tilted square, a set of stripes that get finer and a smooth shading, on a
/// mid-grey ground. Every pixel is a function of its coordinates.
///
/// # Examples
///
/// ```
/// let p = descent::conv::filters::test_picture();
/// assert_eq!(p.dimensions(), (256, 256));
/// assert_eq!(p, descent::conv::filters::test_picture()); // no randomness
/// ```
pub fn test_picture() -> GrayImage {
    let size = f64::from(PICTURE_SIZE);
    GrayImage::from_fn(PICTURE_SIZE, PICTURE_SIZE, |px, py| {
        let (u, v) = (f64::from(px) / size, f64::from(py) / size);
        let level = picture_level(u, v);
        Luma([(level.clamp(0.0, 1.0) * 255.0).round() as u8])
    })
}

/// The grey level of the test picture at (u, v) ∈ [0, 1)².
fn picture_level(u: f64, v: f64) -> f64 {
    let disc = (u - 0.3).hypot(v - 0.3) < 0.18;
    // A square of side 0.3 rotated by 30°, centred at (0.72, 0.3).
    let (du, dv) = (u - 0.72, v - 0.3);
    let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
    let square = (c * du + s * dv).abs() < 0.15 && (-s * du + c * dv).abs() < 0.15;
    // Vertical stripes whose period shrinks from left to right, in the bottom half.
    let stripes = v > 0.6 && v < 0.92 && (40.0 * u * u).sin() > 0.0;
    if disc {
        0.95
    } else if square {
        0.1
    } else if stripes {
        0.85 - 0.6 * u
    } else {
        0.35 + 0.3 * v
    }
}

/// Why a picture could not be filtered.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file could not be opened or decoded.
    #[error("cannot read the picture {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: image::ImageError,
    },
    /// The picture is too small for the largest kernel.
    #[error(
        "the picture {path} is {width}×{height} pixels; the filters need at least {needed}×{needed}"
    )]
    TooSmall {
        /// The file.
        path: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
        /// The smallest side that works.
        needed: usize,
    },
    /// A filtered picture could not be written.
    #[error("cannot write the picture {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: image::ImageError,
    },
    /// The output folder could not be created.
    #[error("cannot create the folder {path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Reads any JPEG or PNG file as a grey picture.
///
/// # Errors
///
/// [`PictureError::Read`] naming the file when it is missing or cannot be decoded, and
/// [`PictureError::TooSmall`] when it is smaller than the largest kernel.
pub fn read_picture(path: &Path) -> Result<GrayImage, PictureError> {
    let picture = image::open(path)
        .map_err(|source| PictureError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .into_luma8();
    let needed = GAUSSIAN_SIZE.max(BOX_SIZE);
    let (width, height) = picture.dimensions();
    if (width as usize) < needed || (height as usize) < needed {
        return Err(PictureError::TooSmall {
            path: path.to_path_buf(),
            width,
            height,
            needed,
        });
    }
    Ok(picture)
}

/// Shrinks a picture so that its longer side is at most [`MAX_SIDE`], keeping its aspect
/// ratio; returns it unchanged when it is small enough.
///
/// # Examples
///
/// ```
/// use descent::conv::filters::{fit_picture, MAX_SIDE};
/// let big = image::GrayImage::new(2 * MAX_SIDE, MAX_SIDE);
/// assert_eq!(fit_picture(big).dimensions(), (MAX_SIDE, MAX_SIDE / 2));
/// ```
pub fn fit_picture(picture: GrayImage) -> GrayImage {
    let (width, height) = picture.dimensions();
    let longer = width.max(height);
    if longer <= MAX_SIDE {
        return picture;
    }
    let scale =
        |side: u32| ((u64::from(side) * u64::from(MAX_SIDE)) / u64::from(longer)).max(1) as u32;
    image::imageops::resize(
        &picture,
        scale(width),
        scale(height),
        image::imageops::FilterType::Triangle,
    )
}

/// Runs every filter on a picture and writes `<stem>-<filter>.png` files (plus the grey
/// original) into `folder`. Returns the files written.
///
/// # Errors
///
/// When the folder cannot be created or a file cannot be written; the error names it.
pub fn filter_into(
    picture: &GrayImage,
    stem: &str,
    folder: &Path,
) -> Result<Vec<PathBuf>, PictureError> {
    std::fs::create_dir_all(folder).map_err(|source| PictureError::Folder {
        path: folder.to_path_buf(),
        source,
    })?;
    let levels = to_array(picture);
    let original = folder.join(format!("{stem}-grey.png"));
    save(picture, &original)?;
    let mut written = vec![original];
    for filter in Filter::ALL {
        let path = folder.join(format!("{stem}-{}.png", filter.name()));
        save(
            &filter.to_picture(filter.apply(levels.view()).view()),
            &path,
        )?;
        written.push(path);
    }
    Ok(written)
}

/// Writes a grey picture as PNG.
///
/// # Errors
///
/// [`PictureError::Write`] naming the file.
pub fn save(picture: &GrayImage, path: &Path) -> Result<(), PictureError> {
    picture
        .save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| PictureError::Write {
            path: path.to_path_buf(),
            source,
        })
}
