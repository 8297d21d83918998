//! One line of listing progress, for the status bar and for `list` /
//! `populate` on stderr (print it only when stderr is a terminal), and the
//! [`RateMeter`] that measures the request rate the portal delivers.

use std::collections::VecDeque;

use time::{Duration, OffsetDateTime};

use crate::aws::limiter::LimiterStats;
use crate::catalog::Progress;

/// The span [`RateMeter`] measures over.
pub const RATE_WINDOW: Duration = Duration::seconds(5);

/// The least span a rate is computed over; shorter ones give no rate.
const RATE_MIN_SPAN: Duration = Duration::milliseconds(900);

/// The request rate the portal actually delivers: the limiter's call
/// counter ([`LimiterStats::calls`], calls that went out, retries included)
/// sampled with the time of each sample, and the calls per second between
/// the oldest and the newest sample of the last [`RATE_WINDOW`]. Not the
/// limiter's allowance ([`LimiterStats::rate`]), which may be far above
/// what the portal answers (latency, concurrency, throttles).
#[derive(Debug, Clone, Default)]
pub struct RateMeter {
    /// (when, calls so far), oldest first.
    samples: VecDeque<(OffsetDateTime, u64)>,
}

impl RateMeter {
    /// Notes that `calls` calls had gone out at `at`. A counter that went
    /// down (another limiter: the listed session changed) starts over.
    pub fn record(&mut self, at: OffsetDateTime, calls: u64) {
        if self
            .samples
            .back()
            .is_some_and(|&(t, c)| c > calls || t > at)
        {
            self.samples.clear();
        }
        self.samples.push_back((at, calls));
        // Keep one sample at or before the window's start, so the span is whole.
        while self.samples.len() > 2 && self.samples[1].0 <= at - RATE_WINDOW {
            self.samples.pop_front();
        }
    }

    /// Calls per second over the last [`RATE_WINDOW`] (at most a little
    /// more), or `None` before the samples span 0.9 s.
    pub fn rate(&self) -> Option<f64> {
        let (&(t0, c0), &(t1, c1)) = (self.samples.front()?, self.samples.back()?);
        let span = t1 - t0;
        (span >= RATE_MIN_SPAN).then(|| (c1 - c0) as f64 / span.as_seconds_f64())
    }

    /// Forgets every sample (a new listing pass).
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

/// `accounts 120 · roles for 80/120 · 19.4 req/s · 12 retries · 3 throttled`
/// while listing (`accounts 120…` until ListAccounts is done), `1402 roles in
/// 665 accounts` once complete; failures and the limiter's counters are added
/// when there are any. `accounts` is how many accounts the rows come from
/// (the catalog's, which a pass that failed or went offline has not
/// counted); `delivered` is the measured request rate ([`RateMeter::rate`]),
/// shown while listing.
pub fn progress_line(
    progress: Progress,
    rows: usize,
    accounts: usize,
    limiter: Option<&LimiterStats>,
    delivered: Option<f64>,
) -> String {
    let p = progress;
    let mut parts: Vec<String> = Vec::new();
    if p.complete {
        parts.push(format!("{rows} roles in {accounts} accounts"));
    } else {
        let more = if p.accounts_complete { "" } else { "…" };
        parts.push(format!(
            "accounts {}{more} · roles for {}/{}",
            p.accounts, p.roles_done, p.accounts
        ));
    }
    if p.failed > 0 {
        parts.push(format!("{} failed", p.failed));
    }
    if let (Some(rate), false) = (delivered, p.complete) {
        parts.push(format!("{rate:.1} req/s"));
    }
    if let Some(s) = limiter {
        if s.retries > 0 {
            parts.push(format!("{} retries", s.retries));
        }
        if s.throttled > 0 {
            parts.push(format!("{} throttled", s.throttled));
        }
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_while_listing_and_when_done() {
        let mut p = Progress {
            accounts: 120,
            roles_done: 80,
            ..Progress::default()
        };
        assert_eq!(
            progress_line(p, 200, 120, None, None),
            "accounts 120… · roles for 80/120"
        );
        p.accounts_complete = true;
        p.accounts = 665;
        let stats = LimiterStats {
            rate: 1000.0,
            retries: 12,
            throttled: 3,
            ..LimiterStats::default()
        };
        assert_eq!(
            progress_line(p, 200, 665, Some(&stats), Some(19.44)),
            "accounts 665 · roles for 80/665 · 19.4 req/s · 12 retries · 3 throttled",
            "the delivered rate, not the limiter's allowance"
        );
        p.complete = true;
        p.failed = 1;
        assert_eq!(
            progress_line(p, 1402, 665, Some(&LimiterStats::default()), Some(3.0)),
            "1402 roles in 665 accounts · 1 failed"
        );
        // A pass that went offline counted no account; the rows' accounts are shown.
        let offline = Progress {
            complete: true,
            ..Progress::default()
        };
        assert_eq!(
            progress_line(offline, 167, 40, None, None),
            "167 roles in 40 accounts"
        );
    }

    #[test]
    fn the_meter_measures_calls_over_the_last_window() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let ms = Duration::milliseconds;
        let mut m = RateMeter::default();
        assert_eq!(m.rate(), None);
        m.record(t0, 0);
        m.record(t0 + ms(500), 10);
        assert_eq!(m.rate(), None, "half a second is too short to tell");
        m.record(t0 + ms(1000), 20);
        assert_eq!(m.rate(), Some(20.0));
        // Ten seconds at 30 calls a second: the window forgets the start.
        for i in 1..=10 {
            m.record(t0 + ms(1000 + i * 1000), 20 + 30 * i as u64);
        }
        let rate = m.rate().unwrap();
        assert!((rate - 30.0).abs() < 1e-9, "{rate}");
        // A stall shows as a falling rate.
        m.record(t0 + ms(16_000), 320);
        assert!(m.rate().unwrap() < 30.0);
        // A new limiter's counter starts over.
        m.record(t0 + ms(17_000), 5);
        assert_eq!(m.rate(), None);
    }
}
