//! The search index on a small hand-built corpus of Hangzhou and Shanghai notes and reviews.

use std::path::Path;
use std::sync::Arc;

use jingxuan::corpus::{
    Aspects, Corpus, Merchant, MerchantStatus, Note, NoteText, Origin, Review, Timestamp,
};
use jingxuan::index::{
    DocKind, IndexStats, SearchHit, SearchIndex, SearchQuery, CLOSE_MARK, OPEN_MARK,
};
use jingxuan::text::Analyzer;
use jingxuan::{Error, UserError};
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn merchant(id: &str, name: &str, aliases: &[&str], city: &str, category: &str) -> Merchant {
    Merchant {
        id: id.to_string(),
        name: name.to_string(),
        branch: None,
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        brand: None,
        city: city.to_string(),
        district: None,
        area: None,
        category: category.to_string(),
        location: None,
        price_per_person: None,
        status: MerchantStatus::Open,
        opened_at: None,
        origin: Origin {
            file: "merchants.jsonl",
            line: 1,
        },
    }
}

fn note(id: &str, merchant_ids: &[&str], ip_city: Option<&str>, title: &str, body: &str) -> Note {
    Note {
        id: id.into(),
        author_id: format!("a_{id}").into(),
        created_at: ts("2025-10-02T12:30:00+08:00"),
        content: NoteText::new((!title.is_empty()).then_some(title), body),
        tags: Vec::new(),
        merchant_ids: merchant_ids.iter().map(|m| (*m).into()).collect(),
        ip_city: ip_city.map(str::to_string),
        likes: 0,
        collects: 0,
        comments: 0,
        shares: 0,
        images: 0,
        sponsored: None,
        origin: Origin {
            file: "notes.jsonl",
            line: 1,
        },
    }
}

fn review(id: &str, merchant_id: &str, text: &str) -> Review {
    Review {
        id: id.into(),
        author_id: format!("a_{id}").into(),
        merchant_id: merchant_id.into(),
        created_at: ts("2025-09-18T19:05:00+08:00"),
        rating: 4.5,
        aspects: Aspects::default(),
        text: text.into(),
        images: 0,
        likes: 0,
        verified_visit: false,
        origin: Origin {
            file: "reviews.jsonl",
            line: 1,
        },
    }
}

fn corpus() -> Corpus {
    let mut c = Corpus::default();
    for m in [
        merchant("m_hz_cafe", "隐巷咖啡", &["隐巷"], "杭州", "饮品/咖啡"),
        merchant("m_sh_cafe", "梧桐咖啡", &[], "上海", "饮品/咖啡"),
        merchant("m_hz_hotpot", "老码头火锅", &[], "杭州", "美食/火锅"),
        merchant("m_hz_bar", "月下清吧", &[], "杭州", "酒吧/清吧"),
    ] {
        c.merchants.insert(m.id.clone(), m);
    }
    for n in [
        note(
            "n_hz_quiet",
            &["m_hz_cafe"],
            Some("杭州"),
            "周末探店",
            "这家咖啡馆很安静，适合一个人看书。拿铁也做得不错。",
        ),
        note(
            "n_sh_quiet",
            &["m_sh_cafe"],
            Some("上海"),
            "",
            "这家咖啡馆很安静，适合一个人看书。",
        ),
        note(
            "n_hz_mention",
            &[],
            Some("杭州"),
            "",
            "周末去了隐巷，拿铁绝了，环境很安静。",
        ),
        note(
            "n_hz_hotpot",
            &["m_hz_hotpot"],
            Some("杭州"),
            "老码头火锅",
            "牛油锅底很辣，排队排了一个小时。",
        ),
    ] {
        c.notes.insert(n.id.clone(), n);
    }
    for r in [
        review("r_hz_cafe", "m_hz_cafe", "咖啡豆很新鲜，店里也安静。"),
        review(
            "r_hz_hotpot",
            "m_hz_hotpot",
            "火锅很好吃，服务热情，就是有点吵。",
        ),
        review("r_hz_bar", "m_hz_bar", "清吧氛围安静，鸡尾酒调得不错。"),
    ] {
        c.reviews.insert(r.id.clone(), r);
    }
    c
}

