//! Chapter 3 (the chain rule and backpropagation): your attempts. Replace each `todo!`.

use crate::autodiff::{Tape, Var};

/// Exercise 3.1: softplus(a) = ln(1 + eᵃ) as a new operation of the engine.
pub fn softplus(tape: &mut Tape, a: Var) -> Var {
    let _ = (tape, a);
    todo!(
        "Exercise 3.1: compute the value, then hand `Tape::record` the local derivative d/da ln(1 + eᵃ)"
    )
}

/// Exercise 3.2: the gradient [∂f/∂x, ∂f/∂y, ∂f/∂z] of f = (x·y + z)·max(y, z), by hand.
pub fn by_hand(x: f64, y: f64, z: f64) -> [f64; 3] {
    let _ = (x, y, z);
    todo!("Exercise 3.2: name u = x·y + z and m = max(y, z); y reaches f along two paths")
}

/// Exercise 3.3: tanh a built from the engine's exp, add, sub, mul and div (not `Tape::tanh`).
pub fn tanh_from_exp(tape: &mut Tape, a: Var) -> Var {
    let _ = (tape, a);
    todo!("Exercise 3.3: multiply numerator and denominator of tanh by eᵃ")
}
