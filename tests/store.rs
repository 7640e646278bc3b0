//! The live store: any sequence of batches gives what a rebuild from the final corpus gives
//! (scores, selections, search hits), re-feeding a batch changes nothing, a saved store
//! reopens to the same answers, and readers see whole generations while updates run.
//!
//! Batches are made from a small generated world: the base holds every merchant and
//! author and part of the writing; a batch adds held-back notes, reviews and visits, edits
//! and deletes documents, edits authors and merchants (rarely adding one, which makes the
//! store read every text again), and records curation decisions.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::index::{SearchIndex, SearchQuery};
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Snapshot, Store, StoreOptions};
use jingxuan::{Analysis, Engine};
use jingxuan_fixture_gen::{generate_to_memory, GenConfig, DEFAULT_AS_OF};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value};

const FILES: [&str; 6] = [
    "merchants.jsonl",
    "authors.jsonl",
    "notes.jsonl",
    "reviews.jsonl",
    "visits.jsonl",
    "curation.jsonl",
];

const QUERIES: [&str; 4] = ["火锅", "咖啡 安静", "好吃 推荐", "踩雷"];

/// The generated world, as lines per file.
fn world() -> &'static BTreeMap<&'static str, Vec<String>> {
    static W: OnceLock<BTreeMap<&'static str, Vec<String>>> = OnceLock::new();
    W.get_or_init(|| {
        let config = GenConfig {
            merchants_per_city: 24,
            target_docs: 900,
            ..GenConfig::small()
        };
        let files = generate_to_memory(&config);
        FILES
            .iter()
            .map(|f| {
                let body = files
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(_, b)| b.as_str())
                    .unwrap_or("");
                (*f, body.lines().map(str::to_string).collect())
            })
            .collect()
    })
}

/// Which live record an edit picks: taken modulo the number of records.
type Pick = u16;

/// What a batch does, in numbers proptest can shrink.
#[derive(Debug, Clone)]
struct BatchSpec {
    /// Held-back notes, reviews and visits to add (a share of each pool, in tenths).
    add_tenths: u8,
    edit_docs: Vec<Pick>,
    delete_docs: Vec<Pick>,
    edit_authors: Vec<Pick>,
    edit_merchant: Option<Pick>,
    /// Tombstone a merchant (its older documents stay; later ones may not name it).
    delete_merchant: Option<Pick>,
    new_merchant: bool,
    curation: Option<(Pick, u8)>,
}

fn batch_spec() -> impl Strategy<Value = BatchSpec> {
    (
        0u8..=4,
        prop::collection::vec(any::<u16>(), 0..6),
        prop::collection::vec(any::<u16>(), 0..4),
        prop::collection::vec(any::<u16>(), 0..3),
        prop::option::weighted(0.3, any::<u16>()),
        prop::option::weighted(0.15, any::<u16>()),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.4, (any::<u16>(), 0u8..3)),
    )
        .prop_map(
            |(
                add_tenths,
                edit_docs,
                delete_docs,
                edit_authors,
                edit_merchant,
                delete_merchant,
                new_merchant,
                curation,
            )| {
                BatchSpec {
                    add_tenths,
                    edit_docs,
                    delete_docs,
                    edit_authors,
                    edit_merchant,
                    delete_merchant,
                    new_merchant,
                    curation,
                }
            },
        )
}

/// The test's own record of the corpus, to make edits against: live records by file, by
/// id, and what is still held back.
struct Scenario {
    root: PathBuf,
    live: BTreeMap<&'static str, BTreeMap<String, Value>>,
    pending: BTreeMap<&'static str, Vec<String>>,
    batches: Vec<PathBuf>,
    seq: usize,
    /// Merchants tombstoned so far: no later record may name them.
    deleted_merchants: std::collections::BTreeSet<String>,
}

