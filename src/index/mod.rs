//! The tantivy search index of notes and reviews.
//!
//! Text is segmented by the crate's one [`Analyzer`] through [`JiebaTokenizer`], so the
//! index, the queries and the scoring modules all see the same words. Queries are built
//! from the analyzer's tokens rather than with tantivy's `QueryParser`, which would turn
//! unspaced Chinese (`咖啡安静`) into one exact phrase.
//!
//! An index on disk is a folder holding tantivy's files and `jingxuan-index.json`, which
//! records the format version and the analyzer's extra words (merchant names and aliases)
//! so that [`SearchIndex::open`] rebuilds the analyzer the documents were indexed with.

#[cfg(feature = "store")]
mod prints;
mod schema;
mod snippet;
mod tokenizer;

pub use snippet::{CLOSE_MARK, OPEN_MARK};
pub use tokenizer::{JiebaTokenStream, JiebaTokenizer, TOKENIZER_NAME};

#[cfg(feature = "store")]
pub(crate) use prints::DocPrints;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::CompactString;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, IndexWriter as TantivyWriter, ReloadPolicy,
    TantivyDocument, Term,
};

pub use crate::corpus::DocKind;

use crate::corpus::{Corpus, Timestamp};
use crate::engine::{Analysis, Engine};
use crate::error::{Error, InternalError, Result, UserError};
use crate::evidence::extract::TokenTap;
use crate::evidence::link::NoteLinks;
use crate::text::query::{word_groups, WordGroup};
use crate::text::Analyzer;
use crate::text::Token;

use schema::Fields;

/// File in the index folder that marks it as a jingxuan index.
pub const META_FILE: &str = "jingxuan-index.json";
/// Version of the index layout (schema, tokenizer, meta file). Bump on any change that
/// makes older folders unreadable or differently tokenized.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_NAME: &str = "jingxuan-index";
/// One tantivy indexing thread. Not for determinism (answers never depend on the segment
/// layout: see [`LiveStats`] and DESIGN.md): the texts are segmented on rayon ahead of
/// this thread, and building beside the analysis ([`IndexWriter::analyze_and_add`]) is
/// what fills idle cores on a small machine; a second thread would add an arena and more
/// segments to merge.
const WRITER_THREADS: usize = 1;
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Documents prepared (and their texts segmented) in parallel at a time before they are
/// handed to tantivy's indexing thread.
const PREPARE_CHUNK: usize = 2048;
/// Approximate snippet length in characters.
const SNIPPET_CHARS: usize = 120;
/// What a match on a sub-word of a query word (咖啡 for 咖啡馆, found in 咖啡豆) counts
/// for, relative to a match on the word itself: a partial match, kept for recall.
const SUB_WORD_WEIGHT: f32 = 0.5;

/// The kind of a kind filter or a hit's document: the corpus's one [`DocKind`], stored in
/// the index as [`DocKind::as_str`].
fn parse_kind(s: &str) -> Option<DocKind> {
    match s {
        "note" => Some(DocKind::Note),
        "review" => Some(DocKind::Review),
        _ => None,
    }
}

/// What an [`IndexWriter`] added or replaced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    /// Notes added or replaced.
    pub notes: u64,
    /// Reviews added or replaced.
    pub reviews: u64,
}

/// A search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Free text, segmented like the indexed text (`咖啡 安静`, `安静的咖啡馆`).
    pub text: String,
    /// Only documents about this city (exact, as written in the corpus).
    pub city: Option<String>,
    /// Only documents about merchants in this category path or under it (`饮品` matches
    /// `饮品/咖啡`).
    pub category: Option<String>,
    /// Only notes or only reviews.
    pub kind: Option<DocKind>,
    /// Maximum number of hits: 1 to [`SearchQuery::MAX_LIMIT`].
    pub limit: usize,
}

impl SearchQuery {
    /// The most hits one query may ask for: a page of results, not an export. The bound
    /// keeps one request from reserving memory in proportion to a number it chose.
    pub const MAX_LIMIT: usize = 10_000;

    /// The longest query text, in characters.
    pub const MAX_TEXT_CHARS: usize = 1_000;

    /// Checks the limit and the length of the text: a user error naming what is out of
    /// bounds. [`SearchView::search`] calls it first.
    pub fn validate(&self) -> Result<()> {
        if !(1..=Self::MAX_LIMIT).contains(&self.limit) {
            return Err(invalid_query(&format!(
                "limit must be 1 to {}, got {}",
                Self::MAX_LIMIT,
                self.limit
            )));
        }
        let chars = self.text.chars().count();
        if chars > Self::MAX_TEXT_CHARS {
            return Err(invalid_query(&format!(
                "the query is {chars} characters; at most {} are accepted",
                Self::MAX_TEXT_CHARS
            )));
        }
        Ok(())
    }
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            city: None,
            category: None,
            kind: None,
            limit: 10,
        }
    }
}

/// One matching note or review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The note's or review's id.
    pub doc_id: String,
    /// Note or review.
    pub kind: DocKind,
    /// Merchants the document speaks of: a review's merchant, a note's POI tags or, for an
    /// untagged note, the merchants its text names (see `evidence::link`).
    pub merchant_ids: Vec<String>,
    /// The queried city when given, else the first of the document's cities.
    pub city: Option<String>,
    /// RFC 3339, in the writer's own offset.
    pub created_at: String,
    /// BM25 relevance; higher is better.
    pub score: f32,
    /// About `SNIPPET_CHARS` (120) characters around the matches, matched words marked
    /// 【like this】, `…` where the text was cut.
    pub snippet: String,
    /// Byte ranges in `snippet` of the matched words (marks excluded).
    pub highlights: Vec<(usize, usize)>,
}

