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
    let (as_of, results) = run_plan(ctx, tables_dir, &out.join("global"), as_of, only).await?;
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
            let path = json_dir.join(format!(
                "{}.{suffix}.json",
                crate::export::file_safe(&r.city)
            ));
            std::fs::write(&path, text).map_err(|e| DistError::io(&path, e))?;
        }
    }
    Ok(())
}

/// The global pass as the tables stage 2 joins: `g_authors(author_id, summary)`,
/// `g_commercial(doc_id, how)`, `g_teachers(author_id)`, `g_groups(idx, grp)`,
/// `g_note_cities(note_id, city)` (JSON in the text columns), one Parquet file each under
/// `dir/NAME/`.
pub fn write_global(global: &jingxuan::shard::GlobalPass, dir: &Path) -> Result<(), DistError> {
    use datafusion::arrow::array::{ArrayRef, StringArray, UInt64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let text = |n: &str| Field::new(n, DataType::Utf8, false);
    let mut tables: Vec<(&str, Vec<Field>, Vec<ArrayRef>)> = Vec::new();
    let (ids, sums): (Vec<String>, Vec<String>) = global
        .authors
        .iter()
        .map(|(id, s)| (id.clone(), json(s)))
        .unzip();
    tables.push((
        "g_authors",
        vec![text("author_id"), text("summary")],
        vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(sums)),
        ],
    ));
    let (ids, how): (Vec<String>, Vec<String>) = global
        .commercial
        .iter()
        .map(|(id, c)| (id.clone(), json(c)))
        .unzip();
    tables.push((
        "g_commercial",
        vec![text("doc_id"), text("how")],
        vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(StringArray::from(how)),
        ],
    ));
    let teachers: Vec<String> = global.teachers.iter().cloned().collect();
    tables.push((
        "g_teachers",
        vec![text("author_id")],
        vec![Arc::new(StringArray::from(teachers))],
    ));
    let idx: Vec<u64> = (0..global.groups.len() as u64).collect();
    let groups: Vec<String> = global.groups.iter().map(json).collect();
    tables.push((
        "g_groups",
        vec![Field::new("idx", DataType::UInt64, false), text("grp")],
        vec![
            Arc::new(UInt64Array::from(idx)),
            Arc::new(StringArray::from(groups)),
        ],
    ));
    let (notes, cities): (Vec<String>, Vec<String>) = global
        .notes_by_city
        .iter()
        .flat_map(|(city, ids)| ids.iter().map(move |id| (id.clone(), city.clone())))
        .unzip();
    tables.push((
        "g_note_cities",
        vec![text("note_id"), text("city")],
        vec![
            Arc::new(StringArray::from(notes)),
            Arc::new(StringArray::from(cities)),
        ],
    ));
    for (name, fields, columns) in tables {
        let schema = Arc::new(Schema::new(fields));
        let batch = datafusion::arrow::array::RecordBatch::try_new(schema.clone(), columns)?;
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).map_err(|e| DistError::io(&folder, e))?;
        write_parquet_file(&folder.join("part-0.parquet"), &schema, &[batch])?;
    }
    Ok(())
}

/// A value as JSON text (the types here serialise infallibly: maps with string keys).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Registers the tables [`write_global`] wrote.
pub async fn register_global(ctx: &SessionContext, dir: &Path) -> Result<(), DistError> {
    for name in [
        "g_authors",
        "g_commercial",
        "g_teachers",
        "g_groups",
        "g_note_cities",
    ] {
        let path = dir.join(name);
        let url = format!(
            "{}/",
            std::path::absolute(&path)
                .map_err(|e| DistError::io(&path, e))?
                .display()
        );
        ctx.register_parquet(
            name,
            url,
            datafusion::prelude::ParquetReadOptions::default(),
        )
        .await?;
    }
    Ok(())
}

/// Both stages on `ctx` over the exported tables in `tables_dir`; the global tables go to
/// `global_dir`. Returns the instant used and each city's result.
pub async fn run_plan(
    ctx: &SessionContext,
    tables_dir: &Path,
    global_dir: &Path,
    as_of: Option<&str>,
    only: Option<&str>,
) -> Result<(String, Vec<CityResult>), DistError> {
    tables::register_parquet(ctx, tables_dir).await?;
    let global = plan::global_pass(ctx, as_of).await?;
    write_global(&global, global_dir)?;
    register_global(ctx, global_dir).await?;
    let as_of = global.as_of.to_rfc3339();
    let results = plan::cities(ctx, &as_of, only).await?;
    Ok((as_of, results))
}
