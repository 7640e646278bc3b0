//! Selection: the 精选门店 list of a city — quality first, then breadth.
//!
//! Only qualified merchants enter (eligible, above the score and evidence bars). Among them a
//! greedy pass first gives each top-level group, then each district, its best candidate,
//! then fills by maximal marginal relevance (score minus a penalty for each earlier pick
//! sharing the category, district or H3 map cell), under a category share cap and a brand
//! cap. When the supply cannot satisfy a cap, the caps are relaxed in a fixed order and the
//! result says so. The selection reads scores, never money: it receives no commercial data.

mod gaps;
mod policy;
mod reasons;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::corpus::{Corpus, Merchant, Timestamp};
use crate::evidence::EvidenceSet;
use crate::reputation::{Counted, Ineligible, MerchantScore, Scoreboard};
use crate::text::Analyzer;
use crate::trust::Assessment;

pub use gaps::{Coverage, Gap};
pub use policy::{ReviewMode, SelectionPolicy};
pub use reasons::EvidenceRef;

/// One store on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub rank: usize,
    pub merchant_id: String,
    pub name: String,
    pub category: String,
    pub district: Option<String>,
    /// Reputation score (0–100).
    pub score: f64,
    /// Query relevance (0–1): the credible share of its writing that matches the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f64>,
    /// Short reasons in plain Chinese.
    pub reasons: Vec<String>,
    /// The notes and reviews that carried it most.
    pub evidence: Vec<EvidenceRef>,
    /// Why it got its place: `category` / `district` coverage, or `score`.
    pub placed_by: Placement,
}

/// Which step of the greedy pass placed a pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// The best of a top-level group not yet on the list.
    Category,
    /// The best of a district not yet on the list.
    District,
    /// By score, less the diversity penalty.
    Score,
}

/// A candidate routed to human review instead of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Queued {
    pub merchant_id: String,
    pub name: String,
    pub score: f64,
    /// Why it waits, in plain Chinese.
    pub reason: String,
    /// Manipulation flags in its favour, if that is why.
    pub flags: Vec<crate::trust::FlagKind>,
}

/// A constraint the supply could not satisfy, and what was done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relaxation {
    pub constraint: String,
    pub from: f64,
    pub to: f64,
    pub reason: String,
}

/// A change against the previous list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub merchant_id: String,
    pub reason: String,
}

/// The curated list of one city.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub city: String,
    pub as_of: Timestamp,
    pub stores: Vec<Pick>,
    pub review_queue: Vec<Queued>,
    pub gaps: Vec<Gap>,
    /// Qualified and open supply of every district × top-level category, gaps or not
    /// (districts, then categories, by name).
    pub coverage: Vec<Coverage>,
    /// Constraints relaxed because the supply could not satisfy them, in order.
    pub relaxed: Vec<Relaxation>,
    /// Merchants that entered the list since `previous` (all of them without one).
    pub entered: Vec<Change>,
    /// Merchants of `previous` no longer on the list, and why.
    pub left: Vec<Change>,
    /// Qualified merchants (above the bar, eligible or waiting for review).
    pub qualified: usize,
}

/// What selection reads: the analysis of one corpus as of one instant.
pub struct Inputs<'a> {
    pub corpus: &'a Corpus,
    pub board: &'a Scoreboard,
    pub evidence: &'a EvidenceSet,
    pub trust: &'a Assessment,
    pub counted: &'a [Counted],
    /// Each merchant's range of `evidence.items` ([`EvidenceSet::merchant_ranges`]).
    pub ranges: &'a BTreeMap<String, std::ops::Range<usize>>,
    pub analyzer: &'a Analyzer,
}

/// A merchant that may be picked.
struct Candidate<'a> {
    merchant: &'a Merchant,
    score: &'a MerchantScore,
    value: f64,
    relevance: Option<f64>,
    top: &'a str,
    district: &'a str,
    cell: Option<u64>,
    brand: Option<&'a str>,
    incumbent: bool,
    /// Why it must wait for review, if it must.
    review: Option<(String, Vec<crate::trust::FlagKind>)>,
}

