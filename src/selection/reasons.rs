//! Why a pick is on the list, in words a user reads, with the writing behind it; and how
//! well a merchant's writing matches a query.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::corpus::{DocKind, Merchant};
use crate::evidence::{Aspect, ReturnIntent};
use crate::reputation::MerchantScore;
use crate::selection::Inputs;
use crate::text::query::Matcher;

/// A note or review cited for a pick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRef {
    /// The note's or review's id.
    pub doc_id: String,
    /// Note or review.
    pub kind: DocKind,
    /// The opinion read from it (0–100).
    pub opinion: f64,
    /// The start of its text, on one line.
    pub snippet: String,
}

/// Notes younger than this count as recent in the reasons.
const RECENT_DAYS: f64 = 90.0;
/// An opinion this high (0–1) counts as praise in the reasons.
const PRAISE: f64 = 0.7;
/// Documents cited per pick.
const CITED: usize = 3;

/// A merchant enters a query-driven list only when its matching writing carries at least
/// this much credible weight (the costly-to-fake part, after discounts and recency; one
/// established reviewer with a proof of visit weighs about 1.2): bought, copied or
/// low-history writing that names the query cannot put a shop on the list by itself.
pub(crate) const MIN_CREDIBLE_MATCH: f64 = 0.5;

/// For every merchant of the city whose credible writing matches `query` (at least
/// [`MIN_CREDIBLE_MATCH`] of it): the share (0–1) of its evidence weight carried by
/// documents that match (in the one sense of [`crate::text::query`]: every word group, any
/// order, any distance). Aligned with the board's merchants (`ranges`: each one's range of
/// `evidence.items`).
pub(crate) fn relevance(
    inputs: &Inputs<'_>,
    ranges: &[Option<Range<usize>>],
    query: &str,
) -> Vec<Option<f64>> {
    let matcher = Matcher::new(inputs.analyzer, query);
    let mut out = vec![None; inputs.board.merchants.len()];
    if matcher.is_empty() {
        return out;
    }
    // The board holds exactly the city's merchants.
    for (row, range) in ranges.iter().enumerate() {
        let Some(range) = range else {
            continue;
        };
        let (mut all, mut hit, mut credible_hit) = (0.0, 0.0, 0.0);
        for k in range.clone() {
            let counted = &inputs.counted[k];
            let w = counted.weight();
            if w <= 0.0 {
                continue;
            }
            all += w;
            if matcher.matches(&inputs.evidence.doc(&inputs.evidence.items[k]).terms) {
                hit += w;
                credible_hit += w * counted.credible;
            }
        }
        if credible_hit >= MIN_CREDIBLE_MATCH {
            out[row] = Some(hit / all);
        }
    }
    out
}

