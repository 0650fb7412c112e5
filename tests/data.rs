//! The image-folder reader and the synthetic data set, on small trees built here with the
//! `image` crate, bad files included.

use std::path::Path;

use descent::data::synthetic::{self, CLASSES, Generated, Spec};
use descent::data::{
    DataError, Decoded, IMAGENET_MEAN, IMAGENET_STD, ImageFolder, Preprocess, Split, decode_rgb,
};
use image::{DynamicImage, GrayImage, ImageBuffer, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn write(path: &Path, image: DynamicImage) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(path).unwrap();
}

fn rgb(w: u32, h: u32, value: [u8; 3]) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_pixel(w, h, Rgb(value)))
}

/// A good tree: classes `b_cat` and `a_dog` (to check sorting), two images each per split.
fn good_tree(root: &Path) {
    for split in ["train", "val"] {
        for (class, value) in [("b_cat", 200u8), ("a_dog", 50)] {
            for i in 0..2 {
                let ext = if i == 0 { "png" } else { "jpg" };
                write(
                    &root.join(split).join(class).join(format!("{i}.{ext}")),
                    rgb(12, 8, [value; 3]),
                );
            }
        }
    }
}

#[test]
fn a_good_tree_opens_with_sorted_classes() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    let (train, val) = ImageFolder::open_both(dir.path()).unwrap();
    assert_eq!(train.classes, ["a_dog", "b_cat"]);
    assert_eq!(train.len(), 4);
    assert_eq!(val.len(), 4);
    assert_eq!(train.samples[0].label, 0);
    assert_eq!(train.samples[3].label, 1);
    assert!(train.samples[3].path.ends_with("train/b_cat/1.jpg"));
    assert_eq!(train.hidden_files, 0);
}

#[test]
fn every_colour_type_becomes_rgb() {
    let dir = tempfile::tempdir().unwrap();
    let class = dir.path().join("train/any");
    write(
        &class.join("grey.png"),
        DynamicImage::ImageLuma8(GrayImage::from_pixel(4, 4, Luma([90]))),
    );
    write(
        &class.join("rgba.png"),
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(4, 4, Rgba([10, 20, 30, 0]))),
    );
    let deep: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_pixel(4, 4, Rgb([65535, 0, 32896]));
    write(&class.join("deep.png"), DynamicImage::ImageRgb16(deep));
    let folder = ImageFolder::open(dir.path(), Split::Train).unwrap();
    let pixels: Vec<[u8; 3]> = folder
        .samples
        .iter()
        .map(|s| decode_rgb(&s.path).unwrap().get_pixel(1, 1).0)
        .collect();
    // Sorted by file name: deep, grey, rgba.
    assert_eq!(pixels, [[255, 0, 128], [90, 90, 90], [10, 20, 30]]);
}

#[test]
fn a_missing_path_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let error = ImageFolder::open(&missing, Split::Train).unwrap_err();
    assert!(matches!(error, DataError::Missing { .. }), "{error}");
    assert!(error.to_string().contains("nowhere"), "{error}");
}

#[test]
fn a_missing_val_split_is_named() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    std::fs::remove_dir_all(dir.path().join("val")).unwrap();
    let error = ImageFolder::open_both(dir.path()).unwrap_err();
    assert!(
        matches!(error, DataError::MissingSplit { split: "val", .. }),
        "{error}"
    );
    assert!(error.to_string().contains("no `val` folder"), "{error}");
}

#[test]
fn an_empty_class_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    std::fs::create_dir_all(dir.path().join("train/c_empty")).unwrap();
    let error = ImageFolder::open(dir.path(), Split::Train).unwrap_err();
    assert!(matches!(error, DataError::EmptyClass { .. }), "{error}");
    assert!(error.to_string().contains("c_empty"), "{error}");
}

#[test]
fn a_split_without_classes_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("train")).unwrap();
    let error = ImageFolder::open(dir.path(), Split::Train).unwrap_err();
    assert!(matches!(error, DataError::NoClasses { .. }), "{error}");
}

