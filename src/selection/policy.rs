//! The selection policy: every knob of the list, with documented defaults, loadable from
//! TOML or JSON. No knob can favour a merchant: they shape the list as a whole.

use serde::{Deserialize, Serialize};

use crate::error::{Result, UserError};

/// Which candidates go to human review (人工复核) instead of straight onto the list. A
/// merchant a reviewer approved never waits in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReviewMode {
    /// No queue: merchants held for manipulation found in their favour are simply left out.
    None,
    /// Merchants entering the list for the first time (not on the previous list).
    New,
    /// Merchants with manipulation found in their favour (the default).
    #[default]
    Flagged,
    /// Every pick, until approved.
    All,
}

/// How the list is chosen. Every field has a default, so `{}` (or an empty TOML file) is
/// the default policy.
///
/// ```
/// use jingxuan::selection::{ReviewMode, SelectionPolicy};
///
/// let p = SelectionPolicy::from_toml_str("limit = 20\nmax_per_brand = 2\nrequire_review = \"new\"")?;
/// assert_eq!(p.limit, 20);
/// assert_eq!(p.max_category_share, 0.35);
/// assert_eq!(p.require_review, ReviewMode::New);
/// # Ok::<(), jingxuan::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectionPolicy {
    /// Stores on the list. Default 30.
    pub limit: usize,
    /// The quality bar: minimum reputation score (0–100). Default 60.
    pub min_score: f64,
    /// Minimum credible evidence weight (roughly: credible opinions). Default 3.
    pub min_credible_weight: f64,
    /// No top-level category (美食, 饮品, …) may hold more than this share of the list.
    /// Default 0.35.
    pub max_category_share: f64,
    /// At most this many branches of one brand. Default 1: independent shops get room.
    pub max_per_brand: usize,
    /// Give every top-level group with qualified supply a place before filling by score.
    /// Default true.
    pub cover_categories: bool,
    /// Give every district with qualified supply a place before filling by score.
    /// Default true.
    pub cover_districts: bool,
    /// H3 resolution of the map cells used to spread picks where coordinates exist
    /// (7 ≈ 5 km², 8 ≈ 0.7 km²). Default 7.
    pub h3_resolution: u8,
    /// How strongly a pick's score is reduced for each earlier pick sharing its category,
    /// district or map cell, in score points (maximal marginal relevance). Default 2.
    pub diversity: f64,
    /// A query for lists made under this policy when the request has none: a query
    /// belongs to a request ([`ListRequest::query`](super::ListRequest::query), which wins);
    /// this field stays so that policy files carrying one still read. Default none.
    pub query: Option<String>,
    /// Share of relevance in the blended rank of a query-driven list (0–1). Default 0.3.
    pub query_weight: f64,
    /// Who waits for human review. Default `flagged`.
    pub require_review: ReviewMode,
    /// Hysteresis, in score points: a merchant on the previous list stays while it is no
    /// more than this below the bar, and a newcomer must beat it by this much to replace
    /// it. Default 3.
    pub stability_margin: f64,
    /// Qualified merchants wanted in every district × top-level category; fewer is a gap
    /// in the supply report. Default 2.
    pub gap_target: usize,
}

impl Default for SelectionPolicy {
    fn default() -> Self {
        SelectionPolicy {
            limit: 30,
            min_score: 60.0,
            min_credible_weight: 3.0,
            max_category_share: 0.35,
            max_per_brand: 1,
            cover_categories: true,
            cover_districts: true,
            h3_resolution: 7,
            diversity: 2.0,
            query: None,
            query_weight: 0.3,
            require_review: ReviewMode::Flagged,
            stability_margin: 3.0,
            gap_target: 2,
        }
    }
}

impl SelectionPolicy {
    /// Reads a policy from TOML; missing fields take their defaults, unknown ones are an
    /// error (a misspelt knob must not be silently ignored).
    pub fn from_toml_str(text: &str) -> Result<SelectionPolicy> {
        let p: SelectionPolicy = toml::from_str(text).map_err(|e| UserError::InvalidArgument {
            what: "policy (TOML)".into(),
            reason: e.to_string().trim().to_string(),
        })?;
        p.validated()
    }

    /// Reads a policy from JSON, like [`from_toml_str`](Self::from_toml_str).
    pub fn from_json_str(text: &str) -> Result<SelectionPolicy> {
        let p: SelectionPolicy =
            serde_json::from_str(text).map_err(|e| UserError::InvalidArgument {
                what: "policy (JSON)".into(),
                reason: e.to_string(),
            })?;
        p.validated()
    }

    /// The longest list a policy may ask for. A city's list is read by people; a limit
    /// past this is a mistake (or a request passed through unchecked), and an unbounded one
    /// would let one request hold the engine's memory and time.
    pub const MAX_LIMIT: usize = 10_000;

    /// The longest `query`, in characters.
    pub const MAX_QUERY_CHARS: usize = 1_000;

    /// Checks the ranges of every knob, returning the policy.
    pub fn validated(self) -> Result<SelectionPolicy> {
        self.validate()?;
        Ok(self)
    }

