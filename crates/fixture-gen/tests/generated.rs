//! The generated corpus obeys the input contract, is reproducible, and its planted truth
//! is what the truth file says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

mod common;

use common::*;
use jingxuan_fixture_gen::{generate_to_memory, unix_of, City, GenConfig, DEFAULT_AS_OF};
use serde_json::Value;

fn small() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| Corpus {
        files: generate_to_memory(&GenConfig::small()),
    })
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
