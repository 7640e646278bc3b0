//! Document prints: a hash of everything the index stores of each document, so that an
//! update writes to the index only the documents whose print changed.
//!
//! Every update prints every document of the corpus (a million texts), so the prints are
//! made to be cheap: a fast hash (rustc-hash's string hash, not SipHash), each merchant's
//! part hashed once rather than looked up by string for each document, and the prints kept
//! as sorted lists compared by one merge, not as a hash map rebuilt every time.

use std::hash::Hasher;

use compact_str::CompactString;
use itertools::{EitherOrBoth, Itertools};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use super::{note_input, review_input, DocInput};
use crate::corpus::Corpus;
use crate::evidence::link::NoteLinks;

/// Each document's print, by id: notes and reviews apart, each in id order (the corpus's).
///
/// Prints live in one process's memory and are compared only with prints made by the same
/// build, so the hash need not be stable across versions. A print guards against an
/// unnoticed change, not against a forged one: two different documents with one print
/// would leave the index with the earlier text of one of them (its search snippet), never
/// a different score, which reads the corpus, not the index.
#[derive(Debug, Default)]
pub(crate) struct DocPrints {
    notes: Vec<(CompactString, u64)>,
    reviews: Vec<(CompactString, u64)>,
}

/// Where the index must change between two corpora's documents.
#[derive(Debug, Default)]
pub(crate) struct PrintChanges<'a> {
    /// Ids whose document is new or has another print: to write.
    pub upsert: FxHashSet<&'a str>,
    /// Ids no document holds any more: to delete.
    pub removed: Vec<&'a str>,
}

impl DocPrints {
    /// The prints of every note and review of `corpus`, made in parallel.
    ///
    /// A note's merchants are those the index stores (its POI tags, else `links`' finds).
    pub(crate) fn of(corpus: &Corpus, links: &NoteLinks) -> DocPrints {
        // A merchant's part of a print (its id, city and category), made once, not looked
        // up in the ordered merchant map (string comparisons down a tree) for each of a
        // million documents.
        let merchants: FxHashMap<&str, u64> = corpus
            .merchants
            .iter()
            .map(|(id, m)| {
                let mut h = FxHasher::default();
                for part in [id.as_str(), &m.city, &m.category] {
                    put(&mut h, part.as_bytes());
                }
                (id.as_str(), h.finish())
            })
            .collect();
        let print = |d: DocInput<'_>| -> (CompactString, u64) {
            let mut merchant_ids = d.merchant_ids;
            merchant_ids.sort_unstable();
            merchant_ids.dedup();
            let mut h = FxHasher::default();
            put(&mut h, d.kind.as_str().as_bytes());
            h.write_i64(d.created_at.unix());
            put(&mut h, d.text.as_bytes());
            match d.fallback_city {
                Some(city) => put(&mut h, city.as_bytes()),
                None => h.write_u8(0),
            }
            for id in merchant_ids {
                match merchants.get(id) {
                    Some(&known) => {
                        h.write_u8(1);
                        h.write_u64(known);
                    }
                    None => {
                        h.write_u8(2);
                        put(&mut h, id.as_bytes());
                    }
                }
            }
            (CompactString::new(d.id), h.finish())
        };
        let (notes, reviews) = rayon::join(
            || {
                corpus
                    .notes
                    .par_iter()
                    .map(|(_, note)| print(note_input(corpus, links, note)))
                    .collect()
            },
            || {
                corpus
                    .reviews
                    .par_iter()
                    .map(|(_, review)| print(review_input(corpus, review)))
                    .collect()
            },
        );
        DocPrints { notes, reviews }
    }

    /// What the index must do to go from the documents printed in `self` to those in
    /// `later`. The index holds one document per id, the review where a note and a review
    /// share one (it adds reviews after notes), so ids are compared by that document's
    /// print.
    pub(crate) fn changes_to<'a>(&'a self, later: &'a DocPrints) -> PrintChanges<'a> {
        let mut changes = PrintChanges::default();
        for pair in self
            .by_id()
            .merge_join_by(later.by_id(), |(a, _), (b, _)| a.cmp(b))
        {
            match pair {
                EitherOrBoth::Left((id, _)) => changes.removed.push(id),
                EitherOrBoth::Right((id, _)) => {
                    changes.upsert.insert(id);
                }
                EitherOrBoth::Both((_, was), (id, now)) => {
                    if was != now {
                        changes.upsert.insert(id);
                    }
                }
            }
        }
        changes
    }

    /// `(id, print)` in id order, one per id: a review's print where a note has its id.
    fn by_id(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.notes
            .iter()
            .merge_join_by(&self.reviews, |(n, _), (r, _)| n.cmp(r))
            .map(|pair| {
                let (id, print) = match pair {
                    EitherOrBoth::Left(note) => note,
                    EitherOrBoth::Right(review) | EitherOrBoth::Both(_, review) => review,
                };
                (id.as_str(), *print)
            })
    }

    /// How many documents are printed.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.notes.len() + self.reviews.len()
    }
}

