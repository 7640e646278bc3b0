//! City shards: one city's analysis from that city's documents and a cheap global pass.
//!
//! Cities are independent except for what an account does across them. One city's
//! answer (scores, flags, lists, explanations) needs:
//!
//! - every merchant (`merchants.jsonl` is small): the analyzer keeps every merchant's name
//!   whole, and a note names merchants of any city;
//! - the notes and reviews that speak of the city's merchants (by POI tag, by name in the
//!   text, or the review's merchant), their authors, and the city's visits and decisions;
//! - a [`GlobalPass`]: what spans cities, computed from every document *without
//!   segmenting text* except an influencer's notes:
//!   - the point in time (`as_of`: the corpus's latest timestamp by default);
//!   - each author's [`AuthorSummary`] (merchants, cities and span of their writing
//!     anywhere; account facts), from which the shard makes its credibility;
//!   - the commercial documents (declared, soft-ad markers, and an influencer's spree of
//!     praise across shops of any city: the one signal that reads other cities' text, and
//!     only influencers' notes);
//!   - the authors whose rated reviews teach each city's text model (a record of rated
//!     reviews before the training cutoff: `evidence::extract::teachers`);
//!   - the lock-step groups (accounts working through a client list in several cities);
//!   - which notes speak of each city's merchants (mention links read the text with a
//!     string matcher, not the segmenter).
//!
//! Templates (copied text) and the usual hygiene-complaint rate are judged within each
//! city in the full analysis too, so they need no global part.
//!
//! A one-city command needs only its city's part of the pass:
//! [`GlobalPass::compute_for_city`] reads the city's writers' documents whole (summaries,
//! teachers and commercial verdicts are per account) and everyone else's for the
//! lock-step groups only.
//!
//! ```no_run
//! use std::sync::Arc;
//! use jingxuan::corpus::{self, LoadOptions};
//! use jingxuan::shard::GlobalPass;
//! use jingxuan::Engine;
//!
//! let loaded = corpus::load("fixtures/demo".as_ref(), &LoadOptions::default())?;
//! let engine = Engine::for_corpus(&loaded.corpus)?;
//! // Once per corpus (and as_of), on any machine; serde-serialisable to ship to shards.
//! let global = GlobalPass::compute(&engine, &loaded.corpus, None);
//! // Per city, where the city's documents live:
//! let shard = Arc::new(global.city_corpus(&loaded.corpus, "杭州")?);
//! let analysis = engine.analyze_city(shard, &global);
//! let board = analysis.score_city("杭州")?; // identical to the full analysis's board
//! # Ok::<(), jingxuan::Error>(())
//! ```
//!
//! A shard's [`Analysis`] answers for its own city only: other cities' merchants are in
//! its corpus (for their names) but not their documents.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use compact_str::CompactString;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::{Corpus, DocKind, Timestamp};
use crate::engine::{Analysis, Engine};
use crate::error::{Result, UserError};
use crate::evidence::extract::{Document, Evidence, Proof};
use crate::evidence::link::NoteLinks;
use crate::evidence::sentiment::TextEvidence;
use crate::evidence::EvidenceSet;
use crate::text::markers::Wording;
use crate::trust::author::AuthorSummary;
use crate::trust::collusion::Group;
use crate::trust::sponsored::INFLUENCER_FOLLOWERS;
use crate::trust::{self, Commercial};

