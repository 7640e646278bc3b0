//! Bursts: many opinions about one merchant within a short time, far above that merchant's
//! own rate. Whether a burst is bought praise, an attack or a shop going viral is not
//! decided here: the caller compares what the burst says with what the merchant's credible
//! reviewers say (see `trust::assess`). Nothing here looks at who posted: account age,
//! verification and followers are exactly what a campaign can buy.

use crate::corpus::Timestamp;

/// Window lengths in days: a campaign may take hours, days, two weeks or a month.
const WINDOWS: [f64; 5] = [1.0, 3.0, 7.0, 14.0, 30.0];
/// A window needs at least this many opinions …
const MIN_COUNT: usize = 5;
/// … and a count this unlikely (log10 of the Poisson tail) at the merchant's usual rate.
const MAX_LOG10_TAIL: f64 = -5.0;
/// The usual rate is never taken below one opinion per this many days: a shop with three
/// reviews in two years is not "attacked" by its next two.
const SLOWEST_DAYS_PER_OPINION: f64 = 45.0;
/// The rate is measured over at least this many days of the merchant's history.
const MIN_HISTORY_DAYS: f64 = 90.0;

/// One run of opinions far above the merchant's usual rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    /// Positions (into the times given to [`detect`]) inside the burst, ascending.
    pub members: Vec<usize>,
    /// The merchant's usual number of opinions in the same span of time.
    pub usual: f64,
    /// Days from the burst's first to its last opinion.
    pub days: f64,
}

/// log10 of P(X ≥ k) for X ~ Poisson(λ), bounded above by the first term's geometric sum.
fn log10_tail(k: usize, lambda: f64, ln_fact: &[f64]) -> f64 {
    let kf = k as f64;
    if lambda >= kf + 1.0 {
        return 0.0;
    }
    let ln_term = -lambda + kf * lambda.max(1e-12).ln() - ln_fact[k];
    let ln_tail = ln_term - (1.0 - lambda / (kf + 1.0)).ln();
    (ln_tail / std::f64::consts::LN_10).min(0.0)
}

/// Bursts among one merchant's opinions, given their times in ascending order; `as_of`
/// closes the merchant's history.
pub fn detect(times: &[Timestamp], as_of: Timestamp) -> Vec<Burst> {
    let n = times.len();
    if n < MIN_COUNT {
        return Vec::new();
    }
    let mut ln_fact = vec![0.0; n + 1];
    for k in 1..=n {
        ln_fact[k] = ln_fact[k - 1] + (k as f64).ln();
    }
    let history = times[0].days_until(as_of).max(MIN_HISTORY_DAYS);
    let mut marked = vec![false; n];
    for w in WINDOWS {
        let mut start = 0;
        for end in 0..n {
            while times[start].days_until(times[end]) > w {
                start += 1;
            }
            let count = end + 1 - start;
            if count < MIN_COUNT {
                continue;
            }
            // The usual rate from the rest of the merchant's history, so that a burst
            // cannot raise its own baseline.
            let rest_days = (history - w).max(MIN_HISTORY_DAYS - w).max(1.0);
            let rate = ((n - count) as f64 / rest_days).max(1.0 / SLOWEST_DAYS_PER_OPINION);
            if log10_tail(count, rate * w, &ln_fact) <= MAX_LOG10_TAIL {
                marked[start..=end].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    // Runs of marked opinions (times are sorted, so overlapping windows are contiguous).
    let mut bursts = Vec::new();
    let mut i = 0;
    while i < n {
        if !marked[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && marked[j + 1] {
            j += 1;
        }
        let days = times[i].days_until(times[j]);
        let rest_days = (history - days).max(1.0);
        let count = j + 1 - i;
        let rate = ((n - count) as f64 / rest_days).max(1.0 / SLOWEST_DAYS_PER_OPINION);
        bursts.push(Burst {
            members: (i..=j).collect(),
            usual: rate * days.max(1.0),
            days,
        });
        i = j + 1;
    }
    bursts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: f64) -> Timestamp {
        Timestamp::from_unix(1_700_000_000 + (d * 86_400.0) as i64)
    }

    #[test]
    fn a_steady_trickle_is_no_burst_and_a_spike_is_one_whatever_its_length() {
        // One opinion a fortnight for two years.
        let steady: Vec<Timestamp> = (0..52).map(|i| day(14.0 * i as f64)).collect();
        assert!(detect(&steady, day(730.0)).is_empty());
        for (count, span) in [(12, 0.2), (10, 3.0), (15, 12.0), (20, 28.0)] {
            let mut t = steady.clone();
            t.extend((0..count).map(|i| day(400.0 + span * i as f64 / count as f64)));
            t.sort();
            let b = detect(&t, day(730.0));
            assert_eq!(b.len(), 1, "{count} in {span} days");
            assert!(b[0].members.len() >= count, "{count} in {span} days");
            assert!(b[0].members.len() <= count + 3, "{count} in {span} days");
        }
    }

    #[test]
    fn a_busy_shop_at_its_usual_pace_is_no_burst() {
        // Two opinions a day for a year, with the odd busy day.
        let mut t: Vec<Timestamp> = (0..730).map(|i| day(i as f64 * 0.5)).collect();
        t.extend((0..4).map(|i| day(200.0 + 0.1 * i as f64)));
        t.sort();
        assert!(detect(&t, day(365.0)).is_empty());
    }
}
