//! The generated corpus obeys the input contract, is reproducible, and its planted truth
//! is what the truth file says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use jingxuan_fixture_gen::{generate_to_memory, unix_of, City, GenConfig, DEFAULT_AS_OF};
use serde_json::Value;

const DAY: i64 = 86_400;

struct Corpus {
    files: Vec<(String, String)>,
}

impl Corpus {
    fn lines(&self, name: &str) -> Vec<Value> {
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

fn small() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| Corpus {
        files: generate_to_memory(&GenConfig::small()),
    })
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing or not a string in {v}"))
}

/// Parses the generator's timestamp shape `YYYY-MM-DDTHH:MM:SS+08:00` strictly.
fn ts(text: &str) -> i64 {
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

fn by_id(lines: &[Value], key: &str) -> BTreeMap<String, Value> {
    lines
        .iter()
        .map(|v| (s(v, key).to_string(), v.clone()))
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let again = generate_to_memory(&GenConfig::small());
    assert_eq!(small().files, again);
    let other = generate_to_memory(&GenConfig {
        seed: GenConfig::small().seed + 1,
        ..GenConfig::small()
    });
    for ((name, a), (_, b)) in small().files.iter().zip(&other) {
        assert_ne!(a, b, "{name} did not change with the seed");
    }
}

#[test]
fn committed_fixtures_are_what_the_generator_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    for (dir, config) in [
        ("demo", GenConfig::small()),
        ("demo-notes-only", GenConfig::small().notes_only()),
    ] {
        let files = if dir == "demo" {
            small().files.clone()
        } else {
            generate_to_memory(&config)
        };
        for (name, body) in files {
            let path = root.join(dir).join(&name);
            let committed = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                committed == body,
                "{} differs from the generator; regenerate it (see fixtures/README.md)",
                path.display()
            );
        }
    }
}

#[test]
fn notes_only_is_the_same_world_without_reviews() {
    let notes_only = generate_to_memory(&GenConfig::small().notes_only());
    let names: Vec<&str> = notes_only.iter().map(|(n, _)| n.as_str()).collect();
    assert!(!names.contains(&"reviews.jsonl"));
    for (name, body) in &notes_only {
        if name != "truth.jsonl" {
            let full = small().files.iter().find(|(n, _)| n == name);
            assert_eq!(full.map(|(_, b)| b), Some(body), "{name}");
        }
    }
}

/// Other configurations: other seeds, benchmark sizing, one city, another `as_of`.
fn variants() -> Vec<GenConfig> {
    let mut out: Vec<GenConfig> = (1..=3)
        .map(|seed| GenConfig {
            seed,
            ..GenConfig::with_target_docs(1_500)
        })
        .collect();
    out.push(GenConfig {
        cities: vec![City::Hangzhou],
        merchants_per_city: 60,
        target_docs: 800,
        as_of: unix_of(2024, 3, 1, 9, 30, 0),
        ..GenConfig::small()
    });
    out
}

#[test]
fn every_record_meets_the_contract() {
    check_contract(small(), DEFAULT_AS_OF);
    check_references(small());
    for config in variants() {
        let c = Corpus {
            files: generate_to_memory(&config),
        };
        check_contract(&c, config.as_of);
        check_references(&c);
    }
}

#[test]
fn no_cities_gives_an_empty_corpus() {
    let files = generate_to_memory(&GenConfig {
        cities: Vec::new(),
        ..GenConfig::small()
    });
    let c = Corpus { files };
    assert!(c.lines("merchants.jsonl").is_empty());
    assert!(c.lines("notes.jsonl").is_empty() && c.lines("reviews.jsonl").is_empty());
}

