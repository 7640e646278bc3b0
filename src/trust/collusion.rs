//! Collusive groups: accounts that review the same set of merchants together, within weeks
//! of each other (a review farm working through its client list).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::corpus::Timestamp;
use crate::evidence::EvidenceSet;
use crate::trust::activity::Activity;
use crate::trust::Commercial;

/// Two accounts collude when they share at least this many merchants …
const MIN_SHARED: usize = 3;
/// … which are at least this share of the smaller account's merchants.
const MIN_OVERLAP: f64 = 0.8;
/// A group needs at least this many accounts.
pub const MIN_GROUP: usize = 4;
/// Two reviews of one merchant are "together" when written within this many days.
const TOGETHER_DAYS: f64 = 30.0;
/// Merchants with more candidate reviewers than this are skipped when pairing accounts:
/// pairs grow with the square, and a farm's targets are small shops.
const MAX_REVIEWERS_PER_MERCHANT: usize = 400;

/// A group of accounts and the merchants they worked on together.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// The accounts, sorted.
    pub authors: Vec<String>,
    /// Merchants reviewed by at least `MIN_SHARED` members.
    pub merchants: Vec<String>,
}

/// Collusive groups, ordered by their first author id.
///
/// The plain statement of the rule, kept as the reference that [`detect_indexed`] (what
/// the pipeline runs) is tested against.
pub fn detect(evidence: &EvidenceSet, commercial: &BTreeMap<usize, Commercial>) -> Vec<Group> {
    // Real-name verified accounts are included: verification is rented as easily as an
    // account is bought, so it lowers no suspicion here.
    type Seen<'a> = (
        HashMap<&'a str, Vec<&'a str>>,
        HashMap<(&'a str, &'a str), Timestamp>,
    );
    // Built in parallel parts and merged: lists made sets below, and minima, give the same
    // maps however the items are split.
    let (by_author, first_time): Seen = evidence
        .items
        .par_iter()
        .fold(Seen::default, |(mut by_author, mut first_time), e| {
            if commercial.contains_key(&e.doc) {
                return (by_author, first_time);
            }
            let author = evidence.doc(e).author_id.as_str();
            by_author
                .entry(author)
                .or_default()
                .push(e.merchant_id.as_str());
            let t = evidence.doc(e).created_at;
            first_time
                .entry((author, e.merchant_id.as_str()))
                .and_modify(|f| *f = (*f).min(t))
                .or_insert(t);
            (by_author, first_time)
        })
        .reduce(Seen::default, |mut a, mut b| {
            if a.1.len() < b.1.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (author, ms) in b.0 {
                a.0.entry(author).or_default().extend(ms);
            }
            for (key, t) in b.1 {
                a.1.entry(key).and_modify(|f| *f = (*f).min(t)).or_insert(t);
            }
            a
        });
    // Ordered by author id from here: positions, pairs and groups follow that order.
    let merchants_of: BTreeMap<&str, Vec<&str>> = by_author
        .into_iter()
        .filter_map(|(a, mut m)| {
            m.sort_unstable();
            m.dedup();
            (m.len() >= MIN_SHARED).then_some((a, m))
        })
        .collect();
    let authors: Vec<&str> = merchants_of.keys().copied().collect();
    let position: HashMap<&str, usize> = authors.iter().enumerate().map(|(i, a)| (*a, i)).collect();

    let mut reviewers: BTreeMap<&str, Vec<(usize, Timestamp)>> = BTreeMap::new();
    for (a, ms) in &merchants_of {
        for m in ms {
            reviewers
                .entry(m)
                .or_default()
                .push((position[a], first_time[&(*a, *m)]));
        }
    }
    let lists: Vec<&Vec<(usize, Timestamp)>> = reviewers
        .values()
        .filter(|list| list.len() <= MAX_REVIEWERS_PER_MERCHANT)
        .collect();
    // Each author's number of merchants by position: looked up once per candidate pair,
    // of which a big corpus has tens of millions.
    let sizes: Vec<usize> = merchants_of.values().map(Vec::len).collect();
    // Where each author stands in the lists it is on: (list, index in the list).
    let mut places: Vec<Vec<(usize, usize)>> = vec![Vec::new(); authors.len()];
    for (l, list) in lists.iter().enumerate() {
        for (k, &(a, _)) in list.iter().enumerate() {
            places[a].push((l, k));
        }
    }
    // Each author's partners of higher position are counted on their own, in parallel:
    // the later reviewers beside it on each list, sorted, so a run is one partner's
    // shared merchants. No shared map, exact counts, and the pairs come out in (a, b)
    // order whatever the number of threads.
    let pairs: Vec<(usize, usize)> = places
        .par_iter()
        .enumerate()
        .flat_map_iter(|(a, places)| {
            let mut partners: Vec<usize> = Vec::new();
            for &(l, k) in places {
                let list = lists[l];
                let ta = list[k].1;
                // Honest regulars of the same shops visit months apart; a farm works through
                // its client list within weeks.
                partners.extend(
                    list[k + 1..]
                        .iter()
                        .filter(|&&(_, tb)| ta.days_until(tb).abs() <= TOGETHER_DAYS)
                        .map(|&(b, _)| b),
                );
            }
            partners.sort_unstable();
            let sizes = &sizes;
            let mut out = Vec::new();
            for run in partners.chunk_by(|x, y| x == y) {
                let (b, n) = (run[0], run.len());
                let smaller = sizes[a].min(sizes[b]);
                if n >= MIN_SHARED && n as f64 >= MIN_OVERLAP * smaller as f64 {
                    out.push((a, b));
                }
            }
            out
        })
        .collect();

    groups_of(
        authors.len(),
        pairs,
        0..authors.len(),
        |a| authors[a],
        |a| merchants_of[authors[a]].iter().copied(),
    )
}