/// What one city's analysis needs from the whole corpus: computed once per corpus and
/// instant by [`GlobalPass::compute`], shipped to every shard (it is `Serialize` and
/// `Deserialize`; JSON, postcard or any serde format), and handed to
/// [`Engine::analyze_city`] with the city's corpus ([`GlobalPass::city_corpus`]).
///
/// Its size follows the number of authors, not of documents' text: a credibility
/// summary per author, one entry per commercial document, the teachers' ids, the groups,
/// and each city's note ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalPass {
    /// The instant everything is judged at: the `as_of` asked for, or the corpus's latest
    /// timestamp. A shard analyses as of this instant, whatever its own documents' dates.
    pub as_of: Timestamp,
    /// What every author's credibility is made of over the whole corpus (merchants,
    /// cities and span of their writing; account facts), by author id.
    pub authors: BTreeMap<String, AuthorSummary>,
    /// Commercial documents (set aside before anything else is weighed), by document id.
    pub commercial: BTreeMap<String, CommercialDoc>,
    /// Authors whose rated reviews teach their city's text model: rated reviews on several
    /// merchants over more than a month before the training cutoff, commercial content
    /// aside (`evidence::extract::teachers`).
    pub teachers: BTreeSet<String>,
    /// Lock-step groups of accounts over the whole corpus.
    pub groups: Vec<Group>,
    /// By city: the ids of the notes (dated up to `as_of`) that speak of one of its
    /// merchants, by POI tag or by name, sorted. Reviews are told by their merchant.
    pub notes_by_city: BTreeMap<String, Vec<String>>,
}

/// Why a document is commercial; the serialisable form of [`Commercial`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "detail")]
pub enum CommercialDoc {
    /// The platform's own label.
    Declared,
    /// A soft-ad marker in the text.
    Marker(String),
    /// One of an influencer's many glowing notes about different shops in a short time.
    Shape {
        /// How many glowing notes the author posted in the window.
        notes_in_window: usize,
    },
}

impl From<&Commercial> for CommercialDoc {
    fn from(c: &Commercial) -> Self {
        match c {
            Commercial::Declared => CommercialDoc::Declared,
            Commercial::Marker(m) => CommercialDoc::Marker(m.clone()),
            Commercial::Shape { notes_in_window } => CommercialDoc::Shape {
                notes_in_window: *notes_in_window,
            },
        }
    }
}

impl From<&CommercialDoc> for Commercial {
    fn from(c: &CommercialDoc) -> Self {
        match c {
            CommercialDoc::Declared => Commercial::Declared,
            CommercialDoc::Marker(m) => Commercial::Marker(m.clone()),
            CommercialDoc::Shape { notes_in_window } => Commercial::Shape {
                notes_in_window: *notes_in_window,
            },
        }
    }
}

impl GlobalPass {
    /// The cross-city facts of `corpus` as of `as_of` (default: its latest timestamp).
    ///
    /// Reads every document's metadata, finds each untagged note's merchants by name and
    /// each text's soft-ad markers with string matchers; segments and reads only the notes
    /// of influencers (whose spree of praise across shops is commercial). The result is
    /// what [`Engine::analyze`] computes of these facts, bit for bit.
    pub fn compute(engine: &Engine, corpus: &Corpus, as_of: Option<Timestamp>) -> GlobalPass {
        Self::compute_inner(engine, corpus, as_of, None)
    }

    /// The global pass for one city's shard only: what [`GlobalPass::compute`] gives, cut
    /// to what `city`'s analysis reads. Author summaries, teachers and commercial verdicts
    /// are those of the accounts that wrote about the city, each from all its writing
    /// anywhere (every one of these readings looks at one account's documents only, so
    /// the other accounts' make no difference to it); the lock-step groups are the whole
    /// corpus's (a group's size counts members who never wrote about the city), found
    /// from the other accounts' dates and merchants; `notes_by_city` holds `city` alone.
    /// An unknown city is a user error, found before any work.
    pub fn compute_for_city(
        engine: &Engine,
        corpus: &Corpus,
        as_of: Option<Timestamp>,
        city: &str,
    ) -> Result<GlobalPass> {
        if !corpus.merchants.values().any(|m| m.city == city) {
            return Err(UserError::UnknownCity {
                city: city.to_string(),
                known: corpus.cities(),
            }
            .into());
        }
        Ok(Self::compute_inner(engine, corpus, as_of, Some(city)))
    }

