//! A store's folder: its state in an embedded database beside the search index.
//!
//! ```text
//! STORE/
//!   state.redb   every record of the corpus, the commercial terms and every document's
//!                reading, one row each; the generation and the index folder it goes with;
//!                and the undo rows of the last update
//!   index-3/     the tantivy index (named for the generation that created it); its last
//!                commit's payload is the generation it holds
//! ```
//!
//! An update commits, in one transaction of the database, the rows that changed, the new
//! generation, and for each changed row its value before (the undo rows of that
//! generation); then it commits the index with the generation as payload. Rows that did
//! not change are not written, so an update writes in proportion to its batch. Whoever
//! opens the store compares the database's generation with the index's: equal, the state
//! stands; the index one behind (a crash between the two commits), the undo rows give the
//! state before, which the writer restores and a reader overlays in memory. A crash
//! therefore leaves the state before or after an update, never a mix.
//!
//! One process updates a store at a time: it holds an exclusive lock on `STORE/LOCK` for
//! as long as it has the store open, and a second is refused with
//! [`UserError::StoreBusy`]. The database is opened for writing only for a commit, in
//! redb's single-writer mode, so that other processes may read it beside the writer (each
//! read transaction seeing one commit) and a crash outside a commit leaves it clean for
//! them (redb refuses readers of a file whose writer died mid-commit until a writer opens
//! it again).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use compact_str::CompactString;
use redb::{
    ConcurrencyMode, Database, DatabaseError, ReadOnlyDatabase, ReadTransaction, ReadableDatabase,
    ReadableTable, TableDefinition, WriteTransaction,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::corpus::{CommercialBook, Corpus};
use crate::error::{Error, InternalError, Result, UserError};
use crate::evidence::extract::Reading;

/// The state database inside a store's folder.
pub const STATE_FILE: &str = "state.redb";
/// The file an updater holds locked.
pub const LOCK_FILE: &str = "LOCK";
/// Version of what the rows hold. Bump on any change to their encoding.
const STATE_VERSION: u32 = 2;

/// Every saved row: a tag byte (what it is) then its key.
const ROWS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("rows");
/// The value each row had before generation G: key = G (big-endian) then the row's key;
/// `None` when the row did not exist.
const UNDO: TableDefinition<&[u8], Option<&[u8]>> = TableDefinition::new("undo");

const META: u8 = 0;
const MERCHANT: u8 = 1;
const AUTHOR: u8 = 2;
const NOTE: u8 = 3;
const REVIEW: u8 = 4;
const VISIT: u8 = 5;
const CURATION: u8 = 6;
const COMMERCIAL: u8 = 7;
const READING: u8 = 8;

const META_VERSION: &[u8] = b"\0version";
const META_GENERATION: &[u8] = b"\0generation";
const META_INDEX_DIR: &[u8] = b"\0index_dir";

/// The database cache: rows are read once at open and decoded into the corpus, so a
/// large cache would only hold a second copy of the state.
const CACHE_BYTES: usize = 32 << 20;

/// Which generation a state is, and the index folder that goes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    pub generation: u64,
    pub index_dir: String,
}

/// A whole saved state, decoded.
pub(crate) struct Saved {
    pub meta: Meta,
    pub corpus: Corpus,
    pub commercial: CommercialBook,
    pub readings: Vec<Reading>,
}

pub(crate) fn index_dir_name(generation: u64) -> String {
    format!("index-{generation}")
}

pub(crate) fn state_path(root: &Path) -> PathBuf {
    root.join(STATE_FILE)
}

fn db_err<E: Into<redb::Error>>(path: &Path) -> impl FnOnce(E) -> Error + '_ {
    move |e| {
        Error::Internal(InternalError::State {
            path: path.to_path_buf(),
            source: Box::new(e.into()),
        })
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Internal(InternalError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    })
}

fn not_a_store(root: &Path, reason: impl Into<String>) -> Error {
    Error::User(UserError::NotAStore {
        path: root.to_path_buf(),
        reason: reason.into(),
    })
}

fn builder() -> redb::Builder {
    let mut b = Database::builder();
    b.set_concurrency_mode(ConcurrencyMode::SingleWriter)
        .set_cache_size(CACHE_BYTES);
    b
}