/// Contents of [`META_FILE`].
#[derive(Debug, Serialize, Deserialize)]
struct IndexMeta {
    format: String,
    version: u32,
    tokenizer: String,
    /// The analyzer's extra words, sorted and deduplicated.
    extra_words: Vec<String>,
}

/// The search index of notes and reviews, in memory or in a folder.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    analyzer: Arc<Analyzer>,
    fields: Fields,
    dir: Option<PathBuf>,
    /// Texts its writers segmented ahead of tantivy's indexing thread.
    prepared: Arc<tokenizer::Prepared>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .field("num_docs", &self.num_docs())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// A new, empty index held in memory.
    pub fn create_in_ram(analyzer: Arc<Analyzer>) -> Result<Self> {
        let index = Index::create_in_ram(schema::build_schema());
        Self::from_index(index, analyzer, None)
    }

    /// Opens the index in `dir`, or creates one when `dir` is missing or empty.
    ///
    /// When the existing index was built with other extra words than `analyzer` keeps
    /// whole, the union of both is used from now on and persisted. Documents already
    /// indexed keep the tokens they were indexed with: a name added now (隐巷) was split
    /// in them (隐 / 巷), so it will only find them once they are upserted again — which
    /// feeding the whole corpus again does.
    pub fn open_or_create(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        match inspect_dir(dir)? {
            DirState::Missing | DirState::Empty => {
                std::fs::create_dir_all(dir).map_err(|source| InternalError::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
                Self::create_in(dir, analyzer)
            }
            DirState::Jingxuan(meta) => {
                let analyzer = merge_words(&meta, analyzer);
                if analyzer.extra_words() != meta.extra_words.as_slice() {
                    write_meta(dir, analyzer.extra_words())?;
                }
                if tantivy_index_exists(dir)? {
                    Self::open_tantivy(dir, analyzer)
                } else {
                    // Creation was interrupted after the meta file was written.
                    Self::create_in(dir, analyzer)
                }
            }
        }
    }

    /// Opens the index in `dir` with the analyzer it was built with.
    pub fn open(dir: &Path) -> Result<Self> {
        match inspect_dir(dir)? {
            DirState::Missing => Err(not_an_index(dir, "no such folder")),
            DirState::Empty => Err(not_an_index(dir, "the folder is empty")),
            DirState::Jingxuan(meta) => {
                if !tantivy_index_exists(dir)? {
                    return Err(not_an_index(
                        dir,
                        "its creation was interrupted; run `jingxuan index` again",
                    ));
                }
                let analyzer = Analyzer::builder().words(&meta.extra_words).build_shared();
                Self::open_tantivy(dir, analyzer)
            }
        }
    }

    fn create_in(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        // The meta file goes first so that a folder holding tantivy files is always
        // recognisable as ours.
        write_meta(dir, analyzer.extra_words())?;
        let index = Index::create_in_dir(dir, schema::build_schema())?;
        Self::from_index(index, analyzer, Some(dir.to_path_buf()))
    }

    fn open_tantivy(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self> {
        let index = Index::open_in_dir(dir)?;
        Self::from_index(index, analyzer, Some(dir.to_path_buf()))
    }

    fn from_index(index: Index, analyzer: Arc<Analyzer>, dir: Option<PathBuf>) -> Result<Self> {
        let fields = Fields::resolve(&index.schema()).map_err(|reason| match &dir {
            Some(d) => not_an_index(d, &reason),
            None => Error::Internal(InternalError::Invariant(reason)),
        })?;
        let prepared = Arc::new(tokenizer::Prepared::default());
        index.tokenizers().register(
            TOKENIZER_NAME,
            JiebaTokenizer::with_prepared(Arc::clone(&analyzer), Arc::clone(&prepared)),
        );
        // Manual reloads: a search right after an upsert must see it.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            analyzer,
            fields,
            dir,
            prepared,
        })
    }

    /// The analyzer documents are indexed and queries segmented with.
    pub fn analyzer(&self) -> &Arc<Analyzer> {
        &self.analyzer
    }

    /// The index folder, `None` for an index in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of searchable documents.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// A writer for this index. What it adds and deletes is invisible to searches (of this
    /// index, its views, and other processes) until [`IndexWriter::commit`]; dropping the
    /// writer without committing discards it all.
    ///
    /// One writer at a time: asking for a second while one lives is an error.
    ///
    /// ```
    /// use jingxuan::corpus::{self, LoadOptions};
    /// use jingxuan::index::{SearchIndex, SearchQuery};
    /// use jingxuan::Engine;
    ///
    /// let loaded = corpus::load("tests/cases/corpus/clean-full".as_ref(), &LoadOptions::default())?;
    /// let engine = Engine::for_corpus(&loaded.corpus)?;
    /// let analysis = engine.analyze(loaded.corpus, None);
    /// let index = SearchIndex::create_in_ram(engine.analyzer().clone())?;
    /// let mut writer = index.writer()?;
    /// let added = writer.add_analysis(&analysis)?;
    /// assert_eq!(index.num_docs(), 0); // not yet committed
    /// writer.commit()?;
    /// assert_eq!(index.num_docs(), added.notes + added.reviews);
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    ///
    /// Cost: cheap to open; adding is CPU-bound (every text segmented, about the price of
    /// reading it); a commit writes segments (I/O for an index in a folder) and waits for
    /// merges to finish.
    pub fn writer(&self) -> Result<IndexWriter<'_>> {
        let writer = self
            .index
            .writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BYTES)?;
        // Whatever a writer dropped without committing left queued (only once this is the
        // one writer: a refused second writer must not empty the live one's queue).
        self.prepared.clear();
        Ok(IndexWriter {
            index: self,
            writer,
            committed: self.reader.searcher(),
            stats: IndexStats::default(),
            added: Default::default(),
        })
    }

    /// The payload of the last commit: the store records there which of its generations
    /// the index holds.
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn commit_payload(&self) -> Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Makes later [`view`](Self::view)s see the latest commit (made by another process).
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    fn document(&self, input: DocInput<'_>) -> TantivyDocument {
        let f = &self.fields;
        let mut merchant_ids = input.merchant_ids;
        merchant_ids.sort();
        merchant_ids.dedup();
        let merchants: Vec<_> = merchant_ids
            .iter()
            .filter_map(|&id| input.corpus.merchants.get(id))
            .collect();
        let mut cities: BTreeSet<&str> = merchants.iter().map(|m| m.city.as_str()).collect();
        if cities.is_empty() {
            cities.extend(input.fallback_city.filter(|c| !c.trim().is_empty()));
        }
        let categories: BTreeSet<&str> = merchants.iter().map(|m| m.category.as_str()).collect();
        let prefixes: BTreeSet<String> = categories
            .iter()
            .flat_map(|c| category_prefixes(c))
            .collect();

        let mut doc = TantivyDocument::default();
        doc.add_text(f.doc_id, input.id);
        doc.add_text(f.kind, input.kind.as_str());
        for &id in &merchant_ids {
            doc.add_text(f.merchant_ids, id);
        }
        for city in cities {
            doc.add_text(f.city, city);
        }
        for category in categories {
            doc.add_text(f.category, category);
        }
        for prefix in prefixes {
            doc.add_text(f.category_prefix, prefix);
        }
        let secs = input.created_at.unix();
        doc.add_date(
            f.created_at,
            DateTime::from_timestamp_nanos(secs.saturating_mul(1_000_000_000)),
        );
        doc.add_text(f.created_at_text, input.created_at.to_rfc3339());
        doc.add_text(f.text, &input.text);
        doc
    }

    /// Notes and reviews matching `q`, best first, as of the last commit: see
    /// [`SearchView::search`].
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        self.view().search(q)
    }

    /// The index as of its last commit, to search while later updates run: a view keeps
    /// answering from the documents it was taken on.
    pub fn view(&self) -> SearchView {
        SearchView {
            searcher: self.reader.searcher(),
            analyzer: Arc::clone(&self.analyzer),
            fields: self.fields,
            text_tokens: Arc::new(std::sync::OnceLock::new()),
        }
    }
}

