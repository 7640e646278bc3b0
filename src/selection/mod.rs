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
mod prepared;
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
pub(crate) use prepared::Prepared;
pub use reasons::EvidenceRef;

/// One store on the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    /// Place on the list, 1 first.
    pub rank: usize,
    /// The merchant's id.
    pub merchant_id: String,
    /// Its display name.
    pub name: String,
    /// Its category path.
    pub category: String,
    /// Its district, when the corpus gives one.
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
    /// The merchant's id.
    pub merchant_id: String,
    /// Its display name.
    pub name: String,
    /// Its reputation score (0–100).
    pub score: f64,
    /// Why it waits, in plain Chinese.
    pub reason: String,
    /// Manipulation flags in its favour, if that is why.
    pub flags: Vec<crate::trust::FlagKind>,
}

/// A constraint the supply could not satisfy, and what was done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relaxation {
    /// Which constraint (`max_category_share`, `max_per_brand`, …).
    pub constraint: String,
    /// Its value in the policy.
    pub from: f64,
    /// The value the list was made with.
    pub to: f64,
    /// Why, in plain Chinese.
    pub reason: String,
}

/// A change against the previous list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The merchant that entered or left.
    pub merchant_id: String,
    /// Why, in plain Chinese.
    pub reason: String,
}

/// The curated list of one city.
///
/// # Example
///
/// ```
/// use jingxuan::corpus::{self, LoadOptions};
/// use jingxuan::selection::{ListRequest, SelectionPolicy};
/// use jingxuan::Engine;
///
/// let loaded = corpus::load("fixtures/tiny".as_ref(), &LoadOptions::default())?;
/// let analysis = Engine::for_corpus(&loaded.corpus)?.analyze(loaded.corpus, None);
/// let policy = SelectionPolicy::default();
///
/// let list = analysis.select("杭州", &policy, &ListRequest::default())?;
/// let mut ids: Vec<&str> = list.stores.iter().map(|p| p.merchant_id.as_str()).collect();
/// ids.sort();
/// // Not listed: the hot-pot branch a curator holds, the barbecue below the bar (and held
/// // for its bought praise), the closed bakery.
/// assert_eq!(ids, ["m-01", "m-02", "m-03", "m-04", "m-05"]);
/// assert_eq!(list.stores[0].merchant_id, "m-01");
/// assert!(list.stores.iter().all(|p| !p.reasons.is_empty()));
/// // No qualified shop of 滨江区 (its one shop is held): a gap to recruit for.
/// assert!(list.gaps.iter().any(|g| g.district == "滨江区" && g.qualified == 0));
///
/// // A request: a query, and the list published last time.
/// let previous: Vec<String> = vec!["m-01".into(), "m-06".into()];
/// let request = ListRequest { previous: Some(&previous), query: Some("安静 咖啡") };
/// let quiet_coffee = analysis.select("杭州", &policy, &request)?;
/// assert_eq!(quiet_coffee.stores[0].merchant_id, "m-01");
/// assert!(quiet_coffee.left.iter().any(|c| c.merchant_id == "m-06"));
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// The city of the list.
    pub city: String,
    /// The instant the list was chosen as of.
    pub as_of: Timestamp,
    /// The picks, best place first.
    pub stores: Vec<Pick>,
    /// Candidates waiting for human review (人工复核) instead of a place.
    pub review_queue: Vec<Queued>,
    /// District × category cells short of qualified supply, biggest first.
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
    /// The policy the list was chosen under (not serialised: the list's JSON is the
    /// command's contract).
    #[serde(skip)]
    policy: SelectionPolicy,
    /// Whether the request named a previous list (so `entered` and `left` are changes).
    #[serde(skip)]
    had_previous: bool,
}

impl Selection {
    /// The policy the list was chosen under.
    pub fn policy(&self) -> &SelectionPolicy {
        &self.policy
    }

    /// Whether the request named a previous list: then `entered` and `left` are changes
    /// against it; without one every pick has `entered`.
    pub fn had_previous(&self) -> bool {
        self.had_previous
    }
}

