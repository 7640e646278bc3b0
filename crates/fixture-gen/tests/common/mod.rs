//! Shared readers and contract checks for generated corpora.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use jingxuan_fixture_gen::unix_of;
use serde_json::Value;

pub const DAY: i64 = 86_400;

pub struct Corpus {
    pub files: Vec<(String, String)>,
}

impl Corpus {
    pub fn lines(&self, name: &str) -> Vec<Value> {
        let body = self
            .files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_str())
            .unwrap_or("");
        body.lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1))
            })
            .collect()
    }
}

pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing or not a string in {v}"))
}

/// Parses the generator's timestamp shape `YYYY-MM-DDTHH:MM:SS+08:00` strictly.
pub fn ts(text: &str) -> i64 {
    let b = text.as_bytes();
    assert_eq!(b.len(), 25, "timestamp shape: {text}");
    assert!(text.ends_with("+08:00"), "offset: {text}");
    for (i, sep) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
        assert_eq!(b[i], sep, "timestamp separator in {text}");
    }
    let n = |r: std::ops::Range<usize>| -> i64 {
        text[r]
            .parse()
            .unwrap_or_else(|_| panic!("timestamp digits: {text}"))
    };
    let (mo, d, h, mi, se) = (n(5..7), n(8..10), n(11..13), n(14..16), n(17..19));
    assert!((1..=12).contains(&mo) && (1..=31).contains(&d), "{text}");
    assert!(h < 24 && mi < 60 && se < 60, "{text}");
    unix_of(n(0..4), mo, d, h, mi, se)
}

pub fn by_id(lines: &[Value], key: &str) -> BTreeMap<String, Value> {
    lines
        .iter()
        .map(|v| (s(v, key).to_string(), v.clone()))
        .collect()
}

pub fn check_contract(c: &Corpus, as_of: i64) {
    let earliest = as_of - 731 * DAY;
    let merchants = c.lines("merchants.jsonl");
    assert!(merchants.len() >= 30, "{} merchants", merchants.len());
    let mut ids = BTreeSet::new();
    for m in &merchants {
        assert!(ids.insert(s(m, "id").to_string()), "duplicate merchant id");
        assert!(!s(m, "name").is_empty());
        assert!(["上海", "杭州", "广州"].contains(&s(m, "city")));
        let cat = s(m, "category");
        assert!(cat.split('/').count() == 2 && !cat.contains("//"), "{cat}");
        let (lat, lng) = (m["lat"].as_f64(), m["lng"].as_f64());
        let (Some(lat), Some(lng)) = (lat, lng) else {
            panic!("lat and lng both required here: {m}");
        };
        assert!(
            (22.0..32.0).contains(&lat) && (112.0..123.0).contains(&lng),
            "{m}"
        );
        assert!(["open", "closed", "suspended"].contains(&s(m, "status")));
        assert!(m["price_per_person"].as_u64().is_some_and(|p| p > 0));
    }
    for a in c.lines("authors.jsonl") {
        assert!(ts(s(&a, "created_at")) < as_of);
        assert!(a["followers"].as_u64().is_some());
    }
    let mut note_ids = BTreeSet::new();
    for n in c.lines("notes.jsonl") {
        let id = s(&n, "id").to_string();
        let tombstone = n["deleted"].as_bool() == Some(true);
        assert!(
            note_ids.insert(id.clone()) || tombstone,
            "duplicate note {id}"
        );
        let t = ts(s(&n, "created_at"));
        assert!((earliest..=as_of).contains(&t), "{id} at {t}");
        assert!(n["body"].is_string() && !s(&n, "author_id").is_empty());
        for k in ["likes", "collects", "comments", "shares", "images"] {
            assert!(n[k].as_u64().is_some(), "{id}: {k}");
        }
    }
    let mut review_ids = BTreeSet::new();
    for r in c.lines("reviews.jsonl") {
        let id = s(&r, "id").to_string();
        let edit = !review_ids.insert(id.clone());
        let rating = r["rating"].as_f64().unwrap_or(-1.0);
        assert!(
            (1.0..=5.0).contains(&rating) && (rating * 2.0).fract() == 0.0,
            "{id}: {rating}"
        );
        let t = ts(s(&r, "created_at"));
        assert!((earliest..=as_of).contains(&t), "{id}");
        if let Some(asp) = r["aspects"].as_object() {
            for (k, v) in asp {
                assert!(["taste", "environment", "service", "value"].contains(&k.as_str()));
                assert!(
                    v.as_f64().is_some_and(|x| (1.0..=5.0).contains(&x)),
                    "{id}: {k}"
                );
            }
        }
        if edit {
            assert!(
                s(&r, "text").contains("追评"),
                "{id} repeated without being an edit"
            );
        }
    }
    for v in c.lines("visits.jsonl") {
        assert!(["payment", "redemption", "navigation", "checkin"].contains(&s(&v, "kind")));
        assert!(ts(s(&v, "at")) <= as_of);
    }
    for d in c.lines("curation.jsonl") {
        assert!(["approve", "hold", "exclude"].contains(&s(&d, "decision")));
        assert!(!s(&d, "reason").is_empty() && !s(&d, "by").is_empty());
        ts(s(&d, "at"));
    }
}