    fn compute_inner(
        engine: &Engine,
        corpus: &Corpus,
        as_of: Option<Timestamp>,
        city: Option<&str>,
    ) -> GlobalPass {
        let as_of = corpus.resolve_as_of(as_of);
        let past = corpus.as_of(as_of);
        let c = past.as_ref().unwrap_or(corpus);
        let links = NoteLinks::build(c);
        let Some(city) = city else {
            let skeleton = skeleton(engine, c, &links, |_| true);
            let commercial = trust::sponsored::detect(c, &skeleton);
            let ((groups, authors), teachers) = rayon::join(
                || cross_account(c, &[(&skeleton, &commercial)], as_of, |_| true),
                || teachers(c, &skeleton, as_of),
            );
            return Self::assemble(
                c,
                as_of,
                &skeleton,
                &commercial,
                authors,
                teachers,
                groups,
                None,
            );
        };
        // One city: its writers' documents, read whole, and everyone else's, read only for
        // the lock-step groups (which span accounts). Every per-account reading (the spree
        // rule, summaries, teachers) of a writer sees all of that writer's documents.
        let writers = city_writers(c, &links, city);
        let (mine, others) = rayon::join(
            || skeleton(engine, c, &links, |a| writers.contains(a)),
            || skeleton(engine, c, &links, |a| !writers.contains(a)),
        );
        let (commercial, others_commercial) = rayon::join(
            || trust::sponsored::detect(c, &mine),
            || trust::sponsored::detect(c, &others),
        );
        // The summaries are the writers' only: every one of their documents is in `mine`.
        let ((groups, authors), teachers) = rayon::join(
            || {
                cross_account(
                    c,
                    &[(&mine, &commercial), (&others, &others_commercial)],
                    as_of,
                    |a| writers.contains(a),
                )
            },
            || teachers(c, &mine, as_of),
        );
        let pass = Self::assemble(
            c,
            as_of,
            &mine,
            &commercial,
            authors,
            teachers,
            groups,
            Some(city),
        );
        drop_aside((mine, others));
        pass
    }

