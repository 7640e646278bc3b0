//! Lexicons as data: the files under `data/lexicon/`, compiled in with `include_str!` and
//! turned into Aho–Corasick matchers once.
//!
//! Matching runs over the folded text (NFKC, lowercase) character by character rather than
//! over tokens, so a lexicon entry is found whatever the segmenter did with it (`不难吃` kept
//! whole or cut as `不`+`难吃`, `救命好吃` spanning two tokens).

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::error::{InternalError, Result};

/// NTUSD positive words (MIT, NTU NLPLab; see `data/lexicon/ntusd/LICENSE`).
pub const NTUSD_POSITIVE: &str = include_str!("../../data/lexicon/ntusd/positive.txt");
/// NTUSD negative words.
pub const NTUSD_NEGATIVE: &str = include_str!("../../data/lexicon/ntusd/negative.txt");
/// Domain sentiment words, slang and emoji: `word<TAB>weight`.
pub const DOMAIN: &str = include_str!("../../data/lexicon/domain.tsv");
/// NTUSD entries to leave out (neutral about shops), one per line.
pub const NTUSD_IGNORE: &str = include_str!("../../data/lexicon/ntusd_ignore.txt");
/// Negators, one per line.
pub const NEGATORS: &str = include_str!("../../data/lexicon/negators.txt");
/// Degree words: `word<TAB>multiplier[<TAB>pre|post]`.
pub const DEGREE: &str = include_str!("../../data/lexicon/degree.tsv");
/// Contrast markers: `word[<TAB>before]`.
pub const CONTRAST: &str = include_str!("../../data/lexicon/contrast.txt");
/// Rhetorical-question markers, one per line.
pub const RHETORICAL: &str = include_str!("../../data/lexicon/rhetorical.txt");
/// Aspect words: `word<TAB>aspect<TAB>weight`.
pub const ASPECTS: &str = include_str!("../../data/lexicon/aspects.tsv");
/// Return-intent phrases: `phrase<TAB>+1|-1`.
pub const RETURN_INTENT: &str = include_str!("../../data/lexicon/return_intent.tsv");
/// Words marking a clause of minor complaints (排队, 停车), one per line.
pub const MINOR: &str = include_str!("../../data/lexicon/minor.txt");
/// Context that keeps a hygiene word from being a complaint: `word<TAB>worry|prone|retract`.
pub const HYGIENE_CONTEXT: &str = include_str!("../../data/lexicon/hygiene_context.tsv");
/// Traditional → simplified characters: `traditional<TAB>simplified`.
pub const TRADITIONAL: &str = include_str!("../../data/lexicon/traditional.tsv");

/// Lines of a lexicon file: comments (`#`) and blank lines skipped, fields split at tabs,
/// each with its 1-based line number.
pub fn rows(src: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    src.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            return None;
        }
        Some((i + 1, line.split('\t').map(str::trim).collect()))
    })
}

/// A malformed compiled-in lexicon is a bug of this crate, not of the caller's input.
pub(crate) fn bad_line(file: &str, line: usize, reason: &str) -> crate::error::Error {
    InternalError::Invariant(format!("data/lexicon/{file}:{line}: {reason}")).into()
}

/// Parses field `i` of a row as a number.
pub(crate) fn number(file: &str, line: usize, fields: &[&str], i: usize) -> Result<f32> {
    let raw = fields
        .get(i)
        .ok_or_else(|| bad_line(file, line, "missing field"))?;
    raw.parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad_line(file, line, &format!("{raw:?} is not a number")))
}

/// NFKC + lowercase, the same folding as the analyzer, then traditional characters to
/// simplified ([`fold_char`]), for one lexicon entry.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc()
        .flat_map(char::to_lowercase)
        .map(fold_char)
        .collect()
}

