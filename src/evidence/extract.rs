//! From a corpus to evidence: one [`Document`] per note or review, and one [`Evidence`] per
//! (document, merchant it speaks of), each with the opinion it carries.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use compact_str::CompactString;
use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Corpus, DocKind, Timestamp, VisitKind};
use crate::evidence::link::{LinkSource, NoteLinks};
use crate::evidence::model::{features, TextModel};
use crate::evidence::reader::{Readers, TextReader};
use crate::evidence::sentiment::{ReturnIntent, SentimentModel, TextEvidence};
use crate::text::fingerprint::{BandHasher, Bands};
pub use crate::text::hash::term_hash;
use crate::text::markers::Wording;
use crate::text::Analyzer;
// Kept here too: `reader` and `model` name it through this module.
pub(crate) use crate::text::hash::fnv1a;

/// A note or review as the trust and reputation stages see it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// The note's or review's id (inline up to 24 bytes: no allocation of its own).
    pub id: CompactString,
    /// Note or review.
    pub kind: DocKind,
    /// Who wrote it.
    pub author_id: CompactString,
    /// When it was written.
    pub created_at: Timestamp,
    /// Original text (a note's title and body). A review's is shared with its
    /// [`Review::text`](crate::corpus::Review::text), not copied: the text is held once.
    pub text: Arc<str>,
    /// Star rating of a review, 1 to 5.
    pub star: Option<f64>,
    /// The review says it follows a verified purchase.
    pub verified_visit: bool,
    /// The platform's `sponsored` label; `None` means unknown.
    pub declared_sponsored: Option<bool>,
    /// Likes + collects + comments + shares (notes) or likes (reviews).
    pub engagement: u64,
    /// Merchants the document speaks of, sorted.
    pub merchant_ids: Vec<CompactString>,
    /// How a note was tied to its merchants; `None` for reviews.
    pub linked_by: Option<LinkSource>,
    /// What the text says (shared with the analysis it was read in, when a later analysis
    /// reuses it: see [`EvidenceSet::extract_reusing`]). Its
    /// [`cues`](crate::evidence::TextEvidence::cues) are not kept (the list is empty): no
    /// later stage reads them, and at a million documents they would hold 220 MB. A tool
    /// that shows them reads the text again with [`Engine::read`](crate::Engine::read).
    #[serde(skip)]
    pub reading: Arc<TextEvidence>,
    /// For a note about several merchants (a 合集), what it says about each one: the
    /// passages from each mention of the merchant up to the next other merchant's mention.
    /// Empty for single-merchant documents, and a merchant never named in the text reads
    /// the whole note.
    #[serde(skip)]
    pub parts: Arc<[Part]>,
    /// Every token text of the document (words and sub-words) as [`term_hash`]es, sorted
    /// and deduplicated: what query-driven lists match against. Hashes, not strings: a
    /// million documents' vocabularies as strings would cost gigabytes.
    #[serde(skip)]
    pub terms: Arc<[u64]>,
    /// A hash of the text and its kind: a later analysis reuses this document's reading
    /// when the hash is unchanged.
    #[serde(skip)]
    pub text_hash: u64,
    /// The LSH bands of the text's MinHash signature, for template search; `None` for a
    /// text too short to call a copy.
    #[serde(skip)]
    pub bands: Option<Arc<Bands>>,
    /// The text's soft-ad marker and platform programme, if any: found once, as the text
    /// is read, and kept with its reading (the commercial detectors ask it of every
    /// document on every analysis).
    #[serde(skip)]
    pub wording: Option<Arc<Wording>>,
    /// The learned model's log-odds that the text is positive, and that model's
    /// fingerprint (a reading is reused only under the same model).
    #[serde(skip)]
    pub learned: (u64, f32),
}

/// A document's reading, kept so that a later analysis of the same text need not read it
/// again: what [`Document`] holds that depends on its text alone (and, for parts, on the
/// merchants it speaks of).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
pub(crate) struct Reading {
    pub id: CompactString,
    pub text_hash: u64,
    pub reading: Arc<TextEvidence>,
    pub terms: Arc<[u64]>,
    pub merchant_ids: Vec<CompactString>,
    pub parts: Arc<[Part]>,
    pub bands: Option<Arc<Bands>>,
}

/// A borrowed [`Reading`]: what a new analysis may reuse of an earlier document.
#[derive(Clone, Copy)]
pub(crate) struct ReadingRef<'a> {
    pub text_hash: u64,
    pub reading: &'a Arc<TextEvidence>,
    pub terms: &'a Arc<[u64]>,
    pub merchant_ids: &'a [CompactString],
    pub parts: &'a Arc<[Part]>,
    pub bands: &'a Option<Arc<Bands>>,
    /// The text's wording, when kept (not in saved states: found again as they are used).
    pub wording: Option<&'a Option<Arc<Wording>>>,
    /// The learned reading and its model's fingerprint, when kept (not in saved states).
    pub learned: Option<(u64, f32)>,
    /// The text itself, when kept (not in saved states): an unchanged text is told by it
    /// (the same allocation, or the same bytes) without hashing the new one.
    pub text: Option<&'a Arc<str>>,
    /// The document's kind, when kept with the text: the same kind and the same bytes give
    /// the same [`text_hash`], which is then taken instead of hashing the text again.
    pub kind: Option<DocKind>,
}

