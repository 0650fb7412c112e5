//! Saving a trained model's weights to a file and loading them back.
