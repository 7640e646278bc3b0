//! A city's shard (its documents and the global pass) gives what the full analysis gives
//! for that city: scores, flags, lists and explanations, byte for byte.

use std::sync::Arc;

use jingxuan::corpus::{self, Corpus, LoadOptions, Timestamp};
use jingxuan::report::Report;
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::shard::{CommercialDoc, GlobalPass};
use jingxuan::{Analysis, Engine};
use jingxuan_fixture_gen::{generate, CampaignSpace, GenConfig};

/// Everything one city answers, as JSON text: the board, the default list, a list for a
/// query, and the explanation of every `step`-th merchant and of every flagged one.
fn answers(a: &Analysis, corpus: &Corpus, city: &str, step: usize) -> Vec<String> {
    let board = a.score_city(city).unwrap();
    let mut out = vec![serde_json::to_string(&*board).unwrap()];
    let policy = SelectionPolicy::default();
    let list = a.select(city, &policy, &ListRequest::default()).unwrap();
    out.push(serde_json::to_string(&list).unwrap());
    let query = ListRequest {
        query: Some("环境 安静"),
        ..ListRequest::default()
    };
    out.push(serde_json::to_string(&a.select(city, &policy, &query).unwrap()).unwrap());
    let report = Report::new(a, &list).unwrap();
    out.push(report.render_html());
    for (i, m) in board.merchants.iter().enumerate() {
        if i % step == 0 || !m.flags.is_empty() {
            out.push(serde_json::to_string(&a.explain(&m.merchant_id).unwrap()).unwrap());
        }
    }
    assert!(corpus.merchants.values().any(|m| m.city == city));
    out
}

/// Documents judged commercial for an influencer's spree of praise across shops.
fn shapes(g: &GlobalPass) -> usize {
    g.commercial
        .values()
        .filter(|c| matches!(c, CommercialDoc::Shape { .. }))
        .count()
}

/// Compares every city of `corpus` analysed whole and by shard, the global pass going
/// through JSON as it would between machines. Returns how many answers were compared.
fn check_every_city(corpus: &Corpus, as_of: Option<Timestamp>, step: usize) -> usize {
    let engine = Engine::for_corpus(corpus).unwrap();
    let full = engine.analyze(corpus.clone(), as_of);
    let global = GlobalPass::compute(&engine, corpus, as_of);
    let shipped: GlobalPass =
        serde_json::from_str(&serde_json::to_string(&global).unwrap()).unwrap();
    assert_eq!(shipped, global);
    let mut compared = 0;
    for city in corpus.cities() {
        let shard = global.city_corpus(corpus, &city).unwrap();
        // The shard holds the city's documents only.
        let docs = shard.notes.len() + shard.reviews.len();
        assert!(docs < corpus.notes.len() + corpus.reviews.len());
        let shard_engine = Engine::for_corpus(&shard).unwrap();
        let part = shard_engine.analyze_city(Arc::new(shard), &shipped);
        assert_eq!(part.as_of(), full.as_of());
        let (want, got) = (
            answers(&full, corpus, &city, step),
            answers(&part, corpus, &city, step),
        );
        assert_eq!(want.len(), got.len(), "{city}: number of answers");
        for (w, g) in want.iter().zip(&got) {
            assert!(
                w == g,
                "{city}: the shard's answer differs:\nfull:  {w}\nshard: {g}"
            );
        }
        compared += want.len();
    }
    compared
}

#[test]
fn every_city_of_the_demo_corpus_is_answered_alike_by_its_shard() {
    let loaded = corpus::load("fixtures/demo".as_ref(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let global = GlobalPass::compute(&engine, &loaded.corpus, None);
    // The cross-city signals must be there to be compared: influencer sprees across
    // shops, lock-step groups, authors writing in several cities.
    assert!(
        shapes(&global) > 0,
        "no influencer spree in the demo corpus"
    );
    assert!(
        !global.groups.is_empty(),
        "no lock-step group in the demo corpus"
    );
    assert!(global.authors.values().any(|a| a.cities > 1));
    let n = check_every_city(&loaded.corpus, None, 12);
    assert!(n > 60, "only {n} answers compared");
}

#[test]
fn shards_of_a_generated_corpus_with_every_attack_family_match_in_the_past_too() {
    let dir = tempfile::tempdir().unwrap();
    let config = GenConfig::with_target_docs(6_000).with_campaigns(CampaignSpace::all(7));
    generate(&config, dir.path()).unwrap();
    let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
    let c = &loaded.corpus;
    check_every_city(c, None, 25);
    // Half a year earlier: later documents, accounts and decisions are not part of it.
    let earlier = Timestamp::from_unix(config.as_of - 180 * 86_400);
    check_every_city(c, Some(earlier), 40);
}

#[test]
fn an_unknown_city_is_a_user_error() {
    let loaded = corpus::load("fixtures/demo".as_ref(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let global = GlobalPass::compute(&engine, &loaded.corpus, None);
    let err = global.city_corpus(&loaded.corpus, "火星").unwrap_err();
    assert!(err.to_string().contains("火星"), "{err}");
}
