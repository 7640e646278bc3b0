//! Renders the world as JSON Lines. Structs (not `json!` maps) fix the key order whatever
//! serde_json features other crates enable.

use serde::Serialize;

use crate::clock::{date, rfc3339};
use crate::model::*;
use crate::GenConfig;

#[derive(Serialize)]
struct MerchantLine<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    aliases: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    brand: Option<&'a str>,
    city: &'a str,
    district: &'a str,
    area: &'a str,
    category: &'a str,
    lat: f64,
    lng: f64,
    price_per_person: u32,
    status: &'a str,
    opened_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commercial: Option<CommercialLine>,
}

#[derive(Serialize)]
struct CommercialLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    ad_spend_30d: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    paid_partner: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discount_pct: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commission_rate: Option<f64>,
}

#[derive(Serialize)]
struct AuthorLine<'a> {
    id: &'a str,
    created_at: String,
    followers: u64,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant_id: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    banned: bool,
}

#[derive(Serialize)]
struct NoteLine<'a> {
    id: &'a str,
    author_id: &'a str,
    created_at: String,
    title: &'a str,
    body: &'a str,
    tags: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    merchant_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_city: Option<&'a str>,
    likes: u64,
    collects: u64,
    comments: u64,
    shares: u64,
    images: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    sponsored: Option<bool>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
}

#[derive(Serialize)]
struct AspectsLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    taste: Option<u8>,
    environment: u8,
    service: u8,
    value: u8,
}

#[derive(Serialize)]
struct ReviewLine<'a> {
    id: &'a str,
    author_id: &'a str,
    merchant_id: &'a str,
    created_at: String,
    rating: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    aspects: Option<AspectsLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    images: u32,
    likes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified_visit: Option<bool>,
}

#[derive(Serialize)]
struct VisitLine<'a> {
    author_id: &'a str,
    merchant_id: &'a str,
    at: String,
    kind: &'a str,
}

#[derive(Serialize)]
struct CurationLine<'a> {
    merchant_id: &'a str,
    decision: &'a str,
    reason: &'a str,
    by: &'a str,
    at: String,
}

#[derive(Serialize)]
struct TruthMeta<'a> {
    truth: &'a str,
    seed: u64,
    as_of: String,
    cities: Vec<&'a str>,
    notes_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign_space: Option<TruthSpace<'a>>,
}

#[derive(Serialize)]
struct TruthSpace<'a> {
    families: Vec<&'a str>,
    per_city: usize,
    seed: u64,
}

/// A campaign aimed at a merchant, on the merchant's truth line.
#[derive(Serialize)]
struct TruthTarget<'a> {
    campaign: &'a str,
    family: &'a str,
    direction: &'a str,
    /// Documents of the campaign about this merchant (camouflage not counted).
    docs: usize,
}

/// One line per campaign, with its drawn parameters.
#[derive(Serialize)]
struct TruthCampaign<'a> {
    campaign: &'a str,
    family: &'a str,
    direction: &'a str,
    tuning: bool,
    targets: Vec<&'a str>,
    accounts: usize,
    aged_share: f64,
    verified_share: f64,
    max_followers: u64,
    span_hours: f64,
    style: &'a str,
    camouflage: usize,
    proof: &'a str,
    note_share: f64,
    safety_share: f64,
    docs: usize,
}

#[derive(Serialize)]
struct TruthMerchant<'a> {
    merchant_id: &'a str,
    city: &'a str,
    quality: f64,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_at: Option<String>,
    manipulation: &'a [&'a str],
    attacked: bool,
    declared_ads: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    campaigns: Vec<TruthTarget<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
}

#[derive(Serialize)]
struct TruthAuthor<'a> {
    author_id: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
}

#[derive(Serialize)]
struct TruthDoc<'a> {
    doc_id: &'a str,
    doc: &'a str,
    label: &'a str,
    merchant_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    poi_tagged: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    edited: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    family: Option<&'a str>,
    /// Only on documents aimed at a campaign's target (not on camouflage).
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
}

/// Campaign tag of a document: (campaign id, family, direction if aimed at a target).
fn doc_campaign(
    w: &World,
    campaign: Option<usize>,
    label: Label,
) -> (Option<&str>, Option<&'static str>, Option<&'static str>) {
    match campaign.map(|c| &w.campaigns[c]) {
        Some(c) => (
            Some(c.id.as_str()),
            Some(c.family.name()),
            (label != Label::Camouflage).then(|| c.family.direction().as_str()),
        ),
        None => (None, None, None),
    }
}

fn push_line<T: Serialize>(buf: &mut String, value: &T) {
    // Serialising these plain structs cannot fail; an empty line is harmless if it did.
    if let Ok(line) = serde_json::to_string(value) {
        buf.push_str(&line);
    }
    buf.push('\n');
}

