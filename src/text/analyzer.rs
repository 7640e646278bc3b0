//! The analyzer: normalised text → runs → jieba → tokens with original offsets.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

use jieba_rs::Jieba;
use unicode_segmentation::UnicodeSegmentation;

use super::{dict, normalize, CompactString, Normalized, Token, TokenKind};

/// Lowest jieba frequency given to a merchant name, so that it wins over the split the
/// default dictionary would prefer even where neighbouring characters form words.
const NAME_FREQ: usize = 100_000;

/// The shared analyzer. Build once (building jieba takes tens of milliseconds) and share it
/// behind an `Arc`.
///
/// ```
/// use jingxuan::text::{Analyzer, TokenKind};
///
/// let analyzer = Analyzer::builder().word("Ｍ记烧腊").build();
/// let text = "Ｍ记烧腊的拿铁😋,环境好";
/// let tokens = analyzer.analyze(text);
/// let main: Vec<&str> = tokens.iter().filter(|t| !t.sub_word).map(|t| t.text.as_str()).collect();
/// assert_eq!(main, ["m记烧腊", "的", "拿铁", "😋", "环境", "好"]);
/// // Offsets point into the original (full-width) text.
/// let name = tokens.iter().find(|t| !t.sub_word).unwrap();
/// assert_eq!(&text[name.start..name.end], "Ｍ记烧腊");
/// assert!(tokens.iter().any(|t| t.kind == TokenKind::Emoji));
/// ```
pub struct Analyzer {
    jieba: Jieba,
    /// Builder words that are not pure Han (`manner咖啡`, `m stand`): jieba's dictionary only
    /// joins Han characters, so these are found by string matching before segmentation.
    phrases: Option<AhoCorasick>,
    /// The builder's words as given, sorted and deduplicated (persisted by the index).
    words: Vec<String>,
}

/// Adds words (merchant names, aliases) before the analyzer is built.
#[derive(Default)]
pub struct AnalyzerBuilder {
    words: Vec<String>,
}

impl AnalyzerBuilder {
    /// Keep `word` as one token (it is normalised first, so `ＡＢＣ咖啡` matches `abc咖啡`).
    pub fn word(mut self, word: &str) -> Self {
        self.words.push(word.to_string());
        self
    }

    /// Keep each of `words` as one token.
    pub fn words<I, S>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.words
            .extend(words.into_iter().map(|w| w.as_ref().to_string()));
        self
    }

    /// Build the analyzer: jieba's default dictionary, the domain dictionary, then the
    /// words given here. The result does not depend on the order words were given in.
    pub fn build(mut self) -> Analyzer {
        self.words.sort();
        self.words.dedup();
        let mut jieba = Jieba::new();
        for entry in dict::domain_entries() {
            jieba.add_word(entry.word, Some(entry.freq), entry.tag);
        }
        let mut han_words = Vec::new();
        let mut phrases = Vec::new();
        for word in &self.words {
            let norm = normalize(word).text;
            let norm = norm.trim();
            if norm.is_empty() {
                continue;
            }
            if norm.chars().all(is_han) {
                han_words.push(norm.to_string());
            } else {
                phrases.push(norm.to_string());
            }
        }
        han_words.sort();
        han_words.dedup();
        for word in &han_words {
            let freq = jieba.suggest_freq(word).max(NAME_FREQ);
            jieba.add_word(word, Some(freq), Some("nz"));
        }
        phrases.sort();
        phrases.dedup();
        // Building fails only for automata beyond aho-corasick's size limits; merchant names
        // are far below them, and without the automaton those names merely split.
        let phrases = (!phrases.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&phrases)
                    .ok()
            })
            .flatten();
        Analyzer {
            jieba,
            phrases,
            words: self.words,
        }
    }

    /// [`build`](Self::build) behind an `Arc`, ready to share between threads.
    pub fn build_shared(self) -> Arc<Analyzer> {
        Arc::new(self.build())
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::builder().build()
    }
}

impl Analyzer {
    /// Start an analyzer with extra words.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The extra words this analyzer keeps whole (merchant names, aliases), sorted and
    /// deduplicated: building a new analyzer with them gives the same tokens.
    pub fn extra_words(&self) -> &[String] {
        &self.words
    }

