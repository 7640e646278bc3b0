//! Money can never move a score: property tests over generated corpora.
//!
//! 1. Any change to any merchant's `commercial` object leaves every score, flag, eligibility
//!    and rank bit-for-bit identical.
//! 2. Adding any number of declared-sponsored notes, by any accounts, praising a merchant
//!    never raises its score.

use std::path::Path;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::reputation::Scoreboard;
use jingxuan::Engine;
use jingxuan_fixture_gen::{generate, City, GenConfig};
use proptest::prelude::*;
use serde_json::{json, Value};

fn small_world(seed: u64, dir: &Path) {
    let mut config = GenConfig::with_target_docs(900);
    config.cities = vec![City::Hangzhou];
    config.merchants_per_city = 30;
    config.seed = seed;
    generate(&config, dir).unwrap();
}

fn boards(dir: &Path) -> Vec<Scoreboard> {
    let loaded = corpus::load(dir, &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(&loaded.corpus, None);
    loaded
        .corpus
        .cities()
        .iter()
        .map(|c| analysis.score_city(c).unwrap())
        .collect()
}

/// Everything a score carries, with floats as bits so that "equal" means bit-for-bit.
fn fingerprint(boards: &[Scoreboard]) -> Vec<String> {
    boards
        .iter()
        .flat_map(|b| {
            b.merchants.iter().enumerate().map(|(rank, s)| {
                format!(
                    "{rank} {} {:x} {:x} {:x} {} {}",
                    s.merchant_id,
                    s.score.to_bits(),
                    s.mean.to_bits(),
                    s.credible_weight.to_bits(),
                    s.eligible,
                    serde_json::to_string(&s.flags).unwrap()
                )
            })
        })
        .collect()
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: String = lines.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn commercial() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        (
            0.0f64..1e7,
            any::<bool>(),
            0u8..=90,
            0.0f64..0.5,
            "[a-z_]{1,12}"
        )
            .prop_map(|(spend, partner, discount, commission, extra)| {
                Some(json!({
                    "ad_spend_30d": spend,
                    "paid_partner": partner,
                    "discount_pct": discount,
                    "commission_rate": commission,
                    extra: "独家合作"
                }))
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn commercial_data_never_changes_a_score(
        seed in 0u64..1_000,
        changes in prop::collection::vec((0usize..30, commercial()), 1..30),
    ) {
        let dir = tempfile::tempdir().unwrap();
        small_world(seed, dir.path());
        let before = fingerprint(&boards(dir.path()));

        let path = dir.path().join("merchants.jsonl");
        let mut merchants = read_lines(&path);
        let count = merchants.len();
        for (k, terms) in &changes {
            let m = &mut merchants[k % count];
            match terms {
                Some(t) => m["commercial"] = t.clone(),
                None => {
                    m.as_object_mut().unwrap().remove("commercial");
                }
            }
        }
        write_lines(&path, &merchants);
        prop_assert_eq!(fingerprint(&boards(dir.path())), before);
    }

    #[test]
    fn declared_sponsored_notes_never_raise_a_score(
        seed in 0u64..1_000,
        target in 0usize..30,
        authors in prop::collection::vec(0usize..10_000, 1..25),
    ) {
        let dir = tempfile::tempdir().unwrap();
        small_world(seed, dir.path());
        let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
        let merchant = loaded.corpus.merchants.values().nth(target % loaded.corpus.merchants.len()).unwrap().clone();
        let author_ids: Vec<String> = loaded.corpus.authors.keys().cloned().collect();
        let score_of = |boards: &[Scoreboard]| {
            boards.iter().flat_map(|b| &b.merchants).find(|s| s.merchant_id == merchant.id).map(|s| s.score).unwrap()
        };
        let before = score_of(&boards(dir.path()));

        let path = dir.path().join("notes.jsonl");
        let mut notes = read_lines(&path);
        let as_of = loaded.corpus.latest_timestamp().unwrap();
        for (i, a) in authors.iter().enumerate() {
            // Existing accounts (influencers, locals, merchant accounts) and new ones alike.
            let author = if a % 3 == 0 { format!("sponsor-{a}") } else { author_ids[a % author_ids.len()].clone() };
            let at = jingxuan::corpus::Timestamp::from_unix(as_of.unix() - 86_400 * (i as i64 + 1));
            notes.push(json!({
                "id": format!("sp-{i}"),
                "author_id": author,
                "created_at": at.to_rfc3339(),
                "title": format!("{}真的绝绝子", merchant.name),
                "body": format!("今天去了{}，救命好吃！环境超好，服务超级热情，强烈推荐，已经二刷了！😋👍", merchant.name),
                "merchant_ids": [merchant.id.clone()],
                "ip_city": merchant.city.clone(),
                "likes": 5000,
                "sponsored": true
            }));
        }
        write_lines(&path, &notes);
        let after = score_of(&boards(dir.path()));
        prop_assert!(after <= before, "{} rose from {before} to {after}", merchant.id);
    }
}
