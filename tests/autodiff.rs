//! The autodiff engine against finite differences: every operation at seeded random points,
//! many random compositions of operations, and chapter 1's losses built from them.

use descent::autodiff::losses::{log_loss, mae, mse, rmse, softmax_cross_entropy};
use descent::autodiff::{Op, Tape, Var};
use descent::gradcheck::{STEP, compare, numeric_gradient};
use descent::loss;
use ndarray::{Array1, ArrayView1};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 3;
const TRIALS: usize = 100;
const EXPRESSIONS: usize = 300;
/// Finite differences of smooth f64 functions of moderate size agree to about 1e-9 in
/// relative terms; a wrong local derivative is off by a factor, far above this.
const TOLERANCE: f64 = 1e-6;
/// Absolute round-off allowance per unit of |f|; see [`assert_matches`].
const ROUND_OFF: f64 = 1e-8;
/// A random point closer than this to a kink of abs, relu or max is drawn again: there the
/// finite difference straddles the kink and measures an average of the two slopes.
const KINK_MARGIN: f64 = 1e-3;

/// Builds an expression from its inputs on a tape and returns its output.
type Build<'a> = &'a dyn Fn(&mut Tape, &[Var]) -> Var;
/// One of chapter 1's regression losses, and its gradient, from `descent::loss`.
type Loss = fn(ArrayView1<f64>, ArrayView1<f64>) -> f64;
/// See [`Loss`].
type LossGrad = fn(ArrayView1<f64>, ArrayView1<f64>) -> Array1<f64>;

/// Builds the expression at `x` on a fresh tape; returns the tape, the output and the inputs.
fn record(build: Build, x: ArrayView1<f64>) -> (Tape, Var, Vec<Var>) {
    let mut tape = Tape::new();
    let inputs = tape.inputs(&x.to_vec());
    let output = build(&mut tape, &inputs);
    (tape, output, inputs)
}

fn engine_gradient(build: Build, x: ArrayView1<f64>) -> Array1<f64> {
    let (mut tape, output, inputs) = record(build, x);
    tape.backward(output);
    inputs.iter().map(|&v| tape.grad(v)).collect()
}

fn finite_difference_gradient(build: Build, x: ArrayView1<f64>) -> Array1<f64> {
    numeric_gradient(
        |p| {
            let (tape, output, _) = record(build, p);
            tape.value(output)
        },
        x,
        STEP,
    )
}

/// Distance from the nearest kink among the abs, relu and max nodes of the tape.
fn kink_distance(tape: &Tape) -> f64 {
    tape.nodes()
        .iter()
        .filter_map(|node| {
            let values: Vec<f64> = node.inputs.iter().map(|&(v, _)| tape.value(v)).collect();
            match node.op {
                Op::Abs | Op::Relu => Some(values[0].abs()),
                Op::Max => Some((values[0] - values[1]).abs()),
                _ => None,
            }
        })
        .fold(f64::INFINITY, f64::min)
}

/// Asserts the engine's gradient matches finite differences at `x`: every component within
/// [`TOLERANCE`] in relative terms, or within [`ROUND_OFF`]·(1 + |f|) in absolute terms.
///
/// The second allowance is the round-off of a centred difference, about ε|f|/h ≈ 2e-10·|f|
/// (with some room for cancellation inside the expression): a component a million times
/// smaller than f cannot be measured to 1e-6 relative accuracy by any finite difference. A
/// wrong local derivative is off by the size of the component itself, far more than either.
fn assert_matches(name: &str, build: Build, x: ArrayView1<f64>) {
    let (tape, output, _) = record(build, x);
    let scale = 1.0 + tape.value(output).abs();
    let analytic = engine_gradient(build, x);
    let numeric = finite_difference_gradient(build, x);
    for (i, (&a, &n)) in analytic.iter().zip(&numeric).enumerate() {
        let allowed = TOLERANCE * a.abs().max(n.abs()) + ROUND_OFF * scale;
        assert!(
            (a - n).abs() <= allowed,
            "{name} at {x}: engine gives {analytic}, finite differences {numeric} \
             (input {i}: |{a} − {n}| > {allowed:.2e})"
        );
    }
    // The relative comparison of the appendix agrees wherever the components are not tiny.
    let c = compare(analytic.view(), numeric.view());
    assert!(
        c.max_relative_error < 1e-3 || c.analytic.abs() < 1e-4,
        "{name}: {c:?}"
    );
}

