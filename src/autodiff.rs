#![doc = include_str!("../chapters/03-chain-rule.md")]

pub mod draw;
pub mod figures;
pub mod losses;

use std::fmt;

/// A handle to one value recorded on a [`Tape`]: just its position, so it is `Copy`.
///
/// A `Var` only means something on the tape that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(usize);

impl Var {
    /// The position of this value on its tape: 0 for the first value recorded.
    pub fn index(self) -> usize {
        self.0
    }
}

/// What produced a node: an input, or one of the engine's operations.
///
/// The operation is kept only to describe the node (in [`Tape::describe`] and in the
/// drawings); the backward pass never looks at it, because each node already stores its local
/// derivatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// An input you may want the gradient of.
    Input,
    /// A fixed number (a target, a step, a count): a leaf whose gradient nobody reads.
    Constant,
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b
    Div,
    /// −a
    Neg,
    /// aᵖ for a fixed real exponent p
    Powf(f64),
    /// eᵃ
    Exp,
    /// ln a
    Ln,
    /// √a
    Sqrt,
    /// |a|
    Abs,
    /// max(a, b)
    Max,
    /// σ(a) = 1 / (1 + e⁻ᵃ)
    Sigmoid,
    /// tanh a
    Tanh,
    /// max(a, 0)
    Relu,
    /// a₁ + a₂ + … + aₖ
    Sum,
    /// (a₁ + a₂ + … + aₖ)/k
    Mean,
    /// An operation defined outside this module, with its name (see [`Tape::record`]).
    Custom(&'static str),
}

impl fmt::Display for Op {
    /// The symbol the drawings put in the node's box.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Input => write!(f, "input"),
            Op::Constant => write!(f, "const"),
            Op::Add => write!(f, "+"),
            Op::Sub => write!(f, "−"),
            Op::Mul => write!(f, "×"),
            Op::Div => write!(f, "÷"),
            Op::Neg => write!(f, "negate"),
            Op::Powf(p) => write!(f, "^{p}"),
            Op::Exp => write!(f, "exp"),
            Op::Ln => write!(f, "ln"),
            Op::Sqrt => write!(f, "√"),
            Op::Abs => write!(f, "abs"),
            Op::Max => write!(f, "max"),
            Op::Sigmoid => write!(f, "σ"),
            Op::Tanh => write!(f, "tanh"),
            Op::Relu => write!(f, "relu"),
            Op::Sum => write!(f, "Σ"),
            Op::Mean => write!(f, "mean"),
            Op::Custom(name) => write!(f, "{name}"),
        }
    }
}

/// One recorded value: what made it, its value, and for each input the local derivative
/// ∂(this node)/∂(input), worked out when the value was computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The operation that produced the value.
    pub op: Op,
    /// The forward value.
    pub value: f64,
    /// Each input with the local derivative of this node with respect to it.
    pub inputs: Vec<(Var, f64)>,
    /// A name for inputs and constants (`"x"`, `"ŷ₁"`); empty for operations.
    pub name: String,
}

/// A reverse-mode automatic differentiation engine over `f64` scalars.
///
/// Every operation appends one [`Node`] to an arena and returns its [`Var`]. A node can only
/// refer to nodes recorded before it, so the arena is already in topological order and
/// [`Tape::backward`] simply walks it from the end.
///
/// # Examples
///
/// ```
/// use descent::autodiff::Tape;
/// // f = (x + y)·z at x = −2, y = 5, z = −4.
/// let mut tape = Tape::new();
/// let (x, y, z) = (tape.input("x", -2.0), tape.input("y", 5.0), tape.input("z", -4.0));
/// let q = tape.add(x, y);
/// let f = tape.mul(q, z);
/// tape.backward(f);
/// assert_eq!(tape.value(f), -12.0);
/// assert_eq!([tape.grad(x), tape.grad(y), tape.grad(z)], [-4.0, -4.0, 3.0]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tape {
    nodes: Vec<Node>,
    grads: Vec<f64>,
}

impl Tape {
    /// An empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many nodes are recorded.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing is recorded yet.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The recorded nodes, in the order they were made (a topological order).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node behind `v`.
    ///
    /// # Panics
    ///
    /// If `v` was made by a longer tape.
    pub fn node(&self, v: Var) -> &Node {
        self.nodes.get(v.0).unwrap_or_else(|| {
            panic!(
                "variable {} does not belong to this tape of {} nodes",
                v.0,
                self.nodes.len()
            )
        })
    }

