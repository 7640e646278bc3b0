//! Reputation: one score per merchant from weighted evidence.
//!
//! Each opinion counts by its trust weight times a recency half-life. A merchant's mean
//! opinion is shrunk toward the mean of its city and category, by a prior whose strength
//! each city's own opinions set (empirical Bayes: how noisy one opinion is against how much
//! merchants differ; at least [`ScoringConfig::prior_weight`] opinions), and ranked by the
//! lower end of a half-standard-error interval around it, so three lucky reviews cannot
//! beat three hundred good ones while a dozen credible, enthusiastic visitors can still
//! beat hundreds of lukewarm ones. The interval's width depends on how much evidence a
//! merchant has, not on how much its few reviewers happened to agree.
//!
//! The stage reads a [`Corpus`], evidence and trust weights. It never sees commercial data.

mod eligibility;

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Corpus, Timestamp};
use crate::error::{Result, UserError};
use crate::evidence::EvidenceSet;
use crate::trust::{Assessment, Flag, FlagKind};

pub use eligibility::Ineligible;

/// The knobs of aggregation. The defaults are what the evaluation in the README measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoringConfig {
    /// Evidence loses half its weight every this many days before `as_of`.
    pub half_life_days: f64,
    /// The city-and-category prior counts like at least this much credible weight (each
    /// city learns how much more from its own opinions, up to 50).
    pub prior_weight: f64,
    /// Standard errors below the mean used for ranking (0: the shrunk mean; 1.0: a
    /// one-sided 84% bound). 0.5 since issue 13: on held-out real reviews a full standard
    /// error ranked merchants worse than their mean star.
    pub z: f64,
    /// Below this much credible weight a merchant is not eligible.
    pub min_evidence_weight: f64,
    /// The bound on cheap voices (accounts with little history and no payment proof):
    /// together they count at most `cheap_share` × the merchant's credible weight …
    pub cheap_share: f64,
    /// … plus this much, however many they are and whatever they write.
    pub cheap_base: f64,
    /// Manipulation found in a merchant's favour holds it (until a human approves) when,
    /// believed, it would lift the score by at least this many points.
    pub hold_points: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            half_life_days: 730.0,
            prior_weight: 2.0,
            z: 0.5,
            min_evidence_weight: 1.5,
            cheap_share: 0.5,
            cheap_base: 2.0,
            hold_points: 1.0,
        }
    }
}

impl ScoringConfig {
    /// Checks every field's range: a [`UserError::InvalidArgument`] naming the first one
    /// out of range. A half-life of 0 would make every weight `0/0`, a prior weight of 0 a
    /// merchant without evidence `0/0`, and NaN or infinite values poison every score, so
    /// each scoring entry point calls this first.
    ///
    /// - `half_life_days`: 1 to 36,500 (a day to a century)
    /// - `prior_weight`: more than 0, at most 1,000,000
    /// - `z`: 0 to 10 standard errors
    /// - `min_evidence_weight`: 0 to 1,000,000,000
    /// - `cheap_share`: 0 to 10; `cheap_base`: 0 to 1,000,000; `hold_points`: 0 to 100
    pub fn validate(&self) -> Result<()> {
        let checks = [
            ("half_life_days", self.half_life_days, 1.0, 36_500.0, false),
            ("prior_weight", self.prior_weight, 0.0, 1e6, true),
            ("z", self.z, 0.0, 10.0, false),
            (
                "min_evidence_weight",
                self.min_evidence_weight,
                0.0,
                1e9,
                false,
            ),
            ("cheap_share", self.cheap_share, 0.0, 10.0, false),
            ("cheap_base", self.cheap_base, 0.0, 1e6, false),
            ("hold_points", self.hold_points, 0.0, 100.0, false),
        ];
        for (name, v, lo, hi, open_below) in checks {
            // `contains` is false for NaN, so NaN is refused too.
            let ok = (lo..=hi).contains(&v) && !(open_below && v == lo);
            if !ok {
                let range = if open_below {
                    format!("more than {lo} and at most {hi}")
                } else {
                    format!("from {lo} to {hi}")
                };
                return Err(UserError::InvalidArgument {
                    what: format!("scoring config field {name}"),
                    reason: format!("must be a number {range}, got {v}"),
                }
                .into());
            }
        }
        Ok(())
    }
}

