//! The 精选 list on the committed fixtures: eligibility, caps, coverage, gaps, review modes,
//! stability, query lists, the price of breadth, and determinism.

use std::collections::{BTreeMap, BTreeSet};

use jingxuan::corpus::{Decision, MerchantStatus};
use jingxuan::reputation::Ineligible;
use jingxuan::selection::{ListRequest, ReviewMode, Selection, SelectionPolicy};
use jingxuan::Engine;

mod common;
use common::{analysis, demo};

const CITIES: [&str; 3] = ["上海", "杭州", "广州"];

fn select(city: &str, policy: &SelectionPolicy, previous: Option<&[String]>) -> Selection {
    let request = ListRequest {
        previous,
        ..Default::default()
    };
    analysis().select(city, policy, &request).unwrap()
}

fn ids(s: &Selection) -> Vec<String> {
    s.stores.iter().map(|p| p.merchant_id.clone()).collect()
}

/// Merchants that may go straight onto the list under `policy` (no review needed).
fn listable(city: &str, policy: &SelectionPolicy) -> Vec<String> {
    let board = analysis().score_city(city).unwrap();
    board
        .merchants
        .iter()
        .filter(|s| {
            s.eligible
                && s.score >= policy.min_score
                && s.credible_weight >= policy.min_credible_weight
        })
        .map(|s| s.merchant_id.clone())
        .collect()
}

#[test]
fn only_open_eligible_merchants_above_the_bar_are_listed() {
    let corpus = demo();
    let decisions = corpus.standing_decisions();
    let policy = SelectionPolicy::default();
    for city in CITIES {
        let s = select(city, &policy, None);
        assert!(!s.stores.is_empty(), "{city}");
        let board = analysis().score_city(city).unwrap();
        for p in &s.stores {
            let m = &corpus.merchants[&p.merchant_id];
            assert_eq!(m.city, city);
            assert_eq!(m.status, MerchantStatus::Open, "{} is not open", m.id);
            if let Some(d) = decisions.get(m.id.as_str()) {
                assert!(
                    !matches!(d.decision, Decision::Exclude | Decision::Hold),
                    "{} was excluded or held by a reviewer",
                    m.id
                );
            }
            let score = board
                .merchants
                .iter()
                .find(|x| x.merchant_id == m.id)
                .unwrap();
            assert!(score.eligible, "{} listed while ineligible", m.id);
            assert!(p.score >= policy.min_score);
            assert!(
                !p.reasons.is_empty() && !p.evidence.is_empty(),
                "{} unexplained",
                m.id
            );
        }
        let ranks: Vec<usize> = s.stores.iter().map(|p| p.rank).collect();
        assert_eq!(ranks, (1..=s.stores.len()).collect::<Vec<_>>());
    }
}

#[test]
fn category_share_and_brand_caps_hold_unless_reported_relaxed() {
    let corpus = demo();
    for limit in [10, 30] {
        let policy = SelectionPolicy {
            limit,
            ..SelectionPolicy::default()
        };
        for city in CITIES {
            let s = select(city, &policy, None);
            let relaxed = |c: &str| s.relaxed.iter().find(|r| r.constraint == c);
            let mut per_top: BTreeMap<String, usize> = BTreeMap::new();
            let mut per_brand: BTreeMap<String, usize> = BTreeMap::new();
            for p in &s.stores {
                let m = &corpus.merchants[&p.merchant_id];
                *per_top.entry(m.top_category().to_string()).or_default() += 1;
                if let Some(b) = &m.brand {
                    *per_brand.entry(b.clone()).or_default() += 1;
                }
            }
            let cap = match relaxed("max_category_share") {
                Some(r) => (r.to * limit as f64).round() as usize,
                None => ((policy.max_category_share * limit as f64).floor() as usize).max(1),
            };
            assert!(per_top.values().all(|&n| n <= cap), "{city}: {per_top:?}");
            let brand_cap =
                relaxed("max_per_brand").map_or(policy.max_per_brand, |r| r.to as usize);
            assert!(
                per_brand.values().all(|&n| n <= brand_cap),
                "{city}: {per_brand:?}"
            );
        }
    }
}

