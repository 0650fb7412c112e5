//! Every CNN layer's backward pass, and a whole network's, agrees with finite differences.
//!
//! The layers are generic over the element type, so these checks run the very code that
//! trains in `f32`, instantiated in `f64`, where centred differences are accurate to ~1e-9.
//! Each check uses the scalar L = Σ r ⊙ layer(x) with a fixed random r, whose gradient with
//! respect to the layer's output is exactly r.

use descent::cnn::loss::{accuracy, predictions};
use descent::cnn::{
    Conv2d, Engine, Flatten, Layer, Linear, MaxPool2d, Relu, Sequential, softmax_cross_entropy,
};
use descent::conv::{ConvSpec, Padding, conv2d, conv2d_backward};
use descent::gradcheck::{STEP, assert_gradients_match, numeric_gradient};
use ndarray::{Array, ArrayD, Ix4, IxDyn, ShapeBuilder, array};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

const SEED: u64 = 55;
const TRIALS: usize = 6;
/// f64 centred differences on functions that are smooth where we probe them.
const TOLERANCE: f64 = 1e-6;

fn random(shape: &[usize], rng: &mut ChaCha8Rng) -> ArrayD<f64> {
    Array::from_shape_simple_fn(IxDyn(shape), || rng.sample(StandardNormal))
}

/// Checks ∂L/∂x and every ∂L/∂θ of `layer` at a random input of shape `input`.
fn check_layer(layer: &mut dyn Layer<f64>, input: &[usize], rng: &mut ChaCha8Rng) {
    let x = random(input, rng);
    let r = random(&layer.output_shape(input), rng);
    let loss = |layer: &mut dyn Layer<f64>, x: &ArrayD<f64>| (layer.forward(x.view()) * &r).sum();

    layer.zero_grad();
    layer.forward(x.view());
    let grad_x = layer.backward(r.view());
    let numeric = numeric_gradient(|v| loss(layer, &v.to_owned()), x.view(), STEP);
    assert_gradients_match(grad_x.view(), numeric.view(), TOLERANCE);

    let count = layer.params().len();
    for k in 0..count {
        let (name, theta, analytic) = {
            let p = &layer.params()[k];
            (p.name, p.value.to_owned(), p.grad.to_owned())
        };
        let numeric = numeric_gradient(
            |v| {
                layer.params()[k].value.assign(&v);
                loss(layer, &x)
            },
            theta.view(),
            STEP,
        );
        layer.params()[k].value.assign(&theta);
        println!("{}: parameter {name}", layer.describe());
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn conv2d_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for _ in 0..TRIALS {
        let (c_in, c_out) = (rng.random_range(1..4), rng.random_range(1..4));
        let kernel = rng.random_range(1..4);
        let (stride, padding) = (rng.random_range(1..3), rng.random_range(0..2));
        let (h, w) = (rng.random_range(kernel..7), rng.random_range(kernel..7));
        let n = rng.random_range(1..3);
        let mut layer = Conv2d::<f64>::new(c_in, c_out, kernel, stride, padding, &mut rng);
        layer.bias = random(&[c_out], &mut rng).into_dimensionality().unwrap();
        check_layer(&mut layer, &[n, c_in, h, w], &mut rng);
    }
}

#[test]
fn conv2d_equals_chapter_4_direct_sums() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for _ in 0..TRIALS {
        let (n, c_in, c_out) = (2, rng.random_range(1..4), rng.random_range(1..5));
        let (kernel, stride, padding) = (3, rng.random_range(1..3), rng.random_range(0..3));
        let mut layer = Conv2d::<f64>::new(c_in, c_out, kernel, stride, padding, &mut rng);
        layer.bias = random(&[c_out], &mut rng).into_dimensionality().unwrap();
        let x = random(&[n, c_in, 8, 7], &mut rng)
            .into_dimensionality::<Ix4>()
            .unwrap();
        let spec = ConvSpec::new(Padding::Explicit(padding), stride);
        let y = layer.forward(x.view().into_dyn());
        let expected = conv2d(x.view(), layer.weight.view(), layer.bias.view(), spec);
        assert!(y.abs_diff_eq(&expected.into_dyn(), 1e-12));

        let dy = random(y.shape(), &mut rng);
        layer.zero_grad();
        let grad_x = layer.backward(dy.view());
        let dy4 = dy.into_dimensionality::<Ix4>().unwrap();
        let expected = conv2d_backward(x.view(), layer.weight.view(), dy4.view(), spec);
        assert!(grad_x.abs_diff_eq(&expected.grad_x.into_dyn(), 1e-12));
        assert!(layer.grad_weight.abs_diff_eq(&expected.grad_w, 1e-12));
        assert!(layer.grad_bias.abs_diff_eq(&expected.grad_b, 1e-12));
    }
}