/// The operations with the region of inputs where each is differentiable.
/// A named operation: its name, how many inputs it takes, and how to record it.
type Operation = (&'static str, usize, Box<dyn Fn(&mut Tape, &[Var]) -> Var>);

fn operations() -> Vec<Operation> {
    vec![
        ("add", 2, Box::new(|t, v| t.add(v[0], v[1]))),
        ("sub", 2, Box::new(|t, v| t.sub(v[0], v[1]))),
        ("mul", 2, Box::new(|t, v| t.mul(v[0], v[1]))),
        ("div", 2, Box::new(|t, v| t.div(v[0], v[1]))),
        ("neg", 1, Box::new(|t, v| t.neg(v[0]))),
        ("powf 2", 1, Box::new(|t, v| t.powf(v[0], 2.0))),
        ("powf 0.5", 1, Box::new(|t, v| t.powf(v[0], 0.5))),
        ("powf -1.5", 1, Box::new(|t, v| t.powf(v[0], -1.5))),
        ("powf 3.7", 1, Box::new(|t, v| t.powf(v[0], 3.7))),
        ("exp", 1, Box::new(|t, v| t.exp(v[0]))),
        ("ln", 1, Box::new(|t, v| t.ln(v[0]))),
        ("sqrt", 1, Box::new(|t, v| t.sqrt(v[0]))),
        ("abs", 1, Box::new(|t, v| t.abs(v[0]))),
        ("max", 2, Box::new(|t, v| t.max(v[0], v[1]))),
        ("sigmoid", 1, Box::new(|t, v| t.sigmoid(v[0]))),
        ("tanh", 1, Box::new(|t, v| t.tanh(v[0]))),
        ("relu", 1, Box::new(|t, v| t.relu(v[0]))),
        ("sum", 3, Box::new(|t, v| t.sum(v))),
        ("mean", 3, Box::new(|t, v| t.mean(v))),
    ]
}

/// Whether `name` needs positive inputs (logarithm, roots, fractional powers) or a
/// denominator away from 0.
fn needs_positive(name: &str) -> bool {
    name == "ln" || name == "sqrt" || name.starts_with("powf")
}

#[test]
fn every_operation_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for (name, arity, build) in operations() {
        let mut checked = 0;
        while checked < TRIALS {
            let x: Array1<f64> = if needs_positive(name) {
                Array1::from_shape_fn(arity, |_| rng.random_range(0.1..3.0))
            } else {
                Array1::from_shape_fn(arity, |_| rng.random_range(-3.0..3.0))
            };
            if name == "div" && x[1].abs() < 0.2 {
                continue;
            }
            let (tape, _, _) = record(&*build, x.view());
            if kink_distance(&tape) < KINK_MARGIN {
                continue;
            }
            assert_matches(name, &*build, x.view());
            checked += 1;
        }
    }
}

/// One step of a random expression: which operation, on which earlier values.
#[derive(Debug, Clone, Copy)]
struct Step {
    op: usize,
    a: usize,
    b: usize,
}

