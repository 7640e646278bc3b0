//! `select` once the engine is built: each city of the three-city demo, default policy, and
//! a query-driven list; plus building the analysis itself, as the baseline it amortises.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use jingxuan::corpus::{self, LoadOptions};
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::Engine;

fn select(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let corpus = corpus::load(&dir, &LoadOptions::default())
        .expect("fixtures/demo loads")
        .corpus;
    let engine = Engine::for_corpus(&corpus).expect("engine builds");
    let analysis = engine.analyze(corpus.clone(), None);
    let policy = SelectionPolicy::default();
    let query = ListRequest {
        query: Some("安静 咖啡"),
        ..ListRequest::default()
    };

    let mut group = c.benchmark_group("select");
    group.sample_size(20);
    for city in ["上海", "杭州", "广州"] {
        group.bench_function(format!("{city}/default"), |b| {
            b.iter(|| {
                analysis
                    .select(city, &policy, &Default::default())
                    .map(|s| s.stores.len())
            })
        });
    }
    group.bench_function("杭州/query", |b| {
        b.iter(|| {
            analysis
                .select("杭州", &policy, &query)
                .map(|s| s.stores.len())
        })
    });
    group.sample_size(10);
    group.bench_function("analyze (build, all cities)", |b| {
        b.iter(|| engine.analyze(corpus.clone(), None).evidence().items.len())
    });
    group.finish();
}

criterion_group!(benches, select);
criterion_main!(benches);