#[test]
fn every_group_and_district_with_supply_gets_a_place() {
    let corpus = demo();
    let policy = SelectionPolicy::default();
    for city in CITIES {
        let supply = listable(city, &policy);
        let groups: BTreeSet<&str> = supply
            .iter()
            .map(|id| corpus.merchants[id].top_category())
            .collect();
        let districts: BTreeSet<&str> = supply
            .iter()
            .filter_map(|id| corpus.merchants[id].district.as_deref())
            .collect();
        let s = select(city, &policy, None);
        let got_groups: BTreeSet<&str> = s
            .stores
            .iter()
            .map(|p| corpus.merchants[&p.merchant_id].top_category())
            .collect();
        let got_districts: BTreeSet<&str> = s
            .stores
            .iter()
            .filter_map(|p| corpus.merchants[&p.merchant_id].district.as_deref())
            .collect();
        assert!(
            groups.len() >= 4,
            "{city}: the fixture should offer breadth"
        );
        assert_eq!(
            got_groups.len(),
            groups.len().min(policy.limit),
            "{city}: {got_groups:?} of {groups:?}"
        );
        assert_eq!(got_districts, districts, "{city}");
        assert_eq!(
            s.stores.len(),
            policy.limit.min(supply.len()),
            "{city}: the list is full"
        );
    }
}

#[test]
fn thin_supply_shows_up_in_the_gaps() {
    let corpus = demo();
    let policy = SelectionPolicy::default();
    for city in CITIES {
        let s = select(city, &policy, None);
        let board = analysis().score_city(city).unwrap();
        // Qualified: above the bar and eligible or only waiting for review.
        let qualified: BTreeSet<&str> = board
            .merchants
            .iter()
            .filter(|m| {
                m.score >= policy.min_score
                    && m.credible_weight >= policy.min_credible_weight
                    && matches!(m.ineligible, None | Some(Ineligible::UnderReview { .. }))
            })
            .map(|m| m.merchant_id.as_str())
            .collect();
        assert_eq!(s.qualified, qualified.len());
        let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut cells: BTreeSet<(String, String)> = BTreeSet::new();
        let districts: BTreeSet<String> = corpus
            .merchants
            .values()
            .filter(|m| m.city == city)
            .map(|m| m.district.clone().unwrap_or_else(|| "未知区域".into()))
            .collect();
        let tops: BTreeSet<String> = corpus
            .merchants
            .values()
            .filter(|m| m.city == city)
            .map(|m| m.top_category().to_string())
            .collect();
        for d in &districts {
            for t in &tops {
                cells.insert((d.clone(), t.clone()));
            }
        }
        for id in &qualified {
            let m = &corpus.merchants[*id];
            let key = (
                m.district.clone().unwrap_or_else(|| "未知区域".into()),
                m.top_category().to_string(),
            );
            *count.entry(key).or_default() += 1;
        }
        let expected: BTreeSet<(String, String)> = cells
            .into_iter()
            .filter(|k| count.get(k).copied().unwrap_or(0) < policy.gap_target)
            .collect();
        let got: BTreeSet<(String, String)> = s
            .gaps
            .iter()
            .map(|g| (g.district.clone(), g.category.clone()))
            .collect();
        assert!(!expected.is_empty(), "{city}: the demo has thin spots");
        assert_eq!(got, expected, "{city}");
        assert!(
            s.gaps.windows(2).all(|w| w[0].shortfall >= w[1].shortfall),
            "biggest first"
        );
    }
}

