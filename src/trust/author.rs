//! Author credibility: how much one account's word counts, before anything it wrote is
//! looked at.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Corpus, Timestamp};
use crate::evidence::EvidenceSet;
use crate::trust::activity::{Activity, Row};
use crate::trust::Commercial;

/// How far an account is trusted, with the parts that make it up (for `explain`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Credibility {
    /// The product of the parts below as of `as_of`, 0 for a banned account.
    pub weight: f64,
    /// Account creation, when known.
    pub created_at: Option<Timestamp>,
    /// Account age in days at `as_of`; `None` when unknown (treated as new).
    pub age_days: Option<f64>,
    /// Distinct merchants the account wrote about.
    pub merchants: usize,
    /// Distinct cities of those merchants.
    pub cities: usize,
    /// Days between the account's first and last writing.
    pub active_days: f64,
    /// Real-name verified.
    pub real_name: bool,
    /// Followers (0 when unknown).
    pub followers: u64,
    /// Banned by the platform.
    pub banned: bool,
    /// A 商家号: belongs to a merchant.
    pub merchant_account: bool,
}

/// What a throwaway account's word is worth next to its credibility otherwise.
const THROWAWAY_FACTOR: f64 = 0.5;
/// An account younger than this when it writes is new.
const NEW_ACCOUNT_DAYS: f64 = 30.0;

impl Credibility {
    /// Age in days when writing at `at`; `None` when the creation time is unknown.
    pub fn age_at(&self, at: Timestamp) -> Option<f64> {
        self.created_at.map(|c| c.days_until(at).max(0.0))
    }

    /// New when it wrote at `at` (or of unknown age) and not real-name verified: the
    /// profile of a bought or farm account. Age is taken at the time of writing, since an
    /// account made for a burst is old by the time anyone audits it.
    pub fn is_throwaway_at(&self, at: Timestamp) -> bool {
        !self.real_name && self.age_at(at).is_none_or(|d| d < NEW_ACCOUNT_DAYS)
    }

    /// How established the account is, 0 to 1, from what is costly to fake: a history of
    /// writing about several merchants over months (as of the analysis's instant). Age,
    /// real-name verification and followers add nothing here: aged accounts are bought,
    /// verified accounts are rented, followers are sold. An account with at most
    /// [`LITTLE_HISTORY_MERCHANTS`] merchants or active for at most
    /// [`LITTLE_HISTORY_DAYS`] days is 0: its voice goes to the bounded pool (see
    /// `reputation`).
    pub fn established(&self) -> f64 {
        if self.banned || self.merchant_account {
            return 0.0;
        }
        let ramp = |x: f64, lo: f64, hi: f64| ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
        ramp(
            self.merchants as f64,
            LITTLE_HISTORY_MERCHANTS as f64,
            FULL_HISTORY_MERCHANTS,
        ) * ramp(self.active_days, LITTLE_HISTORY_DAYS, FULL_HISTORY_DAYS)
    }

    /// How much the account's word counts when written at `at`: like [`weight`](Self::weight)
    /// but with the account's age at that time.
    pub fn weight_at(&self, at: Timestamp) -> f64 {
        let w = weight_of(&Credibility {
            age_days: self.age_at(at),
            ..*self
        });
        // Like review sites' filters, a brand-new anonymous account's word counts for little
        // until the account has a history: that is what bought and farm accounts are.
        if self.is_throwaway_at(at) {
            w * THROWAWAY_FACTOR
        } else {
            w
        }
    }
}

// Shared with the evidence stage (which accounts teach the learned reader).
pub use crate::corpus::{LITTLE_HISTORY_DAYS, LITTLE_HISTORY_MERCHANTS};
/// Fully established from this many merchants …
const FULL_HISTORY_MERCHANTS: f64 = 6.0;
/// … over this many days of activity.
const FULL_HISTORY_DAYS: f64 = 180.0;

/// Full credit for age after a year.
const AGE_FULL_DAYS: f64 = 365.0;
/// Full credit for breadth at this many distinct merchants.
const BREADTH_FULL_MERCHANTS: f64 = 15.0;
/// Followers may raise an account's weight by at most this factor: an influencer's opinion
/// must not outweigh many ordinary visitors.
const REACH_CAP: f64 = 1.3;

