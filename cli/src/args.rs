//! What more than one subcommand takes: the input limits, the source of a read command (a
//! corpus folder or a saved store), `--as-of`, the policy and the previous list.

use std::path::{Path, PathBuf};

use jingxuan::corpus::{self, LoadOptions, Mode, Timestamp};
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Snapshot, Store, StoreOptions};
use jingxuan::{Analysis, Engine, Error, UserError};

use crate::progress::Progress;

/// Caps on what one corpus line may hold (`LoadOptions` in the library); a line past one
/// is a problem naming the cap. The defaults are generous: raise one only for a corpus
/// that really needs it.
#[derive(clap::Args, Clone, Copy)]
#[command(next_help_heading = "Input limits (LoadOptions)")]
pub struct Limits {
    /// Longest line, in bytes (max_line_bytes; at most 1 GiB)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_line_bytes as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_LINE_BYTES as u64))]
    max_line_bytes: u64,
    /// Longest note title or body, review text or curation reason, in characters
    /// (max_text_chars)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_text_chars as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_CHARS as u64))]
    max_text_chars: u64,
    /// Longest id, name, timestamp, tag or alias, in characters (max_field_chars)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_field_chars as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_CHARS as u64))]
    max_field_chars: u64,
    /// Most tags on one note (max_tags)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_tags as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_COUNT as u64))]
    max_tags: u64,
    /// Most merchant ids on one note (max_merchant_ids)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_merchant_ids as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_COUNT as u64))]
    max_merchant_ids: u64,
    /// Most aliases of one merchant (max_aliases)
    #[arg(long, global = true, value_name = "N", default_value_t = LoadOptions::default().max_aliases as u64,
          value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_COUNT as u64))]
    max_aliases: u64,
}

/// The command line's limits, set once in `main` before any corpus is read.
pub static LIMITS: std::sync::OnceLock<Limits> = std::sync::OnceLock::new();

/// A number clap has already bounded (every bound is far below `usize::MAX`).
pub fn as_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

pub fn load_options(lenient: bool, max_problems: usize) -> LoadOptions {
    let defaults = LoadOptions::default();
    let limits = LIMITS.get();
    let pick = |f: fn(&Limits) -> u64, default: usize| limits.map_or(default, |l| as_usize(f(l)));
    LoadOptions {
        mode: if lenient { Mode::Lenient } else { Mode::Strict },
        max_problems,
        max_line_bytes: pick(|l| l.max_line_bytes, defaults.max_line_bytes),
        max_text_chars: pick(|l| l.max_text_chars, defaults.max_text_chars),
        max_field_chars: pick(|l| l.max_field_chars, defaults.max_field_chars),
        max_tags: pick(|l| l.max_tags, defaults.max_tags),
        max_merchant_ids: pick(|l| l.max_merchant_ids, defaults.max_merchant_ids),
        max_aliases: pick(|l| l.max_aliases, defaults.max_aliases),
        ..defaults
    }
}

/// Where a read command's answer comes from: a corpus folder (read and analysed now) or
/// a store kept by `jingxuan update` (its latest generation, nothing read again).
#[derive(clap::Args)]
pub struct Source {
    /// Corpus folder (or give --store)
    #[arg(required_unless_present = "store")]
    pub corpus: Option<PathBuf>,
    /// Read the latest generation of a store kept by `jingxuan update` instead of a corpus
    /// folder: no text is read again
    #[arg(long, value_name = "DIR", conflicts_with_all = ["corpus", "lenient"])]
    pub store: Option<PathBuf>,
    /// Skip bad records instead of failing
    #[arg(long)]
    pub lenient: bool,
}

impl Source {
    /// The analysis of the source as of `as_of`. From a corpus folder, only what `scope`
    /// asks about is read and weighed (a city's shard, or a merchant's city's, plus the
    /// cheap global pass over authors); a store answers from its saved analysis.
    pub fn analysis(
        &self,
        as_of: Option<Timestamp>,
        scope: Scope<'_>,
        progress: &Progress,
    ) -> Result<Analysis, Error> {
        if let Some(dir) = &self.store {
            return Ok(snapshot(dir, as_of, progress)?.analysis().clone());
        }
        let Some(corpus_dir) = &self.corpus else {
            return Err(UserError::InvalidArgument {
                what: "CORPUS".into(),
                reason: "give a corpus folder or --store DIR".into(),
            }
            .into());
        };
        progress.set_message("reading corpus");
        let loaded = corpus::load(corpus_dir, &load_options(self.lenient, 100))?;
        progress.set_message("reading and weighing notes and reviews");
        let engine = Engine::for_corpus(&loaded.corpus)?;
        let city = match scope {
            Scope::City(city) => city.to_string(),
            Scope::Merchant(id) => loaded
                .corpus
                .merchants
                .get(id)
                .map(|m| m.city.clone())
                .ok_or_else(|| UserError::UnknownMerchant { id: id.to_string() })?,
        };
        // The corpus is handed over: other cities' records are dropped once the global
        // pass has read them, before the city's own analysis.
        jingxuan::shard::analyze_one_city_owned(&engine, loaded.corpus, &city, as_of)
    }
}

