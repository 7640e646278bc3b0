//! The plan and its functions.
//!
//! Two stages, three user-defined functions registered by name on the client, the
//! scheduler and every executor ([`register_functions`]):
//!
//! - `jx_json(struct)`: a row as one line of JSON (how rows of different tables travel
//!   in one column to their city);
//! - `jx_global(city, kind, row, as_of)`, stage 1: an aggregate over the documents'
//!   metadata and text of the whole corpus that gives the library's [`GlobalPass`]: every
//!   author's summary (merchants, cities, span of writing, account facts), the commercial
//!   documents, the authors whose reviews teach a city's text model, the lock-step groups
//!   and which notes speak of each city. The client writes it as tables (`global/`);
//! - `jx_city(city, kind, row, as_of)`, stage 2: an aggregate grouped by city over the
//!   city's rows joined with its slice of the global tables. Its partial states are the
//!   rows themselves (lists of kinds and JSON rows), so DataFusion's two-phase aggregation
//!   *is* the shuffle: partial aggregates next to the scans, a hash repartition on city,
//!   and the final aggregate on the executor that owns the city, which runs the library's
//!   shard analysis once ([`crate::city::run_city`]).
//!
//! Why an aggregate and not a table function or a custom execution plan: the work is
//! exactly "gather a group, then compute one value from it", which DataFusion already
//! plans, repartitions, spills and serialises for Ballista (the function crosses the
//! network by name, through the registries), while a custom `ExecutionPlan` would need its
//! own protobuf codec on every process and a table function is not distributed by
//! Ballista at all.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::execution::{FunctionRegistry, SessionState};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use jingxuan::shard::GlobalPass;

use crate::city;
use crate::output::CityResult;
use crate::rows::batch_json_lines;

/// `jx_json(struct) -> utf8`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JsonRow {
    signature: Signature,
}

impl Default for JsonRow {
    fn default() -> Self {
        JsonRow {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for JsonRow {
    fn name(&self) -> &str {
        "jx_json"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let rows = args.number_rows;
        let array = args.args[0].to_array(rows)?;
        let Some(structs) = array.as_struct_opt() else {
            return exec_err!("jx_json takes a struct, not {}", array.data_type());
        };
        let batch = RecordBatch::from(structs.clone());
        let lines = batch_json_lines(&batch)
            .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(lines))))
    }
}

/// Which of the two aggregates: they gather rows the same way and differ in what they
/// make of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Stage {
    Global,
    City,
}

/// `jx_global(..)` and `jx_city(city utf8, kind utf8, row utf8, as_of utf8) -> utf8`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RowsUdaf {
    stage: Stage,
    signature: Signature,
}

impl RowsUdaf {
    fn new(stage: Stage) -> RowsUdaf {
        RowsUdaf {
            stage,
            // Coerced to Utf8 (a scan may give Utf8View).
            signature: Signature::uniform(4, vec![DataType::Utf8], Volatility::Immutable),
        }
    }

    /// Stage 1: the corpus's [`GlobalPass`] as JSON.
    pub fn global() -> RowsUdaf {
        RowsUdaf::new(Stage::Global)
    }

    /// Stage 2: a city's [`CityResult`] as JSON.
    pub fn city() -> RowsUdaf {
        RowsUdaf::new(Stage::City)
    }
}

fn list_field(name: &str) -> FieldRef {
    Arc::new(Field::new_list(
        name,
        Field::new_list_field(DataType::Utf8, true),
        true,
    ))
}

impl AggregateUDFImpl for RowsUdaf {
    fn name(&self) -> &str {
        match self.stage {
            Stage::Global => "jx_global",
            Stage::City => "jx_city",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(RowsAccumulator {
            stage: self.stage,
            city: None,
            as_of: None,
            rows: Vec::new(),
            bytes: 0,
        }))
    }
    fn state_fields(&self, _: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![
            list_field("city"),
            list_field("kinds"),
            list_field("rows"),
            list_field("as_of"),
        ])
    }
}

/// Every row of one group, as they arrive.
#[derive(Debug)]
struct RowsAccumulator {
    stage: Stage,
    city: Option<String>,
    as_of: Option<String>,
    rows: Vec<(String, String)>,
    bytes: usize,
}

impl RowsAccumulator {
    fn push(&mut self, kind: &str, row: &str) {
        self.bytes += kind.len() + row.len() + 2 * std::mem::size_of::<String>();
        self.rows.push((kind.to_string(), row.to_string()));
    }

    fn note(&mut self, city: Option<&str>, as_of: Option<&str>) {
        if self.city.is_none() {
            self.city = city.map(String::from);
        }
        if self.as_of.is_none() {
            self.as_of = as_of.map(String::from);
        }
    }
}