fn busy(root: &Path) -> Error {
    Error::User(UserError::StoreBusy {
        path: root.to_path_buf(),
    })
}

/// Takes the store's update lock, held until the returned file is dropped (or the process
/// ends, however it ends).
pub(crate) fn lock(root: &Path) -> Result<fs::File> {
    let path = root.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| UserError::Unwritable {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(busy(root)),
        Err(fs::TryLockError::Error(source)) => Err(UserError::Unwritable { path, source }.into()),
    }
}

/// Creates the state database of a new store (the folder exists and is empty), holding
/// the writer's lock.
pub(crate) fn create(root: &Path) -> Result<Database> {
    let path = state_path(root);
    builder().create(&path).map_err(|e| match e {
        DatabaseError::DatabaseAlreadyOpen => busy(root),
        e => db_err(&path)(e),
    })
}

/// Opens a store's state database for updating. Another process (or handle) updating the
/// store is refused with [`UserError::StoreBusy`].
pub(crate) fn open_writer(root: &Path) -> Result<Database> {
    let path = state_path(root);
    if !path.is_file() {
        return Err(missing_state(root));
    }
    builder().open(&path).map_err(|e| match e {
        DatabaseError::DatabaseAlreadyOpen => busy(root),
        e => db_err(&path)(e),
    })
}

/// Closes the database after a commit, so that a crash before the next one leaves it
/// clean for readers.
pub(crate) fn close(root: &Path, db: Database) -> Result<()> {
    db.close().map_err(db_err(&state_path(root)))
}

/// Opens a store's state database for reading beside its writer, writing nothing.
pub(crate) fn open_reader(root: &Path) -> Result<ReadOnlyDatabase> {
    let path = state_path(root);
    if !path.is_file() {
        return Err(missing_state(root));
    }
    builder().open_read_only(&path).map_err(|e| match e {
        DatabaseError::RepairAborted => not_a_store(
            root,
            "its last update was cut short; run `jingxuan update --store` on it (with no batch) to recover it",
        ),
        DatabaseError::DatabaseAlreadyOpen => busy(root),
        e => db_err(&path)(e),
    })
}

fn missing_state(root: &Path) -> Error {
    if root.join("CURRENT").exists() {
        return not_a_store(
            root,
            "it was saved by an older version of jingxuan; build it again from the corpus",
        );
    }
    not_a_store(root, format!("it has no {STATE_FILE}"))
}

fn key(tag: u8, k: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + k.len());
    out.push(tag);
    out.extend_from_slice(k);
    out
}

fn undo_key(generation: u64, row: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + row.len());
    out.extend_from_slice(&generation.to_be_bytes());
    out.extend_from_slice(row);
    out
}

fn encode<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(v).map_err(|e| {
        Error::Internal(InternalError::Invariant(format!(
            "cannot encode the store state: {e}"
        )))
    })
}

/// The rows of a state, each as (key, value): what [`write_generation`] compares with
/// what the database holds.
pub(crate) struct Rows<'a> {
    pub corpus: &'a Corpus,
    pub commercial: &'a CommercialBook,
    pub readings: &'a [crate::evidence::Document],
}

/// Where an update's rows may differ from the generation before: the keys to compare,
/// found cheaply from what the update shared with the state before it (records equal,
/// readings the very same). Rows outside these are unchanged and never touched.
pub(crate) enum Candidates<'a> {
    /// Every row (a new store).
    All,
    /// The rows that may differ from `before`.
    Since {
        corpus: &'a Corpus,
        commercial: &'a CommercialBook,
        readings: &'a [crate::evidence::Document],
    },
}

/// A doc's reading key: the kind (notes and reviews may share ids) then the id.
fn reading_key(d: &crate::evidence::Document) -> Vec<u8> {
    let mut k = vec![match d.kind {
        crate::corpus::DocKind::Note => b'n',
        crate::corpus::DocKind::Review => b'r',
    }];
    k.extend_from_slice(d.id.as_bytes());
    key(READING, &k)
}