    /// The forward value of `v`.
    ///
    /// # Panics
    ///
    /// If `v` was made by a longer tape.
    pub fn value(&self, v: Var) -> f64 {
        self.node(v).value
    }

    /// The accumulated gradient ∂L/∂v of every [`Tape::backward`] call since the last
    /// [`Tape::zero_grad`].
    ///
    /// # Panics
    ///
    /// If `v` was made by a longer tape.
    pub fn grad(&self, v: Var) -> f64 {
        self.node(v);
        self.grads[v.0]
    }

    /// Records a node and returns its handle. This is the one way values enter the tape; the
    /// operations below call it with their forward value and their local derivatives, and so
    /// can you, to add an operation of your own.
    ///
    /// # Panics
    ///
    /// If an input was made by a longer tape.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::autodiff::{Op, Tape};
    /// // The cube a³, with its local derivative 3a² right beside the forward value.
    /// let mut tape = Tape::new();
    /// let a = tape.input("a", 2.0);
    /// let av = tape.value(a);
    /// let cube = tape.record(Op::Custom("cube"), av.powi(3), &[(a, 3.0 * av * av)]);
    /// tape.backward(cube);
    /// assert_eq!((tape.value(cube), tape.grad(a)), (8.0, 12.0));
    /// ```
    pub fn record(&mut self, op: Op, value: f64, inputs: &[(Var, f64)]) -> Var {
        for &(input, _) in inputs {
            self.node(input);
        }
        self.push(Node {
            op,
            value,
            inputs: inputs.to_vec(),
            name: String::new(),
        })
    }

    fn push(&mut self, node: Node) -> Var {
        self.nodes.push(node);
        self.grads.push(0.0);
        Var(self.nodes.len() - 1)
    }

    fn leaf(&mut self, op: Op, name: &str, value: f64) -> Var {
        self.push(Node {
            op,
            value,
            inputs: Vec::new(),
            name: name.to_string(),
        })
    }

    /// A named input: a leaf whose gradient you want.
    pub fn input(&mut self, name: &str, value: f64) -> Var {
        self.leaf(Op::Input, name, value)
    }

    /// A constant: a leaf that stands for a fixed number. Its gradient is computed like any
    /// other but means nothing to the model.
    pub fn constant(&mut self, value: f64) -> Var {
        self.leaf(Op::Constant, "", value)
    }

    /// Gives node `v` a name for the drawings (`"q"`), and returns it.
    ///
    /// # Panics
    ///
    /// If `v` was made by a longer tape.
    pub fn named(&mut self, v: Var, name: &str) -> Var {
        self.node(v);
        self.nodes[v.0].name = name.to_string();
        v
    }

    /// Unnamed inputs, one per value, in order.
    pub fn inputs(&mut self, values: &[f64]) -> Vec<Var> {
        values.iter().map(|&v| self.input("", v)).collect()
    }

    // Each operation: its forward value, then right beside it the local derivative of the
    // result with respect to each input, evaluated at this forward pass.

