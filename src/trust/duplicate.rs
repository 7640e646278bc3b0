//! Templated and copied text across different authors (刷评模板), found with MinHash over
//! character shingles (the `gaoya` crate's hashers) and locality-sensitive banding within
//! each merchant's documents.

use std::collections::{BTreeMap, BTreeSet};

use compact_str::CompactString;
use rayon::prelude::*;

use crate::evidence::EvidenceSet;
use crate::text::fingerprint::{jaccard, shingles, BANDS};
pub use crate::text::fingerprint::{BandHasher, Bands};
use crate::trust::Commercial;

/// Jaccard similarity of shingle sets from which two texts are one template.
const THRESHOLD: f64 = 0.8;
/// A template is flagged once this many different authors used it.
pub const MIN_AUTHORS: usize = 3;

/// A set of near-identical texts from different authors.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateGroup {
    /// The city of the merchant whose documents hold the copies: a template is judged
    /// among one city's documents (see [`detect`]).
    pub city: String,
    /// Document indexes, ascending.
    pub docs: Vec<usize>,
    /// Distinct authors among the copies.
    pub authors: usize,
}

/// Groups of near-duplicate documents written by at least [`MIN_AUTHORS`] authors.
///
/// A bought template is posted about one shop within weeks, so copies are only looked for
/// among the documents of one merchant that lie within `CAMPAIGN_DAYS` (60) of each other.
/// That bounds the work by the busiest shop's two months, not by the size of the corpus:
/// stock phrases recur across thousands of shops, and a corpus-wide index would compare
/// every pair of them.
pub fn detect<'c>(
    evidence: &EvidenceSet,
    commercial: &BTreeMap<usize, Commercial>,
    city_of: &(dyn Fn(&str) -> Option<&'c str> + Sync),
) -> Vec<TemplateGroup> {
    // The band hashes come with each document (computed when its text was read, and
    // reused with its reading); shingles are made only for documents that share a band.
    let prints: Vec<Option<&Bands>> = evidence
        .docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if commercial.contains_key(&i) {
                None
            } else {
                d.bands.as_deref()
            }
        })
        .collect();
    let by_merchant: Vec<(&str, &[crate::evidence::Evidence])> =
        evidence.by_merchant().into_iter().collect();
    let merchants: Vec<(&str, Vec<usize>)> = by_merchant
        .into_par_iter()
        .map(|(merchant, items)| {
            let mut docs: Vec<usize> = items
                .iter()
                .map(|e| e.doc)
                .filter(|&d| prints[d].is_some())
                .collect();
            docs.sort_by_key(|&d| (evidence.docs[d].created_at, d));
            docs.dedup();
            (city_of(merchant).unwrap_or(""), docs)
        })
        .collect();
    let mut groups: Vec<TemplateGroup> = merchants
        .par_iter()
        .flat_map_iter(|(city, docs)| {
            let here: Vec<&Bands> = docs.iter().filter_map(|&d| prints[d]).collect();
            clusters(evidence, docs, &here)
                .into_iter()
                .flat_map(|cluster| campaigns(evidence, cluster))
                .map(|mut g| {
                    g.city = city.to_string();
                    g
                })
        })
        .collect();
    drop_common_phrasing(evidence, &prints, city_of, &mut groups);
    // A document about several shops can be part of a campaign at each; keep it once per
    // city, in its largest group there. Everything is judged within a city, so that one
    // city's analysis needs only its own documents (`crate::shard`).
    groups.sort_by(|a, b| {
        (a.city.as_str(), b.authors)
            .cmp(&(b.city.as_str(), a.authors))
            .then_with(|| a.docs.cmp(&b.docs))
    });
    let mut seen = BTreeSet::new();
    groups.retain_mut(|g| {
        g.docs.retain(|&d| seen.insert((g.city.clone(), d)));
        !g.docs.is_empty()
    });
    groups.sort_by(|a, b| a.docs.cmp(&b.docs).then_with(|| a.city.cmp(&b.city)));
    groups
}

