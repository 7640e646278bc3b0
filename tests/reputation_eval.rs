//! Reputation against planted truth: on the generated fixtures, how well do scores order
//! merchants by their latent quality, and does manipulation get through? Each figure is also
//! computed for three baselines in the same run. `cargo test --test reputation_eval --
//! --nocapture` prints the table quoted in the README.

#[path = "common/metrics.rs"]
mod metrics;

use std::collections::BTreeMap;
use std::path::Path;

use metrics::{ndcg, spearman};

use jingxuan::corpus::{self, Corpus, LoadOptions, MerchantStatus};
use jingxuan::Engine;
use jingxuan_fixture_gen::{generate, GenConfig};

struct Truth {
    quality: BTreeMap<String, f64>,
    /// Documents planted as a competitor's attack.
    attack_docs: std::collections::BTreeSet<String>,
    manipulated: BTreeMap<String, bool>,
    attacked: BTreeMap<String, bool>,
}

fn truth(dir: &Path) -> Truth {
    let text = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let mut t = Truth {
        quality: BTreeMap::new(),
        attack_docs: Default::default(),
        manipulated: BTreeMap::new(),
        attacked: BTreeMap::new(),
    };
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["label"] == "attack" {
            t.attack_docs
                .insert(v["doc_id"].as_str().unwrap().to_string());
        }
        if v.get("quality").is_some() {
            let id = v["merchant_id"].as_str().unwrap().to_string();
            t.quality.insert(id.clone(), v["quality"].as_f64().unwrap());
            let manip = v["manipulation"].as_array().is_some_and(|a| !a.is_empty());
            t.manipulated.insert(id.clone(), manip);
            t.attacked
                .insert(id, v["attacked"].as_bool().unwrap_or(false));
        }
    }
    t
}

/// One ranking's figures over one city.
#[derive(Default, Clone, Copy)]
struct Figures {
    spearman: f64,
    ndcg30: f64,
    leak: f64,
    /// Attacked good merchants kept, and all attacked good merchants (pooled over cities:
    /// a city may have none).
    kept: (usize, usize),
}

impl Figures {
    fn attacked_kept(&self) -> f64 {
        if self.kept.1 == 0 {
            1.0
        } else {
            self.kept.0 as f64 / self.kept.1 as f64
        }
    }
}

/// `unattacked`: the same ranking computed without the planted attack documents, to tell
/// which attacked merchants were in the top third before the attack.
fn figures(
    ids: &[&str],
    scores: &[f64],
    eligible: &[bool],
    unattacked: &[f64],
    t: &Truth,
) -> Figures {
    let quality: Vec<f64> = ids.iter().map(|m| t.quality[*m]).collect();
    let mut order: Vec<usize> = (0..ids.len()).filter(|&i| eligible[i]).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let top: Vec<usize> = order.iter().copied().take(30).collect();
    let leak = top.iter().filter(|&&i| t.manipulated[ids[i]]).count() as f64 / top.len() as f64;
    // Attacked good merchants: attacked, and in the city's top third before the attack
    // (ranked without the attack's documents). Kept: still in the top third by score, and
    // eligible (an attack that only made a shop ineligible would still have worked).
    let top_third = |key: &[f64]| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..ids.len()).collect();
        idx.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
        idx.truncate(ids.len() / 3);
        idx
    };
    let good = top_third(unattacked);
    let mut by_score: Vec<usize> = (0..ids.len()).collect();
    by_score.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let third: Vec<usize> = by_score[..ids.len() / 3]
        .iter()
        .copied()
        .filter(|&i| eligible[i])
        .collect();
    let attacked: Vec<usize> = (0..ids.len())
        .filter(|&i| t.attacked[ids[i]] && good.contains(&i))
        .collect();
    let kept = attacked.iter().filter(|i| third.contains(i)).count();
    Figures {
        spearman: spearman(scores, &quality),
        ndcg30: ndcg(scores, &quality, 30),
        leak,
        kept: (kept, attacked.len()),
    }
}

struct Baselines {
    mean_star: Vec<f64>,
    bayes: Vec<f64>,
    popularity: Vec<f64>,
}

fn baselines(corpus: &Corpus, ids: &[&str]) -> Baselines {
    let mut stars: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let mut engagement: BTreeMap<&str, f64> = BTreeMap::new();
    for r in corpus.reviews.values() {
        let s = stars.entry(r.merchant_id.as_str()).or_insert((0.0, 0.0));
        s.0 += r.rating;
        s.1 += 1.0;
        *engagement.entry(r.merchant_id.as_str()).or_insert(0.0) += 1.0 + r.likes as f64;
    }
    for n in corpus.notes.values() {
        for m in &n.merchant_ids {
            *engagement.entry(m.as_str()).or_insert(0.0) +=
                1.0 + (n.likes + n.collects + n.comments + n.shares) as f64;
        }
    }
    let (sum, count) = stars
        .values()
        .fold((0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1));
    let global = if count > 0.0 { sum / count } else { 3.0 };
    const C: f64 = 10.0;
    let get = |m: &str| stars.get(m).copied().unwrap_or((0.0, 0.0));
    Baselines {
        mean_star: ids
            .iter()
            .map(|m| {
                let (s, n) = get(m);
                if n > 0.0 {
                    s / n
                } else {
                    0.0
                }
            })
            .collect(),
        bayes: ids
            .iter()
            .map(|m| {
                let (s, n) = get(m);
                (C * global + s) / (C + n)
            })
            .collect(),
        popularity: ids
            .iter()
            .map(|m| engagement.get(m).copied().unwrap_or(0.0))
            .collect(),
    }
}

