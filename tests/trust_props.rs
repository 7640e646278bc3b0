//! The trust stage's promises, held against campaigns generated at random (ARCHITECTURE.md,
//! invariants "Bounded influence", "Direction" and "A point in time"):
//!
//! - a campaign by accounts with little history and no payment proof, of any size, text,
//!   timing, verification or follower count, in either direction, moves a merchant's mean
//!   opinion by at most the stated bound, never changes its credible weight, and never
//!   sinks its score below what its credible reviewers alone support;
//! - a campaign against a merchant never makes it ineligible;
//! - nothing dated after `--as-of` changes any score, flag, eligibility or list.

use std::fmt::Write as _;
use std::path::Path;

use jingxuan::corpus::{self, LoadOptions, Timestamp};
use jingxuan::reputation::{MerchantScore, ScoringConfig};
use jingxuan::selection::SelectionPolicy;
use jingxuan::Engine;
use proptest::prelude::*;

const DAY: i64 = 86_400;
/// 2025-07-01T00:00:00Z: the instant every analysis here is made at.
const AS_OF: i64 = 1_751_328_000;
const MERCHANTS: usize = 12;

/// 16 cases each by default (each case analyses two small corpora); `PROPTEST_CASES`
/// raises it.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}

fn ts(unix: i64) -> String {
    Timestamp::from_unix(unix).to_string()
}

/// A small deterministic pseudo-random stream for the honest world (proptest draws the
/// campaign).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const GOOD: [&str; 8] = [
    "锅底香浓，毛肚很新鲜",
    "服务员很热情，主动帮忙加汤",
    "环境干净，座位宽敞",
    "性价比不错，分量足",
    "虾滑弹牙，蘸料种类多",
    "上菜快，等位也不久",
    "老板人很好，送了果盘",
    "牛肉切得薄，入口即化",
];
const MEH: [&str; 6] = [
    "味道一般，没有特别惊艳",
    "价格有点贵",
    "服务还行，就是人多有点吵",
    "锅底偏咸",
    "菜量中规中矩",
    "环境普通",
];
const BAD: [&str; 6] = [
    "毛肚不新鲜，有股味道",
    "服务员态度冷淡，叫了半天没人理",
    "太贵了，不值这个价",
    "上菜慢，等了四十分钟",
    "锅底寡淡，不会再来",
    "桌子油腻腻的",
];

/// An honest review text for a star rating: three sentences, varied.
fn honest_text(rng: &mut Lcg, rating: f64) -> String {
    let bank: &[&str] = if rating >= 4.0 {
        &GOOD
    } else if rating >= 3.0 {
        &MEH
    } else {
        &BAD
    };
    let mut s = String::new();
    for _ in 0..3 {
        s.push_str(bank[rng.below(bank.len() as u64) as usize]);
        s.push('，');
    }
    s.push_str(&format!("第{}次来。", 1 + rng.below(5)));
    s
}

/// The honest world of one city: 12 hotpot shops of known quality, 30 established
/// reviewers who each wrote about six to nine shops over more than a year, and 25 one-off
/// reviewers. Returned as JSON Lines per file.
struct Files {
    merchants: String,
    authors: String,
    reviews: String,
    notes: String,
    visits: String,
    curation: String,
}

