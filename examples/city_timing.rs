//! Times one city's scoreboard from a corpus folder, by its shard (`jingxuan::shard`: the
//! global pass, then the city's documents only) or by the full analysis, with each step's
//! seconds and the peak memory of the process:
//!
//! ```sh
//! cargo run --release --example city_timing -- CORPUS 杭州 shard
//! cargo run --release --example city_timing -- CORPUS 杭州 full
//! ```
//!
//! Prints one JSON object. `benches/scale.sh` runs both modes beside the Python peer's
//! `--city` run on the same corpus.

use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::shard::GlobalPass;
use jingxuan::Engine;

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, city, mode] = args.as_slice() else {
        return Err("usage: city_timing CORPUS CITY shard|full".into());
    };
    let start = Instant::now();
    let mut steps: Vec<(&str, f64)> = Vec::new();
    let mut lap = {
        let mut t = Instant::now();
        move |name: &'static str, steps: &mut Vec<(&str, f64)>| {
            steps.push((name, t.elapsed().as_secs_f64()));
            t = Instant::now();
        }
    };
    let loaded = corpus::load(dir.as_ref(), &LoadOptions::default())?;
    lap("load", &mut steps);
    let engine = Engine::for_corpus(&loaded.corpus)?;
    lap("engine", &mut steps);
    let (board, docs) = match mode.as_str() {
        "shard" => {
            let global = GlobalPass::compute(&engine, &loaded.corpus, None);
            lap("global", &mut steps);
            let shard = global.city_corpus(&loaded.corpus, city)?;
            let docs = shard.notes.len() + shard.reviews.len();
            lap("city_corpus", &mut steps);
            let analysis = engine.analyze_city(Arc::new(shard), &global);
            lap("analyze", &mut steps);
            (analysis.score_city(city)?, docs)
        }
        "full" => {
            let analysis = engine.analyze(loaded.corpus.clone(), None);
            lap("analyze", &mut steps);
            let docs = analysis.evidence().docs.len();
            (analysis.score_city(city)?, docs)
        }
        _ => return Err("mode: shard or full".into()),
    };
    lap("score", &mut steps);
    let fields: Vec<String> = steps
        .iter()
        .map(|(k, v)| format!("\"{k}_s\":{v:.3}"))
        .collect();
    println!(
        "{{\"mode\":\"{mode}\",\"city\":\"{city}\",\"merchants\":{},\"docs_analysed\":{docs},{},\"total_s\":{:.3},\"peak_rss_mb\":{:.0}}}",
        board.merchants.len(),
        fields.join(","),
        start.elapsed().as_secs_f64(),
        peak_rss_mb().unwrap_or(0.0)
    );
    Ok(())
}
