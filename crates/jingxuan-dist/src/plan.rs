//! The plan and its functions.
//!
//! Three user-defined functions, registered by name on the client, the scheduler and every
//! executor ([`register_functions`]):
//!
//! - `jx_json(struct)`: a row as one line of JSON (how rows of different tables travel
//!   in one column to their city);
//! - `jx_unix(text)`: an RFC 3339 timestamp as Unix seconds, parsed by the library, so the
//!   default `--as-of` is found exactly as the command finds it;
//! - `jx_city(kind, row, as_of)`: an aggregate grouped by city. Its partial states are the
//!   rows themselves (a list of kinds and a list of JSON rows), so DataFusion's two-phase
//!   aggregation *is* the shuffle: partial aggregates near the scans, a hash repartition
//!   on city, and the final aggregate on the executor that owns the city, which runs the
//!   library's pipeline once on the city's rows ([`crate::city::run_city`]).
//!
//! Why an aggregate and not a table function or a custom execution plan: the work is
//! exactly "gather a group, then compute one value from it", which DataFusion already
//! plans, repartitions, spills and serialises for Ballista (the function crosses the
//! network by name, through the registries), while a custom `ExecutionPlan` would need its
//! own protobuf codec on every process and a table function is not distributed by
//! Ballista at all.

use std::any::Any;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Builder, ListArray, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::common::{exec_err, Result as DfResult, ScalarValue};
use datafusion::execution::SessionState;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;
use jingxuan::corpus::Timestamp;

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
    fn as_any(&self) -> &dyn Any {
        self
    }
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

/// `jx_unix(utf8) -> int64`: null for text that is not RFC 3339.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Unix {
    signature: Signature,
}

