//! The generated world the store tests feed batches from, shared by `tests/store.rs` and
//! `tests/store_soak.rs`: the base holds every merchant and author and part of the
//! writing; a batch adds held-back notes, reviews and visits, edits and deletes
//! documents, edits authors and merchants (rarely adding one, which makes the store read
//! every text again), and records curation decisions.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jingxuan::corpus::Timestamp;
use jingxuan_fixture_gen::{generate_to_memory, GenConfig, DEFAULT_AS_OF};
use proptest::prelude::*;
use serde_json::{json, Value};

const FILES: [&str; 6] = [
    "merchants.jsonl",
    "authors.jsonl",
    "notes.jsonl",
    "reviews.jsonl",
    "visits.jsonl",
    "curation.jsonl",
];

/// The generated world, as lines per file.
pub fn world() -> &'static BTreeMap<&'static str, Vec<String>> {
    static W: OnceLock<BTreeMap<&'static str, Vec<String>>> = OnceLock::new();
    W.get_or_init(|| {
        let config = GenConfig {
            merchants_per_city: 24,
            target_docs: 900,
            ..GenConfig::small()
        };
        let files = generate_to_memory(&config);
        FILES
            .iter()
            .map(|f| {
                let body = files
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(_, b)| b.as_str())
                    .unwrap_or("");
                (*f, body.lines().map(str::to_string).collect())
            })
            .collect()
    })
}

/// Which live record an edit picks: taken modulo the number of records.
pub type Pick = u16;

/// What a batch does, in numbers proptest can shrink.
#[derive(Debug, Clone)]
pub struct BatchSpec {
    /// Held-back notes, reviews and visits to add (a share of each pool, in tenths).
    pub add_tenths: u8,
    pub edit_docs: Vec<Pick>,
    pub delete_docs: Vec<Pick>,
    pub edit_authors: Vec<Pick>,
    pub edit_merchant: Option<Pick>,
    /// Tombstone a merchant (its older documents stay; later ones may not name it).
    pub delete_merchant: Option<Pick>,
    pub new_merchant: bool,
    pub curation: Option<(Pick, u8)>,
}

pub fn batch_spec() -> impl Strategy<Value = BatchSpec> {
    (
        0u8..=4,
        prop::collection::vec(any::<u16>(), 0..6),
        prop::collection::vec(any::<u16>(), 0..4),
        prop::collection::vec(any::<u16>(), 0..3),
        prop::option::weighted(0.3, any::<u16>()),
        prop::option::weighted(0.15, any::<u16>()),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.4, (any::<u16>(), 0u8..3)),
    )
        .prop_map(
            |(
                add_tenths,
                edit_docs,
                delete_docs,
                edit_authors,
                edit_merchant,
                delete_merchant,
                new_merchant,
                curation,
            )| {
                BatchSpec {
                    add_tenths,
                    edit_docs,
                    delete_docs,
                    edit_authors,
                    edit_merchant,
                    delete_merchant,
                    new_merchant,
                    curation,
                }
            },
        )
}

/// The test's own record of the corpus, to make edits against: live records by file, by
/// id, and what is still held back.
pub struct Scenario {
    pub root: PathBuf,
    pub live: BTreeMap<&'static str, BTreeMap<String, Value>>,
    pub pending: BTreeMap<&'static str, Vec<String>>,
    pub batches: Vec<PathBuf>,
    pub seq: usize,
    /// Merchants tombstoned so far: no later record may name them.
    pub deleted_merchants: std::collections::BTreeSet<String>,
}

impl Scenario {
    /// Writes the base corpus: every merchant and author, ~60% of the rest.
    pub fn new(root: &Path) -> Scenario {
        let mut s = Scenario {
            root: root.to_path_buf(),
            live: BTreeMap::new(),
            pending: BTreeMap::new(),
            batches: Vec::new(),
            seq: 0,
            deleted_merchants: Default::default(),
        };
        let base = root.join("base");
        fs::create_dir_all(&base).unwrap();
        for (file, lines) in world() {
            let keep = match *file {
                "merchants.jsonl" | "authors.jsonl" => lines.len(),
                _ => lines.len() * 6 / 10,
            };
            fs::write(base.join(file), lines[..keep].join("\n") + "\n").unwrap();
            for l in &lines[..keep] {
                s.remember(file, l);
            }
            s.pending.insert(file, lines[keep..].to_vec());
        }
        s
    }

    pub fn base(&self) -> PathBuf {
        self.root.join("base")
    }