/// Adds and deletes documents of a [`SearchIndex`], which searches see only once
/// [`commit`](Self::commit)ted: tantivy's writer, keyed by note and review id. Made by
/// [`SearchIndex::writer`].
///
/// A document added under an id the index already holds replaces it (so a later batch of
/// edits can be fed to the same index); deleting and re-adding an id in one writer leaves
/// the new version. Dropped without a commit, the writer's changes are discarded.
pub struct IndexWriter<'a> {
    index: &'a SearchIndex,
    writer: TantivyWriter<TantivyDocument>,
    /// The index as of the last commit before this writer: what `delete` reports against.
    committed: tantivy::Searcher,
    stats: IndexStats,
    /// Hashes of the ids this writer added: an id neither here nor live in `committed`
    /// needs no delete before its add. Tantivy keeps every queued delete (a term query's
    /// weight) until the commit, which for a fresh index of 1M documents was about 1 GB
    /// of a build's peak memory for deletes that match nothing.
    added: std::collections::HashSet<u64>,
}

impl std::fmt::Debug for IndexWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter")
            .field("index", &self.index)
            .field("pending", &self.stats)
            .finish_non_exhaustive()
    }
}

impl IndexWriter<'_> {
    /// Adds (or replaces, by id) every note and review `analysis` read — those dated up to
    /// its instant. A note's merchants are its POI tags or, when it has none, those the
    /// analysis linked from its text; its cities are those merchants' cities, else its IP
    /// city. Returns what this call added.
    ///
    /// The index segments with its own analyzer: give it the analysis's
    /// ([`Analysis::analyzer`]) so that merchant names are kept whole in both.
    pub fn add_analysis(&mut self, analysis: &Analysis) -> Result<IndexStats> {
        self.add_docs(analysis.corpus(), analysis.links(), &|_| true)
    }

    /// Adds (or replaces, by id) every note and review of `corpus`, linking untagged notes
    /// to the merchants their text names as an analysis would. For search-only tools: it
    /// skips reading opinions, trust and scoring; with an [`Analysis`] at hand, use
    /// [`add_analysis`](Self::add_analysis).
    ///
    /// `corpus` must hold the merchants its notes and reviews refer to (a loaded corpus
    /// does): their cities and categories are copied into the documents.
    pub fn add_corpus(&mut self, corpus: &Corpus) -> Result<IndexStats> {
        let links = NoteLinks::build(corpus);
        self.add_docs(corpus, &links, &|_| true)
    }

    /// Analyses `corpus` with `engine` as of `as_of` (as [`Engine::analyze`] does) and,
    /// at the same time, adds (or replaces) its notes and reviews here: what
    /// [`Engine::analyze`] followed by [`add_analysis`](Self::add_analysis) would give,
    /// the same analysis and the same documents, in less wall time.
    ///
    /// Each text is segmented once, for both: the analysis hands the tokens it made of
    /// each note and review here, and a chunk of documents is added while the analysis
    /// reads the next (segmenting is the largest cost of either; a 1M-document corpus on
    /// two cores: see `benches/README.md`). Tantivy indexes on its own thread beside the
    /// analysis; the rest runs on the current rayon pool. The writer links untagged notes
    /// itself (as [`add_corpus`](Self::add_corpus) does, the same links the analysis
    /// makes). With an analyzer of other words than the index's, the two run side by side
    /// (`rayon::join`), each segmenting for itself.
    ///
    /// ```
    /// use jingxuan::corpus::{self, LoadOptions};
    /// use jingxuan::index::SearchIndex;
    /// use jingxuan::Engine;
    ///
    /// let loaded = corpus::load("tests/cases/corpus/clean-full".as_ref(), &LoadOptions::default())?;
    /// let engine = Engine::for_corpus(&loaded.corpus)?;
    /// let index = SearchIndex::create_in_ram(engine.analyzer().clone())?;
    /// let mut writer = index.writer()?;
    /// let (analysis, added) = writer.analyze_and_add(&engine, loaded.corpus, None)?;
    /// writer.commit()?;
    /// assert_eq!(index.num_docs(), added.notes + added.reviews);
    /// assert_eq!(analysis.corpus().notes.len() as u64, added.notes);
    /// # Ok::<(), jingxuan::Error>(())
    /// ```
    pub fn analyze_and_add(
        &mut self,
        engine: &Engine,
        corpus: impl Into<Arc<Corpus>>,
        as_of: Option<Timestamp>,
    ) -> Result<(Analysis, IndexStats)> {
        let corpus: Arc<Corpus> = corpus.into();
        // The world as of the analysis's instant, cut here once so that the index holds
        // exactly the documents the analysis reads (the analysis then finds nothing later
        // to cut).
        let (corpus, as_of) = Corpus::world_at(corpus, as_of);
        if engine.analyzer().extra_words() != self.index.analyzer.extra_words() {
            // Other words segment otherwise: the index segments its texts itself.
            let (analysis, added) = rayon::join(
                || engine.analyze(Arc::clone(&corpus), Some(as_of)),
                || self.add_corpus(&corpus),
            );
            return Ok((analysis, added?));
        }
        // The extraction hands each text's tokens here as it reads them: every text is
        // segmented once, for both. A document whose tokens did not come (none should)
        // is segmented here as `add_corpus` would, so the index is the same either way.
        let links = NoteLinks::build(&corpus);
        let feed = Feed {
            made: std::sync::Mutex::new(Vec::new()),
            adding: std::sync::Mutex::new(Adding {
                writer: self,
                inputs: doc_inputs(&corpus, &links),
                fed: 0,
                stats: IndexStats::default(),
                failed: None,
            }),
        };
        // The analysis takes a copy of the links the index reads, not a second build
        // (copying them costs a fraction of finding merchant names in every note again).
        let analysis = engine.analyze_linked(
            Arc::clone(&corpus),
            as_of,
            links.clone(),
            &crate::evidence::extract::Earlier::none(),
            None,
            None,
            Some(&feed),
        );
        let made = feed.take_made(usize::MAX);
        let mut adding = feed.adding.into_inner().unwrap_or_else(|e| e.into_inner());
        adding.add_up_to(None, made);
        let Adding {
            writer,
            stats,
            failed,
            ..
        } = adding;
        if let Some(e) = failed {
            return Err(e);
        }
        writer.stats.notes += stats.notes;
        writer.stats.reviews += stats.reviews;
        Ok((analysis, stats))
    }

    /// Deletes the document with this id at the next commit. Returns whether the index
    /// held it as of its last commit (an unknown id is not an error).
    pub fn delete(&mut self, doc_id: &str) -> Result<bool> {
        let term = Term::from_field_text(self.index.fields.doc_id, doc_id);
        let held = live_doc_freq(&self.committed, &term)? > 0;
        self.writer.delete_term(term);
        Ok(held)
    }

    /// Documents added or replaced since this writer was made.
    pub fn pending(&self) -> IndexStats {
        self.stats
    }

    /// Makes every change of this writer searchable, at once: the index and the views
    /// taken from now on see all of them, views taken before see none.
    pub fn commit(self) -> Result<()> {
        self.commit_with(None)
    }

    /// [`commit`](Self::commit) recording `payload` (the store's generation).
    #[cfg_attr(not(feature = "store"), allow(dead_code))] // only the store uses it
    pub(crate) fn commit_with_payload(self, payload: &str) -> Result<()> {
        self.commit_with(Some(payload))
    }

    fn commit_with(mut self, payload: Option<&str>) -> Result<()> {
        let mut prepared = self.writer.prepare_commit()?;
        if let Some(p) = payload {
            prepared.set_payload(p);
        }
        prepared.commit()?;
        // Waiting for merges leaves no merge running behind the commit (its files and
        // memory are done with when this returns); answers never depended on them.
        self.writer.wait_merging_threads()?;
        self.index.prepared.clear();
        self.index.reader.reload()?;
        Ok(())
    }

    /// Adds the documents of `corpus` whose id `upsert` accepts, replacing any with the
    /// same id. (The store passes the ids whose indexed form changed.)
    pub(crate) fn add_docs(
        &mut self,
        corpus: &Corpus,
        links: &NoteLinks,
        upsert: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<IndexStats> {
        let mut stats = IndexStats::default();
        // tantivy indexes on one thread (see `WRITER_THREADS`); the documents, and the
        // segmenting of their texts, are made here in parallel a chunk at a time and
        // handed over in id order, so the documents are the same as made on one thread.
        let mut inputs = doc_inputs_where(corpus, links, |id| upsert(id));
        loop {
            let chunk: Vec<(DocInput<'_>, Option<Vec<Token>>)> = inputs
                .by_ref()
                .take(PREPARE_CHUNK)
                .map(|d| (d, None))
                .collect();
            if chunk.is_empty() {
                break;
            }
            self.add_chunk(chunk, &mut stats)?;
        }
        self.stats.notes += stats.notes;
        self.stats.reviews += stats.reviews;
        Ok(stats)
    }

    /// Adds one chunk of documents in order, each with the analyzer's tokens of its text
    /// when already made (else segmented here, in parallel).
    fn add_chunk(
        &mut self,
        chunk: Vec<(DocInput<'_>, Option<Vec<Token>>)>,
        stats: &mut IndexStats,
    ) -> Result<()> {
        let index = self.index;
        let ready: Vec<_> = chunk
            .into_par_iter()
            .map(|(input, made)| {
                let tokens = (!input.text.is_empty()).then(|| match made {
                    Some(made) => tokenizer::in_index_order(made),
                    None => tokenizer::tokens(&index.analyzer, &input.text),
                });
                let text = tokens.as_ref().map(|_| input.text.to_string());
                let (id, kind) = (input.id, input.kind);
                (id, kind, text, tokens, index.document(input))
            })
            .collect();
        for (id, kind, text, tokens, doc) in ready {
            match kind {
                DocKind::Note => stats.notes += 1,
                DocKind::Review => stats.reviews += 1,
            }
            if let (Some(text), Some(tokens)) = (text, tokens) {
                index.prepared.put(text, tokens);
            }
            let term = Term::from_field_text(index.fields.doc_id, id);
            // A hash collision only costs a needless delete, never a missed one.
            let again = !self.added.insert(crate::text::hash::fnv1a(id.bytes()));
            if again || live_doc_freq(&self.committed, &term)? > 0 {
                self.writer.delete_term(term);
            }
            self.writer.add_document(doc)?;
        }
        Ok(())
    }
}

/// The index's side of [`IndexWriter::analyze_and_add`]: takes the tokens the analysis's
/// extraction made of each text and adds each chunk of documents once it is read (while
/// the next is), so that no text is segmented twice and only a chunk or two of tokens
/// wait here.
struct Feed<'c, 'w, 'i, I: Iterator<Item = DocInput<'c>>> {
    /// Tokens put and not yet added, by document ordinal.
    made: std::sync::Mutex<Vec<(usize, Vec<Token>)>>,
    adding: std::sync::Mutex<Adding<'c, 'w, 'i, I>>,
}

struct Adding<'c, 'w, 'i, I: Iterator<Item = DocInput<'c>>> {
    writer: &'w mut IndexWriter<'i>,
    /// The documents still to add, in the order the extraction reads them.
    inputs: I,
    /// Documents handed to the writer so far (the extraction's next ordinal).
    fed: usize,
    stats: IndexStats,
    /// The first error met; nothing more is added after it.
    failed: Option<Error>,
}

impl<'c, I: Iterator<Item = DocInput<'c>>> Adding<'c, '_, '_, I> {
    /// Adds the documents before `end` (all of the rest with `None`), with the tokens
    /// made for them (sorted by ordinal).
    fn add_up_to(&mut self, end: Option<usize>, made: Vec<(usize, Vec<Token>)>) {
        if self.failed.is_some() {
            return;
        }
        let mut made = made.into_iter().peekable();
        let mut chunk = Vec::new();
        while end.is_none_or(|end| self.fed < end) {
            let Some(input) = self.inputs.next() else {
                break;
            };
            let k = self.fed;
            self.fed += 1;
            while made.next_if(|(j, _)| *j < k).is_some() {}
            let tokens = made.next_if(|(j, _)| *j == k).map(|(_, t)| t);
            chunk.push((input, tokens));
            if chunk.len() == PREPARE_CHUNK {
                if let Err(e) = self
                    .writer
                    .add_chunk(std::mem::take(&mut chunk), &mut self.stats)
                {
                    self.failed = Some(e);
                    return;
                }
            }
        }
        if !chunk.is_empty() {
            if let Err(e) = self.writer.add_chunk(chunk, &mut self.stats) {
                self.failed = Some(e);
            }
        }
    }
}

impl<'c, I: Iterator<Item = DocInput<'c>>> Feed<'c, '_, '_, I> {
    /// The tokens put for documents before `end`, in ordinal order; later ones stay.
    fn take_made(&self, end: usize) -> Vec<(usize, Vec<Token>)> {
        let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        let (mut now, later): (Vec<_>, Vec<_>) = made.drain(..).partition(|(k, _)| *k < end);
        *made = later;
        drop(made);
        now.sort_unstable_by_key(|(k, _)| *k);
        now
    }
}

