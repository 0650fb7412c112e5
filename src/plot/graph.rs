//! Computation graphs drawn as boxes and arrows, laid out in layers from left to right.
//!
//! A [`Graph`] is a list of [`Node`]s (a label such as "square", a value text such as
//! "[0.25, 0, 1]" and, optionally, a third line such as a gradient) and [`Edge`]s between them,
//! each with an optional label (Chapter 3 writes the gradient that flowed back there; its
//! `autodiff::draw::from_tape` builds such a graph from the engine's tape).
//! [`Graph::render`] lays it out and writes an SVG:
//!
//! - each node goes in a column (layer) past all of its inputs, so every arrow points right,
//!   and as far right as its first use allows, so inputs needed late are not drawn early;
//! - an arrow that skips columns runs through a placeholder in each column it crosses, so it
//!   bends around the boxes there instead of through them;
//! - within a column, nodes and placeholders are ordered by the mean height of their inputs,
//!   which keeps most arrows short and uncrossed.
//!
//! Set [`Graph::direction`] to [`Direction::TopToBottom`] to turn the picture a quarter turn, for
//! a long chain that would be too wide for a page. Edge labels then sit beside the arrows.
//!
//! ```
//! use descent::plot::graph::{Graph, values_text};
//!
//! // f = (x + y)·z with the values written on the boxes and a gradient on one edge.
//! let mut g = Graph::new();
//! let x = g.node("x", "−2");
//! let y = g.node("y", "5");
//! let z = g.node("z", "−4");
//! let q = g.node("add", "q = 3");
//! let f = g.node("multiply", values_text([-12.0]));
//! g.edge(x, q);
//! g.edge(y, q);
//! g.labelled_edge(q, f, "∂f/∂q = −4");
//! g.edge(z, f);
//! // z is needed only by the multiply, so it stands one column before it.
//! assert_eq!(g.layers(), vec![0, 0, 1, 1, 2]);
//! # let dir = tempfile::tempdir().unwrap();
//! # g.render(&dir.path().join("g.svg"), "a circuit").unwrap();
//! ```

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, PALETTE, svg_area};

/// One box of the graph: what it is, and the value it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// First line, in bold: the name of the input or operation, e.g. "ŷ" or "square".
    pub label: String,
    /// Second line, in colour: the forward value, e.g. "[0.25, 0, 1]". May be empty.
    pub value: String,
    /// Third line, in the colour of edge labels: e.g. the gradient "grad −4". Usually empty; if
    /// any node of a graph has one, every box of that graph is tall enough for three lines.
    pub grad: String,
}

/// One arrow of the graph, from node `from` to node `to` (indices into [`Graph::nodes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Where the arrow starts.
    pub from: usize,
    /// Where the arrow ends.
    pub to: usize,
    /// Text written above the arrow, e.g. a gradient; `None` for a bare arrow.
    pub label: Option<String>,
}

/// Which way the layers of a drawn graph follow each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    /// Inputs on the left, arrows pointing right (the default).
    #[default]
    LeftToRight,
    /// Inputs at the top, arrows pointing down: for long chains that would be too wide.
    TopToBottom,
}

/// A directed acyclic graph of boxes and arrows. Build it with [`Graph::node`] and
/// [`Graph::edge`] (or [`Graph::labelled_edge`]), then draw it with [`Graph::render`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// The boxes, in the order they were added.
    pub nodes: Vec<Node>,
    /// The arrows, in the order they were added.
    pub edges: Vec<Edge>,
    /// Which way the layers run when drawn.
    pub direction: Direction,
}

/// Font size of node labels and values.
const TEXT_SIZE: f64 = 18.0;
/// Approximate width of one character at [`TEXT_SIZE`] (SVG text is drawn at size/1.24).
const CHAR_WIDTH: f64 = 0.47 * TEXT_SIZE;
/// Space between the text and the border of a box.
const PADDING: f64 = 12.0;
/// Height of one line of text in a box.
const LINE_HEIGHT: f64 = 1.25 * TEXT_SIZE;
/// Distance between the centres of two lines of text in a box.
const LINE_STEP: f64 = LINE_HEIGHT + 2.0;
/// Vertical space between boxes in the same column.
const ROW_GAP: f64 = 26.0;
/// The least horizontal space between two columns.
const MIN_COLUMN_GAP: f64 = 50.0;
/// Space between neighbouring boxes of one layer when layers run top to bottom.
const COLUMN_GAP_ACROSS: f64 = 24.0;
/// Space between layers when they run top to bottom.
const LAYER_GAP_DOWN: f64 = 44.0;
/// Room an arrow crossing a layer takes when layers run top to bottom.
const CROSSING_WIDTH: f64 = 16.0;
/// Empty border around the drawing.
const MARGIN: f64 = 20.0;
/// Room for the caption above the drawing.
const CAPTION_HEIGHT: f64 = 44.0;
/// Length of an arrowhead.
const ARROW: f64 = 10.0;

