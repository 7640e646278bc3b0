//! Data-driven loader tests: every folder under `tests/cases/corpus/` is one case, holding
//! the corpus files (or numbered batch folders `1/`, `2/`, … applied in order) and an
//! `expect.txt`. Directives of `expect.txt`, one per line (`#` starts a comment):
//!
//! - `mode: strict|lenient` (default strict); `max_problems: N`; `max_line_bytes: N`; and
//!   the record caps `max_text_chars`, `max_field_chars`, `max_tags`, `max_merchant_ids`,
//!   `max_aliases` (each `NAME: N`)
//! - `fails: missing-merchants` — loading must fail with that error
//! - `fails: FILE total=N` — strict loading must fail on FILE with N problems in all
//! - `problem: TEXT` — the next problem (in order; all must be listed) starts with TEXT,
//!   where a problem prints as `file:line: field: reason`
//! - `count: FILE key=value …` — keys of `FileReport` (`lines`, `blank`, `accepted`,
//!   `replaced`, `deleted`, `present`, `problem_count`) or `skipped.KIND`
//! - `ids: KIND id …` — exactly these ids are loaded (`merchants`, `authors`, `notes`,
//!   `reviews`); `count-of: visits|curation N`
//! - `field: KIND ID FIELD JSON` — the record's serialized field equals JSON
//! - `commercial: ID JSON|none` — the merchant's commercial terms
//! - `curation: MERCHANT DECISION|none` — the decision that stands for the merchant
//! - `warnings: N` and `warning: TEXT` (the next warning starts with TEXT)
//!
//! Whatever the case, every present file must account for each line it read.

use std::fs;
use std::path::{Path, PathBuf};

use jingxuan::corpus::{self, FileReport, LoadOptions, Loaded, Mode};
use jingxuan::{Error, Problem, UserError};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/corpus")
}

