//! Chapter 2, linear regression by gradient descent: redraws the chapter's figures and prints
//! its key numbers, all computed. Turn the knobs to see other learning rates converge or not.
//!
//! ```text
//! cargo run --release --example chapter2 -- --learning-rate 0.125
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use descent::linreg::{
    Data, Line, LinregError, closed_form, gradient_descent, hessian, mse_gradient, symmetric_eigen,
};

/// Linear regression by gradient descent on the chapter's worked data (x = 1..4, y = 2x + 1).
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Learning rate η of the run on the worked data (it converges iff η < 2/λ_max ≈ 0.1198).
    #[arg(long, default_value_t = 0.11)]
    learning_rate: f64,
    /// Steps of gradient descent.
    #[arg(long, default_value_t = 1000)]
    steps: usize,
    /// Folder the figures are written into (as `<images>/ch02/...`).
    #[arg(long, default_value = "images")]
    images: PathBuf,
    /// Skip drawing the figures.
    #[arg(long)]
    no_figures: bool,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if !args.no_figures {
        for figure in descent::figures::of_chapter("ch02") {
            figure.render_into(&args.images)?;
            println!("drew {}", args.images.join(figure.path).display());
        }
    }
    let data = Data::worked();
    let start = Line::new(0.0, 0.0);
    let g = mse_gradient(start, &data);
    println!("at m = c = 0: D_m = {}, D_c = {}", g.grad_m, g.grad_c);
    let one = start.step(g, 0.01);
    println!(
        "one step with η = 0.01: (m, c) = ({:.2}, {:.2})",
        one.m, one.c
    );
    let h = hessian(data.x());
    let e = symmetric_eigen(h.view());
    println!(
        "Hessian H = (2/n) AᵀA = [[{}, {}], [{}, {}]]",
        h[[0, 0]],
        h[[0, 1]],
        h[[1, 0]],
        h[[1, 1]]
    );
    println!(
        "eigenvalues {:.6} and {:.6}; bound 2/λ_max = {:.6}; κ = {:.2}; best step {:.6}, rate {:.4}",
        e.lambda_min,
        e.lambda_max,
        e.stability_bound(),
        e.condition_number(),
        e.best_learning_rate(),
        e.contraction(e.best_learning_rate())
    );
    println!("closed form: {:?}", closed_form(&data)?);
    match gradient_descent(&data, start, args.learning_rate, args.steps) {
        Ok(run) => println!(
            "η = {}: after {} steps (m, c) = ({:.9}, {:.9}), loss {:.3e}",
            args.learning_rate,
            args.steps,
            run.last().m,
            run.last().c,
            run.losses.last().expect("a run has a start")
        ),
        // Divergence is an answer worth printing; a bad learning rate is the user's error.
        Err(error @ LinregError::Diverged { .. }) => {
            println!("η = {}: {error}", args.learning_rate)
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}
