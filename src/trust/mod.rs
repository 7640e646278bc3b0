//! Trust: how much each piece of evidence counts.
//!
//! Credibility of the author ([`author`]), then discounts for what the evidence is part of:
//! commercial content ([`sponsored`]), a merchant speaking of itself or its rivals,
//! templated text ([`duplicate`]), bursts and attacks ([`burst`]), collusive groups
//! ([`collusion`]). Discounted evidence is kept, with the reason, so an audit can see it.
//!
//! Nothing here reads commercial data: the stage receives a [`Corpus`], which has none.

pub(crate) mod activity;
pub mod author;
pub mod burst;
pub mod collusion;
pub mod duplicate;
pub mod sponsored;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Corpus, Timestamp};
use crate::evidence::EvidenceSet;

pub use author::Credibility;
pub use sponsored::Commercial;

/// Which way a finding pushes the merchant it is about. It decides what the finding may
/// do: manipulation in a merchant's favour may hold it until a human approves;
/// manipulation against it is discounted and reported, and never makes it ineligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// It would raise the merchant (bought praise, its own account, undeclared ads).
    Favours,
    /// It would lower the merchant (a competitor's attack, a smear).
    Against,
    /// Neither (a declared ad, a report to look at).
    Neutral,
}

impl Direction {
    /// In Chinese, for reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Direction::Favours => "对商家有利",
            Direction::Against => "对商家不利",
            Direction::Neutral => "中性",
        }
    }
}

/// Why a piece of evidence counts less than its author's credibility says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Discount {
    /// Declared or undeclared commercial content: counts for nothing.
    Commercial {
        /// Why it is commercial.
        how: Commercial,
    },
    /// Written by the merchant's own account (or its chain's): counts for nothing.
    SelfPromotion,
    /// A merchant account writing about another merchant: discarded.
    MerchantAccount {
        /// The merchant that owns the account.
        owner: String,
    },
    /// Near-identical text used by several authors (all but the earliest copy).
    Template {
        /// Distinct authors of the copies.
        authors: usize,
    },
    /// Part of a burst of praise far above the shop's usual rate that its credible
    /// reviewers do not bear out, from an account with little history.
    BoughtBurst,
    /// The same, as scorn: a burst of complaints its credible reviewers do not bear out.
    Attack,
    /// Written by a member of a lock-step group about one of the group's targets.
    Collusion {
        /// Accounts in the group.
        group_size: usize,
    },
    /// One of many low-history voices that disagree with the shop's credible reviewers
    /// in one direction.
    Lopsided,
    /// Written after a platform programme's free visit (霸王餐 and the like): an honest
    /// review, not bought by the shop and no reason to hold it, but not independent either
    /// (the diner did not pay and was asked to write), so it counts half.
    Programme {
        /// The programme's phrase as found in the text, e.g. `霸王餐`.
        name: String,
    },
}

impl Discount {
    /// In plain Chinese, for explanations.
    pub fn label_zh(&self) -> String {
        match self {
            Discount::Commercial { .. } => "商业内容".into(),
            Discount::SelfPromotion => "商家自评".into(),
            Discount::MerchantAccount { owner } => format!("商家号({owner})"),
            Discount::Template { authors } => format!("模板文案×{authors}"),
            Discount::BoughtBurst => "刷好评".into(),
            Discount::Attack => "恶意差评".into(),
            Discount::Collusion { group_size } => format!("抱团账号×{group_size}"),
            Discount::Lopsided => "低活跃账号一边倒".into(),
            Discount::Programme { name } => format!("平台活动({name})"),
        }
    }

    /// Whether it applies to the cheap part of a weight only: what low-history voices do
    /// together says nothing against an established author who happens to be among them.
    pub fn cheap_part_only(&self) -> bool {
        matches!(
            self,
            Discount::BoughtBurst | Discount::Attack | Discount::Lopsided
        )
    }

    /// The factor this discount applies to the evidence's weight.
    pub fn factor(&self) -> f64 {
        match self {
            Discount::Commercial { .. }
            | Discount::SelfPromotion
            | Discount::MerchantAccount { .. } => 0.0,
            Discount::Template { .. } => 0.1,
            Discount::BoughtBurst | Discount::Attack => 0.05,
            Discount::Collusion { .. } => 0.1,
            Discount::Lopsided => 0.25,
            Discount::Programme { .. } => 0.5,
        }
    }
}

