//! Serving without a slow first request: warming an analysis or a store's generations
//! before readers see them, and running the library's parallel work on a caller's pool.

use std::path::Path;
use std::sync::Arc;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::store::{Store, StoreOptions, WarmUp};
use jingxuan::{Engine, ErrorKind};

mod common;
use common::demo;

fn clean_full() -> corpus::Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/corpus/clean-full");
    corpus::load(&dir, &LoadOptions::default()).unwrap()
}

fn batch(n: u32) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/cases/corpus/batches/{n}"))
}

/// What a request sees of a city: its board and default list, as JSON.
fn answers(snapshot: &jingxuan::store::Snapshot, city: &str) -> String {
    let board = snapshot.score_city(city).unwrap();
    let list = snapshot
        .select(city, &SelectionPolicy::default(), &ListRequest::default())
        .unwrap();
    format!(
        "{}\n{}",
        serde_json::to_string(&*board).unwrap(),
        serde_json::to_string(&list).unwrap()
    )
}

#[test]
fn a_warmed_analysis_answers_from_its_caches_and_the_same_as_a_cold_one() {
    let engine = Engine::for_corpus(demo()).unwrap();
    let warm = engine.analyze(demo().clone(), None);
    let cold = common::analysis();
    let cities = warm.corpus().cities();
    assert!(cities.len() >= 2, "{cities:?}");
    let city = cities[0].as_str();
    assert!(warm.warm_cities().is_empty());
    warm.warm(&[city]).unwrap();
    assert_eq!(warm.warm_cities(), vec![city.to_string()]);
    // A clone shares the caches: the board it answers with is the one warming computed.
    let board = warm.clone().score_city(city).unwrap();
    assert!(Arc::ptr_eq(&board, &warm.score_city(city).unwrap()));
    let policy = SelectionPolicy::default();
    let request = ListRequest::default();
    assert_eq!(
        serde_json::to_string(&warm.select(city, &policy, &request).unwrap()).unwrap(),
        serde_json::to_string(&cold.select(city, &policy, &request).unwrap()).unwrap()
    );
    assert_eq!(*board, *cold.score_city(city).unwrap());
}

#[test]
fn warming_an_unknown_city_is_a_user_error_and_warms_nothing() {
    let a = Engine::for_corpus(&clean_full().corpus)
        .unwrap()
        .analyze(clean_full().corpus, None);
    let err = a.warm(&["杭州", "火星"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.to_string().contains("火星"), "{err}");
    assert!(a.warm_cities().is_empty());
}

#[test]
fn a_store_publishes_warmed_generations_when_asked() {
    let options = StoreOptions {
        warm: WarmUp::All,
        ..StoreOptions::default()
    };
    let warm = Store::build(clean_full(), options).unwrap();
    let cold = Store::build(clean_full(), StoreOptions::default()).unwrap();
    let all = clean_full().corpus.cities();
    assert_eq!(warm.snapshot().analysis().warm_cities(), all);
    assert!(cold.snapshot().analysis().warm_cities().is_empty());
    for n in [1, 2, 3] {
        warm.apply_batch(&batch(n)).unwrap();
        cold.apply_batch(&batch(n)).unwrap();
        // Before any request of the new generation, every city is ready.
        let (w, c) = (warm.snapshot(), cold.snapshot());
        assert_eq!(w.analysis().warm_cities(), w.corpus().cities());
        for city in w.corpus().cities() {
            assert_eq!(answers(&w, &city), answers(&c, &city), "batch {n}, {city}");
        }
    }
}

#[test]
fn a_store_warms_only_the_cities_asked_that_it_has() {
    let options = StoreOptions {
        warm: WarmUp::Cities(vec!["成都".into(), "火星".into()]),
        ..StoreOptions::default()
    };
    let store = Store::build(clean_full(), options).unwrap();
    assert_eq!(store.snapshot().analysis().warm_cities(), vec!["成都"]);
    store.apply_batch(&batch(1)).unwrap();
    assert_eq!(store.snapshot().analysis().warm_cities(), vec!["成都"]);
}

#[test]
fn work_run_on_a_callers_pool_gives_the_same_answers_on_any_number_of_threads() {
    let engine = Engine::for_corpus(demo()).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let a = engine.analyze(demo().clone(), None);
            let cities = a.corpus().cities();
            a.warm(&cities).unwrap();
            cities
                .iter()
                .map(|c| {
                    let list = a
                        .select(c, &SelectionPolicy::default(), &ListRequest::default())
                        .unwrap();
                    serde_json::to_string(&list).unwrap()
                })
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(run(1), run(3));
}
