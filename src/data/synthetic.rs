//! A small ImageNet-style data set, drawn by code and written as real JPEG files.
//!
//! Six classes that a person tells apart at a glance but that no single pixel gives away:
//! four textures (checkers, dots, rings, stripes) and two shapes (crosses, triangles). Every
//! image has its own colours, rotation, scale, position, lighting ramp, clutter and noise, so
//! a model must learn the *pattern*; a linear model on raw pixels cannot average its way to
//! the answer, because the same class shows up in every phase, angle and colour.
//!
//! Each image is drawn from its own seed (the data set's seed, the split, the class and the
//! index), so the data set is the same whatever order it is written in, on every machine.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{DataError, Split, io_error};

/// The classes, in label order (sorted, as the folder reader sorts them).
pub const CLASSES: [&str; 6] = [
    "checkers",
    "crosses",
    "dots",
    "rings",
    "stripes",
    "triangles",
];

/// JPEG quality of the written files.
pub const JPEG_QUALITY: u8 = 90;

/// The file that marks a folder as a synthetic data set, holding the spec it was made with.
pub const MARKER: &str = "descent-synthetic.txt";

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Training images per class.
    pub train_per_class: usize,
    /// Validation images per class.
    pub val_per_class: usize,
    /// Side of the square images, in pixels.
    pub size: u32,
    /// Seed of the whole data set.
    pub seed: u64,
}

impl Default for Spec {
    /// 200 training and 50 validation images per class, 64 × 64 pixels.
    fn default() -> Spec {
        Spec {
            train_per_class: 200,
            val_per_class: 50,
            size: 64,
            seed: 2012,
        }
    }
}

/// What [`generate`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generated {
    /// The folder already held this exact data set; nothing was written.
    AlreadyThere,
    /// This many files were written.
    Wrote(usize),
}

/// The per-image random choices shared by every class.
struct Look {
    background: [f64; 3],
    foreground: [f64; 3],
    angle: f64,
    /// Pattern period (textures) or object size (shapes), in pixels.
    scale: f64,
    centre: (f64, f64),
    light_angle: f64,
    light_strength: f64,
    noise: f64,
}

/// Relative luminance of an RGB colour in [0, 1].
fn luminance(c: [f64; 3]) -> f64 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

fn random_colour(rng: &mut impl Rng) -> [f64; 3] {
    [rng.random(), rng.random(), rng.random()]
}

impl Look {
    fn random(size: f64, rng: &mut impl Rng) -> Look {
        // Foreground and background differ clearly in brightness, whatever their hues.
        let (background, foreground) = loop {
            let (a, b) = (random_colour(rng), random_colour(rng));
            if (luminance(a) - luminance(b)).abs() > 0.25 {
                break (a, b);
            }
        };
        Look {
            background,
            foreground,
            angle: rng.random_range(0.0..PI),
            scale: rng.random_range(0.0..1.0),
            centre: (
                rng.random_range(0.3..0.7) * size,
                rng.random_range(0.3..0.7) * size,
            ),
            light_angle: rng.random_range(0.0..2.0 * PI),
            light_strength: rng.random_range(0.0..0.5),
            noise: rng.random_range(0.0..0.06),
        }
    }
}

/// Is the pixel at (x, y) part of the class's pattern? Coordinates are rotated by the look's
/// angle about its centre; `size` is the image side.
fn in_pattern(class: usize, look: &Look, size: f64, x: f64, y: f64) -> bool {
    let (dx, dy) = (x - look.centre.0, y - look.centre.1);
    let (s, c) = look.angle.sin_cos();
    let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
    let period = size * (0.12 + 0.12 * look.scale);
    let object = size * (0.25 + 0.2 * look.scale);
    match CLASSES[class] {
        "checkers" => ((u / period).floor() + (v / period).floor()).rem_euclid(2.0) < 1.0,
        "dots" => {
            let (fu, fv) = ((u / period).rem_euclid(1.0), (v / period).rem_euclid(1.0));
            (fu - 0.5).powi(2) + (fv - 0.5).powi(2) < 0.09
        }
        "rings" => (u.hypot(v) / period).rem_euclid(1.0) < 0.5,
        "stripes" => (u / period).rem_euclid(1.0) < 0.5,
        "crosses" => {
            let arm = object * 0.28;
            (u.abs() < arm && v.abs() < object) || (v.abs() < arm && u.abs() < object)
        }
        "triangles" => {
            // An equilateral triangle with circumradius `object`: inside all three edges.
            (0..3).all(|k| {
                let normal = PI / 2.0 + k as f64 * 2.0 * PI / 3.0;
                u * normal.cos() + v * normal.sin() < object * 0.5
            })
        }
        other => unreachable!("no pattern for class {other}"),
    }
}