fn analyzer_for(c: &Corpus) -> Arc<Analyzer> {
    Analyzer::builder().words(c.merchant_names()).build_shared()
}

/// Adds every note and review of `c` to `index` in one commit.
fn add(index: &SearchIndex, c: &Corpus) -> IndexStats {
    let mut writer = index.writer().unwrap();
    let stats = writer.add_corpus(c).unwrap();
    writer.commit().unwrap();
    stats
}

fn built_in_ram() -> SearchIndex {
    let c = corpus();
    let index = SearchIndex::create_in_ram(analyzer_for(&c)).unwrap();
    let stats = add(&index, &c);
    assert_eq!((stats.notes, stats.reviews), (4, 3));
    index
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_string(),
        ..SearchQuery::default()
    }
}

fn in_city(text: &str, city: &str) -> SearchQuery {
    SearchQuery {
        city: Some(city.to_string()),
        ..query(text)
    }
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc_id.as_str()).collect()
}

fn marked_words(hit: &SearchHit) -> Vec<&str> {
    hit.highlights
        .iter()
        .map(|&(a, b)| &hit.snippet[a..b])
        .collect()
}

#[test]
fn words_match_in_any_order_and_at_any_distance_within_the_city() {
    let index = built_in_ram();
    let hits = index.search(&in_city("咖啡 安静", "杭州")).unwrap();
    let found = ids(&hits);
    assert!(found.contains(&"n_hz_quiet"), "{found:?}");
    assert!(!found.contains(&"n_sh_quiet"), "{found:?}");
    assert!(hits.iter().all(|h| h.city.as_deref() == Some("杭州")));
    // Every word must match when some document has them all: the mention note says 安静
    // but not 咖啡.
    assert!(!found.contains(&"n_hz_mention"), "{found:?}");

    let shanghai = index.search(&in_city("咖啡 安静", "上海")).unwrap();
    assert_eq!(ids(&shanghai), vec!["n_sh_quiet"]);
}

#[test]
fn unspaced_query_is_segmented_like_the_text() {
    let index = built_in_ram();
    let hits = index.search(&in_city("安静的咖啡馆", "杭州")).unwrap();
    assert_eq!(hits.first().map(|h| h.doc_id.as_str()), Some("n_hz_quiet"));
}

#[test]
fn without_a_document_holding_every_word_the_words_are_alternatives() {
    let index = built_in_ram();
    let hits = index.search(&in_city("鸡尾酒 锅底", "杭州")).unwrap();
    let mut found = ids(&hits);
    found.sort();
    assert_eq!(found, vec!["n_hz_hotpot", "r_hz_bar"]);
    // Then a document matching more of the words ranks first.
    let hits = index.search(&in_city("鸡尾酒 锅底 排队", "杭州")).unwrap();
    assert_eq!(ids(&hits), vec!["n_hz_hotpot", "r_hz_bar"]);
    assert!(hits[0].score > hits[1].score);
    // A word no document holds does not turn the other words into alternatives.
    let hits = index.search(&in_city("安静 看书 乌龙", "杭州")).unwrap();
    assert_eq!(ids(&hits), vec!["n_hz_quiet"]);
}

