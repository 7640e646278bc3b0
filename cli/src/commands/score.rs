use jingxuan::Error;

use crate::args::{as_usize, parse_as_of, Scope, Source};
use crate::output::render;
use crate::progress::Progress;

/// The most rows `score --limit` may ask the table for.
const SCORE_TABLE_MAX: u64 = 1_000_000;

/// Score every merchant of a city by trustworthy word of mouth, best first.
///
/// The score (0–100) is the lower end of an interval around the merchant's shrunk mean
/// opinion: credible, verified, recent voices count most; sponsored notes, a merchant's
/// own account, templated text, bursts and collusive groups are discounted and flagged.
/// Commercial data is never read for scoring.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: Source,
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
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, Error> {
    let as_of = parse_as_of(a.as_of)?;
    let progress = Progress::spinner(!a.json, "reading corpus");
    let analysis = a.source.analysis(as_of, Scope::City(&a.city), &progress)?;
    let board = analysis.score_city(&a.city)?;
    progress.finish();
    render::board(&board, analysis.corpus(), as_usize(a.limit), a.json);
    // The process ends here: freeing the analysis's millions of allocations one by one
    // would add a few tenths of a second to the command for nothing.
    std::mem::forget(analysis);
    Ok(0)
}
