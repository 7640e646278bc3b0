//! Collusive groups: accounts that review the same set of merchants together, within weeks
//! of each other (a review farm working through its client list).

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::corpus::Timestamp;
use crate::evidence::EvidenceSet;
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

    let mut parent: Vec<usize> = (0..authors.len()).collect();
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
    for i in 0..authors.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups
        .into_values()
        .filter(|g| g.len() >= MIN_GROUP)
        .map(|g| {
            let mut count: BTreeMap<&str, usize> = BTreeMap::new();
            for &a in &g {
                for m in &merchants_of[authors[a]] {
                    *count.entry(m).or_insert(0) += 1;
                }
            }
            Group {
                authors: g.iter().map(|&a| authors[a].to_string()).collect(),
                merchants: count
                    .into_iter()
                    .filter(|&(_, n)| n >= MIN_SHARED)
                    .map(|(m, _)| m.to_string())
                    .collect(),
            }
        })
        .collect()
}