/// Hashes `bytes` as one delimited part: 0xff, which no UTF-8 text holds, ends it.
fn put(h: &mut FxHasher, bytes: &[u8]) {
    h.write(bytes);
    h.write_u8(0xff);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{self, LoadOptions};

    fn demo() -> Corpus {
        corpus::load("fixtures/demo".as_ref(), &LoadOptions::default())
            .expect("the demo corpus loads")
            .corpus
    }

    fn prints(c: &Corpus) -> DocPrints {
        DocPrints::of(c, &NoteLinks::build(c))
    }

    fn sorted<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut v: Vec<&str> = ids.into_iter().collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn the_same_corpus_changes_nothing() {
        let c = demo();
        let (a, b) = (prints(&c), prints(&c));
        assert_eq!(a.len(), c.notes.len() + c.reviews.len());
        let changes = a.changes_to(&b);
        assert!(changes.upsert.is_empty() && changes.removed.is_empty());
    }

    #[test]
    fn an_edit_a_deletion_and_an_addition_are_each_found() {
        let before = demo();
        let mut after = before.clone();
        let edited = after.reviews.keys().nth(3).expect("reviews").clone();
        let review = after.reviews.get_mut(&edited).expect("present");
        review.text = format!("{}（追评：第二次去也不错）", review.text).into();
        let deleted = after.notes.keys().nth(5).expect("notes").clone();
        after.notes.remove(&deleted);
        let template = after.reviews.values().next().expect("reviews").clone();
        let added = CompactString::new("r-added-by-test");
        after.reviews.insert(
            added.clone(),
            corpus::Review {
                id: added.clone(),
                ..template
            },
        );
        let (p, q) = (prints(&before), prints(&after));
        let changes = p.changes_to(&q);
        assert_eq!(
            sorted(changes.upsert.iter().copied()),
            sorted([edited.as_str(), added.as_str()])
        );
        assert_eq!(changes.removed, vec![deleted.as_str()]);
    }

    #[test]
    fn a_merchant_moved_to_another_category_reprints_its_documents_only() {
        let before = demo();
        let mut after = before.clone();
        let moved = after
            .reviews
            .values()
            .next()
            .expect("reviews")
            .merchant_id
            .clone();
        after
            .merchants
            .get_mut(moved.as_str())
            .expect("the review's merchant")
            .category
            .push_str("/新分类");
        let links = NoteLinks::build(&after);
        let (p, q) = (prints(&before), prints(&after));
        let changes = p.changes_to(&q);
        let expected: Vec<&str> = after
            .notes
            .values()
            .filter(|n| {
                let tags = if n.merchant_ids.is_empty() {
                    links.merchants_of(&n.id)
                } else {
                    &n.merchant_ids
                };
                tags.contains(&moved)
            })
            .map(|n| n.id.as_str())
            .chain(
                after
                    .reviews
                    .values()
                    .filter(|r| r.merchant_id == moved)
                    .map(|r| r.id.as_str()),
            )
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(sorted(changes.upsert.iter().copied()), sorted(expected));
        assert!(changes.removed.is_empty());
    }

    #[test]
    fn an_id_held_by_a_note_and_a_review_is_judged_by_the_review() {
        let before = demo();
        let mut after = before.clone();
        // A note that takes a review's id, as a corpus may (the files are checked apart):
        // the index holds the review under that id, so the note changes nothing there.
        let shared = after.reviews.keys().next().expect("reviews").clone();
        let mut note = after.notes.values().next().expect("notes").clone();
        note.id = shared.clone();
        after.notes.insert(shared.clone(), note);
        let (p, q) = (prints(&before), prints(&after));
        let changes = p.changes_to(&q);
        assert!(changes.upsert.is_empty(), "{:?}", changes.upsert);
        assert!(changes.removed.is_empty());
        // Taking the review away leaves the note under the id: rewritten, not deleted.
        let mut later = after.clone();
        later.reviews.remove(&shared);
        let r = prints(&later);
        let changes = q.changes_to(&r);
        assert_eq!(
            sorted(changes.upsert.iter().copied()),
            vec![shared.as_str()]
        );
        assert!(changes.removed.is_empty());
    }
}