impl Scenario {
    /// Writes the base corpus: every merchant and author, ~60% of the rest.
    fn new(root: &Path) -> Scenario {
        let mut s = Scenario {
            root: root.to_path_buf(),
            live: BTreeMap::new(),
            pending: BTreeMap::new(),
            batches: Vec::new(),
            seq: 0,
            deleted_merchants: Default::default(),
        };
        let base = root.join("base");
        fs::create_dir_all(&base).unwrap();
        for (file, lines) in world() {
            let keep = match *file {
                "merchants.jsonl" | "authors.jsonl" => lines.len(),
                _ => lines.len() * 6 / 10,
            };
            fs::write(base.join(file), lines[..keep].join("\n") + "\n").unwrap();
            for l in &lines[..keep] {
                s.remember(file, l);
            }
            s.pending.insert(file, lines[keep..].to_vec());
        }
        s
    }

    fn base(&self) -> PathBuf {
        self.root.join("base")
    }

    fn remember(&mut self, file: &'static str, line: &str) {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            let id = id.to_string();
            let map = self.live.entry(file).or_default();
            if v.get("deleted") == Some(&Value::Bool(true)) {
                map.remove(&id);
            } else {
                map.insert(id, v);
            }
        }
    }

    fn pick(&self, file: &str, i: &Pick) -> Option<Value> {
        let map = self.live.get(file)?;
        if map.is_empty() {
            return None;
        }
        map.values()
            .nth(usize::from(*i) % map.len())
            .filter(|v| !self.names_deleted(v))
            .cloned()
    }

    /// Whether a record names a tombstoned merchant (as its merchant or its author's).
    fn names_deleted(&self, v: &Value) -> bool {
        let named = |x: &Value| {
            x.as_str()
                .is_some_and(|id| self.deleted_merchants.contains(id))
        };
        named(&v["merchant_id"])
            || v["merchant_ids"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(named))
    }

    /// Writes one batch folder from `spec` and returns it.
    fn batch(&mut self, spec: &BatchSpec) -> PathBuf {
        self.seq += 1;
        let dir = self.root.join(format!("batch-{}", self.seq));
        fs::create_dir_all(&dir).unwrap();
        let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        if let Some(i) = &spec.delete_merchant {
            if let Some(m) = self.pick("merchants.jsonl", i) {
                let id = m["id"].as_str().unwrap_or_default().to_string();
                out.entry("merchants.jsonl")
                    .or_default()
                    .push(json!({"id": id, "deleted": true}).to_string());
                self.deleted_merchants.insert(id);
                let gone = self.deleted_merchants.clone();
                for pool in self.pending.values_mut() {
                    pool.retain(|l| {
                        let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
                        let named = |x: &Value| x.as_str().is_some_and(|id| gone.contains(id));
                        !(named(&v["merchant_id"])
                            || v["merchant_ids"]
                                .as_array()
                                .is_some_and(|ids| ids.iter().any(named)))
                    });
                }
            }
        }
        for file in ["notes.jsonl", "reviews.jsonl", "visits.jsonl"] {
            let pool = self.pending.get_mut(file).unwrap();
            let n = (world()[file].len() / 10 * usize::from(spec.add_tenths) / 4).min(pool.len());
            out.entry(file).or_default().extend(pool.drain(..n));
        }
        if spec.new_merchant {
            let id = format!("m-new-{:03}", self.seq);
            out.entry("merchants.jsonl").or_default().push(
                json!({"id": id, "name": format!("新开小馆{}号", self.seq), "city": "杭州",
                       "district": "西湖区", "category": "美食/杭帮菜"})
                .to_string(),
            );
            out.entry("reviews.jsonl").or_default().push(
                json!({"id": format!("r-new-{:03}", self.seq), "author_id": "u-000001",
                       "merchant_id": id, "created_at": "2025-10-20T12:00:00+08:00",
                       "rating": 4.5, "text": format!("新开小馆{}号的片儿川很好吃，推荐", self.seq)})
                .to_string(),
            );
        }
        if let Some(i) = &spec.edit_merchant {
            if let Some(mut m) = self.pick("merchants.jsonl", i) {
                m["district"] = json!("新区");
                out.entry("merchants.jsonl")
                    .or_default()
                    .push(m.to_string());
            }
        }
        for (k, i) in spec.edit_authors.iter().enumerate() {
            if let Some(mut a) = self.pick("authors.jsonl", i) {
                let verified = a.get("verified").and_then(Value::as_bool).unwrap_or(false);
                a["verified"] = json!(!verified);
                a["followers"] = json!(10_000 * (k + 1));
                out.entry("authors.jsonl").or_default().push(a.to_string());
            }
        }
        for (k, i) in spec.edit_docs.iter().enumerate() {
            let file = if k % 2 == 0 {
                "notes.jsonl"
            } else {
                "reviews.jsonl"
            };
            if let Some(mut d) = self.pick(file, i) {
                if file == "notes.jsonl" {
                    let body = d["body"].as_str().unwrap_or("").to_string();
                    d["body"] = json!(format!("{body} 二刷踩雷了，不推荐"));
                } else {
                    d["rating"] = json!(1.0 + (k % 5) as f64);
                    d["text"] = json!("环境好但是难吃，服务也一般");
                }
                out.entry(file).or_default().push(d.to_string());
            }
        }
        for (k, i) in spec.delete_docs.iter().enumerate() {
            let file = if k % 2 == 0 {
                "reviews.jsonl"
            } else {
                "notes.jsonl"
            };
            if let Some(d) = self.pick(file, i) {
                out.entry(file)
                    .or_default()
                    .push(json!({"id": d["id"], "deleted": true}).to_string());
            }
        }
        if let Some((i, d)) = &spec.curation {
            if let Some(m) = self.pick("merchants.jsonl", i) {
                let decision = ["approve", "hold", "exclude"][usize::from(*d)];
                out.entry("curation.jsonl").or_default().push(
                    json!({"merchant_id": m["id"], "decision": decision, "reason": "复核",
                           "by": "ops", "at": format!("2025-10-10T{:02}:{:02}:00+08:00",
                           10 + self.seq / 60 % 14, self.seq % 60)})
                    .to_string(),
                );
            }
        }
        for (file, lines) in &out {
            fs::write(dir.join(file), lines.join("\n") + "\n").unwrap();
            for l in lines {
                self.remember(file, l);
            }
        }
        self.batches.push(dir.clone());
        dir
    }
}