#[test]
fn the_fast_kernels_equal_the_direct_sums_forward_and_backward() {
    // (c_in, c_out, kw) with kw · c_in a multiple of the kernel's taps per block (24 / V);
    // 120 channels are a full block of 64 and a partial one.
    const FILLED: [(usize, usize, usize); 7] = [
        (8, 16, 3),
        (4, 32, 3),
        (8, 48, 1),
        (2, 64, 3),
        (6, 128, 1),
        (32, 64, 3),
        (2, 120, 3),
    ];
    // For f32 at stride 1 on processors with AVX-512, `Engine::Auto` runs Winograd's
    // algorithm for 3 × 3 kernels and the implicit-im2col kernels otherwise, `Engine::Implicit`
    // the implicit-im2col kernels for every size (elsewhere all three engines are the im2col
    // route, and this compares it with itself). Shapes cover widths below, at and past one
    // 16-float register, odd and even output sizes, channel counts that are not a multiple of
    // the kernels' blocks (and some too small for them, which take the im2col route), even
    // and odd kernels, and every kind of padding.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 9);
    for trial in 0..40 {
        // Up to 9 images (more than one group of 8 in the backward pass), and up to 70
        // output channels (more than one block of the weight-gradient kernel).
        let (n, c_in, c_out) = (
            rng.random_range(1..10),
            rng.random_range(1..18),
            rng.random_range(1..71),
        );
        let (mut kh, mut kw) = (rng.random_range(1..6), rng.random_range(1..6));
        // Every third trial is 3 × 3, the kernel size Winograd's algorithm handles.
        if trial % 3 == 2 {
            (kh, kw) = (3, 3);
        }
        // The first trials fill the weight-gradient kernel's blocks, once for each of its
        // register shapes (16, 32, 48 and 64 output channels), and in two blocks of 64.
        let (c_in, c_out) = match FILLED.get(trial) {
            Some(&(c_in, c_out, k)) => {
                kw = k;
                (c_in, c_out)
            }
            None => (c_in, c_out),
        };
        let (h, w) = (rng.random_range(kh..24), rng.random_range(kw..40));
        let padding = match trial % 4 {
            0 => Padding::Valid,
            1 => Padding::Same,
            2 => Padding::Full,
            _ => Padding::Explicit(rng.random_range(0..3)),
        };
        let spec = ConvSpec {
            padding: [padding, padding],
            stride: [1, 1],
        };
        let weight = random(&[c_out, c_in, kh, kw], &mut rng)
            .into_dimensionality::<Ix4>()
            .unwrap();
        let bias = random(&[c_out], &mut rng).into_dimensionality().unwrap();
        let x = random(&[n, c_in, h, w], &mut rng)
            .into_dimensionality::<Ix4>()
            .unwrap();
        let expected = conv2d(x.view(), weight.view(), bias.view(), spec).into_dyn();
        let dy = random(expected.shape(), &mut rng)
            .into_dimensionality::<Ix4>()
            .unwrap();
        let gradients = conv2d_backward(x.view(), weight.view(), dy.view(), spec);
        let x32 = x.mapv(|v| v as f32).into_dyn();
        let dy32 = dy.mapv(|v| v as f32).into_dyn();
        // The same gradient handed over in another memory layout gives the same answer.
        let mut dy_f = ndarray::Array4::<f32>::zeros(dy.raw_dim().f());
        dy_f.assign(&dy.mapv(|v| v as f32));
        let largest = |a: &ndarray::ArrayD<f64>| 1.0 + a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let shapes = format!("x {:?}, w {:?}, {spec:?}", x.shape(), weight.shape());
        for engine in [Engine::Auto, Engine::Implicit, Engine::Im2col] {
            let mut layer =
                Conv2d::<f32>::from_parts(weight.mapv(|v| v as f32), bias.mapv(|v| v as f32), spec);
            layer.engine = engine;
            let y = layer.forward(x32.view()).mapv(f64::from);
            // f32 sums of up to 17 · 5 · 5 products of standard normals: round-off ~1e-5 of
            // the scale.
            assert!(
                y.abs_diff_eq(&expected, 1e-4 * largest(&expected)),
                "{engine:?}: outputs off for {shapes}"
            );
            let grad_x = layer.backward(dy32.view()).mapv(f64::from);
            // Each gradient within round-off of the largest value it holds, like the outputs.
            let close =
                |what: &str, got: ndarray::ArrayD<f64>, want: ndarray::ArrayD<f64>, tol: f64| {
                    assert!(
                        got.abs_diff_eq(&want, tol * largest(&want)),
                        "{engine:?}: {what} off for {shapes}"
                    );
                };
            close(
                "∂L/∂x",
                grad_x.clone(),
                gradients.grad_x.clone().into_dyn(),
                1e-4,
            );
            close(
                "∂L/∂W",
                layer.grad_weight.mapv(f64::from).into_dyn(),
                gradients.grad_w.clone().into_dyn(),
                1e-5,
            );
            close(
                "∂L/∂b",
                layer.grad_bias.mapv(f64::from).into_dyn(),
                gradients.grad_b.clone().into_dyn(),
                1e-5,
            );
            layer.forward(x32.view());
            let column_major = layer.backward(dy_f.view().into_dyn()).mapv(f64::from);
            assert!(
                column_major.abs_diff_eq(&grad_x, 1e-6),
                "{engine:?}: ∂L/∂y in column-major order"
            );
        }
    }
}

