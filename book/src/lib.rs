//! The book builder: draws every figure, then renders the chapters to HTML through mdBook's
//! library crates, with every formula turned into MathML at build time.
//!
//! `cargo run -p book` runs [`main`](../book/index.html); the integrity tests call
//! [`build_html`] directly.

pub mod math;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use mdbook_driver::MDBook;

/// The folder holding `book.toml`.
pub fn book_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace root: the folder holding `images/`, `chapters/` and the `descent` crate.
pub fn workspace_root() -> PathBuf {
    book_root()
        .parent()
        .expect("the book crate sits inside the workspace")
        .to_path_buf()
}

/// Renders every figure of the book into `images_root`, with a progress bar.
///
/// # Errors
///
/// The first figure that cannot be drawn, naming its file.
pub fn render_figures(images_root: &Path) -> Result<()> {
    train_book_run();
    let figures = descent::figures::all();
    let bar = ProgressBar::new(figures.len() as u64).with_style(
        ProgressStyle::with_template("figures {bar:30} {pos}/{len} {msg}")
            .expect("the progress template is valid"),
    );
    for figure in &figures {
        bar.set_message(figure.path);
        figure.render_into(images_root)?;
        bar.inc(1);
    }
    bar.finish_with_message("done");
    Ok(())
}

/// Trains chapter 5's network (the run its figures show) with a progress bar of its own, so
/// the figure bar does not sit still for the seconds that takes.
fn train_book_run() {
    use descent::cnn::train::{Progress, book_run_with};
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "chapter 5's network: epoch {prefix} {bar:30} {pos}/{len} {msg}",
        )
        .expect("the progress template is valid"),
    );
    book_run_with(&mut |event| match event {
        Progress::Step {
            epoch,
            step,
            steps,
            loss,
            accuracy,
            ..
        } => {
            bar.set_length(steps as u64);
            bar.set_prefix(epoch.to_string());
            bar.set_position(step as u64);
            bar.set_message(format!(
                "loss {loss:.3}, accuracy {:.1} %",
                100.0 * accuracy
            ));
        }
        Progress::Epoch(report) => bar.println(format!(
            "chapter 5's network: epoch {}, validation accuracy {:.1} %",
            report.epoch,
            100.0 * report.val_accuracy
        )),
    });
    bar.finish_and_clear();
}

/// Renders the book's HTML into `destination` and returns the path of its front page.
///
/// # Errors
///
/// When mdBook fails, a formula does not render, or the math assets cannot be copied.
pub fn build_html(destination: &Path) -> Result<PathBuf> {
    let mut book = MDBook::load(book_root())
        .with_context(|| format!("loading the book at {}", book_root().display()))?;
    book.config.build.build_dir = destination.to_path_buf();
    book.with_preprocessor(math::MathPreprocessor);
    book.build().context("rendering the book with mdBook")?;
    copy_math_assets(destination)?;
    Ok(destination.join("index.html"))
}

/// Where cargo unpacked the `pulldown-latex` crate, whose source ships the MathML style sheet
/// and the Latin Modern fonts it needs. Asked of `cargo metadata`, offline and for this
/// platform only (so crates for other platforms need not be downloaded).
fn pulldown_latex_source() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", env!("BOOK_TARGET")])
        .current_dir(workspace_root())
        .output()
        .with_context(|| format!("running `{cargo} metadata`"))?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading `cargo metadata` output")?;
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "pulldown-latex")
        .and_then(|p| p["manifest_path"].as_str())
        .context("`cargo metadata` does not list pulldown-latex")?;
    Ok(Path::new(manifest)
        .parent()
        .expect("a manifest path has a folder")
        .to_path_buf())
}

/// Copies pulldown-latex's `styles.css` and `font/` into `destination/mathml/`.
fn copy_math_assets(destination: &Path) -> Result<()> {
    let source = pulldown_latex_source()?;
    let target = destination.join("mathml");
    let fonts = target.join("font");
    std::fs::create_dir_all(&fonts).with_context(|| format!("creating {}", fonts.display()))?;
    let copy = |from: PathBuf, to: PathBuf| {
        std::fs::copy(&from, &to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))
    };
    copy(source.join("styles.css"), target.join("styles.css"))?;
    let font_dir = source.join("font");
    for entry in
        std::fs::read_dir(&font_dir).with_context(|| format!("reading {}", font_dir.display()))?
    {
        let path = entry?.path();
        let name = path.file_name().expect("a directory entry has a name");
        copy(path.clone(), fonts.join(name))?;
    }
    Ok(())
}