    /// Tokens of `text`, in order of position; a word's sub-words come just before it.
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        self.analyze_inspecting(text, |_| ()).0
    }

    /// Like [`analyze`](Self::analyze) but reuses `out` (cleared first).
    pub fn analyze_into(&self, text: &str, out: &mut Vec<Token>) {
        self.analyze_into_inspecting(text, out, |_| ());
    }

    /// [`analyze`](Self::analyze), handing `inspect` the normalised text the tokens were
    /// made from (what [`normalize`](super::normalize) gives): a reader that also matches
    /// phrases in the folded text need not fold it again.
    pub(crate) fn analyze_inspecting<R>(
        &self,
        text: &str,
        inspect: impl FnOnce(&str) -> R,
    ) -> (Vec<Token>, R) {
        // About one token per five bytes of review text (sub-words included): sized once
        // instead of grown through half a dozen reallocations.
        let mut out = Vec::with_capacity(text.len() / 5 + 1);
        let seen = self.analyze_into_inspecting(text, &mut out, inspect);
        (out, seen)
    }

    /// [`analyze_into`](Self::analyze_into), then `inspect` of the normalised text.
    fn analyze_into_inspecting<R>(
        &self,
        text: &str,
        out: &mut Vec<Token>,
        inspect: impl FnOnce(&str) -> R,
    ) -> R {
        out.clear();
        // The normalised text and the scan's lists live in a per-thread scratch: fresh ones
        // per text were several allocations for every text the pipeline reads.
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                self.analyze_with(text, out, &mut scratch, true);
                let seen = inspect(&scratch.norm.text);
                scratch.release_if_huge();
                seen
            }
            Err(_) => {
                let mut scratch = Scratch::default();
                self.analyze_with(text, out, &mut scratch, true);
                inspect(&scratch.norm.text)
            }
        })
    }

    /// The tokens as made with one jieba call per Han run: what batching runs must equal.
    #[cfg(test)]
    fn analyze_per_run(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.analyze_with(text, &mut out, &mut Scratch::default(), false);
        out
    }

    fn analyze_with(&self, text: &str, out: &mut Vec<Token>, scratch: &mut Scratch, batch: bool) {
        let Scratch { norm, runs, marks } = scratch;
        normalize::normalize_into(text, norm);
        let mut sink = Sink {
            norm,
            out,
            next_position: 0,
            span_hint: 0,
            runs,
            marks,
            batch,
        };
        let norm = sink.norm;
        let t = norm.text.as_str();
        let mut cursor = 0;
        if let Some(phrases) = &self.phrases {
            for m in phrases.find_iter(t) {
                if m.start() < cursor || !on_word_edges(t, m.start(), m.end()) {
                    continue;
                }
                self.scan(cursor..m.start(), &mut sink);
                self.phrase(m.start()..m.end(), &mut sink);
                cursor = m.end();
            }
        }
        self.scan(cursor..t.len(), &mut sink);
    }

    /// A builder phrase: one main token, its own analysis as sub-words (so `咖啡` still
    /// finds `manner咖啡`).
    fn phrase(&self, range: Range<usize>, sink: &mut Sink<'_, '_>) {
        let first_sub = sink.out.len();
        let position = sink.next_position;
        self.scan(range.clone(), sink);
        for sub in &mut sink.out[first_sub..] {
            sub.sub_word = true;
            sub.position = position;
        }
        sink.next_position = position;
        let text = &sink.norm.text[range.clone()];
        let kind = if text.chars().any(is_han) {
            TokenKind::Han
        } else if text.chars().any(char::is_alphabetic) {
            TokenKind::Latin
        } else {
            TokenKind::Number
        };
        sink.push(range, kind);
    }

    /// Split `range` of the normalised text into Han runs, words and emoji, and emit them.
    ///
    /// Han runs with only quiet punctuation between them (see [`quiet_gap`]) go to jieba
    /// together, in one call: jieba segments each run of its own character class alone,
    /// so the runs' tokens are the same as from one call per run, and a clause-long run
    /// per call (most of a review) paid jieba's fixed cost per call many times a text.
    fn scan(&self, range: Range<usize>, sink: &mut Sink<'_, '_>) {
        let norm = sink.norm;
        let text = norm.text.as_str();
        let end = range.end;
        let mut word = Word::default();
        // Han runs are found by a plain char test: running the word-bound rules over them
        // would only split them into single chars to be joined again.
        let mut other_start = range.start;
        let mut at = range.start;
        sink.runs.clear();
        while at < end {
            let (han, len) = han_at(text, at);
            if !han {
                at += len;
                continue;
            }
            let start = at;
            at += len;
            while at < end {
                match han_at(text, at) {
                    (true, len) => at += len,
                    _ => break,
                }
            }
            let gap = other_start..start;
            if !sink.batch || sink.runs.is_empty() || !quiet_gap(&norm.text[gap.clone()]) {
                self.han_runs(sink);
                self.scan_other(gap, &mut word, sink);
                word.flush(sink);
            }
            sink.runs.push(start..at);
            other_start = at;
        }
        self.han_runs(sink);
        self.scan_other(other_start..end, &mut word, sink);
        word.flush(sink);
    }

    /// Words, numbers and emoji of a stretch without Han, by Unicode word bounds and
    /// graphemes; punctuation and whitespace end a word and are dropped.
    fn scan_other(&self, range: Range<usize>, word: &mut Word, sink: &mut Sink<'_, '_>) {
        let norm = sink.norm;
        let base = range.start;
        let stretch = &norm.text[range];
        // Between Han runs there is mostly punctuation (`,` `。` `！`): with no letter, digit,
        // hyphen or emoji in the stretch every segment would only end the word.
        if stretch.chars().all(inert) {
            word.flush(sink);
            return;
        }
        for (i, seg) in stretch.split_word_bound_indices() {
            let start = base + i;
            let end = start + seg.len();
            let Some(first) = seg.chars().next() else {
                continue;
            };
            let pictographic = seg.chars().any(is_emoji_char);
            if first.is_alphanumeric() && !pictographic {
                word.extend(start..end, seg, sink);
            } else if seg == "-" {
                word.hyphen(start, sink);
            } else if pictographic {
                for (gi, g) in seg.grapheme_indices(true) {
                    let gs = start + gi;
                    if g.chars().any(is_emoji_char) {
                        word.flush(sink);
                        sink.push(gs..gs + g.len(), TokenKind::Emoji);
                    } else if g.chars().next().is_some_and(char::is_alphanumeric) {
                        word.extend(gs..gs + g.len(), g, sink);
                    } else {
                        word.flush(sink);
                    }
                }
            } else {
                word.flush(sink);
            }
        }
    }

    /// Segment the Han runs gathered in `sink.runs` (taken from it) with jieba in search
    /// mode (HMM off: it invents words from character statistics, and names must come from
    /// the dictionaries), in one call over the text from the first run to the last. The
    /// quiet punctuation between runs comes back as tokens of one char each, dropped here.
    fn han_runs(&self, sink: &mut Sink<'_, '_>) {
        let (Some(first), Some(last)) = (sink.runs.first(), sink.runs.last()) else {
            return;
        };
        let norm = sink.norm;
        let base = first.start;
        let text = &norm.text[base..last.end];
        let tokens = self.jieba.cut_for_search(text, false);
        // Search mode emits a word's 2- and 3-grams just before the word, and the words
        // themselves tile each run, so walking backwards a token inside the last word seen
        // (and shorter) is one of its sub-words. (A dropped gap token is one char and
        // holds no other.)
        let marks = &mut *sink.marks;
        marks.clear();
        marks.resize(tokens.len(), false);
        let mut word: Option<(usize, usize)> = None;
        for (k, t) in tokens.iter().enumerate().rev() {
            match word {
                Some((s, e))
                    if s <= t.byte_start
                        && t.byte_end <= e
                        && t.byte_end - t.byte_start < e - s =>
                {
                    marks[k] = true;
                }
                _ => word = Some((t.byte_start, t.byte_end)),
            }
        }
        let mut group_start = sink.out.len();
        let mut run = 0;
        for (k, t) in tokens.iter().enumerate() {
            let range = base + t.byte_start..base + t.byte_end;
            while sink.runs.get(run).is_some_and(|r| r.end <= range.start) {
                run += 1;
            }
            if sink.runs.get(run).is_none_or(|r| range.start < r.start) {
                continue; // between two runs
            }
            if sink.marks[k] {
                sink.push_sub(range);
            } else {
                let position = sink.next_position;
                for s in &mut sink.out[group_start..] {
                    s.position = position;
                }
                sink.push(range, TokenKind::Han);
                group_start = sink.out.len();
            }
        }
        sink.runs.clear();
    }
}

