//! Data-driven sentiment cases: `tests/cases/sentiment/cases.tsv`, one case per line (the
//! file's header says how checks are written).

use jingxuan::evidence::{Aspect, ReturnIntent, SentimentModel, TextEvidence};
use jingxuan::text::Analyzer;

fn check(ev: &TextEvidence, check: &str) -> Result<(), String> {
    let p = ev.polarity;
    if let Some(x) = check.strip_prefix("p<") {
        let x: f32 = x.parse().map_err(|_| format!("bad bound {check}"))?;
        return if p < x {
            Ok(())
        } else {
            Err(format!("polarity {p:.3} not < {x}"))
        };
    }
    if let Some(x) = check.strip_prefix("p>") {
        let x: f32 = x.parse().map_err(|_| format!("bad bound {check}"))?;
        return if p > x {
            Ok(())
        } else {
            Err(format!("polarity {p:.3} not > {x}"))
        };
    }
    if let Some(w) = check.strip_prefix("cue:") {
        return if ev.cues.iter().any(|c| c.word == w) {
            Ok(())
        } else {
            Err(format!("no cue {w}"))
        };
    }
    if let Some(r) = check.strip_prefix("return:") {
        let want = match r {
            "+" => Some(ReturnIntent::WillReturn),
            "-" => Some(ReturnIntent::WontReturn),
            "0" => None,
            _ => return Err(format!("bad check {check}")),
        };
        return if ev.return_intent == want {
            Ok(())
        } else {
            Err(format!(
                "return intent {:?}, want {want:?}",
                ev.return_intent
            ))
        };
    }
    match check {
        "alert" if ev.hygiene_alert => return Ok(()),
        "!alert" if !ev.hygiene_alert => return Ok(()),
        "alert" | "!alert" => return Err(format!("hygiene_alert is {}", ev.hygiene_alert)),
        _ => {}
    }
    if let Some((name, sign)) = check.split_once(':') {
        let aspect = Aspect::from_name(name).ok_or_else(|| format!("bad check {check}"))?;
        let got = ev.aspects.get(&aspect).map(|a| a.polarity);
        let ok = match (sign, got) {
            ("+", Some(x)) => x > 0.0,
            ("-", Some(x)) => x < 0.0,
            ("+" | "-", None) => false,
            _ => return Err(format!("bad check {check}")),
        };
        return if ok {
            Ok(())
        } else {
            Err(format!("{name} is {got:?}, want {sign}"))
        };
    }
    Err(format!("bad check {check}"))
}

#[test]
fn sentiment_cases() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/sentiment/cases.tsv"
    );
    let src = std::fs::read_to_string(path).expect("cases file");
    let model = SentimentModel::new().expect("lexicons load");
    let analyzer = Analyzer::default();
    let mut failures = Vec::new();
    let mut n = 0;
    for (i, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        n += 1;
        let mut fields = line.split('\t');
        let text = fields.next().unwrap_or_default();
        let sign = fields
            .next()
            .unwrap_or_else(|| panic!("cases.tsv:{}: no sign", i + 1));
        let ev = model.analyze(&analyzer.analyze(text), text);
        let sign_ok = match sign {
            "+" => ev.polarity > 0.0,
            "-" => ev.polarity < 0.0,
            "0" => ev.polarity == 0.0,
            _ => panic!("cases.tsv:{}: bad sign {sign:?}", i + 1),
        };
        let mut problems = Vec::new();
        if !sign_ok {
            problems.push(format!("polarity {:.3}, want {sign}", ev.polarity));
        }
        for c in fields.flat_map(|f| f.split_whitespace()) {
            if let Err(e) = check(&ev, c) {
                problems.push(e);
            }
        }
        if !problems.is_empty() {
            let cues: Vec<String> = ev
                .cues
                .iter()
                .map(|c| {
                    format!(
                        "{}{}{:+.2}",
                        c.word,
                        if c.negated { "¬" } else { "" },
                        c.weight
                    )
                })
                .collect();
            failures.push(format!(
                "cases.tsv:{}: {text}: {} [cues: {}]",
                i + 1,
                problems.join("; "),
                cues.join(" ")
            ));
        }
    }
    assert!(n >= 40, "only {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