/// Every reference resolves, and no one writes before their account exists or after the
/// shop closed.
pub fn check_references(c: &Corpus) {
    let merchants = by_id(&c.lines("merchants.jsonl"), "id");
    let authors = by_id(&c.lines("authors.jsonl"), "id");
    let truth_closed: BTreeMap<String, i64> = c
        .lines("truth.jsonl")
        .iter()
        .filter_map(|t| {
            Some((
                t["merchant_id"].as_str()?.to_string(),
                ts(t["closed_at"].as_str()?),
            ))
        })
        .collect();
    let check = |author: &str, merchant_ids: &[&str], at: i64, what: &str| {
        let a = authors
            .get(author)
            .unwrap_or_else(|| panic!("{what}: unknown author {author}"));
        assert!(
            ts(s(a, "created_at")) <= at,
            "{what}: written before {author} existed"
        );
        for m in merchant_ids {
            assert!(merchants.contains_key(*m), "{what}: unknown merchant {m}");
            if let Some(&closed) = truth_closed.get(*m) {
                assert!(at <= closed, "{what}: written after {m} closed");
            }
        }
    };
    for n in c.lines("notes.jsonl") {
        let ms: Vec<&str> = n["merchant_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        check(
            s(&n, "author_id"),
            &ms,
            ts(s(&n, "created_at")),
            s(&n, "id"),
        );
    }
    for r in c.lines("reviews.jsonl") {
        check(
            s(&r, "author_id"),
            &[s(&r, "merchant_id")],
            ts(s(&r, "created_at")),
            s(&r, "id"),
        );
    }
    for v in c.lines("visits.jsonl") {
        check(
            s(&v, "author_id"),
            &[s(&v, "merchant_id")],
            ts(s(&v, "at")),
            "visit",
        );
    }
    for a in authors.values() {
        if let Some(m) = a["merchant_id"].as_str() {
            assert!(merchants.contains_key(m), "商家号 of unknown merchant {m}");
        }
    }
    for d in c.lines("curation.jsonl") {
        assert!(merchants.contains_key(s(&d, "merchant_id")));
    }
}

/// Truth lines split by what they describe.
pub struct Truth {
    pub merchants: BTreeMap<String, Value>,
    pub authors: BTreeMap<String, Value>,
    pub docs: BTreeMap<String, Value>,
}

pub fn truth(c: &Corpus) -> Truth {
    let lines = c.lines("truth.jsonl");
    let pick = |key: &str| {
        let rows: Vec<Value> = lines
            .iter()
            .filter(|l| l.get(key).is_some())
            .cloned()
            .collect();
        by_id(&rows, key)
    };
    Truth {
        merchants: pick("merchant_id"),
        authors: pick("author_id"),
        docs: pick("doc_id"),
    }
}