fn honest_world(seed: u64) -> Files {
    let mut rng = Lcg(seed);
    let mut f = Files {
        merchants: String::new(),
        authors: String::new(),
        reviews: String::new(),
        notes: String::new(),
        visits: String::new(),
        curation: String::new(),
    };
    let names = [
        "蜀香阁",
        "川渝老灶",
        "红汤记",
        "九宫格",
        "锅气坊",
        "辣府",
        "鲜毛肚",
        "老码头",
        "巴蜀人家",
        "牛油记",
        "山城味",
        "麻辣站",
    ];
    for (i, name) in names.iter().enumerate().take(MERCHANTS) {
        let _ = writeln!(
            f.merchants,
            r#"{{"id":"m-{i:02}","name":"{name}火锅","city":"杭州","district":"上城区","category":"美食/火锅","opened_at":"2022-01-01"}}"#
        );
    }
    // Quality: m-00 is good (the one campaigns target), the rest spread out.
    let quality =
        |m: usize| -> f64 { [4.6, 3.0, 3.4, 3.8, 4.2, 2.6, 4.4, 3.2, 3.6, 4.0, 2.8, 4.1][m] };
    let mut doc = 0;
    for a in 0..30 {
        let _ = writeln!(
            f.authors,
            r#"{{"id":"e-{a:02}","created_at":"{}","followers":{}}}"#,
            ts(AS_OF - (800 + 10 * a as i64) * DAY),
            rng.below(200)
        );
        let count = 6 + rng.below(4) as usize;
        let start = rng.below(MERCHANTS as u64) as usize;
        for j in 0..count {
            let m = (start + j * 5) % MERCHANTS;
            let at = AS_OF - (30 + rng.below(500) as i64) * DAY - rng.below(DAY as u64) as i64;
            let noise = rng.below(3) as f64 * 0.5 - 0.5;
            let rating = (quality(m) + noise).clamp(1.0, 5.0);
            let rating = (rating * 2.0).round() / 2.0;
            let text = honest_text(&mut rng, rating);
            let _ = writeln!(
                f.reviews,
                r#"{{"id":"r-{doc:04}","author_id":"e-{a:02}","merchant_id":"m-{m:02}","created_at":"{}","rating":{rating},"text":"{text}"}}"#,
                ts(at)
            );
            if rng.below(3) == 0 {
                let _ = writeln!(
                    f.visits,
                    r#"{{"author_id":"e-{a:02}","merchant_id":"m-{m:02}","at":"{}","kind":"payment"}}"#,
                    ts(at - 3_600)
                );
            }
            doc += 1;
        }
    }
    for a in 0..25 {
        let _ = writeln!(
            f.authors,
            r#"{{"id":"h-{a:02}","created_at":"{}"}}"#,
            ts(AS_OF - (100 + 20 * a as i64) * DAY)
        );
        let m = rng.below(MERCHANTS as u64) as usize;
        let at = AS_OF - (10 + rng.below(90) as i64) * DAY;
        let rating = ((quality(m) + rng.below(3) as f64 * 0.5 - 0.5) * 2.0).round() / 2.0;
        let rating = rating.clamp(1.0, 5.0);
        let text = honest_text(&mut rng, rating);
        let _ = writeln!(
            f.reviews,
            r#"{{"id":"r-{doc:04}","author_id":"h-{a:02}","merchant_id":"m-{m:02}","created_at":"{}","rating":{rating},"text":"{text}"}}"#,
            ts(at)
        );
        doc += 1;
    }
    f
}

/// A campaign about m-00 by accounts with little history (each writes about at most one
/// other shop) and no payment proof.
#[derive(Debug, Clone)]
struct Campaign {
    praise: bool,
    accounts: usize,
    /// Account age when posting, in days.
    age_days: i64,
    verified_share: f64,
    followers: u64,
    /// The whole campaign's span in hours.
    span_hours: i64,
    /// How the text is made: 0 copied, 1 templated, 2 varied, 3 safety smear, 4 no text.
    text: u8,
    /// Members who also review one other shop.
    camouflage: bool,
    /// Members who redeem a coupon or navigate there first.
    redemption: bool,
    notes: bool,
    /// Days before `AS_OF` the campaign ends.
    ends_days_before: i64,
}

fn campaign() -> impl Strategy<Value = Campaign> {
    (
        any::<bool>(),
        1usize..60,
        prop_oneof![1i64..30, 60i64..1500],
        0.0f64..0.6,
        prop_oneof![0u64..800, 10_000u64..500_000],
        prop_oneof![1i64..24, 24i64..336, 336i64..2880],
        0u8..5,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0i64..60,
    )
        .prop_map(
            |(
                praise,
                accounts,
                age_days,
                verified_share,
                followers,
                span_hours,
                text,
                camouflage,
                redemption,
                notes,
                ends_days_before,
            )| Campaign {
                praise,
                accounts,
                age_days,
                verified_share,
                followers,
                span_hours,
                text,
                camouflage,
                redemption,
                notes,
                ends_days_before,
            },
        )
}