/// Calls `put(key, value)` for every row that may have changed: `None` for a row now
/// gone.
fn changed_rows(
    rows: &Rows<'_>,
    candidates: &Candidates<'_>,
    put: &mut dyn FnMut(Vec<u8>, Option<Vec<u8>>) -> Result<()>,
) -> Result<()> {
    fn map<K: Ord + AsRef<str>, V: Serialize + PartialEq>(
        tag: u8,
        before: Option<&BTreeMap<K, V>>,
        after: &BTreeMap<K, V>,
        put: &mut dyn FnMut(Vec<u8>, Option<Vec<u8>>) -> Result<()>,
    ) -> Result<()> {
        for (id, v) in after {
            if before.and_then(|b| b.get(id)) != Some(v) {
                put(key(tag, id.as_ref().as_bytes()), Some(encode(v)?))?;
            }
        }
        if let Some(before) = before {
            for id in before.keys().filter(|id| !after.contains_key(*id)) {
                put(key(tag, id.as_ref().as_bytes()), None)?;
            }
        }
        Ok(())
    }
    fn list<V: Serialize + PartialEq>(
        tag: u8,
        before: Option<&[V]>,
        after: &[V],
        put: &mut dyn FnMut(Vec<u8>, Option<Vec<u8>>) -> Result<()>,
    ) -> Result<()> {
        // Batches only append to these lists; anything else rewrites them whole.
        let before = before.unwrap_or(&[]);
        let kept = if before.len() <= after.len() && before == &after[..before.len()] {
            before.len()
        } else {
            0
        };
        for (i, v) in after.iter().enumerate().skip(kept) {
            put(key(tag, &(i as u64).to_be_bytes()), Some(encode(v)?))?;
        }
        for i in after.len()..before.len() {
            put(key(tag, &(i as u64).to_be_bytes()), None)?;
        }
        Ok(())
    }
    let (bc, bm, bd) = match candidates {
        Candidates::All => (None, None, None),
        Candidates::Since {
            corpus,
            commercial,
            readings,
        } => (Some(*corpus), Some(*commercial), Some(*readings)),
    };
    let c = rows.corpus;
    map(MERCHANT, bc.map(|b| &b.merchants), &c.merchants, put)?;
    map(AUTHOR, bc.map(|b| &b.authors), &c.authors, put)?;
    map(NOTE, bc.map(|b| &b.notes), &c.notes, put)?;
    map(REVIEW, bc.map(|b| &b.reviews), &c.reviews, put)?;
    list(VISIT, bc.map(|b| b.visits.as_slice()), &c.visits, put)?;
    list(
        CURATION,
        bc.map(|b| b.curation.as_slice()),
        &c.curation,
        put,
    )?;

    // Commercial terms as JSON text: their values have no fixed shape, which postcard
    // cannot describe.
    let terms = |book: &CommercialBook| -> BTreeMap<String, String> {
        book.iter()
            .map(|(id, t)| {
                (
                    id.to_string(),
                    serde_json::to_string(t).unwrap_or_else(|_| "{}".into()),
                )
            })
            .collect()
    };
    if bm != Some(rows.commercial) {
        let after = terms(rows.commercial);
        let before = bm.map(terms);
        for (id, json) in &after {
            if before.as_ref().and_then(|b| b.get(id)) != Some(json) {
                put(
                    key(COMMERCIAL, id.as_bytes()),
                    Some(json.as_bytes().to_vec()),
                )?;
            }
        }
        if let Some(before) = &before {
            for id in before.keys().filter(|id| !after.contains_key(*id)) {
                put(key(COMMERCIAL, id.as_bytes()), None)?;
            }
        }
    }

    // Readings: a document whose reading the update shared with the state before (the
    // very same allocation) is unchanged. Both lists are sorted by (kind, id).
    use crate::evidence::Document;
    fn same(a: &Document, b: &Document) -> bool {
        std::sync::Arc::ptr_eq(&a.reading, &b.reading)
            && std::sync::Arc::ptr_eq(&a.terms, &b.terms)
            && std::sync::Arc::ptr_eq(&a.parts, &b.parts)
            && a.text_hash == b.text_hash
            && a.merchant_ids == b.merchant_ids
            && match (&a.bands, &b.bands) {
                (Some(x), Some(y)) => std::sync::Arc::ptr_eq(x, y),
                (None, None) => true,
                _ => false,
            }
    }
    let before: BTreeMap<Vec<u8>, &Document> = bd
        .unwrap_or(&[])
        .iter()
        .map(|d| (reading_key(d), d))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for d in rows.readings {
        let k = reading_key(d);
        if !before.get(&k).is_some_and(|b| same(b, d)) {
            put(k.clone(), Some(encode(&Reading::of(d))?))?;
        }
        seen.insert(k);
    }
    for k in before.keys().filter(|k| !seen.contains(*k)) {
        put(k.clone(), None)?;
    }
    Ok(())
}