impl ReadingRef<'_> {
    /// The earlier document's hash when it was of `kind` with exactly this text: a byte
    /// comparison (or none, when the text is shared) instead of hashing every reused text
    /// a byte at a time on every update.
    fn same_text_hash(&self, kind: DocKind, text: &str) -> Option<u64> {
        let old = self.text.filter(|_| self.kind == Some(kind))?;
        (std::ptr::eq(old.as_ptr(), text.as_ptr()) && old.len() == text.len() || **old == *text)
            .then_some(self.text_hash)
    }
}

impl<'a> ReadingRef<'a> {
    pub(crate) fn of_doc(d: &'a Document) -> Self {
        ReadingRef {
            text_hash: d.text_hash,
            reading: &d.reading,
            terms: &d.terms,
            merchant_ids: &d.merchant_ids,
            parts: &d.parts,
            bands: &d.bands,
            wording: Some(&d.wording),
            learned: Some(d.learned),
            text: Some(&d.text),
            kind: Some(d.kind),
        }
    }

    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn of_saved(r: &'a Reading) -> Self {
        ReadingRef {
            text_hash: r.text_hash,
            reading: &r.reading,
            terms: &r.terms,
            merchant_ids: &r.merchant_ids,
            parts: &r.parts,
            bands: &r.bands,
            wording: None,
            learned: None,
            text: None,
            kind: None,
        }
    }
}

/// Earlier readings by document id, for an analysis to reuse: an earlier analysis's
/// documents, or readings a saved store kept. The index is ids to positions (a million
/// entries of 24 bytes, built once per update), and a [`ReadingRef`] is made on lookup.
pub(crate) struct Earlier<'a> {
    at: rustc_hash::FxHashMap<&'a str, u32>,
    from: EarlierFrom<'a>,
}

enum EarlierFrom<'a> {
    Docs(&'a [Document]),
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    Saved(&'a [Reading]),
}

impl<'a> Earlier<'a> {
    /// Nothing to reuse: every text is read.
    pub(crate) fn none() -> Self {
        Earlier {
            at: Default::default(),
            from: EarlierFrom::Docs(&[]),
        }
    }

    /// An earlier analysis's documents.
    pub(crate) fn of_docs(docs: &'a [Document]) -> Self {
        Earlier {
            at: Self::positions(docs.iter().map(|d| d.id.as_str())),
            from: EarlierFrom::Docs(docs),
        }
    }

    /// Readings a saved store kept.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn of_saved(readings: &'a [Reading]) -> Self {
        Earlier {
            at: Self::positions(readings.iter().map(|r| r.id.as_str())),
            from: EarlierFrom::Saved(readings),
        }
    }

    fn positions(
        ids: impl ExactSizeIterator<Item = &'a str>,
    ) -> rustc_hash::FxHashMap<&'a str, u32> {
        let mut at = rustc_hash::FxHashMap::with_capacity_and_hasher(ids.len(), Default::default());
        // Positions fit in u32: a corpus of four billion documents is not read in one piece.
        at.extend(ids.enumerate().map(|(i, id)| (id, i as u32)));
        at
    }

    /// The earlier reading of the document with this id, if any.
    pub(crate) fn get(&self, id: &str) -> Option<ReadingRef<'a>> {
        let i = *self.at.get(id)? as usize;
        Some(match self.from {
            EarlierFrom::Docs(docs) => ReadingRef::of_doc(&docs[i]),
            EarlierFrom::Saved(readings) => ReadingRef::of_saved(&readings[i]),
        })
    }
}

impl Reading {
    /// This reading as an analysis keeps it: with no cues. A state saved by an earlier
    /// version holds them; they are dropped as it loads.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn without_cues(mut self) -> Reading {
        if !self.reading.cues.is_empty() {
            Arc::make_mut(&mut self.reading).cues = Vec::new();
        }
        if self.parts.iter().any(|p| !p.reading.cues.is_empty()) {
            let parts: Vec<Part> = self
                .parts
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    p.reading.cues = Vec::new();
                    p
                })
                .collect();
            self.parts = parts.into();
        }
        self
    }

    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn of(d: &Document) -> Reading {
        Reading {
            id: d.id.clone(),
            text_hash: d.text_hash,
            reading: Arc::clone(&d.reading),
            terms: Arc::clone(&d.terms),
            merchant_ids: d.merchant_ids.clone(),
            parts: Arc::clone(&d.parts),
            bands: d.bands.clone(),
        }
    }
}

/// What a multi-merchant note says about one of its merchants.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Part {
    /// The merchant this part is about.
    pub merchant_id: String,
    /// Byte ranges of the note's text about this merchant.
    pub ranges: Vec<std::ops::Range<usize>>,
    /// What these passages say.
    pub reading: TextEvidence,
}

/// One document's word about one merchant.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// Index into [`EvidenceSet::docs`].
    pub doc: usize,
    /// The merchant spoken of.
    pub merchant_id: CompactString,
    /// The opinion, 0 (worst) to 1 (best): the star where there is one, tempered by the
    /// text; the text alone for notes.
    pub value: f64,
    /// The text reports a hygiene or food-safety problem (拉肚子, 吃出异物).
    pub hygiene_alert: bool,
    /// The author visited this merchant, by the review's flag or a recorded visit.
    pub verified_visit: bool,
    /// The strongest proof of that visit, recorded no later than a day after writing.
    pub proof: Proof,
}