/// What a read command asks about, so that a corpus folder's analysis reads only that.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    /// One city.
    City(&'a str),
    /// One merchant (its city).
    Merchant(&'a str),
}

/// The latest generation of the store in `dir`, read without writing.
pub fn snapshot(
    dir: &Path,
    as_of: Option<Timestamp>,
    progress: &Progress,
) -> Result<Snapshot, Error> {
    progress.set_message("reading the store");
    let options = StoreOptions {
        as_of,
        ..StoreOptions::default()
    };
    Store::read_snapshot(dir, &options)
}

pub fn parse_as_of(as_of: Option<String>) -> Result<Option<Timestamp>, Error> {
    as_of
        .map(|t| {
            Timestamp::parse_date_or_rfc3339(&t).map_err(|reason| {
                Error::from(UserError::InvalidArgument {
                    what: format!("--as-of {t:?}"),
                    reason,
                })
            })
        })
        .transpose()
}

/// What `select` and `report` both take: a source, a city and the policy to choose by.
#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub source: Source,
    /// City, as written in the corpus (e.g. 杭州)
    #[arg(long)]
    pub city: String,
    /// Stores on the list (overrides the policy's `limit`; 0 to 10000)
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=SelectionPolicy::MAX_LIMIT as u64))]
    pub limit: Option<u64>,
    /// Choose as of this instant (RFC 3339 or a date); default: the corpus's latest
    /// timestamp
    #[arg(long, value_name = "T")]
    pub as_of: Option<String>,
    /// Only merchants whose notes and reviews match, e.g. "安静 咖啡"
    #[arg(long)]
    pub query: Option<String>,
    /// Policy file, TOML or JSON (by extension); missing fields take their defaults
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The previously published list (a JSON output of `select`, or one merchant id per
    /// line): keeps the list stable within the policy's margin and says what entered and
    /// left
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
}

/// A list request as the arguments name it, read before any corpus (so a bad policy or
/// previous-list file fails first).
pub struct List {
    pub analysis: Analysis,
    pub city: String,
    pub policy: SelectionPolicy,
    pub previous: Option<Vec<String>>,
    pub query: Option<String>,
}

impl ListArgs {
    /// Reads the argument files, then the source's analysis.
    pub fn open(self, progress: &Progress) -> Result<List, Error> {
        let as_of = parse_as_of(self.as_of)?;
        let policy = effective_policy(self.policy.as_deref(), self.limit)?;
        let previous = self.previous.as_deref().map(load_previous).transpose()?;
        let request = jingxuan::selection::ListRequest {
            query: self.query.as_deref(),
            ..Default::default()
        };
        request.validate()?;
        let analysis = self
            .source
            .analysis(as_of, Scope::City(&self.city), progress)?;
        progress.set_message("selecting");
        Ok(List {
            analysis,
            city: self.city,
            policy,
            previous,
            query: self.query,
        })
    }
}

impl List {
    /// The list the arguments ask for.
    pub fn select(&self) -> Result<jingxuan::selection::Selection, Error> {
        let request = jingxuan::selection::ListRequest {
            previous: self.previous.as_deref(),
            query: self.query.as_deref(),
        };
        self.analysis.select(&self.city, &self.policy, &request)
    }
}

pub fn read_file(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| {
        UserError::Unreadable {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn load_policy(path: Option<&Path>) -> Result<SelectionPolicy, Error> {
    let Some(path) = path else {
        return Ok(SelectionPolicy::default());
    };
    let text = read_file(path)?;
    let is_json = path.extension().is_some_and(|e| e == "json");
    if is_json {
        SelectionPolicy::from_json_str(&text)
    } else {
        SelectionPolicy::from_toml_str(&text)
    }
}

/// Merchant ids of a previous list: the JSON output of `select`, or one id per line.
fn load_previous(path: &Path) -> Result<Vec<String>, Error> {
    let text = read_file(path)?;
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Some(stores) = v["stores"].as_array() {
            return Ok(stores
                .iter()
                .filter_map(|s| s["merchant_id"].as_str().map(String::from))
                .collect());
        }
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect())
}

/// The policy file with the command line's `--limit` over it (`--query` is part of the
/// request, not of the policy).
fn effective_policy(path: Option<&Path>, limit: Option<u64>) -> Result<SelectionPolicy, Error> {
    let mut policy = load_policy(path)?;
    if let Some(limit) = limit {
        policy.limit = as_usize(limit);
    }
    policy.validated()
}