/// A near-copy found at this many merchants or more is shared phrasing (an app's default
/// review text, a stock phrase), not a campaign …
pub const COMMON_MERCHANTS: usize = 6;
/// … provided the merchant holds at most this share of its copies (a campaign concentrates
/// on its shop; shared phrasing spreads thin).
const COMMON_MAX_SHARE: f64 = 0.34;

/// Takes out of `groups` the documents whose text is phrasing that many unrelated authors
/// leave at many merchants (很满意的一次就餐体验，整体评价的话我觉得：口味不错 is an app's
/// default text): it carries little information, but it is not coordination. Only the
/// flagged documents' band hashes are looked up, in one pass over the corpus.
fn drop_common_phrasing<'c>(
    evidence: &EvidenceSet,
    prints: &[Option<&Bands>],
    city_of: &(dyn Fn(&str) -> Option<&'c str> + Sync),
    groups: &mut Vec<TemplateGroup>,
) {
    if groups.is_empty() {
        return;
    }
    // (city, band, hash) of every flagged document → the merchants and authors of every
    // document of that city sharing it, and how many documents. A document belongs to the
    // city of each merchant it speaks of.
    type Spread<'a> = (BTreeSet<&'a str>, BTreeSet<&'a str>, usize);
    // Cities as small numbers, so the keys borrow nothing from `groups`.
    let cities: BTreeMap<String, usize> = groups
        .iter()
        .map(|g| g.city.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, i))
        .collect();
    let mut keys: rustc_hash::FxHashMap<(usize, usize, u64), Spread<'_>> = Default::default();
    for g in groups.iter() {
        for &d in &g.docs {
            if let Some(p) = prints[d] {
                for (b, &h) in p.iter().enumerate() {
                    keys.entry((cities[&g.city], b, h)).or_default();
                }
            }
        }
    }
    // The bands alone, whatever the city: nearly every document shares none, and is passed
    // over before its merchants' cities are looked up.
    let bands: rustc_hash::FxHashSet<(usize, u64)> = keys.keys().map(|&(_, b, h)| (b, h)).collect();
    // Every document's bands are looked up in parallel; the few that hit are tallied in
    // document order below (the tallies are bounded, so their order matters).
    let hits: Vec<(usize, (usize, usize, u64))> = prints
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, p)| {
            let mut found = Vec::new();
            let Some(p) = p else { return found };
            if !p.iter().enumerate().any(|(b, &h)| bands.contains(&(b, h))) {
                return found;
            }
            let mut doc_cities: Vec<usize> = evidence.docs[d]
                .merchant_ids
                .iter()
                .filter_map(|m| city_of(m))
                .filter_map(|c| cities.get(c).copied())
                .collect();
            doc_cities.sort_unstable();
            doc_cities.dedup();
            for (c, (b, &h)) in doc_cities
                .iter()
                .flat_map(|c| p.iter().enumerate().map(move |bh| (*c, bh)))
            {
                if keys.contains_key(&(c, b, h)) {
                    found.push((d, (c, b, h)));
                }
            }
            found
        })
        .collect();
    for (d, key) in hits {
        let Some(e) = keys.get_mut(&key) else {
            continue;
        };
        let doc = &evidence.docs[d];
        for m in &doc.merchant_ids {
            // Enough to decide; bounded so a very common phrase costs little.
            if e.0.len() <= 4 * COMMON_MERCHANTS {
                e.0.insert(m.as_str());
            }
        }
        if e.1.len() <= 4 * COMMON_MERCHANTS {
            e.1.insert(doc.author_id.as_str());
        }
        e.2 += 1;
    }
    for g in groups.iter_mut() {
        let here: BTreeSet<&str> = g
            .docs
            .iter()
            .flat_map(|&d| {
                evidence.docs[d]
                    .merchant_ids
                    .iter()
                    .map(CompactString::as_str)
            })
            .collect();
        let size = g.docs.len() as f64;
        let city = cities[&g.city];
        g.docs.retain(|&d| {
            let Some(p) = prints[d] else { return true };
            let common = p.iter().enumerate().any(|(b, &h)| {
                keys.get(&(city, b, h))
                    .is_some_and(|(merchants, authors, n)| {
                        merchants.len() >= COMMON_MERCHANTS
                            && authors.len() >= COMMON_MERCHANTS
                            && size <= COMMON_MAX_SHARE * *n as f64
                            && merchants.iter().filter(|m| !here.contains(*m)).count()
                                >= COMMON_MERCHANTS - 1
                    })
            });
            !common
        });
        g.authors = g
            .docs
            .iter()
            .map(|&d| evidence.docs[d].author_id.as_str())
            .collect::<BTreeSet<_>>()
            .len();
    }
    groups.retain(|g| g.authors >= MIN_AUTHORS);
}