/// Per-thread buffers of [`Analyzer::analyze_into`], reused from text to text.
#[derive(Default)]
struct Scratch {
    norm: Normalized,
    /// Han runs waiting to be segmented together.
    runs: Vec<Range<usize>>,
    /// Which of jieba's tokens are sub-words.
    marks: Vec<bool>,
}

impl Scratch {
    /// A rare huge text must not pin its buffers for the thread's life.
    fn release_if_huge(&mut self) {
        const MAX_BYTES: usize = 1 << 20;
        if self.norm.text.capacity() > MAX_BYTES || self.marks.capacity() > MAX_BYTES {
            *self = Scratch::default();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Whether jieba, given the Han runs on both sides of `gap` and `gap` in one call, reads
/// them as it reads each run alone, and the scan emits nothing for `gap`: every char is
/// outside jieba's word class (CJK, ASCII letters and digits, `+#&._%-`), so it keeps the
/// runs apart, and none is a letter, digit, hyphen or emoji, so the gap only ends a word.
fn quiet_gap(gap: &str) -> bool {
    gap.chars()
        .all(|c| inert(c) && !matches!(c, '+' | '#' | '&' | '.' | '_' | '%'))
}

/// Whether `c` only ends a word in the scan: no letter, digit, hyphen or emoji. The common
/// CJK and general punctuation (`。` `、` `“` `…` `（`) is answered without Unicode's
/// alphabetic tables, which most of the scan's time between Han runs went to.
#[inline]
fn inert(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric() && c != '-';
    }
    if matches!(c, '\u{2010}'..='\u{2027}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}')
    {
        return true;
    }
    !c.is_alphanumeric() && !is_emoji_char(c)
}

/// Whether the char at byte `at` of `text` (a char boundary) is Han, and its length in
/// bytes: the main CJK block is told from its first two bytes, without decoding.
#[inline]
fn han_at(text: &str, at: usize) -> (bool, usize) {
    let bytes = text.as_bytes();
    let b = bytes[at];
    if b < 0x80 {
        return (false, 1);
    }
    if (0xE4..=0xE9).contains(&b) && (b != 0xE4 || bytes.get(at + 1) >= Some(&0xB8)) {
        return (true, 3);
    }
    text[at..]
        .chars()
        .next()
        .map_or((false, 1), |c| (is_han(c), c.len_utf8()))
}

/// Where tokens go, with the running position.
struct Sink<'n, 'o> {
    norm: &'n Normalized,
    out: &'o mut Vec<Token>,
    runs: &'o mut Vec<Range<usize>>,
    marks: &'o mut Vec<bool>,
    /// Han runs with quiet gaps between them go to jieba together (off only in tests).
    batch: bool,
    next_position: u32,
    /// Tokens arrive in text order, so each offset lookup starts where the last one ended.
    span_hint: usize,
}

impl Sink<'_, '_> {
    /// A main token at the next position.
    fn push(&mut self, range: Range<usize>, kind: TokenKind) {
        let position = self.next_position;
        self.next_position = self.next_position.saturating_add(1);
        self.push_at(range, kind, position, false);
    }

    /// A Han sub-word; its position is set when its word arrives.
    fn push_sub(&mut self, range: Range<usize>) {
        self.push_at(range, TokenKind::Han, self.next_position, true);
    }

    fn push_at(&mut self, range: Range<usize>, kind: TokenKind, position: u32, sub_word: bool) {
        let Some(text) = self.norm.text.get(range.clone()) else {
            return;
        };
        let orig = self.norm.original_range_from(range, &mut self.span_hint);
        self.out.push(Token {
            text: CompactString::new(text),
            start: orig.start,
            end: orig.end,
            position,
            sub_word,
            kind,
        });
    }
}

/// A Latin word or number being gathered from adjacent word-bound segments (kana come one
/// char per segment; `wi-fi` comes as `wi`, `-`, `fi`).
#[derive(Default)]
struct Word {
    range: Option<Range<usize>>,
    letters: bool,
    /// Offset of a `-` just after the word, kept if an ASCII letter or digit follows it.
    hyphen: Option<usize>,
}

impl Word {
    fn extend(&mut self, range: Range<usize>, text: &str, sink: &mut Sink<'_, '_>) {
        let letters = text.chars().any(char::is_alphabetic);
        let joins_hyphen = self.hyphen.is_some_and(|h| h + 1 == range.start)
            && text.starts_with(|c: char| c.is_ascii_alphanumeric());
        match &mut self.range {
            Some(r) if r.end == range.start || joins_hyphen => {
                r.end = range.end;
                self.letters |= letters;
                self.hyphen = None;
            }
            _ => {
                self.flush(sink);
                self.range = Some(range);
                self.letters = letters;
            }
        }
    }

    fn hyphen(&mut self, at: usize, sink: &mut Sink<'_, '_>) {
        let after_word = self.hyphen.is_none()
            && self.range.as_ref().is_some_and(|r| {
                r.end == at
                    && sink.norm.text[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
            });
        if after_word {
            self.hyphen = Some(at);
        } else {
            self.flush(sink);
        }
    }

    fn flush(&mut self, sink: &mut Sink<'_, '_>) {
        self.hyphen = None;
        if let Some(range) = self.range.take() {
            let kind = if self.letters {
                TokenKind::Latin
            } else {
                TokenKind::Number
            };
            sink.push(range, kind);
        }
    }
}

/// A phrase match must not cut an ASCII word: `manner` must not match inside `mannerism`.
fn on_word_edges(text: &str, start: usize, end: usize) -> bool {
    let ascii_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let before = text[..start].chars().next_back();
    let first = text[start..].chars().next();
    let last = text[..end].chars().next_back();
    let after = text[end..].chars().next();
    !(ascii_word(before) && ascii_word(first) || ascii_word(last) && ascii_word(after))
}

/// CJK ideographs (the ranges jieba treats as Han, plus 〇).
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{3007}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}'
        | '\u{30000}'..='\u{323AF}'
    )
}