/// Chooses the list of `inputs.board`'s city under `policy`. `previous` is the last
/// published list (merchant ids), for stability.
pub fn select(
    inputs: &Inputs<'_>,
    policy: &SelectionPolicy,
    previous: Option<&[String]>,
) -> Selection {
    let corpus = inputs.corpus;
    let previous_set: BTreeSet<&str> = previous
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    let decisions = corpus.standing_decisions();
    let relevance = policy
        .query
        .as_deref()
        .map(|q| reasons::relevance(inputs, q));
    let resolution = h3o::Resolution::try_from(policy.h3_resolution).ok();

    let mut candidates: Vec<Candidate> = Vec::new();
    for s in &inputs.board.merchants {
        let Some(m) = corpus.merchants.get(&s.merchant_id) else {
            continue;
        };
        let incumbent = previous_set.contains(m.id.as_str());
        let bar = if incumbent {
            policy.min_score - policy.stability_margin
        } else {
            policy.min_score
        };
        if s.score < bar || s.credible_weight < policy.min_credible_weight {
            continue;
        }
        let approved = decisions
            .get(m.id.as_str())
            .is_some_and(|d| d.decision == crate::corpus::Decision::Approve);
        let review = match &s.ineligible {
            None => match policy.require_review {
                ReviewMode::All if !approved => {
                    Some(("所有入选门店都需人工复核".to_string(), vec![]))
                }
                ReviewMode::New if !approved && !incumbent => {
                    Some(("新上榜门店需人工复核".to_string(), vec![]))
                }
                _ => None,
            },
            Some(Ineligible::UnderReview { flags }) => match policy.require_review {
                ReviewMode::None => continue,
                _ => Some((
                    format!(
                        "发现对其有利的疑似操纵（{}），需人工复核",
                        flags
                            .iter()
                            .map(|f| f.label_zh())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                    flags.clone(),
                )),
            },
            Some(_) => continue,
        };
        let rel = match &relevance {
            Some(r) => match r.get(m.id.as_str()) {
                Some(&x) if x > 0.0 => Some(x),
                _ => continue,
            },
            None => None,
        };
        let value = match rel {
            Some(r) => (1.0 - policy.query_weight) * s.score + policy.query_weight * 100.0 * r,
            None => s.score,
        };
        let cell = match (m.location, resolution) {
            (Some(loc), Some(res)) => h3o::LatLng::new(loc.lat, loc.lng)
                .ok()
                .map(|ll| u64::from(ll.to_cell(res))),
            _ => None,
        };
        candidates.push(Candidate {
            merchant: m,
            score: s,
            value,
            relevance: rel,
            top: m.top_category(),
            district: m.district.as_deref().unwrap_or("未知区域"),
            cell,
            brand: m.brand.as_deref(),
            incumbent,
            review,
        });
    }
    // Best first, ties by id: the order every later step breaks ties in.
    candidates.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.merchant.id.cmp(&b.merchant.id))
    });
    let qualified = candidates.len();

    let mut state = Greedy::new(policy);
    let mut queue: Vec<Queued> = Vec::new();
    let mut taken = vec![false; candidates.len()];
    let mut route = |state: &mut Greedy, i: usize, placed: Placement, taken: &mut Vec<bool>| {
        taken[i] = true;
        let c = &candidates[i];
        match &c.review {
            Some((reason, flags)) => queue.push(Queued {
                merchant_id: c.merchant.id.clone(),
                name: c.merchant.display_name(),
                score: c.score.score,
                reason: reason.clone(),
                flags: flags.clone(),
            }),
            None => state.take(c, i, placed),
        }
    };

    // Coverage first: each top-level group, then each district, gets its best candidate.
    if policy.cover_categories {
        let groups: Vec<&str> = first_seen(candidates.iter().map(|c| c.top));
        for g in groups {
            if state.full() {
                break;
            }
            while let Some(i) = (0..candidates.len())
                .find(|&i| !taken[i] && candidates[i].top == g && state.allows(&candidates[i]))
            {
                let waits = candidates[i].review.is_some();
                route(&mut state, i, Placement::Category, &mut taken);
                if !waits || state.full() {
                    break;
                }
            }
            if state.full() {
                break;
            }
        }
    }
    if policy.cover_districts {
        let districts: Vec<&str> = first_seen(candidates.iter().map(|c| c.district));
        for d in districts {
            if state.full() {
                break;
            }
            if state.districts.contains_key(d) {
                continue;
            }
            while let Some(i) = (0..candidates.len())
                .find(|&i| !taken[i] && candidates[i].district == d && state.allows(&candidates[i]))
            {
                let waits = candidates[i].review.is_some();
                route(&mut state, i, Placement::District, &mut taken);
                if !waits || state.full() {
                    break;
                }
            }
        }
    }
    // Then by score less the diversity penalty; incumbents keep a margin.
    let mut relaxed = Vec::new();
    while !state.full() {
        let best = (0..candidates.len())
            .filter(|&i| !taken[i] && state.allows(&candidates[i]))
            .max_by(|&a, &b| {
                let (va, vb) = (
                    state.marginal(&candidates[a]),
                    state.marginal(&candidates[b]),
                );
                va.total_cmp(&vb).then_with(|| b.cmp(&a))
            });
        match best {
            Some(i) => route(&mut state, i, Placement::Score, &mut taken),
            None => {
                if !(0..candidates.len()).any(|i| !taken[i]) {
                    break;
                }
                match state.relax() {
                    Some(r) => relaxed.push(r),
                    None => break,
                }
            }
        }
    }

    // One record per constraint, from its policy value to the value finally needed.
    let mut merged: Vec<Relaxation> = Vec::new();
    for r in relaxed {
        match merged.last_mut() {
            Some(last) if last.constraint == r.constraint => last.to = r.to,
            _ => merged.push(r),
        }
    }
    let relaxed = merged;

    let mut picks: Vec<(usize, Placement)> = state.picks.clone();
    picks.sort_by(|a, b| {
        candidates[b.0]
            .value
            .total_cmp(&candidates[a.0].value)
            .then_with(|| {
                candidates[a.0]
                    .merchant
                    .id
                    .cmp(&candidates[b.0].merchant.id)
            })
    });
    let ranges = inputs.ranges;
    let stores: Vec<Pick> = picks
        .iter()
        .enumerate()
        .map(|(k, &(i, placed_by))| {
            let c = &candidates[i];
            let (reasons, evidence) = reasons::explain(inputs, ranges, c.merchant, c.score);
            Pick {
                rank: k + 1,
                merchant_id: c.merchant.id.clone(),
                name: c.merchant.display_name(),
                category: c.merchant.category.clone(),
                district: c.merchant.district.clone(),
                score: c.score.score,
                relevance: c.relevance.map(|r| (r * 1e4).round() / 1e4),
                reasons,
                evidence,
                placed_by,
            }
        })
        .collect();

    let listed: BTreeSet<&str> = stores.iter().map(|p| p.merchant_id.as_str()).collect();
    let entered = stores
        .iter()
        .filter(|p| !previous_set.contains(p.merchant_id.as_str()))
        .map(|p| Change {
            merchant_id: p.merchant_id.clone(),
            reason: format!("新上榜：口碑分 {:.1}", p.score),
        })
        .collect();
    let left = previous_set
        .iter()
        .filter(|id| !listed.contains(*id))
        .map(|id| Change {
            merchant_id: id.to_string(),
            reason: why_left(inputs, policy, id, &queue),
        })
        .collect();
    let coverage = gaps::coverage(inputs, &candidates_ids(&candidates));
    Selection {
        city: inputs.board.city.clone(),
        as_of: inputs.board.as_of,
        stores,
        review_queue: queue,
        gaps: gaps::report(policy, &coverage),
        coverage,
        relaxed,
        entered,
        left,
        qualified,
    }
}

