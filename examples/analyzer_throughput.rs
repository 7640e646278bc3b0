//! Prints the analyzer's throughput next to raw jieba search mode (HMM off) on ~1 MB of real
//! reviews, one review per call, each side timed on the CPU (the thread's own run time, so
//! that load from other processes counts less), in many short pairs that alternate which
//! side runs first; the ratio is the median of the pairs' ratios and each speed the median
//! of its side (`PAIRS`, default 31, sets how many):
//! `cargo run --release --example analyzer_throughput [-- --json]` (`--json`: one JSON line).
//!
//! Pairs of one pass over the text each (about 30 ms, timed three at a time) rather than best-of-four one-second
//! rounds: on a shared machine the other processes' load drifts over seconds, which moved
//! raw jieba's own speed by 20% between rounds, while the two halves of one short pair see
//! nearly the same machine.

use std::time::Instant;

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

/// Passes over the text per timed sample: the kernel adds up a thread's run time at
/// scheduler ticks and switches, so a sample must be long against a tick (about 100 ms).
const PASSES: u32 = 3;

/// CPU seconds one call of `f` takes (the mean of [`PASSES`] calls).
fn cpu_seconds(f: &mut impl FnMut() -> usize) -> f64 {
    let epoch = Instant::now();
    let start = on_cpu_seconds(epoch);
    for _ in 0..PASSES {
        std::hint::black_box(f());
    }
    (on_cpu_seconds(epoch) - start) / f64::from(PASSES)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let reviews = asap::reviews(1 << 20);
    let bytes: usize = reviews.iter().map(String::len).sum();

    let t = Instant::now();
    let analyzer = Analyzer::default();
    let build = t.elapsed();
    let jieba = Jieba::new();

    let pairs: usize = std::env::var("PAIRS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(31);
    let mut out = Vec::new();
    let mut ours_pass = || {
        reviews
            .iter()
            .map(|r| {
                analyzer.analyze_into(r, &mut out);
                out.len()
            })
            .sum()
    };
    let mut raw_pass = || {
        reviews
            .iter()
            .map(|r| jieba.cut_for_search(r, false).len())
            .sum::<usize>()
    };
    // Warm-up: caches, the allocator, jieba's per-thread scratch.
    for _ in 0..2 {
        std::hint::black_box(ours_pass());
        std::hint::black_box(raw_pass());
    }
    let (mut ours_s, mut raw_s, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..pairs {
        let (o, r) = if k % 2 == 0 {
            let o = cpu_seconds(&mut ours_pass);
            (o, cpu_seconds(&mut raw_pass))
        } else {
            let r = cpu_seconds(&mut raw_pass);
            (cpu_seconds(&mut ours_pass), r)
        };
        ours_s.push(o);
        raw_s.push(r);
        ratios.push(r / o);
    }
    let mb = bytes as f64 / 1e6;
    let ours = mb / median(ours_s);
    let raw = mb / median(raw_s);
    let ratio = median(ratios);
    if std::env::args().any(|a| a == "--json") {
        println!(
            "{{\"analyzer_mb_s\":{ours:.2},\"jieba_mb_s\":{raw:.2},\"ratio\":{ratio:.3},\"pairs\":{pairs}}}"
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
    println!("ratio analyzer/jieba {ratio:8.2} (median of {pairs} pairs)");
}
