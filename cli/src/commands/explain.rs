use jingxuan::Error;

use crate::args::{parse_as_of, Scope, Source};
use crate::output::render;
use crate::progress::Progress;

/// Show every signal behind one merchant's score: weights, flags, and the notes and
/// reviews that carried it either way.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: Source,
    /// Merchant id
    #[arg(long)]
    merchant: String,
    /// Explain as of this instant (RFC 3339 or a date); default: the corpus's latest
    /// timestamp
    #[arg(long, value_name = "T")]
    as_of: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, Error> {
    let as_of = parse_as_of(a.as_of)?;
    let progress = Progress::spinner(!a.json, "reading corpus");
    let analysis = a
        .source
        .analysis(as_of, Scope::Merchant(&a.merchant), &progress)?;
    let x = analysis.explain(&a.merchant)?;
    progress.finish();
    render::explanation(&x, a.json);
    Ok(0)
}
