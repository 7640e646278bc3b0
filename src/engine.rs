//! The whole pipeline behind one type: corpus → text → evidence → trust → reputation.
//!
//! ```no_run
//! use jingxuan::corpus::{self, LoadOptions};
//! use jingxuan::Engine;
//!
//! let loaded = corpus::load("fixtures/demo".as_ref(), &LoadOptions::default())?;
//! let engine = Engine::for_corpus(&loaded.corpus)?;
//! let analysis = engine.analyze(loaded.corpus, None);
//! let board = analysis.score_city("杭州")?;
//! for m in board.merchants.iter().take(3) {
//!     println!("{} {:.1} eligible={}", m.merchant_id, m.score, m.eligible);
//! }
//! # Ok::<(), jingxuan::Error>(())
//! ```

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::corpus::{Corpus, DocKind, Merchant, Timestamp};
use crate::error::{Result, UserError};
use crate::evidence::extract::TokenTap;
use crate::evidence::extract::{Earlier, Reading};
use crate::evidence::link::NoteLinks;
use crate::evidence::sentiment::{SentimentModel, TextEvidence};
use crate::evidence::{Document, Evidence, EvidenceSet};
use crate::reputation::{self, MerchantScore, Scoreboard, ScoringConfig};
use crate::selection::{self, ListRequest, Selection, SelectionPolicy};
use crate::text::{snippet, Analyzer};
use crate::trust::{self, Credibility, Discount, EvidenceWeight, Flag};

/// The shared, immutable parts of scoring: build once per corpus and reuse (also across
/// threads).
///
/// # Cost of each call
///
/// | call | cost |
/// |---|---|
/// | [`Engine::for_corpus`] | CPU-bound: builds the segmenter's dictionary (tens of ms) |
/// | [`Engine::analyze`], [`Engine::reanalyze`] | CPU-bound and parallel: the whole pipeline (every text read, every weight); seconds per 100k documents |
/// | [`Analysis::score_city`] | CPU-bound on a city's first call (milliseconds), then cheap (cached, shared by clones) |
/// | [`Analysis::select`] | cheap after the city's first call: a greedy pass over small integers |
/// | [`Analysis::explain`], [`Analysis::merchant`] | cheap once the city is scored |
/// | `Store::apply_batch*` | CPU-bound like `reanalyze` plus the writes; serialized |
/// | `Store::snapshot`, `Snapshot::search` | cheap (an `Arc` clone; one tantivy query) |
///
/// # Threads
///
/// The parallel parts (reading texts, weighing evidence) run on rayon's *current* pool:
/// the global one, unless the call is made inside [`rayon::ThreadPool::install`]. A
/// service that wants them off its own threads, or bounded, builds a pool and runs the
/// CPU-bound calls in it (from a blocking task, never on an async worker):
///
/// ```no_run
/// # let (engine, corpus): (jingxuan::Engine, jingxuan::corpus::Corpus) = unimplemented!();
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
/// let analysis = pool.install(|| engine.analyze(corpus, None));
/// ```
///
/// Results never depend on the number of threads.
///
/// # Example
///
/// `fixtures/tiny` is a small 杭州: eight shops, eight regulars who reviewed each of them
/// over 2025, and a few things to find (see `fixtures/README.md`).
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::Engine;
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let latest = loaded.corpus.latest_timestamp();
/// let engine = Engine::for_corpus(&loaded.corpus)?;
/// // `None`: as of the corpus's latest timestamp, never the wall clock.
/// let analysis = engine.analyze(loaded.corpus, None);
/// assert_eq!(Some(analysis.as_of()), latest);
///
/// // The coffee shop its regulars give 4.5 to 5 stars leads the city.
/// let board = analysis.score_city("杭州")?;
/// assert_eq!(board.merchants[0].merchant_id, "m-01");
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    analyzer: Arc<Analyzer>,
    sentiment: Arc<SentimentModel>,
    config: ScoringConfig,
}

impl Engine {
    /// An engine whose analyzer keeps this corpus's merchant names whole.
    pub fn for_corpus(corpus: &Corpus) -> Result<Engine> {
        Ok(Engine {
            analyzer: Analyzer::builder()
                .words(corpus.merchant_names())
                .build_shared(),
            sentiment: Arc::new(SentimentModel::new()?),
            config: ScoringConfig::default(),
        })
    }

    /// Replaces the aggregation settings. They are checked
    /// ([`ScoringConfig::validate`]) by every method of an [`Analysis`] that scores, which
    /// then fails with a user error instead of giving NaN scores.
    pub fn with_config(mut self, config: ScoringConfig) -> Engine {
        self.config = config;
        self
    }

    /// The lexicon reader in use.
    pub(crate) fn sentiment(&self) -> &SentimentModel {
        &self.sentiment
    }

