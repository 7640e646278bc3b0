//! A live engine: a corpus, its analysis and its search index kept up to date by batches,
//! answering from consistent snapshots, optionally saved in a folder that survives crashes.
//!
//! ```
//! use jingxuan::corpus::{self, LoadOptions};
//! use jingxuan::selection::SelectionPolicy;
//! use jingxuan::store::{Store, StoreOptions};
//!
//! let loaded = corpus::load("tests/cases/corpus/clean-full".as_ref(), &LoadOptions::default())?;
//! let store = Store::build(loaded, StoreOptions::default())?;
//! let before = store.snapshot();
//! let report = store.apply_batch("tests/cases/corpus/batches/2".as_ref())?;
//! assert_eq!(report.generation, before.generation() + 1);
//! // `before` still answers as it did: readers never see half an update.
//! let now = store.snapshot();
//! assert_eq!(now.generation(), report.generation);
//! # Ok::<(), jingxuan::Error>(())
//! ```
//!
//! An update reads again only the notes and reviews that are new or whose text changed
//! (unless the batch adds or renames merchants: a new name can change how any text is
//! segmented, so then everything is read again), re-weighs trust over the whole corpus
//! (an author's credibility spans merchants and cities), and re-scores only the cities
//! where some merchant's inputs changed. The result equals a fresh analysis of the final
//! corpus: `tests/store.rs` checks it on random sequences of batches.

mod disk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;

use crate::corpus::{self, CommercialBook, Corpus, LoadOptions, LoadReport, Loaded, Timestamp};
use crate::engine::{Analysis, Engine, Explanation};
use crate::error::{Error, Result, UserError};
use crate::evidence::extract::Reading;
use crate::evidence::Document;
use crate::index::{DocPrints, IndexStats, SearchHit, SearchIndex, SearchQuery, SearchView};
use crate::reputation::{Scoreboard, ScoringConfig};
use crate::selection::{ListRequest, Selection, SelectionPolicy};
use crate::text::fnv1a;

pub use disk::{StateWritten, STATE_FILE};

/// How a store loads batches and scores.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// How batches are read (strict by default: a bad batch is refused whole).
    pub load: LoadOptions,
    /// The instant every snapshot is scored as of. `None`: each snapshot's latest timestamp,
    /// so that a batch with newer documents moves it (and every recency weight with it).
    pub as_of: Option<Timestamp>,
    /// The aggregation settings every generation is scored with.
    pub config: ScoringConfig,
    /// Which cities each generation is warmed for before it is published (none by
    /// default): see [`WarmUp`].
    pub warm: WarmUp,
}

/// Which cities a store warms ([`Analysis::warm`]: scoreboard, selection facts, default
/// list) before it publishes a generation, so that the first request per city after an
/// update is as cheap as the next. Publishing waits for it: an update takes that much
/// longer, readers meanwhile keep the generation before.
///
/// A city the generation does not have is skipped, and a warm-up never fails an update or
/// an open: a request of the city reports whatever warming it would have met.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum WarmUp {
    /// Warm nothing: each city is scored on its first request.
    #[default]
    None,
    /// Every city of the corpus.
    All,
    /// These cities (a service's busiest, say).
    Cities(Vec<String>),
}

impl WarmUp {
    /// Warms `analysis` as asked; see the type's docs for what is skipped.
    fn apply(&self, analysis: &Analysis) {
        let cities = match self {
            WarmUp::None => return,
            WarmUp::All => analysis.corpus().cities(),
            WarmUp::Cities(wanted) => {
                let known = analysis.corpus().cities();
                let mut cities: Vec<String> = wanted
                    .iter()
                    .filter(|c| known.binary_search(c).is_ok())
                    .cloned()
                    .collect();
                cities.sort();
                cities.dedup();
                cities
            }
        };
        // Errors (settings out of bounds) are the requests' to report.
        let _ = analysis.warm(&cities);
    }
}