impl Default for Unix {
    fn default() -> Self {
        Unix {
            signature: Signature::exact(vec![DataType::Utf8], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for Unix {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn name(&self) -> &str {
        "jx_unix"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let text = array.as_string::<i32>();
        let mut out = Int64Builder::with_capacity(text.len());
        for v in text.iter() {
            out.append_option(v.and_then(|s| Timestamp::parse_rfc3339(s).ok().map(|t| t.unix())));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// `jx_city(kind utf8, row utf8, as_of utf8) -> utf8`: the city's [`CityResult`] as JSON.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CityUdaf {
    signature: Signature,
}

impl Default for CityUdaf {
    fn default() -> Self {
        CityUdaf {
            signature: Signature::one_of(
                vec![TypeSignature::Exact(vec![
                    DataType::Utf8,
                    DataType::Utf8,
                    DataType::Utf8,
                    DataType::Utf8,
                ])],
                Volatility::Immutable,
            ),
        }
    }
}

fn list_field(name: &str) -> FieldRef {
    Arc::new(Field::new_list(
        name,
        Field::new_list_field(DataType::Utf8, true),
        true,
    ))
}

impl AggregateUDFImpl for CityUdaf {
    fn name(&self) -> &str {
        "jx_city"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8)
    }
    fn accumulator(&self, _: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::<CityAccumulator>::default())
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

/// Every row of one city, as they arrive.
#[derive(Debug, Default)]
struct CityAccumulator {
    city: Option<String>,
    as_of: Option<String>,
    rows: Vec<(String, String)>,
    bytes: usize,
}

impl CityAccumulator {
    fn push(&mut self, kind: &str, row: &str) {
        self.bytes += kind.len() + row.len() + 2 * std::mem::size_of::<String>();
        self.rows.push((kind.to_string(), row.to_string()));
    }
}

fn list_scalar(values: Vec<Option<String>>) -> ScalarValue {
    let list = ScalarValue::new_list_nullable(
        &values
            .into_iter()
            .map(ScalarValue::Utf8)
            .collect::<Vec<_>>(),
        &DataType::Utf8,
    );
    ScalarValue::List(list)
}

impl Accumulator for CityAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let city = values[0].as_string::<i32>();
        let kinds = values[1].as_string::<i32>();
        let rows = values[2].as_string::<i32>();
        let as_of = values[3].as_string::<i32>();
        for i in 0..kinds.len() {
            if kinds.is_null(i) || rows.is_null(i) {
                continue;
            }
            if self.city.is_none() && !city.is_null(i) {
                self.city = Some(city.value(i).to_string());
            }
            if self.as_of.is_none() && !as_of.is_null(i) {
                self.as_of = Some(as_of.value(i).to_string());
            }
            self.push(kinds.value(i), rows.value(i));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let (Some(city), Some(as_of)) = (&self.city, &self.as_of) else {
            return Ok(ScalarValue::Utf8(None));
        };
        // Rows arrive in whatever order the shuffle delivers them; the corpus is rebuilt
        // from keyed maps and `seq`, so order cannot change the result.
        let rows = std::mem::take(&mut self.rows);
        let result = city::decode(&rows)
            .and_then(|r| city::run_city(city, r, as_of))
            .map_err(|e| {
                datafusion::error::DataFusionError::Execution(format!("city {city}: {e}"))
            })?;
        let json = serde_json::to_string(&result)
            .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
        Ok(ScalarValue::Utf8(Some(json)))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.bytes
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let rows = std::mem::take(&mut self.rows);
        self.bytes = 0;
        let (kinds, rows): (Vec<_>, Vec<_>) = rows.into_iter().map(|(k, r)| (Some(k), Some(r))).unzip();
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
            let cities = lists[0].value(i);
            let kinds = lists[1].value(i);
            let rows = lists[2].value(i);
            let as_of = lists[3].value(i);
            let (cities, kinds, rows, as_of) = (
                cities.as_string::<i32>(),
                kinds.as_string::<i32>(),
                rows.as_string::<i32>(),
                as_of.as_string::<i32>(),
            );
            if self.city.is_none() && !cities.is_empty() && !cities.is_null(0) {
                self.city = Some(cities.value(0).to_string());
            }
            if self.as_of.is_none() && !as_of.is_empty() && !as_of.is_null(0) {
                self.as_of = Some(as_of.value(0).to_string());
            }
            for j in 0..kinds.len() {
                if !kinds.is_null(j) && !rows.is_null(j) {
                    self.push(kinds.value(j), rows.value(j));
                }
            }
        }
        Ok(())
    }
}

/// The three functions, registered on a session state (before a standalone cluster is
/// made from it: the executors copy its registry) or on a context (after: Ballista's
/// client context replaces the registry it was made with).
pub fn register_functions_on_state(state: &mut SessionState) -> DfResult<()> {
    state.register_udf(Arc::new(ScalarUDF::from(JsonRow::default())))?;
    state.register_udf(Arc::new(ScalarUDF::from(Unix::default())))?;
    state.register_udaf(Arc::new(AggregateUDF::from(CityUdaf::default())))?;
    Ok(())
}

/// [`register_functions_on_state`] on a context.
pub fn register_functions(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::from(JsonRow::default()));
    ctx.register_udf(ScalarUDF::from(Unix::default()));
    ctx.register_udaf(AggregateUDF::from(CityUdaf::default()));
}

/// `named_struct('a', a, 'b', b, ...)` over every column of `schema` but `skip`.
fn struct_of(schema: &Schema, alias: &str, skip: &[&str]) -> String {
    let parts: Vec<String> = schema
        .fields()
        .iter()
        .filter(|f| !skip.contains(&f.name().as_str()))
        .map(|f| format!("'{0}', {alias}.\"{0}\"", f.name()))
        .collect();
    format!("named_struct({})", parts.join(", "))
}

/// The query that sends every row to the cities that need it: `(city, kind, row)`.
/// Reviews, visits and curation go to their merchant's city, notes to each city of their
/// `cities`, an author's record to every city it wrote or visited in. Commercial data is
/// in none of the tables.
pub fn routed_sql() -> String {
    let s = |t: &str| crate::rows::schema(t).expect("a table");
    format!(
        "SELECT m.city AS city, 'merchant' AS kind, jx_json({m}) AS row FROM merchants m \
         UNION ALL SELECT n.route AS city, 'note' AS kind, jx_json({n}) AS row \
           FROM (SELECT *, unnest(cities) AS route FROM notes) n \
         UNION ALL SELECT r.city, 'review', jx_json({r}) FROM reviews r \
         UNION ALL SELECT v.city, 'visit', jx_json({v}) FROM visits v \
         UNION ALL SELECT c.city, 'curation', jx_json({c}) FROM curation c \
         UNION ALL SELECT w.city, 'author', jx_json({a}) FROM authors a JOIN \
           (SELECT DISTINCT route AS city, author_id FROM \
              (SELECT unnest(cities) AS route, author_id FROM notes) \
            UNION SELECT city, author_id FROM reviews \
            UNION SELECT city, author_id FROM visits) w ON a.id = w.author_id",
        m = struct_of(&s("merchants"), "m", &[]),
        n = struct_of(&s("notes"), "n", &["route"]),
        r = struct_of(&s("reviews"), "r", &[]),
        v = struct_of(&s("visits"), "v", &[]),
        c = struct_of(&s("curation"), "c", &[]),
        a = struct_of(&s("authors"), "a", &[]),
    )
}

/// The default `--as-of`: the latest timestamp of the corpus, found as the library finds it
/// (of equal instants, the last in its order: notes, reviews, visits, curation, accounts).
pub fn latest_sql() -> &'static str {
    "SELECT t FROM ( \
       SELECT created_at AS t, 0 AS src, id AS k, 0 AS seq FROM notes \
       UNION ALL SELECT created_at, 1, id, 0 FROM reviews \
       UNION ALL SELECT at, 2, '', seq FROM visits \
       UNION ALL SELECT at, 3, '', seq FROM curation \
       UNION ALL SELECT created_at, 4, id, 0 FROM authors WHERE created_at IS NOT NULL) \
     ORDER BY jx_unix(t) DESC, src DESC, k DESC, seq DESC LIMIT 1"
}

/// The per-city query: one row per city with its result as JSON.
pub fn cities_sql(as_of: &str, only: Option<&str>) -> String {
    let quote = |s: &str| s.replace('\'', "''");
    let only = only
        .map(|c| format!(" AND city = '{}'", quote(c)))
        .unwrap_or_default();
    format!(
        "SELECT city, jx_city(city, kind, row, '{}') AS result FROM ({}) \
         WHERE city <> ''{only} GROUP BY city ORDER BY city",
        quote(as_of),
        routed_sql()
    )
}

/// Runs the plan on `ctx` (tables registered, functions registered) and returns each
/// city's result, by city.
pub async fn run(
    ctx: &SessionContext,
    as_of: Option<&str>,
    only: Option<&str>,
) -> Result<(String, Vec<CityResult>), crate::DistError> {
    let as_of = match as_of {
        Some(t) => t.to_string(),
        None => {
            let batches = ctx.sql(latest_sql()).await?.collect().await?;
            let latest = batches
                .iter()
                .find(|b| b.num_rows() > 0)
                .map(|b| b.column(0).as_string::<i32>().value(0).to_string());
            // An empty corpus: the library's own default.
            latest.unwrap_or_else(|| Timestamp::from_unix(0).to_rfc3339())
        }
    };
    let batches = ctx.sql(&cities_sql(&as_of, only)).await?.collect().await?;
    let mut out = Vec::new();
    for b in &batches {
        let results = b.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            if results.is_null(i) {
                continue;
            }
            let r: CityResult = serde_json::from_str(results.value(i))
                .map_err(|e| crate::DistError::Plan(e.to_string()))?;
            out.push(r);
        }
    }
    out.sort_by(|a, b| a.city.cmp(&b.city));
    Ok((as_of, out))
}