/// Everything a caller can ask, as one comparable value: every city's scoreboard and list,
/// and search hits for a few queries.
fn answers(analysis: &Analysis<'_>, search: &dyn Fn(&SearchQuery) -> Value) -> Value {
    let mut out = serde_json::Map::new();
    let policy = SelectionPolicy::default();
    for city in analysis.corpus().cities() {
        let board = analysis.scoreboard(&city).unwrap();
        let list = analysis.select(&city, &policy, None).unwrap();
        let hits: Vec<Value> = QUERIES
            .iter()
            .map(|q| {
                search(&SearchQuery {
                    text: q.to_string(),
                    city: Some(city.clone()),
                    limit: 20,
                    ..SearchQuery::default()
                })
            })
            .collect();
        out.insert(city, json!({"board": &*board, "list": list, "hits": hits}));
    }
    Value::Object(out)
}

fn snapshot_answers(s: &Snapshot) -> Value {
    answers(s.analysis(), &|q| json!(s.search(q).unwrap()))
}

/// A fresh load of the base and every batch, analysed and indexed from scratch.
fn rebuild(sc: &Scenario, as_of: Option<Timestamp>) -> Value {
    let opts = LoadOptions::default();
    let mut loaded = corpus::load(&sc.base(), &opts).unwrap();
    for b in &sc.batches {
        corpus::load_batch(&mut loaded, b, &opts).unwrap();
    }
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(&loaded.corpus, as_of);
    let mut index = SearchIndex::create_in_ram(Arc::clone(engine.analyzer())).unwrap();
    index
        .upsert_corpus(&loaded.corpus, &analysis.links)
        .unwrap();
    answers(&analysis, &|q| json!(index.search(q).unwrap()))
}

