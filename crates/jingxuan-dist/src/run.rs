//! A whole run: input tables, the plan, the output tables.

use std::path::{Path, PathBuf};
use std::time::Instant;

use datafusion::prelude::SessionContext;
use jingxuan::corpus::{self, LoadOptions};
use serde::Serialize;

use crate::export::{export_parquet, write_parquet_file};
use crate::output::{output_schema, CityResult};
use crate::rows::to_batch;
use crate::{plan, tables, DistError};

/// The tables a run reads: an exported folder as it is, or a corpus folder exported
/// (validated by the library's loader) into `OUT/tables`.
pub fn prepare_input(input: &Path, out: &Path) -> Result<PathBuf, DistError> {
    if input.join("merchants").is_dir() {
        return Ok(input.to_path_buf());
    }
    let loaded = corpus::load(input, &LoadOptions::default())?;
    let dir = out.join("tables");
    export_parquet(&loaded.corpus, &dir)?;
    Ok(dir)
}

/// What a run did, per city.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub as_of: String,
    pub millis: u64,
    pub cities: Vec<CityTiming>,
}

#[derive(Debug, Serialize)]
pub struct CityTiming {
    pub city: String,
    pub documents: u64,
    pub millis: u64,
    pub listed: usize,
}

/// Runs the plan over the exported tables in `tables_dir` and writes under `out`:
/// `lists`, `scoreboards`, `gaps` and `results` as `NAME.parquet` and `NAME.jsonl`, and
/// `json/CITY.score.json`, `json/CITY.select.json` (the bytes `jingxuan score --json` and
/// `select --json` print).
pub async fn run_to(
    ctx: &SessionContext,
    tables_dir: &Path,
    out: &Path,
    as_of: Option<&str>,
    only: Option<&str>,
) -> Result<RunReport, DistError> {
    let started = Instant::now();
    tables::register_parquet(ctx, tables_dir).await?;
    let (as_of, results) = plan::run(ctx, as_of, only).await?;
    if let Some(city) = only {
        if results.is_empty() {
            return Err(DistError::Corpus(
                jingxuan::UserError::UnknownCity {
                    city: city.to_string(),
                    known: Vec::new(),
                }
                .into(),
            ));
        }
    }
    write_outputs(&results, out)?;
    Ok(RunReport {
        as_of,
        millis: started.elapsed().as_millis() as u64,
        cities: results
            .iter()
            .map(|r| CityTiming {
                city: r.city.clone(),
                documents: r.documents,
                millis: r.millis,
                listed: r.list.len(),
            })
            .collect(),
    })
}

fn write_table<T: Serialize>(out: &Path, name: &str, rows: &[T]) -> Result<(), DistError> {
    let schema = output_schema(name).expect("an output table");
    let mut batches = Vec::new();
    for chunk in rows.chunks(8192) {
        batches.push(to_batch(&schema, chunk)?);
    }
    write_parquet_file(&out.join(format!("{name}.parquet")), &schema, &batches)?;
    let mut text = String::new();
    for r in rows {
        text.push_str(&serde_json::to_string(r).map_err(|e| DistError::Plan(e.to_string()))?);
        text.push('\n');
    }
    let path = out.join(format!("{name}.jsonl"));
    std::fs::write(&path, text).map_err(|e| DistError::io(&path, e))
}

/// Writes the output tables and the per-city JSON files.
pub fn write_outputs(results: &[CityResult], out: &Path) -> Result<(), DistError> {
    let json_dir = out.join("json");
    std::fs::create_dir_all(&json_dir).map_err(|e| DistError::io(&json_dir, e))?;
    let lists: Vec<_> = results.iter().flat_map(|r| r.list.iter()).collect();
    let boards: Vec<_> = results.iter().flat_map(|r| r.scoreboard.iter()).collect();
    let gaps: Vec<_> = results.iter().flat_map(|r| r.gaps.iter()).collect();
    #[derive(Serialize)]
    struct ResultRow<'a> {
        city: &'a str,
        as_of: &'a str,
        score_json: &'a str,
        select_json: &'a str,
    }
    let rows: Vec<_> = results
        .iter()
        .map(|r| ResultRow {
            city: &r.city,
            as_of: &r.as_of,
            score_json: &r.score_json,
            select_json: &r.select_json,
        })
        .collect();
    write_table(out, "lists", &lists)?;
    write_table(out, "scoreboards", &boards)?;
    write_table(out, "gaps", &gaps)?;
    write_table(out, "results", &rows)?;
    for r in results {
        for (suffix, text) in [("score", &r.score_json), ("select", &r.select_json)] {
            let path = json_dir.join(format!("{}.{suffix}.json", crate::export::file_safe(&r.city)));
            std::fs::write(&path, text).map_err(|e| DistError::io(&path, e))?;
        }
    }
    Ok(())
}