/// What shows that the author was there, weakest first. How much a proof is worth depends
/// on who holds it: a coupon redeemed by an account with no other history is what a fake
/// order (刷单) looks like, a payment by an established account is costly to fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    /// Nothing recorded.
    None,
    /// The review says so (the platform's flag), with no visit record behind it.
    Claimed,
    /// A navigation to, or a check-in at, the shop.
    Presence,
    /// A coupon or voucher redeemed there.
    Redemption,
    /// A payment there.
    Payment,
}

impl Proof {
    /// How much this proof says, 0 to 1, before the holder's standing is considered.
    pub fn strength(self) -> f64 {
        match self {
            Proof::None => 0.0,
            Proof::Claimed => 0.4,
            Proof::Presence => 0.3,
            Proof::Redemption => 0.6,
            Proof::Payment => 1.0,
        }
    }
}

/// Every document of a corpus and what each says about each merchant.
#[derive(Debug, Clone, Default)]
pub struct EvidenceSet {
    /// Every note and review, in id order (notes first).
    pub docs: Vec<Document>,
    /// Sorted by merchant id, then document time, then document id.
    pub items: Vec<Evidence>,
    /// The learned models the texts were read with (one per city), and their calibration.
    pub readers: Option<Arc<Readers>>,
}

/// Stars first: a review's star is the writer's own verdict, and its text (read on the star
/// scale, see [`TextReader`]) moves it only where the two disagree by more than this much
/// of the 0–1 scale — a sarcastic five stars, a glowing text under a slipped one star …
const STAR_TEXT_SLACK: f64 = 0.5;
/// … and then by this share of the disagreement beyond the slack. On held-out real rated
/// reviews (tests/realtext_eval.rs) every blend of text into agreeing stars ranked
/// merchants worse than the star alone (text share 15%: −0.003 Spearman, 30%: −0.006).
const TEXT_PULL: f64 = 0.5;

impl EvidenceSet {
    /// Reads every note and review of `corpus` (in parallel; the result does not depend on
    /// the number of threads).
    pub fn extract(
        corpus: &Corpus,
        links: &NoteLinks,
        analyzer: &Analyzer,
        sentiment: &SentimentModel,
    ) -> EvidenceSet {
        Self::extract_reusing(corpus, links, analyzer, sentiment, None)
    }

    /// [`extract`](Self::extract), reading again only the documents that are new or whose
    /// text changed since `previous`, which must have been read with the same analyzer
    /// (the same merchant names) and sentiment model. The result equals
    /// [`extract`](Self::extract)'s: a reading depends only on the text, and a note's
    /// per-merchant parts only on the text and the merchants it speaks of.
    pub fn extract_reusing(
        corpus: &Corpus,
        links: &NoteLinks,
        analyzer: &Analyzer,
        sentiment: &SentimentModel,
        previous: Option<&EvidenceSet>,
    ) -> EvidenceSet {
        let before = previous.map_or_else(Earlier::none, |p| Earlier::of_docs(&p.docs));
        let as_of = corpus.resolve_as_of(None);
        let readers = previous.and_then(|p| p.readers.as_deref());
        Self::extract_with(
            corpus, links, analyzer, sentiment, &before, as_of, readers, None, None,
        )
    }

