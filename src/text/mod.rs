//! Chinese text analysis shared by indexing and scoring.
//!
//! One pipeline for everything that reads user writing: [`normalize`] (NFKC width folding
//! and lowercasing, with a map back to original byte offsets) → runs of Han, Latin, numbers
//! and emoji → jieba search-mode segmentation of the Han runs (default dictionary plus the
//! domain dictionary `data/dict/domain.txt` plus merchant names) → [`Token`]s whose offsets
//! point into the *original* text.

//!
//! It is also the crate's ground floor: the primitives more than one stage needs live
//! here ([`hash`]: seedless hashing; [`fingerprint`]: MinHash bands for near-duplicate
//! search; [`markers`]: commercial phrases; [`snippet`]: quoting a text), so that no stage
//! imports a later one. `text` imports nothing of the crate but `error`.

mod analyzer;
mod dict;
pub mod fingerprint;
pub mod hash;
pub mod markers;
mod normalize;
pub mod query;
mod snippet;

pub use analyzer::{Analyzer, AnalyzerBuilder};
/// The string type of [`Token::text`] (re-exported so callers need not depend on it).
pub use compact_str::CompactString;
pub use hash::{fnv1a, term_hash};
pub(crate) use normalize::{fold, fold_char_with};
pub use normalize::{normalize, Normalized};
pub use snippet::snippet;

/// What a token is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Chinese characters (also a merchant name mixing Han with other characters).
    Han,
    /// A word of letters, possibly with digits or inner hyphens (`manner`, `iphone15`,
    /// `wi-fi`); other alphabetic scripts (kana, hangul, Cyrillic) count here too.
    Latin,
    /// Digits, possibly with a decimal point or separators (`123`, `3.5`, `1,000`).
    Number,
    /// One emoji grapheme, ZWJ sequences and skin tones included: emoji carry sentiment.
    Emoji,
}

/// One token: normalised text plus byte offsets into the *original* text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Normalised (NFKC, lowercased) text of the token. Inline up to 24 bytes (eight Han
    /// characters), so that most tokens cost no allocation.
    pub text: CompactString,
    /// Byte offset of the first byte in the original text.
    pub start: usize,
    /// Byte offset one past the last byte in the original text.
    pub end: usize,
    /// Word position; a search-mode sub-word shares its word's position.
    pub position: u32,
    /// True for a search-mode sub-word (咖啡 inside 咖啡馆).
    pub sub_word: bool,
    /// What the token is made of.
    pub kind: TokenKind,
}