#[test]
fn snippets_mark_the_matched_words() {
    let index = built_in_ram();
    let hits = index.search(&in_city("咖啡 安静", "杭州")).unwrap();
    let hit = hits.iter().find(|h| h.doc_id == "n_hz_quiet").unwrap();
    assert!(
        hit.snippet
            .contains(&format!("{OPEN_MARK}安静{CLOSE_MARK}")),
        "{}",
        hit.snippet
    );
    let words = marked_words(hit);
    assert!(words.contains(&"安静"), "{words:?}");
    assert!(words.iter().any(|w| w.starts_with("咖啡")), "{words:?}");
    for (a, b) in &hit.highlights {
        assert!(hit.snippet[..*a].ends_with(OPEN_MARK));
        assert!(hit.snippet[*b..].starts_with(CLOSE_MARK));
    }
    assert_eq!(hit.kind, DocKind::Note);
    assert_eq!(hit.created_at, "2025-10-02T12:30:00+08:00");
    assert!(hit.score > 0.0);
}

#[test]
fn category_filter_takes_the_top_level_group_or_a_full_path() {
    let index = built_in_ram();
    let drinks = SearchQuery {
        category: Some("饮品".to_string()),
        ..in_city("安静", "杭州")
    };
    let found = ids(&index.search(&drinks).unwrap()).join(",");
    assert_eq!(sorted(&found), "n_hz_mention,n_hz_quiet,r_hz_cafe");
    let full_path = SearchQuery {
        category: Some("饮品/咖啡".to_string()),
        ..drinks.clone()
    };
    let found = ids(&index.search(&full_path).unwrap()).join(",");
    assert_eq!(sorted(&found), "n_hz_mention,n_hz_quiet,r_hz_cafe");
    let bars = SearchQuery {
        category: Some("酒吧".to_string()),
        ..in_city("安静", "杭州")
    };
    assert_eq!(ids(&index.search(&bars).unwrap()), vec!["r_hz_bar"]);
    let partial_segment = SearchQuery {
        category: Some("饮".to_string()),
        ..in_city("安静", "杭州")
    };
    assert!(index.search(&partial_segment).unwrap().is_empty());
}

fn sorted(joined: &str) -> String {
    let mut v: Vec<&str> = joined.split(',').collect();
    v.sort();
    v.join(",")
}

#[test]
fn kind_filter_keeps_notes_or_reviews() {
    let index = built_in_ram();
    let reviews = SearchQuery {
        kind: Some(DocKind::Review),
        ..in_city("安静", "杭州")
    };
    let hits = index.search(&reviews).unwrap();
    assert_eq!(sorted(&ids(&hits).join(",")), "r_hz_bar,r_hz_cafe");
    assert!(hits.iter().all(|h| h.kind == DocKind::Review));
    let notes = SearchQuery {
        kind: Some(DocKind::Note),
        ..in_city("安静", "杭州")
    };
    let hits = index.search(&notes).unwrap();
    assert_eq!(sorted(&ids(&hits).join(",")), "n_hz_mention,n_hz_quiet");
}

#[test]
fn an_untagged_note_gets_the_merchants_its_text_names() {
    let index = built_in_ram();
    let hits = index.search(&in_city("周末 环境", "杭州")).unwrap();
    let hit = hits.iter().find(|h| h.doc_id == "n_hz_mention").unwrap();
    assert_eq!(hit.merchant_ids, vec!["m_hz_cafe"]);
    // Its category comes from the linked merchant too.
    let drinks = SearchQuery {
        category: Some("饮品".to_string()),
        ..in_city("环境", "杭州")
    };
    assert_eq!(ids(&index.search(&drinks).unwrap()), vec!["n_hz_mention"]);
}

#[test]
fn a_note_naming_no_merchant_is_found_by_its_ip_city() {
    let mut c = corpus();
    let n = note(
        "n_sh_bund",
        &[],
        Some("上海"),
        "",
        "外滩的夜景很美，晚上人很多。",
    );
    c.notes.insert(n.id.clone(), n);
    let index = SearchIndex::create_in_ram(analyzer_for(&c)).unwrap();
    add(&index, &c);
    let hits = index.search(&in_city("夜景", "上海")).unwrap();
    assert_eq!(ids(&hits), vec!["n_sh_bund"]);
    assert!(hits[0].merchant_ids.is_empty());
    assert!(index.search(&in_city("夜景", "杭州")).unwrap().is_empty());
}