/// Weight one opinion ends up with, and the parts of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Counted {
    /// Trust weight (credibility × visit × discounts).
    pub trust: f64,
    /// Recency factor in `(0, 1]`.
    pub recency: f64,
    /// The share of the weight that is costly to fake (see [`EvidenceWeight::credible`]);
    /// the rest belongs to the merchant's bounded pool of cheap voices.
    ///
    /// [`EvidenceWeight::credible`]: crate::trust::EvidenceWeight::credible
    pub credible: f64,
}

impl Counted {
    /// Trust × recency: what the opinion weighs in the merchant's mean.
    pub fn weight(&self) -> f64 {
        self.trust * self.recency
    }
}

/// One merchant's reputation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MerchantScore {
    /// The merchant's id.
    pub merchant_id: String,
    /// 0 to 100: the lower bound of the shrunk mean opinion. What ranks.
    pub score: f64,
    /// May be listed (see [`ineligible`](Self::ineligible) when not).
    pub eligible: bool,
    /// Why not eligible, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<Ineligible>,
    /// Shrunk mean opinion, 0 to 100.
    pub mean: f64,
    /// The city-and-category prior it was shrunk toward, 0 to 100.
    pub prior: f64,
    /// Sum of the weights of all evidence as of `as_of` (cheap voices as bounded).
    pub credible_weight: f64,
    /// Of that, what cheap voices (accounts with little history and no payment proof)
    /// count: at most `cheap_share` × the rest + `cheap_base`, however many they are.
    pub cheap_weight: f64,
    /// The score that credible voices alone support, 0 to 100: `score` never falls below
    /// it, so no number of cheap voices can sink a merchant.
    pub credible_floor: f64,
    /// Kish's effective number of opinions: (Σw)² / Σw².
    pub effective_opinions: f64,
    /// Notes and reviews about the merchant written by `as_of`.
    pub evidence_count: usize,
    /// Of those, how many were discounted by trust.
    pub discounted_count: usize,
    /// What trust found around the merchant, in kind order.
    pub flags: Vec<Flag>,
}

/// Every merchant of a city, best first.
///
/// # Example
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::reputation::Ineligible;
/// use jingxuan::Engine;
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
/// let board = analysis.score_city("杭州")?;
///
/// assert_eq!(board.merchants.len(), 8);
/// assert!(board.merchants.windows(2).all(|w| w[0].score >= w[1].score));
/// let row = |id: &str| board.merchants.iter().find(|m| m.merchant_id == id).unwrap();
/// // Regulars give the coffee shop 4.5 to 5 stars, the noodle house 3.5 to 4.5.
/// assert!(row("m-01").score > row("m-03").score);
/// // A closed door, a human hold, and bought praise that holds a shop for review.
/// assert_eq!(row("m-08").ineligible, Some(Ineligible::Closed));
/// assert!(matches!(row("m-06").ineligible, Some(Ineligible::Held { .. })));
/// assert!(matches!(row("m-07").ineligible, Some(Ineligible::UnderReview { .. })));
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scoreboard {
    /// The city.
    pub city: String,
    /// The instant the board was scored as of.
    pub as_of: Timestamp,
    /// Every merchant of the city, best first (ties by id).
    pub merchants: Vec<MerchantScore>,
}

/// Weighted sums of one pool of opinions.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Pool {
    w: f64,
    w2: f64,
    wv: f64,
    wv2: f64,
}

impl Pool {
    fn add(&mut self, w: f64, v: f64) {
        self.w += w;
        self.w2 += w * w;
        self.wv += w * v;
        self.wv2 += w * v * v;
    }

