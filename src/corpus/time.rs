//! Timestamps of the contract: RFC 3339 with an offset, or a plain date where allowed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// An instant, kept as seconds since the Unix epoch (UTC) plus the writer's offset for
/// display. Ordering and equality use the instant only.
#[derive(Debug, Clone, Copy)]
pub struct Timestamp {
    unix: i64,
    offset_seconds: i32,
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.unix == other.unix
    }
}
impl Eq for Timestamp {}
impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.unix.cmp(&other.unix)
    }
}
impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.unix.hash(state)
    }
}

/// Years accepted, first and last. The bounds are fixed, never taken from the wall clock,
/// so that the same corpus always loads the same way. Before 1970 there were no such
/// platforms (and year 0 is a classic placeholder); after 2099 is a placeholder too
/// (`9999-12-31`), and one such timestamp would become the corpus's latest and so the
/// default `--as-of`, ageing every real record into irrelevance.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2099;

fn check_year(s: &str, year: i32) -> Result<(), String> {
    if YEARS.contains(&year) {
        return Ok(());
    }
    let when = if year < *YEARS.start() {
        "before"
    } else {
        "after"
    };
    Err(format!(
        "{s:?} is {when} the years accepted ({}..={}): write the real date, or leave the field out where it is optional",
        YEARS.start(),
        YEARS.end()
    ))
}

/// Plain dates are read as midnight in China Standard Time, the zone the contract's
/// examples use.
const PLAIN_DATE_OFFSET_SECONDS: i32 = 8 * 3600;

impl Timestamp {
    /// Parse RFC 3339 with an offset (`2025-10-02T12:30:00+08:00`).
    pub fn parse_rfc3339(s: &str) -> Result<Self, String> {
        let dt = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
            format!("{s:?} is not an RFC 3339 timestamp with an offset (like 2025-10-02T12:30:00+08:00): {e}")
        })?;
        check_year(s, dt.year())?;
        Ok(Self {
            unix: dt.unix_timestamp(),
            offset_seconds: dt.offset().whole_seconds(),
        })
    }

    /// Parse RFC 3339, or a plain date `YYYY-MM-DD` (midnight, +08:00).
    pub fn parse_date_or_rfc3339(s: &str) -> Result<Self, String> {
        if s.len() == 10 {
            let fmt = time::macros::format_description!("[year]-[month]-[day]");
            let date = Date::parse(s, &fmt)
                .map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))?;
            check_year(s, date.year())?;
            let offset = UtcOffset::from_whole_seconds(PLAIN_DATE_OFFSET_SECONDS)
                .map_err(|e| e.to_string())?;
            let dt = date.midnight().assume_offset(offset);
            return Ok(Self {
                unix: dt.unix_timestamp(),
                offset_seconds: PLAIN_DATE_OFFSET_SECONDS,
            });
        }
        Self::parse_rfc3339(s)
    }

    /// From seconds since the epoch, displayed in UTC.
    pub fn from_unix(unix: i64) -> Self {
        Self {
            unix,
            offset_seconds: 0,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// RFC 3339 in the writer's own offset.
    pub fn to_rfc3339(&self) -> String {
        let offset = UtcOffset::from_whole_seconds(self.offset_seconds).unwrap_or(UtcOffset::UTC);
        OffsetDateTime::from_unix_timestamp(self.unix)
            .map(|dt| dt.to_offset(offset))
            .ok()
            .and_then(|dt| dt.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.unix.to_string())
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(&self, later: Timestamp) -> f64 {
        (later.unix - self.unix) as f64 / 86_400.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_compare_by_instant_and_print_in_their_own_zone() {
        let a = Timestamp::parse_rfc3339("2025-10-02T12:30:00+08:00").unwrap();
        let b = Timestamp::parse_rfc3339("2025-10-02T04:30:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_rfc3339(), "2025-10-02T12:30:00+08:00");
        assert_eq!(b.to_rfc3339(), "2025-10-02T04:30:00Z");
    }

    #[test]
    fn plain_dates_only_where_allowed() {
        assert!(Timestamp::parse_rfc3339("2025-10-02").is_err());
        let d = Timestamp::parse_date_or_rfc3339("2025-10-02").unwrap();
        assert_eq!(d.to_rfc3339(), "2025-10-02T00:00:00+08:00");
        assert!(Timestamp::parse_date_or_rfc3339("2025-13-02").is_err());
        assert!(Timestamp::parse_rfc3339("0000-01-01T00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("2025-10-02T12:30:00").is_err());
        assert!(Timestamp::parse_rfc3339("2099-12-31T23:59:59+08:00").is_ok());
        let far = Timestamp::parse_rfc3339("2100-01-01T00:00:00Z").unwrap_err();
        assert!(
            far.contains("after the years accepted (1970..=2099)"),
            "{far}"
        );
        assert!(Timestamp::parse_date_or_rfc3339("9999-12-31").is_err());
    }
}