/// Figures per ranking (ours, then the baselines), averaged over the corpus's cities.
fn evaluate(dir: &Path) -> Vec<(&'static str, Figures)> {
    let t = truth(dir);
    let loaded = corpus::load(dir, &LoadOptions::default()).unwrap();
    let corpus = &loaded.corpus;
    let engine = Engine::for_corpus(corpus).unwrap();
    let analysis = engine.analyze(corpus.clone(), None);
    let mut clean = corpus.clone();
    clean
        .reviews
        .retain(|id, _| !t.attack_docs.contains(id.as_str()));
    clean
        .notes
        .retain(|id, _| !t.attack_docs.contains(id.as_str()));
    let clean_analysis = engine.analyze(clean.clone(), analysis.as_of().into());
    let clean_scores = |city: &str| -> BTreeMap<String, f64> {
        clean_analysis
            .score_city(city)
            .unwrap()
            .merchants
            .iter()
            .map(|s| (s.merchant_id.clone(), s.score))
            .collect()
    };
    let mut sums: Vec<(&'static str, Figures)> =
        ["jingxuan", "mean star", "Bayesian average", "popularity"]
            .into_iter()
            .map(|n| (n, Figures::default()))
            .collect();
    let cities = corpus.cities();
    for city in &cities {
        let board = analysis.score_city(city).unwrap();
        // Judge the ranking among open merchants: closed ones are ineligible by rule, not by
        // their word of mouth.
        let rows: Vec<_> = board
            .merchants
            .iter()
            .filter(|s| corpus.merchants[&s.merchant_id].status == MerchantStatus::Open)
            .collect();
        let ids: Vec<&str> = rows.iter().map(|s| s.merchant_id.as_str()).collect();
        let ours: Vec<f64> = rows.iter().map(|s| s.score).collect();
        let eligible: Vec<bool> = rows.iter().map(|s| s.eligible).collect();
        let all = vec![true; ids.len()];
        let b = baselines(corpus, &ids);
        let ours_clean: Vec<f64> = {
            let c = clean_scores(city);
            ids.iter().map(|m| c[*m]).collect()
        };
        let bc = baselines(&clean, &ids);
        let per = [
            figures(&ids, &ours, &eligible, &ours_clean, &t),
            figures(&ids, &b.mean_star, &all, &bc.mean_star, &t),
            figures(&ids, &b.bayes, &all, &bc.bayes, &t),
            figures(&ids, &b.popularity, &all, &bc.popularity, &t),
        ];
        for (s, f) in sums.iter_mut().zip(per) {
            s.1.spearman += f.spearman / cities.len() as f64;
            s.1.ndcg30 += f.ndcg30 / cities.len() as f64;
            s.1.leak += f.leak / cities.len() as f64;
            s.1.kept.0 += f.kept.0;
            s.1.kept.1 += f.kept.1;
        }
    }
    print_table(
        &format!("{dir:?}, mean over {} cities", cities.len()),
        &sums,
    );
    sums
}

fn print_table(title: &str, rows: &[(&str, Figures)]) {
    println!("\n{title}");
    println!("| ranking | Spearman | NDCG@30 | leak in top 30 | attacked good kept in top third |");
    println!("|---|---|---|---|---|");
    for (name, f) in rows {
        println!(
            "| {name} | {:.3} | {:.3} | {:.1}% | {:.0}% ({} of {}) |",
            f.spearman,
            f.ndcg30,
            100.0 * f.leak,
            100.0 * f.attacked_kept(),
            f.kept.0,
            f.kept.1
        );
    }
}

/// A generated corpus dense enough to judge ranking: ~30 notes and reviews per merchant
/// (as on the merchants a city list is drawn from), 120 merchants per city. The committed demo has a median of three
/// honest reviews per merchant, where even an oracle that knows which reviews are honest
/// reaches a Spearman of only about 0.8; its figures are printed, not held to the targets.
fn dense(notes_only: bool, seed: u64) -> tempfile::TempDir {
    // Notes carry no star and say less than a review: a notes-only city needs more writing
    // per merchant (here ~35 notes, ~25 of them honest) for a comparable ranking.
    let docs = if notes_only { 45_000 } else { 12_000 };
    let mut config = GenConfig::with_target_docs(docs);
    config.merchants_per_city = 120;
    config.seed = seed;
    if notes_only {
        config = config.notes_only();
    }
    let dir = tempfile::tempdir().unwrap();
    generate(&config, dir.path()).unwrap();
    dir
}

#[test]
fn scores_follow_latent_quality_and_manipulation_does_not_leak() {
    // Two generated worlds, averaged: each has only a few attacked merchants per city.
    let worlds: Vec<_> = [7, 11]
        .into_iter()
        .map(|seed| evaluate(dense(false, seed).path()))
        .collect();
    let r: Vec<(&str, Figures)> = (0..worlds[0].len())
        .map(|k| {
            let mut f = Figures::default();
            for w in &worlds {
                let n = worlds.len() as f64;
                f.spearman += w[k].1.spearman / n;
                f.ndcg30 += w[k].1.ndcg30 / n;
                f.leak += w[k].1.leak / n;
                f.kept.0 += w[k].1.kept.0;
                f.kept.1 += w[k].1.kept.1;
            }
            (worlds[0][k].0, f)
        })
        .collect();
    print_table("generated, 2 worlds × 3 cities", &r);
    let ours = r[0].1;
    for (name, b) in &r[1..] {
        assert!(ours.spearman > b.spearman, "Spearman below {name}");
        assert!(ours.ndcg30 >= b.ndcg30, "NDCG@30 below {name}");
        assert!(ours.leak <= b.leak, "leak above {name}");
        assert!(
            ours.attacked_kept() >= b.attacked_kept(),
            "attacked kept below {name}"
        );
    }
    assert!(ours.spearman >= 0.92, "Spearman {:.3}", ours.spearman);
    assert!(ours.ndcg30 >= 0.93, "NDCG@30 {:.3}", ours.ndcg30);
    assert_eq!(ours.leak, 0.0, "manipulated merchants in the top 30");
    assert!(
        ours.attacked_kept() >= 0.9,
        "attacked kept {:.3}",
        ours.attacked_kept()
    );
}

#[test]
fn notes_alone_still_rank_well() {
    let dir = dense(true, 7);
    let r = evaluate(dir.path());
    let ours = r[0].1;
    assert!(ours.spearman >= 0.85, "Spearman {:.3}", ours.spearman);
    assert!(ours.spearman > r[3].1.spearman, "below popularity");
    assert!(ours.leak <= r[3].1.leak, "leak above popularity");
    // Not yet zero: without reviews a farm account writes one or two notes, too few to tie
    // it to its ring, and a merchant whose honest notes already praise it can keep a
    // planted label into the top 30. At most one such merchant per city's top 30.
    assert!(ours.leak <= 1.0 / 30.0 + 1e-9, "leak {:.3}", ours.leak);
}

#[test]
fn the_demo_corpus_beats_every_baseline() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let r = evaluate(&demo);
    let ours = r[0].1;
    for (name, b) in &r[1..] {
        assert!(ours.spearman > b.spearman, "Spearman below {name}");
        assert!(ours.leak <= b.leak, "leak above {name}");
    }
}

