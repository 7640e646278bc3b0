//! `jingxuan`: check, index, search, score, explain, select and report on a corpus of notes
//! and reviews.
//!
//! The subcommands and JSON fields follow `docs/corpus-format.md` (the contract other tools
//! read): fields may be added, none renamed.

mod fault;
mod output;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use jingxuan::corpus::Timestamp;
use jingxuan::corpus::{self, LoadOptions, Loaded, Mode};
use jingxuan::evidence::link::NoteLinks;
use jingxuan::index::{DocKind, SearchIndex, SearchQuery};
use jingxuan::report::Report;
use jingxuan::selection::SelectionPolicy;
use jingxuan::store::{Store, StoreOptions};
use jingxuan::text::Analyzer;
use jingxuan::trust::Discount;
use jingxuan::{Engine, Error, UserError};

use output::{outln, Table};
use progress::Progress;

// The pipeline allocates many small strings from several threads; mimalloc keeps that
// cheaper than the system allocator (benches/README.md). The library leaves the choice
// to its host.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, so scripts can tell a bad corpus from a broken engine.
mod exit {
    /// The corpus or an argument is at fault (`check` found problems, unknown city, …).
    pub const BAD_INPUT: u8 = 1;
    /// Command-line usage error (clap's own code).
    #[allow(dead_code)]
    pub const USAGE: u8 = 2;
    /// A fault inside the engine or its storage: not the input's fault.
    pub const INTERNAL: u8 = 3;
}

const AFTER_HELP: &str = "\
Exit codes:
  0  success (for `check`: the corpus is clean, or --lenient could read merchants.jsonl)
  1  bad input: the corpus breaks the contract, a file is missing, an unknown city, …
  2  usage error: unknown flag, missing argument
  3  internal fault: the index or engine failed; not the input's fault

Examples:
  jingxuan check fixtures/demo
  jingxuan check --lenient fixtures/planted-errors
  jingxuan index fixtures/demo --index /tmp/jx-index
  jingxuan search --index /tmp/jx-index --city 杭州 \"咖啡 安静\"
  jingxuan score fixtures/demo --city 杭州 --as-of 2025-11-01
  jingxuan explain fixtures/demo --merchant m-hz-0103
  jingxuan select fixtures/demo --city 杭州 --limit 20
  jingxuan select fixtures/demo --city 上海 --query \"安静 咖啡\" --json
  jingxuan report fixtures/demo --city 杭州 --out report.html
  jingxuan update --store /tmp/jx-store --from fixtures/demo
  jingxuan update --store /tmp/jx-store new-batch/

The corpus format is docs/corpus-format.md. Output is a table for people, or JSON with
--json; progress is shown only on a terminal and never with --json.";

#[derive(Parser)]
#[command(
    name = "jingxuan",
    version,
    about = "精选: curated city store lists from trustworthy word of mouth",
    long_about = "精选 (jingxuan) reads a corpus of merchants, user notes (种草笔记) and reviews \
(点评) as JSON Lines, validates it, indexes the text for search, scores every merchant by \
credible word of mouth, selects a broad, fair list per city, and keeps all of it up to date with \
later batches (`update`). Money never moves a score: merchants' commercial data is read but \
never used for ranking.",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    limits: Limits,
}

