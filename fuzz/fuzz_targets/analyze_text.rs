//! Arbitrary text through the analyzer and the sentiment model: no panic, every token and
//! cue a char-boundary range of the original text, every score in its documented range.

#![no_main]

use std::sync::LazyLock;

use jingxuan::evidence::sentiment::SentimentModel;
use jingxuan::text::{normalize, Analyzer};
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    Analyzer::builder()
        .words([
            "Manner咖啡",
            "喜茶",
            "M Stand",
            "Ｍ记烧腊",
            "一点点",
            "ａ-ｂ",
            "隐巷咖啡",
        ])
        .build()
});

// Building the lexicons is not input-dependent: a failure is a broken build, not a finding.
static MODEL: LazyLock<SentimentModel> =
    LazyLock::new(|| SentimentModel::new().expect("the bundled lexicons load"));

fn in_text(text: &str, start: usize, end: usize) -> bool {
    start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

fuzz_target!(|text: &str| {
    let tokens = ANALYZER.analyze(text);
    for t in &tokens {
        assert!(in_text(text, t.start, t.end), "token {t:?} of {text:?}");
        assert!(t.start < t.end, "empty token {t:?}");
    }
    let n = normalize(text);
    assert!(n.original_len() == text.len());
    let whole = n.original_range(0..n.text.len());
    assert!(in_text(text, whole.start, whole.end));

    let ev = MODEL.analyze(&tokens, text);
    assert!(
        (-1.0..=1.0).contains(&ev.polarity),
        "polarity {}",
        ev.polarity
    );
    assert!(
        (0.0..=1.0).contains(&ev.confidence),
        "confidence {}",
        ev.confidence
    );
    assert!(ev.positive >= 0.0 && ev.negative >= 0.0);
    for a in ev.aspects.values() {
        assert!((-1.0..=1.0).contains(&a.polarity));
    }
    for c in &ev.cues {
        assert!(
            in_text(text, c.start, c.end) && c.start < c.end,
            "cue {c:?}"
        );
        assert!(c.weight.is_finite());
    }
    // Without tokens too, as the doc allows.
    let _ = MODEL.analyze(&[], text);
});