    /// Checks the ranges of every knob: a [`UserError::InvalidArgument`] naming the first
    /// field out of range. Every library entry point that selects calls it, so a policy
    /// built in code (fields are public) is held to the same bounds as one parsed from a
    /// file.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, reason: String| -> Result<()> {
            Err(UserError::InvalidArgument {
                what: format!("policy field {what}"),
                reason,
            }
            .into())
        };
        let max = Self::MAX_LIMIT;
        // A limit of 0 asks for an empty list (the review queue and gaps still come).
        for (name, v, lo) in [
            ("limit", self.limit, 0),
            ("max_per_brand", self.max_per_brand, 1),
            ("gap_target", self.gap_target, 0),
        ] {
            if !(lo..=max).contains(&v) {
                return bad(name, format!("must be {lo} to {max}, got {v}"));
            }
        }
        // `contains` is false for NaN, so every range check below also refuses NaN.
        if !(self.max_category_share > 0.0 && self.max_category_share <= 1.0) {
            return bad(
                "max_category_share",
                format!("must be in (0, 1], got {}", self.max_category_share),
            );
        }
        if self.h3_resolution > 15 {
            return bad(
                "h3_resolution",
                format!("must be 0 to 15, got {}", self.h3_resolution),
            );
        }
        for (name, v, hi) in [
            ("query_weight", self.query_weight, 1.0),
            ("min_score", self.min_score, 100.0),
            ("diversity", self.diversity, 100.0),
            ("stability_margin", self.stability_margin, 100.0),
            ("min_credible_weight", self.min_credible_weight, 1e9),
        ] {
            if !(0.0..=hi).contains(&v) {
                return bad(name, format!("must be a number from 0 to {hi}, got {v}"));
            }
        }
        check_query(self.query.as_deref(), "policy field query")
    }
}

/// A query is not blank and at most [`SelectionPolicy::MAX_QUERY_CHARS`] characters.
pub(super) fn check_query(query: Option<&str>, what: &str) -> Result<()> {
    let Some(q) = query else {
        return Ok(());
    };
    let bad = |reason: String| {
        Err(UserError::InvalidArgument {
            what: what.into(),
            reason,
        }
        .into())
    };
    if q.trim().is_empty() {
        return bad("must not be empty".into());
    }
    let chars = q.chars().count();
    if chars > SelectionPolicy::MAX_QUERY_CHARS {
        return bad(format!(
            "is {chars} characters; at most {} are accepted",
            SelectionPolicy::MAX_QUERY_CHARS
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_documents_are_the_default_policy() {
        assert_eq!(
            SelectionPolicy::from_toml_str("").unwrap(),
            SelectionPolicy::default()
        );
        assert_eq!(
            SelectionPolicy::from_json_str("{}").unwrap(),
            SelectionPolicy::default()
        );
    }

    #[test]
    fn misspelt_or_out_of_range_knobs_are_user_errors() {
        let e = SelectionPolicy::from_toml_str("limt = 3").unwrap_err();
        assert!(e.is_user_error());
        assert!(e.to_string().contains("limt"), "{e}");
        assert!(SelectionPolicy::from_json_str(r#"{"max_category_share": 1.5}"#).is_err());
        assert!(SelectionPolicy::from_json_str(r#"{"max_per_brand": 0}"#).is_err());
        assert!(SelectionPolicy::from_json_str(r#"{"require_review": "sometimes"}"#).is_err());
    }

    #[test]
    fn every_numeric_knob_is_bounded() {
        let limit = SelectionPolicy::MAX_LIMIT;
        let cases: Vec<(&str, SelectionPolicy)> = vec![
            (
                "limit",
                SelectionPolicy {
                    limit: limit + 1,
                    ..Default::default()
                },
            ),
            (
                "limit",
                SelectionPolicy {
                    limit: usize::MAX,
                    ..Default::default()
                },
            ),
            (
                "max_per_brand",
                SelectionPolicy {
                    max_per_brand: usize::MAX,
                    ..Default::default()
                },
            ),
            (
                "gap_target",
                SelectionPolicy {
                    gap_target: usize::MAX,
                    ..Default::default()
                },
            ),
            (
                "max_category_share",
                SelectionPolicy {
                    max_category_share: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "min_score",
                SelectionPolicy {
                    min_score: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "min_score",
                SelectionPolicy {
                    min_score: 101.0,
                    ..Default::default()
                },
            ),
            (
                "min_credible_weight",
                SelectionPolicy {
                    min_credible_weight: f64::INFINITY,
                    ..Default::default()
                },
            ),
            (
                "diversity",
                SelectionPolicy {
                    diversity: -1.0,
                    ..Default::default()
                },
            ),
            (
                "diversity",
                SelectionPolicy {
                    diversity: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "stability_margin",
                SelectionPolicy {
                    stability_margin: 1e300,
                    ..Default::default()
                },
            ),
            (
                "query_weight",
                SelectionPolicy {
                    query_weight: f64::NAN,
                    ..Default::default()
                },
            ),
            (
                "query",
                SelectionPolicy {
                    query: Some("咖".repeat(1_001)),
                    ..Default::default()
                },
            ),
        ];
        for (field, p) in cases {
            let e = p.validate().unwrap_err();
            assert!(e.is_user_error());
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        let edge = SelectionPolicy {
            limit,
            max_per_brand: limit,
            gap_target: 0,
            min_score: 100.0,
            ..Default::default()
        };
        assert!(edge.validate().is_ok());
    }
}
