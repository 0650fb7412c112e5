//! Drawing a computation graph: boxes in layers from left to right, arrows between them.
//!
//! [`Diagram`] knows nothing about autodiff: nodes are a label plus a value line and a gradient
//! line, edges carry one label. [`Diagram::from_tape`] fills one in from a [`Tape`] after a
//! backward pass; [`render`] draws any diagram as SVG.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Op, Tape, Var};
use crate::plot::{CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, svg_area};

/// One box of a diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramNode {
    /// The first line: an operation or a name.
    pub label: String,
    /// The second line, the forward value.
    pub value: String,
    /// The third line, the gradient (may be empty).
    pub grad: String,
    /// The column, 0 at the left.
    pub layer: usize,
}

/// One arrow of a diagram, from the node at index `from` to the node at index `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramEdge {
    /// Index of the source node in [`Diagram::nodes`].
    pub from: usize,
    /// Index of the target node in [`Diagram::nodes`].
    pub to: usize,
    /// Text written on the arrow (here: the gradient that flowed back along it).
    pub label: String,
}

/// A layered drawing of a graph. Every edge must go from a lower layer to a higher one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagram {
    /// The boxes.
    pub nodes: Vec<DiagramNode>,
    /// The arrows.
    pub edges: Vec<DiagramEdge>,
}

/// A number as the drawings write it: integers without decimals, others with at most four,
/// and a true minus sign.
///
/// # Examples
///
/// ```
/// use descent::autodiff::draw::number;
/// assert_eq!(number(-12.0), "−12");
/// assert_eq!(number(1.0 / 3.0), "0.3333");
/// assert_eq!(number(0.5), "0.5");
/// assert_eq!(number(1e-12), "1e−12");
/// ```
pub fn number(v: f64) -> String {
    let text = if v == v.round() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() < 1e-3 {
        format!("{v:e}")
    } else {
        let fixed = format!("{v:.4}");
        fixed.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    text.replace('-', "−")
}

impl Diagram {
    /// The graph that `output` depends on, with forward values and the gradients of one
    /// backward pass from `output`.
    ///
    /// Constants get no box of their own: they are written into the label of the operation
    /// that uses them (`"− 1"`, `"× 0.3333"`). Each box shows the node's value and its gradient
    /// ∂output/∂node; each arrow shows the share of the gradient that flowed back along it.
    pub fn from_tape(tape: &Tape, output: Var) -> Self {
        let nodes = tape.nodes();
        let adjoint = tape.adjoints(output);
        let needed = ancestors(tape, output);
        let drawn = |v: Var| needed[v.index()] && nodes[v.index()].op != Op::Constant;
        // Position of each drawn tape node in the diagram.
        let mut slot = vec![usize::MAX; nodes.len()];
        let mut diagram = Diagram::default();
        for (i, node) in nodes[..=output.index()].iter().enumerate() {
            let v = Var(i);
            if !drawn(v) {
                continue;
            }
            let layer = node
                .inputs
                .iter()
                .filter(|(input, _)| drawn(*input))
                .map(|(input, _)| diagram.nodes[slot[input.index()]].layer + 1)
                .max()
                .unwrap_or(0);
            slot[i] = diagram.nodes.len();
            diagram.nodes.push(DiagramNode {
                label: node_label(tape, v),
                value: value_line(&node.name, node.value),
                grad: format!("grad {}", number(adjoint[i])),
                layer,
            });
        }
        diagram.edges = tape
            .edge_gradients(output)
            .into_iter()
            .filter(|&(from, to, _)| drawn(from) && drawn(to))
            .map(|(from, to, g)| DiagramEdge {
                from: slot[from.index()],
                to: slot[to.index()],
                label: number(g),
            })
            .collect();
        diagram.place_leaves_late();
        diagram
    }

    /// Moves every node without incoming arrows to the layer just before its first user, so
    /// that an input used only at the end does not send a long arrow across the drawing.
    pub fn place_leaves_late(&mut self) {
        for i in 0..self.nodes.len() {
            let is_leaf = self.edges.iter().all(|e| e.to != i);
            let first_use = self
                .edges
                .iter()
                .filter(|e| e.from == i)
                .map(|e| self.nodes[e.to].layer)
                .min();
            if let (true, Some(layer)) = (is_leaf, first_use) {
                self.nodes[i].layer = layer - 1;
            }
        }
    }

    /// How many layers the diagram has.
    pub fn layers(&self) -> usize {
        self.nodes.iter().map(|n| n.layer + 1).max().unwrap_or(0)
    }

    /// The row of every node within its layer, ordered so that arrows cross little: leaves in
    /// the order given, every later node by the mean row of its sources.
    pub fn rows(&self) -> Vec<usize> {
        let mut rows = vec![0usize; self.nodes.len()];
        for layer in 0..self.layers() {
            let mut members: Vec<(f64, usize)> = self
                .nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.layer == layer)
                .map(|(i, _)| {
                    let sources: Vec<f64> = self
                        .edges
                        .iter()
                        .filter(|e| e.to == i)
                        .map(|e| rows[e.from] as f64)
                        .collect();
                    let centre = if sources.is_empty() {
                        i as f64
                    } else {
                        sources.iter().sum::<f64>() / sources.len() as f64
                    };
                    (centre, i)
                })
                .collect();
            members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (row, (_, i)) in members.into_iter().enumerate() {
                rows[i] = row;
            }
        }
        rows
    }
}