/// Runs a random program: each step applies an operation to earlier values (inputs included)
/// and the output is the sum of every value made. Logarithms, roots and powers get the
/// positive argument a² + ½, divisions the denominator b² + ½, exponentials the bounded
/// argument tanh a, so that every program is defined everywhere.
fn run(program: &[Step], tape: &mut Tape, inputs: &[Var]) -> Var {
    let mut values = inputs.to_vec();
    for step in program {
        let (a, b) = (values[step.a % values.len()], values[step.b % values.len()]);
        let half = tape.constant(0.5);
        let positive = |t: &mut Tape, v: Var| {
            let square = t.mul(v, v);
            t.add(square, half)
        };
        let result = match step.op % 14 {
            0 => tape.add(a, b),
            1 => tape.sub(a, b),
            2 => tape.mul(a, b),
            3 => {
                let d = positive(tape, b);
                tape.div(a, d)
            }
            4 => tape.neg(a),
            5 => {
                let p = positive(tape, a);
                tape.powf(p, 1.5)
            }
            6 => {
                let s = tape.tanh(a);
                tape.exp(s)
            }
            7 => {
                let p = positive(tape, a);
                tape.ln(p)
            }
            8 => {
                let p = positive(tape, a);
                tape.sqrt(p)
            }
            9 => tape.abs(a),
            10 => tape.max(a, b),
            11 => tape.sigmoid(a),
            12 => tape.tanh(a),
            _ => tape.relu(a),
        };
        values.push(result);
    }
    tape.sum(&values[inputs.len()..])
}

#[test]
fn random_expressions_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let mut checked = 0;
    let mut ops_seen = [0usize; 14];
    while checked < EXPRESSIONS {
        let length = rng.random_range(2..12);
        let program: Vec<Step> = (0..length)
            .map(|_| Step {
                op: rng.random_range(0..14),
                a: rng.random_range(0..100),
                b: rng.random_range(0..100),
            })
            .collect();
        let x = Array1::from_shape_fn(3, |_| rng.random_range(-2.0..2.0));
        let build = |t: &mut Tape, v: &[Var]| run(&program, t, v);
        let (tape, output, _) = record(&build, x.view());
        if kink_distance(&tape) < KINK_MARGIN || tape.value(output).abs() > 1e6 {
            continue;
        }
        assert_matches(&format!("program {program:?}"), &build, x.view());
        program.iter().for_each(|s| ops_seen[s.op] += 1);
        checked += 1;
    }
    assert!(
        ops_seen.iter().all(|&n| n > 20),
        "every operation should appear in many programs, counts {ops_seen:?}"
    );
}

#[test]
fn a_value_used_twice_collects_both_gradients() {
    // f = x·x + x: df/dx = 2x + 1.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for _ in 0..TRIALS {
        let x0: f64 = rng.random_range(-3.0..3.0);
        let mut tape = Tape::new();
        let x = tape.input("x", x0);
        let square = tape.mul(x, x);
        let f = tape.add(square, x);
        tape.backward(f);
        assert!((tape.grad(x) - (2.0 * x0 + 1.0)).abs() < 1e-12);
        // The arrows out of x carry x, x and 1; they add up to x's gradient.
        let from_x: f64 = tape
            .edge_gradients(f)
            .iter()
            .filter(|&&(from, _, _)| from == x)
            .map(|&(_, _, g)| g)
            .sum();
        assert_eq!(from_x, tape.grad(x));
    }
}

#[test]
fn backward_twice_doubles_and_zero_grad_resets() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    for _ in 0..TRIALS {
        let values: Vec<f64> = (0..3).map(|_| rng.random_range(-3.0..3.0)).collect();
        let mut tape = Tape::new();
        let v = tape.inputs(&values);
        let q = tape.mul(v[0], v[1]);
        let s = tape.tanh(q);
        let f = tape.mul(s, v[2]);
        tape.backward(f);
        let once: Vec<f64> = (0..tape.len()).map(|i| tape.adjoints(f)[i]).collect();
        let grads = |t: &Tape| v.iter().map(|&x| t.grad(x)).collect::<Vec<f64>>();
        let first = grads(&tape);
        assert_eq!(first, v.iter().map(|x| once[x.index()]).collect::<Vec<_>>());
        tape.backward(f);
        let second = grads(&tape);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(2.0 * a, *b, "a second backward must double every gradient");
        }
        tape.zero_grad();
        assert!(grads(&tape).iter().all(|&g| g == 0.0));
        tape.backward(f);
        assert_eq!(grads(&tape), first);
    }
}