    pub fn remember(&mut self, file: &'static str, line: &str) {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(id) = v.get("id").and_then(Value::as_str) {
            let id = id.to_string();
            let map = self.live.entry(file).or_default();
            if v.get("deleted") == Some(&Value::Bool(true)) {
                map.remove(&id);
            } else {
                map.insert(id, v);
            }
        }
    }

    pub fn pick(&self, file: &str, i: &Pick) -> Option<Value> {
        let map = self.live.get(file)?;
        if map.is_empty() {
            return None;
        }
        map.values()
            .nth(usize::from(*i) % map.len())
            .filter(|v| !self.names_deleted(v) && !self.is_tombstoned(file, v))
            .cloned()
    }

    /// Whether `v` is a merchant tombstoned earlier in the batch being written (`live` learns
    /// of the tombstone only once the batch is written): editing or curating it after its
    /// tombstone would name an unknown merchant, which the loader refuses.
    pub fn is_tombstoned(&self, file: &str, v: &Value) -> bool {
        file == "merchants.jsonl"
            && v["id"]
                .as_str()
                .is_some_and(|id| self.deleted_merchants.contains(id))
    }

    /// Whether a record names a tombstoned merchant (as its merchant or its author's).
    pub fn names_deleted(&self, v: &Value) -> bool {
        let named = |x: &Value| {
            x.as_str()
                .is_some_and(|id| self.deleted_merchants.contains(id))
        };
        named(&v["merchant_id"])
            || v["merchant_ids"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(named))
    }

    /// Writes one batch folder from `spec` and returns it.
    pub fn batch(&mut self, spec: &BatchSpec) -> PathBuf {
        self.seq += 1;
        let dir = self.root.join(format!("batch-{}", self.seq));
        fs::create_dir_all(&dir).unwrap();
        let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        if let Some(i) = &spec.delete_merchant {
            if let Some(m) = self.pick("merchants.jsonl", i) {
                let id = m["id"].as_str().unwrap_or_default().to_string();
                out.entry("merchants.jsonl")
                    .or_default()
                    .push(json!({"id": id, "deleted": true}).to_string());
                self.deleted_merchants.insert(id);
                let gone = self.deleted_merchants.clone();
                for pool in self.pending.values_mut() {
                    pool.retain(|l| {
                        let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
                        let named = |x: &Value| x.as_str().is_some_and(|id| gone.contains(id));
                        !(named(&v["merchant_id"])
                            || v["merchant_ids"]
                                .as_array()
                                .is_some_and(|ids| ids.iter().any(named)))
                    });
                }
            }
        }
        for file in ["notes.jsonl", "reviews.jsonl", "visits.jsonl"] {
            let pool = self.pending.get_mut(file).unwrap();
            let n = (world()[file].len() / 10 * usize::from(spec.add_tenths) / 4).min(pool.len());
            out.entry(file).or_default().extend(pool.drain(..n));
        }
        if spec.new_merchant {
            let id = format!("m-new-{:03}", self.seq);
            out.entry("merchants.jsonl").or_default().push(
                json!({"id": id, "name": format!("新开小馆{}号", self.seq), "city": "杭州",
                       "district": "西湖区", "category": "美食/杭帮菜"})
                .to_string(),
            );
            out.entry("reviews.jsonl").or_default().push(
                json!({"id": format!("r-new-{:03}", self.seq), "author_id": "u-000001",
                       "merchant_id": id, "created_at": "2025-10-20T12:00:00+08:00",
                       "rating": 4.5, "text": format!("新开小馆{}号的片儿川很好吃，推荐", self.seq)})
                .to_string(),
            );
        }
        if let Some(i) = &spec.edit_merchant {
            if let Some(mut m) = self.pick("merchants.jsonl", i) {
                m["district"] = json!("新区");
                out.entry("merchants.jsonl")
                    .or_default()
                    .push(m.to_string());
            }
        }
        for (k, i) in spec.edit_authors.iter().enumerate() {
            if let Some(mut a) = self.pick("authors.jsonl", i) {
                let verified = a.get("verified").and_then(Value::as_bool).unwrap_or(false);
                a["verified"] = json!(!verified);
                a["followers"] = json!(10_000 * (k + 1));
                out.entry("authors.jsonl").or_default().push(a.to_string());
            }
        }
        for (k, i) in spec.edit_docs.iter().enumerate() {
            let file = if k % 2 == 0 {
                "notes.jsonl"
            } else {
                "reviews.jsonl"
            };
            if let Some(mut d) = self.pick(file, i) {
                if file == "notes.jsonl" {
                    let body = d["body"].as_str().unwrap_or("").to_string();
                    d["body"] = json!(format!("{body} 二刷踩雷了，不推荐"));
                } else {
                    d["rating"] = json!(1.0 + (k % 5) as f64);
                    d["text"] = json!("环境好但是难吃，服务也一般");
                }
                out.entry(file).or_default().push(d.to_string());
            }
        }
        for (k, i) in spec.delete_docs.iter().enumerate() {
            let file = if k % 2 == 0 {
                "reviews.jsonl"
            } else {
                "notes.jsonl"
            };
            if let Some(d) = self.pick(file, i) {
                out.entry(file)
                    .or_default()
                    .push(json!({"id": d["id"], "deleted": true}).to_string());
            }
        }
        if let Some((i, d)) = &spec.curation {
            if let Some(m) = self.pick("merchants.jsonl", i) {
                let decision = ["approve", "hold", "exclude"][usize::from(*d)];
                out.entry("curation.jsonl").or_default().push(
                    json!({"merchant_id": m["id"], "decision": decision, "reason": "复核",
                           "by": "ops", "at": format!("2025-10-10T{:02}:{:02}:00+08:00",
                           10 + self.seq / 60 % 14, self.seq % 60)})
                    .to_string(),
                );
            }
        }
        for (file, lines) in &out {
            fs::write(dir.join(file), lines.join("\n") + "\n").unwrap();
            for l in lines {
                self.remember(file, l);
            }
        }
        self.batches.push(dir.clone());
        dir
    }
}

pub fn fixed_as_of() -> Option<Timestamp> {
    Some(Timestamp::from_unix(DEFAULT_AS_OF))
}
