//! Reading text as opinions: which [`TextModel`] reads a city's texts, and how its log-odds
//! and the lexicon reader's polarity become an opinion on the star scale, calibrated per
//! top-level category.
//!
//! - **Learned from the city's own stars.** With at least [`MIN_RATED`] rated reviews (and
//!   both praise and complaints among them) a city trains its own model on them: the star is
//!   the label (distant supervision). Otherwise the shipped default model reads it. Cities
//!   are independent shards, so each has its own model ([`Readers`]).
//! - **Retrained at defined points, so an update equals a rebuild.** The model learns from
//!   the first K rated reviews, in time order, by accounts with a record of rated reviews
//!   (several merchants over more than a month: cheap accounts teach nothing), K the largest
//!   of 200, 400, 800, … (doubling, at most [`MAX_TRAIN`]) not above their number. Both the
//!   teachers and the reviews are taken from before the training cutoff, the start of
//!   `--as-of`'s ISO week ([`training_cutoff`]). It is a function of the corpus, so a rebuild
//!   trains the same model; notes never change it, nor do reviews dated after the cutoff, so
//!   a batch of this week's writing leaves the training set, its fingerprint and so every
//!   document's learned reading unchanged (a reading is keyed by (text, fingerprint)). Only
//!   a batch that adds, edits or retracts rated reviews dated before the cutoff, or an
//!   `--as-of` in a later week, can retrain.
//! - **Stars decide how much each reader counts, per category.** A category's writing style
//!   shifts how positive its texts read (hotel reviews complain more than restaurant reviews
//!   of the same quality). Within each top-level category, the star of its rated reviews is
//!   regressed on the model's log-odds and the lexicon polarity (least squares, shrunk toward
//!   the city-wide fit by 50 reviews, `CALIBRATION_PRIOR`), so a text reads as the star its
//!   category's writers give with such words: the same quality gives the same opinion
//!   whatever the category. Without stars the lexicon reading alone: the default model did
//!   not beat it on held-out restaurant text (see `data/model/README.md`).

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::extract::{fnv1a, Document};
use super::model::{features, ModelSource, TextModel, TrainOptions};
use crate::corpus::{Corpus, Timestamp};

/// Where a learned model's training data stops: the start (Monday 00:00 UTC) of `as_of`'s
/// ISO week. The teachers and the training reviews are chosen from rated reviews dated
/// before it, so writing dated later (this week's batches) never changes a model: an update
/// keeps every text's learned reading, and a rebuild at the same `as_of` trains the same
/// model. A week, not a month: the newest reviews wait at most seven days to teach.
pub fn training_cutoff(as_of: Timestamp) -> Timestamp {
    let day = as_of.unix().div_euclid(86_400);
    // 1970-01-01 was a Thursday, three days after a Monday.
    Timestamp::from_unix((day - (day + 3).rem_euclid(7)) * 86_400)
}

/// Rated reviews a corpus needs to train its own model.
pub const MIN_RATED: usize = 200;
/// Most reviews a model trains on (the cost of a retrain stays bounded).
pub const MAX_TRAIN: usize = 204_800;
/// Fewest reviews on each side (4–5 stars, 1–3 stars) to learn the difference.
const MIN_PER_SIDE: usize = 20;
/// Weight, in reviews, of the corpus-wide calibration in each category's.
const CALIBRATION_PRIOR: f64 = 50.0;

/// A plane from (the model's log-odds, the lexicon reader's polarity) to an opinion in
/// [0, 1]: least squares on the rated reviews.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Line {
    /// The opinion at zero log-odds and zero polarity.
    pub intercept: f64,
    /// Per unit of the model's log-odds.
    pub model: f64,
    /// Per unit of the lexicon polarity.
    pub lexicon: f64,
}

impl Line {
    fn at(&self, z: f64, p: f64) -> f64 {
        (self.intercept + self.model * z + self.lexicon * p).clamp(0.0, 1.0)
    }

    /// `self` shrunk toward `toward` as if it had `prior` observations to `n`.
    fn shrunk(&self, n: f64, toward: &Line, prior: f64) -> Line {
        let k = n / (n + prior);
        let mix = |a: f64, b: f64| k * a + (1.0 - k) * b;
        Line {
            intercept: mix(self.intercept, toward.intercept),
            model: mix(self.model, toward.model),
            lexicon: mix(self.lexicon, toward.lexicon),
        }
    }
}