/// Where two answers first differ, for a readable failure.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                if let Some(d) = first_difference(va, vb, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (va, vb))| first_difference(va, vb, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} ≠ {b}")),
    }
}

fn fixed_as_of() -> Option<Timestamp> {
    Some(Timestamp::from_unix(DEFAULT_AS_OF))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(12),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The incremental store, saved on disk, answers exactly as a rebuild from the final
    /// corpus; reopened, it still does.
    #[test]
    fn incremental_updates_equal_a_rebuild(specs in prop::collection::vec(batch_spec(), 1..4)) {
        let tmp = tempfile::tempdir().unwrap();
        let mut sc = Scenario::new(tmp.path());
        let options = StoreOptions { as_of: fixed_as_of(), ..StoreOptions::default() };
        let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
        let dir = tmp.path().join("store");
        let store = Store::create(&dir, loaded, options.clone()).unwrap();
        for spec in &specs {
            // Boards computed now are carried into the next generation where unaffected.
            let _ = snapshot_answers(&store.snapshot());
            let batch = sc.batch(spec);
            store.apply_batch(&batch).unwrap();
        }
        let incremental = snapshot_answers(&store.snapshot());
        let expected = rebuild(&sc, fixed_as_of());
        prop_assert!(incremental == expected, "incremental answers differ from a rebuild: {:?}",
            first_difference(&incremental, &expected, ""));
        drop(store);
        let reopened = Store::open(&dir, options).unwrap();
        prop_assert_eq!(reopened.snapshot().generation(), specs.len() as u64 + 1);
        let again = snapshot_answers(&reopened.snapshot());
        prop_assert!(again == expected, "reopened answers differ: {:?}",
            first_difference(&again, &expected, ""));
    }

    /// Feeding the same batch again changes no answer.
    #[test]
    fn refeeding_a_batch_changes_nothing(spec in batch_spec()) {
        let tmp = tempfile::tempdir().unwrap();
        let mut sc = Scenario::new(tmp.path());
        let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
        let store = Store::build(loaded, StoreOptions::default()).unwrap();
        let batch = sc.batch(&spec);
        store.apply_batch(&batch).unwrap();
        let once = snapshot_answers(&store.snapshot());
        let again = store.apply_batch(&batch).unwrap();
        prop_assert!(again.affected_merchants.is_empty(), "{:?}", again.affected_merchants);
        prop_assert_eq!(again.docs_read, 0);
        prop_assert!(snapshot_answers(&store.snapshot()) == once);
    }
}

/// Readers taking snapshots while batches are applied always see one whole generation:
/// its answers are exactly those of that generation, computed before the updates ran.
#[test]
fn readers_see_whole_generations_during_updates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut sc = Scenario::new(tmp.path());
    let specs: Vec<BatchSpec> = (0..3u8)
        .map(|k| BatchSpec {
            add_tenths: 2 + k % 2,
            edit_docs: (0..4).map(|i| i * 7 + u16::from(k)).collect(),
            delete_docs: (0..2).map(|i| i * 5 + u16::from(k)).collect(),
            edit_authors: vec![u16::from(k) * 3],
            edit_merchant: Some(u16::from(k) * 11),
            delete_merchant: (k == 2).then_some(5),
            new_merchant: k == 1,
            curation: Some((u16::from(k) * 13, k % 3)),
        })
        .collect();
    let batches: Vec<PathBuf> = specs.iter().map(|s| sc.batch(s)).collect();

    // The expected answers of each generation, from an earlier run of the same updates.
    let options = StoreOptions {
        as_of: fixed_as_of(),
        ..StoreOptions::default()
    };
    let load = || corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
    let reference = Store::build(load(), options.clone()).unwrap();
    let mut expected = vec![snapshot_answers(&reference.snapshot())];
    for b in &batches {
        reference.apply_batch(b).unwrap();
        expected.push(snapshot_answers(&reference.snapshot()));
    }

    let store = Arc::new(Store::build(load(), options).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let expected = Arc::new(expected);
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, done, expected) = (store.clone(), done.clone(), expected.clone());
            std::thread::spawn(move || {
                let mut seen = std::collections::BTreeSet::new();
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let snap = store.snapshot();
                    let g = snap.generation();
                    assert_eq!(
                        snapshot_answers(&snap),
                        expected[(g - 1) as usize],
                        "generation {g} answered differently"
                    );
                    seen.insert(g);
                    if finished {
                        return seen;
                    }
                }
            })
        })
        .collect();
    for b in &batches {
        store.apply_batch(b).unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let mut seen = std::collections::BTreeSet::new();
    for r in readers {
        seen.extend(r.join().expect("a reader panicked"));
    }
    assert!(
        seen.contains(&(batches.len() as u64 + 1)),
        "readers saw {seen:?}"
    );
}

