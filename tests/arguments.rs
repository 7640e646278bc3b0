//! Every argument of every library entry point is bounded: a selection policy, a scoring
//! config, a search query or a load option out of range is a user error naming the field,
//! never a panic, a hang, a huge allocation or NaN scores.

mod common;

use common::{analysis, demo};
use jingxuan::corpus::{self, LoadOptions};
use jingxuan::index::{SearchIndex, SearchQuery};
use jingxuan::reputation::{self, ScoringConfig};
use jingxuan::selection::SelectionPolicy;
use jingxuan::text::Analyzer;
use jingxuan::{Engine, Error};

fn user_error_naming<T: std::fmt::Debug>(r: Result<T, Error>, field: &str) {
    match r {
        Err(e) => {
            assert!(e.is_user_error(), "{field}: not a user error: {e}");
            assert!(e.to_string().contains(field), "{field} not named in: {e}");
        }
        Ok(v) => panic!("{field}: accepted, gave {v:?}"),
    }
}

/// Policies a service could build from a request's parameters, each out of range in one
/// field.
fn bad_policies() -> Vec<(&'static str, SelectionPolicy)> {
    let d = SelectionPolicy::default;
    vec![
        (
            "limit",
            SelectionPolicy {
                limit: usize::MAX,
                ..d()
            },
        ),
        (
            "limit",
            SelectionPolicy {
                limit: 100_000_000,
                ..d()
            },
        ),
        (
            "max_per_brand",
            SelectionPolicy {
                max_per_brand: usize::MAX,
                ..d()
            },
        ),
        (
            "gap_target",
            SelectionPolicy {
                gap_target: usize::MAX,
                ..d()
            },
        ),
        (
            "min_score",
            SelectionPolicy {
                min_score: f64::NAN,
                ..d()
            },
        ),
        (
            "min_score",
            SelectionPolicy {
                min_score: -1.0,
                ..d()
            },
        ),
        (
            "min_credible_weight",
            SelectionPolicy {
                min_credible_weight: f64::NAN,
                ..d()
            },
        ),
        (
            "max_category_share",
            SelectionPolicy {
                max_category_share: f64::NAN,
                ..d()
            },
        ),
        (
            "diversity",
            SelectionPolicy {
                diversity: f64::INFINITY,
                ..d()
            },
        ),
        (
            "query_weight",
            SelectionPolicy {
                query_weight: -0.5,
                ..d()
            },
        ),
        (
            "stability_margin",
            SelectionPolicy {
                stability_margin: f64::NAN,
                ..d()
            },
        ),
        (
            "h3_resolution",
            SelectionPolicy {
                h3_resolution: 200,
                ..d()
            },
        ),
    ]
}

#[test]
fn select_and_report_refuse_out_of_range_policies() {
    let a = analysis();
    for (field, policy) in bad_policies() {
        user_error_naming(a.select("杭州", &policy, &Default::default()), field);
        let json = serde_json::to_string(&policy).unwrap();
        // JSON has no NaN: serde writes null, which is a type error; either way refused.
        assert!(SelectionPolicy::from_json_str(&json).is_err(), "{json}");
    }
}

#[test]
fn the_largest_limit_finishes_and_lists_every_qualified_merchant() {
    // More places than supply: the caps relax until every qualified merchant that may be
    // listed is, each cap reported once, raised only as far as the list needed.
    let policy = SelectionPolicy {
        limit: SelectionPolicy::MAX_LIMIT,
        ..SelectionPolicy::default()
    };
    for city in ["杭州", "上海", "广州"] {
        let s = analysis()
            .select(city, &policy, &Default::default())
            .unwrap();
        assert_eq!(s.stores.len() + s.review_queue.len(), s.qualified, "{city}");
        let mut constraints: Vec<&str> = s.relaxed.iter().map(|r| r.constraint.as_str()).collect();
        constraints.dedup();
        assert_eq!(constraints.len(), s.relaxed.len(), "{:?}", s.relaxed);
        let mut per_top = std::collections::BTreeMap::<&str, usize>::new();
        for p in &s.stores {
            *per_top
                .entry(demo().merchants[&p.merchant_id].top_category())
                .or_default() += 1;
        }
        let largest = per_top.values().copied().max().unwrap_or(0) as f64;
        let cap = policy.max_category_share * policy.limit as f64;
        let brand_relaxed = s.relaxed.iter().any(|r| r.constraint == "max_per_brand");
        if let Some(r) = s
            .relaxed
            .iter()
            .find(|r| r.constraint == "max_category_share")
        {
            // Raised exactly as far as the list needed, unless only the brand cap still
            // held candidates back (then the share cap was lifted entirely first).
            let want = if brand_relaxed {
                1.0
            } else {
                largest / policy.limit as f64
            };
            assert_eq!(r.to, want, "{city}: {r:?}");
        } else {
            assert!(largest <= cap, "{city}");
        }
    }
}

