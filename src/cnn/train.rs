#![doc = include_str!("../../chapters/05-cnn-training.md")]

pub mod figures;
pub mod manifold;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use ndarray::{Array2, Ix2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::loss::predictions;
use super::model::chapter_network;
use super::{Flatten, Layer, Linear, Sequential, Sgd, softmax_cross_entropy};
use crate::data::synthetic::{self, Spec};
use crate::data::{DataError, Decoded, ImageFolder, Preprocess};

/// The knobs of a training run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Passes over the training set.
    pub epochs: usize,
    /// Images per mini-batch.
    pub batch_size: usize,
    /// Side of the square crops the network sees; a multiple of 8.
    pub image_size: usize,
    /// η at the first step; it decays linearly to zero at the last step.
    pub learning_rate: f64,
    /// μ of SGD with momentum.
    pub momentum: f64,
    /// λ of the L2 weight decay.
    pub weight_decay: f64,
    /// Seed of the initial weights, the shuffles and the random crops.
    pub seed: u64,
}

impl Default for Config {
    /// The book's run: 12 epochs of batches of 32 crops of 56 × 56 (the synthetic pictures are
    /// 64 × 64, which is exactly 8/7 of 56, so no picture needs resizing).
    fn default() -> Config {
        Config {
            epochs: 12,
            batch_size: 32,
            image_size: 56,
            learning_rate: 0.02,
            momentum: 0.9,
            weight_decay: 5e-4,
            seed: 5,
        }
    }
}

impl Config {
    /// The preprocessing that gives this run's crops.
    pub fn preprocess(&self) -> Preprocess {
        Preprocess::new(self.image_size as u32)
    }

    /// The learning rate at step `step` of a run of `steps`, whose first `warmup` steps warm
    /// up: η rises in a straight line from η/`warmup` to η over the warm-up, then falls in a
    /// straight line towards zero, η · (steps − step)/(steps − warmup), which it would reach one
    /// step after the last.
    ///
    /// The warm-up matters for a network without normalisation layers: at the start its
    /// weights are random and its gradients large, and the full step would throw it into a
    /// region where most ReLUs never fire again. The decay matters at the end: small steps
    /// let the weights settle instead of jittering in the noise of the mini-batches (chapter
    /// 2's SGD path).
    ///
    /// # Examples
    ///
    /// ```
    /// let config = descent::cnn::train::Config { learning_rate: 0.1, ..Default::default() };
    /// let eta = |step| config.learning_rate_at(step, 10, 110);
    /// assert!((eta(0) - 0.01).abs() < 1e-12);
    /// assert!((eta(9) - 0.1).abs() < 1e-12);
    /// assert!((eta(60) - 0.05).abs() < 1e-12);
    /// assert!((eta(109) - 0.001).abs() < 1e-12); // one hundredth of η at the last step
    /// ```
    pub fn learning_rate_at(&self, step: usize, warmup: usize, steps: usize) -> f64 {
        let warmup = warmup.max(1);
        if step < warmup {
            self.learning_rate * (step + 1) as f64 / warmup as f64
        } else {
            let left = (steps - step) as f64 / (steps - warmup).max(1) as f64;
            self.learning_rate * left
        }
    }
}

/// What an epoch measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// 1 for the first epoch.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's training batches, each measured before its update.
    pub train_loss: f64,
    /// Fraction of training images classified right (before each batch's update).
    pub train_accuracy: f64,
    /// Mean cross-entropy on the validation set after the epoch.
    pub val_loss: f64,
    /// Fraction of validation images classified right after the epoch.
    pub val_accuracy: f64,
    /// Training images per second of wall-clock time in this epoch (not deterministic).
    pub images_per_second: f64,
}

/// What the training loop tells its observer.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A training step finished.
    Step {
        /// 1 for the first epoch.
        epoch: usize,
        /// Steps done in this epoch.
        step: usize,
        /// Steps in an epoch.
        steps: usize,
        /// The running mean loss of this epoch.
        loss: f64,
        /// The running accuracy of this epoch.
        accuracy: f64,
        /// Training images per second so far in this epoch.
        images_per_second: f64,
    },
    /// An epoch finished and was evaluated.
    Epoch(&'a EpochReport),
}

/// The model's verdict on every image of a split.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    /// The predicted class of each image.
    pub predicted: Vec<usize>,
    /// The true class of each image.
    pub labels: Vec<usize>,
}

impl Evaluation {
    /// Fraction of images classified right.
    pub fn accuracy(&self) -> f64 {
        let right = self
            .predicted
            .iter()
            .zip(&self.labels)
            .filter(|(p, y)| p == y)
            .count();
        right as f64 / self.labels.len().max(1) as f64
    }