    /// The pass from its parts; `notes_by_city` from `skeleton`'s notes, for `only` that
    /// city if given.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        c: &Corpus,
        as_of: Timestamp,
        skeleton: &EvidenceSet,
        commercial: &BTreeMap<usize, Commercial>,
        authors: BTreeMap<String, AuthorSummary>,
        teachers: BTreeSet<String>,
        groups: Vec<Group>,
        only: Option<&str>,
    ) -> GlobalPass {
        // Each note's cities in parallel (a merchant lookup per link), then gathered in
        // document order.
        let note_cities: Vec<(&str, BTreeSet<&str>)> = skeleton
            .docs
            .par_iter()
            .filter(|d| d.kind == DocKind::Note)
            .map(|d| {
                let cities = d
                    .merchant_ids
                    .iter()
                    .filter_map(|m| c.merchants.get(m.as_str()))
                    .map(|m| m.city.as_str())
                    .filter(|city| only.is_none_or(|o| o == *city))
                    .collect();
                (d.id.as_str(), cities)
            })
            .collect();
        let mut notes_by_city: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (id, cities) in note_cities {
            for city in cities {
                notes_by_city
                    .entry(city.to_string())
                    .or_default()
                    .push(id.to_string());
            }
        }
        GlobalPass {
            as_of,
            authors,
            commercial: commercial
                .iter()
                .map(|(&i, how)| (skeleton.docs[i].id.to_string(), how.into()))
                .collect(),
            teachers,
            groups,
            notes_by_city,
        }
    }

    /// The part of `corpus` one city's analysis reads: every merchant; the notes and
    /// reviews about the city's merchants and their authors; the city's visits and
    /// curation decisions. `corpus` must be the one this pass was computed from (a
    /// shard that holds only its city's files gives the same result).
    pub fn city_corpus(&self, corpus: &Corpus, city: &str) -> Result<Corpus> {
        let pick = self.city_filter(corpus, city)?;
        let notes: BTreeMap<CompactString, crate::corpus::Note> = pick
            .notes
            .iter()
            .filter_map(|id| corpus.notes.get_key_value(id.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let reviews: BTreeMap<CompactString, crate::corpus::Review> = corpus
            .reviews
            .iter()
            .filter(|(_, r)| pick.merchant(&r.merchant_id))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let writers = writers(&notes, &reviews);
        Ok(Corpus {
            merchants: corpus.merchants.clone(),
            authors: corpus
                .authors
                .iter()
                .filter(|(id, _)| writers.contains(id.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            notes,
            reviews,
            visits: corpus
                .visits
                .iter()
                .filter(|v| pick.merchant(&v.merchant_id))
                .cloned()
                .collect(),
            curation: corpus
                .curation
                .iter()
                .filter(|d| pick.merchant(&d.merchant_id))
                .cloned()
                .collect(),
        })
    }

    /// [`GlobalPass::city_corpus`] taking the corpus: the city's records are moved, not
    /// copied, and the other cities' are dropped here, before the city is analysed (what
    /// a one-city command wants: it needs the whole corpus only for the global pass).
    pub fn into_city_corpus(&self, corpus: Corpus, city: &str) -> Result<Corpus> {
        let pick = self.city_filter(&corpus, city)?;
        let wanted: fnv::FnvHashSet<&str> = pick.notes.iter().map(String::as_str).collect();
        let Corpus {
            merchants,
            authors,
            notes,
            reviews,
            visits,
            curation,
        } = corpus;
        let notes: BTreeMap<CompactString, crate::corpus::Note> = notes
            .into_iter()
            .filter(|(id, _)| wanted.contains(id.as_str()))
            .collect();
        let reviews: BTreeMap<CompactString, crate::corpus::Review> = reviews
            .into_iter()
            .filter(|(_, r)| pick.merchant(&r.merchant_id))
            .collect();
        let writers = writers(&notes, &reviews);
        let authors = authors
            .into_iter()
            .filter(|(id, _)| writers.contains(id.as_str()))
            .collect();
        Ok(Corpus {
            authors,
            visits: visits
                .into_iter()
                .filter(|v| pick.merchant(&v.merchant_id))
                .collect(),
            curation: curation
                .into_iter()
                .filter(|d| pick.merchant(&d.merchant_id))
                .collect(),
            merchants,
            notes,
            reviews,
        })
    }

    /// What decides whether a record belongs to `city`'s shard; an unknown city is a user
    /// error.
    fn city_filter(&self, corpus: &Corpus, city: &str) -> Result<CityFilter<'_>> {
        let here: fnv::FnvHashSet<String> = corpus
            .merchants
            .values()
            .filter(|m| m.city == city)
            .map(|m| m.id.clone())
            .collect();
        if here.is_empty() {
            return Err(UserError::UnknownCity {
                city: city.to_string(),
                known: corpus.cities(),
            }
            .into());
        }
        let notes = self.notes_by_city.get(city).map_or(&[][..], Vec::as_slice);
        Ok(CityFilter { here, notes })
    }

    /// The cross-city inputs of the trust stage for a shard's evidence.
    pub(crate) fn cross_city(&self, evidence: &EvidenceSet) -> trust::CrossCity<'_> {
        trust::CrossCity {
            commercial: evidence
                .docs
                .iter()
                .enumerate()
                .filter_map(|(i, d)| self.commercial.get(d.id.as_str()).map(|c| (i, c.into())))
                .collect(),
            authors: &self.authors,
            groups: &self.groups,
        }
    }
}

/// Drops `value` on a thread of its own, so that the caller goes on while its millions of
/// small allocations are freed (a freed corpus or skeleton takes a few tenths of a second).
/// Where no thread can be started it is dropped here.
pub(crate) fn drop_aside<T: Send + 'static>(value: T) {
    // On failure the closure, and `value` with it, is dropped by `spawn`.
    let _ = std::thread::Builder::new()
        .name("jingxuan-drop".into())
        .spawn(move || drop(value));
}

