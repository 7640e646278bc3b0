//! Trust detectors on honest real-world wording: an app's default review text that many
//! unrelated people leave at many shops is not a template campaign, and a platform
//! programme (霸王餐) or a disclaimer holds no shop; a bought template at one shop still is.

use std::fmt::Write as _;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::trust::sponsored;
use jingxuan::trust::FlagKind;
use jingxuan::Engine;

/// The default text a review app fills in, then a few words of the writer's own (real
/// wording from Meituan reviews of hotpot shops).
const APP_DEFAULT: &str = "很满意的一次就餐体验，整体评价的话我觉得：口味不错，环境不错，服务不错";
const OWN_WORDS: [&str; 6] = ["", "推荐", "下次再来", "好吃", "不错", "还会来的"];

/// A bought template: a long, specific text posted by three accounts about one shop.
const BOUGHT: &str =
    "老板人超级好，招牌鸳鸯锅底浓郁鲜香，毛肚脆嫩，虾滑手打的，强烈推荐给大家，必吃榜实至名归";

fn corpus_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut merchants = String::new();
    let mut authors = String::new();
    let mut reviews = String::new();
    let mut n = 0usize;
    let mut review = |m: usize,
                      text: &str,
                      day: usize,
                      reviews: &mut String,
                      authors: &mut String| {
        writeln!(
            authors,
            r#"{{"id":"a{n:04}","created_at":"2023-03-01T10:00:00+08:00"}}"#
        )
        .unwrap();
        writeln!(
            reviews,
            r#"{{"id":"r{n:04}","author_id":"a{n:04}","merchant_id":"m{m:02}","created_at":"2025-05-{:02}T12:00:00+08:00","rating":5,"text":{}}}"#,
            1 + day % 28,
            serde_json::to_string(text).unwrap()
        )
        .unwrap();
        n += 1;
    };
    for m in 0..10 {
        writeln!(
            merchants,
            r#"{{"id":"m{m:02}","name":"火锅{m:02}号店","city":"测试市","category":"美食/火锅"}}"#
        )
        .unwrap();
        // Three honest users per shop leave the app's default text within weeks.
        for k in 0..3 {
            let text = format!("{APP_DEFAULT}{}", OWN_WORDS[(m + k) % OWN_WORDS.len()]);
            review(m, &text, 3 * k + m, &mut reviews, &mut authors);
        }
        // Each shop also has its own, different reviews.
        for k in 0..4 {
            let text = format!("第{k}次来{m}号店，锅底不错，服务员态度也很好，价格合理。");
            review(m, &text, 2 * k, &mut reviews, &mut authors);
        }
    }
    // Shop 0 bought a template; shop 1 got a platform programme review and a disclaimer.
    for k in 0..3 {
        review(0, BOUGHT, 10 + k, &mut reviews, &mut authors);
    }
    review(
        1,
        "感谢大众点评及商家提供的这次免费体验，抽中了霸王餐很是高兴呢，锅底很香。",
        5,
        &mut reviews,
        &mut authors,
    );
    review(
        1,
        "和大众点评已经没有合作了，但是味道一直在线。",
        6,
        &mut reviews,
        &mut authors,
    );
    for (file, text) in [
        ("merchants.jsonl", merchants),
        ("authors.jsonl", authors),
        ("reviews.jsonl", reviews),
    ] {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    dir
}

#[test]
fn shared_default_text_is_no_template_and_programmes_hold_no_shop() {
    let dir = corpus_dir();
    let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let board = analysis.score_city("测试市").unwrap();
    let flags = |id: &str| -> Vec<FlagKind> {
        board
            .merchants
            .iter()
            .find(|m| m.merchant_id == id)
            .unwrap()
            .flags
            .iter()
            .map(|f| f.kind)
            .collect()
    };
    for m in 1..10 {
        let id = format!("m{m:02}");
        assert!(
            !flags(&id).contains(&FlagKind::Template),
            "{id}: the app's default text flagged as a template"
        );
    }
    // The bought template at shop 0 is still found, and only its three copies.
    let template = board.merchants[..]
        .iter()
        .find(|m| m.merchant_id == "m00")
        .unwrap()
        .flags
        .iter()
        .find(|f| f.kind == FlagKind::Template)
        .expect("the bought template is flagged");
    assert_eq!(template.docs.len(), 3, "{:?}", template.docs);
    // Neither the programme review nor the disclaimer is a soft ad.
    assert!(
        !flags("m01").contains(&FlagKind::SoftAd),
        "{:?}",
        flags("m01")
    );
    let commercial = sponsored::detect(&loaded.corpus, analysis.evidence());
    let programmes = sponsored::programmes_in(analysis.evidence(), &commercial);
    let ids: Vec<&str> = programmes
        .keys()
        .map(|&i| analysis.evidence().docs[i].id.as_str())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    // The programme review counts, at half weight (not independent), and holds nothing.
    let view = analysis.merchant("m01").unwrap();
    let programme = view
        .evidence()
        .find(|x| x.doc.id == ids[0])
        .expect("the programme review is m01's evidence");
    let w = programme.weight;
    assert!(
        w.discounts.iter().any(
            |d| matches!(d, jingxuan::trust::Discount::Programme { name } if name == "霸王餐")
        ),
        "{:?}",
        w.discounts
    );
    assert!((w.total() - 0.5 * w.undiscounted()).abs() < 1e-9, "{w:?}");
    let m01 = board
        .merchants
        .iter()
        .find(|m| m.merchant_id == "m01")
        .unwrap();
    assert!(m01.eligible, "{:?}", m01.ineligible);
}
