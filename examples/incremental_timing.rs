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

mod support;
use support::cpu_seconds;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> jingxuan::Result<()> {
    support::allocator::keep_freed_memory();
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

    if std::env::var_os("BREAKDOWN").is_some() {
        breakdown(&loaded, &batch, &opts)?;
        return Ok(());
    }
    // STORE_ONLY=1: time the store's update alone (no full re-analysis beside it).
    let store_only = std::env::var_os("STORE_ONLY").is_some();
    for round in 0..rounds {
        // Baseline: apply the batch to the corpus, analyse it all again, select every city.
        let mut updated = if store_only {
            Default::default()
        } else {
            loaded.clone()
        };
        let t = Instant::now();
        if !store_only {
            corpus::load_batch(&mut updated, &batch, &opts)?;
            let engine = Engine::for_corpus(&updated.corpus)?;
            let analysis = engine.analyze(updated.corpus.clone(), None);
            for city in &cities {
                analysis.select(city, &policy, &Default::default())?;
            }
        }
        let full_s = t.elapsed().as_secs_f64();
        drop(updated);

        let store = Store::build(loaded.clone(), StoreOptions::default())?;
        perf_pause();
        let t = Instant::now();
        let cpu = cpu_seconds();
        let mut marks: Vec<(Step, f64)> = Vec::new();
        let report = store.apply_batch_with(&batch, &mut |step| {
            marks.push((step, t.elapsed().as_secs_f64()))
        })?;
        let snapshot = store.snapshot();
        for city in &cities {
            snapshot.select(city, &policy, &Default::default())?;
        }
        let store_s = t.elapsed().as_secs_f64();
        let store_cpu_s = cpu_seconds().zip(cpu).map_or(f64::NAN, |(b, a)| b - a);
        let steps: Vec<String> = marks
            .iter()
            .map(|(s, at)| format!("\"{}\":{at:.3}", s.name()))
            .collect();
        println!(
            "{{\"round\":{round},\"full_reanalysis_s\":{full_s:.3},\"store_s\":{store_s:.3},\"store_cpu_s\":{store_cpu_s:.3},\"ratio\":{:.2},\"docs_read\":{},\"docs_reused\":{},\"steps\":{{{}}}}}",
            full_s / store_s,
            report.docs_read,
            report.docs_reused,
            steps.join(",")
        );
    }
    Ok(())
}

/// Seconds of each stage an incremental update repeats over the whole corpus.
fn breakdown(
    loaded: &corpus::Loaded,
    batch: &std::path::Path,
    opts: &LoadOptions,
) -> jingxuan::Result<()> {
    use jingxuan::evidence::link::NoteLinks;
    use jingxuan::evidence::EvidenceSet;
    let engine = Engine::for_corpus(&loaded.corpus)?;
    let before = engine.analyze(loaded.corpus.clone(), None);
    perf_pause();
    let sentiment = jingxuan::evidence::sentiment::SentimentModel::new()?;
    let t = Instant::now();
    let updated = corpus::load_batch_onto(&loaded.corpus, &loaded.commercial, batch, opts)?;
    let load = t.elapsed().as_secs_f64();
    let c = &updated.corpus;
    let as_of = c
        .latest_timestamp()
        .unwrap_or(jingxuan::corpus::Timestamp::from_unix(0));
    let t = Instant::now();
    let links = NoteLinks::build(c);
    let link = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let evidence = EvidenceSet::extract_reusing(
        c,
        &links,
        engine.analyzer(),
        &sentiment,
        Some(before.evidence()),
    );
    let extract = t.elapsed().as_secs_f64();
    // Cities whose learned model was trained again (its training set changed): every text
    // of such a city is read again by the model, the update's largest inherent cost.
    let fingerprints = |e: &EvidenceSet| -> Vec<(String, u64)> {
        e.readers
            .iter()
            .flat_map(|r| {
                r.by_city
                    .iter()
                    .map(|(c, r)| (c.clone(), r.model.fingerprint))
            })
            .collect()
    };
    let (old, new) = (fingerprints(before.evidence()), fingerprints(&evidence));
    let retrained: Vec<&str> = new
        .iter()
        .filter(|n| !old.contains(n))
        .map(|(c, _)| c.as_str())
        .collect();
    println!("{{\"retrained_cities\":{retrained:?}}}");
    let t = Instant::now();
    let trust = jingxuan::trust::assess(c, &evidence, as_of);
    let trust_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let commercial = jingxuan::trust::sponsored::detect(c, &evidence);
    let sponsored_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cred = jingxuan::trust::author::credibility(c, &evidence, as_of, &commercial);
    let cred_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let groups = jingxuan::trust::duplicate::detect(&evidence, &commercial, &|m| {
        c.merchants.get(m).map(|m| m.city.as_str())
    });
    let dup_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    // The detector the assessment runs (the reference `detect` takes about twice as long).
    let col = jingxuan::trust::collusion::detect_indexed(&[(&evidence, &commercial)]);
    let col_s = t.elapsed().as_secs_f64();
    println!("{{\"sponsored\":{sponsored_s:.3},\"credibility\":{cred_s:.3},\"duplicate\":{dup_s:.3},\"collusion\":{col_s:.3},\"groups\":{},\"col\":{},\"authors\":{}}}", groups.len(), col.len(), cred.len());
    let t = Instant::now();
    let counted = jingxuan::reputation::counted(&evidence, &trust, as_of, &Default::default())?;
    let counted_s = t.elapsed().as_secs_f64();
    println!("{{\"load_batch\":{load:.3},\"links\":{link:.3},\"extract_reusing\":{extract:.3},\"trust\":{trust_s:.3},\"counted\":{counted_s:.3},\"items\":{}}}", counted.len());
    Ok(())
}

/// PERF_PAUSE=S: a window of S seconds, before the update, to attach a profiler to the
/// update alone (the process id is printed on stderr).
fn perf_pause() {
    if let Some(s) = std::env::var("PERF_PAUSE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        eprintln!("ready {}", std::process::id());
        std::thread::sleep(std::time::Duration::from_secs(s));
    }
}
