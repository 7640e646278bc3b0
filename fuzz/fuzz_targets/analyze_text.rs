//! Arbitrary text through the analyzer and the sentiment model: no panic, every token and
//! cue a char-boundary range of the original text, every score in its documented range.
//! The checks live in `fuzz/checks.rs`, shared with the bounded property test CI runs
//! (`tests/fuzz_props.rs`).

#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| checks::analyze_text(text));