    /// Every weight multiplied by `s`.
    fn scaled(self, s: f64) -> Pool {
        Pool {
            w: self.w * s,
            w2: self.w2 * s * s,
            wv: self.wv * s,
            wv2: self.wv2 * s,
        }
    }

    fn plus(self, o: Pool) -> Pool {
        Pool {
            w: self.w + o.w,
            w2: self.w2 + o.w2,
            wv: self.wv + o.wv,
            wv2: self.wv2 + o.wv2,
        }
    }
}

/// One merchant's opinions in two pools: the credible part of each weight, and the cheap
/// part (accounts with little history and no payment proof), which is bounded.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    credible: Pool,
    cheap: Pool,
    count: usize,
    discounted: usize,
}

impl Moments {
    /// `weight(k)`: the trust weight to use for item `k` (`None` leaves it out).
    fn of(
        items: std::ops::Range<usize>,
        evidence: &EvidenceSet,
        counted: &[Counted],
        weight: impl Fn(usize) -> Option<f64>,
    ) -> Moments {
        let mut m = Moments::default();
        for k in items {
            let Some(trust) = weight(k) else { continue };
            let c = counted[k];
            let w = trust * c.recency;
            let v = evidence.items[k].value;
            m.credible.add(w * c.credible, v);
            m.cheap.add(w * (1.0 - c.credible), v);
        }
        m
    }

    /// The cheap pool scaled down to its bound, added to the credible pool.
    fn bounded(&self, config: &ScoringConfig) -> Pool {
        let cap = config.cheap_share * self.credible.w + config.cheap_base;
        let s = if self.cheap.w > cap {
            cap / self.cheap.w
        } else {
            1.0
        };
        self.credible.plus(self.cheap.scaled(s))
    }
}

/// The shrunk mean and the ranking bound of a pool, both in `[0, 1]`, and its effective
/// number of opinions.
struct Estimate {
    mean: f64,
    lower: f64,
    n_eff: f64,
}

/// How strongly a city's merchants are shrunk toward their priors, learned from the city's
/// own credible opinions (empirical Bayes): the prior counts like `k` opinions, where `k`
/// is how noisy one opinion is (`within`, the pooled variance of opinions about one
/// merchant) over how much merchants truly differ (the variance of their means beyond what
/// that noise explains). Real review text is noisy (on held-out real reviews `k` came out
/// 4–11), generated text much less so (1–3): a fixed `k` over-trusts a few real opinions
/// or over-shrinks clean ones.
#[derive(Debug, Clone, Copy)]
struct Shrinkage {
    k: f64,
    /// Pooled within-merchant variance of one opinion: the spread the standard error uses,
    /// so that a merchant's bound depends on how much evidence it has, not on how much its
    /// few reviewers happened to agree (a noisy estimate that cost ranking on real text).
    within: f64,
}

/// The spread assumed for one opinion where a city has too little evidence to measure it.
const DEFAULT_WITHIN: f64 = 0.25 * 0.25;
/// Most the learned prior may count, in opinions.
const MAX_PRIOR_WEIGHT: f64 = 50.0;

impl Shrinkage {
    fn of(moments: &[Moments], config: &ScoringConfig) -> Shrinkage {
        let (mut w, mut wvar) = (0.0, 0.0);
        let mut means = Vec::new();
        for p in moments.iter().map(|m| &m.credible).filter(|p| p.w >= 1.0) {
            let mean = p.wv / p.w;
            w += p.w;
            wvar += (p.wv2 - p.wv * mean).max(0.0);
            means.push((mean, p.w * p.w / p.w2));
        }
        if means.len() < 5 || w <= 0.0 {
            return Shrinkage {
                k: config.prior_weight,
                within: DEFAULT_WITHIN,
            };
        }
        let within = (wvar / w).max(1e-4);
        let n = means.len() as f64;
        let grand = means.iter().map(|m| m.0).sum::<f64>() / n;
        let between = means
            .iter()
            .map(|(m, n_eff)| (m - grand).powi(2) - within / n_eff.max(1.0))
            .sum::<f64>()
            / n;
        let most = MAX_PRIOR_WEIGHT.max(config.prior_weight);
        // No spread between merchants beyond noise: they are alike, so lean on the prior.
        let k = if between > 0.0 {
            (within / between).clamp(config.prior_weight, most)
        } else {
            most
        };
        Shrinkage { k, within }
    }
}

