//! The two fuzz targets as bounded property tests, so that CI runs them on every change
//! (`cargo test --test fuzz_props`): the same checks (`fuzz/checks.rs`), fed mutations of
//! the bad-case corpus (`tests/cases/corpus/`, `tests/cases/text/`) as cargo-fuzz is seeded
//! by `fuzz/seed.sh`, plus every input kept in `tests/cases/fuzz/TARGET/` replayed as it is.
//!
//! A failing input found here is saved to `tests/cases/fuzz/TARGET/found-HASH` (shrunk
//! first); commit it with the fix and it is replayed on every run from then on. Inputs
//! cargo-fuzz finds (`fuzz/artifacts/TARGET/crash-*`) go into the same folder.
//!
//! `JINGXUAN_FUZZ_CASES=N` runs N mutated inputs per target instead of the default, for a
//! longer hunt.

// Both checks are used here; the module is shared with the fuzz targets.
#[path = "../fuzz/checks.rs"]
mod checks;

use std::fs;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;

use jingxuan::corpus::FILES;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Mutated inputs per target by default: about 8 s for both in a debug build.
const CASES: u32 = 4_000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn regressions(target: &str) -> PathBuf {
    repo().join("tests/cases/fuzz").join(target)
}

fn cases() -> u32 {
    std::env::var("JINGXUAN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES)
}

/// The parse_records seeds, as `fuzz/seed.sh` makes them: each bad case's files (first 40
/// lines each) joined by NUL, behind a caps byte (0x00: default caps, 0x21: small ones).
fn record_seeds() -> &'static [Vec<u8>] {
    static S: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    S.get_or_init(|| {
        let mut dirs: Vec<PathBuf> = fs::read_dir(repo().join("tests/cases/corpus"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.push(repo().join("fixtures/planted-errors"));
        dirs.sort();
        let mut seeds = Vec::new();
        for dir in dirs {
            for knobs in [0x00u8, 0x21] {
                let mut seed = vec![knobs];
                for (i, file) in FILES.iter().enumerate() {
                    if i > 0 {
                        seed.push(0);
                    }
                    if let Ok(text) = fs::read(dir.join(file)) {
                        let mut lines = text.split_inclusive(|&b| b == b'\n').take(40);
                        lines.try_for_each(|l| {
                            seed.extend_from_slice(l);
                            Some(())
                        });
                    }
                }
                seeds.push(seed);
            }
        }
        seeds
    })
}

/// The analyze_text seeds: every line of the cases' notes and reviews, and of the text and
/// sentiment cases.
fn text_seeds() -> &'static [Vec<u8>] {
    static S: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    S.get_or_init(|| {
        let mut files = Vec::new();
        for dir in fs::read_dir(repo().join("tests/cases/corpus")).unwrap() {
            let dir = dir.unwrap().path();
            files.push(dir.join("notes.jsonl"));
            files.push(dir.join("reviews.jsonl"));
        }
        files.push(repo().join("tests/cases/text/segmentation.txt"));
        files.push(repo().join("tests/cases/text/names.txt"));
        files.push(repo().join("tests/cases/sentiment/cases.tsv"));
        files.sort();
        let mut seeds: Vec<Vec<u8>> = files
            .iter()
            .filter_map(|f| fs::read(f).ok())
            .flat_map(|t| {
                t.split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .collect();
        seeds.dedup();
        seeds
    })
}

/// Tokens the parsers and the analyzer care about, for insertion.
const DICTIONARY: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e999",
    b"-0.0",
    b"18446744073709551616",
    b"\xEF\xBB\xBF",
    b"\xff",
    b"\xe5\x92",
    b"\\u0000",
    b"\\ud800",
    b"\"deleted\": true",
    b"\"commercial\": ",
    b"\"created_at\": \"9999-12-31\"",
    "不".as_bytes(),
    "但是".as_bytes(),
    "😋".as_bytes(),
    "ＡＢＣ".as_bytes(),
    "\u{200d}".as_bytes(),
    "\u{0301}".as_bytes(),
    b"!!!!!!!!",
];

/// One edit of a seed, applied at a position taken modulo the input's length.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Token(usize, usize),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
    Splice(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(p, t)| Edit::Token(p, t)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), 1usize..32, 2usize..50).prop_map(|(p, n, k)| Edit::Repeat(p, n, k)),
        (any::<usize>(), any::<usize>(), 1usize..200).prop_map(|(p, s, n)| Edit::Splice(p, s, n)),
    ]
}