fn fingerprint(index: &SearchIndex) -> Vec<(String, u32, String)> {
    let mut out = Vec::new();
    for q in [
        in_city("咖啡 安静", "杭州"),
        in_city("安静", "杭州"),
        in_city("火锅", "杭州"),
        query("看书"),
        query("隐巷"),
    ] {
        for h in index.search(&q).unwrap() {
            out.push((h.doc_id, h.score.to_bits(), h.snippet));
        }
    }
    out
}

#[test]
fn an_index_on_disk_reopens_with_the_same_analyzer_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let c = corpus();
    let before = {
        let index = SearchIndex::open_or_create(&path, analyzer_for(&c)).unwrap();
        add(&index, &c);
        fingerprint(&index)
    };
    assert!(before.len() >= 8, "{before:?}");
    let reopened = SearchIndex::open(&path).unwrap();
    assert_eq!(
        reopened.analyzer().extra_words(),
        c.merchant_names().as_slice()
    );
    assert_eq!(reopened.num_docs(), 7);
    assert_eq!(fingerprint(&reopened), before);
}

#[test]
fn reopening_with_new_words_keeps_the_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    let c = corpus();
    drop(SearchIndex::open_or_create(&path, analyzer_for(&c)).unwrap());
    let more = Analyzer::builder().word("半山书局").build_shared();
    let index = SearchIndex::open_or_create(&path, more).unwrap();
    let words = index.analyzer().extra_words();
    assert!(words.iter().any(|w| w == "半山书局"), "{words:?}");
    assert!(words.iter().any(|w| w == "隐巷咖啡"), "{words:?}");
    drop(index);
    let reopened = SearchIndex::open(&path).unwrap();
    assert!(reopened
        .analyzer()
        .extra_words()
        .iter()
        .any(|w| w == "半山书局"));
    assert!(reopened
        .analyzer()
        .extra_words()
        .iter()
        .any(|w| w == "隐巷"));
}

#[test]
fn a_later_batch_replaces_edited_documents() {
    let c = corpus();
    let index = SearchIndex::create_in_ram(analyzer_for(&c)).unwrap();
    add(&index, &c);
    let n = index.num_docs();

    let mut edit = Corpus {
        merchants: c.merchants.clone(),
        ..Corpus::default()
    };
    let edited = note(
        "n_hz_quiet",
        &["m_hz_cafe"],
        Some("杭州"),
        "周末探店",
        "这家咖啡馆现在很吵，装修的声音太大。",
    );
    edit.notes.insert(edited.id.clone(), edited);
    let stats = add(&index, &edit);
    assert_eq!((stats.notes, stats.reviews), (1, 0));
    assert_eq!(index.num_docs(), n);

    let quiet = index.search(&in_city("安静 看书", "杭州")).unwrap();
    assert!(!ids(&quiet).contains(&"n_hz_quiet"), "{:?}", ids(&quiet));
    let noisy = index.search(&in_city("装修", "杭州")).unwrap();
    assert_eq!(ids(&noisy), vec!["n_hz_quiet"]);
}

#[test]
fn tombstones_remove_documents() {
    let index = built_in_ram();
    let n = index.num_docs();
    assert!(ids(&index.search(&query("火锅")).unwrap()).contains(&"r_hz_hotpot"));
    let mut writer = index.writer().unwrap();
    assert!(writer.delete("r_hz_hotpot").unwrap());
    assert!(!writer.delete("no_such_doc").unwrap());
    // Not yet committed: the document is still found.
    assert!(ids(&index.search(&query("火锅")).unwrap()).contains(&"r_hz_hotpot"));
    writer.commit().unwrap();
    assert_eq!(index.num_docs(), n - 1);
    assert!(!ids(&index.search(&query("火锅")).unwrap()).contains(&"r_hz_hotpot"));
}

