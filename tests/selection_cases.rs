//! Data-driven cases for selection: every folder under `tests/cases/selection/` is a
//! scenario (a batch of corpus files applied onto the town of `tests/cases/town/`) with the
//! list its `expect.txt` says the policy must give for 杭州. The expectations were written
//! from the rules (`src/selection/`), not from the program's output; the format is in
//! `tests/cases/README.md`. Directives:
//!
//! - `policy: TOML` — one line of the policy (all lines together are read as TOML; the
//!   default policy without any)
//! - `list: MERCHANT …` — exactly these stores are listed (in any order)
//! - `listed: MERCHANT …` / `not-listed: MERCHANT …` — each is (is not) on the list
//! - `count: N` — the list has N stores
//! - `before: A B` — both listed, A in a better place than B
//! - `at-most: brand|category|district NAME N` — at most N stores of that brand, top-level
//!   category or district
//! - `queued: MERCHANT` / `not-queued: MERCHANT` — in (not in) the review queue
//! - `relaxed: none` or `relaxed: CONSTRAINT FROM TO` — the relaxations made
//! - `gaps: N`, `gap: DISTRICT CATEGORY SHORTFALL`, `first-gap: DISTRICT CATEGORY`
//! - `score-above: A B` — A's reputation score is higher (so a case about a lower-scoring
//!   pick is known to be one)
//! - `score-gap-below: A B POINTS` / `score-gap-at-least: A B POINTS` — A's score is
//!   above B's by less than (at least) POINTS: a case about the stability margin is known
//!   to be within (beyond) it
//!
//! The request: `previous: MERCHANT …` (the list published last time) and `query: WORDS`.
//! What changed against it: `entered: MERCHANT …` / `left: MERCHANT …` (exact sets, or
//! `none`).

#[allow(dead_code)]
#[path = "common/cases.rs"]
mod cases;

use std::path::Path;

use jingxuan::selection::{ListRequest, Selection, SelectionPolicy};
use jingxuan::Analysis;

const CITY: &str = "杭州";

fn place(list: &Selection, merchant: &str) -> Option<usize> {
    list.stores
        .iter()
        .find(|p| p.merchant_id == merchant)
        .map(|p| p.rank)
}

fn ids(list: &Selection) -> Vec<&str> {
    list.stores.iter().map(|p| p.merchant_id.as_str()).collect()
}

fn ok_if(cond: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(why())
    }
}

fn score(a: &Analysis, merchant: &str) -> Result<f64, String> {
    a.merchant(merchant)
        .and_then(|m| m.score())
        .map(|s| s.score)
        .map_err(|e| e.to_string())
}

