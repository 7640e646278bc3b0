//! `export --parquet`: a validated corpus as city-partitioned Parquet tables.
//!
//! Layout: `OUT/TABLE/city=CITY/part-0.parquet` for the tables that belong to a city
//! (merchants, notes, reviews, visits, curation) and `OUT/authors/part-0.parquet`. The
//! `city` column is also inside every file, so a table reads whole from its folder without
//! relying on how folder names are decoded, and one city reads from its own folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use jingxuan::corpus::{Corpus, Note};
use serde::Serialize;

use crate::rows::{schema, to_batch, CorpusRows};
use crate::DistError;

/// The cities a note may speak of, by the rule mention linking uses: the cities of its
/// POI tags when it has any; else every city of the corpus named by its `ip_city` or
/// starting one of its tags (`evidence::link`). The first is the folder the note is
/// stored under; the plan routes notes by the global pass's links, not by this.
pub fn note_cities(corpus: &Corpus, cities: &[String], note: &Note) -> Vec<String> {
    let mut out: Vec<String> = if note.merchant_ids.is_empty() {
        cities
            .iter()
            .filter(|c| {
                note.ip_city.as_deref() == Some(c.as_str())
                    || note.tags.iter().any(|t| t.starts_with(c.as_str()))
            })
            .cloned()
            .collect()
    } else {
        note.merchant_ids
            .iter()
            .filter_map(|id| corpus.merchants.get(id.as_str()).map(|m| m.city.clone()))
            .collect()
    };
    out.sort();
    out.dedup();
    out
}

/// The rows of `corpus`, notes routed by [`note_cities`].
pub fn corpus_rows(corpus: &Corpus) -> CorpusRows {
    let cities = corpus.cities();
    CorpusRows::of(corpus, |n| {
        note_cities(corpus, &cities, n)
            .into_iter()
            .next()
            .unwrap_or_default()
    })
}

/// What `export` wrote.
#[derive(Debug, Default, Serialize)]
pub struct ExportSummary {
    pub files: usize,
    pub bytes: u64,
    pub rows: u64,
    pub cities: usize,
}

/// Writes `corpus` under `out` (see the module docs); `out` may exist but must not hold
/// tables already.
pub fn export_parquet(corpus: &Corpus, out: &Path) -> Result<ExportSummary, DistError> {
    let rows = corpus_rows(corpus);
    let mut summary = ExportSummary::default();
    std::fs::create_dir_all(out).map_err(|e| DistError::io(out, e))?;
    for table in crate::rows::TABLES {
        if out.join(table).exists() {
            return Err(DistError::Usage(format!(
                "{}: holds a `{table}` table already; give an empty or new folder",
                out.display()
            )));
        }
    }
    let authors = write_part(out, "authors", None, &rows.authors)?;
    summary.add(authors);
    let by_city = rows.by_city();
    summary.cities = by_city.keys().filter(|c| !c.is_empty()).count();
    for (city, part) in &by_city {
        let city = Some(city.as_str());
        summary.add(write_part(out, "merchants", city, &part.merchants)?);
        summary.add(write_part(out, "notes", city, &part.notes)?);
        summary.add(write_part(out, "reviews", city, &part.reviews)?);
        summary.add(write_part(out, "visits", city, &part.visits)?);
        summary.add(write_part(out, "curation", city, &part.curation)?);
    }
    // Every table gets a folder, so the plan's query binds whatever the corpus holds.
    for table in crate::rows::TABLES {
        let dir = out.join(table);
        if !dir.exists() {
            std::fs::create_dir_all(&dir).map_err(|e| DistError::io(&dir, e))?;
            let schema = schema(table).expect("a table of TABLES");
            write_parquet_file(&dir.join("part-empty.parquet"), &schema, &[])?;
            summary.files += 1;
        }
    }
    Ok(summary)
}

impl ExportSummary {
    fn add(&mut self, written: Option<(u64, u64)>) {
        if let Some((bytes, rows)) = written {
            self.files += 1;
            self.bytes += bytes;
            self.rows += rows;
        }
    }
}

/// The folder of one table's city part.
pub fn part_dir(out: &Path, table: &str, city: Option<&str>) -> PathBuf {
    match city {
        Some(c) => out.join(table).join(format!("city={}", file_safe(c))),
        None => out.join(table),
    }
}

/// A city name as one file-name component: `/`, `\\`, `%`, control characters and a
/// leading `.` percent-encoded (a city is text from the corpus, never a path).
pub fn file_safe(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        if c == '/' || c == '\\' || c == '%' || c.is_control() || (i == 0 && c == '.') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

/// One Parquet file of rows; nothing for no rows. Returns (bytes, rows).
fn write_part<T: Serialize>(
    out: &Path,
    table: &str,
    city: Option<&str>,
    rows: &[T],
) -> Result<Option<(u64, u64)>, DistError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let schema = schema(table).expect("a table of TABLES");
    let dir = part_dir(out, table, city);
    std::fs::create_dir_all(&dir).map_err(|e| DistError::io(&dir, e))?;
    let path = dir.join("part-0.parquet");
    // Batches of bounded size keep the writer's memory bounded on a big city.
    let mut batches: Vec<RecordBatch> = Vec::new();
    for chunk in rows.chunks(8192) {
        batches.push(to_batch(&schema, chunk)?);
    }
    write_parquet_file(&path, &schema, &batches)?;
    let bytes = std::fs::metadata(&path)
        .map_err(|e| DistError::io(&path, e))?
        .len();
    Ok(Some((bytes, rows.len() as u64)))
}

/// Batches as one zstd-compressed Parquet file.
pub fn write_parquet_file(
    path: &Path,
    schema: &datafusion::arrow::datatypes::SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), DistError> {
    let file = File::create(path).map_err(|e| DistError::io(path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
    for b in batches {
        writer.write(b)?;
    }
    writer.close()?;
    Ok(())
}
