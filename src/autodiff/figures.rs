//! Chapter 3's figures: computation graphs drawn from the engine's own tape, after a backward
//! pass, with every value and every gradient written on them, by chapter 1's graph drawer
//! ([`crate::plot::graph`]) through the adapter [`super::draw::from_tape`].

use std::path::Path;

use ndarray::{ArrayView1, array};

use super::draw::from_tape;
use super::losses::{self, named_inputs};
use super::{Tape, Var, circuit, neuron, reuse};
use crate::figures::Figure;
use crate::plot::FigureResult;
use crate::plot::graph::Direction;

/// Chapter 3's figures, paths relative to `images/`.
pub const FIGURES: &[Figure] = &[
    Figure {
        path: "ch03/circuit.svg",
        render: render_circuit,
    },
    Figure {
        path: "ch03/reuse.svg",
        render: render_reuse,
    },
    Figure {
        path: "ch03/neuron.svg",
        render: render_neuron,
    },
    Figure {
        path: "ch03/loss-mse.svg",
        render: render_loss_mse,
    },
    Figure {
        path: "ch03/loss-rmse.svg",
        render: render_loss_rmse,
    },
    Figure {
        path: "ch03/loss-mae.svg",
        render: render_loss_mae,
    },
    Figure {
        path: "ch03/loss-cross-entropy.svg",
        render: render_loss_cross_entropy,
    },
    Figure {
        path: "ch03/loss-log-loss.svg",
        render: render_loss_log_loss,
    },
];

/// The circuit's inputs x, y, z.
pub const CIRCUIT_INPUTS: [f64; 3] = [-2.0, 5.0, -4.0];
/// The reused-value example's inputs x, y.
pub const REUSE_INPUTS: [f64; 2] = [3.0, 2.0];
/// The neuron's w₀, x₀, w₁, x₁, b: chosen so that w₀x₀ + w₁x₁ + b = 0.
pub const NEURON_INPUTS: [f64; 5] = [1.0, 2.0, -1.0, 3.0, 1.0];
/// Chapter 1's regression example: targets y and predictions ŷ.
pub const TARGETS: [f64; 3] = [1.0, 2.0, 3.0];
/// See [`TARGETS`].
pub const PREDICTIONS: [f64; 3] = [1.5, 2.0, 2.0];
/// Chapter 1's classification example: three logits, the right class is the first.
pub const LOGITS: [f64; 3] = [2.0, 1.0, 0.1];
/// See [`LOGITS`].
pub const TARGET_CLASS: usize = 0;
/// Chapter 1's log-loss example: predicted probability and label.
pub const PROBABILITY: f64 = 0.8;
/// See [`PROBABILITY`].
pub const LABEL: f64 = 1.0;

fn draw_from(tape: &Tape, output: Var, title: &str, path: &Path) -> FigureResult {
    from_tape(tape, output).render(path, title)
}

/// The losses are long chains: drawn from top to bottom they fit the width of a page.
fn draw_loss(tape: &Tape, output: Var, title: &str, path: &Path) -> FigureResult {
    let mut graph = from_tape(tape, output);
    graph.direction = Direction::TopToBottom;
    graph.render(path, title)
}

/// The circuit f = (x + y)·z at x = −2, y = 5, z = −4.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_circuit(path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let (_, f, _) = circuit(&mut tape, CIRCUIT_INPUTS);
    draw_from(&tape, f, "f = (x + y)·z at x = −2, y = 5, z = −4", path)
}

/// f = x·y + x: x is used twice and its gradient is the sum of its two arrows.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_reuse(path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let (f, _) = reuse(&mut tape, REUSE_INPUTS);
    draw_from(&tape, f, "f = x·y + x: x is used twice", path)
}

/// The sigmoid neuron σ(w₀x₀ + w₁x₁ + b).
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_neuron(path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let (out, _) = neuron(&mut tape, NEURON_INPUTS);
    draw_from(&tape, out, "A sigmoid neuron σ(w₀x₀ + w₁x₁ + b)", path)
}

type RegressionLoss = fn(&mut Tape, &[Var], ArrayView1<f64>) -> Var;

fn draw_regression_loss(loss: RegressionLoss, title: &str, path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let y_hat = named_inputs(&mut tape, "ŷ", ArrayView1::from(&PREDICTIONS));
    let output = loss(&mut tape, &y_hat, ArrayView1::from(&TARGETS));
    draw_loss(&tape, output, title, path)
}

/// MSE as subtract → square → mean, at y = [1, 2, 3], ŷ = [1.5, 2, 2].
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_mse(path: &Path) -> FigureResult {
    draw_regression_loss(losses::mse, "MSE: subtract y, square, mean", path)
}

/// RMSE as subtract → square → mean → square root.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_rmse(path: &Path) -> FigureResult {
    draw_regression_loss(
        losses::rmse,
        "RMSE: subtract y, square, mean, square root",
        path,
    )
}

/// MAE as subtract → abs → mean.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_mae(path: &Path) -> FigureResult {
    draw_regression_loss(losses::mae, "MAE: subtract y, absolute value, mean", path)
}

/// Softmax cross-entropy of the logits [2, 1, 0.1] for class 1 (index 0).
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_cross_entropy(path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let logits = named_inputs(&mut tape, "z", ArrayView1::from(&LOGITS));
    let output = losses::softmax_cross_entropy(&mut tape, &logits, TARGET_CLASS);
    draw_loss(
        &tape,
        output,
        "Softmax cross-entropy: shift, exp, sum, log, minus the target",
        path,
    )
}

/// Log loss of p = 0.8 for the label y = 1.
///
/// # Errors
///
/// When the file cannot be written.
pub fn render_loss_log_loss(path: &Path) -> FigureResult {
    let mut tape = Tape::new();
    let p = named_inputs(&mut tape, "p", array![PROBABILITY].view());
    let output = losses::log_loss(&mut tape, &p, array![LABEL].view());
    draw_loss(&tape, output, "Log loss of p = 0.8 for y = 1", path)
}
