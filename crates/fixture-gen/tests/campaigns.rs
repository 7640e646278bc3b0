//! The attack space: campaign worlds meet the contract, and every family plants what its
//! truth says it planted.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use common::*;
use jingxuan_fixture_gen::{generate_to_memory, CampaignSpace, City, Direction, Family, GenConfig};
use serde_json::Value;

fn config(families: Vec<Family>, seed: u64) -> GenConfig {
    GenConfig {
        seed,
        cities: vec![City::Shanghai, City::Guangzhou],
        merchants_per_city: 90,
        target_docs: 4_000,
        ..GenConfig::small()
    }
    .with_campaigns(CampaignSpace {
        families,
        per_city: 6,
        seed: seed + 100,
    })
}

/// One world with every family (12 campaigns over two cities).
fn all() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| Corpus {
        files: generate_to_memory(&config(Vec::new(), 5)),
    })
}

/// One world per family.
fn per_family() -> &'static BTreeMap<Family, Corpus> {
    static C: OnceLock<BTreeMap<Family, Corpus>> = OnceLock::new();
    C.get_or_init(|| {
        Family::ALL
            .into_iter()
            .map(|f| {
                let files = generate_to_memory(&config(vec![f], 9));
                (f, Corpus { files })
            })
            .collect()
    })
}

/// Truth lines describing campaigns (keyed by `campaign`, without `doc_id`).
fn campaigns(c: &Corpus) -> BTreeMap<String, Value> {
    c.lines("truth.jsonl")
        .into_iter()
        .filter(|l| l.get("campaign").is_some() && l.get("doc_id").is_none())
        .map(|l| (s(&l, "campaign").to_string(), l))
        .collect()
}

#[test]
fn campaign_worlds_meet_the_contract_and_are_reproducible() {
    check_contract(all(), jingxuan_fixture_gen::DEFAULT_AS_OF);
    check_references(all());
    assert_eq!(all().files, generate_to_memory(&config(Vec::new(), 5)));
    let other = generate_to_memory(&config(Vec::new(), 6));
    assert_ne!(all().files, other);
    for c in per_family().values() {
        check_contract(c, jingxuan_fixture_gen::DEFAULT_AS_OF);
        check_references(c);
    }
}

#[test]
fn the_campaign_space_leaves_the_merchants_alone() {
    let plain = generate_to_memory(&GenConfig {
        campaigns: None,
        ..config(Vec::new(), 5)
    });
    let merchants = |files: &[(String, String)]| {
        files
            .iter()
            .find(|(n, _)| n == "merchants.jsonl")
            .map(|(_, b)| b.clone())
    };
    assert_eq!(merchants(&plain), merchants(&all().files));
}

#[test]
fn every_family_plants_what_its_truth_records() {
    for (&family, c) in per_family() {
        let t = truth(c);
        let name = family.name();
        let runs = campaigns(c);
        assert!(runs.len() >= 2, "{name}: {} campaigns", runs.len());
        for run in runs.values() {
            assert_eq!(s(run, "family"), name);
            assert_eq!(s(run, "direction"), family.direction().as_str());
            assert_eq!(run["tuning"], Value::Bool(family.is_tuning()));
            assert!(run["docs"].as_u64().unwrap_or(0) >= 2, "{name}: {run}");
        }
        // Per-merchant doc counts equal the documents tagged with the campaign.
        let mut aimed: BTreeMap<(String, String), u64> = BTreeMap::new();
        for d in t.docs.values() {
            if d.get("direction").is_some() {
                for m in d["merchant_ids"].as_array().into_iter().flatten() {
                    let key = (
                        m.as_str().unwrap_or("").to_string(),
                        s(d, "campaign").into(),
                    );
                    *aimed.entry(key).or_default() += 1;
                }
                assert_eq!(s(d, "family"), name);
                let label = s(d, "label");
                match family.direction() {
                    Direction::Praise => assert_eq!(label, "campaign"),
                    Direction::Scorn => assert_eq!(label, "attack"),
                }
            }
        }
        for (id, m) in &t.merchants {
            for run in m["campaigns"].as_array().into_iter().flatten() {
                let key = (id.clone(), s(run, "campaign").to_string());
                assert_eq!(
                    run["docs"].as_u64(),
                    Some(aimed.get(&key).copied().unwrap_or(0)),
                    "{name}: {id}"
                );
                let q = m["quality"].as_f64().unwrap_or(0.0);
                match family.direction() {
                    Direction::Praise => {
                        assert!(m["manipulation"].to_string().contains(name), "{name}: {id}")
                    }
                    Direction::Scorn => {
                        assert_eq!(m["attacked"], Value::Bool(true));
                        assert!(q >= 0.7, "{name}: scorn target of quality {q}");
                    }
                }
            }
        }
    }
}

