//! Durations for people, in one place: `3h12m` spans, `in 9m` / `2d ago`
//! distances, `expires in …` phrases, `9:41` countdowns and `8h00m`
//! lifetimes. Every function takes the clock as an argument.

use std::time::Duration;

use time::OffsetDateTime;

/// A duration for people, the two largest units: `3h12m`, `2d`, `45s`.
pub fn humanize(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    let pair = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    if days > 0 {
        pair(days, "d", hours, "h")
    } else if hours > 0 {
        pair(hours, "h", minutes, "m")
    } else if minutes > 0 {
        pair(minutes, "m", seconds, "s")
    } else {
        format!("{seconds}s")
    }
}

/// `in 3h12m`, `in 9m`, `2d ago`: how far `t` is from `now`.
pub fn relative(now: OffsetDateTime, t: OffsetDateTime) -> String {
    let span = humanize((t - now).unsigned_abs());
    if t >= now {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// `expires in 3h12m` or `expired 2d ago` for a token expiring at
/// `expires_at`, seen at `now`.
pub fn expiry_phrase(expires_at: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = expires_at - now;
    if left.is_positive() {
        format!("expires in {}", humanize(left.unsigned_abs()))
    } else {
        format!("expired {} ago", humanize(left.unsigned_abs()))
    }
}

/// `9:41` (minutes:seconds) left until `until`, or `expired`.
pub fn countdown(now: OffsetDateTime, until: OffsetDateTime) -> String {
    let left = (until - now).whole_seconds();
    if left <= 0 {
        "expired".to_string()
    } else {
        format!("{}:{:02}", left / 60, left % 60)
    }
}

/// `8h00m`: hours and zero-padded minutes of `span` (a token's lifetime).
pub fn hours_minutes(span: time::Duration) -> String {
    format!("{}h{:02}m", span.whole_hours(), span.whole_minutes() % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn spans() {
        let s = Duration::from_secs;
        assert_eq!(humanize(s(0)), "0s");
        assert_eq!(humanize(s(45)), "45s");
        assert_eq!(humanize(s(60)), "1m");
        assert_eq!(humanize(s(61)), "1m1s");
        assert_eq!(humanize(s(3 * 3600 + 12 * 60 + 5)), "3h12m");
        assert_eq!(humanize(s(2 * 86_400)), "2d");
        assert_eq!(humanize(s(2 * 86_400 + 3600 + 5)), "2d1h");
    }

    #[test]
    fn phrases_against_a_clock() {
        let now = datetime!(2026-01-01 12:00 UTC);
        assert_eq!(
            expiry_phrase(datetime!(2026-01-01 15:12 UTC), now),
            "expires in 3h12m"
        );
        assert_eq!(
            expiry_phrase(datetime!(2025-12-30 12:00 UTC), now),
            "expired 2d ago"
        );
        assert_eq!(expiry_phrase(now, now), "expired 0s ago");
        assert_eq!(relative(now, datetime!(2026-01-01 12:09 UTC)), "in 9m");
        assert_eq!(relative(now, datetime!(2025-12-30 12:00 UTC)), "2d ago");
        assert_eq!(relative(now, now), "in 0s");
        assert_eq!(countdown(now, datetime!(2026-01-01 12:09:41 UTC)), "9:41");
        assert_eq!(countdown(now, now), "expired");
        assert_eq!(hours_minutes(time::Duration::minutes(8 * 60)), "8h00m");
        assert_eq!(hours_minutes(time::Duration::minutes(7 * 60 + 59)), "7h59m");
    }
}
