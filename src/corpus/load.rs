//! Streaming the corpus files into a [`Corpus`]: line reading with a byte cap, edits and
//! tombstones, strict and lenient modes, and the per-file accounting of [`FileReport`].
//! Lines are parsed and validated in parallel chunks and applied in line order, so the
//! result and its report do not depend on the number of threads.
//!
//! Every line read is counted exactly once:
//! `lines == blank + accepted + replaced + deleted + Σ skipped`.
//!
//! - `accepted`: a valid record whose id was not live (new); every valid visit and
//!   curation decision (they have no id).
//! - `replaced`: a valid record whose id was live (an edit; the new version wins whole).
//! - `deleted`: a valid tombstone (`"deleted": true` with an `id`). A tombstone for an id
//!   that is not live is a no-op, still counted here, and reported as a warning: it may
//!   delete something from a batch this engine never saw.
//! - `skipped`: an invalid line, counted under the kind of its first problem.
//!
//! A merchant whose `commercial` value is malformed (not an object, or past the caps) is
//! still valid: the value is ignored, the line counts as `accepted` or `replaced`, and a
//! warning names it (`merchants.jsonl:LINE: commercial: reason`); `commercial_ignored`
//! counts such lines. Money data must not decide which merchants exist. Only a line that
//! is not a JSON object at all (or is past `max_line_bytes`) is skipped whatever field
//! made it so, since nothing of it can be read.
//!
//! An author id absent from `authors.jsonl` is not a problem: the contract calls it an
//! *unknown account*. Each distinct one gives one warning.
//!
//! Visits and curation decisions have no id: each valid line is a new record, and a
//! `deleted` field on them is ignored like any field outside the contract.
//!
//! Deleting a merchant does not cascade: reviews, visits and decisions already loaded for
//! it stay; records that come later and name it are problems (unknown merchant).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use compact_str::CompactString;
use rustc_hash::FxHashSet;
use serde::Serialize;

use super::json::Val;
use super::records::{Author, CurationDecision, Merchant, Note, Origin, Review, Visit};
use super::validate::{self, kind, Fields, Issue, Known, Limits};
use super::{CommercialBook, Corpus};
use crate::error::{Error, Problem, Result, UserError};

/// The corpus files, in the order they are loaded (references point backwards).
pub const FILES: [&str; 6] = [
    "merchants.jsonl",
    "authors.jsonl",
    "notes.jsonl",
    "reviews.jsonl",
    "visits.jsonl",
    "curation.jsonl",
];

/// What to do with a record that breaks the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Fail on the first file with problems, listing them all.
    #[default]
    Strict,
    /// Skip bad records, count them per reason kind, and go on.
    Lenient,
}

/// How to load a corpus.
///
/// The `max_*` caps bound what one hostile line can make the engine hold or analyse. A
/// record past a cap is a problem of its line (`file:line: field: reason`, the reason
/// naming the limit and the option that raises it), like any other broken record: strict
/// mode fails, lenient mode skips it and counts it under `line-too-long`, `too-long` or
/// `too-many`. The defaults are far above anything real (a 种草 note is at most a thousand
/// characters; a note tagging a hundred shops is spam).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Strict or lenient.
    pub mode: Mode,
    /// Problems kept per file (all are counted).
    pub max_problems: usize,
    /// Longest line accepted, in bytes, line ending excluded; a longer line is a problem
    /// and is never held whole (at most this many bytes of it are buffered). Parsing one
    /// accepted line takes memory of the order of ten times its length. Default 16 MiB.
    pub max_line_bytes: usize,
    /// Warnings kept (all are counted).
    pub max_warnings: usize,
    /// Longest free text accepted, in chars: a note's `title` and `body`, a review's
    /// `text`, a curation `reason`. Default 100,000.
    pub max_text_chars: usize,
    /// Longest other string accepted, in chars: ids, names, cities, categories, and each
    /// entry of `tags`, `merchant_ids` and `aliases`. Default 1,000.
    pub max_field_chars: usize,
    /// Most `tags` on one note. Default 1,000.
    pub max_tags: usize,
    /// Most `merchant_ids` on one note. Default 100.
    pub max_merchant_ids: usize,
    /// Most `aliases` of one merchant. Default 100.
    pub max_aliases: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Strict,
            max_problems: 100,
            max_line_bytes: 16 * 1024 * 1024,
            max_warnings: 100,
            max_text_chars: 100_000,
            max_field_chars: 1_000,
            max_tags: 1_000,
            max_merchant_ids: 100,
            max_aliases: 100,
        }
    }
}

impl LoadOptions {
    /// The largest `max_line_bytes`: parsing a line takes memory of the order of ten times
    /// its length, so one line past a gibibyte is never worth holding.
    pub const MAX_LINE_BYTES: usize = 1 << 30;
    /// The largest `max_text_chars` and `max_field_chars`.
    pub const MAX_CHARS: usize = 100_000_000;
    /// The largest `max_tags`, `max_merchant_ids`, `max_aliases`, `max_problems` and
    /// `max_warnings`.
    pub const MAX_COUNT: usize = 1_000_000;

    /// Checks every cap's range (0 is allowed everywhere: it refuses every non-empty
    /// value, or keeps no problem or warning while still counting them all). Every loading
    /// function calls it first; a cap out of range is a [`UserError::InvalidArgument`]
    /// naming the option.
    pub fn validate(&self) -> Result<()> {
        let caps = [
            ("max_line_bytes", self.max_line_bytes, Self::MAX_LINE_BYTES),
            ("max_text_chars", self.max_text_chars, Self::MAX_CHARS),
            ("max_field_chars", self.max_field_chars, Self::MAX_CHARS),
            ("max_tags", self.max_tags, Self::MAX_COUNT),
            ("max_merchant_ids", self.max_merchant_ids, Self::MAX_COUNT),
            ("max_aliases", self.max_aliases, Self::MAX_COUNT),
            ("max_problems", self.max_problems, Self::MAX_COUNT),
            ("max_warnings", self.max_warnings, Self::MAX_COUNT),
        ];
        for (name, v, max) in caps {
            if v > max {
                return Err(UserError::InvalidArgument {
                    what: format!("LoadOptions::{name}"),
                    reason: format!("must be 0 to {max}, got {v}"),
                }
                .into());
            }
        }
        Ok(())
    }