const PRAISE: [&str; 6] = [
    "太好吃了！强烈推荐，必须五星",
    "宝藏火锅店，吃了还想吃，绝绝子",
    "yyds！服务一流，味道一流",
    "人均不贵，超级满意，闭眼冲",
    "朋友推荐来的，果然没让我失望，超赞",
    "每一道菜都好吃，下次还来",
];
const SCORN: [&str; 6] = [
    "垃圾店，千万别来，踩雷了",
    "难吃到吐，服务员态度恶劣",
    "避雷！又贵又难吃，坑人",
    "黑店，宰客，差评",
    "菜量少得可怜，味道也差",
    "一星都不想给，太失望了",
];
const SMEAR: [&str; 4] = [
    "吃完回去就拉肚子了，后厨肯定不干净",
    "在锅里吃出了头发，恶心",
    "碗筷都不干净，吃出虫子",
    "食材不新鲜，吃完上吐下泻",
];

fn add_campaign(f: &mut Files, c: &Campaign, salt: u64) {
    add_campaign_on(f, c, salt, "m-00");
}

fn add_campaign_on(f: &mut Files, c: &Campaign, salt: u64, target: &str) {
    let mut rng = Lcg(salt ^ 0x9e37_79b9);
    let end = AS_OF - c.ends_days_before * DAY - 3_600;
    let start = end - c.span_hours * 3_600;
    let copied = if c.praise { PRAISE[0] } else { SCORN[0] };
    for i in 0..c.accounts {
        let at = start + (c.span_hours * 3_600 * i as i64) / c.accounts.max(1) as i64;
        let verified = (i as f64) < c.verified_share * c.accounts as f64;
        let _ = writeln!(
            f.authors,
            r#"{{"id":"c-{salt}-{i:02}","created_at":"{}","followers":{},"verified":{verified}}}"#,
            ts(at - c.age_days * DAY),
            c.followers
        );
        let text = match c.text {
            0 => copied.to_string(),
            1 => format!("{}，{}号桌的体验", copied, i),
            2 => {
                let bank = if c.praise { &PRAISE } else { &SCORN };
                format!(
                    "{}，{}",
                    bank[rng.below(6) as usize],
                    bank[rng.below(6) as usize]
                )
            }
            3 => {
                if c.praise {
                    PRAISE[rng.below(6) as usize].to_string()
                } else {
                    SMEAR[rng.below(4) as usize].to_string()
                }
            }
            _ => String::new(),
        };
        let rating = if c.praise { 5.0 } else { 1.0 };
        if c.notes && !text.is_empty() {
            let _ = writeln!(
                f.notes,
                r#"{{"id":"cn-{salt}-{i:02}","author_id":"c-{salt}-{i:02}","created_at":"{}","title":"好吃的火锅","body":"{text}","merchant_ids":["{target}"]}}"#,
                ts(at)
            );
        } else {
            let _ = writeln!(
                f.reviews,
                r#"{{"id":"cr-{salt}-{i:02}","author_id":"c-{salt}-{i:02}","merchant_id":"{target}","created_at":"{}","rating":{rating},"text":"{text}","verified_visit":{}}}"#,
                ts(at),
                c.redemption
            );
        }
        if c.redemption {
            let kind = if i % 2 == 0 {
                "redemption"
            } else {
                "navigation"
            };
            let _ = writeln!(
                f.visits,
                r#"{{"author_id":"c-{salt}-{i:02}","merchant_id":"{target}","at":"{}","kind":"{kind}"}}"#,
                ts(at - 1_800)
            );
        }
        if c.camouflage {
            let other = 1 + rng.below(MERCHANTS as u64 - 1);
            let _ = writeln!(
                f.reviews,
                r#"{{"id":"cc-{salt}-{i:02}","author_id":"c-{salt}-{i:02}","merchant_id":"m-{other:02}","created_at":"{}","rating":4,"text":"还不错，挺好的"}}"#,
                ts(at - 5 * DAY)
            );
        }
    }
}

fn write(dir: &Path, f: &Files) {
    for (name, body) in [
        ("merchants.jsonl", &f.merchants),
        ("authors.jsonl", &f.authors),
        ("reviews.jsonl", &f.reviews),
        ("notes.jsonl", &f.notes),
        ("visits.jsonl", &f.visits),
        ("curation.jsonl", &f.curation),
    ] {
        std::fs::write(dir.join(name), body).unwrap();
    }
}

