use std::path::PathBuf;

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::evidence::link::NoteLinks;
use jingxuan::{Error, UserError};

use crate::args::{as_usize, load_options};
use crate::exit;
use crate::output::{self, outln, render};
use crate::progress::Progress;

/// Validate a corpus; print every problem as `file:line: field: reason`.
///
/// Exit 0 only when the corpus is clean. With --lenient, bad records are skipped and
/// counted per reason, and the exit is 0 when at least merchants.jsonl was readable.
#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(a: Args) -> Result<u8, Error> {
    let (dir, lenient, max_problems, json) =
        (a.corpus, a.lenient, as_usize(a.max_problems), a.json);
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
        render::check_table(&loaded, &links);
    }
    Ok(if clean || lenient { 0 } else { exit::BAD_INPUT })
}
