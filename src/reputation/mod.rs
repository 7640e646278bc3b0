//! Reputation: one score per merchant from weighted evidence.
//!
//! Each opinion counts by its trust weight times a recency half-life. A merchant's mean
//! opinion is shrunk toward the mean of its city and category (a prior worth
//! [`ScoringConfig::prior_weight`] credible opinions), and ranked by the lower end of an
//! interval around it, so three lucky reviews cannot beat three hundred good ones while a
//! dozen credible, enthusiastic visitors can still beat hundreds of lukewarm ones.
//!
//! The stage reads a [`Corpus`], evidence and trust weights. It never sees commercial data.

mod eligibility;

use std::collections::BTreeMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Corpus, Timestamp};
use crate::error::{Result, UserError};
use crate::evidence::{Evidence, EvidenceSet};
use crate::trust::{Assessment, Flag};

pub use eligibility::Ineligible;

/// The knobs of aggregation. The defaults are what the evaluation in the README measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoringConfig {
    /// Evidence loses half its weight every this many days before `as_of`.
    pub half_life_days: f64,
    /// The city-and-category prior counts like this much credible weight.
    pub prior_weight: f64,
    /// Standard errors below the mean used for ranking (1.0: a one-sided 84% bound).
    pub z: f64,
    /// Below this much credible weight a merchant is not eligible.
    pub min_evidence_weight: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        ScoringConfig {
            half_life_days: 730.0,
            prior_weight: 2.0,
            z: 1.0,
            min_evidence_weight: 1.5,
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

/// A hygiene or food-safety complaint counts this many times a mild complaint.
const HYGIENE_WEIGHT: f64 = 2.0;

/// Weight one opinion ends up with, and the parts of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Counted {
    /// Trust weight (credibility × visit × discounts).
    pub trust: f64,
    /// Recency factor in `(0, 1]`.
    pub recency: f64,
}

impl Counted {
    pub fn weight(&self) -> f64 {
        self.trust * self.recency
    }
}

/// One merchant's reputation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MerchantScore {
    pub merchant_id: String,
    /// 0 to 100: the lower bound of the shrunk mean opinion. What ranks.
    pub score: f64,
    pub eligible: bool,
    /// Why not eligible, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ineligible: Option<Ineligible>,
    /// Shrunk mean opinion, 0 to 100.
    pub mean: f64,
    /// The city-and-category prior it was shrunk toward, 0 to 100.
    pub prior: f64,
    /// Sum of the weights of all evidence as of `as_of`.
    pub credible_weight: f64,
    /// Kish's effective number of opinions: (Σw)² / Σw².
    pub effective_opinions: f64,
    /// Notes and reviews about the merchant written by `as_of`.
    pub evidence_count: usize,
    /// Of those, how many were discounted by trust.
    pub discounted_count: usize,
    pub flags: Vec<Flag>,
}

/// Every merchant of a city, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scoreboard {
    pub city: String,
    pub as_of: Timestamp,
    pub merchants: Vec<MerchantScore>,
}

/// Statistics of one merchant's weighted opinions.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    w: f64,
    w2: f64,
    wv: f64,
    wv2: f64,
    count: usize,
    discounted: usize,
}

impl Moments {
    fn of(items: &[Evidence], counted: &[Counted]) -> Moments {
        let mut m = Moments::default();
        for (e, c) in items.iter().zip(counted) {
            let w = c.weight();
            m.w += w;
            m.w2 += w * w;
            m.wv += w * e.value;
            m.wv2 += w * e.value * e.value;
            m.count += 1;
        }
        m
    }
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
            let hygiene = if e.hygiene_alert { HYGIENE_WEIGHT } else { 1.0 };
            Counted {
                trust: w.total() * hygiene,
                recency,
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
    pub corpus: &'a Corpus,
    pub evidence: &'a EvidenceSet,
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
    let moments_of = |id: &str| -> Moments {
        match ranges.get(id) {
            Some(r) => {
                let items = &evidence.items[r.clone()];
                let mut m = Moments::of(items, &counted[r.clone()]);
                m.discounted = trust.weights[r.clone()]
                    .iter()
                    .filter(|w| !w.discounts.is_empty())
                    .count();
                m.count = items
                    .iter()
                    .filter(|e| evidence.doc(e).created_at <= as_of)
                    .count();
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

    // Priors: weighted mean opinion of the city's category, then top-level group, then city.
    let mut pools: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (m, mo) in merchants.iter().zip(&moments) {
        for key in [m.category.as_str(), m.top_category(), ""] {
            let p = pools.entry(key).or_insert((0.0, 0.0));
            p.0 += mo.wv;
            p.1 += mo.w;
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

    let decisions = corpus.standing_decisions();
    let mut scores: Vec<MerchantScore> = merchants
        .iter()
        .zip(&moments)
        .map(|(m, mo)| {
            let prior = prior_of(m);
            let k = config.prior_weight;
            let mean = (mo.wv + k * prior) / (mo.w + k);
            // Weighted variance of the opinions (with the prior as k pseudo-opinions at a
            // spread of 0.25), divided by the effective count.
            let own_var = if mo.w > 0.0 {
                (mo.wv2 / mo.w - (mo.wv / mo.w).powi(2)).max(0.0)
            } else {
                0.0
            };
            let var = (mo.w * own_var + k * 0.25f64.powi(2)) / (mo.w + k);
            let n_eff = if mo.w2 > 0.0 {
                mo.w * mo.w / mo.w2
            } else {
                0.0
            };
            let se = (var / (n_eff + k)).sqrt();
            let lower = (mean - config.z * se).clamp(0.0, 1.0);
            let flags = trust.flags.get(&m.id).cloned().unwrap_or_default();
            let ineligible =
                eligibility::check(m, mo.w, decisions.get(m.id.as_str()), &flags, config);
            MerchantScore {
                merchant_id: m.id.clone(),
                score: round(100.0 * lower),
                eligible: ineligible.is_none(),
                ineligible,
                mean: round(100.0 * mean),
                prior: round(100.0 * prior),
                credible_weight: round(mo.w),
                effective_opinions: round(n_eff),
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

/// Rounds to 4 decimals so that printed scores do not carry float noise.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