/// Caps on what one corpus line may hold (`LoadOptions` in the library); a line past one
/// is a problem naming the cap. The defaults are generous: raise one only for a corpus
/// that really needs it.
#[derive(clap::Args, Clone, Copy)]
#[command(next_help_heading = "Input limits (LoadOptions)")]
struct Limits {
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

/// The most rows `score --limit` may ask the table for.
const SCORE_TABLE_MAX: u64 = 1_000_000;

/// The command line's limits, set once in `main` before any corpus is read.
static LIMITS: std::sync::OnceLock<Limits> = std::sync::OnceLock::new();

#[derive(Subcommand)]
enum Command {
    /// Validate a corpus; print every problem as `file:line: field: reason`.
    ///
    /// Exit 0 only when the corpus is clean. With --lenient, bad records are skipped and
    /// counted per reason, and the exit is 0 when at least merchants.jsonl was readable.
    Check {
        /// Corpus folder (holds merchants.jsonl and optionally authors, notes, reviews,
        /// visits, curation .jsonl)
        corpus: PathBuf,
        /// Skip bad records instead of failing; account for every line read
        #[arg(long)]
        lenient: bool,
        /// Print at most this many problems per file (all are counted)
        #[arg(long, default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(0..=LoadOptions::MAX_COUNT as u64))]
        max_problems: u64,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Build or update the persistent search index of a corpus's notes and reviews.
    ///
    /// An existing index in DIR is updated: documents are added or replaced by id, so a
    /// later corpus batch can be fed to the same DIR.
    Index {
        /// Corpus folder
        corpus: PathBuf,
        /// Index folder (created if missing)
        #[arg(long, value_name = "DIR")]
        index: PathBuf,
        /// Skip bad records instead of failing
        #[arg(long)]
        lenient: bool,
        /// Print JSON instead of a summary
        #[arg(long)]
        json: bool,
    },
    /// Keep a saved store (corpus, analysis and search index) up to date with batches.
    ///
    /// The first call creates the store in DIR from --from CORPUS; every call then applies
    /// each BATCH folder in order: new, edited and deleted notes, reviews, authors,
    /// merchants, visits and curation decisions, in the corpus format. Only new or edited
    /// texts are read again, and only cities with an affected merchant are re-scored. An
    /// update cut short (a crash, a kill, a power cut) leaves the store as it was before or
    /// after that batch, never between; run the same command again to complete it.
    ///
    /// Example: jingxuan update --store /tmp/jx --from fixtures/demo batch-1 batch-2
    Update {
        /// Store folder (created with --from when missing or empty)
        #[arg(long, value_name = "DIR")]
        store: PathBuf,
        /// Corpus folder to create the store from
        #[arg(long, value_name = "CORPUS")]
        from: Option<PathBuf>,
        /// Batch folders to apply, in order
        #[arg(value_name = "BATCH")]
        batches: Vec<PathBuf>,
        /// Score as of this instant (RFC 3339 or a date); default: each generation's
        /// latest timestamp
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
        /// Skip bad records instead of refusing a batch
        #[arg(long)]
        lenient: bool,
        /// Print JSON instead of a summary
        #[arg(long)]
        json: bool,
        #[cfg(feature = "fault-injection")]
        #[command(flatten)]
        fault: fault::FaultArgs,
    },
    /// Find notes and reviews of a city matching a query, with highlighted snippets.
    ///
    /// The query is segmented like the indexed text: every word must match, in any order
    /// and at any distance (`咖啡 安静` finds `这家咖啡馆很安静`); when no text holds them
    /// all, texts holding more of them come first.
    Search {
        /// Index folder built by `jingxuan index`
        #[arg(long, value_name = "DIR")]
        index: PathBuf,
        /// City, as written in the corpus (e.g. 杭州)
        #[arg(long)]
        city: String,
        /// Restrict to a category path or its top level (e.g. 饮品 or 饮品/咖啡)
        #[arg(long)]
        category: Option<String>,
        /// Only notes or only reviews
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Maximum number of hits (1 to 10000)
        #[arg(long, default_value_t = 10,
              value_parser = clap::value_parser!(u64).range(1..=SearchQuery::MAX_LIMIT as u64))]
        limit: u64,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// What to look for, e.g. "咖啡 安静"
        query: String,
    },
    /// Score every merchant of a city by trustworthy word of mouth, best first.
    ///
    /// The score (0–100) is the lower end of an interval around the merchant's shrunk mean
    /// opinion: credible, verified, recent voices count most; sponsored notes, a merchant's
    /// own account, templated text, bursts and collusive groups are discounted and flagged.
    /// Commercial data is never read for scoring.
    Score {
        /// Corpus folder
        corpus: PathBuf,
        /// City, as written in the corpus (e.g. 杭州)
        #[arg(long)]
        city: String,
        /// Score as of this instant (RFC 3339 or a date); default: the corpus's latest
        /// timestamp, so the same corpus always gives the same answer
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
        /// Show only the first N merchants in the table (JSON always has all; 1 to 1000000)
        #[arg(long, default_value_t = 30,
              value_parser = clap::value_parser!(u64).range(1..=SCORE_TABLE_MAX))]
        limit: u64,
        /// Skip bad records instead of failing
        #[arg(long)]
        lenient: bool,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Select the curated 精选 list of a city: quality first, then breadth.
    ///
    /// Only eligible merchants above the policy's bar enter. Every top-level group and
    /// district with qualified supply gets a place first, then the list is filled by score
    /// with a diversity penalty, under a category share cap and a per-brand cap. Also prints
    /// the human review queue and the supply gaps (district × category) to recruit for.
    Select {
        #[command(flatten)]
        list: ListArgs,
        /// Print JSON instead of tables
        #[arg(long)]
        json: bool,
    },
    /// Write a city's curated list as one self-contained HTML page for curators and
    /// merchant teams.
    ///
    /// The page holds the list as cards (score and its uncertainty, reasons, evidence,
    /// flags), a map of every merchant with coordinates, the district × category coverage
    /// grid with its gaps, the review queue, what changed since --previous, and the
    /// merchants flagged for manipulation. It opens offline (inline CSS and SVG, no script,
    /// nothing fetched), and the same input writes the same bytes.
    ///
    /// Example: jingxuan report fixtures/demo --city 杭州 --out report.html
    Report {
        #[command(flatten)]
        list: ListArgs,
        /// The HTML file to write (replaced if it exists)
        #[arg(long, short = 'o', value_name = "FILE")]
        out: PathBuf,
    },
    /// Show every signal behind one merchant's score: weights, flags, and the notes and
    /// reviews that carried it either way.
    Explain {
        /// Corpus folder
        corpus: PathBuf,
        /// Merchant id
        #[arg(long)]
        merchant: String,
        /// Explain as of this instant (RFC 3339 or a date); default: the corpus's latest
        /// timestamp
        #[arg(long, value_name = "T")]
        as_of: Option<String>,
        /// Skip bad records instead of failing
        #[arg(long)]
        lenient: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Note,
    Review,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = LIMITS.set(cli.limits);
    let result = match cli.command {
        Command::Check {
            corpus,
            lenient,
            max_problems,
            json,
        } => check(corpus, lenient, as_usize(max_problems), json),
        Command::Index {
            corpus,
            index,
            lenient,
            json,
        } => index_cmd(corpus, index, lenient, json),
        Command::Update {
            store,
            from,
            batches,
            as_of,
            lenient,
            json,
            #[cfg(feature = "fault-injection")]
            fault,
        } => {
            #[cfg(not(feature = "fault-injection"))]
            let fault = fault::FaultArgs;
            update_cmd(store, from, batches, as_of, lenient, json, fault)
        }
        Command::Search {
            index,
            city,
            category,
            kind,
            limit,
            json,
            query,
        } => search(index, city, category, kind, as_usize(limit), json, query),
        Command::Score {
            corpus,
            city,
            as_of,
            limit,
            lenient,
            json,
        } => score_cmd(corpus, city, as_of, as_usize(limit), lenient, json),
        Command::Select { list, json } => select_cmd(list, json),
        Command::Report { list, out } => report_cmd(list, out),
        Command::Explain {
            corpus,
            merchant,
            as_of,
            lenient,
            json,
        } => explain_cmd(corpus, merchant, as_of, lenient, json),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("jingxuan: {e}");
            ExitCode::from(if e.is_user_error() {
                exit::BAD_INPUT
            } else {
                exit::INTERNAL
            })
        }
    }
}

