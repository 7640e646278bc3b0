//! Compares the trust stage's discounts with a generated corpus's planted truth: for each
//! planted document label, how many of its (document, merchant) pieces of evidence were
//! discounted, and by what.
//!
//! ```sh
//! cargo run --release --example trust_audit -- fixtures/demo
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::Engine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir: PathBuf = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/demo".into())
        .into();
    let mut label: BTreeMap<String, String> = BTreeMap::new();
    for line in std::fs::read_to_string(dir.join("truth.jsonl"))?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let (Some(id), Some(l)) = (v["doc_id"].as_str(), v["label"].as_str()) {
            label.insert(id.to_string(), l.to_string());
        }
    }
    let loaded = corpus::load(&dir, &LoadOptions::default())?;
    let engine = Engine::for_corpus(&loaded.corpus)?;
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    // label → (evidence, discounted, discount kind → count)
    let mut table: BTreeMap<&str, (u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
    for (e, w) in analysis
        .evidence()
        .items
        .iter()
        .zip(&analysis.trust().weights)
    {
        let d = analysis.evidence().doc(e);
        let l = label
            .get(d.id.as_str())
            .map_or("unlabelled", String::as_str);
        let row = table.entry(l).or_default();
        row.0 += 1;
        if !w.discounts.is_empty() {
            row.1 += 1;
        }
        for x in &w.discounts {
            let kind = serde_json::to_value(x)?["kind"]
                .as_str()
                .unwrap_or("?")
                .to_string();
            *row.2.entry(kind).or_insert(0) += 1;
        }
    }
    println!("| planted label | evidence | discounted | by |");
    println!("|---|---|---|---|");
    for (l, (n, k, by)) in table {
        let by: Vec<String> = by.iter().map(|(d, c)| format!("{d} {c}")).collect();
        println!(
            "| {l} | {n} | {k} ({:.0}%) | {} |",
            100.0 * k as f64 / n as f64,
            by.join(", ")
        );
    }
    Ok(())
}