fn estimate(p: &Pool, prior: f64, shrink: Shrinkage, config: &ScoringConfig) -> Estimate {
    let k = shrink.k;
    let mean = (p.wv + k * prior) / (p.w + k);
    let n_eff = if p.w2 > 0.0 { p.w * p.w / p.w2 } else { 0.0 };
    let se = (shrink.within / (n_eff + k)).sqrt();
    Estimate {
        mean,
        lower: (mean - config.z * se).clamp(0.0, 1.0),
        n_eff,
    }
}

/// The score of a merchant's moments: the bound of all its opinions (cheap pool bounded),
/// never below the bound of its credible opinions alone, so that no number of cheap voices
/// can sink a merchant below what its credible reviewers support.
fn score_of(
    m: &Moments,
    prior: f64,
    shrink: Shrinkage,
    config: &ScoringConfig,
) -> (Estimate, Pool, f64) {
    let all = m.bounded(config);
    let mut e = estimate(&all, prior, shrink, config);
    let floor = estimate(&m.credible, prior, shrink, config).lower;
    e.lower = e.lower.max(floor);
    (e, all, floor)
}

/// How each piece of evidence about each merchant counts as of `as_of`, aligned with
/// [`EvidenceSet::items`]; evidence written after `as_of` counts zero. A `config` out of
/// its bounds ([`ScoringConfig::validate`]) is a user error.
pub fn counted(
    evidence: &EvidenceSet,
    trust: &Assessment,
    as_of: Timestamp,
    config: &ScoringConfig,
) -> Result<Vec<Counted>> {
    config.validate()?;
    Ok(counted_unchecked(evidence, trust, as_of, config))
}

/// [`counted`] for a config the caller has validated (or whose results it will not use
/// before validating: [`Engine::analyze`](crate::Engine::analyze) cannot fail, and every
/// method of the analysis that scores validates).
pub(crate) fn counted_unchecked(
    evidence: &EvidenceSet,
    trust: &Assessment,
    as_of: Timestamp,
    config: &ScoringConfig,
) -> Vec<Counted> {
    evidence
        .items
        .iter()
        .zip(&trust.weights)
        .map(|(e, w)| {
            let age = evidence.doc(e).created_at.days_until(as_of);
            let recency = if age < 0.0 {
                0.0
            } else {
                0.5f64.powf(age / config.half_life_days)
            };
            Counted {
                trust: w.total(),
                recency,
                credible: w.credible_share(),
            }
        })
        .collect()
}

/// Scores every merchant of `city`. A `config` out of its bounds is a user error.
pub fn score_city(
    corpus: &Corpus,
    evidence: &EvidenceSet,
    trust: &Assessment,
    city: &str,
    as_of: Timestamp,
    config: &ScoringConfig,
) -> Result<Scoreboard> {
    let counted = counted(evidence, trust, as_of, config)?;
    let ranges = evidence.merchant_ranges();
    score_city_from(
        &CityInputs {
            corpus,
            evidence,
            trust,
            counted: &counted,
            ranges: &ranges,
        },
        city,
        as_of,
        config,
    )
}