#[test]
fn linear_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for _ in 0..TRIALS {
        let (n, inputs, outputs) = (
            rng.random_range(1..5),
            rng.random_range(1..8),
            rng.random_range(1..6),
        );
        let mut layer = Linear::<f64>::new(inputs, outputs, &mut rng);
        layer.bias = random(&[outputs], &mut rng).into_dimensionality().unwrap();
        check_layer(&mut layer, &[n, inputs], &mut rng);
    }
}

#[test]
fn relu_gradient_matches_finite_differences_away_from_zero() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    // Standard normal inputs lie further than STEP from the kink at 0 with overwhelming
    // probability; the seed is fixed, so this is checked once and for all.
    check_layer(&mut Relu::<f64>::default(), &[3, 2, 4, 5], &mut rng);
}

#[test]
fn max_pool_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    // Non-overlapping 2×2 windows, and overlapping 3×3 windows with stride 2 (a pixel can be
    // the maximum of two windows and collect both gradients). Random inputs have no ties.
    for (size, stride) in [(2, 2), (3, 2), (2, 1)] {
        check_layer(&mut MaxPool2d::new(size, stride), &[2, 3, 7, 6], &mut rng);
    }
}

#[test]
fn max_pool_routes_the_gradient_to_the_arg_max() {
    let x = array![[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 8.0, 7.0]];
    let mut pool = MaxPool2d::new(2, 2);
    let y = Layer::<f64>::forward(
        &mut pool,
        x.view()
            .into_shape_with_order((1, 1, 2, 4))
            .unwrap()
            .into_dyn(),
    );
    assert_eq!(y.into_raw_vec_and_offset().0, vec![5.0, 8.0]);
    let dx = pool.backward(array![[[[10.0, 20.0]]]].into_dyn().view());
    assert_eq!(
        dx.into_raw_vec_and_offset().0,
        vec![0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 20.0, 0.0]
    );
}