    /// [`extract_reusing`](Self::extract_reusing) from earlier readings by document id
    /// (of an evidence set, or kept apart as a saved store keeps them).
    ///
    /// Each city's learned model is trained on its rated reviews before `as_of`'s training cutoff (see
    /// [`TextReader::train`]); a model of `previous` is reused when it learned from the same.
    /// `teachers` are the authors whose reviews teach it ([`teachers`]), when known from the
    /// whole corpus (a city shard's documents alone do not show an author's history);
    /// `None` computes them from `corpus`. `tap`, if any, is handed each whole text's
    /// tokens once read (see [`TokenTap`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn extract_with(
        corpus: &Corpus,
        links: &NoteLinks,
        analyzer: &Analyzer,
        sentiment: &SentimentModel,
        before: &Earlier<'_>,
        as_of: Timestamp,
        previous: Option<&Readers>,
        teachers: Option<&std::collections::BTreeSet<String>>,
        tap: Option<&dyn TokenTap>,
    ) -> EvidenceSet {
        // A document's earlier reading, looked up once: its text's hash (the earlier one
        // when the text is the same, else hashed now) and the reading, if of this text.
        let earlier = |id: &str, kind: DocKind, text: &str| {
            let found = before.get(id);
            let hash = found
                .and_then(|d| d.same_text_hash(kind, text))
                .unwrap_or_else(|| text_hash(kind, text));
            (hash, found.filter(|d| d.text_hash == hash))
        };
        // Hashed, not ordered: several lookups per item, a million items.
        let merchants: rustc_hash::FxHashMap<&str, &crate::corpus::Merchant> = corpus
            .merchants
            .iter()
            .map(|(id, m)| (id.as_str(), m))
            .collect();
        let band_hasher = BandHasher::default();
        // What a document takes of its earlier reading (a saved state's, which keeps no
        // wording, has its text searched again).
        let reused = |d: &ReadingRef<'_>, text: &str| {
            (
                Arc::clone(d.reading),
                Arc::clone(d.terms),
                d.bands.clone(),
                d.wording.map_or_else(|| Wording::of(text), Clone::clone),
            )
        };
        // The earlier learned reading of an unchanged text, kept until the models are known:
        // reused below when its model's fingerprint is the city's model's.
        let earlier_learned =
            |old: &Option<ReadingRef<'_>>| old.as_ref().and_then(|d| d.learned).unwrap_or((0, 0.0));
        // One empty list for every document with no parts (most): an `Arc` of an empty
        // slice still allocates its counts.
        let no_parts: Arc<[Part]> = Arc::from(Vec::new());
        let notes: Vec<_> = corpus.notes.values().collect();
        let reviews: Vec<_> = corpus.reviews.values().collect();
        // Documents are numbered in this order (notes, then reviews) for the tap.
        let note_doc = |(k, n): (usize, &&crate::corpus::Note)| {
            let text = n.text();
            let (text_hash, old) = earlier(&n.id, DocKind::Note, text);
            let merchant_ids = links.known_merchants_of(&n.id, |m| merchants.contains_key(m));
            let (reading, terms, bands, wording) = match old {
                Some(d) => reused(&d, text),
                None => {
                    let (tokens, wording) = analyzer.analyze_inspecting(text, Wording::of_folded);
                    let read = (
                        Arc::new(sentiment.analyze_without_cues(&tokens, text)),
                        terms_of(&tokens).into(),
                        band_hasher.bands(text).map(Arc::new),
                        wording,
                    );
                    if let Some(tap) = tap {
                        tap.put(k, text, tokens);
                    }
                    read
                }
            };
            let parts = match old {
                Some(d) if d.merchant_ids == merchant_ids => Arc::clone(d.parts),
                _ if merchant_ids.len() > 1 => split_by_merchant(corpus, &merchant_ids, text)
                    .into_iter()
                    .map(|(merchant_id, ranges)| {
                        let passage: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
                        let passage = passage.join("\n");
                        let tokens = analyzer.analyze(&passage);
                        Part {
                            merchant_id,
                            ranges,
                            reading: sentiment.analyze_without_cues(&tokens, &passage),
                        }
                    })
                    .collect(),
                _ => Arc::clone(&no_parts),
            };
            // The note's own text, shared: the corpus and the analysis hold it once, and an
            // update's corpus (records carried over) shares it with the earlier analysis.
            let text = n.shared_text();
            Document {
                terms,
                text_hash,
                bands,
                wording,
                id: CompactString::new(&n.id),
                kind: DocKind::Note,
                author_id: CompactString::new(&n.author_id),
                created_at: n.created_at,
                reading,
                text,
                star: None,
                verified_visit: false,
                declared_sponsored: n.sponsored,
                // Counts come from the input and may be up to u64::MAX each: saturate, never
                // overflow (a panic in debug builds, a wrapped small number in release).
                engagement: n
                    .likes
                    .saturating_add(n.collects)
                    .saturating_add(n.comments)
                    .saturating_add(n.shares),
                merchant_ids,
                linked_by: links.source_of(&n.id),
                parts,
                learned: earlier_learned(&old),
            }
        };
        let review_doc = |(k, r): (usize, &&crate::corpus::Review)| {
            let (text_hash, old) = earlier(&r.id, DocKind::Review, &r.text);
            let (reading, terms, bands, wording) = match old {
                Some(d) => reused(&d, &r.text),
                None => {
                    let (tokens, wording) =
                        analyzer.analyze_inspecting(&r.text, Wording::of_folded);
                    let read = (
                        Arc::new(sentiment.analyze_without_cues(&tokens, &r.text)),
                        terms_of(&tokens).into(),
                        band_hasher.bands(&r.text).map(Arc::new),
                        wording,
                    );
                    if let Some(tap) = tap {
                        tap.put(notes.len() + k, &r.text, tokens);
                    }
                    read
                }
            };
            Document {
                terms,
                text_hash,
                bands,
                wording,
                id: CompactString::new(&r.id),
                kind: DocKind::Review,
                author_id: CompactString::new(&r.author_id),
                created_at: r.created_at,
                reading,
                text: Arc::clone(&r.text),
                star: Some(r.rating),
                verified_visit: r.verified_visit,
                declared_sponsored: None,
                engagement: r.likes,
                merchant_ids: vec![CompactString::new(&r.merchant_id)],
                linked_by: None,
                parts: Arc::clone(&no_parts),
                learned: earlier_learned(&old),
            }
        };
        let mut docs: Vec<Document> = Vec::with_capacity(notes.len() + reviews.len());
        match tap {
            None => {
                docs.par_extend(notes.par_iter().enumerate().map(&note_doc));
                docs.par_extend(reviews.par_iter().enumerate().map(&review_doc));
            }
            Some(tap) => {
                // A chunk at a time, so that the tap holds a chunk or two of tokens, not
                // every text's: it takes in one chunk while the next is read.
                let first = notes.len();
                let all = first + reviews.len();
                let starts = (0..first)
                    .step_by(TAP_CHUNK)
                    .chain((first..all).step_by(TAP_CHUNK));
                for at in starts {
                    let (read, ()) = rayon::join(
                        || -> Vec<Document> {
                            if at < first {
                                let end = (at + TAP_CHUNK).min(first);
                                notes[at..end]
                                    .par_iter()
                                    .enumerate()
                                    .map(|(k, n)| note_doc((at + k, n)))
                                    .collect()
                            } else {
                                // (Not `skip`: rayon's runs the skipped items too.)
                                let (at, end) = (at - first, (at + TAP_CHUNK).min(all) - first);
                                reviews[at..end]
                                    .par_iter()
                                    .enumerate()
                                    .map(|(k, r)| review_doc((at + k, r)))
                                    .collect()
                            }
                        },
                        || tap.read_up_to(at),
                    );
                    docs.extend(read);
                }
                tap.read_up_to(all);
            }
        }

        // The learned reading: each city's own model (or the default), each text's
        // log-odds reused when its text and its city's model are unchanged. A document is
        // read with the model of its first merchant's city.
        let city_of = |d: &Document| -> Option<&str> {
            let m = merchants.get(d.merchant_ids.first()?.as_str())?;
            Some(m.city.as_str())
        };
        // Only accounts with a record of rated reviews teach the model and calibrate it
        // (several merchants over more than a month, before the training cutoff; see
        // `teachers`): cheap accounts' reviews must not move how everyone else's words read.
        // Hashed: looked up once per review (a string-ordered set cost a dozen string
        // comparisons each).
        let established: rustc_hash::FxHashSet<&str> = match teachers {
            Some(t) => t.iter().map(String::as_str).collect(),
            None => self::teachers(corpus, &docs, as_of).into_iter().collect(),
        };
        let teaches = |d: &Document| d.star.is_none() || established.contains(d.author_id.as_str());
        // Each document's city and whether it teaches, looked up in parallel (a merchant
        // and an account lookup per document, a million documents); gathered in document
        // order, so each city's list is the same on any number of threads.
        let taught: Vec<Option<&str>> = docs
            .par_iter()
            .map(|d| city_of(d).filter(|_| teaches(d)))
            .collect();
        let mut by_city: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, c) in taught.into_iter().enumerate() {
            if let Some(c) = c {
                by_city.entry(c).or_default().push(i);
            }
        }
        // Cities train at once: each model's gradient descent is sequential (its weights are
        // the same on any number of threads), so one city at a time left a core idle.
        // Training reads its reviews' features: their log-odds come with the model.
        // The visit proofs (one thread's work) are gathered beside training, which leaves a
        // core idle whenever there are fewer cities than threads (one city's shard: one).
        let mut trained: Vec<Option<f32>> = vec![None; docs.len()];
        let (models, visits) = rayon::join(
            || {
                by_city
                    .par_iter()
                    .map(|(&c, ids)| {
                        let before = previous.map(|p| &p.of(Some(c)).model);
                        let (model, logits) = TextReader::train_reading(
                            ids.iter().map(|&i| (i, &docs[i])),
                            as_of,
                            before,
                        );
                        ((c, model), logits)
                    })
                    .collect::<Vec<_>>()
            },
            || visit_proofs(corpus),
        );
        let models: BTreeMap<&str, Arc<TextModel>> = models
            .into_iter()
            .map(|(cm, logits)| {
                for (i, z) in logits {
                    trained[i] = Some(z);
                }
                cm
            })
            .collect();
        let fallback = TextModel::default_model();
        let model_of = |d: &Document| city_of(d).and_then(|c| models.get(c)).unwrap_or(&fallback);
        let learned: Vec<(u64, f32)> = docs
            .par_iter()
            .zip(&trained)
            .map(|(d, trained)| {
                let model = model_of(d);
                let fp = model.fingerprint;
                // A fingerprint is a hash of the training set; 0 marks no earlier reading
                // (and a damaged default model, which reads every text as neutral).
                Some(d.learned)
                    .filter(|l| l.0 == fp && fp != 0)
                    .or_else(|| trained.map(|z| (fp, z)))
                    .unwrap_or_else(|| (fp, model.logit(&features(&d.text, &[]))))
            })
            .collect();
        for (d, l) in docs.iter_mut().zip(learned) {
            d.learned = l;
        }
        let readers = Readers {
            by_city: models
                .par_iter()
                .map(|(&c, model)| {
                    let ids = &by_city[c];
                    let reader = TextReader::calibrate(
                        corpus,
                        ids.iter().map(|&i| (&docs[i], docs[i].learned.1)),
                        as_of,
                        Arc::clone(model),
                    );
                    (c.to_string(), Arc::new(reader))
                })
                .collect(),
            fallback: Arc::new(TextReader::default_reader()),
        };

        // Per document in parallel (passages of a 合集 are read again here), collected in
        // document order: the same items in the same order on any number of threads.
        let mut items: Vec<Evidence> = docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, d)| d.merchant_ids.iter().map(move |m| (i, d, m)))
            .map(|(i, d, m)| {
                let recorded = visits
                    .get(&(d.author_id.as_str(), m.as_str()))
                    .and_then(|list| {
                        list.iter()
                            .filter(|(at, _)| at.unix() <= d.created_at.unix() + 86_400)
                            .map(|&(_, p)| p)
                            .max()
                    });
                let proof = match recorded {
                    Some(p) => p,
                    None if d.verified_visit => Proof::Claimed,
                    None => Proof::None,
                };
                let verified = proof != Proof::None;
                let part = d.parts.iter().find(|p| p.merchant_id == m.as_str());
                let reading = part.map_or(&*d.reading, |p| &p.reading);
                let merchant = merchants.get(m.as_str()).copied();
                let city = merchant.map(|m| m.city.as_str());
                let reader = readers.of(city);
                // A passage of a 合集, or a note read for a merchant of another city than its
                // first, is read on its own (few are; no reuse needed).
                let own = city == city_of(d) && part.is_none();
                let logit = if own {
                    d.learned.1
                } else {
                    let passage: Vec<&str> = part.map_or_else(
                        || vec![&*d.text],
                        |p| {
                            p.ranges
                                .iter()
                                .filter_map(|r| d.text.get(r.clone()))
                                .collect()
                        },
                    );
                    reader.model.logit(&features(&passage.join("\n"), &[]))
                };
                let category = merchant.map(|m| m.top_category());
                let text = reader.value(category, logit, reading.polarity);
                Evidence {
                    doc: i,
                    merchant_id: m.clone(),
                    value: opinion_value(d.star, reading, text),
                    hygiene_alert: reading.hygiene_alert,
                    verified_visit: verified,
                    proof,
                }
            })
            .collect();
        // The document's position last makes the key unique (a document names a merchant
        // once), so an unstable parallel sort gives the one order a stable sort gave.
        items.par_sort_unstable_by(|a, b| {
            (
                a.merchant_id.as_str(),
                docs[a.doc].created_at,
                docs[a.doc].id.as_str(),
                a.doc,
            )
                .cmp(&(
                    b.merchant_id.as_str(),
                    docs[b.doc].created_at,
                    docs[b.doc].id.as_str(),
                    b.doc,
                ))
        });
        EvidenceSet {
            docs,
            items,
            readers: Some(Arc::new(readers)),
        }
    }

    /// The evidence about each merchant, in time order.
    pub fn by_merchant(&self) -> BTreeMap<&str, &[Evidence]> {
        self.merchant_runs()
            .map(|(id, r)| (id, &self.items[r]))
            .collect()
    }

    /// Each merchant's range of [`items`](Self::items): what [`by_merchant`](Self::by_merchant)
    /// slices, as indexes that stay valid beside arrays aligned with the items (trust
    /// weights, counted weights).
    pub fn merchant_ranges(&self) -> BTreeMap<String, Range<usize>> {
        self.merchant_runs()
            .map(|(id, r)| (id.to_string(), r))
            .collect()
    }

    /// Runs of items with the same merchant (items are sorted by merchant).
    fn merchant_runs(&self) -> impl Iterator<Item = (&str, Range<usize>)> {
        let mut start = 0;
        std::iter::from_fn(move || {
            let id = self.items.get(start)?.merchant_id.as_str();
            let end = start + self.items[start..].partition_point(|e| e.merchant_id == id);
            let run = start..end;
            start = end;
            Some((id, run))
        })
    }

    /// The document behind a piece of evidence.
    pub fn doc(&self, e: &Evidence) -> &Document {
        &self.docs[e.doc]
    }
}

