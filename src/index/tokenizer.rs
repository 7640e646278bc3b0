//! The tantivy side of the one Chinese analyzer: indexed text is segmented exactly as
//! queries and scoring segment it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tantivy::tokenizer::{Token as TantivyToken, TokenStream, Tokenizer};

use crate::text::{Analyzer, Token};

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
    prepared: Arc<Prepared>,
}

impl JiebaTokenizer {
    /// A tokenizer sharing `analyzer`.
    pub fn new(analyzer: Arc<Analyzer>) -> Self {
        Self::with_prepared(analyzer, Arc::default())
    }

    /// A tokenizer that takes a text's tokens from `prepared` when they were put there.
    pub(crate) fn with_prepared(analyzer: Arc<Analyzer>, prepared: Arc<Prepared>) -> Self {
        Self { analyzer, prepared }
    }
}

/// Texts segmented ahead of indexing, each taken (once) by the tokenizer when tantivy's
/// indexing thread asks for it. Segmenting is the part of indexing that does not
/// depend on the index; done here by the caller in parallel, it leaves that thread the
/// postings alone. The tokens are exactly what [`tokens`] would make of the text on the
/// spot (a text not found is segmented then), so the index is the same either way.
///
/// A queue in the order the documents are added: tantivy's one indexing thread (see
/// `WRITER_THREADS`) asks for the texts in that order, so the text asked for is the one
/// at the front, which is checked by comparing the texts (a map keyed by text hashed every
/// text twice, on the indexing thread among others). A text that does not match (an
/// empty one, which is not queued) is segmented on the spot and the queue left as is.
#[derive(Default)]
pub(crate) struct Prepared {
    pending: Mutex<VecDeque<(Box<str>, Vec<Token>)>>,
}

impl Prepared {
    /// Queues `tokens` (made by [`tokens`] from `text`) for the tokenizer; the text is
    /// kept as is (no second copy) to check it against the text tantivy asks for.
    pub(crate) fn put(&self, text: String, tokens: Vec<Token>) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.push_back((text.into_boxed_str(), tokens));
        }
    }

    fn take(&self, text: &str) -> Option<Vec<Token>> {
        let mut pending = self.pending.lock().ok()?;
        if pending.front().is_some_and(|(t, _)| **t == *text) {
            pending.pop_front().map(|(_, tokens)| tokens)
        } else {
            None
        }
    }

    /// Forgets whatever was not taken (a text tantivy did not segment).
    pub(crate) fn clear(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.clear();
        }
    }
}

/// The tokens of `text` as the index stores them: the analyzer's, in position order.
///
/// They stay in the analyzer's compact form (most token texts inline, no allocation)
/// until the stream hands them to tantivy one at a time through a single reused
/// [`TantivyToken`]: converting each into an owned `String` up front cost an
/// allocation and a free per token, about a hundred million of them at 1M documents.
pub(crate) fn tokens(analyzer: &Analyzer, text: &str) -> Vec<Token> {
    in_index_order(analyzer.analyze(text))
}

/// The analyzer's tokens of a text in the order the index takes them.
pub(crate) fn in_index_order(mut tokens: Vec<Token>) -> Vec<Token> {
    // tantivy delta-encodes each term's positions in stream order (in an index made with
    // positions, as older ones were) and would underflow on a position going backwards;
    // a stable sort keeps the analyzer's order otherwise.
    tokens.sort_by_key(|t| t.position);
    tokens
}

/// The tokens of one text, handed to tantivy one at a time.
pub struct JiebaTokenStream {
    tokens: Vec<Token>,
    /// Index of the current token plus one; 0 before the first `advance`.
    next: usize,
    /// The current token in tantivy's form (its text buffer reused from token to token);
    /// the default token before the first or after the last `advance`.
    current: TantivyToken,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let tokens = self
            .prepared
            .take(text)
            .unwrap_or_else(|| tokens(&self.analyzer, text));
        JiebaTokenStream {
            tokens,
            next: 0,
            current: TantivyToken::default(),
        }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        let Some(t) = self.tokens.get(self.next) else {
            self.next = self.tokens.len() + 1;
            self.current = TantivyToken::default();
            return false;
        };
        self.next += 1;
        let c = &mut self.current;
        c.offset_from = t.start;
        c.offset_to = t.end;
        c.position = t.position as usize;
        c.position_length = 1;
        c.text.clear();
        c.text.push_str(&t.text);
        true
    }

    fn token(&self) -> &TantivyToken {
        &self.current
    }

    fn token_mut(&mut self) -> &mut TantivyToken {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_tokens_are_taken_in_order_and_checked_against_the_text() {
        let analyzer = Analyzer::builder().build_shared();
        let prepared = Prepared::default();
        let (a, b) = ("咖啡很好喝", "火锅太辣了");
        prepared.put(a.to_string(), tokens(&analyzer, a));
        prepared.put(b.to_string(), tokens(&analyzer, b));
        // Not the front: nothing taken, the queue left as it was.
        assert!(prepared.take(b).is_none());
        assert!(prepared.take("").is_none());
        let got: Vec<String> = prepared
            .take(a)
            .unwrap()
            .iter()
            .map(|t| t.text.to_string())
            .collect();
        let want: Vec<String> = tokens(&analyzer, a)
            .iter()
            .map(|t| t.text.to_string())
            .collect();
        assert_eq!(got, want);
        assert!(prepared.take(b).is_some());
        assert!(prepared.take(b).is_none());
    }

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
