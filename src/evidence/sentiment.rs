//! Sentiment, aspects and return intent from the text of a note or review.
//!
//! Notes carry no star, so what they say must be read from their words. The method is a
//! lexicon method, because it is explainable (every point of polarity is a [`Cue`] with byte
//! offsets) and works on short informal text where no trained model is at hand:
//!
//! - words from NTUSD (±1) and a domain lexicon (dishes, service, prices, slang, emoji) that
//!   overrides it; both are data files under `data/lexicon/`;
//! - a negator shortly before a word flips it and damps it (`不难吃` is mildly positive,
//!   `不好吃` clearly negative); a double negation cancels;
//! - degree words scale it (`超级` ×2, `有点` ×0.6), before the word or after (`难吃死了`);
//! - contrast: within a sentence what follows `但是`/`不过` weighs more and what precedes it
//!   (or follows `虽然`) weighs less, since that is where the writer lands;
//! - `总的来说`/`总之` mark the verdict, which weighs more; an exclamation mark strengthens
//!   its clause, and so does the last sentence holding sentiment (the usual place of the
//!   verdict); a complaint in a clause about queues or parking (`minor.txt`) weighs half,
//!   since popular places draw both; a plain question (`好吃吗？`) counts half and a
//!   rhetorical one (`难道不好吃吗？`, `哪里好吃了？`) means the opposite of its words;
//! - return intent (`二刷`, `回购`, `会再来` against `不会再来`, `拉黑`, also negated:
//!   `不会二刷`) is reported and counts towards the polarity;
//! - aspects (taste, environment, service, value, hygiene, waiting) get the sentiment of the
//!   clauses that name them;
//! - hygiene and food-safety complaints (`拉肚子`, `不干净`, `吃出异物`) carry large weights
//!   and raise [`TextEvidence::hygiene_alert`], which caps the polarity below zero: one such
//!   incident outweighs any amount of praise for the food.
//!
//! Matching runs over the folded text, not over tokens, so it does not depend on how the
//! segmenter cut a phrase (`不难吃` whole or not, `救命好吃` across tokens); tokens only
//! decide whether a one-character word (`差`, `贵`) is a word of its own rather than part of
//! another (`差不多`, `贵州`). The lexicons and constants were tuned on the ASAP train
//! sample only; `tests/sentiment_asap.rs` reports the held-out figures.

use std::collections::BTreeMap;

use serde::Serialize;

use super::lexicon::{self, bad_line, number, rows, Hit, MultiSet, RawHit, WordSet};
use crate::error::Result;
use crate::text::{fold_char_with, CompactString, Token};

/// What a review or note can be about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// Food and drink: 味道, 口感, 好吃.
    Taste,
    /// Decoration, space, noise: 环境, 装修, 吵.
    Environment,
    /// Staff and their manner: 服务员, 态度, 热情.
    Service,
    /// Price for what one gets: 性价比, 贵, 实惠.
    Value,
    /// Cleanliness and food safety: 干净, 拉肚子, 异物.
    Hygiene,
    /// Queues and slow serving: 排队, 上菜慢.
    Waiting,
}

impl Aspect {
    /// All aspects, in order.
    pub const ALL: [Aspect; 6] = [
        Aspect::Taste,
        Aspect::Environment,
        Aspect::Service,
        Aspect::Value,
        Aspect::Hygiene,
        Aspect::Waiting,
    ];

    /// The name used in `aspects.tsv` and in serialised output.
    pub fn name(self) -> &'static str {
        match self {
            Aspect::Taste => "taste",
            Aspect::Environment => "environment",
            Aspect::Service => "service",
            Aspect::Value => "value",
            Aspect::Hygiene => "hygiene",
            Aspect::Waiting => "waiting",
        }
    }

    /// The aspect called `name` (as in [`name`](Self::name)).
    pub fn from_name(name: &str) -> Option<Aspect> {
        Aspect::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Whether the writer says they will come back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ReturnIntent {
    /// 二刷, 回购, 会再来.
    WillReturn,
    /// 不会再来, 再也不去, 拉黑.
    WontReturn,
}

/// What kind of lexicon entry a cue is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CueKind {
    /// A sentiment word, phrase or emoji.
    Sentiment,
    /// A return-intent phrase.
    ReturnIntent,
}

/// One piece of evidence in the text, for explanations.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Cue {
    /// Byte offset of the cue in the original text.
    pub start: usize,
    /// Byte offset one past its end in the original text.
    pub end: usize,
    /// The lexicon entry that matched (folded). Stored inline up to 24 bytes (eight Han
    /// characters), so a cue costs no heap allocation of its own.
    pub word: CompactString,
    /// Its contribution to the polarity, after negation, degree, contrast and emphasis.
    pub weight: f32,
    /// True when a negator flipped it.
    pub negated: bool,
    /// A sentiment cue or a return-intent phrase.
    pub kind: CueKind,
}

/// Sentiment about one aspect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct AspectSignal {
    /// From −1 (all complaints) to 1 (all praise).
    pub polarity: f32,
    /// Number of sentiment cues attributed to the aspect.
    pub mentions: u32,
}

/// Sentiment per aspect, in [`Aspect`] order: a map from aspect to signal, kept as a
/// sorted list. A text speaks of one or two aspects, and an analysis keeps one per
/// document: a `BTreeMap` spent a 112-byte node on each, this spends 12 bytes per aspect
/// and nothing when there is none. Serialised as a map, as the `BTreeMap` was.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AspectSignals(Box<[(Aspect, AspectSignal)]>);

