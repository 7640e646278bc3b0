//! Invariants of the corpus loader over generated input: no input panics, every line is
//! accounted for, and for edits and tombstones the last line for an id wins — within a
//! file and across batches.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use jingxuan::corpus::{self, FileReport, LoadOptions, Loaded, Mode};
use jingxuan::{Error, UserError};
use proptest::prelude::*;
use serde_json::json;

const MERCHANT: &str = r#"{"id":"m1","name":"隐巷咖啡","city":"杭州","category":"饮品/咖啡"}"#;

fn lenient() -> LoadOptions {
    LoadOptions {
        mode: Mode::Lenient,
        ..LoadOptions::default()
    }
}

fn write(dir: &Path, file: &str, bytes: &[u8]) {
    fs::write(dir.join(file), bytes).expect("write corpus file");
}

/// Lines as the contract counts them: split on `\n`, a last line without one counts.
fn line_count(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(!bytes.is_empty() && bytes.last() != Some(&b'\n'))
}

fn accounted(f: &FileReport) -> u64 {
    f.blank + f.accepted + f.replaced + f.deleted + f.skipped.values().sum::<u64>()
}

fn report<'a>(l: &'a Loaded, file: &str) -> &'a FileReport {
    l.report
        .files
        .iter()
        .find(|f| f.file == file)
        .expect("every file has a report")
}

