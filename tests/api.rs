//! The library's doors as a service uses them: an owned analysis shared across threads,
//! the merchant view, error kinds.

use std::sync::Arc;

use jingxuan::corpus::DocKind;
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::store::{Snapshot, Store};
use jingxuan::{Analysis, ErrorKind};

mod common;
use common::{analysis, demo};

fn shareable<T: Send + Sync + Clone + 'static>() {}
fn shared<T: Send + Sync + 'static>() {}

#[test]
fn the_handles_can_live_in_a_services_shared_state() {
    shareable::<Analysis>();
    shared::<Store>();
    shared::<Snapshot>();
    shared::<jingxuan::Error>();
}

#[test]
fn clones_share_one_analysis_and_answer_from_other_threads() {
    let a = analysis().clone();
    let city = "杭州";
    let here = a.score_city(city).unwrap();
    let there = std::thread::spawn({
        let a = a.clone();
        move || a.score_city(city).unwrap()
    })
    .join()
    .unwrap();
    // The board is computed once and shared by every clone.
    assert!(Arc::ptr_eq(&here, &there));
    let policy = SelectionPolicy::default();
    let list = std::thread::spawn(move || a.select(city, &policy, &ListRequest::default()))
        .join()
        .unwrap()
        .unwrap();
    assert!(!list.stores.is_empty());
}

#[test]
fn the_merchant_view_agrees_with_the_explanation_and_the_board() {
    let a = analysis();
    let board = a.score_city("上海").unwrap();
    for s in board.merchants.iter().take(10) {
        let view = a.merchant(&s.merchant_id).unwrap();
        assert_eq!(view.record().id, s.merchant_id);
        assert_eq!(view.flags(), s.flags.as_slice());
        assert_eq!(view.score().unwrap(), *s);
        let x = a.explain(&s.merchant_id).unwrap();
        let items: Vec<_> = view.evidence().collect();
        let live: Vec<_> = items
            .iter()
            .filter(|i| i.doc.created_at <= a.as_of())
            .collect();
        assert_eq!(live.len(), s.evidence_count, "{}", s.merchant_id);
        let discounted = live
            .iter()
            .filter(|i| !i.weight.discounts.is_empty())
            .count();
        assert_eq!(discounted, s.discounted_count, "{}", s.merchant_id);
        assert!(items
            .iter()
            .all(|i| i.evidence.merchant_id == s.merchant_id));
        // Every discounted contribution of the explanation is an item of the view with
        // the same discounts and weight.
        for c in &x.discounted {
            let item = items.iter().find(|i| i.doc.id == c.doc_id).unwrap();
            assert_eq!(item.weight.discounts, c.discounts);
            assert!((item.counted.weight() - c.weight).abs() < 1e-4);
        }
    }
}

#[test]
fn an_analysis_keeps_each_reading_without_its_cues_and_the_engine_reads_them_again() {
    let a = analysis();
    let engine = jingxuan::Engine::for_corpus(demo()).unwrap();
    let docs = &a.evidence().docs;
    let mut with_cues = 0;
    for d in docs {
        assert!(d.reading.cues.is_empty(), "{}", d.id);
        assert!(
            d.parts.iter().all(|p| p.reading.cues.is_empty()),
            "{}",
            d.id
        );
        let mut again = engine.read(&d.text);
        with_cues += usize::from(!again.cues.is_empty());
        // Every cue lies on the text it was read from.
        for c in &again.cues {
            assert!(
                d.text.get(c.start..c.end).is_some_and(|s| !s.is_empty()),
                "{}",
                d.id
            );
        }
        again.cues.clear();
        assert_eq!(again, *d.reading, "{}", d.id);
    }
    // The demo's writing is mostly opinion: most texts carry a cue.
    assert!(with_cues * 2 > docs.len(), "{with_cues} of {}", docs.len());
}

#[test]
fn a_notes_text_is_held_once_by_the_corpus_and_the_analysis() {
    let a = analysis();
    let notes = &a.corpus().notes;
    let mut titled = 0;
    for d in a.evidence().docs.iter().filter(|d| d.kind == DocKind::Note) {
        let note = &notes[d.id.as_str()];
        // The very allocation, not an equal copy.
        assert!(Arc::ptr_eq(&d.text, &note.shared_text()), "{}", d.id);
        // Title, a line break, body: what `text` was before the text was shared.
        let joined = match note.title() {
            Some(t) if !t.is_empty() => format!("{t}\n{}", note.body()),
            _ => note.body().to_string(),
        };
        assert_eq!(&*d.text, joined, "{}", d.id);
        titled += usize::from(note.title().is_some_and(|t| !t.is_empty()));
    }
    assert!(titled > 0, "the demo has titled notes");
}

#[test]
fn errors_have_a_kind_a_service_can_answer_with() {
    let a = analysis();
    let kind = |r: jingxuan::Result<()>| r.unwrap_err().kind();
    assert_eq!(kind(a.score_city("北京").map(drop)), ErrorKind::NotFound);
    assert_eq!(kind(a.explain("m-nobody").map(drop)), ErrorKind::NotFound);
    assert_eq!(kind(a.merchant("m-nobody").map(drop)), ErrorKind::NotFound);
    let huge = SelectionPolicy {
        limit: usize::MAX,
        ..SelectionPolicy::default()
    };
    let request = ListRequest::default();
    assert_eq!(
        kind(a.select("杭州", &huge, &request).map(drop)),
        ErrorKind::InvalidInput
    );
    let blank = ListRequest {
        query: Some("  "),
        ..ListRequest::default()
    };
    let policy = SelectionPolicy::default();
    assert_eq!(
        kind(a.select("杭州", &policy, &blank).map(drop)),
        ErrorKind::InvalidInput
    );
    assert!(demo().merchants.len() > 10);
}
