//! Collusive groups: accounts that review the same set of merchants together, within weeks
//! of each other (a review farm working through its client list).

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let mut by_author: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut first_time: HashMap<(&str, &str), Timestamp> = HashMap::new();
    for e in &evidence.items {
        let author = evidence.doc(e).author_id.as_str();
        if commercial.contains_key(&e.doc) {
            continue;
        }
        by_author
            .entry(author)
            .or_default()
            .insert(e.merchant_id.as_str());
        let t = evidence.doc(e).created_at;
        first_time
            .entry((author, e.merchant_id.as_str()))
            .and_modify(|f| *f = (*f).min(t))
            .or_insert(t);
    }
    // Ordered by author id from here: positions, pairs and groups follow that order.
    let merchants_of: BTreeMap<&str, BTreeSet<&str>> = by_author
        .into_iter()
        .filter(|(_, m)| m.len() >= MIN_SHARED)
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
    // Every pair of accounts that reviewed one merchant together, once per such merchant;
    // sorted, a pair's run is its number of shared merchants. Nearly every pair occurs
    // once, so a flat list (16 bytes a pair) is far smaller than a map of counts (a
    // 24-byte entry a pair, spare capacity, and the old table beside the new one while it
    // grows): at 1M documents that map was the analysis's peak, about 450 MB.
    // Honest regulars of the same shops visit months apart; a farm works through its
    // client list within weeks.
    fn pairs_of(list: &[(usize, Timestamp)]) -> impl Iterator<Item = (usize, usize)> + '_ {
        let small = list.len() <= MAX_REVIEWERS_PER_MERCHANT;
        let list = if small { list } else { &[] };
        list.iter().enumerate().flat_map(move |(k, &(a, ta))| {
            list[k + 1..]
                .iter()
                .filter(move |&&(_, tb)| ta.days_until(tb).abs() <= TOGETHER_DAYS)
                .map(move |&(b, _)| (a.min(b), a.max(b)))
        })
    }
    // Counted first, so the list is allocated once at its size (no doubling on the way).
    let n: usize = reviewers.values().map(|l| pairs_of(l).count()).sum();
    let mut together: Vec<(usize, usize)> = Vec::with_capacity(n);
    for list in reviewers.values() {
        together.extend(pairs_of(list));
    }
    together.sort_unstable();
    // Each author's number of merchants by position: looked up once per candidate pair,
    // of which a big corpus has tens of millions.
    let sizes: Vec<usize> = merchants_of.values().map(BTreeSet::len).collect();
    let pairs: Vec<(usize, usize)> = together
        .chunk_by(|x, y| x == y)
        .filter(|run| {
            let (a, b) = run[0];
            let smaller = sizes[a].min(sizes[b]);
            run.len() >= MIN_SHARED && run.len() as f64 >= MIN_OVERLAP * smaller as f64
        })
        .map(|run| run[0])
        .collect();
    drop(together);

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
