//! ImageNet-style image folders: reading one, and writing a synthetic one.
//!
//! An ImageNet-style data set is a folder tree
//!
//! ```text
//! root/train/<class>/<image>.{jpg,jpeg,png}
//! root/val/<class>/<image>.{jpg,jpeg,png}
//! ```
//!
//! Class names are sorted alphabetically into label ids 0, 1, 2, …; both splits must have the
//! same classes. [`ImageFolder`] reads such a tree, [`Preprocess`] turns each picture into a
//! normalised `[3, size, size]` tensor, [`Decoded`] keeps a
//! split decoded in memory and cuts it into mini-batches, and [`synthetic`] writes a small data set of this
//! shape, so the book can train without downloading anything.
//!
//! # Bad input
//!
//! Every problem is an error that names the file or folder: a path that does not exist, a
//! missing split, a split without class folders, an empty class folder, a file that is not a
//! JPEG or PNG, an image that does not decode (corrupt or truncated). **A bad file stops the
//! run**: a training set with a broken file is worth fixing, not silently shrinking. The one
//! exception is hidden files (names starting with `.`, such as `.DS_Store`), which are not
//! data; they are skipped and counted in [`ImageFolder::hidden_files`].
//!
//! Any colour type decodes: grayscale, grey + alpha, RGBA and 16-bit images are all converted
//! to 8-bit RGB (alpha is dropped).

mod folder;
mod memory;
pub mod preprocess;
pub mod synthetic;

use std::path::PathBuf;

pub use folder::{ImageFolder, Sample, Split, batches, decode_rgb};
pub use memory::Decoded;
pub use preprocess::{IMAGENET_MEAN, IMAGENET_STD, Preprocess};

/// Why a data set could not be read or written. Every variant names the path at fault.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The path does not exist.
    #[error("{path}: no such file or folder")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// A folder was expected.
    #[error("{path}: not a folder")]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// The data set has no folder for this split.
    #[error(
        "{root}: no `{split}` folder; an ImageNet-style data set holds {split}/<class>/<image> files"
    )]
    MissingSplit {
        /// The data set's root.
        root: PathBuf,
        /// `train` or `val`.
        split: &'static str,
    },
    /// A split folder holds no class folders.
    #[error("{path}: no class folders (expected {path}/<class>/<image>)")]
    NoClasses {
        /// The split folder.
        path: PathBuf,
    },
    /// A class folder holds no images.
    #[error("{path}: class folder holds no images")]
    EmptyClass {
        /// The class folder.
        path: PathBuf,
    },
    /// A file inside a class folder is not a JPEG or PNG (by its extension), or a file sits
    /// where a class folder should be.
    #[error("{path}: not a .jpg, .jpeg or .png image")]
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
    /// The train and val splits disagree on the classes.
    #[error("{root}: the classes of train ({train:?}) and val ({val:?}) differ")]
    ClassMismatch {
        /// The data set's root.
        root: PathBuf,
        /// Classes found in train.
        train: Vec<String>,
        /// Classes found in val.
        val: Vec<String>,
    },
    /// An image file does not decode: corrupt, truncated, or not really the format its name says.
    #[error("{path}: cannot decode image: {source}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        source: image::ImageError,
    },
    /// A JPEG file stops before its end-of-image marker: it was cut off while being written or
    /// copied.
    #[error("{path}: truncated JPEG (no end-of-image marker)")]
    Truncated {
        /// The file.
        path: PathBuf,
    },
    /// An image could not be encoded or written.
    #[error("{path}: cannot write image: {source}")]
    Encode {
        /// The file.
        path: PathBuf,
        /// What the encoder said.
        source: image::ImageError,
    },
    /// The folder to write a synthetic data set into already holds something else.
    #[error("{path}: refusing to write a synthetic data set into a folder that holds other files")]
    NotOurs {
        /// The folder.
        path: PathBuf,
    },
    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
}

/// Attaches a path to an I/O error.
pub(crate) fn io_error(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> DataError {
    let path = path.into();
    move |source| DataError::Io { path, source }
}
