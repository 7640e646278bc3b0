//! Invariants of the sentiment reader on arbitrary text.

use jingxuan::evidence::SentimentModel;
use jingxuan::text::Analyzer;
use proptest::prelude::*;
use std::sync::OnceLock;

fn model() -> &'static SentimentModel {
    static M: OnceLock<SentimentModel> = OnceLock::new();
    M.get_or_init(|| SentimentModel::new().expect("lexicons load"))
}

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::default)
}

/// Review-like text: lexicon words, modifiers, punctuation, emoji, full-width and Latin
/// letters mixed with arbitrary characters.
fn review_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("好吃".to_string()),
        Just("不".to_string()),
        Just("难吃".to_string()),
        Just("但是".to_string()),
        Just("超级".to_string()),
        Just("拉肚子".to_string()),
        Just("不会再来".to_string()),
        Just("二刷".to_string()),
        Just("！".to_string()),
        Just("，".to_string()),
        Just("😋".to_string()),
        Just("ＹＹＤＳ".to_string()),
        Just("服务".to_string()),
        // Characters that fold to several (㈱ → (株), ﬃ → ffi, İ → i̇).
        Just("㈱".to_string()),
        Just("ﬃ".to_string()),
        Just("İ".to_string()),
        "\\PC{0,4}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn bounded_deterministic_and_offsets_valid(text in prop_oneof![review_like(), any::<String>()]) {
        let tokens = analyzer().analyze(&text);
        let a = model().analyze(&tokens, &text);
        let b = model().analyze(&tokens, &text);
        prop_assert_eq!(&a, &b);
        prop_assert!((-1.0..=1.0).contains(&a.polarity), "polarity {}", a.polarity);
        prop_assert!((0.0..=1.0).contains(&a.confidence));
        for s in a.aspects.values() {
            prop_assert!((-1.0..=1.0).contains(&s.polarity));
        }
        for c in &a.cues {
            prop_assert!(c.start < c.end && c.end <= text.len());
            prop_assert!(text.is_char_boundary(c.start) && text.is_char_boundary(c.end));
        }
        // Without tokens the reader still answers within bounds.
        let c = model().analyze(&[], &text);
        prop_assert!((-1.0..=1.0).contains(&c.polarity));
    }
}
