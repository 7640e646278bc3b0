//! Leave-one-family-out evaluation against the generator's attack space.
//!
//! For each campaign family F, a generated world whose campaigns are all drawn from F
//! (parameters at random per campaign, several campaigns per city) is scored by jingxuan
//! and by two baselines in the same run. Families in [`Family::TUNING`] are the ones
//! thresholds may be tuned on; the others are held out, and the pooled held-out row is
//! what the assertions hold.
//!
//! ```sh
//! cargo test --test attack_eval -- --nocapture                      # CI size
//! JINGXUAN_EVAL_FULL=1 cargo test --release --test attack_eval -- --nocapture
//! # only some families (e.g. the tuning ones while tuning); assertions are skipped
//! JINGXUAN_EVAL_FAMILIES=copied_praise,fake_orders,copied_scorn,staff \
//!     cargo test --release --test attack_eval -- --nocapture
//! ```
//!
//! Figures: Spearman and NDCG@30 against the planted latent quality (open merchants);
//! *leak@30*: share of the eligible top 30 that are targets of a praise campaign;
//! *attacked good kept*: targets of scorn campaigns that were in the top third when ranked
//! without the campaigns' documents and are still in the top third and eligible;
//! *attacked made ineligible*: scorn targets eligible without the campaign and ineligible
//! with it; *honest held*: merchants without any campaign held for manipulation
//! (`under_review`); *honest flagged*: merchants without any campaign carrying any
//! manipulation flag (everything but declared sponsorship and hygiene complaints).

#[path = "common/metrics.rs"]
mod metrics;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use metrics::{ndcg, order, spearman};

use jingxuan::corpus::{self, Corpus, LoadOptions, MerchantStatus};
use jingxuan::reputation::MerchantScore;
use jingxuan::Engine;
use jingxuan_fixture_gen::{generate, CampaignSpace, City, Direction, Family, GenConfig};

struct Truth {
    quality: BTreeMap<String, f64>,
    praise: BTreeSet<String>,
    scorn: BTreeSet<String>,
    /// Every document a campaign wrote, camouflage included.
    campaign_docs: BTreeSet<String>,
    /// Honest merchants with a viral week or an opening rush.
    lookalikes: BTreeSet<String>,
}

fn truth(dir: &Path) -> Truth {
    let text = std::fs::read_to_string(dir.join("truth.jsonl")).unwrap();
    let mut t = Truth {
        quality: BTreeMap::new(),
        praise: BTreeSet::new(),
        scorn: BTreeSet::new(),
        campaign_docs: BTreeSet::new(),
        lookalikes: BTreeSet::new(),
    };
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let (Some(id), Some(_)) = (v["doc_id"].as_str(), v["campaign"].as_str()) {
            t.campaign_docs.insert(id.to_string());
        }
        if let (Some(id), Some(q)) = (v["merchant_id"].as_str(), v["quality"].as_f64()) {
            t.quality.insert(id.to_string(), q);
            if v["pattern"].is_string() {
                t.lookalikes.insert(id.to_string());
            }
            for c in v["campaigns"].as_array().into_iter().flatten() {
                match c["direction"].as_str() {
                    Some("praise") => t.praise.insert(id.to_string()),
                    Some("scorn") => t.scorn.insert(id.to_string()),
                    other => panic!("campaign direction {other:?}"),
                };
            }
        }
    }
    t
}

/// One ranking of one city's open merchants.
struct Ranking {
    scores: Vec<f64>,
    eligible: Vec<bool>,
    /// Held for manipulation (`under_review`); baselines hold nobody.
    under_review: Vec<bool>,
    /// Carries a manipulation flag; baselines flag nobody.
    flagged: Vec<bool>,
    /// Kinds of the manipulation flags (as serialised).
    flag_kinds: Vec<Vec<String>>,
}

impl Ranking {
    fn baseline(scores: Vec<f64>) -> Ranking {
        let n = scores.len();
        Ranking {
            scores,
            eligible: vec![true; n],
            under_review: vec![false; n],
            flagged: vec![false; n],
            flag_kinds: vec![Vec::new(); n],
        }
    }
}

