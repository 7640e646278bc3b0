//! Data-driven cases for the reputation stage: every folder under
//! `tests/cases/reputation/` is a scenario (a batch of corpus files applied onto the town
//! of `tests/cases/town/`) with the eligibility and ordering its `expect.txt` says the rules
//! must give. The expectations were written from the rules (`src/reputation/`), not from
//! the program's output; the format is in `tests/cases/README.md`. Directives:
//!
//! - `eligible: MERCHANT` — on the city's board and eligible
//! - `ineligible: MERCHANT REASON` — not eligible, for this reason (`closed`, `suspended`,
//!   `excluded`, `held`, `under_review`, `too_little_evidence`)
//! - `held-for: MERCHANT KIND …` — held for review (`under_review`) by exactly these flags
//! - `above: A B` — A's score is higher than B's (so A ranks above B)
//! - `same-score: A B` — the two scores are equal
//! - `flagged: MERCHANT KIND` — the merchant carries a flag of this kind (so that a case
//!   about what a finding does is known to have the finding)

#[allow(dead_code)]
#[path = "common/cases.rs"]
mod cases;

use std::path::Path;

use jingxuan::reputation::{Ineligible, MerchantScore};
use jingxuan::Analysis;

/// The `snake_case` name a value serialises to, or its `tag` field's.
fn name_of<T: serde::Serialize>(v: &T, tag: &str) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get(tag)
            .and_then(|k| k.as_str())
            .unwrap_or("?")
            .to_string(),
        _ => "?".into(),
    }
}

fn score(a: &Analysis, merchant: &str) -> Result<MerchantScore, String> {
    a.merchant(merchant)
        .and_then(|m| m.score())
        .map_err(|e| e.to_string())
}

fn check(dir: &Path) -> Result<(), String> {
    let expect = cases::Expect::read(dir)?;
    let analysis = cases::analyse(dir, &expect)?;
    let mut errors = Vec::new();
    for (line, key, value) in &expect.directives {
        let w = cases::words(value);
        let result = match (key.as_str(), w.as_slice()) {
            ("as_of", _) => Ok(()),
            ("eligible", [m]) => score(&analysis, m).and_then(|s| {
                s.eligible
                    .then_some(())
                    .ok_or_else(|| format!("ineligible: {:?}", s.ineligible))
            }),
            ("ineligible", [m, reason]) => score(&analysis, m).and_then(|s| match &s.ineligible {
                Some(why) if name_of(why, "reason") == *reason => Ok(()),
                other => Err(format!("eligible: {}, why not: {other:?}", s.eligible)),
            }),
            ("held-for", [m, kinds @ ..]) if !kinds.is_empty() => {
                score(&analysis, m).and_then(|s| match &s.ineligible {
                    Some(Ineligible::UnderReview { flags }) => {
                        let got: Vec<String> = flags.iter().map(|f| name_of(f, "")).collect();
                        (got == kinds)
                            .then_some(())
                            .ok_or_else(|| format!("held for {got:?}"))
                    }
                    other => Err(format!("not held for review: {other:?}")),
                })
            }
            ("above", [a, b]) => score(&analysis, a).and_then(|sa| {
                let sb = score(&analysis, b)?;
                (sa.score > sb.score)
                    .then_some(())
                    .ok_or_else(|| format!("scores {} and {}", sa.score, sb.score))
            }),
            ("same-score", [a, b]) => score(&analysis, a).and_then(|sa| {
                let sb = score(&analysis, b)?;
                (sa.score == sb.score && sa.mean == sb.mean)
                    .then_some(())
                    .ok_or_else(|| format!("scores {} and {}", sa.score, sb.score))
            }),
            ("flagged", [m, kind]) => score(&analysis, m).and_then(|s| {
                s.flags
                    .iter()
                    .any(|f| name_of(&f.kind, "") == *kind)
                    .then_some(())
                    .ok_or_else(|| format!("flags: {:?}", s.flags))
            }),
            _ => Err("unknown or malformed directive".to_string()),
        };
        if let Err(e) = result {
            errors.push(format!("expect.txt:{line}: {key}: {value}\n    {e}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

#[test]
fn reputation_cases() {
    cases::run_area("reputation", 6, check);
}
