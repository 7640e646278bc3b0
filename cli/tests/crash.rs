//! Crash safety of a saved store: `jingxuan update` is killed in the middle of applying a
//! batch, at every step of an update and at timed moments; reopening the store must give
//! exactly the state before or the state after that batch (never a mix, never a panic),
//! and running the same update again must complete it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use jingxuan::index::SearchQuery;
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Step, Store, StoreOptions};
use serde_json::{json, Value};

fn jingxuan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_jingxuan"))
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

/// A base corpus (the demo without its last 400 notes and 600 reviews) and a batch that
/// adds them back, edits and deletes older documents, and records a curation decision.
fn base_and_batch(root: &Path) -> (PathBuf, PathBuf) {
    let base = root.join("base");
    let batch = root.join("batch");
    fs::create_dir_all(&base).unwrap();
    fs::create_dir_all(&batch).unwrap();
    for file in [
        "merchants.jsonl",
        "authors.jsonl",
        "notes.jsonl",
        "reviews.jsonl",
        "visits.jsonl",
        "curation.jsonl",
    ] {
        let text = fs::read_to_string(demo().join(file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let held = match file {
            "notes.jsonl" => 400,
            "reviews.jsonl" => 600,
            _ => 0,
        };
        let (kept, added) = lines.split_at(lines.len() - held);
        fs::write(base.join(file), kept.join("\n") + "\n").unwrap();
        let mut out: Vec<String> = added.iter().map(|l| l.to_string()).collect();
        if file == "reviews.jsonl" {
            for (k, l) in kept.iter().take(40).enumerate() {
                let mut r: Value = serde_json::from_str(l).unwrap();
                if k % 2 == 0 {
                    out.push(json!({"id": r["id"], "deleted": true}).to_string());
                } else {
                    r["rating"] = json!(1.0);
                    r["text"] = json!("踩雷了，环境好但是难吃，不会再来");
                    out.push(r.to_string());
                }
            }
        }
        if file == "curation.jsonl" {
            out.push(
                json!({"merchant_id": "m-hz-0001", "decision": "hold", "reason": "复核中",
                       "by": "ops-hz-02", "at": "2025-10-30T10:00:00+08:00"})
                .to_string(),
            );
        }
        if !out.is_empty() {
            fs::write(batch.join(file), out.join("\n") + "\n").unwrap();
        }
    }
    (base, batch)
}

/// What a store answers: generation-independent, so that two stores holding the same
/// corpus compare equal.
fn answers(store_dir: &Path) -> Value {
    let store = Store::open(store_dir, StoreOptions::default()).expect("the store reopens");
    let snap = store.snapshot();
    let mut out = serde_json::Map::new();
    for city in snap.corpus().cities() {
        let board = snap.scoreboard(&city).unwrap();
        let list = snap
            .select(&city, &SelectionPolicy::default(), None)
            .unwrap();
        let hits = snap
            .search(&SearchQuery {
                text: "好吃 推荐".into(),
                city: Some(city.clone()),
                limit: 20,
                ..SearchQuery::default()
            })
            .unwrap();
        out.insert(city, json!({"board": &*board, "list": list, "hits": hits}));
    }
    Value::Object(out)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn update(store: &Path, batch: &Path, extra: &[&str]) -> std::process::Output {
    jingxuan()
        .arg("update")
        .arg("--store")
        .arg(store)
        .arg(batch)
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `jingxuan update --json --store STORE --from BASE`, which must succeed.
fn create_store(store: &Path, base: &Path) -> std::process::Output {
    let out = jingxuan()
        .args(["update", "--json", "--store"])
        .arg(store)
        .arg("--from")
        .arg(base)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    pristine: PathBuf,
    batch: PathBuf,
    before: Value,
    after: Value,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let (base, batch) = base_and_batch(&root);
    let pristine = root.join("pristine");
    create_store(&pristine, &base);
    let before = answers(&pristine);
    let done = root.join("done");
    copy_dir(&pristine, &done);
    let out = update(&done, &batch, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = answers(&done);
    assert_ne!(before, after, "the batch must change some answer");
    Fixture {
        _tmp: tmp,
        root,
        pristine,
        batch,
        before,
        after,
    }
}

/// Reopens a crashed store: it must hold the state before or after, and a second run of
/// the update must leave it after. Returns which state the crash left.
fn check_recovery(fx: &Fixture, dir: &Path, what: &str) -> &'static str {
    let state = answers(dir);
    let left = if state == fx.before {
        "before"
    } else if state == fx.after {
        "after"
    } else {
        panic!("{what}: the reopened store holds neither the state before nor after the batch");
    };
    let out = update(dir, &fx.batch, &[]);
    assert!(
        out.status.success(),
        "{what}: re-running the update failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        answers(dir),
        fx.after,
        "{what}: re-running did not complete the batch"
    );
    left
}

#[test]
fn a_crash_at_any_step_leaves_the_state_before_or_after() {
    let fx = fixture();
    let mut outcomes = Vec::new();
    for step in Step::ALL {
        let dir = fx.root.join(format!("crash-{}", step.name()));
        copy_dir(&fx.pristine, &dir);
        let out = update(&dir, &fx.batch, &["--crash-at", step.name()]);
        assert!(
            !out.status.success(),
            "{}: the update should have been aborted",
            step.name()
        );
        outcomes.push((step, check_recovery(&fx, &dir, step.name())));
    }
    // Up to the index commit the old state stands; from it on, the new one.
    for (step, left) in &outcomes {
        let expected = if *step >= Step::IndexCommitted {
            "after"
        } else {
            "before"
        };
        assert_eq!(*left, expected, "crash at {}", step.name());
    }
}

#[test]
fn a_kill_at_a_random_moment_leaves_the_state_before_or_after() {
    let fx = fixture();
    for (k, ms) in [5u64, 60, 250, 900].into_iter().enumerate() {
        let dir = fx.root.join(format!("kill-{k}"));
        copy_dir(&fx.pristine, &dir);
        let mut child = jingxuan()
            .arg("update")
            .arg("--store")
            .arg(&dir)
            .arg(&fx.batch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        check_recovery(&fx, &dir, &format!("kill after {ms} ms"));
    }
}

/// `select --store` answers from the store exactly as `select` does from the corpus the
/// store holds, byte for byte.
#[test]
fn select_from_a_store_equals_select_from_its_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let (base, _) = base_and_batch(tmp.path());
    let store = tmp.path().join("store");
    let out = create_store(&store, &base);
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["generation"], json!(1));
    for city in ["杭州", "上海"] {
        let from_corpus = jingxuan()
            .arg("select")
            .arg(&base)
            .args(["--city", city, "--json"])
            .output()
            .unwrap();
        let from_store = jingxuan()
            .args(["select", "--store"])
            .arg(&store)
            .args(["--city", city, "--json"])
            .output()
            .unwrap();
        assert!(
            from_store.status.success(),
            "{}",
            String::from_utf8_lossy(&from_store.stderr)
        );
        assert!(!from_corpus.stdout.is_empty());
        assert_eq!(from_store.stdout, from_corpus.stdout, "{city}");
    }
}