    /// a + b. Local derivatives: 1 and 1 (an add gate hands the upstream gradient to both).
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        let value = self.value(a) + self.value(b);
        self.record(Op::Add, value, &[(a, 1.0), (b, 1.0)])
    }

    /// a − b. Local derivatives: 1 and −1.
    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        let value = self.value(a) - self.value(b);
        self.record(Op::Sub, value, &[(a, 1.0), (b, -1.0)])
    }

    /// a · b. Local derivatives: b and a (a multiply gate swaps its inputs).
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        let (av, bv) = (self.value(a), self.value(b));
        self.record(Op::Mul, av * bv, &[(a, bv), (b, av)])
    }

    /// a / b. Local derivatives: 1/b and −a/b².
    pub fn div(&mut self, a: Var, b: Var) -> Var {
        let (av, bv) = (self.value(a), self.value(b));
        self.record(Op::Div, av / bv, &[(a, 1.0 / bv), (b, -av / (bv * bv))])
    }

    /// −a. Local derivative: −1.
    pub fn neg(&mut self, a: Var) -> Var {
        let value = -self.value(a);
        self.record(Op::Neg, value, &[(a, -1.0)])
    }

    /// aᵖ for a fixed exponent p. Local derivative: p·aᵖ⁻¹.
    pub fn powf(&mut self, a: Var, p: f64) -> Var {
        let av = self.value(a);
        self.record(Op::Powf(p), av.powf(p), &[(a, p * av.powf(p - 1.0))])
    }

    /// eᵃ. Local derivative: eᵃ, the value itself.
    pub fn exp(&mut self, a: Var) -> Var {
        let value = self.value(a).exp();
        self.record(Op::Exp, value, &[(a, value)])
    }

    /// ln a. Local derivative: 1/a.
    pub fn ln(&mut self, a: Var) -> Var {
        let av = self.value(a);
        self.record(Op::Ln, av.ln(), &[(a, 1.0 / av)])
    }

    /// √a. Local derivative: 1/(2√a).
    pub fn sqrt(&mut self, a: Var) -> Var {
        let value = self.value(a).sqrt();
        self.record(Op::Sqrt, value, &[(a, 0.5 / value)])
    }

    /// |a|. Local derivative: sign(a), and 0 at a = 0 (a valid subgradient).
    pub fn abs(&mut self, a: Var) -> Var {
        let av = self.value(a);
        let sign = if av == 0.0 { 0.0 } else { av.signum() };
        self.record(Op::Abs, av.abs(), &[(a, sign)])
    }

    /// max(a, b). Local derivatives: 1 for the larger input, 0 for the other (a max gate
    /// routes the gradient); on a tie, `a` takes it.
    pub fn max(&mut self, a: Var, b: Var) -> Var {
        let (av, bv) = (self.value(a), self.value(b));
        let a_wins = av >= bv;
        let (da, db) = if a_wins { (1.0, 0.0) } else { (0.0, 1.0) };
        self.record(Op::Max, av.max(bv), &[(a, da), (b, db)])
    }

    /// σ(a) = 1/(1 + e⁻ᵃ). Local derivative: σ(a)(1 − σ(a)).
    pub fn sigmoid(&mut self, a: Var) -> Var {
        let s = sigmoid(self.value(a));
        self.record(Op::Sigmoid, s, &[(a, s * (1.0 - s))])
    }

    /// tanh a. Local derivative: 1 − tanh² a.
    pub fn tanh(&mut self, a: Var) -> Var {
        let t = self.value(a).tanh();
        self.record(Op::Tanh, t, &[(a, 1.0 - t * t)])
    }

    /// max(a, 0). Local derivative: 1 where a > 0, else 0.
    pub fn relu(&mut self, a: Var) -> Var {
        let av = self.value(a);
        let slope = if av > 0.0 { 1.0 } else { 0.0 };
        self.record(Op::Relu, av.max(0.0), &[(a, slope)])
    }

    /// a₁ + … + aₖ in one node. Local derivatives: all 1. (A chain of [`Tape::add`] gives the
    /// same gradients with more nodes.)
    ///
    /// # Panics
    ///
    /// If `terms` is empty.
    pub fn sum(&mut self, terms: &[Var]) -> Var {
        assert!(!terms.is_empty(), "sum needs at least one term, got none");
        let value = terms.iter().map(|&t| self.value(t)).sum();
        let inputs: Vec<(Var, f64)> = terms.iter().map(|&t| (t, 1.0)).collect();
        self.record(Op::Sum, value, &inputs)
    }

    /// The mean (a₁ + … + aₖ)/k in one node. Local derivatives: all 1/k.
    ///
    /// # Panics
    ///
    /// If `terms` is empty.
    pub fn mean(&mut self, terms: &[Var]) -> Var {
        assert!(!terms.is_empty(), "mean needs at least one term, got none");
        let k = terms.len() as f64;
        let value = terms.iter().map(|&t| self.value(t)).sum::<f64>() / k;
        let inputs: Vec<(Var, f64)> = terms.iter().map(|&t| (t, 1.0 / k)).collect();
        self.record(Op::Mean, value, &inputs)
    }

    /// One backward pass without touching the tape: the adjoint ∂output/∂v of every node v,
    /// indexed by [`Var::index`].
    ///
    /// The output's adjoint is 1. Walking the nodes from `output` back to the first, each node
    /// passes its adjoint (the upstream gradient) times each local derivative to the matching
    /// input, which adds it (`+=`) to what other users of that input already passed.
    ///
    /// # Panics
    ///
    /// If `output` was made by a longer tape.
    pub fn adjoints(&self, output: Var) -> Vec<f64> {
        self.node(output);
        let mut adjoint = vec![0.0; self.nodes.len()];
        adjoint[output.0] = 1.0;
        for (i, node) in self.nodes[..=output.0].iter().enumerate().rev() {
            let upstream = adjoint[i];
            for &(input, local) in &node.inputs {
                adjoint[input.0] += upstream * local;
            }
        }
        adjoint
    }

    /// Backpropagates from `output`: adds ∂output/∂v to the stored gradient of every node v.
    ///
    /// The gradients accumulate across calls, as in PyTorch: call it twice without
    /// [`Tape::zero_grad`] and every gradient doubles.
    ///
    /// # Panics
    ///
    /// If `output` was made by a longer tape.
    pub fn backward(&mut self, output: Var) {
        let adjoint = self.adjoints(output);
        self.grads
            .iter_mut()
            .zip(adjoint)
            .for_each(|(g, a)| *g += a);
    }

    /// Sets every stored gradient back to 0.
    pub fn zero_grad(&mut self) {
        self.grads.fill(0.0);
    }

    /// The gradient that flowed along each edge in the last backward pass from `output`:
    /// for node `to` and its `k`-th input, the upstream gradient of `to` times the local
    /// derivative. An input used twice receives the sum of its edges.
    ///
    /// Returned as `(from, to, contribution)` in the order of the nodes.
    pub fn edge_gradients(&self, output: Var) -> Vec<(Var, Var, f64)> {
        let adjoint = self.adjoints(output);
        self.nodes[..=output.0]
            .iter()
            .enumerate()
            .flat_map(|(i, node)| {
                let upstream = adjoint[i];
                node.inputs
                    .iter()
                    .map(move |&(input, local)| (input, Var(i), upstream * local))
            })
            .collect()
    }
}

