//! Saving a trained model's weights to a file and loading them back.
//!
//! The file format is [safetensors](https://huggingface.co/docs/safetensors): a small JSON
//! header naming each tensor, its shape and its element type, then the raw little-endian
//! numbers. Tensors are named as PyTorch names the parameters of an `nn.Sequential`:
//! `"<layer index>.<parameter>"`, such as `"0.weight"` for the first convolution's
//! `[c_out, c_in, kh, kw]` kernels and `"10.bias"` for the dense layer's biases. Our layouts
//! are PyTorch's too (NCHW convolution weights, `[out, in]` dense weights), so the file opens
//! in Python with `safetensors.torch.load_file`.
//!
//! The header's metadata records what is needed to rebuild the network before loading into
//! it: the class names (in label order) and the side of the images it was trained on.
//!
//! # Examples
//!
//! ```
//! use descent::cnn::model::chapter_network;
//! use descent::cnn::weights::{ModelInfo, load_chapter_network, save};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut model = chapter_network(2, 16, &mut rng);
//! let info = ModelInfo { classes: vec!["cat".into(), "dog".into()], image_size: 16 };
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("model.safetensors");
//! save(&mut model, &info, &path).unwrap();
//!
//! let (mut loaded, read) = load_chapter_network(&path).unwrap();
//! assert_eq!(read, info);
//! let x = ndarray::Array4::<f32>::ones((1, 3, 16, 16)).into_dyn();
//! assert_eq!(loaded.forward(x.view()), model.forward(x.view()));
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::Sequential;
use super::model::chapter_network;

/// What the weights alone do not say: how to rebuild the network they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// Class names in label order.
    pub classes: Vec<String>,
    /// Side of the square images the network takes.
    pub image_size: usize,
}

/// Metadata keys of the header.
const CLASSES_KEY: &str = "classes";
const IMAGE_SIZE_KEY: &str = "image_size";
/// Class names are stored joined by newlines (a class folder's name has none).
const CLASS_SEPARATOR: char = '\n';

/// Why weights could not be saved or loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        source: std::io::Error,
    },
    /// The file is not a valid safetensors file (or could not be encoded as one).
    #[error("{path}: not a valid safetensors file: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What the safetensors library said.
        source: safetensors::SafeTensorError,
    },
    /// The header lacks the metadata this crate writes, or holds a value it cannot read.
    #[error("{path}: metadata `{key}` is missing or invalid (was it saved by descent?)")]
    Metadata {
        /// The file.
        path: PathBuf,
        /// The metadata key.
        key: &'static str,
    },
    /// The model has a parameter that the file does not hold.
    #[error("{path}: no tensor `{name}`, which the model needs")]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The parameter's name, e.g. `0.weight`.
        name: String,
    },
    /// The file holds a tensor the model has no parameter for.
    #[error("{path}: tensor `{name}` matches no parameter of the model")]
    UnexpectedTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape differs from its parameter's.
    #[error("{path}: tensor `{name}` has shape {found:?}, the model expects {expected:?}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The tensor's shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is not 32-bit floats.
    #[error("{path}: tensor `{name}` holds {found:?} numbers, expected F32")]
    DataType {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its element type.
        found: Dtype,
    },
}

