//! The `jingxuan` command lives in `main.rs`; this empty library exists so that the
//! command's tests can depend on the package itself with the `fault-injection` feature
//! (see `Cargo.toml`), which `cargo test` then builds into the binary they run, while
//! `cargo build --release` leaves it out.