/// Reasons in plain Chinese and the strongest documents for one pick (`range`: its range
/// of `evidence.items`).
pub(crate) fn explain(
    inputs: &Inputs<'_>,
    range: Option<Range<usize>>,
    merchant: &Merchant,
    score: &MerchantScore,
) -> (Vec<String>, Vec<EvidenceRef>) {
    let Some(range) = range else {
        return (vec![format!("口碑分 {:.1}", score.score)], Vec::new());
    };
    let as_of = inputs.board.as_of;
    // Authors, with repeats: only how many distinct ones there are is read.
    let mut verified_authors: Vec<&str> = Vec::new();
    let mut praise_by_aspect: BTreeMap<Aspect, Vec<&str>> = BTreeMap::new();
    let mut verified_praise: BTreeMap<Aspect, Vec<&str>> = BTreeMap::new();
    let mut credible_authors: Vec<&str> = Vec::new();
    let mut praising_authors: Vec<&str> = Vec::new();
    let mut praising_verified: Vec<&str> = Vec::new();
    let mut recent_notes = 0;
    let mut returning = 0;
    let mut cited: Vec<(f64, usize)> = Vec::new();
    let mean = score.mean / 100.0;
    for k in range {
        let e = &inputs.evidence.items[k];
        let d = inputs.evidence.doc(e);
        let w = inputs.counted[k].weight();
        if w <= 0.0 || d.created_at > as_of {
            continue;
        }
        credible_authors.push(d.author_id.as_str());
        if e.verified_visit {
            verified_authors.push(d.author_id.as_str());
        }
        if e.value >= PRAISE {
            praising_authors.push(d.author_id.as_str());
            if e.verified_visit {
                praising_verified.push(d.author_id.as_str());
            }
        }
        let reading = d
            .parts
            .iter()
            .find(|p| p.merchant_id == merchant.id)
            .map_or(&*d.reading, |p| &p.reading);
        for (aspect, signal) in &reading.aspects {
            if signal.polarity > 0.0 {
                praise_by_aspect
                    .entry(*aspect)
                    .or_default()
                    .push(d.author_id.as_str());
                if e.verified_visit {
                    verified_praise
                        .entry(*aspect)
                        .or_default()
                        .push(d.author_id.as_str());
                }
            }
        }
        if d.kind == DocKind::Note && d.created_at.days_until(as_of) <= RECENT_DAYS {
            recent_notes += 1;
        }
        if reading.return_intent == Some(ReturnIntent::WillReturn) {
            returning += 1;
        }
        cited.push((w * (e.value - mean).max(0.0) + w * 1e-6, k));
    }

    let mut reasons = Vec::new();
    let verified_authors = distinct(verified_authors);
    let credible_authors = distinct(credible_authors);
    let praising_authors = distinct(praising_authors);
    let praising_verified = distinct(praising_verified);
    let by_aspect = |m: BTreeMap<Aspect, Vec<&str>>| -> BTreeMap<Aspect, usize> {
        m.into_iter().map(|(a, v)| (a, distinct(v))).collect()
    };
    let (praise_by_aspect, verified_praise) =
        (by_aspect(praise_by_aspect), by_aspect(verified_praise));
    let top_aspect = |m: &BTreeMap<Aspect, usize>| {
        m.iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(a, n)| (*a, *n))
    };
    // The aspect most people praised, when at least half of them did; else overall praise.
    let (who, total, praising, by_aspect) = if verified_authors >= 3 {
        (
            "到店顾客",
            verified_authors,
            praising_verified,
            &verified_praise,
        )
    } else {
        (
            "可信用户",
            credible_authors,
            praising_authors,
            &praise_by_aspect,
        )
    };
    match top_aspect(by_aspect) {
        Some((aspect, n)) if 2 * n >= total && n > 0 => {
            reasons.push(format!("{total} 位{who}中 {n} 位称赞{}", aspect_zh(aspect)))
        }
        _ if praising > 0 => reasons.push(format!("{total} 位{who}中 {praising} 位好评")),
        _ => {}
    }
    if recent_notes > 0 {
        reasons.push(format!("近 90 天 {recent_notes} 篇笔记"));
    }
    if returning > 0 {
        reasons.push(format!("二刷/回购提及 {returning} 次"));
    }
    reasons.push(format!(
        "口碑分 {:.1}（有效评价约 {:.0} 条）",
        score.score, score.effective_opinions
    ));
    if merchant.brand.is_none() {
        reasons.push("独立门店".into());
    }

    cited.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let evidence = cited
        .iter()
        .take(CITED)
        .map(|&(_, k)| {
            let e = &inputs.evidence.items[k];
            let d = inputs.evidence.doc(e);
            EvidenceRef {
                doc_id: d.id.to_string(),
                kind: d.kind,
                opinion: (e.value * 1e3).round() / 10.0,
                snippet: crate::text::snippet(&d.text, 60),
            }
        })
        .collect();
    (reasons, evidence)
}

/// How many different values `values` holds.
fn distinct(mut values: Vec<&str>) -> usize {
    values.sort_unstable();
    values.dedup();
    values.len()
}

fn aspect_zh(a: Aspect) -> &'static str {
    match a {
        Aspect::Taste => "口味",
        Aspect::Environment => "环境",
        Aspect::Service => "服务",
        Aspect::Value => "性价比",
        Aspect::Hygiene => "卫生",
        Aspect::Waiting => "出餐/排队",
    }
}
