//! The live store: any sequence of batches gives what a rebuild from the final corpus gives
//! (scores, selections, search hits), re-feeding a batch changes nothing, a saved store
//! reopens to the same answers, and readers see whole generations while updates run.
//!
//! Batches are made from a small generated world: the base holds every merchant and
//! author and part of the writing; a batch adds held-back notes, reviews and visits, edits
//! and deletes documents, edits authors and merchants (rarely adding one, which makes the
//! store read every text again), and records curation decisions (`store_world/`). The soak
//! test is `tests/store_soak.rs`.

#[path = "store_world/mod.rs"]
mod store_world;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::index::{SearchIndex, SearchQuery};
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Snapshot, Store, StoreOptions};
use jingxuan::{Analysis, Engine};
use proptest::prelude::*;
use serde_json::{json, Value};
use store_world::{batch_spec, fixed_as_of, BatchSpec, Scenario};

const QUERIES: [&str; 4] = ["火锅", "咖啡 安静", "好吃 推荐", "踩雷"];

/// Everything a caller can ask, as one comparable value: every city's scoreboard and list,
/// and search hits for a few queries.
fn answers(analysis: &Analysis, search: &dyn Fn(&SearchQuery) -> Value) -> Value {
    let mut out = serde_json::Map::new();
    let policy = SelectionPolicy::default();
    for city in analysis.corpus().cities() {
        let board = analysis.score_city(&city).unwrap();
        let list = analysis
            .select(&city, &policy, &Default::default())
            .unwrap();
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
    let analysis = engine.analyze(loaded.corpus.clone(), as_of);
    let index = SearchIndex::create_in_ram(Arc::clone(engine.analyzer())).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add_corpus(&loaded.corpus).unwrap();
    writer.commit().unwrap();
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

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(6),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// An update holds each unchanged note's text once: the new generation's document
    /// shares the earlier one's bytes (unless the update read every text again), while an
    /// edited note holds its new text. Every document's text is its record's.
    #[test]
    fn unchanged_notes_share_their_text_across_generations(spec in batch_spec()) {
        let tmp = tempfile::tempdir().unwrap();
        let mut sc = Scenario::new(tmp.path());
        let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
        let store = Store::build(loaded, StoreOptions::default()).unwrap();
        let before = store.snapshot();
        let batch = sc.batch(&spec);
        let report = store.apply_batch(&batch).unwrap();
        let after = store.snapshot();
        let old: std::collections::BTreeMap<&str, &Arc<str>> = before
            .analysis()
            .evidence()
            .docs
            .iter()
            .filter(|d| d.kind == corpus::DocKind::Note)
            .map(|d| (d.id.as_str(), &d.text))
            .collect();
        let (mut shared, mut unchanged) = (0, 0);
        for d in after.analysis().evidence().docs.iter().filter(|d| d.kind == corpus::DocKind::Note) {
            let note = &after.corpus().notes[d.id.as_str()];
            let text = note.text();
            prop_assert_eq!(&*d.text, text);
            if let Some(t) = old.get(d.id.as_str()).filter(|t| ****t == *d.text) {
                unchanged += 1;
                shared += usize::from(Arc::ptr_eq(t, &d.text));
            }
        }
        prop_assert!(unchanged > 0);
        // A changed list of merchant names reads every text again (it can segment any
        // text differently), and then nothing is taken from the earlier generation.
        if !report.full_rebuild {
            prop_assert_eq!(shared, unchanged);
        }
    }
}

/// A spec that tombstones a merchant and would also edit and curate the same one (the same
/// pick): the scenario writes no record naming it after its tombstone (the loader refuses a
/// curation of an unknown merchant), and the store applies the batch as a rebuild would.
/// Random specs met this about once in a few hundred cases, which made the property tests
/// above fail now and then on a valid store.
#[test]
fn a_tombstone_and_edits_of_the_same_merchant_in_one_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let mut sc = Scenario::new(tmp.path());
    let loaded = corpus::load(&sc.base(), &LoadOptions::default()).unwrap();
    let options = StoreOptions {
        as_of: fixed_as_of(),
        ..StoreOptions::default()
    };
    let store = Store::build(loaded, options).unwrap();
    let spec = BatchSpec {
        add_tenths: 1,
        edit_docs: vec![],
        delete_docs: vec![],
        edit_authors: vec![],
        edit_merchant: Some(3),
        delete_merchant: Some(3),
        new_merchant: false,
        curation: Some((3, 2)),
    };
    let batch = sc.batch(&spec);
    let merchants = fs::read_to_string(batch.join("merchants.jsonl")).unwrap();
    let gone = merchants.lines().next().unwrap().to_string();
    assert!(gone.contains("\"deleted\":true"), "{merchants}");
    let id: Value = serde_json::from_str(&gone).unwrap();
    let id = id["id"].as_str().unwrap();
    assert_eq!(merchants.matches(id).count(), 1, "{merchants}");
    let curation = fs::read_to_string(batch.join("curation.jsonl")).unwrap_or_default();
    assert!(!curation.contains(id), "{curation}");
    store.apply_batch(&batch).unwrap();
    let expected = rebuild(&sc, fixed_as_of());
    assert!(snapshot_answers(&store.snapshot()) == expected);
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
        before.score_city(c).unwrap();
    }
    // A review by an author who writes about 杭州 only, so that a change in the author's
    // standing cannot reach another city.
    let c = before.corpus();
    let in_hangzhou = |m: &str| c.merchants.get(m).is_some_and(|m| m.city == "杭州");
    let local_only = |author: &str| {
        c.reviews
            .values()
            .filter(|r| r.author_id == author)
            .all(|r| in_hangzhou(&r.merchant_id))
            && c.notes
                .values()
                .filter(|n| n.author_id == author)
                .all(|n| n.merchant_ids.iter().all(|m| in_hangzhou(m)))
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
        before.analysis().evidence().docs.len() - 1
    );
    assert!(report
        .affected_merchants
        .contains(&review.merchant_id.to_string()));
    assert_eq!(report.rescored_cities, vec!["杭州".to_string()]);
    let after = store.snapshot();
    for c in &cities {
        let same = Arc::ptr_eq(
            &before.score_city(c).unwrap(),
            &after.score_city(c).unwrap(),
        );
        assert_eq!(same, c != "杭州", "{c}: board carried over = {same}");
    }
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

