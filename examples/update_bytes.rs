//! Bytes written to disk by one update of a saved store, beside what the earlier layout
//! (the whole state rewritten as one file per update) writes for the same state, in the
//! same run.
//!
//! ```sh
//! cargo run --release --example update_bytes -- BASE_DIR BATCH_DIR STORE_DIR
//! ```
//!
//! STORE_DIR must be missing or empty. Bytes are this process's `write_bytes` from
//! `/proc/self/io` (bytes it caused to be sent to the storage layer, so page-cache writes
//! count when dirtied, and fsyncs add nothing twice), split at the update's steps: the
//! state database's commit, the index's commit. Prints one JSON object.

use std::path::{Path, PathBuf};

use jingxuan::corpus::{self, LoadOptions};
use jingxuan::store::{encode_whole_state, Step, Store, StoreOptions};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `write_bytes` and `wchar` (bytes passed to write calls) of this process.
fn io() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("write_bytes:"), field("wchar:"))
}

fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

fn main() -> jingxuan::Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [base, batch, dir] = args.as_slice() else {
        eprintln!("usage: update_bytes BASE_DIR BATCH_DIR STORE_DIR");
        std::process::exit(2);
    };
    let loaded = corpus::load(base, &LoadOptions::default())?;
    let docs = loaded.corpus.notes.len() + loaded.corpus.reviews.len();
    let created_at = io();
    let store = Store::create(dir, loaded, StoreOptions::default())?;
    let create_bytes = io().0 - created_at.0;
    // As a service would: the store reopened, then fed.
    drop(store);
    let store = Store::open(dir, StoreOptions::default())?;
    let size_before = dir_bytes(dir);
    let state_before =
        std::fs::metadata(dir.join(jingxuan::store::STATE_FILE)).map_or(0, |m| m.len());

    let mut marks: Vec<(Step, (u64, u64))> = Vec::new();
    let start = io();
    let report = store.apply_batch_with(batch, &mut |step| marks.push((step, io())))?;
    let end = io();
    let at = |step: Step| marks.iter().find(|(s, _)| *s == step).map(|(_, b)| *b);
    let analyzed = at(Step::Analyzed).unwrap_or(start);
    let state = at(Step::StateWritten).unwrap_or(analyzed);
    let index = at(Step::IndexCommitted).unwrap_or(state);
    let size_after = dir_bytes(dir);
    let state_after =
        std::fs::metadata(dir.join(jingxuan::store::STATE_FILE)).map_or(0, |m| m.len());

    // The earlier layout: the whole state, written to a new file and synced.
    let whole = encode_whole_state(&store.snapshot())?;
    let path = dir.join("whole-state.bin");
    let before_whole = io();
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&path).map_err(|source| {
            jingxuan::Error::Internal(jingxuan::InternalError::Write {
                path: path.clone(),
                source,
            })
        })?;
        f.write_all(&whole)
            .and_then(|_| f.sync_all())
            .map_err(|source| {
                jingxuan::Error::Internal(jingxuan::InternalError::Write {
                    path: path.clone(),
                    source,
                })
            })?;
    }
    let whole_bytes = io().0 - before_whole.0;
    let _ = std::fs::remove_file(&path);

    println!(
        "{}",
        serde_json::json!({
            "store_docs_before": docs,
            "batch_dir_bytes": dir_bytes(batch),
            "docs_read": report.docs_read,
            "full_rebuild": report.full_rebuild,
            "state_rows_changed": report.state_written.rows,
            "state_row_bytes": report.state_written.row_bytes,
            "write_bytes": {
                "create": create_bytes,
                "update_total": end.0 - start.0,
                "update_state_commit": state.0 - analyzed.0,
                "update_index": index.0 - state.0,
                "earlier_layout_whole_state_file": whole_bytes,
            },
            "wchar_update_total": end.1 - start.1,
            "state_file_growth": state_after as i64 - state_before as i64,
            "store_folder_growth": size_after as i64 - size_before as i64,
        })
    );
    Ok(())
}
