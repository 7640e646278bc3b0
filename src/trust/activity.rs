//! Who wrote about which merchant, and when: one table over the evidence that is not
//! commercial, from which both each account's history ([`author::summaries`]) and the
//! lock-step groups ([`collusion::detect_indexed`]) are read.
//!
//! Both start from the same (account, merchant, time) facts, a million at a million
//! documents. Each used to gather them on its own: the histories into a hash map of
//! merchant lists per account, the groups into numbered rows. They are gathered once
//! here, as numbered rows sorted by account, merchant and time: an account's history is
//! its run of rows, and a (account, merchant) pair's first row is the one the groups
//! pair accounts by.
//!
//! [`author::summaries`]: super::author::summaries
//! [`collusion::detect_indexed`]: super::collusion::detect_indexed

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::evidence::EvidenceSet;
use crate::trust::Commercial;

/// One evidence item that is not commercial. Ordered by account, merchant, instant, then
/// where it came from, so a sort gives every run the same order on any number of threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Row {
    /// The account's number: its position in [`Activity::authors`].
    pub author: u32,
    /// The merchant's number: its position in [`Activity::merchants`].
    pub merchant: u32,
    /// When the document was written (seconds since the epoch).
    pub unix: i64,
    /// Which evidence set the document is in (its position in [`Activity::parts`]) …
    pub part: u32,
    /// … and its index there.
    pub doc: u32,
}

/// The rows of every part, with the accounts and merchants they number.
pub(crate) struct Activity<'a> {
    /// The evidence sets read, as one corpus.
    pub parts: Vec<&'a EvidenceSet>,
    /// Every document's account, in id order.
    pub authors: Vec<&'a str>,
    /// Every item's merchant, in id order.
    pub merchants: Vec<&'a str>,
    /// Every item that is not commercial, sorted.
    pub rows: Vec<Row>,
}

impl<'a> Activity<'a> {
    /// The table of `parts` (evidence sets with their commercial documents, by index into
    /// that set), read as one: the whole corpus may come in parts (one city's writers and
    /// the others, in `crate::shard`).
    pub fn of(parts: &[(&'a EvidenceSet, &BTreeMap<usize, Commercial>)]) -> Activity<'a> {
        // Accounts and merchants are numbered by a hash map in the order met, then renumbered
        // in id order: a million lookups, where sorting a million ids took longer.
        let ((authors, doc_author), (merchants, item_merchant)) = rayon::join(
            || {
                numbered(
                    parts
                        .iter()
                        .map(|(ev, _)| ev.docs.iter().map(|d| d.author_id.as_str())),
                )
            },
            || {
                numbered(
                    parts
                        .iter()
                        .map(|(ev, _)| ev.items.iter().map(|e| e.merchant_id.as_str())),
                )
            },
        );
        let mut rows: Vec<Row> = Vec::new();
        for (p, (evidence, commercial)) in parts.iter().enumerate() {
            let (doc_author, item_merchant) = (&doc_author[p], &item_merchant[p]);
            rows.par_extend(
                evidence
                    .items
                    .par_iter()
                    .enumerate()
                    .filter(|(_, e)| !commercial.contains_key(&e.doc))
                    .map(|(k, e)| Row {
                        author: doc_author[e.doc],
                        merchant: item_merchant[k],
                        unix: evidence.docs[e.doc].created_at.unix(),
                        part: p as u32,
                        doc: e.doc as u32,
                    }),
            );
        }
        rows.par_sort_unstable();
        Activity {
            parts: parts.iter().map(|(ev, _)| *ev).collect(),
            authors,
            merchants,
            rows,
        }
    }

    /// The document a row came from.
    pub fn doc(&self, row: &Row) -> &'a crate::evidence::extract::Document {
        &self.parts[row.part as usize].docs[row.doc as usize]
    }
}

/// The distinct ids of `lists` in id order, and each list's ids as numbers (positions in
/// that order).
fn numbered<'a, L>(lists: impl Iterator<Item = L>) -> (Vec<&'a str>, Vec<Vec<u32>>)
where
    L: Iterator<Item = &'a str>,
{
    let mut seen: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut names: Vec<&'a str> = Vec::new();
    let mut lists: Vec<Vec<u32>> = lists
        .map(|list| {
            list.map(|id| {
                *seen.entry(id).or_insert_with(|| {
                    names.push(id);
                    (names.len() - 1) as u32
                })
            })
            .collect()
        })
        .collect();
    drop(seen);
    let mut order: Vec<u32> = (0..names.len() as u32).collect();
    order.par_sort_unstable_by_key(|&t| names[t as usize]);
    let mut rank = vec![0u32; names.len()];
    for (r, &t) in order.iter().enumerate() {
        rank[t as usize] = r as u32;
    }
    for list in &mut lists {
        list.par_iter_mut().for_each(|n| *n = rank[*n as usize]);
    }
    let sorted = order.iter().map(|&t| names[t as usize]).collect();
    (sorted, lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_id_order_whatever_order_the_ids_come_in() {
        let (ids, lists) = numbered(
            [vec!["u9", "u1", "u9"], vec![], vec!["u5", "u1"]]
                .into_iter()
                .map(|l| l.into_iter()),
        );
        assert_eq!(ids, ["u1", "u5", "u9"]);
        assert_eq!(lists, [vec![2, 0, 2], vec![], vec![1, 0]]);
    }
}
