//! Convolution three ways (direct sums, Toeplitz matrix, im2col + matrix product) agree,
//! forward and backward, on many seeded random shapes; every backward pass agrees with
//! finite differences; and the worked numbers of chapter 4 hold.

use descent::conv::matrix::{
    col2im, col2im_add, conv2d_im2col, conv2d_im2col_backward, conv2d_toeplitz,
    conv2d_toeplitz_backward, doubly_block_toeplitz, im2col, im2col_into, layer_matrix, toeplitz,
};
use descent::conv::{
    ConvGradients, ConvSpec, Padding, conv2d, conv2d_backward, convolve, convolve1d, correlate,
    correlate_backward, correlate1d, correlate1d_backward, output_len,
};
use descent::gradcheck::{STEP, assert_gradients_match, numeric_gradient};
use ndarray::{Array1, Array2, Array4, ArrayView1, ArrayView4, Ix4, ShapeBuilder, array, s};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 44;
const TRIALS: usize = 60;
const GRADCHECK_TRIALS: usize = 10;
/// The three ways add the same products in different orders: round-off only.
const AGREE: f64 = 1e-12;
/// The loss is linear in each of x, w, b, so centred differences are exact up to round-off;
/// small gradient components relative to the loss carry a little more.
const TOLERANCE: f64 = 1e-6;

/// A random convolution problem whose sizes are possible.
struct Case {
    x: Array4<f64>,
    w: Array4<f64>,
    b: Array1<f64>,
    spec: ConvSpec,
}

fn random_padding(rng: &mut ChaCha8Rng) -> Padding {
    match rng.random_range(0..4) {
        0 => Padding::Valid,
        1 => Padding::Same,
        2 => Padding::Full,
        _ => Padding::Explicit(rng.random_range(0..3)),
    }
}

fn random_array(rng: &mut ChaCha8Rng, shape: (usize, usize, usize, usize)) -> Array4<f64> {
    Array4::from_shape_fn(shape, |_| rng.random_range(-1.0..1.0))
}

fn random_case(rng: &mut ChaCha8Rng) -> Case {
    loop {
        let (n, c_in, c_out) = (
            rng.random_range(1..=3),
            rng.random_range(1..=3),
            rng.random_range(1..=3),
        );
        let (kh, kw) = (rng.random_range(1..=4), rng.random_range(1..=4));
        let (h, w) = (rng.random_range(1..=8), rng.random_range(1..=8));
        let spec = ConvSpec {
            padding: [random_padding(rng), random_padding(rng)],
            stride: [rng.random_range(1..=3), rng.random_range(1..=3)],
        };
        if spec.output_shape([h, w], [kh, kw]).is_err() {
            continue;
        }
        return Case {
            x: random_array(rng, (n, c_in, h, w)),
            w: random_array(rng, (c_out, c_in, kh, kw)),
            b: Array1::from_shape_fn(c_out, |_| rng.random_range(-1.0..1.0)),
            spec,
        };
    }
}

fn upstream(rng: &mut ChaCha8Rng, case: &Case) -> Array4<f64> {
    let y = conv2d(case.x.view(), case.w.view(), case.b.view(), case.spec);
    random_array(rng, y.dim())
}

type Backward =
    fn(ArrayView4<f64>, ArrayView4<f64>, ArrayView4<f64>, ConvSpec) -> ConvGradients<Ix4>;
const BACKWARDS: [(&str, Backward); 3] = [
    ("direct", conv2d_backward),
    ("Toeplitz", conv2d_toeplitz_backward),
    ("im2col", conv2d_im2col_backward),
];

#[test]
fn three_forward_passes_agree_on_random_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut strided = 0;
    for _ in 0..TRIALS {
        let case = random_case(&mut rng);
        strided += usize::from(case.spec.stride != [1, 1]);
        let direct = conv2d(case.x.view(), case.w.view(), case.b.view(), case.spec);
        let by_toeplitz = conv2d_toeplitz(case.x.view(), case.w.view(), case.b.view(), case.spec);
        let by_im2col = conv2d_im2col(case.x.view(), case.w.view(), case.b.view(), case.spec);
        assert!(
            direct.abs_diff_eq(&by_toeplitz, AGREE),
            "Toeplitz differs for {:?}, x {:?}, w {:?}",
            case.spec,
            case.x.shape(),
            case.w.shape()
        );
        assert!(
            direct.abs_diff_eq(&by_im2col, AGREE),
            "im2col differs for {:?}, x {:?}, w {:?}",
            case.spec,
            case.x.shape(),
            case.w.shape()
        );
    }
    assert!(
        strided > TRIALS / 2,
        "the random cases should mostly be strided, got {strided}"
    );
}