fn candidates_ids(candidates: &[Candidate]) -> BTreeSet<String> {
    candidates.iter().map(|c| c.merchant.id.clone()).collect()
}

fn why_left(inputs: &Inputs<'_>, policy: &SelectionPolicy, id: &str, queue: &[Queued]) -> String {
    let Some(s) = inputs.board.merchants.iter().find(|s| s.merchant_id == id) else {
        return "已不在本城门店中".into();
    };
    if queue.iter().any(|q| q.merchant_id == id) {
        return "待人工复核".into();
    }
    if let Some(r) = &s.ineligible {
        return format!("不再符合入选条件：{}", r.explain_zh());
    }
    if s.score < policy.min_score - policy.stability_margin {
        return format!(
            "口碑分 {:.1} 低于门槛 {:.1}（留榜余量 {:.1}）",
            s.score, policy.min_score, policy.stability_margin
        );
    }
    if s.credible_weight < policy.min_credible_weight {
        return "可信评价不足".into();
    }
    "被超出留榜余量的更好候选替换，或受品类、品牌上限约束".into()
}

/// Distinct values in first-seen order.
fn first_seen<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    values.filter(|v| seen.insert(*v)).collect()
}

/// The greedy pass's state: what is on the list and the caps in force.
struct Greedy {
    limit: usize,
    category_cap: usize,
    brand_cap: usize,
    diversity: f64,
    margin: f64,
    picks: Vec<(usize, Placement)>,
    categories: BTreeMap<String, usize>,
    districts: BTreeMap<String, usize>,
    cells: BTreeMap<u64, usize>,
    brands: BTreeMap<String, usize>,
}

