//! Chapter 1, Error functions: redraws the chapter's figures and prints its worked numbers.
//!
//! ```text
//! cargo run --example chapter1 -- --help
//! ```

use std::path::PathBuf;

use clap::Parser;
use descent::loss::figures::{
    WORKED_PROBABILITY, WORKED_TARGET, worked_logits, worked_predictions, worked_targets,
};
use descent::loss::{
    cross_entropy, cross_entropy_grad, line_mse_hessian, log_loss, mae, mae_grad, mse, mse_grad,
    rmse, rmse_grad, softmax,
};
use ndarray::array;

/// Redraw Chapter 1's figures and print its worked numbers.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Folder the figures go in (they land in <OUTPUT>/ch01/).
    #[arg(long, default_value = "images")]
    output: PathBuf,
    /// Print the numbers only; draw no figures.
    #[arg(long)]
    no_figures: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    print_regression_numbers();
    print_classification_numbers();
    print_hessian();
    if !args.no_figures {
        for figure in descent::figures::of_chapter("ch01") {
            figure.render_into(&args.output)?;
            println!("drew {}", args.output.join(figure.path).display());
        }
    }
    Ok(())
}

fn print_regression_numbers() {
    let (y_hat, y) = (worked_predictions(), worked_targets());
    let (y_hat, y) = (y_hat.view(), y.view());
    println!("ŷ = {y_hat}, y = {y}");
    println!(
        "MSE  = {:.6}   ∇ = {:.6}",
        mse(y_hat, y),
        mse_grad(y_hat, y)
    );
    println!(
        "RMSE = {:.6}   ∇ = {:.6}",
        rmse(y_hat, y),
        rmse_grad(y_hat, y)
    );
    println!(
        "MAE  = {:.6}   ∇ = {:.6}",
        mae(y_hat, y),
        mae_grad(y_hat, y)
    );
}

fn print_classification_numbers() {
    let z = worked_logits();
    println!("logits z = {z}, target class {WORKED_TARGET}");
    println!("p = softmax(z) = {:.6}", softmax(z.view()));
    println!(
        "CE = {:.6}   ∇ = p − y = {:.6}",
        cross_entropy(z.view(), WORKED_TARGET),
        cross_entropy_grad(z.view(), WORKED_TARGET)
    );
    let p = array![WORKED_PROBABILITY];
    for label in [1.0, 0.0] {
        let bce = log_loss(p.view(), array![label].view());
        println!("BCE(p = {WORKED_PROBABILITY}, y = {label}) = {bce:.6}");
    }
}

fn print_hessian() {
    let (x, _) = descent::loss::figures::line_data();
    println!(
        "Hessian of the line model's MSE on the figures' data:\n{:.4}",
        line_mse_hessian(x.view())
    );
}
