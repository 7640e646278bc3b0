//! Invariants of the analyzer and of `normalize` on arbitrary input.

use std::sync::LazyLock;

use jingxuan::text::{normalize, Analyzer, Token};
use proptest::prelude::*;

/// Built once: building jieba is the expensive part.
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    Analyzer::builder()
        .words([
            "Manner咖啡",
            "喜茶",
            "M Stand",
            "Ｍ记烧腊",
            "一点点",
            "ａ-ｂ",
        ])
        .build()
});

/// Pieces that exercise the tricky paths: Han with dictionary words, full-width forms,
/// combining marks, case expansion, ligatures, emoji sequences, hyphens, digits, spaces.
const PIECES: &[&str] = &[
    "咖啡",
    "咖啡馆",
    "拿铁",
    "宝藏小店",
    "不难吃",
    "环境",
    "好",
    "但是",
    "绝绝子",
    "喜茶",
    "一点点",
    "manner",
    "Manner咖啡",
    "M Stand",
    "Ｍ记烧腊",
    "ＡＢＣ",
    "１２３",
    "３.５",
    "iPhone15",
    "wi",
    "-",
    "fi",
    "e\u{301}",
    "\u{301}",
    "\u{300}\u{302}",
    "İ",
    "ß",
    "ﬁ",
    "⑴",
    "㍱",
    "ｶﾞ",
    "😋",
    "👍🏻",
    "👨‍👩‍👧",
    "🇨🇳",
    "❤️",
    "1️⃣",
    "\u{200d}",
    "\u{fe0f}",
    "，",
    "。",
    "！",
    " ",
    "\u{3000}",
    "\n",
    "\t",
    "~",
    "…",
    "ありがとう",
    "감사",
    "Привет",
    "〇",
    "\u{20000}",
    "㊗",
    "a",
    "1",
    ",",
    ".",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..30).prop_map(|v| v.concat()),
        prop::collection::vec(any::<char>(), 0..40).prop_map(|v| v.into_iter().collect()),
    ]
}

fn check_tokens(input: &str, tokens: &[Token]) -> Result<(), TestCaseError> {
    let mut last_position = 0;
    let mut next_main = 0u32;
    for (i, t) in tokens.iter().enumerate() {
        prop_assert!(t.start < t.end, "empty token {t:?}");
        prop_assert!(t.end <= input.len(), "{t:?} beyond {}", input.len());
        prop_assert!(input.is_char_boundary(t.start) && input.is_char_boundary(t.end));
        prop_assert!(!t.text.is_empty());
        prop_assert!(
            normalize(&input[t.start..t.end])
                .text
                .contains(t.text.as_str()),
            "{t:?} not found in its original {:?}",
            &input[t.start..t.end]
        );
        prop_assert!(t.position >= last_position, "position went back at {t:?}");
        last_position = t.position;
        if t.sub_word {
            // The word a sub-word belongs to follows it, at the same position, around it.
            let word = tokens[i + 1..].iter().find(|w| !w.sub_word);
            prop_assert!(word.is_some(), "sub-word {t:?} without a word");
            if let Some(w) = word {
                prop_assert_eq!(w.position, t.position);
                prop_assert!(w.start <= t.start && t.end <= w.end, "{t:?} outside {w:?}");
                prop_assert!(w.text.contains(t.text.as_str()));
            }
        } else {
            prop_assert_eq!(t.position, next_main, "main positions count up by one");
            next_main += 1;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tokens_are_well_formed(input in text()) {
        let tokens = ANALYZER.analyze(&input);
        check_tokens(&input, &tokens)?;
    }

    #[test]
    fn analysis_is_deterministic_and_reuse_is_equal(input in text()) {
        let first = ANALYZER.analyze(&input);
        // Start from a non-empty buffer: analyze_into must clear it.
        let mut reused = first[..first.len().min(1)].to_vec();
        ANALYZER.analyze_into(&input, &mut reused);
        prop_assert_eq!(&first, &reused);
        prop_assert_eq!(&first, &ANALYZER.analyze(&input));
    }

    #[test]
    fn default_analyzer_tokens_are_well_formed(input in text()) {
        static DEFAULT: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);
        check_tokens(&input, &DEFAULT.analyze(&input))?;
    }

    #[test]
    fn normalize_maps_every_char_back_inside_the_original(input in text()) {
        let n = normalize(&input);
        prop_assert_eq!(n.original_len(), input.len());
        prop_assert_eq!(n.original_range(0..n.text.len()), 0..input.len());
        let mut prev_start = 0;
        for (i, c) in n.text.char_indices() {
            let r = n.original_range(i..i + c.len_utf8());
            prop_assert!(r.start < r.end && r.end <= input.len());
            prop_assert!(input.is_char_boundary(r.start) && input.is_char_boundary(r.end));
            // A later char never maps before an earlier one.
            prop_assert!(r.start >= prev_start);
            prop_assert!(normalize(&input[r.clone()]).text.contains(c));
            prev_start = r.start;
        }
    }

    #[test]
    fn normalize_leaves_plain_lowercase_text_alone(input in "[\u{4e00}-\u{9fa5}a-z0-9、。 ]{0,40}") {
        let n = normalize(&input);
        prop_assert_eq!(&n.text, &input);
        prop_assert_eq!(n.original_range(0..n.text.len()), 0..input.len());
    }
}