impl<'c, I: Iterator<Item = DocInput<'c>> + Send> TokenTap for Feed<'c, '_, '_, I> {
    fn put(&self, k: usize, _text: &str, tokens: Vec<Token>) {
        if let Ok(mut made) = self.made.lock() {
            made.push((k, tokens));
        }
    }

    fn read_up_to(&self, end: usize) {
        let made = self.take_made(end);
        if let Ok(mut adding) = self.adding.lock() {
            adding.add_up_to(Some(end), made);
        }
    }
}

/// A fixed point-in-time view of a [`SearchIndex`]: cheap to clone, safe to share, and
/// unchanged by later commits.
#[derive(Clone)]
pub struct SearchView {
    searcher: tantivy::Searcher,
    analyzer: Arc<Analyzer>,
    fields: Fields,
    /// The text field's token total over live documents (see [`LiveStats`]), computed on
    /// first use.
    text_tokens: Arc<std::sync::OnceLock<u64>>,
}

impl std::fmt::Debug for SearchView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchView")
            .field("num_docs", &self.num_docs())
            .finish_non_exhaustive()
    }
}

impl SearchView {
    /// Number of searchable documents in this view.
    pub fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Notes and reviews matching `q`, best first; ties are broken by document id.
    ///
    /// The documents that match the query (every word group, in the one sense of
    /// [`text::query`](crate::text::query)), ranked by BM25, a sub-word counting for
    /// `SUB_WORD_WEIGHT` (0.5) of its word. Two rules for recall: a group no document
    /// holds is left out (it could only empty the answer), and when no document holds
    /// all the remaining groups, documents holding more of them come first. A strict AND
    /// alone would answer nothing to a query with one rare or misspelt word, and an OR
    /// alone would rank a document with one frequent word above one with all.
    ///
    /// Cost: cheap (one tantivy query, milliseconds).
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<SearchHit>> {
        q.validate()?;
        let groups = word_groups(&self.analyzer, &q.text);
        if groups.is_empty() {
            return Err(invalid_query(
                "the query has no words to search for (only spaces or punctuation)",
            ));
        }
        let filters = self.filters(q);
        let searcher = &self.searcher;

        let mut present = Vec::with_capacity(groups.len());
        for g in &groups {
            if self.occurs(searcher, g)? {
                present.push(g.clone());
            }
        }
        let mut scored = Vec::new();
        if !present.is_empty() {
            let query = self.build_query(&present, Occur::Must, &filters);
            scored = self.top_docs(searcher, &*query, q.limit)?;
            if scored.is_empty() && present.len() > 1 {
                let query = self.build_query(&present, Occur::Should, &filters);
                scored = self.top_docs(searcher, &*query, q.limit)?;
            }
        }

        let terms: BTreeMap<String, usize> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.terms().map(move |t| (t.to_string(), i)))
            .collect();
        scored
            .into_iter()
            .map(|(score, doc_id, doc)| self.hit(score, doc_id, &doc, q, &terms))
            .collect()
    }

    /// Whether any document holds any term of `group`.
    fn occurs(&self, searcher: &tantivy::Searcher, group: &WordGroup) -> Result<bool> {
        for t in group.terms() {
            if live_doc_freq(searcher, &Term::from_field_text(self.fields.text, t))? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Filter clauses; they score 0 so that only the words decide the ranking.
    fn filters(&self, q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut filters: Vec<(tantivy::schema::Field, String)> = Vec::new();
        if let Some(city) = q.city.as_deref().map(str::trim) {
            filters.push((f.city, city.to_string()));
        }
        if let Some(category) = q.category.as_deref() {
            filters.push((
                f.category_prefix,
                category.trim().trim_matches('/').to_string(),
            ));
        }
        if let Some(kind) = q.kind {
            filters.push((f.kind, kind.as_str().to_string()));
        }
        filters
            .into_iter()
            .map(|(field, value)| {
                let term = TermQuery::new(
                    Term::from_field_text(field, &value),
                    IndexRecordOption::Basic,
                );
                Box::new(ConstScoreQuery::new(Box::new(term), 0.0)) as Box<dyn Query>
            })
            .collect()
    }

    fn build_query(
        &self,
        groups: &[WordGroup],
        mode: Occur,
        filters: &[Box<dyn Query>],
    ) -> Box<dyn Query> {
        let words: Vec<(Occur, Box<dyn Query>)> =
            groups.iter().map(|g| (mode, self.group_query(g))).collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Should clauses beside Must filters would become optional: nest them so that at
        // least one word has to match.
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(words))));
        clauses.extend(filters.iter().map(|q| (Occur::Must, q.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    }

    fn group_query(&self, group: &WordGroup) -> Box<dyn Query> {
        let term_query = |t: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.text, t),
                IndexRecordOption::WithFreqs,
            ))
        };
        if group.sub_words.is_empty() {
            return term_query(&group.word);
        }
        let mut disjuncts = vec![term_query(&group.word)];
        disjuncts.extend(
            group.sub_words.iter().map(|t| {
                Box::new(BoostQuery::new(term_query(t), SUB_WORD_WEIGHT)) as Box<dyn Query>
            }),
        );
        // The best of the word and its sub-words, not their sum: a text saying 鸡尾酒
        // also holds the sub-word 鸡尾 and must not count one word twice against texts
        // matching two different words of the query.
        Box::new(DisjunctionMaxQuery::new(disjuncts))
    }

    /// The best `limit` documents by score, then id. Collects past `limit` while scores tie
    /// at the cut, so that which of equally scored documents make it never depends on
    /// their order inside the index.
    fn top_docs(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        limit: usize,
    ) -> Result<Vec<(f32, String, TantivyDocument)>> {
        // Never ask the collector for more than there are documents: its buffer is sized
        // by the number asked for.
        let all = usize::try_from(searcher.num_docs())
            .unwrap_or(usize::MAX)
            .max(1);
        let mut fetch = limit.min(all);
        let top: Vec<(f32, DocAddress)> = loop {
            let top = searcher.search_with_statistics_provider(
                query,
                &TopDocs::with_limit(fetch).order_by_score(),
                &LiveStats { view: self },
            )?;
            let tied_at_cut = fetch < all
                && top.len() == fetch
                && top.get(limit - 1).map(|t| t.0) == top.last().map(|t| t.0);
            if !tied_at_cut {
                break top;
            }
            fetch = fetch.saturating_mul(2).min(all);
        };
        let mut docs = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = first_str(&doc, self.fields.doc_id).unwrap_or_default();
            docs.push((score, id, doc));
        }
        docs.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        docs.truncate(limit);
        Ok(docs)
    }

    fn hit(
        &self,
        score: f32,
        doc_id: String,
        doc: &TantivyDocument,
        q: &SearchQuery,
        terms: &BTreeMap<String, usize>,
    ) -> Result<SearchHit> {
        let f = &self.fields;
        let kind_str = first_str(doc, f.kind).unwrap_or_default();
        let kind = parse_kind(&kind_str).ok_or_else(|| {
            InternalError::Invariant(format!("document {doc_id:?} has kind {kind_str:?}"))
        })?;
        let cities = all_str(doc, f.city);
        let city = match q.city.as_deref().map(str::trim) {
            Some(c) if cities.iter().any(|x| x == c) => Some(c.to_string()),
            _ => cities.into_iter().next(),
        };
        let text = first_str(doc, f.text).unwrap_or_default();
        let snippet = snippet::make_snippet(&self.analyzer, &text, terms, SNIPPET_CHARS);
        Ok(SearchHit {
            doc_id,
            kind,
            merchant_ids: all_str(doc, f.merchant_ids),
            city,
            created_at: first_str(doc, f.created_at_text).unwrap_or_default(),
            score,
            snippet: snippet.text,
            highlights: snippet.highlights,
        })
    }
}

