//! Reference solutions. Your own attempts go in `learner/`, which mirrors this folder.

pub mod conv;
pub mod gradcheck;
pub mod intro;