#[test]
fn a_non_image_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    std::fs::write(dir.path().join("train/a_dog/notes.txt"), "not a picture").unwrap();
    let error = ImageFolder::open(dir.path(), Split::Train).unwrap_err();
    assert!(matches!(error, DataError::NotAnImage { .. }), "{error}");
    assert!(error.to_string().contains("notes.txt"), "{error}");
}

#[test]
fn hidden_files_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    std::fs::write(dir.path().join("train/a_dog/.DS_Store"), "finder").unwrap();
    std::fs::write(dir.path().join("train/.hidden"), "x").unwrap();
    let folder = ImageFolder::open(dir.path(), Split::Train).unwrap();
    assert_eq!(folder.len(), 4);
    assert_eq!(folder.hidden_files, 2);
}

#[test]
fn mismatched_classes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    std::fs::rename(
        dir.path().join("val/b_cat"),
        dir.path().join("val/b_kitten"),
    )
    .unwrap();
    let error = ImageFolder::open_both(dir.path()).unwrap_err();
    assert!(matches!(error, DataError::ClassMismatch { .. }), "{error}");
    assert!(error.to_string().contains("b_kitten"), "{error}");
}

#[test]
fn a_corrupt_image_is_named_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    let bad = dir.path().join("train/a_dog/0.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n this is not really a png").unwrap();
    let folder = ImageFolder::open(dir.path(), Split::Train).unwrap();
    let error = Decoded::load(&folder, Preprocess::new(8), || {}).unwrap_err();
    assert!(matches!(error, DataError::Decode { .. }), "{error}");
    assert!(error.to_string().contains("0.png"), "{error}");
}

#[test]
fn a_truncated_jpeg_is_named_when_loaded() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    let path = dir.path().join("train/b_cat/1.jpg");
    let mut noisy = RgbImage::new(64, 64);
    for (x, y, p) in noisy.enumerate_pixels_mut() {
        *p = Rgb([
            (x * 7 % 256) as u8,
            (y * 13 % 256) as u8,
            ((x * y) % 256) as u8,
        ]);
    }
    DynamicImage::ImageRgb8(noisy).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let error = decode_rgb(&path).unwrap_err();
    assert!(matches!(error, DataError::Truncated { .. }), "{error}");
    assert!(error.to_string().contains("1.jpg"), "{error}");
}

#[test]
fn a_truncated_png_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.png");
    let noisy = RgbImage::from_fn(40, 40, |x, y| {
        Rgb([(x * 9) as u8, (y * 5) as u8, (x ^ y) as u8])
    });
    DynamicImage::ImageRgb8(noisy).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = decode_rgb(&path).unwrap_err();
    assert!(matches!(error, DataError::Decode { .. }), "{error}");
    assert!(error.to_string().contains("cut.png"), "{error}");
}

#[test]
fn a_file_in_another_format_than_its_name_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.jpg");
    std::fs::write(&path, "plain text pretending to be a JPEG").unwrap();
    let error = decode_rgb(&path).unwrap_err();
    assert!(matches!(error, DataError::Decode { .. }), "{error}");
    assert!(error.to_string().contains("fake.jpg"), "{error}");
}

#[test]
fn eval_preprocessing_crops_the_centre_and_normalises() {
    // A 20 × 10 picture, dark on the left and right quarters, white in the middle half.
    let image = RgbImage::from_fn(20, 10, |x, _| {
        if (5..15).contains(&x) {
            Rgb([255; 3])
        } else {
            Rgb([0; 3])
        }
    });
    let p = Preprocess {
        size: 10,
        resize: 10,
    };
    let t = p.eval(&image);
    assert_eq!(t.shape(), &[3, 10, 10]);
    let white = (1.0 - IMAGENET_MEAN[1]) / IMAGENET_STD[1];
    assert!((t[[1, 5, 5]] - white).abs() < 1e-6);
    assert!((t[[1, 0, 0]] - white).abs() < 1e-6); // the centre crop is all white
}