/// What scoring a city reads, with the corpus-wide parts ([`counted`] and
/// [`EvidenceSet::merchant_ranges`]) computed once, so that scoring one city costs only its merchants.
pub struct CityInputs<'a> {
    /// The corpus scored.
    pub corpus: &'a Corpus,
    /// Its evidence.
    pub evidence: &'a EvidenceSet,
    /// The trust stage's weights and flags for that evidence.
    pub trust: &'a Assessment,
    /// [`counted`] of `evidence`, aligned with its items.
    pub counted: &'a [Counted],
    /// [`EvidenceSet::merchant_ranges`] of `evidence`.
    pub ranges: &'a BTreeMap<String, Range<usize>>,
}

/// [`score_city`] from precomputed inputs. A `config` out of its bounds is a user error.
pub fn score_city_from(
    inputs: &CityInputs<'_>,
    city: &str,
    as_of: Timestamp,
    config: &ScoringConfig,
) -> Result<Scoreboard> {
    config.validate()?;
    let CityInputs {
        corpus,
        evidence,
        trust,
        counted,
        ranges,
    } = *inputs;
    let live = |k: usize| evidence.doc(&evidence.items[k]).created_at <= as_of;
    let moments_of = |id: &str| -> Moments {
        match ranges.get(id) {
            Some(r) => {
                let mut m = Moments::of(r.clone(), evidence, counted, |k| Some(counted[k].trust));
                m.discounted = r
                    .clone()
                    .filter(|&k| live(k) && !trust.weights[k].discounts.is_empty())
                    .count();
                m.count = r.clone().filter(|&k| live(k)).count();
                m
            }
            None => Moments::default(),
        }
    };

    let merchants: Vec<_> = corpus
        .merchants
        .values()
        .filter(|m| m.city == city)
        .collect();
    let moments: Vec<Moments> = merchants.par_iter().map(|m| moments_of(&m.id)).collect();

    // Priors: weighted mean credible opinion of the city's category, then top-level group,
    // then city. Cheap voices are left out, so no campaign can move another shop's prior.
    let mut pools: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (m, mo) in merchants.iter().zip(&moments) {
        for key in [m.category.as_str(), m.top_category(), ""] {
            let p = pools.entry(key).or_insert((0.0, 0.0));
            p.0 += mo.credible.wv;
            p.1 += mo.credible.w;
        }
    }
    const NEUTRAL: f64 = 0.6;
    let prior_of = |m: &crate::corpus::Merchant| -> f64 {
        for key in [m.category.as_str(), m.top_category(), ""] {
            if let Some(&(wv, w)) = pools.get(key) {
                if w >= 5.0 * config.prior_weight {
                    return wv / w;
                }
            }
        }
        NEUTRAL
    };

    let shrink = Shrinkage::of(&moments, config);
    let decisions = corpus.standing_decisions();
    let mut scores: Vec<MerchantScore> = merchants
        .par_iter()
        .zip(&moments)
        .map(|(m, mo)| {
            let prior = prior_of(m);
            let (mut est, all, floor) = score_of(mo, prior, shrink, config);
            let flags = trust.flags.get(&m.id).cloned().unwrap_or_default();
            // Content found to be against the merchant (an attack, a smear, a rival's
            // account) has no effect at all: the score is never below what it would be
            // without those documents.
            let against: std::collections::BTreeSet<&str> = flags
                .iter()
                .filter(|f| f.direction == crate::trust::Direction::Against)
                .flat_map(|f| f.docs.iter().map(String::as_str))
                .collect();
            if !against.is_empty() {
                if let Some(r) = ranges.get(&m.id) {
                    let without = Moments::of(r.clone(), evidence, counted, |k| {
                        let id = evidence.doc(&evidence.items[k]).id.as_str();
                        (!against.contains(id)).then_some(counted[k].trust)
                    });
                    est.lower = est
                        .lower
                        .max(score_of(&without, prior, shrink, config).0.lower);
                }
            }
            let decision = decisions.get(m.id.as_str());
            let held = held_for(
                ranges.get(&m.id).cloned().unwrap_or_default(),
                evidence,
                trust,
                counted,
                &flags,
                decision,
                prior,
                shrink,
                config,
            );
            let ineligible = eligibility::check(m, all.w, decision, &held, config);
            MerchantScore {
                merchant_id: m.id.clone(),
                score: round(100.0 * est.lower),
                eligible: ineligible.is_none(),
                ineligible,
                mean: round(100.0 * est.mean),
                prior: round(100.0 * prior),
                credible_weight: round(all.w),
                cheap_weight: round(all.w - mo.credible.w),
                credible_floor: round(100.0 * floor),
                effective_opinions: round(est.n_eff),
                evidence_count: mo.count,
                discounted_count: mo.discounted,
                flags,
            }
        })
        .collect();
    scores.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.merchant_id.cmp(&b.merchant_id))
    });
    Ok(Scoreboard {
        city: city.to_string(),
        as_of,
        merchants: scores,
    })
}