    /// The analyzer in use (the same one the search index should use).
    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    /// What this engine reads in one text, every cue included: for a tool that shows why
    /// a note or review reads as praise or complaint. An analysis keeps each document's
    /// reading without its cues ([`Document::reading`](crate::evidence::Document::reading));
    /// every other field equals this one's for the same text.
    ///
    /// Cost: one text segmented and read, well under a millisecond for a review.
    ///
    /// ```
    /// # let corpus = jingxuan::corpus::Corpus::default();
    /// let engine = jingxuan::Engine::for_corpus(&corpus)?;
    /// let reading = engine.read("汤头不错，但是服务太慢了，不会再来");
    /// let words: Vec<&str> = reading.cues.iter().map(|c| c.word.as_str()).collect();
    /// assert!(words.contains(&"不错") && reading.polarity < 0.0, "{words:?}");
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    pub fn read(&self, text: &str) -> TextEvidence {
        self.sentiment.analyze(&self.analyzer.analyze(text), text)
    }

    /// Reads, links and weighs every note and review as of `as_of` (default: the corpus's
    /// latest timestamp, so the answer never depends on the wall clock).
    ///
    /// The analysis owns the corpus (give it a `Corpus`, or an `Arc<Corpus>` you keep a
    /// handle to): keep it in shared state, clone it cheaply, send it to other threads.
    ///
    /// Cost: CPU-bound, the whole pipeline's price (every text read, every weight); it
    /// runs on the current rayon pool (see [`Engine`]'s "Threads").
    pub fn analyze(&self, corpus: impl Into<Arc<Corpus>>, as_of: Option<Timestamp>) -> Analysis {
        self.analyze_from(corpus.into(), as_of, &Earlier::none(), None, None, None)
    }

    /// [`analyze`](Self::analyze), reading again only the notes and reviews
    /// that are new or whose text changed since `previous`. The result is the same as a
    /// fresh analysis; only the time differs. `previous` must come from an engine with the
    /// same merchant names (see [`same_words`](Self::same_words)): a new name can change
    /// how any text is segmented.
    pub fn reanalyze(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
        previous: &Analysis,
    ) -> Analysis {
        let previous = &*previous.inner;
        let reuse = Arc::ptr_eq(&self.analyzer, &previous.analyzer)
            || self.same_words(previous.analyzer.extra_words());
        let before = if reuse {
            Earlier::of_docs(&previous.evidence.docs)
        } else {
            Earlier::none()
        };
        // The learned model reads characters, not tokens: it stays valid across dictionaries.
        let readers = previous.evidence.readers.as_deref();
        self.analyze_from(corpus, as_of, &before, readers, None, None)
    }

    /// [`analyze`](Self::analyze) reusing saved readings, which must have
    /// been made by an analyzer with this engine's words.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn analyze_with_readings(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
        readings: &[Reading],
    ) -> Analysis {
        let before = Earlier::of_saved(readings);
        self.analyze_from(corpus, as_of, &before, None, None, None)
    }

    /// An engine for `corpus` sharing this one's sentiment model and settings; `self` again
    /// (cheaply) when the corpus's merchant names are the ones this engine keeps whole.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn for_names_of(&self, corpus: &Corpus) -> Engine {
        let names = corpus.merchant_names();
        if self.same_words(&names) {
            return self.clone();
        }
        Engine {
            analyzer: Analyzer::builder().words(&names).build_shared(),
            sentiment: Arc::clone(&self.sentiment),
            config: self.config,
        }
    }

    /// Whether this engine's analyzer keeps exactly these extra words whole.
    pub fn same_words(&self, words: &[String]) -> bool {
        self.analyzer.extra_words() == words
    }

    /// `global`: a city shard's analysis (`crate::shard`) takes what spans cities from it.
    /// `tap`: the search index built beside the analysis (`IndexWriter::analyze_and_add`),
    /// handed the tokens of every text read.
    pub(crate) fn analyze_from(
        &self,
        corpus: Arc<Corpus>,
        as_of: Option<Timestamp>,
        before: &Earlier<'_>,
        previous_readers: Option<&crate::evidence::reader::Readers>,
        global: Option<&crate::shard::GlobalPass>,
        tap: Option<&dyn TokenTap>,
    ) -> Analysis {
        // `as_of` is a point in time: whatever is dated after it (documents, visits,
        // decisions, accounts) is not part of the world being scored, so it cannot raise a
        // flag, build a history or move a baseline.
        let (corpus, as_of) = Corpus::world_at(corpus, as_of);
        let links = NoteLinks::build(&corpus);
        self.analyze_linked(corpus, as_of, links, before, previous_readers, global, tap)
    }

    /// [`analyze_from`](Self::analyze_from) of a corpus already cut to the world at
    /// `as_of`, with its note links already built (`links` must be
    /// `NoteLinks::build(&corpus)`): the index built beside the analysis needs both first,
    /// and building the links twice cost about 0.7 s of CPU at 1M documents.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn analyze_linked(
        &self,
        corpus: Arc<Corpus>,
        as_of: Timestamp,
        links: NoteLinks,
        before: &Earlier<'_>,
        previous_readers: Option<&crate::evidence::reader::Readers>,
        global: Option<&crate::shard::GlobalPass>,
        tap: Option<&dyn TokenTap>,
    ) -> Analysis {
        let c: &Corpus = &corpus;
        let evidence = EvidenceSet::extract_with(
            c,
            &links,
            &self.analyzer,
            &self.sentiment,
            before,
            as_of,
            previous_readers,
            global.map(|g| &g.teachers),
            tap,
        );
        let cross = global.map(|g| g.cross_city(&evidence));
        let trust = trust::assess_with(c, &evidence, as_of, cross);
        // Unchecked: analysis cannot fail; every scoring method validates the config.
        let counted = reputation::counted_unchecked(&evidence, &trust, as_of, &self.config);
        let ranges = evidence.merchant_ranges();
        let inner = Inner {
            corpus,
            as_of,
            links,
            evidence,
            trust,
            config: self.config,
            analyzer: Arc::clone(&self.analyzer),
            counted,
            ranges,
            boards: Mutex::new(BTreeMap::new()),
            prepared_boards: Mutex::new(BTreeMap::new()),
        };
        Analysis {
            inner: Arc::new(inner),
        }
    }
}

