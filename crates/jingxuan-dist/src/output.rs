//! What a city's run produces: the bytes `jingxuan score --json` and `select --json`
//! print, and the flat rows of the lists, scoreboards and gaps tables.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use jingxuan::corpus::Corpus;
use jingxuan::reputation::Scoreboard;
use jingxuan::selection::Selection;
use serde::{Deserialize, Serialize};

/// Pretty JSON and a newline: what the command prints for `--json`.
fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// The bytes `jingxuan score CORPUS --city C --json` prints for this board. (The same
/// fields in the same order as the command; `tests/equality.rs` compares the two.)
pub fn score_json(board: &Scoreboard, corpus: &Corpus) -> String {
    let merchants = &corpus.merchants;
    let rows: Vec<_> = board
        .merchants
        .iter()
        .map(|s| {
            let m = merchants.get(&s.merchant_id);
            serde_json::json!({
                "merchant_id": s.merchant_id,
                "score": s.score,
                "eligible": s.eligible,
                "flags": s.flags.iter().map(|f| f.kind).collect::<Vec<_>>(),
                "name": m.map(|m| m.display_name()),
                "category": m.map(|m| &m.category),
                "district": m.and_then(|m| m.district.as_ref()),
                "mean": s.mean,
                "prior": s.prior,
                "credible_weight": s.credible_weight,
                "effective_opinions": s.effective_opinions,
                "evidence_count": s.evidence_count,
                "discounted_count": s.discounted_count,
                "ineligible": s.ineligible,
                "ineligible_reason": s.ineligible.as_ref().map(|r| r.explain_zh()),
                "flag_details": s.flags,
            })
        })
        .collect();
    pretty(&serde_json::json!({
        "city": board.city,
        "as_of": board.as_of,
        "merchants": rows,
    }))
}

/// The bytes `jingxuan select CORPUS --city C --json` prints for this selection.
pub fn select_json(selection: &Selection) -> String {
    pretty(selection)
}

/// One city's result as it leaves the per-city function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityResult {
    pub city: String,
    pub as_of: String,
    pub score_json: String,
    pub select_json: String,
    pub list: Vec<ListRow>,
    pub scoreboard: Vec<ScoreRow>,
    pub gaps: Vec<GapRow>,
    /// Time spent in the pipeline for this city (not part of any comparison).
    pub millis: u64,
    pub documents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    pub city: String,
    pub rank: u64,
    pub merchant_id: String,
    pub name: String,
    pub category: String,
    pub district: Option<String>,
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub city: String,
    pub rank: u64,
    pub merchant_id: String,
    pub score: f64,
    pub eligible: bool,
    pub ineligible_reason: Option<String>,
    pub credible_weight: f64,
    pub evidence_count: u64,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapRow {
    pub city: String,
    pub district: String,
    pub category: String,
    pub qualified: u64,
    pub target: u64,
    pub shortfall: u64,
    pub open_merchants: u64,
    pub note: String,
}

impl CityResult {
    pub fn new(
        corpus: &Corpus,
        board: &Scoreboard,
        selection: &Selection,
        millis: u64,
        documents: u64,
    ) -> CityResult {
        let city = board.city.clone();
        let list = selection
            .stores
            .iter()
            .map(|p| ListRow {
                city: city.clone(),
                rank: p.rank as u64,
                merchant_id: p.merchant_id.clone(),
                name: p.name.clone(),
                category: p.category.clone(),
                district: p.district.clone(),
                score: p.score,
                reasons: p.reasons.clone(),
            })
            .collect();
        let scoreboard = board
            .merchants
            .iter()
            .enumerate()
            .map(|(i, s)| ScoreRow {
                city: city.clone(),
                rank: i as u64 + 1,
                merchant_id: s.merchant_id.clone(),
                score: s.score,
                eligible: s.eligible,
                ineligible_reason: s.ineligible.as_ref().map(|r| r.explain_zh()),
                credible_weight: s.credible_weight,
                evidence_count: s.evidence_count as u64,
                flags: s
                    .flags
                    .iter()
                    .map(|f| {
                        serde_json::to_value(f.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(String::from))
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect();
        let gaps = selection
            .gaps
            .iter()
            .map(|g| GapRow {
                city: city.clone(),
                district: g.district.clone(),
                category: g.category.clone(),
                qualified: g.qualified as u64,
                target: g.target as u64,
                shortfall: g.shortfall as u64,
                open_merchants: g.open_merchants as u64,
                note: g.note.clone(),
            })
            .collect();
        CityResult {
            as_of: board.as_of.to_rfc3339(),
            score_json: score_json(board, corpus),
            select_json: select_json(selection),
            city,
            list,
            scoreboard,
            gaps,
            millis,
            documents,
        }
    }
}

fn list_of(name: &str) -> Field {
    Field::new_list(name, Field::new_list_field(DataType::Utf8, false), false)
}

/// Schemas of the output tables: `lists`, `scoreboards`, `gaps`, `results` (one row per
/// city with the command's JSON bytes).
pub fn output_schema(table: &str) -> Option<SchemaRef> {
    let s = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    let u = |n: &str| Field::new(n, DataType::UInt64, false);
    let f = |n: &str| Field::new(n, DataType::Float64, false);
    let fields = match table {
        "lists" => vec![
            s("city", false),
            u("rank"),
            s("merchant_id", false),
            s("name", false),
            s("category", false),
            s("district", true),
            f("score"),
            list_of("reasons"),
        ],
        "scoreboards" => vec![
            s("city", false),
            u("rank"),
            s("merchant_id", false),
            f("score"),
            Field::new("eligible", DataType::Boolean, false),
            s("ineligible_reason", true),
            f("credible_weight"),
            u("evidence_count"),
            list_of("flags"),
        ],
        "gaps" => vec![
            s("city", false),
            s("district", false),
            s("category", false),
            u("qualified"),
            u("target"),
            u("shortfall"),
            u("open_merchants"),
            s("note", false),
        ],
        "results" => vec![
            s("city", false),
            s("as_of", false),
            s("score_json", false),
            s("select_json", false),
        ],
        _ => return None,
    };
    Some(Arc::new(Schema::new(fields)))
}
