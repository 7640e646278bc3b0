use std::path::PathBuf;

use jingxuan::corpus;
use jingxuan::evidence::link::NoteLinks;
use jingxuan::index::SearchIndex;
use jingxuan::text::Analyzer;
use jingxuan::Error;

use crate::args::load_options;
use crate::output::{self, outln};
use crate::progress::Progress;

/// Build or update the persistent search index of a corpus's notes and reviews.
///
/// An existing index in DIR is updated: documents are added or replaced by id, so a
/// later corpus batch can be fed to the same DIR.
#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(a: Args) -> Result<u8, Error> {
    let (dir, index_dir, lenient, json) = (a.corpus, a.index, a.lenient, a.json);
    let progress = Progress::spinner(!json, "reading corpus");
    let loaded = corpus::load(&dir, &load_options(lenient, 100))?;
    progress.set_message("building the analyzer");
    let analyzer = Analyzer::builder()
        .words(loaded.corpus.merchant_names())
        .build_shared();
    progress.set_message("indexing notes and reviews");
    let index = SearchIndex::open_or_create(&index_dir, analyzer)?;
    let mut writer = index.writer()?;
    // Tombstones first: the batch's live records may re-add a deleted id.
    let tombstoned = loaded
        .report
        .files
        .iter()
        .filter(|f| f.file == "notes.jsonl" || f.file == "reviews.jsonl")
        .flat_map(|f| f.deleted_ids.iter());
    let mut removed = 0u64;
    for id in tombstoned {
        removed += u64::from(writer.delete(id)?);
    }
    let stats = writer.add_corpus(&loaded.corpus)?;
    // One commit: a search sees the batch whole or not at all.
    writer.commit()?;
    progress.finish();
    if json {
        output::print_json(&serde_json::json!({
            "corpus": dir.to_string_lossy(),
            "index": index_dir.to_string_lossy(),
            "stats": stats,
            "removed": removed,
            "num_docs": index.num_docs(),
            // Linked again for the report: the writer's linking stays inside it.
            "note_links": NoteLinks::build(&loaded.corpus).stats(),
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
