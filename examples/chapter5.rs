//! Chapter 5: a CNN trained on an ImageNet-style folder of pictures.
//!
//! With no options, writes the book's synthetic data set (if it is not there yet), trains the
//! chapter's network on it with the book's settings, saves the weights, reads them back to
//! check them, and draws the chapter's figures:
//!
//! ```text
//! cargo run --release --example chapter5
//! cargo run --release --example chapter5 -- --data ~/imagenette2-160 --epochs 5 --image-size 96
//! cargo run --release --example chapter5 -- --evaluate target/chapter5/model.safetensors
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use descent::cnn::train::figures::RUN_FIGURES;
use descent::cnn::train::{Config, EpochReport, Progress, Run, Splits, evaluate, synthetic_root};
use descent::cnn::weights::{ModelInfo, load_chapter_network, save};
use descent::data::synthetic::{self, Generated, Spec};
use descent::data::{Decoded, ImageFolder, Preprocess, Split};
use indicatif::{ProgressBar, ProgressStyle};

/// The layers allocate large buffers on worker threads; mimalloc keeps them between steps
/// (see the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Train chapter 5's CNN on an ImageNet-style folder (root/{train,val}/<class>/<image>), by
/// default the book's synthetic data set, and draw what it learned.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// An ImageNet-style data set to train on instead of the synthetic one.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Passes over the training set.
    #[arg(long, default_value_t = Config::default().epochs)]
    epochs: usize,
    /// Pictures per mini-batch.
    #[arg(long, default_value_t = Config::default().batch_size)]
    batch_size: usize,
    /// Side of the square crops the network sees (a multiple of 8).
    #[arg(long, default_value_t = Config::default().image_size)]
    image_size: usize,
    /// Learning rate at the end of the warm-up (it then decays to zero).
    #[arg(long, default_value_t = Config::default().learning_rate)]
    learning_rate: f64,
    /// Seed of the initial weights, the shuffles and the crops.
    #[arg(long, default_value_t = Config::default().seed)]
    seed: u64,
    /// Where to save the trained weights (safetensors).
    #[arg(long, default_value = "target/chapter5/model.safetensors")]
    weights: PathBuf,
    /// Folder for the figures (the same files as images/ch05 in the book).
    #[arg(long, default_value = "target/chapter5")]
    output: PathBuf,
    /// Do not train: load these weights and evaluate them on the validation split.
    #[arg(long, value_name = "WEIGHTS")]
    evaluate: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let config = config(&args)?;
    let root = match &args.data {
        Some(path) => path.clone(),
        None => write_synthetic()?,
    };
    if let Some(weights) = &args.evaluate {
        return evaluate_saved(&root, weights);
    }
    let splits = load(&root, config.preprocess())?;
    let classes = splits.train.classes.len();
    println!(
        "{}: {} training and {} validation pictures in {classes} classes; crops of {s} × {s}",
        root.display(),
        splits.train.len(),
        splits.val.len(),
        s = config.image_size,
    );
    let run = train(splits, config);
    println!(
        "validation accuracy: CNN {:.1} %, linear baseline {:.1} %, guessing {:.1} %",
        100.0 * run.accuracy(),
        100.0 * run.baseline.last().map_or(0.0, |r| r.val_accuracy),
        100.0 / classes as f64,
    );
    save_and_check(&run, &args.weights)?;
    draw_figures(&run, &args.output)?;
    println!("done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The run's settings from the command line, checked.
fn config(args: &Args) -> anyhow::Result<Config> {
    if args.image_size == 0 || !args.image_size.is_multiple_of(8) {
        anyhow::bail!(
            "--image-size {}: the network halves the picture three times, so the side must be a positive multiple of 8",
            args.image_size
        );
    }
    if args.epochs == 0 || args.batch_size == 0 {
        anyhow::bail!(
            "--epochs {} --batch-size {}: both must be at least 1",
            args.epochs,
            args.batch_size
        );
    }
    if !(args.learning_rate.is_finite() && args.learning_rate > 0.0) {
        anyhow::bail!(
            "--learning-rate {}: must be a positive number",
            args.learning_rate
        );
    }
    Ok(Config {
        epochs: args.epochs,
        batch_size: args.batch_size,
        image_size: args.image_size,
        learning_rate: args.learning_rate,
        seed: args.seed,
        ..Config::default()
    })
}

fn bar(length: usize, template: &str) -> ProgressBar {
    ProgressBar::new(length as u64)
        .with_style(ProgressStyle::with_template(template).expect("the progress template is valid"))
}

/// Writes the book's synthetic data set under target/ unless it is already there.
fn write_synthetic() -> anyhow::Result<PathBuf> {
    let root = synthetic_root();
    let spec = Spec::default();
    let total = (spec.train_per_class + spec.val_per_class) * synthetic::CLASSES.len();
    let progress = bar(total, "writing the synthetic data set {bar:30} {pos}/{len}");
    let generated = synthetic::generate(&root, &spec, || progress.inc(1))?;
    progress.finish_and_clear();
    match generated {
        Generated::Wrote(files) => println!("wrote {files} pictures to {}", root.display()),
        Generated::AlreadyThere => println!("the synthetic data set is in {}", root.display()),
    }
    Ok(root)
}

/// Decodes both splits, with a progress bar, and says how many hidden files it passed over.
fn load(root: &Path, preprocess: Preprocess) -> anyhow::Result<Splits> {
    let (train, val) = ImageFolder::open_both(root)?;
    let progress = bar(
        train.len() + val.len(),
        "decoding {bar:30} {pos}/{len} pictures",
    );
    let splits = Splits::load(root, preprocess, || progress.inc(1))?;
    progress.finish_and_clear();
    if splits.hidden_files > 0 {
        println!(
            "warning: skipped {} hidden file(s) (names starting with '.') in the class folders",
            splits.hidden_files
        );
    }
    Ok(splits)
}

/// Trains the CNN (with a progress bar per epoch and a line per epoch), then the baseline.
fn train(splits: Splits, config: Config) -> Run {
    let steps = splits.train.len().div_ceil(config.batch_size);
    let mut progress: Option<ProgressBar> = None;
    println!("epoch  train loss  train acc  val loss  val acc  pictures/s");
    let run = Run::train(splits, config, &mut |event| match event {
        Progress::Step {
            epoch,
            step,
            loss,
            accuracy,
            images_per_second,
            ..
        } => {
            let bar = progress.get_or_insert_with(|| {
                bar(
                    steps,
                    "epoch {prefix:>2} {bar:30} {pos}/{len} {msg} (eta {eta})",
                )
            });
            bar.set_prefix(epoch.to_string());
            bar.set_position(step as u64);
            bar.set_message(format!(
                "loss {loss:.3}, accuracy {:.1} %, {images_per_second:.0} pictures/s",
                100.0 * accuracy
            ));
        }
        Progress::Epoch(report) => {
            if let Some(bar) = progress.take() {
                bar.finish_and_clear();
            }
            print_epoch(report);
        }
    });
    println!("(the linear baseline trained too, the same way)");
    run
}

fn print_epoch(r: &EpochReport) {
    println!(
        "{:>5}  {:>10.3}  {:>8.1} %  {:>8.3}  {:>5.1} %  {:>10.0}",
        r.epoch,
        r.train_loss,
        100.0 * r.train_accuracy,
        r.val_loss,
        100.0 * r.val_accuracy,
        r.images_per_second
    );
}

/// Saves the weights, loads them into a fresh network and checks it scores the same.
fn save_and_check(run: &Run, path: &Path) -> anyhow::Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let info = ModelInfo {
        classes: run.splits.train.classes.clone(),
        image_size: run.config.image_size,
    };
    save(
        &mut run.model.lock().expect("the model's lock is not poisoned"),
        &info,
        path,
    )?;
    let (mut loaded, _) = load_chapter_network(path)?;
    let again = evaluate(&mut loaded, &run.splits.val, run.config.batch_size);
    assert_eq!(
        again.predicted, run.evaluation.predicted,
        "the reloaded weights predict what the trained ones did"
    );
    println!(
        "saved the weights to {}; reloaded, they score {:.1} % again",
        path.display(),
        100.0 * again.accuracy()
    );
    Ok(())
}

