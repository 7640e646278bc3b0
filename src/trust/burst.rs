//! Bursts: many opinions about one merchant within days, far above the merchant's own
//! rate, mostly from throwaway accounts. Glowing bursts are bought praise (刷好评); scathing
//! bursts on a merchant with a good record are competitors' attacks (恶意差评).

use std::collections::BTreeMap;

use crate::evidence::{Evidence, EvidenceSet};
use crate::trust::author::Credibility;

/// Window length in days.
const WINDOW_DAYS: f64 = 7.0;
/// A window needs at least this many opinions …
const MIN_COUNT: usize = 5;
/// … and this many times the merchant's usual rate outside the window …
const RATE_FACTOR: f64 = 4.0;
/// … and at least this share of them from throwaway accounts.
const THROWAWAY_SHARE: f64 = 0.5;

/// Which way a burst pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Praise: bought five-star reviews.
    Praise,
    /// Scorn on a merchant whose other evidence is good: an attack.
    Attack,
    /// Scorn on a merchant without a good record: reported, not discounted as an attack.
    Scorn,
}

/// One detected burst on one merchant.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub direction: Direction,
    /// Evidence indexes (into the merchant's slice) from throwaway accounts in the burst:
    /// the ones discounted.
    pub members: Vec<usize>,
    /// Opinions in the busiest window.
    pub count: usize,
    /// The merchant's usual number of opinions per window.
    pub usual: f64,
}

/// Bursts in one merchant's time-ordered evidence.
pub fn detect(
    evidence: &EvidenceSet,
    items: &[Evidence],
    credibility: &BTreeMap<String, Credibility>,
) -> Vec<Burst> {
    if items.len() < MIN_COUNT {
        return Vec::new();
    }
    let time = |i: usize| evidence.doc(&items[i]).created_at;
    let throwaway = |i: usize| {
        let d = evidence.doc(&items[i]);
        credibility
            .get(&d.author_id)
            .is_none_or(|c| c.is_throwaway_at(d.created_at))
    };
    let span = time(0).days_until(time(items.len() - 1)).max(WINDOW_DAYS);

    // Mark every item inside some window that qualifies.
    let mut in_burst = vec![false; items.len()];
    let mut peak: Option<(usize, f64)> = None;
    let mut start = 0;
    for end in 0..items.len() {
        while time(start).days_until(time(end)) > WINDOW_DAYS {
            start += 1;
        }
        let count = end + 1 - start;
        let outside = (items.len() - count) as f64;
        let outside_days = (span - WINDOW_DAYS).max(30.0);
        let usual = outside / outside_days * WINDOW_DAYS;
        let throwaways = (start..=end).filter(|&i| throwaway(i)).count();
        if count >= MIN_COUNT
            && count as f64 >= RATE_FACTOR * usual.max(1.0)
            && throwaways as f64 >= THROWAWAY_SHARE * count as f64
        {
            for flag in &mut in_burst[start..=end] {
                *flag = true;
            }
            if peak.is_none_or(|(c, _)| count > c) {
                peak = Some((count, usual));
            }
        }
    }
    let Some((count, usual)) = peak else {
        return Vec::new();
    };

    let members: Vec<usize> = (0..items.len())
        .filter(|&i| in_burst[i] && throwaway(i))
        .collect();
    let mean = |idx: &mut dyn Iterator<Item = usize>| {
        let (mut n, mut s) = (0.0, 0.0);
        for i in idx {
            n += 1.0;
            s += items[i].value;
        }
        (n > 0.0).then(|| s / n)
    };
    let burst_mean = mean(&mut members.iter().copied()).unwrap_or(0.5);
    let rest_mean = mean(&mut (0..items.len()).filter(|&i| !in_burst[i] || !throwaway(i)));
    let direction = if burst_mean >= 0.6 {
        Direction::Praise
    } else if burst_mean <= 0.4 && rest_mean.is_some_and(|m| m >= 0.6) {
        Direction::Attack
    } else if burst_mean <= 0.4 {
        Direction::Scorn
    } else {
        return Vec::new();
    };
    vec![Burst {
        direction,
        members,
        count,
        usual,
    }]
}