#[test]
fn the_review_queue_follows_each_mode() {
    let corpus = demo();
    let decisions = corpus.standing_decisions();
    let approved = |id: &str| {
        decisions
            .get(id)
            .is_some_and(|d| d.decision == Decision::Approve)
    };
    for city in CITIES {
        let with = |mode| {
            select(
                city,
                &SelectionPolicy {
                    require_review: mode,
                    ..SelectionPolicy::default()
                },
                None,
            )
        };
        let none = with(ReviewMode::None);
        assert!(none.review_queue.is_empty());

        let flagged = with(ReviewMode::Flagged);
        assert_eq!(
            ids(&flagged),
            ids(&none),
            "{city}: flagged merchants never list either way"
        );
        for q in &flagged.review_queue {
            assert!(
                !q.flags.is_empty(),
                "{city}: {} queued without a flag",
                q.merchant_id
            );
        }
        for p in &flagged.stores {
            let s = analysis().score_city(city).unwrap();
            let m = s
                .merchants
                .iter()
                .find(|m| m.merchant_id == p.merchant_id)
                .unwrap();
            // Favour flags may remain on a listed merchant only when they were too small to
            // hold it (or a human approved it): what holds is an `under_review` reason.
            assert!(
                m.eligible,
                "{city}: {} listed while ineligible",
                m.merchant_id
            );
        }

        let all = with(ReviewMode::All);
        assert!(
            all.stores.iter().all(|p| approved(&p.merchant_id)),
            "{city}: only approved list"
        );
        let queued: BTreeSet<&str> = all
            .review_queue
            .iter()
            .map(|q| q.merchant_id.as_str())
            .collect();
        for p in flagged.stores.iter().filter(|p| !approved(&p.merchant_id)) {
            assert!(
                queued.contains(p.merchant_id.as_str()),
                "{city}: {} not queued",
                p.merchant_id
            );
        }

        let new_mode = |previous: Option<&[String]>| {
            select(
                city,
                &SelectionPolicy {
                    require_review: ReviewMode::New,
                    ..SelectionPolicy::default()
                },
                previous,
            )
        };
        let first = new_mode(None);
        assert!(
            first.stores.iter().all(|p| approved(&p.merchant_id)),
            "{city}: all new"
        );
        assert!(!first.review_queue.is_empty());
        let published = ids(&flagged);
        let settled = new_mode(Some(&published));
        assert_eq!(
            ids(&settled),
            published,
            "{city}: incumbents need no review"
        );
        assert!(settled
            .review_queue
            .iter()
            .all(|q| !published.contains(&q.merchant_id)));
    }
}

#[test]
fn the_list_changes_only_as_the_stability_margin_allows() {
    let mut held_by_margin = 0;
    for city in CITIES {
        let base = SelectionPolicy::default();
        let first = select(city, &base, None);
        let published = ids(&first);
        // Same inputs, previous list given: nothing churns.
        let again = select(city, &base, Some(&published));
        assert_eq!(ids(&again), published, "{city}");
        assert!(again.entered.is_empty() && again.left.is_empty());

        // Raise the bar by less than the margin: incumbents between the old and new bar stay,
        // while a list chosen afresh drops them.
        let raised = SelectionPolicy {
            min_score: base.min_score + base.stability_margin - 0.5,
            ..base.clone()
        };
        let kept = select(city, &raised, Some(&published));
        let fresh = select(city, &raised, None);
        let between: Vec<&jingxuan::selection::Pick> = first
            .stores
            .iter()
            .filter(|p| p.score < raised.min_score)
            .collect();
        for p in &between {
            assert!(
                ids(&kept).contains(&p.merchant_id),
                "{city}: {} churned",
                p.merchant_id
            );
            assert!(!ids(&fresh).contains(&p.merchant_id));
            held_by_margin += 1;
        }

        // Raise it beyond the margin: they leave, each with a reason.
        let beyond = SelectionPolicy {
            min_score: base.min_score + base.stability_margin + 5.0,
            ..base.clone()
        };
        let moved = select(city, &beyond, Some(&published));
        for p in first
            .stores
            .iter()
            .filter(|p| p.score < beyond.min_score - beyond.stability_margin)
        {
            let left = moved
                .left
                .iter()
                .find(|c| c.merchant_id == p.merchant_id)
                .unwrap();
            assert!(left.reason.contains("低于门槛"), "{}", left.reason);
        }
    }
    assert!(
        held_by_margin > 0,
        "the fixture should have incumbents near the bar"
    );
}