/// BM25 statistics over live documents only, computed the same way whatever the history
/// of the segments: the token total from each live document's field norm, document
/// frequencies counting live documents. An index updated in place (where deleted documents
/// linger in segments until merged, and merges estimate token totals) then ranks exactly
/// like one built afresh from the same documents.
struct LiveStats<'a> {
    view: &'a SearchView,
}

impl tantivy::query::Bm25StatisticsProvider for LiveStats<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        if field == self.view.fields.text {
            if let Some(n) = self.view.text_tokens.get() {
                return Ok(*n);
            }
            let n = live_num_tokens(&self.view.searcher, field)?;
            return Ok(*self.view.text_tokens.get_or_init(|| n));
        }
        live_num_tokens(&self.view.searcher, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.view.searcher.num_docs())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        live_doc_freq(&self.view.searcher, term)
    }
}

fn live_num_tokens(
    searcher: &tantivy::Searcher,
    field: tantivy::schema::Field,
) -> tantivy::Result<u64> {
    let mut total = 0u64;
    for reader in searcher.segment_readers() {
        let Some(norms) = reader.fieldnorms_readers().get_field(field)? else {
            continue;
        };
        total += reader
            .doc_ids_alive()
            .map(|d| u64::from(norms.fieldnorm(d)))
            .sum::<u64>();
    }
    Ok(total)
}

