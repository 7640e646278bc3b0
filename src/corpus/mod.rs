//! Corpus: the JSON Lines folder of `corpus-format.md`, streamed into validated records.
//!
//! Loading is one pass per file in a fixed order (merchants, authors, notes, reviews,
//! visits, curation) so that references can be checked against what came before. A later
//! record with the same id replaces the earlier one; `"deleted": true` removes it.

mod json;
mod load;
mod records;
mod time;
mod validate;

pub use load::{
    load, load_batch, load_batch_from_readers, load_batch_onto, load_batch_onto_from_readers,
    load_from_readers, FileReport, LoadOptions, LoadReport, Loaded, Mode, FILES,
};
pub use records::*;
pub use time::{Timestamp, YEARS};

/// An account that wrote about at most this many merchants has little history (trust
/// weighs its voice in the bounded pool; the evidence stage does not let it teach the
/// learned reader). Here, below both stages, so that neither imports the other for it.
pub const LITTLE_HISTORY_MERCHANTS: usize = 2;
/// … or one active (first to last writing) for at most this many days.
pub const LITTLE_HISTORY_DAYS: f64 = 30.0;

use compact_str::CompactString;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every validated record of a corpus, keyed by id (so iteration order is the id order and
/// never depends on hashing). It holds no commercial data: see [`CommercialBook`].
///
/// It is `Serialize` and `Deserialize` so that a [`Store`](crate::store::Store) can save it;
/// input from outside goes through [`load`] (a folder) or [`load_from_readers`] (memory,
/// an upload), which validate it.
///
/// # Example
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
///
/// let merchants = concat!(
///     r#"{"id":"m-1","name":"隐巷咖啡","city":"杭州","category":"饮品/咖啡","commercial":{"ad_spend_30d":9000}}"#, "\n",
///     r#"{"id":"m-2","name":"奎元馆","city":"杭州","district":"上城区","category":"美食/面馆"}"#, "\n",
/// );
/// let reviews = concat!(
///     r#"{"id":"r-1","author_id":"u-1","merchant_id":"m-2","created_at":"2025-10-02T12:00:00+08:00","rating":4.5,"text":"虾爆鳝面好吃"}"#, "\n",
///     r#"{"id":"r-1","author_id":"u-1","merchant_id":"m-2","created_at":"2025-10-02T12:00:00+08:00","rating":4,"text":"虾爆鳝面好吃，就是排队久"}"#, "\n",
/// );
/// let files = [("merchants.jsonl", merchants.as_bytes()), ("reviews.jsonl", reviews.as_bytes())];
/// let loaded = corpus::load_from_readers(files, &LoadOptions::default())?;
///
/// // The second line with the same id is an edit: it replaces the first.
/// assert_eq!(loaded.corpus.reviews["r-1"].rating, 4.0);
/// assert_eq!(loaded.corpus.merchants["m-2"].top_category(), "美食");
/// assert_eq!(loaded.corpus.cities(), ["杭州"]);
/// // Money is kept apart: readable and reportable, never part of the corpus scoring sees.
/// assert_eq!(loaded.commercial.get("m-1").unwrap()["ad_spend_30d"], 9000);
/// // Every line is accounted for.
/// let reviews_file = &loaded.report.files[3];
/// assert_eq!((reviews_file.file, reviews_file.accepted, reviews_file.replaced), ("reviews.jsonl", 1, 1));
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Corpus {
    /// Merchants by id.
    pub merchants: BTreeMap<String, Merchant>,
    /// Accounts by id (only those listed in `authors.jsonl`).
    pub authors: BTreeMap<String, Author>,
    /// Notes (种草笔记) by id.
    pub notes: BTreeMap<CompactString, Note>,
    /// Reviews (点评) by id.
    pub reviews: BTreeMap<CompactString, Review>,
    /// In file order.
    pub visits: Vec<Visit>,
    /// In file order; the latest `at` per merchant stands.
    pub curation: Vec<CurationDecision>,
}

/// What merchants pay or offer the platform (`commercial` in `merchants.jsonl`), keyed by
/// merchant id. It may be read and reported, and is deliberately a separate value from
/// [`Corpus`] so that nothing which scores, ranks or selects can reach it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommercialBook {
    terms: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

impl CommercialBook {
    /// The merchant's commercial object as written, if any.
    pub fn get(&self, merchant_id: &str) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.terms.get(merchant_id)
    }

    /// Number of merchants with commercial terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when no merchant has commercial terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Every merchant's terms, by merchant id.
    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (&str, &serde_json::Map<String, serde_json::Value>)> {
        self.terms.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Records, replaces or (with `None`) removes a merchant's terms.
    pub fn set(
        &mut self,
        merchant_id: &str,
        terms: Option<serde_json::Map<String, serde_json::Value>>,
    ) {
        match terms {
            Some(t) => {
                self.terms.insert(merchant_id.to_string(), t);
            }
            None => {
                self.terms.remove(merchant_id);
            }
        }
    }
}

impl Corpus {
    /// Every merchant name and alias, sorted and deduplicated: the words the analyzer must
    /// keep whole for this corpus.
    pub fn merchant_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .merchants
            .values()
            .flat_map(|m| std::iter::once(m.name.clone()).chain(m.aliases.iter().cloned()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The curation decision that stands for a merchant: the latest `at`; of equal `at`,
    /// the one loaded last.
    pub fn curation_for(&self, merchant_id: &str) -> Option<&CurationDecision> {
        self.curation
            .iter()
            .filter(|d| d.merchant_id == merchant_id)
            .max_by_key(|d| d.at)
    }

    /// Cities of the corpus's merchants, sorted.
    pub fn cities(&self) -> Vec<String> {
        let mut cities: Vec<String> = self.merchants.values().map(|m| m.city.clone()).collect();
        cities.sort();
        cities.dedup();
        cities
    }

    /// The latest timestamp anywhere in the corpus: the default `--as-of`, so that the same
    /// corpus always gives the same answer whatever the wall clock says.
    pub fn latest_timestamp(&self) -> Option<Timestamp> {
        let notes = self.notes.values().map(|n| n.created_at);
        let reviews = self.reviews.values().map(|r| r.created_at);
        let visits = self.visits.iter().map(|v| v.at);
        let curation = self.curation.iter().map(|c| c.at);
        let authors = self.authors.values().filter_map(|a| a.created_at);
        notes
            .chain(reviews)
            .chain(visits)
            .chain(curation)
            .chain(authors)
            .max()
    }

    /// The instant a run scores: `as_of` if given, else the corpus's latest timestamp (so the
    /// wall clock never matters), else the epoch for an empty corpus.
    pub fn resolve_as_of(&self, as_of: Option<Timestamp>) -> Timestamp {
        as_of
            .or_else(|| self.latest_timestamp())
            .unwrap_or(Timestamp::from_unix(0))
    }

    /// The world a run at `as_of` sees (see [`Corpus::resolve_as_of`] and [`Corpus::as_of`]),
    /// with the instant resolved. Shares `corpus` when nothing is dated after that instant.
    pub fn world_at(corpus: Arc<Corpus>, as_of: Option<Timestamp>) -> (Arc<Corpus>, Timestamp) {
        let t = corpus.resolve_as_of(as_of);
        match corpus.as_of(t) {
            Some(past) => (Arc::new(past), t),
            None => (corpus, t),
        }
    }

    /// The world as it was at `t`: without the notes, reviews, visits, curation decisions
    /// and accounts dated after it. `None` when nothing is dated after `t` (the corpus is
    /// already that world), so the common case costs no copy.
    pub fn as_of(&self, t: Timestamp) -> Option<Corpus> {
        let later = self.notes.values().any(|n| n.created_at > t)
            || self.reviews.values().any(|r| r.created_at > t)
            || self.visits.iter().any(|v| v.at > t)
            || self.curation.iter().any(|c| c.at > t)
            || self
                .authors
                .values()
                .any(|a| a.created_at.is_some_and(|c| c > t));
        if !later {
            return None;
        }
        let mut c = Corpus {
            merchants: self.merchants.clone(),
            ..Corpus::default()
        };
        c.authors = self
            .authors
            .iter()
            .filter(|(_, a)| a.created_at.is_none_or(|c| c <= t))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        c.notes = self
            .notes
            .iter()
            .filter(|(_, n)| n.created_at <= t)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        c.reviews = self
            .reviews
            .iter()
            .filter(|(_, r)| r.created_at <= t)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        c.visits = self.visits.iter().filter(|v| v.at <= t).cloned().collect();
        c.curation = self
            .curation
            .iter()
            .filter(|d| d.at <= t)
            .cloned()
            .collect();
        Some(c)
    }

    /// The standing human decision for each merchant: the latest `at`; on a tie, the later
    /// line.
    pub fn standing_decisions(&self) -> BTreeMap<&str, &CurationDecision> {
        let mut out: BTreeMap<&str, &CurationDecision> = BTreeMap::new();
        for d in &self.curation {
            match out.get(d.merchant_id.as_str()) {
                Some(prev) if prev.at > d.at => {}
                _ => {
                    out.insert(d.merchant_id.as_str(), d);
                }
            }
        }
        out
    }
}