fn apply(seed: &[u8], edits: &[Edit], others: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for e in edits {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
        match e {
            Edit::Flip(p, b) if !v.is_empty() => {
                let i = p % v.len();
                v[i] ^= b;
            }
            Edit::Flip(..) => {}
            Edit::Insert(p, bytes) => {
                let i = at(*p, v.len());
                v.splice(i..i, bytes.iter().copied());
            }
            Edit::Token(p, t) => {
                let i = at(*p, v.len());
                v.splice(i..i, DICTIONARY[t % DICTIONARY.len()].iter().copied());
            }
            Edit::Delete(p, n) => {
                let i = at(*p, v.len());
                let end = (i + n).min(v.len());
                v.drain(i..end);
            }
            Edit::Repeat(p, n, k) => {
                let i = at(*p, v.len());
                let end = (i + n).min(v.len());
                let chunk = v[i..end].to_vec();
                for _ in 0..*k {
                    v.splice(end..end, chunk.iter().copied());
                }
            }
            Edit::Splice(p, s, n) => {
                let other = &others[s % others.len()];
                let from = at(*s, other.len()).min(other.len());
                let end = (from + n).min(other.len());
                let i = at(*p, v.len());
                v.splice(i..i, other[from..end].iter().copied());
            }
        }
    }
    v
}

thread_local! {
    /// Set while a check runs: its panics are findings, reported with the input, so the
    /// default hook's print (one per shrinking step) is skipped.
    static IN_CHECK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once, a panic hook that is quiet inside a check and the default elsewhere
/// (tests run on several threads, so the hook is never swapped back and forth).
fn quiet_checks() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CHECK.with(|c| c.get()) {
                default(info);
            }
        }));
    });
}

/// Runs `check` on `input`: a panic becomes a failure naming the input (which
/// [`hunt`] then saves).
fn run_saving(target: &str, input: &[u8], check: fn(&[u8])) -> Result<(), TestCaseError> {
    quiet_checks();
    IN_CHECK.with(|c| c.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| check(input)));
    IN_CHECK.with(|c| c.set(false));
    match result {
        Ok(()) => Ok(()),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(TestCaseError::fail(format!(
                "{target} failed on {} bytes ({:?}): {why}",
                input.len(),
                String::from_utf8_lossy(&input[..input.len().min(300)])
            )))
        }
    }
}

fn save(target: &str, input: &[u8]) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    input.hash(&mut h);
    let dir = regressions(target);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("found-{:016x}", h.finish()));
    fs::write(&path, input).unwrap();
    path
}

fn check_records(input: &[u8]) {
    checks::parse_records(input);
}

fn check_text(input: &[u8]) {
    checks::analyze_text(&String::from_utf8_lossy(input));
}

/// Mutates the seeds `cases()` times; on a failure, saves the shrunk input and fails.
fn hunt(target: &str, seeds: &'static [Vec<u8>], check: fn(&[u8])) {
    assert!(seeds.len() > 10, "{target}: only {} seeds", seeds.len());
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..seeds.len(), prop::collection::vec(edit(), 0..6))
        .prop_map(move |(i, edits)| apply(&seeds[i], &edits, seeds));
    let result = runner.run(&strategy, |input| run_saving(target, &input, check));
    if let Err(e) = result {
        let saved = match &e {
            proptest::test_runner::TestError::Fail(_, input) => Some(save(target, input)),
            _ => None,
        };
        panic!("{target}: {e}\nthe input is saved as {saved:?}: commit it with the fix");
    }
}

/// Replays every saved input of `target`.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = regressions(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in &files {
        let input = fs::read(f).unwrap();
        if let Err(e) = run_saving(target, &input, check) {
            panic!("{}: {e}", f.display());
        }
    }
    files.len()
}

#[test]
fn parse_records_saved_inputs_replay() {
    let n = replay("parse_records", check_records);
    assert!(
        n > 0,
        "no saved parse_records inputs in {:?}",
        regressions("parse_records")
    );
}

#[test]
fn analyze_text_saved_inputs_replay() {
    let n = replay("analyze_text", check_text);
    assert!(
        n > 0,
        "no saved analyze_text inputs in {:?}",
        regressions("analyze_text")
    );
}

#[test]
fn parse_records_holds_on_mutated_bad_cases() {
    for seed in record_seeds() {
        run_saving("parse_records", seed, check_records).unwrap();
    }
    hunt("parse_records", record_seeds(), check_records);
}

#[test]
fn analyze_text_holds_on_mutated_texts() {
    for seed in text_seeds() {
        run_saving("analyze_text", seed, check_text).unwrap();
    }
    hunt("analyze_text", text_seeds(), check_text);
}

/// The check itself must catch what it is for: a loader that dropped a line from the
/// accounting, or a panic, fails (so a passing run means something).
#[test]
fn the_harness_reports_a_failing_check() {
    fn always_panics(_: &[u8]) {
        panic!("planted");
    }
    let e = run_saving("planted", b"x", always_panics).unwrap_err();
    assert!(e.to_string().contains("planted"));
}