/// What credibility is made of, as integers and instants: an author's writing across the
/// whole corpus (commercial content aside) and account facts. Small and exact to ship
/// between machines (see `crate::shard`); [`AuthorSummary::credibility`] makes the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AuthorSummary {
    /// Account creation, when known.
    pub created_at: Option<Timestamp>,
    /// Distinct merchants the account wrote about.
    pub merchants: usize,
    /// Distinct cities of those merchants.
    pub cities: usize,
    /// The account's first writing.
    pub first: Option<Timestamp>,
    /// The account's last writing.
    pub last: Option<Timestamp>,
    /// Real-name verified.
    pub real_name: bool,
    /// Followers (0 when unknown).
    pub followers: u64,
    /// Banned by the platform.
    pub banned: bool,
    /// A 商家号: belongs to a merchant.
    pub merchant_account: bool,
}

impl AuthorSummary {
    /// The summary of an account with this record (if listed) and history: how many
    /// merchants and cities, and its first and last writing.
    fn of(
        author: Option<&crate::corpus::Author>,
        merchants: usize,
        cities: usize,
        span: Option<(Timestamp, Timestamp)>,
    ) -> AuthorSummary {
        AuthorSummary {
            created_at: author.and_then(|a| a.created_at),
            merchants,
            cities,
            first: span.map(|(f, _)| f),
            last: span.map(|(_, l)| l),
            real_name: author.is_some_and(|a| a.verified),
            followers: author.and_then(|a| a.followers).unwrap_or(0),
            banned: author.is_some_and(|a| a.banned),
            merchant_account: author.is_some_and(|a| a.merchant_id.is_some()),
        }
    }

    /// The account's credibility as of `as_of`.
    pub fn credibility(&self, as_of: Timestamp) -> Credibility {
        let active_days = match (self.first, self.last) {
            (Some(f), Some(l)) => f.days_until(l),
            _ => 0.0,
        };
        let mut c = Credibility {
            weight: 0.0,
            created_at: self.created_at,
            age_days: self.created_at.map(|c| c.days_until(as_of).max(0.0)),
            merchants: self.merchants,
            cities: self.cities,
            active_days,
            real_name: self.real_name,
            followers: self.followers,
            banned: self.banned,
            merchant_account: self.merchant_account,
        };
        c.weight = weight_of(&c);
        c
    }
}

/// Credibility of every author who wrote something, plus any listed author.
pub fn credibility(
    corpus: &Corpus,
    evidence: &EvidenceSet,
    as_of: Timestamp,
    commercial: &BTreeMap<usize, Commercial>,
) -> BTreeMap<String, Credibility> {
    credibility_in(corpus, &Activity::of(&[(evidence, commercial)]), as_of)
}

/// [`credibility`] read from the table the lock-step groups read too.
pub(crate) fn credibility_in(
    corpus: &Corpus,
    activity: &Activity<'_>,
    as_of: Timestamp,
) -> BTreeMap<String, Credibility> {
    summaries_in(corpus, activity, as_of, |_| true)
        .into_iter()
        .map(|(id, s)| (id, s.credibility(as_of)))
        .collect()
}

/// What [`credibility`] is made of, per author: every author with evidence that is not
/// commercial (dated up to `as_of`), plus any listed author.
pub fn summaries(
    corpus: &Corpus,
    evidence: &EvidenceSet,
    as_of: Timestamp,
    commercial: &BTreeMap<usize, Commercial>,
) -> BTreeMap<String, AuthorSummary> {
    summaries_in(
        corpus,
        &Activity::of(&[(evidence, commercial)]),
        as_of,
        |_| true,
    )
}

