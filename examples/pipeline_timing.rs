//! Times each stage of the pipeline on one corpus and reports peak memory: the scale curve
//! of `benches/README.md` runs this at several sizes.
//!
//! ```sh
//! cargo run --release -p jingxuan-fixture-gen -- --out bench-corpora/100k --target-docs 100000
//! cargo run --release --example pipeline_timing -- bench-corpora/100k [--no-index] [--stages]
//! ```
//!
//! Prints one JSON object: seconds per stage (`load`, `engine` build, `analyze` = linking,
//! evidence and trust, `index` = building an on-disk search index in a temporary folder,
//! `score` = every city's scoreboard, `select` = every city's list), their sum as
//! `total_s`, throughput figures, and the peak resident memory of the process. With
//! `--stages` the analysis is run a second time, stage by stage, for the split (not counted
//! in the total).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::evidence::link::NoteLinks;
use jingxuan::evidence::{EvidenceSet, SentimentModel};
use jingxuan::index::SearchIndex;
use jingxuan::selection::SelectionPolicy;
use jingxuan::text::Analyzer;
use jingxuan::Engine;

mod support;
use support::{peak_rss_mb, seconds};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: pipeline_timing CORPUS_DIR [--no-index] [--stages]")?;
    let with_index = !args.iter().any(|a| a == "--no-index");
    let stages = args.iter().any(|a| a == "--stages");
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
    // Held in an `Arc` so the analysis shares it: a deep copy of the corpus (2-3 s at 1M
    // documents, on one thread) is not part of analysing it.
    let shared = std::sync::Arc::new(loaded?.corpus);
    let corpus: &jingxuan::corpus::Corpus = &shared;
    let docs = corpus.notes.len() + corpus.reviews.len();
    let rss_loaded = peak_rss_mb();

    let (engine, build) = seconds(|| Engine::for_corpus(corpus));
    let engine = engine?;
    let (analysis, analyze) = seconds(|| engine.analyze(std::sync::Arc::clone(&shared), None));
    let rss_analyzed = peak_rss_mb();

    let tmp = std::env::temp_dir().join(format!("jingxuan-timing-{}", std::process::id()));
    let index = if with_index {
        let (built, secs) = seconds(|| -> jingxuan::Result<u64> {
            let index = SearchIndex::open_or_create(&tmp, engine.analyzer().clone())?;
            let mut writer = index.writer()?;
            writer.add_analysis(&analysis)?;
            writer.commit()?;
            Ok(index.num_docs())
        });
        let _ = std::fs::remove_dir_all(&tmp);
        built?;
        secs
    } else {
        0.0
    };

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
        let (links, link) = seconds(|| NoteLinks::build(corpus));
        let (evidence, extract) =
            seconds(|| EvidenceSet::extract(corpus, &links, &analyzer, &sentiment));
        let as_of = corpus.latest_timestamp().unwrap_or(Timestamp::from_unix(0));
        let (_, trust) = seconds(|| jingxuan::trust::assess(corpus, &evidence, as_of));
        format!(
            ",\"link_s\":{link:.3},\"extract_s\":{extract:.3},\"extract_docs_s\":{:.0},\"trust_s\":{trust:.3}",
            docs as f64 / extract
        )
    } else {
        String::new()
    };
    println!(
        "{{\"docs\":{docs},\"mb\":{mb:.1},\"merchants\":{scored},\"listed\":{listed},\"threads\":{},\
\"load_s\":{load:.3},\"load_mb_s\":{:.1},\"engine_s\":{build:.3},\"analyze_s\":{analyze:.3},\
\"analyze_docs_s\":{:.0},\"index_s\":{index:.3},\"index_docs_s\":{:.0},\"score_s\":{score:.4},\
\"select_s\":{select:.4},\"total_s\":{total:.2},\"rss_loaded_mb\":{:.0},\"rss_analyzed_mb\":{:.0},\
\"peak_rss_mb\":{:.0}{split}}}",
        rayon::current_num_threads(),
        mb / load,
        docs as f64 / analyze,
        if index > 0.0 { docs as f64 / index } else { 0.0 },
        rss_loaded.unwrap_or(f64::NAN),
        rss_analyzed.unwrap_or(f64::NAN),
        peak_rss_mb().unwrap_or(f64::NAN),
    );
    Ok(())
}