/// What a caller asks of one list beyond the policy: the request, where the policy is the
/// standing configuration.
///
/// ```
/// use jingxuan::selection::ListRequest;
///
/// let previous = vec!["m-001".to_string(), "m-007".to_string()];
/// let request = ListRequest { previous: Some(&previous), query: Some("安静 咖啡") };
/// assert!(request.validate().is_ok());
/// assert!(ListRequest { query: Some(" "), ..Default::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListRequest<'a> {
    /// The last published list (merchant ids): the list only changes as the policy's
    /// stability margin allows, and the changes are reported against it.
    pub previous: Option<&'a [String]>,
    /// Restrict the list to merchants whose notes and reviews match this query (every
    /// word, any order), ranked by reputation blended with relevance
    /// ([`SelectionPolicy::query_weight`]). Only credible writing can put a merchant on
    /// such a list: its matching documents must carry some weight that is costly to fake,
    /// so a bought burst or copied praise that names the query is not enough.
    pub query: Option<&'a str>,
}

impl ListRequest<'_> {
    /// Checks the query: not blank, at most [`SelectionPolicy::MAX_QUERY_CHARS`]
    /// characters (an error names `query`).
    pub fn validate(&self) -> crate::error::Result<()> {
        policy::check_query(self.query, "query")
    }
}

/// What selection reads: the analysis of one corpus as of one instant.
pub struct Inputs<'a> {
    /// The corpus analysed.
    pub corpus: &'a Corpus,
    /// The city's scoreboard.
    pub board: &'a Scoreboard,
    /// Every note and review as read.
    pub evidence: &'a EvidenceSet,
    /// The trust stage's weights and flags.
    pub trust: &'a Assessment,
    /// Each evidence item's counted weight, aligned with `evidence.items`.
    pub counted: &'a [Counted],
    /// Each merchant's range of `evidence.items` ([`EvidenceSet::merchant_ranges`]).
    pub ranges: &'a BTreeMap<String, std::ops::Range<usize>>,
    /// The analyzer queries are segmented with.
    pub analyzer: &'a Analyzer,
}

/// A merchant that may be picked.
struct Candidate<'a> {
    /// Its row of the board (and of [`Prepared`]).
    row: usize,
    merchant: &'a Merchant,
    score: &'a MerchantScore,
    value: f64,
    relevance: Option<f64>,
    top: u32,
    district: u32,
    cell: Option<u32>,
    brand: Option<u32>,
    incumbent: bool,
    /// Why it must wait for review, if it must.
    review: Option<(String, Vec<crate::trust::FlagKind>)>,
}