#[test]
fn losses_built_from_operations_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    for _ in 0..TRIALS {
        let n = rng.random_range(1..6);
        let y = Array1::from_shape_fn(n, |_| rng.random_range(-2.0..2.0));
        let y_hat = Array1::from_shape_fn(n, |_| rng.random_range(-2.0..2.0));
        let labels = Array1::from_shape_fn(n, |_| f64::from(rng.random_bool(0.5)));
        let probabilities = Array1::from_shape_fn(n, |_| rng.random_range(0.02..0.98));
        let target = rng.random_range(0..n);
        let regression: [(&str, Build); 3] = [
            ("mse", &|t, v| mse(t, v, y.view())),
            ("rmse", &|t, v| rmse(t, v, y.view())),
            ("mae", &|t, v| mae(t, v, y.view())),
        ];
        for (name, build) in regression {
            let (tape, _, _) = record(build, y_hat.view());
            if kink_distance(&tape) >= KINK_MARGIN {
                assert_matches(name, build, y_hat.view());
            }
        }
        let ce: Build = &|t, v| softmax_cross_entropy(t, v, target);
        assert_matches("softmax cross-entropy", ce, (&y_hat * 3.0).view());
        let bce: Build = &|t, v| log_loss(t, v, labels.view());
        assert_matches("log loss", bce, probabilities.view());
    }
}

/// Every loss built on the engine has chapter 1's value and gradient, as computed by
/// `descent::loss`, at random points, including ties of MAE (where chapter 1 picks the
/// subgradient 0 and so does the engine's `abs`) and exact fits of RMSE.
#[test]
fn losses_match_chapter_1s_analytic_gradients() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 5);
    for trial in 0..TRIALS {
        let n = rng.random_range(1..6);
        let y = Array1::from_shape_fn(n, |_| rng.random_range(-2.0..2.0));
        let mut y_hat = Array1::from_shape_fn(n, |_| rng.random_range(-2.0..2.0));
        // Every fifth trial has a tie: one prediction exactly on its target.
        if trial % 5 == 0 {
            y_hat[0] = y[0];
        }
        type Pair<'a> = (&'a str, Build<'a>, Loss, LossGrad);
        let regression: [Pair; 3] = [
            (
                "mse",
                &|t, v| mse(t, v, y.view()),
                loss::mse,
                loss::mse_grad,
            ),
            (
                "rmse",
                &|t, v| rmse(t, v, y.view()),
                loss::rmse,
                loss::rmse_grad,
            ),
            (
                "mae",
                &|t, v| mae(t, v, y.view()),
                loss::mae,
                loss::mae_grad,
            ),
        ];
        for (name, build, value, grad) in regression {
            let (tape, output, _) = record(build, y_hat.view());
            let expected = value(y_hat.view(), y.view());
            assert!(
                (tape.value(output) - expected).abs() < 1e-12,
                "{name}: engine {}, chapter 1 {expected}",
                tape.value(output)
            );
            let engine = engine_gradient(build, y_hat.view());
            let analytic = grad(y_hat.view(), y.view());
            if name == "rmse" && expected == 0.0 {
                // An exact fit: the tip of the RMSE cone. Chapter 1 chooses the subgradient 0;
                // the engine's square root has no derivative at 0 and says so with NaN.
                assert!(analytic.iter().all(|&g| g == 0.0));
                assert!(engine.iter().all(|g| g.is_nan()));
                continue;
            }
            assert!(
                engine.abs_diff_eq(&analytic, 1e-12),
                "{name}: engine {engine}, chapter 1 {analytic}"
            );
        }
        // Softmax cross-entropy with respect to the logits is p − onehot(target).
        let target = rng.random_range(0..n);
        let logits = &y_hat * 5.0;
        let ce: Build = &|t, v| softmax_cross_entropy(t, v, target);
        let (tape, output, _) = record(ce, logits.view());
        let expected = loss::cross_entropy(logits.view(), target);
        assert!((tape.value(output) - expected).abs() < 1e-12, "CE value");
        let engine = engine_gradient(ce, logits.view());
        let analytic = loss::cross_entropy_grad(logits.view(), target);
        assert!(
            engine.abs_diff_eq(&analytic, 1e-12),
            "CE: {engine} vs {analytic}"
        );
        // Log loss with respect to the probabilities, away from the clamp.
        let labels = Array1::from_shape_fn(n, |_| f64::from(rng.random_bool(0.5)));
        let p = Array1::from_shape_fn(n, |_| rng.random_range(0.02..0.98));
        let bce: Build = &|t, v| log_loss(t, v, labels.view());
        let (tape, output, _) = record(bce, p.view());
        let expected = loss::log_loss(p.view(), labels.view());
        assert!(
            (tape.value(output) - expected).abs() < 1e-12,
            "log loss value"
        );
        let engine = engine_gradient(bce, p.view());
        let analytic = loss::log_loss_grad(p.view(), labels.view());
        assert!(
            engine.abs_diff_eq(&analytic, 1e-9),
            "log loss: {engine} vs {analytic}"
        );
    }
}

