//! Reference solutions. Your own attempts go in `learner/`, which mirrors this folder.

pub mod gradcheck;
pub mod intro;
pub mod linreg;