#[test]
fn corpus_cases() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("cases folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 25,
        "expected at least 25 cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(msg) = run_case(dir) {
            failures.push(format!(
                "case {}:\n  {}",
                dir.file_name().unwrap_or_default().to_string_lossy(),
                msg.replace('\n', "\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

struct Expect {
    directives: Vec<(String, String)>,
}

impl Expect {
    fn read(dir: &Path) -> Result<Self, String> {
        let text =
            fs::read_to_string(dir.join("expect.txt")).map_err(|e| format!("expect.txt: {e}"))?;
        let mut directives = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| format!("expect.txt: no directive in {line:?}"))?;
            directives.push((key.trim().to_string(), value.trim().to_string()));
        }
        Ok(Self { directives })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.directives
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn batches(dir: &Path) -> Vec<PathBuf> {
    let mut numbered: Vec<(u32, PathBuf)> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    Some((n, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    numbered.sort();
    if numbered.is_empty() {
        vec![dir.to_path_buf()]
    } else {
        numbered.into_iter().map(|(_, p)| p).collect()
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let expect = Expect::read(dir)?;
    let mut opts = LoadOptions::default();
    match expect.get("mode") {
        None | Some("strict") => opts.mode = Mode::Strict,
        Some("lenient") => opts.mode = Mode::Lenient,
        Some(other) => return Err(format!("unknown mode {other:?}")),
    }
    if let Some(n) = expect.get("max_problems") {
        opts.max_problems = n.parse().map_err(|e| format!("max_problems: {e}"))?;
    }
    let caps: [(&str, &mut usize); 6] = [
        ("max_line_bytes", &mut opts.max_line_bytes),
        ("max_text_chars", &mut opts.max_text_chars),
        ("max_field_chars", &mut opts.max_field_chars),
        ("max_tags", &mut opts.max_tags),
        ("max_merchant_ids", &mut opts.max_merchant_ids),
        ("max_aliases", &mut opts.max_aliases),
    ];
    for (name, slot) in caps {
        if let Some(n) = expect.get(name) {
            *slot = n.parse().map_err(|e| format!("{name}: {e}"))?;
        }
    }

    let batches = batches(dir);
    let mut result = corpus::load(&batches[0], &opts);
    for b in &batches[1..] {
        result = result.and_then(|mut l| corpus::load_batch(&mut l, b, &opts).map(|()| l));
    }

    match (expect.get("fails"), result) {
        (Some("missing-merchants"), Err(Error::User(UserError::MissingMerchants { .. }))) => Ok(()),
        (
            Some(want),
            Err(Error::User(UserError::InvalidCorpus {
                file,
                problems,
                total,
            })),
        ) => {
            let got = format!("{file} total={total}");
            if got != want {
                return Err(format!("failed as `{got}`, expected `{want}`"));
            }
            check_problems(&expect, &problems)
        }
        (Some(want), Err(e)) => Err(format!("expected failure {want:?}, got error: {e}")),
        (Some(want), Ok(_)) => Err(format!("expected failure {want:?}, but loading succeeded")),
        (None, Err(e)) => Err(format!("loading failed: {e}")),
        (None, Ok(loaded)) => check_loaded(&expect, &loaded),
    }
}

fn check_problems(expect: &Expect, problems: &[Problem]) -> Result<(), String> {
    let want = expect.all("problem");
    let got: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let matches = want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| g.starts_with(w));
    if matches {
        Ok(())
    } else {
        Err(format!(
            "problems differ\nexpected (prefixes):\n  {}\ngot:\n  {}",
            want.join("\n  "),
            got.join("\n  ")
        ))
    }
}

fn file_report<'a>(loaded: &'a Loaded, file: &str) -> Result<&'a FileReport, String> {
    loaded
        .report
        .files
        .iter()
        .find(|f| f.file == file)
        .ok_or_else(|| format!("no report for {file}"))
}

fn check_loaded(expect: &Expect, loaded: &Loaded) -> Result<(), String> {
    for f in &loaded.report.files {
        let sum = f.blank + f.accepted + f.replaced + f.deleted + f.skipped_total();
        if f.lines != sum {
            return Err(format!(
                "{}: {} lines but {} accounted for: {f:?}",
                f.file, f.lines, sum
            ));
        }
    }
    let problems: Vec<Problem> = loaded
        .report
        .files
        .iter()
        .flat_map(|f| f.problems.iter().cloned())
        .collect();
    check_problems(expect, &problems)?;

    for spec in expect.all("count") {
        let mut parts = spec.split_whitespace();
        let file = parts.next().ok_or("count: no file")?;
        let report = serde_json::to_value(file_report(loaded, file)?).map_err(|e| e.to_string())?;
        for kv in parts {
            let (key, want) = kv
                .split_once('=')
                .ok_or_else(|| format!("count: bad {kv:?}"))?;
            let got = match key.strip_prefix("skipped.") {
                Some(kind) => report["skipped"].get(kind).cloned().unwrap_or(0.into()),
                None => report
                    .get(key)
                    .cloned()
                    .ok_or_else(|| format!("count: no key {key}"))?,
            };
            let want_v: serde_json::Value =
                serde_json::from_str(want).map_err(|e| format!("count: {key}={want}: {e}"))?;
            if got != want_v {
                return Err(format!(
                    "{file} {key}: expected {want}, got {got} in {report}"
                ));
            }
        }
    }

    let c = &loaded.corpus;
    for spec in expect.all("ids") {
        let mut parts = spec.split_whitespace();
        let kind = parts.next().ok_or("ids: no kind")?;
        let want: Vec<&str> = parts.collect();
        let got: Vec<&str> = match kind {
            "merchants" => c.merchants.keys().map(String::as_str).collect(),
            "authors" => c.authors.keys().map(String::as_str).collect(),
            "notes" => c.notes.keys().map(|k| k.as_str()).collect(),
            "reviews" => c.reviews.keys().map(|k| k.as_str()).collect(),
            other => return Err(format!("ids: unknown kind {other}")),
        };
        let mut want_sorted = want.clone();
        want_sorted.sort();
        if got != want_sorted {
            return Err(format!("{kind}: expected ids {want_sorted:?}, got {got:?}"));
        }
    }
    for spec in expect.all("count-of") {
        let (kind, n) = spec.split_once(' ').ok_or("count-of: KIND N")?;
        let got = match kind {
            "visits" => c.visits.len(),
            "curation" => c.curation.len(),
            other => return Err(format!("count-of: unknown kind {other}")),
        };
        if got.to_string() != n.trim() {
            return Err(format!("{kind}: expected {n} records, got {got}"));
        }
    }

    for spec in expect.all("field") {
        let mut parts = spec.splitn(4, ' ');
        let (kind, id, field, json) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let record = match kind {
            "merchants" => c.merchants.get(id).map(serde_json::to_value),
            "authors" => c.authors.get(id).map(serde_json::to_value),
            "notes" => c.notes.get(id).map(serde_json::to_value),
            "reviews" => c.reviews.get(id).map(serde_json::to_value),
            other => return Err(format!("field: unknown kind {other}")),
        }
        .ok_or_else(|| format!("field: no {kind} {id}"))?
        .map_err(|e| e.to_string())?;
        let want: serde_json::Value =
            serde_json::from_str(json).map_err(|e| format!("field: bad JSON {json:?}: {e}"))?;
        if record[field] != want {
            return Err(format!(
                "{kind} {id} {field}: expected {want}, got {}",
                record[field]
            ));
        }
    }

    for spec in expect.all("commercial") {
        let (id, json) = spec.split_once(' ').ok_or("commercial: ID JSON")?;
        let got = loaded
            .commercial
            .get(id)
            .map(|m| serde_json::Value::Object(m.clone()));
        let want = match json.trim() {
            "none" => None,
            j => Some(serde_json::from_str(j).map_err(|e| format!("commercial: {e}"))?),
        };
        if got != want {
            return Err(format!("commercial {id}: expected {want:?}, got {got:?}"));
        }
    }

    for spec in expect.all("curation") {
        let (id, want) = spec.split_once(' ').ok_or("curation: MERCHANT DECISION")?;
        let got = match c.curation_for(id) {
            Some(d) => serde_json::to_value(d.decision).map_err(|e| e.to_string())?,
            None => serde_json::Value::from("none"),
        };
        if got != want.trim() {
            return Err(format!("curation of {id}: expected {want}, got {got}"));
        }
    }

    if let Some(n) = expect.get("warnings") {
        if loaded.report.warning_count.to_string() != n {
            return Err(format!(
                "expected {n} warnings, got {}: {:?}",
                loaded.report.warning_count, loaded.report.warnings
            ));
        }
    }
    let want_w = expect.all("warning");
    if !want_w.is_empty() {
        let got = &loaded.report.warnings;
        let ok = want_w.len() == got.len() && want_w.iter().zip(got).all(|(w, g)| g.starts_with(w));
        if !ok {
            return Err(format!("warnings differ: expected {want_w:?}, got {got:?}"));
        }
    }
    Ok(())
}