/// A place in a column: a node, or where a long edge crosses that column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Node(usize),
    Crossing { edge: usize },
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a box and returns its index, for use in [`Graph::edge`].
    pub fn node(&mut self, label: impl Into<String>, value: impl Into<String>) -> usize {
        self.nodes.push(Node {
            label: label.into(),
            value: value.into(),
            grad: String::new(),
        });
        self.nodes.len() - 1
    }

    /// Adds a box with a third line `grad` under its value (e.g. "grad −4") and returns its
    /// index.
    pub fn node_with_grad(
        &mut self,
        label: impl Into<String>,
        value: impl Into<String>,
        grad: impl Into<String>,
    ) -> usize {
        let i = self.node(label, value);
        self.nodes[i].grad = grad.into();
        i
    }

    /// Height of every box: two lines of text and padding, or three if any node has a
    /// gradient line.
    fn box_height(&self) -> f64 {
        let lines = if self.nodes.iter().any(|n| !n.grad.is_empty()) {
            3.0
        } else {
            2.0
        };
        lines * LINE_HEIGHT + PADDING
    }

    /// Adds an arrow from node `from` to node `to`, with no label.
    ///
    /// # Panics
    ///
    /// If either index is not a node of this graph.
    pub fn edge(&mut self, from: usize, to: usize) {
        self.push_edge(from, to, None);
    }

    /// Adds an arrow from node `from` to node `to` with `label` written above it.
    ///
    /// # Panics
    ///
    /// If either index is not a node of this graph.
    pub fn labelled_edge(&mut self, from: usize, to: usize, label: impl Into<String>) {
        self.push_edge(from, to, Some(label.into()));
    }

    fn push_edge(&mut self, from: usize, to: usize, label: Option<String>) {
        let count = self.nodes.len();
        assert!(
            from < count && to < count,
            "edge {from} → {to} names a node that does not exist (the graph has {count} nodes)"
        );
        self.edges.push(Edge { from, to, label });
    }

    /// The column of every node. First each node is put one column past the furthest of its
    /// inputs (the longest path from a source); then every node that feeds others moves right
    /// to one column before its first use, so a value needed late does not trail a long arrow.
    /// The last columns are then exactly the longest chain.
    ///
    /// # Panics
    ///
    /// If the graph has a cycle.
    pub fn layers(&self) -> Vec<usize> {
        let mut layer = vec![0; self.nodes.len()];
        // Longest paths by relaxation: a DAG settles within as many rounds as it has nodes.
        let mut settled = false;
        for _round in 0..=self.nodes.len() {
            let mut changed = false;
            for e in &self.edges {
                if layer[e.to] < layer[e.from] + 1 {
                    layer[e.to] = layer[e.from] + 1;
                    changed = true;
                }
            }
            if !changed {
                settled = true;
                break;
            }
        }
        assert!(
            settled,
            "the graph has a cycle, so it cannot be laid out in layers"
        );
        // Then pull every node as far right as its uses allow, latest first, so a value needed
        // late (an input, a side branch) does not trail a long arrow.
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(layer[i]));
        for i in order {
            let first_use = self
                .edges
                .iter()
                .filter(|e| e.from == i)
                .map(|e| layer[e.to])
                .min();
            if let Some(l) = first_use {
                layer[i] = l - 1;
            }
        }
        layer
    }

    /// The layers of slots, each ordered by the mean position of its inputs, with the
    /// position of every slot's centre across the layer (0 in the middle). `extent` is the room
    /// a slot takes across the layer, `gap` the space between neighbours.
    fn columns(&self, extent: impl Fn(Slot) -> f64, gap: f64) -> Vec<Vec<(Slot, f64)>> {
        let layer = self.layers();
        let count = layer.iter().max().map_or(0, |&l| l + 1);
        let mut columns: Vec<Vec<Slot>> = vec![Vec::new(); count];
        for (i, &l) in layer.iter().enumerate() {
            columns[l].push(Slot::Node(i));
        }
        for (k, e) in self.edges.iter().enumerate() {
            for column in &mut columns[layer[e.from] + 1..layer[e.to]] {
                column.push(Slot::Crossing { edge: k });
            }
        }
        let mut placed: Vec<Vec<(Slot, f64)>> = Vec::with_capacity(count);
        for (l, slots) in columns.into_iter().enumerate() {
            let mut keyed: Vec<(f64, usize, Slot)> = slots
                .into_iter()
                .enumerate()
                .map(|(order, slot)| {
                    let key = placed
                        .last()
                        .map_or(0.0, |previous| self.mean_input_height(slot, previous, l));
                    (key, order, slot)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let total: f64 = keyed.iter().map(|k| extent(k.2)).sum::<f64>()
                + gap * (keyed.len().max(1) - 1) as f64;
            let mut start = -total / 2.0;
            let mut centres = Vec::with_capacity(keyed.len());
            for (_, _, slot) in keyed {
                centres.push((slot, start + extent(slot) / 2.0));
                start += extent(slot) + gap;
            }
            placed.push(centres);
        }
        placed
    }

    /// Mean height, in the previous column, of the slots feeding `slot` (in column `l`).
    fn mean_input_height(&self, slot: Slot, previous: &[(Slot, f64)], l: usize) -> f64 {
        let feeds = |s: &Slot| match (slot, *s) {
            (Slot::Crossing { edge }, Slot::Crossing { edge: other }) => edge == other,
            (Slot::Crossing { edge }, Slot::Node(n)) => self.edges[edge].from == n,
            (Slot::Node(i), Slot::Node(n)) => self.edges.iter().any(|e| e.from == n && e.to == i),
            (Slot::Node(i), Slot::Crossing { edge }) => self.edges[edge].to == i,
        };
        let heights: Vec<f64> = previous
            .iter()
            .filter(|(s, _)| feeds(s))
            .map(|&(_, h)| h)
            .collect();
        if heights.is_empty() {
            // A source placed late (or anything in column 0): below the others.
            return if l == 0 { 0.0 } else { f64::MAX };
        }
        heights.iter().sum::<f64>() / heights.len() as f64
    }

    /// Width of a node's box, from the longest of its lines.
    fn box_width(&self, node: usize) -> f64 {
        let n = &self.nodes[node];
        let chars = [&n.label, &n.value, &n.grad]
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(0);
        chars as f64 * CHAR_WIDTH + 2.0 * PADDING
    }

    /// Lays the graph out and writes it as an SVG to `path`, with `caption` above it. The
    /// picture is as large as the graph needs.
    ///
    /// # Errors
    ///
    /// When the file cannot be written; the error names it.
    ///
    /// # Panics
    ///
    /// If the graph has a cycle.
    pub fn render(&self, path: &Path, caption: &str) -> FigureResult {
        let across = self.direction == Direction::TopToBottom;
        let box_height = self.box_height();
        let extent = |slot: Slot| match (slot, across) {
            (Slot::Node(i), true) => self.box_width(i),
            (Slot::Crossing { .. }, true) => CROSSING_WIDTH,
            (_, false) => box_height,
        };
        let columns = self.columns(extent, if across { COLUMN_GAP_ACROSS } else { ROW_GAP });
        let longest_label = self
            .edges
            .iter()
            .filter_map(|e| e.label.as_ref().map(|l| l.chars().count()))
            .max()
            .unwrap_or(0);
        // Along the layers: each layer's depth (widest box, or one box height) and the gap.
        let depths: Vec<f64> = columns
            .iter()
            .map(|slots| {
                slots
                    .iter()
                    .map(|&(s, _)| match (s, across) {
                        (Slot::Node(i), false) => self.box_width(i),
                        (Slot::Node(_), true) => box_height,
                        (Slot::Crossing { .. }, _) => 0.0,
                    })
                    .fold(0.0, f64::max)
            })
            .collect();
        let gap = if across {
            LAYER_GAP_DOWN
        } else {
            MIN_COLUMN_GAP.max(longest_label as f64 * CHAR_WIDTH + 3.0 * ARROW)
        };
        let mut starts = Vec::with_capacity(depths.len());
        let mut along = 0.0;
        for d in &depths {
            starts.push(along);
            along += d + gap;
        }
        let along_total = (along - gap).max(0.0);
        // Across the layers: the widest layer, plus room for edge labels beside vertical arrows.
        let across_total = columns
            .iter()
            .map(|slots| {
                slots
                    .iter()
                    .map(|&(s, c)| c + extent(s) / 2.0)
                    .fold(0.0, f64::max)
                    * 2.0
            })
            .fold(0.0, f64::max)
            + if across {
                longest_label as f64 * CHAR_WIDTH
            } else {
                0.0
            };
        let (body_width, body_height) = if across {
            (across_total, along_total)
        } else {
            (along_total, across_total)
        };
        let caption_width = caption.chars().count() as f64 * CHAR_WIDTH * 1.15 + 2.0 * MARGIN;
        let width = (body_width + 2.0 * MARGIN).max(caption_width);
        let height = CAPTION_HEIGHT + body_height + 2.0 * MARGIN;
        let origin_along = if across {
            CAPTION_HEIGHT + MARGIN
        } else {
            MARGIN
        };
        let middle_across = if across {
            width / 2.0
        } else {
            CAPTION_HEIGHT + MARGIN + body_height / 2.0
        };

        // Where each slot sits, as a rectangle: (left, right, top, bottom). A crossing spans its
        // whole layer along the flow and has no extent across it.
        let place = |l: usize, slot: Slot| -> (f64, f64, f64, f64) {
            let (_, c) = columns[l]
                .iter()
                .find(|(s, _)| *s == slot)
                .expect("every slot was placed");
            let centre_along = origin_along + starts[l] + depths[l] / 2.0;
            let half_along = match (slot, across) {
                (Slot::Node(i), false) => self.box_width(i) / 2.0,
                (Slot::Node(_), true) => box_height / 2.0,
                (Slot::Crossing { .. }, _) => depths[l] / 2.0,
            };
            let half_across = match slot {
                Slot::Node(_) => extent(slot) / 2.0,
                Slot::Crossing { .. } => 0.0,
            };
            let (a0, a1) = (centre_along - half_along, centre_along + half_along);
            let (c0, c1) = (
                middle_across + c - half_across,
                middle_across + c + half_across,
            );
            if across {
                (c0, c1, a0, a1)
            } else {
                (a0, a1, c0, c1)
            }
        };
        // Where an arrow leaves a slot and where it enters one.
        let exit = |(left, right, top, bottom): (f64, f64, f64, f64)| {
            if across {
                ((left + right) / 2.0, bottom)
            } else {
                (right, (top + bottom) / 2.0)
            }
        };
        let entry = |(left, right, top, bottom): (f64, f64, f64, f64)| {
            if across {
                ((left + right) / 2.0, top)
            } else {
                (left, (top + bottom) / 2.0)
            }
        };

        let area = svg_area(path, (width.ceil() as u32, height.ceil() as u32))?;
        let caption_style = (FONT, CAPTION_SIZE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new(
            caption.to_string(),
            (px(width / 2.0), px(MARGIN + CAPTION_HEIGHT / 2.0 - 6.0)),
            caption_style,
        ))
        .at(path)?;

        let layer = self.layers();
        let mut labels = Vec::new();
        for (k, e) in self.edges.iter().enumerate() {
            let mut points = vec![exit(place(layer[e.from], Slot::Node(e.from)))];
            for l in layer[e.from] + 1..layer[e.to] {
                let crossing = place(l, Slot::Crossing { edge: k });
                points.push(entry(crossing));
                points.push(exit(crossing));
            }
            points.push(entry(place(layer[e.to], Slot::Node(e.to))));
            draw_edge(&area, &points).at(path)?;
            if let Some(text) = &e.label {
                labels.push((text, points[0], points[1]));
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let (left, right, top, bottom) = place(layer[i], Slot::Node(i));
            draw_box(&area, node, (left, right, top, bottom)).at(path)?;
        }
        // Labels last, on a white patch, so no box or arrow hides them.
        for (text, a, b) in labels {
            draw_edge_label(&area, text, a, b).at(path)?;
        }
        area.present().at(path)
    }
}

/// Draws one arrow along `points` (pixels).
fn draw_edge<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    points: &[(f64, f64)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x1, y1) = points[points.len() - 1];
    let (x0, y0) = points[points.len() - 2];
    let length = (x1 - x0).hypot(y1 - y0).max(1e-9);
    let (ux, uy) = ((x1 - x0) / length, (y1 - y0) / length);
    // Stop the line where the arrowhead starts, so its end does not poke through the tip.
    let mut line: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
    let last = line.len() - 1;
    line[last] = (px(x1 - ux * ARROW), px(y1 - uy * ARROW));
    area.draw(&PathElement::new(line, GREY.stroke_width(2)))?;
    let head = vec![
        (px(x1), px(y1)),
        (
            px(x1 - ux * ARROW - uy * ARROW / 2.0),
            px(y1 - uy * ARROW + ux * ARROW / 2.0),
        ),
        (
            px(x1 - ux * ARROW + uy * ARROW / 2.0),
            px(y1 - uy * ARROW - ux * ARROW / 2.0),
        ),
    ];
    area.draw(&Polygon::new(head, GREY.filled()))?;
    Ok(())
}

/// Writes an arrow's label beside the stretch from `(ax, ay)` to `(bx, by)`, the first one of
/// the arrow: above it when it runs mostly across, to its right when it runs mostly down. A
/// white patch behind the text keeps it legible where it meets another arrow or a box.
fn draw_edge_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    text: &str,
    (ax, ay): (f64, f64),
    (bx, by): (f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let vertical = (by - ay).abs() > (bx - ax).abs();
    let (x, y) = ((ax + bx) / 2.0, (ay + by) / 2.0);
    // The patch is a little smaller than a line of text, to spare nearby box borders.
    let width = text.chars().count() as f64 * CHAR_WIDTH * 0.9;
    let height = 0.8 * TEXT_SIZE;
    let (anchor, x, y, left, top) = if vertical {
        let x = x + 6.0;
        let pos = Pos::new(HPos::Left, VPos::Center);
        (pos, x, y, x, y - height / 2.0)
    } else {
        let y = y - 4.0;
        let pos = Pos::new(HPos::Center, VPos::Bottom);
        (pos, x, y, x - width / 2.0, y - height)
    };
    area.draw(&Rectangle::new(
        [(px(left), px(top)), (px(left + width), px(top + height))],
        WHITE.filled(),
    ))?;
    let style = (FONT, TEXT_SIZE).into_font().color(&PALETTE[1]).pos(anchor);
    area.draw(&Text::new(text.to_string(), (px(x), px(y)), style))?;
    Ok(())
}

/// Draws a node's box with its label on the first line, its value on the second and its
/// gradient, if any, on the third; the lines are centred in the box together.
fn draw_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    node: &Node,
    (left, right, top, bottom): (f64, f64, f64, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let corners = [(px(left), px(top)), (px(right), px(bottom))];
    area.draw(&Rectangle::new(corners, RGBColor(244, 247, 251).filled()))?;
    area.draw(&Rectangle::new(corners, PALETTE[0].stroke_width(2)))?;
    let centre = px((left + right) / 2.0);
    let style = |colour: RGBColor, bold: bool| {
        let font = (FONT, TEXT_SIZE).into_font();
        let font = if bold {
            font.style(FontStyle::Bold)
        } else {
            font
        };
        font.color(&colour)
            .pos(Pos::new(HPos::Center, VPos::Center))
    };
    let lines: Vec<(&str, TextStyle)> = [
        (node.label.as_str(), style(BLACK, true)),
        (node.value.as_str(), style(PALETTE[0], false)),
        (node.grad.as_str(), style(PALETTE[1], false)),
    ]
    .into_iter()
    .filter(|(text, _)| !text.is_empty())
    .collect();
    let middle = (top + bottom) / 2.0;
    let first = middle - (lines.len() as f64 - 1.0) * LINE_STEP / 2.0;
    for (k, (text, style)) in lines.into_iter().enumerate() {
        let y = first + k as f64 * LINE_STEP;
        area.draw(&Text::new(text.to_string(), (centre, px(y)), style))?;
    }
    Ok(())
}

/// Rounds a pixel coordinate.
fn px(v: f64) -> i32 {
    v.round() as i32
}

/// Writes numbers for a box: one number bare, several in brackets, each with at most three
/// decimals, trailing zeros dropped and a true minus sign.
///
/// # Examples
///
/// ```
/// use descent::plot::graph::values_text;
/// assert_eq!(values_text([0.5, 0.0, -1.0]), "[0.5, 0, −1]");
/// assert_eq!(values_text([5.0 / 12.0]), "0.417");
/// ```
pub fn values_text(values: impl IntoIterator<Item = f64>) -> String {
    let texts: Vec<String> = values.into_iter().map(number_text).collect();
    match texts.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// One number with at most three decimals, trailing zeros dropped, "−" for minus.
fn number_text(v: f64) -> String {
    let fixed = format!("{v:.3}");
    let trimmed = if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.')
    } else {
        fixed.as_str()
    };
    match trimmed {
        "-0" => "0".to_string(),
        t => t.replacen('-', "−", 1),
    }
}
