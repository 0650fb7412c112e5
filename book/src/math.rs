//! TeX to MathML at build time, so the book shows every formula with no JavaScript and no
//! network.
//!
//! The chapters write math between `$…$` (inline) and `$$…$$` (display), which GitHub shows
//! too. This preprocessor finds those spans with pulldown-cmark's math extension, so that
//! code blocks and inline code are never touched, renders each with pulldown-latex, and fails
//! the build on any TeX it cannot render.

use std::fmt::Write as _;
use std::ops::Range;

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use pulldown_cmark::{Event, Options, Parser};
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{RenderConfig, Storage};

/// A formula that could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    /// The TeX source of the formula.
    pub tex: String,
    /// What the renderer said.
    pub message: String,
}

impl std::fmt::Display for MathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot render `{}`: {}", self.tex, self.message)
    }
}

/// The mdBook preprocessor that replaces every formula of every chapter with MathML.
pub struct MathPreprocessor;

impl Preprocessor for MathPreprocessor {
    fn name(&self) -> &str {
        "mathml"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let mut failures = Vec::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item {
                match render_math(&chapter.content) {
                    Ok(content) => chapter.content = content,
                    Err(errors) => {
                        let source = chapter
                            .source_path
                            .as_ref()
                            .map_or_else(|| chapter.name.clone(), |p| p.display().to_string());
                        failures.extend(errors.into_iter().map(|e| format!("{source}: {e}")));
                    }
                }
            }
        });
        if !failures.is_empty() {
            bail!("math that does not render:\n  {}", failures.join("\n  "));
        }
        Ok(book)
    }
}

/// The markdown options mdBook uses, plus math, so that block structure is read the same way.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_MATH
}

/// Replaces every `$…$` and `$$…$$` span of `markdown` with MathML.
///
/// # Errors
///
/// Every formula that does not render, with its TeX and the reason.
pub fn render_math(markdown: &str) -> Result<String, Vec<MathError>> {
    let spans: Vec<(Range<usize>, String, DisplayMode)> = Parser::new_ext(markdown, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::InlineMath(tex) => Some((range, tex.into_string(), DisplayMode::Inline)),
            Event::DisplayMath(tex) => Some((range, tex.into_string(), DisplayMode::Block)),
            _ => None,
        })
        .collect();
    let mut out = String::with_capacity(markdown.len() * 2);
    let mut errors = Vec::new();
    let mut cursor = 0;
    for (range, tex, mode) in spans {
        out.push_str(&markdown[cursor..range.start]);
        match to_mathml(&tex, mode) {
            Ok(mathml) => out.push_str(&mathml),
            Err(e) => errors.push(e),
        }
        cursor = range.end;
    }
    out.push_str(&markdown[cursor..]);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Renders one formula to MathML on a single line, safe to drop into markdown.
///
/// # Errors
///
/// When pulldown-latex reports an error (it renders errors as `<merror>`).
pub fn to_mathml(tex: &str, display_mode: DisplayMode) -> Result<String, MathError> {
    let storage = Storage::new();
    let parser = pulldown_latex::Parser::new(tex, &storage);
    let config = RenderConfig {
        display_mode,
        ..RenderConfig::default()
    };
    let mut mathml = String::new();
    pulldown_latex::push_mathml(&mut mathml, parser, config).map_err(|e| MathError {
        tex: tex.to_string(),
        message: e.to_string(),
    })?;
    if let Some(start) = mathml.find("<merror") {
        let message = strip_tags(&mathml[start..]);
        return Err(MathError {
            tex: tex.to_string(),
            message,
        });
    }
    Ok(protect_from_markdown(&mathml.replace('\n', " ")))
}

/// The text of an HTML fragment with its tags removed.
fn strip_tags(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Markdown still parses the text between inline HTML tags, so a `*` or `_` inside a `<mo>`
/// could start emphasis. Writing every ASCII punctuation character of the text as a numeric
/// character reference keeps the text literal. Tags and existing `&…;` references stay as
/// they are.
fn protect_from_markdown(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len());
    let mut in_tag = false;
    for c in mathml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ => {}
        }
        if !in_tag && c != '>' && c.is_ascii_punctuation() && !matches!(c, '&' | ';' | '#') {
            write!(out, "&#{};", c as u32).expect("writing to a String cannot fail");
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_display_math_become_mathml() {
        let md = "The loss $L = \\frac{1}{n}$ and\n\n$$\\sum_{i=1}^n r_i^2$$\n";
        let out = render_math(md).unwrap();
        assert!(!out.contains('$'), "{out}");
        assert!(out.contains("<math display=\"inline\"><mi>L</mi>"), "{out}");
        assert!(out.contains("<math display=\"block\">"), "{out}");
        assert!(out.contains("<mfrac>"), "{out}");
    }

    #[test]
    fn code_is_left_alone() {
        let md = "`$x$` and\n\n```text\n$$y$$\n```\n";
        assert_eq!(render_math(md).unwrap(), md);
    }

    #[test]
    fn bad_tex_is_an_error_naming_the_formula() {
        let errors = render_math("bad: $\\frac{1}$ and good: $x$").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].tex, "\\frac{1}");
    }

    #[test]
    fn markdown_punctuation_inside_math_stays_literal() {
        let mathml = to_mathml("a * b * c", DisplayMode::Inline).unwrap();
        assert!(!mathml.contains("<mo>*</mo>"), "{mathml}");
        assert!(mathml.contains("&#42;") || mathml.contains('∗'), "{mathml}");
    }
}
