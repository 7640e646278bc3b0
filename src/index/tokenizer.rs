//! The tantivy side of the one Chinese analyzer: indexed text is segmented exactly as
//! queries and scoring segment it.

use std::sync::Arc;

use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};

use crate::text::Analyzer;

/// Name under which [`JiebaTokenizer`] is registered on an index's tokenizer manager.
pub const TOKENIZER_NAME: &str = "jingxuan_zh";

/// Adapts [`Analyzer`] to tantivy's [`Tokenizer`] trait.
///
/// Offsets are byte offsets into the original text, the position is the analyzer's word
/// position (a sub-word such as 咖啡 inside 咖啡馆 shares its word's position) and the
/// text is the normalised token.
#[derive(Clone)]
pub struct JiebaTokenizer {
    analyzer: Arc<Analyzer>,
}

impl JiebaTokenizer {
    /// A tokenizer sharing `analyzer`.
    pub fn new(analyzer: Arc<Analyzer>) -> Self {
        Self { analyzer }
    }
}

/// The tokens of one text, already converted.
pub struct JiebaTokenStream {
    tokens: Vec<TantivyToken>,
    /// Index of the current token plus one; 0 before the first `advance`.
    next: usize,
    /// Returned by `token()` before the first or after the last `advance`.
    empty: TantivyToken,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let mut tokens: Vec<TantivyToken> = self
            .analyzer
            .analyze(text)
            .into_iter()
            .map(|t| TantivyToken {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position as usize,
                text: t.text.into_string(),
                position_length: 1,
            })
            .collect();
        // tantivy delta-encodes each term's positions in stream order and would underflow
        // on a position going backwards; a stable sort keeps the analyzer's order
        // otherwise.
        tokens.sort_by_key(|t| t.position);
        JiebaTokenStream {
            tokens,
            next: 0,
            empty: TantivyToken::default(),
        }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            self.next = self.tokens.len() + 1;
            false
        }
    }

    fn token(&self) -> &TantivyToken {
        match self.next.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => t,
            None => &self.empty,
        }
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        match self.next.checked_sub(1) {
            Some(i) if i < self.tokens.len() => &mut self.tokens[i],
            _ => &mut self.empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_positions_and_text() {
        let analyzer = Analyzer::builder().build_shared();
        let text = "这家咖啡馆很安静";
        let ours = analyzer.analyze(text);
        let mut tok = JiebaTokenizer::new(analyzer);
        let mut stream = tok.token_stream(text);
        let mut theirs = Vec::new();
        while let Some(t) = stream.next() {
            assert_eq!(&text[t.offset_from..t.offset_to].to_lowercase(), &t.text);
            theirs.push((t.text.clone(), t.position));
        }
        assert!(!theirs.is_empty());
        assert_eq!(theirs.len(), ours.len());
        assert!(theirs.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(theirs.iter().any(|(w, _)| w == "安静"));
        assert!(!stream.advance());
    }
}