/// One corpus read and weighed as of one instant: the handle every question about it
/// goes through (score a city, select its list, explain a merchant, look at a merchant's
/// evidence).
///
/// It owns its corpus and is `Send + Sync`; a clone is a reference count, so put it in an
/// `Arc`-free shared state and hand clones to every request. Scoreboards and selection
/// facts are computed per city on first use and shared by the clones.
///
/// # Cost of each call
///
/// | call | cost |
/// |---|---|
/// | `clone`, [`corpus`](Self::corpus), [`as_of`](Self::as_of), [`merchant`](Self::merchant) | cheap (a reference count, a lookup) |
/// | [`score_city`](Self::score_city) | CPU-bound on a city's first call (milliseconds for thousands of merchants), then cheap |
/// | [`select`](Self::select) | CPU-bound on a city's first call (its board and selection facts), then cheap: well under a millisecond; a query adds one walk over the city's term lists |
/// | [`explain`](Self::explain), [`why_not`](Self::why_not) | cheap once the city is warm (they read its board and default list) |
/// | [`warm`](Self::warm) | CPU-bound: the first calls above for each city given, in parallel |
///
/// No call does I/O. Nothing here blocks on another thread's work for long: a city's
/// first request computes outside the cache's lock (two racing requests may both compute
/// it; the first result is kept). A service calls the CPU-bound ones from a blocking task
/// (`tokio::task::spawn_blocking`), or warms the cities first.
///
/// # Threads
///
/// [`warm`](Self::warm) (and [`Engine::analyze`]) run their parallel parts on rayon's
/// current pool: inside `pool.install(|| …)` they use that pool, so a service keeps the
/// library's work on a pool it sized, off its own threads. Answers never depend on the
/// number of threads (`tests/warm.rs` checks a pool of one against a pool of three).
///
/// # Example
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::Engine;
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
///
/// // A clone goes to another thread (a request handler) and answers the same.
/// let handle = analysis.clone();
/// let there = std::thread::spawn(move || handle.score_city("杭州")).join().unwrap()?;
/// assert_eq!(*there, *analysis.score_city("杭州")?);
///
/// // Explain a merchant: the barbecue's six new accounts praised it within two days,
/// // which its regulars (about three stars) do not bear out, so it is not listed.
/// let why = analysis.explain("m-07")?;
/// assert!(!why.discounted.is_empty());
/// assert!(!why.why_not.is_empty());
/// // The coffee shop is listed: nothing to say why not.
/// assert!(analysis.explain("m-01")?.why_not.is_empty());
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Clone)]
pub struct Analysis {
    inner: Arc<Inner>,
}

struct Inner {
    corpus: Arc<Corpus>,
    as_of: Timestamp,
    links: NoteLinks,
    evidence: EvidenceSet,
    trust: trust::Assessment,
    config: ScoringConfig,
    analyzer: Arc<Analyzer>,
    /// Each evidence item's weight under `config`, computed once.
    counted: Vec<reputation::Counted>,
    /// Each merchant's range of `evidence.items`.
    ranges: BTreeMap<String, Range<usize>>,
    /// Scoreboards under `config`, by city, made on first use: `select` then costs only
    /// the selection itself.
    boards: Mutex<BTreeMap<String, Arc<Scoreboard>>>,
    /// Each cached board with what selection needs of its merchants, by city, made on
    /// first `select`.
    prepared_boards: Mutex<BTreeMap<String, Arc<PreparedBoard>>>,
}

/// A scoreboard and the selection facts aligned with its rows.
struct PreparedBoard {
    board: Arc<Scoreboard>,
    prepared: selection::Prepared,
}

