//! Speed of the CNN engine: conv2d forward, conv2d forward + backward, and one training step
//! of chapter 5's network, each with 1 and 2 threads.
//!
//! `cargo bench --bench cnn`; `scripts/pytorch_compare.py` times the same shapes in PyTorch.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use descent::cnn::model::chapter_network;
use descent::cnn::{Conv2d, Layer, Sgd};
use ndarray::{Array, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// (name, batch, in channels, out channels, side): 3 × 3 kernels, stride 1, padding 1.
const SHAPES: [(&str, usize, usize, usize, usize); 3] = [
    ("a_32x3to16x64x64", 32, 3, 16, 64),
    ("b_32x16to32x32x32", 32, 16, 32, 32),
    ("c_32x32to64x16x16", 32, 32, 64, 16),
];
/// The same allocator as the chapter's example: see the README.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const THREADS: [usize; 2] = [1, 2];
const SEED: u64 = 7;

fn random(shape: &[usize], rng: &mut ChaCha8Rng) -> Array<f32, IxDyn> {
    Array::from_shape_simple_fn(IxDyn(shape), || rng.random_range(-1.0..1.0))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
}

fn conv2d(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for (name, n, c_in, c_out, side) in SHAPES {
        let x = random(&[n, c_in, side, side], &mut rng);
        let dy = random(&[n, c_out, side, side], &mut rng);
        let mut layer = Conv2d::<f32>::new(c_in, c_out, 3, 1, 1, &mut rng);
        let mut group = c.benchmark_group(format!("conv2d/{name}"));
        group.sample_size(20);
        for threads in THREADS {
            let pool = pool(threads);
            group.bench_function(BenchmarkId::new("forward", threads), |b| {
                b.iter(|| pool.install(|| black_box(layer.forward(x.view()))))
            });
            group.bench_function(BenchmarkId::new("forward_backward", threads), |b| {
                b.iter(|| {
                    pool.install(|| {
                        layer.forward(x.view());
                        black_box(layer.backward(dy.view()))
                    })
                })
            });
        }
        group.finish();
    }
}

fn train_step(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (batch, classes, side) = (32, 6, 64);
    let x = random(&[batch, 3, side, side], &mut rng);
    let labels: Vec<usize> = (0..batch).map(|i| i % classes).collect();
    let mut model = chapter_network(classes, side, &mut rng);
    let mut sgd = Sgd::new(0.01, 0.9, 5e-4);
    let mut group = c.benchmark_group("train_step/chapter_network_32x3x64x64");
    group.sample_size(20);
    for threads in THREADS {
        let pool = pool(threads);
        group.bench_function(BenchmarkId::from_parameter(threads), |b| {
            b.iter(|| pool.install(|| black_box(model.train_step(&mut sgd, x.view(), &labels))))
        });
    }
    group.finish();
}

criterion_group!(benches, conv2d, train_step);
criterion_main!(benches);
