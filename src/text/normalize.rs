//! Width folding and lowercasing with a map back to the original byte offsets.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// Text after NFKC folding and lowercasing, with the way back to the original offsets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// Pieces of the normalised text in order; together they cover `text` exactly.
    spans: Vec<Span>,
    /// Length of the original text in bytes.
    original_len: usize,
}

/// A piece of the normalised text and the original bytes it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    /// Byte offset in the normalised text.
    norm: usize,
    /// Byte offset in the original text.
    orig: usize,
    /// Length of the original bytes.
    orig_len: usize,
    /// True when every original char became one char of the same UTF-8 length, so a byte
    /// offset inside the span maps by plain shifting (and char boundaries coincide).
    /// Otherwise the span is one original char and maps only as a whole.
    exact: bool,
}

/// Normalise `text`: NFKC (full-width Ａ１ → a1, ﬁ → fi, half-width katakana → katakana),
/// then lowercase.
///
/// This is done one original char at a time so that every normalised byte is known to come
/// from exactly one original char, which keeps offsets exact. The price: sequences that NFKC
/// would compose across chars (a letter followed by a combining mark, e + U+0301) stay
/// decomposed, so `é` typed as two code points does not equal the precomposed `é`. Such
/// sequences are rare in Chinese user text (input methods emit precomposed forms), and the
/// rare miss only costs a match, never an offset.
pub fn normalize(text: &str) -> Normalized {
    let mut n = Normalized::default();
    normalize_into(text, &mut n);
    n
}

/// [`normalize`] into `n`, reusing its buffers (the analyzer normalises every text it
/// reads: a fresh `String` and span list per text were two allocations each).
pub(crate) fn normalize_into(text: &str, n: &mut Normalized) {
    n.text.clear();
    n.spans.clear();
    n.text.reserve(text.len());
    n.original_len = text.len();
    fold_into::<true>(text, &mut n.text, &mut n.spans);
}

/// The text [`normalize`] makes of `text`, without the map back to the original offsets
/// (for readers that only match phrases or count n-grams).
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into::<false>(text, &mut out, &mut Vec::new());
    out
}

/// Appends the folded `text` to `out`, and with `SPANS` its pieces to `spans`.
fn fold_into<const SPANS: bool>(text: &str, out: &mut String, spans: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Most of a Chinese text is runs of ASCII and main-block ideographs, which map one
        // to one: copy each run whole (lowercasing its ASCII in place) and extend the last
        // exact span, as the char-by-char path below would have.
        let run = exact_run_len(&bytes[at..]);
        if run > 0 {
            let norm = out.len();
            out.push_str(&text[at..at + run]);
            out[norm..].make_ascii_lowercase();
            if SPANS {
                match spans.last_mut() {
                    Some(last) if last.exact && last.orig + last.orig_len == at => {
                        last.orig_len += run;
                    }
                    _ => spans.push(Span {
                        norm,
                        orig: at,
                        orig_len: run,
                        exact: true,
                    }),
                }
            }
            at += run;
            continue;
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        let orig = at;
        at += c.len_utf8();
        let norm = out.len();
        let c_len = c.len_utf8();
        fold_char_with(c, |o| out.push(o));
        if !SPANS {
            continue;
        }
        let produced = &out[norm..];
        if produced.is_empty() {
            continue;
        }
        // Offsets map one to one where the char folded to one char of its own length
        // (ASCII, the stable CJK block); a fullwidth form or an expansion maps as a whole.
        let exact = c.is_ascii()
            || is_stable(c)
            || produced.len() == c_len && produced.chars().nth(1).is_none();
        match spans.last_mut() {
            Some(last) if exact && last.exact && last.orig + last.orig_len == orig => {
                last.orig_len += c_len;
            }
            _ => spans.push(Span {
                norm,
                orig,
                orig_len: c_len,
                exact,
            }),
        }
    }
}

/// Length of the longest prefix of `bytes` (valid UTF-8 from a char boundary) made of ASCII
/// and of chars of the main CJK block (U+4E00..=U+9FFF), which fold to themselves but for
/// ASCII case. Always a char boundary.
#[inline]
fn exact_run_len(bytes: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += 1;
        } else if (0xE4..=0xE9).contains(&b) && (b != 0xE4 || bytes.get(i + 1) >= Some(&0xB8)) {
            // Three-byte forms with lead E4 B8.. through E9 BF..: U+4E00..=U+9FFF.
            i += 3;
        } else {
            break;
        }
    }
    i
}

/// One character through NFKC and lowercasing, each resulting char handed to `emit`, with
/// no allocation: ASCII, the common CJK block and fullwidth forms skip the NFKC machinery.
/// Equal to `once(c).nfkc().flat_map(char::to_lowercase)` (held by this module's tests).
#[inline]
pub(crate) fn fold_char_with(c: char, mut emit: impl FnMut(char)) {
    if c.is_ascii() {
        emit(c.to_ascii_lowercase());
    } else if is_stable(c) {
        emit(c);
    } else if let Some(a) = fullwidth_ascii(c) {
        emit(a.to_ascii_lowercase());
    } else {
        for n in std::iter::once(c).nfkc() {
            n.to_lowercase().for_each(&mut emit);
        }
    }
}