/// The simplified form of a traditional character listed in `traditional.tsv` (服務 → 服务),
/// else `c`. Some Dianping reviews are written in 繁體; the lexicons are simplified.
pub fn fold_char(c: char) -> char {
    /// The table, and a bit per Basic Multilingual Plane char saying whether it is listed:
    /// every char of every text passes here, and nearly none is listed, so the common
    /// answer costs one bit test rather than a search.
    struct Table {
        map: BTreeMap<char, char>,
        bmp: Vec<u64>,
    }
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        // A malformed line is skipped here; `traditional_table_is_well_formed` catches it.
        let map: BTreeMap<char, char> = rows(TRADITIONAL)
            .filter_map(|(_, f)| Some((single(f.first()?)?, single(f.get(1)?)?)))
            .collect();
        let mut bmp = vec![0u64; 0x10000 / 64];
        for &t in map.keys() {
            if let Some(w) = bmp.get_mut(t as usize / 64) {
                *w |= 1 << (t as u32 % 64);
            }
        }
        Table { map, bmp }
    });
    match table.bmp.get(c as usize / 64) {
        Some(w) if w >> (c as u32 % 64) & 1 == 0 => c,
        _ => table.map.get(&c).copied().unwrap_or(c),
    }
}

/// The only character of `s`, if it has exactly one.
fn single(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// A set of words with one value each, matched leftmost-longest over folded text.
pub struct WordSet<V> {
    matcher: AhoCorasick,
    /// Built for all overlapping matches, for [`find_ranked`](Self::find_ranked).
    overlapping: AhoCorasick,
    words: Vec<String>,
    values: Vec<V>,
}

/// One match of a [`WordSet`] in folded text.
#[derive(Debug, Clone, Copy)]
pub struct Hit<'a, V> {
    /// Byte offsets in the folded text.
    pub start: usize,
    /// End byte offset in the folded text (exclusive).
    pub end: usize,
    /// The word that matched (folded).
    pub word: &'a str,
    /// The value the lexicon gives it.
    pub value: &'a V,
}

impl<V: Clone> WordSet<V> {
    /// Builds the set; a later entry for the same (folded) word replaces an earlier one, so
    /// callers insert general lexicons first and the domain lexicon last.
    pub fn new(entries: impl IntoIterator<Item = (String, V)>) -> Result<Self> {
        let mut map: BTreeMap<String, V> = BTreeMap::new();
        for (w, v) in entries {
            let w = fold(&w);
            if !w.is_empty() {
                map.insert(w, v);
            }
        }
        let (words, values): (Vec<String>, Vec<V>) = map.into_iter().unzip();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .map_err(|e| InternalError::Invariant(format!("lexicon matcher: {e}")))?;
        let overlapping = AhoCorasick::new(&words)
            .map_err(|e| InternalError::Invariant(format!("lexicon matcher: {e}")))?;
        Ok(WordSet {
            matcher,
            overlapping,
            words,
            values,
        })
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when the set holds no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The value of `word` (folded first), if it is in the set.
    pub fn get(&self, word: &str) -> Option<&V> {
        let w = fold(word);
        self.words
            .binary_search(&w)
            .ok()
            .and_then(|i| self.values.get(i))
    }

    /// Non-overlapping leftmost-longest matches in `folded`.
    pub fn find<'a>(&'a self, folded: &str) -> Vec<Hit<'a, V>> {
        self.matcher
            .find_iter(folded)
            .filter_map(|m| {
                let i = m.pattern().as_usize();
                Some(Hit {
                    start: m.start(),
                    end: m.end(),
                    word: self.words.get(i)?.as_str(),
                    value: self.values.get(i)?,
                })
            })
            .collect()
    }

    /// Non-overlapping matches chosen longest first, then by `rank` (higher wins), then
    /// leftmost. Unlike leftmost-longest this lets a domain word beat a general word that
    /// merely starts earlier: in `很难吃` NTUSD's `很难` would otherwise hide `难吃`.
    pub fn find_ranked<'a>(&'a self, folded: &str, rank: impl Fn(&V) -> u8) -> Vec<Hit<'a, V>> {
        let raw: Vec<RawHit> = self
            .overlapping
            .find_overlapping_iter(folded)
            .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
            .collect();
        self.ranked_of(&raw, folded.len(), rank)
    }

    /// The words, sorted (what [`MultiSet::new`] takes).
    pub(crate) fn words(&self) -> &[String] {
        &self.words
    }

    fn hit(&self, (start, end, i): RawHit) -> Option<Hit<'_, V>> {
        Some(Hit {
            start,
            end,
            word: self.words.get(i as usize)?.as_str(),
            value: self.values.get(i as usize)?,
        })
    }

    /// [`find`](Self::find) from every (overlapping) match of this set's words in a text,
    /// as [`MultiSet::scan`] gives them: leftmost first, the longest of those starting
    /// there, then on from its end, which is what leftmost-longest searching reports.
    pub(crate) fn leftmost_longest_of(&self, raw: &mut [RawHit]) -> Vec<Hit<'_, V>> {
        // Words are distinct, so no two matches share both ends: the order is total.
        raw.sort_unstable_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut out = Vec::new();
        let mut at = 0;
        for &r in raw.iter() {
            if r.0 >= at {
                if let Some(h) = self.hit(r) {
                    at = h.end;
                    out.push(h);
                }
            }
        }
        out
    }

    /// [`find_ranked`](Self::find_ranked) from every (overlapping) match of this set's words
    /// in a text of `len` bytes, as [`MultiSet::scan`] gives them.
    pub(crate) fn ranked_of(
        &self,
        raw: &[RawHit],
        folded_len: usize,
        rank: impl Fn(&V) -> u8,
    ) -> Vec<Hit<'_, V>> {
        let mut all: Vec<Hit<'_, V>> = raw.iter().filter_map(|&r| self.hit(r)).collect();
        all.sort_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then_with(|| rank(b.value).cmp(&rank(a.value)))
                .then_with(|| a.start.cmp(&b.start))
        });
        let mut taken = vec![false; folded_len];
        let mut out = Vec::new();
        for h in all {
            let Some(span) = taken.get_mut(h.start..h.end) else {
                continue;
            };
            if span.iter().any(|t| *t) {
                continue;
            }
            span.iter_mut().for_each(|t| *t = true);
            out.push(h);
        }
        out.sort_by_key(|h| (h.start, h.end));
        out
    }
}

