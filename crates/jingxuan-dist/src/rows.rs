//! The corpus contract's records as table rows, and back.
//!
//! Each table has the contract's fields under the contract's names (`merchants` without
//! `commercial`), plus `line` (the record's line in its file, for messages) and, for the
//! lists whose order matters (`visits`, `curation`), `seq` (the position in the corpus). A
//! row is converted to and from Arrow through `arrow-json`'s serde support, so a field
//! means exactly what its JSON form means.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use jingxuan::corpus::{
    Aspects, Author, Corpus, CurationDecision, Decision, LatLng, Merchant, MerchantStatus, Note,
    NoteText, Origin, Review, Timestamp, Visit, VisitKind,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::DistError;

/// The tables of a corpus, in the order the contract lists its files.
pub const TABLES: [&str; 6] = [
    "merchants",
    "authors",
    "notes",
    "reviews",
    "visits",
    "curation",
];

fn utf8(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn u64f(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::UInt64, nullable)
}

fn f64f(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}

fn boolf(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Boolean, nullable)
}

fn list(name: &str) -> Field {
    Field::new_list(name, Field::new_list_field(DataType::Utf8, false), false)
}

/// The Arrow schema of one table (see [`TABLES`]). Timestamps are RFC 3339 text with the
/// offset as written, so a round trip keeps them exactly.
pub fn schema(table: &str) -> Option<SchemaRef> {
    let fields = match table {
        "merchants" => vec![
            utf8("id", false),
            utf8("name", false),
            utf8("branch", true),
            list("aliases"),
            utf8("brand", true),
            utf8("city", false),
            utf8("district", true),
            utf8("area", true),
            utf8("category", false),
            f64f("lat"),
            f64f("lng"),
            f64f("price_per_person"),
            utf8("status", false),
            utf8("opened_at", true),
            u64f("line", false),
        ],
        "authors" => vec![
            utf8("id", false),
            utf8("created_at", true),
            u64f("followers", true),
            boolf("verified", false),
            utf8("home_city", true),
            utf8("merchant_id", true),
            boolf("banned", false),
            u64f("line", false),
        ],
        "notes" => vec![
            utf8("id", false),
            utf8("author_id", false),
            utf8("created_at", false),
            utf8("title", true),
            utf8("body", false),
            list("tags"),
            list("merchant_ids"),
            utf8("ip_city", true),
            u64f("likes", false),
            u64f("collects", false),
            u64f("comments", false),
            u64f("shares", false),
            u64f("images", false),
            boolf("sponsored", true),
            u64f("line", false),
            // The folder it is stored under: the first city whose merchants it tags, else
            // the first it names by `ip_city` or a tag (`""`: none). Storage only: the plan
            // sends a note where the global pass's links say.
            utf8("city", false),
        ],
        "reviews" => vec![
            utf8("id", false),
            utf8("author_id", false),
            utf8("merchant_id", false),
            utf8("created_at", false),
            f64f("rating"),
            f64f("taste"),
            f64f("environment"),
            f64f("service"),
            f64f("value"),
            utf8("text", false),
            u64f("images", false),
            u64f("likes", false),
            boolf("verified_visit", false),
            u64f("line", false),
            utf8("city", false),
        ],
        "visits" => vec![
            utf8("author_id", false),
            utf8("merchant_id", false),
            utf8("at", false),
            utf8("kind", false),
            u64f("line", false),
            u64f("seq", false),
            utf8("city", false),
        ],
        "curation" => vec![
            utf8("merchant_id", false),
            utf8("decision", false),
            utf8("reason", false),
            utf8("by", false),
            utf8("at", false),
            u64f("line", false),
            u64f("seq", false),
            utf8("city", false),
        ],
        _ => return None,
    };
    Some(Arc::new(Schema::new(fields)))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MerchantRow {
    pub id: String,
    pub name: String,
    pub branch: Option<String>,
    pub aliases: Vec<String>,
    pub brand: Option<String>,
    pub city: String,
    pub district: Option<String>,
    pub area: Option<String>,
    pub category: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub price_per_person: Option<f64>,
    pub status: String,
    pub opened_at: Option<String>,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorRow {
    pub id: String,
    pub created_at: Option<String>,
    pub followers: Option<u64>,
    pub verified: bool,
    pub home_city: Option<String>,
    pub merchant_id: Option<String>,
    pub banned: bool,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteRow {
    pub id: String,
    pub author_id: String,
    pub created_at: String,
    pub title: Option<String>,
    pub body: String,
    pub tags: Vec<String>,
    pub merchant_ids: Vec<String>,
    pub ip_city: Option<String>,
    pub likes: u64,
    pub collects: u64,
    pub comments: u64,
    pub shares: u64,
    pub images: u64,
    pub sponsored: Option<bool>,
    pub line: u64,
    pub city: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRow {
    pub id: String,
    pub author_id: String,
    pub merchant_id: String,
    pub created_at: String,
    pub rating: f64,
    pub taste: Option<f64>,
    pub environment: Option<f64>,
    pub service: Option<f64>,
    pub value: Option<f64>,
    pub text: String,
    pub images: u64,
    pub likes: u64,
    pub verified_visit: bool,
    pub line: u64,
    pub city: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VisitRow {
    pub author_id: String,
    pub merchant_id: String,
    pub at: String,
    pub kind: String,
    pub line: u64,
    pub seq: u64,
    pub city: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurationRow {
    pub merchant_id: String,
    pub decision: String,
    pub reason: String,
    pub by: String,
    pub at: String,
    pub line: u64,
    pub seq: u64,
    pub city: String,
}

/// Rows as an Arrow batch of `schema`.
pub fn to_batch<T: Serialize>(schema: &SchemaRef, rows: &[T]) -> Result<RecordBatch, DistError> {
    let mut decoder = datafusion::arrow::json::ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.len().max(1))
        .build_decoder()?;
    decoder.serialize(rows)?;
    Ok(decoder
        .flush()?
        .unwrap_or_else(|| RecordBatch::new_empty(schema.clone())))
}

/// A batch's rows, each as `T` (through its JSON form, nulls left out).
pub fn from_batch<T: DeserializeOwned>(batch: &RecordBatch) -> Result<Vec<T>, DistError> {
    let mut out = Vec::with_capacity(batch.num_rows());
    for line in batch_json_lines(batch)? {
        out.push(serde_json::from_str(&line).map_err(|e| DistError::Plan(e.to_string()))?);
    }
    Ok(out)
}

/// Each row of a batch as one line of JSON (nulls left out).
pub fn batch_json_lines(batch: &RecordBatch) -> Result<Vec<String>, DistError> {
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
        w.write(batch)?;
        w.finish()?;
    }
    let text = String::from_utf8(buf).map_err(|e| DistError::Plan(e.to_string()))?;
    Ok(text.lines().map(String::from).collect())
}

fn ts(t: Timestamp) -> String {
    t.to_rfc3339()
}

fn parse_ts(s: &str, what: &str) -> Result<Timestamp, DistError> {
    Timestamp::parse_rfc3339(s).map_err(|e| DistError::Plan(format!("{what}: {s:?}: {e}")))
}

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn parse_enum<T: DeserializeOwned>(s: &str, what: &str) -> Result<T, DistError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| DistError::Plan(format!("{what}: {s:?}: {e}")))
}

/// The tables' rows of a validated corpus. Notes are stored under the city `note_city`
/// gives; reviews, visits and curation decisions under their merchant's city.
pub struct CorpusRows {
    pub merchants: Vec<MerchantRow>,
    pub authors: Vec<AuthorRow>,
    pub notes: Vec<NoteRow>,
    pub reviews: Vec<ReviewRow>,
    pub visits: Vec<VisitRow>,
    pub curation: Vec<CurationRow>,
}

impl CorpusRows {
    pub fn of(corpus: &Corpus, note_city: impl Fn(&Note) -> String) -> CorpusRows {
        let city_of = |merchant_id: &str| {
            corpus
                .merchants
                .get(merchant_id)
                .map(|m| m.city.clone())
                .unwrap_or_default()
        };
        let merchants = corpus
            .merchants
            .values()
            .map(|m| MerchantRow {
                id: m.id.clone(),
                name: m.name.clone(),
                branch: m.branch.clone(),
                aliases: m.aliases.clone(),
                brand: m.brand.clone(),
                city: m.city.clone(),
                district: m.district.clone(),
                area: m.area.clone(),
                category: m.category.clone(),
                lat: m.location.map(|l| l.lat),
                lng: m.location.map(|l| l.lng),
                price_per_person: m.price_per_person,
                status: enum_str(&m.status),
                opened_at: m.opened_at.map(ts),
                line: m.origin.line,
            })
            .collect();
        let authors = corpus
            .authors
            .values()
            .map(|a| AuthorRow {
                id: a.id.clone(),
                created_at: a.created_at.map(ts),
                followers: a.followers,
                verified: a.verified,
                home_city: a.home_city.clone(),
                merchant_id: a.merchant_id.clone(),
                banned: a.banned,
                line: a.origin.line,
            })
            .collect();
        let notes = corpus
            .notes
            .values()
            .map(|n| {
                let city = note_city(n);
                NoteRow {
                    id: n.id.to_string(),
                    author_id: n.author_id.to_string(),
                    created_at: ts(n.created_at),
                    title: n.title().map(str::to_string),
                    body: n.body().to_string(),
                    tags: n.tags.iter().map(|t| t.to_string()).collect(),
                    merchant_ids: n.merchant_ids.iter().map(|m| m.to_string()).collect(),
                    ip_city: n.ip_city.clone(),
                    likes: n.likes,
                    collects: n.collects,
                    comments: n.comments,
                    shares: n.shares,
                    images: n.images,
                    sponsored: n.sponsored,
                    line: n.origin.line,
                    city,
                }
            })
            .collect();
        let reviews = corpus
            .reviews
            .values()
            .map(|r| ReviewRow {
                id: r.id.to_string(),
                author_id: r.author_id.to_string(),
                merchant_id: r.merchant_id.to_string(),
                created_at: ts(r.created_at),
                rating: r.rating,
                taste: r.aspects.taste,
                environment: r.aspects.environment,
                service: r.aspects.service,
                value: r.aspects.value,
                text: r.text.to_string(),
                images: r.images,
                likes: r.likes,
                verified_visit: r.verified_visit,
                line: r.origin.line,
                city: city_of(&r.merchant_id),
            })
            .collect();
        let visits = corpus
            .visits
            .iter()
            .enumerate()
            .map(|(i, v)| VisitRow {
                author_id: v.author_id.to_string(),
                merchant_id: v.merchant_id.to_string(),
                at: ts(v.at),
                kind: enum_str(&v.kind),
                line: v.origin.line,
                seq: i as u64,
                city: city_of(&v.merchant_id),
            })
            .collect();
        let curation = corpus
            .curation
            .iter()
            .enumerate()
            .map(|(i, d)| CurationRow {
                merchant_id: d.merchant_id.clone(),
                decision: enum_str(&d.decision),
                reason: d.reason.clone(),
                by: d.by.clone(),
                at: ts(d.at),
                line: d.origin.line,
                seq: i as u64,
                city: city_of(&d.merchant_id),
            })
            .collect();
        CorpusRows {
            merchants,
            authors,
            notes,
            reviews,
            visits,
            curation,
        }
    }

    /// The rows back as a corpus (visits and curation in `seq` order, as loaded).
    pub fn into_corpus(mut self) -> Result<Corpus, DistError> {
        let origin = |file: &'static str, line: u64| Origin { file, line };
        let mut c = Corpus::default();
        for m in self.merchants {
            let location = match (m.lat, m.lng) {
                (Some(lat), Some(lng)) => Some(LatLng { lat, lng }),
                _ => None,
            };
            let merchant = Merchant {
                status: parse_enum::<MerchantStatus>(&m.status, "merchants: status")?,
                opened_at: m
                    .opened_at
                    .as_deref()
                    .map(|t| parse_ts(t, "merchants: opened_at"))
                    .transpose()?,
                id: m.id,
                name: m.name,
                branch: m.branch,
                aliases: m.aliases,
                brand: m.brand,
                city: m.city,
                district: m.district,
                area: m.area,
                category: m.category,
                location,
                price_per_person: m.price_per_person,
                origin: origin("merchants.jsonl", m.line),
            };
            c.merchants.insert(merchant.id.clone(), merchant);
        }
        for a in self.authors {
            let author = Author {
                created_at: a
                    .created_at
                    .as_deref()
                    .map(|t| parse_ts(t, "authors: created_at"))
                    .transpose()?,
                id: a.id,
                followers: a.followers,
                verified: a.verified,
                home_city: a.home_city,
                merchant_id: a.merchant_id,
                banned: a.banned,
                origin: origin("authors.jsonl", a.line),
            };
            c.authors.insert(author.id.clone(), author);
        }
        for n in self.notes {
            let note = Note {
                created_at: parse_ts(&n.created_at, "notes: created_at")?,
                id: n.id.into(),
                author_id: n.author_id.into(),
                content: NoteText::new(n.title.as_deref(), &n.body),
                tags: n.tags.into_iter().map(Into::into).collect(),
                merchant_ids: n.merchant_ids.into_iter().map(Into::into).collect(),
                ip_city: n.ip_city,
                likes: n.likes,
                collects: n.collects,
                comments: n.comments,
                shares: n.shares,
                images: n.images,
                sponsored: n.sponsored,
                origin: origin("notes.jsonl", n.line),
            };
            c.notes.insert(note.id.clone(), note);
        }
        for r in self.reviews {
            let review = Review {
                created_at: parse_ts(&r.created_at, "reviews: created_at")?,
                id: r.id.into(),
                author_id: r.author_id.into(),
                merchant_id: r.merchant_id.into(),
                rating: r.rating,
                aspects: Aspects {
                    taste: r.taste,
                    environment: r.environment,
                    service: r.service,
                    value: r.value,
                },
                text: r.text.into(),
                images: r.images,
                likes: r.likes,
                verified_visit: r.verified_visit,
                origin: origin("reviews.jsonl", r.line),
            };
            c.reviews.insert(review.id.clone(), review);
        }
        self.visits.sort_by_key(|v| v.seq);
        for v in self.visits {
            c.visits.push(Visit {
                at: parse_ts(&v.at, "visits: at")?,
                kind: parse_enum::<VisitKind>(&v.kind, "visits: kind")?,
                author_id: v.author_id.into(),
                merchant_id: v.merchant_id.into(),
                origin: origin("visits.jsonl", v.line),
            });
        }
        self.curation.sort_by_key(|d| d.seq);
        for d in self.curation {
            c.curation.push(CurationDecision {
                at: parse_ts(&d.at, "curation: at")?,
                decision: parse_enum::<Decision>(&d.decision, "curation: decision")?,
                merchant_id: d.merchant_id,
                reason: d.reason,
                by: d.by,
                origin: origin("curation.jsonl", d.line),
            });
        }
        Ok(c)
    }

    /// Rows grouped by the city folder they are stored under (`""`: no city).
    pub fn by_city(&self) -> BTreeMap<String, CorpusRows> {
        let mut out: BTreeMap<String, CorpusRows> = BTreeMap::new();
        fn slot<'a>(out: &'a mut BTreeMap<String, CorpusRows>, city: &str) -> &'a mut CorpusRows {
            out.entry(city.to_string())
                .or_insert_with(CorpusRows::empty)
        }
        for m in &self.merchants {
            slot(&mut out, &m.city).merchants.push(m.clone());
        }
        for n in &self.notes {
            slot(&mut out, &n.city).notes.push(n.clone());
        }
        for r in &self.reviews {
            slot(&mut out, &r.city).reviews.push(r.clone());
        }
        for v in &self.visits {
            slot(&mut out, &v.city).visits.push(v.clone());
        }
        for d in &self.curation {
            slot(&mut out, &d.city).curation.push(d.clone());
        }
        out
    }

    pub fn empty() -> CorpusRows {
        CorpusRows {
            merchants: Vec::new(),
            authors: Vec::new(),
            notes: Vec::new(),
            reviews: Vec::new(),
            visits: Vec::new(),
            curation: Vec::new(),
        }
    }
}
