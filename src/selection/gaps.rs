//! Where supply is missing: for every district × top-level category of the city, how many
//! qualified merchants there are against the policy's target. Merchant-development teams
//! read it to decide where to recruit.

use serde::Serialize;

use crate::selection::{Prepared, SelectionPolicy};

/// One district × category short of qualified merchants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// The district.
    pub district: String,
    /// The top-level category.
    pub category: String,
    /// Qualified merchants there (eligible or waiting for review, above the bar).
    pub qualified: usize,
    /// Qualified merchants wanted there (`SelectionPolicy::gap_target`).
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
    /// The district.
    pub district: String,
    /// The top-level category.
    pub category: String,
    /// Qualified merchants there (eligible or waiting for review, above the bar).
    pub qualified: usize,
    /// Open merchants there, qualified or not.
    pub open_merchants: usize,
}

/// Every district × top-level category of the city (districts, then categories, by name),
/// with its qualified and open supply; `qualified` are the board rows of the qualified
/// merchants.
pub(crate) fn coverage(
    prepared: &Prepared,
    qualified: impl Iterator<Item = usize>,
) -> Vec<Coverage> {
    let tops = prepared.tops.len();
    let mut good = vec![0; prepared.open.len()];
    for row in qualified.filter(|&row| prepared.in_city[row]) {
        good[prepared.district[row] as usize * tops + prepared.top[row] as usize] += 1;
    }
    let mut out = Vec::new();
    for (d, district) in prepared.districts.iter().enumerate() {
        if !prepared.grid_district[d] {
            continue;
        }
        for (c, category) in prepared.tops.iter().enumerate() {
            if !prepared.grid_top[c] {
                continue;
            }
            out.push(Coverage {
                district: district.to_string(),
                category: category.to_string(),
                qualified: good[d * tops + c],
                open_merchants: prepared.open[d * tops + c],
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
