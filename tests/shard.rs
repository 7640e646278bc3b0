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
    // The global pass's collusion (numbered accounts, flat arrays) finds the groups the
    // full analysis's does, over the full evidence.
    let ev = full.evidence();
    let commercial = jingxuan::trust::sponsored::detect(corpus, ev);
    let groups = jingxuan::trust::collusion::detect(ev, &commercial);
    assert_eq!(
        jingxuan::trust::collusion::detect_indexed(&[(ev, &commercial)]),
        groups
    );
    let global = GlobalPass::compute(&engine, corpus, as_of);
    let shipped: GlobalPass =
        serde_json::from_str(&serde_json::to_string(&global).unwrap()).unwrap();
    assert_eq!(shipped, global);
    let mut compared = 0;
    for city in corpus.cities() {
        let shard = global.city_corpus(corpus, &city).unwrap();
        // Moving the records out of the corpus picks the same ones.
        let moved = global.into_city_corpus(corpus.clone(), &city).unwrap();
        assert!(
            moved.merchants == shard.merchants
                && moved.authors == shard.authors
                && moved.notes == shard.notes
                && moved.reviews == shard.reviews
                && moved.visits == shard.visits
                && moved.curation == shard.curation,
            "{city}: into_city_corpus differs from city_corpus"
        );
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
        // What the command runs: the global pass cut to the city, the corpus handed over.
        let one =
            jingxuan::shard::analyze_one_city_owned(&engine, corpus.clone(), &city, as_of).unwrap();
        assert!(
            answers(&one, corpus, &city, step) == want,
            "{city}: the one-city path's answer differs from the full analysis's"
        );
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
    let err = global
        .into_city_corpus(loaded.corpus.clone(), "火星")
        .unwrap_err();
    assert!(err.to_string().contains("火星"), "{err}");
}

/// Copies `fixtures/demo` into `dir`, appending `extra` lines to some of its files.
fn demo_with(dir: &std::path::Path, extra: &[(&str, &str)]) {
    for entry in std::fs::read_dir("fixtures/demo").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (_, line) in extra.iter().filter(|(f, _)| *f == name) {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(dir.join(&name), text).unwrap();
    }
}

#[test]
fn bad_lines_of_other_cities_are_skipped_in_lenient_mode_and_fatal_in_strict_mode() {
    // Broken records of 广州 and 上海 (appended, so no other line moves).
    let bad = [
        (
            "reviews.jsonl",
            r#"{"id":"r-bad-1","author_id":"u-000483","merchant_id":"m-gz-0002","created_at":"2023-11-02T00:32:30+08:00","rating":9,"text":"好吃"}"#,
        ),
        ("reviews.jsonl", r#"{"id":"r-bad-2","author_id":"#),
        (
            "notes.jsonl",
            r#"{"id":"n-bad-1","author_id":"u-000262","created_at":"2023-11-02T00:32:30+08:00","body":"上海好店","merchant_ids":["m-sh-9999"]}"#,
        ),
    ];
    let clean = tempfile::tempdir().unwrap();
    let broken = tempfile::tempdir().unwrap();
    demo_with(clean.path(), &[]);
    demo_with(broken.path(), &bad);
    let lenient = LoadOptions {
        mode: corpus::Mode::Lenient,
        ..LoadOptions::default()
    };
    let loaded = corpus::load(broken.path(), &lenient).unwrap();
    let skipped = |file: &str| {
        let f = loaded.report.files.iter().find(|f| f.file == file).unwrap();
        (
            f.skipped_total(),
            f.problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        )
    };
    let reviews = std::fs::read_to_string(clean.path().join("reviews.jsonl")).unwrap();
    let notes = std::fs::read_to_string(clean.path().join("notes.jsonl")).unwrap();
    let (r, n) = (reviews.lines().count() as u64, notes.lines().count() as u64);
    assert_eq!(skipped("reviews.jsonl"), (2, vec![r + 1, r + 2]));
    assert_eq!(skipped("notes.jsonl"), (1, vec![n + 1]));

    // 杭州 by its shard of the lenient load is 杭州 of the clean corpus analysed whole.
    let want = {
        let c = corpus::load(clean.path(), &LoadOptions::default())
            .unwrap()
            .corpus;
        let engine = Engine::for_corpus(&c).unwrap();
        answers(&engine.analyze(c.clone(), None), &c, "杭州", 12)
    };
    let c = &loaded.corpus;
    let engine = Engine::for_corpus(c).unwrap();
    let got = answers(
        &jingxuan::shard::analyze_one_city_owned(&engine, c.clone(), "杭州", None).unwrap(),
        c,
        "杭州",
        12,
    );
    assert_eq!(want.len(), got.len());
    assert!(
        want == got,
        "lenient shard of 杭州 differs from the clean corpus"
    );

    // Strict: the first file with problems fails, naming each bad line, whatever its city.
    match corpus::load(broken.path(), &LoadOptions::default()) {
        Err(jingxuan::Error::User(jingxuan::UserError::InvalidCorpus {
            file, problems, ..
        })) => {
            assert_eq!(file, "notes.jsonl");
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].line, n + 1);
            assert_eq!(problems[0].field, "merchant_ids[0]");
        }
        other => panic!("strict load of a corpus with bad lines: {other:?}"),
    }
}
