//! Snippets with the matched words marked 【like this】.
//!
//! tantivy's `SnippetGenerator` measures its window in bytes (a third of the intended
//! length for Han text), HTML-escapes the fragment and assumes tokens arrive in offset
//! order, which overlapping sub-words do not guarantee. Building the snippet from the
//! analyzer's own offsets avoids all three.

use std::collections::{BTreeMap, BTreeSet};

use crate::text::Analyzer;

/// Marks put around a matched word.
pub const OPEN_MARK: &str = "【";
/// See [`OPEN_MARK`].
pub const CLOSE_MARK: &str = "】";
/// Put where the snippet cuts the text.
const ELLIPSIS: &str = "…";
/// Characters of context kept before the first match when there is room.
const LEAD_CHARS: usize = 12;

/// A window of a document's text with the matched words marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snippet {
    pub text: String,
    /// Byte ranges in `text` of the marked words, marks excluded.
    pub highlights: Vec<(usize, usize)>,
}

/// A snippet of at most about `max_chars` characters of `text` around the best cluster of
/// query words. `terms` maps each query term to the word group it belongs to; a window
/// covering more groups beats one repeating the same word.
pub(crate) fn make_snippet(
    analyzer: &Analyzer,
    text: &str,
    terms: &BTreeMap<String, usize>,
    max_chars: usize,
) -> Snippet {
    let max_chars = max_chars.max(1);
    let mut matches: Vec<(usize, usize, usize)> = analyzer
        .analyze(text)
        .into_iter()
        .filter(|t| {
            t.start < t.end
                && t.end <= text.len()
                && text.is_char_boundary(t.start)
                && text.is_char_boundary(t.end)
        })
        .filter_map(|t| terms.get(t.text.as_str()).map(|g| (t.start, t.end, *g)))
        .collect();
    matches.sort_unstable();
    matches.dedup();

    // Best window: anchored at a match, covering the most distinct groups, then the most
    // matches; the earliest wins ties.
    let mut best: Option<(usize, usize, usize, usize)> = None; // (groups, count, anchor, last end)
    for (i, &(start, _, _)) in matches.iter().enumerate() {
        let limit = advance_chars(text, start, max_chars);
        let mut groups = BTreeSet::new();
        let mut count = 0;
        let mut last_end = start;
        for &(s, e, g) in &matches[i..] {
            if s >= limit {
                break;
            }
            if e <= limit {
                groups.insert(g);
                count += 1;
                last_end = last_end.max(e);
            }
        }
        let better = match best {
            None => true,
            Some((bg, bc, _, _)) => (groups.len(), count) > (bg, bc),
        };
        if better {
            best = Some((groups.len(), count, start, last_end));
        }
    }

    let (start, end) = match best {
        Some((_, _, anchor, last_end)) => {
            let span = text[anchor..last_end].chars().count();
            let lead = LEAD_CHARS.min(max_chars.saturating_sub(span) / 2);
            let start = back_chars(text, anchor, lead);
            (start, advance_chars(text, start, max_chars))
        }
        None => (0, advance_chars(text, 0, max_chars)),
    };

    // Marked ranges inside the window, overlaps merged (咖啡馆 and its sub-word 咖啡).
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &(s, e, _) in &matches {
        if s < start || e > end {
            continue;
        }
        match ranges.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => ranges.push((s, e)),
        }
    }

    let mut out = String::new();
    let mut highlights = Vec::with_capacity(ranges.len());
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    let mut at = start;
    for (s, e) in ranges {
        out.push_str(&text[at..s]);
        out.push_str(OPEN_MARK);
        let h_start = out.len();
        out.push_str(&text[s..e]);
        highlights.push((h_start, out.len()));
        out.push_str(CLOSE_MARK);
        at = e;
    }
    out.push_str(&text[at..end]);
    if end < text.len() {
        out.push_str(ELLIPSIS);
    }
    Snippet {
        text: out,
        highlights,
    }
}

/// Byte offset `n` characters after `from` (or the end of `text`).
fn advance_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// Byte offset `n` characters before `from` (or 0).
fn back_chars(text: &str, from: usize, n: usize) -> usize {
    if n == 0 {
        return from;
    }
    text[..from]
        .char_indices()
        .rev()
        .nth(n - 1)
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> BTreeMap<String, usize> {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.to_string(), i))
            .collect()
    }

    #[test]
    fn marks_matched_words_and_reports_their_ranges() {
        let analyzer = Analyzer::default();
        let s = make_snippet(
            &analyzer,
            "这家咖啡馆很安静",
            &terms(&["咖啡", "安静"]),
            120,
        );
        assert!(s.text.contains("【安静】"), "{}", s.text);
        assert!(s.text.contains("【咖啡"), "{}", s.text);
        for (a, b) in &s.highlights {
            let word = &s.text[*a..*b];
            assert!(
                word == "咖啡" || word == "咖啡馆" || word == "安静",
                "{word}"
            );
        }
        assert!(!s.text.starts_with(ELLIPSIS));
    }

    #[test]
    fn long_text_is_cut_around_the_match_on_char_boundaries() {
        let analyzer = Analyzer::default();
        let text = format!(
            "{}这里的火锅很好吃{}",
            "今天天气不错。".repeat(40),
            "我们下次再来。".repeat(40)
        );
        let s = make_snippet(&analyzer, &text, &terms(&["火锅"]), 30);
        assert!(s.text.starts_with(ELLIPSIS) && s.text.ends_with(ELLIPSIS));
        assert!(s.text.contains("【火锅】"), "{}", s.text);
        let body = s
            .text
            .trim_start_matches(ELLIPSIS)
            .trim_end_matches(ELLIPSIS);
        let plain = body.replace(OPEN_MARK, "").replace(CLOSE_MARK, "");
        assert!(plain.chars().count() <= 30);
        assert!(text.contains(&plain));
    }

    #[test]
    fn helpers_stay_on_char_boundaries() {
        let t = "咖啡a馆";
        assert_eq!(advance_chars(t, 0, 2), 6);
        assert_eq!(advance_chars(t, 3, 10), t.len());
        assert_eq!(back_chars(t, 7, 2), 3);
        assert_eq!(back_chars(t, 3, 5), 0);
    }
}
