//! Analyzer throughput against raw jieba search-mode segmentation on ~1 MB of real
//! Dianping reviews (ASAP sample), one review at a time as the pipeline does it.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jieba_rs::Jieba;
use jingxuan::text::Analyzer;

#[path = "support/asap.rs"]
mod asap;

fn analyzer_vs_jieba(c: &mut Criterion) {
    let reviews = asap::reviews(1 << 20);
    let bytes: usize = reviews.iter().map(String::len).sum();
    let analyzer = Analyzer::default();
    let jieba = Jieba::new();

    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("analyzer", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for r in &reviews {
                analyzer.analyze_into(r, &mut out);
                n += out.len();
            }
            n
        })
    });
    group.bench_function("jieba_cut_for_search", |b| {
        b.iter(|| {
            reviews
                .iter()
                .map(|r| jieba.cut_for_search(r, false).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, analyzer_vs_jieba);
criterion_main!(benches);