/// Chars that NFKC and lowercasing leave alone and that make up most Chinese text: the main
/// CJK Unified Ideographs block, and the CJK punctuation and curly quotes around it (no
/// decompositions, no case). Skipping the NFKC machinery for them is the analyzer's largest
/// saving; `stable_chars_are_stable` checks every one against the machinery.
#[inline]
fn is_stable(c: char) -> bool {
    matches!(
        c,
        '\u{4E00}'..='\u{9FFF}'
            | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3011}'
            | '\u{3014}'..='\u{301F}'
            | '\u{2018}'..='\u{201F}'
    )
}

/// The ASCII char a fullwidth form (`，` `！` `Ａ`) folds to under NFKC, without the NFKC
/// machinery: fullwidth punctuation is in nearly every Chinese sentence.
#[inline]
fn fullwidth_ascii(c: char) -> Option<char> {
    matches!(c, '\u{FF01}'..='\u{FF5E}')
        .then(|| char::from_u32(c as u32 - 0xFEE0))
        .flatten()
}

impl Normalized {
    /// Length of the original text in bytes.
    pub fn original_len(&self) -> usize {
        self.original_len
    }

    /// The original byte range that `range` of the normalised text came from.
    ///
    /// When `range` lies on char boundaries of the normalised text the result lies on char
    /// boundaries of the original; a range that cuts into the output of one original char
    /// (the `b` of `ＡＢ` is whole, but `ﬁ` → `fi` is one char) widens to that whole char.
    /// Out-of-range input is clamped to the text.
    pub fn original_range(&self, range: Range<usize>) -> Range<usize> {
        self.original_range_from(range, &mut 0)
    }

    /// [`original_range`](Self::original_range) for ranges asked in text order: `hint` (start
    /// it at 0) remembers where the last answer was found, so the next search is usually a
    /// step or two instead of a binary search over every span.
    pub(crate) fn original_range_from(
        &self,
        range: Range<usize>,
        hint: &mut usize,
    ) -> Range<usize> {
        let len = self.text.len();
        let end = range.end.min(len);
        let start = range.start.min(end);
        // Most ranges lie inside the exact span the last one was found in: a shift. (An
        // exact span is as long in the normalised text as in the original.)
        if let Some(span) = self.spans.get(*hint) {
            if span.exact && span.norm <= start && start < end && end <= span.norm + span.orig_len {
                return span.orig + (start - span.norm)..span.orig + (end - span.norm);
            }
        }
        let i = self.locate(*hint, |norm| norm <= start);
        *hint = i.saturating_sub(1);
        let orig_start = self.map_start(i, start);
        if start == end {
            return orig_start..orig_start;
        }
        let j = self.locate(*hint, |norm| norm < end);
        let orig_end = self.map_end(j, end).max(orig_start);
        orig_start..orig_end
    }

    /// The number of spans whose start satisfies `before` (a prefix of the spans, as for
    /// `partition_point`), searching forward from `hint` when that is valid.
    fn locate(&self, hint: usize, before: impl Fn(usize) -> bool) -> usize {
        const WALK: usize = 8;
        match self.spans.get(hint) {
            Some(h) if before(h.norm) => {
                let rest = &self.spans[hint + 1..];
                let near = rest.iter().take(WALK).position(|s| !before(s.norm));
                match near {
                    Some(k) => hint + 1 + k,
                    None => hint + 1 + rest.partition_point(|s| before(s.norm)),
                }
            }
            _ => self.spans.partition_point(|s| before(s.norm)),
        }
    }

    /// Original offset of normalised offset `pos` in span `i - 1`, snapping back to the
    /// start of a char.
    fn map_start(&self, i: usize, pos: usize) -> usize {
        let Some(span) = i.checked_sub(1).and_then(|i| self.spans.get(i)) else {
            return 0;
        };
        if pos >= span.norm + self.span_norm_len(i - 1) {
            // Only at the very end of the text.
            return span.orig + span.orig_len;
        }
        if span.exact {
            span.orig + (pos - span.norm)
        } else {
            span.orig
        }
    }

    /// Original offset of normalised end offset `pos` (> 0) in span `i - 1`, snapping
    /// forward to the end of a char.
    fn map_end(&self, i: usize, pos: usize) -> usize {
        let Some(span) = i.checked_sub(1).and_then(|i| self.spans.get(i)) else {
            return 0;
        };
        if span.exact {
            span.orig + (pos - span.norm).min(span.orig_len)
        } else {
            span.orig + span.orig_len
        }
    }

    fn span_norm_len(&self, i: usize) -> usize {
        let next = self.spans.get(i + 1).map_or(self.text.len(), |s| s.norm);
        next - self.spans.get(i).map_or(next, |s| s.norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orig<'a>(src: &'a str, n: &Normalized, r: Range<usize>) -> &'a str {
        &src[n.original_range(r)]
    }

