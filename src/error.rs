//! One error type for the whole API, split as tantivy and milli do: the caller's mistakes
//! ([`UserError`]: bad input, an unknown city, a missing file) apart from faults inside the
//! engine ([`InternalError`]), so a service can answer 4xx for one and page someone for the
//! other.
//!
//! The rules this module keeps:
//!
//! - **Input never panics.** Whatever the bytes of a corpus, an argument or a query, the
//!   library returns a [`UserError`] (or, for one bad line, a [`Problem`] inside it);
//!   library code has no `unwrap`/`expect` on input-derived data, and counts from the input
//!   saturate instead of overflowing. Held by the fuzz targets in `fuzz/`,
//!   `tests/corpus_props.rs`, `tests/hostile.rs` and the bad-case corpus of
//!   `tests/cases/corpus/`.
//! - **Every user message says what to fix**: which file, line and field, what was
//!   expected, and for a size cap the limit and the [`LoadOptions`] field that raises it.
//! - **An [`InternalError`] is our bug or our storage's fault**, never the caller's input:
//!   the fuzz targets assert that no input yields one.
//!
//! [`LoadOptions`]: crate::corpus::LoadOptions

use std::fmt;
use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the library returns.
///
/// # Example
///
/// A service maps [`kind`](Error::kind) to its answer and shows the message, which says
/// what to fix:
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::selection::SelectionPolicy;
/// use jingxuan::{Engine, ErrorKind};
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
///
/// let e = analysis.score_city("北京").unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::NotFound);
/// assert!(e.to_string().contains("杭州"), "{e}"); // it lists the known cities
/// assert_eq!(analysis.merchant("m-404").err().map(|e| e.kind()), Some(ErrorKind::NotFound));
///
/// let e = SelectionPolicy::from_toml_str("limit = 1000000").unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert!(e.is_user_error() && e.to_string().contains("limit"), "{e}");
///
/// // A bad line names its file, line and field.
/// let merchants = r#"{"id":"m-1","name":"隐巷咖啡","city":"杭州","category":"饮品/咖啡"}"#;
/// let reviews = r#"{"id":"r-1","author_id":"u-1","merchant_id":"m-1","created_at":"2025-10-02T12:00:00+08:00","rating":7}"#;
/// let files = [("merchants.jsonl", merchants.as_bytes()), ("reviews.jsonl", reviews.as_bytes())];
/// let e = corpus::load_from_readers(files, &LoadOptions::default()).unwrap_err();
/// assert_eq!(e.kind(), ErrorKind::InvalidInput);
/// assert!(e.to_string().contains("reviews.jsonl:1: rating"), "{e}");
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input is wrong; the message says what to fix.
    #[error(transparent)]
    User(#[from] UserError),
    /// Something failed inside the engine or its storage; not the caller's fault.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

impl Error {
    /// True when the caller can fix this by changing their input.
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::User(_))
    }

    /// What kind of failure this is, for a service to map (to an HTTP status, a gRPC
    /// code): something asked for does not exist, the input is wrong, or the fault is
    /// ours.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::User(u) => match u {
                UserError::UnknownCity { .. } | UserError::UnknownMerchant { .. } => {
                    ErrorKind::NotFound
                }
                _ => ErrorKind::InvalidInput,
            },
            Error::Internal(_) => ErrorKind::Internal,
        }
    }
}

/// The kind of an [`Error`] (see [`Error::kind`]): what a service answers. [`Error`]'s
/// example shows each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A city or merchant the caller named is not in the corpus (HTTP 404).
    NotFound,
    /// Any other mistake of the caller: a bad argument, policy, corpus or batch, a path
    /// that cannot be read or written, a store another process is updating (HTTP 400,
    /// or 409 for [`UserError::StoreBusy`] if the service tells them apart).
    InvalidInput,
    /// A fault of the engine or its storage, never the input's (HTTP 500).
    Internal,
}

