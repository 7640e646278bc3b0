//! Where the pipeline's memory goes: live heap bytes after each stage and the most live
//! during it (a counting allocator over mimalloc), beside the process's resident memory.
//!
//! ```sh
//! cargo build --release --example memory_profile
//! RAYON_NUM_THREADS=2 target/release/examples/memory_profile bench-corpora/100k
//! ```
//!
//! Prints one line per stage: `live` = heap bytes held at its end, `peak` = the most held
//! during it, `rss` / `hwm` = the process's resident memory now and at its highest
//! (`VmRSS` / `VmHWM`). Stages: loading, the engine (dictionary and lexicons), links,
//! extraction (every text read), each part of trust (commercial content, credibility,
//! lock-step groups, templates), then the whole `Engine::analyze` and the on-disk index
//! build, as `pipeline_timing` runs them. The gap between `rss` and `live` is what the
//! allocator holds beyond live data; `peak` above `live` is what a stage allocated on the
//! way and gave back. The counting costs a few percent of time: time with
//! `pipeline_timing`, not with this.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::evidence::link::NoteLinks;
use jingxuan::evidence::{EvidenceSet, SentimentModel};
use jingxuan::index::SearchIndex;
use jingxuan::text::Analyzer;
use jingxuan::trust::{author, collusion, duplicate, sponsored};
use jingxuan::Engine;

/// mimalloc (as the command and the timing examples use), counting live bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is passed on to mimalloc unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `VmRSS:` / `VmHWM:` of this process, in MB.
fn status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Prints the stage's line and starts the next stage's peak from what is live now.
fn mark(stage: &str) {
    let mb = |b: usize| b as f64 / (1024.0 * 1024.0);
    println!(
        "{stage:>12}  live {:6.0} MB  peak {:6.0} MB  rss {:6.0} MB  hwm {:6.0} MB",
        mb(LIVE.load(Relaxed)),
        mb(PEAK.load(Relaxed)),
        status_mb("VmRSS:"),
        status_mb("VmHWM:"),
    );
    PEAK.store(LIVE.load(Relaxed), Relaxed);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: memory_profile CORPUS_DIR")?;
    let loaded = corpus::load(std::path::Path::new(&dir), &LoadOptions::default())?;
    let corpus = Arc::new(loaded.corpus);
    mark("load");

    // The stages one by one, as `Engine::analyze` runs them.
    {
        let analyzer = Analyzer::builder().words(corpus.merchant_names()).build();
        let sentiment = SentimentModel::new()?;
        mark("engine");
        let links = NoteLinks::build(&corpus);
        mark("links");
        let evidence = EvidenceSet::extract(&corpus, &links, &analyzer, &sentiment);
        mark("extract");
        let as_of = corpus.latest_timestamp().unwrap_or(Timestamp::from_unix(0));
        let commercial = sponsored::detect(&corpus, &evidence);
        mark("commercial");
        let credibility = author::credibility(&corpus, &evidence, as_of, &commercial);
        mark("credibility");
        // The detector the assessment runs (`detect` is its slower reference).
        let groups = collusion::detect_indexed(&[(&evidence, &commercial)]);
        mark("groups");
        let city = |m: &str| corpus.merchants.get(m).map(|m| m.city.as_str());
        let templates = duplicate::detect(&evidence, &commercial, &city);
        mark("templates");
        drop((credibility, groups, templates, commercial));
        let docs = evidence.docs.len().max(1) as f64;
        // Cues are not kept (an analysis's readings leave them out).
        let terms: usize = evidence.docs.iter().map(|d| d.terms.len()).sum();
        println!(
            "{:>12}  {} documents, {} evidence items, {:.1} terms per document",
            "",
            evidence.docs.len(),
            evidence.items.len(),
            terms as f64 / docs,
        );
    }
    mark("dropped");

    // The whole analysis and the index, as `pipeline_timing` runs them.
    let engine = Engine::for_corpus(&corpus)?;
    mark("engine");
    let analysis = engine.analyze(Arc::clone(&corpus), None);
    mark("analyze");
    let tmp = std::env::temp_dir().join(format!("jingxuan-memory-{}", std::process::id()));
    let indexed = (|| -> jingxuan::Result<()> {
        let index = SearchIndex::open_or_create(&tmp, engine.analyzer().clone())?;
        let mut writer = index.writer()?;
        writer.add_analysis(&analysis)?;
        mark("index add");
        writer.commit()?;
        mark("index commit");
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    indexed?;
    Ok(())
}