/// A favour finding with at least this many documents is a campaign, not a stray post.
const CAMPAIGN_DOCS: usize = 5;

/// The favour flags that hold a merchant: those no human approval covers (found in
/// documents written after the approval) and that are either deliberate promotion — the
/// merchant's own account, an undeclared ad, content by established accounts (a paid
/// influencer), a campaign of at least [`CAMPAIGN_DOCS`] documents — or material: believed at full weight, the flagged documents would lift
/// the score by at least [`ScoringConfig::hold_points`] over leaving them out. Cheap
/// praise too small to move the merchant is reported, not held, so that a rival cannot
/// freeze a shop by posting a little fake praise for it.
#[allow(clippy::too_many_arguments)]
fn held_for(
    range: Range<usize>,
    evidence: &EvidenceSet,
    trust: &Assessment,
    counted: &[Counted],
    flags: &[Flag],
    decision: Option<&&crate::corpus::CurationDecision>,
    prior: f64,
    shrink: Shrinkage,
    config: &ScoringConfig,
) -> Vec<FlagKind> {
    let approved_at = decision
        .filter(|d| d.decision == crate::corpus::Decision::Approve)
        .map(|d| d.at);
    let open: Vec<&Flag> = flags
        .iter()
        .filter(|f| f.favours() && approved_at.is_none_or(|at| f.last_at > at))
        .collect();
    if open.is_empty() {
        return Vec::new();
    }
    let established: std::collections::BTreeSet<&str> = range
        .clone()
        .filter(|&k| trust.weights[k].credible >= 0.5)
        .map(|k| evidence.doc(&evidence.items[k]).id.as_str())
        .collect();
    let costly = |f: &Flag| {
        matches!(f.kind, FlagKind::SelfPromotion | FlagKind::SoftAd)
            || f.docs.len() >= CAMPAIGN_DOCS
            || f.docs.iter().any(|d| established.contains(d.as_str()))
    };
    let mut kinds: Vec<FlagKind> = open.iter().filter(|f| costly(f)).map(|f| f.kind).collect();
    let cheap: Vec<&Flag> = open.iter().filter(|f| !costly(f)).copied().collect();
    if !cheap.is_empty() {
        let docs: std::collections::BTreeSet<&str> = cheap
            .iter()
            .flat_map(|f| f.docs.iter().map(String::as_str))
            .collect();
        let flagged = |k: usize| docs.contains(evidence.doc(&evidence.items[k]).id.as_str());
        let believed = Moments::of(range.clone(), evidence, counted, |k| {
            Some(if flagged(k) {
                trust.weights[k].undiscounted()
            } else {
                counted[k].trust
            })
        });
        let without = Moments::of(range, evidence, counted, |k| {
            (!flagged(k)).then_some(counted[k].trust)
        });
        let lift = score_of(&believed, prior, shrink, config).0.lower
            - score_of(&without, prior, shrink, config).0.lower;
        if 100.0 * lift >= config.hold_points {
            kinds.extend(cheap.iter().map(|f| f.kind));
        }
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Rounds to 4 decimals so that printed scores do not carry float noise.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
