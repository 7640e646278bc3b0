//! Prints the analyzer's throughput next to raw jieba search mode (HMM off) on ~1 MB of real
//! reviews, one review per call, best of four alternating one-second rounds each, timed on the CPU
//! (the thread's own run time, so that load from other processes counts less):
//! `cargo run --release --example analyzer_throughput [-- --json]` (`--json`: one JSON line).

use std::time::{Duration, Instant};

use jieba_rs::Jieba;
use jingxuan::text::Analyzer;

#[path = "../benches/support/asap.rs"]
mod asap;

/// Seconds this thread has spent on a CPU (Linux `schedstat`), so that other processes
/// on a shared machine do not count against either side; wall time where unavailable.
fn on_cpu_seconds(wall: Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or_else(|| wall.elapsed().as_secs_f64(), |ns| ns as f64 / 1e9)
}

/// Runs `f` repeatedly for at least `budget` and returns MB/s over `bytes` per run, per
/// second on a CPU.
fn mb_per_s(bytes: usize, budget: Duration, mut f: impl FnMut() -> usize) -> f64 {
    std::hint::black_box(f()); // warm-up
    let epoch = Instant::now();
    let start = on_cpu_seconds(epoch);
    let mut runs = 0u32;
    while epoch.elapsed() < budget {
        std::hint::black_box(f());
        runs += 1;
    }
    (bytes as f64 * f64::from(runs)) / (on_cpu_seconds(epoch) - start) / 1e6
}

fn main() {
    let reviews = asap::reviews(1 << 20);
    let bytes: usize = reviews.iter().map(String::len).sum();

    let t = Instant::now();
    let analyzer = Analyzer::default();
    let build = t.elapsed();
    let jieba = Jieba::new();

    // Alternate short rounds and keep each side's best, so load from other processes
    // on a shared machine skews the ratio less.
    let budget = Duration::from_secs(1);
    let mut out = Vec::new();
    let (mut ours, mut raw) = (0f64, 0f64);
    for _ in 0..4 {
        ours = ours.max(mb_per_s(bytes, budget, || {
            reviews
                .iter()
                .map(|r| {
                    analyzer.analyze_into(r, &mut out);
                    out.len()
                })
                .sum()
        }));
        raw = raw.max(mb_per_s(bytes, budget, || {
            reviews
                .iter()
                .map(|r| jieba.cut_for_search(r, false).len())
                .sum()
        }));
    }
    if std::env::args().any(|a| a == "--json") {
        println!(
            "{{\"analyzer_mb_s\":{ours:.2},\"jieba_mb_s\":{raw:.2},\"ratio\":{:.3}}}",
            ours / raw
        );
        return;
    }
    println!(
        "{} reviews, {:.2} MB; analyzer built in {:.0} ms",
        reviews.len(),
        bytes as f64 / 1e6,
        build.as_secs_f64() * 1e3
    );
    println!("analyzer             {ours:8.2} MB/s");
    println!("jieba cut_for_search {raw:8.2} MB/s");
    println!("ratio analyzer/jieba {:8.2}", ours / raw);
}