#[test]
fn a_writer_changes_nothing_searchable_until_it_commits() {
    let c = corpus();
    let index = SearchIndex::create_in_ram(analyzer_for(&c)).unwrap();
    let mut writer = index.writer().unwrap();
    let added = writer.add_corpus(&c).unwrap();
    assert_eq!((added.notes, added.reviews), (4, 3));
    assert_eq!(writer.pending(), added);
    // A second writer while one lives is refused, not queued or deadlocked.
    assert!(index.writer().is_err());
    assert_eq!(index.num_docs(), 0);
    assert!(index.search(&query("安静")).unwrap().is_empty());
    let before = index.view();
    writer.commit().unwrap();
    assert_eq!(index.num_docs(), 7);
    let hits = index.search(&in_city("咖啡 安静", "杭州")).unwrap();
    let found = ids(&hits);
    assert!(
        found.contains(&"n_hz_quiet") && found.contains(&"r_hz_cafe"),
        "{found:?}"
    );
    // A view taken before the commit keeps answering from what it was taken on.
    assert_eq!(before.num_docs(), 0);
    assert!(before.search(&query("安静")).unwrap().is_empty());
}

#[test]
fn a_writer_dropped_without_commit_changes_nothing() {
    let index = built_in_ram();
    let fingerprint_before = fingerprint(&index);
    {
        let mut writer = index.writer().unwrap();
        writer.delete("n_hz_quiet").unwrap();
        let mut edit = Corpus {
            merchants: corpus().merchants,
            ..Corpus::default()
        };
        edit.reviews.insert(
            "r_new".into(),
            review("r_new", "m_hz_bar", "鸡尾酒很好喝。"),
        );
        writer.add_corpus(&edit).unwrap();
    }
    assert_eq!(index.num_docs(), 7);
    assert_eq!(fingerprint(&index), fingerprint_before);
    // The next writer starts clean: committing it publishes none of the dropped changes.
    index.writer().unwrap().commit().unwrap();
    assert_eq!(fingerprint(&index), fingerprint_before);
    assert!(!ids(&index.search(&query("鸡尾酒")).unwrap()).contains(&"r_new"));
}

#[test]
fn an_index_built_from_an_analysis_finds_its_linked_notes() {
    let c = corpus();
    let engine = jingxuan::Engine::for_corpus(&c).unwrap();
    let analysis = engine.analyze(c, None);
    let index = SearchIndex::create_in_ram(Arc::clone(analysis.analyzer())).unwrap();
    let mut writer = index.writer().unwrap();
    let added = writer.add_analysis(&analysis).unwrap();
    writer.commit().unwrap();
    assert_eq!((added.notes, added.reviews), (4, 3));
    // The untagged note names 隐巷: the analysis's linking puts it under the cafe.
    let hits = index.search(&in_city("拿铁 环境", "杭州")).unwrap();
    let mention = hits.iter().find(|h| h.doc_id == "n_hz_mention").unwrap();
    assert_eq!(mention.merchant_ids, vec!["m_hz_cafe"]);
    assert_eq!(mention.kind, DocKind::Note);
}

/// The analysis and the index of `c` as of `as_of`, built one after the other
/// (`analyze` then `add_analysis`) or side by side (`analyze_and_add`), on a rayon pool of
/// `threads`: the city's scoreboard as JSON, the documents added, and the search answers.
fn analyzed_and_indexed(
    c: &Corpus,
    as_of: Option<Timestamp>,
    beside: bool,
    threads: usize,
) -> (String, IndexStats, Vec<(String, u32, String)>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let engine = jingxuan::Engine::for_corpus(c).unwrap();
        let index = SearchIndex::create_in_ram(Arc::clone(engine.analyzer())).unwrap();
        let mut writer = index.writer().unwrap();
        let (analysis, added) = if beside {
            writer.analyze_and_add(&engine, c.clone(), as_of).unwrap()
        } else {
            let analysis = engine.analyze(c.clone(), as_of);
            let added = writer.add_analysis(&analysis).unwrap();
            (analysis, added)
        };
        writer.commit().unwrap();
        assert_eq!(index.num_docs(), added.notes + added.reviews);
        let board = serde_json::to_string(&*analysis.score_city("杭州").unwrap()).unwrap();
        (board, added, fingerprint(&index))
    })
}