/// An edit of one review reads one text again, affects its merchant only, and leaves the
/// other cities' scoreboards as they were (the same boards, not recomputed).
#[test]
fn an_update_rescores_only_the_affected_cities() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = Scenario::new(tmp.path());
    let options = StoreOptions {
        as_of: fixed_as_of(),
        ..StoreOptions::default()
    };
    let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
    let store = Store::build(loaded, options).unwrap();
    let before = store.snapshot();
    let cities = before.corpus().cities();
    for c in &cities {
        before.scoreboard(c).unwrap();
    }
    // A review by an author who writes about 杭州 only, so that a change in the author's
    // standing cannot reach another city.
    let c = before.corpus();
    let in_hangzhou = |m: &String| c.merchants.get(m).is_some_and(|m| m.city == "杭州");
    let local_only = |author: &str| {
        c.reviews
            .values()
            .filter(|r| r.author_id == author)
            .all(|r| in_hangzhou(&r.merchant_id))
            && c.notes
                .values()
                .filter(|n| n.author_id == author)
                .all(|n| n.merchant_ids.iter().all(in_hangzhou))
    };
    let review = c
        .reviews
        .values()
        .find(|r| in_hangzhou(&r.merchant_id) && local_only(&r.author_id))
        .unwrap();
    let mut edited: Value = serde_json::to_value(review).unwrap();
    edited["rating"] = json!(1.0);
    edited["text"] = json!("踩雷了，难吃，不会再来");
    let batch = tmp.path().join("one-edit");
    fs::create_dir_all(&batch).unwrap();
    fs::write(batch.join("reviews.jsonl"), edited.to_string() + "\n").unwrap();

    let report = store.apply_batch(&batch).unwrap();
    assert_eq!(report.docs_read, 1);
    assert_eq!(
        report.docs_reused,
        before.analysis().evidence.docs.len() - 1
    );
    assert!(report.affected_merchants.contains(&review.merchant_id));
    assert_eq!(report.rescored_cities, vec!["杭州".to_string()]);
    let after = store.snapshot();
    for c in &cities {
        let same = Arc::ptr_eq(
            &before.scoreboard(c).unwrap(),
            &after.scoreboard(c).unwrap(),
        );
        assert_eq!(same, c != "杭州", "{c}: board carried over = {same}");
    }
}