/// How much one piece of evidence counts, before recency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceWeight {
    /// The author's credibility weight.
    pub credibility: f64,
    /// Bonus for a proof of visit to this merchant, scaled by who holds the proof.
    pub visit: f64,
    /// The share of this weight that is costly to fake (0 to 1): the author's
    /// establishment, or a payment proof. The rest goes to the merchant's bounded pool of
    /// cheap voices (see `reputation`).
    pub credible: f64,
    /// Why it counts less, each with its factor ([`Discount::factor`]).
    pub discounts: Vec<Discount>,
}

/// A proof of visit of full strength by an established account makes an opinion count
/// this much more; the same proof held by an account with no history, much less.
const VISIT_BONUS: f64 = 1.5;
/// The part of the visit bonus an account with no history still gets.
const VISIT_BONUS_UNESTABLISHED: f64 = 0.3;
/// A payment proof makes this share of a no-history account's word credible.
const PAYMENT_CREDIT: f64 = 0.3;

impl EvidenceWeight {
    /// Credibility × visit bonus × every discount. Discounts for what low-history voices do
    /// together (bursts, lopsided pools) apply to the cheap part of the weight only, so that
    /// a campaign can never lower the credible part of anyone's word.
    pub fn total(&self) -> f64 {
        let (credible, cheap) = self.parts();
        self.undiscounted() * (credible + cheap)
    }

    /// The share of [`total`](Self::total) that is credible (0 when the total is 0).
    pub fn credible_share(&self) -> f64 {
        let (credible, cheap) = self.parts();
        if credible + cheap > 0.0 {
            credible / (credible + cheap)
        } else {
            0.0
        }
    }

    /// The credible and cheap shares of the undiscounted weight, each discounted.
    fn parts(&self) -> (f64, f64) {
        let (mut credible, mut cheap) = (self.credible, 1.0 - self.credible);
        for d in &self.discounts {
            cheap *= d.factor();
            if !d.cheap_part_only() {
                credible *= d.factor();
            }
        }
        (credible, cheap)
    }

    /// Credibility × visit bonus: what the evidence would count if nothing were found.
    pub fn undiscounted(&self) -> f64 {
        self.credibility * self.visit
    }

    /// The product of the discounts' factors (1 when there are none).
    pub fn kept(&self) -> f64 {
        self.discounts.iter().map(Discount::factor).product()
    }
}

/// What a flag says happened around a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// A burst of praise its credible reviewers do not bear out (刷好评).
    BoughtBurst,
    /// A burst of scorn its credible reviewers do not bear out (恶意差评): discounted, reported, never a reason to drop the shop.
    Attack,
    /// Kept for readers of older output; no longer raised (a burst is now judged by its
    /// direction against the credible consensus: `BoughtBurst` or `Attack`).
    NegativeBurst,
    /// Near-identical text from several authors (模板文案).
    Template,
    /// Accounts that keep reviewing the same merchants together.
    Collusion,
    /// Undeclared commercial content (软文), by its markers or its shape.
    SoftAd,
    /// Content the platform labels as sponsored: reported, neutral.
    Sponsored,
    /// The merchant's own account (or its chain's) praising it.
    SelfPromotion,
    /// Another merchant's account writing about it.
    MerchantAccount,
    /// Low-history voices that agree with each other and not with the shop's credible
    /// reviewers (praise or scorn).
    Lopsided,
    /// Credible, proportionate hygiene or food-safety complaints.
    Hygiene,
    /// A cluster of hygiene complaints from accounts with little history: sent to human
    /// review with the documents, never applied to the score beyond the bounded pool.
    HygieneUnverified,
}

