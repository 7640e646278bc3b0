use std::path::PathBuf;

use jingxuan::report::Report;
use jingxuan::{Error, UserError};

use crate::args::ListArgs;
use crate::output::render;
use crate::progress::Progress;

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
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    list: ListArgs,
    /// The HTML file to write (replaced if it exists)
    #[arg(long, short = 'o', value_name = "FILE")]
    out: PathBuf,
}

pub fn run(a: Args) -> Result<u8, Error> {
    let progress = Progress::spinner(true, "reading corpus");
    let list = a.list.open(&progress)?;
    let selection = list.select()?;
    let report = Report::new(&list.analysis, &selection)?;
    let html = report.render_html();
    progress.set_message("writing");
    std::fs::write(&a.out, &html).map_err(|source| UserError::Unwritable {
        path: a.out.clone(),
        source,
    })?;
    progress.finish();
    render::report_written(&a.out, html.len(), report.selection());
    Ok(0)
}