fn note_line<'a>(w: &'a World, n: &'a Note, deleted: bool) -> NoteLine<'a> {
    NoteLine {
        id: &n.id,
        author_id: &w.authors[n.author].id,
        created_at: rfc3339(n.at),
        title: &n.title,
        body: &n.body,
        tags: &n.tags,
        merchant_ids: if n.poi {
            n.about
                .iter()
                .map(|&m| w.merchants[m].id.as_str())
                .collect()
        } else {
            Vec::new()
        },
        ip_city: n.ip_city.as_deref(),
        likes: n.likes,
        collects: n.collects,
        comments: n.comments,
        shares: n.shares,
        images: n.images,
        sponsored: n.sponsored,
        deleted,
    }
}

fn review_line<'a>(w: &'a World, r: &'a Review, edit: Option<&'a (f64, String)>) -> ReviewLine<'a> {
    ReviewLine {
        id: &r.id,
        author_id: &w.authors[r.author].id,
        merchant_id: &w.merchants[r.merchant].id,
        created_at: rfc3339(r.at),
        rating: edit.map_or(r.rating, |e| e.0),
        aspects: r.aspects.map(|a| AspectsLine {
            taste: a.taste,
            environment: a.environment,
            service: a.service,
            value: a.value,
        }),
        text: edit.map(|e| e.1.as_str()).or(r.text.as_deref()),
        images: r.images,
        likes: r.likes,
        verified_visit: r.verified_visit,
    }
}