/// One note or review's part in a merchant's score.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    /// The note's or review's id.
    pub doc_id: String,
    /// Note or review.
    pub kind: DocKind,
    /// Who wrote it.
    pub author_id: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// The review's star rating (1–5); none for a note.
    pub star: Option<f64>,
    /// The opinion read from it, 0 to 100.
    pub opinion: f64,
    /// Its final weight (trust × recency).
    pub weight: f64,
    /// Its author's credibility when it was written (0–1).
    pub credibility: f64,
    /// Its recency factor (1 for today, halving every half-life).
    pub recency: f64,
    /// Whether the author's visit is proven (the review's flag or a recorded visit).
    pub verified_visit: bool,
    /// What trust discounted it for, with the factor of each.
    pub discounts: Vec<Discount>,
    /// How far it pulled the score up (positive) or down: weight × (opinion − mean).
    pub pull: f64,
    /// The start of its text.
    pub snippet: String,
}

/// Everything behind one merchant's score.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The merchant's id.
    pub merchant_id: String,
    /// Its display name (with the branch).
    pub name: String,
    /// Its city.
    pub city: String,
    /// Its category path.
    pub category: String,
    /// The instant the analysis read the world at.
    pub as_of: Timestamp,
    /// Rank within the city (1 = best), among all its merchants.
    pub rank: usize,
    /// Merchants in the city.
    pub of: usize,
    /// Its score, eligibility and flags, as on the city's board.
    pub score: MerchantScore,
    /// Plain-Chinese summary lines.
    pub summary: Vec<String>,
    /// Contributions that pulled the score up most, strongest first.
    pub strongest_for: Vec<Contribution>,
    /// Contributions that pulled it down most, strongest first.
    pub strongest_against: Vec<Contribution>,
    /// Contributions that were discounted by trust, newest first.
    pub discounted: Vec<Contribution>,
    /// Credibility of the authors who wrote about the merchant, by author id.
    pub authors: std::collections::BTreeMap<String, Credibility>,
    /// "Why not me?": when the merchant is not on its city's list under the default
    /// policy, what holds it, in plain Chinese (see [`Analysis::why_not`]); empty when
    /// it is listed.
    pub why_not: Vec<String>,
}

/// How many contributions each list of an explanation shows.
const EXPLAIN_TOP: usize = 8;

/// One merchant of an [`Analysis`]: see [`Analysis::merchant`].
///
/// # Example
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::trust::{Discount, FlagKind};
/// use jingxuan::Engine;
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
///
/// let bbq = analysis.merchant("m-07")?;
/// assert_eq!(bbq.record().name, "老街烧烤");
/// assert!(bbq.flags().iter().any(|f| f.kind == FlagKind::BoughtBurst && f.favours()));
/// for item in bbq.evidence() {
///     let bought = item.weight.discounts.contains(&Discount::BoughtBurst);
///     // Exactly the new accounts' reviews are discounted; the regulars' count in full.
///     assert_eq!(bought, item.doc.author_id.starts_with("u-new-"), "{}", item.doc.id);
/// }
/// // Held for review: manipulation in its favour, until a human approves.
/// assert!(!bbq.score()?.eligible);
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Clone)]
pub struct MerchantView<'a> {
    analysis: &'a Analysis,
    merchant: &'a Merchant,
    range: Range<usize>,
}

/// One note or review about a merchant, with what each stage made of it.
#[derive(Debug, Clone, Copy)]
pub struct WeighedEvidence<'a> {
    /// The document as read.
    pub doc: &'a Document,
    /// Its opinion of this merchant (a multi-shop note has one per merchant).
    pub evidence: &'a Evidence,
    /// Its trust weight: credibility, proof of visit, discounts.
    pub weight: &'a EvidenceWeight,
    /// What it counts for in the score: the trust weight in its credible and cheap parts,
    /// times recency.
    pub counted: reputation::Counted,
}

impl<'a> MerchantView<'a> {
    /// The merchant's record.
    pub fn record(&self) -> &'a Merchant {
        self.merchant
    }

    /// Every note and review about the merchant, oldest first (documents dated after the
    /// analysis's instant are not in its corpus).
    pub fn evidence(&self) -> impl ExactSizeIterator<Item = WeighedEvidence<'a>> + 'a {
        let a = &*self.analysis.inner;
        self.range.clone().map(move |k| {
            let evidence = &a.evidence.items[k];
            WeighedEvidence {
                doc: a.evidence.doc(evidence),
                evidence,
                weight: &a.trust.weights[k],
                counted: a.counted[k],
            }
        })
    }

    /// The manipulation flags trust raised about the merchant, in kind order.
    pub fn flags(&self) -> &'a [Flag] {
        let a = &*self.analysis.inner;
        a.trust
            .flags
            .get(&self.merchant.id)
            .map_or(&[], Vec::as_slice)
    }

    /// Its score, rank and eligibility on its city's board (computes the board on first
    /// use, like [`Analysis::score_city`]).
    pub fn score(&self) -> Result<MerchantScore> {
        let board = self.analysis.score_city(&self.merchant.city)?;
        board
            .merchants
            .iter()
            .find(|s| s.merchant_id == self.merchant.id)
            .cloned()
            .ok_or_else(|| {
                crate::error::InternalError::Invariant(format!(
                    "merchant {} missing from its city's scoreboard",
                    self.merchant.id
                ))
                .into()
            })
    }
}

