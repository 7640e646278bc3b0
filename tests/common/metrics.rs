//! Ranking metrics shared by the evaluation tests (included with `#[path]`, so that each
//! test binary compiles only what it uses).

/// Average ranks (ties share the mean rank), 0-based.
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
        let mean = (i + j) as f64 / 2.0;
        for &k in &idx[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (ties averaged).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Indices by descending key, ties by index.
#[allow(dead_code)]
pub fn order(key: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..key.len()).collect();
    idx.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
    idx
}

/// NDCG@k of the order given by `scores`, with gain 2^quality − 1.
#[allow(dead_code)]
pub fn ndcg(scores: &[f64], quality: &[f64], k: usize) -> f64 {
    let dcg = |idx: &[usize]| -> f64 {
        idx.iter()
            .take(k)
            .enumerate()
            .map(|(i, &m)| (2f64.powf(quality[m]) - 1.0) / ((i + 2) as f64).log2())
            .sum()
    };
    dcg(&order(scores)) / dcg(&order(quality))
}
