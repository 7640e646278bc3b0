use jingxuan::Error;

use crate::args::ListArgs;
use crate::output::render;
use crate::progress::Progress;

/// Select the curated 精选 list of a city: quality first, then breadth.
///
/// Only eligible merchants above the policy's bar enter. Every top-level group and
/// district with qualified supply gets a place first, then the list is filled by score
/// with a diversity penalty, under a category share cap and a per-brand cap. Also prints
/// the human review queue and the supply gaps (district × category) to recruit for.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    list: ListArgs,
    /// Print JSON instead of tables
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<u8, Error> {
    let progress = Progress::spinner(!a.json, "reading corpus");
    let list = a.list.open(&progress)?;
    let sel = list.select()?;
    progress.finish();
    render::selection(&sel, a.json);
    // The process ends here: freeing the analysis's millions of allocations one by one
    // would add a few tenths of a second to the command for nothing.
    std::mem::forget(list);
    Ok(0)
}
