//! The manifold hypothesis, demonstrated.