#[test]
fn batches_cover_every_sample_once_and_shuffle_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    good_tree(dir.path());
    let folder = ImageFolder::open(dir.path(), Split::Train).unwrap();
    let batches = folder.batches(3, Some(5));
    assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1]);
    let mut all: Vec<usize> = batches.concat();
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3]);
    assert_eq!(batches, folder.batches(3, Some(5)));
    assert_eq!(folder.batches(4, None), [vec![0, 1, 2, 3]]);

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let decoded = Decoded::load(&folder, Preprocess::new(6), || {}).unwrap();
    assert_eq!(decoded.len(), 4);
    assert_eq!(decoded.images[0].dimensions(), (11, 7)); // 12 × 8, the shorter side made 7
    let (x, labels) = decoded.batch(&batches[0], Some(&mut rng));
    assert_eq!(x.shape(), &[3, 3, 6, 6]);
    let expected: Vec<usize> = batches[0]
        .iter()
        .map(|&i| folder.samples[i].label)
        .collect();
    assert_eq!(labels, expected);
    let (centre, _) = decoded.batch(&[0], None::<&mut ChaCha8Rng>);
    assert_eq!(centre.shape(), &[1, 3, 6, 6]);
}

#[test]
fn the_synthetic_data_set_is_deterministic_and_readable() {
    let spec = Spec {
        train_per_class: 3,
        val_per_class: 2,
        size: 32,
        seed: 9,
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(
        synthetic::generate(a.path(), &spec, || {}).unwrap(),
        Generated::Wrote(30)
    );
    assert_eq!(
        synthetic::generate(b.path(), &spec, || {}).unwrap(),
        Generated::Wrote(30)
    );
    assert_eq!(
        synthetic::generate(a.path(), &spec, || {}).unwrap(),
        Generated::AlreadyThere
    );
    let (train, val) = ImageFolder::open_both(a.path()).unwrap();
    assert_eq!(train.classes, CLASSES);
    assert_eq!((train.len(), val.len()), (18, 12));
    for sample in train.samples.iter().chain(&val.samples) {
        let relative = sample.path.strip_prefix(a.path()).unwrap();
        let twin = std::fs::read(b.path().join(relative)).unwrap();
        assert_eq!(
            std::fs::read(&sample.path).unwrap(),
            twin,
            "{}",
            relative.display()
        );
        assert_eq!(decode_rgb(&sample.path).unwrap().dimensions(), (32, 32));
    }
}

#[test]
fn the_generator_never_overwrites_other_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "precious").unwrap();
    let error = synthetic::generate(dir.path(), &Spec::default(), || {}).unwrap_err();
    assert!(matches!(error, DataError::NotOurs { .. }), "{error}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("thesis.tex")).unwrap(),
        "precious"
    );
}

fn tiny_spec(seed: u64) -> Spec {
    Spec {
        train_per_class: 1,
        val_per_class: 1,
        size: 16,
        seed,
    }
}

#[test]
fn the_generator_replaces_its_own_data_set_made_with_another_spec() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("synthetic");
    assert_eq!(
        synthetic::generate(&root, &tiny_spec(1), || {}).unwrap(),
        Generated::Wrote(12)
    );
    let first = std::fs::read(synthetic::image_path(&root, Split::Train, 0, 0)).unwrap();
    assert_eq!(
        synthetic::generate(&root, &tiny_spec(2), || {}).unwrap(),
        Generated::Wrote(12)
    );
    let second = std::fs::read(synthetic::image_path(&root, Split::Train, 0, 0)).unwrap();
    assert_ne!(first, second, "the new seed drew new pictures");
    assert_eq!(
        synthetic::generate(&root, &tiny_spec(2), || {}).unwrap(),
        Generated::AlreadyThere
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["synthetic"], "no scratch folder is left behind");
}

#[test]
fn two_generators_at_once_both_end_with_the_whole_data_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("synthetic");
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| scope.spawn(|| synthetic::generate(&root, &tiny_spec(3), || {})))
            .collect();
        for run in runs {
            assert!(run.join().unwrap().is_ok());
        }
    });
    let (train, val) = ImageFolder::open_both(&root).unwrap();
    assert_eq!((train.len(), val.len()), (6, 6));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["synthetic"], "no scratch folder is left behind");
}