/// A point in an update, reported to [`Store::apply_batch_with`]'s observer before the
/// next one starts. A process that dies at any of them reopens to the state before or
/// after the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The batch is read and valid; nothing is written yet.
    Loaded,
    /// The new analysis is made.
    Analyzed,
    /// The new generation's state is committed to the state database, with what undoes
    /// it (not yet published: the index still holds the generation before).
    StateWritten,
    /// The index holds the new documents, not yet committed.
    IndexWritten,
    /// The index is committed with the new generation.
    IndexCommitted,
    /// The new generation is swapped in; this process's readers now see it.
    Published,
}

impl Step {
    /// Every step, in the order an update reaches them.
    pub const ALL: [Step; 6] = [
        Step::Loaded,
        Step::Analyzed,
        Step::StateWritten,
        Step::IndexWritten,
        Step::IndexCommitted,
        Step::Published,
    ];

    /// The kebab-case name (`state-written`), as the command's options take it.
    pub fn name(self) -> &'static str {
        match self {
            Step::Loaded => "loaded",
            Step::Analyzed => "analyzed",
            Step::StateWritten => "state-written",
            Step::IndexWritten => "index-written",
            Step::IndexCommitted => "index-committed",
            Step::Published => "published",
        }
    }
}

/// What one update did.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateReport {
    /// The generation now published.
    pub generation: u64,
    /// The instant the new generation is scored as of.
    pub as_of: Timestamp,
    /// How the batch's lines were accounted.
    pub load: LoadReport,
    /// Notes and reviews read afresh (new or edited text), and reused from before.
    pub docs_read: usize,
    /// Notes and reviews whose reading was reused (text unchanged).
    pub docs_reused: usize,
    /// The batch added, removed or renamed merchants, so every text was read again and the
    /// index rebuilt.
    pub full_rebuild: bool,
    /// Rows of the saved state that changed (none for a store in memory).
    pub state_written: StateWritten,
    /// Documents written to the index, and removed from it.
    pub index_written: IndexStats,
    /// Documents removed from the search index.
    pub index_removed: usize,
    /// Merchants whose score inputs changed (their documents, the weights of those, their
    /// record, flags or curation), or which appeared or disappeared; sorted.
    pub affected_merchants: Vec<String>,
    /// Cities with an affected merchant: their scoreboards are computed again (a city's
    /// merchants share category priors); the others are carried over.
    pub rescored_cities: Vec<String>,
}

/// One consistent state of a store: the corpus of one generation, its analysis and its
/// search index as of that generation. It never changes; take a new one with
/// [`Store::snapshot`] to see later updates.
///
/// # Cost of each call
///
/// | call | cost |
/// |---|---|
/// | [`generation`](Self::generation), [`corpus`](Self::corpus), [`analysis`](Self::analysis) | cheap |
/// | [`score_city`](Self::score_city), [`select`](Self::select), [`explain`](Self::explain) | as [`Analysis`]'s: CPU-bound on a city's first request in this generation unless the store warmed it ([`StoreOptions::warm`]), then cheap |
/// | [`search`](Self::search) | cheap: one tantivy query over files already open (a store in a folder reads them through the page cache) |
/// | [`warm`](Self::warm) | CPU-bound, parallel on the current rayon pool |
pub struct Snapshot {
    generation: u64,
    commercial: Arc<CommercialBook>,
    analysis: Analysis,
    search: SearchView,
    /// A hash of each merchant's score inputs, to tell which an update affected.
    merchant_prints: BTreeMap<String, u64>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("generation", &self.generation)
            .field("as_of", &self.analysis.as_of())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Which update this is: 1 for the first corpus, then one more per batch.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The corpus of this generation.
    pub fn corpus(&self) -> &Corpus {
        self.analysis.corpus()
    }

    /// The merchants' commercial terms, for reporting only.
    pub fn commercial(&self) -> &CommercialBook {
        &self.commercial
    }

