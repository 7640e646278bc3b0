//! Arbitrary bytes as a corpus: the loader must never panic, in either mode, and must
//! account for every line it read.
//!
//! Input layout: the first byte picks the caps (small ones, so that the fuzzer reaches
//! every cap's path); the rest is split on NUL bytes into the files of `corpus::FILES`, in
//! order (`merchants.jsonl` first). NUL can never be part of a valid line, so nothing is
//! lost by using it as the separator.

#![no_main]

use jingxuan::corpus::{self, FileReport, LoadOptions, Mode, FILES};
use libfuzzer_sys::fuzz_target;

fn accounted(f: &FileReport) -> u64 {
    f.blank + f.accepted + f.replaced + f.deleted + f.skipped_total()
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, rest)) = data.split_first() else {
        return;
    };
    let parts: Vec<&[u8]> = rest.splitn(FILES.len(), |&b| b == 0).collect();
    let small = knobs & 1 == 1;
    for mode in [Mode::Lenient, Mode::Strict] {
        let opts = if small {
            LoadOptions {
                mode,
                max_problems: usize::from(knobs >> 5),
                max_warnings: usize::from(knobs >> 5),
                max_line_bytes: 16 + usize::from(knobs >> 1) * 8,
                max_text_chars: usize::from(knobs >> 2),
                max_field_chars: usize::from(knobs >> 3),
                max_tags: usize::from(knobs >> 4),
                max_merchant_ids: usize::from(knobs >> 5),
                max_aliases: usize::from(knobs >> 5),
            }
        } else {
            LoadOptions {
                mode,
                ..LoadOptions::default()
            }
        };
        let files = FILES.iter().copied().zip(parts.iter().copied());
        match corpus::load_from_readers(files, &opts) {
            Ok(loaded) => {
                for f in &loaded.report.files {
                    assert_eq!(f.lines, accounted(f), "{f:?}");
                    assert!(f.problems.len() <= opts.max_problems);
                    assert!(f.problems.len() as u64 <= f.problem_count);
                }
                assert!(loaded.report.warnings.len() <= opts.max_warnings);
                if mode == Mode::Strict {
                    assert!(loaded.report.is_clean());
                }
                // What the pipeline reads first from a loaded corpus.
                let c = &loaded.corpus;
                let _ = c.latest_timestamp().map(|t| t.to_rfc3339());
                let _ = c.merchant_names();
                let _ = c.cities();
                let _ = c.standing_decisions();
                for m in c.merchants.values() {
                    let _ = (m.top_category(), m.display_name());
                }
            }
            Err(e) => {
                assert!(e.is_user_error(), "input gave an internal error: {e}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
});
