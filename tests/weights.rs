//! Saving and loading weights: a round trip, and a clear error for every kind of bad file.

use std::collections::HashMap;
use std::path::Path;

use descent::cnn::model::chapter_network;
use descent::cnn::weights::{
    ModelInfo, WeightsError, load_chapter_network, load_into, read_info, save,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use safetensors::tensor::{Dtype, TensorView};

fn info(classes: usize) -> ModelInfo {
    ModelInfo {
        classes: (0..classes).map(|c| format!("class {c}")).collect(),
        image_size: 16,
    }
}

fn saved_model(dir: &Path, classes: usize) -> std::path::PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut model = chapter_network(classes, 16, &mut rng);
    let path = dir.join(format!("model{classes}.safetensors"));
    save(&mut model, &info(classes), &path).unwrap();
    path
}

#[test]
fn a_round_trip_restores_every_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_model(dir.path(), 3);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut original = chapter_network(3, 16, &mut rng);
    let mut other = chapter_network(3, 16, &mut ChaCha8Rng::seed_from_u64(99));
    assert_ne!(original.params()[0].value, other.params()[0].value);
    assert_eq!(load_into(&mut other, &path).unwrap(), info(3));
    for (a, b) in original.params().iter().zip(other.params().iter()) {
        assert_eq!(a.value, b.value, "{}", a.name);
    }
    let (mut rebuilt, read) = load_chapter_network(&path).unwrap();
    assert_eq!(read, info(3));
    assert_eq!(rebuilt.parameter_count(), original.parameter_count());
}

#[test]
fn the_tensors_carry_pytorch_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_model(dir.path(), 2);
    let bytes = std::fs::read(&path).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = tensors.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "0.bias",
            "0.weight",
            "10.bias",
            "10.weight",
            "3.bias",
            "3.weight",
            "6.bias",
            "6.weight"
        ]
    );
    assert_eq!(tensors.tensor("0.weight").unwrap().shape(), [16, 3, 3, 3]);
    assert_eq!(
        tensors.tensor("10.weight").unwrap().shape(),
        [2, 64 * 2 * 2]
    );
}

#[test]
fn a_missing_file_is_named() {
    let error = read_info(Path::new("no/such/weights.safetensors")).unwrap_err();
    assert!(matches!(error, WeightsError::Io { .. }), "{error}");
    assert!(
        error.to_string().contains("no/such/weights.safetensors"),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_safetensors_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.safetensors");
    std::fs::write(&path, "these are not weights").unwrap();
    let error = read_info(&path).unwrap_err();
    assert!(matches!(error, WeightsError::Format { .. }), "{error}");
    assert!(error.to_string().contains("notes.safetensors"), "{error}");
}

#[test]
fn a_truncated_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_model(dir.path(), 2);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let error = read_info(&path).unwrap_err();
    assert!(matches!(error, WeightsError::Format { .. }), "{error}");
}

#[test]
fn weights_of_another_shape_are_refused_and_leave_the_model_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved_model(dir.path(), 2);
    let mut model = chapter_network(5, 16, &mut ChaCha8Rng::seed_from_u64(1));
    let before: Vec<_> = model.params().iter().map(|p| p.value.to_owned()).collect();
    let error = load_into(&mut model, &path).unwrap_err();
    match &error {
        WeightsError::Shape {
            name,
            expected,
            found,
            ..
        } => {
            assert_eq!(name, "10.weight");
            assert_eq!(expected, &[5, 256]);
            assert_eq!(found, &[2, 256]);
        }
        other => panic!("expected a shape error, got {other}"),
    }
    let after: Vec<_> = model.params().iter().map(|p| p.value.to_owned()).collect();
    assert_eq!(before, after);
}

/// Writes a safetensors file with the given tensors (all F32 zeros) and metadata.
fn write_raw(
    path: &Path,
    tensors: &[(&str, Vec<usize>)],
    metadata: Option<HashMap<String, String>>,
) {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, shape)| vec![0u8; 4 * shape.iter().product::<usize>()])
        .collect();
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .zip(&data)
        .map(|((name, shape), bytes)| {
            (
                name.to_string(),
                TensorView::new(Dtype::F32, shape.clone(), bytes).unwrap(),
            )
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, metadata).unwrap()).unwrap();
}

#[test]
fn missing_metadata_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.safetensors");
    write_raw(&path, &[("0.weight", vec![2, 2])], None);
    let error = read_info(&path).unwrap_err();
    assert!(
        matches!(error, WeightsError::Metadata { key: "classes", .. }),
        "{error}"
    );
    assert!(error.to_string().contains("bare.safetensors"), "{error}");
}

#[test]
fn a_missing_or_extra_tensor_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let metadata = HashMap::from([
        ("classes".to_string(), "a\nb".to_string()),
        ("image_size".to_string(), "16".to_string()),
    ]);
    let path = dir.path().join("partial.safetensors");
    write_raw(
        &path,
        &[("0.weight", vec![16, 3, 3, 3])],
        Some(metadata.clone()),
    );
    let mut model = chapter_network(2, 16, &mut ChaCha8Rng::seed_from_u64(1));
    let error = load_into(&mut model, &path).unwrap_err();
    assert!(
        matches!(&error, WeightsError::MissingTensor { name, .. } if name == "0.bias"),
        "{error}"
    );

    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut full = chapter_network(2, 16, &mut rng);
    let mut tensors: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, layer) in full.layers.iter_mut().enumerate() {
        for p in layer.params() {
            tensors.push((format!("{i}.{}", p.name), p.value.shape().to_vec()));
        }
    }
    tensors.push(("11.weight".to_string(), vec![1]));
    let named: Vec<(&str, Vec<usize>)> = tensors
        .iter()
        .map(|(n, s)| (n.as_str(), s.clone()))
        .collect();
    let path = dir.path().join("extra.safetensors");
    write_raw(&path, &named, Some(metadata));
    let error = load_into(&mut model, &path).unwrap_err();
    assert!(
        matches!(&error, WeightsError::UnexpectedTensor { name, .. } if name == "11.weight"),
        "{error}"
    );
}