/// The files of a corpus, in a fixed order; `reviews.jsonl` is left out when notes-only.
pub fn render(cfg: &GenConfig, w: &World) -> Vec<(String, String)> {
    let mut merchants = String::new();
    for m in &w.merchants {
        push_line(
            &mut merchants,
            &MerchantLine {
                id: &m.id,
                name: &m.name,
                branch: m.branch.as_deref(),
                aliases: &m.aliases,
                brand: m.brand,
                city: m.city.name(),
                district: m.district,
                area: m.area,
                category: m.cat.path,
                lat: m.lat,
                lng: m.lng,
                price_per_person: m.price,
                status: m.status,
                opened_at: date(m.opened_at),
                commercial: m.commercial.as_ref().map(|c| CommercialLine {
                    ad_spend_30d: c.ad_spend_30d,
                    paid_partner: c.paid_partner,
                    discount_pct: c.discount_pct,
                    commission_rate: c.commission_rate,
                }),
            },
        );
    }
    let mut authors = String::new();
    for a in &w.authors {
        push_line(
            &mut authors,
            &AuthorLine {
                id: &a.id,
                created_at: rfc3339(a.created_at),
                followers: a.followers,
                verified: a.verified,
                home_city: a.home_city.map(City::name),
                merchant_id: a.merchant.map(|m| w.merchants[m].id.as_str()),
                banned: a.banned,
            },
        );
    }
    let mut notes = String::new();
    for n in &w.notes {
        push_line(&mut notes, &note_line(w, n, false));
    }
    // Tombstones come last: order of lines decides.
    for n in w.notes.iter().filter(|n| n.deleted) {
        push_line(&mut notes, &note_line(w, n, true));
    }
    let mut reviews = String::new();
    for r in &w.reviews {
        push_line(&mut reviews, &review_line(w, r, None));
    }
    for r in &w.reviews {
        if let Some(e) = &r.edit {
            push_line(&mut reviews, &review_line(w, r, Some(e)));
        }
    }
    let mut visits = String::new();
    for v in &w.visits {
        push_line(
            &mut visits,
            &VisitLine {
                author_id: &w.authors[v.author].id,
                merchant_id: &w.merchants[v.merchant].id,
                at: rfc3339(v.at),
                kind: v.kind,
            },
        );
    }
    let mut curation = String::new();
    for c in &w.curation {
        push_line(
            &mut curation,
            &CurationLine {
                merchant_id: &w.merchants[c.merchant].id,
                decision: c.decision,
                reason: &c.reason,
                by: c.by,
                at: rfc3339(c.at),
            },
        );
    }
    let mut truth = String::new();
    let mut cities: Vec<&str> = Vec::new();
    for m in &w.merchants {
        if !cities.contains(&m.city.name()) {
            cities.push(m.city.name());
        }
    }
    push_line(
        &mut truth,
        &TruthMeta {
            truth: "jingxuan-fixture-gen/1",
            seed: cfg.seed,
            as_of: rfc3339(cfg.as_of),
            cities,
            notes_only: cfg.notes_only,
            campaign_space: cfg.campaigns.as_ref().map(|c| TruthSpace {
                families: c.families.iter().map(|f| f.name()).collect(),
                per_city: c.per_city,
                seed: c.seed,
            }),
        },
    );
    // Documents of each campaign per merchant (targets only) and in all.
    let mut aimed: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
    let mut total = vec![0usize; w.campaigns.len()];
    let kept_reviews = if cfg.notes_only {
        &[][..]
    } else {
        &w.reviews[..]
    };
    let tagged = w
        .notes
        .iter()
        .flat_map(|n| n.about.iter().map(move |&m| (n.campaign, n.label, m)))
        .chain(
            kept_reviews
                .iter()
                .map(|r| (r.campaign, r.label, r.merchant)),
        );
    for (c, label, m) in tagged {
        if let Some(c) = c {
            if label != Label::Camouflage {
                *aimed.entry((m, c)).or_default() += 1;
                total[c] += 1;
            }
        }
    }
    let mut declared = vec![0usize; w.merchants.len()];
    for n in w.notes.iter().filter(|n| n.label == Label::DeclaredAd) {
        for &m in &n.about {
            declared[m] += 1;
        }
    }
    for (i, m) in w.merchants.iter().enumerate() {
        push_line(
            &mut truth,
            &TruthMerchant {
                merchant_id: &m.id,
                city: m.city.name(),
                quality: m.quality,
                status: m.status,
                closed_at: m.closed_at.map(rfc3339),
                manipulation: &m.manipulation,
                attacked: m.attacked,
                declared_ads: declared[i],
                campaigns: m
                    .campaigns
                    .iter()
                    .map(|&c| TruthTarget {
                        campaign: &w.campaigns[c].id,
                        family: w.campaigns[c].family.name(),
                        direction: w.campaigns[c].family.direction().as_str(),
                        docs: aimed.get(&(i, c)).copied().unwrap_or(0),
                    })
                    .collect(),
                pattern: m.pattern,
            },
        );
    }
    for (c, info) in w.campaigns.iter().enumerate() {
        let p = &info.params;
        push_line(
            &mut truth,
            &TruthCampaign {
                campaign: &info.id,
                family: info.family.name(),
                direction: info.family.direction().as_str(),
                tuning: info.family.is_tuning(),
                targets: w
                    .merchants
                    .iter()
                    .filter(|m| m.campaigns.contains(&c))
                    .map(|m| m.id.as_str())
                    .collect(),
                accounts: p.accounts,
                aged_share: round3(p.aged_share),
                verified_share: round3(p.verified_share),
                max_followers: p.max_followers,
                span_hours: (p.span as f64 / 360.0).round() / 10.0,
                style: p.style.as_str(),
                camouflage: p.camouflage,
                proof: match p.proof {
                    crate::campaign::Proof::None => "none",
                    crate::campaign::Proof::Redemption => "redemption",
                    crate::campaign::Proof::Payment => "payment",
                },
                note_share: round3(p.note_share),
                safety_share: round3(p.safety_share),
                docs: total[c],
            },
        );
    }
    for a in &w.authors {
        push_line(
            &mut truth,
            &TruthAuthor {
                author_id: &a.id,
                kind: a.kind.as_str(),
                group: a.group.as_deref(),
            },
        );
    }
    for n in &w.notes {
        let (campaign, family, direction) = doc_campaign(w, n.campaign, n.label);
        push_line(
            &mut truth,
            &TruthDoc {
                doc_id: &n.id,
                doc: "note",
                label: n.label.as_str(),
                merchant_ids: n
                    .about
                    .iter()
                    .map(|&m| w.merchants[m].id.as_str())
                    .collect(),
                poi_tagged: n.poi,
                edited: false,
                deleted: n.deleted,
                campaign,
                family,
                direction,
                pattern: n.pattern,
            },
        );
    }
    if !cfg.notes_only {
        for r in &w.reviews {
            let (campaign, family, direction) = doc_campaign(w, r.campaign, r.label);
            push_line(
                &mut truth,
                &TruthDoc {
                    doc_id: &r.id,
                    doc: "review",
                    label: r.label.as_str(),
                    merchant_ids: vec![w.merchants[r.merchant].id.as_str()],
                    poi_tagged: false,
                    edited: r.edit.is_some(),
                    deleted: false,
                    campaign,
                    family,
                    direction,
                    pattern: r.pattern,
                },
            );
        }
    }
    let mut files = vec![
        ("merchants.jsonl".to_string(), merchants),
        ("authors.jsonl".to_string(), authors),
        ("notes.jsonl".to_string(), notes),
    ];
    if !cfg.notes_only {
        files.push(("reviews.jsonl".to_string(), reviews));
    }
    files.push(("visits.jsonl".to_string(), visits));
    files.push(("curation.jsonl".to_string(), curation));
    files.push(("truth.jsonl".to_string(), truth));
    files
}
