//! Validated corpus records, one type per file of the contract (`corpus-format.md`).
//!
//! These are what the rest of the engine sees. A merchant's `commercial` object is *not*
//! here: the loader moves it into [`CommercialBook`](super::CommercialBook), which the
//! scoring modules never receive (see ARCHITECTURE.md, "money never reaches scoring").

use std::borrow::Cow;
use std::sync::Arc;

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
///
/// Its title and body are held as one shared text ([`NoteText`]), the form every stage
/// reads: an analysis and an index share it instead of joining a copy of their own.
/// It serialises with the contract's `title` and `body` fields.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "NoteFields<'static>")]
pub struct Note {
    /// Note id.
    pub id: CompactString,
    /// Who wrote it.
    pub author_id: CompactString,
    /// When it was posted.
    pub created_at: Timestamp,
    /// Title and body.
    pub content: NoteText,
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
    /// The line it was read from.
    pub origin: Origin,
}

impl Note {
    /// Title and body as one text, title first (a line break between): what is indexed
    /// and analysed.
    pub fn text(&self) -> &str {
        self.content.as_str()
    }

    /// [`text`](Self::text), shared: a reference count, not a copy.
    pub fn shared_text(&self) -> Arc<str> {
        self.content.shared()
    }

    /// The title, when the record has one (possibly empty).
    pub fn title(&self) -> Option<&str> {
        self.content.title()
    }

    /// The body (may be empty when the title carries the text).
    pub fn body(&self) -> &str {
        self.content.body()
    }
}

/// A note's title and body held as one text: the title, a line break and the body, or
/// the body alone when there is no title or it is empty. Cloning it shares the text.
///
/// ```
/// use jingxuan::corpus::NoteText;
///
/// let t = NoteText::new(Some("周末探店"), "排队一小时，值得");
/// assert_eq!(t.as_str(), "周末探店\n排队一小时，值得");
/// assert_eq!(t.title(), Some("周末探店"));
/// assert_eq!(t.body(), "排队一小时，值得");
/// assert_eq!(NoteText::new(Some(""), "只有正文").as_str(), "只有正文");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteText {
    text: Arc<str>,
    /// The title's length in bytes, when there is a title (0: an empty one).
    title_len: Option<usize>,
}

impl NoteText {
    /// The text of a note with this title and body.
    pub fn new(title: Option<&str>, body: &str) -> NoteText {
        let text: Arc<str> = match title {
            Some(t) if !t.is_empty() => {
                let mut s = String::with_capacity(t.len() + 1 + body.len());
                s.push_str(t);
                s.push('\n');
                s.push_str(body);
                s.into()
            }
            _ => body.into(),
        };
        NoteText {
            text,
            title_len: title.map(str::len),
        }
    }

    /// Title and body as one text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text, shared.
    pub fn shared(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// The title, when there is one (possibly empty).
    pub fn title(&self) -> Option<&str> {
        self.title_len.map(|n| &self.text[..n])
    }

    /// The body.
    pub fn body(&self) -> &str {
        match self.title_len {
            Some(n) if n > 0 => &self.text[n + 1..],
            _ => &self.text,
        }
    }
}

impl Default for NoteText {
    fn default() -> Self {
        NoteText::new(None, "")
    }
}

/// A note's fields as the contract writes them: what [`Note`] serialises as. Borrowed
/// from a note to serialise it, owned when read back.
#[derive(Serialize, Deserialize)]
#[serde(rename = "Note")]
struct NoteFields<'a> {
    id: Cow<'a, CompactString>,
    author_id: Cow<'a, CompactString>,
    created_at: Timestamp,
    title: Option<Cow<'a, str>>,
    body: Cow<'a, str>,
    tags: Cow<'a, [CompactString]>,
    merchant_ids: Cow<'a, [CompactString]>,
    ip_city: Option<Cow<'a, str>>,
    likes: u64,
    collects: u64,
    comments: u64,
    shares: u64,
    images: u64,
    sponsored: Option<bool>,
}

impl From<NoteFields<'static>> for Note {
    fn from(n: NoteFields<'static>) -> Note {
        Note {
            content: NoteText::new(n.title.as_deref(), &n.body),
            id: n.id.into_owned(),
            author_id: n.author_id.into_owned(),
            created_at: n.created_at,
            tags: n.tags.into_owned(),
            merchant_ids: n.merchant_ids.into_owned(),
            ip_city: n.ip_city.map(Cow::into_owned),
            likes: n.likes,
            collects: n.collects,
            comments: n.comments,
            shares: n.shares,
            images: n.images,
            sponsored: n.sponsored,
            origin: Origin::default(),
        }
    }
}

impl Serialize for Note {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        NoteFields {
            id: Cow::Borrowed(&self.id),
            author_id: Cow::Borrowed(&self.author_id),
            created_at: self.created_at,
            title: self.title().map(Cow::Borrowed),
            body: Cow::Borrowed(self.body()),
            tags: Cow::Borrowed(&self.tags),
            merchant_ids: Cow::Borrowed(&self.merchant_ids),
            ip_city: self.ip_city.as_deref().map(Cow::Borrowed),
            likes: self.likes,
            collects: self.collects,
            comments: self.comments,
            shares: self.shares,
            images: self.images,
            sponsored: self.sponsored,
        }
        .serialize(serializer)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn note(title: Option<&str>, body: &str) -> Note {
        Note {
            id: "n1".into(),
            author_id: "a1".into(),
            created_at: Timestamp::from_unix(1_700_000_000),
            content: NoteText::new(title, body),
            tags: vec!["探店".into()],
            merchant_ids: vec!["m1".into()],
            ip_city: Some("杭州".into()),
            likes: 3,
            collects: 0,
            comments: 1,
            shares: 0,
            images: 2,
            sponsored: None,
            origin: Origin::default(),
        }
    }

    #[test]
    fn a_note_keeps_its_title_and_body_apart_inside_one_text() {
        // No title, an empty one, a title with an empty body, and bodies with line breaks
        // of their own (the first break after a title is the joint).
        let cases = [
            (None, "只有正文\n第二行", "只有正文\n第二行"),
            (Some(""), "正文", "正文"),
            (Some("标题"), "", "标题\n"),
            (
                Some("标题\n副标题"),
                "正文\n尾巴",
                "标题\n副标题\n正文\n尾巴",
            ),
        ];
        for (title, body, joined) in cases {
            let n = note(title, body);
            assert_eq!(n.text(), joined);
            assert_eq!(n.title(), title);
            assert_eq!(n.body(), body);
        }
    }

    #[test]
    fn a_note_serialises_with_the_contracts_title_and_body() {
        for title in [None, Some(""), Some("周末探店")] {
            let n = note(title, "排队一小时，值得");
            let json = serde_json::to_value(&n).unwrap();
            assert_eq!(json["title"], serde_json::json!(title));
            assert_eq!(json["body"], "排队一小时，值得");
            assert!(json.get("content").is_none());
            let back: Note = serde_json::from_value(json).unwrap();
            assert_eq!(back, n);
        }
    }
}