#[test]
fn campaign_reviews_point_their_way() {
    for (&family, c) in per_family() {
        let t = truth(c);
        for r in c.lines("reviews.jsonl") {
            let d = &t.docs[s(&r, "id")];
            let rating = r["rating"].as_f64().unwrap_or(0.0);
            match d["direction"].as_str() {
                Some("praise") => assert!(rating >= 4.5, "{}: {r}", family.name()),
                Some("scorn") => assert!(rating <= 2.0, "{}: {r}", family.name()),
                _ => {}
            }
        }
    }
}

/// Reviews of a family's campaigns (not camouflage), with their texts and authors.
fn aimed_reviews(c: &Corpus) -> Vec<Value> {
    let t = truth(c);
    c.lines("reviews.jsonl")
        .into_iter()
        .filter(|r| t.docs[s(r, "id")].get("direction").is_some())
        .collect()
}

#[test]
fn copied_families_repeat_themselves_and_varied_ones_do_not() {
    let repeats = |f: Family| {
        let texts: Vec<String> = aimed_reviews(&per_family()[&f])
            .iter()
            .map(|r| s(r, "text").to_string())
            .collect();
        let distinct: BTreeSet<&String> = texts.iter().collect();
        (texts.len(), distinct.len())
    };
    let (n, d) = repeats(Family::CopiedScorn);
    assert!(n >= 30 && d * 5 <= n, "copied scorn: {d} distinct of {n}");
    for f in [Family::VariedScorn, Family::ParaphrasedPraise] {
        let (n, d) = repeats(f);
        assert!(
            n >= 30 && d * 10 >= n * 7,
            "{}: {d} distinct of {n}",
            f.name()
        );
    }
}

#[test]
fn accounts_have_the_drawn_ages() {
    // Fresh accounts are 1–30 days old at their first post, aged ones 60–1,500 days.
    for c in per_family().values() {
        let authors = by_id(&c.lines("authors.jsonl"), "id");
        let t = truth(c);
        let mut first: BTreeMap<String, i64> = BTreeMap::new();
        for d in c
            .lines("reviews.jsonl")
            .iter()
            .chain(&c.lines("notes.jsonl"))
        {
            let a = s(d, "author_id");
            // Camouflage may come before the campaign; the age is drawn at its first post.
            let aimed = t.docs[s(d, "id")].get("direction").is_some();
            if aimed && t.authors[a]["group"].is_string() {
                let at = ts(s(d, "created_at"));
                let e = first.entry(a.to_string()).or_insert(at);
                *e = (*e).min(at);
            }
        }
        for (a, at) in first {
            let kind = s(&t.authors[&a], "kind");
            let age = (at - ts(s(&authors[&a], "created_at"))) / DAY;
            assert!(
                (1..=30).contains(&age) || (60..=1_501).contains(&age),
                "{kind} account {a} is {age} days old at its first post"
            );
        }
    }
}

#[test]
fn fake_orders_carry_a_visit_by_the_same_account() {
    let c = &per_family()[&Family::FakeOrders];
    let visits: BTreeSet<(String, String)> = c
        .lines("visits.jsonl")
        .iter()
        .filter(|v| ["redemption", "payment"].contains(&s(v, "kind")))
        .map(|v| {
            (
                s(v, "author_id").to_string(),
                s(v, "merchant_id").to_string(),
            )
        })
        .collect();
    let reviews = aimed_reviews(c);
    assert!(reviews.len() >= 20);
    for r in reviews {
        assert_eq!(r["verified_visit"], Value::Bool(true), "{r}");
        let key = (
            s(&r, "author_id").to_string(),
            s(&r, "merchant_id").to_string(),
        );
        assert!(visits.contains(&key), "{r}");
    }
}