#[test]
fn three_backward_passes_agree_on_random_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    for _ in 0..TRIALS {
        let case = random_case(&mut rng);
        let dy = upstream(&mut rng, &case);
        let direct = conv2d_backward(case.x.view(), case.w.view(), dy.view(), case.spec);
        for (name, backward) in &BACKWARDS[1..] {
            let other = backward(case.x.view(), case.w.view(), dy.view(), case.spec);
            let context = format!(
                "{name} for {:?}, x {:?}, w {:?}",
                case.spec,
                case.x.shape(),
                case.w.shape()
            );
            assert!(
                direct.grad_x.abs_diff_eq(&other.grad_x, AGREE),
                "grad_x: {context}"
            );
            assert!(
                direct.grad_w.abs_diff_eq(&other.grad_w, AGREE),
                "grad_w: {context}"
            );
            assert!(
                direct.grad_b.abs_diff_eq(&other.grad_b, AGREE),
                "grad_b: {context}"
            );
        }
    }
}

/// L = Σ y ⊙ dy, so that ∂L/∂y = dy.
fn loss(
    x: ArrayView4<f64>,
    w: ArrayView4<f64>,
    b: ArrayView1<f64>,
    spec: ConvSpec,
    dy: &Array4<f64>,
) -> f64 {
    (conv2d(x, w, b, spec) * dy).sum()
}

#[test]
fn every_backward_pass_agrees_with_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 2);
    for _ in 0..GRADCHECK_TRIALS {
        let case = random_case(&mut rng);
        let dy = upstream(&mut rng, &case);
        let Case { x, w, b, spec } = &case;
        let spec = *spec;
        let numeric_x =
            numeric_gradient(|v| loss(v, w.view(), b.view(), spec, &dy), x.view(), STEP);
        let numeric_w =
            numeric_gradient(|v| loss(x.view(), v, b.view(), spec, &dy), w.view(), STEP);
        let numeric_b =
            numeric_gradient(|v| loss(x.view(), w.view(), v, spec, &dy), b.view(), STEP);
        for (_, backward) in BACKWARDS {
            let g = backward(x.view(), w.view(), dy.view(), spec);
            assert_gradients_match(g.grad_x.view(), numeric_x.view(), TOLERANCE);
            assert_gradients_match(g.grad_w.view(), numeric_w.view(), TOLERANCE);
            assert_gradients_match(g.grad_b.view(), numeric_b.view(), TOLERANCE);
        }
    }
}

#[test]
fn the_single_image_and_1d_backward_passes_agree_with_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 3);
    for _ in 0..GRADCHECK_TRIALS {
        let case = random_case(&mut rng);
        let spec = case.spec;
        let x = case.x.slice(ndarray::s![0, 0, .., ..]).to_owned();
        let w = case.w.slice(ndarray::s![0, 0, .., ..]).to_owned();
        let dy = correlate(x.view(), w.view(), spec).mapv(|_| rng.random_range(-1.0..1.0));
        let g = correlate_backward(x.view(), w.view(), dy.view(), spec);
        let nx = numeric_gradient(
            |v| (correlate(v, w.view(), spec) * &dy).sum(),
            x.view(),
            STEP,
        );
        let nw = numeric_gradient(
            |v| (correlate(x.view(), v, spec) * &dy).sum(),
            w.view(),
            STEP,
        );
        assert_gradients_match(g.grad_x.view(), nx.view(), TOLERANCE);
        assert_gradients_match(g.grad_w.view(), nw.view(), TOLERANCE);

        let x1 = x.row(0).to_owned();
        let w1 = w.row(0).to_owned();
        let dy1 = correlate1d(x1.view(), w1.view(), spec).mapv(|_| rng.random_range(-1.0..1.0));
        let g1 = correlate1d_backward(x1.view(), w1.view(), dy1.view(), spec);
        let nx1 = numeric_gradient(
            |v| correlate1d(v, w1.view(), spec).dot(&dy1),
            x1.view(),
            STEP,
        );
        let nw1 = numeric_gradient(
            |v| correlate1d(x1.view(), v, spec).dot(&dy1),
            w1.view(),
            STEP,
        );
        assert_gradients_match(g1.grad_x.view(), nx1.view(), TOLERANCE);
        assert_gradients_match(g1.grad_w.view(), nw1.view(), TOLERANCE);
        assert!((g1.grad_b[0] - dy1.sum()).abs() < AGREE);
    }
}