/// Which nodes `output` depends on (itself included), found by walking inputs backwards.
fn ancestors(tape: &Tape, output: Var) -> Vec<bool> {
    let nodes = tape.nodes();
    let mut needed = vec![false; nodes.len()];
    needed[output.index()] = true;
    for i in (0..=output.index()).rev() {
        if needed[i] {
            for (input, _) in &nodes[i].inputs {
                needed[input.index()] = true;
            }
        }
    }
    needed
}

/// The first line of a box: the name of an input, or the operation with any constant operand
/// written in (`"− 1"` for a − 1, `"1 −"` for 1 − a).
fn node_label(tape: &Tape, v: Var) -> String {
    let node = tape.node(v);
    if node.op == Op::Input {
        return node.name.clone();
    }
    let constant = |input: &Var| {
        let n = tape.node(*input);
        (n.op == Op::Constant).then(|| number(n.value))
    };
    match node.inputs.as_slice() {
        [(a, _), (b, _)] => match (constant(a), constant(b)) {
            (Some(c), None) => format!("{c} {}", node.op),
            (None, Some(c)) => format!("{} {c}", node.op),
            _ => node.op.to_string(),
        },
        _ => node.op.to_string(),
    }
}

fn value_line(name: &str, value: f64) -> String {
    if name.is_empty() {
        number(value)
    } else {
        format!("{name} = {}", number(value))
    }
}

/// Width and height of a box, and the gaps between layers and rows, in pixels.
const BOX: (i32, i32) = (136, 70);
const GAP: (i32, i32) = (124, 26);
const MARGIN: i32 = 24;
const TITLE_HEIGHT: i32 = 64;
const SMALL: u32 = 15;

/// Draws `diagram` as an SVG at `path`, with `title` above it and a key below the title.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render(diagram: &Diagram, title: &str, path: &Path) -> FigureResult {
    let rows = diagram.rows();
    let per_layer: Vec<usize> = (0..diagram.layers())
        .map(|l| diagram.nodes.iter().filter(|n| n.layer == l).count())
        .collect();
    let tallest = per_layer.iter().copied().max().unwrap_or(1) as i32;
    let width = 2 * MARGIN + diagram.layers() as i32 * (BOX.0 + GAP.0) - GAP.0;
    let height = TITLE_HEIGHT + 2 * MARGIN + tallest * (BOX.1 + GAP.1) - GAP.1;
    let root = svg_area(path, (width.max(520) as u32, height as u32))?;
    let left = (width.max(520) - width) / 2;
    let top_of = |i: usize| {
        let count = per_layer[diagram.nodes[i].layer] as i32;
        let column = TITLE_HEIGHT + MARGIN + (tallest - count) * (BOX.1 + GAP.1) / 2;
        column + rows[i] as i32 * (BOX.1 + GAP.1)
    };
    let left_of = |i: usize| left + MARGIN + diagram.nodes[i].layer as i32 * (BOX.0 + GAP.0);

    let centre_x = width.max(520) / 2;
    root.draw(&Text::new(
        title.to_string(),
        (centre_x, 20),
        centred(CAPTION_SIZE, BLACK),
    ))
    .at(path)?;
    root.draw(&Text::new(
        "in each box: value (green), ∂output/∂node (red); on each arrow: gradient sent back"
            .to_string(),
        (centre_x, 46),
        centred(SMALL, GREY),
    ))
    .at(path)?;

    for edge in &diagram.edges {
        draw_edge(&root, diagram, edge, &top_of, &left_of, path)?;
    }
    for (i, node) in diagram.nodes.iter().enumerate() {
        let (x, y) = (left_of(i), top_of(i));
        root.draw(&Rectangle::new(
            [(x, y), (x + BOX.0, y + BOX.1)],
            RGBColor(245, 245, 245).filled(),
        ))
        .at(path)?;
        root.draw(&Rectangle::new(
            [(x, y), (x + BOX.0, y + BOX.1)],
            PALETTE[0].stroke_width(2),
        ))
        .at(path)?;
        let cx = x + BOX.0 / 2;
        let lines = [
            (node.label.as_str(), LABEL_SIZE, BLACK, 14),
            (node.value.as_str(), SMALL, PALETTE[2], 36),
            (node.grad.as_str(), SMALL, PALETTE[1], 56),
        ];
        for (text, size, colour, dy) in lines {
            root.draw(&Text::new(
                text.to_string(),
                (cx, y + dy),
                centred(size, colour),
            ))
            .at(path)?;
        }
    }
    root.present().at(path)
}