/// Mistakes in what the caller gave us.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// A file or folder the caller named could not be read (missing, no permission, not a
    /// folder, or a read failed midway).
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A file the caller asked us to write (e.g. a report's `--out`) could not be written:
    /// a missing folder, no permission.
    #[error("cannot write {}: {source}", path.display())]
    Unwritable {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The corpus folder lacks the one required file.
    #[error("{}: no merchants.jsonl: a corpus folder must hold at least merchants.jsonl (see corpus-format.md)", dir.display())]
    MissingMerchants {
        /// The corpus folder.
        dir: PathBuf,
    },
    /// Records of one file break the contract (strict mode). `problems` is capped; `total`
    /// counts them all. Each problem names file, line and field and says what is wrong;
    /// lenient mode ([`Mode::Lenient`](crate::corpus::Mode)) skips such lines instead.
    #[error("{}", InvalidCorpusDisplay { file, problems, total: *total })]
    InvalidCorpus {
        /// The file name within the corpus folder.
        file: String,
        /// The first problems (at most `LoadOptions::max_problems`).
        problems: Vec<Problem>,
        /// Every problem of the file, counted.
        total: usize,
    },
    /// No merchant of the corpus is in this city.
    #[error("unknown city {city:?}; {}", if known.is_empty() { "the corpus has no merchants".to_string() } else { format!("the corpus has: {}", known.join(", ")) })]
    UnknownCity {
        /// The city asked for.
        city: String,
        /// The corpus's cities.
        known: Vec<String>,
    },
    /// No merchant has this id.
    #[error("unknown merchant {id:?}: no merchant of the corpus has this id (ids are the `id` field of merchants.jsonl)")]
    UnknownMerchant {
        /// The id asked for.
        id: String,
    },
    /// An argument (a timestamp, a query, a limit, a policy field) is malformed.
    #[error("{what}: {reason}")]
    InvalidArgument {
        /// The argument or field (`query`, `policy field limit`, `--as-of "x"`).
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The folder is not a jingxuan index, or was written by an incompatible version.
    #[error("{}: not a jingxuan index: {reason}", path.display())]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
        /// Why it is not one.
        reason: String,
    },
    /// The folder is not a saved jingxuan store (see [`Store`](crate::store::Store)), or
    /// holds no complete state.
    #[error("{}: not a jingxuan store: {reason}", path.display())]
    NotAStore {
        /// The folder.
        path: PathBuf,
        /// Why it is not one.
        reason: String,
    },
    /// Another process (or another handle in this one) is updating the store: one update
    /// at a time may run.
    #[error("{}: another update of this store is running (its state is open for writing elsewhere); wait for it to finish, then try again", path.display())]
    StoreBusy {
        /// The store folder.
        path: PathBuf,
    },
}

/// Faults of the engine itself or of its storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InternalError {
    /// The search index failed.
    #[cfg(feature = "search")]
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Writing engine state failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A saved file is damaged (its checksum or encoding is wrong): the disk or another
    /// program changed it.
    #[error("{}: damaged: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The store's state database failed.
    #[cfg(feature = "store")]
    #[error("{}: state database: {source}", path.display())]
    State {
        /// The database file.
        path: PathBuf,
        /// What the database said.
        #[source]
        source: Box<redb::Error>,
    },
    /// A bug: an invariant the engine relies on did not hold.
    #[error("internal invariant broken: {0}")]
    Invariant(String),
}

#[cfg(feature = "search")]
impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Self {
        Error::Internal(InternalError::Index(e))
    }
}

/// One problem with one input line: printed as `file:line: field: reason`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Problem {
    /// File name within the corpus folder, e.g. `reviews.jsonl`.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The offending field (`-` when the whole line is at fault, e.g. invalid JSON).
    pub field: String,
    /// What is wrong, in words a data producer can act on.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.reason
        )
    }
}

struct InvalidCorpusDisplay<'a> {
    file: &'a str,
    problems: &'a [Problem],
    total: usize,
}

impl fmt::Display for InvalidCorpusDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} invalid record(s)", self.file, self.total)?;
        for p in self.problems {
            write!(f, "\n{p}")?;
        }
        if self.total > self.problems.len() {
            write!(f, "\n… and {} more", self.total - self.problems.len())?;
        }
        Ok(())
    }
}
