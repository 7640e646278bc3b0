//! Arbitrary bytes as a corpus: the loader must never panic, in either mode, and must
//! account for every line it read. The checks live in `fuzz/checks.rs`, shared with the
//! bounded property test CI runs (`tests/fuzz_props.rs`).

#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| checks::parse_records(data));
