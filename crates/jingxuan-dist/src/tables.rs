//! A corpus's tables registered on a DataFusion context: the exported Parquet folders, or
//! the contract's NDJSON files as they are.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::prelude::{JsonReadOptions, ParquetReadOptions, SessionContext};

use crate::rows::{schema, TABLES};
use crate::DistError;

fn url_of(path: &Path) -> Result<String, DistError> {
    let abs = std::path::absolute(path).map_err(|e| DistError::io(path, e))?;
    let mut s = abs.display().to_string();
    if path.is_dir() && !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

/// Registers the six tables of an `export --parquet` folder (each has a folder: `export`
/// writes an empty file for a table with no rows, since Ballista ships only file scans).
pub async fn register_parquet(ctx: &SessionContext, dir: &Path) -> Result<(), DistError> {
    if !dir.join("merchants").is_dir() {
        return Err(DistError::Usage(format!(
            "{}: not an exported corpus (no merchants/ folder); make one with `jingxuan-dist export --parquet CORPUS --out DIR`",
            dir.display()
        )));
    }
    for table in TABLES {
        let schema = schema(table).expect("a table");
        let path = dir.join(table);
        if path.is_dir() {
            let opts = ParquetReadOptions {
                schema: Some(&schema),
                ..ParquetReadOptions::default()
            };
            ctx.register_parquet(table, url_of(&path)?, opts).await?;
        } else {
            return Err(DistError::Usage(format!(
                "{}: no {table}/ folder; export the corpus again",
                dir.display()
            )));
        }
    }
    Ok(())
}

fn register_empty(ctx: &SessionContext, table: &str, schema: SchemaRef) -> Result<(), DistError> {
    let empty = datafusion::datasource::MemTable::try_new(schema, vec![vec![]])?;
    ctx.register_table(table, Arc::new(empty))?;
    Ok(())
}

/// The contract's fields of one file, as NDJSON is read: every field nullable (optional
/// fields are often absent), `merchants` without `commercial`, reviews' `aspects` an object.
pub fn ndjson_schema(table: &str) -> Option<SchemaRef> {
    let t = |n: &str| Field::new(n, DataType::Utf8, true);
    let u = |n: &str| Field::new(n, DataType::UInt64, true);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    let b = |n: &str| Field::new(n, DataType::Boolean, true);
    let l = |n: &str| Field::new_list(n, Field::new_list_field(DataType::Utf8, true), true);
    let fields = match table {
        "merchants" => vec![
            t("id"),
            t("name"),
            t("branch"),
            l("aliases"),
            t("brand"),
            t("city"),
            t("district"),
            t("area"),
            t("category"),
            f("lat"),
            f("lng"),
            f("price_per_person"),
            t("status"),
            t("opened_at"),
            b("deleted"),
        ],
        "authors" => vec![
            t("id"),
            t("created_at"),
            u("followers"),
            b("verified"),
            t("home_city"),
            t("merchant_id"),
            b("banned"),
        ],
        "notes" => vec![
            t("id"),
            t("author_id"),
            t("created_at"),
            t("title"),
            t("body"),
            l("tags"),
            l("merchant_ids"),
            t("ip_city"),
            u("likes"),
            u("collects"),
            u("comments"),
            u("shares"),
            u("images"),
            b("sponsored"),
            b("deleted"),
        ],
        "reviews" => vec![
            t("id"),
            t("author_id"),
            t("merchant_id"),
            t("created_at"),
            f("rating"),
            Field::new_struct(
                "aspects",
                vec![f("taste"), f("environment"), f("service"), f("value")],
                true,
            ),
            t("text"),
            u("images"),
            u("likes"),
            b("verified_visit"),
            b("deleted"),
        ],
        "visits" => vec![t("author_id"), t("merchant_id"), t("at"), t("kind")],
        "curation" => vec![
            t("merchant_id"),
            t("decision"),
            t("reason"),
            t("by"),
            t("at"),
        ],
        _ => return None,
    };
    Some(Arc::new(Schema::new(fields)))
}

/// Registers a corpus folder's `.jsonl` files as they are, under the table names, with
/// [`ndjson_schema`] (so `commercial` is never read). A missing optional file is an empty
/// table. This reads lines, not the contract's meaning: edits and tombstones (a later
/// line with the same `id`, `"deleted": true`) are rows like any other, and nothing is
/// validated; the scoring plan reads the exported tables, which hold the corpus as the
/// library loaded it.
pub async fn register_ndjson(ctx: &SessionContext, dir: &Path) -> Result<(), DistError> {
    for table in TABLES {
        let schema = ndjson_schema(table).expect("a table");
        let path = dir.join(format!("{table}.jsonl"));
        if path.is_file() {
            let opts = JsonReadOptions {
                schema: Some(&schema),
                file_extension: ".jsonl",
                ..JsonReadOptions::default()
            };
            ctx.register_json(table, url_of(&path)?, opts).await?;
        } else if table == "merchants" {
            return Err(DistError::Usage(format!(
                "{}: no merchants.jsonl",
                dir.display()
            )));
        } else {
            register_empty(ctx, table, schema)?;
        }
    }
    Ok(())
}
