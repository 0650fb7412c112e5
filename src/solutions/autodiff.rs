//! Chapter 3 (the chain rule and backpropagation), reference solutions.

use crate::autodiff::{Op, Tape, Var, sigmoid};

/// Exercise 3.1: softplus(a) = ln(1 + eᵃ) as a new operation, its local derivative σ(a)
/// recorded beside its value.
pub fn softplus(tape: &mut Tape, a: Var) -> Var {
    let x = tape.value(a);
    // ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|}), which never overflows.
    let value = x.max(0.0) + (-x.abs()).exp().ln_1p();
    tape.record(Op::Custom("softplus"), value, &[(a, sigmoid(x))])
}

/// Exercise 3.2: the gradient [∂f/∂x, ∂f/∂y, ∂f/∂z] of f = (x·y + z)·max(y, z), by hand.
pub fn by_hand(x: f64, y: f64, z: f64) -> [f64; 3] {
    let u = x * y + z;
    let m = y.max(z);
    let (to_y, to_z) = if y >= z { (1.0, 0.0) } else { (0.0, 1.0) };
    // f = u·m: the multiply gate swaps, so ∂f/∂u = m and ∂f/∂m = u.
    let (grad_u, grad_m) = (m, u);
    [
        grad_u * y,
        grad_u * x + grad_m * to_y,
        grad_u + grad_m * to_z,
    ]
}

/// Exercise 3.3: tanh a = (e^{2a} − 1)/(e^{2a} + 1), built from the engine's operations only.
pub fn tanh_from_exp(tape: &mut Tape, a: Var) -> Var {
    let two = tape.constant(2.0);
    let one = tape.constant(1.0);
    let twice = tape.mul(two, a);
    let e = tape.exp(twice);
    let above = tape.sub(e, one);
    let below = tape.add(e, one);
    tape.div(above, below)
}