fn directive(a: &Analysis, list: &Selection, key: &str, w: &[&str]) -> Result<(), String> {
    let listed = || format!("the list is {:?}", ids(list));
    match (key, w) {
        ("as_of" | "policy" | "previous" | "query", _) => Ok(()),
        ("entered" | "left", want) => {
            let changes = if key == "entered" {
                &list.entered
            } else {
                &list.left
            };
            let mut got: Vec<&str> = changes.iter().map(|c| c.merchant_id.as_str()).collect();
            got.sort();
            let mut want: Vec<&str> = want.iter().copied().filter(|m| *m != "none").collect();
            want.sort();
            ok_if(got == want, || format!("{key} were {got:?}; {}", listed()))
        }
        ("score-gap-below" | "score-gap-at-least", [x, y, points]) => {
            let points: f64 = points.parse().map_err(|_| "POINTS is not a number")?;
            let (sx, sy) = (score(a, x)?, score(a, y)?);
            let within = sx - sy < points;
            ok_if(sx > sy && within == (key == "score-gap-below"), || {
                format!("{x} scores {sx:.2}, {y} {sy:.2}")
            })
        }
        ("list", want) => {
            let mut got = ids(list);
            got.sort();
            let mut want = want.to_vec();
            want.sort();
            ok_if(got == want, listed)
        }
        ("listed", ms) => ms
            .iter()
            .try_for_each(|m| ok_if(place(list, m).is_some(), listed)),
        ("not-listed", ms) => ms
            .iter()
            .try_for_each(|m| ok_if(place(list, m).is_none(), listed)),
        ("count", [n]) => ok_if(list.stores.len().to_string() == *n, listed),
        ("before", [x, y]) => match (place(list, x), place(list, y)) {
            (Some(px), Some(py)) => ok_if(px < py, listed),
            _ => Err(listed()),
        },
        ("at-most", [what, name, n]) => {
            let n: usize = n.parse().map_err(|e| format!("{n}: {e}"))?;
            let of = |merchant: &str| -> Option<String> {
                let m = a.corpus().merchants.get(merchant)?;
                match *what {
                    "brand" => m.brand.clone(),
                    "category" => Some(m.top_category().to_string()),
                    "district" => m.district.clone(),
                    _ => None,
                }
            };
            let got = ids(list)
                .iter()
                .filter(|m| of(m).as_deref() == Some(*name))
                .count();
            ok_if(got <= n, || format!("{got} of {what} {name}; {}", listed()))
        }
        ("queued" | "not-queued", [m]) => {
            let queued = list.review_queue.iter().any(|q| q.merchant_id == *m);
            ok_if(queued == (key == "queued"), || {
                format!("review queue: {:?}", list.review_queue)
            })
        }
        ("relaxed", ["none"]) => ok_if(list.relaxed.is_empty(), || {
            format!("relaxed: {:?}", list.relaxed)
        }),
        ("relaxed", [constraint, from, to]) => {
            let (from, to): (f64, f64) = (
                from.parse().map_err(|e| format!("{from}: {e}"))?,
                to.parse().map_err(|e| format!("{to}: {e}"))?,
            );
            let got: Vec<_> = list
                .relaxed
                .iter()
                .map(|r| (r.constraint.as_str(), r.from, r.to))
                .collect();
            ok_if(got == [(*constraint, from, to)], || {
                format!("relaxed: {got:?}")
            })
        }
        ("gaps", [n]) => ok_if(list.gaps.len().to_string() == *n, || {
            format!("gaps: {:?}", list.gaps)
        }),
        ("gap", [district, category, shortfall]) => ok_if(
            list.gaps.iter().any(|g| {
                g.district == *district
                    && g.category == *category
                    && g.shortfall.to_string() == *shortfall
            }),
            || format!("gaps: {:?}", list.gaps),
        ),
        ("first-gap", [district, category]) => ok_if(
            list.gaps
                .first()
                .is_some_and(|g| g.district == *district && g.category == *category),
            || format!("gaps: {:?}", list.gaps),
        ),
        ("score-above", [x, y]) => {
            let (sx, sy) = (score(a, x)?, score(a, y)?);
            ok_if(sx > sy, || format!("scores {sx} and {sy}"))
        }
        _ => Err("unknown or malformed directive".into()),
    }
}

fn check(dir: &Path) -> Result<(), String> {
    let expect = cases::Expect::read(dir)?;
    let analysis = cases::analyse(dir, &expect)?;
    let toml: Vec<&str> = expect
        .directives
        .iter()
        .filter(|(_, k, _)| k == "policy")
        .map(|(_, _, v)| v.as_str())
        .collect();
    let policy = SelectionPolicy::from_toml_str(&toml.join("\n")).map_err(|e| e.to_string())?;
    let request_line = |key: &str| {
        expect
            .directives
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| v.as_str())
    };
    let previous: Option<Vec<String>> =
        request_line("previous").map(|v| cases::words(v).iter().map(|w| w.to_string()).collect());
    let request = ListRequest {
        previous: previous.as_deref(),
        query: request_line("query"),
    };
    let list = analysis
        .select(CITY, &policy, &request)
        .map_err(|e| e.to_string())?;
    let mut errors = Vec::new();
    for (line, key, value) in &expect.directives {
        if let Err(e) = directive(&analysis, &list, key, &cases::words(value)) {
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
fn selection_cases() {
    cases::run_area("selection", 6, check);
}
