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
const THRESHOLD: f64 = 0.8;
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
        .flat_map(|docs| campaigns(evidence, docs))
        .collect()
}

/// Days within which copies by different authors make one campaign.
const CAMPAIGN_DAYS: f64 = 60.0;

/// The parts of a near-duplicate cluster that look like a campaign: at least
/// [`MIN_AUTHORS`] authors using the text about the same merchant within
/// [`CAMPAIGN_DAYS`]. Stock phrases (虽然排队久，但是味道没得说) recur across honest reviews
/// of many shops, and of one shop over years; a bought template is posted about one shop
/// within weeks.
fn campaigns(evidence: &EvidenceSet, docs: Vec<usize>) -> Vec<TemplateGroup> {
    let authors_of = |ds: &[usize]| -> usize {
        ds.iter()
            .map(|&i| evidence.docs[i].author_id.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    };
    if authors_of(&docs) < MIN_AUTHORS {
        return Vec::new();
    }
    let mut by_merchant: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &docs {
        for m in &evidence.docs[i].merchant_ids {
            by_merchant.entry(m.as_str()).or_default().push(i);
        }
    }
    let mut flagged: BTreeSet<usize> = BTreeSet::new();
    for mut ds in by_merchant.into_values() {
        ds.sort_by_key(|&i| (evidence.docs[i].created_at, i));
        let mut start = 0;
        for end in 0..ds.len() {
            while evidence.docs[ds[start]]
                .created_at
                .days_until(evidence.docs[ds[end]].created_at)
                > CAMPAIGN_DAYS
            {
                start += 1;
            }
            if authors_of(&ds[start..=end]) >= MIN_AUTHORS {
                flagged.extend(ds[start..=end].iter().copied());
            }
        }
    }
    if flagged.is_empty() {
        return Vec::new();
    }
    let docs: Vec<usize> = flagged.into_iter().collect();
    vec![TemplateGroup {
        authors: authors_of(&docs),
        docs,
    }]
}
