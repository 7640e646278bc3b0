use std::path::PathBuf;

use clap::ValueEnum;
use jingxuan::index::{DocKind, SearchIndex, SearchQuery};
use jingxuan::{Error, UserError};

use crate::args::{as_usize, snapshot};
use crate::output::render;
use crate::progress::Progress;

/// Find notes and reviews of a city matching a query, with highlighted snippets.
///
/// The query is segmented like the indexed text: every word must match, in any order
/// and at any distance (`咖啡 安静` finds `这家咖啡馆很安静`); when no text holds them
/// all, texts holding more of them come first.
#[derive(clap::Args)]
pub struct Args {
    /// Index folder built by `jingxuan index` (or give --store)
    #[arg(long, value_name = "DIR", required_unless_present = "store")]
    index: Option<PathBuf>,
    /// Search the latest generation of a store kept by `jingxuan update` instead
    #[arg(long, value_name = "DIR", conflicts_with = "index")]
    store: Option<PathBuf>,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Note,
    Review,
}

pub fn run(a: Args) -> Result<u8, Error> {
    let query = SearchQuery {
        text: a.query.clone(),
        city: Some(a.city.clone()),
        category: a.category,
        kind: a.kind.map(|k| match k {
            KindArg::Note => DocKind::Note,
            KindArg::Review => DocKind::Review,
        }),
        limit: as_usize(a.limit),
    };
    let hits = match (&a.store, &a.index) {
        (Some(dir), _) => {
            let progress = Progress::spinner(!a.json, "reading the store");
            let hits = snapshot(dir, None, &progress)?.search(&query)?;
            progress.finish();
            hits
        }
        (None, Some(dir)) => SearchIndex::open(dir)?.search(&query)?,
        (None, None) => {
            return Err(UserError::InvalidArgument {
                what: "--index".into(),
                reason: "give --index DIR or --store DIR".into(),
            }
            .into())
        }
    };
    render::hits(&a.city, &a.query, &hits, a.json);
    Ok(0)
}