impl FlagKind {
    /// The flag's name as a curator reads it.
    pub fn label_zh(self) -> &'static str {
        match self {
            FlagKind::BoughtBurst => "疑似刷好评",
            FlagKind::Attack => "疑似恶意差评",
            FlagKind::NegativeBurst => "差评集中出现",
            FlagKind::Template => "模板化文案",
            FlagKind::Collusion => "抱团刷评账号",
            FlagKind::SoftAd => "未声明软文",
            FlagKind::Sponsored => "品牌合作内容",
            FlagKind::SelfPromotion => "商家自评",
            FlagKind::MerchantAccount => "同行商家号评论",
            FlagKind::Lopsided => "低活跃账号一边倒",
            FlagKind::Hygiene => "卫生/食品安全投诉",
            FlagKind::HygieneUnverified => "低活跃账号集中反映卫生问题（待核实）",
        }
    }
}

/// A reported finding about one merchant, with the documents behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// What was found.
    pub kind: FlagKind,
    /// Which way the flagged content pushes the merchant.
    pub direction: Direction,
    /// Plain Chinese: what was seen.
    pub detail: String,
    /// Ids of the notes and reviews involved, sorted.
    pub docs: Vec<String>,
    /// When the newest of those documents was written: a human approval made before it
    /// does not cover this flag.
    pub last_at: Timestamp,
}

impl Flag {
    /// Manipulation in the merchant's favour: what may hold it until a human approves.
    pub fn favours(&self) -> bool {
        self.direction == Direction::Favours
    }
}

/// The trust stage's result for a whole corpus.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Every author's credibility, by account id.
    pub credibility: BTreeMap<String, Credibility>,
    /// One per evidence item, aligned with [`EvidenceSet::items`].
    pub weights: Vec<EvidenceWeight>,
    /// Flags per merchant, in [`FlagKind`] order.
    pub flags: BTreeMap<String, Vec<Flag>>,
}

/// A burst, group or template is judged against the credible consensus: it points one way
/// when its mean opinion is at least this far from what credible reviewers say.
const DEVIATION: f64 = 0.2;
/// An item is "established" (and can stand as the credible consensus) from this share.
const ESTABLISHED: f64 = 0.5;
/// Lopsided pools: at least this many low-history opinions …
const LOPSIDED_MIN: usize = 5;
/// … whose share of extreme opinions (at least `LOPSIDED_HIGH`, or at most
/// `LOPSIDED_LOW`) exceeds the credible share by this much …
const LOPSIDED_EXCESS: f64 = 0.25;
const LOPSIDED_HIGH: f64 = 0.9;
const LOPSIDED_LOW: f64 = 0.25;
/// … and by this many standard errors (a two-proportion test).
const LOPSIDED_Z: f64 = 3.0;
/// Hygiene: credible complaints need this many distinct authors …
const HYGIENE_MIN_AUTHORS: usize = 2;
/// … and this multiple of the category's usual complaint rate.
const HYGIENE_RATE_FACTOR: f64 = 2.0;
/// Low-history hygiene complaints: a cluster from this many accounts …
const HYGIENE_CLUSTER: usize = 3;
/// … within this many days goes to review.
const HYGIENE_CLUSTER_DAYS: f64 = 30.0;

/// Collects flags: per merchant, per (kind, direction), the first detail and every doc.
/// One flag being collected: its first detail and every document with its time.
type Collecting = (String, BTreeMap<String, Timestamp>);

#[derive(Default)]
struct Flags {
    map: BTreeMap<String, BTreeMap<(FlagKind, Direction), Collecting>>,
}

impl Flags {
    fn add(
        &mut self,
        merchant: &str,
        kind: FlagKind,
        direction: Direction,
        detail: impl FnOnce() -> String,
        doc: &crate::evidence::Document,
    ) {
        let entry = self
            .map
            .entry(merchant.to_string())
            .or_default()
            .entry((kind, direction))
            .or_insert_with(|| (detail(), BTreeMap::new()));
        entry.1.insert(doc.id.to_string(), doc.created_at);
    }

    fn finish(self) -> BTreeMap<String, Vec<Flag>> {
        self.map
            .into_iter()
            .map(|(m, kinds)| {
                let list = kinds
                    .into_iter()
                    .map(|((kind, direction), (detail, docs))| Flag {
                        kind,
                        direction,
                        detail,
                        last_at: docs
                            .values()
                            .copied()
                            .max()
                            .unwrap_or(Timestamp::from_unix(0)),
                        docs: docs.into_keys().collect(),
                    })
                    .collect();
                (m, list)
            })
            .collect()
    }
}

