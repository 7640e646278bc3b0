//! Validated corpus records, one type per file of the contract (`corpus-format.md`).
//!
//! These are what the rest of the engine sees. A merchant's `commercial` object is *not*
//! here: the loader moves it into [`CommercialBook`](super::CommercialBook), which the
//! scoring modules never receive (see ARCHITECTURE.md, "money never reaches scoring").

use compact_str::CompactString;
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
    /// Open for business (the default).
    Open,
    /// Closed for good: never listed.
    Closed,
    /// Temporarily closed: not listed meanwhile.
    Suspended,
}

/// WGS-84 or GCJ-02 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lng: f64,
}

/// A merchant (门店). Commercial terms are kept elsewhere on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    /// Stable merchant id, unique.
    pub id: String,
    /// Shop name, e.g. `隐巷咖啡`.
    pub name: String,
    /// Branch name, e.g. `南宋御街店`.
    pub branch: Option<String>,
    /// Other names people write in notes, e.g. `隐巷`.
    pub aliases: Vec<String>,
    /// Chain id: merchants sharing it are one chain.
    pub brand: Option<String>,
    /// City as people write it, e.g. `杭州`.
    pub city: String,
    /// District (区/县).
    pub district: Option<String>,
    /// Business area or landmark (商圈).
    pub area: Option<String>,
    /// `/`-separated path, e.g. `美食/火锅`; never empty, no empty segment.
    pub category: String,
    /// Coordinates, when both were given.
    pub location: Option<LatLng>,
    /// Spend per person (人均) in CNY.
    pub price_per_person: Option<f64>,
    /// Open, closed or suspended.
    pub status: MerchantStatus,
    /// When the shop opened.
    pub opened_at: Option<Timestamp>,
    #[serde(skip)]
    /// The line it was read from.
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
    /// Account id.
    pub id: String,
    /// Unknown means "treat as new".
    pub created_at: Option<Timestamp>,
    /// Follower count, when known.
    pub followers: Option<u64>,
    /// Real-name verified.
    pub verified: bool,
    /// Home city, when given.
    pub home_city: Option<String>,
    /// Set when the account belongs to a merchant (商家号).
    pub merchant_id: Option<String>,
    /// Banned by the platform: its word counts for nothing.
    pub banned: bool,
    #[serde(skip)]
    /// The line it was read from.
    pub origin: Origin,
}

/// A user note (种草笔记).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Note id.
    pub id: CompactString,
    /// Who wrote it.
    pub author_id: CompactString,
    /// When it was posted.
    pub created_at: Timestamp,
    /// Title, when any.
    pub title: Option<String>,
    /// Body text (may be empty when the title carries the text).
    pub body: String,
    /// Topic tags, without `#`.
    pub tags: Vec<CompactString>,
    /// POI tags as written; mention linking may find more (see `evidence::link`).
    pub merchant_ids: Vec<CompactString>,
    /// City shown as the post's IP location.
    pub ip_city: Option<String>,
    /// Likes.
    pub likes: u64,
    /// Collects (收藏).
    pub collects: u64,
    /// Comments.
    pub comments: u64,
    /// Shares.
    pub shares: u64,
    /// Number of pictures.
    pub images: u64,
    /// Platform-declared commercial label; `None` means unknown, not false.
    pub sponsored: Option<bool>,
    #[serde(skip)]
    /// The line it was read from.
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
    /// Taste (口味).
    pub taste: Option<f64>,
    /// Environment (环境).
    pub environment: Option<f64>,
    /// Service (服务).
    pub service: Option<f64>,
    /// Value for money (性价比).
    pub value: Option<f64>,
}

/// A review (点评) of one merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Review id.
    pub id: CompactString,
    /// Who wrote it.
    pub author_id: CompactString,
    /// The merchant reviewed.
    pub merchant_id: CompactString,
    /// When it was posted.
    pub created_at: Timestamp,
    /// 1 to 5 in steps of 0.5.
    pub rating: f64,
    /// Sub-ratings, where given.
    pub aspects: Aspects,
    /// Review text (may be empty). Shared, not copied, by the analysis's
    /// `evidence::Document` of the review, so that the corpus and its analysis hold it once.
    pub text: std::sync::Arc<str>,
    /// Number of pictures.
    pub images: u64,
    /// Likes.
    pub likes: u64,
    /// Written after a verified purchase or redemption (the platform's flag).
    pub verified_visit: bool,
    #[serde(skip)]
    /// The line it was read from.
    pub origin: Origin,
}

/// `kind` of a verified visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// A payment at the shop: the strongest proof.
    Payment,
    /// A coupon or voucher redeemed there.
    Redemption,
    /// A navigation to the shop.
    Navigation,
    /// A check-in at the shop.
    Checkin,
}

/// A verified visit of an author to a merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Who visited.
    pub author_id: CompactString,
    /// Where.
    pub merchant_id: CompactString,
    /// When.
    pub at: Timestamp,
    /// What proves it.
    pub kind: VisitKind,
    #[serde(skip)]
    /// The line it was read from.
    pub origin: Origin,
}

/// A human reviewer's decision (人工复核). It can let a merchant through, hold it or keep it
/// out; nothing here can raise a score or pin a rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Let it through review (it is still scored like any other shop).
    Approve,
    /// Keep it off the list until a later decision.
    Hold,
    /// Keep it off the list.
    Exclude,
}

/// One curation decision; the latest `at` for a merchant stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurationDecision {
    /// The merchant decided on.
    pub merchant_id: String,
    /// Approve, hold or exclude.
    pub decision: Decision,
    /// Why, shown in audits.
    pub reason: String,
    /// Reviewer id.
    pub by: String,
    /// When it was decided; the latest decision for a merchant stands.
    pub at: Timestamp,
    #[serde(skip)]
    /// The line it was read from.
    pub origin: Origin,
}