#[test]
fn query_lists_only_hold_merchants_whose_writing_matches() {
    let policy = SelectionPolicy {
        query: Some("安静 咖啡".into()),
        ..SelectionPolicy::default()
    };
    let s = select("杭州", &policy, None);
    assert!(!s.stores.is_empty());
    for p in &s.stores {
        assert!(p.relevance.unwrap() > 0.0);
        let a = analysis();
        let matching = a
            .evidence()
            .items
            .iter()
            .filter(|e| e.merchant_id == p.merchant_id)
            .map(|e| &a.evidence().doc(e).text)
            .any(|t| t.contains("安静") && t.contains("咖啡"));
        assert!(matching, "{} has no writing with both words", p.merchant_id);
    }
    let plain = select("杭州", &SelectionPolicy::default(), None);
    assert_ne!(ids(&s), ids(&plain));
}

#[test]
fn selection_is_identical_across_runs_and_thread_counts() {
    let policy = SelectionPolicy::default();
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let engine = Engine::for_corpus(demo()).unwrap();
            let a = engine.analyze(demo().clone(), None);
            CITIES
                .iter()
                .map(|c| {
                    serde_json::to_string(&a.select(c, &policy, &Default::default()).unwrap())
                        .unwrap()
                })
                .collect::<Vec<_>>()
        })
    };
    let one = json(1);
    assert_eq!(one, json(4));
    assert_eq!(one, json(1));
}

#[test]
fn a_built_analysis_is_shared_across_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(analysis());
    let lists: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = CITIES
            .iter()
            .map(|c| s.spawn(move || ids(&select(c, &SelectionPolicy::default(), None))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (c, list) in CITIES.iter().zip(&lists) {
        assert_eq!(list, &ids(&select(c, &SelectionPolicy::default(), None)));
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn mode() -> impl Strategy<Value = ReviewMode> {
        prop_oneof![
            Just(ReviewMode::None),
            Just(ReviewMode::New),
            Just(ReviewMode::Flagged),
            Just(ReviewMode::All),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever the policy: never more than `limit`, never an ineligible merchant, caps
        /// hold unless reported relaxed, ranks run 1..=n, nobody is both listed and queued.
        #[test]
        fn any_policy_keeps_the_invariants(
            city in 0usize..3,
            limit in 0usize..45,
            share in 0.05f64..1.0,
            brand in 1usize..4,
            min_score in 40.0f64..80.0,
            diversity in 0.0f64..10.0,
            cover in any::<bool>(),
            review in mode(),
        ) {
            let policy = SelectionPolicy {
                limit,
                max_category_share: share,
                max_per_brand: brand,
                min_score,
                diversity,
                cover_categories: cover,
                cover_districts: cover,
                require_review: review,
                ..SelectionPolicy::default()
            }
            .validated()
            .unwrap();
            let city = CITIES[city];
            let s = select(city, &policy, None);
            prop_assert!(s.stores.len() <= limit);
            let board = analysis().score_city(city).unwrap();
            let mut per_top: BTreeMap<&str, usize> = BTreeMap::new();
            let mut per_brand: BTreeMap<&str, usize> = BTreeMap::new();
            for (k, p) in s.stores.iter().enumerate() {
                prop_assert_eq!(p.rank, k + 1);
                let m = board.merchants.iter().find(|m| m.merchant_id == p.merchant_id).unwrap();
                prop_assert!(m.eligible && m.score >= min_score);
                let merchant = &demo().merchants[&p.merchant_id];
                *per_top.entry(merchant.top_category()).or_default() += 1;
                if let Some(b) = &merchant.brand {
                    *per_brand.entry(b.as_str()).or_default() += 1;
                }
                prop_assert!(!s.review_queue.iter().any(|q| q.merchant_id == p.merchant_id));
            }
            let relaxed = |c: &str| s.relaxed.iter().find(|r| r.constraint == c);
            let cap = match relaxed("max_category_share") {
                Some(r) => (r.to * limit as f64).round() as usize,
                None => ((share * limit as f64).floor() as usize).max(1),
            };
            prop_assert!(per_top.values().all(|&n| n <= cap));
            let brand_cap = relaxed("max_per_brand").map_or(brand, |r| r.to as usize);
            prop_assert!(per_brand.values().all(|&n| n <= brand_cap));
        }
    }
}