/// Weighted mean of `value` over `items` by `weight`, with the total weight.
fn weighted_mean(it: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let (mut w, mut wv) = (0.0, 0.0);
    for (weight, value) in it {
        w += weight;
        wv += weight * value;
    }
    (w > 0.0).then(|| (wv / w, w))
}

/// Which way coordinated content (a template, a lock-step group) points: such content is
/// not independent, so unless it is clearly below the consensus it is read as promotion.
fn coordinated_direction(mean: f64, reference: f64) -> Direction {
    if mean >= reference - DEVIATION / 4.0 {
        Direction::Favours
    } else {
        direction_of(mean, reference)
    }
}

/// Which way a set of opinions points against a reference (the credible consensus).
fn direction_of(mean: f64, reference: f64) -> Direction {
    if mean - reference >= DEVIATION {
        Direction::Favours
    } else if reference - mean >= DEVIATION {
        Direction::Against
    } else {
        Direction::Neutral
    }
}

/// Weighs every piece of evidence of `evidence` as of `as_of`. The evidence must be that
/// of the world at `as_of` (as [`Engine::analyze`](crate::Engine::analyze) makes it):
/// nothing written later may raise a flag or build a history.
pub fn assess(corpus: &Corpus, evidence: &EvidenceSet, as_of: Timestamp) -> Assessment {
    assess_with(corpus, evidence, as_of, None)
}

/// What one city's trust stage takes from the whole corpus when it runs over that city's
/// documents only (see [`crate::shard`]): everything here spans cities.
pub(crate) struct CrossCity<'a> {
    /// Commercial documents, by index into the city's `EvidenceSet::docs`.
    pub commercial: BTreeMap<usize, Commercial>,
    /// What every author's credibility is made of, over the whole corpus.
    pub authors: &'a BTreeMap<String, author::AuthorSummary>,
    /// Lock-step groups over the whole corpus.
    pub groups: &'a [collusion::Group],
}