    /// The analysis of this generation (scores, selections, explanations).
    pub fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// Every merchant of `city`, best first: [`Analysis::score_city`].
    ///
    /// Cost: cheap; after an update, a city whose merchants changed is scored again on its
    /// first request (CPU-bound, milliseconds).
    pub fn score_city(&self, city: &str) -> Result<Arc<Scoreboard>> {
        self.analysis.score_city(city)
    }

    /// The curated list of `city`: [`Analysis::select`].
    pub fn select(
        &self,
        city: &str,
        policy: &SelectionPolicy,
        request: &ListRequest<'_>,
    ) -> Result<Selection> {
        self.analysis.select(city, policy, request)
    }

    /// Every signal behind one merchant's score: [`Analysis::explain`].
    pub fn explain(&self, merchant_id: &str) -> Result<Explanation> {
        self.analysis.explain(merchant_id)
    }

    /// Fills this generation's caches for `cities` now: [`Analysis::warm`]. A store does
    /// it before publishing when [`StoreOptions::warm`] asks.
    pub fn warm<S: AsRef<str> + Sync>(&self, cities: &[S]) -> Result<()> {
        self.analysis.warm(cities)
    }

    /// Notes and reviews of this generation matching `q`.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        self.search.search(q)
    }
}

struct Writer {
    /// The store's update lock (`None` in memory): keeps other updaters out.
    _lock: Option<std::fs::File>,
    engine: Engine,
    index: SearchIndex,
    /// The index's folder name within the store folder (`None` in memory).
    index_dir: Option<String>,
    /// What the index holds of each document.
    doc_prints: DocPrints,
}

/// A corpus kept up to date by batches: see the [module docs](self).
///
/// `Store` is `Sync`: share it (in an `Arc`) between the threads that answer queries,
/// through [`snapshot`](Self::snapshot), and the one that feeds batches. Updates are
/// serialized; readers never wait for one.
///
/// # Cost of each call
///
/// | call | cost |
/// |---|---|
/// | [`snapshot`](Self::snapshot) | cheap: an `Arc` clone under a read lock held for nanoseconds |
/// | [`build`](Self::build), [`create`](Self::create) | CPU-bound: a whole analysis and index (seconds per 100k documents); `create` also writes the folder (I/O) |
/// | [`open`](Self::open), [`read_snapshot`](Self::read_snapshot) | I/O (the state database and index) and CPU (an analysis reusing every saved reading, no text read again) |
/// | `apply_batch*` | CPU-bound like [`Engine::reanalyze`] (only new or edited texts are read), plus I/O in a folder (changed rows, index segments, two fsynced commits); serialized; plus the warm-up asked in [`StoreOptions::warm`] |
///
/// Call all but `snapshot` from a blocking task, never on an async worker. The parallel
/// parts run on rayon's current pool: `pool.install(|| store.apply_batch(dir))` keeps them
/// on a pool the service sized; results never depend on its number of threads.
pub struct Store {
    dir: Option<PathBuf>,
    options: StoreOptions,
    current: RwLock<Arc<Snapshot>>,
    writer: Mutex<Writer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .field("generation", &self.snapshot().generation)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store held in memory only, starting from `loaded`.
    pub fn build(loaded: Loaded, options: StoreOptions) -> Result<Store> {
        Self::start(None, loaded, options)
    }

