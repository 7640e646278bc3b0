//! Crash safety of a saved store: `jingxuan update` is killed in the middle of applying a
//! batch, at every step of an update and at timed moments; reopening the store must give
//! exactly the state before or the state after that batch (never a mix, never a panic),
//! and running the same update again must complete it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
        let board = snap.score_city(&city).unwrap();
        let list = snap
            .select(&city, &SelectionPolicy::default(), &Default::default())
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
    /// `select --store --json` of 杭州 before and after the batch.
    select_before: Vec<u8>,
    select_after: Vec<u8>,
}

/// `jingxuan select --store DIR --city 杭州 --json`: a reader in another process, which
/// recovers nothing and writes nothing.
fn select_from_store(dir: &Path) -> Vec<u8> {
    let out = jingxuan()
        .args(["select", "--store"])
        .arg(dir)
        .args(["--city", "杭州", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "select --store {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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
    let select_before = select_from_store(&pristine);
    let select_after = select_from_store(&done);
    assert_ne!(
        select_before, select_after,
        "the batch must change 杭州's list"
    );
    Fixture {
        _tmp: tmp,
        root,
        pristine,
        batch,
        before,
        after,
        select_before,
        select_after,
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
        // Another process reads the crashed store as it is, before any recovery.
        let read = select_from_store(&dir);
        let expected = if step >= Step::IndexCommitted {
            &fx.select_after
        } else {
            &fx.select_before
        };
        assert!(
            read == *expected,
            "{}: a reader of the crashed store saw neither the list before nor after",
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

/// The lines of a step log (see `--step-log`), empty while it does not exist.
fn step_log(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Starts `jingxuan update` with a step log and returns once the log says the update has
/// begun (the store is open and the batch about to be read), with the instant it did.
fn start_update(dir: &Path, batch: &Path, log: &Path) -> (std::process::Child, Instant) {
    let mut child = jingxuan()
        .arg("update")
        .arg("--store")
        .arg(dir)
        .arg(batch)
        .arg("--step-log")
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if step_log(log).iter().any(|l| l == "begin") {
            return (child, Instant::now());
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the update ended ({status}) before it began");
        }
        assert!(Instant::now() < deadline, "the update never began");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Kills `jingxuan update` at moments spread over its update (measured first on this
/// machine and build), and proves that each kill landed while the update was in flight:
/// its step log shows the update begun and not ended. A kill that came too late is tried
/// again earlier. The reopened store holds the state before when the log stops before
/// the index was written, the state after once it says the index is committed (in
/// between, either), and the same update run again completes it.
#[test]
fn a_kill_at_a_random_moment_leaves_the_state_before_or_after() {
    let fx = fixture();
    // How long an update runs from `begin` to its exit here.
    let probe = fx.root.join("probe");
    copy_dir(&fx.pristine, &probe);
    let log = fx.root.join("probe.log");
    let (mut child, began) = start_update(&probe, &fx.batch, &log);
    assert!(child.wait().unwrap().success());
    let span = began.elapsed();
    assert_eq!(step_log(&log).last().map(String::as_str), Some("end"));

    let mut landed = Vec::new();
    for (k, share) in [0.02, 0.15, 0.35, 0.55, 0.75, 0.9].into_iter().enumerate() {
        let mut share: f64 = share;
        for attempt in 0.. {
            let dir = fx.root.join(format!("kill-{k}-{attempt}"));
            copy_dir(&fx.pristine, &dir);
            let log = fx.root.join(format!("kill-{k}-{attempt}.log"));
            let (mut child, began) = start_update(&dir, &fx.batch, &log);
            let at = span.mul_f64(share);
            std::thread::sleep(at.saturating_sub(began.elapsed()));
            let _ = child.kill();
            let _ = child.wait();
            let steps = step_log(&log);
            let what = format!("kill {:.0?} into the update (steps {steps:?})", at);
            if steps.iter().any(|l| l == "end") {
                // Too late: the update had finished. Try earlier.
                assert!(
                    attempt < 6,
                    "{what}: every kill came after the update ended"
                );
                share /= 2.0;
                continue;
            }
            assert!(steps.iter().any(|l| l == "begin"), "{what}");
            let last = steps.last().cloned().unwrap_or_default();
            let reached = |step: Step| steps.iter().any(|l| l == step.name());
            let left = check_recovery(&fx, &dir, &what);
            if reached(Step::IndexCommitted) {
                assert_eq!(left, "after", "{what}");
            } else if !reached(Step::IndexWritten) {
                assert_eq!(left, "before", "{what}");
            }
            landed.push((last, left));
            break;
        }
    }
    eprintln!("update span {span:?}; kills landed after (last step, state left): {landed:?}");
    assert_eq!(landed.len(), 6);
}

/// A second updater of a store is refused with a user error (exit 1) naming the store and
/// saying that another update is running, and changes nothing.
#[test]
fn a_second_updater_is_refused_while_one_runs() {
    let fx = fixture();
    let dir = fx.root.join("busy");
    copy_dir(&fx.pristine, &dir);
    // This process holds the store for updating, as a running `jingxuan update` does.
    let holder = Store::open(&dir, StoreOptions::default()).unwrap();
    let out = update(&dir, &fx.batch, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another update"), "{stderr}");
    assert!(stderr.contains(&dir.display().to_string()), "{stderr}");
    assert!(!stderr.contains("panick"), "{stderr}");
    // Readers are not refused meanwhile.
    let read = jingxuan()
        .args(["select", "--store"])
        .arg(&dir)
        .args(["--city", "杭州", "--json"])
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    drop(holder);
    assert_eq!(answers(&dir), fx.before);
    let out = update(&dir, &fx.batch, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(answers(&dir), fx.after);
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
