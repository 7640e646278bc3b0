//! One city's run: its rows in, its result out. This is what the `jx_city` aggregate
//! calls on an executor once it holds every row of its city.

use std::time::Instant;

use jingxuan::corpus::Timestamp;
use jingxuan::selection::SelectionPolicy;
use jingxuan::Engine;

use crate::output::CityResult;
use crate::rows::{AuthorRow, CorpusRows, CurationRow, MerchantRow, NoteRow, ReviewRow, VisitRow};
use crate::DistError;

/// The kinds of rows the plan sends to a city, as the `kind` column names them.
pub const KINDS: [&str; 6] = ["merchant", "author", "note", "review", "visit", "curation"];

/// Decodes one city's rows (`kind`, JSON of the row) into the corpus rows they came from.
pub fn decode(rows: &[(String, String)]) -> Result<CorpusRows, DistError> {
    fn de<T: serde::de::DeserializeOwned>(kind: &str, json: &str) -> Result<T, DistError> {
        serde_json::from_str(json).map_err(|e| DistError::Plan(format!("{kind} row: {e}")))
    }
    let mut out = CorpusRows::empty();
    for (kind, json) in rows {
        match kind.as_str() {
            "merchant" => out.merchants.push(de::<MerchantRow>(kind, json)?),
            "author" => out.authors.push(de::<AuthorRow>(kind, json)?),
            "note" => out.notes.push(de::<NoteRow>(kind, json)?),
            "review" => out.reviews.push(de::<ReviewRow>(kind, json)?),
            "visit" => out.visits.push(de::<VisitRow>(kind, json)?),
            "curation" => out.curation.push(de::<CurationRow>(kind, json)?),
            other => return Err(DistError::Plan(format!("unknown row kind {other:?}"))),
        }
    }
    Ok(out)
}

/// Runs the library's pipeline for `city` on its rows as of `as_of` (RFC 3339), under the
/// default selection policy: what `jingxuan score` and `select` print for the city.
pub fn run_city(city: &str, rows: CorpusRows, as_of: &str) -> Result<CityResult, DistError> {
    let started = Instant::now();
    let as_of = Timestamp::parse_rfc3339(as_of)
        .map_err(|e| DistError::Plan(format!("as_of {as_of:?}: {e}")))?;
    let documents = (rows.notes.len() + rows.reviews.len()) as u64;
    let corpus = rows.into_corpus()?;
    let engine = Engine::for_corpus(&corpus)?;
    let analysis = engine.analyze(&corpus, Some(as_of));
    let board = analysis.scoreboard(city)?;
    let selection = analysis.select(city, &SelectionPolicy::default(), None)?;
    let millis = started.elapsed().as_millis() as u64;
    Ok(CityResult::new(
        analysis.corpus(),
        &board,
        &selection,
        millis,
        documents,
    ))
}