/// Draws one image of class `class` (an index into [`CLASSES`]).
///
/// # Panics
///
/// If `class` is not below the number of classes.
pub fn draw(class: usize, size: u32, rng: &mut impl Rng) -> RgbImage {
    assert!(class < CLASSES.len(), "class {class} out of range");
    let side = size as f64;
    let look = Look::random(side, rng);
    // Clutter: a few thin random segments in random colours, for every class alike.
    let clutter: Vec<Segment> = (0..rng.random_range(2..6))
        .map(|_| Segment {
            from: (rng.random_range(0.0..side), rng.random_range(0.0..side)),
            to: (rng.random_range(0.0..side), rng.random_range(0.0..side)),
            colour: random_colour(rng),
        })
        .collect();
    let noise: Vec<f64> = (0..size * size * 3)
        .map(|_| (rng.random::<f64>() + rng.random::<f64>() - 1.0) * look.noise * 2.0)
        .collect();
    paint(class, size, &look, &clutter, &noise)
}

/// Draws the object or texture of class `class` in a look drawn from `rng`, but turned to
/// `angle` radians and centred, with no clutter and no noise: one object, posed exactly.
/// Chapter 5's manifold section turns it step by step.
///
/// # Panics
///
/// If `class` is not below the number of classes.
pub fn draw_turned(class: usize, size: u32, angle: f64, rng: &mut impl Rng) -> RgbImage {
    assert!(class < CLASSES.len(), "class {class} out of range");
    let side = size as f64;
    let look = Look {
        angle,
        centre: (side / 2.0, side / 2.0),
        ..Look::random(side, rng)
    };
    paint(class, size, &look, &[], &[])
}

/// The pixels of one image: pattern or background, clutter on top, then the lighting ramp
/// and `noise` (one number per channel of each pixel, or none).
fn paint(class: usize, size: u32, look: &Look, clutter: &[Segment], noise: &[f64]) -> RgbImage {
    let side = size as f64;
    RgbImage::from_fn(size, size, |x, y| {
        let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
        let mut colour = if in_pattern(class, look, side, px, py) {
            look.foreground
        } else {
            look.background
        };
        if let Some(segment) = clutter
            .iter()
            .find(|s| distance_to_segment((px, py), s.from, s.to) < 0.8)
        {
            colour = segment.colour;
        }
        let ramp =
            (px / side - 0.5) * look.light_angle.cos() + (py / side - 0.5) * look.light_angle.sin();
        let light = 1.0 + look.light_strength * ramp;
        let i = ((y * size + x) * 3) as usize;
        Rgb(std::array::from_fn(|ch| {
            let grain = noise.get(i + ch).copied().unwrap_or(0.0);
            ((colour[ch] * light + grain) * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        }))
    })
}

/// A thin line of clutter.
struct Segment {
    from: (f64, f64),
    to: (f64, f64),
    colour: [f64; 3],
}

fn distance_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let length2 = (abx * abx + aby * aby).max(1e-12);
    let t = (((p.0 - a.0) * abx + (p.1 - a.1) * aby) / length2).clamp(0.0, 1.0);
    (p.0 - a.0 - t * abx).hypot(p.1 - a.1 - t * aby)
}

/// The seed of one image: independent of the order images are written in.
fn image_seed(spec: &Spec, split: Split, class: usize, index: usize) -> u64 {
    let split_id = match split {
        Split::Train => 0u64,
        Split::Val => 1,
    };
    spec.seed
        .wrapping_mul(1_000_003)
        .wrapping_add(split_id * 1_000_000_007 + class as u64 * 1_000_003 + index as u64)
}

/// The path of image `index` of `class` in `split`.
pub fn image_path(root: &Path, split: Split, class: usize, index: usize) -> PathBuf {
    let name = CLASSES[class];
    root.join(split.folder())
        .join(name)
        .join(format!("{name}_{index:04}.jpg"))
}

fn write_jpeg(image: &RgbImage, path: &Path) -> Result<(), DataError> {
    let file = std::fs::File::create(path).map_err(io_error(path))?;
    let mut writer = std::io::BufWriter::new(file);
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut writer, JPEG_QUALITY))
        .map_err(|source| DataError::Encode {
            path: path.to_path_buf(),
            source,
        })
}

