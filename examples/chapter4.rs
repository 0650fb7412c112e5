//! Chapter 4: convolution and its backpropagation.
//!
//! Redraws the chapter's figures, prints its key numbers and, given the path of a JPEG or PNG
//! picture, runs every filter of the chapter on it:
//!
//! ```text
//! cargo run --release --example chapter4 -- path/to/photo.jpg
//! ```

use std::path::PathBuf;

use clap::Parser;
use descent::conv::filters::{Filter, filter_into, fit_picture, read_picture, sobel_x};
use descent::conv::learn::{Settings, learn_kernel};
use descent::conv::{ConvSpec, convolve1d, correlate1d, correlate1d_backward};
use ndarray::array;

/// Convolution and its backpropagation: figures, numbers, and filters on your own picture.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// A JPEG or PNG picture to run the filters on (optional).
    picture: Option<PathBuf>,
    /// Folder for the figures.
    #[arg(long, default_value = "images")]
    output: PathBuf,
    /// Folder for the filtered versions of your picture.
    #[arg(long, default_value = "target/chapter4")]
    filtered: PathBuf,
    /// Learning rate of the kernel-learning run.
    #[arg(long, default_value_t = Settings::default().learning_rate)]
    learning_rate: f64,
    /// Steps of the kernel-learning run.
    #[arg(long, default_value_t = Settings::default().steps)]
    steps: usize,
    /// Seed of the kernel-learning run.
    #[arg(long, default_value_t = Settings::default().seed)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Read the reader's picture first, so that a bad path fails at once.
    let picture = args.picture.as_deref().map(read_picture).transpose()?;
    for figure in descent::figures::of_chapter("ch04") {
        figure.render_into(&args.output)?;
        println!("drew {}", args.output.join(figure.path).display());
    }
    print_worked_example();
    print_learning(Settings {
        learning_rate: args.learning_rate,
        steps: args.steps,
        seed: args.seed,
        ..Settings::default()
    });
    if let (Some(path), Some(picture)) = (&args.picture, picture) {
        filter_yours(path, picture, &args.filtered)?;
    }
    Ok(())
}

/// Runs every filter on the reader's picture (shrunk if it is very large).
fn filter_yours(
    path: &std::path::Path,
    picture: image::GrayImage,
    folder: &std::path::Path,
) -> anyhow::Result<()> {
    let (width, height) = picture.dimensions();
    let picture = fit_picture(picture);
    let (w, h) = picture.dimensions();
    if (w, h) != (width, height) {
        println!(
            "shrank {} from {width}×{height} to {w}×{h} pixels",
            path.display()
        );
    }
    let stem = path
        .file_stem()
        .map_or("picture".into(), |s| s.to_string_lossy());
    for written in filter_into(&picture, &stem, folder)? {
        println!("wrote {}", written.display());
    }
    println!("filters: {:?}", Filter::ALL.map(Filter::name));
    Ok(())
}

fn print_worked_example() {
    let (x, w, dy) = (
        array![1.0, 2.0, 3.0, 4.0],
        array![2.0, -1.0],
        array![1.0, -1.0, 2.0],
    );
    let valid = ConvSpec::VALID;
    let g = correlate1d_backward(x.view(), w.view(), dy.view(), valid);
    println!("x = {x}, w = {w}");
    println!("  x ⋆ w = {}", correlate1d(x.view(), w.view(), valid));
    println!("  x ∗ w = {}", convolve1d(x.view(), w.view(), valid));
    println!(
        "  with dy = {dy}: dw = x ⋆ dy = {}, dx = Wᵀ dy = {}",
        g.grad_w, g.grad_x
    );
}

fn print_learning(settings: Settings) {
    let run = learn_kernel(sobel_x().view(), settings);
    let last = run.kernels.last().expect("at least the starting kernel");
    println!(
        "learning Sobel x: loss {:.3e} → {:.3e} in {} steps (η = {})",
        run.losses[0],
        run.losses.last().expect("at least one loss"),
        settings.steps,
        settings.learning_rate
    );
    println!("  learned kernel:\n{:.4}", last);
}
