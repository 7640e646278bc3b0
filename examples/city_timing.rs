//! Times one city's scoreboard from a corpus folder, by its shard (`jingxuan::shard`: the
//! global pass, then the city's documents only) or by the full analysis, with each step's
//! seconds and the peak memory of the process:
//!
//! ```sh
//! cargo run --release --example city_timing -- CORPUS 杭州 shard
//! cargo run --release --example city_timing -- CORPUS 杭州 full
//! ```
//!
//! Prints one JSON object: each step's wall seconds (`load_s`, …) and the process's CPU
//! seconds, user and system, over the step (`load_cpu`, …), which a busy machine inflates
//! less than the wall. `benches/scale.sh` runs both modes beside the Python peer's
//! `--city` run on the same corpus.

use std::sync::Arc;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::shard::GlobalPass;
use jingxuan::Engine;

mod support;
use support::{cpu_seconds, peak_rss_mb, Steps};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::allocator::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, city, mode] = args.as_slice() else {
        return Err("usage: city_timing CORPUS CITY shard|full".into());
    };
    let mut steps = Steps::start();
    let mut cpu = CpuSteps::start();
    let loaded = corpus::load(dir.as_ref(), &LoadOptions::default())?;
    steps.lap("load");
    cpu.lap("load");
    let engine = Engine::for_corpus(&loaded.corpus)?;
    steps.lap("engine");
    cpu.lap("engine");
    let (board, docs) = match mode.as_str() {
        "shard" => {
            // As the command does: the global pass cut to what the city reads.
            let global = GlobalPass::compute_for_city(&engine, &loaded.corpus, None, city)?;
            steps.lap("global");
            cpu.lap("global");
            // As the command does: the corpus is handed over, other cities dropped.
            let shard = global.into_city_corpus(loaded.corpus, city)?;
            let docs = shard.notes.len() + shard.reviews.len();
            steps.lap("city_corpus");
            cpu.lap("city_corpus");
            let analysis = engine.analyze_city(Arc::new(shard), &global);
            steps.lap("analyze");
            cpu.lap("analyze");
            (analysis.score_city(city)?, docs)
        }
        "full" => {
            let analysis = engine.analyze(loaded.corpus.clone(), None);
            steps.lap("analyze");
            cpu.lap("analyze");
            let docs = analysis.evidence().docs.len();
            (analysis.score_city(city)?, docs)
        }
        _ => return Err("mode: shard or full".into()),
    };
    steps.lap("score");
    cpu.lap("score");
    println!(
        "{{\"mode\":\"{mode}\",\"city\":\"{city}\",\"merchants\":{},\"docs_analysed\":{docs},{},{},\"total_s\":{:.3},\"peak_rss_mb\":{:.0}}}",
        board.merchants.len(),
        steps.json_fields(),
        cpu.json_fields(),
        steps.total(),
        peak_rss_mb().unwrap_or(0.0)
    );
    Ok(())
}

/// CPU seconds per step, as [`Steps`] keeps wall seconds.
struct CpuSteps {
    last: f64,
    steps: Vec<(&'static str, f64)>,
}

impl CpuSteps {
    fn start() -> Self {
        CpuSteps {
            last: cpu_seconds().unwrap_or(0.0),
            steps: Vec::new(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = cpu_seconds().unwrap_or(0.0);
        self.steps.push((name, now - self.last));
        self.last = now;
    }

    fn json_fields(&self) -> String {
        self.steps
            .iter()
            .map(|(k, v)| format!("\"{k}_cpu\":{v:.2}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}
