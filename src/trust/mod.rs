//! Trust: how much each piece of evidence counts.
//!
//! Credibility of the author ([`author`]), then discounts for what the evidence is part of:
//! commercial content ([`sponsored`]), a merchant speaking of itself or its rivals,
//! templated text ([`duplicate`]), bursts and attacks ([`burst`]), collusive groups
//! ([`collusion`]). Discounted evidence is kept, with the reason, so an audit can see it.
//!
//! Nothing here reads commercial data: the stage receives a [`Corpus`], which has none.

pub mod author;
pub mod burst;
pub mod collusion;
pub mod duplicate;
pub mod sponsored;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::corpus::{Corpus, Timestamp};
use crate::evidence::{Evidence, EvidenceSet};

pub use author::Credibility;
pub use sponsored::Commercial;

/// Why a piece of evidence counts less than its author's credibility says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Discount {
    /// Declared or undeclared commercial content: counts for nothing.
    Commercial { how: Commercial },
    /// Written by the merchant's own account (or its chain's): counts for nothing.
    SelfPromotion,
    /// A merchant account writing about another merchant: discarded.
    MerchantAccount { owner: String },
    /// Near-identical text used by several authors.
    Template { authors: usize },
    /// Part of a burst of praise from throwaway accounts.
    BoughtBurst,
    /// Part of a burst of scorn from throwaway accounts on a merchant with a good record.
    Attack,
    /// Written by a member of a collusive group about one of the group's targets.
    Collusion { group_size: usize },
}

impl Discount {
    /// The factor this discount applies to the evidence's weight.
    pub fn factor(&self) -> f64 {
        match self {
            Discount::Commercial { .. }
            | Discount::SelfPromotion
            | Discount::MerchantAccount { .. } => 0.0,
            Discount::Template { .. } => 0.1,
            Discount::BoughtBurst | Discount::Attack => 0.05,
            Discount::Collusion { .. } => 0.1,
        }
    }
}

/// How much one piece of evidence counts, before recency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceWeight {
    /// The author's credibility weight.
    pub credibility: f64,
    /// Bonus for a verified visit to this merchant.
    pub visit: f64,
    pub discounts: Vec<Discount>,
}

/// A verified visit makes an opinion count this much more.
const VISIT_BONUS: f64 = 1.5;

impl EvidenceWeight {
    /// Credibility × visit bonus × every discount.
    pub fn total(&self) -> f64 {
        self.discounts
            .iter()
            .fold(self.credibility * self.visit, |w, d| w * d.factor())
    }
}

/// What a flag says happened around a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    BoughtBurst,
    Attack,
    NegativeBurst,
    Template,
    Collusion,
    SoftAd,
    Sponsored,
    SelfPromotion,
    MerchantAccount,
    Hygiene,
}

impl FlagKind {
    /// Manipulation in the merchant's own favour: bought praise, templates, farms,
    /// undeclared ads, or its own account. Declared ads and attacks by others are not.
    pub fn favours_merchant(self) -> bool {
        matches!(
            self,
            FlagKind::BoughtBurst
                | FlagKind::Template
                | FlagKind::Collusion
                | FlagKind::SoftAd
                | FlagKind::SelfPromotion
        )
    }

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
            FlagKind::Hygiene => "卫生/食品安全投诉",
        }
    }
}

/// A reported finding about one merchant, with the documents behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    /// Plain Chinese: what was seen.
    pub detail: String,
    /// Ids of the notes and reviews involved, sorted.
    pub docs: Vec<String>,
}

/// The trust stage's result for a whole corpus.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    pub credibility: BTreeMap<String, Credibility>,
    /// One per evidence item, aligned with [`EvidenceSet::items`].
    pub weights: Vec<EvidenceWeight>,
    /// Flags per merchant, in [`FlagKind`] order.
    pub flags: BTreeMap<String, Vec<Flag>>,
}