/// A number clap has already bounded (every bound is far below `usize::MAX`).
fn as_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn load_options(lenient: bool, max_problems: usize) -> LoadOptions {
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

fn check(dir: PathBuf, lenient: bool, max_problems: usize, json: bool) -> Result<u8, Error> {
    let progress = Progress::spinner(!json, "reading corpus");
    let loaded = corpus::load(&dir, &load_options(lenient, max_problems));
    progress.finish();
    let loaded = match loaded {
        Ok(l) => l,
        Err(Error::User(UserError::InvalidCorpus {
            file,
            problems,
            total,
        })) => {
            if json {
                output::print_json(&serde_json::json!({
                    "corpus": dir.to_string_lossy(),
                    "clean": false,
                    "mode": "strict",
                    "failed_file": file,
                    "problem_count": total,
                    "problems": problems,
                }));
            } else {
                for p in &problems {
                    outln!("{p}");
                }
                if total > problems.len() {
                    outln!("… {} more problems in {file}", total - problems.len());
                }
                eprintln!(
                    "{file}: {total} problem(s); later files were not checked (use --lenient to skip bad records)"
                );
            }
            return Ok(exit::BAD_INPUT);
        }
        Err(e) => return Err(e),
    };
    let links = NoteLinks::build(&loaded.corpus);
    let clean = loaded.report.is_clean();
    if json {
        output::print_json(&serde_json::json!({
            "corpus": dir.to_string_lossy(),
            "clean": clean,
            "mode": if lenient { "lenient" } else { "strict" },
            "files": loaded.report.files,
            "warning_count": loaded.report.warning_count,
            "warnings": loaded.report.warnings,
            "commercial_terms": loaded.commercial.len(),
            "note_links": links.stats(),
        }));
    } else {
        print_check_table(&loaded, &links);
    }
    Ok(if clean || lenient { 0 } else { exit::BAD_INPUT })
}

fn print_check_table(loaded: &Loaded, links: &NoteLinks) {
    let report = &loaded.report;
    for f in &report.files {
        for p in &f.problems {
            outln!("{p}");
        }
    }
    let mut table = Table::new(&[
        "file", "lines", "blank", "accepted", "edits", "deleted", "skipped",
    ]);
    for f in &report.files {
        if !f.present {
            table.row(vec![f.file.to_string(), "absent".into()]);
            continue;
        }
        let skipped: u64 = f.skipped.values().sum();
        let detail = if f.skipped.is_empty() {
            skipped.to_string()
        } else {
            let reasons: Vec<String> = f.skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("{skipped} ({})", reasons.join(", "))
        };
        table.row(vec![
            f.file.to_string(),
            f.lines.to_string(),
            f.blank.to_string(),
            f.accepted.to_string(),
            f.replaced.to_string(),
            f.deleted.to_string(),
            detail,
        ]);
    }
    table.print();
    for w in &report.warnings {
        outln!("warning: {w}");
    }
    if report.warning_count > report.warnings.len() as u64 {
        outln!(
            "warning: … {} more warnings",
            report.warning_count - report.warnings.len() as u64
        );
    }
    let s = links.stats();
    outln!(
        "notes linked to merchants: {} by POI tag, {} by name in text, {} not linked ({} ambiguous name, {} no city)",
        s.by_tag, s.by_mention, s.unlinked, s.ambiguous, s.no_city
    );
    let c = &loaded.corpus;
    outln!(
        "corpus: {} merchants, {} authors, {} notes, {} reviews, {} visits, {} curation decisions",
        c.merchants.len(),
        c.authors.len(),
        c.notes.len(),
        c.reviews.len(),
        c.visits.len(),
        c.curation.len()
    );
    if report.is_clean() {
        outln!("clean");
    }
}

fn index_cmd(dir: PathBuf, index_dir: PathBuf, lenient: bool, json: bool) -> Result<u8, Error> {
    let progress = Progress::spinner(!json, "reading corpus");
    let loaded = corpus::load(&dir, &load_options(lenient, 100))?;
    progress.set_message("linking notes to merchants");
    let links = NoteLinks::build(&loaded.corpus);
    progress.set_message("building the analyzer");
    let analyzer = Analyzer::builder()
        .words(loaded.corpus.merchant_names())
        .build_shared();
    progress.set_message("indexing notes and reviews");
    let mut index = SearchIndex::open_or_create(&index_dir, analyzer)?;
    // Tombstones first: the batch's live records may re-add a deleted id.
    let tombstoned: Vec<String> = loaded
        .report
        .files
        .iter()
        .filter(|f| f.file == "notes.jsonl" || f.file == "reviews.jsonl")
        .flat_map(|f| f.deleted_ids.iter().cloned())
        .collect();
    let removed = index.delete_docs(&tombstoned)?;
    let stats = index.upsert_corpus(&loaded.corpus, &links)?;
    progress.finish();
    if json {
        output::print_json(&serde_json::json!({
            "corpus": dir.to_string_lossy(),
            "index": index_dir.to_string_lossy(),
            "stats": stats,
            "removed": removed,
            "num_docs": index.num_docs(),
            "note_links": links.stats(),
        }));
    } else {
        outln!(
            "indexed {} notes and {} reviews into {} ({} documents in all)",
            stats.notes,
            stats.reviews,
            index_dir.display(),
            index.num_docs()
        );
    }
    Ok(0)
}

fn update_cmd(
    dir: PathBuf,
    from: Option<PathBuf>,
    batches: Vec<PathBuf>,
    as_of: Option<String>,
    lenient: bool,
    json: bool,
    fault: fault::FaultArgs,
) -> Result<u8, Error> {
    let mut fault = fault::Fault::new(fault)?;
    let options = StoreOptions {
        load: load_options(lenient, 100),
        as_of: parse_as_of(as_of)?,
        ..StoreOptions::default()
    };
    let holds_store = dir.join(jingxuan::store::STATE_FILE).exists()
        || std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
    let progress = Progress::spinner(!json, "opening the store");
    let (store, created) = match (&from, holds_store) {
        (Some(corpus_dir), false) => {
            progress.set_message("reading the corpus");
            let loaded = corpus::load(corpus_dir, &options.load)?;
            progress.set_message("analysing and indexing the corpus");
            (Store::create(&dir, loaded, options)?, true)
        }
        (Some(_), true) => {
            return Err(UserError::InvalidArgument {
                what: "--from".into(),
                reason: format!(
                    "{} already holds a store; drop --from to update it, or give an empty folder",
                    dir.display()
                ),
            }
            .into())
        }
        (None, _) => (Store::open(&dir, options)?, false),
    };
    let mut reports = Vec::with_capacity(batches.len());
    for batch in &batches {
        progress.set_message(&format!("applying {}", batch.display()));
        fault.note("begin");
        let report = store.apply_batch_with(batch, &mut |step| fault.step(step))?;
        fault.note("end");
        reports.push(report);
    }
    progress.finish();
    let snapshot = store.snapshot();
    if json {
        output::print_json(&serde_json::json!({
            "store": dir.to_string_lossy(),
            "created": created,
            "generation": snapshot.generation(),
            "as_of": snapshot.analysis().as_of,
            "updates": reports,
        }));
    } else {
        if created {
            outln!(
                "created the store in {} from {} notes and {} reviews",
                dir.display(),
                snapshot.corpus().notes.len(),
                snapshot.corpus().reviews.len()
            );
        }
        for (batch, r) in batches.iter().zip(&reports) {
            outln!(
                "{}: generation {}; {} texts read, {} reused{}; {} merchants affected in {} cities",
                batch.display(),
                r.generation,
                r.docs_read,
                r.docs_reused,
                if r.full_rebuild {
                    " (merchant names changed: all read again)"
                } else {
                    ""
                },
                r.affected_merchants.len(),
                r.rescored_cities.len()
            );
        }
        outln!("store at generation {}", snapshot.generation());
    }
    Ok(0)
}

fn search(
    index_dir: PathBuf,
    city: String,
    category: Option<String>,
    kind: Option<KindArg>,
    limit: usize,
    json: bool,
    text: String,
) -> Result<u8, Error> {
    let index = SearchIndex::open(&index_dir)?;
    let query = SearchQuery {
        text: text.clone(),
        city: Some(city.clone()),
        category,
        kind: kind.map(|k| match k {
            KindArg::Note => DocKind::Note,
            KindArg::Review => DocKind::Review,
        }),
        limit,
    };
    let hits = index.search(&query)?;
    if json {
        output::print_json(&serde_json::json!({
            "city": city,
            "query": text,
            "hits": hits,
        }));
    } else if hits.is_empty() {
        outln!("no notes or reviews in {city} match {text:?}");
    } else {
        let mut table = Table::new(&["#", "doc", "kind", "merchants", "score", "snippet"]);
        for (i, h) in hits.iter().enumerate() {
            table.row(vec![
                (i + 1).to_string(),
                h.doc_id.clone(),
                h.kind.as_str().to_string(),
                h.merchant_ids.join(","),
                format!("{:.2}", h.score),
                h.snippet.replace('\n', " "),
            ]);
        }
        table.print();
    }
    Ok(0)
}

fn parse_as_of(as_of: Option<String>) -> Result<Option<Timestamp>, Error> {
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

fn score_cmd(
    dir: PathBuf,
    city: String,
    as_of: Option<String>,
    limit: usize,
    lenient: bool,
    json: bool,
) -> Result<u8, Error> {
    let as_of = parse_as_of(as_of)?;
    let progress = Progress::spinner(!json, "reading corpus");
    let loaded = corpus::load(&dir, &load_options(lenient, 100))?;
    progress.set_message("reading and weighing notes and reviews");
    let engine = Engine::for_corpus(&loaded.corpus)?;
    // Only the city's documents are read and weighed (plus a global pass over authors).
    let analysis = jingxuan::shard::analyze_one_city(&engine, &loaded.corpus, &city, as_of)?;
    let board = analysis.score_city(&city)?;
    progress.finish();
    let merchants = &loaded.corpus.merchants;
    if json {
        let rows: Vec<_> = board
            .merchants
            .iter()
            .map(|s| {
                let m = merchants.get(&s.merchant_id);
                serde_json::json!({
                    "merchant_id": s.merchant_id,
                    "score": s.score,
                    "eligible": s.eligible,
                    "flags": s.flags.iter().map(|f| f.kind).collect::<Vec<_>>(),
                    "name": m.map(|m| m.display_name()),
                    "category": m.map(|m| &m.category),
                    "district": m.and_then(|m| m.district.as_ref()),
                    "mean": s.mean,
                    "prior": s.prior,
                    "credible_weight": s.credible_weight,
                    "effective_opinions": s.effective_opinions,
                    "evidence_count": s.evidence_count,
                    "discounted_count": s.discounted_count,
                    "ineligible": s.ineligible,
                    "ineligible_reason": s.ineligible.as_ref().map(|r| r.explain_zh()),
                    "flag_details": s.flags,
                })
            })
            .collect();
        output::print_json(&serde_json::json!({
            "city": board.city,
            "as_of": board.as_of,
            "merchants": rows,
        }));
        return Ok(0);
    }
    let mut table = Table::new(&[
        "#", "merchant", "name", "category", "score", "opinions", "eligible", "flags",
    ]);
    for (i, s) in board.merchants.iter().take(limit).enumerate() {
        let m = merchants.get(&s.merchant_id);
        table.row(vec![
            (i + 1).to_string(),
            s.merchant_id.clone(),
            m.map(|m| m.display_name()).unwrap_or_default(),
            m.map(|m| m.category.clone()).unwrap_or_default(),
            format!("{:.1}", s.score),
            format!("{} ({:.1})", s.evidence_count, s.effective_opinions),
            match &s.ineligible {
                None => "yes".into(),
                Some(r) => format!("no: {}", r.explain_zh()),
            },
            s.flags
                .iter()
                .map(|f| f.kind.label_zh())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    table.print();
    outln!(
        "{} merchants in {} as of {}; showing {}",
        board.merchants.len(),
        board.city,
        board.as_of,
        limit.min(board.merchants.len())
    );
    Ok(0)
}

fn explain_cmd(
    dir: PathBuf,
    merchant: String,
    as_of: Option<String>,
    lenient: bool,
    json: bool,
) -> Result<u8, Error> {
    let as_of = parse_as_of(as_of)?;
    let progress = Progress::spinner(!json, "reading corpus");
    let loaded = corpus::load(&dir, &load_options(lenient, 100))?;
    progress.set_message("reading and weighing notes and reviews");
    let engine = Engine::for_corpus(&loaded.corpus)?;
    let city = loaded
        .corpus
        .merchants
        .get(&merchant)
        .map(|m| m.city.clone())
        .ok_or_else(|| UserError::UnknownMerchant {
            id: merchant.clone(),
        })?;
    // Only the merchant's city is read and weighed (plus a global pass over authors).
    let analysis = jingxuan::shard::analyze_one_city(&engine, &loaded.corpus, &city, as_of)?;
    let x = analysis.explain(&merchant)?;
    progress.finish();
    if json {
        output::print_json(&x);
        return Ok(0);
    }
    outln!(
        "{}  {}  {}  ({})",
        x.merchant_id,
        x.name,
        x.category,
        x.city
    );
    outln!("as of {}", x.as_of);
    for line in &x.summary {
        outln!("  {line}");
    }
    if !x.why_not.is_empty() {
        outln!();
        outln!("为什么没有入选 (why not on the list, default policy):");
        for line in &x.why_not {
            outln!("  - {line}");
        }
    }
    let show = |title: &str, list: &[jingxuan::Contribution]| {
        if list.is_empty() {
            return;
        }
        outln!();
        outln!("{title}");
        let mut table = Table::new(&[
            "doc",
            "kind",
            "star",
            "opinion",
            "weight",
            "pull",
            "discounts",
            "text",
        ]);
        for c in list {
            table.row(vec![
                c.doc_id.clone(),
                c.kind.as_str().to_string(),
                c.star
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_else(|| "-".into()),
                format!("{:.0}", c.opinion),
                format!("{:.3}", c.weight),
                format!("{:+.3}", c.pull),
                c.discounts
                    .iter()
                    .map(discount_zh)
                    .collect::<Vec<_>>()
                    .join(", "),
                c.snippet.clone(),
            ]);
        }
        table.print();
    };
    show("最有力的好评 (pulled the score up most):", &x.strongest_for);
    show(
        "最有力的差评 (pulled the score down most):",
        &x.strongest_against,
    );
    show("被降权的内容 (discounted by trust):", &x.discounted);
    Ok(0)
}

fn discount_zh(d: &Discount) -> String {
    d.label_zh()
}

/// What `select` and `report` both take: a corpus, a city and the policy to choose by.
#[derive(clap::Args)]
struct ListArgs {
    /// Corpus folder (or give --store)
    #[arg(required_unless_present = "store")]
    corpus: Option<PathBuf>,
    /// Read the latest generation of a store kept by `jingxuan update` instead of a corpus
    /// folder: no text is read again
    #[arg(long, value_name = "DIR", conflicts_with_all = ["corpus", "lenient"])]
    store: Option<PathBuf>,
    /// City, as written in the corpus (e.g. 杭州)
    #[arg(long)]
    city: String,
    /// Stores on the list (overrides the policy's `limit`; 0 to 10000)
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=SelectionPolicy::MAX_LIMIT as u64))]
    limit: Option<u64>,
    /// Choose as of this instant (RFC 3339 or a date); default: the corpus's latest
    /// timestamp
    #[arg(long, value_name = "T")]
    as_of: Option<String>,
    /// Only merchants whose notes and reviews match, e.g. "安静 咖啡"
    #[arg(long)]
    query: Option<String>,
    /// Policy file, TOML or JSON (by extension); missing fields take their defaults
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The previously published list (a JSON output of `select`, or one merchant id per
    /// line): keeps the list stable within the policy's margin and says what entered and
    /// left
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// Skip bad records instead of failing
    #[arg(long)]
    lenient: bool,
}

/// Loads and analyses the corpus of `a` and hands `f` the analysis with the policy and
/// previous list the arguments name. Argument files are read first, so a bad policy fails
/// before the corpus is read.
fn with_analysis<T>(
    a: ListArgs,
    progress: &Progress,
    f: impl FnOnce(
        &jingxuan::Analysis<'_>,
        &str,
        &SelectionPolicy,
        Option<&[String]>,
    ) -> Result<T, Error>,
) -> Result<T, Error> {
    let as_of = parse_as_of(a.as_of)?;
    let policy = effective_policy(a.policy.as_deref(), a.limit, a.query)?;
    let previous = a.previous.as_deref().map(load_previous).transpose()?;
    if let Some(dir) = &a.store {
        progress.set_message("reading the store");
        let options = StoreOptions {
            as_of,
            ..StoreOptions::default()
        };
        let snapshot = Store::read_snapshot(dir, &options)?;
        progress.set_message("selecting");
        return f(snapshot.analysis(), &a.city, &policy, previous.as_deref());
    }
    let Some(corpus_dir) = &a.corpus else {
        return Err(UserError::InvalidArgument {
            what: "CORPUS".into(),
            reason: "give a corpus folder or --store DIR".into(),
        }
        .into());
    };
    progress.set_message("reading corpus");
    let loaded = corpus::load(corpus_dir, &load_options(a.lenient, 100))?;
    progress.set_message("reading and weighing notes and reviews");
    let engine = Engine::for_corpus(&loaded.corpus)?;
    // Only the city's documents are read and weighed (plus a global pass over authors).
    let analysis = jingxuan::shard::analyze_one_city(&engine, &loaded.corpus, &a.city, as_of)?;
    progress.set_message("selecting");
    f(&analysis, &a.city, &policy, previous.as_deref())
}

fn read_file(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| {
        UserError::Unreadable {
            path: path.to_path_buf(),
            source,
        }
        .into()
    })
}

fn load_policy(path: Option<&std::path::Path>) -> Result<SelectionPolicy, Error> {
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
fn load_previous(path: &std::path::Path) -> Result<Vec<String>, Error> {
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

/// The policy file with the command line's `--limit` and `--query` over it.
fn effective_policy(
    path: Option<&std::path::Path>,
    limit: Option<u64>,
    query: Option<String>,
) -> Result<SelectionPolicy, Error> {
    let mut policy = load_policy(path)?;
    if let Some(limit) = limit {
        policy.limit = as_usize(limit);
    }
    if query.is_some() {
        policy.query = query;
    }
    policy.validated()
}

fn report_cmd(a: ListArgs, out: PathBuf) -> Result<u8, Error> {
    let progress = Progress::spinner(true, "reading corpus");
    let report = with_analysis(a, &progress, |analysis, city, policy, previous| {
        Report::build(analysis, city, policy, previous)
    })?;
    let html = report.render_html();
    progress.set_message("writing");
    std::fs::write(&out, &html).map_err(|source| UserError::Unwritable {
        path: out.clone(),
        source,
    })?;
    progress.finish();
    let sel = report.selection();
    outln!(
        "wrote {} ({} bytes): 精选 {} of {} qualified in {}, {} in review, {} gaps, as of {}",
        out.display(),
        html.len(),
        sel.stores.len(),
        sel.qualified,
        sel.city,
        sel.review_queue.len(),
        sel.gaps.len(),
        sel.as_of
    );
    Ok(0)
}

fn select_cmd(a: ListArgs, json: bool) -> Result<u8, Error> {
    let with_previous = a.previous.is_some();
    let progress = Progress::spinner(!json, "reading corpus");
    let sel = with_analysis(a, &progress, |analysis, city, policy, previous| {
        analysis.select(city, policy, previous)
    })?;
    progress.finish();
    if json {
        output::print_json(&sel);
        return Ok(0);
    }
    outln!(
        "精选门店 · {} · as of {} · {} stores from {} qualified",
        sel.city,
        sel.as_of,
        sel.stores.len(),
        sel.qualified
    );
    let mut table = Table::new(&[
        "#", "merchant", "name", "category", "district", "score", "reasons",
    ]);
    for p in &sel.stores {
        table.row(vec![
            p.rank.to_string(),
            p.merchant_id.clone(),
            p.name.clone(),
            p.category.clone(),
            p.district.clone().unwrap_or_default(),
            format!("{:.1}", p.score),
            p.reasons.join("；"),
        ]);
    }
    table.print();
    for r in &sel.relaxed {
        outln!(
            "relaxed {}: {} → {} ({})",
            r.constraint,
            r.from,
            r.to,
            r.reason
        );
    }
    if !sel.review_queue.is_empty() {
        outln!();
        outln!("待人工复核 (review queue): {}", sel.review_queue.len());
        let mut q = Table::new(&["merchant", "name", "score", "reason"]);
        for r in &sel.review_queue {
            q.row(vec![
                r.merchant_id.clone(),
                r.name.clone(),
                format!("{:.1}", r.score),
                r.reason.clone(),
            ]);
        }
        q.print();
    }
    if with_previous {
        outln!();
        for c in &sel.entered {
            outln!("+ {}  {}", c.merchant_id, c.reason);
        }
        for c in &sel.left {
            outln!("- {}  {}", c.merchant_id, c.reason);
        }
    }
    if !sel.gaps.is_empty() {
        outln!();
        outln!(
            "供给缺口 (supply gaps, biggest first; {} in all):",
            sel.gaps.len()
        );
        for g in sel.gaps.iter().take(10) {
            outln!("  {}", g.note);
        }
    }
    Ok(0)
}