/// Extended_Pictographic (emoji-data.txt, Unicode 15) plus regional indicators (flags),
/// skin-tone modifiers and the keycap mark, any of which makes its grapheme an emoji.
fn is_emoji_char(c: char) -> bool {
    if (c as u32) < 0xA9 {
        return false;
    }
    matches!(c,
        '\u{A9}' | '\u{AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{2199}' | '\u{21A9}'..='\u{21AA}' | '\u{231A}'..='\u{231B}'
        | '\u{2328}' | '\u{2388}' | '\u{23CF}' | '\u{23E9}'..='\u{23F3}'
        | '\u{23F8}'..='\u{23FA}' | '\u{24C2}' | '\u{25AA}'..='\u{25AB}' | '\u{25B6}'
        | '\u{25C0}' | '\u{25FB}'..='\u{25FE}' | '\u{2600}'..='\u{2605}'
        | '\u{2607}'..='\u{2612}' | '\u{2614}'..='\u{2685}' | '\u{2690}'..='\u{2705}'
        | '\u{2708}'..='\u{2712}' | '\u{2714}' | '\u{2716}' | '\u{271D}' | '\u{2721}'
        | '\u{2728}' | '\u{2733}'..='\u{2734}' | '\u{2744}' | '\u{2747}' | '\u{274C}'
        | '\u{274E}' | '\u{2753}'..='\u{2755}' | '\u{2757}' | '\u{2763}'..='\u{2767}'
        | '\u{2795}'..='\u{2797}' | '\u{27A1}' | '\u{27B0}' | '\u{27BF}'
        | '\u{2934}'..='\u{2935}' | '\u{2B05}'..='\u{2B07}' | '\u{2B1B}'..='\u{2B1C}'
        | '\u{2B50}' | '\u{2B55}' | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{20E3}'
        | '\u{1F000}'..='\u{1F0FF}' | '\u{1F10D}'..='\u{1F10F}' | '\u{1F12F}'
        | '\u{1F16C}'..='\u{1F171}' | '\u{1F17E}'..='\u{1F17F}' | '\u{1F18E}'
        | '\u{1F191}'..='\u{1F19A}' | '\u{1F1AD}'..='\u{1F1FF}'
        | '\u{1F201}'..='\u{1F20F}' | '\u{1F21A}' | '\u{1F22F}' | '\u{1F232}'..='\u{1F23A}'
        | '\u{1F23C}'..='\u{1F23F}' | '\u{1F249}'..='\u{1F53D}' | '\u{1F546}'..='\u{1F64F}'
        | '\u{1F680}'..='\u{1F6FF}' | '\u{1F774}'..='\u{1F77F}' | '\u{1F7D5}'..='\u{1F7FF}'
        | '\u{1F80C}'..='\u{1F80F}' | '\u{1F848}'..='\u{1F84F}' | '\u{1F85A}'..='\u{1F85F}'
        | '\u{1F888}'..='\u{1F88F}' | '\u{1F8AE}'..='\u{1F8FF}' | '\u{1F90C}'..='\u{1F93A}'
        | '\u{1F93C}'..='\u{1F945}' | '\u{1F947}'..='\u{1FAFF}' | '\u{1FC00}'..='\u{1FFFD}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspecting_sees_the_folded_text_the_tokens_come_from() {
        let analyzer = Analyzer::builder().build();
        for text in [
            "ＨＥＬＬＯ，受邀来试吃😋 味道ＯＫ",
            "和星河小酒馆合作。今天去了江南西",
            "",
            "ｱｲｳ ① Ⅻ ﬁ",
        ] {
            let (tokens, seen) = analyzer.analyze_inspecting(text, str::to_string);
            assert_eq!(seen, crate::text::fold(text), "{text}");
            assert_eq!(tokens, analyzer.analyze(text), "{text}");
        }
    }

    #[test]
    fn emoji_chars() {
        for c in ['😂', '👍', '❤', '🍜', '☕', '🇨', '\u{1F3FB}'] {
            assert!(is_emoji_char(c), "{c}");
        }
        for c in ['a', '好', '1', '!', '，', '。', '~'] {
            assert!(!is_emoji_char(c), "{c}");
        }
    }

    /// Texts whose Han runs lie between every kind of gap: quiet punctuation, jieba's
    /// connectors (`.` `-` `%` `&`), letters, digits, emoji, line breaks, and the Han chars
    /// jieba does not class as Han (〇, U+30000).
    const MIXED: [&str; 8] = [
        "环境很好，服务态度也不错！下次还来。。。",
        "人均50%的折扣.真的划算&好吃-推荐iphone15拍照😋好看\r\n第二次来了",
        "〇点开门\u{30000}好吃的小笼包，〇〇后最爱！“招牌菜”（必点）",
        "Ｍ记烧腊的拿铁😋,环境好；manner咖啡 很好喝…… 第2次来",
        "中华人民共和国国歌，北京天安门广场——南京市长江大桥",
        "好\n吃\t的\u{3000}火锅~~~",
        "",
        "，。！",
    ];

    #[test]
    fn batched_runs_give_the_tokens_of_one_call_per_run() {
        let analyzer = Analyzer::builder()
            .words(["manner咖啡", "m记烧腊", "小笼包"])
            .build();
        let asap = include_str!("../../data/asap/dev_sample.csv");
        for text in MIXED.iter().copied().chain(asap.lines().take(300)) {
            assert_eq!(
                analyzer.analyze(text),
                analyzer.analyze_per_run(text),
                "{text}"
            );
        }
    }

    #[test]
    fn quiet_gaps_hold_nothing_jieba_or_the_scan_would_read() {
        for gap in ["，", "。！", " ", "\n", "“", "（", "~…"] {
            assert!(quiet_gap(gap), "{gap:?}");
        }
        for gap in [
            "a",
            "1",
            ".",
            "-",
            "%",
            "&",
            "#",
            "+",
            "_",
            "😋",
            "，a",
            "ありがとう",
        ] {
            assert!(!quiet_gap(gap), "{gap:?}");
        }
    }

    #[test]
    fn inert_fast_ranges_agree_with_the_full_test() {
        let full = |c: char| !c.is_alphanumeric() && c != '-' && !is_emoji_char(c);
        for c in ('\0'..='\u{3100}').chain('\u{FF00}'..='\u{FFEF}') {
            assert_eq!(inert(c), full(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn han_at_agrees_with_is_han() {
        let text = "一丁龥鿿〇\u{3400}\u{F900}\u{20000}\u{30000}a，😋ア한ä㐀";
        for (i, c) in text.char_indices() {
            assert_eq!(han_at(text, i), (is_han(c), c.len_utf8()), "{c}");
        }
    }

    #[test]
    fn phrase_edges_respect_ascii_words() {
        assert!(on_word_edges("去manner咖啡", 3, 15));
        assert!(!on_word_edges("mannerism", 0, 6));
        assert!(!on_word_edges("xmanner", 1, 7));
        assert!(on_word_edges("manner 好", 0, 6));
    }
}