/// A match of a set's word in a text: byte start, byte end, the word's index in the set.
pub(crate) type RawHit = (usize, usize, u32);

/// Several [`WordSet`]s searched in one pass of one automaton over a text: every
/// overlapping match of every set's words, handed to each set to choose from as its own
/// search would ([`WordSet::leftmost_longest_of`], [`WordSet::ranked_of`]). One pass
/// instead of one per set: reading a text searched it eight times.
pub(crate) struct MultiSet {
    matcher: AhoCorasick,
    /// The sets holding each pattern, as (set, word index in it):
    /// `owners[starts[p]..starts[p + 1]]` for pattern `p`.
    owners: Vec<(u32, u32)>,
    starts: Vec<u32>,
    sets: usize,
}

impl MultiSet {
    /// One searcher for the words of each of `sets` (each set's [`WordSet::words`]).
    pub(crate) fn new(sets: &[&[String]]) -> Result<Self> {
        let mut by_word: BTreeMap<&str, Vec<(u32, u32)>> = BTreeMap::new();
        for (s, words) in sets.iter().enumerate() {
            for (i, w) in words.iter().enumerate() {
                by_word
                    .entry(w.as_str())
                    .or_default()
                    .push((s as u32, i as u32));
            }
        }
        let mut patterns = Vec::with_capacity(by_word.len());
        let mut owners = Vec::new();
        let mut starts = vec![0u32];
        for (w, o) in by_word {
            patterns.push(w);
            owners.extend(o);
            starts.push(owners.len() as u32);
        }
        let matcher = AhoCorasick::new(&patterns)
            .map_err(|e| InternalError::Invariant(format!("lexicon matcher: {e}")))?;
        Ok(MultiSet {
            matcher,
            owners,
            starts,
            sets: sets.len(),
        })
    }

    /// Every match in `folded` of each set's words, by set in the order given to
    /// [`new`](Self::new).
    pub(crate) fn scan(&self, folded: &str) -> Vec<Vec<RawHit>> {
        let mut out = Vec::new();
        self.scan_into(folded, &mut out);
        out
    }