/// [`summaries`] read from the table the lock-step groups read too, for the authors `keep`
/// accepts. An author's history is its run of rows: the distinct merchants, their cities,
/// and the first and last documents dated up to `as_of`.
pub(crate) fn summaries_in(
    corpus: &Corpus,
    activity: &Activity<'_>,
    as_of: Timestamp,
    keep: impl Fn(&str) -> bool + Sync,
) -> BTreeMap<String, AuthorSummary> {
    struct History {
        merchants: usize,
        cities: usize,
        first: Timestamp,
        last: Timestamp,
    }
    // Each merchant's city as a small number (cities are few), by merchant number.
    let mut city_no: BTreeMap<&str, u32> = BTreeMap::new();
    let merchant_city: Vec<Option<u32>> = activity
        .merchants
        .iter()
        .map(|m| {
            let city = corpus.merchants.get(*m)?.city.as_str();
            let next = city_no.len() as u32;
            Some(*city_no.entry(city).or_insert(next))
        })
        .collect();
    let until = as_of.unix();
    let runs: Vec<&[Row]> = activity
        .rows
        .chunk_by(|x, y| x.author == y.author)
        .filter(|run| keep(activity.authors[run[0].author as usize]))
        .collect();
    // Earliest and latest by (instant, document): the same row on any number of threads.
    let histories: Vec<(&str, History)> = runs
        .par_iter()
        .filter_map(|run| {
            let mut counted = run.iter().filter(|r| r.unix <= until);
            let head = counted.next()?;
            let (mut first, mut last) = (head, head);
            let mut merchants = vec![head.merchant];
            for r in counted {
                if (r.unix, r.part, r.doc) < (first.unix, first.part, first.doc) {
                    first = r;
                }
                if (r.unix, r.part, r.doc) > (last.unix, last.part, last.doc) {
                    last = r;
                }
                if merchants.last() != Some(&r.merchant) {
                    merchants.push(r.merchant);
                }
            }
            let mut cities: Vec<u32> = merchants
                .iter()
                .filter_map(|&m| merchant_city[m as usize])
                .collect();
            cities.sort_unstable();
            cities.dedup();
            let history = History {
                merchants: merchants.len(),
                cities: cities.len(),
                first: activity.doc(first).created_at,
                last: activity.doc(last).created_at,
            };
            Some((activity.authors[head.author as usize], history))
        })
        .collect();
    // Authors with a history and listed authors, both in id order: merged.
    let listed = corpus
        .authors
        .keys()
        .map(String::as_str)
        .filter(|id| keep(id));
    let mut ids: Vec<(&str, Option<&History>)> = Vec::with_capacity(histories.len());
    let mut written = histories.iter().peekable();
    for id in listed {
        while let Some((w, h)) = written.next_if(|(w, _)| *w < id) {
            ids.push((w, Some(h)));
        }
        match written.next_if(|(w, _)| *w == id) {
            Some((w, h)) => ids.push((w, Some(h))),
            None => ids.push((id, None)),
        }
    }
    ids.extend(written.map(|(w, h)| (*w, Some(h))));
    let summaries: Vec<(String, AuthorSummary)> = ids
        .par_iter()
        .map(|&(id, h)| {
            let s = AuthorSummary::of(
                corpus.authors.get(id),
                h.map_or(0, |h| h.merchants),
                h.map_or(0, |h| h.cities),
                h.map(|h| (h.first, h.last)),
            );
            (id.to_string(), s)
        })
        .collect();
    summaries.into_iter().collect()
}

