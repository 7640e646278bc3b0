//! What the timing examples share: step timers, the process's CPU time and peak memory.
//! (A folder, not `examples/support.rs`, so cargo does not take it for an example.)

#![allow(dead_code)] // each example uses part of it

use std::time::Instant;

// The command's allocator settings, from its own source: call
// `allocator::keep_freed_memory()` first in `main`, so a timing measures what the command
// does.
#[path = "../../cli/src/allocator.rs"]
pub mod allocator;

/// Peak resident set size of this process so far (Linux `VmHWM`), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU seconds (user + system, all threads) this process has used so far, from
/// `/proc/self/stat` (Linux; `None` elsewhere). On a machine shared with other builds a
/// step's CPU time says more than its wall time.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at the last ')' with
    // the state, field 3; utime and stime are fields 14 and 15, in clock ticks (100 per
    // second on Linux's usual configuration).
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// Runs `f` and returns its output with the seconds it took.
pub fn seconds<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

/// Named steps, each timed from the end of the one before.
pub struct Steps {
    start: Instant,
    last: Instant,
    steps: Vec<(&'static str, f64)>,
}

impl Steps {
    pub fn start() -> Self {
        let now = Instant::now();
        Steps {
            start: now,
            last: now,
            steps: Vec::new(),
        }
    }

    /// Ends the current step under `name`.
    pub fn lap(&mut self, name: &'static str) {
        self.steps.push((name, self.last.elapsed().as_secs_f64()));
        self.last = Instant::now();
    }

    /// Seconds since [`Steps::start`].
    pub fn total(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// The steps as JSON fields: `"load_s":1.234,"score_s":0.5`.
    pub fn json_fields(&self) -> String {
        self.steps
            .iter()
            .map(|(k, v)| format!("\"{k}_s\":{v:.3}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}
