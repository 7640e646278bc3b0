//! Validated corpus records, one type per file of the contract (`corpus-format.md`).
//!
//! These are what the rest of the engine sees. A merchant's `commercial` object is *not*
//! here: the loader moves it into [`CommercialBook`](super::CommercialBook), which the
//! scoring modules never receive (see ARCHITECTURE.md, "money never reaches scoring").

use serde::{Deserialize, Serialize};

use super::time::Timestamp;

/// Which kind of writing a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A user note (种草笔记): no star, may speak of several merchants.
    Note,
    /// A review (点评) of one merchant, with a star rating.
    Review,
}

impl DocKind {
    /// `note` or `review`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Note => "note",
            DocKind::Review => "review",
        }
    }
}

/// Where a record came from, for error messages and audits. (Empty in a record restored from
/// a saved store, which keeps no line numbers.)
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Origin {
    /// File name within the corpus folder, e.g. `notes.jsonl`.
    pub file: &'static str,
    /// 1-based line number.
    pub line: u64,
}

/// `status` of a merchant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum MerchantStatus {
    #[default]
    Open,
    Closed,
    Suspended,
}

/// WGS-84 or GCJ-02 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

/// A merchant (门店). Commercial terms are kept elsewhere on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    pub branch: Option<String>,
    pub aliases: Vec<String>,
    /// Chain id: merchants sharing it are one chain.
    pub brand: Option<String>,
    pub city: String,
    pub district: Option<String>,
    pub area: Option<String>,
    /// `/`-separated path, e.g. `美食/火锅`; never empty, no empty segment.
    pub category: String,
    pub location: Option<LatLng>,
    pub price_per_person: Option<f64>,
    pub status: MerchantStatus,
    pub opened_at: Option<Timestamp>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Merchant {
    /// The first segment of the category path, e.g. `美食`.
    pub fn top_category(&self) -> &str {
        self.category.split('/').next().unwrap_or(&self.category)
    }

    /// Name with branch, e.g. `隐巷咖啡（南宋御街店）`.
    pub fn display_name(&self) -> String {
        match &self.branch {
            Some(b) => format!("{}（{}）", self.name, b),
            None => self.name.clone(),
        }
    }
}

/// An account that writes notes or reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Author {
    pub id: String,
    /// Unknown means "treat as new".
    pub created_at: Option<Timestamp>,
    pub followers: Option<u64>,
    pub verified: bool,
    pub home_city: Option<String>,
    /// Set when the account belongs to a merchant (商家号).
    pub merchant_id: Option<String>,
    pub banned: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// A user note (种草笔记).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub id: String,
    pub author_id: String,
    pub created_at: Timestamp,
    pub title: Option<String>,
    pub body: String,
    pub tags: Vec<String>,
    /// POI tags as written; mention linking may find more (see `evidence::link`).
    pub merchant_ids: Vec<String>,
    pub ip_city: Option<String>,
    pub likes: u64,
    pub collects: u64,
    pub comments: u64,
    pub shares: u64,
    pub images: u64,
    /// Platform-declared commercial label; `None` means unknown, not false.
    pub sponsored: Option<bool>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Note {
    /// Title and body as one text, title first: what is indexed and analysed.
    pub fn text(&self) -> String {
        match &self.title {
            Some(t) if !t.is_empty() => format!("{t}\n{}", self.body),
            _ => self.body.clone(),
        }
    }
}

/// Sub-ratings of a review, each 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Aspects {
    pub taste: Option<f64>,
    pub environment: Option<f64>,
    pub service: Option<f64>,
    pub value: Option<f64>,
}

/// A review (点评) of one merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: String,
    pub author_id: String,
    pub merchant_id: String,
    pub created_at: Timestamp,
    /// 1 to 5 in steps of 0.5.
    pub rating: f64,
    pub aspects: Aspects,
    pub text: String,
    pub images: u64,
    pub likes: u64,
    pub verified_visit: bool,
    #[serde(skip)]
    pub origin: Origin,
}

/// `kind` of a verified visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    Payment,
    Redemption,
    Navigation,
    Checkin,
}

/// A verified visit of an author to a merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub author_id: String,
    pub merchant_id: String,
    pub at: Timestamp,
    pub kind: VisitKind,
    #[serde(skip)]
    pub origin: Origin,
}

/// A human reviewer's decision (人工复核). It can let a merchant through, hold it or keep it
/// out; nothing here can raise a score or pin a rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Hold,
    Exclude,
}

/// One curation decision; the latest `at` for a merchant stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurationDecision {
    pub merchant_id: String,
    pub decision: Decision,
    pub reason: String,
    pub by: String,
    pub at: Timestamp,
    #[serde(skip)]
    pub origin: Origin,
}
