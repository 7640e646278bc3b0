//! Text-only sentiment against real star ratings: the ASAP sample of Dianping reviews
//! (data/asap, Apache-2.0).
//!
//! The lexicons were tuned by reading `train_sample.csv` only; `dev_sample.csv` and
//! `test_sample.csv` are held out. For each part we report ROC AUC (4–5 stars against 1–3)
//! and Spearman's rho with the star, for our polarity and for the plain NTUSD baseline
//! (positive minus negative word count). Run with `-- --nocapture` to see the table.

#[path = "common/metrics.rs"]
mod metrics;

use jingxuan::evidence::{Aspect, SentimentModel};
use jingxuan::text::Analyzer;
use metrics::spearman;

#[derive(Clone)]
struct Review {
    text: String,
    star: f64,
    /// The 18 aspect labels: 1 positive, 0 neutral, −1 negative, −2 not mentioned.
    labels: Vec<i8>,
}

/// Minimal RFC 4180 reader: fields may be quoted, `""` is a quote inside quotes, quoted
/// fields may hold commas. (No CSV crate is available offline to this workspace.)
fn parse_csv(src: &str) -> Vec<Vec<String>> {
    let src = src.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn load(name: &str) -> Vec<Review> {
    let path = format!("{}/data/asap/{name}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows = parse_csv(&src);
    assert_eq!(rows[0][1], "reviewbody", "{path}: unexpected header");
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), 21, "{path}: row {:?} has {} fields", r[0], r.len());
            Review {
                // The dump writes line breaks as a literal backslash-n.
                text: r[1].replace("\\n", "\n"),
                star: r[2].parse().unwrap_or_else(|_| panic!("star {:?}", r[2])),
                labels: r[3..]
                    .iter()
                    .map(|l| l.parse().unwrap_or_else(|_| panic!("label {l:?}")))
                    .collect(),
            }
        })
        .collect()
}

/// ROC AUC of `score` for telling positives (4–5 stars) from the rest; ties count half.
fn auc(scores: &[f64], stars: &[f64]) -> f64 {
    let mut wins = 0.0;
    let mut pairs = 0.0;
    for (s_pos, _) in scores.iter().zip(stars).filter(|(_, &st)| st >= 4.0) {
        for (s_neg, _) in scores.iter().zip(stars).filter(|(_, &st)| st < 4.0) {
            pairs += 1.0;
            if s_pos > s_neg {
                wins += 1.0;
            } else if s_pos == s_neg {
                wins += 0.5;
            }
        }
    }
    wins / pairs
}

struct Figures {
    n: usize,
    positives: usize,
    ours_auc: f64,
    ours_rho: f64,
    base_auc: f64,
    base_rho: f64,
}

fn measure(model: &SentimentModel, analyzer: &Analyzer, reviews: &[Review]) -> Figures {
    let stars: Vec<f64> = reviews.iter().map(|r| r.star).collect();
    let ours: Vec<f64> = reviews
        .iter()
        .map(|r| f64::from(model.analyze(&analyzer.analyze(&r.text), &r.text).polarity))
        .collect();
    let base: Vec<f64> = reviews
        .iter()
        .map(|r| f64::from(model.ntusd_count(&r.text)))
        .collect();
    Figures {
        n: reviews.len(),
        positives: stars.iter().filter(|&&s| s >= 4.0).count(),
        ours_auc: auc(&ours, &stars),
        ours_rho: spearman(&ours, &stars),
        base_auc: auc(&base, &stars),
        base_rho: spearman(&base, &stars),
    }
}

#[test]
fn text_sentiment_orders_real_reviews_like_their_stars() {
    let model = SentimentModel::new().expect("lexicons load");
    let analyzer = Analyzer::default();
    let tuned = load("train_sample.csv");
    let dev = load("dev_sample.csv");
    let test = load("test_sample.csv");
    let held_out: Vec<Review> = dev.iter().chain(&test).cloned().collect();
    assert_eq!((tuned.len(), held_out.len()), (100, 200));

    let t = measure(&model, &analyzer, &tuned);
    let h = measure(&model, &analyzer, &held_out);
    let d = measure(&model, &analyzer, &dev);
    let x = measure(&model, &analyzer, &test);
    println!("ASAP sample: text-only polarity vs stars (AUC: 4–5 stars vs 1–3)");
    println!("part                  n  4–5★  AUC ours  AUC NTUSD  rho ours  rho NTUSD");
    for (name, f) in [
        ("tuned (train)", &t),
        ("held out (dev+test)", &h),
        ("  of which dev", &d),
        ("  of which test", &x),
    ] {
        println!(
            "{name:<20} {:>3} {:>5} {:>9.3} {:>10.3} {:>9.3} {:>10.3}",
            f.n, f.positives, f.ours_auc, f.base_auc, f.ours_rho, f.base_rho
        );
    }

    // Floors a little below the measured held-out figures (AUC 0.820, rho 0.560 when
    // written), so a regression in the lexicons or the rules fails here.
    assert!(h.ours_auc >= 0.79, "held-out AUC {:.3}", h.ours_auc);
    assert!(h.ours_rho >= 0.50, "held-out Spearman {:.3}", h.ours_rho);
    assert!(
        h.ours_auc > h.base_auc + 0.08,
        "ours {:.3} must beat the NTUSD count {:.3}",
        h.ours_auc,
        h.base_auc
    );
    assert!(
        h.ours_rho > h.base_rho,
        "Spearman ours {:.3} vs NTUSD {:.3}",
        h.ours_rho,
        h.base_rho
    );
    assert!(t.ours_auc > t.base_auc);
}