#[test]
fn the_toeplitz_matrix_is_the_jacobian_of_the_convolution() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 4);
    for _ in 0..TRIALS {
        let case = random_case(&mut rng);
        let (_, _, h, w) = case.x.dim();
        let t = layer_matrix(case.w.view(), [h, w], case.spec);
        let image = case.x.slice(ndarray::s![0..1, .., .., ..]).to_owned();
        let zero_bias = Array1::zeros(case.w.dim().0);
        let jacobian = descent::gradcheck::numeric_jacobian(
            |v| {
                let x = v.to_owned().into_shape_with_order(image.raw_dim()).unwrap();
                conv2d(x.view(), case.w.view(), zero_bias.view(), case.spec)
                    .flatten()
                    .to_owned()
            },
            image.flatten().view(),
            STEP,
        );
        assert!(
            t.abs_diff_eq(&jacobian, 1e-8),
            "T is not ∂y/∂x for {:?}",
            case.spec
        );
    }
}

#[test]
fn im2col_and_col2im_are_adjoint() {
    // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for every x and c: col2im is the transpose of im2col.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 5);
    for _ in 0..TRIALS {
        let case = random_case(&mut rng);
        let (n, c, h, w) = case.x.dim();
        let kernel = [case.w.dim().2, case.w.dim().3];
        let cols = im2col(case.x.view(), kernel, case.spec);
        let other = cols.mapv(|_| rng.random_range(-1.0..1.0));
        let back = col2im(other.view(), [n, c, h, w], kernel, case.spec);
        let left = (&cols * &other).sum();
        let right = (&case.x * &back).sum();
        assert!(
            (left - right).abs() < 1e-10,
            "{left} vs {right} for {:?}",
            case.spec
        );
    }
}

#[test]
fn im2col_into_and_col2im_add_work_on_any_layout() {
    // The layer writes into padded scratch rows; a learner may pass a column-major matrix.
    // Both give what the allocating versions give, and col2im_add adds onto what is there.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 7);
    for _ in 0..TRIALS {
        let case = random_case(&mut rng);
        let (n, c, h, w) = case.x.dim();
        let kernel = [case.w.dim().2, case.w.dim().3];
        let cols = im2col(case.x.view(), kernel, case.spec);
        let mut column_major = Array2::zeros(cols.raw_dim().f());
        im2col_into(case.x.view(), kernel, case.spec, column_major.view_mut());
        assert_eq!(
            column_major, cols,
            "column-major im2col for {:?}",
            case.spec
        );
        let mut wide = Array2::from_elem((cols.nrows(), cols.ncols() + 3), f64::NAN);
        im2col_into(
            case.x.view(),
            kernel,
            case.spec,
            wide.slice_mut(s![.., ..cols.ncols()]),
        );
        assert_eq!(wide.slice(s![.., ..cols.ncols()]), cols);

        let grad = cols.mapv(|_| rng.random_range(-1.0..1.0));
        let expected = &case.x + &col2im(grad.view(), [n, c, h, w], kernel, case.spec);
        let mut x = case.x.clone();
        let mut grad_f = Array2::zeros(grad.raw_dim().f());
        grad_f.assign(&grad);
        col2im_add(grad_f.view_mut(), kernel, case.spec, x.view_mut());
        assert!(
            x.abs_diff_eq(&expected, AGREE),
            "col2im_add for {:?}",
            case.spec
        );
    }
}

