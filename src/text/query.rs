//! What it means for a text to match a query: the one definition that search
//! ([`index`](crate::index)) and query-driven lists ([`selection`](crate::selection)) share.
//!
//! A query is segmented by the [`Analyzer`] like any text, into *word groups*: each main
//! word with the sub-words the analyzer found inside it (`咖啡` inside `咖啡馆`). A text
//! **matches** a query when, for every group, it holds the word or one of its sub-words —
//! in any order, at any distance. Search ranks the matching texts (BM25, a sub-word counting
//! half) and, for recall, never lets a word no text holds empty the answer; a list keeps the
//! merchants whose credible writing matches and weighs how much of it does.

use super::{term_hash, Analyzer, Token};

/// One word of a query and the sub-words inside it; a text holding any of them holds the
/// group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WordGroup {
    /// The word as the analyzer keeps it (folded: width, case).
    pub word: String,
    /// Its sub-words, sorted, without the word itself.
    pub sub_words: Vec<String>,
}

impl WordGroup {
    /// The word, then its sub-words.
    pub fn terms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.word.as_str()).chain(self.sub_words.iter().map(String::as_str))
    }
}

/// The word groups of `query`, in query order, each once. Empty when the query has no
/// word (only spaces or punctuation).
pub fn word_groups(analyzer: &Analyzer, query: &str) -> Vec<WordGroup> {
    let tokens = analyzer.analyze(query);
    let mut groups: Vec<WordGroup> = Vec::new();
    for word in tokens.iter().filter(|t| !t.sub_word && !t.text.is_empty()) {
        let mut sub_words: Vec<String> = tokens
            .iter()
            .filter(|t| is_sub_word_of(t, word) && !t.text.is_empty() && t.text != word.text)
            .map(|t| t.text.to_string())
            .collect();
        sub_words.sort();
        sub_words.dedup();
        let group = WordGroup {
            word: word.text.to_string(),
            sub_words,
        };
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    groups
}

/// A query's word groups as term hashes, to test many texts against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    groups: Vec<Vec<u64>>,
}

impl Matcher {
    /// The matcher of `query`, segmented by `analyzer`.
    pub fn new(analyzer: &Analyzer, query: &str) -> Matcher {
        let groups = word_groups(analyzer, query)
            .iter()
            .map(|g| g.terms().map(term_hash).collect())
            .collect();
        Matcher { groups }
    }

    /// Whether the query has no word (then nothing matches it).
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Whether a text whose sorted, deduplicated [`term_hash`]es are `terms` (a
    /// [`Document::terms`](crate::evidence::Document::terms)) matches the query (see the
    /// [module docs](self)).
    pub fn matches(&self, terms: &[u64]) -> bool {
        !self.groups.is_empty()
            && self
                .groups
                .iter()
                .all(|g| g.iter().any(|h| terms.binary_search(h).is_ok()))
    }
}

fn is_sub_word_of(t: &Token, word: &Token) -> bool {
    t.sub_word && t.start >= word.start && t.end <= word.end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms_of(analyzer: &Analyzer, text: &str) -> Vec<u64> {
        let mut v: Vec<u64> = analyzer
            .analyze(text)
            .iter()
            .map(|t| term_hash(&t.text))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    #[test]
    fn every_word_must_be_held_in_any_order() {
        let a = Analyzer::builder().build();
        assert_eq!(word_groups(&a, "安静 咖啡").len(), 2);
        let q = Matcher::new(&a, "安静 咖啡");
        assert!(q.matches(&terms_of(&a, "这家咖啡很好，店里也安静")));
        assert!(!q.matches(&terms_of(&a, "这家咖啡很好，就是有点吵")));
        let blank = Matcher::new(&a, " ！？。");
        assert!(blank.is_empty() && !blank.matches(&terms_of(&a, "咖啡")));
    }

    #[test]
    fn a_builder_phrase_is_also_held_through_its_sub_words() {
        let a = Analyzer::builder().word("隐巷咖啡").build();
        let q = word_groups(&a, "隐巷咖啡");
        assert_eq!(q.len(), 1);
        assert!(q[0].sub_words.iter().any(|w| w == "咖啡"), "{q:?}");
        let m = Matcher::new(&a, "隐巷咖啡");
        assert!(m.matches(&terms_of(&a, "楼下新开的咖啡店")));
        assert!(!m.matches(&terms_of(&a, "楼下新开的面馆")));
    }
}