/// What one committed generation wrote, for reports and measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StateWritten {
    /// Rows whose value changed (added, replaced or removed).
    pub rows: usize,
    /// Bytes of those rows' new values (keys included), before the database's own
    /// overhead.
    pub row_bytes: u64,
}

/// Commits generation `meta.generation`: the rows of `rows` that differ from what the
/// database holds (candidates only), the meta rows, and the undo rows that restore the
/// generation before; drops older undo rows.
pub(crate) fn write_generation(
    root: &Path,
    db: &Database,
    meta: &Meta,
    rows: &Rows<'_>,
    candidates: &Candidates<'_>,
) -> Result<StateWritten> {
    let path = state_path(root);
    let err = |e: redb::Error| db_err::<redb::Error>(&path)(e);
    let txn: WriteTransaction = db.begin_write().map_err(|e| err(e.into()))?;
    let mut written = StateWritten::default();
    {
        let mut table = txn.open_table(ROWS).map_err(|e| err(e.into()))?;
        let mut undo = txn.open_table(UNDO).map_err(|e| err(e.into()))?;
        // Undo rows of earlier generations: the index holds at least the generation before
        // this one, so nobody will go back further.
        let floor = meta.generation.to_be_bytes();
        let stale: Vec<Vec<u8>> = undo
            .range::<&[u8]>(..&floor[..])
            .map_err(|e| err(e.into()))?
            .map(|r| r.map(|(k, _)| k.value().to_vec()))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| err(e.into()))?;
        for k in &stale {
            undo.remove(k.as_slice()).map_err(|e| err(e.into()))?;
        }
        let mut put = |k: Vec<u8>, v: Option<Vec<u8>>| -> Result<()> {
            let old: Option<Vec<u8>> = table
                .get(k.as_slice())
                .map_err(|e| err(e.into()))?
                .map(|g| g.value().to_vec());
            if old == v {
                return Ok(());
            }
            undo.insert(undo_key(meta.generation, &k).as_slice(), old.as_deref())
                .map_err(|e| err(e.into()))?;
            written.rows += 1;
            match &v {
                Some(v) => {
                    written.row_bytes += (k.len() + v.len()) as u64;
                    table
                        .insert(k.as_slice(), v.as_slice())
                        .map_err(|e| err(e.into()))?;
                }
                None => {
                    table.remove(k.as_slice()).map_err(|e| err(e.into()))?;
                }
            }
            Ok(())
        };
        put(
            META_VERSION.to_vec(),
            Some(STATE_VERSION.to_le_bytes().to_vec()),
        )?;
        put(
            META_GENERATION.to_vec(),
            Some(meta.generation.to_le_bytes().to_vec()),
        )?;
        put(
            META_INDEX_DIR.to_vec(),
            Some(meta.index_dir.as_bytes().to_vec()),
        )?;
        changed_rows(rows, candidates, &mut put)?;
    }
    txn.commit().map_err(|e| err(e.into()))?;
    Ok(written)
}

/// Reads the meta rows: `None` when no generation was ever committed.
/// Reads one row by key.
type GetRow<'a> = &'a dyn Fn(&[u8]) -> Result<Option<Vec<u8>>>;