#[test]
fn an_index_built_beside_the_analysis_equals_one_built_after_it() {
    let c = corpus();
    let after = analyzed_and_indexed(&c, None, false, 1);
    assert_eq!((after.1.notes, after.1.reviews), (4, 3));
    assert!(after.2.len() >= 8, "{:?}", after.2);
    for threads in [1, 2] {
        assert_eq!(
            analyzed_and_indexed(&c, None, true, threads),
            after,
            "{threads} threads"
        );
    }
    // As of a day between the reviews (18 September) and the notes (2 October): both
    // leave the later notes out, the index as well as the analysis.
    let early = Some(ts("2025-09-25T00:00:00+08:00"));
    let after = analyzed_and_indexed(&c, early, false, 2);
    assert_eq!((after.1.notes, after.1.reviews), (0, 3));
    assert_eq!(analyzed_and_indexed(&c, early, true, 2), after);
}

#[test]
fn equal_scores_are_ordered_by_id_whatever_the_indexing_order() {
    let c = corpus();
    let index = SearchIndex::create_in_ram(analyzer_for(&c)).unwrap();
    // r_b is indexed first, so it precedes r_a inside the index.
    for id in ["r_b", "r_a"] {
        let mut batch = Corpus {
            merchants: c.merchants.clone(),
            ..Corpus::default()
        };
        batch
            .reviews
            .insert(id.into(), review(id, "m_hz_bar", "鸡尾酒很好喝。"));
        add(&index, &batch);
    }
    let all = index.search(&query("鸡尾酒")).unwrap();
    assert_eq!(ids(&all), vec!["r_a", "r_b"]);
    assert_eq!(all[0].score, all[1].score);
    let first = index
        .search(&SearchQuery {
            limit: 1,
            ..query("鸡尾酒")
        })
        .unwrap();
    assert_eq!(ids(&first), vec!["r_a"]);
}

fn not_an_index(result: Result<SearchIndex, Error>) -> bool {
    matches!(result, Err(Error::User(UserError::NotAnIndex { .. })))
}

#[test]
fn a_folder_that_is_not_an_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "不是索引").unwrap();
    assert!(not_an_index(SearchIndex::open(dir.path())));
    assert!(not_an_index(SearchIndex::open_or_create(
        dir.path(),
        Analyzer::builder().build_shared()
    )));
    // Nothing was written into the foreign folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    assert!(not_an_index(SearchIndex::open(&dir.path().join("missing"))));
    let empty = tempfile::tempdir().unwrap();
    assert!(not_an_index(SearchIndex::open(empty.path())));
    let file = dir.path().join("notes.txt");
    assert!(not_an_index(SearchIndex::open(Path::new(&file))));
}