/// A word found in one note only: `soak` and the batch number in letters (the analyzer
/// keeps a run of Latin letters as one token).
fn soak_mark(batch: usize) -> String {
    let mut n = batch;
    let mut letters = String::new();
    loop {
        letters.insert(0, char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    format!("soakmark{letters}")
}

fn open_files() -> usize {
    fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn resident_bytes() -> u64 {
    // statm: size resident shared ... in pages.
    let statm = fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Whether a snapshot holds batch `b`'s mark note, asked of its corpus and of its index
/// apart: a torn read (a corpus of one generation with the index of another) answers
/// differently.
fn holds_mark(s: &Snapshot, b: usize, city: &str) -> (bool, bool) {
    let id = format!("n-soak-{b:05}");
    let in_corpus = s.corpus().notes.contains_key(&id);
    let hits = s
        .search(&SearchQuery {
            text: soak_mark(b),
            city: Some(city.to_string()),
            limit: 5,
            ..SearchQuery::default()
        })
        .unwrap();
    let in_index = hits.iter().any(|h| h.doc_id == id);
    (in_corpus, in_index)
}

/// Soak: three threads read snapshots of a saved store, and a fourth reads it afresh from
/// its folder as another process would (`Store::read_snapshot`), while the updater applies
/// a long sequence of random batches (adds, edits, deletes, new and deleted merchants,
/// curation). Batch `b` adds a note carrying a word of its own; a snapshot of generation
/// `g` must hold batch `g - 1`'s note and not batch `g`'s, in its corpus and in its index
/// alike. Bounds, between the end of a warm-up (a fifth of the batches) and the end: open
/// files grow by at most 8, resident memory by at most 96 MB. About a minute in a debug
/// build; `JINGXUAN_SOAK_BATCHES=N` (default 40) runs longer.
#[test]
fn soak_readers_beside_a_long_sequence_of_updates() {
    let batches: usize = std::env::var("JINGXUAN_SOAK_BATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);
    let tmp = tempfile::tempdir().unwrap();
    let mut sc = Scenario::new(tmp.path());
    let options = StoreOptions {
        as_of: fixed_as_of(),
        ..StoreOptions::default()
    };
    let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
    let dir = tmp.path().join("store");
    let store = Arc::new(Store::create(&dir, loaded, options.clone()).unwrap());

    // Batch b's mark note names a merchant of `cities[b]`, recorded before it is applied.
    let cities: Arc<std::sync::Mutex<BTreeMap<usize, String>>> = Default::default();
    let done = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..3 {
        let (store, done, cities) = (store.clone(), done.clone(), cities.clone());
        readers.push(std::thread::spawn(move || {
            let mut reads = 0usize;
            while !done.load(Ordering::SeqCst) {
                let snap = store.snapshot();
                let g = snap.generation() as usize;
                let cities = cities.lock().unwrap().clone();
                for (b, want) in [(g - 1, true), (g, false)] {
                    if let Some(city) = cities.get(&b) {
                        assert_eq!(
                            holds_mark(&snap, b, city),
                            (want, want),
                            "generation {g}: batch {b}'s note (corpus, index)"
                        );
                    }
                }
                reads += 1;
            }
            reads
        }));
    }
    {
        let (dir, done, cities, options) =
            (dir.clone(), done.clone(), cities.clone(), options.clone());
        readers.push(std::thread::spawn(move || {
            let mut reads = 0usize;
            while !done.load(Ordering::SeqCst) {
                let snap = Store::read_snapshot(&dir, &options).unwrap();
                let g = snap.generation() as usize;
                let cities = cities.lock().unwrap().clone();
                for (b, want) in [(g - 1, true), (g, false)] {
                    if let Some(city) = cities.get(&b) {
                        assert_eq!(
                            holds_mark(&snap, b, city),
                            (want, want),
                            "read from the folder, generation {g}: batch {b}'s note"
                        );
                    }
                }
                reads += 1;
            }
            reads
        }));
    }

    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = batch_spec();
    let warm_up = batches / 5;
    let mut at_warm_up = (0, 0);
    let started = std::time::Instant::now();
    for b in 1..=batches {
        let spec = strategy.new_tree(&mut runner).unwrap().current();
        let dir_b = sc.batch(&spec);
        // The mark note: about a live merchant, by a live author.
        let merchant = sc.live["merchants.jsonl"]
            .values()
            .find(|m| {
                !sc.deleted_merchants
                    .contains(m["id"].as_str().unwrap_or(""))
            })
            .cloned()
            .unwrap();
        let author = sc.live["authors.jsonl"].values().next().cloned().unwrap();
        let name = merchant["name"].as_str().unwrap_or_default();
        let note = json!({"id": format!("n-soak-{b:05}"), "author_id": author["id"],
            "created_at": "2025-10-01T12:00:00+08:00", "title": format!("{name}打卡"),
            "body": format!("今天去了{name}，{} 味道不错", soak_mark(b)),
            "merchant_ids": [merchant["id"]]});
        let notes = dir_b.join("notes.jsonl");
        let mut text = fs::read_to_string(&notes).unwrap_or_default();
        text.push_str(&format!("{note}\n"));
        fs::write(&notes, text).unwrap();
        cities
            .lock()
            .unwrap()
            .insert(b, merchant["city"].as_str().unwrap().to_string());
        let report = store.apply_batch(&dir_b).unwrap();
        assert_eq!(report.generation as usize, b + 1);
        if b == warm_up {
            at_warm_up = (open_files(), resident_bytes());
        }
    }
    let at_end = (open_files(), resident_bytes());
    done.store(true, Ordering::SeqCst);
    let reads: Vec<usize> = readers
        .into_iter()
        .map(|r| r.join().expect("a reader failed"))
        .collect();
    eprintln!(
        "{batches} batches in {:.1?}; reads per reader {reads:?}; open files {} → {}, resident {} MB → {} MB",
        started.elapsed(),
        at_warm_up.0,
        at_end.0,
        at_warm_up.1 >> 20,
        at_end.1 >> 20
    );
    assert!(
        reads.iter().all(|&r| r > 0),
        "a reader never read: {reads:?}"
    );
    assert!(
        at_end.0 <= at_warm_up.0 + 8,
        "open files grew from {} to {}",
        at_warm_up.0,
        at_end.0
    );
    assert!(
        at_end.1 <= at_warm_up.1 + (96 << 20),
        "resident memory grew from {} MB to {} MB",
        at_warm_up.1 >> 20,
        at_end.1 >> 20
    );
    // The saved store reopens to the last generation.
    drop(store);
    let reopened = Store::open(&dir, options).unwrap();
    assert_eq!(reopened.snapshot().generation() as usize, batches + 1);
}

/// A saved store's update writes only the rows that changed: an edited review is its record
/// and its reading, plus the generation; re-feeding the batch writes the generation alone.
/// (The state used to be one file rewritten whole by every update.)
#[test]
fn an_update_writes_only_the_rows_it_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = Scenario::new(tmp.path());
    let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
    let dir = tmp.path().join("store");
    let store = Store::create(&dir, loaded, StoreOptions::default()).unwrap();
    let before = store.snapshot();
    let review = before.corpus().reviews.values().nth(7).unwrap();
    let mut edited: Value = serde_json::to_value(review).unwrap();
    edited["text"] = json!("踩雷了，难吃，不会再来");
    let batch = tmp.path().join("one-edit");
    fs::create_dir_all(&batch).unwrap();
    fs::write(batch.join("reviews.jsonl"), edited.to_string() + "\n").unwrap();

    let report = store.apply_batch(&batch).unwrap();
    assert_eq!(report.docs_read, 1);
    assert_eq!(report.state_written.rows, 3, "{:?}", report.state_written);
    // The two rows' bytes: a small fraction of the state.
    let state_bytes = fs::metadata(dir.join(jingxuan::store::STATE_FILE))
        .unwrap()
        .len();
    assert!(
        report.state_written.row_bytes * 100 < state_bytes,
        "{:?} of a {state_bytes}-byte state",
        report.state_written
    );
    let again = store.apply_batch(&batch).unwrap();
    assert_eq!(again.state_written.rows, 1, "{:?}", again.state_written);
    // And the rows written are the new state: reopened, it answers as the live store.
    let live = snapshot_answers(&store.snapshot());
    drop(store);
    let reopened = Store::open(&dir, StoreOptions::default()).unwrap();
    assert!(snapshot_answers(&reopened.snapshot()) == live);
}