#[test]
fn flatten_is_a_reshape_both_ways() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 5);
    check_layer(&mut Flatten::default(), &[2, 3, 2, 2], &mut rng);
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 6);
    for _ in 0..TRIALS {
        let (n, classes) = (rng.random_range(1..6), rng.random_range(2..7));
        let logits = random(&[n, classes], &mut rng)
            .into_dimensionality()
            .unwrap();
        let labels: Vec<usize> = (0..n).map(|_| rng.random_range(0..classes)).collect();
        let (_, analytic) = softmax_cross_entropy(logits.view(), &labels);
        let numeric =
            numeric_gradient(|z| softmax_cross_entropy(z, &labels).0, logits.view(), STEP);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

fn small_network(rng: &mut ChaCha8Rng) -> Sequential<f64> {
    Sequential::new(vec![
        Box::new(Conv2d::new(2, 3, 3, 1, 1, rng)),
        Box::new(Relu::default()),
        Box::new(MaxPool2d::new(2, 2)),
        Box::new(Conv2d::new(3, 4, 3, 2, 1, rng)),
        Box::new(Relu::default()),
        Box::new(Flatten::default()),
        Box::new(Linear::new(4 * 2 * 2, 3, rng)),
    ])
}

#[test]
fn a_whole_network_backpropagates_correctly() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 7);
    let mut model = small_network(&mut rng);
    let x = random(&[2, 2, 8, 8], &mut rng);
    let labels = [2, 0];
    let loss = |model: &mut Sequential<f64>, x: &ArrayD<f64>| {
        let logits = model.forward(x.view()).into_dimensionality().unwrap();
        softmax_cross_entropy(logits.view(), &labels)
    };

    model.zero_grad();
    let (_, grad_logits) = loss(&mut model, &x);
    let grad_x = model.backward(grad_logits.into_dyn().view());
    let numeric = numeric_gradient(|v| loss(&mut model, &v.to_owned()).0, x.view(), STEP);
    assert_gradients_match(grad_x.view(), numeric.view(), TOLERANCE);

    let count = model.params().len();
    assert_eq!(count, 6, "three layers with a weight and a bias each");
    for k in 0..count {
        let (theta, analytic) = {
            let p = &model.params()[k];
            (p.value.to_owned(), p.grad.to_owned())
        };
        let numeric = numeric_gradient(
            |v| {
                model.params()[k].value.assign(&v);
                loss(&mut model, &x).0
            },
            theta.view(),
            STEP,
        );
        model.params()[k].value.assign(&theta);
        assert_gradients_match(analytic.view(), numeric.view(), TOLERANCE);
    }
}

#[test]
fn training_lowers_the_loss_of_a_small_problem() {
    // Two classes of 8×8 images: a bright left half or a bright right half, plus noise.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 8);
    let n = 16;
    let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
    let x = Array::from_shape_fn((n, 2, 8, 8), |(b, _, _, j)| {
        let bright = (j < 4) == (labels[b] == 0);
        f64::from(u8::from(bright)) + 0.3 * rng.sample::<f64, _>(StandardNormal)
    })
    .into_dyn();
    let mut model = small_network(&mut rng);
    let mut sgd = descent::cnn::Sgd::new(0.05, 0.9, 1e-4);
    let mut losses = Vec::new();
    for _ in 0..30 {
        model.zero_grad();
        let logits = model.forward(x.view()).into_dimensionality().unwrap();
        let (loss, grad) = softmax_cross_entropy(logits.view(), &labels);
        losses.push(loss);
        model.backward(grad.into_dyn().view());
        sgd.step(model.params());
    }
    let logits = model.forward(x.view()).into_dimensionality().unwrap();
    assert_eq!(accuracy(&predictions(logits.view()), &labels), 1.0);
    assert!(losses[29] < 0.1 * losses[0], "losses: {losses:?}");
}

#[test]
fn the_result_does_not_depend_on_the_number_of_threads() {
    // 20 images: more than two of the backward pass's groups of 8. The 16 → 32 layer takes
    // the fast kernels where the processor has them; the 3 → 5 layer the matrix products.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 9);
    for (c_in, c_out) in [(3, 5), (16, 32)] {
        let x = random(&[20, c_in, 12, 12], &mut rng).mapv(|v| v as f32);
        let dy = random(&[20, c_out, 12, 12], &mut rng).mapv(|v| v as f32);
        let layer = Conv2d::<f32>::new(c_in, c_out, 3, 1, 1, &mut rng);
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut layer = layer.clone();
                let y = layer.forward(x.view());
                let grad_x = layer.backward(dy.view());
                (y, grad_x, layer.grad_weight, layer.grad_bias)
            })
        };
        assert_eq!(run(1), run(2), "{c_in} → {c_out} channels");
        assert_eq!(run(1), run(3), "{c_in} → {c_out} channels");
    }
}