fn meta_of(path: &Path, get: GetRow<'_>) -> Result<Option<Meta>> {
    let Some(generation) = get(META_GENERATION)? else {
        return Ok(None);
    };
    let version = get(META_VERSION)?
        .and_then(|v| v.try_into().ok())
        .map(u32::from_le_bytes);
    if version != Some(STATE_VERSION) {
        return Err(Error::User(UserError::NotAStore {
            path: path.parent().unwrap_or(path).to_path_buf(),
            reason: format!(
                "its state is format {} and this build reads format {STATE_VERSION}; rebuild it from the corpus",
                version.map_or("?".to_string(), |v| v.to_string())
            ),
        }));
    }
    let generation = generation
        .try_into()
        .map(u64::from_le_bytes)
        .map_err(|_| corrupt(path, "its generation is not a number"))?;
    let index_dir = get(META_INDEX_DIR)?
        .and_then(|v| String::from_utf8(v).ok())
        .filter(|d| d.starts_with("index-") && !d.contains(['/', '\\']))
        .ok_or_else(|| corrupt(path, "its index folder is missing or malformed"))?;
    Ok(Some(Meta {
        generation,
        index_dir,
    }))
}

/// A consistent view of the database (one commit), read by the writer or a reader.
pub(crate) struct View {
    path: PathBuf,
    txn: ReadTransaction,
}

impl View {
    pub(crate) fn of_writer(root: &Path, db: &Database) -> Result<View> {
        let path = state_path(root);
        let txn = db.begin_read().map_err(db_err(&path))?;
        Ok(View { path, txn })
    }

    pub(crate) fn of_reader(root: &Path, db: &ReadOnlyDatabase) -> Result<View> {
        let path = state_path(root);
        let txn = db.begin_read().map_err(db_err(&path))?;
        Ok(View { path, txn })
    }

    fn get(&self, k: &[u8]) -> Result<Option<Vec<u8>>> {
        let table = match self.txn.open_table(ROWS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(db_err(&self.path)(e)),
        };
        Ok(table
            .get(k)
            .map_err(db_err(&self.path))?
            .map(|g| g.value().to_vec()))
    }

    /// The committed generation, `None` for a store whose creation never committed.
    pub(crate) fn meta(&self) -> Result<Option<Meta>> {
        meta_of(&self.path, &|k| self.get(k))
    }