/// [`detect`]'s groups, the same to the byte, from accounts and merchants numbered once
/// and flat sorted arrays instead of maps keyed by string: a million evidence items cost a
/// sort rather than millions of hashed and ordered lookups by id. One city's global pass
/// (`crate::shard`) runs it over the whole corpus, and every assessment over its own.
///
/// `parts` are evidence sets with their commercial documents (by index into that set),
/// read as one: the whole corpus may come in parts (one city's writers and the others).
pub fn detect_indexed(parts: &[(&EvidenceSet, &BTreeMap<usize, Commercial>)]) -> Vec<Group> {
    groups_in(&Activity::of(parts))
}

/// [`detect_indexed`] of the table it is read from, which the author summaries read too.
pub(crate) fn groups_in(activity: &Activity<'_>) -> Vec<Group> {
    // Accounts are numbered in id order (so numbers order as `detect`'s positions do) and
    // merchants in id order (their names are sorted again for the output).
    let (author_ids, merchant_ids) = (&activity.authors, &activity.merchants);
    // (account, merchant, first time): the earliest row of each pair.
    let mut rows: Vec<(u32, u32, i64)> = activity
        .rows
        .chunk_by(|x, y| x.author == y.author && x.merchant == y.merchant)
        .map(|run| (run[0].author, run[0].merchant, run[0].unix))
        .collect();
    // Accounts with at least MIN_SHARED merchants take part.
    let mut merchants_of: Vec<u32> = vec![0; author_ids.len()];
    for &(a, _, _) in &rows {
        merchants_of[a as usize] += 1;
    }
    rows.retain(|&(a, _, _)| merchants_of[a as usize] as usize >= MIN_SHARED);
    // Each merchant's reviewers in account order, as one list per merchant.
    let mut by_merchant: Vec<(u32, u32, i64)> = rows.iter().map(|&(a, m, t)| (m, a, t)).collect();
    by_merchant.par_sort_unstable();
    let lists: Vec<&[(u32, u32, i64)]> = by_merchant
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|list| list.len() <= MAX_REVIEWERS_PER_MERCHANT)
        .collect();
    let mut places: Vec<Vec<(u32, u32)>> = vec![Vec::new(); author_ids.len()];
    for (l, list) in lists.iter().enumerate() {
        for (k, &(_, a, _)) in list.iter().enumerate() {
            places[a as usize].push((l as u32, k as u32));
        }
    }
    let day = 86_400.0;
    let pairs: Vec<(usize, usize)> = places
        .par_iter()
        .enumerate()
        .flat_map_iter(|(a, places)| {
            let mut partners: Vec<u32> = Vec::new();
            for &(l, k) in places {
                let list = lists[l as usize];
                let ta = list[k as usize].2;
                partners.extend(
                    list[k as usize + 1..]
                        .iter()
                        .filter(|&&(_, _, tb)| ((tb - ta) as f64 / day).abs() <= TOGETHER_DAYS)
                        .map(|&(_, b, _)| b),
                );
            }
            partners.sort_unstable();
            let merchants_of = &merchants_of;
            let mut out = Vec::new();
            for run in partners.chunk_by(|x, y| x == y) {
                let (b, n) = (run[0] as usize, run.len());
                let smaller = merchants_of[a].min(merchants_of[b]) as usize;
                if n >= MIN_SHARED && n as f64 >= MIN_OVERLAP * smaller as f64 {
                    out.push((a, b));
                }
            }
            out
        })
        .collect();
    // Each account's merchants: its run of `rows` (sorted by account).
    let runs: BTreeMap<u32, &[(u32, u32, i64)]> = rows
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| (run[0].0, run))
        .collect();
    groups_of(
        author_ids.len(),
        pairs,
        (0..author_ids.len()).filter(|&a| merchants_of[a] as usize >= MIN_SHARED),
        |a| author_ids[a],
        |a| {
            runs[&(a as u32)]
                .iter()
                .map(|&(_, m, _)| merchant_ids[m as usize])
        },
    )
}

/// The tail both detectors share: accounts `0..n` joined by colluding `pairs` (union-find),
/// the groups of at least [`MIN_GROUP`] among `members`, ordered by their first (smallest)
/// account, each with the merchants at least [`MIN_SHARED`] of its members reviewed.
fn groups_of<'a, I: Iterator<Item = &'a str>>(
    n: usize,
    pairs: Vec<(usize, usize)>,
    members: impl Iterator<Item = usize>,
    author: impl Fn(usize) -> &'a str,
    merchants: impl Fn(usize) -> I,
) -> Vec<Group> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for a in members {
        let r = root(&mut parent, a);
        groups.entry(r).or_default().push(a);
    }
    groups
        .into_values()
        .filter(|g| g.len() >= MIN_GROUP)
        .map(|g| {
            let mut count: BTreeMap<&str, usize> = BTreeMap::new();
            for &a in &g {
                for m in merchants(a) {
                    *count.entry(m).or_insert(0) += 1;
                }
            }
            Group {
                authors: g.iter().map(|&a| author(a).to_string()).collect(),
                merchants: count
                    .into_iter()
                    .filter(|&(_, n)| n >= MIN_SHARED)
                    .map(|(m, _)| m.to_string())
                    .collect(),
            }
        })
        .collect()
}