    /// The confusion matrix: entry (i, j) counts images of true class i predicted as j. The
    /// diagonal holds the right answers.
    ///
    /// # Examples
    ///
    /// ```
    /// use descent::cnn::train::Evaluation;
    /// let e = Evaluation { loss: 0.0, predicted: vec![0, 1, 1], labels: vec![0, 0, 1] };
    /// assert_eq!(e.confusion(2), ndarray::array![[1, 1], [0, 1]]);
    /// ```
    pub fn confusion(&self, classes: usize) -> Array2<usize> {
        let mut matrix = Array2::zeros((classes, classes));
        for (&p, &y) in self.predicted.iter().zip(&self.labels) {
            matrix[[y, p]] += 1;
        }
        matrix
    }
}

/// The model's loss and predictions on every image of `data`, centre-cropped, in batches of
/// `batch_size`. The weights do not change.
///
/// # Panics
///
/// If the model's output is not `[n, classes]`.
pub fn evaluate(model: &mut Sequential, data: &Decoded, batch_size: usize) -> Evaluation {
    let mut loss_sum = 0.0;
    let mut predicted = Vec::with_capacity(data.len());
    let mut labels = Vec::with_capacity(data.len());
    for indices in data.batches(batch_size, None) {
        let (x, y) = data.batch(&indices, None::<&mut ChaCha8Rng>);
        let logits = model
            .forward(x.into_dyn().view())
            .into_dimensionality::<Ix2>()
            .expect("the model ends in a [n, classes] layer");
        loss_sum += softmax_cross_entropy(logits.view(), &y).0 * y.len() as f64;
        predicted.extend(predictions(logits.view()));
        labels.extend(y);
    }
    Evaluation {
        loss: loss_sum / labels.len().max(1) as f64,
        predicted,
        labels,
    }
}

/// Trains `model` on `train` with mini-batch SGD (momentum, weight decay, a linearly decaying
/// learning rate), evaluating on `val` after every epoch, and returns one report per epoch.
///
/// Each epoch visits every training image once, in an order shuffled from the seed and the
/// epoch number, each one randomly cropped and flipped.
///
/// `observe` is a trait object rather than a generic parameter so that this loop is compiled
/// once, here, with this crate's optimisation, whichever program calls it: a generic would be
/// compiled in the caller, unoptimised in a debug build, and train many times slower.
///
/// # Panics
///
/// If the model's output is not `[n, classes]`, or a batch does not fit its input.
pub fn fit(
    model: &mut Sequential,
    train: &Decoded,
    val: &Decoded,
    config: &Config,
    observe: &mut dyn FnMut(Progress),
) -> Vec<EpochReport> {
    let mut sgd = Sgd::new(config.learning_rate, config.momentum, config.weight_decay);
    let mut crops = ChaCha8Rng::seed_from_u64(config.seed);
    let steps_per_epoch = train.len().div_ceil(config.batch_size);
    let total_steps = steps_per_epoch * config.epochs;
    let mut reports = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        let started = Instant::now();
        let (mut loss_sum, mut right, mut seen) = (0.0, 0, 0);
        let order = train.batches(config.batch_size, Some(config.seed ^ epoch as u64));
        for (step, indices) in order.iter().enumerate() {
            sgd.learning_rate = config.learning_rate_at(
                (epoch - 1) * steps_per_epoch + step,
                steps_per_epoch,
                total_steps,
            );
            let (x, labels) = train.batch(indices, Some(&mut crops));
            let report = model.train_step(&mut sgd, x.into_dyn().view(), &labels);
            loss_sum += report.loss * labels.len() as f64;
            right += report.correct;
            seen += labels.len();
            observe(Progress::Step {
                epoch,
                step: step + 1,
                steps: steps_per_epoch,
                loss: loss_sum / seen as f64,
                accuracy: right as f64 / seen as f64,
                images_per_second: seen as f64 / started.elapsed().as_secs_f64(),
            });
        }
        let images_per_second = seen as f64 / started.elapsed().as_secs_f64();
        let evaluation = evaluate(model, val, config.batch_size);
        let report = EpochReport {
            epoch,
            train_loss: loss_sum / seen as f64,
            train_accuracy: right as f64 / seen as f64,
            val_loss: evaluation.loss,
            val_accuracy: evaluation.accuracy(),
            images_per_second,
        };
        observe(Progress::Epoch(&report));
        reports.push(report);
    }
    reports
}

/// The baseline the CNN must beat: one dense layer from the raw pixels to the classes, a
/// linear model (softmax regression) with no convolution, no depth and no pooling.
///
/// # Examples
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let mut linear = descent::cnn::train::linear_network(6, 56, &mut rng);
/// assert_eq!(linear.parameter_count(), 3 * 56 * 56 * 6 + 6);
/// ```
pub fn linear_network(classes: usize, image_size: usize, rng: &mut ChaCha8Rng) -> Sequential {
    let layers: Vec<Box<dyn Layer<f32>>> = vec![
        Box::new(Flatten::default()),
        Box::new(Linear::new(3 * image_size * image_size, classes, rng)),
    ];
    Sequential::new(layers)
}