#[test]
fn convolution_commutes_and_correlation_does_not() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 6);
    let full = ConvSpec::new(Padding::Full, 1);
    let x = Array2::from_shape_fn((4, 5), |_| rng.random_range(-1.0..1.0));
    let w = Array2::from_shape_fn((3, 2), |_| rng.random_range(-1.0..1.0));
    assert!(
        convolve(x.view(), w.view(), full).abs_diff_eq(&convolve(w.view(), x.view(), full), AGREE)
    );
    let xw = correlate(x.view(), w.view(), full);
    let wx = correlate(w.view(), x.view(), full);
    // Cross-correlation swaps into its mirror image instead.
    assert!(!xw.abs_diff_eq(&wx, 1e-3));
    assert!(xw.abs_diff_eq(&wx.slice(ndarray::s![..;-1, ..;-1]), AGREE));
}

#[test]
fn one_dimension_is_a_one_row_image() {
    let w = array![2.0, -1.0, 0.5];
    for spec in [
        ConvSpec::VALID,
        ConvSpec::new(Padding::Same, 2),
        ConvSpec::new(Padding::Explicit(2), 3),
    ] {
        let t1 = toeplitz(w.view(), 6, spec);
        let t2 = doubly_block_toeplitz(
            w.view().insert_axis(ndarray::Axis(0)),
            [1, 6],
            spec.along_width(),
        );
        assert_eq!(t1, t2);
    }
}

#[test]
fn worked_numbers_in_one_dimension() {
    let x = array![1.0, 2.0, 3.0, 4.0];
    let w = array![2.0, -1.0];
    let valid = ConvSpec::VALID;
    assert_eq!(
        correlate1d(x.view(), w.view(), valid),
        array![0.0, 1.0, 2.0]
    );
    assert_eq!(convolve1d(x.view(), w.view(), valid), array![3.0, 4.0, 5.0]);
    let dy = array![1.0, -1.0, 2.0];
    let g = correlate1d_backward(x.view(), w.view(), dy.view(), valid);
    assert_eq!(g.grad_w, array![5.0, 7.0]);
    assert_eq!(g.grad_x, array![2.0, -3.0, 5.0, -2.0]);
    assert_eq!(toeplitz(w.view(), 4, valid).t().dot(&dy), g.grad_x);
    let ones = Array1::ones(3);
    assert_eq!(
        convolve1d(ones.view(), ones.view(), ConvSpec::new(Padding::Full, 1)),
        array![1.0, 2.0, 3.0, 2.0, 1.0]
    );
}

#[test]
fn worked_numbers_in_two_dimensions() {
    let valid = ConvSpec::VALID;
    let x = Array2::from_shape_fn((3, 3), |(i, j)| (3 * i + j + 1) as f64);
    let f = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(
        correlate(x.view(), f.view(), valid),
        array![[37.0, 47.0], [67.0, 77.0]]
    );
    let g = correlate_backward(
        x.view(),
        f.view(),
        array![[1.0, -1.0], [2.0, 0.0]].view(),
        valid,
    );
    assert_eq!(g.grad_w, array![[7.0, 9.0], [13.0, 15.0]]);
    assert_eq!(
        g.grad_x,
        array![[1.0, 1.0, -2.0], [5.0, 5.0, -4.0], [6.0, 8.0, 0.0]]
    );

    let x = Array2::from_shape_fn((4, 4), |(i, j)| (4 * i + j + 1) as f64);
    let w = array![[1.0, 0.0], [0.0, -1.0]];
    assert_eq!(
        correlate(x.view(), w.view(), valid),
        Array2::from_elem((3, 3), -5.0)
    );
    let g = correlate_backward(x.view(), w.view(), Array2::ones((3, 3)).view(), valid);
    assert_eq!(g.grad_w, array![[54.0, 63.0], [90.0, 99.0]]);
    let dy = Array2::from_shape_fn((3, 3), |(i, j)| (3 * i + j + 1) as f64);
    let g = correlate_backward(x.view(), w.view(), dy.view(), valid);
    assert_eq!(g.grad_w, array![[348.0, 393.0], [528.0, 573.0]]);
    assert_eq!(
        g.grad_x,
        array![
            [1.0, 2.0, 3.0, 0.0],
            [4.0, 4.0, 4.0, -3.0],
            [7.0, 4.0, 4.0, -6.0],
            [0.0, -7.0, -8.0, -9.0]
        ]
    );
    assert_eq!(output_len(4, 2, (0, 0), 1), Ok(3));
    assert_eq!(output_len(7, 3, (0, 0), 2), Ok(3));
}

