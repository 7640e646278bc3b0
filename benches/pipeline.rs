//! Every stage of the pipeline on a generated corpus: load and validation (MB/s), analysis
//! (evidence and trust, docs/s), index build (docs/s), scoring one city, `select` for one
//! city, and an incremental batch of new notes carried through to updated lists.
//!
//! The corpus comes from the project's generator, made on first use under
//! `target/bench-corpora/` and never committed. Its size is set by the environment:
//!
//! ```sh
//! cargo bench --bench pipeline                                   # 20k documents
//! JINGXUAN_BENCH_DOCS=100000 cargo bench --bench pipeline        # 100k
//! JINGXUAN_BENCH_DOCS=300000 JINGXUAN_BENCH_MERCHANTS_PER_CITY=20000 \
//!     cargo bench --bench pipeline -- select                     # a city of 20k merchants
//! ```
//!
//! The last `JINGXUAN_BENCH_BATCH` notes (default 10% of the notes, at most 10,000) are
//! held back from the base corpus as the incremental batch.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use jingxuan::corpus::{self, LoadOptions};
use jingxuan::index::SearchIndex;
use jingxuan::reputation::{self, ScoringConfig};
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Store, StoreOptions};
use jingxuan::Engine;
use jingxuan_fixture_gen::{generate, GenConfig};

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// `(base, batch)` folders of the configured size, generated once.
fn corpora() -> (PathBuf, PathBuf) {
    let docs = env_usize("JINGXUAN_BENCH_DOCS").unwrap_or(20_000);
    let mut config = GenConfig::with_target_docs(docs);
    if let Some(m) = env_usize("JINGXUAN_BENCH_MERCHANTS_PER_CITY") {
        config.merchants_per_city = m;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-corpora")
        .join(format!("{docs}-{}", config.merchants_per_city));
    let (full, base, batch) = (root.join("full"), root.join("base"), root.join("batch"));
    if !batch.join("notes.jsonl").exists() {
        generate(&config, &full).expect("generate the bench corpus");
        std::fs::create_dir_all(&base).expect("create base folder");
        std::fs::create_dir_all(&batch).expect("create batch folder");
        for entry in std::fs::read_dir(&full).expect("read generated corpus") {
            let path = entry.expect("list generated corpus").path();
            let name = path.file_name().expect("file name").to_owned();
            if name == "notes.jsonl" {
                let text = std::fs::read_to_string(&path).expect("read notes");
                let lines: Vec<&str> = text.lines().collect();
                let held = env_usize("JINGXUAN_BENCH_BATCH")
                    .unwrap_or((lines.len() / 10).min(10_000))
                    .min(lines.len());
                let (early, late) = lines.split_at(lines.len() - held);
                std::fs::write(base.join(&name), early.join("\n") + "\n").expect("write base");
                std::fs::write(batch.join(&name), late.join("\n") + "\n").expect("write batch");
            } else if name != "truth.jsonl" {
                std::fs::copy(&path, base.join(&name)).expect("copy corpus file");
            }
        }
    }
    (base, batch)
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn pipeline(c: &mut Criterion) {
    let (base, batch) = corpora();
    let opts = LoadOptions::default();
    let loaded = corpus::load(&base, &opts).expect("base corpus loads");
    let corpus = &loaded.corpus;
    let docs = (corpus.notes.len() + corpus.reviews.len()) as u64;
    let engine = Engine::for_corpus(corpus).expect("engine builds");
    let analysis = engine.analyze(corpus.clone(), None);
    let cities = corpus.cities();
    let city = cities
        .iter()
        .max_by_key(|c| corpus.merchants.values().filter(|m| &&m.city == c).count())
        .expect("a city")
        .clone();
    let policy = SelectionPolicy::default();
    let config = ScoringConfig::default();

    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(folder_bytes(&base)));
    group.bench_function("load", |b| {
        b.iter(|| corpus::load(&base, &opts).map(|l| l.corpus.merchants.len()))
    });
    group.throughput(Throughput::Elements(docs));
    group.bench_function("analyze", |b| {
        b.iter(|| engine.analyze(corpus.clone(), None).evidence().items.len())
    });
    group.bench_function("index (in RAM)", |b| {
        b.iter(|| -> jingxuan::Result<u64> {
            let index = SearchIndex::create_in_ram(engine.analyzer().clone())?;
            let mut writer = index.writer()?;
            writer.add_analysis(&analysis)?;
            writer.commit()?;
            Ok(index.num_docs())
        })
    });
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    group.bench_function(format!("score city ({city})"), |b| {
        b.iter(|| {
            // Uncached: the stage itself (the corpus-wide counted weights, then the board);
            // `Analysis::score_city` answers from its per-city cache after the first call.
            reputation::score_city(
                analysis.corpus(),
                analysis.evidence(),
                analysis.trust(),
                &city,
                analysis.as_of(),
                &config,
            )
            .map(|s| s.merchants.len())
        })
    });
    group.bench_function(format!("select ({city})"), |b| {
        b.iter(|| {
            analysis
                .select(&city, &policy, &Default::default())
                .map(|s| s.stores.len())
        })
    });

    // A batch of new notes carried through to every city's list, two ways: by a live
    // `Store` (reads only the new texts), and by a full re-analysis of the updated corpus
    // (the baseline). Building the store or cloning the corpus is setup, not measured.
    group.sample_size(10);
    group.bench_function("incremental batch → updated lists (Store)", |b| {
        b.iter_batched(
            || Store::build(loaded.clone(), StoreOptions::default()).expect("store builds"),
            |store| -> jingxuan::Result<usize> {
                store.apply_batch(&batch)?;
                let snapshot = store.snapshot();
                let mut listed = 0;
                for city in &cities {
                    listed += snapshot
                        .select(city, &policy, &Default::default())?
                        .stores
                        .len();
                }
                Ok(listed)
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function(
        "incremental batch → updated lists (full re-analysis)",
        |b| {
            b.iter_batched(
                || loaded.clone(),
                |mut updated| -> jingxuan::Result<usize> {
                    corpus::load_batch(&mut updated, &batch, &opts)?;
                    let analysis = engine.analyze(updated.corpus.clone(), None);
                    let mut listed = 0;
                    for city in &cities {
                        listed += analysis
                            .select(city, &policy, &Default::default())?
                            .stores
                            .len();
                    }
                    Ok(listed)
                },
                BatchSize::LargeInput,
            )
        },
    );
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