/// Where extraction hands on the tokens of each whole text it reads fresh (a note's or a
/// review's; passages and reused readings are not handed on), so that whatever reads the
/// same texts with the same analyzer (the search index built beside the analysis) need
/// not segment them again: segmenting is the pipeline's largest cost.
pub(crate) trait TokenTap: Sync {
    /// The tokens of document `k` (the corpus's notes, then its reviews, in id order),
    /// as the analyzer made them from `text`. Called in parallel, at most once per `k`.
    fn put(&self, k: usize, text: &str, tokens: Vec<crate::text::Token>);
    /// Every document before `end` has been read: what was put for them is complete.
    /// Called with `end` rising, from one thread at a time, while later documents are
    /// being read (and put).
    fn read_up_to(&self, end: usize);
}

/// Documents read between two [`TokenTap::read_up_to`]: enough to keep both threads
/// busy, few enough that the tokens waiting for the tap stay a few megabytes.
const TAP_CHUNK: usize = 4096;

/// The passages of `text` about each of `merchant_ids` that the text names: from each
/// mention to the next mention of another merchant. Merchants never named are left out
/// (they read the whole text).
fn split_by_merchant(
    corpus: &Corpus,
    merchant_ids: &[CompactString],
    text: &str,
) -> Vec<(String, Vec<std::ops::Range<usize>>)> {
    let norm = crate::text::normalize(text);
    // (start, end, merchant index) in the normalised text.
    let mut mentions: Vec<(usize, usize, usize)> = Vec::new();
    for (k, id) in merchant_ids.iter().enumerate() {
        let Some(m) = corpus.merchants.get(id.as_str()) else {
            continue;
        };
        let mut names: Vec<String> = std::iter::once(m.name.clone())
            .chain(m.aliases.iter().cloned())
            .chain(m.branch.iter().map(|b| format!("{}{b}", m.name)))
            .map(|n| crate::text::normalize(&n).text)
            .filter(|n| n.chars().count() >= 2)
            .collect();
        names.sort();
        names.dedup();
        for name in &names {
            for (at, _) in norm.text.match_indices(name.as_str()) {
                mentions.push((at, at + name.len(), k));
            }
        }
    }
    mentions.sort_unstable();
    let mut out: Vec<(String, Vec<std::ops::Range<usize>>)> = Vec::new();
    for (k, id) in merchant_ids.iter().enumerate() {
        let mut ranges = Vec::new();
        for (i, &(start, _, who)) in mentions.iter().enumerate() {
            if who != k {
                continue;
            }
            let end = mentions[i + 1..]
                .iter()
                .find(|&&(_, _, other)| other != k)
                .map_or(norm.text.len(), |&(s, _, _)| s);
            if end > start {
                let r = norm.original_range(start..end);
                if ranges
                    .last()
                    .is_none_or(|l: &std::ops::Range<usize>| l.end <= r.start)
                {
                    ranges.push(r);
                }
            }
        }
        if !ranges.is_empty() {
            out.push((id.to_string(), ranges));
        }
    }
    out
}