/// The price of breadth: the latent quality of the constrained list against the best
/// unconstrained list of the same size (the top merchants by score, no caps, no coverage).
#[test]
fn breadth_costs_little_quality() {
    use jingxuan::selection::SelectionPolicy;
    let dir = dense(false, 7);
    let t = truth(dir.path());
    let loaded = corpus::load(dir.path(), &LoadOptions::default()).unwrap();
    let engine = Engine::for_corpus(&loaded.corpus).unwrap();
    let analysis = engine.analyze(loaded.corpus.clone(), None);
    let policy = SelectionPolicy::default();
    let unconstrained = SelectionPolicy {
        max_category_share: 1.0,
        max_per_brand: policy.limit,
        cover_categories: false,
        cover_districts: false,
        diversity: 0.0,
        ..policy.clone()
    };
    let mean_quality = |p: &SelectionPolicy, city: &str| -> (f64, usize, usize) {
        let s = analysis.select(city, p, &Default::default()).unwrap();
        let q: f64 = s.stores.iter().map(|x| t.quality[&x.merchant_id]).sum();
        let groups: std::collections::BTreeSet<&str> = s
            .stores
            .iter()
            .map(|x| loaded.corpus.merchants[&x.merchant_id].top_category())
            .collect();
        (q / s.stores.len() as f64, s.stores.len(), groups.len())
    };
    println!("\nprice of breadth (mean latent quality of the list)");
    println!("| city | constrained | groups | unconstrained | groups | ratio |");
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for city in loaded.corpus.cities() {
        let (a, n, ga) = mean_quality(&policy, &city);
        let (b, m, gb) = mean_quality(&unconstrained, &city);
        assert_eq!(n, m, "{city}: same size");
        println!("| {city} | {a:.3} | {ga} | {b:.3} | {gb} | {:.3} |", a / b);
        assert!(
            a >= 0.94 * b,
            "{city}: breadth cost {:.1}%",
            100.0 * (1.0 - a / b)
        );
        assert!(ga >= gb, "{city}: constrained list is not broader");
        ratios.push(a / b);
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    assert!(
        mean >= 0.95,
        "mean breadth cost {:.1}%",
        100.0 * (1.0 - mean)
    );
}
