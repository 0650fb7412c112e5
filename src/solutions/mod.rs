//! Reference solutions. Your own attempts go in `learner/`, which mirrors this folder.

pub mod autodiff;
pub mod gradcheck;
pub mod intro;
pub mod loss;
pub mod linreg;
