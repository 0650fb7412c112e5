//! From the engine's tape to a drawing: [`from_tape`] turns the graph behind one output, after
//! a backward pass, into a [`Graph`] of the book's one graph drawer ([`crate::plot::graph`],
//! written for chapter 1), which lays it out and renders it. Each box gets a third line, the
//! gradient; each arrow is labelled with the gradient that flowed back along it.

use super::{Op, Tape, Var};
use crate::plot::graph::Graph;

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

/// The graph that `output` depends on, with forward values and the gradients of one backward
/// pass from `output`, ready for [`Graph::render`].
///
/// Constants get no box of their own: they are written into the label of the operation that
/// uses them (`"− 1"`, `"× 0.3333"`). Each box shows the node's value and its gradient
/// ∂output/∂node; each arrow shows the share of the gradient that flowed back along it. The
/// boxes are in tape order, so inputs come before their users.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{Tape, circuit, draw::from_tape};
/// let mut tape = Tape::new();
/// let (_, f, _) = circuit(&mut tape, [-2.0, 5.0, -4.0]);
/// let graph = from_tape(&tape, f);
/// let labels: Vec<&str> = graph.nodes.iter().map(|n| n.label.as_str()).collect();
/// assert_eq!(labels, ["x", "y", "z", "+", "×"]);
/// // x, y, z, q and f in three layers; z is placed late, just before its user.
/// assert_eq!(graph.layers(), vec![0, 0, 1, 1, 2]);
/// assert_eq!(graph.nodes[3].value, "q = 3");
/// assert_eq!(graph.nodes[0].grad, "grad −4");
/// let arrows: Vec<&str> = graph.edges.iter().map(|e| e.label.as_deref().unwrap()).collect();
/// assert_eq!(arrows, ["−4", "−4", "−4", "3"]);
/// ```
pub fn from_tape(tape: &Tape, output: Var) -> Graph {
    let nodes = tape.nodes();
    let adjoint = tape.adjoints(output);
    let needed = ancestors(tape, output);
    let drawn = |v: Var| needed[v.index()] && nodes[v.index()].op != Op::Constant;
    // Position of each drawn tape node in the graph.
    let mut slot = vec![usize::MAX; nodes.len()];
    let mut graph = Graph::new();
    for (i, node) in nodes[..=output.index()].iter().enumerate() {
        let v = Var(i);
        if drawn(v) {
            slot[i] = graph.node_with_grad(
                node_label(tape, v),
                value_line(&node.name, node.value),
                format!("grad {}", number(adjoint[i])),
            );
        }
    }
    for (from, to, g) in tape.edge_gradients(output) {
        if drawn(from) && drawn(to) {
            graph.labelled_edge(slot[from.index()], slot[to.index()], number(g));
        }
    }
    graph
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
