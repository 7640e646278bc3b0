//! A store's folder: generations of saved state beside the search index.
//!
//! ```text
//! STORE/
//!   CURRENT            the published generation, e.g. "7"
//!   gen-7/state.bin    the corpus, commercial terms and every document's reading
//!   index-3/           the tantivy index (named for the generation that created it); its
//!                      last commit's payload is the generation it holds
//! ```
//!
//! An update writes `gen-N+1/state.bin` (through a temporary file, synced, then renamed),
//! then commits the index with payload `N+1`, then replaces `CURRENT`. Opening picks the
//! newest generation whose state file is complete and whose index holds that generation,
//! so a crash at any point leaves the state before or after the update, never a mix.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::{CommercialBook, Corpus};
use crate::error::{Error, InternalError, Result, UserError};
use crate::evidence::extract::{fnv1a, Reading};

/// The file naming the published generation.
pub const CURRENT_FILE: &str = "CURRENT";
/// The state file inside a generation's folder.
pub const STATE_FILE: &str = "state.bin";
const MAGIC: &[u8; 16] = b"jingxuan-state\0\0";
/// Version of the state file's encoding. Bump on any change to what it holds.
const STATE_VERSION: u32 = 1;

/// What a state file holds, for writing (borrowed).
#[derive(Serialize)]
pub(crate) struct StateOut<'a> {
    pub generation: u64,
    pub index_dir: &'a str,
    pub corpus: &'a Corpus,
    /// Merchant id and its commercial object as JSON text (the object's values have no
    /// fixed shape, which a binary encoding cannot describe).
    pub commercial: Vec<(&'a str, String)>,
    pub readings: Vec<Reading>,
}

/// What a state file holds, read back.
#[derive(Deserialize)]
pub(crate) struct StateIn {
    pub generation: u64,
    pub index_dir: String,
    pub corpus: Corpus,
    pub commercial: Vec<(String, String)>,
    pub readings: Vec<Reading>,
}

/// The small header before a state file's body: enough to choose a generation without
/// decoding the body.
#[derive(Serialize, Deserialize)]
pub(crate) struct Header {
    pub version: u32,
    pub generation: u64,
    pub index_dir: String,
    pub body_len: u64,
    pub body_hash: u64,
}

pub(crate) fn gen_dir(root: &Path, generation: u64) -> PathBuf {
    root.join(format!("gen-{generation}"))
}

pub(crate) fn index_dir_name(generation: u64) -> String {
    format!("index-{generation}")
}

fn write_err(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| {
        Error::Internal(InternalError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Internal(InternalError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    })
}

/// Syncs a folder so that a rename or creation inside it survives a power cut.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(write_err(dir))
}

/// Writes `bytes` to `path` atomically: a temporary file, synced, renamed over `path`.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(write_err(&tmp))?;
    f.write_all(bytes).map_err(write_err(&tmp))?;
    f.sync_all().map_err(write_err(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(write_err(path))?;
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Encodes and writes one generation's state file.
pub(crate) fn write_state(root: &Path, state: &StateOut<'_>) -> Result<()> {
    let dir = gen_dir(root, state.generation);
    fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    sync_dir(root)?;
    let path = dir.join(STATE_FILE);
    let body = postcard::to_stdvec(state)
        .map_err(|e| InternalError::Invariant(format!("cannot encode the store state: {e}")))?;
    let header = postcard::to_stdvec(&Header {
        version: STATE_VERSION,
        generation: state.generation,
        index_dir: state.index_dir.to_string(),
        body_len: body.len() as u64,
        body_hash: fnv1a(body.iter().copied()),
    })
    .map_err(|e| InternalError::Invariant(format!("cannot encode the state header: {e}")))?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + header.len() + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&body);
    write_atomic(&path, &bytes)
}

/// Reads a state file's header; `None` when the file is absent (a generation whose state
/// was never completed).
pub(crate) fn read_header(root: &Path, generation: u64) -> Result<Option<Header>> {
    let path = gen_dir(root, generation).join(STATE_FILE);
    let mut f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(UserError::Unreadable { path, source }.into()),
    };
    let mut start = [0u8; 20];
    f.read_exact(&mut start)
        .map_err(|_| corrupt(&path, "shorter than its header"))?;
    if &start[..16] != MAGIC {
        return Err(corrupt(&path, "not a jingxuan state file"));
    }
    let len = u32::from_le_bytes([start[16], start[17], start[18], start[19]]) as usize;
    if len > 1 << 20 {
        return Err(corrupt(&path, "header too long"));
    }
    let mut header = vec![0u8; len];
    f.read_exact(&mut header)
        .map_err(|_| corrupt(&path, "header cut short"))?;
    let header: Header =
        postcard::from_bytes(&header).map_err(|e| corrupt(&path, format!("header: {e}")))?;
    if header.version != STATE_VERSION {
        return Err(Error::User(UserError::NotAStore {
            path: root.to_path_buf(),
            reason: format!(
                "its state is format {} and this build reads format {STATE_VERSION}; rebuild it from the corpus",
                header.version
            ),
        }));
    }
    Ok(Some(header))
}