    /// [`scan`](Self::scan) handing the matches to `read` in a buffer this thread keeps:
    /// a text's matches are scratch, and allocating them anew for every text scattered
    /// short-lived blocks among the readings that are kept.
    pub(crate) fn scan_with<R>(
        &self,
        folded: &str,
        read: impl FnOnce(&mut [Vec<RawHit>]) -> R,
    ) -> R {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<Vec<RawHit>>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                self.scan_into(folded, &mut buf);
                let r = read(&mut buf);
                // A huge text's buffers are not kept for the next ones.
                if buf.iter().any(|b| b.capacity() > 1 << 16) {
                    buf.clear();
                }
                r
            }
            // Only if `read` scanned again: a fresh buffer then.
            Err(_) => read(&mut self.scan(folded)),
        })
    }

    fn scan_into(&self, folded: &str, out: &mut Vec<Vec<RawHit>>) {
        out.resize_with(self.sets, Vec::new);
        out.iter_mut().for_each(Vec::clear);
        for m in self.matcher.find_overlapping_iter(folded) {
            let p = m.pattern().as_usize();
            let (Some(&a), Some(&b)) = (self.starts.get(p), self.starts.get(p + 1)) else {
                continue;
            };
            for &(s, i) in self.owners.get(a as usize..b as usize).unwrap_or(&[]) {
                if let Some(set) = out.get_mut(s as usize) {
                    set.push((m.start(), m.end(), i));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_skip_comments_and_report_line_numbers() {
        let rows: Vec<_> = rows("# head\n\n好吃\t1.5\r\n难吃\t-2\n").collect();
        assert_eq!(
            rows,
            vec![(3, vec!["好吃", "1.5"]), (4, vec!["难吃", "-2"])]
        );
        assert!(number("domain.tsv", 3, &["好吃", "x"], 1).is_err());
        assert!(number("domain.tsv", 3, &["好吃"], 1).is_err());
        assert!(number("domain.tsv", 3, &["好吃", "NaN"], 1).is_err());
    }

    /// A word listed twice would silently keep only its last weight.
    #[test]
    fn data_files_list_each_word_once() {
        for (name, src) in [
            ("domain.tsv", DOMAIN),
            ("aspects.tsv", ASPECTS),
            ("degree.tsv", DEGREE),
            ("negators.txt", NEGATORS),
            ("contrast.txt", CONTRAST),
            ("rhetorical.txt", RHETORICAL),
            ("return_intent.tsv", RETURN_INTENT),
            ("ntusd_ignore.txt", NTUSD_IGNORE),
            ("minor.txt", MINOR),
        ] {
            let mut seen = BTreeMap::new();
            for (line, f) in rows(src) {
                if let Some(first) = seen.insert(fold(f[0]), line) {
                    panic!("{name}:{line}: {:?} already on line {first}", f[0]);
                }
            }
            assert!(!seen.is_empty(), "{name} is empty");
        }
    }

    #[test]
    fn traditional_table_is_well_formed() {
        for (line, f) in rows(TRADITIONAL) {
            let pair = (
                f.first().and_then(|t| single(t)),
                f.get(1).and_then(|s| single(s)),
            );
            let (Some(t), Some(s)) = pair else {
                panic!("traditional.tsv:{line}: want two single characters, got {f:?}");
            };
            assert_ne!(t, s, "traditional.tsv:{line}");
            assert_eq!(fold_char(t), s, "traditional.tsv:{line}: listed twice?");
            // A simplified form must not itself be folded again.
            assert_eq!(fold_char(s), s, "traditional.tsv:{line}");
        }
        assert_eq!(fold("服務態度很差好吃極了"), "服务态度很差好吃极了");
    }

    #[test]
    fn ranked_matching_prefers_longer_then_higher_rank() {
        let set = WordSet::new([
            ("很难".to_string(), 0u8),
            ("难吃".to_string(), 1),
            ("不好吃".to_string(), 1),
            ("不好".to_string(), 0),
        ])
        .unwrap();
        let words = |t: &str| -> Vec<String> {
            set.find_ranked(t, |r| *r)
                .iter()
                .map(|h| h.word.to_string())
                .collect()
        };
        assert_eq!(words("很难吃"), vec!["难吃"]);
        assert_eq!(words("不好吃"), vec!["不好吃"]);
        assert_eq!(words("很难说"), vec!["很难"]);
    }
}
