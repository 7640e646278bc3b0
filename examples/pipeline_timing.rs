//! Times each stage of the pipeline on one corpus and reports peak memory: the scale curve
//! of `benches/README.md` runs this at several sizes.
//!
//! ```sh
//! cargo run --release -p jingxuan-fixture-gen -- --out bench-corpora/100k --target-docs 100000
//! cargo run --release --example pipeline_timing -- bench-corpora/100k [--no-index] [--sequential] [--stages]
//! ```
//!
//! Prints one JSON object: seconds per stage (`load`, `engine` build, `analyze` = linking,
//! evidence and trust, `index` = building an on-disk search index in a temporary folder,
//! `score` = every city's scoreboard, `select` = every city's list), their sum as
//! `total_s`, throughput figures, the CPU seconds (user + system) of the analysis and
//! index stages, and the peak resident memory of the process. With `--stages` the
//! analysis is run a second time, stage by stage, for the split (not counted in the total).
//!
//! The index is built beside the analysis (`IndexWriter::analyze_and_add`, `"overlap":
//! true`, each text segmented once for both): `analyze` is then the wall time of both
//! together and `index` the commit alone (last segments written, merges awaited).
//! `--sequential` builds it after the analysis (`add_analysis`, segmenting again), so that
//! `analyze` and `index` are each stage alone.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::evidence::link::NoteLinks;
use jingxuan::evidence::{EvidenceSet, SentimentModel};
use jingxuan::index::SearchIndex;
use jingxuan::selection::SelectionPolicy;
use jingxuan::text::Analyzer;
use jingxuan::Engine;
use std::sync::Arc;

mod support;
use support::{cpu_seconds, peak_rss_mb, seconds};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::allocator::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: pipeline_timing CORPUS_DIR [--no-index] [--sequential] [--stages]")?;
    let with_index = !args.iter().any(|a| a == "--no-index");
    let stages = args.iter().any(|a| a == "--stages");
    let sequential = args.iter().any(|a| a == "--sequential");
    let dir = std::path::Path::new(dir);
    let bytes: u64 = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .filter(|e| e.file_name() != "truth.jsonl")
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let mb = bytes as f64 / 1e6;

    let (loaded, load) = seconds(|| corpus::load(dir, &LoadOptions::default()));
    // Moved into the `Arc` the analysis shares, not cloned: a clone would hold the corpus
    // twice (about 0.8 GB at 1M documents), as no real caller does.
    let corpus = Arc::new(loaded?.corpus);
    let docs = corpus.notes.len() + corpus.reviews.len();
    let rss_loaded = peak_rss_mb();

    let (engine, build) = seconds(|| Engine::for_corpus(&corpus));
    let engine = engine?;
    // The index is built beside the analysis (`IndexWriter::analyze_and_add`), as a
    // service building both would; `--sequential` builds it after, for the old split.
    let tmp = std::env::temp_dir().join(format!("jingxuan-timing-{}", std::process::id()));
    let index_at = SearchIndex::open_or_create(&tmp, engine.analyzer().clone())?;
    let mut writer = index_at.writer()?;
    let cpu0 = cpu_seconds().unwrap_or(f64::NAN);
    let (analysis, analyze) = if with_index && !sequential {
        let (both, secs) = seconds(|| writer.analyze_and_add(&engine, Arc::clone(&corpus), None));
        (both?.0, secs)
    } else {
        seconds(|| engine.analyze(Arc::clone(&corpus), None))
    };
    let analyze_cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu0;
    let rss_analyzed = peak_rss_mb();

    let cpu0 = cpu_seconds().unwrap_or(f64::NAN);
    let index = if with_index {
        let (built, secs) = seconds(|| -> jingxuan::Result<u64> {
            if sequential {
                writer.add_analysis(&analysis)?;
            }
            writer.commit()?;
            Ok(index_at.num_docs())
        });
        built?;
        secs
    } else {
        drop(writer);
        0.0
    };
    drop(index_at);
    let _ = std::fs::remove_dir_all(&tmp);
    let index_cpu = cpu_seconds().unwrap_or(f64::NAN) - cpu0;

    let cities = corpus.cities();
    let (scored, score) = seconds(|| -> jingxuan::Result<usize> {
        let mut n = 0;
        for city in &cities {
            n += analysis.score_city(city)?.merchants.len();
        }
        Ok(n)
    });
    let scored = scored?;
    let policy = SelectionPolicy::default();
    let (listed, select) = seconds(|| -> jingxuan::Result<usize> {
        let mut n = 0;
        for city in &cities {
            n += analysis
                .select(city, &policy, &Default::default())?
                .stores
                .len();
        }
        Ok(n)
    });
    let listed = listed?;
    let total = load + build + analyze + index + score + select;

    let split = if stages {
        let analyzer = Analyzer::builder().words(corpus.merchant_names()).build();
        let sentiment = SentimentModel::new()?;
        let (links, link) = seconds(|| NoteLinks::build(&corpus));
        let (evidence, extract) =
            seconds(|| EvidenceSet::extract(&corpus, &links, &analyzer, &sentiment));
        let as_of = corpus.latest_timestamp().unwrap_or(Timestamp::from_unix(0));
        let (_, trust) = seconds(|| jingxuan::trust::assess(&corpus, &evidence, as_of));
        format!(
            ",\"link_s\":{link:.3},\"extract_s\":{extract:.3},\"extract_docs_s\":{:.0},\"trust_s\":{trust:.3}",
            docs as f64 / extract
        )
    } else {
        String::new()
    };
    println!(
        "{{\"docs\":{docs},\"mb\":{mb:.1},\"merchants\":{scored},\"listed\":{listed},\"threads\":{},\"overlap\":{},\
\"load_s\":{load:.3},\"load_mb_s\":{:.1},\"engine_s\":{build:.3},\"analyze_s\":{analyze:.3},\
\"analyze_docs_s\":{:.0},\"index_s\":{index:.3},\"index_docs_s\":{:.0},\"score_s\":{score:.4},\
\"select_s\":{select:.4},\"analyze_cpu_s\":{analyze_cpu:.2},\"index_cpu_s\":{index_cpu:.2},\"total_s\":{total:.2},\"rss_loaded_mb\":{:.0},\"rss_analyzed_mb\":{:.0},\
\"peak_rss_mb\":{:.0}{split}}}",
        rayon::current_num_threads(),
        with_index && !sequential,
        mb / load,
        docs as f64 / analyze,
        if index > 0.0 { docs as f64 / index } else { 0.0 },
        rss_loaded.unwrap_or(f64::NAN),
        rss_analyzed.unwrap_or(f64::NAN),
        peak_rss_mb().unwrap_or(f64::NAN),
    );
    Ok(())
}