impl Greedy {
    fn new(policy: &SelectionPolicy) -> Greedy {
        Greedy {
            limit: policy.limit,
            category_cap: ((policy.max_category_share * policy.limit as f64).floor() as usize)
                .max(1),
            brand_cap: policy.max_per_brand,
            diversity: policy.diversity,
            margin: policy.stability_margin,
            picks: Vec::new(),
            categories: BTreeMap::new(),
            districts: BTreeMap::new(),
            cells: BTreeMap::new(),
            brands: BTreeMap::new(),
        }
    }

    fn full(&self) -> bool {
        self.picks.len() >= self.limit
    }

    fn allows(&self, c: &Candidate) -> bool {
        if c.review.is_some() {
            // Waiting for review takes no place on the list, so no cap applies.
            return true;
        }
        self.categories.get(c.top).copied().unwrap_or(0) < self.category_cap
            && c.brand
                .is_none_or(|b| self.brands.get(b).copied().unwrap_or(0) < self.brand_cap)
    }

    /// Score less the penalty for sharing a category, district or cell with earlier picks;
    /// an incumbent keeps the stability margin.
    fn marginal(&self, c: &Candidate) -> f64 {
        let same = self.categories.get(c.top).copied().unwrap_or(0)
            + self.districts.get(c.district).copied().unwrap_or(0)
            + c.cell
                .and_then(|x| self.cells.get(&x).copied())
                .unwrap_or(0);
        let bonus = if c.incumbent { self.margin } else { 0.0 };
        c.value + bonus - self.diversity * same as f64
    }

    fn take(&mut self, c: &Candidate, i: usize, placed: Placement) {
        self.picks.push((i, placed));
        *self.categories.entry(c.top.to_string()).or_insert(0) += 1;
        *self.districts.entry(c.district.to_string()).or_insert(0) += 1;
        if let Some(x) = c.cell {
            *self.cells.entry(x).or_insert(0) += 1;
        }
        if let Some(b) = c.brand {
            *self.brands.entry(b.to_string()).or_insert(0) += 1;
        }
    }

    /// Loosens one cap: the category share first (breadth matters less than a full list of
    /// good shops), then the brand cap. `None` when nothing is left to loosen.
    fn relax(&mut self) -> Option<Relaxation> {
        if self.category_cap < self.limit {
            let from = self.category_cap;
            self.category_cap += 1;
            return Some(Relaxation {
                constraint: "max_category_share".into(),
                from: from as f64 / self.limit as f64,
                to: self.category_cap as f64 / self.limit as f64,
                reason: "合格门店集中在少数品类，放宽单一品类占比上限以填满榜单".into(),
            });
        }
        if self.brand_cap < self.limit {
            let from = self.brand_cap;
            self.brand_cap += 1;
            return Some(Relaxation {
                constraint: "max_per_brand".into(),
                from: from as f64,
                to: self.brand_cap as f64,
                reason: "独立门店不足，放宽同一品牌门店数上限以填满榜单".into(),
            });
        }
        None
    }
}