fn terms_of(tokens: &[crate::text::Token]) -> Vec<u64> {
    let mut terms: Vec<u64> = tokens.iter().map(|t| term_hash(&t.text)).collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// What [`Document::text_hash`] holds. An edit keeping the same hash would keep its old
/// reading; with 64 bits, that takes about 2³² edits of one document.
fn text_hash(kind: DocKind, text: &str) -> u64 {
    fnv1a(std::iter::once(kind as u8).chain(text.bytes()))
}

/// The authors whose rated reviews teach a city's model ([`super::reader::TextReader::train`]):
/// a history of rated reviews before the training cutoff
/// ([`super::reader::training_cutoff`] of `as_of`) on more than
/// [`LITTLE_HISTORY_MERCHANTS`](crate::corpus::LITTLE_HISTORY_MERCHANTS) merchants over more
/// than [`LITTLE_HISTORY_DAYS`](crate::corpus::LITTLE_HISTORY_DAYS) days (the thresholds of
/// trust's established accounts, counted on reviews only).
///
/// Stars, not notes: the model learns from stars, so a teacher's record is in stars, and a
/// note (however dated) never changes who teaches, so the notes a batch brings never
/// retrain a model. Commercial content builds no history (as in `trust::author`): a review
/// carrying an advertising marker does not count. An influencer spree is found only later,
/// in trust.
pub(crate) fn teachers<'a>(
    corpus: &Corpus,
    docs: &'a [Document],
    as_of: Timestamp,
) -> std::collections::BTreeSet<&'a str> {
    use crate::corpus::{LITTLE_HISTORY_DAYS, LITTLE_HISTORY_MERCHANTS};
    let cutoff = super::reader::training_cutoff(as_of);
    // Marker search reads every counted text: in parallel, before the tally.
    let counted: Vec<bool> = docs
        .par_iter()
        .map(|d| {
            d.star.is_some()
                && d.created_at < cutoff
                && d.declared_sponsored != Some(true)
                && Wording::marker_of(&d.wording).is_none()
        })
        .collect();
    // Known merchants numbered from 1 (0: none), accounts numbered as met: rows of numbers
    // sort fast, where rows of ids compared strings a dozen times each.
    let known: rustc_hash::FxHashMap<&str, u32> = corpus
        .merchants
        .keys()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u32 + 1))
        .collect();
    let counted_docs: Vec<&Document> = docs
        .iter()
        .zip(&counted)
        .filter(|(_, &c)| c)
        .map(|(d, _)| d)
        .collect();
    let mut accounts: Vec<&str> = Vec::new();
    let mut account_no: rustc_hash::FxHashMap<&str, u32> = Default::default();
    let author_of: Vec<u32> = counted_docs
        .iter()
        .map(|d| {
            *account_no.entry(d.author_id.as_str()).or_insert_with(|| {
                accounts.push(d.author_id.as_str());
                (accounts.len() - 1) as u32
            })
        })
        .collect();
    drop(account_no);
    // One row per counted document and known merchant (or one without a merchant: its
    // time still counts), sorted by account: each account's run gives its distinct
    // merchants, first and last. A set per account, built per thread and merged, held
    // about 160 MB at 1M documents; the rows hold a fifth of that.
    let mut rows: Vec<(u32, u32, i64)> = counted_docs
        .par_iter()
        .zip(&author_of)
        .flat_map_iter(|(d, &a)| {
            let mut merchants = d
                .merchant_ids
                .iter()
                .filter_map(|m| known.get(m.as_str()).copied())
                .peekable();
            let none = merchants.peek().is_none().then_some(0);
            merchants
                .chain(none)
                .map(move |m| (a, m, d.created_at.unix()))
        })
        .collect();
    rows.par_sort_unstable_by_key(|&(a, m, _)| (a, m));
    rows.chunk_by(|a, b| a.0 == b.0)
        .filter(|run| {
            let mut merchants = 0;
            let (mut first, mut last) = (run[0].2, run[0].2);
            for (k, &(_, m, t)) in run.iter().enumerate() {
                if m != 0 && (k == 0 || run[k - 1].1 != m) {
                    merchants += 1;
                }
                first = first.min(t);
                last = last.max(t);
            }
            // As `Timestamp::days_until`.
            merchants > LITTLE_HISTORY_MERCHANTS
                && (last - first) as f64 / 86_400.0 > LITTLE_HISTORY_DAYS
        })
        .map(|run| accounts[run[0].0 as usize])
        .collect()
}

