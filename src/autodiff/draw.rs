//! Drawing a computation graph: boxes in layers from left to right, arrows between them.
//!
//! [`Diagram`] knows nothing about autodiff: nodes are a label plus a value line and a gradient
//! line, edges carry one label. [`Diagram::from_tape`] fills one in from a [`Tape`] after a
//! backward pass; [`render`] draws any diagram as SVG.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Op, Tape, Var};
use crate::plot::{
    CAPTION_SIZE, DrawContext, FONT, FigureResult, GREY, LABEL_SIZE, PALETTE, svg_area,
};

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
        fixed
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
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
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::autodiff::{Tape, circuit, draw::Diagram};
    /// let mut tape = Tape::new();
    /// let (_, f, _) = circuit(&mut tape, [-2.0, 5.0, -4.0]);
    /// let diagram = Diagram::from_tape(&tape, f);
    /// // x, y, z, q and f in three layers; z is placed late, just before its user.
    /// let labels: Vec<(&str, usize)> =
    ///     diagram.nodes.iter().map(|n| (n.label.as_str(), n.layer)).collect();
    /// assert_eq!(labels, [("x", 0), ("y", 0), ("z", 1), ("+", 1), ("×", 2)]);
    /// assert_eq!(diagram.nodes[3].value, "q = 3");
    /// assert_eq!(diagram.nodes[0].grad, "grad −4");
    /// let arrows: Vec<&str> = diagram.edges.iter().map(|e| e.label.as_str()).collect();
    /// assert_eq!(arrows, ["−4", "−4", "−4", "3"]);
    /// ```
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

/// Which way the layers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// Inputs on the left, the output on the right: good for short, tall graphs.
    LeftToRight,
    /// Inputs at the top, the output at the bottom: good for long chains, which would be too
    /// wide for a page the other way.
    TopToBottom,
}

/// Size of a box on screen, in pixels.
const BOX: (i32, i32) = (136, 70);
const MARGIN: i32 = 24;
const TITLE_HEIGHT: i32 = 64;
const SMALL: u32 = 15;
const MIN_WIDTH: i32 = 560;

/// The layout in two axes: `along` runs through the layers, `across` through the rows of one
/// layer. Everything is computed in these coordinates and mapped to the screen at the end.
struct Layout<'a> {
    diagram: &'a Diagram,
    orientation: Orientation,
    rows: Vec<usize>,
    per_layer: Vec<usize>,
    tallest: i32,
    box_along: i32,
    box_across: i32,
    gap_along: i32,
    gap_across: i32,
}

impl<'a> Layout<'a> {
    fn new(diagram: &'a Diagram, orientation: Orientation) -> Self {
        let per_layer: Vec<usize> = (0..diagram.layers())
            .map(|l| diagram.nodes.iter().filter(|n| n.layer == l).count())
            .collect();
        let (box_along, box_across, gap_along, gap_across) = match orientation {
            Orientation::LeftToRight => (BOX.0, BOX.1, 124, 26),
            Orientation::TopToBottom => (BOX.1, BOX.0, 84, 44),
        };
        Layout {
            diagram,
            orientation,
            rows: diagram.rows(),
            tallest: per_layer.iter().copied().max().unwrap_or(1) as i32,
            per_layer,
            box_along,
            box_across,
            gap_along,
            gap_across,
        }
    }

    /// Extent of the drawing (without title and margins) along and across the layers.
    fn extent(&self) -> (i32, i32) {
        let layers = self.diagram.layers() as i32;
        (
            layers * (self.box_along + self.gap_along) - self.gap_along,
            self.tallest * (self.box_across + self.gap_across) - self.gap_across,
        )
    }

    fn along_of(&self, i: usize) -> i32 {
        self.diagram.nodes[i].layer as i32 * (self.box_along + self.gap_along)
    }

    fn across_of(&self, i: usize) -> i32 {
        let count = self.per_layer[self.diagram.nodes[i].layer] as i32;
        let step = self.box_across + self.gap_across;
        (self.tallest - count) * step / 2 + self.rows[i] as i32 * step
    }

    /// Screen size of the figure.
    fn size(&self) -> (i32, i32) {
        let (along, across) = self.extent();
        let (w, h) = self.screen(along, across);
        (
            (w + 2 * MARGIN).max(MIN_WIDTH),
            h + 2 * MARGIN + TITLE_HEIGHT,
        )
    }

    /// Maps a point in layout coordinates to the screen.
    fn screen(&self, along: i32, across: i32) -> (i32, i32) {
        match self.orientation {
            Orientation::LeftToRight => (along, across),
            Orientation::TopToBottom => (across, along),
        }
    }

    /// Like [`Layout::screen`], plus the margins and the centring offset.
    fn place(&self, along: i32, across: i32) -> (i32, i32) {
        let (w, _) = self.size();
        let (extent_w, _) = {
            let (a, c) = self.extent();
            self.screen(a, c)
        };
        let (x, y) = self.screen(along, across);
        ((w - extent_w) / 2 + x, TITLE_HEIGHT + MARGIN + y)
    }
}