#[test]
fn softmax_cross_entropy_survives_huge_logits() {
    let mut tape = Tape::new();
    let logits = tape.inputs(&[1000.0, -1000.0, 0.0]);
    let loss = softmax_cross_entropy(&mut tape, &logits, 1);
    tape.backward(loss);
    assert!(
        (tape.value(loss) - 2000.0).abs() < 1e-9,
        "CE = {}",
        tape.value(loss)
    );
    let grads: Vec<f64> = logits.iter().map(|&z| tape.grad(z)).collect();
    assert_eq!(grads, vec![1.0, -1.0, 0.0]);
}

#[test]
#[should_panic(expected = "does not belong to this tape")]
fn a_variable_from_another_tape_is_refused() {
    let mut big = Tape::new();
    let _ = big.inputs(&[1.0, 2.0, 3.0]);
    let foreign = big.input("w", 4.0);
    let mut small = Tape::new();
    let a = small.input("a", 1.0);
    small.add(a, foreign);
}

/// The chapter shows two pieces of the engine's source in `rust,ignore` blocks. They must stay
/// verbatim copies: every non-comment line of each block appears, in order and consecutively,
/// in `src/autodiff.rs`.
#[test]
fn the_listings_in_the_chapter_are_the_engines_source() {
    let root = env!("CARGO_MANIFEST_DIR");
    let chapter = std::fs::read_to_string(format!("{root}/chapters/03-chain-rule.md"))
        .expect("chapters/03-chain-rule.md is readable");
    let source = std::fs::read_to_string(format!("{root}/src/autodiff.rs"))
        .expect("src/autodiff.rs is readable");
    let source_lines: Vec<&str> = source.lines().map(str::trim).collect();
    let listings: Vec<Vec<&str>> = chapter
        .split("```rust,ignore\n")
        .skip(1)
        .map(|block| {
            block
                .split("\n```")
                .next()
                .unwrap_or("")
                .lines()
                .map(str::trim)
                .filter(|line| !line.starts_with("//"))
                .collect()
        })
        .collect();
    assert_eq!(listings.len(), 2, "the chapter should show two listings");
    for listing in listings {
        assert!(
            source_lines
                .windows(listing.len())
                .any(|window| window == listing.as_slice()),
            "this listing is not in src/autodiff.rs any more:\n{}",
            listing.join("\n")
        );
    }
}
