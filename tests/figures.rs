//! Figures are deterministic: drawing one twice gives the same bytes, and every listed figure
//! belongs to a known chapter folder and is committed.

use descent::figures;

const CHAPTERS: [&str; 7] = ["intro", "ch01", "ch02", "ch03", "ch04", "ch05", "appendix"];

#[test]
fn every_figure_is_deterministic() {
    let first = tempfile::tempdir().expect("a temporary folder");
    let second = tempfile::tempdir().expect("a temporary folder");
    for figure in figures::all() {
        figure.render_into(first.path()).expect("the figure draws");
        figure.render_into(second.path()).expect("the figure draws");
        let a = std::fs::read(first.path().join(figure.path)).expect("first drawing");
        let b = std::fs::read(second.path().join(figure.path)).expect("second drawing");
        assert!(!a.is_empty(), "{} is empty", figure.path);
        assert!(a == b, "{} differs between two drawings", figure.path);
    }
}

#[test]
fn every_figure_is_in_a_chapter_folder_and_committed() {
    let images = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("images");
    let all = figures::all();
    assert!(!all.is_empty());
    for figure in &all {
        assert!(
            CHAPTERS.contains(&figure.chapter()),
            "{} is not under a chapter folder ({CHAPTERS:?})",
            figure.path
        );
        assert!(
            images.join(figure.path).is_file(),
            "{} is listed but not in images/ (run `cargo run -p book`)",
            figure.path
        );
    }
    let mut paths: Vec<_> = all.iter().map(|f| f.path).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths.len(), all.len(), "two figures share a path");
}