/// The city's merchants and the ids of the notes that speak of them (sorted).
struct CityFilter<'a> {
    here: fnv::FnvHashSet<String>,
    notes: &'a [String],
}

impl CityFilter<'_> {
    fn merchant(&self, id: &str) -> bool {
        self.here.contains(id)
    }
}

/// The lock-step groups of `parts` read as one corpus, and the summaries of the authors
/// `keep` accepts: both from one table of who wrote about which merchant when.
fn cross_account(
    c: &Corpus,
    parts: &[(&EvidenceSet, &BTreeMap<usize, Commercial>)],
    as_of: Timestamp,
    keep: impl Fn(&str) -> bool + Sync + Send,
) -> (Vec<Group>, BTreeMap<String, AuthorSummary>) {
    let activity = trust::activity::Activity::of(parts);
    rayon::join(
        || trust::collusion::groups_in(&activity),
        || trust::author::summaries_in(c, &activity, as_of, keep),
    )
}

/// The accounts whose rated reviews teach each city's text model.
fn teachers(c: &Corpus, skeleton: &EvidenceSet, as_of: Timestamp) -> BTreeSet<String> {
    crate::evidence::extract::teachers(c, &skeleton.docs, as_of)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// The accounts that wrote a note or review about one of `city`'s merchants (a note by
/// its links, as the skeleton's merchants): the authors a shard of the city holds.
fn city_writers<'c>(c: &'c Corpus, links: &NoteLinks, city: &str) -> fnv::FnvHashSet<&'c str> {
    let here: fnv::FnvHashSet<&str> = c
        .merchants
        .values()
        .filter(|m| m.city == city)
        .map(|m| m.id.as_str())
        .collect();
    let notes: Vec<&crate::corpus::Note> = c.notes.values().collect();
    let reviews: Vec<&crate::corpus::Review> = c.reviews.values().collect();
    let mut writers: Vec<&str> = notes
        .par_iter()
        .filter(|n| {
            links
                .merchants_of(&n.id)
                .iter()
                .any(|m| here.contains(m.as_str()))
        })
        .map(|n| n.author_id.as_str())
        .collect();
    writers.par_extend(
        reviews
            .par_iter()
            .filter(|r| here.contains(r.merchant_id.as_str()))
            .map(|r| r.author_id.as_str()),
    );
    writers.into_iter().collect()
}

/// The authors of these notes and reviews.
fn writers<'a>(
    notes: &'a BTreeMap<CompactString, crate::corpus::Note>,
    reviews: &'a BTreeMap<CompactString, crate::corpus::Review>,
) -> BTreeSet<&'a str> {
    notes
        .values()
        .map(|n| n.author_id.as_str())
        .chain(reviews.values().map(|r| r.author_id.as_str()))
        .collect()
}

/// One city's analysis of `corpus` as of `as_of` (default: its latest timestamp) through
/// its shard: the global pass, then the city's documents only. For `city` it answers what
/// `engine.analyze(corpus, as_of)` answers; an unknown city is a user error.
pub fn analyze_one_city(
    engine: &Engine,
    corpus: &Corpus,
    city: &str,
    as_of: Option<Timestamp>,
) -> Result<Analysis> {
    let global = GlobalPass::compute_for_city(engine, corpus, as_of, city)?;
    let shard = global.city_corpus(corpus, city)?;
    Ok(engine.analyze_city(Arc::new(shard), &global))
}

/// [`analyze_one_city`] taking the corpus: the other cities' records are dropped after the
/// global pass, so the city's analysis runs beside its own records only (less memory at
/// the peak, and no copy of the city's).
pub fn analyze_one_city_owned(
    engine: &Engine,
    corpus: Corpus,
    city: &str,
    as_of: Option<Timestamp>,
) -> Result<Analysis> {
    let global = GlobalPass::compute_for_city(engine, &corpus, as_of, city)?;
    let shard = global.into_city_corpus(corpus, city)?;
    Ok(engine.analyze_city(Arc::new(shard), &global))
}