/// Writes the data set described by `spec` under `root` (created if needed), calling
/// `progress` after each image.
///
/// If `root` already holds this exact data set (its marker file matches), nothing is written.
/// If it holds a synthetic data set made with another spec, that one is replaced.
///
/// The files are written into a scratch folder beside `root` and moved into place only when
/// all of them, and the marker, are written. So an interrupted run leaves no half data set
/// behind, and two processes generating the same data set at once (parallel tests) both end
/// with the whole of it.
///
/// # Errors
///
/// [`DataError::NotOurs`] when `root` holds other files (nothing is overwritten), and any
/// error writing a file, naming it.
pub fn generate(
    root: &Path,
    spec: &Spec,
    mut progress: impl FnMut(),
) -> Result<Generated, DataError> {
    let marker = root.join(MARKER);
    let description = format!("{spec:?}\n");
    let is_this_data_set =
        |root: &Path| std::fs::read_to_string(root.join(MARKER)).is_ok_and(|m| m == description);
    let replacing = if root.exists() {
        if is_this_data_set(root) {
            return Ok(Generated::AlreadyThere);
        }
        let ours = marker.is_file();
        let empty = std::fs::read_dir(root)
            .map_err(io_error(root))?
            .next()
            .is_none();
        if !ours && !empty {
            return Err(DataError::NotOurs {
                path: root.to_path_buf(),
            });
        }
        ours
    } else {
        false
    };
    let name = root
        .file_name()
        .map_or("data".into(), |n| n.to_string_lossy().into_owned());
    // One scratch folder per call: per process, and per call within a process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch = root.with_file_name(format!(".{name}.partial-{}-{call}", std::process::id()));
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch).map_err(io_error(&scratch))?;
    }
    let written = write_all(&scratch, spec, &mut progress)?;
    std::fs::write(scratch.join(MARKER), &description).map_err(io_error(scratch.join(MARKER)))?;
    if replacing {
        // Swap the old splits for the new ones, marker last.
        for entry in [Split::Train.folder(), Split::Val.folder()] {
            let old = root.join(entry);
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(io_error(&old))?;
            }
            std::fs::rename(scratch.join(entry), &old).map_err(io_error(&old))?;
        }
        std::fs::rename(scratch.join(MARKER), &marker).map_err(io_error(&marker))?;
        std::fs::remove_dir_all(&scratch).map_err(io_error(&scratch))?;
    } else {
        if root.exists() && !is_this_data_set(root) {
            // The empty folder the reader named: make room for the finished data set (another
            // process may have removed it already).
            match std::fs::remove_dir(root) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_error(root)(e));
                }
                _ => {}
            }
        }
        if let Err(error) = std::fs::rename(&scratch, root) {
            // Another process may have finished the same data set first: then use it.
            std::fs::remove_dir_all(&scratch).map_err(io_error(&scratch))?;
            if !is_this_data_set(root) {
                return Err(io_error(root)(error));
            }
        }
    }
    Ok(Generated::Wrote(written))
}

/// Writes every image of `spec` under `folder`, returning how many.
fn write_all(folder: &Path, spec: &Spec, progress: &mut impl FnMut()) -> Result<usize, DataError> {
    let mut written = 0;
    for (split, count) in [
        (Split::Train, spec.train_per_class),
        (Split::Val, spec.val_per_class),
    ] {
        for (class, name) in CLASSES.iter().enumerate() {
            let class_folder = folder.join(split.folder()).join(name);
            std::fs::create_dir_all(&class_folder).map_err(io_error(&class_folder))?;
            for index in 0..count {
                let mut rng = ChaCha8Rng::seed_from_u64(image_seed(spec, split, class, index));
                let image = draw(class, spec.size, &mut rng);
                write_jpeg(&image, &image_path(folder, split, class, index))?;
                written += 1;
                progress();
            }
        }
    }
    Ok(written)
}

/// A grid of sample images: one row per class (in label order), `per_row` images each, drawn
/// exactly as [`generate`] draws the training images of `spec`, with a 2-pixel white gutter.
pub fn contact_sheet(spec: &Spec, per_row: usize) -> RgbImage {
    const GUTTER: u32 = 2;
    let cell = spec.size + GUTTER;
    let mut sheet = RgbImage::from_pixel(
        cell * per_row as u32 + GUTTER,
        cell * CLASSES.len() as u32 + GUTTER,
        Rgb([255; 3]),
    );
    for class in 0..CLASSES.len() {
        for index in 0..per_row {
            let mut rng = ChaCha8Rng::seed_from_u64(image_seed(spec, Split::Train, class, index));
            let image = draw(class, spec.size, &mut rng);
            let (x, y) = (GUTTER + cell * index as u32, GUTTER + cell * class as u32);
            image::imageops::replace(&mut sheet, &image, x.into(), y.into());
        }
    }
    sheet
}
