//! The built book is whole: every formula rendered, every image and internal link resolves,
//! every chapter of the table of contents has its page.
//!
//! Builds the HTML (not the figures: those are committed, and `.ci/run` checks they are
//! fresh) into a temporary folder once, then checks it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The book, built once for all tests of this file.
fn built_book() -> &'static Path {
    static BOOK: OnceLock<tempfile::TempDir> = OnceLock::new();
    BOOK.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        book::build_html(dir.path()).expect("the book builds");
        dir
    })
    .path()
}

/// Every HTML page of the built book, with its text.
fn pages() -> Vec<(PathBuf, String)> {
    let mut pages = Vec::new();
    let mut folders = vec![built_book().to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable output folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let text = std::fs::read_to_string(&path).expect("HTML is UTF-8");
                pages.push((path, text));
            }
        }
    }
    assert!(!pages.is_empty(), "the built book has no HTML pages");
    pages
}

/// The page with the elements whose content is not prose removed: scripts, styles, code.
fn prose_of(html: &str) -> String {
    let mut text = html.to_string();
    for tag in ["script", "style", "pre", "code"] {
        let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
        while let Some(start) = text.find(&open) {
            let end = text[start..]
                .find(&close)
                .map_or(text.len(), |e| start + e + close.len());
            text.replace_range(start..end, " ");
        }
    }
    text
}

/// The values of every `name="…"` attribute in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[test]
fn no_raw_tex_and_no_math_errors() {
    let commands = [
        "\\frac",
        "\\sum",
        "\\partial",
        "\\begin",
        "\\hat",
        "\\lim",
        "\\mathbb",
    ];
    for (path, html) in pages() {
        let prose = prose_of(&html);
        assert!(
            !prose.contains("<merror"),
            "{} contains a math rendering error",
            path.display()
        );
        if let Some(at) = prose.find('$') {
            panic!(
                "{} contains a raw `$` (unrendered TeX?) near: {}",
                path.display(),
                &prose[at.saturating_sub(60)..(at + 60).min(prose.len())]
            );
        }
        for command in commands {
            assert!(
                !prose.contains(command),
                "{} contains raw TeX `{command}`",
                path.display()
            );
        }
    }
}

#[test]
fn every_page_with_math_has_mathml() {
    let introduction = std::fs::read_to_string(built_book().join("introduction.html"))
        .expect("the Introduction is rendered");
    assert!(
        introduction.contains("<math"),
        "the Introduction has no MathML"
    );
    let appendix = std::fs::read_to_string(built_book().join("appendix-gradient-checking.html"))
        .expect("the appendix is rendered");
    for element in ["<mfrac", "<msub", "<munder", "<mtable"] {
        assert!(appendix.contains(element), "the appendix has no {element}");
    }
}

#[test]
fn every_image_and_internal_link_resolves() {
    let mut checked = 0;
    for (path, html) in pages() {
        let folder = path.parent().expect("a page sits in a folder");
        let references = attribute_values(&html, "src")
            .into_iter()
            .chain(attribute_values(&html, "href"));
        for reference in references {
            let external = ["http://", "https://", "mailto:", "javascript:", "data:"]
                .iter()
                .any(|scheme| reference.starts_with(scheme));
            let target = reference.split(['#', '?']).next().unwrap_or_default();
            if external || target.is_empty() || target.contains("{{") {
                continue;
            }
            let resolved = folder.join(target);
            assert!(
                resolved.exists(),
                "{} refers to {reference}, which is not in the built book",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} references were checked");
}

#[test]
fn every_figure_a_chapter_shows_is_in_the_book() {
    let chapters = book::workspace_root().join("chapters");
    let mut figures = 0;
    for entry in std::fs::read_dir(&chapters).expect("the chapters folder") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("chapters are UTF-8");
        for (at, _) in text.match_indices("](images/") {
            let rest = &text[at + 2..];
            let end = rest.find([')', ' ']).expect("an image link is closed");
            let image = &rest[..end];
            assert!(
                built_book().join(image).is_file(),
                "{} shows {image}, which is missing from the built book",
                path.display()
            );
            figures += 1;
        }
    }
    assert!(figures >= 2, "the chapters show only {figures} figures");
}

#[test]
fn every_written_chapter_of_the_summary_has_a_page() {
    let summary = std::fs::read_to_string(book::workspace_root().join("chapters/SUMMARY.md"))
        .expect("chapters/SUMMARY.md");
    let linked: Vec<&str> = summary
        .match_indices("](")
        .filter_map(|(at, _)| {
            let rest = &summary[at + 2..];
            rest.find(')').map(|end| &rest[..end])
        })
        .filter(|target| !target.is_empty())
        .collect();
    assert!(linked.len() >= 2, "SUMMARY.md links {linked:?}");
    for source in linked {
        let page = built_book().join(Path::new(source).with_extension("html"));
        assert!(page.is_file(), "{source} has no page {}", page.display());
    }
}

#[test]
fn search_index_is_built() {
    let has_index = std::fs::read_dir(built_book())
        .expect("the output folder")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("searchindex"));
    assert!(has_index, "no search index in the built book");
}
