use jingxuan::corpus::{self, LoadOptions, MerchantStatus};
use jingxuan::reputation::ScoringConfig;
use jingxuan::Engine;
use std::collections::BTreeMap;
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    for (k, &i) in idx.iter().enumerate() {
        r[i] = k as f64;
    }
    r
}
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let mut q = BTreeMap::new();
    for line in std::fs::read_to_string(dir.join("truth.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(x) = v["quality"].as_f64() {
            q.insert(v["merchant_id"].as_str().unwrap().to_string(), x);
        }
    }
    let loaded = corpus::load(&dir, &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let a = engine.analyze(&loaded.corpus, None);
    for z in [0.0, 0.5, 1.0, 1.28] {
        for k in [1.0, 2.0, 3.0, 5.0] {
            for hl in [365.0, 730.0, 100000.0] {
                let cfg = ScoringConfig {
                    z,
                    prior_weight: k,
                    half_life_days: hl,
                    ..ScoringConfig::default()
                };
                let mut tot = 0.0;
                for city in loaded.corpus.cities() {
                    let b = a.score_city_with(&city, &cfg).unwrap();
                    let rows: Vec<_> = b
                        .merchants
                        .iter()
                        .filter(|s| {
                            loaded.corpus.merchants[&s.merchant_id].status == MerchantStatus::Open
                        })
                        .collect();
                    let s: Vec<f64> = rows.iter().map(|r| r.score).collect();
                    let t: Vec<f64> = rows.iter().map(|r| q[&r.merchant_id]).collect();
                    tot += spearman(&s, &t) / 3.0;
                }
                println!("z={z} k={k} hl={hl} spearman={tot:.3}");
            }
        }
    }
}