fn live_doc_freq(searcher: &tantivy::Searcher, term: &Term) -> tantivy::Result<u64> {
    use tantivy::{DocSet, TERMINATED};
    let mut n = 0u64;
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(term.field())?;
        let Some(alive) = reader.alive_bitset() else {
            n += u64::from(inverted.doc_freq(term)?);
            continue;
        };
        if let Some(mut postings) = inverted.read_postings(term, IndexRecordOption::Basic)? {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                n += u64::from(alive.is_alive(doc));
                doc = postings.advance();
            }
        }
    }
    Ok(n)
}

/// What a document is built from.
struct DocInput<'a> {
    id: &'a str,
    kind: DocKind,
    merchant_ids: Vec<&'a str>,
    fallback_city: Option<&'a str>,
    created_at: crate::corpus::Timestamp,
    text: std::borrow::Cow<'a, str>,
    corpus: &'a Corpus,
}

/// What the index holds of each note and review of `corpus`, in id order (notes first).
///
/// A note's merchants are its POI tags or, when it has none, the merchants `links` found
/// in its text.
fn doc_inputs<'a>(corpus: &'a Corpus, links: &'a NoteLinks) -> impl Iterator<Item = DocInput<'a>> {
    doc_inputs_where(corpus, links, |_| true)
}