/// ASAP label columns (0-based, after `index, reviewbody, star`) that speak of each of our
/// aspects.
fn gold_columns(aspect: Aspect) -> &'static [usize] {
    // 3 service_wait_time, 4 service_waiters_attitude, 6 service_serving_speed,
    // 7 price_level, 8 price_cost_effective, 10 environment_decoration, 11 environment_noise,
    // 12 environment_space, 13 environment_cleaness, 15 dish_taste.
    match aspect {
        Aspect::Taste => &[15],
        Aspect::Environment => &[10, 11, 12],
        Aspect::Service => &[4],
        Aspect::Value => &[7, 8],
        Aspect::Hygiene => &[13],
        Aspect::Waiting => &[3, 6],
    }
}

/// Per aspect: (reviews whose labels give it a clear sign, of those how many we gave any
/// signal, of those how many with the same sign).
fn aspect_agreement(
    model: &SentimentModel,
    analyzer: &Analyzer,
    reviews: &[Review],
) -> Vec<(Aspect, usize, usize, usize)> {
    let evs: Vec<_> = reviews
        .iter()
        .map(|r| model.analyze(&analyzer.analyze(&r.text), &r.text))
        .collect();
    Aspect::ALL
        .iter()
        .map(|&a| {
            let (mut labelled, mut covered, mut agree) = (0, 0, 0);
            for (r, ev) in reviews.iter().zip(&evs) {
                let gold: i32 = gold_columns(a)
                    .iter()
                    .map(|&c| i32::from(r.labels[c]))
                    .filter(|l| l.abs() == 1)
                    .sum();
                if gold == 0 {
                    continue;
                }
                labelled += 1;
                if let Some(sig) = ev.aspects.get(&a).filter(|s| s.polarity != 0.0) {
                    covered += 1;
                    if (sig.polarity > 0.0) == (gold > 0) {
                        agree += 1;
                    }
                }
            }
            (a, labelled, covered, agree)
        })
        .collect()
}

#[test]
fn aspect_sentiment_agrees_with_asap_aspect_labels() {
    let model = SentimentModel::new().expect("lexicons load");
    let analyzer = Analyzer::default();
    let tuned = load("train_sample.csv");
    let mut held_out = load("dev_sample.csv");
    held_out.extend(load("test_sample.csv"));
    println!("aspect sign vs ASAP aspect labels: labelled / we gave a signal / same sign");
    let mut totals = (0, 0);
    for (name, part) in [("tuned", &tuned), ("held out", &held_out)] {
        for (a, labelled, covered, agree) in aspect_agreement(&model, &analyzer, part) {
            println!(
                "{name:<9} {:<12} {labelled:>4} {covered:>4} {agree:>4}  ({:.0}% agree)",
                a.name(),
                100.0 * agree as f64 / covered.max(1) as f64
            );
            if name == "held out" {
                totals.0 += covered;
                totals.1 += agree;
            }
        }
    }
    let accuracy = totals.1 as f64 / totals.0 as f64;
    println!(
        "held out, all aspects: {:.3} of {} signals agree",
        accuracy, totals.0
    );
    assert!(totals.0 >= 100, "too few aspect signals: {}", totals.0);
    // Measured 0.892 on the held-out part when written.
    assert!(accuracy >= 0.85, "aspect sign agreement {accuracy:.3}");
}

#[test]
fn csv_reader_handles_quotes_and_commas() {
    let rows = parse_csv("\u{feff}a,b\n1,\"x, \"\"y\"\"\"\n");
    assert_eq!(rows, vec![vec!["a", "b"], vec!["1", "x, \"y\""]]);
}