/// Lines that look like corpus records, broken ones included.
fn note_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Valid notes, some of them edits of each other.
        (0u8..4, "[一-龥a-z ]{0,12}").prop_map(|(id, body)| json!({
            "id": format!("n{id}"), "author_id": "u1", "created_at": "2025-10-02T12:30:00+08:00",
            "body": body, "merchant_ids": ["m1"]
        })
        .to_string()
        .into_bytes()),
        (0u8..4).prop_map(|id| format!(r#"{{"id":"n{id}","deleted":true}}"#).into_bytes()),
        // Plausible but wrong values.
        (0u8..4, any::<i64>()).prop_map(|(id, likes)| format!(
            r#"{{"id":"n{id}","author_id":"u1","created_at":"2025-10-02T12:30:00+08:00","body":"","likes":{likes}}}"#
        )
        .into_bytes()),
        "[{}\\[\\]\":,a-z0-9 ]{0,20}".prop_map(String::into_bytes),
        // Anything at all, without the line break that would split it.
        proptest::collection::vec(any::<u8>().prop_filter("no newline", |b| *b != b'\n'), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_bytes_never_panic_and_every_line_is_counted(
        notes in proptest::collection::vec(any::<u8>(), 0..400),
        merchants_tail in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut merchants = format!("{MERCHANT}\n").into_bytes();
        merchants.extend_from_slice(&merchants_tail);
        write(dir.path(), "merchants.jsonl", &merchants);
        write(dir.path(), "notes.jsonl", &notes);

        let loaded = corpus::load(dir.path(), &lenient()).expect("lenient load reads any bytes");
        for (file, bytes) in [("merchants.jsonl", &merchants), ("notes.jsonl", &notes)] {
            let f = report(&loaded, file);
            prop_assert_eq!(f.lines, line_count(bytes));
            prop_assert_eq!(f.lines, accounted(f));
        }

        // Strict mode agrees with lenient mode on whether the corpus is clean.
        match corpus::load(dir.path(), &LoadOptions::default()) {
            Ok(strict) => {
                prop_assert!(loaded.report.is_clean());
                prop_assert_eq!(strict.corpus.notes.len(), loaded.corpus.notes.len());
            }
            Err(Error::User(UserError::InvalidCorpus { total, .. })) => {
                prop_assert!(!loaded.report.is_clean());
                prop_assert!(total > 0);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn record_like_lines_are_all_accounted_for(lines in proptest::collection::vec(note_line(), 0..30)) {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "merchants.jsonl", MERCHANT.as_bytes());
        let notes = lines.join(&b'\n');
        write(dir.path(), "notes.jsonl", &notes);
        let loaded = corpus::load(dir.path(), &lenient()).expect("lenient load");
        let f = report(&loaded, "notes.jsonl");
        prop_assert_eq!(f.lines, line_count(&notes));
        prop_assert_eq!(f.lines, accounted(f));
        prop_assert!(f.problem_count >= f.skipped.values().sum::<u64>());
        prop_assert!(f.problems.len() as u64 <= f.problem_count);
    }
}

/// One step of an edit history: write merchant `id` with a name, or delete it.
#[derive(Debug, Clone)]
enum Op {
    Put(u8, String),
    Delete(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..5, "[一-龥]{1,6}").prop_map(|(id, name)| Op::Put(id, name)),
        1 => (0u8..5).prop_map(Op::Delete),
    ]
}

fn op_line(op: &Op) -> String {
    match op {
        Op::Put(id, name) => json!({
            "id": format!("m{id}"), "name": name, "city": "杭州", "category": "美食/小吃",
            "commercial": {"ad_spend_30d": name.chars().count()}
        })
        .to_string(),
        Op::Delete(id) => json!({"id": format!("m{id}"), "deleted": true}).to_string(),
    }
}

/// What the contract says the merchants are after these lines: the last line per id wins.
fn model(ops: &[Op]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for op in ops {
        match op {
            Op::Put(id, name) => {
                m.insert(format!("m{id}"), name.clone());
            }
            Op::Delete(id) => {
                m.remove(&format!("m{id}"));
            }
        }
    }
    m
}

fn names(l: &Loaded) -> BTreeMap<String, String> {
    l.corpus
        .merchants
        .iter()
        .map(|(id, m)| (id.clone(), m.name.clone()))
        .collect()
}

fn write_ops(dir: &Path, ops: &[Op]) {
    let text: String = ops.iter().map(|o| op_line(o) + "\n").collect();
    write(dir, "merchants.jsonl", text.as_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_last_line_for_an_id_wins(ops in proptest::collection::vec(op(), 0..40)) {
        let dir = tempfile::tempdir().expect("tempdir");
        write_ops(dir.path(), &ops);
        let loaded = corpus::load(dir.path(), &LoadOptions::default()).expect("valid lines");
        let want = model(&ops);
        prop_assert_eq!(names(&loaded), want.clone());
        // Commercial terms follow the same history, and only for live merchants.
        prop_assert_eq!(loaded.commercial.len(), want.len());
        for (id, name) in &want {
            let terms = loaded.commercial.get(id).expect("terms of a live merchant");
            prop_assert_eq!(&terms["ad_spend_30d"], &json!(name.chars().count()));
        }
        let f = report(&loaded, "merchants.jsonl");
        prop_assert_eq!(f.lines, ops.len() as u64);
        prop_assert_eq!(f.lines, accounted(f));
        let deletes = ops.iter().filter(|o| matches!(o, Op::Delete(_))).count() as u64;
        prop_assert_eq!(f.deleted, deletes);
        // A line for a live id replaces it; any other record line is a new record. (Ids in
        // ascending runs and out of order both occur: the loader holds ascending runs
        // aside and builds them in at once.)
        let mut live = std::collections::BTreeSet::new();
        let mut replaced = 0u64;
        for op in &ops {
            match op {
                Op::Put(id, _) => replaced += u64::from(!live.insert(*id)),
                Op::Delete(id) => {
                    live.remove(id);
                }
            }
        }
        prop_assert_eq!(f.replaced, replaced);
        prop_assert_eq!(f.accepted, ops.len() as u64 - deletes - replaced);
    }

    #[test]
    fn batches_apply_like_one_file(ops in proptest::collection::vec(op(), 1..40), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(ops.len());
        let (first, second) = ops.split_at(cut);
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        write_ops(a.path(), first);
        write_ops(b.path(), second);
        let mut loaded = corpus::load(a.path(), &LoadOptions::default()).expect("first batch");
        corpus::load_batch(&mut loaded, b.path(), &LoadOptions::default()).expect("second batch");
        prop_assert_eq!(names(&loaded), model(&ops));
    }
}

#[test]
fn a_50_megabyte_line_is_a_problem_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = format!("{MERCHANT}\n").into_bytes();
    bytes.extend_from_slice(br#"{"id":"m2","name":""#);
    bytes.resize(bytes.len() + 50 * 1024 * 1024, b'a');
    bytes.extend_from_slice(b"\",\"city\":\"\xe6\x9d\xad\xe5\xb7\x9e\",\"category\":\"x\"}\n");
    bytes.extend_from_slice(MERCHANT.replace("m1", "m3").as_bytes());
    write(dir.path(), "merchants.jsonl", &bytes);

    let loaded = corpus::load(dir.path(), &lenient()).expect("lenient load");
    let f = report(&loaded, "merchants.jsonl");
    assert_eq!((f.lines, f.accepted), (3, 2));
    assert_eq!(f.skipped.get("line-too-long"), Some(&1));
    assert_eq!(
        f.problems[0].to_string(),
        "merchants.jsonl:2: -: line is longer than 16777216 bytes; split the record or raise LoadOptions::max_line_bytes"
    );
    assert!(loaded.corpus.merchants.contains_key("m3"));

    match corpus::load(dir.path(), &LoadOptions::default()) {
        Err(Error::User(UserError::InvalidCorpus { file, total, .. })) => {
            assert_eq!((file.as_str(), total), ("merchants.jsonl", 1));
        }
        other => panic!("expected InvalidCorpus, got {other:?}"),
    }
}

#[test]
fn a_folder_that_is_not_there_is_unreadable_not_missing_merchants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gone = dir.path().join("no-such-corpus");
    match corpus::load(&gone, &LoadOptions::default()) {
        Err(Error::User(UserError::Unreadable { path, .. })) => assert_eq!(path, gone),
        other => panic!("expected Unreadable, got {other:?}"),
    }
    let msg = corpus::load(dir.path(), &LoadOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("no merchants.jsonl"), "{msg}");
}

#[test]
fn a_failed_strict_batch_leaves_the_corpus_unchanged() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    write(a.path(), "merchants.jsonl", MERCHANT.as_bytes());
    let batch = format!(
        "{}\n{}\n",
        r#"{"id":"m1","deleted":true}"#, r#"{"id":"m2","name":"老街火锅"}"#
    );
    write(b.path(), "merchants.jsonl", batch.as_bytes());
    let mut loaded = corpus::load(a.path(), &LoadOptions::default()).expect("first batch");
    let err = corpus::load_batch(&mut loaded, b.path(), &LoadOptions::default());
    assert!(matches!(
        err,
        Err(Error::User(UserError::InvalidCorpus { .. }))
    ));
    assert!(loaded.corpus.merchants.contains_key("m1"));
    assert_eq!(loaded.corpus.merchants.len(), 1);
}

/// A notes file long enough to be parsed in several chunks (the loader validates lines in
/// parallel, a few thousand at a time): what a line-by-line reading says, worked out here
/// line by line, is what the loader says on one thread and on two — edits and tombstones
/// across chunk edges, every bad line with its number, each unknown author warned about
/// once at its first line, and strict mode failing with the same problems.
#[test]
fn a_long_file_read_in_parallel_chunks_is_accounted_like_one_read_line_by_line() {
    const LINES: u64 = 9_500;
    let dir = tempfile::tempdir().expect("tempdir");
    let authors = "{\"id\":\"u0\"}\n{\"id\":\"u1\"}\n{\"id\":\"u2\"}\n";
    write(
        dir.path(),
        "merchants.jsonl",
        format!("{MERCHANT}\n").as_bytes(),
    );
    write(dir.path(), "authors.jsonl", authors.as_bytes());
    let mut text = String::new();
    let mut live: BTreeMap<String, String> = BTreeMap::new();
    let (mut blank, mut accepted, mut replaced, mut deleted) = (0u64, 0u64, 0u64, 0u64);
    let mut bad: Vec<(u64, &str)> = Vec::new();
    let mut unknown: Vec<(u64, String)> = Vec::new();
    for line in 1..=LINES {
        // Ids repeat every 700 lines, so edits and tombstones reach back across chunks.
        let id = format!("n{}", line % 700);
        let body = format!("第{line}行");
        let record = |author: &str, merchant: &str| {
            json!({"id": id, "author_id": author, "created_at": "2025-10-02T12:30:00+08:00",
                   "body": body, "merchant_ids": [merchant]})
            .to_string()
        };
        let l = match line % 97 {
            // Around the 4096- and 8192-line chunk edges as well as elsewhere.
            _ if line == 4096 || line == 8193 => {
                bad.push((line, "invalid-json"));
                "{\"id\":".to_string()
            }
            _ if line == 4097 || line == 8192 => {
                blank += 1;
                "  ".to_string()
            }
            0 => {
                bad.push((line, "unknown-merchant"));
                record("u1", "m404")
            }
            13 => {
                deleted += 1;
                live.remove(&id);
                json!({"id": id, "deleted": true}).to_string()
            }
            51 => {
                // An author outside authors.jsonl: one warning per author, at its first line.
                let author = format!("stranger{}", line % 5);
                if !unknown.iter().any(|(_, a)| *a == author) {
                    unknown.push((line, author.clone()));
                }
                if live.insert(id.clone(), body.clone()).is_some() {
                    replaced += 1;
                } else {
                    accepted += 1;
                }
                record(&author, "m1")
            }
            _ => {
                if live.insert(id.clone(), body.clone()).is_some() {
                    replaced += 1;
                } else {
                    accepted += 1;
                }
                record(&format!("u{}", line % 3), "m1")
            }
        };
        text.push_str(&l);
        text.push('\n');
    }
    write(dir.path(), "notes.jsonl", text.as_bytes());

    let opts = LoadOptions {
        max_problems: 1_000,
        ..lenient()
    };
    let on = |threads: usize, opts: &LoadOptions| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| corpus::load(dir.path(), opts))
    };
    let one = on(1, &opts).expect("lenient load");
    let two = on(2, &opts).expect("lenient load");
    let f = report(&two, "notes.jsonl");
    assert_eq!(f.lines, LINES);
    assert_eq!(
        (f.blank, f.accepted, f.replaced, f.deleted),
        (blank, accepted, replaced, deleted)
    );
    assert_eq!(accounted(f), LINES);
    let got: Vec<(u64, &str)> = f
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    let want: Vec<(u64, &str)> = bad
        .iter()
        .map(|&(l, k)| {
            (
                l,
                if k == "invalid-json" {
                    "-"
                } else {
                    "merchant_ids[0]"
                },
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(f.skipped.get("invalid-json"), Some(&2));
    assert_eq!(
        f.skipped.get("unknown-merchant"),
        Some(&(bad.len() as u64 - 2))
    );
    let bodies: BTreeMap<String, String> = two
        .corpus
        .notes
        .iter()
        .map(|(id, n)| (id.to_string(), n.body().to_string()))
        .collect();
    assert_eq!(bodies, live);
    let warned: Vec<&String> = two
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("author_id"))
        .collect();
    assert_eq!(warned.len(), unknown.len());
    for (w, (line, author)) in warned.iter().zip(&unknown) {
        assert!(
            w.starts_with(&format!("notes.jsonl:{line}: author_id: \"{author}\"")),
            "{w}"
        );
    }
    // One thread and two: the same corpus, counts, problems and warnings.
    assert_eq!(one.corpus.notes, two.corpus.notes);
    assert_eq!(
        serde_json::to_string(&one.report).unwrap(),
        serde_json::to_string(&two.report).unwrap()
    );
    // Strict mode fails on the same problems, in line order.
    let strict = LoadOptions {
        mode: Mode::Strict,
        ..opts
    };
    match on(2, &strict) {
        Err(Error::User(UserError::InvalidCorpus {
            file,
            problems,
            total,
        })) => {
            assert_eq!(file, "notes.jsonl");
            assert_eq!(total, bad.len());
            let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
            assert_eq!(lines, bad.iter().map(|b| b.0).collect::<Vec<_>>());
        }
        other => panic!("strict load of bad lines: {other:?}"),
    }
}
