//! Data-driven cases for the trust stage: every folder under `tests/cases/trust/` is a
//! scenario (a batch of corpus files applied onto the town of `tests/cases/town/`) with
//! the flags and discounts its `expect.txt` says the rules must give. The expectations
//! were written from the rules (`src/trust/`), not from the program's output; the format
//! is in `tests/cases/README.md`. Directives:
//!
//! - `flags: MERCHANT KIND/DIRECTION …` — exactly these flags (`none` for none)
//! - `flag-docs: MERCHANT KIND DOC …` — the flag of that kind names exactly these documents
//! - `discount: DOC MERCHANT KIND …` — the document's evidence about the merchant carries
//!   exactly these discounts (`none` for none)
//! - `established: AUTHOR yes|no` — whether trust counts the account as established (its
//!   word credible, not in the bounded pool of cheap voices)

#[allow(dead_code)]
#[path = "common/cases.rs"]
mod cases;

use std::path::Path;

use jingxuan::Analysis;

/// The `snake_case` name a kind serialises to (`bought_burst`, `self_promotion`, …).
fn name_of<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => o
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("?")
            .to_string(),
        _ => "?".into(),
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn expected(words: &[&str]) -> Vec<String> {
    if words == ["none"] {
        Vec::new()
    } else {
        sorted(words.iter().map(|w| w.to_string()).collect())
    }
}

fn check(dir: &Path) -> Result<(), String> {
    let expect = cases::Expect::read(dir)?;
    let analysis = cases::analyse(dir, &expect)?;
    let mut errors = Vec::new();
    for (line, key, value) in &expect.directives {
        let w = cases::words(value);
        let result = match key.as_str() {
            "as_of" => Ok(()),
            "flags" if w.len() >= 2 => flags(&analysis, w[0], &w[1..]),
            "flag-docs" if w.len() >= 3 => flag_docs(&analysis, w[0], w[1], &w[2..]),
            "discount" if w.len() >= 3 => discount(&analysis, w[0], w[1], &w[2..]),
            "established" if w.len() == 2 => established(&analysis, w[0], w[1]),
            _ => Err(format!("unknown or malformed directive {key}: {value}")),
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

fn flags(a: &Analysis, merchant: &str, want: &[&str]) -> Result<(), String> {
    let view = a.merchant(merchant).map_err(|e| e.to_string())?;
    let got = sorted(
        view.flags()
            .iter()
            .map(|f| format!("{}/{}", name_of(&f.kind), name_of(&f.direction)))
            .collect(),
    );
    let want = expected(want);
    (got == want)
        .then_some(())
        .ok_or_else(|| format!("flags are {got:?}"))
}

fn flag_docs(a: &Analysis, merchant: &str, kind: &str, want: &[&str]) -> Result<(), String> {
    let view = a.merchant(merchant).map_err(|e| e.to_string())?;
    let flag = view
        .flags()
        .iter()
        .find(|f| name_of(&f.kind) == kind)
        .ok_or_else(|| format!("no {kind} flag; flags: {:?}", view.flags()))?;
    let want = expected(want);
    (flag.docs == want)
        .then_some(())
        .ok_or_else(|| format!("the flag names {:?}", flag.docs))
}

fn discount(a: &Analysis, doc: &str, merchant: &str, want: &[&str]) -> Result<(), String> {
    let view = a.merchant(merchant).map_err(|e| e.to_string())?;
    let item = view
        .evidence()
        .find(|item| item.doc.id == doc)
        .ok_or_else(|| format!("{doc} is not evidence about {merchant}"))?;
    let got = sorted(item.weight.discounts.iter().map(name_of).collect());
    let want = expected(want);
    (got == want)
        .then_some(())
        .ok_or_else(|| format!("discounts are {:?}", item.weight.discounts))
}

fn established(a: &Analysis, author: &str, want: &str) -> Result<(), String> {
    let c = a
        .trust()
        .credibility
        .get(author)
        .ok_or_else(|| format!("no credibility for {author}"))?;
    let want = match want {
        "yes" => true,
        "no" => false,
        other => return Err(format!("want yes or no, got {other}")),
    };
    // The share from which trust counts a word as credible (`trust::ESTABLISHED`).
    let got = c.established() >= 0.5;
    (got == want)
        .then_some(())
        .ok_or_else(|| format!("established() is {:.2}: {c:?}", c.established()))
}

#[test]
fn trust_cases() {
    cases::run_area("trust", 8, check);
}

/// The town every case is applied onto is clean: honest locals, no finding. A case's
/// flags are then its own scenario's.
#[test]
fn the_town_alone_raises_no_flag() {
    let town = cases::area_dir("town");
    let expect = cases::Expect { directives: vec![] };
    // The town's own folder as the "case": applying it twice changes nothing (edits).
    let a = cases::analyse(&town, &expect).expect("town loads");
    let flagged: Vec<_> = a.trust().flags.iter().collect();
    assert!(flagged.is_empty(), "{flagged:?}");
    let discounted = a
        .trust()
        .weights
        .iter()
        .filter(|w| !w.discounts.is_empty())
        .count();
    assert_eq!(discounted, 0);
    for i in 1..=14 {
        let id = format!("u-local-{i:02}");
        let c = a.trust().credibility.get(&id).expect("local");
        assert!(c.established() >= 0.5, "{id}: {c:?}");
    }
}

/// The assessment finds commercial documents and programme mentions in one search of each
/// text (`detect_with_programmes`): the same as `detect`, then `programmes_in` of its result.
#[test]
fn one_search_finds_what_detect_and_programmes_in_find() {
    use jingxuan::trust::sponsored;
    // `tiny` holds a 霸王餐 review; `demo` declared and undeclared sponsored notes.
    for dir in ["fixtures/tiny", "fixtures/demo"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let loaded = jingxuan::corpus::load(&path, &Default::default()).unwrap();
        let engine = jingxuan::Engine::for_corpus(&loaded.corpus).unwrap();
        let analysis: Analysis = engine.analyze(loaded.corpus, None);
        let (corpus, evidence) = (analysis.corpus(), analysis.evidence());
        let commercial = sponsored::detect(corpus, evidence);
        let programmes = sponsored::programmes_in(evidence, &commercial);
        // Each fixture holds what it is here for.
        if dir.ends_with("tiny") {
            assert!(!programmes.is_empty());
        } else {
            assert!(!commercial.is_empty());
        }
        assert_eq!(
            sponsored::detect_with_programmes(corpus, evidence),
            (commercial, programmes),
            "{dir}"
        );
    }
}