impl Engine {
    /// One city's analysis from its shard (see [`GlobalPass::city_corpus`]) and the
    /// corpus's global pass: the city's scores, flags, lists and explanations are those
    /// of [`Engine::analyze`] over the whole corpus at `global.as_of`. The engine must
    /// keep the whole corpus's merchant names (an engine made by [`Engine::for_corpus`]
    /// of the shard does: it holds every merchant).
    pub fn analyze_city(&self, shard: Arc<Corpus>, global: &GlobalPass) -> Analysis {
        self.analyze_from(
            shard,
            Some(global.as_of),
            &crate::evidence::extract::Earlier::none(),
            None,
            Some(global),
            None,
        )
    }
}

/// Which notes (by position in `notes`) the spree rule (`trust::sponsored`: an
/// influencer's praising notes, at least `SHAPE_MIN_NOTES` about `SHAPE_MIN_SHOPS` brands
/// within `SHAPE_WINDOW_DAYS`) could mark: an influencer's notes that lie in such a window
/// of *all* their notes. A window of praising notes lies within a window of all notes of
/// the same span, which then holds as many notes and brands or more, so every note the rule
/// marks is read; a note left unread (polarity 0: no praise) was in no window that
/// qualifies, and without it the rule finds the same windows in the same order.
fn spree_candidates(
    c: &Corpus,
    notes: &[&crate::corpus::Note],
    linked: &[Vec<CompactString>],
) -> Vec<bool> {
    let mut read = vec![false; notes.len()];
    // Influencers' notes in parallel (an account lookup per note), then grouped by author:
    // which notes are read does not depend on the order the authors are taken in.
    let influenced: Vec<usize> = notes
        .par_iter()
        .enumerate()
        .filter(|(_, n)| {
            let followers = c
                .authors
                .get(n.author_id.as_str())
                .and_then(|a| a.followers);
            followers.is_some_and(|f| f >= INFLUENCER_FOLLOWERS)
        })
        .map(|(i, _)| i)
        .collect();
    let mut by_author: fnv::FnvHashMap<&str, Vec<usize>> = fnv::FnvHashMap::default();
    for i in influenced {
        by_author
            .entry(notes[i].author_id.as_str())
            .or_default()
            .push(i);
    }
    let brand = |m: &str| -> String {
        c.merchants
            .get(m)
            .and_then(|m| m.brand.clone())
            .unwrap_or_else(|| m.to_string())
    };
    let by_author: Vec<Vec<usize>> = by_author.into_values().collect();
    let marked: Vec<usize> = by_author
        .into_par_iter()
        .flat_map_iter(|docs| spree_windows(notes, linked, &brand, docs))
        .collect();
    for i in marked {
        read[i] = true;
    }
    read
}

/// The notes of one influencer (`docs`, positions in `notes`) that lie in a window of
/// [`spree_candidates`].
fn spree_windows(
    notes: &[&crate::corpus::Note],
    linked: &[Vec<CompactString>],
    brand: &(impl Fn(&str) -> String + Sync),
    mut docs: Vec<usize>,
) -> Vec<usize> {
    use crate::trust::sponsored::{SHAPE_MIN_NOTES, SHAPE_MIN_SHOPS, SHAPE_WINDOW_DAYS};
    docs.sort_by_key(|&i| (notes[i].created_at, i));
    // Windows move forward: `docs[..marked]` are already in `read`, each at most once.
    let mut read = Vec::new();
    let mut marked = 0;
    let mut start = 0;
    for end in 0..docs.len() {
        while notes[docs[start]]
            .created_at
            .days_until(notes[docs[end]].created_at)
            > SHAPE_WINDOW_DAYS
        {
            start += 1;
        }
        let window = &docs[start..=end];
        if window.len() < SHAPE_MIN_NOTES {
            continue;
        }
        let brands: BTreeSet<String> = window
            .iter()
            .flat_map(|&i| linked[i].iter())
            .map(|m| brand(m))
            .collect();
        if brands.len() >= SHAPE_MIN_SHOPS {
            read.extend_from_slice(&docs[marked.max(start)..=end]);
            marked = end + 1;
        }
    }
    read
}