/// The pair type [`AspectSignals`] iterates over.
type AspectEntry<'a> = (&'a Aspect, &'a AspectSignal);
/// [`AspectSignals::iter`]'s iterator.
type AspectIter<'a> = std::iter::Map<
    std::slice::Iter<'a, (Aspect, AspectSignal)>,
    fn(&'a (Aspect, AspectSignal)) -> AspectEntry<'a>,
>;

impl AspectSignals {
    /// The signal of `aspect`, if the text speaks of it.
    pub fn get(&self, aspect: &Aspect) -> Option<&AspectSignal> {
        let i = self.0.binary_search_by_key(aspect, |e| e.0).ok()?;
        Some(&self.0[i].1)
    }

    /// Whether the text speaks of `aspect`.
    pub fn contains_key(&self, aspect: &Aspect) -> bool {
        self.get(aspect).is_some()
    }

    /// Each aspect with its signal, in aspect order.
    pub fn iter(&self) -> AspectIter<'_> {
        self.0.iter().map(|(a, s)| (a, s))
    }

    /// The aspects spoken of, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Aspect> {
        self.0.iter().map(|e| &e.0)
    }

    /// The signals, in aspect order.
    pub fn values(&self) -> impl Iterator<Item = &AspectSignal> {
        self.0.iter().map(|e| &e.1)
    }

    /// How many aspects the text speaks of.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it speaks of none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(Aspect, AspectSignal)> for AspectSignals {
    /// As a map collects: in aspect order, the last signal of an aspect given twice.
    fn from_iter<I: IntoIterator<Item = (Aspect, AspectSignal)>>(iter: I) -> Self {
        let mut all: Vec<(Aspect, AspectSignal)> = iter.into_iter().collect();
        all.sort_by_key(|e| e.0); // stable: an aspect's signals stay in the order given
        let mut out: Vec<(Aspect, AspectSignal)> = Vec::with_capacity(all.len());
        for e in all {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        AspectSignals(out.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a AspectSignals {
    type Item = AspectEntry<'a>;
    type IntoIter = AspectIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Serialize for AspectSignals {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for AspectSignals {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let map = BTreeMap::<Aspect, AspectSignal>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

/// What a text says, as read by [`SentimentModel::analyze`].
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TextEvidence {
    /// Overall polarity in [−1, 1]; 0 when the text says nothing evaluative.
    pub polarity: f32,
    /// How much evidence the polarity rests on, in [0, 1): 0 for no cue at all.
    pub confidence: f32,
    /// Sum of positive contributions.
    pub positive: f32,
    /// Sum of negative contributions, as a positive number.
    pub negative: f32,
    /// Sentiment per aspect the text speaks of.
    pub aspects: AspectSignals,
    /// A hygiene or food-safety complaint (拉肚子, 不干净, 吃出虫子) that was not negated.
    pub hygiene_alert: bool,
    /// Whether the writer says they will, or will not, come back.
    pub return_intent: Option<ReturnIntent>,
    /// Every cue, in text order. Empty in the readings an analysis keeps for its
    /// documents ([`Document::reading`](crate::evidence::Document::reading)); see
    /// [`Engine::read`](crate::Engine::read).
    pub cues: Vec<Cue>,
}

/// Where a degree word stands relative to the word it modifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DegreePlace {
    Pre,
    Post,
    /// 那么, 这么: a comparison (没有网上说的那么好吃) that lets a negator anywhere before it
    /// in the clause reach the word.
    Compare,
}

/// The loaded lexicons. Build once with [`SentimentModel::new`] and share.
pub struct SentimentModel {
    /// Weight, and whether it comes from the domain lexicon (which wins ties with NTUSD).
    words: WordSet<(f32, bool)>,
    negators: WordSet<()>,
    degree: WordSet<(f32, DegreePlace)>,
    contrast: WordSet<Marker>,
    rhetorical: WordSet<()>,
    aspects: WordSet<(Aspect, f32)>,
    returns: WordSet<i8>,
    minor: WordSet<()>,
    ntusd: WordSet<f32>,
    hygiene_context: WordSet<HygieneContext>,
    /// The eight sets every text is searched for, in one pass (see [`Scanned`]).
    scanner: MultiSet,
}

/// The matches of one set in a scan.
fn set(scan: &mut [Vec<RawHit>], which: Scanned) -> &mut [RawHit] {
    scan.get_mut(which as usize)
        .map_or(&mut [][..], Vec::as_mut_slice)
}

/// The order of the sets in [`SentimentModel::scanner`].
#[derive(Clone, Copy)]
enum Scanned {
    Words,
    Returns,
    Degree,
    Negators,
    Contrast,
    Aspects,
    Rhetorical,
    Minor,
}

/// What `hygiene_context.tsv` says a word does to a nearby hygiene word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HygieneContext {
    /// 怕, 担心, 会不会 before it in the clause: a fear, not an event.
    Worry,
    /// 容易, 易 right before it: how something soils (容易脏), not that it is dirty.
    Prone,
    /// 体质问题, 跟店家没关系 later in the sentence: the writer takes the blame off the shop.
    Retract,
    /// 看到, 发现, 有, 菜, 碗 in the clause: a pest seen at the shop or in the food, not in a
    /// cartoon (猫和老鼠) or a metaphor (是条虫子).
    Sighting,
}

/// Pests: a complaint only where the clause places them (see [`HygieneContext::Sighting`]).
const PESTS: [&str; 6] = ["老鼠", "虫子", "苍蝇", "蟑螂", "小虫", "虫"];

/// Characters within which a negator or degree word still modifies the next sentiment word…
const WINDOW_CHARS: usize = 5;
/// …of which at most this many may be other than degree words.
const MAX_GAP_CHARS: usize = 1;
/// A negated positive word turns negative nearly at full strength (不好吃)…
const NEG_FLIP_POSITIVE: f32 = 0.85;
/// …but negated strong praise is only a mild complaint (没什么惊艳的, 不算完美).
const NEG_FLIP_CAP: f32 = 1.2;
/// …while a negated complaint is only faint praise (不难吃, 不贵).
const NEG_FLIP_NEGATIVE: f32 = 0.45;
/// Weight of what follows a contrast marker in its sentence, and of what precedes it.
const AFTER_CONTRAST: f32 = 1.5;
const BEFORE_CONTRAST: f32 = 0.6;
/// Emphasis of a clause that ends with an exclamation mark.
const EXCLAIM: f32 = 1.2;
/// Weight of sentiment words in a plain question (好吃吗？)…
const QUESTION: f32 = 0.5;
/// …and the flip of those in a rhetorical one (难道不好吃吗？).
const RHETORICAL_FLIP: f32 = 0.8;
/// Weight of a clause opened by 如果, 要是 (如果再便宜点就好了 is no praise).
const HYPOTHETICAL: f32 = 0.5;
/// Weight of a verdict after 总的来说, 总体, 总之.
const SUMMARY: f32 = 1.5;
/// Weight of a complaint in a clause about queues, parking or finding the place (`minor.txt`).
const MINOR_COMPLAINT: f32 = 0.5;
/// Weight of the last sentence holding sentiment, where a writer tends to give the verdict.
const FINAL_SENTENCE: f32 = 1.3;
/// A return-intent phrase counts like this many sentiment points.
const RETURN_POSITIVE: f32 = 1.5;
const RETURN_NEGATIVE: f32 = 2.5;
/// A hygiene cue at least this negative (before degree and contrast) raises the alert.
const HYGIENE_ALERT_WEIGHT: f32 = -1.5;
/// Polarity never exceeds this when the hygiene alert is raised.
const HYGIENE_CAP: f32 = -0.3;
/// Particles that may be glued after a word without making it another word (好吃了).
const PARTICLES: &str = "了的啊呀吧哦哈啦呢嘛";
/// Polarity is x / (1 + |x|) with x = net / this: one mild word stays mild, a page of praise
/// nears 1 without ever reaching it (tanh would tie long reviews at exactly 1.0). The net
/// sum ordered the tuning reviews better than the ratio (P − N) / (P + N + k).
const POLARITY_SCALE: f32 = 3.0;
/// Damping of an aspect's polarity (P − N) / (P + N + this): one mild word stays mild.
const ASPECT_DAMPING: f32 = 0.5;
/// Evidence mass at which confidence reaches 1 − 1/e.
const CONFIDENCE_SCALE: f32 = 3.0;

impl SentimentModel {
    /// Loads the compiled-in lexicons. Fails only if a data file is malformed (a bug).
    pub fn new() -> Result<Self> {
        let negators = WordSet::new(rows(lexicon::NEGATORS).map(|(_, f)| (f[0].to_string(), ())))?;

        let mut degree = Vec::new();
        for (line, f) in rows(lexicon::DEGREE) {
            let place = match f.get(2).copied() {
                None | Some("pre") => DegreePlace::Pre,
                Some("post") => DegreePlace::Post,
                Some("compare") => DegreePlace::Compare,
                Some(other) => {
                    return Err(bad_line("degree.tsv", line, &format!("place {other:?}")))
                }
            };
            degree.push((
                f[0].to_string(),
                (number("degree.tsv", line, &f, 1)?, place),
            ));
        }
        let degree = WordSet::new(degree)?;

        let mut contrast = Vec::new();
        for (line, f) in rows(lexicon::CONTRAST) {
            let marker = match f.get(1).copied() {
                None => Marker::Contrast,
                Some("before") => Marker::Concessive,
                Some("summary") => Marker::Summary,
                Some("if") => Marker::Hypothetical,
                Some(other) => return Err(bad_line("contrast.txt", line, &format!("{other:?}"))),
            };
            contrast.push((f[0].to_string(), marker));
        }
        let contrast = WordSet::new(contrast)?;
        let rhetorical =
            WordSet::new(rows(lexicon::RHETORICAL).map(|(_, f)| (f[0].to_string(), ())))?;

        // NTUSD lists modifiers (不够, 非常, 可是) and function words (还是, 觉得) as
        // sentiment words; here modifiers act as modifiers and the rest is left out.
        let ignore =
            WordSet::new(rows(lexicon::NTUSD_IGNORE).map(|(_, f)| (f[0].to_string(), ())))?;
        let keep = |w: &str| {
            ignore.get(w).is_none()
                && negators.get(w).is_none()
                && degree.get(w).is_none()
                && contrast.get(w).is_none()
        };
        let ntusd_raw = || {
            let pos = lexicon::NTUSD_POSITIVE.lines().map(|w| (w.trim(), 1.0f32));
            let neg = lexicon::NTUSD_NEGATIVE.lines().map(|w| (w.trim(), -1.0f32));
            pos.chain(neg)
        };
        let mut general = Vec::new();
        for (w, v) in ntusd_raw() {
            if keep(w) {
                general.push((w.to_string(), (v, false)));
            }
        }
        for (line, f) in rows(lexicon::DOMAIN) {
            general.push((f[0].to_string(), (number("domain.tsv", line, &f, 1)?, true)));
        }
        let words = WordSet::new(general)?;
        // The baseline is the plain list, as published.
        let ntusd = WordSet::new(ntusd_raw().map(|(w, v)| (w.to_string(), v)))?;

        let mut aspects = Vec::new();
        for (line, f) in rows(lexicon::ASPECTS) {
            let name = f.get(1).copied().unwrap_or("");
            let aspect = Aspect::from_name(name)
                .ok_or_else(|| bad_line("aspects.tsv", line, &format!("aspect {name:?}")))?;
            aspects.push((
                f[0].to_string(),
                (aspect, number("aspects.tsv", line, &f, 2)?),
            ));
        }
        let aspects = WordSet::new(aspects)?;

        let mut returns = Vec::new();
        for (line, f) in rows(lexicon::RETURN_INTENT) {
            let v = number("return_intent.tsv", line, &f, 1)?;
            returns.push((f[0].to_string(), if v >= 0.0 { 1i8 } else { -1 }));
        }
        let returns = WordSet::new(returns)?;
        let minor = WordSet::new(rows(lexicon::MINOR).map(|(_, f)| (f[0].to_string(), ())))?;
        let mut hygiene_context = Vec::new();
        for (line, f) in rows(lexicon::HYGIENE_CONTEXT) {
            let kind = match f.get(1).copied() {
                Some("worry") => HygieneContext::Worry,
                Some("prone") => HygieneContext::Prone,
                Some("retract") => HygieneContext::Retract,
                Some("sighting") => HygieneContext::Sighting,
                other => {
                    return Err(bad_line(
                        "hygiene_context.tsv",
                        line,
                        &format!("kind {other:?}"),
                    ))
                }
            };
            hygiene_context.push((f[0].to_string(), kind));
        }
        let hygiene_context = WordSet::new(hygiene_context)?;
        // In `Scanned`'s order.
        let scanner = MultiSet::new(&[
            words.words(),
            returns.words(),
            degree.words(),
            negators.words(),
            contrast.words(),
            aspects.words(),
            rhetorical.words(),
            minor.words(),
        ])?;

        Ok(SentimentModel {
            scanner,
            hygiene_context,
            words,
            negators,
            degree,
            contrast,
            rhetorical,
            aspects,
            returns,
            minor,
            ntusd,
        })
    }

    /// The lexicon weight of `word` (domain over NTUSD), if it has one.
    pub fn weight(&self, word: &str) -> Option<f32> {
        self.words.get(word).map(|v| v.0)
    }

    /// The plain baseline: NTUSD positive minus negative word occurrences in `text`
    /// (leftmost-longest, no negation, degree or domain words). For comparison only.
    pub fn ntusd_count(&self, text: &str) -> i32 {
        // Without the traditional-character fold: the baseline is the list as published.
        let folded = Folded::with(text, |c| c);
        self.ntusd
            .find(&folded.text)
            .iter()
            .map(|h| if *h.value > 0.0 { 1 } else { -1 })
            .sum()
    }

    /// Reads `text`. `tokens` are the analyzer's tokens of the same text; they serve only to
    /// tell whether a one-character word stands alone (pass `&[]` to skip that check).
    pub fn analyze(&self, tokens: &[Token], text: &str) -> TextEvidence {
        self.read(tokens, text, true)
    }

    /// [`analyze`](Self::analyze) without the cues in the result (`cues` empty; every
    /// other field the same): what an analysis keeps for each of its documents. No later
    /// stage reads a cue, and a million documents carry about 4.6 million of them.
    pub(crate) fn analyze_without_cues(&self, tokens: &[Token], text: &str) -> TextEvidence {
        self.read(tokens, text, false)
    }

    fn read(&self, tokens: &[Token], text: &str, keep_cues: bool) -> TextEvidence {
        let f = Folded::new(text);
        let clauses = Clauses::new(&f.text);

        let (
            mut senti,
            returns,
            degree_hits,
            negator_hits,
            contrast_hits,
            (aspect_hits, rhetorical, minor),
        ) = self.scanner.scan_with(&f.text, |scan| {
            (
                self.words
                    .ranked_of(set(scan, Scanned::Words), f.text.len(), |v| u8::from(v.1)),
                self.returns
                    .leftmost_longest_of(set(scan, Scanned::Returns)),
                self.degree.leftmost_longest_of(set(scan, Scanned::Degree)),
                self.negators
                    .leftmost_longest_of(set(scan, Scanned::Negators)),
                self.contrast
                    .leftmost_longest_of(set(scan, Scanned::Contrast)),
                (
                    self.aspects
                        .leftmost_longest_of(set(scan, Scanned::Aspects)),
                    self.rhetorical
                        .leftmost_longest_of(set(scan, Scanned::Rhetorical)),
                    self.minor.leftmost_longest_of(set(scan, Scanned::Minor)),
                ),
            )
        });
        // A domain phrase may span tokens (救命好吃); a general word or a one-character word
        // must be a word of the text (not 好年 of 好年糕, 差 of 差不多).
        senti.retain(|h| h.word.chars().count() > 1 || self.is_own_word(h, &f, tokens, text));
        // A return-intent phrase is counted once, as such (最后一次 is not also 最后).
        senti.retain(|h| overlapping(&returns, h.start, h.end).is_empty());
        let covered = |s: usize, e: usize| {
            !overlapping(&senti, s, e).is_empty() || !overlapping(&returns, s, e).is_empty()
        };
        // A negator or degree word inside a sentiment phrase (不 of 不错, 好 of 好吃) is part
        // of that phrase, not a modifier.
        let inside_longer = |s: usize, e: usize, others: &[Hit<'_, _>]| {
            overlapping(others, s, e)
                .iter()
                .any(|o| o.start <= s && e <= o.end && o.end - o.start > e - s)
        };
        // A marker inside a sentiment phrase (不过 of 不过分) is none, nor one whose tail starts
        // a sentiment word (不过 of 不过瘾, which is 不 + 过瘾).
        let contrasts: Vec<_> = contrast_hits
            .into_iter()
            .filter(|c| {
                !overlapping(&senti, c.start, c.end).iter().any(|h| {
                    (h.start <= c.start && c.end <= h.end && h.end - h.start > c.end - c.start)
                        || (c.start < h.start && h.start < c.end)
                })
            })
            .collect();
        // 非 of 非常 and 别 of 特别 are degree words, not negators; 太 of 不太 is a negator;
        // 不 of the marker 不过 negates nothing (不过环境好 is praise).
        let negators: Vec<_> = negator_hits
            .iter()
            .filter(|h| {
                !covered(h.start, h.end)
                    && !inside_longer(h.start, h.end, &degree_hits)
                    && !overlapping(&contrasts, h.start, h.end).iter().any(|c| {
                        c.start <= h.start && h.end <= c.end && c.end - c.start > h.end - h.start
                    })
            })
            .copied()
            .collect();
        let degrees: Vec<_> = degree_hits
            .iter()
            .filter(|h| {
                !covered(h.start, h.end)
                    && !overlapping(&negator_hits, h.start, h.end).iter().any(|n| {
                        n.start < h.end && h.start < n.end && n.end - n.start >= h.end - h.start
                    })
            })
            .copied()
            .collect();

        let sentence_of = |h: &Hit<'_, (f32, bool)>| clauses.sentence(h.start);
        let final_sentence = senti
            .iter()
            .map(sentence_of)
            .max()
            .filter(|&last| senti.iter().any(|h| sentence_of(h) != last));

        let mut cues = Vec::new();
        let mut pos = 0.0f32;
        let mut neg = 0.0f32;
        // Folded spans of cues that read as hygiene complaints, checked against their
        // context once every cue is known.
        let mut hygiene_candidates: Vec<(usize, usize)> = Vec::new();
        let mut tally = AspectTally::default();

        let mut prev_end = 0usize;
        for h in &senti {
            let m = self.modifiers(&f, &clauses, h.start, h.end, prev_end, &negators, &degrees);
            prev_end = h.end;
            let base = h.value.0;
            let signed = if m.negated {
                if base > 0.0 {
                    -(base * NEG_FLIP_POSITIVE).min(NEG_FLIP_CAP)
                } else {
                    -base * NEG_FLIP_NEGATIVE
                }
            } else {
                base
            };
            // A question asserts nothing (好吃吗？) unless it is rhetorical (难道不好吃吗？,
            // 哪里好吃了？), which asserts the opposite of its words.
            let signed = if clauses.is_question(h.start) {
                let clause = clauses.index(h.start);
                let (cs, ce) = clauses.bounds(clause);
                if !overlapping(&rhetorical, cs, ce).is_empty() {
                    -signed * RHETORICAL_FLIP
                } else {
                    signed * QUESTION
                }
            } else {
                signed
            };
            if signed == 0.0 {
                continue;
            }
            let (cs, ce) = clauses.bounds(clauses.index(h.start));
            let minor_clause = overlapping(&minor, cs, ce)
                .iter()
                .any(|k| clauses.index(k.start) == clauses.index(h.start));
            let w = signed
                * if m.negated {
                    // 不是很好吃 is milder than 不好吃, not stronger.
                    m.degree.min(1.0)
                } else {
                    m.degree
                }
                * contrast_factor(&clauses, &contrasts, h.start)
                * clauses.emphasis(h.start)
                * if signed < 0.0 && minor_clause {
                    MINOR_COMPLAINT
                } else {
                    1.0
                }
                * if final_sentence == Some(clauses.sentence(h.start)) {
                    FINAL_SENTENCE
                } else {
                    1.0
                };
            if w > 0.0 {
                pos += w;
            } else {
                neg -= w;
            }
            let hygiene = tally.add(&clauses, &aspect_hits, h.start, h.end, w);
            // A complaint: a hygiene word strongly negative by itself (拉肚子, 不干净), a
            // cleanliness word negated (不够卫生), or a clear complaint in a clause about
            // cleanliness (卫生情况也堪忧, 卫生也差).
            let complaint = match hygiene {
                HygieneHit::Own => {
                    signed <= HYGIENE_ALERT_WEIGHT || (m.negated && base > 0.0 && signed < 0.0)
                }
                HygieneHit::Clause => signed <= -1.0,
                HygieneHit::None => false,
            };
            if complaint {
                hygiene_candidates.push((h.start, h.end));
            }
            cues.push(Cue {
                start: f.orig(h.start, h.end).0,
                end: f.orig(h.start, h.end).1,
                word: CompactString::from(h.word),
                weight: w,
                negated: m.negated,
                kind: CueKind::Sentiment,
            });
        }

        let mut intent = 0i32;
        prev_end = 0;
        for h in &returns {
            let m = self.modifiers(&f, &clauses, h.start, h.end, prev_end, &negators, &[]);
            prev_end = h.end;
            let v = if m.negated { -*h.value } else { *h.value };
            intent += i32::from(v);
            let w = if v > 0 {
                RETURN_POSITIVE
            } else {
                -RETURN_NEGATIVE
            };
            if w > 0.0 {
                pos += w;
            } else {
                neg -= w;
            }
            cues.push(Cue {
                start: f.orig(h.start, h.end).0,
                end: f.orig(h.start, h.end).1,
                word: CompactString::from(h.word),
                weight: w,
                negated: m.negated,
                kind: CueKind::ReturnIntent,
            });
        }
        cues.sort_by_key(|c| (c.start, c.end));

        let mut hygiene_alert = false;
        for &(s, e) in &hygiene_candidates {
            match self.hygiene_reading(&f, &clauses, &contrasts, s, e) {
                HygieneReading::Complaint => hygiene_alert = true,
                HygieneReading::Other => {}
                // The writer took it back (但应该是我自己体质问题): it weighs nothing.
                HygieneReading::Retracted => {
                    let (os, oe) = f.orig(s, e);
                    for c in cues.iter_mut().filter(|c| c.start == os && c.end == oe) {
                        neg -= (-c.weight).max(0.0);
                        c.weight = 0.0;
                    }
                }
            }
        }

        let net = (pos - neg) / POLARITY_SCALE;
        let mut polarity = net / (1.0 + net.abs());
        if hygiene_alert {
            polarity = polarity.min(HYGIENE_CAP);
        }
        let aspects = tally.signals();
        TextEvidence {
            polarity: clean(polarity).clamp(-1.0, 1.0),
            confidence: clean(1.0 - (-(pos + neg) / CONFIDENCE_SCALE).exp()).clamp(0.0, 1.0),
            // Sums that contrast discounts subtract from can land a rounding error below
            // zero (−5e-7 on a found input); a total of cues is never negative.
            positive: clean(pos).max(0.0),
            negative: clean(neg).max(0.0),
            aspects,
            hygiene_alert,
            return_intent: match intent.cmp(&0) {
                std::cmp::Ordering::Greater => Some(ReturnIntent::WillReturn),
                std::cmp::Ordering::Less => Some(ReturnIntent::WontReturn),
                std::cmp::Ordering::Equal => None,
            },
            cues: if keep_cues {
                // No spare capacity from the pushes.
                cues.shrink_to_fit();
                cues
            } else {
                Vec::new()
            },
        }
    }

    /// Whether the hygiene cue at folded `start..end` is a complaint about the shop in its
    /// context: not a fear or a supposition (怕拉肚子, 如果有苍蝇), not how something soils
    /// (容易脏), not a pest outside the shop (猫和老鼠), not a word in quotation marks, not
    /// retracted later in its sentence or the next (但应该是我自己体质问题).
    fn hygiene_reading(
        &self,
        f: &Folded,
        clauses: &Clauses,
        markers: &[Hit<'_, Marker>],
        start: usize,
        end: usize,
    ) -> HygieneReading {
        use HygieneReading::{Complaint, Other, Retracted};
        let clause = clauses.index(start);
        let sentence = clauses.sentence(start);
        let (cs, _) = clauses.bounds(clause);
        // The clause before, when it is in the same sentence (如果吃了，拉肚子怎么办).
        let reach = if clause > 0 && clauses.sentence(clauses.start(clause - 1)) == sentence {
            clauses.start(clause - 1)
        } else {
            cs
        };
        let context = self.hygiene_context.find(&f.text);
        let word = f.text.get(start..end).unwrap_or("");
        let (ss, _) = clauses.sentence_bounds(sentence);
        for c in overlapping(&context, ss.min(reach), start) {
            match c.value {
                HygieneContext::Worry if c.end <= start && c.start >= cs => return Other,
                // 容易脏, 不耐脏，脏了也不好看: anywhere before in the sentence, for dirt only.
                HygieneContext::Prone if c.end <= start && word.contains('脏') => return Other,
                _ => {}
            }
        }
        if PESTS.iter().any(|p| word.contains(p)) {
            let (_, ce) = clauses.bounds(clause);
            let seen = overlapping(&context, cs, ce).iter().any(|c| {
                *c.value == HygieneContext::Sighting && (c.end <= start || c.start >= end)
            });
            if !seen {
                return Other;
            }
        }
        // A word in quotation marks is mentioned, not used (与“食物中毒”联系起来).
        let before = f.text.get(..start).unwrap_or("");
        let open = before.rfind('“').map(|i| i as isize).unwrap_or(-1);
        let close = before.rfind('”').map(|i| i as isize).unwrap_or(-1);
        if open > close && f.text.get(end..).is_some_and(|rest| rest.contains('”')) {
            return Other;
        }
        if overlapping(markers, reach, start)
            .iter()
            .any(|m| *m.value == Marker::Hypothetical && m.end <= start)
        {
            return Other;
        }
        let (_, sentence_end) = clauses.sentence_bounds(sentence);
        let (_, next_end) = clauses.sentence_bounds(sentence + 1);
        let until = next_end.max(sentence_end);
        if overlapping(&context, end, until)
            .iter()
            .any(|c| *c.value == HygieneContext::Retract && c.start >= end)
        {
            Retracted
        } else {
            Complaint
        }
    }

    /// True when the match `h` is a word of the text as segmented: it starts where a token
    /// starts (or right after negators and degree words glued to it: 太贵, 不新鲜) and ends
    /// where a token ends (or before a particle or post-degree word glued to it: 好吃极了).
    fn is_own_word(
        &self,
        h: &Hit<'_, (f32, bool)>,
        f: &Folded,
        tokens: &[Token],
        text: &str,
    ) -> bool {
        // Emoji and symbols are words by themselves; only letters can be part of another word.
        if tokens.is_empty() || !h.word.chars().all(char::is_alphanumeric) {
            return true;
        }
        let (s, e) = f.orig(h.start, h.end);
        let modifiers_only = |piece: &str| {
            piece.is_empty()
                || self.negators.get(piece).is_some()
                || self.degree.get(piece).is_some()
                || piece.chars().all(|c| {
                    let mut b = [0u8; 4];
                    let c = c.encode_utf8(&mut b);
                    self.negators.get(c).is_some() || self.degree.get(c).is_some()
                })
        };
        let tail_ok = |piece: &str| {
            piece.is_empty()
                || self.degree.get(piece).is_some()
                || piece.chars().all(|c| PARTICLES.contains(c))
        };
        // Sub-word tokens are never counted as occurrences (matching runs over the text), but
        // their edges are still word edges inside the text, so they may vouch for a match.
        let words = || tokens.iter();
        let starts = words()
            .any(|t| t.start <= s && s < t.end && text.get(t.start..s).is_some_and(modifiers_only));
        let ends =
            words().any(|t| t.start < e && e <= t.end && text.get(e..t.end).is_some_and(tail_ok));
        starts && ends
    }

    /// Negation and degree acting on the match `start..end`: modifiers in its clause, after
    /// the previous sentiment word, at most [`WINDOW_CHARS`] characters before it (or right
    /// after it, for post-degree words).
    #[allow(clippy::too_many_arguments)]
    fn modifiers(
        &self,
        f: &Folded,
        clauses: &Clauses,
        start: usize,
        end: usize,
        prev_end: usize,
        negators: &[Hit<'_, ()>],
        degrees: &[Hit<'_, (f32, DegreePlace)>],
    ) -> Modifiers {
        let clause = clauses.index(start);
        let floor = prev_end.max(clauses.start(clause));
        let pre_degree = |a: usize, b: usize| {
            overlapping(degrees, a, b)
                .iter()
                .any(|d| d.value.1 != DegreePlace::Post && d.start <= a && b <= d.end)
        };
        // A modifier acts on the next sentiment word if at most one other character stands
        // between them, not counting degree words (不是很好吃, 没那么好吃); 没见过这么差 is
        // not a negation of 差.
        let near_before = |s: usize, e: usize| {
            if s < floor || e > start {
                return false;
            }
            let gap = f.text.get(e..start).unwrap_or("");
            let mut other = 0usize;
            let mut at = e;
            for c in gap.chars() {
                if !pre_degree(at, at + c.len_utf8()) {
                    other += 1;
                }
                at += c.len_utf8();
            }
            other <= MAX_GAP_CHARS && f.chars_between(e, start) <= WINDOW_CHARS
        };
        let compare_at = overlapping(degrees, floor, start)
            .iter()
            .find(|d| d.value.1 == DegreePlace::Compare && near_before(d.start, d.end))
            .map(|d| d.start);
        let negations = overlapping(negators, floor, start)
            .iter()
            .filter(|n| near_before(n.start, n.end) || compare_at.is_some_and(|c| n.end <= c))
            .count();
        let mut degree = 1.0f32;
        // Post-degree words stand at most one character (≤ 4 bytes) after the word.
        for d in overlapping(degrees, floor, end + 8) {
            let (mult, place) = *d.value;
            let applies = match place {
                DegreePlace::Pre | DegreePlace::Compare => near_before(d.start, d.end),
                DegreePlace::Post => {
                    d.start >= end
                        && clauses.index(d.start) == clause
                        && f.chars_between(end, d.start) <= 1
                }
            };
            if applies {
                degree *= mult;
            }
        }
        Modifiers {
            negated: negations % 2 == 1,
            degree: degree.clamp(0.2, 4.0),
        }
    }
}

/// Sentiment mass per aspect: (positive, negative, cues).
#[derive(Default)]
struct AspectTally(BTreeMap<Aspect, (f32, f32, u32)>);

impl AspectTally {
    /// Attributes the cue at `start..end` with contribution `w`: to the aspect it names
    /// itself (难吃 → taste), else to every aspect its clause names (服务员很热情 → service).
    /// Says whether the cue itself is a hygiene word, or stands in a clause that names
    /// hygiene (candidates for the alert).
    fn add(
        &mut self,
        clauses: &Clauses,
        aspect_hits: &[Hit<'_, (Aspect, f32)>],
        start: usize,
        end: usize,
        w: f32,
    ) -> HygieneHit {
        let own: Vec<_> = overlapping(aspect_hits, start, end).iter().collect();
        let sure_hygiene =
            |a: &&Hit<'_, (Aspect, f32)>| a.value.0 == Aspect::Hygiene && a.value.1 >= 1.0;
        let mut hygiene = if own.iter().any(sure_hygiene) {
            HygieneHit::Own
        } else {
            HygieneHit::None
        };
        let clause = clauses.index(start);
        let targets: Vec<_> = if own.is_empty() {
            let (cs, ce) = clauses.bounds(clause);
            overlapping(aspect_hits, cs, ce)
                .iter()
                .filter(|a| clauses.index(a.start) == clause)
                .collect()
        } else {
            own
        };
        // The clause must name hygiene by a word of its own (卫生, 干净), not by a character
        // inside another word (脏 of 心脏, 肮脏).
        let names_hygiene =
            |a: &&Hit<'_, (Aspect, f32)>| sure_hygiene(a) && a.word.chars().count() > 1;
        if hygiene == HygieneHit::None && !targets.is_empty() && targets.iter().any(names_hygiene) {
            // Only a clause about hygiene alone (卫生也差), not 服务和卫生都差 read as food.
            if targets.iter().all(|a| a.value.0 == Aspect::Hygiene) {
                hygiene = HygieneHit::Clause;
            }
        }
        // One share per aspect: the surest word naming it.
        let mut share: BTreeMap<Aspect, f32> = BTreeMap::new();
        for a in targets {
            let e = share.entry(a.value.0).or_insert(0.0);
            *e = e.max(a.value.1);
        }
        for (aspect, share) in share {
            let e = self.0.entry(aspect).or_insert((0.0, 0.0, 0));
            if w > 0.0 {
                e.0 += w * share;
            } else {
                e.1 -= w * share;
            }
            e.2 += 1;
        }
        hygiene
    }

    fn signals(self) -> AspectSignals {
        self.0
            .into_iter()
            .map(|(a, (p, n, mentions))| {
                let polarity = clean((p - n) / (p + n + ASPECT_DAMPING)).clamp(-1.0, 1.0);
                (a, AspectSignal { polarity, mentions })
            })
            .collect()
    }
}

struct Modifiers {
    negated: bool,
    degree: f32,
}

/// What a hygiene cue amounts to in its context (see `SentimentModel::hygiene_reading`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HygieneReading {
    Complaint,
    /// A fear, a supposition, a mention: no complaint, but the words still say something.
    Other,
    /// The writer took the blame off the shop.
    Retracted,
}

/// How a cue relates to hygiene (see [`AspectTally::add`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HygieneHit {
    None,
    /// The cue is a hygiene word itself (拉肚子, 不干净).
    Own,
    /// The cue stands in a clause naming only hygiene (卫生…差).
    Clause,
}

/// A discourse marker of `contrast.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// 但是, 不过: what follows in the sentence weighs more, what precedes it less.
    Contrast,
    /// 虽然: the clause it opens weighs less.
    Concessive,
    /// 总体, 总之: the writer's verdict; the rest of the sentence weighs more.
    Summary,
    /// 如果, 要是: the clause it opens is a wish or a supposition, not a verdict.
    Hypothetical,
}

/// The discourse weight of a cue at folded offset `at`: more after a contrast marker in its
/// sentence, less before one, less inside a concessive clause (虽然…), more after a summary
/// marker (总的来说).
fn contrast_factor(clauses: &Clauses, markers: &[Hit<'_, Marker>], at: usize) -> f32 {
    let sentence = clauses.sentence(at);
    let clause = clauses.index(at);
    let mut factor = 1.0f32;
    let mut summary = 1.0f32;
    let mut hypothetical = 1.0f32;
    let (ss, se) = clauses.sentence_bounds(sentence);
    for c in overlapping(markers, ss, se)
        .iter()
        .filter(|c| clauses.sentence(c.start) == sentence)
    {
        match c.value {
            Marker::Concessive => {
                if clauses.index(c.start) == clause && c.start <= at {
                    factor = BEFORE_CONTRAST;
                }
            }
            Marker::Contrast => {
                if c.end <= at {
                    factor = AFTER_CONTRAST;
                } else if factor == 1.0 {
                    factor = BEFORE_CONTRAST;
                }
            }
            Marker::Summary => {
                if c.end <= at {
                    summary = SUMMARY;
                }
            }
            Marker::Hypothetical => {
                if clauses.index(c.start) == clause && c.end <= at {
                    hypothetical = HYPOTHETICAL;
                }
            }
        }
    }
    factor * summary * hypothetical
}

/// The hits that overlap `start..end`, as a sub-slice: `hits` must be sorted and not overlap
/// one another (true of every matcher's output here), so they are found by binary search and
/// long texts stay linear-logarithmic.
fn overlapping<'h, 'a, V>(hits: &'h [Hit<'a, V>], start: usize, end: usize) -> &'h [Hit<'a, V>] {
    let from = hits.partition_point(|h| h.end <= start);
    let to = hits.partition_point(|h| h.start < end).max(from);
    hits.get(from..to).unwrap_or(&[])
}

/// Replaces a NaN (impossible with finite weights, but never let one out) by 0.
fn clean(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// The text folded for matching (NFKC per character, lowercase), with the way back to the
/// original's byte offsets.
struct Folded {
    text: String,
    /// Folded byte offset → original byte span of the character it came from (one original
    /// character may fold to several: ㈱ → (株)).
    orig: Vec<(usize, usize)>,
    /// Folded byte offset → number of folded characters before it.
    chars: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Self {
        Self::with(original, lexicon::fold_char)
    }

    /// Folds with NFKC, lowercase and then `each` on every character.
    fn with(original: &str, each: impl Fn(char) -> char) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut orig = Vec::with_capacity(original.len() + 1);
        let mut chars = Vec::with_capacity(original.len() + 1);
        let mut n = 0usize;
        for (at, c) in original.char_indices() {
            let span = (at, at + c.len_utf8());
            fold_char_with(c, |folded| {
                let pc = each(folded);
                for _ in 0..pc.len_utf8() {
                    orig.push(span);
                    chars.push(n);
                }
                n += 1;
                text.push(pc);
            });
        }
        chars.push(n);
        Folded { text, orig, chars }
    }

    /// Original byte span of the non-empty folded span `start..end`: from the start of the
    /// character its first byte came from to the end of the one its last byte came from.
    fn orig(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.orig.get(start).map_or(0, |o| o.0);
        let e = end
            .checked_sub(1)
            .and_then(|i| self.orig.get(i))
            .map_or(s, |o| o.1);
        (s, e.max(s))
    }

    /// Characters between folded offsets `a` ≤ `b`.
    fn chars_between(&self, a: usize, b: usize) -> usize {
        let ca = self.chars.get(a).copied().unwrap_or(0);
        let cb = self.chars.get(b).copied().unwrap_or(0);
        cb.saturating_sub(ca)
    }
}

/// One clause of the text.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    sentence: usize,
    /// Exclamation marks after it.
    bangs: u8,
    /// It ends with a question mark.
    question: bool,
}

/// Clauses (split at any punctuation or whitespace) and sentences (split at 。！？；and line
/// breaks) of folded text.
struct Clauses {
    spans: Vec<Span>,
    /// Byte range of each sentence.
    sentences: Vec<(usize, usize)>,
}

impl Clauses {
    fn new(text: &str) -> Self {
        let mut spans = Vec::new();
        let mut start = 0usize;
        let mut sentence = 0usize;
        let mut iter = text.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if !is_clause_break(c) {
                continue;
            }
            // Swallow the whole run of punctuation (！！！, 。。。, ？！).
            let mut bangs = u8::from(matches!(c, '!' | '！'));
            let mut question = matches!(c, '?' | '？');
            let mut ends_sentence = is_sentence_break(c);
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = iter.peek() {
                if !is_clause_break(d) {
                    break;
                }
                bangs = bangs.saturating_add(u8::from(matches!(d, '!' | '！')));
                question |= matches!(d, '?' | '？');
                ends_sentence |= is_sentence_break(d);
                end = j + d.len_utf8();
                iter.next();
            }
            spans.push(Span {
                start,
                end,
                sentence,
                bangs,
                question,
            });
            if ends_sentence {
                sentence += 1;
            }
            start = end;
        }
        if start < text.len() || spans.is_empty() {
            spans.push(Span {
                start,
                end: text.len(),
                sentence,
                bangs: 0,
                question: false,
            });
        }
        let mut sentences: Vec<(usize, usize)> = Vec::new();
        for s in &spans {
            match sentences.get_mut(s.sentence) {
                Some(range) => range.1 = s.end,
                None => sentences.push((s.start, s.end)),
            }
        }
        Clauses { spans, sentences }
    }

    fn bounds(&self, clause: usize) -> (usize, usize) {
        self.spans.get(clause).map_or((0, 0), |s| (s.start, s.end))
    }

    fn sentence_bounds(&self, sentence: usize) -> (usize, usize) {
        self.sentences.get(sentence).copied().unwrap_or((0, 0))
    }

    fn index(&self, at: usize) -> usize {
        self.spans
            .partition_point(|s| s.end <= at)
            .min(self.spans.len().saturating_sub(1))
    }

    fn span(&self, at: usize) -> Option<&Span> {
        self.spans.get(self.index(at))
    }

    fn start(&self, clause: usize) -> usize {
        self.spans.get(clause).map_or(0, |s| s.start)
    }

    fn sentence(&self, at: usize) -> usize {
        self.span(at).map_or(0, |s| s.sentence)
    }

    fn emphasis(&self, at: usize) -> f32 {
        match self.span(at).map_or(0, |s| s.bangs) {
            0 => 1.0,
            1 => EXCLAIM,
            _ => EXCLAIM * 1.1,
        }
    }

    fn is_question(&self, at: usize) -> bool {
        self.span(at).is_some_and(|s| s.question)
    }
}

fn is_clause_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
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
        )
}

