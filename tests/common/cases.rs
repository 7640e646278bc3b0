//! What the judgement-stage case harnesses share (`tests/trust_cases.rs`,
//! `tests/reputation_cases.rs`, `tests/selection_cases.rs`; the format is in
//! `tests/cases/README.md`): each case folder is a batch of corpus files applied onto the
//! small town of `tests/cases/town/`, analysed, and checked against the directives of its
//! `expect.txt`.

use std::fs;
use std::path::{Path, PathBuf};

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::{Analysis, Engine};

/// The folder of one area's cases, e.g. `tests/cases/trust`.
pub fn area_dir(area: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(area)
}

/// The directives of an `expect.txt`: `key: value`, one per line, `#` comments.
pub struct Expect {
    /// In file order, with their line numbers.
    pub directives: Vec<(usize, String, String)>,
}

impl Expect {
    /// Reads `dir/expect.txt`.
    pub fn read(dir: &Path) -> Result<Self, String> {
        let text =
            fs::read_to_string(dir.join("expect.txt")).map_err(|e| format!("expect.txt: {e}"))?;
        let mut directives = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| format!("expect.txt:{}: no directive in {line:?}", i + 1))?;
            directives.push((i + 1, key.trim().to_string(), value.trim().to_string()));
        }
        Ok(Self { directives })
    }

    /// The value of the first `key` directive.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| v.as_str())
    }
}

/// The town with the case's files applied as a batch, analysed as of the case's `as_of`
/// directive (default: the latest timestamp, as the command does).
pub fn analyse(dir: &Path, expect: &Expect) -> Result<Analysis, String> {
    let opts = LoadOptions::default();
    let mut loaded = corpus::load(&area_dir("town"), &opts).map_err(|e| format!("town: {e}"))?;
    corpus::load_batch(&mut loaded, dir, &opts).map_err(|e| format!("case corpus: {e}"))?;
    let as_of = match expect.get("as_of") {
        Some(t) => Some(Timestamp::parse_rfc3339(t).map_err(|e| format!("as_of {t:?}: {e}"))?),
        None => None,
    };
    let engine = Engine::for_corpus(&loaded.corpus).map_err(|e| format!("engine: {e}"))?;
    Ok(engine.analyze(loaded.corpus, as_of))
}

/// Runs `check` on every case folder of `area` (at least `min_cases` of them) and fails
/// with every failing case's messages.
pub fn run_area(area: &str, min_cases: usize, check: impl Fn(&Path) -> Result<(), String>) {
    let mut dirs: Vec<PathBuf> = fs::read_dir(area_dir(area))
        .expect("cases folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= min_cases,
        "expected at least {min_cases} {area} cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(msg) = check(dir) {
            failures.push(format!(
                "case {area}/{}:\n  {}",
                dir.file_name().unwrap_or_default().to_string_lossy(),
                msg.replace('\n', "\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {area} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

/// Words of a directive's value.
pub fn words(value: &str) -> Vec<&str> {
    value.split_whitespace().collect()
}