fn list_scalar(values: Vec<Option<String>>) -> ScalarValue {
    let values: Vec<ScalarValue> = values.into_iter().map(ScalarValue::Utf8).collect();
    ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Utf8))
}

fn exec(e: impl std::fmt::Display) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::Execution(e.to_string())
}

fn opt(a: &StringArray, i: usize) -> Option<&str> {
    (i < a.len() && !a.is_null(i)).then(|| a.value(i))
}

impl Accumulator for RowsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let city = values[0].as_string::<i32>();
        let kinds = values[1].as_string::<i32>();
        let rows = values[2].as_string::<i32>();
        let as_of = values[3].as_string::<i32>();
        for i in 0..kinds.len() {
            self.note(opt(city, i), opt(as_of, i));
            if let (Some(k), Some(r)) = (opt(kinds, i), opt(rows, i)) {
                self.push(k, r);
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        // Rows arrive in whatever order the shuffle delivers them; the corpus is rebuilt
        // into keyed maps and `seq` order, so arrival order cannot change the result.
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let json = match self.stage {
            Stage::Global => {
                let global = city::global_pass(&rows, self.as_of.as_deref()).map_err(exec)?;
                serde_json::to_string(&global).map_err(exec)?
            }
            Stage::City => {
                let Some(city) = self.city.clone() else {
                    return Ok(ScalarValue::Utf8(None));
                };
                let result: CityResult = city::run_city(&city, &rows, self.as_of.as_deref())
                    .map_err(|e| exec(format!("city {city}: {e}")))?;
                serde_json::to_string(&result).map_err(exec)?
            }
        };
        Ok(ScalarValue::Utf8(Some(json)))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.bytes
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let (kinds, rows): (Vec<_>, Vec<_>) =
            rows.into_iter().map(|(k, r)| (Some(k), Some(r))).unzip();
        Ok(vec![
            list_scalar(vec![self.city.clone()]),
            list_scalar(kinds),
            list_scalar(rows),
            list_scalar(vec![self.as_of.clone()]),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let lists: Vec<&ListArray> = states.iter().map(|s| s.as_list::<i32>()).collect();
        for i in 0..lists[0].len() {
            let (cities, kinds, rows, as_of) = (
                lists[0].value(i),
                lists[1].value(i),
                lists[2].value(i),
                lists[3].value(i),
            );
            let (cities, kinds, rows, as_of) = (
                cities.as_string::<i32>(),
                kinds.as_string::<i32>(),
                rows.as_string::<i32>(),
                as_of.as_string::<i32>(),
            );
            self.note(opt(cities, 0), opt(as_of, 0));
            for j in 0..kinds.len() {
                if let (Some(k), Some(r)) = (opt(kinds, j), opt(rows, j)) {
                    self.push(k, r);
                }
            }
        }
        Ok(())
    }
}

/// The functions, registered on a session state (before a standalone cluster is made
/// from it: the scheduler and executors copy its registry) or on a context (after:
/// making Ballista's client state replaces the registry it was given).
pub fn register_functions_on_state(state: &mut SessionState) -> DfResult<()> {
    state.register_udf(Arc::new(ScalarUDF::from(JsonRow::default())))?;
    state.register_udaf(Arc::new(AggregateUDF::from(RowsUdaf::global())))?;
    state.register_udaf(Arc::new(AggregateUDF::from(RowsUdaf::city())))?;
    Ok(())
}

/// [`register_functions_on_state`] on a context.
pub fn register_functions(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(JsonRow::default()));
    ctx.register_udaf(AggregateUDF::from(RowsUdaf::global()));
    ctx.register_udaf(AggregateUDF::from(RowsUdaf::city()));
}

/// `named_struct('a', t."a", 'b', t."b", ...)` over every column of `table`.
fn struct_of(table: &str, alias: &str) -> String {
    let schema = crate::rows::schema(table).expect("a table");
    let parts: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("'{0}', {alias}.\"{0}\"", f.name()))
        .collect();
    format!("named_struct({})", parts.join(", "))
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Stage 1: every row the global pass reads, in one group. `as_of` NULL: the library's
/// default (the corpus's latest timestamp, visits and decisions included).
pub fn global_sql(as_of: Option<&str>) -> String {
    let as_of = as_of.map_or("CAST(NULL AS VARCHAR)".to_string(), quote);
    format!(
        "SELECT jx_global('', kind, row, {as_of}) AS global FROM ( \
           SELECT 'merchant' AS kind, jx_json({m}) AS row FROM merchants m \
           UNION ALL SELECT 'author', jx_json({a}) FROM authors a \
           UNION ALL SELECT 'note', jx_json({n}) FROM notes n \
           UNION ALL SELECT 'review', jx_json({r}) FROM reviews r \
           UNION ALL SELECT 'visit', jx_json({v}) FROM visits v \
           UNION ALL SELECT 'curation', jx_json({c}) FROM curation c)",
        m = struct_of("merchants", "m"),
        a = struct_of("authors", "a"),
        n = struct_of("notes", "n"),
        r = struct_of("reviews", "r"),
        v = struct_of("visits", "v"),
        c = struct_of("curation", "c"),
    )
}

/// Stage 2's input: `(city, kind, row)` for every row a city's shard reads. Every merchant
/// goes to every city (the analyzer keeps all their names whole, and a note may name any
/// of them); a note to each city the global pass links it to; reviews, visits and
/// decisions to their merchant's city; an author's record and summary to each city it
/// wrote about (summaries also where it visited); commercial marks with their
/// documents; teachers with the cities they wrote in; every lock-step group to every city.
/// Commercial data (what merchants pay) is in none of these tables.
pub fn routed_sql() -> String {
    format!(
        "WITH cities AS (SELECT DISTINCT city FROM merchants), \
         routed_notes AS (SELECT nc.city AS route, n.* FROM notes n JOIN g_note_cities nc ON n.id = nc.note_id), \
         docs AS (SELECT route AS city, id, author_id FROM routed_notes \
                  UNION ALL SELECT city, id, author_id FROM reviews), \
         writers AS (SELECT DISTINCT city, author_id FROM docs), \
         people AS (SELECT city, author_id FROM writers UNION SELECT city, author_id FROM visits) \
         SELECT c.city AS city, 'merchant' AS kind, jx_json({m}) AS row FROM merchants m CROSS JOIN cities c \
         UNION ALL SELECT n.route, 'note', jx_json({n}) FROM routed_notes n \
         UNION ALL SELECT r.city, 'review', jx_json({r}) FROM reviews r \
         UNION ALL SELECT v.city, 'visit', jx_json({v}) FROM visits v \
         UNION ALL SELECT c.city, 'curation', jx_json({c}) FROM curation c \
         UNION ALL SELECT w.city, 'author', jx_json({a}) FROM authors a JOIN writers w ON a.id = w.author_id \
         UNION ALL SELECT p.city, 'summary', jx_json(named_struct('author_id', s.author_id, 'summary', s.summary)) \
           FROM g_authors s JOIN people p ON s.author_id = p.author_id \
         UNION ALL SELECT d.city, 'commercial', jx_json(named_struct('doc_id', g.doc_id, 'how', g.how)) \
           FROM g_commercial g JOIN docs d ON g.doc_id = d.id \
         UNION ALL SELECT w.city, 'teacher', t.author_id FROM g_teachers t JOIN writers w ON t.author_id = w.author_id \
         UNION ALL SELECT c.city, 'group', jx_json(named_struct('idx', g.idx, 'grp', g.grp)) FROM g_groups g CROSS JOIN cities c",
        m = struct_of("merchants", "m"),
        n = struct_of("notes", "n"),
        r = struct_of("reviews", "r"),
        v = struct_of("visits", "v"),
        c = struct_of("curation", "c"),
        a = struct_of("authors", "a"),
    )
}

/// Stage 2: one row per city with its result as JSON.
pub fn cities_sql(as_of: &str, only: Option<&str>) -> String {
    let only = only
        .map(|c| format!(" AND city = {}", quote(c)))
        .unwrap_or_default();
    format!(
        "SELECT city, jx_city(city, kind, row, {}) AS result FROM ({}) \
         WHERE city <> ''{only} GROUP BY city ORDER BY city",
        quote(as_of),
        routed_sql()
    )
}

/// Stage 1 on `ctx`: the corpus's global pass.
pub async fn global_pass(
    ctx: &SessionContext,
    as_of: Option<&str>,
) -> Result<GlobalPass, crate::DistError> {
    let batches = ctx.sql(&global_sql(as_of)).await?.collect().await?;
    let json = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| {
            let a = b.column(0).as_string::<i32>();
            opt(a, 0).map(String::from)
        })
        .ok_or_else(|| crate::DistError::Plan("the global pass gave no row".into()))?;
    serde_json::from_str(&json).map_err(|e| crate::DistError::Plan(e.to_string()))
}

/// Stage 2 on `ctx` (the global tables registered): each city's result, by city.
pub async fn cities(
    ctx: &SessionContext,
    as_of: &str,
    only: Option<&str>,
) -> Result<Vec<CityResult>, crate::DistError> {
    let batches = ctx.sql(&cities_sql(as_of, only)).await?.collect().await?;
    let mut out = Vec::new();
    for b in &batches {
        let results = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            if let Some(json) = opt(results, i) {
                out.push(
                    serde_json::from_str::<CityResult>(json)
                        .map_err(|e| crate::DistError::Plan(e.to_string()))?,
                );
            }
        }
    }
    out.sort_by(|a, b| a.city.cmp(&b.city));
    Ok(out)
}