/// A document is compared with at most this many later documents of each band bucket: a
/// stock phrase posted hundreds of times in two months must not cost the square of that.
const MAX_COMPARISONS: usize = 256;

/// Near-duplicate clusters among `docs` (one merchant's, in time order, each with its
/// print in `prints`): pairs that share an LSH band, lie within [`CAMPAIGN_DAYS`] of each
/// other and have a Jaccard similarity of at least [`THRESHOLD`], joined transitively.
fn clusters(evidence: &EvidenceSet, docs: &[usize], prints: &[&Bands]) -> Vec<Vec<usize>> {
    // Enough authors? Counted until there are: most merchants have them in the first few.
    let mut authors: Vec<&str> = Vec::with_capacity(MIN_AUTHORS);
    for &d in docs {
        let a = evidence.docs[d].author_id.as_str();
        if !authors.contains(&a) {
            authors.push(a);
            if authors.len() == MIN_AUTHORS {
                break;
            }
        }
    }
    if authors.len() < MIN_AUTHORS {
        return Vec::new();
    }
    // Union-find over positions in `docs`; the smaller position is the root.
    let mut parent: Vec<usize> = (0..docs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut bucket: Vec<(u64, usize)> = Vec::with_capacity(docs.len());
    // Shingles of the documents compared so far, by position in `docs`.
    let mut shingled: std::collections::HashMap<usize, Vec<u64>> = Default::default();
    for band in 0..BANDS {
        bucket.clear();
        bucket.extend(prints.iter().enumerate().map(|(i, p)| (p[band], i)));
        bucket.sort_unstable();
        let mut start = 0;
        while start < bucket.len() {
            let key = bucket[start].0;
            // Most keys are one document's: a step, not a search.
            let mut end = start + 1;
            while bucket.get(end).is_some_and(|&(k, _)| k == key) {
                end += 1;
            }
            let members = &bucket[start..end];
            for (x, &(_, i)) in members.iter().enumerate() {
                let t = evidence.docs[docs[i]].created_at;
                for &(_, j) in members[x + 1..].iter().take(MAX_COMPARISONS) {
                    if t.days_until(evidence.docs[docs[j]].created_at) > CAMPAIGN_DAYS {
                        break;
                    }
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    if a == b {
                        continue;
                    }
                    let text = |k: usize| &*evidence.docs[docs[k]].text;
                    let a_shingles = shingled.entry(i).or_insert_with(|| shingles(text(i)));
                    let a_shingles = std::mem::take(a_shingles);
                    let b_shingles = shingled.entry(j).or_insert_with(|| shingles(text(j)));
                    let similar = jaccard(&a_shingles, b_shingles) >= THRESHOLD;
                    shingled.insert(i, a_shingles);
                    if similar {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
            start = end;
        }
    }
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &doc) in docs.iter().enumerate() {
        let r = root(&mut parent, i);
        out.entry(r).or_default().push(doc);
    }
    out.into_values()
        .filter(|c| c.len() >= MIN_AUTHORS)
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
        city: String::new(),
        authors: authors_of(&docs),
        docs,
    }]
}
