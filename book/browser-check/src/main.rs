//! Opens the built book in headless Chromium and fails when a page has an image that did not
//! load, a formula the browser did not lay out as math, or a search that finds nothing.
//! Saves a screenshot of the Introduction for people to look at.
//!
//! `cargo run -p browser-check -- --help`

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

/// Check the built book in a real (headless) browser.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The built book (default: target/book in the workspace).
    #[arg(long)]
    book: Option<PathBuf>,
    /// The Chromium executable.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// Where to save the screenshot of the Introduction
    /// (default: target/screenshots/introduction.png).
    #[arg(long)]
    screenshot: Option<PathBuf>,
}

/// Inspects the loaded page: images, MathML layout, math errors.
const INSPECT_PAGE: &str = r#"
new Promise(resolve => {
  const inspect = () => {
    const images = Array.from(document.querySelectorAll('main img'));
    const broken = images
      .filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.getAttribute('src'));
    const maths = Array.from(document.querySelectorAll('main math'));
    const empty = maths.filter(m => {
      const r = m.getBoundingClientRect();
      return r.width <= 0 || r.height <= 0;
    }).length;
    // Where MathML is laid out, a fraction's numerator sits above its denominator.
    const fractions = Array.from(document.querySelectorAll('main mfrac'));
    const flat = fractions.filter(f => {
      const top = f.firstElementChild.getBoundingClientRect();
      const bottom = f.lastElementChild.getBoundingClientRect();
      return !(top.bottom <= bottom.top + 1);
    }).length;
    const errors = document.querySelectorAll('merror').length;
    resolve(JSON.stringify({
      images: images.length, broken, maths: maths.length, empty,
      fractions: fractions.length, flat, errors
    }));
  };
  if (document.readyState === 'complete') inspect();
  else window.addEventListener('load', inspect);
})
"#;

/// Types a query into mdBook's search and counts the results.
const SEARCH: &str = r#"
new Promise(resolve => {
  document.getElementById('mdbook-searchbar').value = 'gradient';
  document.getElementById('mdbook-search-toggle').click();
  let tries = 0;
  const poll = () => {
    const hits = document.querySelectorAll('#mdbook-searchresults li').length;
    if (hits > 0 || ++tries > 50) resolve(hits); else setTimeout(poll, 100);
  };
  poll();
})
"#;

fn evaluate(tab: &Tab, script: &str) -> Result<Value> {
    let result = tab
        .evaluate(script, true)
        .context("running a script in the page")?;
    result.value.context("the script returned nothing")
}

fn file_url(path: &Path) -> Result<String> {
    let absolute = path
        .canonicalize()
        .with_context(|| format!("{} does not exist", path.display()))?;
    Ok(format!("file://{}", absolute.display()))
}

/// Checks one page; returns its number of images and formulas.
fn check_page(tab: &Tab, page: &Path) -> Result<(u64, u64)> {
    tab.navigate_to(&file_url(page)?)?.wait_until_navigated()?;
    let report: Value = serde_json::from_str(
        evaluate(tab, INSPECT_PAGE)?
            .as_str()
            .context("the inspection returns JSON text")?,
    )?;
    let name = page.display();
    let count = |key: &str| report[key].as_u64().unwrap_or(0);
    ensure!(
        report["broken"].as_array().is_some_and(Vec::is_empty),
        "{name}: images did not load: {}",
        report["broken"]
    );
    ensure!(
        count("errors") == 0,
        "{name}: {} math errors",
        count("errors")
    );
    ensure!(
        count("empty") == 0,
        "{name}: {} of {} formulas have no size (not rendered)",
        count("empty"),
        count("maths")
    );
    ensure!(
        count("flat") == 0,
        "{name}: {} of {} fractions are not stacked (MathML not laid out)",
        count("flat"),
        count("fractions")
    );
    Ok((count("images"), count("maths")))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("browser-check sits in book/browser-check inside the workspace")
        .to_path_buf();
    let book_dir = args.book.unwrap_or_else(|| root.join("target/book"));
    let screenshot = args
        .screenshot
        .unwrap_or_else(|| root.join("target/screenshots/introduction.png"));

    let profile = tempfile::tempdir().context("a temporary browser profile")?;
    let flags = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ]
    .map(std::ffi::OsStr::new);
    let options = LaunchOptions::default_builder()
        .path(Some(args.chromium.clone()))
        .sandbox(false)
        .window_size(Some((1280, 1800)))
        .user_data_dir(Some(profile.path().to_path_buf()))
        .args(flags.to_vec())
        .idle_browser_timeout(Duration::from_secs(120))
        .build()
        .context("browser options")?;
    let browser =
        Browser::new(options).with_context(|| format!("starting {}", args.chromium.display()))?;
    let tab = browser.new_tab()?;
    tab.set_default_timeout(Duration::from_secs(30));

    let mut pages: Vec<PathBuf> = std::fs::read_dir(&book_dir)
        .with_context(|| format!("reading {}", book_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .filter(|p| !p.ends_with("toc.html") && !p.ends_with("404.html"))
        .collect();
    pages.sort();
    ensure!(!pages.is_empty(), "no pages in {}", book_dir.display());

    let (mut images, mut maths) = (0, 0);
    for page in &pages {
        let (i, m) = check_page(&tab, page)?;
        println!("ok  {:>3} images {:>4} formulas  {}", i, m, page.display());
        images += i;
        maths += m;
    }
    ensure!(
        images > 0 && maths > 0,
        "the book shows no images or no math"
    );

    let introduction = book_dir.join("introduction.html");
    tab.navigate_to(&file_url(&introduction)?)?
        .wait_until_navigated()?;
    let png = tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)?;
    if let Some(folder) = screenshot.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(&screenshot, png)
        .with_context(|| format!("writing {}", screenshot.display()))?;

    let hits = evaluate(&tab, SEARCH)?.as_u64().unwrap_or(0);
    if hits == 0 {
        bail!("searching the book for \"gradient\" found nothing");
    }
    println!(
        "browser check passed: {} pages, {images} images, {maths} formulas, search finds {hits} results; screenshot at {}",
        pages.len(),
        screenshot.display()
    );
    Ok(())
}