/// Each parameter's file name (`"<layer>.<parameter>"`), shape and numbers, input side first.
fn named_parameters(model: &mut Sequential) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    model
        .layers
        .iter_mut()
        .enumerate()
        .flat_map(|(index, layer)| {
            layer
                .params()
                .into_iter()
                .map(move |p| {
                    let numbers = p.value.iter().copied().collect();
                    (
                        format!("{index}.{}", p.name),
                        p.value.shape().to_vec(),
                        numbers,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Writes every parameter of `model`, and `info`, to `path` (replacing the file).
///
/// # Errors
///
/// When the file cannot be written; the error names it.
pub fn save(model: &mut Sequential, info: &ModelInfo, path: &Path) -> Result<(), WeightsError> {
    let parameters = named_parameters(model);
    let bytes: Vec<Vec<u8>> = parameters
        .iter()
        .map(|(_, _, numbers)| numbers.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let format_error = |source| WeightsError::Format {
        path: path.to_path_buf(),
        source,
    };
    let views = parameters
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), data)| {
            TensorView::new(Dtype::F32, shape.clone(), data).map(|view| (name.clone(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(format_error)?;
    let metadata = HashMap::from([
        (
            CLASSES_KEY.to_string(),
            info.classes.join(&CLASS_SEPARATOR.to_string()),
        ),
        (IMAGE_SIZE_KEY.to_string(), info.image_size.to_string()),
    ]);
    let encoded = safetensors::serialize(views, Some(metadata)).map_err(format_error)?;
    std::fs::write(path, encoded).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, WeightsError> {
    std::fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn parse<'a>(path: &Path, bytes: &'a [u8]) -> Result<(SafeTensors<'a>, ModelInfo), WeightsError> {
    let format_error = |source| WeightsError::Format {
        path: path.to_path_buf(),
        source,
    };
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(format_error)?;
    let tensors = SafeTensors::deserialize(bytes).map_err(format_error)?;
    let metadata = header.metadata().clone().unwrap_or_default();
    let missing = |key| WeightsError::Metadata {
        path: path.to_path_buf(),
        key,
    };
    let classes: Vec<String> = metadata
        .get(CLASSES_KEY)
        .filter(|c| !c.is_empty())
        .ok_or(missing(CLASSES_KEY))?
        .split(CLASS_SEPARATOR)
        .map(str::to_string)
        .collect();
    let image_size = metadata
        .get(IMAGE_SIZE_KEY)
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&s| s > 0 && s.is_multiple_of(8))
        .ok_or(missing(IMAGE_SIZE_KEY))?;
    Ok((
        tensors,
        ModelInfo {
            classes,
            image_size,
        },
    ))
}

/// Reads the [`ModelInfo`] of a weights file without loading any tensor into a model.
///
/// # Errors
///
/// When the file cannot be read, is not a safetensors file, or lacks the metadata.
pub fn read_info(path: &Path) -> Result<ModelInfo, WeightsError> {
    let bytes = read(path)?;
    parse(path, &bytes).map(|(_, info)| info)
}

/// Overwrites every parameter of `model` with the tensor of the same name in `path`, and
/// returns the file's [`ModelInfo`]. Nothing in the model changes unless every tensor fits.
///
/// # Errors
///
/// When the file cannot be read or parsed, or its tensors do not match the model's parameters
/// one to one in name, shape and type (the error names the tensor).
pub fn load_into(model: &mut Sequential, path: &Path) -> Result<ModelInfo, WeightsError> {
    let bytes = read(path)?;
    let (tensors, info) = parse(path, &bytes)?;
    let expected = named_parameters(model);
    let mut values = Vec::with_capacity(expected.len());
    for (name, shape, _) in &expected {
        let view = tensors
            .tensor(name)
            .map_err(|_| WeightsError::MissingTensor {
                path: path.to_path_buf(),
                name: name.clone(),
            })?;
        if view.dtype() != Dtype::F32 {
            return Err(WeightsError::DataType {
                path: path.to_path_buf(),
                name: name.clone(),
                found: view.dtype(),
            });
        }
        if view.shape() != shape.as_slice() {
            return Err(WeightsError::Shape {
                path: path.to_path_buf(),
                name: name.clone(),
                expected: shape.clone(),
                found: view.shape().to_vec(),
            });
        }
        let numbers: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        values.push(numbers);
    }
    if let Some(extra) = tensors
        .names()
        .into_iter()
        .find(|n| !expected.iter().any(|(name, _, _)| name == n))
    {
        return Err(WeightsError::UnexpectedTensor {
            path: path.to_path_buf(),
            name: extra.to_string(),
        });
    }
    let params = model.params();
    for (p, numbers) in params.into_iter().zip(values) {
        let mut value = p.value;
        value
            .iter_mut()
            .zip(numbers)
            .for_each(|(slot, number)| *slot = number);
    }
    Ok(info)
}

/// Rebuilds the chapter's network from a weights file's [`ModelInfo`] and loads the weights
/// into it.
///
/// # Errors
///
/// As [`load_into`].
pub fn load_chapter_network(path: &Path) -> Result<(Sequential, ModelInfo), WeightsError> {
    let info = read_info(path)?;
    // The starting weights are all overwritten; the seed only has to be some seed.
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut model = chapter_network(info.classes.len(), info.image_size, &mut rng);
    load_into(&mut model, path)?;
    Ok((model, info))
}
