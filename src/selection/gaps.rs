//! Where supply is missing: for every district × top-level category of the city, how many
//! qualified merchants there are against the policy's target. Merchant-development teams
//! read it to decide where to recruit.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::corpus::MerchantStatus;
use crate::selection::{Inputs, SelectionPolicy};

/// One district × category short of qualified merchants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub district: String,
    pub category: String,
    /// Qualified merchants there (eligible or waiting for review, above the bar).
    pub qualified: usize,
    pub target: usize,
    /// `target - qualified`.
    pub shortfall: usize,
    /// Open merchants there, qualified or not: supply that exists but falls short.
    pub open_merchants: usize,
    /// The gap in plain Chinese.
    pub note: String,
}

/// Supply of one district × top-level category, whether short or not: the full grid the
/// gaps are taken from (a report draws it; a gap alone cannot say how well a cell is
/// covered).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub district: String,
    pub category: String,
    /// Qualified merchants there (eligible or waiting for review, above the bar).
    pub qualified: usize,
    /// Open merchants there, qualified or not.
    pub open_merchants: usize,
}

/// Every district × top-level category of the city (districts, then categories, by name),
/// with its qualified and open supply.
pub(crate) fn coverage(inputs: &Inputs<'_>, qualified: &BTreeSet<String>) -> Vec<Coverage> {
    let city = inputs.board.city.as_str();
    let mut districts: BTreeSet<&str> = BTreeSet::new();
    let mut categories: BTreeSet<&str> = BTreeSet::new();
    let mut open: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut good: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for m in inputs.corpus.merchants.values().filter(|m| m.city == city) {
        let district = m.district.as_deref().unwrap_or("未知区域");
        let top = m.top_category();
        districts.insert(district);
        categories.insert(top);
        if m.status == MerchantStatus::Open {
            *open.entry((district, top)).or_insert(0) += 1;
        }
        if qualified.contains(&m.id) {
            *good.entry((district, top)).or_insert(0) += 1;
        }
    }
    let mut out = Vec::new();
    for d in &districts {
        for c in &categories {
            out.push(Coverage {
                district: d.to_string(),
                category: c.to_string(),
                qualified: good.get(&(*d, *c)).copied().unwrap_or(0),
                open_merchants: open.get(&(*d, *c)).copied().unwrap_or(0),
            });
        }
    }
    out
}

/// Every gap of the grid, biggest shortfall first; then districts with less open supply
/// (where recruiting, not coaching, is needed), then by name.
pub(crate) fn report(policy: &SelectionPolicy, grid: &[Coverage]) -> Vec<Gap> {
    let mut gaps = Vec::new();
    for cell in grid {
        let (d, c, q, o) = (
            &cell.district,
            &cell.category,
            cell.qualified,
            cell.open_merchants,
        );
        if q >= policy.gap_target {
            continue;
        }
        let note = if o == 0 {
            format!("{d}·{c}：没有营业中的门店，需要招商")
        } else {
            format!(
                "{d}·{c}：合格门店 {q} 家（目标 {}），另有 {} 家口碑未达标",
                policy.gap_target,
                o - q.min(o)
            )
        };
        gaps.push(Gap {
            district: d.to_string(),
            category: c.to_string(),
            qualified: q,
            target: policy.gap_target,
            shortfall: policy.gap_target - q,
            open_merchants: o,
            note,
        });
    }
    gaps.sort_by(|a, b| {
        b.shortfall
            .cmp(&a.shortfall)
            .then(a.open_merchants.cmp(&b.open_merchants))
            .then_with(|| a.district.cmp(&b.district))
            .then_with(|| a.category.cmp(&b.category))
    });
    gaps
}