/// Sufficient statistics of a least-squares fit of y on (z, p).
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: f64,
    /// Σ of 1, z, p (as x₀ x₁ x₂) products: xx[i][j] = Σ xᵢxⱼ, xy[i] = Σ xᵢy.
    xx: [[f64; 3]; 3],
    xy: [f64; 3],
}

impl Sums {
    fn add(&mut self, z: f64, p: f64, y: f64) {
        let x = [1.0, z, p];
        self.n += 1.0;
        for i in 0..3 {
            for j in 0..3 {
                self.xx[i][j] += x[i] * x[j];
            }
            self.xy[i] += x[i] * y;
        }
    }

    /// The least-squares plane (a small ridge keeps it defined when a regressor is constant).
    fn fit(&self) -> Option<Line> {
        if self.n < 3.0 {
            return None;
        }
        let mut m = self.xx;
        m[1][1] += 1e-6 * self.n;
        m[2][2] += 1e-6 * self.n;
        let c = solve3(m, self.xy)?;
        c.iter().all(|v| v.is_finite()).then_some(Line {
            intercept: c[0],
            model: c[1],
            lexicon: c[2],
        })
    }
}

/// Solves the 3×3 system `m · x = b` by Gaussian elimination with partial pivoting.
// Two rows of `m` are read at the same column index: plain indexes say it best.
#[allow(clippy::needless_range_loop)]
fn solve3(mut m: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..3 {
            let f = m[row][col] / m[col][col];
            for k in col..3 {
                m[row][k] -= f * m[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let mut v = b[row];
        for k in row + 1..3 {
            v -= m[row][k] * x[k];
        }
        x[row] = v / m[row][row];
    }
    Some(x)
}

/// The model a corpus is read with and its calibration.
#[derive(Debug)]
pub struct TextReader {
    /// The learned model.
    pub model: Arc<TextModel>,
    /// (Log-odds, lexicon polarity) → opinion, corpus-wide; `None` without enough rated
    /// reviews (then the mean of σ(log-odds) and the lexicon's (1 + polarity)/2).
    pub global: Option<Line>,
    /// The same per top-level category with rated reviews.
    pub by_category: BTreeMap<String, Line>,
}

impl TextReader {
    /// A reader with the default model and no calibration.
    pub fn default_reader() -> TextReader {
        TextReader {
            model: TextModel::default_model(),
            global: None,
            by_category: BTreeMap::new(),
        }
    }

    /// The model for `docs` of `corpus` as of `as_of` (see the module docs): `previous`
    /// again when its fingerprint says it learned from the same reviews.
    pub fn train<'d>(
        docs: impl IntoIterator<Item = &'d Document>,
        as_of: Timestamp,
        previous: Option<&Arc<TextModel>>,
    ) -> Arc<TextModel> {
        Self::train_reading(docs.into_iter().enumerate(), as_of, previous).0
    }

    /// [`train`](Self::train) over numbered documents, also giving the new model's log-odds
    /// of each review it trained on, by number: their features are at hand, so reading them
    /// here spares computing them again. Empty when no model was trained (too few reviews, or
    /// `previous` reused).
    pub(crate) fn train_reading<'d>(
        docs: impl IntoIterator<Item = (usize, &'d Document)>,
        as_of: Timestamp,
        previous: Option<&Arc<TextModel>>,
    ) -> (Arc<TextModel>, Vec<(usize, f32)>) {
        let cutoff = training_cutoff(as_of);
        let mut rated: Vec<(usize, &Document)> = docs
            .into_iter()
            .filter(|(_, d)| d.star.is_some() && d.created_at < cutoff)
            .collect();
        if rated.len() < MIN_RATED {
            return (TextModel::default_model(), Vec::new());
        }
        rated.sort_by(|(_, a), (_, b)| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let mut k = MIN_RATED;
        while k * 2 <= rated.len() && k * 2 <= MAX_TRAIN {
            k *= 2;
        }
        rated.truncate(k);
        let label = |d: &Document| ((d.star.unwrap_or(3.0) - 1.0) / 4.0).clamp(0.0, 1.0) as f32;
        let positives = rated.iter().filter(|(_, d)| label(d) >= 0.75).count();
        if positives < MIN_PER_SIDE || rated.len() - positives < MIN_PER_SIDE {
            return (TextModel::default_model(), Vec::new());
        }
        let fingerprint = fnv1a(rated.iter().flat_map(|(_, d)| {
            d.text_hash
                .to_le_bytes()
                .into_iter()
                .chain(label(d).to_le_bytes())
                .chain(d.id.bytes())
                .chain([0xff])
        }));
        if let Some(p) = previous.filter(|p| p.fingerprint == fingerprint) {
            return (Arc::clone(p), Vec::new());
        }
        let examples: Vec<(Vec<u32>, f32)> = rated
            .par_iter()
            .map(|(_, d)| (features(&d.text, &[]), label(d)))
            .collect();
        let model = Arc::new(TextModel::train(
            &examples,
            &TrainOptions::default(),
            fingerprint,
            ModelSource::Corpus {
                reviews: examples.len(),
            },
        ));
        let logits = rated
            .par_iter()
            .zip(&examples)
            .map(|((i, _), (x, _))| (*i, model.logit(x)))
            .collect();
        (model, logits)
    }

    /// Calibrates `model` on the rated reviews among `docs` (each with its log-odds under
    /// the model) up to `as_of`: the star regressed on the log-odds and
    /// the lexicon polarity, so the corpus's own stars decide how much each reader counts.
    pub fn calibrate<'d>(
        corpus: &Corpus,
        docs: impl IntoIterator<Item = (&'d Document, f32)>,
        as_of: Timestamp,
        model: Arc<TextModel>,
    ) -> TextReader {
        let mut all = Sums::default();
        let mut by: BTreeMap<&str, Sums> = BTreeMap::new();
        for (d, z) in docs {
            let Some(star) = d.star.filter(|_| d.created_at <= as_of) else {
                continue;
            };
            let y = ((star - 1.0) / 4.0).clamp(0.0, 1.0);
            let (z, p) = (f64::from(z), f64::from(d.reading.polarity));
            all.add(z, p, y);
            let Some(m) = d
                .merchant_ids
                .first()
                .and_then(|m| corpus.merchants.get(m.as_str()))
            else {
                continue;
            };
            by.entry(m.top_category()).or_default().add(z, p, y);
        }
        // A reading that does not rise with the star is no calibration.
        let sane = |l: &Line| l.model >= 0.0 && l.lexicon >= 0.0 && l.model + l.lexicon > 0.0;
        let global = (all.n >= MIN_RATED as f64)
            .then(|| all.fit())
            .flatten()
            .filter(sane);
        let by_category = match global {
            Some(g) => by
                .into_iter()
                .filter(|(_, s)| s.n >= MIN_PER_SIDE as f64)
                .filter_map(|(c, s)| {
                    let line = s.fit()?.shrunk(s.n, &g, CALIBRATION_PRIOR);
                    sane(&line).then(|| (c.to_string(), line))
                })
                .collect(),
            None => BTreeMap::new(),
        };
        TextReader {
            model,
            global,
            by_category,
        }
    }

    /// The opinion, in [0, 1] on the star scale, of a text about a merchant of
    /// `top_category` with log-odds `z` under the model and lexicon polarity `polarity`.
    pub fn value(&self, top_category: Option<&str>, z: f32, polarity: f32) -> f64 {
        let (z, p) = (f64::from(z), f64::from(polarity).clamp(-1.0, 1.0));
        match top_category
            .and_then(|c| self.by_category.get(c))
            .or(self.global.as_ref())
        {
            Some(line) => line.at(z, p),
            // Without stars to calibrate on, the lexicon reader alone: measured on held-out
            // restaurant text, the default model does not beat it (ROC AUC 0.769 alone,
            // 0.807 averaged with it, against 0.811; `examples/train_text_model.rs`), so it
            // is not trusted there.
            None => 0.5 + 0.5 * p,
        }
    }
}

/// One [`TextReader`] per city: cities are independent shards (no score of one city reads
/// another city's merchants), so each city learns from its own rated reviews, and an edit
/// in one city never re-scores another.
#[derive(Debug)]
pub struct Readers {
    /// Each city's reader, by city name.
    pub by_city: BTreeMap<String, Arc<TextReader>>,
    /// For documents about no known merchant.
    pub fallback: Arc<TextReader>,
}

impl Readers {
    /// The reader of `city` (the fallback for an unknown city).
    pub fn of(&self, city: Option<&str>) -> &Arc<TextReader> {
        city.and_then(|c| self.by_city.get(c))
            .unwrap_or(&self.fallback)
    }
}