/// One engine for every case: the merchants (and so the analyzer's words) never change,
/// and building the segmenter is most of a small analysis's cost.
fn engine(corpus: &jingxuan::corpus::Corpus) -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    let e = ENGINE.get_or_init(|| Engine::for_corpus(corpus).unwrap());
    assert!(e.same_words(&corpus.merchant_names()));
    e
}

fn target_score(dir: &Path) -> MerchantScore {
    score_of(dir, "m-00")
}

fn score_of(dir: &Path, id: &str) -> MerchantScore {
    let loaded = corpus::load(dir, &LoadOptions::default()).unwrap();
    let engine = engine(&loaded.corpus);
    let analysis = engine.analyze(loaded.corpus.clone(), Some(Timestamp::from_unix(AS_OF)));
    let board = analysis.score_city("杭州").unwrap();
    board
        .merchants
        .iter()
        .find(|m| m.merchant_id == id)
        .cloned()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The bound stated in ARCHITECTURE.md ("Bounded influence"), for any campaign by
    /// accounts with little history and no payment proof.
    #[test]
    fn no_cheap_campaign_moves_a_merchant_past_the_bound(c in campaign(), seed in 1u64..1000) {
        let base = honest_world(seed);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &base);
        let before = target_score(dir.path());
        let mut attacked = honest_world(seed);
        add_campaign(&mut attacked, &c, seed);
        write(dir.path(), &attacked);
        let after = target_score(dir.path());

        let config = ScoringConfig::default();
        let credible = before.credible_weight - before.cheap_weight;
        let credible_after = after.credible_weight - after.cheap_weight;
        // The campaign adds nothing to the credible pool …
        prop_assert!((credible - credible_after).abs() < 2e-3, "credible {credible} → {credible_after}");
        // … its pool is bounded …
        let cap = config.cheap_share * credible + config.cheap_base;
        prop_assert!(after.cheap_weight <= cap + 2e-3, "cheap {} > {cap}", after.cheap_weight);
        // … so the mean moves by at most cap / (credible + prior + cap) of the scale.
        let bound = 100.0 * cap / (credible + config.prior_weight + cap);
        prop_assert!(
            (after.mean - before.mean).abs() <= bound + 1e-2,
            "mean {} → {} (bound {bound:.2})", before.mean, after.mean
        );
        // Never below what credible reviewers alone support.
        prop_assert!((after.credible_floor - before.credible_floor).abs() < 1e-2);
        prop_assert!(after.score >= before.credible_floor - 1e-2);
        // Praise can lift the score to no more than the old mean plus the bound.
        prop_assert!(after.score <= before.mean + bound + 1e-2);
        if !c.praise {
            // Against a merchant: never ineligible because of it.
            prop_assert_eq!(after.eligible, before.eligible, "{:?}", after.ineligible);
            prop_assert!(after.flags.iter().all(|f| !f.favours() || before.flags.iter().any(|g| g.kind == f.kind)));
        }
    }
}

/// Records dated after `t`: a burst of praise and one of scorn, new accounts, visits, a
/// note, and curation decisions (an exclusion, a hold, an approval).
fn later_records(f: &mut Files, t: i64, rng: &mut Lcg) {
    for i in 0..(5 + rng.below(20) as usize) {
        let m = rng.below(MERCHANTS as u64);
        let at = t + 1 + rng.below(30 * DAY as u64) as i64;
        let _ = writeln!(
            f.authors,
            r#"{{"id":"late-{i}","created_at":"{}"}}"#,
            ts(at - DAY)
        );
        let rating = if i % 2 == 0 { 5 } else { 1 };
        let text = if i % 2 == 0 {
            PRAISE[i % 6]
        } else {
            SMEAR[i % 4]
        };
        let _ = writeln!(
            f.reviews,
            r#"{{"id":"late-r-{i}","author_id":"late-{i}","merchant_id":"m-{m:02}","created_at":"{}","rating":{rating},"text":"{text}"}}"#,
            ts(at)
        );
        let _ = writeln!(
            f.visits,
            r#"{{"author_id":"e-{:02}","merchant_id":"m-{m:02}","at":"{}","kind":"payment"}}"#,
            rng.below(30),
            ts(at)
        );
    }
    let _ = writeln!(
        f.notes,
        r#"{{"id":"late-n","author_id":"e-01","created_at":"{}","title":"蜀香阁火锅","body":"受邀来吃，#品牌合作 超好吃","merchant_ids":["m-00"]}}"#,
        ts(t + 3_600)
    );
    for (m, decision) in [(0, "exclude"), (3, "hold"), (5, "approve")] {
        let _ = writeln!(
            f.curation,
            r#"{{"merchant_id":"m-{m:02}","decision":"{decision}","reason":"later","by":"qa","at":"{}"}}"#,
            ts(t + 2 * DAY)
        );
    }
}