/// [`assess`], taking the cross-city parts from `cross` when given instead of computing
/// them from `evidence` (which then holds one city's documents).
pub(crate) fn assess_with(
    corpus: &Corpus,
    evidence: &EvidenceSet,
    as_of: Timestamp,
    cross: Option<CrossCity<'_>>,
) -> Assessment {
    // Commercial content is set aside first: it must not build an author's history, hide a
    // burst or join a template, so that adding sponsored notes can never raise a score.
    let (commercial, credibility, groups) = match cross {
        None => {
            let commercial = sponsored::detect(corpus, evidence);
            // Both read one table of who wrote about which merchant when, side by side
            // (each is only partly parallel).
            let activity = activity::Activity::of(&[(evidence, &commercial)]);
            let (credibility, groups) = rayon::join(
                || author::credibility_in(corpus, &activity, as_of),
                || collusion::groups_in(&activity),
            );
            (commercial, credibility, groups)
        }
        Some(cross) => {
            // Only the authors this city's documents name are looked up.
            let credibility = evidence
                .docs
                .iter()
                .filter_map(|d| {
                    let (id, s) = cross.authors.get_key_value(d.author_id.as_str())?;
                    Some((id.clone(), s.credibility(as_of)))
                })
                .collect();
            (cross.commercial, credibility, cross.groups.to_vec())
        }
    };
    // Hashed, not ordered: looked up once per item (a million), and the same for whose
    // account wrote it below.
    let credibility_of: rustc_hash::FxHashMap<&str, &Credibility> =
        credibility.iter().map(|(id, c)| (id.as_str(), c)).collect();
    let mut weights: Vec<EvidenceWeight> = evidence
        .items
        .par_iter()
        .map(|e| {
            let d = evidence.doc(e);
            let cred = credibility_of.get(d.author_id.as_str());
            let est = cred.map_or(0.0, |c| c.established());
            let proof = e.proof.strength();
            let holder = VISIT_BONUS_UNESTABLISHED + (1.0 - VISIT_BONUS_UNESTABLISHED) * est;
            let payment = if e.proof == crate::evidence::extract::Proof::Payment {
                PAYMENT_CREDIT
            } else {
                0.0
            };
            EvidenceWeight {
                credibility: cred.map_or(0.0, |c| c.weight_at(d.created_at)),
                visit: 1.0 + (VISIT_BONUS - 1.0) * proof * holder,
                credible: est.max(payment),
                discounts: Vec::new(),
            }
        })
        .collect();
    let mut flags = Flags::default();

    // Platform programmes (霸王餐): discounted, never flagged, so they hold no shop.
    let programmes = sponsored::programmes_in(evidence, &commercial);
    for (k, e) in evidence.items.iter().enumerate() {
        if let Some(name) = programmes.get(&e.doc) {
            weights[k]
                .discounts
                .push(Discount::Programme { name: name.clone() });
        }
    }

    // Commercial content and merchant accounts. Whose account wrote each item is looked
    // up in parallel (a string-keyed lookup per item); flags are added in item order.
    let merchant_accounts: rustc_hash::FxHashMap<&str, &str> = corpus
        .authors
        .iter()
        .filter_map(|(id, a)| Some((id.as_str(), a.merchant_id.as_deref()?)))
        .collect();
    let owners: Vec<Option<&str>> = evidence
        .items
        .par_iter()
        .map(|e| {
            merchant_accounts
                .get(evidence.doc(e).author_id.as_str())
                .copied()
        })
        .collect();
    for (k, e) in evidence.items.iter().enumerate() {
        let d = evidence.doc(e);
        if let Some(how) = commercial.get(&e.doc) {
            let praising = e.value >= 0.6;
            let (kind, direction, detail) = match how {
                Commercial::Declared => (
                    FlagKind::Sponsored,
                    Direction::Neutral,
                    "平台标注为品牌合作的笔记".to_string(),
                ),
                Commercial::Marker(m) => (
                    FlagKind::SoftAd,
                    if praising {
                        Direction::Favours
                    } else {
                        Direction::Neutral
                    },
                    format!("笔记含“{m}”等合作字样却未声明"),
                ),
                Commercial::Shape { notes_in_window } => (
                    FlagKind::SoftAd,
                    Direction::Favours,
                    format!("同一博主两周内发了{notes_in_window}篇不同店铺的夸赞笔记"),
                ),
            };
            flags.add(&e.merchant_id, kind, direction, || detail, d);
            weights[k]
                .discounts
                .push(Discount::Commercial { how: how.clone() });
        }
        if let Some(owner) = owners[k] {
            if same_business(corpus, owner, &e.merchant_id) {
                flags.add(
                    &e.merchant_id,
                    FlagKind::SelfPromotion,
                    Direction::Favours,
                    || "商家自己的账号评价自家或同品牌门店".into(),
                    d,
                );
                weights[k].discounts.push(Discount::SelfPromotion);
            } else {
                let direction = if e.value < 0.5 {
                    Direction::Against
                } else {
                    Direction::Neutral
                };
                flags.add(
                    &e.merchant_id,
                    FlagKind::MerchantAccount,
                    direction,
                    || "其他商家的账号评价了这家店".into(),
                    d,
                );
                weights[k].discounts.push(Discount::MerchantAccount {
                    owner: owner.to_string(),
                });
            }
        }
    }

    // The credible consensus of each merchant: what its established, undiscounted
    // reviewers say, by evidence range. `skip` is asked of every item of the range, so the
    // sets passed in are sorted item indexes searched by bisection (a busy shop has
    // thousands of items). Bursts, groups and templates are judged against it.
    let ranges = evidence.merchant_ranges();
    let consensus = |range: &std::ops::Range<usize>,
                     weights: &[EvidenceWeight],
                     skip: &dyn Fn(usize) -> bool|
     -> Option<f64> {
        weighted_mean(range.clone().filter(|&k| !skip(k)).filter_map(|k| {
            let w = &weights[k];
            (w.credible >= ESTABLISHED && w.discounts.is_empty())
                .then(|| (w.undiscounted() * w.credible, evidence.items[k].value))
        }))
        .filter(|&(_, w)| w >= 1.0)
        .map(|(m, _)| m)
    };
    let mean_of = |ks: &[usize], weights: &[EvidenceWeight]| {
        weighted_mean(
            ks.iter()
                .map(|&k| (weights[k].undiscounted().max(1e-6), evidence.items[k].value)),
        )
        .map_or(0.5, |(m, _)| m)
    };

    // Templates: copies of one text by several authors. The earliest copy may be an honest
    // original that others copied; the rest are not independent voices.
    // Templates are judged within each city (see `duplicate::detect`): by city, then
    // document.
    let city_of = |m: &str| corpus.merchants.get(m).map(|m| m.city.clone());
    let mut templates: BTreeMap<String, BTreeMap<usize, (usize, bool)>> = BTreeMap::new();
    for g in duplicate::detect(evidence, &commercial, &|m| {
        corpus.merchants.get(m).map(|m| m.city.as_str())
    }) {
        let template_of = templates.entry(g.city).or_default();
        for (i, &d) in g.docs.iter().enumerate() {
            template_of.insert(d, (g.authors, i == 0));
        }
    }
    let no_templates = BTreeMap::new();
    for (merchant, range) in &ranges {
        let template_of = city_of(merchant)
            .and_then(|c| templates.get(&c))
            .unwrap_or(&no_templates);
        let ks: Vec<usize> = range
            .clone()
            .filter(|&k| template_of.contains_key(&evidence.items[k].doc))
            .collect();
        if ks.is_empty() {
            continue;
        }
        let reference =
            consensus(range, &weights, &|k| ks.binary_search(&k).is_ok()).unwrap_or(0.6);
        let direction = coordinated_direction(mean_of(&ks, &weights), reference);
        for &k in &ks {
            let e = &evidence.items[k];
            let (authors, first) = template_of[&e.doc];
            flags.add(
                &e.merchant_id,
                FlagKind::Template,
                direction,
                || format!("{authors}个不同账号发了几乎相同的文字"),
                evidence.doc(e),
            );
            if !first {
                weights[k].discounts.push(Discount::Template { authors });
            }
        }
    }

    // Bursts: far above the merchant's own rate, whoever posted. A burst that agrees with
    // the credible consensus is a shop going viral or opening; one that departs from it is
    // discounted in its low-history part, in the direction it points.
    for (merchant, range) in &ranges {
        let ks: Vec<usize> = range
            .clone()
            .filter(|&k| !commercial.contains_key(&evidence.items[k].doc))
            .collect();
        let times: Vec<Timestamp> = ks
            .iter()
            .map(|&k| evidence.doc(&evidence.items[k]).created_at)
            .collect();
        for b in burst::detect(&times, as_of) {
            let members: Vec<usize> = b.members.iter().map(|&i| ks[i]).collect();
            let Some(reference) =
                consensus(range, &weights, &|k| members.binary_search(&k).is_ok())
            else {
                continue;
            };
            let direction = direction_of(mean_of(&members, &weights), reference);
            let (kind, discount) = match direction {
                Direction::Favours => (FlagKind::BoughtBurst, Discount::BoughtBurst),
                Direction::Against => (FlagKind::Attack, Discount::Attack),
                Direction::Neutral => continue,
            };
            let detail = || {
                let what = if direction == Direction::Favours {
                    "好评"
                } else {
                    "差评"
                };
                format!(
                    "{:.0}天内集中出现{}条评价（按这家店平时的频率约{:.1}条），多为{what}，与资深用户的评价明显不符",
                    b.days.max(1.0),
                    members.len(),
                    b.usual
                )
            };
            for &k in &members {
                let e = &evidence.items[k];
                if weights[k].credible < ESTABLISHED {
                    flags.add(merchant, kind, direction, detail, evidence.doc(e));
                    weights[k].discounts.push(discount.clone());
                }
            }
        }
    }

    // Lock-step groups: accounts that keep reviewing the same merchants together.
    // Hashed, and every item looked up in parallel (a million lookups); none at all when
    // there is no group.
    let mut target: rustc_hash::FxHashMap<(&str, &str), usize> = Default::default();
    for g in &groups {
        for a in &g.authors {
            for m in &g.merchants {
                target.insert((a.as_str(), m.as_str()), g.authors.len());
            }
        }
    }
    let group_of: Vec<Option<usize>> = if target.is_empty() {
        Vec::new()
    } else {
        evidence
            .items
            .par_iter()
            .map(|e| {
                let d = evidence.doc(e);
                target
                    .get(&(d.author_id.as_str(), e.merchant_id.as_str()))
                    .copied()
            })
            .collect()
    };
    for range in ranges.values().filter(|_| !group_of.is_empty()) {
        let ks: Vec<(usize, usize)> = range
            .clone()
            .filter_map(|k| group_of[k].map(|n| (k, n)))
            .collect();
        if ks.is_empty() {
            continue;
        }
        let members: Vec<usize> = ks.iter().map(|&(k, _)| k).collect();
        let reference =
            consensus(range, &weights, &|k| members.binary_search(&k).is_ok()).unwrap_or(0.6);
        let mean = mean_of(&members, &weights);
        let direction = coordinated_direction(mean, reference);
        for (k, group_size) in ks {
            let e = &evidence.items[k];
            flags.add(
                &e.merchant_id,
                FlagKind::Collusion,
                direction,
                || format!("{group_size}个账号总是一起评价同一批店"),
                evidence.doc(e),
            );
            weights[k]
                .discounts
                .push(Discount::Collusion { group_size });
        }
    }

    // Lopsided pools: low-history voices that are far more often extreme, one way, than
    // the credible ones, however spread out in time (drip-fed praise, slow smears, rings
    // hiding among honest one-off diners). Compared as shares of extreme opinions, so
    // honest one-off reviewers mixed into the pool do not hide a campaign's excess.
    for (merchant, range) in &ranges {
        let cheap: Vec<usize> = range
            .clone()
            .filter(|&k| weights[k].credible < ESTABLISHED && weights[k].discounts.is_empty())
            .collect();
        let credible: Vec<usize> = range
            .clone()
            .filter(|&k| weights[k].credible >= ESTABLISHED && weights[k].discounts.is_empty())
            .collect();
        if cheap.len() < LOPSIDED_MIN || credible.len() < 3 {
            continue;
        }
        for direction in [Direction::Favours, Direction::Against] {
            let extreme = |k: usize| {
                let v = evidence.items[k].value;
                match direction {
                    Direction::Favours => v >= LOPSIDED_HIGH,
                    _ => v <= LOPSIDED_LOW,
                }
            };
            let share =
                |ks: &[usize]| ks.iter().filter(|&&k| extreme(k)).count() as f64 / ks.len() as f64;
            let (pc, pr) = (share(&cheap), share(&credible));
            let (nc, nr) = (cheap.len() as f64, credible.len() as f64);
            let pooled = (pc * nc + pr * nr) / (nc + nr);
            let se = (pooled * (1.0 - pooled) * (1.0 / nc + 1.0 / nr))
                .sqrt()
                .max(1e-9);
            let excess = (pc - pr) * nc;
            if pc - pr < LOPSIDED_EXCESS || (pc - pr) / se < LOPSIDED_Z || excess < 4.0 {
                continue;
            }
            let detail = || {
                format!(
                    "低活跃账号的评价中{:.0}%是{}（资深用户只有{:.0}%），多出约{:.0}条",
                    100.0 * pc,
                    if direction == Direction::Favours {
                        "满分好评"
                    } else {
                        "极端差评"
                    },
                    100.0 * pr,
                    excess
                )
            };
            for &k in cheap.iter().filter(|&&k| extreme(k)) {
                let e = &evidence.items[k];
                flags.add(
                    merchant,
                    FlagKind::Lopsided,
                    direction,
                    detail,
                    evidence.doc(e),
                );
                weights[k].discounts.push(Discount::Lopsided);
            }
        }
    }

    hygiene(corpus, evidence, &ranges, &weights, &mut flags);

    Assessment {
        credibility,
        weights,
        flags: flags.finish(),
    }
}

