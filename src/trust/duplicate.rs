//! Templated and copied text across different authors (刷评模板), found with MinHash over
//! character shingles (the `gaoya` crate's locality-sensitive index).

use std::collections::{BTreeMap, BTreeSet};

use gaoya::minhash::{MinHashIndex, MinHasher, MinHasher32};

use crate::evidence::EvidenceSet;
use crate::text::normalize;
use crate::trust::Commercial;

/// Shingle width in characters: Chinese words are one to three characters long.
const SHINGLE: usize = 3;
/// Shorter texts (after dropping punctuation) say too little to call them copies.
const MIN_CHARS: usize = 16;
/// Estimated Jaccard similarity of shingle sets above which two texts are one template.
const THRESHOLD: f64 = 0.6;
/// A template is flagged once this many different authors used it.
pub const MIN_AUTHORS: usize = 3;

/// A set of near-identical texts from different authors.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateGroup {
    /// Document indexes, ascending.
    pub docs: Vec<usize>,
    pub authors: usize,
}

fn shingles(text: &str) -> Vec<String> {
    let chars: Vec<char> = normalize(text)
        .text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if chars.len() < MIN_CHARS {
        return Vec::new();
    }
    let mut out: Vec<String> = chars.windows(SHINGLE).map(|w| w.iter().collect()).collect();
    out.sort();
    out.dedup();
    out
}

/// Groups of near-duplicate documents written by at least [`MIN_AUTHORS`] authors.
pub fn detect(
    evidence: &EvidenceSet,
    commercial: &BTreeMap<usize, Commercial>,
) -> Vec<TemplateGroup> {
    let hasher = MinHasher32::new(128);
    let mut index: MinHashIndex<u32, usize> = MinHashIndex::new(32, 4, THRESHOLD);
    let mut signatures: Vec<Option<Vec<u32>>> = Vec::with_capacity(evidence.docs.len());
    for (i, d) in evidence.docs.iter().enumerate() {
        let sh = if commercial.contains_key(&i) {
            Vec::new()
        } else {
            shingles(&d.text)
        };
        if sh.is_empty() {
            signatures.push(None);
            continue;
        }
        let sig = hasher.create_signature(sh.iter());
        index.insert(i, sig.clone());
        signatures.push(Some(sig));
    }

    // Union-find over matches; the smallest index is each group's root, so the result does
    // not depend on the index's hash order.
    let mut parent: Vec<usize> = (0..evidence.docs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        let mut matches: Vec<usize> = index.query(sig).into_iter().copied().collect();
        matches.sort_unstable();
        for j in matches {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, sig) in signatures.iter().enumerate() {
        if sig.is_some() {
            let r = root(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
    }
    groups
        .into_values()
        .filter_map(|docs| {
            let authors: BTreeSet<&str> = docs
                .iter()
                .map(|&i| evidence.docs[i].author_id.as_str())
                .collect();
            (authors.len() >= MIN_AUTHORS).then_some(TemplateGroup {
                authors: authors.len(),
                docs,
            })
        })
        .collect()
}
