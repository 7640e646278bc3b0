//! What the two aggregates compute once they hold their rows: the corpus's global pass
//! (stage 1), and one city's shard analysis (stage 2). Both call the library; nothing of
//! the pipeline is written here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use jingxuan::corpus::Timestamp;
use jingxuan::selection::{ListRequest, SelectionPolicy};
use jingxuan::shard::{CommercialDoc, GlobalPass};
use jingxuan::trust::author::AuthorSummary;
use jingxuan::trust::collusion::Group;
use jingxuan::Engine;
use serde::Deserialize;

use crate::output::CityResult;
use crate::rows::{AuthorRow, CorpusRows, CurationRow, MerchantRow, NoteRow, ReviewRow, VisitRow};
use crate::DistError;

fn de<T: serde::de::DeserializeOwned>(kind: &str, json: &str) -> Result<T, DistError> {
    serde_json::from_str(json).map_err(|e| DistError::Plan(format!("{kind} row: {e}")))
}

#[derive(Deserialize)]
struct SummaryRow {
    author_id: String,
    summary: String,
}

#[derive(Deserialize)]
struct CommercialRow {
    doc_id: String,
    how: String,
}

/// A group's rows, sorted into the corpus's records and the city's slice of the global
/// pass.
#[derive(Deserialize)]
struct GroupRow {
    idx: u64,
    grp: String,
}

#[derive(Default)]
struct Decoded {
    rows: Option<CorpusRows>,
    authors: BTreeMap<String, AuthorSummary>,
    commercial: BTreeMap<String, CommercialDoc>,
    teachers: BTreeSet<String>,
    groups: Vec<Group>,
}

fn decode(rows: &[(String, String)]) -> Result<Decoded, DistError> {
    let mut c = CorpusRows::empty();
    let mut out = Decoded::default();
    let mut groups: Vec<(u64, Group)> = Vec::new();
    for (kind, json) in rows {
        match kind.as_str() {
            "merchant" => c.merchants.push(de::<MerchantRow>(kind, json)?),
            "author" => c.authors.push(de::<AuthorRow>(kind, json)?),
            "note" => c.notes.push(de::<NoteRow>(kind, json)?),
            "review" => c.reviews.push(de::<ReviewRow>(kind, json)?),
            "visit" => c.visits.push(de::<VisitRow>(kind, json)?),
            "curation" => c.curation.push(de::<CurationRow>(kind, json)?),
            "summary" => {
                let s: SummaryRow = de(kind, json)?;
                out.authors.insert(s.author_id, de(kind, &s.summary)?);
            }
            "commercial" => {
                let m: CommercialRow = de(kind, json)?;
                out.commercial.insert(m.doc_id, de(kind, &m.how)?);
            }
            "teacher" => {
                out.teachers.insert(json.clone());
            }
            "group" => {
                let g: GroupRow = de(kind, json)?;
                groups.push((g.idx, de(kind, &g.grp)?));
            }
            other => return Err(DistError::Plan(format!("unknown row kind {other:?}"))),
        }
    }
    // The global pass's order (the trust stage numbers groups), whatever the arrival order.
    groups.sort_by_key(|(i, _)| *i);
    out.groups = groups.into_iter().map(|(_, g)| g).collect();
    out.rows = Some(c);
    Ok(out)
}

fn parse_as_of(as_of: &str) -> Result<Timestamp, DistError> {
    Timestamp::parse_rfc3339(as_of).map_err(|e| DistError::Plan(format!("as_of {as_of:?}: {e}")))
}

/// Stage 1: the library's global pass over every row of the corpus (`as_of` `None`: the
/// corpus's latest timestamp, as the command defaults).
pub fn global_pass(
    rows: &[(String, String)],
    as_of: Option<&str>,
) -> Result<GlobalPass, DistError> {
    let as_of = as_of.map(parse_as_of).transpose()?;
    let decoded = decode(rows)?;
    let corpus = decoded
        .rows
        .unwrap_or_else(CorpusRows::empty)
        .into_corpus()?;
    let engine = Engine::for_corpus(&corpus)?;
    Ok(GlobalPass::compute(&engine, &corpus, as_of))
}

/// Stage 2: one city's shard analysis from its rows and its slice of the global pass
/// (`as_of`: the pass's instant), under the default selection policy: what
/// `jingxuan score --json` and `select --json` print for the city.
pub fn run_city(
    city: &str,
    rows: &[(String, String)],
    as_of: Option<&str>,
) -> Result<CityResult, DistError> {
    let started = Instant::now();
    let as_of = parse_as_of(as_of.ok_or_else(|| DistError::Plan("no as_of".into()))?)?;
    let decoded = decode(rows)?;
    let rows = decoded.rows.unwrap_or_else(CorpusRows::empty);
    let documents = (rows.notes.len() + rows.reviews.len()) as u64;
    let shard = Arc::new(rows.into_corpus()?);
    // The shard holds every merchant, so its engine keeps every merchant's name whole, as
    // the whole corpus's engine does.
    let engine = Engine::for_corpus(&shard)?;
    let global = GlobalPass {
        as_of,
        authors: decoded.authors,
        commercial: decoded.commercial,
        teachers: decoded.teachers,
        groups: decoded.groups,
        // Only `city_corpus` reads it; the plan has routed the notes already.
        notes_by_city: BTreeMap::new(),
    };
    let analysis = engine.analyze_city(Arc::clone(&shard), &global);
    let board = analysis.score_city(city)?;
    let request = ListRequest {
        previous: None,
        query: None,
    };
    let selection = analysis.select(city, &SelectionPolicy::default(), &request)?;
    let millis = started.elapsed().as_millis() as u64;
    Ok(CityResult::new(
        &shard, &board, &selection, millis, documents,
    ))
}