#[test]
#[should_panic(expected = "does not fit")]
fn a_kernel_larger_than_the_padded_input_is_refused_by_name() {
    let x = Array2::<f64>::zeros((2, 2));
    let w = Array2::<f64>::zeros((3, 3));
    let _ = correlate(x.view(), w.view(), ConvSpec::VALID);
}

#[test]
#[should_panic(expected = "channels")]
fn mismatched_channels_are_refused_by_name() {
    let x = Array4::<f64>::zeros((1, 2, 4, 4));
    let w = Array4::<f64>::zeros((1, 3, 2, 2));
    let _ = conv2d(x.view(), w.view(), Array1::zeros(1).view(), ConvSpec::VALID);
}

#[test]
fn a_missing_or_broken_picture_gives_an_error_naming_it() {
    use descent::conv::filters::read_picture;
    let missing = std::path::Path::new("no/such/picture.png");
    let message = read_picture(missing).unwrap_err().to_string();
    assert!(message.contains("no/such/picture.png"), "{message}");
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("broken.jpg");
    std::fs::write(&broken, b"this is not a JPEG").unwrap();
    let message = read_picture(&broken).unwrap_err().to_string();
    assert!(message.contains("broken.jpg"), "{message}");
}

#[test]
fn filtering_a_picture_file_writes_every_filter() {
    use descent::conv::filters::{Filter, filter_into, read_picture, save, test_picture};
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("picture.png");
    save(&test_picture(), &path).unwrap();
    let written = filter_into(&read_picture(&path).unwrap(), "picture", folder.path()).unwrap();
    assert_eq!(written.len(), Filter::ALL.len() + 1);
    assert!(written.iter().all(|p| p.is_file()));
}

#[test]
fn the_im2col_path_works_in_f32_too() {
    // Chapter 5 trains in f32 with the same im2col code: it must agree with f64 to f32 precision.
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 7);
    for _ in 0..TRIALS / 4 {
        let case = random_case(&mut rng);
        let dy = upstream(&mut rng, &case);
        let single = |a: &Array4<f64>| a.mapv(|v| v as f32);
        let y32 = conv2d_im2col(
            single(&case.x).view(),
            single(&case.w).view(),
            case.b.mapv(|v| v as f32).view(),
            case.spec,
        );
        let g32 = conv2d_im2col_backward(
            single(&case.x).view(),
            single(&case.w).view(),
            single(&dy).view(),
            case.spec,
        );
        let y = conv2d(case.x.view(), case.w.view(), case.b.view(), case.spec);
        let g = conv2d_backward(case.x.view(), case.w.view(), dy.view(), case.spec);
        assert!(y32.mapv(f64::from).abs_diff_eq(&y, 1e-4));
        assert!(g32.grad_x.mapv(f64::from).abs_diff_eq(&g.grad_x, 1e-4));
        assert!(g32.grad_w.mapv(f64::from).abs_diff_eq(&g.grad_w, 1e-4));
        assert!(g32.grad_b.mapv(f64::from).abs_diff_eq(&g.grad_b, 1e-4));
    }
}

#[test]
#[should_panic(expected = "dy has shape [1, 1, 2, 2]")]
fn an_upstream_gradient_of_the_wrong_shape_is_refused_by_name() {
    let x = Array4::<f64>::zeros((1, 1, 4, 4));
    let w = Array4::<f64>::zeros((1, 1, 2, 2));
    let dy = Array4::<f64>::zeros((1, 1, 2, 2)); // the output is 3 × 3
    let _ = conv2d_backward(x.view(), w.view(), dy.view(), ConvSpec::VALID);
}
