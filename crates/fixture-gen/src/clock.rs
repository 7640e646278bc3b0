//! Civil time in China Standard Time (+08:00) without the wall clock or a time crate.

const OFFSET: i64 = 8 * 3600;

/// Seconds per day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Unix seconds of a local (+08:00) date and time, e.g. for [`crate::GenConfig::as_of`].
pub fn unix_of(y: i64, m: i64, d: i64, hh: i64, mm: i64, ss: i64) -> i64 {
    days_from_civil(y, m, d) * DAY + hh * 3600 + mm * 60 + ss - OFFSET
}

/// RFC 3339 with the +08:00 offset, e.g. `2025-10-31T23:00:00+08:00`.
pub fn rfc3339(unix: i64) -> String {
    let local = unix + OFFSET;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    let s = local.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Local calendar date, e.g. `2021-03-15`.
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil_from_days((unix + OFFSET).div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_instants() {
        let t = unix_of(2025, 10, 31, 23, 0, 0);
        assert_eq!(t, 1_761_922_800);
        assert_eq!(rfc3339(t), "2025-10-31T23:00:00+08:00");
        assert_eq!(
            rfc3339(unix_of(2024, 2, 29, 0, 5, 9)),
            "2024-02-29T00:05:09+08:00"
        );
        assert_eq!(date(unix_of(2000, 1, 1, 0, 0, 0)), "2000-01-01");
    }
}
