//! Reference solutions. Your own attempts go in `learner/`, which mirrors this folder.

pub mod autodiff;
pub mod cnn;
pub mod conv;
pub mod gradcheck;
pub mod intro;
pub mod linreg;
pub mod loss;