fn bad_configs() -> Vec<(&'static str, ScoringConfig)> {
    let d = ScoringConfig::default;
    vec![
        (
            "half_life_days",
            ScoringConfig {
                half_life_days: 0.0,
                ..d()
            },
        ),
        (
            "half_life_days",
            ScoringConfig {
                half_life_days: -30.0,
                ..d()
            },
        ),
        (
            "half_life_days",
            ScoringConfig {
                half_life_days: f64::NAN,
                ..d()
            },
        ),
        (
            "half_life_days",
            ScoringConfig {
                half_life_days: f64::INFINITY,
                ..d()
            },
        ),
        (
            "prior_weight",
            ScoringConfig {
                prior_weight: 0.0,
                ..d()
            },
        ),
        (
            "prior_weight",
            ScoringConfig {
                prior_weight: f64::NAN,
                ..d()
            },
        ),
        ("z", ScoringConfig { z: -1.0, ..d() }),
        (
            "z",
            ScoringConfig {
                z: f64::INFINITY,
                ..d()
            },
        ),
        (
            "min_evidence_weight",
            ScoringConfig {
                min_evidence_weight: f64::NAN,
                ..d()
            },
        ),
        (
            "cheap_share",
            ScoringConfig {
                cheap_share: f64::NAN,
                ..d()
            },
        ),
        (
            "cheap_base",
            ScoringConfig {
                cheap_base: -1.0,
                ..d()
            },
        ),
        (
            "hold_points",
            ScoringConfig {
                hold_points: f64::INFINITY,
                ..d()
            },
        ),
    ]
}

#[test]
fn scoring_refuses_out_of_range_configs() {
    let a = analysis();
    let corpus = demo();
    for (field, config) in bad_configs() {
        user_error_naming(
            reputation::counted(a.evidence(), a.trust(), a.as_of(), &config),
            field,
        );
        user_error_naming(
            reputation::score_city(corpus, a.evidence(), a.trust(), "杭州", a.as_of(), &config),
            field,
        );
    }
}

#[test]
fn an_engine_with_a_bad_config_gives_errors_not_nan_scores() {
    let corpus = demo();
    let config = ScoringConfig {
        half_life_days: 0.0,
        ..ScoringConfig::default()
    };
    let engine = Engine::for_corpus(corpus).unwrap().with_config(config);
    let a = engine.analyze(corpus.clone(), None);
    user_error_naming(a.score_city("杭州"), "half_life_days");
    user_error_naming(
        a.select("杭州", &SelectionPolicy::default(), &Default::default()),
        "half_life_days",
    );
    let id = corpus.merchants.keys().next().unwrap();
    user_error_naming(a.explain(id).map(|x| x.score.score), "half_life_days");
}

#[test]
fn search_refuses_huge_limits_and_texts() {
    let a = analysis();
    let analyzer = Analyzer::builder()
        .words(demo().merchant_names())
        .build_shared();
    let index = SearchIndex::create_in_ram(analyzer).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add_analysis(a).unwrap();
    writer.commit().unwrap();
    for limit in [0, SearchQuery::MAX_LIMIT + 1, usize::MAX] {
        let q = SearchQuery {
            text: "咖啡".into(),
            city: Some("杭州".into()),
            limit,
            ..SearchQuery::default()
        };
        user_error_naming(index.search(&q), "limit");
    }
    let q = SearchQuery {
        text: "咖啡".repeat(SearchQuery::MAX_TEXT_CHARS),
        ..SearchQuery::default()
    };
    user_error_naming(index.search(&q), "characters");
    // The largest limit asks the collector for no more than there are documents.
    let q = SearchQuery {
        text: "咖啡".into(),
        limit: SearchQuery::MAX_LIMIT,
        ..SearchQuery::default()
    };
    let hits = index.search(&q).unwrap();
    assert!(!hits.is_empty() && hits.len() as u64 <= index.num_docs());
}

#[test]
fn loading_refuses_caps_out_of_range() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/corpus/clean-full");
    let d = LoadOptions::default;
    for (field, opts) in [
        (
            "max_line_bytes",
            LoadOptions {
                max_line_bytes: usize::MAX,
                ..d()
            },
        ),
        (
            "max_text_chars",
            LoadOptions {
                max_text_chars: usize::MAX,
                ..d()
            },
        ),
        (
            "max_field_chars",
            LoadOptions {
                max_field_chars: usize::MAX,
                ..d()
            },
        ),
        (
            "max_tags",
            LoadOptions {
                max_tags: usize::MAX,
                ..d()
            },
        ),
        (
            "max_merchant_ids",
            LoadOptions {
                max_merchant_ids: usize::MAX,
                ..d()
            },
        ),
        (
            "max_aliases",
            LoadOptions {
                max_aliases: usize::MAX,
                ..d()
            },
        ),
        (
            "max_problems",
            LoadOptions {
                max_problems: usize::MAX,
                ..d()
            },
        ),
        (
            "max_warnings",
            LoadOptions {
                max_warnings: usize::MAX,
                ..d()
            },
        ),
    ] {
        user_error_naming(corpus::load(&dir, &opts).map(|_| ()), field);
        let files = [("merchants.jsonl", &b"{}"[..])];
        user_error_naming(corpus::load_from_readers(files, &opts).map(|_| ()), field);
    }
    // The bounds themselves are accepted.
    let edge = LoadOptions {
        max_line_bytes: LoadOptions::MAX_LINE_BYTES,
        max_text_chars: LoadOptions::MAX_CHARS,
        max_problems: 0,
        ..d()
    };
    assert!(corpus::load(&dir, &edge).is_ok());
}
