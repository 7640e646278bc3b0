//! Chinese text analysis shared by indexing and scoring.
//!
//! PLACEHOLDER: a minimal analyzer with the final API so that other modules can be built
//! against it; the text branch replaces it with the real one (NFKC folding with offsets,
//! domain dictionary, Latin/emoji handling).

use std::sync::Arc;

use jieba_rs::Jieba;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Han,
    Latin,
    Number,
    Emoji,
}

/// One token: normalised text plus byte offsets into the *original* text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Normalised (NFKC, lowercased) text of the token.
    pub text: String,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte in the original text.
    pub end: usize,
    /// Word position; a search-mode sub-word shares its word's position.
    pub position: u32,
    /// True for a search-mode sub-word (咖啡 inside 咖啡馆).
    pub sub_word: bool,
    pub kind: TokenKind,
}

/// The shared analyzer. Build once (building jieba takes tens of milliseconds) and share it
/// behind an `Arc`.
pub struct Analyzer {
    jieba: Jieba,
}

/// Adds words (merchant names, aliases) before the analyzer is built.
#[derive(Default)]
pub struct AnalyzerBuilder {
    words: Vec<String>,
}

impl AnalyzerBuilder {
    /// Keep `word` as one token.
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

    pub fn build(self) -> Analyzer {
        let mut jieba = Jieba::new();
        for w in &self.words {
            jieba.add_word(w, Some(100_000), None);
        }
        Analyzer { jieba }
    }

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
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// Tokens of `text`, in order of position.
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.analyze_into(text, &mut out);
        out
    }

    /// Like [`analyze`](Self::analyze) but reuses `out` (cleared first).
    pub fn analyze_into(&self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        let lowered = text.to_lowercase();
        if lowered.len() != text.len() {
            return;
        }
        let toks = self.jieba.cut_for_search(&lowered, false);
        let mut main_end = 0usize;
        let mut position = 0u32;
        let mut pending: Vec<Token> = Vec::new();
        for t in toks.iter().rev() {
            if t.word.trim().is_empty() || !t.word.chars().any(char::is_alphanumeric) {
                continue;
            }
            let sub = t.byte_end <= main_end && !pending.is_empty();
            if !sub {
                main_end = t.byte_end;
            }
            pending.push(Token {
                text: t.word.to_string(),
                start: t.byte_start,
                end: t.byte_end,
                position: 0,
                sub_word: sub,
                kind: TokenKind::Han,
            });
            if !sub {
                main_end = t.byte_start.max(0);
                main_end = t.byte_end;
            }
        }
        pending.reverse();
        for mut t in pending {
            if !t.sub_word && !out.is_empty() {
                position += 1;
            }
            t.position = position;
            out.push(t);
        }
    }
}

pub struct Normalized { pub text: String }
pub fn normalize(s: &str) -> Normalized { Normalized { text: s.to_lowercase() } }
