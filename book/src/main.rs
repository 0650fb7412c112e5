//! `cargo run -p book`: draws every figure of the book, then builds the HTML.

use std::path::PathBuf;

use anyhow::Result;
use clap::Parser;

/// Chapter 5's figures train a network; its layers allocate large buffers on worker threads,
/// which the system allocator hands back to the kernel and faults in again at every step.
/// mimalloc keeps them (see the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Build the descent book: every figure, then the HTML with math rendered at build time.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Where to write the HTML (default: target/book in the workspace).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not redraw the figures; use the ones already in images/.
    #[arg(long)]
    skip_figures: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let root = book::workspace_root();
    if !args.skip_figures {
        book::render_figures(&root.join("images"))?;
    }
    let out = args.out.unwrap_or_else(|| root.join("target").join("book"));
    let index = book::build_html(&out)?;
    let index = index.canonicalize().unwrap_or(index);
    println!("The book is ready: open file://{}", index.display());
    Ok(())
}