fn outputs(dir: &Path, t: i64) -> String {
    let loaded = corpus::load(dir, &LoadOptions::default()).unwrap();
    let engine = engine(&loaded.corpus);
    let analysis = engine.analyze(loaded.corpus.clone(), Some(Timestamp::from_unix(t)));
    let board = analysis.score_city("杭州").unwrap();
    let list = analysis
        .select("杭州", &SelectionPolicy::default(), &Default::default())
        .unwrap();
    let explain = analysis.explain("m-00").unwrap();
    format!(
        "{}\n{}\n{}",
        serde_json::to_string(&board).unwrap(),
        serde_json::to_string(&list).unwrap(),
        serde_json::to_string(&explain).unwrap()
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `--as-of T` is a point in time: records dated after T change nothing at T.
    #[test]
    fn records_after_as_of_change_nothing(seed in 1u64..1000, back_days in 0i64..200, c in campaign()) {
        let t = AS_OF - back_days * DAY;
        let mut world = honest_world(seed);
        // A campaign that may straddle T: its later part must not count at T.
        add_campaign(&mut world, &c, seed);
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &world);
        let before = outputs(dir.path(), t);
        let mut rng = Lcg(seed);
        later_records(&mut world, t, &mut rng);
        write(dir.path(), &world);
        prop_assert_eq!(before, outputs(dir.path(), t));
    }
}

/// An approval covers the manipulation found when it was made; manipulation found in
/// documents written after it holds the merchant again.
#[test]
fn an_approval_covers_only_the_flags_it_saw() {
    let bought = |ends_days_before: i64| Campaign {
        praise: true,
        accounts: 25,
        age_days: 400,
        verified_share: 0.2,
        followers: 30,
        span_hours: 72,
        text: 2,
        camouflage: true,
        redemption: true,
        notes: false,
        ends_days_before,
    };
    let dir = tempfile::tempdir().unwrap();
    let mut world = honest_world(7);
    write(dir.path(), &world);
    let honest = score_of(dir.path(), "m-05");
    assert!(honest.eligible, "{:?}", honest.ineligible);

    add_campaign_on(&mut world, &bought(40), 1, "m-05");
    write(dir.path(), &world);
    let held = score_of(dir.path(), "m-05");
    assert!(
        matches!(
            held.ineligible,
            Some(jingxuan::reputation::Ineligible::UnderReview { .. })
        ),
        "bought praise on a weak shop must hold it: {:?} {:?}",
        held.ineligible,
        held.flags
    );

    let _ = writeln!(
        world.curation,
        r#"{{"merchant_id":"m-05","decision":"approve","reason":"复核：老顾客回流","by":"qa","at":"{}"}}"#,
        ts(AS_OF - 30 * DAY)
    );
    write(dir.path(), &world);
    let approved = score_of(dir.path(), "m-05");
    assert!(approved.eligible, "{:?}", approved.ineligible);
    assert_eq!(
        approved.score, held.score,
        "an approval never changes a score"
    );

    add_campaign_on(&mut world, &bought(5), 2, "m-05");
    write(dir.path(), &world);
    let again = score_of(dir.path(), "m-05");
    assert!(
        matches!(
            again.ineligible,
            Some(jingxuan::reputation::Ineligible::UnderReview { .. })
        ),
        "praise bought after the approval must hold it again: {:?}",
        again.ineligible
    );
}
