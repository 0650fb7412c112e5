//! Reading an ImageNet-style folder tree.

use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::{DataError, io_error};

/// The two splits of an ImageNet-style data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// `train/`: the images to learn from.
    Train,
    /// `val/`: the images to measure on.
    Val,
}

impl Split {
    /// The folder name of the split.
    pub fn folder(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
        }
    }
}

/// One image of a split: its file and its label id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The image file.
    pub path: PathBuf,
    /// Index into [`ImageFolder::classes`].
    pub label: usize,
}

/// One split of an ImageNet-style data set: its classes and its image files.
#[derive(Debug, Clone)]
pub struct ImageFolder {
    /// Class names, sorted; a class's label id is its index here.
    pub classes: Vec<String>,
    /// Every image, class by class, files sorted by name within a class.
    pub samples: Vec<Sample>,
    /// Hidden files (names starting with `.`) that were skipped.
    pub hidden_files: usize,
}

/// Is this directory entry hidden (`.DS_Store`, `.gitkeep`, …)?
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"))
}

/// The entries of a folder, sorted by name, hidden ones split off and counted.
fn sorted_entries(folder: &Path) -> Result<(Vec<PathBuf>, usize), DataError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(io_error(folder))? {
        entries.push(entry.map_err(io_error(folder))?.path());
    }
    entries.sort();
    let before = entries.len();
    entries.retain(|p| !is_hidden(p));
    Ok((entries.clone(), before - entries.len()))
}

fn require_folder(path: &Path) -> Result<(), DataError> {
    if !path.exists() {
        Err(DataError::Missing {
            path: path.to_path_buf(),
        })
    } else if !path.is_dir() {
        Err(DataError::NotAFolder {
            path: path.to_path_buf(),
        })
    } else {
        Ok(())
    }
}

impl ImageFolder {
    /// Lists one split of the data set at `root`. Does not decode any image yet.
    ///
    /// # Errors
    ///
    /// A missing root or split, a split without class folders, a stray file among the class
    /// folders, an empty class folder, or a file that is not a JPEG or PNG.
    pub fn open(root: &Path, split: Split) -> Result<ImageFolder, DataError> {
        require_folder(root)?;
        let split_dir = root.join(split.folder());
        if !split_dir.exists() {
            return Err(DataError::MissingSplit {
                root: root.to_path_buf(),
                split: split.folder(),
            });
        }
        require_folder(&split_dir)?;
        let (class_dirs, mut hidden_files) = sorted_entries(&split_dir)?;
        if class_dirs.is_empty() {
            return Err(DataError::NoClasses { path: split_dir });
        }
        let mut classes = Vec::new();
        let mut samples = Vec::new();
        for class_dir in class_dirs {
            if !class_dir.is_dir() {
                return Err(DataError::NotAnImage { path: class_dir });
            }
            let label = classes.len();
            let (files, hidden) = sorted_entries(&class_dir)?;
            hidden_files += hidden;
            if files.is_empty() {
                return Err(DataError::EmptyClass { path: class_dir });
            }
            for path in files {
                if !path.is_file() || !has_image_extension(&path) {
                    return Err(DataError::NotAnImage { path });
                }
                samples.push(Sample { path, label });
            }
            let name = class_dir
                .file_name()
                .expect("a listed entry has a name")
                .to_string_lossy()
                .into_owned();
            classes.push(name);
        }
        Ok(ImageFolder {
            classes,
            samples,
            hidden_files,
        })
    }

    /// Opens both splits and checks that they have the same classes.
    ///
    /// # Errors
    ///
    /// Anything [`ImageFolder::open`] reports for either split, or
    /// [`DataError::ClassMismatch`].
    pub fn open_both(root: &Path) -> Result<(ImageFolder, ImageFolder), DataError> {
        let train = ImageFolder::open(root, Split::Train)?;
        let val = ImageFolder::open(root, Split::Val)?;
        if train.classes != val.classes {
            return Err(DataError::ClassMismatch {
                root: root.to_path_buf(),
                train: train.classes,
                val: val.classes,
            });
        }
        Ok((train, val))
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when the split holds no image (never, for a folder that opened).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Indices of the samples in mini-batches of `batch_size`, shuffled with `seed` (or in
    /// order with `None`); see [`batches`].
    ///
    /// # Panics
    ///
    /// If `batch_size` is 0.
    pub fn batches(&self, batch_size: usize, seed: Option<u64>) -> Vec<Vec<usize>> {
        batches(self.len(), batch_size, seed)
    }
}

/// The indices 0..`len` in mini-batches of `batch_size`, shuffled with `seed` (or in order with
/// `None`). The last batch may be smaller; no index is dropped.
///
/// # Panics
///
/// If `batch_size` is 0.
///
/// # Examples
///
/// ```
/// let b = descent::data::batches(5, 2, None);
/// assert_eq!(b, [vec![0, 1], vec![2, 3], vec![4]]);
/// ```
pub fn batches(len: usize, batch_size: usize, seed: Option<u64>) -> Vec<Vec<usize>> {
    assert!(batch_size > 0, "batch size must be positive");
    let mut order: Vec<usize> = (0..len).collect();
    if let Some(seed) = seed {
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    }
    order.chunks(batch_size).map(<[usize]>::to_vec).collect()
}

/// How far from its end a complete JPEG file must hold its end-of-image marker (FF D9).
/// Some cameras append a little data after it; a truncated file has none at all.
const JPEG_END_WINDOW: usize = 1024;

/// Does this JPEG file end with an end-of-image marker (within [`JPEG_END_WINDOW`] bytes)?
///
/// The JPEG decoder fills a truncated image with grey instead of failing, so a cut-off file
/// would otherwise train silently on a half-grey picture.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(JPEG_END_WINDOW)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// Decodes an image file of any colour type into 8-bit RGB.
///
/// # Errors
///
/// [`DataError::Missing`] or [`DataError::Io`] when the file cannot be read,
/// [`DataError::Truncated`] for a JPEG file that stops before its end marker, and
/// [`DataError::Decode`] when its content is not a valid image (corrupt, truncated, or in
/// another format than its name says).
pub fn decode_rgb(path: &Path) -> Result<RgbImage, DataError> {
    if !path.exists() {
        return Err(DataError::Missing {
            path: path.to_path_buf(),
        });
    }
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let decode_error = |source| DataError::Decode {
        path: path.to_path_buf(),
        source,
    };
    let format = image::guess_format(&bytes).map_err(decode_error)?;
    if format == ImageFormat::Jpeg && !jpeg_is_complete(&bytes) {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
        });
    }
    let decoded = image::load_from_memory_with_format(&bytes, format).map_err(decode_error)?;
    Ok(decoded.to_rgb8())
}
