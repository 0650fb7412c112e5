//! Records the target triple, so the builder can ask `cargo metadata` about this platform
//! only (and so stay offline).

fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=BOOK_TARGET={target}");
}
