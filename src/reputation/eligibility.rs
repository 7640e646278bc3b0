//! Whether a merchant may be listed at all, and why not.

use serde::Serialize;

use crate::corpus::{CurationDecision, Decision, Merchant, MerchantStatus};
use crate::reputation::ScoringConfig;
use crate::trust::FlagKind;

/// Why a merchant is not eligible.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Ineligible {
    /// The merchant closed for good.
    Closed,
    /// The merchant is temporarily closed.
    Suspended,
    /// A human reviewer excluded it.
    Excluded {
        /// The reviewer's id.
        by: String,
        /// The reviewer's reason.
        note: String,
    },
    /// A human reviewer holds it for review.
    Held {
        /// The reviewer's id.
        by: String,
        /// The reviewer's reason.
        note: String,
    },
    /// Manipulation in its favour was found: held until a human reviewer approves it.
    UnderReview {
        /// The flags that hold it, in kind order.
        flags: Vec<FlagKind>,
    },
    /// Too little credible word of mouth to judge.
    TooLittleEvidence {
        /// The credible weight the merchant has.
        credible_weight: f64,
        /// The weight it needs ([`ScoringConfig::min_evidence_weight`]).
        needed: f64,
    },
}

impl Ineligible {
    /// The reason in plain Chinese.
    pub fn explain_zh(&self) -> String {
        match self {
            Ineligible::Closed => "门店已关闭".into(),
            Ineligible::Suspended => "门店暂停营业".into(),
            Ineligible::Excluded { by, note } => format!("人工复核排除（{by}：{note}）"),
            Ineligible::Held { by, note } => format!("人工复核暂缓（{by}：{note}）"),
            Ineligible::UnderReview { flags } => {
                let names: Vec<&str> = flags.iter().map(|f| f.label_zh()).collect();
                format!("疑似操纵口碑（{}），待人工复核", names.join("、"))
            }
            Ineligible::TooLittleEvidence {
                credible_weight,
                needed,
            } => format!("可信口碑太少（{credible_weight:.1}，至少需要{needed:.1}）"),
        }
    }
}

/// `None` when eligible. `held_for`: the favour flags that hold the merchant (material,
/// and not covered by an approval made after their documents). An approval lets a merchant
/// through review but cannot make up for a closed door or missing evidence, never covers
/// manipulation found after it, and never changes its score. Flags against a merchant
/// never reach this function: an attack cannot make a shop ineligible.
pub fn check(
    merchant: &Merchant,
    credible_weight: f64,
    decision: Option<&&CurationDecision>,
    held_for: &[FlagKind],
    config: &ScoringConfig,
) -> Option<Ineligible> {
    match merchant.status {
        MerchantStatus::Closed => return Some(Ineligible::Closed),
        MerchantStatus::Suspended => return Some(Ineligible::Suspended),
        MerchantStatus::Open => {}
    }
    match decision.map(|d| (d.decision, d)) {
        Some((Decision::Exclude, d)) => {
            return Some(Ineligible::Excluded {
                by: d.by.clone(),
                note: d.reason.clone(),
            })
        }
        Some((Decision::Hold, d)) => {
            return Some(Ineligible::Held {
                by: d.by.clone(),
                note: d.reason.clone(),
            })
        }
        Some((Decision::Approve, _)) | None => {
            if !held_for.is_empty() {
                return Some(Ineligible::UnderReview {
                    flags: held_for.to_vec(),
                });
            }
        }
    }
    (credible_weight < config.min_evidence_weight).then(|| Ineligible::TooLittleEvidence {
        credible_weight: (credible_weight * 100.0).round() / 100.0,
        needed: config.min_evidence_weight,
    })
}
