//! End-to-end tests of the `jingxuan` command on the committed fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn jingxuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jingxuan"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the jingxuan binary runs")
}

/// Exit 0, or fail showing what the command said on stderr.
fn assert_success(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn check_accepts_the_demo_corpus() {
    let out = jingxuan(&["check", "fixtures/demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("clean"));
    let j = json(&jingxuan(&["check", "fixtures/demo", "--json"]));
    assert_eq!(j["clean"], true);
    let links = &j["note_links"];
    assert!(links["by_tag"].as_u64().unwrap() > 0);
    assert!(
        links["by_mention"].as_u64().unwrap() > 0,
        "the demo has notes naming a merchant only in text"
    );
}

#[test]
fn strict_check_lists_every_planted_problem_and_fails() {
    let out = jingxuan(&["check", "fixtures/planted-errors"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let problems: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(".jsonl:") && l.matches(": ").count() >= 2)
        .collect();
    assert!(!problems.is_empty(), "{text}");
    for p in &problems {
        // file:line: field: reason
        let mut parts = p.splitn(3, ": ");
        let place = parts.next().unwrap();
        let (file, line) = place.rsplit_once(':').unwrap();
        assert!(file.ends_with(".jsonl"), "{p}");
        assert!(line.parse::<u64>().unwrap() >= 1, "{p}");
        assert!(!parts.next().unwrap().is_empty(), "{p}");
        assert!(!parts.next().unwrap_or("").is_empty(), "{p}");
    }
}

#[test]
fn lenient_check_accounts_for_every_line() {
    let out = jingxuan(&["check", "fixtures/planted-errors", "--lenient", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let j = json(&out);
    assert_eq!(j["clean"], false);
    let mut skipped_total = 0;
    for f in j["files"].as_array().unwrap() {
        if f["present"] != true {
            continue;
        }
        let name = f["file"].as_str().unwrap();
        let on_disk = std::fs::read(repo().join("fixtures/planted-errors").join(name)).unwrap();
        let mut lines = on_disk.split(|b| *b == b'\n').count() as u64;
        if on_disk.ends_with(b"\n") {
            lines -= 1;
        }
        let n = |k: &str| f[k].as_u64().unwrap();
        let skipped: u64 = f["skipped"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        skipped_total += skipped;
        assert_eq!(n("lines"), lines, "{name}: lines read");
        assert_eq!(
            n("blank") + n("accepted") + n("replaced") + n("deleted") + skipped,
            n("lines"),
            "{name}: every line accounted for"
        );
    }
    assert!(skipped_total > 0);
}

#[test]
fn index_then_search_finds_non_adjacent_words_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    let index = index.to_str().unwrap();
    let out = jingxuan(&["index", "fixtures/demo", "--index", index, "--json"]);
    assert_success(&out);
    let built = json(&out);
    assert!(built["num_docs"].as_u64().unwrap() > 100);

    let search = || {
        json(&jingxuan(&[
            "search",
            "--index",
            index,
            "--city",
            "杭州",
            "--json",
            "咖啡 安静",
        ]))
    };
    let first = search();
    let hits = first["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        assert_eq!(h["city"], "杭州");
    }
    assert!(
        hits.iter().any(|h| {
            let s = h["snippet"].as_str().unwrap();
            s.contains("咖啡") && s.contains("安静")
        }),
        "{first:#}"
    );
    // A second process reopens the index from disk: same hits, same order.
    assert_eq!(search()["hits"], first["hits"]);

    // Indexing the same corpus again updates in place rather than duplicating.
    let again = json(&jingxuan(&[
        "index",
        "fixtures/demo",
        "--index",
        index,
        "--json",
    ]));
    assert_eq!(again["num_docs"], built["num_docs"]);
}

#[test]
fn usage_errors_exit_2_and_bad_input_exits_1() {
    assert_eq!(jingxuan(&["check"]).status.code(), Some(2));
    assert_eq!(
        jingxuan(&["frobnicate", "fixtures/demo"]).status.code(),
        Some(2)
    );
    let missing = jingxuan(&["check", "fixtures/no-such-corpus"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("fixtures/no-such-corpus"));
    let empty = tempfile::tempdir().unwrap();
    let no_merchants = jingxuan(&["check", empty.path().to_str().unwrap()]);
    assert_eq!(no_merchants.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_merchants.stderr).contains("merchants.jsonl"));
}

#[test]
fn search_on_a_folder_that_is_not_an_index_is_bad_input() {
    let out = jingxuan(&[
        "search",
        "--index",
        "fixtures/demo",
        "--city",
        "杭州",
        "咖啡",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn json_output_is_quiet_on_stderr() {
    let out = jingxuan(&["check", "fixtures/demo", "--json"]);
    assert!(out.stderr.is_empty());
}

#[test]
fn a_later_batch_edits_and_deletes_indexed_notes() {
    let dir = tempfile::tempdir().unwrap();
    let write = |batch: &str, file: &str, lines: &[&str]| {
        let d = dir.path().join(batch);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(file), lines.join("\n") + "\n").unwrap();
    };
    let merchant = r#"{"id":"m1","name":"隐巷咖啡","city":"杭州","category":"饮品/咖啡"}"#;
    write("b1", "merchants.jsonl", &[merchant]);
    write(
        "b1",
        "notes.jsonl",
        &[
            r#"{"id":"n1","author_id":"u1","created_at":"2025-10-01T10:00:00+08:00","body":"隐巷咖啡的拿铁很香，店里很安静","merchant_ids":["m1"]}"#,
            r#"{"id":"n2","author_id":"u2","created_at":"2025-10-02T10:00:00+08:00","body":"隐巷咖啡周末排队，有点吵","merchant_ids":["m1"]}"#,
        ],
    );
    write("b2", "merchants.jsonl", &[merchant]);
    write(
        "b2",
        "notes.jsonl",
        &[
            r#"{"id":"n1","deleted":true}"#,
            r#"{"id":"n2","author_id":"u2","created_at":"2025-10-02T10:00:00+08:00","body":"隐巷咖啡工作日很安静","merchant_ids":["m1"]}"#,
        ],
    );
    let index = dir.path().join("idx");
    let index = index.to_str().unwrap();
    let batch = |b: &str| {
        let path = dir.path().join(b);
        let out = jingxuan(&["index", path.to_str().unwrap(), "--index", index, "--json"]);
        assert_success(&out);
        json(&out)
    };
    let quiet = || {
        let out = jingxuan(&[
            "search", "--index", index, "--city", "杭州", "--json", "安静",
        ]);
        let hits = json(&out)["hits"].as_array().unwrap().clone();
        let mut ids: Vec<String> = hits
            .iter()
            .map(|h| h["doc_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(batch("b1")["num_docs"], 2);
    assert_eq!(quiet(), ["n1"]);
    let second = batch("b2");
    assert_eq!(second["removed"], 1);
    assert_eq!(second["num_docs"], 1);
    assert_eq!(quiet(), ["n2"], "n1 deleted, n2 edited to say 安静");
}

#[test]
fn score_ranks_every_merchant_of_the_city_best_first() {
    let out = jingxuan(&["score", "fixtures/demo", "--city", "杭州", "--json"]);
    assert_success(&out);
    let j = json(&out);
    assert_eq!(j["city"], "杭州");
    assert!(j["as_of"].as_str().unwrap().starts_with("2025-10-31"));
    let merchants = j["merchants"].as_array().unwrap();
    let demo_hz = std::fs::read_to_string(repo().join("fixtures/demo/merchants.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"city\":\"杭州\""))
        .count();
    assert_eq!(merchants.len(), demo_hz);
    let scores: Vec<f64> = merchants
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first");
    for m in merchants {
        assert!(m["merchant_id"].is_string());
        assert!(m["eligible"].is_boolean());
        assert!(m["flags"].is_array());
    }
    // The same corpus gives the same answer.
    let again = json(&jingxuan(&[
        "score",
        "fixtures/demo",
        "--city",
        "杭州",
        "--json",
    ]));
    assert_eq!(again, j);
}

#[test]
fn score_rejects_an_unknown_city_and_a_bad_as_of() {
    let out = jingxuan(&["score", "fixtures/demo", "--city", "北京"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("北京") && err.contains("杭州"), "{err}");
    let out = jingxuan(&[
        "score",
        "fixtures/demo",
        "--city",
        "杭州",
        "--as-of",
        "yesterday",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn explain_shows_the_flags_and_evidence_of_a_bought_burst() {
    // A merchant the generator planted a bought five-star burst on.
    let truth = std::fs::read_to_string(repo().join("fixtures/demo/truth.jsonl")).unwrap();
    let planted = truth
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| {
            v["manipulation"]
                .as_array()
                .is_some_and(|a| a.iter().any(|k| k == "burst"))
        })
        .unwrap();
    let id = planted["merchant_id"].as_str().unwrap();
    let out = jingxuan(&["explain", "fixtures/demo", "--merchant", id, "--json"]);
    assert_success(&out);
    let x = json(&out);
    let flags = x["score"]["flags"].as_array().unwrap();
    let burst = flags.iter().find(|f| f["kind"] == "bought_burst").unwrap();
    assert!(!burst["docs"].as_array().unwrap().is_empty());
    assert_eq!(x["score"]["eligible"], false, "held for review");
    let discounted = x["discounted"].as_array().unwrap();
    assert!(discounted.iter().any(|c| c["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["kind"] == "bought_burst")));
    // For people: the flag in Chinese, with the documents behind the score.
    let text = stdout(&jingxuan(&["explain", "fixtures/demo", "--merchant", id]));
    assert!(text.contains("疑似刷好评"), "{text}");
    assert!(text.contains("被降权的内容"), "{text}");
    assert_eq!(
        jingxuan(&["explain", "fixtures/demo", "--merchant", "no-such"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn explain_says_why_not_on_the_list_and_that_money_cannot_change_it() {
    // A merchant held for manipulation in its favour, one attacked by a competitor, and
    // one eligible but not picked, all found from the command's own output.
    let board = json(&jingxuan(&[
        "score",
        "fixtures/demo",
        "--city",
        "杭州",
        "--json",
    ]));
    let list = json(&jingxuan(&[
        "select",
        "fixtures/demo",
        "--city",
        "杭州",
        "--json",
    ]));
    let listed: Vec<&str> = list["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["merchant_id"].as_str().unwrap())
        .collect();
    let rows = board["merchants"].as_array().unwrap();
    let held = rows
        .iter()
        .find(|m| m["ineligible"]["reason"] == "under_review")
        .expect("a held merchant in the demo");
    let unpicked = rows
        .iter()
        .find(|m| m["eligible"] == true && !listed.contains(&m["merchant_id"].as_str().unwrap()))
        .expect("an eligible merchant left off the list");
    for (m, expect) in [(held, "复核"), (unpicked, "")] {
        let id = m["merchant_id"].as_str().unwrap();
        let x = json(&jingxuan(&[
            "explain",
            "fixtures/demo",
            "--merchant",
            id,
            "--json",
        ]));
        let why: Vec<&str> = x["why_not"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(why.len() >= 2, "{id}: {why:?}");
        assert!(why.iter().any(|l| l.contains(expect)), "{id}: {why:?}");
        assert!(
            why.last().unwrap().contains("付费都不能改变"),
            "{id}: {why:?}"
        );
        let text = stdout(&jingxuan(&["explain", "fixtures/demo", "--merchant", id]));
        assert!(text.contains("为什么没有入选"), "{text}");
    }
    // A listed merchant has nothing to explain away.
    let x = json(&jingxuan(&[
        "explain",
        "fixtures/demo",
        "--merchant",
        listed[0],
        "--json",
    ]));
    assert!(x["why_not"].as_array().unwrap().is_empty());
    // An attacked merchant: the attack is flagged against it, and cannot hold it.
    let truth = std::fs::read_to_string(repo().join("fixtures/demo/truth.jsonl")).unwrap();
    let attacked = truth
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["attacked"] == true && v["merchant_id"].as_str().unwrap().starts_with("m-hz"))
        .unwrap();
    let id = attacked["merchant_id"].as_str().unwrap();
    let x = json(&jingxuan(&[
        "explain",
        "fixtures/demo",
        "--merchant",
        id,
        "--json",
    ]));
    assert_ne!(
        x["score"]["ineligible"]["reason"], "under_review",
        "{id}: {}",
        x["score"]
    );
    let flags = x["score"]["flags"].as_array().unwrap();
    assert!(
        flags.iter().any(|f| f["direction"] == "against"),
        "{id}: {flags:?}"
    );
}

#[test]
fn select_prints_the_contract_fields_and_is_byte_identical_across_runs() {
    let args = [
        "select",
        "fixtures/demo",
        "--city",
        "广州",
        "--limit",
        "12",
        "--json",
    ];
    let out = jingxuan(&args);
    assert_success(&out);
    let j = json(&out);
    assert_eq!(j["city"], "广州");
    assert!(j["as_of"].is_string());
    let stores = j["stores"].as_array().unwrap();
    assert_eq!(stores.len(), 12);
    for (i, s) in stores.iter().enumerate() {
        assert_eq!(s["rank"], i + 1);
        for field in [
            "merchant_id",
            "name",
            "category",
            "district",
            "score",
            "reasons",
            "evidence",
        ] {
            assert!(!s[field].is_null(), "{field} missing in {s}");
        }
        assert!(!s["reasons"].as_array().unwrap().is_empty());
    }
    assert!(j["review_queue"].is_array());
    assert!(!j["gaps"].as_array().unwrap().is_empty());
    assert_eq!(jingxuan(&args).stdout, out.stdout, "byte-identical");

    // A policy file, and the previous list read back from the JSON output.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "limit = 12\nmax_per_brand = 1\nrequire_review = \"new\"\n",
    )
    .unwrap();
    let previous = dir.path().join("previous.json");
    std::fs::write(&previous, &out.stdout).unwrap();
    let again = json(&jingxuan(&[
        "select",
        "fixtures/demo",
        "--city",
        "广州",
        "--policy",
        policy.to_str().unwrap(),
        "--previous",
        previous.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(
        again["stores"], j["stores"],
        "incumbents need no review and stay"
    );
    assert!(again["entered"].as_array().unwrap().is_empty());

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "limt = 3\n").unwrap();
    let out = jingxuan(&[
        "select",
        "fixtures/demo",
        "--city",
        "广州",
        "--policy",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limt"));
}

#[test]
fn report_writes_a_self_contained_page_and_rejects_an_unknown_city() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let args = [
        "report",
        "fixtures/demo",
        "--city",
        "杭州",
        "--limit",
        "12",
        "--out",
        page.to_str().unwrap(),
    ];
    let out = jingxuan(&args);
    assert_success(&out);
    assert!(stdout(&out).contains("report.html"), "{}", stdout(&out));
    assert!(out.stderr.is_empty(), "no progress on a pipe");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<article class=\"card\"").count(), 12);
    assert!(!html.contains("<script"));
    assert_eq!(jingxuan(&args).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&page).unwrap(),
        html,
        "byte-identical across runs"
    );

    let report_to = |city: &str, out: &std::path::Path| {
        jingxuan(&[
            "report",
            "fixtures/demo",
            "--city",
            city,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let out = report_to("北京", &page);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("北京") && err.contains("杭州"), "{err}");

    // An output path that cannot be written is named in the message.
    let out = report_to("杭州", &dir.path().join("no-such-folder/report.html"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-folder/report.html"), "{err}");
    assert_eq!(
        jingxuan(&["report", "fixtures/demo"]).status.code(),
        Some(2)
    );
}

/// The input caps can be set on the command line: a name the default cap accepts is refused
/// under a tighter `--max-field-chars`, with a message naming the cap.
#[test]
fn input_caps_are_set_on_the_command_line() {
    let case = "tests/cases/corpus/caps-strict";
    assert_success(&jingxuan(&["check", case]));
    let tight = jingxuan(&["check", case, "--max-field-chars", "30"]);
    assert_eq!(tight.status.code(), Some(1));
    assert!(
        stdout(&tight).contains("merchants.jsonl:2: name: 31 characters long; the limit is 30"),
        "{}",
        stdout(&tight)
    );
}