/// Chooses the list of `inputs.board`'s city under `policy`, with the board's
/// [`Prepared`] facts made beforehand (and reused across calls). `previous` is the last
/// published list (merchant ids), for stability. The caller has validated `policy`.
pub(crate) fn select_prepared<'a>(
    inputs: &Inputs<'a>,
    prepared: &'a Prepared,
    policy: &SelectionPolicy,
    previous: Option<&[String]>,
    query: Option<&str>,
) -> Selection {
    let board = &inputs.board.merchants;
    let previous_set: BTreeSet<&str> = previous
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    let mut incumbents = vec![false; board.len()];
    for id in &previous_set {
        if let Some(row) = prepared.row(id) {
            incumbents[row] = true;
        }
    }
    let relevance = query.map(|q| reasons::relevance(inputs, &prepared.ranges, q));
    let cells = prepared.cells(policy.h3_resolution);

    let mut candidates: Vec<Candidate> = Vec::with_capacity(board.len());
    for (row, s) in board.iter().enumerate() {
        let Some(m) = prepared.merchants[row].as_ref() else {
            continue;
        };
        let incumbent = incumbents[row];
        let bar = if incumbent {
            policy.min_score - policy.stability_margin
        } else {
            policy.min_score
        };
        if s.score < bar || s.credible_weight < policy.min_credible_weight {
            continue;
        }
        let approved = prepared.approved[row];
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
            Some(r) => match r[row] {
                Some(x) if x > 0.0 => Some(x),
                _ => continue,
            },
            None => None,
        };
        let value = match rel {
            Some(r) => (1.0 - policy.query_weight) * s.score + policy.query_weight * 100.0 * r,
            None => s.score,
        };
        candidates.push(Candidate {
            row,
            merchant: m,
            score: s,
            value,
            relevance: rel,
            top: prepared.top[row],
            district: prepared.district[row],
            cell: cells.as_ref().and_then(|c| c.of[row]),
            brand: prepared.brand[row],
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

    let mut state = Greedy::new(
        policy,
        [
            prepared.tops.len(),
            prepared.districts.len(),
            cells.as_ref().map_or(0, |c| c.count),
            prepared.brands,
        ],
    );
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
    // Candidates of each group and of each district, best first, and the groups and
    // districts in the order their best candidates come.
    let by = |key: fn(&Candidate) -> u32, n: usize| {
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut order = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let list = &mut lists[key(c) as usize];
            if list.is_empty() {
                order.push(key(c) as usize);
            }
            list.push(i);
        }
        (order, lists)
    };
    if policy.cover_categories {
        let (groups, members) = by(|c| c.top, prepared.tops.len());
        for g in groups {
            if state.full() {
                break;
            }
            while let Some(i) = members[g]
                .iter()
                .copied()
                .find(|&i| !taken[i] && state.allows(&candidates[i]))
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
        let (districts, members) = by(|c| c.district, prepared.districts.len());
        for d in districts {
            if state.full() {
                break;
            }
            if state.counts[DISTRICT][d] > 0 {
                continue;
            }
            while let Some(i) = members[d]
                .iter()
                .copied()
                .find(|&i| !taken[i] && state.allows(&candidates[i]))
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
    //
    // A penalty is never negative, so no candidate's marginal value exceeds its value plus
    // the largest bonus; candidates come by value, so once that bound falls below the best
    // marginal value found, no later candidate can beat (or tie) it and the scan stops.
    // The bound needs finite values and a penalty that cannot be negative; otherwise
    // every candidate is looked at.
    let max_bonus = if candidates.iter().any(|c| c.incumbent) {
        policy.stability_margin.max(0.0)
    } else {
        0.0
    };
    let prune = max_bonus.is_finite()
        && policy.diversity >= 0.0
        && policy.diversity.is_finite()
        && candidates.iter().all(|c| c.value.is_finite());
    let mut relaxed = Vec::new();
    while !state.full() {
        // The highest marginal value, the first candidate on ties.
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in candidates.iter().enumerate() {
            if let Some((_, top)) = best {
                if prune && c.value + max_bonus < top {
                    break;
                }
            }
            if taken[i] || !state.allows(c) {
                continue;
            }
            let v = state.marginal(c);
            if best.is_none_or(|(_, top)| v.total_cmp(&top).is_gt()) {
                best = Some((i, v));
            }
        }
        match best {
            Some((i, _)) => route(&mut state, i, Placement::Score, &mut taken),
            None => {
                if taken.iter().all(|&t| t) {
                    break;
                }
                match state.relax(&candidates, &taken) {
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
    let stores: Vec<Pick> = picks
        .iter()
        .enumerate()
        .map(|(k, &(i, placed_by))| {
            let c = &candidates[i];
            let range = prepared.ranges[c.row].clone();
            let (reasons, evidence) = reasons::explain(inputs, range, c.merchant, c.score);
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
            reason: why_left(inputs, prepared, policy, id, &queue),
        })
        .collect();
    let coverage = gaps::coverage(prepared, candidates.iter().map(|c| c.row));
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
        policy: policy.clone(),
        had_previous: previous.is_some(),
    }
}

fn why_left(
    inputs: &Inputs<'_>,
    prepared: &Prepared,
    policy: &SelectionPolicy,
    id: &str,
    queue: &[Queued],
) -> String {
    let Some(s) = prepared.row(id).map(|row| &inputs.board.merchants[row]) else {
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

/// Indices of [`Greedy::counts`].
const CATEGORY: usize = 0;
const DISTRICT: usize = 1;
const CELL: usize = 2;
const BRAND: usize = 3;

/// The greedy pass's state: what is on the list and the caps in force.
struct Greedy {
    limit: usize,
    category_cap: usize,
    brand_cap: usize,
    diversity: f64,
    margin: f64,
    picks: Vec<(usize, Placement)>,
    /// Picks by top-level group, district, map cell and brand (indexed by [`Prepared`]'s
    /// ids).
    counts: [Vec<usize>; 4],
}

impl Greedy {
    /// `sizes`: how many top-level groups, districts, cells and brands there are.
    fn new(policy: &SelectionPolicy, sizes: [usize; 4]) -> Greedy {
        Greedy {
            limit: policy.limit,
            category_cap: ((policy.max_category_share * policy.limit as f64).floor() as usize)
                .max(1),
            brand_cap: policy.max_per_brand,
            diversity: policy.diversity,
            margin: policy.stability_margin,
            picks: Vec::new(),
            counts: sizes.map(|n| vec![0; n]),
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
        self.counts[CATEGORY][c.top as usize] < self.category_cap
            && c.brand
                .is_none_or(|b| self.counts[BRAND][b as usize] < self.brand_cap)
    }

    /// Score less the penalty for sharing a category, district or cell with earlier picks;
    /// an incumbent keeps the stability margin.
    fn marginal(&self, c: &Candidate) -> f64 {
        let same = self.counts[CATEGORY][c.top as usize]
            + self.counts[DISTRICT][c.district as usize]
            + c.cell.map_or(0, |x| self.counts[CELL][x as usize]);
        let bonus = if c.incumbent { self.margin } else { 0.0 };
        c.value + bonus - self.diversity * same as f64
    }

    fn take(&mut self, c: &Candidate, i: usize, placed: Placement) {
        self.picks.push((i, placed));
        self.counts[CATEGORY][c.top as usize] += 1;
        self.counts[DISTRICT][c.district as usize] += 1;
        if let Some(x) = c.cell {
            self.counts[CELL][x as usize] += 1;
        }
        if let Some(b) = c.brand {
            self.counts[BRAND][b as usize] += 1;
        }
    }

    /// Loosens one cap: the category share first (breadth matters less than a full list of
    /// good shops), then the brand cap. `None` when nothing is left to loosen. Called when
    /// no candidate left (`taken` false) is allowed.
    ///
    /// A cap jumps straight to the smallest value that lets some candidate in, which is
    /// what raising it by one until a candidate fits would reach (the steps between admit
    /// nobody, and their records merge into one): so the number of passes is bounded by
    /// the candidates, never by the limit.
    fn relax(&mut self, candidates: &[Candidate], taken: &[bool]) -> Option<Relaxation> {
        let waiting = || {
            candidates
                .iter()
                .zip(taken)
                .filter(|(_, &t)| !t)
                .map(|(c, _)| c)
        };
        if self.category_cap < self.limit {
            let from = self.category_cap;
            // Only a candidate its brand cap lets through can be let in by this cap; when
            // there is none, raising it step by step would have lifted it entirely.
            let needed = waiting()
                .filter(|c| {
                    c.brand
                        .is_none_or(|b| self.counts[BRAND][b as usize] < self.brand_cap)
                })
                .map(|c| self.counts[CATEGORY][c.top as usize] + 1)
                .min()
                .unwrap_or(self.limit);
            self.category_cap = needed.clamp(from + 1, self.limit);
            return Some(Relaxation {
                constraint: "max_category_share".into(),
                from: from as f64 / self.limit as f64,
                to: self.category_cap as f64 / self.limit as f64,
                reason: "合格门店集中在少数品类，放宽单一品类占比上限以填满榜单".into(),
            });
        }
        if self.brand_cap < self.limit {
            let from = self.brand_cap;
            let needed = waiting()
                .filter_map(|c| c.brand.map(|b| self.counts[BRAND][b as usize] + 1))
                .min()
                .unwrap_or(self.limit);
            self.brand_cap = needed.clamp(from + 1, self.limit);
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