/// Each city's learned model, by its fingerprint (which names its training set).
fn model_prints(analysis: &Analysis) -> Vec<(String, u64)> {
    analysis
        .evidence()
        .readers
        .iter()
        .flat_map(|r| r.by_city.iter())
        .map(|(c, r)| (c.clone(), r.model.fingerprint))
        .collect()
}

/// The training rule (`evidence::reader::training_cutoff`): notes, however dated, and
/// reviews dated in `as_of`'s week never change a city's model, so an update of such
/// writing reads only its new texts; the update still equals a rebuild. The notes give
/// accounts with rated reviews a history across merchants and months (what made them
/// teachers, and retrained every model, before the rule counted rated reviews only).
#[test]
fn notes_and_this_weeks_reviews_keep_every_model() {
    // A world big enough for its cities to train their own models (the scenario's is not).
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    fs::create_dir_all(&base).unwrap();
    let config = jingxuan_fixture_gen::GenConfig {
        merchants_per_city: 40,
        target_docs: 6_000,
        ..jingxuan_fixture_gen::GenConfig::small()
    };
    for (name, body) in jingxuan_fixture_gen::generate_to_memory(&config) {
        fs::write(base.join(name), body).unwrap();
    }
    let as_of = fixed_as_of();
    let options = StoreOptions {
        as_of,
        ..StoreOptions::default()
    };
    let loaded = corpus::load(&base, &LoadOptions::default()).unwrap();
    let store = Store::build(loaded, options).unwrap();
    let before = store.snapshot();
    let prints = model_prints(before.analysis());
    let trained = |a: &Analysis| {
        a.evidence()
            .readers
            .iter()
            .flat_map(|r| r.by_city.values())
            .filter(|r| {
                matches!(
                    r.model.source,
                    jingxuan::evidence::model::ModelSource::Corpus { .. }
                )
            })
            .count()
    };
    assert!(
        trained(before.analysis()) >= 2,
        "the world's cities do not train their own models"
    );
    let c = before.corpus();
    let t = before.analysis().as_of().unix();
    let day = 86_400;
    let note = c.notes.values().next().unwrap();
    let review = c.reviews.values().next().unwrap();
    let mut notes = String::new();
    // Accounts with rated reviews but no history yet (at most two merchants, or a month),
    // earliest reviewer first (their reviews fall in the first K a model trains on), each
    // given notes on three merchants of its city over three months, backdated well before
    // the cutoff: a history that made an account a teacher before the rule counted rated
    // reviews only.
    let mut history: std::collections::BTreeMap<&str, (Vec<&str>, i64, i64)> = Default::default();
    for r in c.reviews.values() {
        let h = history
            .entry(r.author_id.as_str())
            .or_insert((Vec::new(), i64::MAX, i64::MIN));
        h.0.push(r.merchant_id.as_str());
        h.1 = h.1.min(r.created_at.unix());
        h.2 = h.2.max(r.created_at.unix());
    }
    for n in c.notes.values() {
        if let Some(h) = history.get_mut(n.author_id.as_str()) {
            h.0.extend(n.merchant_ids.iter().map(|m| m.as_str()));
            h.1 = h.1.min(n.created_at.unix());
            h.2 = h.2.max(n.created_at.unix());
        }
    }
    let mut fresh: Vec<(i64, &str)> = history
        .into_iter()
        .filter_map(|(a, (mut ms, first, last))| {
            ms.sort_unstable();
            ms.dedup();
            (ms.len() <= 2 || last - first <= 30 * 86_400).then_some((first, a))
        })
        .collect();
    fresh.sort_unstable();
    let authors: Vec<String> = fresh.iter().map(|(_, a)| a.to_string()).collect();
    assert!(authors.len() >= 10, "too few reviewers without a history");
    for (i, author) in authors.iter().take(40).enumerate() {
        let city = c
            .reviews
            .values()
            .find(|r| r.author_id == author)
            .and_then(|r| c.merchants.get(r.merchant_id.as_str()))
            .map(|m| m.city.clone())
            .unwrap();
        let merchants: Vec<&String> = c
            .merchants
            .iter()
            .filter(|(_, m)| m.city == city)
            .map(|(id, _)| id)
            .take(3)
            .collect();
        for (k, m) in merchants.iter().enumerate() {
            let mut n: Value = serde_json::to_value(note).unwrap();
            n["id"] = json!(format!("n-training-rule-{i}-{k}"));
            n["author_id"] = json!(author);
            n["merchant_ids"] = json!([m]);
            n["body"] = json!("味道很好，服务周到，会再来");
            n["title"] = json!(null);
            n["sponsored"] = json!(false);
            let at = Timestamp::from_unix(t - (200 - 45 * k as i64) * day);
            n["created_at"] = json!(at.to_rfc3339());
            notes += &(n.to_string() + "\n");
        }
    }
    // A rated review dated after the cutoff (in as_of's week, at or before as_of).
    let cutoff = jingxuan::evidence::reader::training_cutoff(before.analysis().as_of());
    let mut r: Value = serde_json::to_value(review).unwrap();
    r["id"] = json!("r-training-rule");
    r["rating"] = json!(1.0);
    r["text"] = json!("踩雷了，难吃，不会再来");
    r["created_at"] = json!(Timestamp::from_unix(cutoff.unix().max(t - day)).to_rfc3339());
    let batch = tmp.path().join("notes-and-a-review");
    fs::create_dir_all(&batch).unwrap();
    fs::write(batch.join("notes.jsonl"), notes).unwrap();
    fs::write(batch.join("reviews.jsonl"), r.to_string() + "\n").unwrap();

    let report = store.apply_batch(&batch).unwrap();
    let after = store.snapshot();
    assert_eq!(model_prints(after.analysis()), prints);
    // Only the new documents are read (their number: the evidence's growth).
    let grown = after.analysis().evidence().docs.len() - before.analysis().evidence().docs.len();
    assert_eq!(report.docs_read, grown);
    assert!(grown > 100, "the batch's notes were not read as evidence");
    let rebuilt = Engine::for_corpus(after.corpus())
        .unwrap()
        .analyze(after.corpus().clone(), as_of);
    assert_eq!(model_prints(&rebuilt), prints);
}