/// Counts pooled over cities (and worlds, and families).
#[derive(Default, Clone)]
struct Tally {
    spearman: f64,
    ndcg30: f64,
    /// Cities the two means above are summed over.
    cities: usize,
    /// Praise targets in the eligible top 30; size of the eligible top 30.
    leak: (usize, usize),
    /// Attacked good shops kept; attacked good shops.
    kept: (usize, usize),
    /// Scorn targets made ineligible by the campaign; scorn targets eligible without it.
    made_ineligible: (usize, usize),
    /// Scorn targets held for manipulation (must become 0 with the direction rule).
    attacked_under_review: usize,
    /// Honest merchants held; honest merchants.
    held: (usize, usize),
    flagged: (usize, usize),
    /// Flags on honest merchants that are held, by kind.
    held_by: BTreeMap<String, usize>,
    /// Flags on honest merchants, by kind.
    flagged_by: BTreeMap<String, usize>,
    /// Honest merchants with a viral week or opening rush that are held; all of them.
    lookalikes_held: (usize, usize),
}

fn add(a: &mut (usize, usize), b: (usize, usize)) {
    a.0 += b.0;
    a.1 += b.1;
}

impl Tally {
    fn merge(&mut self, o: &Tally) {
        self.spearman += o.spearman;
        self.ndcg30 += o.ndcg30;
        self.cities += o.cities;
        add(&mut self.leak, o.leak);
        add(&mut self.kept, o.kept);
        add(&mut self.made_ineligible, o.made_ineligible);
        self.attacked_under_review += o.attacked_under_review;
        add(&mut self.held, o.held);
        add(&mut self.flagged, o.flagged);
        add(&mut self.lookalikes_held, o.lookalikes_held);
        for (k, n) in &o.held_by {
            *self.held_by.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &o.flagged_by {
            *self.flagged_by.entry(k.clone()).or_default() += n;
        }
    }

    fn mean_spearman(&self) -> f64 {
        self.spearman / self.cities.max(1) as f64
    }

    fn mean_ndcg(&self) -> f64 {
        self.ndcg30 / self.cities.max(1) as f64
    }
}

fn share((k, n): (usize, usize)) -> f64 {
    if n == 0 {
        0.0
    } else {
        k as f64 / n as f64
    }
}

/// `clean`: the same ranking without the campaigns' documents (scorn families only).
fn city_tally(ids: &[&str], r: &Ranking, clean: Option<&Ranking>, t: &Truth) -> Tally {
    let quality: Vec<f64> = ids.iter().map(|m| t.quality[*m]).collect();
    let top: Vec<usize> = order(&r.scores)
        .into_iter()
        .filter(|&i| r.eligible[i])
        .take(30)
        .collect();
    let leaked = top.iter().filter(|&&i| t.praise.contains(ids[i])).count();
    let third = ids.len() / 3;
    let by_score = order(&r.scores);
    let in_third: BTreeSet<usize> = by_score[..third]
        .iter()
        .copied()
        .filter(|&i| r.eligible[i])
        .collect();
    let scorned: Vec<usize> = (0..ids.len())
        .filter(|&i| t.scorn.contains(ids[i]))
        .collect();
    let mut tally = Tally {
        spearman: spearman(&r.scores, &quality),
        ndcg30: ndcg(&r.scores, &quality, 30),
        cities: 1,
        leak: (leaked, top.len()),
        ..Tally::default()
    };
    if let Some(c) = clean {
        let good: BTreeSet<usize> = order(&c.scores)[..third].iter().copied().collect();
        let attacked_good: Vec<usize> = scorned
            .iter()
            .copied()
            .filter(|i| good.contains(i))
            .collect();
        let kept = attacked_good
            .iter()
            .filter(|i| in_third.contains(i))
            .count();
        tally.kept = (kept, attacked_good.len());
        let was_eligible: Vec<usize> = scorned.iter().copied().filter(|&i| c.eligible[i]).collect();
        let lost = was_eligible.iter().filter(|&&i| !r.eligible[i]).count();
        tally.made_ineligible = (lost, was_eligible.len());
    }
    tally.attacked_under_review = scorned.iter().filter(|&&i| r.under_review[i]).count();
    let honest: Vec<usize> = (0..ids.len())
        .filter(|&i| !t.praise.contains(ids[i]) && !t.scorn.contains(ids[i]))
        .collect();
    tally.held = (
        honest.iter().filter(|&&i| r.under_review[i]).count(),
        honest.len(),
    );
    tally.flagged = (
        honest.iter().filter(|&&i| r.flagged[i]).count(),
        honest.len(),
    );
    let lookalikes: Vec<usize> = honest
        .iter()
        .copied()
        .filter(|&i| t.lookalikes.contains(ids[i]))
        .collect();
    tally.lookalikes_held = (
        lookalikes.iter().filter(|&&i| r.under_review[i]).count(),
        lookalikes.len(),
    );
    for &i in honest.iter().filter(|&&i| r.under_review[i]) {
        for k in &r.flag_kinds[i] {
            *tally.held_by.entry(k.clone()).or_default() += 1;
        }
    }
    for &i in &honest {
        for k in &r.flag_kinds[i] {
            *tally.flagged_by.entry(k.clone()).or_default() += 1;
        }
    }
    tally
}

/// Mean star and Bayesian average (C = 10 reviews at the corpus mean).
fn baselines(corpus: &Corpus, ids: &[&str]) -> [Vec<f64>; 2] {
    let mut stars: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for r in corpus.reviews.values() {
        let s = stars.entry(r.merchant_id.as_str()).or_insert((0.0, 0.0));
        s.0 += r.rating;
        s.1 += 1.0;
    }
    let (sum, count) = stars
        .values()
        .fold((0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1));
    let global = if count > 0.0 { sum / count } else { 3.0 };
    const C: f64 = 10.0;
    let get = |m: &str| stars.get(m).copied().unwrap_or((0.0, 0.0));
    [
        ids.iter()
            .map(|m| {
                let (s, n) = get(m);
                if n > 0.0 {
                    s / n
                } else {
                    0.0
                }
            })
            .collect(),
        ids.iter()
            .map(|m| {
                let (s, n) = get(m);
                (C * global + s) / (C + n)
            })
            .collect(),
    ]
}

/// Kinds of a merchant's manipulation flags: every flag but declared sponsorship and
/// hygiene complaints, read through serde as a consumer of `score` output would.
fn manipulation_flags(s: &MerchantScore) -> Vec<String> {
    s.flags
        .iter()
        .filter_map(|f| {
            let kind = serde_json::to_value(f.kind).unwrap_or_default();
            let kind = kind.as_str().unwrap_or("?").to_string();
            (!matches!(kind.as_str(), "sponsored" | "hygiene")).then_some(kind)
        })
        .collect()
}

fn ours(rows: &[&MerchantScore]) -> Ranking {
    Ranking {
        scores: rows.iter().map(|s| s.score).collect(),
        eligible: rows.iter().map(|s| s.eligible).collect(),
        under_review: rows
            .iter()
            .map(|s| {
                // Read through serde, as a consumer of `score` output would.
                let why = serde_json::to_value(&s.ineligible).unwrap_or_default();
                why["reason"] == "under_review"
            })
            .collect(),
        flagged: rows
            .iter()
            .map(|s| !manipulation_flags(s).is_empty())
            .collect(),
        flag_kinds: rows.iter().map(|s| manipulation_flags(s)).collect(),
    }
}

const RANKINGS: [&str; 3] = ["jingxuan", "mean star", "Bayesian average"];

/// Tallies per ranking (jingxuan, then the baselines unless notes-only) over one world.
fn evaluate(dir: &Path, family: Family, notes_only: bool) -> Vec<Tally> {
    let t = truth(dir);
    let loaded = corpus::load(dir, &LoadOptions::default()).unwrap();
    let corpus = &loaded.corpus;
    let engine = Engine::for_corpus(corpus).unwrap();
    let analysis = engine.analyze(corpus.clone(), None);
    // Rankings without the campaigns tell which scorn targets were good shops before.
    let clean_corpus = (family.direction() == Direction::Scorn).then(|| {
        let mut c = corpus.clone();
        c.reviews
            .retain(|id, _| !t.campaign_docs.contains(id.as_str()));
        c.notes
            .retain(|id, _| !t.campaign_docs.contains(id.as_str()));
        c
    });
    let clean_analysis = clean_corpus
        .as_ref()
        .map(|c| engine.analyze(c.clone(), Some(analysis.as_of())));
    let kinds = if notes_only { 1 } else { RANKINGS.len() };
    let mut out = vec![Tally::default(); kinds];
    for city in corpus.cities() {
        let board = analysis.score_city(&city).unwrap();
        let rows: Vec<&MerchantScore> = board
            .merchants
            .iter()
            .filter(|s| corpus.merchants[&s.merchant_id].status == MerchantStatus::Open)
            .collect();
        let ids: Vec<&str> = rows.iter().map(|s| s.merchant_id.as_str()).collect();
        let mut rankings = vec![ours(&rows)];
        let mut clean_rankings: Vec<Option<Ranking>> = Vec::new();
        if let (Some(ca), Some(cc)) = (&clean_analysis, &clean_corpus) {
            let cboard = ca.score_city(&city).unwrap();
            let by_id: BTreeMap<&str, &MerchantScore> = cboard
                .merchants
                .iter()
                .map(|s| (s.merchant_id.as_str(), s))
                .collect();
            let crows: Vec<&MerchantScore> = ids.iter().map(|m| by_id[m]).collect();
            clean_rankings.push(Some(ours(&crows)));
            if !notes_only {
                for b in baselines(cc, &ids) {
                    clean_rankings.push(Some(Ranking::baseline(b)));
                }
            }
        }
        if !notes_only {
            for b in baselines(corpus, &ids) {
                rankings.push(Ranking::baseline(b));
            }
        }
        for (k, r) in rankings.iter().enumerate() {
            let clean = clean_rankings.get(k).and_then(Option::as_ref);
            out[k].merge(&city_tally(&ids, r, clean, &t));
        }
    }
    // The world must contain what it is meant to test.
    let targets = match family.direction() {
        Direction::Praise => &t.praise,
        Direction::Scorn => &t.scorn,
    };
    assert!(
        targets.len() >= corpus.cities().len(),
        "{}: only {} targets",
        family.name(),
        targets.len()
    );
    out
}

/// Size of the evaluation: CI runs a reduced one in debug; the full one is for release.
struct Size {
    cities: usize,
    merchants: usize,
    docs_per_merchant: usize,
    campaigns_per_city: usize,
    seeds: &'static [u64],
    notes_only_families: &'static [Family],
}

fn size() -> Size {
    if std::env::var("JINGXUAN_EVAL_FULL").is_ok_and(|v| v == "1") {
        Size {
            cities: 3,
            merchants: 120,
            docs_per_merchant: 33,
            campaigns_per_city: 5,
            seeds: &[7, 11],
            notes_only_families: &[
                Family::CopiedPraise,
                Family::ParaphrasedPraise,
                Family::InfluencerUndeclared,
                Family::VariedScorn,
            ],
        }
    } else {
        Size {
            cities: 2,
            merchants: 90,
            docs_per_merchant: 33,
            campaigns_per_city: 4,
            seeds: &[7],
            notes_only_families: &[Family::ParaphrasedPraise, Family::VariedScorn],
        }
    }
}

/// `JINGXUAN_EVAL_FAMILIES=copied_scorn,staff` runs only those families (for tuning
/// runs); the assertions need every family and are skipped then.
fn families() -> Option<Vec<Family>> {
    let v = std::env::var("JINGXUAN_EVAL_FAMILIES").ok()?;
    Some(
        v.split(',')
            .map(|f| Family::parse(f).unwrap_or_else(|| panic!("unknown family {f}")))
            .collect(),
    )
}

fn world(family: Family, seed: u64, size: &Size, notes_only: bool) -> tempfile::TempDir {
    // Notes say less than a review and carry no star: a notes-only city needs more of them.
    let per_merchant = if notes_only {
        size.docs_per_merchant * 4
    } else {
        size.docs_per_merchant
    };
    let family_no = Family::ALL.iter().position(|f| *f == family).unwrap_or(0) as u64;
    let mut config = GenConfig {
        seed,
        cities: City::ALL[..size.cities].to_vec(),
        merchants_per_city: size.merchants,
        target_docs: size.cities * size.merchants * per_merchant,
        ..GenConfig::small()
    }
    .with_campaigns(CampaignSpace {
        families: vec![family],
        per_city: size.campaigns_per_city,
        seed: seed * 1_000 + family_no,
    });
    if notes_only {
        config = config.notes_only();
    }
    let dir = tempfile::tempdir().unwrap();
    generate(&config, dir.path()).unwrap();
    dir
}

fn pct(x: (usize, usize)) -> String {
    if x.1 == 0 {
        "—".into()
    } else {
        format!("{:.0}% ({} of {})", 100.0 * share(x), x.0, x.1)
    }
}

fn header() {
    println!("| family | split | ranking | Spearman | NDCG@30 | leak@30 | attacked good kept | attacked made ineligible | honest held | honest flagged |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
}

fn row(family: &str, split: &str, ranking: &str, t: &Tally, ours: bool) {
    let (held, flagged) = if ours {
        (pct(t.held), pct(t.flagged))
    } else {
        ("—".into(), "—".into())
    };
    println!(
        "| {family} | {split} | {ranking} | {:.3} | {:.3} | {:.1}% | {} | {} | {held} | {flagged} |",
        t.mean_spearman(),
        t.mean_ndcg(),
        100.0 * share(t.leak),
        pct(t.kept),
        pct(t.made_ineligible),
    );
}

fn split(f: Family) -> &'static str {
    if f.is_tuning() {
        "tuning"
    } else {
        "held-out"
    }
}

fn flagged_by(t: &Tally) -> String {
    let parts: Vec<String> = t
        .flagged_by
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

fn held_by(t: &Tally) -> String {
    let parts: Vec<String> = t.held_by.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The issue's "done when" figures for the held-out families, printed beside the
/// measurement (asserted only where the code already meets them; see the TODOs below).
fn print_targets(ours: &Tally, notes: &Tally) {
    let check = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\ntargets on the pooled held-out families:");
    println!(
        "- leak@30 = 0: {:.1}% — {}",
        100.0 * share(ours.leak),
        check(ours.leak.0 == 0)
    );
    println!(
        "- attacked good kept >= 90%: {} — {}",
        pct(ours.kept),
        check(share(ours.kept) >= 0.9)
    );
    println!(
        "- none made ineligible: {} — {}",
        pct(ours.made_ineligible),
        check(ours.made_ineligible.0 == 0)
    );
    println!(
        "- honest held <= 2%: {} — {}; honest flagged <= 2%: {} — {}",
        pct(ours.held),
        check(share(ours.held) <= 0.02),
        pct(ours.flagged),
        check(share(ours.flagged) <= 0.02)
    );
    println!(
        "- Spearman >= 0.93: {:.3} — {}; NDCG@30 >= 0.93: {:.3} — {}",
        ours.mean_spearman(),
        check(ours.mean_spearman() >= 0.93),
        ours.mean_ndcg(),
        check(ours.mean_ndcg() >= 0.93)
    );
    println!(
        "- notes only Spearman and NDCG@30 >= 0.85: {:.3} / {:.3} — {}",
        notes.mean_spearman(),
        notes.mean_ndcg(),
        check(notes.mean_spearman() >= 0.85 && notes.mean_ndcg() >= 0.85)
    );
}

#[test]
fn leave_one_family_out() {
    let size = size();
    println!(
        "\nattack families: {} cities × {} merchants, ~{} documents per merchant, {} campaigns per city, seeds {:?}",
        size.cities, size.merchants, size.docs_per_merchant, size.campaigns_per_city, size.seeds
    );
    header();
    let mut held_out = vec![Tally::default(); RANKINGS.len()];
    let mut tuning = vec![Tally::default(); RANKINGS.len()];
    let only = families();
    let chosen = only.clone().unwrap_or(Family::ALL.to_vec());
    for &family in &chosen {
        let mut per = vec![Tally::default(); RANKINGS.len()];
        for &seed in size.seeds {
            let dir = world(family, seed, &size, false);
            for (p, t) in per.iter_mut().zip(evaluate(dir.path(), family, false)) {
                p.merge(&t);
            }
        }
        let pool = if family.is_tuning() {
            &mut tuning
        } else {
            &mut held_out
        };
        for (k, t) in per.iter().enumerate() {
            row(family.name(), split(family), RANKINGS[k], t, k == 0);
            pool[k].merge(t);
        }
    }
    for (s, pool) in [("tuning", &tuning), ("held-out", &held_out)] {
        for (k, t) in pool.iter().enumerate() {
            row("**pooled**", s, RANKINGS[k], t, k == 0);
        }
    }

    println!(
        "\nnotes only (no reviews, ~{} notes per merchant)",
        size.docs_per_merchant * 4
    );
    header();
    let mut notes = Tally::default();
    for &family in size
        .notes_only_families
        .iter()
        .filter(|f| chosen.contains(f))
    {
        let dir = world(family, size.seeds[0], &size, true);
        let t = &evaluate(dir.path(), family, true)[0];
        row(family.name(), split(family), "jingxuan", t, true);
        if !family.is_tuning() {
            notes.merge(t);
        }
    }
    row("**pooled**", "held-out", "jingxuan", &notes, true);

    let (ours, stars) = (&held_out[0], &held_out[1]);
    println!(
        "\nflags on honest merchants held: tuning {}; held-out {}; notes-only held-out {}",
        held_by(&tuning[0]),
        held_by(ours),
        held_by(&notes)
    );
    println!(
        "flags on honest merchants (held or not): tuning {}; held-out {}",
        flagged_by(&tuning[0]),
        flagged_by(ours)
    );
    let attacked_held = ours.attacked_under_review + tuning[0].attacked_under_review;
    println!("scorn targets held for manipulation (under_review): {attacked_held}");
    println!(
        "honest viral weeks and opening rushes held: tuning {}; held-out {}",
        pct(tuning[0].lookalikes_held),
        pct(ours.lookalikes_held)
    );
    print_targets(ours, &notes);
    if only.is_some() {
        println!("JINGXUAN_EVAL_FAMILIES is set: assertions skipped");
        return;
    }

    // Promises that hold today, on families no threshold was tuned on: rank at least as
    // well as the stars people gave, and let less bought praise through than they do.
    assert!(
        ours.mean_spearman() >= stars.mean_spearman(),
        "held-out Spearman {:.3} below mean star {:.3}",
        ours.mean_spearman(),
        stars.mean_spearman()
    );
    for b in &held_out[1..] {
        assert!(
            share(ours.leak) <= share(b.leak),
            "held-out leak above a baseline"
        );
    }
    // Before the trust redesign of issue 12 (main at 2a0e1a7), CI size: Spearman 0.873,
    // NDCG@30 0.958, leak 3.3%, made ineligible 2 of 10, honest held 19%. After it (CI
    // size): 0.920 / 0.975 / 1.4%, attacked good kept 11 of 13, none made ineligible,
    // honest held 0.3% and flagged 1.4%; notes only 0.864 / 0.921 / 0.8%. Held with a
    // margin so that a change that makes things worse fails; the issue's targets are
    // printed above (leak 0 and Spearman 0.93 are not met yet).
    assert!(
        ours.mean_spearman() >= 0.9,
        "Spearman {:.3}",
        ours.mean_spearman()
    );
    assert!(ours.mean_ndcg() >= 0.95, "NDCG@30 {:.3}", ours.mean_ndcg());
    assert!(share(ours.leak) <= 0.03, "leak {:.3}", share(ours.leak));
    // The direction rule: manipulation against a merchant never makes it ineligible.
    assert_eq!(
        ours.made_ineligible.0 + tuning[0].made_ineligible.0,
        0,
        "attacked made ineligible"
    );
    assert!(
        share(ours.kept) >= 0.8,
        "attacked good kept {:?}",
        ours.kept
    );
    assert!(share(ours.held) <= 0.02, "honest held {:?}", ours.held);
    assert!(
        share(ours.flagged) <= 0.03,
        "honest flagged {:?}",
        ours.flagged
    );
    assert!(
        notes.mean_spearman() >= 0.85,
        "notes-only Spearman {:.3}",
        notes.mean_spearman()
    );
    assert!(
        share(notes.leak) <= 0.02,
        "notes-only leak {:.3}",
        share(notes.leak)
    );
}