fn is_sentence_break(c: char) -> bool {
    matches!(
        c,
        '.' | '。' | '!' | '！' | '?' | '？' | ';' | '；' | '\n' | '…' | '#' | '【' | '】'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass search chooses, for every set, exactly the matches that set's own
    /// search finds: on real reviews (the ASAP sample's lines), and on texts made of
    /// lexicon words run together so that words of several sets overlap.
    #[test]
    fn one_pass_search_equals_each_sets_own_search() {
        let m = SentimentModel::new().unwrap();
        let mut texts: Vec<String> = include_str!("../../data/asap/dev_sample.csv")
            .lines()
            .map(|l| Folded::new(l).text)
            .collect();
        let pool: Vec<&String> = [
            m.words.words(),
            m.returns.words(),
            m.degree.words(),
            m.negators.words(),
            m.contrast.words(),
            m.aspects.words(),
            m.rhetorical.words(),
            m.minor.words(),
        ]
        .into_iter()
        .flat_map(|w| w.iter().step_by(7))
        .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..1 + next(10) {
                t.push_str(pool[next(pool.len())]);
                t.push_str(["", "", "", "，", "很", "不", "了"][next(7)]);
            }
            texts.push(t);
        }
        fn same<V>(a: &[Hit<'_, V>], b: &[Hit<'_, V>]) -> bool {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| (x.start, x.end, x.word) == (y.start, y.end, y.word))
        }
        for t in &texts {
            let scan = m.scanner.scan(t);
            let raw = |s: Scanned| scan[s as usize].clone();
            let rank = |v: &(f32, bool)| u8::from(v.1);
            assert!(same(
                &m.words.ranked_of(&raw(Scanned::Words), t.len(), rank),
                &m.words.find_ranked(t, rank)
            ));
            macro_rules! check {
                ($set:ident, $which:ident) => {
                    assert!(
                        same(
                            &m.$set.leftmost_longest_of(&mut raw(Scanned::$which)),
                            &m.$set.find(t)
                        ),
                        "{} in {t:?}",
                        stringify!($set)
                    );
                };
            }
            check!(returns, Returns);
            check!(degree, Degree);
            check!(negators, Negators);
            check!(contrast, Contrast);
            check!(aspects, Aspects);
            check!(rhetorical, Rhetorical);
            check!(minor, Minor);
        }
    }

    #[test]
    fn aspect_signals_read_and_save_as_the_map_they_replace() {
        let sig = |polarity, mentions| AspectSignal { polarity, mentions };
        let given = [
            (Aspect::Waiting, sig(-0.5, 1)),
            (Aspect::Taste, sig(0.2, 1)),
            (Aspect::Service, sig(0.7, 2)),
            (Aspect::Taste, sig(0.9, 3)),
        ];
        let map: BTreeMap<Aspect, AspectSignal> = given.iter().copied().collect();
        let list: AspectSignals = given.iter().copied().collect();
        assert_eq!(list.len(), 3);
        assert_eq!(list.get(&Aspect::Taste), Some(&sig(0.9, 3)));
        assert_eq!(list.get(&Aspect::Hygiene), None);
        let pairs = |it: &mut dyn Iterator<Item = (&Aspect, &AspectSignal)>| {
            it.map(|(a, s)| (*a, *s)).collect::<Vec<_>>()
        };
        assert_eq!(pairs(&mut list.iter()), pairs(&mut map.iter()));
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        let back: AspectSignals = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert!(AspectSignals::default().is_empty());
        // Saved stores keep readings with postcard: the same bytes as the map's.
        #[cfg(feature = "store")]
        assert_eq!(
            postcard::to_stdvec(&list).unwrap(),
            postcard::to_stdvec(&map).unwrap()
        );
        // A text with cues about aspects reads into the list, in aspect order.
        let m = SentimentModel::new().unwrap();
        let ev = m.analyze(&[], "服务员很热情，但是菜太难吃了，排队一个小时");
        let keys: Vec<Aspect> = ev.aspects.keys().copied().collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(ev
            .aspects
            .get(&Aspect::Taste)
            .is_some_and(|s| s.polarity < 0.0));
        assert!(ev
            .aspects
            .get(&Aspect::Service)
            .is_some_and(|s| s.polarity > 0.0));
    }

    #[test]
    fn lexicons_load_and_offsets_point_into_the_original() {
        let m = SentimentModel::new().unwrap();
        let text = "ＡＢＣ店的菜真难吃！";
        let ev = m.analyze(&[], text);
        let cue = ev.cues.iter().find(|c| c.word == "难吃").unwrap();
        assert_eq!(&text[cue.start..cue.end], "难吃");
        // An inline cue word saves as the `String` it replaced did (saved stores).
        #[cfg(feature = "store")]
        assert_eq!(
            postcard::to_stdvec(&cue.word).unwrap(),
            postcard::to_stdvec(&String::from("难吃")).unwrap()
        );
        assert!(ev.polarity < 0.0);
        // Full-width letters fold to the domain word `yyds`; the cue covers the original.
        let text = "这家ＹＹＤＳ";
        let ev = m.analyze(&[], text);
        assert_eq!(&text[ev.cues[0].start..ev.cues[0].end], "ＹＹＤＳ");
    }

    #[test]
    fn clauses_split_at_punctuation_runs() {
        let c = Clauses::new("好吃！！但是贵。环境一般");
        assert_eq!(c.spans.len(), 3);
        assert_eq!(c.spans[0].bangs, 2);
        assert_eq!(c.spans[2].sentence, 2);
        assert!(Clauses::new("难道不好吃吗？").spans[0].question);
    }
}
