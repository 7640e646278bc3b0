//! `jingxuan`: check, index, search, score, explain, select and report on a corpus of notes
//! and reviews.
//!
//! The subcommands and JSON fields follow `docs/corpus-format.md` (the contract other tools
//! read): fields may be added, none renamed. Each subcommand lives in `commands/`, what
//! several share in `args.rs`, every output shape in `output.rs`.

mod allocator;
mod args;
mod commands;
mod fault;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{check, explain, index, report, score, search, select, update};

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
    limits: args::Limits,
}

/// The subcommands; each one's help is its `Args` doc comment.
#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Index(index::Args),
    Update(update::Args),
    Search(search::Args),
    Score(score::Args),
    Select(select::Args),
    Report(report::Args),
    Explain(explain::Args),
}

fn main() -> ExitCode {
    allocator::keep_freed_memory();
    let cli = Cli::parse();
    let _ = args::LIMITS.set(cli.limits);
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Index(a) => index::run(a),
        Command::Update(a) => update::run(a),
        Command::Search(a) => search::run(a),
        Command::Score(a) => score::run(a),
        Command::Select(a) => select::run(a),
        Command::Report(a) => report::run(a),
        Command::Explain(a) => explain::run(a),
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