    fn limits(&self) -> Limits {
        Limits {
            text_chars: self.max_text_chars,
            field_chars: self.max_field_chars,
            tags: self.max_tags,
            merchant_ids: self.max_merchant_ids,
            aliases: self.max_aliases,
        }
    }
}

/// A loaded corpus, its commercial terms (kept apart), and how the lines were accounted.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The validated records.
    pub corpus: Corpus,
    /// Merchants' commercial terms, kept apart from the corpus so that scoring never sees them.
    pub commercial: CommercialBook,
    /// The report of the last batch applied.
    pub report: LoadReport,
}

/// What happened to every line of one batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    /// One per file of [`FILES`], in that order.
    pub files: Vec<FileReport>,
    /// The first warnings (capped by [`LoadOptions::max_warnings`]).
    pub warnings: Vec<String>,
    /// All warnings.
    pub warning_count: u64,
}

impl LoadReport {
    /// True when no line of any file had a problem (warnings do not count).
    pub fn is_clean(&self) -> bool {
        self.files.iter().all(|f| f.problem_count == 0)
    }
}

/// What happened to every line of one file; see the module docs for the categories.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    /// The file's name, e.g. `notes.jsonl`.
    pub file: &'static str,
    /// False when the file does not exist (all counts are then 0).
    pub present: bool,
    /// Lines read.
    pub lines: u64,
    /// Blank lines (allowed, skipped).
    pub blank: u64,
    /// Records accepted whose id was new.
    pub accepted: u64,
    /// Records accepted that replaced an earlier one with the same id (edits).
    pub replaced: u64,
    /// Tombstones (`"deleted": true`) that removed a record.
    pub deleted: u64,
    /// Invalid lines per reason kind of their first problem: `invalid-utf8`,
    /// `line-too-long`, `invalid-json` (nesting deeper than 128 included), `not-an-object`,
    /// `missing-field`, `wrong-type`, `empty-value`, `out-of-range`, `invalid-timestamp`,
    /// `unknown-enum-value`, `lat-lng-pair`, `unknown-merchant`, `too-long` (a string past
    /// `max_text_chars` or `max_field_chars`), `too-many` (a list past its cap).
    pub skipped: BTreeMap<String, u64>,
    /// The first problems (capped by [`LoadOptions::max_problems`]).
    pub problems: Vec<Problem>,
    /// All problems; a line may have several.
    pub problem_count: u64,
    /// Merchant lines kept whose `commercial` value was malformed and ignored (each is
    /// also counted in `accepted` or `replaced`, and reported as a warning
    /// `merchants.jsonl:LINE: commercial: reason`). Commercial data can never make a
    /// merchant invalid, in either mode.
    pub commercial_ignored: u64,
    /// Ids named by this file's tombstones, in line order: what a search index fed this
    /// batch must drop (before adding the batch's live records, which may re-add an id).
    #[serde(skip)]
    pub deleted_ids: Vec<String>,
}

