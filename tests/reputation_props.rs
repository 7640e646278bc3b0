//! Money can never move a score: property tests over generated corpora.
//!
//! 1. Any change to any merchant's `commercial` value — well-formed or malformed (not an
//!    object, past the caps) — leaves every loaded merchant, score, flag, eligibility, rank
//!    and selected list bit-for-bit identical, in strict and lenient mode: validation of
//!    money data cannot drop a merchant either.
//! 2. Adding any number of declared-sponsored notes, by any accounts, praising a merchant
//!    never raises its score.

use std::path::Path;

use jingxuan::corpus::{self, LoadOptions, Mode};
use jingxuan::reputation::Scoreboard;
use jingxuan::selection::SelectionPolicy;
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
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    loaded
        .corpus
        .cities()
        .iter()
        .map(|c| Scoreboard::clone(&analysis.score_city(c).unwrap()))
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

/// The merchants loaded, every board, and every city's selected list, in `mode`.
fn outcome(dir: &Path, mode: Mode) -> Vec<String> {
    let opts = LoadOptions {
        mode,
        ..LoadOptions::default()
    };
    let loaded = corpus::load(dir, &opts).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let mut out: Vec<String> = loaded.corpus.merchants.keys().cloned().collect();
    let cities = loaded.corpus.cities();
    let boards: Vec<Scoreboard> = cities
        .iter()
        .map(|c| Scoreboard::clone(&analysis.score_city(c).unwrap()))
        .collect();
    out.extend(fingerprint(&boards));
    for city in cities {
        let list = analysis
            .select(&city, &SelectionPolicy::default(), &Default::default())
            .unwrap();
        out.extend(
            list.stores
                .iter()
                .map(|p| format!("{} {}", p.rank, p.merchant_id)),
        );
        out.extend(
            list.review_queue
                .iter()
                .map(|q| format!("q {}", q.merchant_id)),
        );
    }
    out
}

/// The loaded corpus (which holds no commercial data), as JSON.
fn loaded_corpus(dir: &Path, mode: Mode) -> String {
    let opts = LoadOptions {
        mode,
        ..LoadOptions::default()
    };
    serde_json::to_string(&corpus::load(dir, &opts).unwrap().corpus).unwrap()
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

/// A JSON value of any shape, for malformed commercial data.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
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
        // Malformed: any other shape (a string, a number, an array, null, nested
        // objects), a string past max_field_chars, more values than a commercial object
        // may hold.
        any_json().prop_map(Some),
        (1_001usize..1_200).prop_map(|n| Some(json!({ "note": "广".repeat(n) }))),
        (1_001usize..1_100).prop_map(|n| Some(json!({ "ids": vec![1; n] }))),
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
        let before = outcome(dir.path(), Mode::Strict);
        let corpus_before = loaded_corpus(dir.path(), Mode::Strict);

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
        prop_assert_eq!(&outcome(dir.path(), Mode::Strict), &before);
        // Scoring reads only the corpus: the same corpus in lenient mode scores the same.
        prop_assert_eq!(&loaded_corpus(dir.path(), Mode::Lenient), &corpus_before);
        prop_assert_eq!(&loaded_corpus(dir.path(), Mode::Strict), &corpus_before);
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
