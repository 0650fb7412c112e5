//! Chapter 3: redraws the chapter's computation graphs and prints the circuit's numbers and
//! the gradients of chapter 1's losses, all found by backpropagation.

use std::path::PathBuf;

use clap::Parser;
use descent::autodiff::figures::{
    CIRCUIT_INPUTS, LABEL, LOGITS, NEURON_INPUTS, PREDICTIONS, PROBABILITY, TARGET_CLASS, TARGETS,
};
use descent::autodiff::losses::{self, named_inputs};
use descent::autodiff::{Tape, Var, circuit, neuron};
use ndarray::{ArrayView1, array};

/// Backpropagation through a circuit, a neuron and chapter 1's losses.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Folder the figures are written to (as `ch03/*.svg`).
    #[arg(long, default_value = "images")]
    out: PathBuf,
    /// The circuit's inputs x, y, z.
    #[arg(long, num_args = 3, value_names = ["X", "Y", "Z"], allow_negative_numbers = true,
          default_values_t = CIRCUIT_INPUTS)]
    circuit: Vec<f64>,
    /// Skip drawing the figures.
    #[arg(long)]
    no_figures: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if !args.no_figures {
        for figure in descent::figures::of_chapter("ch03") {
            figure.render_into(&args.out)?;
            println!("wrote {}", args.out.join(figure.path).display());
        }
    }
    let inputs: [f64; 3] = args.circuit.as_slice().try_into()?;
    print_circuit(inputs);
    print_neuron();
    print_losses();
    Ok(())
}

fn print_circuit(inputs: [f64; 3]) {
    let mut tape = Tape::new();
    let (q, f, [x, y, z]) = circuit(&mut tape, inputs);
    tape.backward(f);
    println!(
        "circuit f = (x + y)·z at {inputs:?}: q = {}, f = {}, ∂f/∂x = {}, ∂f/∂y = {}, ∂f/∂z = {}",
        tape.value(q),
        tape.value(f),
        tape.grad(x),
        tape.grad(y),
        tape.grad(z)
    );
}

fn print_neuron() {
    let mut tape = Tape::new();
    let (out, weights) = neuron(&mut tape, NEURON_INPUTS);
    tape.backward(out);
    let grads: Vec<f64> = weights.iter().map(|&v| tape.grad(v)).collect();
    println!(
        "neuron σ(w₀x₀ + w₁x₁ + b) = {}, gradients w₀, x₀, w₁, x₁, b = {grads:?}",
        tape.value(out)
    );
}

fn print_gradient(name: &str, tape: &mut Tape, loss: Var, wrt: &[Var]) {
    tape.backward(loss);
    let grads: Vec<f64> = wrt.iter().map(|&v| tape.grad(v)).collect();
    println!("{name} = {:.6}, gradient {grads:.6?}", tape.value(loss));
}

fn print_losses() {
    type Regression = fn(&mut Tape, &[Var], ArrayView1<f64>) -> Var;
    let regression: [(&str, Regression); 3] = [
        ("MSE", losses::mse),
        ("RMSE", losses::rmse),
        ("MAE", losses::mae),
    ];
    for (name, loss) in regression {
        let mut tape = Tape::new();
        let y_hat = named_inputs(&mut tape, "ŷ", ArrayView1::from(&PREDICTIONS));
        let output = loss(&mut tape, &y_hat, ArrayView1::from(&TARGETS));
        print_gradient(name, &mut tape, output, &y_hat);
    }
    let mut tape = Tape::new();
    let logits = named_inputs(&mut tape, "z", ArrayView1::from(&LOGITS));
    let output = losses::softmax_cross_entropy(&mut tape, &logits, TARGET_CLASS);
    print_gradient("cross-entropy", &mut tape, output, &logits);
    let mut tape = Tape::new();
    let p = named_inputs(&mut tape, "p", array![PROBABILITY].view());
    let output = losses::log_loss(&mut tape, &p, array![LABEL].view());
    print_gradient("log loss", &mut tape, output, &p);
}
