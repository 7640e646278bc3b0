//! Times a batch carried through to updated lists, two ways in the same run: a live
//! `Store` (reads only the new texts) and a full re-analysis of the updated corpus.
//!
//! ```sh
//! cargo run --release --example incremental_timing -- BASE_DIR BATCH_DIR [ROUNDS]
//! ```
//!
//! Prints one JSON line per round with each way's seconds and the store's per-step split.

use std::path::PathBuf;
use std::time::Instant;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Step, Store, StoreOptions};
use jingxuan::Engine;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> jingxuan::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(base), Some(batch)) = (args.first(), args.get(1)) else {
        eprintln!("usage: incremental_timing BASE_DIR BATCH_DIR [ROUNDS]");
        std::process::exit(2);
    };
    let (base, batch) = (PathBuf::from(base), PathBuf::from(batch));
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(2);
    let opts = LoadOptions::default();
    let loaded = corpus::load(&base, &opts)?;
    let policy = SelectionPolicy::default();
    let cities = loaded.corpus.cities();

    for round in 0..rounds {
        // Baseline: apply the batch to the corpus, analyse it all again, select every city.
        let mut updated = loaded.clone();
        let t = Instant::now();
        corpus::load_batch(&mut updated, &batch, &opts)?;
        let engine = Engine::for_corpus(&updated.corpus)?;
        let analysis = engine.analyze(&updated.corpus, None);
        for city in &cities {
            analysis.select(city, &policy, None)?;
        }
        let full_s = t.elapsed().as_secs_f64();
        drop(analysis);
        drop(updated);

        let store = Store::build(loaded.clone(), StoreOptions::default())?;
        let t = Instant::now();
        let mut marks: Vec<(Step, f64)> = Vec::new();
        let report = store.apply_batch_with(&batch, &mut |step| {
            marks.push((step, t.elapsed().as_secs_f64()))
        })?;
        let snapshot = store.snapshot();
        for city in &cities {
            snapshot.select(city, &policy, None)?;
        }
        let store_s = t.elapsed().as_secs_f64();
        let steps: Vec<String> = marks
            .iter()
            .map(|(s, at)| format!("\"{}\":{at:.3}", s.name()))
            .collect();
        println!(
            "{{\"round\":{round},\"full_reanalysis_s\":{full_s:.3},\"store_s\":{store_s:.3},\"ratio\":{:.2},\"docs_read\":{},\"docs_reused\":{},\"steps\":{{{}}}}}",
            full_s / store_s,
            report.docs_read,
            report.docs_reused,
            steps.join(",")
        );
    }
    Ok(())
}