impl FileReport {
    /// Lines skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Loads a corpus folder. `merchants.jsonl` is required; the other files may be absent.
pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Loaded> {
    check_dir(dir)?;
    if !dir.join(FILES[0]).exists() {
        return Err(UserError::MissingMerchants {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    let mut loaded = Loaded::default();
    load_batch(&mut loaded, dir, opts)?;
    Ok(loaded)
}

/// Applies a further batch folder to a loaded corpus: its records add to, edit or delete
/// the ones already there, in file order then line order. Every file is optional here, so a
/// batch may carry only new notes. The batch is applied whole or not at all: on error,
/// `loaded` is unchanged. On success `loaded.report` describes this batch.
pub fn load_batch(loaded: &mut Loaded, dir: &Path, opts: &LoadOptions) -> Result<()> {
    *loaded = load_batch_onto(&loaded.corpus, &loaded.commercial, dir, opts)?;
    Ok(())
}

/// [`load_batch`] leaving the base untouched: the corpus and commercial terms after the
/// batch, as a new value (what a [`Store`](crate::store::Store) builds its next state from
/// while readers keep the current one).
pub fn load_batch_onto(
    corpus: &Corpus,
    commercial: &CommercialBook,
    dir: &Path,
    opts: &LoadOptions,
) -> Result<Loaded> {
    check_dir(dir)?;
    apply_batch(corpus, commercial, opts, |file| {
        let path = dir.join(file);
        match File::open(&path) {
            Ok(h) => {
                let size = h.metadata().ok().map(|m| m.len());
                Ok(Some((h, path, size)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(UserError::Unreadable { path, source }.into()),
        }
    })
}

/// Loads a corpus from readers instead of a folder (memory, a pipe, an archive member):
/// `files` pairs names of [`FILES`] with their contents, in any order; they are read in
/// the order of [`FILES`], as [`load`] reads a folder. `merchants.jsonl` is required; a
/// name outside [`FILES`], or given twice, is an [`UserError::InvalidArgument`].
pub fn load_from_readers<'n, R: Read>(
    files: impl IntoIterator<Item = (&'n str, R)>,
    opts: &LoadOptions,
) -> Result<Loaded> {
    let slots = reader_slots(files)?;
    if slots[0].is_none() {
        return Err(UserError::MissingMerchants {
            dir: PathBuf::from("(readers)"),
        }
        .into());
    }
    apply_readers(&Loaded::default(), slots, opts)
}

/// [`load_batch`] from readers: `files` pairs names of [`FILES`] with their contents; each
/// is optional. Applied whole or not at all.
pub fn load_batch_from_readers<'n, R: Read>(
    loaded: &mut Loaded,
    files: impl IntoIterator<Item = (&'n str, R)>,
    opts: &LoadOptions,
) -> Result<()> {
    let slots = reader_slots(files)?;
    *loaded = apply_readers(loaded, slots, opts)?;
    Ok(())
}

/// [`load_batch_from_readers`] leaving the base untouched, as [`load_batch_onto`] does
/// for a folder: what a [`Store`](crate::store::Store) applies an uploaded batch with.
pub fn load_batch_onto_from_readers<'n, R: Read>(
    corpus: &Corpus,
    commercial: &CommercialBook,
    files: impl IntoIterator<Item = (&'n str, R)>,
    opts: &LoadOptions,
) -> Result<Loaded> {
    let mut slots = reader_slots(files)?;
    apply_batch(corpus, commercial, opts, |file| {
        // `file` comes from FILES, so it is always found; a miss would only read nothing.
        let i = FILES.iter().position(|f| *f == file).unwrap_or(usize::MAX);
        Ok(slots
            .get_mut(i)
            .and_then(Option::take)
            .map(|r| (r, PathBuf::from(file), None)))
    })
}

/// The readers in the order of [`FILES`].
fn reader_slots<'n, R: Read>(
    files: impl IntoIterator<Item = (&'n str, R)>,
) -> Result<Vec<Option<R>>> {
    let mut slots: Vec<Option<R>> = FILES.iter().map(|_| None).collect();
    for (name, reader) in files {
        let Some(i) = FILES.iter().position(|f| *f == name) else {
            return Err(UserError::InvalidArgument {
                what: "corpus file".to_string(),
                reason: format!(
                    "{name:?} is not a corpus file; name one of {}",
                    FILES.join(", ")
                ),
            }
            .into());
        };
        if slots[i].replace(reader).is_some() {
            return Err(UserError::InvalidArgument {
                what: "corpus file".to_string(),
                reason: format!("{name:?} is given twice; give each file once"),
            }
            .into());
        }
    }
    Ok(slots)
}

fn apply_readers<R: Read>(
    base: &Loaded,
    mut slots: Vec<Option<R>>,
    opts: &LoadOptions,
) -> Result<Loaded> {
    apply_batch(&base.corpus, &base.commercial, opts, |file| {
        // `file` comes from FILES, so it is always found; a miss would only read nothing.
        let i = FILES.iter().position(|f| *f == file).unwrap_or(usize::MAX);
        Ok(slots
            .get_mut(i)
            .and_then(Option::take)
            .map(|r| (r, PathBuf::from(file), None)))
    })
}

/// A copy of `corpus`, its notes and reviews cloned by the pool: a batch is applied to a
/// copy, so that the analysis of the base stays whole, and a plain clone of a million
/// records (each note with its tags and merchant lists) took 0.9-1.2 s on one thread.
/// The maps are built at once from their sorted entries.
fn copy_in_parallel(corpus: &Corpus) -> Corpus {
    use rayon::prelude::*;
    fn copy<K, V>(map: &BTreeMap<K, V>) -> BTreeMap<K, V>
    where
        K: Ord + Clone + Send + Sync,
        V: Clone + Send + Sync,
    {
        let entries: Vec<(&K, &V)> = map.iter().collect();
        let copied: Vec<(K, V)> = entries
            .par_iter()
            .map(|&(k, v)| (k.clone(), v.clone()))
            .collect();
        copied.into_iter().collect()
    }
    let ((notes, reviews), (merchants, authors)) = rayon::join(
        || rayon::join(|| copy(&corpus.notes), || copy(&corpus.reviews)),
        || rayon::join(|| copy(&corpus.merchants), || copy(&corpus.authors)),
    );
    Corpus {
        merchants,
        authors,
        notes,
        reviews,
        visits: corpus.visits.clone(),
        curation: corpus.curation.clone(),
    }
}

/// The one batch loop behind every entry point: `open` gives each file of [`FILES`], the
/// path to name in errors and its size in bytes when known, or `None` when it is absent.
/// The base is left untouched.
fn apply_batch<R: Read>(
    corpus: &Corpus,
    commercial: &CommercialBook,
    opts: &LoadOptions,
    mut open: impl FnMut(&'static str) -> Result<Option<(R, PathBuf, Option<u64>)>>,
) -> Result<Loaded> {
    opts.validate()?;
    let mut corpus = copy_in_parallel(corpus);
    let mut commercial = commercial.clone();
    let mut warnings = Warnings::new(opts.max_warnings);
    let mut files = Vec::with_capacity(FILES.len());
    for file in FILES {
        let Some((handle, path, size)) = open(file)? else {
            files.push(FileReport {
                file,
                ..FileReport::default()
            });
            continue;
        };
        let mut loader = FileLoader {
            file,
            opts,
            corpus: &mut corpus,
            commercial: &mut commercial,
            warnings: &mut warnings,
            report: FileReport {
                file,
                present: true,
                ..FileReport::default()
            },
            tails: Tails::default(),
            size,
        };
        loader
            .read(BufReader::new(handle))
            .map_err(|source| UserError::Unreadable { path, source })?;
        let report = loader.report;
        if opts.mode == Mode::Strict && report.problem_count > 0 {
            return Err(UserError::InvalidCorpus {
                file: file.to_string(),
                problems: report.problems,
                total: usize::try_from(report.problem_count).unwrap_or(usize::MAX),
            }
            .into());
        }
        files.push(report);
    }
    Ok(Loaded {
        corpus,
        commercial,
        report: LoadReport {
            files,
            warnings: warnings.kept,
            warning_count: warnings.count,
        },
    })
}

/// serde_json's message without its "at line 1 column N", which would misname the line,
/// plus a hint for the mistakes exporters make: `NaN`/`Infinity` (not JSON) and numbers
/// beyond a double.
fn json_reason(e: &serde_json::Error, text: &str) -> String {
    let full = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&position).unwrap_or(&full);
    // The column is 1-based and points at or just past the offending byte.
    let at = e.column().saturating_sub(1);
    let near = |word: &str| {
        [at.saturating_sub(1), at]
            .iter()
            .any(|&i| text.get(i..).is_some_and(|t| t.starts_with(word)))
    };
    let hint = if near("NaN") || near("Infinity") || near("-Infinity") {
        "; JSON has no NaN or Infinity: leave the field out or write null"
    } else if what == "number out of range" {
        "; the number is too large for a double"
    } else {
        ""
    };
    format!(
        "invalid JSON (at byte {} of the line): {what}{hint}",
        e.column()
    )
}

/// Why a line is not UTF-8, and what to do: a UTF-16 file (common from Windows tools)
/// is named as such, since every line of it would fail.
fn utf8_reason(bytes: &[u8], line_no: u64, valid_up_to: usize) -> String {
    let utf16 = line_no == 1 && (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF"));
    if utf16 {
        return "not valid UTF-8: the file starts with a UTF-16 byte-order mark; save it as UTF-8"
            .to_string();
    }
    format!(
        "not valid UTF-8 (bad byte {} of the line); the corpus must be UTF-8",
        valid_up_to + 1
    )
}

fn check_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(UserError::Unreadable {
            path: dir.to_path_buf(),
            source: io::Error::other("not a folder"),
        }
        .into()),
        Err(source) => Err(Error::User(UserError::Unreadable {
            path: dir.to_path_buf(),
            source,
        })),
    }
}

struct Warnings {
    kept: Vec<String>,
    count: u64,
    max: usize,
    unknown_authors: BTreeSet<String>,
}

impl Warnings {
    fn new(max: usize) -> Self {
        Self {
            kept: Vec::new(),
            count: 0,
            max,
            unknown_authors: BTreeSet::new(),
        }
    }

    fn push(&mut self, w: String) {
        self.count += 1;
        if self.kept.len() < self.max {
            self.kept.push(w);
        }
    }
}

/// The merchant and account ids a file's lines are checked against, hashed once per file:
/// looking each reference up in the corpus's ordered maps (string comparisons down a
/// tree of tens of thousands of merchants and hundreds of thousands of accounts) was
/// about a third of loading. No line of a file changes the ids its own lines check
/// against (merchants for references, accounts for the unknown-account warning).
///
/// The ids are copied into the table (short ids are stored inline), not borrowed from the
/// corpus's keys: a borrowed key costs a second cache miss per lookup, to the key's own
/// allocation, and at 3M documents, with 770k accounts, the lookups of borrowed keys and
/// their string comparisons were a fifth of loading's samples.
struct KnownIds {
    merchants: FxHashSet<CompactString>,
    authors: FxHashSet<CompactString>,
}

impl KnownIds {
    /// The ids of `corpus`'s merchants (when `merchants`) and accounts (when `authors`).
    fn of(corpus: &Corpus, merchants: bool, authors: bool) -> Self {
        fn ids<V>(map: &BTreeMap<String, V>, wanted: bool) -> FxHashSet<CompactString> {
            if !wanted {
                return FxHashSet::default();
            }
            let mut set = FxHashSet::with_capacity_and_hasher(map.len(), Default::default());
            set.extend(map.keys().map(|k| CompactString::from(k.as_str())));
            set
        }
        Self {
            merchants: ids(&corpus.merchants, merchants),
            authors: ids(&corpus.authors, authors),
        }
    }
}

impl Known for KnownIds {
    fn has_merchant(&self, id: &str) -> bool {
        self.merchants.contains(id)
    }
}

/// One line as read: its bytes (without the line ending), or only its length when it was
/// longer than the cap.
enum RawLine {
    Bytes,
    TooLong,
}

/// Reads one line onto the end of `buf`, keeping at most `cap` bytes of it: a longer line
/// is consumed to its end but not stored (`buf` is left as it was). `None` at end of input.
/// Appending lets a chunk's lines go straight into its buffer, copied once.
fn read_line_capped<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<RawLine>> {
    let start = buf.len();
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (n, found) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            // Room for the content plus "\r\n", which is stripped below.
            if buf.len() - start + n > cap.saturating_add(2) {
                too_long = true;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(&available[..n]);
            }
        }
        r.consume(n);
        if found {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if buf.len() > start && buf.last() == Some(&b'\n') {
        buf.pop();
    }
    if buf.len() > start && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if too_long || buf.len() - start > cap {
        buf.truncate(start);
        return Ok(Some(RawLine::TooLong));
    }
    Ok(Some(RawLine::Bytes))
}

struct FileLoader<'a> {
    file: &'static str,
    opts: &'a LoadOptions,
    corpus: &'a mut Corpus,
    commercial: &'a mut CommercialBook,
    warnings: &'a mut Warnings,
    report: FileReport,
    /// Records whose ids come after every id loaded so far, in order, not yet in their map.
    tails: Tails,
    /// The file's size in bytes, when known: its tail is sized from it (see `Tails::reserve`).
    size: Option<u64>,
}

/// A `BTreeMap` filled one ascending key at a time (as id-sorted files fill it) splits
/// each full node into a node a little over half full and one that fills up again, so
/// about 45% of its nodes' room stays empty: at 1M documents, about a quarter of the
/// loaded corpus's memory. Records arriving in id order are held here instead and built
/// into their map at once, which packs its nodes. A tombstone settles them first (the id
/// it deletes may be among them); the first record out of order settles them too, and the
/// rest of that file is inserted one at a time.
#[derive(Default)]
struct Tails {
    merchants: Vec<(String, Merchant)>,
    authors: Vec<(String, Author)>,
    notes: Vec<(CompactString, Note)>,
    reviews: Vec<(CompactString, Review)>,
    /// A record of this file came out of id order.
    unordered: bool,
}

impl Tails {
    /// Adds `(id, record)` to `map` (or its `tail`); whether it replaced a record.
    fn put<K: Ord, V>(
        map: &mut BTreeMap<K, V>,
        tail: &mut Vec<(K, V)>,
        unordered: &mut bool,
        id: K,
        record: V,
    ) -> bool {
        if !*unordered {
            let last = match tail.last() {
                Some((k, _)) => Some(k),
                None => map.last_key_value().map(|(k, _)| k),
            };
            if last.is_none_or(|last| *last < id) {
                tail.push((id, record));
                return false;
            }
            *unordered = true;
            Self::settle(map, tail);
        }
        map.insert(id, record).is_some()
    }

    /// Moves `tail` into `map`: built anew when it is large beside the map (linear, every
    /// node packed), inserted one at a time when small (a batch onto a large corpus).
    fn settle<K: Ord, V>(map: &mut BTreeMap<K, V>, tail: &mut Vec<(K, V)>) {
        if tail.is_empty() {
            return;
        }
        let tail = std::mem::take(tail);
        if map.len() < tail.len().saturating_mul(8) {
            let mut built: BTreeMap<K, V> = tail.into_iter().collect();
            map.append(&mut built);
        } else {
            map.extend(tail);
        }
    }

    /// Makes room in `file`'s tail for the records of a file of `size` bytes whose first
    /// `lines` lines took `bytes` bytes: growing by doubling copied every record again
    /// and faulted in fresh memory for each copy, on the one thread that applies lines
    /// (about 6% of loading at 3M documents). Room reserved and never used is never
    /// touched, so it costs address space, not memory. The estimate is bounded (a line of
    /// a record takes at least 64 bytes), and a reservation the allocator refuses is
    /// skipped: the tail then grows as before.
    fn reserve(&mut self, file: &str, size: u64, lines: usize, bytes: usize) {
        if lines == 0 {
            return;
        }
        let per_line = (bytes as u64 + lines as u64) / lines as u64;
        let records = size / per_line.max(64);
        let estimate = records.saturating_add(records / 8);
        let Ok(n) = usize::try_from(estimate) else {
            return;
        };
        let _ = match file {
            "merchants.jsonl" => self.merchants.try_reserve(n),
            "authors.jsonl" => self.authors.try_reserve(n),
            "notes.jsonl" => self.notes.try_reserve(n),
            "reviews.jsonl" => self.reviews.try_reserve(n),
            _ => Ok(()),
        };
    }

    fn settle_all(&mut self, corpus: &mut Corpus) {
        Self::settle(&mut corpus.merchants, &mut self.merchants);
        Self::settle(&mut corpus.authors, &mut self.authors);
        Self::settle(&mut corpus.notes, &mut self.notes);
        Self::settle(&mut corpus.reviews, &mut self.reviews);
    }
}

/// Lines parsed and validated together: enough per chunk for both threads to share the
/// work, few enough that a chunk's records stay a few megabytes.
const CHUNK_LINES: usize = 4096;
const CHUNK_BYTES: usize = 8 << 20;

/// One line, parsed and validated against what earlier files loaded; applied to the
/// corpus afterwards, in line order.
enum Parsed {
    Blank,
    Bad(Vec<Issue>),
    Merchant(Merchant, validate::CommercialOutcome),
    Author(Author),
    /// The bool: the author is in `authors.jsonl` (else a warning, once per author).
    Note(Note, bool),
    Review(Review, bool),
    Visit(Visit, bool),
    Curation(CurationDecision),
    Tombstone(String),
}

/// A chunk of raw lines: their bytes end to end, and each line's number and range (`None`
/// for a line past the byte cap).
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    lines: Vec<(u64, Option<std::ops::Range<usize>>)>,
}

/// Numbered lines of one file, read into chunks.
struct ChunkReader<R> {
    r: R,
    line_no: u64,
    cap: usize,
}

impl<R: BufRead> ChunkReader<R> {
    fn new(r: R, cap: usize) -> Self {
        Self { r, line_no: 0, cap }
    }

    /// Reads lines into `chunk` (which the caller has emptied) until it is full or the
    /// input ends; true at the end of the input (the chunk may then hold a last part).
    fn fill(&mut self, chunk: &mut Chunk) -> io::Result<bool> {
        loop {
            let at = chunk.bytes.len();
            let Some(raw) = read_line_capped(&mut self.r, &mut chunk.bytes, self.cap)? else {
                return Ok(true);
            };
            self.line_no += 1;
            let range = match raw {
                RawLine::TooLong => None,
                RawLine::Bytes => Some(at..chunk.bytes.len()),
            };
            chunk.lines.push((self.line_no, range));
            if chunk.lines.len() >= CHUNK_LINES || chunk.bytes.len() >= CHUNK_BYTES {
                return Ok(false);
            }
        }
    }
}

impl FileLoader<'_> {
    /// Reads the file by chunks of lines; each chunk is parsed and validated in parallel
    /// (every check a line needs is against earlier files, which no line of this file
    /// changes: merchants for references, accounts for the unknown-account warning)
    /// while the chunk before it is applied in line order and the one after it is read,
    /// so the sequential parts (reading the input, inserting records by id) run beside
    /// the parsing, and the corpus, counts, problems and warnings are those of a
    /// line-by-line read on any number of threads.
    fn read<R: BufRead>(&mut self, r: R) -> io::Result<()> {
        use rayon::prelude::*;
        // What the lines are checked against: merchants for every file after
        // merchants.jsonl, accounts for every file after authors.jsonl.
        let check_merchants = self.file != "merchants.jsonl";
        let check_authors = check_merchants && self.file != "authors.jsonl";
        let ids = KnownIds::of(self.corpus, check_merchants, check_authors);
        let ctx = LineContext {
            file: self.file,
            opts: self.opts,
            known: &ids,
        };
        let mut lines = ChunkReader::new(r, self.opts.max_line_bytes);
        // Two chunks in turn: while the pool parses one, this thread applies the lines
        // parsed before it and reads the next from the input (reading is sequential; with
        // it beside the parsing, no core waits for the input).
        let mut chunk = Chunk::default();
        let mut next = Chunk::default();
        // The first turn only reads.
        let mut end = false;
        let mut pending: Option<(Vec<u64>, Vec<Parsed>)> = None;
        let out = loop {
            let before = pending.take();
            let mut parsed: Vec<Parsed> = Vec::new();
            let mut filled: io::Result<bool> = Ok(true);
            rayon::in_place_scope(|s| {
                if !chunk.lines.is_empty() {
                    let (chunk, ctx, parsed) = (&chunk, &ctx, &mut parsed);
                    s.spawn(move |_| {
                        *parsed = chunk
                            .lines
                            .par_iter()
                            .map(|(line_no, range)| match range {
                                None => ctx.too_long(),
                                Some(range) => ctx.parse(&chunk.bytes[range.clone()], *line_no),
                            })
                            .collect();
                    });
                }
                if let Some((lines, parsed)) = before {
                    self.apply_all(lines, parsed);
                }
                if !end {
                    filled = lines.fill(&mut next);
                }
            });
            if !chunk.lines.is_empty() {
                pending = Some((chunk.lines.iter().map(|(l, _)| *l).collect(), parsed));
            }
            chunk.bytes.clear();
            chunk.lines.clear();
            std::mem::swap(&mut chunk, &mut next);
            if let Some(size) = self.size.take() {
                // The first chunk read: the tail is sized from its lines.
                let (lines, bytes) = (chunk.lines.len(), chunk.bytes.len());
                self.tails.reserve(self.file, size, lines, bytes);
            }
            match filled {
                Err(e) => break Err(e),
                Ok(_) if end => {
                    if let Some((lines, parsed)) = pending.take() {
                        self.apply_all(lines, parsed);
                    }
                    break Ok(());
                }
                Ok(last) => end = last,
            }
        };
        drop(ids);
        self.tails.settle_all(self.corpus);
        out
    }

    /// Applies parsed lines in line order.
    fn apply_all(&mut self, lines: impl IntoIterator<Item = u64>, parsed: Vec<Parsed>) {
        for (line, p) in lines.into_iter().zip(parsed) {
            self.apply(line, p);
        }
    }

    /// Applies one parsed line: counts it, and adds, replaces or deletes its record.
    fn apply(&mut self, line: u64, parsed: Parsed) {
        self.report.lines += 1;
        let live = match parsed {
            Parsed::Blank => {
                self.report.blank += 1;
                return;
            }
            Parsed::Bad(issues) => return self.skip(line, issues),
            Parsed::Tombstone(id) => {
                self.delete(line, &id);
                self.report.deleted += 1;
                return;
            }
            Parsed::Visit(v, known) => {
                if !known {
                    self.note_author(line, &v.author_id);
                }
                self.corpus.visits.push(v);
                false
            }
            Parsed::Curation(c) => {
                self.corpus.curation.push(c);
                false
            }
            Parsed::Merchant(m, terms) => {
                let terms = terms.unwrap_or_else(|reason| {
                    // Reported, never fatal: the merchant is kept in both modes.
                    self.report.commercial_ignored += 1;
                    self.warn(
                        line,
                        "commercial",
                        format!("{reason}; ignored (the merchant is kept)"),
                    );
                    None
                });
                self.commercial.set(&m.id, terms);
                Tails::put(
                    &mut self.corpus.merchants,
                    &mut self.tails.merchants,
                    &mut self.tails.unordered,
                    m.id.clone(),
                    m,
                )
            }
            Parsed::Author(a) => Tails::put(
                &mut self.corpus.authors,
                &mut self.tails.authors,
                &mut self.tails.unordered,
                a.id.clone(),
                a,
            ),
            Parsed::Note(n, known) => {
                if !known {
                    self.note_author(line, &n.author_id);
                }
                Tails::put(
                    &mut self.corpus.notes,
                    &mut self.tails.notes,
                    &mut self.tails.unordered,
                    n.id.clone(),
                    n,
                )
            }
            Parsed::Review(r, known) => {
                if !known {
                    self.note_author(line, &r.author_id);
                }
                Tails::put(
                    &mut self.corpus.reviews,
                    &mut self.tails.reviews,
                    &mut self.tails.unordered,
                    r.id.clone(),
                    r,
                )
            }
        };
        if live {
            self.report.replaced += 1;
        } else {
            self.report.accepted += 1;
        }
    }

    fn skip(&mut self, line: u64, issues: Vec<Issue>) {
        let first_kind = issues.first().map_or(kind::INVALID_JSON, |i| i.kind);
        *self
            .report
            .skipped
            .entry(first_kind.to_string())
            .or_insert(0) += 1;
        for issue in issues {
            self.report.problem_count += 1;
            if self.report.problems.len() < self.opts.max_problems {
                self.report.problems.push(Problem {
                    file: self.file.to_string(),
                    line,
                    field: issue.field,
                    reason: issue.reason,
                });
            }
        }
    }

    fn warn(&mut self, line: u64, field: &str, what: String) {
        self.warnings
            .push(format!("{}:{line}: {field}: {what}", self.file));
    }

    /// Called for a line whose author the parse found unlisted (no line of this file
    /// changes the accounts, so the parse's check stands).
    fn note_author(&mut self, line: u64, author_id: &str) {
        if self.warnings.unknown_authors.insert(author_id.to_string()) {
            self.warn(
                line,
                "author_id",
                format!("{author_id:?} is not in authors.jsonl; treated as an unknown account"),
            );
        }
    }

    fn delete(&mut self, line: u64, id: &str) {
        self.report.deleted_ids.push(id.to_string());
        self.tails.settle_all(self.corpus);
        let c = &mut *self.corpus;
        let removed = match self.file {
            "merchants.jsonl" => {
                self.commercial.set(id, None);
                c.merchants.remove(id).is_some()
            }
            "authors.jsonl" => c.authors.remove(id).is_some(),
            "notes.jsonl" => c.notes.remove(id).is_some(),
            _ => c.reviews.remove(id).is_some(),
        };
        if !removed {
            self.warn(
                line,
                "id",
                format!("tombstone for {id:?}, which is not loaded; nothing deleted"),
            );
        }
    }
}

/// What parsing one line reads: the file it is in, the caps, and the corpus as earlier
/// files left it.
struct LineContext<'a> {
    file: &'static str,
    opts: &'a LoadOptions,
    known: &'a KnownIds,
}

impl LineContext<'_> {
    fn too_long(&self) -> Parsed {
        Parsed::Bad(vec![Issue::new(
            "-",
            kind::LINE_TOO_LONG,
            format!(
                "line is longer than {} bytes; split the record or raise LoadOptions::max_line_bytes",
                self.opts.max_line_bytes
            ),
        )])
    }

    fn parse(&self, mut bytes: &[u8], line_no: u64) -> Parsed {
        if line_no == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        match std::str::from_utf8(bytes) {
            Err(e) => Parsed::Bad(vec![Issue::new(
                "-",
                kind::INVALID_UTF8,
                utf8_reason(bytes, line_no, e.valid_up_to()),
            )]),
            Ok(text) if text.trim().is_empty() => Parsed::Blank,
            Ok(text) => self.line(text, line_no).unwrap_or_else(Parsed::Bad),
        }
    }

    fn line(&self, text: &str, line: u64) -> Result<Parsed, Vec<Issue>> {
        // serde_json stops at nesting depth 128 with an error, so deep input cannot
        // overflow the stack.
        let value: Val = serde_json::from_str(text)
            .map_err(|e| vec![Issue::new("-", kind::INVALID_JSON, json_reason(&e, text))])?;
        let Val::Object(obj) = &value else {
            return Err(vec![Issue::new(
                "-",
                kind::NOT_AN_OBJECT,
                format!("expected a JSON object, got {}", value.type_name()),
            )]);
        };
        let origin = Origin {
            file: self.file,
            line,
        };
        let c = self.known;
        let known = |author: &str| c.authors.contains(author);
        let mut f = Fields::new(obj, self.opts.limits());
        match self.file {
            "visits.jsonl" => {
                let v = validate::visit(f, origin, c)?;
                let k = known(&v.author_id);
                return Ok(Parsed::Visit(v, k));
            }
            "curation.jsonl" => return Ok(Parsed::Curation(validate::curation(f, origin, c)?)),
            _ => {}
        }
        let is_tombstone = validate::tombstone(&mut f);
        if !f.issues.is_empty() {
            // With `deleted` unreadable we cannot tell an edit from a tombstone.
            return Err(f.issues);
        }
        if is_tombstone {
            let id = f.req_nonempty("id");
            return match id {
                Some(id) if f.issues.is_empty() => Ok(Parsed::Tombstone(id)),
                _ => Err(f.issues),
            };
        }
        Ok(match self.file {
            "merchants.jsonl" => {
                let (m, terms) = validate::merchant(f, origin)?;
                Parsed::Merchant(m, terms)
            }
            "authors.jsonl" => Parsed::Author(validate::author(f, origin, c)?),
            "notes.jsonl" => {
                let n = validate::note(f, origin, c)?;
                let k = known(&n.author_id);
                Parsed::Note(n, k)
            }
            _ => {
                let r = validate::review(f, origin, c)?;
                let k = known(&r.author_id);
                Parsed::Review(r, k)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], cap: usize) -> Vec<Option<Vec<u8>>> {
        let mut r = input;
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            let Some(l) = read_line_capped(&mut r, &mut buf, cap).unwrap() else {
                return out;
            };
            out.push(matches!(l, RawLine::Bytes).then_some(buf));
        }
    }

    #[test]
    fn a_document_file_of_many_chunks_is_applied_in_line_order() {
        // Three chunks' worth of notes (parsed while the chunk before is applied): edits,
        // tombstones, bad lines and unlisted authors on both sides of chunk boundaries.
        let merchants = r#"{"id":"m-1","name":"奎元馆","city":"杭州","category":"美食/面馆"}"#;
        let authors = r#"{"id":"u-1"}"#;
        let n = 3 * CHUNK_LINES + 17;
        let mut notes = String::new();
        let (mut bad, mut unlisted) = (Vec::new(), Vec::new());
        for line in 1..=n {
            let id = format!("n-{}", line % 5000);
            let author = if line % 1000 == 7 {
                unlisted.push(line);
                format!("u-x{line}")
            } else {
                "u-1".to_string()
            };
            if line % 4096 == 0 || line % 4096 == 1 {
                bad.push(line as u64);
                notes.push_str(r#"{"id":"n-bad","author_id":"u-1"}"#);
            } else if line % 777 == 0 {
                notes.push_str(&format!(
                    r#"{{"id":"n-{}","deleted":true}}"#,
                    line % 5000 - 1
                ));
            } else {
                notes.push_str(&format!(
                    r#"{{"id":"{id}","author_id":"{author}","created_at":"2025-10-02T12:00:00+08:00","body":"第{line}行","merchant_ids":["m-1"]}}"#
                ));
            }
            notes.push('\n');
        }
        let opts = LoadOptions {
            mode: Mode::Lenient,
            max_problems: 1000,
            max_warnings: 100_000,
            ..LoadOptions::default()
        };
        let files = [
            ("merchants.jsonl", merchants.as_bytes()),
            ("authors.jsonl", authors.as_bytes()),
            ("notes.jsonl", notes.as_bytes()),
        ];
        let loaded = load_from_readers(files, &opts).unwrap();
        let f = &loaded.report.files[2];
        assert_eq!(f.lines, n as u64);
        assert_eq!(
            f.lines,
            f.accepted + f.replaced + f.deleted + f.skipped_total()
        );
        let lines: Vec<u64> = f.problems.iter().map(|p| p.line).collect();
        let mut want = bad.clone();
        want.dedup();
        let mut got = lines.clone();
        got.dedup();
        assert_eq!(got, want, "problems are reported in line order");
        // One warning per unlisted author, in line order; tombstones of ids not loaded
        // warn too, so pick the author warnings out.
        let warned: Vec<usize> = loaded
            .report
            .warnings
            .iter()
            .filter(|w| w.contains("author_id"))
            .map(|w| w.split(':').nth(1).unwrap().parse().unwrap())
            .collect();
        let expect: Vec<usize> = unlisted
            .into_iter()
            .filter(|l| l % 4096 > 1 && l % 777 != 0)
            .collect();
        assert_eq!(warned, expect);
        // The last edit of each id wins; a note deleted and not written again is gone.
        assert!(f.replaced > 0 && f.deleted > 0);
        // Bad lines touch nothing; a tombstone line deletes the id before its own.
        let writes = |l: usize, id: usize| l % 4096 > 1 && !l.is_multiple_of(777) && l % 5000 == id;
        let deletes =
            |l: usize, id: usize| l % 4096 > 1 && l.is_multiple_of(777) && l % 5000 == id + 1;
        let last_body = |id: usize| {
            (1..=n)
                .rev()
                .find(|&l| writes(l, id) || deletes(l, id))
                .filter(|&l| writes(l, id))
                .map(|l| format!("第{l}行"))
        };
        let deleted = (0..5000)
            .filter(|&id| {
                !loaded.corpus.notes.contains_key(format!("n-{id}").as_str())
                    && last_body(id).is_none()
            })
            .count();
        assert!(deleted > 0, "some note stays deleted");
        for id in 0..5000 {
            assert_eq!(
                loaded
                    .corpus
                    .notes
                    .get(format!("n-{id}").as_str())
                    .map(|x| x.body().to_string()),
                last_body(id),
                "n-{id}"
            );
        }
    }

    #[test]
    fn a_folder_sized_ahead_loads_as_its_readers_do() {
        // From a folder the tails are sized from the file's length; from readers they
        // grow. Ordered ids fill the tails, one id out of order settles them midway.
        let dir = tempfile::tempdir().unwrap();
        let merchants =
            "{\"id\":\"m-1\",\"name\":\"奎元馆\",\"city\":\"杭州\",\"category\":\"美食/面馆\"}\n";
        let mut reviews = String::new();
        for i in 1..=2 * CHUNK_LINES + 5 {
            // One id out of order, past the first chunk.
            let id = if i == CHUNK_LINES + 3 { 7 } else { i + 10 };
            reviews.push_str(&format!(
                "{{\"id\":\"r-{id:06}\",\"author_id\":\"u-{}\",\"merchant_id\":\"m-1\",\"created_at\":\"2025-10-02T12:00:00+08:00\",\"rating\":4,\"text\":\"第{i}条，面很好吃\"}}\n",
                i % 97
            ));
        }
        std::fs::write(dir.path().join("merchants.jsonl"), merchants).unwrap();
        std::fs::write(dir.path().join("reviews.jsonl"), &reviews).unwrap();
        let opts = LoadOptions::default();
        let from_folder = load(dir.path(), &opts).unwrap();
        let files = [
            ("merchants.jsonl", merchants.as_bytes()),
            ("reviews.jsonl", reviews.as_bytes()),
        ];
        let from_readers = load_from_readers(files, &opts).unwrap();
        assert_eq!(from_folder.corpus.reviews.len(), 2 * CHUNK_LINES + 5);
        assert!(from_folder.corpus.reviews.contains_key("r-000007"));
        assert_eq!(
            serde_json::to_string(&from_folder.corpus).unwrap(),
            serde_json::to_string(&from_readers.corpus).unwrap()
        );
        assert_eq!(
            format!("{:?}", from_folder.report),
            format!("{:?}", from_readers.report)
        );
    }

    #[test]
    fn a_reservation_the_allocator_refuses_is_skipped() {
        let mut tails = Tails::default();
        // A size no machine has: the estimate overflows what a vector may hold.
        tails.reserve("reviews.jsonl", u64::MAX, 10, 2000);
        assert_eq!(tails.reviews.capacity(), 0);
        // Short lines are counted as 64 bytes each: at most size / 64 records, plus an
        // eighth.
        tails.reserve("notes.jsonl", 64_000, 100, 900);
        assert!((1000..=1125).contains(&tails.notes.capacity()));
    }

    #[test]
    fn a_chunk_holds_its_lines_end_to_end_across_refills() {
        // A three-byte read buffer: every line spans refills; the long line leaves
        // nothing behind in the chunk.
        let input = b"ab\r\nlong line here\n\nxyz\r\n";
        let mut reader = ChunkReader::new(BufReader::with_capacity(3, &input[..]), 6);
        let mut chunk = Chunk::default();
        assert!(reader.fill(&mut chunk).unwrap());
        let got: Vec<(u64, Option<&[u8]>)> = chunk
            .lines
            .iter()
            .map(|(n, r)| (*n, r.clone().map(|r| &chunk.bytes[r])))
            .collect();
        let want: Vec<(u64, Option<&[u8]>)> = vec![
            (1, Some(b"ab")),
            (2, None),
            (3, Some(b"")),
            (4, Some(b"xyz")),
        ];
        assert_eq!(got, want);
        assert_eq!(chunk.bytes, b"abxyz");
    }

    #[test]
    fn capped_reader_splits_lines_and_refuses_long_ones() {
        let got = lines(b"ab\r\n\n0123456789\nxyz", 4);
        assert_eq!(
            got,
            vec![
                Some(b"ab".to_vec()),
                Some(vec![]),
                None,
                Some(b"xyz".to_vec())
            ]
        );
        assert!(lines(b"", 4).is_empty());
        assert_eq!(lines(b"abcd\n", 4), vec![Some(b"abcd".to_vec())]);
        assert_eq!(lines(b"abcde", 4), vec![None]);
    }
}