/// Reads and checks a whole state file.
pub(crate) fn read_state(root: &Path, generation: u64) -> Result<StateIn> {
    let path = gen_dir(root, generation).join(STATE_FILE);
    let bytes = fs::read(&path).map_err(|source| UserError::Unreadable {
        path: path.clone(),
        source,
    })?;
    let header = read_header(root, generation)?
        .ok_or_else(|| corrupt(&path, "disappeared while being read"))?;
    let header_len = bytes
        .get(16..20)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| corrupt(&path, "shorter than its header"))?;
    let body = bytes
        .get(20 + header_len..)
        .filter(|b| b.len() as u64 == header.body_len)
        .ok_or_else(|| corrupt(&path, "its length differs from the one recorded"))?;
    if fnv1a(body.iter().copied()) != header.body_hash {
        return Err(corrupt(&path, "checksum mismatch"));
    }
    let state: StateIn =
        postcard::from_bytes(body).map_err(|e| corrupt(&path, format!("body: {e}")))?;
    if state.generation != generation || state.index_dir != header.index_dir {
        return Err(corrupt(&path, "its body disagrees with its header"));
    }
    Ok(state)
}

/// The published generation, if `CURRENT` exists.
pub(crate) fn read_current(root: &Path) -> Result<Option<u64>> {
    let path = root.join(CURRENT_FILE);
    match fs::read_to_string(&path) {
        Ok(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| corrupt(&path, format!("{:?} is not a generation number", s.trim()))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(UserError::Unreadable { path, source }.into()),
    }
}

pub(crate) fn write_current(root: &Path, generation: u64) -> Result<()> {
    write_atomic(
        &root.join(CURRENT_FILE),
        format!("{generation}\n").as_bytes(),
    )
}

/// Generations with a folder, newest first.
pub(crate) fn generations(root: &Path) -> Result<Vec<u64>> {
    let mut out: Vec<u64> = list(root)?
        .iter()
        .filter_map(|n| n.strip_prefix("gen-")?.parse().ok())
        .collect();
    out.sort_unstable_by(|a, b| b.cmp(a));
    Ok(out)
}

/// Names of the entries of `root`.
pub(crate) fn list(root: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(root).map_err(|source| UserError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    let mut names = Vec::new();
    for e in entries {
        let e = e.map_err(|source| UserError::Unreadable {
            path: root.to_path_buf(),
            source,
        })?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Removes what no longer belongs to generation `keep` (older or abandoned generations,
/// indexes other than `index_dir`). Failures only leave litter, which the next cleanup
/// removes, so they are ignored.
pub(crate) fn clean(root: &Path, keep: u64, index_dir: &str) {
    let Ok(names) = list(root) else { return };
    for name in names {
        let path = root.join(&name);
        let stale_gen = name
            .strip_prefix("gen-")
            .and_then(|g| g.parse::<u64>().ok())
            .is_some_and(|g| g != keep);
        let stale_index = name.starts_with("index-") && name != index_dir;
        if stale_gen || stale_index {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Commercial terms as (merchant id, JSON text) pairs, and back.
pub(crate) fn commercial_out(book: &CommercialBook) -> Vec<(&str, String)> {
    book.iter()
        .map(|(id, terms)| {
            (
                id,
                serde_json::to_string(terms).unwrap_or_else(|_| "{}".to_string()),
            )
        })
        .collect()
}

pub(crate) fn commercial_in(path: &Path, pairs: Vec<(String, String)>) -> Result<CommercialBook> {
    let mut book = CommercialBook::default();
    for (id, json) in pairs {
        let terms = serde_json::from_str(&json)
            .map_err(|e| corrupt(path, format!("commercial terms of {id}: {e}")))?;
        book.set(&id, Some(terms));
    }
    Ok(book)
}