fn check_contract(c: &Corpus, as_of: i64) {
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
fn check_references(c: &Corpus) {
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
struct Truth {
    merchants: BTreeMap<String, Value>,
    authors: BTreeMap<String, Value>,
    docs: BTreeMap<String, Value>,
}

fn truth(c: &Corpus) -> Truth {
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

#[test]
fn truth_covers_everything_and_planted_signals_are_real() {
    let c = small();
    let t = truth(c);
    let merchants = by_id(&c.lines("merchants.jsonl"), "id");
    let authors = by_id(&c.lines("authors.jsonl"), "id");
    let reviews = c.lines("reviews.jsonl");
    let notes = c.lines("notes.jsonl");
    assert_eq!(t.merchants.len(), merchants.len());
    assert_eq!(t.authors.len(), authors.len());
    let kind = |a: &str| s(&t.authors[a], "kind").to_string();
    let label = |d: &str| s(&t.docs[d], "label").to_string();

    let mut labels = BTreeMap::<String, usize>::new();
    for d in t.docs.values() {
        *labels.entry(s(d, "label").to_string()).or_default() += 1;
    }
    for l in [
        "honest",
        "burst",
        "farm",
        "template",
        "soft_ad",
        "declared_ad",
        "self_promo",
        "attack",
    ] {
        assert!(
            labels.get(l).copied().unwrap_or(0) >= 3,
            "too few {l}: {labels:?}"
        );
    }
    let kinds: BTreeSet<String> = t.authors.keys().map(|a| kind(a)).collect();
    for k in [
        "local",
        "verified",
        "influencer",
        "new",
        "farm",
        "merchant",
        "banned",
    ] {
        assert!(kinds.contains(k), "no {k} authors");
    }

    for r in &reviews {
        let id = s(r, "id");
        let author = s(r, "author_id");
        let m = &t.merchants[s(r, "merchant_id")];
        let quality = m["quality"].as_f64().unwrap_or(-1.0);
        let rating = r["rating"].as_f64().unwrap_or(0.0);
        match label(id).as_str() {
            "burst" => {
                assert_eq!(kind(author), "new", "{id}");
                let age = ts(s(r, "created_at")) - ts(s(&authors[author], "created_at"));
                assert!(age <= 20 * DAY, "{id}: burst account {age}s old");
                assert!(rating >= 4.5 && quality < 0.35, "{id}");
                assert!(m["manipulation"].to_string().contains("burst"));
            }
            "attack" => {
                assert_eq!(kind(author), "new", "{id}");
                assert!(rating <= 1.5 && quality > 0.7, "{id}");
                assert_eq!(m["attacked"], Value::Bool(true));
            }
            "farm" => {
                assert_eq!(kind(author), "farm");
                assert_eq!(authors[author]["verified"], Value::Bool(false));
                assert!(t.authors[author]["group"].is_string());
            }
            "self_promo" => {
                assert_eq!(kind(author), "merchant");
                assert!(authors[author]["merchant_id"].is_string());
            }
            _ => {}
        }
    }

    // A farm group reviews a shared set of shops: most of its members hit the same shop.
    let mut ring: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in reviews.iter().filter(|r| label(s(r, "id")) == "farm") {
        let group = s(&t.authors[s(r, "author_id")], "group").to_string();
        ring.entry((group, s(r, "merchant_id").to_string()))
            .or_default()
            .insert(s(r, "author_id").to_string());
    }
    assert!(
        ring.values().filter(|a| a.len() >= 5).count() >= 6,
        "farm rings too thin"
    );

    // Template spam: one skeleton, several different authors.
    let mut by_merchant: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in reviews.iter().filter(|r| label(s(r, "id")) == "template") {
        assert!(s(r, "text").contains("五星好评") || s(r, "text").contains("绝绝子"));
        by_merchant
            .entry(s(r, "merchant_id").to_string())
            .or_default()
            .insert(s(r, "author_id").to_string());
    }
    assert!(by_merchant.values().any(|a| a.len() >= 3));

    for n in &notes {
        let id = s(n, "id");
        match label(id).as_str() {
            "declared_ad" => assert_eq!(n["sponsored"], Value::Bool(true), "{id}"),
            "soft_ad" => assert!(n["sponsored"] != Value::Bool(true), "{id}"),
            _ => {}
        }
    }

    // Money is independent of merit.
    let mean = |paying: bool| {
        let qs: Vec<f64> = merchants
            .values()
            .filter(|m| m["commercial"].is_object() == paying)
            .map(|m| t.merchants[s(m, "id")]["quality"].as_f64().unwrap_or(0.0))
            .collect();
        qs.iter().sum::<f64>() / qs.len().max(1) as f64
    };
    assert!((mean(true) - mean(false)).abs() < 0.06);
}

#[test]
fn honest_ratings_follow_quality() {
    let c = small();
    let t = truth(c);
    let pairs: Vec<(f64, f64)> = c
        .lines("reviews.jsonl")
        .iter()
        .filter(|r| s(&t.docs[s(r, "id")], "label") == "honest")
        .map(|r| {
            let q = t.merchants[s(r, "merchant_id")]["quality"]
                .as_f64()
                .unwrap_or(0.0);
            (q, r["rating"].as_f64().unwrap_or(0.0))
        })
        .collect();
    let n = pairs.len() as f64;
    let (mq, mr) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), (q, r)| (a + q / n, b + r / n));
    let cov: f64 = pairs.iter().map(|(q, r)| (q - mq) * (r - mr)).sum();
    let vq: f64 = pairs.iter().map(|(q, _)| (q - mq).powi(2)).sum();
    let vr: f64 = pairs.iter().map(|(_, r)| (r - mr).powi(2)).sum();
    let corr = cov / (vq * vr).sqrt();
    assert!(corr > 0.6, "rating/quality correlation {corr}");
}

#[test]
fn notes_without_poi_name_their_merchant_in_text() {
    let c = small();
    let t = truth(c);
    let merchants = by_id(&c.lines("merchants.jsonl"), "id");
    let mut unlinked = 0;
    for n in c.lines("notes.jsonl") {
        if n["merchant_ids"].is_array() || n["deleted"].as_bool() == Some(true) {
            continue;
        }
        unlinked += 1;
        let text = format!("{}{}", s(&n, "title"), s(&n, "body"));
        for m in t.docs[s(&n, "id")]["merchant_ids"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let m = &merchants[m.as_str().unwrap_or("")];
            let names: Vec<&str> = std::iter::once(s(m, "name"))
                .chain(
                    m["aliases"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                )
                .collect();
            assert!(
                names.iter().any(|x| text.contains(x)),
                "{} names none of {names:?}",
                s(&n, "id")
            );
        }
    }
    assert!(unlinked >= 100, "only {unlinked} notes without POI tags");
}

#[test]
fn hangzhou_has_a_quiet_coffee_note() {
    let c = small();
    let merchants = by_id(&c.lines("merchants.jsonl"), "id");
    let found = c.lines("notes.jsonl").iter().any(|n| {
        s(n, "body").contains("这家咖啡馆很安静")
            && n["merchant_ids"].as_array().is_some_and(|ids| {
                ids.iter().filter_map(Value::as_str).any(|id| {
                    let m = &merchants[id];
                    s(m, "city") == "杭州" && s(m, "category") == "饮品/咖啡"
                })
            })
    });
    assert!(found);
}

#[test]
fn cities_have_variety() {
    let c = small();
    let merchants = c.lines("merchants.jsonl");
    for city in ["上海", "杭州", "广州"] {
        let here: Vec<&Value> = merchants.iter().filter(|m| s(m, "city") == city).collect();
        let cats: BTreeSet<&str> = here.iter().map(|m| s(m, "category")).collect();
        let districts: BTreeSet<&str> = here.iter().map(|m| s(m, "district")).collect();
        let brands: BTreeMap<&str, usize> =
            here.iter()
                .filter_map(|m| m["brand"].as_str())
                .fold(BTreeMap::new(), |mut acc, b| {
                    *acc.entry(b).or_default() += 1;
                    acc
                });
        assert!(here.len() >= 200, "{city}");
        assert!(cats.len() >= 18, "{city}: {} categories", cats.len());
        assert!(districts.len() >= 5, "{city}");
        assert!(brands.values().any(|&n| n >= 10), "{city}: no big chain");
        assert!(here.iter().any(|m| s(m, "status") == "closed"), "{city}");
        assert!(
            here.iter().any(|m| m["aliases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|a| a.is_ascii())),
            "{city}: no Latin alias"
        );
    }
}

#[test]
fn real_asap_sentences_carry_matching_ratings() {
    let asap_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/asap");
    let mut rows: Vec<String> = Vec::new();
    for f in ["train_sample.csv", "dev_sample.csv", "test_sample.csv"] {
        let text = std::fs::read_to_string(asap_dir.join(f)).unwrap_or_default();
        rows.extend(text.lines().skip(1).map(str::to_string));
    }
    assert!(rows.len() >= 290, "ASAP sample missing under data/asap");
    // The star is the first `,N.0,` after the review body.
    let star_after = |row: &str, at: usize| -> Option<f64> {
        let rest = &row[at..];
        (1..=5)
            .filter_map(|n| rest.find(&format!(",{n}.0,")).map(|p| (p, n)))
            .min()
            .map(|(_, n)| n as f64)
    };
    let t = truth(small());
    let (mut borrowed, mut total, mut off_by) = (0usize, 0usize, 0.0f64);
    for r in small().lines("reviews.jsonl") {
        if s(&t.docs[s(&r, "id")], "label") != "honest" {
            continue;
        }
        let Some(text) = r["text"].as_str() else {
            continue;
        };
        total += 1;
        let rating = r["rating"].as_f64().unwrap_or(0.0);
        // A clause of 12+ characters found verbatim in the sample is borrowed text.
        let star = text
            .split(['，', '。'])
            .filter(|c| c.chars().count() >= 12)
            .find_map(|clause| {
                rows.iter()
                    .find_map(|row| row.find(clause).and_then(|at| star_after(row, at)))
            });
        if let Some(star) = star {
            borrowed += 1;
            off_by += (star - rating).abs();
        }
    }
    assert!(
        borrowed * 10 > total,
        "{borrowed} of {total} reviews use ASAP text"
    );
    let mean_off = off_by / borrowed.max(1) as f64;
    assert!(
        mean_off <= 0.6,
        "borrowed sentences are {mean_off} stars off their rating"
    );
}