/// Weighs every piece of evidence of `evidence` as of `as_of`.
pub fn assess(corpus: &Corpus, evidence: &EvidenceSet, as_of: Timestamp) -> Assessment {
    // Commercial content is set aside first: it must not build an author's history, hide a
    // burst or join a template, so that adding sponsored notes can never raise a score.
    let commercial = sponsored::detect(corpus, evidence);
    let credibility = author::credibility(corpus, evidence, as_of, &commercial);
    let mut weights: Vec<EvidenceWeight> = evidence
        .items
        .iter()
        .map(|e| {
            let d = evidence.doc(e);
            EvidenceWeight {
                credibility: credibility
                    .get(&d.author_id)
                    .map_or(0.0, |c| c.weight_at(d.created_at)),
                visit: if e.verified_visit { VISIT_BONUS } else { 1.0 },
                discounts: Vec::new(),
            }
        })
        .collect();
    let mut flags: BTreeMap<String, BTreeMap<FlagKind, (String, BTreeSet<String>)>> =
        BTreeMap::new();
    let mut flag = |merchant: &str, kind: FlagKind, detail: String, doc: &str| {
        let entry = flags
            .entry(merchant.to_string())
            .or_default()
            .entry(kind)
            .or_insert_with(|| (detail, BTreeSet::new()));
        entry.1.insert(doc.to_string());
    };

    // Commercial content and merchant accounts.
    for (k, e) in evidence.items.iter().enumerate() {
        let d = evidence.doc(e);
        if let Some(how) = commercial.get(&e.doc) {
            let (kind, detail) = match how {
                Commercial::Declared => (FlagKind::Sponsored, "平台标注为品牌合作的笔记".into()),
                Commercial::Marker(m) => {
                    (FlagKind::SoftAd, format!("笔记含“{m}”等合作字样却未声明"))
                }
                Commercial::Shape { notes_in_window } => (
                    FlagKind::SoftAd,
                    format!("同一博主两周内发了{notes_in_window}篇不同店铺的夸赞笔记"),
                ),
            };
            flag(&e.merchant_id, kind, detail, &d.id);
            weights[k]
                .discounts
                .push(Discount::Commercial { how: how.clone() });
        }
        let owner = corpus
            .authors
            .get(&d.author_id)
            .and_then(|a| a.merchant_id.as_deref());
        if let Some(owner) = owner {
            if same_business(corpus, owner, &e.merchant_id) {
                flag(
                    &e.merchant_id,
                    FlagKind::SelfPromotion,
                    "商家自己的账号评价自家或同品牌门店".into(),
                    &d.id,
                );
                weights[k].discounts.push(Discount::SelfPromotion);
            } else {
                flag(
                    &e.merchant_id,
                    FlagKind::MerchantAccount,
                    "其他商家的账号评价了这家店".into(),
                    &d.id,
                );
                weights[k].discounts.push(Discount::MerchantAccount {
                    owner: owner.to_string(),
                });
            }
        }
    }

    // Templates: the doc index → group size, applied to every item of those docs.
    let mut template_of: BTreeMap<usize, usize> = BTreeMap::new();
    for g in duplicate::detect(evidence, &commercial) {
        for &d in &g.docs {
            template_of.insert(d, g.authors);
        }
    }
    for (k, e) in evidence.items.iter().enumerate() {
        if let Some(&authors) = template_of.get(&e.doc) {
            flag(
                &e.merchant_id,
                FlagKind::Template,
                format!("{authors}个不同账号发了几乎相同的文字"),
                &evidence.doc(e).id,
            );
            weights[k].discounts.push(Discount::Template { authors });
        }
    }

    // Bursts, per merchant; items are sorted by merchant so slices map back by offset.
    let mut offset = 0;
    for (merchant, items) in evidence.by_merchant() {
        let honest: Vec<usize> = (0..items.len())
            .filter(|&i| !commercial.contains_key(&items[i].doc))
            .collect();
        let kept: Vec<Evidence> = honest.iter().map(|&i| items[i].clone()).collect();
        for b in burst::detect(evidence, &kept, &credibility) {
            let (kind, discount, detail) = match b.direction {
                burst::Direction::Praise => (
                    FlagKind::BoughtBurst,
                    Some(Discount::BoughtBurst),
                    format!(
                        "一周内集中出现{}条评价（平时约{:.1}条），多来自新注册或未实名账号，且几乎全是好评",
                        b.count, b.usual
                    ),
                ),
                burst::Direction::Attack => (
                    FlagKind::Attack,
                    Some(Discount::Attack),
                    format!(
                        "一周内集中出现{}条差评（平时约{:.1}条），多来自新注册账号，而这家店其余口碑良好",
                        b.count, b.usual
                    ),
                ),
                burst::Direction::Scorn => (
                    FlagKind::NegativeBurst,
                    None,
                    format!("一周内集中出现{}条差评（平时约{:.1}条）", b.count, b.usual),
                ),
            };
            for &j in &b.members {
                let i = honest[j];
                let k = offset + i;
                flag(merchant, kind, detail.clone(), &evidence.doc(&items[i]).id);
                if let Some(d) = &discount {
                    weights[k].discounts.push(d.clone());
                }
            }
        }
        offset += items.len();
    }

    // Collusive groups.
    let groups = collusion::detect(evidence, &credibility, &commercial);
    let mut target: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for g in &groups {
        for a in &g.authors {
            for m in &g.merchants {
                target.insert((a.as_str(), m.as_str()), g.authors.len());
            }
        }
    }
    for (k, e) in evidence.items.iter().enumerate() {
        let d = evidence.doc(e);
        if let Some(&group_size) = target.get(&(d.author_id.as_str(), e.merchant_id.as_str())) {
            flag(
                &e.merchant_id,
                FlagKind::Collusion,
                format!("{group_size}个账号总是一起评价同一批店"),
                &d.id,
            );
            weights[k]
                .discounts
                .push(Discount::Collusion { group_size });
        }
    }

    // Hygiene complaints are reported only from evidence that kept most of its weight: an
    // attack's invented 拉肚子 is not news about the kitchen.
    for (k, e) in evidence.items.iter().enumerate() {
        let kept = weights[k]
            .discounts
            .iter()
            .map(Discount::factor)
            .product::<f64>();
        if e.hygiene_alert && kept >= 0.5 {
            flag(
                &e.merchant_id,
                FlagKind::Hygiene,
                "有人反映卫生或食品安全问题".into(),
                &evidence.doc(e).id,
            );
        }
    }

    let flags = flags
        .into_iter()
        .map(|(m, kinds)| {
            let list = kinds
                .into_iter()
                .map(|(kind, (detail, docs))| Flag {
                    kind,
                    detail,
                    docs: docs.into_iter().collect(),
                })
                .collect();
            (m, list)
        })
        .collect();
    Assessment {
        credibility,
        weights,
        flags,
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