/// Every document with what the cross-city stages read (author, time, merchants, the
/// platform's label, and its text's commercial wording, but not the text: the detectors
/// read only the wording), one evidence item per (document, merchant), and a reading only
/// for influencers' notes: the commercial, credibility, teacher and group detectors ask
/// nothing else, so on it they give what they give on the full evidence.
/// Only the documents of the authors `keep` accepts are in it.
fn skeleton(
    engine: &Engine,
    c: &Corpus,
    links: &NoteLinks,
    keep: impl Fn(&str) -> bool + Sync,
) -> EvidenceSet {
    let blank = Arc::new(TextEvidence {
        polarity: 0.0,
        confidence: 0.0,
        positive: 0.0,
        negative: 0.0,
        aspects: Default::default(),
        hygiene_alert: false,
        return_intent: None,
        cues: Vec::new(),
    });
    // Shared by every document: the skeleton keeps no text.
    let no_text: Arc<str> = Arc::from("");
    let doc =
        |id: &str, kind, author: &str, at, text: &str, merchant_ids: Vec<CompactString>| Document {
            id: CompactString::new(id),
            kind,
            author_id: CompactString::new(author),
            created_at: at,
            text: Arc::clone(&no_text),
            wording: Wording::of(text),
            star: None,
            verified_visit: false,
            declared_sponsored: None,
            engagement: 0,
            merchant_ids,
            linked_by: None,
            reading: Arc::clone(&blank),
            parts: Arc::from(Vec::new()),
            terms: Arc::from(Vec::new()),
            text_hash: 0,
            bands: None,
            learned: (0, 0.0),
        };
    let notes: Vec<_> = c.notes.values().filter(|n| keep(&n.author_id)).collect();
    let linked: Vec<Vec<CompactString>> = notes
        .par_iter()
        .map(|n| links.known_merchants_of(&n.id, |m| c.merchants.contains_key(m)))
        .collect();
    let read = spree_candidates(c, &notes, &linked);
    let mut docs: Vec<Document> = notes
        .par_iter()
        .zip(linked)
        .enumerate()
        .map(|(i, (n, merchant_ids))| {
            let text = n.text();
            let reading = read[i].then(|| {
                let tokens = engine.analyzer().analyze(text);
                Arc::new(engine.sentiment().analyze_without_cues(&tokens, text))
            });
            let mut d = doc(
                &n.id,
                DocKind::Note,
                &n.author_id,
                n.created_at,
                text,
                merchant_ids,
            );
            d.declared_sponsored = n.sponsored;
            if let Some(r) = reading {
                d.reading = r;
            }
            d
        })
        .collect();
    let reviews: Vec<_> = c.reviews.values().filter(|r| keep(&r.author_id)).collect();
    docs.par_extend(reviews.par_iter().map(|r| {
        let mut d = doc(
            &r.id,
            DocKind::Review,
            &r.author_id,
            r.created_at,
            &r.text,
            vec![CompactString::new(&r.merchant_id)],
        );
        d.star = Some(r.rating);
        d
    }));
    // In parallel: a million items, each with its merchant id copied; `collect` keeps
    // the documents' order.
    let items = docs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, d)| {
            d.merchant_ids.iter().map(move |m| Evidence {
                doc: i,
                merchant_id: m.clone(),
                value: 0.0,
                hygiene_alert: false,
                verified_visit: false,
                proof: Proof::None,
            })
        })
        .collect();
    EvidenceSet {
        docs,
        items,
        readers: None,
    }
}