/// The linear baseline trains with this fraction of the CNN's learning rate. Its one layer
/// sums over every raw input number (9,408 for a 56 × 56 crop), unnormalised by any pooling,
/// so its gradients are much larger than the CNN's; at the CNN's rate it diverges. The
/// fraction was chosen by trying 0.15, 0.05 and 0.015: 0.05 gave the best validation accuracy.
pub const BASELINE_LEARNING_RATE_SCALE: f64 = 0.05;

/// The two splits of a data set, decoded for a run.
#[derive(Debug, Clone)]
pub struct Splits {
    /// The training split.
    pub train: Decoded,
    /// The validation split.
    pub val: Decoded,
    /// Hidden files (such as `.DS_Store`) found in the class folders and not read, over both
    /// splits; see [`ImageFolder::hidden_files`].
    pub hidden_files: usize,
}

impl Splits {
    /// Opens and decodes both splits of the ImageNet-style folder at `root`, calling `progress`
    /// after each picture.
    ///
    /// # Errors
    ///
    /// Anything wrong with the folder tree or any of its files, naming it.
    pub fn load(
        root: &Path,
        preprocess: Preprocess,
        progress: impl Fn() + Sync,
    ) -> Result<Splits, DataError> {
        let (train, val) = ImageFolder::open_both(root)?;
        Ok(Splits {
            train: Decoded::load(&train, preprocess, &progress)?,
            val: Decoded::load(&val, preprocess, &progress)?,
            hidden_files: train.hidden_files + val.hidden_files,
        })
    }
}

/// A trained model with everything the chapter's figures show about it.
pub struct Run {
    /// How it was trained.
    pub config: Config,
    /// The data it was trained and evaluated on.
    pub splits: Splits,
    /// The trained CNN (behind a lock: a forward pass needs `&mut`, to keep what backward
    /// would need).
    pub model: Mutex<Sequential>,
    /// One report per epoch of the CNN.
    pub history: Vec<EpochReport>,
    /// One report per epoch of the linear baseline, trained the same way on the same data.
    pub baseline: Vec<EpochReport>,
    /// The CNN's verdict on the validation set after training.
    pub evaluation: Evaluation,
}

impl Run {
    /// Trains the chapter's CNN and the linear baseline on `splits` with `config`, reporting
    /// the CNN's progress to `observe`.
    pub fn train(splits: Splits, config: Config, observe: &mut dyn FnMut(Progress)) -> Run {
        let classes = splits.train.classes.len();
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut model = chapter_network(classes, config.image_size, &mut rng);
        let history = fit(&mut model, &splits.train, &splits.val, &config, observe);
        let mut linear = linear_network(classes, config.image_size, &mut rng);
        let linear_config = Config {
            learning_rate: config.learning_rate * BASELINE_LEARNING_RATE_SCALE,
            ..config
        };
        let baseline = fit(
            &mut linear,
            &splits.train,
            &splits.val,
            &linear_config,
            &mut |_| {},
        );
        let evaluation = evaluate(&mut model, &splits.val, config.batch_size);
        Run {
            config,
            splits,
            model: Mutex::new(model),
            history,
            baseline,
            evaluation,
        }
    }

    /// The CNN's final validation accuracy.
    pub fn accuracy(&self) -> f64 {
        self.evaluation.accuracy()
    }
}

/// Where the book keeps its synthetic data set: `target/data/synthetic` in the workspace
/// (git-ignored, made on first use).
pub fn synthetic_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("data")
        .join("synthetic")
}

/// The book's training run: the default [`Config`] on the default synthetic data set
/// (written to [`synthetic_root`] if it is not there yet). Trained once per process, on first
/// use; every figure of the chapter's second part comes from this one run.
///
/// # Panics
///
/// If the synthetic data set cannot be written or read back (the message names the file).
pub fn book_run() -> &'static Run {
    book_run_with(&mut |_| {})
}

/// [`book_run`], reporting the training's progress to `observe` if this call is the one that
/// trains.
///
/// # Panics
///
/// As [`book_run`].
pub fn book_run_with(observe: &mut dyn FnMut(Progress)) -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let root = synthetic_root();
        let config = Config::default();
        let splits = synthetic::generate(&root, &Spec::default(), || {})
            .and_then(|_| Splits::load(&root, config.preprocess(), || {}))
            .unwrap_or_else(|error| panic!("the book's synthetic data set: {error}"));
        Run::train(splits, config, observe)
    })
}
