//! What warming saves a service: the first request per city of a fresh analysis, cold and
//! after `Analysis::warm`, and what the warm-up itself costs.
//!
//! ```sh
//! cargo run --release --example warm_timing -- fixtures/demo [THREADS]
//! ```
//!
//! Prints one JSON object: the warm-up's seconds (all cities, on a rayon pool of THREADS,
//! default 2), and per-city milliseconds of the first default `select` (board, selection
//! facts, list) without and with the warm-up (median and max over cities).

use std::time::Instant;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::Engine;

fn first_requests_ms(a: &jingxuan::Analysis, cities: &[String]) -> Vec<f64> {
    let policy = SelectionPolicy::default();
    cities
        .iter()
        .map(|c| {
            let t = Instant::now();
            let list = a.select(c, &policy, &ListRequest::default());
            std::hint::black_box(list.map(|l| l.stores.len()).unwrap_or(0));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

fn summary(mut ms: Vec<f64>) -> serde_json::Value {
    ms.sort_by(f64::total_cmp);
    let median = ms.get(ms.len() / 2).copied().unwrap_or(0.0);
    let max = ms.last().copied().unwrap_or(0.0);
    serde_json::json!({ "median_ms": median, "max_ms": max, "sum_ms": ms.iter().sum::<f64>() })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: warm_timing CORPUS_DIR [THREADS]")?;
    let threads: usize = args.next().map_or(Ok(2), |t| t.parse())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let loaded = corpus::load(dir.as_ref(), &LoadOptions::default())?;
    let engine = Engine::for_corpus(&loaded.corpus)?;
    let cold = pool.install(|| engine.analyze(loaded.corpus.clone(), None));
    let warm = pool.install(|| engine.analyze(loaded.corpus, None));
    let cities = cold.corpus().cities();

    let cold_ms = first_requests_ms(&cold, &cities);
    let t = Instant::now();
    pool.install(|| warm.warm(&cities))?;
    let warm_s = t.elapsed().as_secs_f64();
    let warm_ms = first_requests_ms(&warm, &cities);
    println!(
        "{}",
        serde_json::json!({
            "corpus": dir,
            "cities": cities.len(),
            "merchants": cold.corpus().merchants.len(),
            "threads": threads,
            "warm_up_s": warm_s,
            "first_select_cold": summary(cold_ms),
            "first_select_after_warm_up": summary(warm_ms),
        })
    );
    Ok(())
}