/// Hygiene and food-safety complaints, judged per merchant. Credible complaints raise the
/// `Hygiene` flag when they are more than a one-off: several distinct authors, well above
/// the category's usual rate for the merchant's volume. Complaints from low-history
/// accounts never do; a cluster of them is sent to review (`HygieneUnverified`). Neither
/// holds the merchant or caps its score: a complaint weighs like any opinion.
fn hygiene(
    corpus: &Corpus,
    evidence: &EvidenceSet,
    ranges: &BTreeMap<String, std::ops::Range<usize>>,
    weights: &[EvidenceWeight],
    flags: &mut Flags,
) {
    // The usual complaint rate per category in the merchant's city (judged within the city,
    // so that one city's analysis needs only its own documents: `crate::shard`).
    let mut rate: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
    for (merchant, range) in ranges {
        let Some(m) = corpus.merchants.get(merchant) else {
            continue;
        };
        let r = rate
            .entry((m.city.as_str(), m.category.as_str()))
            .or_default();
        for k in range.clone() {
            r.1 += 1.0;
            if evidence.items[k].hygiene_alert {
                r.0 += 1.0;
            }
        }
    }
    for (merchant, range) in ranges {
        let Some(m) = corpus.merchants.get(merchant) else {
            continue;
        };
        let complaints: Vec<usize> = range
            .clone()
            .filter(|&k| evidence.items[k].hygiene_alert && weights[k].kept() >= 0.5)
            .collect();
        if complaints.is_empty() {
            continue;
        }
        let (credible, cheap): (Vec<usize>, Vec<usize>) = complaints
            .iter()
            .partition(|&&k| weights[k].credible >= ESTABLISHED);
        let authors = |ks: &[usize]| {
            ks.iter()
                .map(|&k| evidence.doc(&evidence.items[k]).author_id.as_str())
                .collect::<BTreeSet<&str>>()
                .len()
        };
        let (hits, total) = rate
            .get(&(m.city.as_str(), m.category.as_str()))
            .copied()
            .unwrap_or((0.0, 1.0));
        let usual = hits / total.max(1.0) * range.len() as f64;
        let n = authors(&credible);
        if n >= HYGIENE_MIN_AUTHORS && n as f64 >= HYGIENE_RATE_FACTOR * usual {
            for &k in &credible {
                let e = &evidence.items[k];
                flags.add(
                    merchant,
                    FlagKind::Hygiene,
                    Direction::Neutral,
                    || format!("{n}位资深用户反映卫生或食品安全问题，高于同类店铺的常见水平"),
                    evidence.doc(e),
                );
            }
        }
        // Low-history complaints: only a cluster in time that stands out against what the
        // merchant's volume in that window would bring.
        let cheap_rate = hits / total.max(1.0);
        let time = |k: usize| evidence.doc(&evidence.items[k]).created_at;
        let mut cheap = cheap;
        cheap.sort_by_key(|&k| (time(k), k));
        let mut in_cluster = vec![false; cheap.len()];
        let mut start = 0;
        for end in 0..cheap.len() {
            while time(cheap[start]).days_until(time(cheap[end])) > HYGIENE_CLUSTER_DAYS {
                start += 1;
            }
            let window = &cheap[start..=end];
            let (from, to) = (time(window[0]), time(window[window.len() - 1]));
            let volume = range
                .clone()
                .filter(|&k| time(k) >= from && time(k) <= to)
                .count();
            if authors(window) >= HYGIENE_CLUSTER
                && window.len() as f64
                    >= HYGIENE_RATE_FACTOR * (cheap_rate * volume as f64).max(1.0)
            {
                in_cluster[start..=end].iter_mut().for_each(|c| *c = true);
            }
        }
        let clustered: Vec<usize> = cheap
            .iter()
            .zip(&in_cluster)
            .filter(|(_, &c)| c)
            .map(|(&k, _)| k)
            .collect();
        let c = authors(&clustered);
        for &k in &clustered {
            let e = &evidence.items[k];
            flags.add(
                merchant,
                FlagKind::HygieneUnverified,
                Direction::Against,
                || format!("{c}个低活跃账号在短时间内集中反映卫生或食品安全问题，待人工核实，不直接计入评分上限"),
                evidence.doc(e),
            );
        }
    }
}

/// The account's own merchant, or a branch of the same chain.
fn same_business(corpus: &Corpus, owner: &str, merchant: &str) -> bool {
    if owner == merchant {
        return true;
    }
    let brand = |id: &str| corpus.merchants.get(id).and_then(|m| m.brand.as_deref());
    matches!((brand(owner), brand(merchant)), (Some(a), Some(b)) if a == b)
}