    /// The undo rows of `generation`: each changed row's value before it.
    pub(crate) fn undo(&self, generation: u64) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>> {
        let table = match self.txn.open_table(UNDO) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
            Err(e) => return Err(db_err(&self.path)(e)),
        };
        let lo = generation.to_be_bytes();
        let hi = (generation + 1).to_be_bytes();
        let mut out = BTreeMap::new();
        for r in table
            .range::<&[u8]>(&lo[..]..&hi[..])
            .map_err(db_err(&self.path))?
        {
            let (k, v) = r.map_err(db_err(&self.path))?;
            out.insert(k.value()[8..].to_vec(), v.value().map(<[u8]>::to_vec));
        }
        Ok(out)
    }

    /// The meta of the state before `generation`, from its undo rows (`None` when there are
    /// none: the first generation).
    pub(crate) fn meta_before(
        &self,
        undo: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    ) -> Result<Option<Meta>> {
        if undo.is_empty() {
            return Ok(None);
        }
        meta_of(&self.path, &|k| match undo.get(k) {
            Some(v) => Ok(v.clone()),
            None => self.get(k),
        })
    }

    /// The whole state, with `overlay` (undo rows) in place of the rows it names.
    pub(crate) fn load(&self, overlay: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Result<Saved> {
        let path = &self.path;
        let table = self.txn.open_table(ROWS).map_err(db_err(path))?;
        let mut corpus = Corpus::default();
        let mut commercial = CommercialBook::default();
        let mut readings = Vec::new();
        // Gathered in lists and built into their maps at once: inserted one ascending key
        // at a time, a map's nodes stay about half empty (see `corpus::load`).
        let mut merchants: Vec<(String, crate::corpus::Merchant)> = Vec::new();
        let mut authors: Vec<(String, crate::corpus::Author)> = Vec::new();
        let mut notes: Vec<(CompactString, crate::corpus::Note)> = Vec::new();
        let mut reviews: Vec<(CompactString, crate::corpus::Review)> = Vec::new();
        let mut visits: BTreeMap<u64, crate::corpus::Visit> = BTreeMap::new();
        let mut curation: BTreeMap<u64, crate::corpus::CurationDecision> = BTreeMap::new();
        fn decode<T: DeserializeOwned>(path: &Path, k: &[u8], v: &[u8]) -> Result<T> {
            postcard::from_bytes(v).map_err(|e| {
                corrupt(
                    path,
                    format!("row {:?}: {e}", String::from_utf8_lossy(&k[1..])),
                )
            })
        }
        let mut take = |k: &[u8], v: &[u8]| -> Result<()> {
            let Some((&tag, rest)) = k.split_first() else {
                return Err(corrupt(path, "an empty row key"));
            };
            let id = || String::from_utf8_lossy(rest).into_owned();
            let seq = || -> Result<u64> {
                rest.try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| corrupt(path, "a list row's key is not a position"))
            };
            match tag {
                META => {}
                MERCHANT => {
                    merchants.push((id(), decode(path, k, v)?));
                }
                AUTHOR => {
                    authors.push((id(), decode(path, k, v)?));
                }
                NOTE => {
                    notes.push((id().into(), decode(path, k, v)?));
                }
                REVIEW => {
                    reviews.push((id().into(), decode(path, k, v)?));
                }
                VISIT => {
                    visits.insert(seq()?, decode(path, k, v)?);
                }
                CURATION => {
                    curation.insert(seq()?, decode(path, k, v)?);
                }
                COMMERCIAL => {
                    let terms = serde_json::from_slice(v)
                        .map_err(|e| corrupt(path, format!("commercial terms of {}: {e}", id())))?;
                    commercial.set(&id(), Some(terms));
                }
                READING => readings.push(decode::<Reading>(path, k, v)?.without_cues()),
                other => return Err(corrupt(path, format!("a row of unknown kind {other}"))),
            }
            Ok(())
        };
        for r in table.range::<&[u8]>(..).map_err(db_err(path))? {
            let (k, v) = r.map_err(db_err(path))?;
            let k = k.value();
            if overlay.contains_key(k) {
                continue;
            }
            take(k, v.value())?;
        }
        for (k, v) in overlay {
            if let Some(v) = v {
                take(k, v)?;
            }
        }
        // Every id occurs once (an overlaid row replaces its table row), so these are the
        // maps the rows inserted one by one would make.
        corpus.merchants = merchants.into_iter().collect();
        corpus.authors = authors.into_iter().collect();
        corpus.notes = notes.into_iter().collect();
        corpus.reviews = reviews.into_iter().collect();
        corpus.visits = visits.into_values().collect();
        corpus.curation = curation.into_values().collect();
        let meta = meta_of(path, &|k| match overlay.get(k) {
            Some(v) => Ok(v.clone()),
            None => self.get(k),
        })?
        .ok_or_else(|| corrupt(path, "no generation recorded"))?;
        Ok(Saved {
            meta,
            corpus,
            commercial,
            readings,
        })
    }
}

/// Restores the generation before the committed one from its undo rows (after a crash
/// between the state's commit and the index's).
pub(crate) fn roll_back(root: &Path, db: &Database, generation: u64) -> Result<()> {
    let path = state_path(root);
    let undo = View::of_writer(root, db)?.undo(generation)?;
    let err = |e: redb::Error| db_err::<redb::Error>(&path)(e);
    let txn = db.begin_write().map_err(|e| err(e.into()))?;
    {
        let mut table = txn.open_table(ROWS).map_err(|e| err(e.into()))?;
        for (k, v) in &undo {
            match v {
                Some(v) => table
                    .insert(k.as_slice(), v.as_slice())
                    .map(drop)
                    .map_err(|e| err(e.into()))?,
                None => table
                    .remove(k.as_slice())
                    .map(drop)
                    .map_err(|e| err(e.into()))?,
            }
        }
        let mut u = txn.open_table(UNDO).map_err(|e| err(e.into()))?;
        for k in undo.keys() {
            u.remove(undo_key(generation, k).as_slice())
                .map_err(|e| err(e.into()))?;
        }
    }
    txn.commit().map_err(|e| err(e.into()))
}

/// Removes index folders other than `keep`, and litter of older layouts. Failures only
/// leave litter, which the next cleanup removes, so they are ignored.
pub(crate) fn clean(root: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("index-") && name != keep {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}
