//! Every read command answers from a corpus folder or from `--store DIR` (a store kept by
//! `jingxuan update`), and both give the same answer for the same corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn jingxuan<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jingxuan"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the jingxuan binary runs")
}

fn ok(o: Output) -> Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

/// A store created from the demo corpus, once for all tests (kept until the process ends).
fn store() -> &'static str {
    static STORE: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("store").to_string_lossy().into_owned();
            ok(jingxuan(&[
                "update",
                "--json",
                "--store",
                &path,
                "--from",
                "fixtures/demo",
            ]));
            (dir, path)
        })
        .1
}

/// `args` run on the demo corpus and on the store: the same JSON.
fn same_json(args: &[&str]) -> serde_json::Value {
    let mut on_corpus = args.to_vec();
    on_corpus.insert(1, "fixtures/demo");
    let mut on_store = args.to_vec();
    on_store.extend(["--store", store()]);
    let a = json(&ok(jingxuan(&on_corpus)));
    let b = json(&ok(jingxuan(&on_store)));
    assert_eq!(a, b, "{args:?}: corpus and store differ");
    b
}

#[test]
fn score_reads_a_store() {
    let v = same_json(&["score", "--city", "杭州", "--json"]);
    assert!(v["merchants"].as_array().unwrap().len() > 10);
    // An unknown city is the caller's mistake whatever the source.
    let o = jingxuan(&["score", "--city", "北京", "--store", store()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("北京"));
}

#[test]
fn explain_reads_a_store() {
    let board = same_json(&["score", "--city", "上海", "--json"]);
    let id = board["merchants"][0]["merchant_id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = same_json(&["explain", "--merchant", &id, "--json"]);
    assert_eq!(v["merchant_id"], id.as_str());
    assert_eq!(v["rank"], 1);
    let o = jingxuan(&["explain", "--merchant", "m-nobody", "--store", store()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn select_reads_a_store() {
    let v = same_json(&["select", "--city", "杭州", "--limit", "12", "--json"]);
    let stores = v["stores"].as_array().unwrap();
    assert!(!stores.is_empty() && stores.len() <= 12);
    // A query is part of the request, from either source.
    let q = same_json(&["select", "--city", "上海", "--query", "咖啡", "--json"]);
    assert!(q["stores"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["relevance"].as_f64().unwrap() > 0.0));
}

#[test]
fn report_reads_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.html");
    let b = dir.path().join("b.html");
    let (a_s, b_s) = (a.to_string_lossy(), b.to_string_lossy());
    ok(jingxuan(&[
        "report",
        "fixtures/demo",
        "--city",
        "杭州",
        "--out",
        &a_s,
    ]));
    ok(jingxuan(&[
        "report",
        "--store",
        store(),
        "--city",
        "杭州",
        "--out",
        &b_s,
    ]));
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 10_000);
    assert!(a == b, "the page from the corpus and from the store differ");
}

#[test]
fn search_reads_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index").to_string_lossy().into_owned();
    ok(jingxuan(&[
        "index",
        "fixtures/demo",
        "--index",
        &index,
        "--json",
    ]));
    let args = [
        "search",
        "--city",
        "杭州",
        "--json",
        "--limit",
        "20",
        "咖啡 安静",
    ];
    let ids = |v: serde_json::Value| -> Vec<String> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["doc_id"].as_str().unwrap().to_string())
            .collect()
    };
    let from_index = ids(json(&ok(jingxuan(
        &[&args[..], &["--index", &index]].concat(),
    ))));
    let from_store = ids(json(&ok(jingxuan(
        &[&args[..], &["--store", store()]].concat(),
    ))));
    assert!(!from_index.is_empty());
    assert_eq!(from_index, from_store);
    // One source only.
    let o = jingxuan(&[&args[..], &["--index", &index, "--store", store()]].concat());
    assert_eq!(o.status.code(), Some(2));
}