    /// What the full NFKC-and-lowercase machinery makes of one char.
    fn slow_path(c: char) -> String {
        std::iter::once(c)
            .nfkc()
            .flat_map(char::to_lowercase)
            .collect()
    }

    #[test]
    fn stable_chars_are_stable() {
        for c in ('\u{2000}'..='\u{A000}').filter(|&c| is_stable(c)) {
            assert_eq!(slow_path(c), c.to_string(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn fold_char_with_equals_the_machinery() {
        let sample = ('\u{0}'..='\u{3400}')
            .chain('\u{4E00}'..='\u{4F00}')
            .chain('\u{F900}'..='\u{10000}')
            .chain(['😂', '\u{1D400}', '\u{2F800}']);
        for c in sample {
            let mut fast = String::new();
            fold_char_with(c, |o| fast.push(o));
            assert_eq!(fast, slow_path(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn fullwidth_fast_path_equals_nfkc() {
        for c in '\u{FF00}'..='\u{FFEF}' {
            if let Some(a) = fullwidth_ascii(c) {
                assert_eq!(
                    slow_path(c),
                    a.to_ascii_lowercase().to_string(),
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn full_width_folds_to_ascii_and_maps_back_to_three_byte_chars() {
        let src = "ＡＢＣ咖啡１２３";
        let n = normalize(src);
        assert_eq!(n.text, "abc咖啡123");
        assert_eq!(n.original_range(0..3), 0..9);
        assert_eq!(orig(src, &n, 1..2), "Ｂ");
        assert_eq!(orig(src, &n, 3..9), "咖啡");
        assert_eq!(orig(src, &n, 9..12), "１２３");
        assert_eq!(n.original_range(0..n.text.len()), 0..src.len());
    }

    #[test]
    fn dotted_capital_i_lowercases_to_two_chars_mapping_to_one() {
        let src = "İstanbul好吃";
        let n = normalize(src);
        assert_eq!(n.text, "i\u{307}stanbul好吃");
        // "i" + combining dot (1 + 2 bytes) come from the 2-byte İ.
        assert_eq!(n.original_range(0..1), 0..2);
        assert_eq!(n.original_range(0..3), 0..2);
        assert_eq!(orig(src, &n, 3..10), "stanbul");
        assert_eq!(orig(src, &n, 10..16), "好吃");
    }

    #[test]
    fn ligature_and_ideographic_space_fold() {
        let src = "ﬁne\u{3000}拿铁";
        let n = normalize(src);
        assert_eq!(n.text, "fine 拿铁");
        assert_eq!(orig(src, &n, 0..2), "ﬁ");
        // Half of a ligature widens to the whole original char.
        assert_eq!(orig(src, &n, 1..2), "ﬁ");
        assert_eq!(orig(src, &n, 4..5), "\u{3000}");
        assert_eq!(orig(src, &n, 5..11), "拿铁");
    }

    #[test]
    fn plain_text_is_one_exact_span() {
        let src = "manner咖啡 很好喝";
        let n = normalize(src);
        assert_eq!(n.text, "manner咖啡 很好喝");
        assert_eq!(n.spans.len(), 1);
        assert_eq!(n.original_range(6..12), 6..12);
        let upper = normalize("MANNER");
        assert_eq!(upper.text, "manner");
        assert_eq!(upper.original_range(2..4), 2..4);
    }

    #[test]
    fn hinted_lookup_agrees_with_binary_search() {
        let src = "ＡＢ，好的！ｃ😋ﬁ１２，。 ok";
        let n = normalize(src);
        let mut hint = 0;
        let ends: Vec<usize> = n
            .text
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain([n.text.len()])
            .collect();
        for (k, (i, _)) in n.text.char_indices().enumerate() {
            for &e in &ends[k..] {
                let mut fresh = 0;
                assert_eq!(
                    n.original_range_from(i..e, &mut fresh),
                    n.original_range(i..e)
                );
            }
            assert_eq!(
                n.original_range_from(i..ends[k], &mut hint),
                n.original_range(i..ends[k])
            );
        }
        // A stale hint past the range still finds it.
        let mut hint = n.spans.len() - 1;
        assert_eq!(n.original_range_from(0..1, &mut hint), 0..3);
    }

    #[test]
    fn fold_is_the_normalised_text_and_reused_buffers_forget_the_last_text() {
        let mut reused = normalize("ＡＢＣ咖啡😋 İstanbul ﬁne，好！长长的一段文字");
        for src in [
            "",
            "ＡＢ，好的！ｃ😋ﬁ１２，。 ok",
            "manner咖啡 很好喝",
            "İ\u{3000}拿铁",
        ] {
            let n = normalize(src);
            assert_eq!(fold(src), n.text, "{src}");
            normalize_into(src, &mut reused);
            assert_eq!(reused, n, "{src}");
        }
    }

    #[test]
    fn empty_and_out_of_range_are_clamped() {
        let n = normalize("");
        assert_eq!(n.original_range(0..5), 0..0);
        let n = normalize("ＡＢ");
        assert_eq!(n.original_range(2..2), 6..6);
        assert_eq!(n.original_range(1..99), 3..6);
        assert_eq!(n.original_len(), 6);
    }
}