/// Draws `diagram` as an SVG at `path`, with `title` above it and a key below the title.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render(
    diagram: &Diagram,
    orientation: Orientation,
    title: &str,
    path: &Path,
) -> FigureResult {
    let layout = Layout::new(diagram, orientation);
    let (width, height) = layout.size();
    let root = svg_area(path, (width as u32, height as u32))?;
    let centre_x = width / 2;
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
        draw_edge(&root, &layout, edge, path)?;
    }
    for (i, node) in diagram.nodes.iter().enumerate() {
        let (x, y) = layout.place(layout.along_of(i), layout.across_of(i));
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
    anchored(size, colour, Pos::new(HPos::Center, VPos::Center))
}

fn anchored(size: u32, colour: RGBColor, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: colour.to_backend_color(),
        pos,
    }
}

fn draw_edge<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    layout: &Layout,
    edge: &DiagramEdge,
    path: &Path,
) -> FigureResult
where
    DB::ErrorType: 'static,
{
    // Arrows entering the same box are spread over its near side, in the order of their
    // sources, so that they do not meet at one point.
    let diagram = layout.diagram;
    let mut siblings: Vec<usize> = diagram
        .edges
        .iter()
        .filter(|e| e.to == edge.to)
        .map(|e| e.from)
        .collect();
    siblings.sort_by_key(|&from| (layout.across_of(from), from));
    let k = siblings.iter().position(|&f| f == edge.from).unwrap_or(0) as i32;
    let count = siblings.len() as i32;
    let start = (
        layout.along_of(edge.from) + layout.box_along,
        layout.across_of(edge.from) + layout.box_across / 2,
    );
    let end = (
        layout.along_of(edge.to),
        layout.across_of(edge.to) + layout.box_across * (k + 1) / (count + 1),
    );
    // The last stretch before the box is straight, so arrowheads and labels line up. An
    // arrow that skips layers first runs along a lane that misses the boxes in between.
    let half_gap = layout.gap_along / 2;
    let bend = (end.0 - half_gap, end.1);
    let mut points = vec![start];
    if let Some(lane) = free_lane(layout, edge, start.1) {
        points.push((start.0 + half_gap, lane));
        points.push((bend.0 - half_gap, lane));
    }
    points.extend([bend, end]);
    let on_screen: Vec<(i32, i32)> = points.iter().map(|&(a, c)| layout.place(a, c)).collect();
    root.draw(&PathElement::new(on_screen, GREY.stroke_width(2)))
        .at(path)?;
    let tip = |back: i32, side: i32| layout.place(end.0 - back, end.1 + side);
    root.draw(&Polygon::new(
        vec![tip(0, 0), tip(10, -5), tip(10, 5)],
        GREY.filled(),
    ))
    .at(path)?;
    let (anchor, at) = match layout.orientation {
        Orientation::LeftToRight => (
            Pos::new(HPos::Center, VPos::Bottom),
            layout.place(end.0 - half_gap / 2 - 4, end.1 - 3),
        ),
        // Labels of the left half of the arrows go on their left, the others on their right,
        // so that labels above a box point away from each other.
        Orientation::TopToBottom if 2 * k + 1 < count => (
            Pos::new(HPos::Right, VPos::Center),
            layout.place(end.0 - half_gap / 2, end.1 - 4),
        ),
        Orientation::TopToBottom => (
            Pos::new(HPos::Left, VPos::Center),
            layout.place(end.0 - half_gap / 2 - (k % 2) * 18, end.1 + 4),
        ),
    };
    // A white patch behind the label keeps it legible where it crosses another arrow.
    let width = 8 * edge.label.chars().count() as i32;
    let left = match anchor.h_pos {
        HPos::Left => at.0,
        HPos::Right => at.0 - width,
        HPos::Center => at.0 - width / 2,
    };
    let top = match anchor.v_pos {
        VPos::Bottom => at.1 - 16,
        _ => at.1 - 8,
    };
    root.draw(&Rectangle::new(
        [(left - 1, top), (left + width + 1, top + 16)],
        WHITE.filled(),
    ))
    .at(path)?;
    root.draw(&Text::new(
        edge.label.clone(),
        at,
        anchored(SMALL, PALETTE[1], anchor),
    ))
    .at(path)?;
    Ok(())
}

/// For an arrow that skips layers, the position across the layers at which it can cross the
/// layers in between without running through a box: the source's own position if that is
/// free, otherwise the nearest gap between two boxes. `None` for an arrow between neighbouring
/// layers.
fn free_lane(layout: &Layout, edge: &DiagramEdge, source: i32) -> Option<i32> {
    let diagram = layout.diagram;
    let (from, to) = (diagram.nodes[edge.from].layer, diagram.nodes[edge.to].layer);
    if to <= from + 1 {
        return None;
    }
    let between: Vec<i32> = (0..diagram.nodes.len())
        .filter(|&i| (from + 1..to).contains(&diagram.nodes[i].layer))
        .map(|i| layout.across_of(i))
        .collect();
    let (size, gap) = (layout.box_across, layout.gap_across);
    let clear = |c: i32| {
        between
            .iter()
            .all(|&low| c < low - gap / 4 || c > low + size + gap / 4)
    };
    let gaps = between
        .iter()
        .flat_map(|&low| [low - gap / 2, low + size + gap / 2]);
    std::iter::once(source)
        .chain(gaps)
        .filter(|&c| clear(c))
        .min_by_key(|&c| (c - source).abs())
}