    /// A store saved in `dir` (which must be missing or empty), starting from `loaded`.
    pub fn create(dir: &Path, loaded: Loaded, options: StoreOptions) -> Result<Store> {
        match std::fs::read_dir(dir) {
            Ok(mut entries) => {
                if entries.next().is_some() {
                    return Err(not_a_store(
                        dir,
                        "the folder is not empty; a new store needs an empty or missing folder",
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(|source| UserError::Unwritable {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            Err(source) => {
                return Err(UserError::Unreadable {
                    path: dir.to_path_buf(),
                    source,
                }
                .into())
            }
        }
        Self::start(Some(dir.to_path_buf()), loaded, options)
    }

    fn start(dir: Option<PathBuf>, loaded: Loaded, options: StoreOptions) -> Result<Store> {
        let generation = 1;
        let corpus = Arc::new(loaded.corpus);
        let engine = Engine::for_corpus(&corpus)?.with_config(options.config);
        let analysis = engine.analyze(Arc::clone(&corpus), options.as_of);
        let index_dir = disk::index_dir_name(generation);
        let lock = match &dir {
            Some(root) => {
                let lock = disk::lock(root)?;
                let db = disk::create(root)?;
                let meta = disk::Meta {
                    generation,
                    index_dir: index_dir.clone(),
                };
                let rows = rows_of(&analysis, &loaded.commercial);
                disk::write_generation(root, &db, &meta, &rows, &disk::Candidates::All)?;
                disk::close(root, db)?;
                Some(lock)
            }
            None => None,
        };
        let index = open_index(dir.as_deref(), &index_dir, &engine, true)?;
        let doc_prints = DocPrints::of(&corpus, analysis.links());
        let mut w = index.writer()?;
        w.add_docs(&corpus, analysis.links(), &|_| true)?;
        w.commit_with_payload(&generation.to_string())?;
        options.warm.apply(&analysis);
        let snapshot = Snapshot {
            generation,
            commercial: Arc::new(loaded.commercial),
            merchant_prints: merchant_prints(&analysis),
            analysis,
            search: index.view(),
        };
        Ok(Store {
            dir: dir.clone(),
            options,
            current: RwLock::new(Arc::new(snapshot)),
            writer: Mutex::new(Writer {
                _lock: lock,
                engine,
                index,
                index_dir: dir.map(|_| index_dir),
                doc_prints,
            }),
        })
    }

    /// Reopens a store saved in `dir`, without reading any text again, and holds it for
    /// updating: while this `Store` lives, another [`open`](Self::open) of the same folder
    /// (in any process) fails with [`UserError::StoreBusy`]. After a crash it abandons the
    /// interrupted update unless it had reached its index commit.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<Store> {
        if !dir.is_dir() {
            return Err(not_a_store(dir, "no such folder"));
        }
        let lock = disk::lock(dir)?;
        let db = disk::open_writer(dir)?;
        let meta = disk::View::of_writer(dir, &db)?
            .meta()?
            .ok_or_else(|| not_a_store(dir, INTERRUPTED_CREATION))?;
        if index_view(dir, &meta)?.is_none() {
            // A crash between the state's commit and the index's: go back to the state
            // the index holds, if the undo rows lead there.
            let view = disk::View::of_writer(dir, &db)?;
            let undo = view.undo(meta.generation)?;
            match view.meta_before(&undo)? {
                Some(before) if index_view(dir, &before)?.is_some() => {
                    drop(view);
                    disk::roll_back(dir, &db, meta.generation)?;
                }
                _ => return Err(not_a_store(dir, no_match(meta.generation))),
            }
        }
        let saved = disk::View::of_writer(dir, &db)?.load(&Default::default())?;
        disk::close(dir, db)?;
        let (engine, analysis, commercial) =
            restore(saved.corpus, saved.readings, saved.commercial, &options)?;
        let meta = saved.meta;
        let index = open_index(Some(dir), &meta.index_dir, &engine, false)?;
        disk::clean(dir, &meta.index_dir);
        let doc_prints = DocPrints::of(analysis.corpus(), analysis.links());
        options.warm.apply(&analysis);
        let snapshot = Snapshot {
            generation: meta.generation,
            commercial: Arc::new(commercial),
            merchant_prints: merchant_prints(&analysis),
            analysis,
            search: index.view(),
        };
        Ok(Store {
            dir: Some(dir.to_path_buf()),
            options,
            current: RwLock::new(Arc::new(snapshot)),
            writer: Mutex::new(Writer {
                _lock: Some(lock),
                engine,
                index,
                index_dir: Some(meta.index_dir),
                doc_prints,
            }),
        })
    }

    /// The latest complete generation of the store saved in `dir`, read without writing
    /// anything (no recovery, no cleanup), so that other processes can answer from a store
    /// that one process updates. An update published meanwhile is either wholly in the
    /// snapshot or not at all.
    pub fn read_snapshot(dir: &Path, options: &StoreOptions) -> Result<Snapshot> {
        if !dir.is_dir() {
            return Err(not_a_store(dir, "no such folder"));
        }
        let db = disk::open_reader(dir)?;
        // One read transaction sees one commit of the state; the index is checked to hold
        // that generation, or the one before (whose state the undo rows give). An update
        // may commit meanwhile, or remove an index folder being read: then choose again.
        let attempt = || -> Result<Option<Snapshot>> {
            let view = disk::View::of_reader(dir, &db)?;
            let meta = view
                .meta()?
                .ok_or_else(|| not_a_store(dir, INTERRUPTED_CREATION))?;
            let (overlay, search) = match index_view(dir, &meta)? {
                Some(search) => (Default::default(), search),
                None => {
                    let undo = view.undo(meta.generation)?;
                    let Some(before) = view.meta_before(&undo)? else {
                        return Ok(None);
                    };
                    match index_view(dir, &before)? {
                        Some(search) => (undo, search),
                        None => return Ok(None),
                    }
                }
            };
            let saved = view.load(&overlay)?;
            let (_, analysis, commercial) =
                restore(saved.corpus, saved.readings, saved.commercial, options)?;
            Ok(Some(Snapshot {
                generation: saved.meta.generation,
                commercial: Arc::new(commercial),
                merchant_prints: merchant_prints(&analysis),
                analysis,
                search,
            }))
        };
        const TRIES: usize = 5;
        for tries_left in (0..TRIES).rev() {
            match attempt() {
                Ok(Some(snapshot)) => {
                    options.warm.apply(&snapshot.analysis);
                    return Ok(snapshot);
                }
                Ok(None) => {}
                Err(e) if tries_left == 0 => return Err(e),
                Err(_) => {}
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(not_a_store(
            dir,
            "it kept changing while being read; try again when its updates pause",
        ))
    }

    /// The store's folder, `None` for a store in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The latest published state. Cheap; hold it as long as an answer needs to be
    /// consistent.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&current)
    }

    /// Applies a batch folder (new, edited and deleted records; see
    /// [`corpus::load_batch`]) and publishes the result as the next generation. A batch
    /// with errors (strict mode) is refused whole and changes nothing.
    pub fn apply_batch(&self, batch: &Path) -> Result<UpdateReport> {
        self.apply_batch_with(batch, &mut |_| {})
    }

    /// [`apply_batch`](Self::apply_batch), telling `observe` each [`Step`] as it is reached.
    pub fn apply_batch_with(
        &self,
        batch: &Path,
        observe: &mut dyn FnMut(Step),
    ) -> Result<UpdateReport> {
        let load = |corpus: &Corpus, commercial: &CommercialBook, opts: &LoadOptions| {
            corpus::load_batch_onto(corpus, commercial, batch, opts)
        };
        self.apply_loaded(&load, observe)
    }

    /// [`apply_batch`](Self::apply_batch) of a batch given as readers (an upload, a
    /// message): `files` pairs names of [`corpus::FILES`] with their JSON Lines, each
    /// optional; no temporary folder is needed. Applied whole or refused whole.
    ///
    /// Cost: CPU-bound like `apply_batch` (see there), and serialized with other updates.
    pub fn apply_batch_from_readers<'n, R: std::io::Read>(
        &self,
        files: impl IntoIterator<Item = (&'n str, R)>,
    ) -> Result<UpdateReport> {
        let files = std::cell::RefCell::new(Some(files));
        let load = |corpus: &Corpus, commercial: &CommercialBook, opts: &LoadOptions| {
            let files = files.borrow_mut().take().into_iter().flatten();
            corpus::load_batch_onto_from_readers(corpus, commercial, files, opts)
        };
        self.apply_loaded(&load, &mut |_| {})
    }

    /// The update behind every `apply_batch*`: `load` reads the batch onto the current
    /// corpus (called once, under the writer's lock).
    fn apply_loaded(
        &self,
        load: &dyn Fn(&Corpus, &CommercialBook, &LoadOptions) -> Result<Loaded>,
        observe: &mut dyn FnMut(Step),
    ) -> Result<UpdateReport> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let before = self.snapshot();
        let loaded = load(before.corpus(), &before.commercial, &self.options.load)?;
        observe(Step::Loaded);

        let generation = before.generation + 1;
        let corpus = Arc::new(loaded.corpus);
        let engine = writer.engine.for_names_of(&corpus);
        let full_rebuild = !engine.same_words(writer.engine.analyzer().extra_words());
        let analysis = engine.reanalyze(Arc::clone(&corpus), self.options.as_of, &before.analysis);
        let docs_reused = count_reused(&before.analysis.evidence().docs, &analysis.evidence().docs);
        let docs_read = analysis.evidence().docs.len() - docs_reused;
        observe(Step::Analyzed);

        let merchant_prints = merchant_prints(&analysis);
        let affected: Vec<String> = changed_keys(&before.merchant_prints, &merchant_prints);
        let rescored_cities = carry_over_boards(&before, &analysis, &affected);

        let index_dir = match (&self.dir, full_rebuild) {
            (Some(_), true) => Some(disk::index_dir_name(generation)),
            (Some(_), false) => writer.index_dir.clone(),
            (None, _) => None,
        };
        let state_written = match &self.dir {
            Some(root) => {
                let db = disk::open_writer(root)?;
                let meta = disk::Meta {
                    generation,
                    index_dir: index_dir.clone().unwrap_or_default(),
                };
                let rows = rows_of(&analysis, &loaded.commercial);
                let since = disk::Candidates::Since {
                    corpus: before.corpus(),
                    commercial: &before.commercial,
                    readings: &before.analysis.evidence().docs,
                };
                let written = disk::write_generation(root, &db, &meta, &rows, &since)?;
                disk::close(root, db)?;
                written
            }
            None => StateWritten::default(),
        };
        observe(Step::StateWritten);

        let new_prints = DocPrints::of(&corpus, analysis.links());
        let fresh = if full_rebuild {
            let name = index_dir.as_deref().unwrap_or_default();
            Some(open_index(self.dir.as_deref(), name, &engine, true)?)
        } else {
            None
        };
        // Borrowed, not taken: a failed update leaves the writer as it was.
        let w = &*writer;
        let index = fresh.as_ref().unwrap_or(&w.index);
        let mut iw = index.writer()?;
        let (index_removed, index_written) = if full_rebuild {
            // A fresh index: every document is written.
            (0, iw.add_docs(&corpus, analysis.links(), &|_| true)?)
        } else {
            let changes = w.doc_prints.changes_to(&new_prints);
            for id in &changes.removed {
                iw.delete(id)?;
            }
            let upsert = |id: &str| changes.upsert.contains(id);
            let written = iw.add_docs(&corpus, analysis.links(), &upsert)?;
            (changes.removed.len(), written)
        };
        observe(Step::IndexWritten);
        iw.commit_with_payload(&generation.to_string())?;
        let search = index.view();
        observe(Step::IndexCommitted);
        // After the commits (warming writes nothing), before readers can see it.
        self.options.warm.apply(&analysis);

        let as_of = analysis.as_of();
        let snapshot = Arc::new(Snapshot {
            generation,
            commercial: Arc::new(loaded.commercial),
            analysis,
            search,
            merchant_prints,
        });
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        writer.engine = engine;
        if let Some(index) = fresh {
            writer.index = index;
        }
        writer.doc_prints = new_prints;
        writer.index_dir = index_dir.clone();
        observe(Step::Published);
        if let (Some(root), Some(name), true) = (&self.dir, &index_dir, full_rebuild) {
            disk::clean(root, name);
        }
        // The earlier generation, when no reader holds it any more, is freed off this
        // thread: a million documents' small allocations took 0.2 s of the update.
        crate::shard::drop_aside(before);
        Ok(UpdateReport {
            generation,
            as_of,
            load: loaded.report,
            docs_read,
            docs_reused,
            full_rebuild,
            state_written,
            index_written,
            index_removed,
            affected_merchants: affected,
            rescored_cities,
        })
    }
}

/// The bytes the earlier layout wrote for every update: one file holding the whole
/// state (corpus, commercial terms as JSON text, every reading), postcard-encoded. Kept
/// only so that `examples/update_bytes.rs` can put today's figure beside that one.
#[doc(hidden)]
pub fn encode_whole_state(snapshot: &Snapshot) -> Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Whole<'a> {
        generation: u64,
        index_dir: &'a str,
        corpus: &'a Corpus,
        commercial: Vec<(&'a str, String)>,
        readings: Vec<Reading>,
    }
    let whole = Whole {
        generation: snapshot.generation,
        index_dir: "index-1",
        corpus: snapshot.corpus(),
        commercial: snapshot
            .commercial
            .iter()
            .map(|(id, t)| (id, serde_json::to_string(t).unwrap_or_default()))
            .collect(),
        readings: snapshot
            .analysis
            .evidence()
            .docs
            .iter()
            .map(Reading::of)
            .collect(),
    };
    postcard::to_stdvec(&whole).map_err(|e| {
        Error::Internal(crate::error::InternalError::Invariant(format!(
            "cannot encode the store state: {e}"
        )))
    })
}

/// A saved generation's engine, analysis (its texts' readings reused, not read again) and
/// commercial terms.
fn restore(
    corpus: Corpus,
    readings: Vec<Reading>,
    commercial: CommercialBook,
    options: &StoreOptions,
) -> Result<(Engine, Analysis, CommercialBook)> {
    let corpus = Arc::new(corpus);
    let engine = Engine::for_corpus(&corpus)?.with_config(options.config);
    let analysis = engine.analyze_with_readings(corpus, options.as_of, &readings);
    Ok((engine, analysis, commercial))
}

const INTERRUPTED_CREATION: &str =
    "it holds no complete state (was its creation interrupted?); build it again from the corpus";

fn no_match(generation: u64) -> &'static str {
    if generation <= 1 {
        INTERRUPTED_CREATION
    } else {
        "its saved state matches neither its index nor the generation before; build it again from the corpus"
    }
}

/// A view of the store's index when its last commit holds `meta`'s generation: the
/// payload is read before and after taking the view, so the view is of that commit.
fn index_view(dir: &Path, meta: &disk::Meta) -> Result<Option<SearchView>> {
    let path = dir.join(&meta.index_dir);
    if !path.is_dir() {
        return Ok(None);
    }
    let want = meta.generation.to_string();
    let Ok(index) = SearchIndex::open(&path) else {
        return Ok(None);
    };
    if index.commit_payload()?.as_deref() != Some(want.as_str()) {
        return Ok(None);
    }
    index.reload()?;
    let view = index.view();
    if index.commit_payload()?.as_deref() != Some(want.as_str()) {
        return Ok(None);
    }
    Ok(Some(view))
}

fn not_a_store(dir: &Path, reason: &str) -> Error {
    Error::User(UserError::NotAStore {
        path: dir.to_path_buf(),
        reason: reason.to_string(),
    })
}

fn open_index(dir: Option<&Path>, name: &str, engine: &Engine, fresh: bool) -> Result<SearchIndex> {
    match dir {
        None => SearchIndex::create_in_ram(Arc::clone(engine.analyzer())),
        Some(root) => {
            let path = root.join(name);
            if fresh && path.exists() {
                // Litter of an update that crashed before its commit.
                let _ = std::fs::remove_dir_all(&path);
            }
            SearchIndex::open_or_create(&path, Arc::clone(engine.analyzer()))
        }
    }
}

fn rows_of<'a>(analysis: &'a Analysis, commercial: &'a CommercialBook) -> disk::Rows<'a> {
    disk::Rows {
        corpus: analysis.corpus(),
        commercial,
        readings: &analysis.evidence().docs,
    }
}

/// Documents of `after` whose reading is the very one of `before` (shared, not read
/// again). Both lists are in the same order (notes then reviews, each by id), so one walk
/// pairs them.
fn count_reused(before: &[Document], after: &[Document]) -> usize {
    fn key(d: &Document) -> (crate::corpus::DocKind, &str) {
        (d.kind, d.id.as_str())
    }
    let mut i = 0;
    let mut reused = 0;
    for d in after {
        while i < before.len() && key(&before[i]) < key(d) {
            i += 1;
        }
        if before
            .get(i)
            .is_some_and(|b| key(b) == key(d) && Arc::ptr_eq(&b.reading, &d.reading))
        {
            reused += 1;
        }
    }
    reused
}

/// Keys whose value differs between `a` and `b`, or which only one has; sorted.
fn changed_keys(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// A hash of everything a merchant's score reads: its record, standing curation decision
/// and flags, and each piece of evidence about it with its weights.
fn merchant_prints(analysis: &Analysis) -> BTreeMap<String, u64> {
    use rayon::prelude::*;
    let corpus = analysis.corpus();
    let decisions = corpus.standing_decisions();
    // Merchants in parallel (a million items' weights at 1M documents), gathered in id order.
    let merchants: Vec<&crate::corpus::Merchant> = corpus.merchants.values().collect();
    let prints: Vec<(String, u64)> = merchants
        .par_iter()
        .map(|m| {
            let mut bytes = serde_json::to_vec(m).unwrap_or_default();
            let mut put = |s: &[u8]| {
                bytes.extend_from_slice(s);
                bytes.push(0xff);
            };
            if let Some(d) = decisions.get(m.id.as_str()) {
                put(format!("{:?}{}", d.decision, d.at.unix()).as_bytes());
            }
            if let Some(flags) = analysis.trust().flags.get(&m.id) {
                put(format!("{flags:?}").as_bytes());
            }
            let items = analysis
                .merchant(&m.id)
                .into_iter()
                .flat_map(|v| v.evidence());
            for item in items {
                let (d, e, w, c) = (item.doc, item.evidence, item.weight, item.counted);
                put(d.id.as_bytes());
                put(&d.created_at.unix().to_le_bytes());
                put(&e.value.to_bits().to_le_bytes());
                put(&[u8::from(e.hygiene_alert), u8::from(e.verified_visit)]);
                put(&c.trust.to_bits().to_le_bytes());
                put(&c.recency.to_bits().to_le_bytes());
                // The same bytes as formatting it; most items have no discount.
                if w.discounts.is_empty() {
                    put(b"[]");
                } else {
                    put(format!("{:?}", w.discounts).as_bytes());
                }
            }
            (m.id.clone(), fnv1a(bytes))
        })
        .collect();
    prints.into_iter().collect()
}

/// Gives `analysis` the boards of `before` for cities without an affected merchant (when
/// both are scored as of the same instant); returns the other cities, sorted.
fn carry_over_boards(before: &Snapshot, analysis: &Analysis, affected: &[String]) -> Vec<String> {
    let cities = analysis.corpus().cities();
    // Another instant (a batch with newer documents moves the default as-of) changes every
    // recency weight: nothing carries over.
    if before.analysis.as_of() != analysis.as_of() || before.analysis.config() != analysis.config()
    {
        return cities;
    }
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for id in affected {
        for corpus in [before.corpus(), analysis.corpus()] {
            if let Some(m) = corpus.merchants.get(id) {
                touched.insert(m.city.clone());
            }
        }
    }
    for city in cities.iter().filter(|c| !touched.contains(*c)) {
        if let Some(board) = before.analysis.cached_board(city) {
            analysis.adopt_board(city, board);
        }
    }
    touched.into_iter().collect()
}