fn centred(size: u32, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(HPos::Center, VPos::Center),
    }
}

fn draw_edge<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    diagram: &Diagram,
    edge: &DiagramEdge,
    top_of: &impl Fn(usize) -> i32,
    left_of: &impl Fn(usize) -> i32,
    path: &Path,
) -> FigureResult
where
    DB::ErrorType: 'static,
{
    // Arrows entering the same box are spread over its left side, in the order of their
    // sources' heights, so that they do not meet at one point.
    let mut siblings: Vec<usize> = diagram
        .edges
        .iter()
        .filter(|e| e.to == edge.to)
        .map(|e| e.from)
        .collect();
    siblings.sort_by_key(|&from| (top_of(from), from));
    let k = siblings.iter().position(|&f| f == edge.from).unwrap_or(0) as i32;
    let count = siblings.len() as i32;
    let start = (left_of(edge.from) + BOX.0, top_of(edge.from) + BOX.1 / 2);
    let end = (
        left_of(edge.to),
        top_of(edge.to) + BOX.1 * (k + 1) / (count + 1),
    );
    // The last stretch before the box is horizontal, so arrowheads and labels line up. An
    // arrow that skips layers first runs along a lane that misses the boxes in between.
    let bend = (end.0 - GAP.0 / 2, end.1);
    let lane = free_lane(diagram, edge, start.1, top_of);
    let mut points = vec![start];
    if let Some(y) = lane {
        points.push((start.0 + GAP.0 / 2, y));
        points.push((bend.0 - GAP.0 / 2, y));
    }
    points.extend([bend, end]);
    root.draw(&PathElement::new(points, GREY.stroke_width(2)))
        .at(path)?;
    root.draw(&Polygon::new(
        vec![end, (end.0 - 10, end.1 - 5), (end.0 - 10, end.1 + 5)],
        GREY.filled(),
    ))
    .at(path)?;
    let style = TextStyle::from((FONT, SMALL).into_font())
        .color(&PALETTE[1])
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    root.draw(&Text::new(
        edge.label.clone(),
        (end.0 - GAP.0 / 4 - 4, end.1 - 3),
        style,
    ))
    .at(path)?;
    Ok(())
}

/// For an arrow that skips layers, the height at which it can cross the layers in between
/// without running through a box: the source's own height if that is free, otherwise the
/// nearest gap between two rows. `None` for an arrow between neighbouring layers.
fn free_lane(
    diagram: &Diagram,
    edge: &DiagramEdge,
    source_y: i32,
    top_of: &impl Fn(usize) -> i32,
) -> Option<i32> {
    let (from, to) = (diagram.nodes[edge.from].layer, diagram.nodes[edge.to].layer);
    if to <= from + 1 {
        return None;
    }
    let between: Vec<i32> = (0..diagram.nodes.len())
        .filter(|&i| (from + 1..to).contains(&diagram.nodes[i].layer))
        .map(top_of)
        .collect();
    let clear = |y: i32| {
        between
            .iter()
            .all(|&top| y < top - GAP.1 / 4 || y > top + BOX.1 + GAP.1 / 4)
    };
    let gaps = between.iter().flat_map(|&top| [top - GAP.1 / 2, top + BOX.1 + GAP.1 / 2]);
    std::iter::once(source_y)
        .chain(gaps)
        .filter(|&y| clear(y))
        .min_by_key(|&y| (y - source_y).abs())
}
