use std::path::PathBuf;

use jingxuan::corpus;
use jingxuan::store::{Store, StoreOptions};
use jingxuan::{Error, UserError};

use crate::args::{load_options, parse_as_of};
use crate::fault;
use crate::output::{self, outln};
use crate::progress::Progress;

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
#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(a: Args) -> Result<u8, Error> {
    #[cfg(feature = "fault-injection")]
    let fault = a.fault;
    #[cfg(not(feature = "fault-injection"))]
    let fault = fault::FaultArgs;
    let (dir, from, batches, as_of, lenient, json) =
        (a.store, a.from, a.batches, a.as_of, a.lenient, a.json);
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
            "as_of": snapshot.analysis().as_of(),
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