/// The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ), evaluated without overflow for large |x|.
///
/// # Examples
///
/// ```
/// use descent::autodiff::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid(-1000.0), 0.0);
/// assert_eq!(sigmoid(1000.0), 1.0);
/// ```
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The sigmoid neuron of the chapter, σ(w₀x₀ + w₁x₁ + b), recorded on `tape`.
///
/// Returns the neuron's output and the inputs in the order `[w0, x0, w1, x1, b]`.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{neuron, Tape};
/// let mut tape = Tape::new();
/// // w₀x₀ + w₁x₁ + b = 2 − 3 + 1 = 0, and σ(0) = ½.
/// let (out, _) = neuron(&mut tape, [1.0, 2.0, -1.0, 3.0, 1.0]);
/// assert_eq!(tape.value(out), 0.5);
/// ```
pub fn neuron(tape: &mut Tape, [w0, x0, w1, x1, b]: [f64; 5]) -> (Var, [Var; 5]) {
    let w0 = tape.input("w₀", w0);
    let x0 = tape.input("x₀", x0);
    let w1 = tape.input("w₁", w1);
    let x1 = tape.input("x₁", x1);
    let b = tape.input("b", b);
    let p0 = tape.mul(w0, x0);
    let p1 = tape.mul(w1, x1);
    let z = tape.sum(&[p0, p1, b]);
    let z = tape.named(z, "z");
    let out = tape.sigmoid(z);
    (out, [w0, x0, w1, x1, b])
}

/// The chapter's circuit f = (x + y)·z, recorded on `tape`.
///
/// Returns `(q, f, [x, y, z])` with q = x + y.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{circuit, Tape};
/// let mut tape = Tape::new();
/// let (q, f, _) = circuit(&mut tape, [-2.0, 5.0, -4.0]);
/// assert_eq!((tape.value(q), tape.value(f)), (3.0, -12.0));
/// ```
pub fn circuit(tape: &mut Tape, [x, y, z]: [f64; 3]) -> (Var, Var, [Var; 3]) {
    let x = tape.input("x", x);
    let y = tape.input("y", y);
    let z = tape.input("z", z);
    let q = tape.add(x, y);
    let q = tape.named(q, "q");
    let f = tape.mul(q, z);
    let f = tape.named(f, "f");
    (q, f, [x, y, z])
}

/// A value used twice: f = x·y + x, recorded on `tape`. Returns `(f, [x, y])`.
///
/// # Examples
///
/// ```
/// use descent::autodiff::{reuse, Tape};
/// let mut tape = Tape::new();
/// let (f, [x, y]) = reuse(&mut tape, [3.0, 2.0]);
/// tape.backward(f);
/// // x reaches f along two paths: through x·y (local derivative y = 2) and directly (1).
/// assert_eq!((tape.value(f), tape.grad(x), tape.grad(y)), (9.0, 3.0, 3.0));
/// ```
pub fn reuse(tape: &mut Tape, [x, y]: [f64; 2]) -> (Var, [Var; 2]) {
    let x = tape.input("x", x);
    let y = tape.input("y", y);
    let xy = tape.mul(x, y);
    let f = tape.add(xy, x);
    let f = tape.named(f, "f");
    (f, [x, y])
}