#[test]
fn a_meta_file_of_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    drop(SearchIndex::open_or_create(&path, Analyzer::builder().build_shared()).unwrap());
    let meta = path.join(jingxuan::index::META_FILE);
    let text = std::fs::read_to_string(&meta).unwrap();
    let bumped = text.replace(
        &format!("\"version\": {}", jingxuan::index::FORMAT_VERSION),
        "\"version\": 999",
    );
    assert_ne!(text, bumped);
    std::fs::write(&meta, bumped).unwrap();
    assert!(not_an_index(SearchIndex::open(&path)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any query either fails as the caller's mistake or returns hits whose highlights are
    /// marked words of the snippet.
    #[test]
    fn any_query_gives_hits_or_a_user_error(text in "[咖啡馆安静火锅的了 ，。!a-z0-9]{0,12}") {
        thread_local! {
            static INDEX: SearchIndex = built_in_ram();
        }
        INDEX.with(|index| {
            match index.search(&query(&text)) {
                Ok(hits) => {
                    for h in &hits {
                        for &(a, b) in &h.highlights {
                            prop_assert!(a < b && b <= h.snippet.len());
                            prop_assert!(h.snippet.is_char_boundary(a) && h.snippet.is_char_boundary(b));
                            prop_assert!(h.snippet[..a].ends_with(OPEN_MARK));
                        }
                    }
                    let mut sorted = hits.clone();
                    sorted.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.doc_id.cmp(&y.doc_id)));
                    prop_assert_eq!(ids(&sorted), ids(&hits));
                }
                Err(e) => prop_assert!(e.is_user_error(), "{}", e),
            }
            Ok(())
        })?;
    }
}

/// The demo corpus (1,739 notes, 4,279 reviews) is read for the index in chunks of a few
/// thousand documents, so its reviews cross a chunk boundary: every document's tokens
/// must reach the index whichever chunk carried them. Each sampled document is searched
/// by the start of its own text in both indexes; the hits and their scores (which count
/// the tokens) must be equal.
#[test]
fn the_demo_indexed_beside_its_analysis_answers_as_one_indexed_after_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let c = jingxuan::corpus::load(&dir, &jingxuan::corpus::LoadOptions::default())
        .unwrap()
        .corpus;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let (after, beside, after_added, beside_added) = pool.install(|| {
        let engine = jingxuan::Engine::for_corpus(&c).unwrap();
        let after = SearchIndex::create_in_ram(Arc::clone(engine.analyzer())).unwrap();
        let mut writer = after.writer().unwrap();
        let analysis = engine.analyze(c.clone(), None);
        let after_added = writer.add_analysis(&analysis).unwrap();
        writer.commit().unwrap();
        let beside = SearchIndex::create_in_ram(Arc::clone(engine.analyzer())).unwrap();
        let mut writer = beside.writer().unwrap();
        let (_, beside_added) = writer.analyze_and_add(&engine, c.clone(), None).unwrap();
        writer.commit().unwrap();
        (after, beside, after_added, beside_added)
    });
    assert_eq!(after_added, beside_added);
    assert_eq!(beside.num_docs(), (c.notes.len() + c.reviews.len()) as u64);
    let texts: Vec<(&str, String)> = c
        .notes
        .values()
        .map(|n| (n.id.as_str(), n.text().to_string()))
        .chain(
            c.reviews
                .values()
                .map(|r| (r.id.as_str(), r.text.to_string())),
        )
        .collect();
    assert!(texts.len() > 4096 + 1739, "{}", texts.len());
    let mut found_self = 0;
    let sample = texts.iter().step_by(37).chain(texts.iter().rev().take(20));
    for (id, text) in sample {
        let start: String = text.chars().take(16).collect();
        let q = SearchQuery {
            limit: 5,
            ..query(&start)
        };
        // A text may open with only emoji or punctuation: no words to search for.
        let (Ok(a), Ok(b)) = (after.search(&q), beside.search(&q)) else {
            assert!(after.search(&q).is_err() && beside.search(&q).is_err());
            continue;
        };
        let key = |hits: &[SearchHit]| -> Vec<(String, u32)> {
            hits.iter()
                .map(|h| (h.doc_id.clone(), h.score.to_bits()))
                .collect()
        };
        assert_eq!(key(&a), key(&b), "query {start:?} (from {id})");
        found_self += usize::from(b.iter().any(|h| h.doc_id == *id));
    }
    // Most texts' own opening words find them among the first five hits.
    assert!(found_self > 100, "{found_self}");
}