#[test]
fn rings_share_targets_and_review_other_shops() {
    let c = &per_family()[&Family::PraiseRing];
    let t = truth(c);
    let mut hits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut camouflage = 0;
    for r in c.lines("reviews.jsonl") {
        let d = &t.docs[s(&r, "id")];
        if d.get("direction").is_some() {
            hits.entry(s(&r, "author_id").to_string())
                .or_default()
                .insert(s(&r, "merchant_id").to_string());
        } else if s(d, "label") == "camouflage" {
            camouflage += 1;
        }
    }
    let multi = hits.values().filter(|m| m.len() >= 2).count();
    assert!(multi * 2 >= hits.len(), "{multi} of {} members", hits.len());
    assert!(camouflage >= 20, "{camouflage} camouflage reviews");
}

#[test]
fn staff_post_repeatedly_and_some_shops_join_in() {
    let c = &per_family()[&Family::Staff];
    let t = truth(c);
    let mut posts: BTreeMap<String, usize> = BTreeMap::new();
    for d in c
        .lines("reviews.jsonl")
        .iter()
        .chain(&c.lines("notes.jsonl"))
    {
        if t.docs[s(d, "id")].get("direction").is_some() {
            *posts.entry(s(d, "author_id").to_string()).or_default() += 1;
        }
    }
    let kinds: BTreeSet<&str> = posts.keys().map(|a| s(&t.authors[a], "kind")).collect();
    assert!(kinds.contains("staff"), "{kinds:?}");
    assert!(
        kinds.iter().all(|k| ["staff", "merchant"].contains(k)),
        "{kinds:?}"
    );
    for (a, n) in &posts {
        if s(&t.authors[a], "kind") == "staff" {
            assert!(*n >= 2, "{a} posted {n} times");
        }
    }
}

#[test]
fn influencers_are_followed_and_declared_only_when_declared() {
    for (family, declared) in [
        (Family::InfluencerDeclared, true),
        (Family::InfluencerUndeclared, false),
    ] {
        let c = &per_family()[&family];
        let t = truth(c);
        let authors = by_id(&c.lines("authors.jsonl"), "id");
        let notes: Vec<Value> = c
            .lines("notes.jsonl")
            .into_iter()
            .filter(|n| t.docs[s(n, "id")].get("direction").is_some())
            .collect();
        assert!(notes.len() >= 6, "{}", notes.len());
        for n in notes {
            assert_eq!(n["sponsored"] == Value::Bool(true), declared, "{n}");
            let f = authors[s(&n, "author_id")]["followers"]
                .as_u64()
                .unwrap_or(0);
            assert!(f >= 500, "{f} followers");
        }
    }
}

#[test]
fn smears_complain_about_food_safety() {
    let texts: Vec<String> = aimed_reviews(&per_family()[&Family::SafetySmear])
        .iter()
        .map(|r| s(r, "text").to_string())
        .collect();
    let safety = texts
        .iter()
        .filter(|t| {
            ["拉肚子", "不干净", "头发", "虫子", "蟑螂", "苍蝇"]
                .iter()
                .any(|w| t.contains(w))
        })
        .count();
    assert!(
        safety * 4 >= texts.len(),
        "{safety} of {} smears",
        texts.len()
    );
}

#[test]
fn the_honest_world_has_attack_lookalikes() {
    let t = truth(all());
    let mut patterns: BTreeMap<&str, usize> = BTreeMap::new();
    for v in t.merchants.values().chain(t.docs.values()) {
        if let Some(p) = v["pattern"].as_str() {
            *patterns.entry(p).or_default() += 1;
        }
        if v.get("pattern").is_some() {
            assert!(v.get("campaigns").is_none() && v.get("campaign").is_none());
        }
    }
    for p in [
        "viral_week",
        "opening_rush",
        "free_meal_mention",
        "one_shot",
    ] {
        assert!(
            patterns.get(p).copied().unwrap_or(0) >= 2,
            "{p}: {patterns:?}"
        );
    }
    let mentions = all()
        .lines("reviews.jsonl")
        .iter()
        .chain(&all().lines("notes.jsonl"))
        .filter(|d| {
            let text = d["text"].as_str().or(d["body"].as_str()).unwrap_or("");
            text.contains("霸王餐") || text.contains("没有合作")
        })
        .count();
    assert!(mentions >= 5, "{mentions}");
}
