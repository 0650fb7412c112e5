#![doc = include_str!("../chapters/introduction.md")]

pub mod autodiff;
pub mod cnn;
pub mod conv;
pub mod data;
pub mod figures;
pub mod gradcheck;
pub mod intro;
pub mod linreg;
pub mod loss;
pub mod plot;

/// The exercises of every chapter.
///
/// By default these are the reference solutions in `src/solutions/`. Build with
/// `--features learner` and they are your own attempts in `learner/` instead; the checks in
/// the chapters (doc-tests) stay the same, so `cargo test --features learner` tells you which
/// of your answers are right.
#[cfg_attr(not(feature = "learner"), path = "solutions/mod.rs")]
#[cfg_attr(feature = "learner", path = "../learner/mod.rs")]
pub mod exercises;
