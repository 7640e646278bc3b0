//! Soak: readers beside a long sequence of random updates of a saved store. Its own test
//! binary, so that the resident memory it bounds is its own.

#[path = "store_world/mod.rs"]
mod store_world;

use std::collections::BTreeMap;
use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::index::SearchQuery;
use jingxuan::store::{Snapshot, Store, StoreOptions};
use proptest::strategy::{Strategy, ValueTree};
use serde_json::json;
use store_world::{batch_spec, fixed_as_of, Scenario};

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
    let in_corpus = s.corpus().notes.contains_key(id.as_str());
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
/// alike. Bounds: the most open files, and the most resident memory, after any batch of
/// the last 30% of the run exceed those of the 30% before (after a warm-up of 40%) by at
/// most 4 files and 64 MB. About a minute in a debug build;
/// `JINGXUAN_SOAK_BATCHES=N` (default 40) runs longer.
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
    // (open files, resident bytes) after each batch.
    let mut samples: Vec<(usize, u64)> = Vec::new();
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
        samples.push((open_files(), resident_bytes()));
    }
    done.store(true, Ordering::SeqCst);
    let reads: Vec<usize> = readers
        .into_iter()
        .map(|r| r.join().expect("a reader failed"))
        .collect();
    // Resident memory swings with what is being built (a read from the folder holds a
    // second analysis; a batch with a new merchant, two indexes) and rises while the
    // held-back documents are added (a 120-batch run levels off by batch 30): compare the
    // highest of the last 30% of batches with the highest of the 30% before them.
    let max_of = |range: std::ops::Range<usize>| {
        samples[range]
            .iter()
            .fold((0, 0), |(f, r), &(f2, r2)| (f.max(f2), r.max(r2)))
    };
    let first = max_of(batches * 4 / 10..batches * 7 / 10);
    let second = max_of(batches * 7 / 10..batches);
    let mb = |b: u64| b >> 20;
    eprintln!(
        "{batches} batches in {:.1?}; reads per reader {reads:?}; highest open files {} then {}, resident {} MB then {} MB; resident MB every 5 batches {:?}",
        started.elapsed(),
        first.0,
        second.0,
        mb(first.1),
        mb(second.1),
        samples.iter().step_by(5).map(|s| mb(s.1)).collect::<Vec<_>>()
    );
    assert!(
        reads.iter().all(|&r| r > 0),
        "a reader never read: {reads:?}"
    );
    assert!(
        second.0 <= first.0 + 4,
        "open files grew from at most {} to {}",
        first.0,
        second.0
    );
    assert!(
        second.1 <= first.1 + (64 << 20),
        "resident memory grew from at most {} MB to {} MB",
        mb(first.1),
        mb(second.1)
    );

    // The saved store reopens to the last generation.
    drop(store);
    let reopened = Store::open(&dir, options).unwrap();
    assert_eq!(reopened.snapshot().generation() as usize, batches + 1);
}