impl Analysis {
    /// The corpus this analysis read (as of [`as_of`](Self::as_of): what came later is
    /// not in it).
    pub fn corpus(&self) -> &Corpus {
        &self.inner.corpus
    }

    /// The corpus, shared: what [`Engine::reanalyze`] and a store build the next
    /// generation from.
    pub fn shared_corpus(&self) -> Arc<Corpus> {
        Arc::clone(&self.inner.corpus)
    }

    /// The instant the world was read at: documents, visits, decisions and accounts dated
    /// after it are not part of this analysis.
    pub fn as_of(&self) -> Timestamp {
        self.inner.as_of
    }

    /// The aggregation settings scores are made with.
    pub fn config(&self) -> &ScoringConfig {
        &self.inner.config
    }

    /// Which merchants each note names (mention linking), for the search index.
    pub fn links(&self) -> &NoteLinks {
        &self.inner.links
    }

    /// The analyzer the texts were segmented with (the engine's): a search index of this
    /// analysis should segment with it too, so that merchant names stay whole in both.
    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.inner.analyzer
    }

    /// Every note and review as read, and one [`Evidence`](crate::evidence::Evidence) per
    /// (document, merchant): the evidence stage's output, for tools that study the stage.
    /// A service reads one merchant's evidence through [`merchant`](Self::merchant).
    pub fn evidence(&self) -> &EvidenceSet {
        &self.inner.evidence
    }

    /// The trust stage's output (credibility, one weight per evidence item, flags), for
    /// tools that study the stage; see [`merchant`](Self::merchant).
    pub fn trust(&self) -> &trust::Assessment {
        &self.inner.trust
    }

    /// The range of `evidence().items` (and of the counted weights and `trust().weights`) about one merchant; empty when nothing speaks of it.
    pub(crate) fn evidence_range(&self, merchant_id: &str) -> Range<usize> {
        self.inner
            .ranges
            .get(merchant_id)
            .cloned()
            .unwrap_or_default()
    }

    /// One merchant as this analysis sees it: its record, and each note or review about it
    /// with that item's opinion, trust weight, discounts and counted weight.
    ///
    /// Cost: cheap (a lookup; the items are walked as you iterate).
    ///
    /// Errors: an id not in the corpus ([`UserError::UnknownMerchant`]).
    ///
    /// ```no_run
    /// # let analysis: jingxuan::Analysis = unimplemented!();
    /// let shop = analysis.merchant("m-001")?;
    /// for item in shop.evidence() {
    ///     if !item.weight.discounts.is_empty() {
    ///         println!("{} {:.2} {:?}", item.doc.id, item.counted.weight(), item.weight.discounts);
    ///     }
    /// }
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    pub fn merchant(&self, merchant_id: &str) -> Result<MerchantView<'_>> {
        let merchant = self.merchant_record(merchant_id)?;
        Ok(MerchantView {
            analysis: self,
            merchant,
            range: self.evidence_range(merchant_id),
        })
    }

    /// The corpus record of `merchant_id`; the one place an unknown id becomes an error.
    fn merchant_record(&self, merchant_id: &str) -> Result<&Merchant> {
        self.inner.corpus.merchants.get(merchant_id).ok_or_else(|| {
            UserError::UnknownMerchant {
                id: merchant_id.to_string(),
            }
            .into()
        })
    }

    /// Every merchant of `city`, best first, with its score, eligibility and flags.
    ///
    /// Cost: CPU-bound on the first call per city (aggregation over the city's evidence,
    /// milliseconds for thousands of merchants), then cheap: the board is computed once per
    /// city, shared by every clone of this analysis, and returned as an `Arc`.
    ///
    /// Errors: a city with no merchant ([`UserError::UnknownCity`], listing the known ones),
    /// scoring settings out of bounds ([`ScoringConfig::validate`]).
    pub fn score_city(&self, city: &str) -> Result<Arc<Scoreboard>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still
        // a valid cache.
        let boards = || self.inner.boards.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = boards().get(city) {
            return Ok(Arc::clone(b));
        }
        // Scored outside the lock, so other cities are not held up; a race only computes
        // the same board twice, and the first one stored is kept.
        let board = Arc::new(self.compute_board(city)?);
        Ok(Arc::clone(
            boards().entry(city.to_string()).or_insert(board),
        ))
    }

    /// Computes now what the first request about each of `cities` would otherwise pay
    /// for: its scoreboard, the facts selection reads of its merchants, and its list under
    /// the default policy (whose map resolution's cells it prepares). Afterwards
    /// [`score_city`](Self::score_city), [`select`](Self::select) and
    /// [`explain`](Self::explain) of those cities answer from the caches, for this analysis
    /// and every clone of it. A service warms a new analysis before it swaps it in; a
    /// [`Store`](crate::store::Store) does with
    /// [`StoreOptions::warm`](crate::store::StoreOptions::warm).
    ///
    /// Cost: CPU-bound, the first `score_city` and `select` of each city; the cities are
    /// warmed in parallel on the current rayon pool, and what the caches hold does not
    /// depend on which thread filled them.
    ///
    /// Errors: the first city (in the order given) with no merchant
    /// ([`UserError::UnknownCity`]), or scoring settings out of bounds; nothing is warmed
    /// when a city is unknown.
    ///
    /// ```
    /// use jingxuan::corpus::{self, LoadOptions};
    /// use jingxuan::Engine;
    ///
    /// let loaded = corpus::load("tests/cases/corpus/clean-full".as_ref(), &LoadOptions::default())?;
    /// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
    /// let cities = analysis.corpus().cities();
    /// assert!(analysis.warm_cities().is_empty());
    /// analysis.warm(&cities)?;
    /// assert_eq!(analysis.warm_cities(), cities);
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    pub fn warm<S: AsRef<str> + Sync>(&self, cities: &[S]) -> Result<()> {
        use rayon::prelude::*;
        let known = self.inner.corpus.cities();
        if let Some(city) = cities
            .iter()
            .map(AsRef::as_ref)
            .find(|c| known.binary_search_by(|k| k.as_str().cmp(c)).is_err())
        {
            return Err(UserError::UnknownCity {
                city: city.to_string(),
                known,
            }
            .into());
        }
        let policy = SelectionPolicy::default();
        let done: Vec<Result<()>> = cities
            .par_iter()
            .map(|c| {
                self.select(c.as_ref(), &policy, &ListRequest::default())
                    .map(drop)
            })
            .collect();
        done.into_iter().collect()
    }

    /// The cities whose scoreboard and selection facts are computed already (by a request
    /// or by [`warm`](Self::warm)), sorted: their requests are cheap.
    pub fn warm_cities(&self) -> Vec<String> {
        let prepared = self
            .inner
            .prepared_boards
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        prepared.keys().cloned().collect()
    }

    /// The board of `city` if it was computed already.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn cached_board(&self, city: &str) -> Option<Arc<Scoreboard>> {
        let boards = self.inner.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.get(city).cloned()
    }

    /// Takes `board` as this analysis's board of `city`: for a board of an earlier analysis
    /// whose inputs for that city are unchanged.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn adopt_board(&self, city: &str, board: Arc<Scoreboard>) {
        let mut boards = self.inner.boards.lock().unwrap_or_else(|e| e.into_inner());
        boards.insert(city.to_string(), board);
    }

    /// The board of `city` under this analysis's settings, computed afresh.
    fn compute_board(&self, city: &str) -> Result<Scoreboard> {
        let config = &self.inner.config;
        config.validate()?;
        if !self.inner.corpus.merchants.values().any(|m| m.city == city) {
            return Err(UserError::UnknownCity {
                city: city.to_string(),
                known: self.inner.corpus.cities(),
            }
            .into());
        }
        let counted = &self.inner.counted;
        reputation::score_city_from(
            &reputation::CityInputs {
                corpus: &self.inner.corpus,
                evidence: &self.inner.evidence,
                trust: &self.inner.trust,
                counted,
                ranges: &self.inner.ranges,
            },
            city,
            self.inner.as_of,
            config,
        )
    }

    /// The curated list of `city` under `policy` for `request` (the last published list,
    /// a query).
    ///
    /// Cost: cheap after the city's first [`score_city`](Self::score_city) and first
    /// `select` (which prepare what selection reads of its merchants whatever the policy):
    /// a greedy pass over small integers, well under a millisecond for thousands of
    /// merchants; a query adds one walk over the city's term lists.
    ///
    /// Errors: an unknown city, a policy out of its bounds ([`SelectionPolicy::validate`])
    /// or a bad query ([`ListRequest::validate`]), each a user error naming the field.
    ///
    /// ```no_run
    /// use jingxuan::selection::{ListRequest, SelectionPolicy};
    /// # let analysis: jingxuan::Analysis = unimplemented!();
    /// let policy = SelectionPolicy { limit: 10, ..SelectionPolicy::default() };
    /// let list = analysis.select("杭州", &policy, &ListRequest::default())?;
    /// let cafes = analysis.select("杭州", &policy, &ListRequest { query: Some("安静 咖啡"), ..Default::default() })?;
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    pub fn select(
        &self,
        city: &str,
        policy: &SelectionPolicy,
        request: &ListRequest<'_>,
    ) -> Result<Selection> {
        policy.validate()?;
        request.validate()?;
        let prepared = self.prepared(city)?;
        let a = &*self.inner;
        let inputs = selection::Inputs {
            corpus: &a.corpus,
            board: &prepared.board,
            evidence: &a.evidence,
            trust: &a.trust,
            counted: &a.counted,
            ranges: &a.ranges,
            analyzer: &a.analyzer,
        };
        let query = request.query.or(policy.query.as_deref());
        Ok(selection::select_prepared(
            &inputs,
            &prepared.prepared,
            policy,
            request.previous,
            query,
        ))
    }

    /// The city's board with its selection facts, made once per city like the board.
    fn prepared(&self, city: &str) -> Result<Arc<PreparedBoard>> {
        let cache = || {
            self.inner
                .prepared_boards
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        };
        if let Some(p) = cache().get(city) {
            return Ok(Arc::clone(p));
        }
        let board = self.score_city(city)?;
        let prepared = selection::Prepared::new(&self.inner.corpus, &board, &self.inner.ranges);
        let made = Arc::new(PreparedBoard { board, prepared });
        Ok(Arc::clone(cache().entry(city.to_string()).or_insert(made)))
    }

    /// Every signal behind one merchant's score: its rank, the contributions that pulled
    /// it up and down, what trust discounted, its authors' credibility, and why it is not
    /// listed under the default policy.
    ///
    /// Cost: cheap once the merchant's city is scored and selected (the first call per
    /// city computes its board and its default list).
    ///
    /// Errors: an unknown merchant ([`UserError::UnknownMerchant`]).
    pub fn explain(&self, merchant_id: &str) -> Result<Explanation> {
        let view = self.merchant(merchant_id)?;
        let merchant = view.record();
        let board = self.score_city(&merchant.city)?;
        let (rank, score) = board_entry(&board, merchant_id)
            .map(|(i, s)| (i + 1, s.clone()))
            .ok_or_else(|| {
                crate::error::InternalError::Invariant(format!(
                    "merchant {merchant_id} missing from its city's scoreboard"
                ))
            })?;
        let mean = score.mean / 100.0;
        let mut contributions = Vec::new();
        let mut authors = std::collections::BTreeMap::new();
        for item in view.evidence() {
            let (d, e, w, c) = (item.doc, item.evidence, item.weight, item.counted);
            if d.created_at > self.inner.as_of {
                continue;
            }
            if let Some(cred) = self.inner.trust.credibility.get(d.author_id.as_str()) {
                authors.insert(d.author_id.to_string(), *cred);
            }
            contributions.push(Contribution {
                doc_id: d.id.to_string(),
                kind: d.kind,
                author_id: d.author_id.to_string(),
                created_at: d.created_at,
                star: d.star,
                opinion: round2(100.0 * e.value),
                weight: round4(c.weight()),
                credibility: round4(w.credibility),
                recency: round4(c.recency),
                verified_visit: e.verified_visit,
                discounts: w.discounts.clone(),
                pull: round4(c.weight() * (e.value - mean)),
                snippet: snippet(&d.text, 60),
            });
        }
        let by_pull = |up: bool| {
            let mut v: Vec<Contribution> = contributions
                .iter()
                .filter(|c| if up { c.pull > 0.0 } else { c.pull < 0.0 })
                .cloned()
                .collect();
            v.sort_by(|a, b| {
                b.pull
                    .abs()
                    .total_cmp(&a.pull.abs())
                    .then_with(|| a.doc_id.cmp(&b.doc_id))
            });
            v.truncate(EXPLAIN_TOP);
            v
        };
        let strongest_for = by_pull(true);
        let strongest_against = by_pull(false);
        let mut discounted: Vec<Contribution> = contributions
            .iter()
            .filter(|c| !c.discounts.is_empty())
            .cloned()
            .collect();
        discounted.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.doc_id.cmp(&b.doc_id))
        });
        let summary = summary_zh(&score, rank, board.merchants.len(), contributions.len());
        let why_not = self.why_not(merchant_id, &SelectionPolicy::default())?;
        Ok(Explanation {
            merchant_id: merchant.id.clone(),
            name: merchant.display_name(),
            city: merchant.city.clone(),
            category: merchant.category.clone(),
            as_of: self.inner.as_of,
            rank,
            of: board.merchants.len(),
            score,
            summary,
            strongest_for,
            strongest_against,
            discounted,
            authors,
            why_not,
        })
    }

    /// Why a merchant is not on its city's list under `policy`, in plain Chinese: what
    /// holds it (and which evidence was discounted, and why), or which rule of the list it
    /// lost to. Empty when it is listed. Merchants ask this first, so every answer also
    /// says that no payment can change it.
    pub fn why_not(&self, merchant_id: &str, policy: &SelectionPolicy) -> Result<Vec<String>> {
        let merchant = self.merchant_record(merchant_id)?;
        let list = self.select(&merchant.city, policy, &ListRequest::default())?;
        if list.stores.iter().any(|p| p.merchant_id == merchant_id) {
            return Ok(Vec::new());
        }
        let board = self.score_city(&merchant.city)?;
        let Some((_, s)) = board_entry(&board, merchant_id) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if let Some(q) = list
            .review_queue
            .iter()
            .find(|q| q.merchant_id == merchant_id)
        {
            out.push(format!("在人工复核队列中：{}", q.reason));
        } else if let Some(r) = &s.ineligible {
            out.push(format!("不能入选：{}", r.explain_zh()));
        } else if s.score < policy.min_score {
            out.push(format!(
                "口碑分 {:.1} 低于入选门槛 {:.1}",
                s.score, policy.min_score
            ));
        } else if s.credible_weight < policy.min_credible_weight {
            out.push(format!(
                "可信口碑的权重 {:.1} 低于入选要求 {:.1}：需要更多有真实消费或长期评价记录的用户来写",
                s.credible_weight, policy.min_credible_weight
            ));
        } else {
            out.push(self.lost_to(merchant, s, &list, policy));
        }
        for f in s.flags.iter().filter(|f| f.favours()) {
            let holds = matches!(&s.ineligible, Some(crate::reputation::Ineligible::UnderReview { flags }) if flags.contains(&f.kind));
            out.push(format!(
                "{}：{}（{} 条内容，已降权）{}",
                f.kind.label_zh(),
                f.detail,
                f.docs.len(),
                if holds {
                    "；人工复核通过前不能入选，复核之后新出现的同类内容会重新触发复核"
                } else {
                    "；影响很小，不影响入选资格"
                }
            ));
        }
        for f in s
            .flags
            .iter()
            .filter(|f| f.direction == trust::Direction::Against)
        {
            out.push(format!(
                "发现对这家店不利的可疑内容：{}，{}（{} 条），已降权，不影响入选资格，也不会让评分低于可信用户评价所支持的水平",
                f.kind.label_zh(),
                f.detail,
                f.docs.len()
            ));
        }
        out.push(
            "名单只看真实口碑：广告、佣金、合作等任何付费都不能改变评分、排名或是否入选".into(),
        );
        Ok(out)
    }

    /// Which rule of the list an eligible, qualified merchant lost to.
    fn lost_to(
        &self,
        merchant: &crate::corpus::Merchant,
        s: &MerchantScore,
        list: &Selection,
        policy: &SelectionPolicy,
    ) -> String {
        let listed: Vec<&crate::corpus::Merchant> = list
            .stores
            .iter()
            .filter_map(|p| self.inner.corpus.merchants.get(&p.merchant_id))
            .collect();
        if let Some(brand) = &merchant.brand {
            let same: Vec<&&crate::corpus::Merchant> = listed
                .iter()
                .filter(|m| m.brand.as_ref() == Some(brand))
                .collect();
            if same.len() >= policy.max_per_brand {
                return format!(
                    "同品牌的「{}」已入选，每个品牌最多入选 {} 家，把位置留给独立小店",
                    same.first().map_or(String::new(), |m| m.display_name()),
                    policy.max_per_brand
                );
            }
        }
        let top = merchant.top_category();
        let same_top = listed.iter().filter(|m| m.top_category() == top).count();
        let cap = (policy.max_category_share * policy.limit as f64).floor() as usize;
        if same_top >= cap.max(1) && list.relaxed.is_empty() {
            return format!(
                "「{top}」类已有 {same_top} 家入选，达到单一品类最多占名单 {:.0}% 的上限",
                100.0 * policy.max_category_share
            );
        }
        let last = list
            .stores
            .iter()
            .map(|p| p.score)
            .fold(f64::INFINITY, f64::min);
        if list.stores.len() < policy.limit {
            return format!(
                "口碑分 {:.1} 达到门槛，但名单按品类和区域的多样性挑选时没有轮到它",
                s.score
            );
        }
        format!(
            "名单已满（{} 家）：按口碑分并兼顾品类、区域多样性挑选，入选门店最低分 {:.1}，这家店 {:.1}",
            list.stores.len(),
            last,
            s.score
        )
    }
}

fn summary_zh(s: &MerchantScore, rank: usize, of: usize, n: usize) -> Vec<String> {
    let mut out = vec![format!(
        "口碑分 {:.1}（城市同类先验 {:.1}，加权平均 {:.1}），在本城 {of} 家店中排第 {rank}",
        s.score, s.prior, s.mean
    )];
    out.push(format!(
        "共 {n} 条笔记和点评，有效意见约 {:.1} 条，其中 {} 条因可信度问题被降权",
        s.effective_opinions, s.discounted_count
    ));
    match &s.ineligible {
        None => out.push("可以入选".into()),
        Some(r) => out.push(format!("不能入选：{}", r.explain_zh())),
    }
    for f in &s.flags {
        out.push(format!(
            "⚠ {}：{}（涉及 {} 条）",
            f.kind.label_zh(),
            f.detail,
            f.docs.len()
        ));
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// A merchant's place on its city's board (0-based) and its score.
fn board_entry<'b>(board: &'b Scoreboard, merchant_id: &str) -> Option<(usize, &'b MerchantScore)> {
    board
        .merchants
        .iter()
        .enumerate()
        .find(|(_, s)| s.merchant_id == merchant_id)
}
