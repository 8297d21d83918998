//! One line of listing progress, for the status bar and for `list` /
//! `populate` on stderr (print it only when stderr is a terminal).

use crate::aws::limiter::LimiterStats;
use crate::catalog::Progress;

/// `accounts 120 · roles for 80/120 · 19.4 req/s · 12 retries · 3 throttled`
/// while listing (`accounts 120…` until ListAccounts is done), `1402 roles in
/// 665 accounts` once complete; failures and the limiter's counters are added
/// when there are any.
pub fn progress_line(progress: Progress, rows: usize, limiter: Option<&LimiterStats>) -> String {
    let p = progress;
    let mut parts: Vec<String> = Vec::new();
    if p.complete {
        parts.push(format!("{rows} roles in {} accounts", p.accounts));
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
    if let Some(s) = limiter {
        if !p.complete {
            parts.push(format!("{:.1} req/s", s.rate));
        }
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
            progress_line(p, 200, None),
            "accounts 120… · roles for 80/120"
        );
        p.accounts_complete = true;
        p.accounts = 665;
        let stats = LimiterStats {
            rate: 19.44,
            retries: 12,
            throttled: 3,
            ..LimiterStats::default()
        };
        assert_eq!(
            progress_line(p, 200, Some(&stats)),
            "accounts 665 · roles for 80/665 · 19.4 req/s · 12 retries · 3 throttled"
        );
        p.complete = true;
        p.failed = 1;
        assert_eq!(
            progress_line(p, 1402, Some(&LimiterStats::default())),
            "1402 roles in 665 accounts · 1 failed"
        );
    }
}