/// Each (author, merchant)'s recorded visits with the proof each gives, in file order.
/// Hashed, not ordered: only looked up (once per item).
fn visit_proofs(corpus: &Corpus) -> rustc_hash::FxHashMap<(&str, &str), Vec<(Timestamp, Proof)>> {
    let mut out: rustc_hash::FxHashMap<(&str, &str), Vec<(Timestamp, Proof)>> = Default::default();
    for v in &corpus.visits {
        let proof = match v.kind {
            VisitKind::Payment => Proof::Payment,
            VisitKind::Redemption => Proof::Redemption,
            VisitKind::Navigation | VisitKind::Checkin => Proof::Presence,
        };
        out.entry((v.author_id.as_str(), v.merchant_id.as_str()))
            .or_default()
            .push((v.at, proof));
    }
    out
}

/// Maps a star, a reading of the text and the learned text opinion to one opinion in
/// `[0, 1]`.
///
/// `text` is the learned model's reading on the star scale (calibrated per category, see
/// [`TextReader::value`]). A star is the author's own summary: the opinion is the star,
/// unless the text contradicts it by more than half the scale (`STAR_TEXT_SLACK`; then it
/// moves toward the text by half the excess, `TEXT_PULL`). A note's opinion is its text, nudged by a
/// stated intent to return or not (a rated review's star already says that). A hygiene
/// complaint lowers a note's opinion through the text like any complaint; it is not a cap
/// (one invented 拉肚子 must not outweigh a star), and the merchant-level alert in trust
/// weighs how many credible people report it.
pub fn opinion_value(star: Option<f64>, reading: &TextEvidence, text: f64) -> f64 {
    let text_value = if text.is_finite() {
        text.clamp(0.0, 1.0)
    } else {
        0.5 + 0.5 * f64::from(reading.polarity).clamp(-1.0, 1.0)
    };
    let v = match star {
        Some(s) => {
            let star_value = ((s - 1.0) / 4.0).clamp(0.0, 1.0);
            let gap = text_value - star_value;
            let beyond = (gap.abs() - STAR_TEXT_SLACK).max(0.0).copysign(gap);
            star_value + TEXT_PULL * beyond
        }
        None => {
            text_value
                + match reading.return_intent {
                    Some(ReturnIntent::WillReturn) => 0.08,
                    Some(ReturnIntent::WontReturn) => -0.08,
                    None => 0.0,
                }
        }
    };
    v.clamp(0.0, 1.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::corpus::{LoadOptions, LITTLE_HISTORY_DAYS, LITTLE_HISTORY_MERCHANTS};
    use std::collections::{BTreeMap, BTreeSet};

    /// The shipped demo corpus and its evidence, read as the engine reads it.
    pub(crate) fn demo_evidence() -> (Corpus, EvidenceSet) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let corpus = crate::corpus::load(&dir, &LoadOptions::default())
            .expect("the demo corpus loads")
            .corpus;
        let analyzer = Analyzer::builder().words(corpus.merchant_names()).build();
        let sentiment = SentimentModel::new().expect("the shipped lexicons load");
        let links = NoteLinks::build(&corpus);
        let evidence = EvidenceSet::extract(&corpus, &links, &analyzer, &sentiment);
        (corpus, evidence)
    }

    /// The teacher rule written plainly: an account teaches when its counted documents
    /// (rated, before the training cutoff, not declared or marked sponsored) name more
    /// than `LITTLE_HISTORY_MERCHANTS` known merchants over more than
    /// `LITTLE_HISTORY_DAYS`.
    fn teachers_by_the_rule<'a>(
        corpus: &Corpus,
        docs: &'a [Document],
        as_of: Timestamp,
    ) -> BTreeSet<&'a str> {
        let cutoff = super::super::reader::training_cutoff(as_of);
        let mut history: BTreeMap<&str, (BTreeSet<&str>, Timestamp, Timestamp)> = BTreeMap::new();
        for d in docs {
            let counted = d.star.is_some()
                && d.created_at < cutoff
                && d.declared_sponsored != Some(true)
                && crate::text::markers::marker_in(&d.text).is_none();
            if !counted {
                continue;
            }
            let h = history
                .entry(d.author_id.as_str())
                .or_insert_with(|| (BTreeSet::new(), d.created_at, d.created_at));
            for m in &d.merchant_ids {
                if corpus.merchants.contains_key(m.as_str()) {
                    h.0.insert(m.as_str());
                }
            }
            h.1 = h.1.min(d.created_at);
            h.2 = h.2.max(d.created_at);
        }
        history
            .into_iter()
            .filter(|(_, (m, first, last))| {
                m.len() > LITTLE_HISTORY_MERCHANTS && first.days_until(*last) > LITTLE_HISTORY_DAYS
            })
            .map(|(a, _)| a)
            .collect()
    }

    #[test]
    fn teachers_follow_the_rule_on_the_demo_corpus() {
        let (corpus, evidence) = demo_evidence();
        let as_of = corpus.resolve_as_of(None);
        let got = teachers(&corpus, &evidence.docs, as_of);
        assert_eq!(got, teachers_by_the_rule(&corpus, &evidence.docs, as_of));
        // The rule separates accounts: some teach, some do not.
        let writers: BTreeSet<&str> = evidence.docs.iter().map(|d| d.author_id.as_str()).collect();
        assert!(
            !got.is_empty() && got.len() < writers.len(),
            "{} of {}",
            got.len(),
            writers.len()
        );
    }
}