/// [`doc_inputs`] of the documents whose id `keep` accepts, asked before anything is built:
/// an update's upserts are a few thousand of a million documents, and a note's input
/// assembles its text.
fn doc_inputs_where<'a>(
    corpus: &'a Corpus,
    links: &'a NoteLinks,
    keep: impl Fn(&str) -> bool + Copy + 'a,
) -> impl Iterator<Item = DocInput<'a>> {
    let notes = corpus
        .notes
        .values()
        .filter(move |note| keep(&note.id))
        .map(move |note| note_input(corpus, links, note));
    let reviews = corpus
        .reviews
        .values()
        .filter(move |review| keep(&review.id))
        .map(move |review| review_input(corpus, review));
    notes.chain(reviews)
}

fn note_input<'a>(
    corpus: &'a Corpus,
    links: &'a NoteLinks,
    note: &'a crate::corpus::Note,
) -> DocInput<'a> {
    DocInput {
        id: &note.id,
        kind: DocKind::Note,
        merchant_ids: if note.merchant_ids.is_empty() {
            links.merchants_of(&note.id)
        } else {
            &note.merchant_ids
        }
        .iter()
        .map(CompactString::as_str)
        .collect(),
        fallback_city: note.ip_city.as_deref(),
        created_at: note.created_at,
        text: note.text().into(),
        corpus,
    }
}

fn review_input<'a>(corpus: &'a Corpus, review: &'a crate::corpus::Review) -> DocInput<'a> {
    DocInput {
        id: &review.id,
        kind: DocKind::Review,
        merchant_ids: vec![review.merchant_id.as_str()],
        fallback_city: None,
        created_at: review.created_at,
        text: std::borrow::Cow::Borrowed(&review.text),
        corpus,
    }
}

/// `美食/火锅/重庆火锅` → `美食`, `美食/火锅`, `美食/火锅/重庆火锅`.
fn category_prefixes(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prefix = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(segment);
        out.push(prefix.clone());
    }
    out
}