fn weight_of(c: &Credibility) -> f64 {
    if c.banned {
        return 0.0;
    }
    let age = c.age_days.map_or(0.0, |d| (d / AGE_FULL_DAYS).min(1.0));
    let breadth = ((1.0 + c.merchants as f64).ln() / (1.0 + BREADTH_FULL_MERCHANTS).ln()).min(1.0);
    let span = (c.active_days / AGE_FULL_DAYS).min(1.0);
    let cities = if c.cities > 1 { 0.05 } else { 0.0 };
    let base = 0.2 + 0.35 * age + 0.25 * breadth + 0.15 * span + cities;
    let real_name = if c.real_name { 1.25 } else { 1.0 };
    let reach = (1.0 + 0.06 * (1.0 + c.followers as f64).log10()).min(REACH_CAP);
    base * real_name * reach
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn profile() -> Credibility {
        Credibility {
            weight: 0.0,
            created_at: None,
            age_days: Some(800.0),
            merchants: 30,
            cities: 2,
            active_days: 700.0,
            real_name: false,
            followers: 50,
            banned: false,
            merchant_account: false,
        }
    }

    #[test]
    fn seasoned_accounts_outweigh_new_ones_and_banned_count_nothing() {
        let old = weight_of(&profile());
        let new = weight_of(&Credibility {
            age_days: Some(3.0),
            merchants: 1,
            cities: 1,
            active_days: 0.0,
            ..profile()
        });
        let unknown_age = weight_of(&Credibility {
            age_days: None,
            ..profile()
        });
        assert!(old > 3.0 * new, "{old} vs {new}");
        assert!(unknown_age < old);
        assert_eq!(
            weight_of(&Credibility {
                banned: true,
                ..profile()
            }),
            0.0
        );
        assert!(
            weight_of(&Credibility {
                real_name: true,
                ..profile()
            }) > old
        );
    }

    #[test]
    fn followers_raise_reach_only_up_to_a_cap() {
        let ordinary = weight_of(&profile());
        let star = weight_of(&Credibility {
            followers: 5_000_000,
            ..profile()
        });
        assert!(star > ordinary);
        assert!(star <= ordinary * REACH_CAP / 1.0 + 1e-9);
    }

    /// The summaries written plainly: a hash map of every author's merchants and times.
    fn summaries_by_the_rule(
        corpus: &Corpus,
        evidence: &EvidenceSet,
        as_of: Timestamp,
        commercial: &BTreeMap<usize, Commercial>,
    ) -> BTreeMap<String, AuthorSummary> {
        #[derive(Default)]
        struct History<'a> {
            // Lists, made sets when counted: cheaper than a set insert per item.
            merchants: Vec<&'a str>,
            first: Option<Timestamp>,
            last: Option<Timestamp>,
        }
        impl<'a> History<'a> {
            fn merge(&mut self, other: History<'a>) {
                self.merchants.extend(other.merchants);
                self.first = self.first.min(other.first).or(self.first).or(other.first);
                self.last = self.last.max(other.last);
            }
        }
        type Histories<'a> = rustc_hash::FxHashMap<&'a str, History<'a>>;
        // Each merchant's city, hashed: looked up once per distinct merchant of an author.
        let city: rustc_hash::FxHashMap<&str, &str> = corpus
            .merchants
            .iter()
            .map(|(id, m)| (id.as_str(), m.city.as_str()))
            .collect();
        // Hashed, not ordered: a million items' lookups by author id; the output is ordered
        // below. Built in parallel parts and merged: sets, minima and maxima give the same
        // histories however the items are split.
        let history: Histories = evidence
            .items
            .par_iter()
            .fold(Histories::default, |mut history, e| {
                let d = evidence.doc(e);
                if d.created_at > as_of || commercial.contains_key(&e.doc) {
                    return history;
                }
                let h = history.entry(d.author_id.as_str()).or_default();
                h.merchants.push(e.merchant_id.as_str());
                h.first = Some(h.first.map_or(d.created_at, |f| f.min(d.created_at)));
                h.last = Some(h.last.map_or(d.created_at, |l| l.max(d.created_at)));
                history
            })
            .reduce(Histories::default, |mut a, mut b| {
                if a.len() < b.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                for (id, h) in b {
                    a.entry(id).or_default().merge(h);
                }
                a
            });
        let empty = History::default();
        let mut ids: BTreeSet<&str> = history.keys().copied().collect();
        ids.extend(corpus.authors.keys().map(String::as_str));
        let ids: Vec<&str> = ids.into_iter().collect();
        let summaries: Vec<(String, AuthorSummary)> = ids
            .par_iter()
            .map(|&id| {
                let h = history.get(id).unwrap_or(&empty);
                let author = corpus.authors.get(id);
                let mut merchants = h.merchants.clone();
                merchants.sort_unstable();
                merchants.dedup();
                // The cities of its distinct merchants: the same set as of every item's.
                let mut cities: Vec<&str> = merchants
                    .iter()
                    .filter_map(|m| city.get(m).copied())
                    .collect();
                cities.sort_unstable();
                cities.dedup();
                let span = h.first.zip(h.last);
                let s = AuthorSummary::of(author, merchants.len(), cities.len(), span);
                (id.to_string(), s)
            })
            .collect();
        summaries.into_iter().collect()
    }

    #[test]
    fn summaries_follow_the_rule_on_the_demo_corpus() {
        let (corpus, evidence) = crate::evidence::extract::tests::demo_evidence();
        let commercial = crate::trust::sponsored::detect(&corpus, &evidence);
        assert!(
            !commercial.is_empty(),
            "the demo has commercial notes to set aside"
        );
        let latest = corpus.resolve_as_of(None);
        // At the latest instant, and at one that leaves later documents out.
        let earlier = Timestamp::from_unix(latest.unix() - 120 * 86_400);
        for as_of in [latest, earlier] {
            let got = summaries(&corpus, &evidence, as_of, &commercial);
            assert_eq!(
                got,
                summaries_by_the_rule(&corpus, &evidence, as_of, &commercial)
            );
            assert!(got.values().any(|s| s.cities > 1 && s.merchants > 3));
        }
    }
}