/// Loads saved weights and evaluates them on the validation split of `root`.
fn evaluate_saved(root: &Path, weights: &Path) -> anyhow::Result<()> {
    let (mut model, info) = load_chapter_network(weights)?;
    let folder = ImageFolder::open(root, Split::Val)?;
    if folder.classes != info.classes {
        anyhow::bail!(
            "{}: trained on classes {:?}, but {} has {:?}",
            weights.display(),
            info.classes,
            root.display(),
            folder.classes
        );
    }
    let preprocess = Preprocess::new(info.image_size as u32);
    let progress = bar(folder.len(), "decoding {bar:30} {pos}/{len} pictures");
    let val = Decoded::load(&folder, preprocess, || progress.inc(1))?;
    progress.finish_and_clear();
    let evaluation = evaluate(&mut model, &val, Config::default().batch_size);
    println!(
        "{} on {}: validation accuracy {:.1} % ({} pictures), mean cross-entropy {:.3}",
        weights.display(),
        root.display(),
        100.0 * evaluation.accuracy(),
        val.len(),
        evaluation.loss
    );
    Ok(())
}

/// Draws the run's figures, then the chapter's figures that do not depend on a run.
fn draw_figures(run: &Run, output: &Path) -> anyhow::Result<()> {
    let folder = output.join("ch05");
    for (name, render) in RUN_FIGURES {
        let path = folder.join(name);
        render(run, &path)?;
        println!("drew {}", path.display());
    }
    let drawn: Vec<&str> = RUN_FIGURES.iter().map(|(name, _)| *name).collect();
    for figure in descent::figures::of_chapter("ch05") {
        let name = figure.path.trim_start_matches("ch05/");
        if !drawn.contains(&name) {
            figure.render_into(output)?;
            println!("drew {}", output.join(figure.path).display());
        }
    }
    Ok(())
}