fn first_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn all_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn invalid_query(reason: &str) -> Error {
    Error::User(UserError::InvalidArgument {
        what: "search query".to_string(),
        reason: reason.to_string(),
    })
}

fn not_an_index(dir: &Path, reason: &str) -> Error {
    Error::User(UserError::NotAnIndex {
        path: dir.to_path_buf(),
        reason: reason.to_string(),
    })
}

enum DirState {
    Missing,
    Empty,
    Jingxuan(IndexMeta),
}

/// What `dir` holds; anything but nothing or a jingxuan index is an error.
fn inspect_dir(dir: &Path) -> Result<DirState> {
    let unreadable = |source| UserError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DirState::Missing),
        Err(_) if !dir.is_dir() => return Err(not_an_index(dir, "not a folder")),
        Err(e) => return Err(unreadable(e).into()),
    };
    let meta_path = dir.join(META_FILE);
    if !meta_path.exists() {
        let mut entries = entries;
        return match entries.next() {
            None => Ok(DirState::Empty),
            Some(_) => Err(not_an_index(
                dir,
                &format!("the folder is not empty and has no {META_FILE}"),
            )),
        };
    }
    let raw = std::fs::read_to_string(&meta_path).map_err(unreadable)?;
    let meta: IndexMeta = serde_json::from_str(&raw)
        .map_err(|e| not_an_index(dir, &format!("{META_FILE} is unreadable: {e}")))?;
    if meta.format != FORMAT_NAME {
        return Err(not_an_index(
            dir,
            &format!("{META_FILE} has format {:?}", meta.format),
        ));
    }
    if meta.version != FORMAT_VERSION || meta.tokenizer != TOKENIZER_NAME {
        return Err(not_an_index(
            dir,
            &format!(
                "it was written in format version {} (tokenizer {:?}); this build reads version {FORMAT_VERSION}: rebuild it with `jingxuan index`",
                meta.version, meta.tokenizer
            ),
        ));
    }
    Ok(DirState::Jingxuan(meta))
}

fn tantivy_index_exists(dir: &Path) -> Result<bool> {
    let directory = tantivy::directory::MmapDirectory::open(dir)
        .map_err(|e| Error::Internal(InternalError::Index(e.into())))?;
    Index::exists(&directory).map_err(|e| Error::Internal(InternalError::Index(e.into())))
}

/// `analyzer` itself when it already keeps every word the index was built with, else a
/// new analyzer keeping the union.
fn merge_words(meta: &IndexMeta, analyzer: Arc<Analyzer>) -> Arc<Analyzer> {
    let have: BTreeSet<&String> = analyzer.extra_words().iter().collect();
    if meta.extra_words.iter().all(|w| have.contains(w)) {
        return analyzer;
    }
    Analyzer::builder()
        .words(analyzer.extra_words())
        .words(&meta.extra_words)
        .build_shared()
}

/// Writes the meta file through a temporary file and a rename, so that a crash never
/// leaves half a file.
fn write_meta(dir: &Path, extra_words: &[String]) -> Result<()> {
    let meta = IndexMeta {
        format: FORMAT_NAME.to_string(),
        version: FORMAT_VERSION,
        tokenizer: TOKENIZER_NAME.to_string(),
        extra_words: extra_words.to_vec(),
    };
    let json = serde_json::to_string_pretty(&meta)
        .map_err(|e| InternalError::Invariant(format!("cannot encode {META_FILE}: {e}")))?;
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let write_err = |source| InternalError::Write {
        path: path.clone(),
        source,
    };
    std::fs::write(&tmp, json).map_err(write_err)?;
    std::fs::rename(&tmp, &path).map_err(write_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_prefixes_cover_every_level() {
        assert_eq!(
            category_prefixes("美食/火锅/重庆火锅"),
            vec!["美食", "美食/火锅", "美食/火锅/重庆火锅"]
        );
        assert_eq!(category_prefixes("饮品"), vec!["饮品"]);
        assert!(category_prefixes("").is_empty());
    }

    #[test]
    fn punctuation_only_query_is_a_user_error() {
        let index = SearchIndex::create_in_ram(Analyzer::builder().build_shared()).unwrap();
        for text in ["", "   ", "！？。，", "..."] {
            let q = SearchQuery {
                text: text.to_string(),
                ..SearchQuery::default()
            };
            let err = index.search(&q).unwrap_err();
            assert!(err.is_user_error(), "{text:?}: {err}");
        }
    }

    #[test]
    fn zero_limit_is_a_user_error() {
        let index = SearchIndex::create_in_ram(Analyzer::builder().build_shared()).unwrap();
        let q = SearchQuery {
            text: "火锅".to_string(),
            limit: 0,
            ..SearchQuery::default()
        };
        assert!(index.search(&q).unwrap_err().is_user_error());
    }

    #[test]
    fn huge_limits_and_texts_are_user_errors() {
        let index = SearchIndex::create_in_ram(Analyzer::builder().build_shared()).unwrap();
        for limit in [SearchQuery::MAX_LIMIT + 1, usize::MAX] {
            let q = SearchQuery {
                text: "火锅".to_string(),
                limit,
                ..SearchQuery::default()
            };
            let e = index.search(&q).unwrap_err();
            assert!(e.is_user_error() && e.to_string().contains("limit"), "{e}");
        }
        let q = SearchQuery {
            text: "火锅".repeat(SearchQuery::MAX_TEXT_CHARS),
            ..SearchQuery::default()
        };
        assert!(index.search(&q).unwrap_err().is_user_error());
        let q = SearchQuery {
            text: "火锅".to_string(),
            limit: SearchQuery::MAX_LIMIT,
            ..SearchQuery::default()
        };
        assert!(index.search(&q).unwrap().is_empty());
    }
}
