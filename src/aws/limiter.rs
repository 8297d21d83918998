//! One adaptive limiter for every portal call of a session.
//!
//! Calls run with bounded concurrency and are paced at a request rate. The
//! rate starts at [`LimiterConfig::initial_rate`] and grows multiplicatively
//! with every success (slow start) until the first `TooManyRequestsException`;
//! from then on it follows AIMD: every success adds a little
//! ([`LimiterConfig::additive`] requests per second, per second of successes),
//! and a throttle sets it to [`LimiterConfig::decrease`] times the smaller of
//! the current rate and the rate actually delivered over the last
//! [`LimiterConfig::window`] (so a slow-start overshoot is undone in one
//! step). Decreases are at least one window apart: the burst of 429s that one
//! overload causes shrinks the rate once, not once per answer.
//!
//! The caller says what each of its errors means ([`Failure`]): a throttled
//! call, and a call that met a transient failure (a 5xx, a timeout or a
//! connection failure), is retried after an exponential backoff with jitter;
//! a fatal error (401, other 4xx) is returned at once. A 429 is never an
//! authentication failure. The AWS SDK's own retries are disabled on the
//! portal client, so every 429 reaches this limiter.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many calls run at once by default (the portal's ListAccountRoles
/// workers).
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What a failed call means to the limiter, as the caller classifies its
/// error for [`Limiter::run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The service refused for load (429): retried, and the rate shrinks.
    Throttled,
    /// A 5xx, a timeout or a connection failure: retried at the same rate.
    Transient,
    /// Anything else: returned at once.
    Fatal,
}

/// Knobs of a [`Limiter`]. Every delay is configurable so tests stay fast.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterConfig {
    /// Calls in flight at once (at least 1).
    pub concurrency: usize,
    /// Requests per second before anything is known.
    pub initial_rate: f64,
    /// The rate never goes below this.
    pub min_rate: f64,
    /// The rate never goes above this.
    pub max_rate: f64,
    /// Slow start: each success multiplies the rate by `1 + ramp`.
    pub ramp: f64,
    /// After the first throttle: requests per second added per second of
    /// successes (each success adds `additive / rate`).
    pub additive: f64,
    /// After a throttle the rate becomes this times the smaller of the rate
    /// and the delivered rate (0 < decrease < 1).
    pub decrease: f64,
    /// The span the delivered rate is measured over, and the least time
    /// between two decreases.
    pub window: Duration,
    /// First retry waits about this long; each further retry doubles it.
    pub backoff_base: Duration,
    /// No single wait is longer than this.
    pub backoff_max: Duration,
    /// Attempts in all for a call that meets 5xx, timeouts or connection
    /// failures (the first try included).
    pub max_attempts: u32,
    /// Attempts in all for a call that keeps being throttled.
    pub max_throttled_attempts: u32,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            concurrency: DEFAULT_CONCURRENCY,
            initial_rate: 150.0,
            min_rate: 1.0,
            max_rate: 1000.0,
            ramp: 0.1,
            additive: 2.0,
            decrease: 0.85,
            window: Duration::from_secs(1),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            max_attempts: 4,
            max_throttled_attempts: 20,
        }
    }
}

impl LimiterConfig {
    /// The defaults with `concurrency` calls at once.
    pub fn with_concurrency(concurrency: usize) -> Self {
        LimiterConfig {
            concurrency: concurrency.max(1),
            ..LimiterConfig::default()
        }
    }

    /// The same with backoffs between `base` and `max` (tests use milliseconds).
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff_base = base;
        self.backoff_max = max.max(base);
        self
    }

    /// The wait before retry number `retry` (1 for the first retry): half of
    /// `min(base × 2^(retry-1), max)` plus a random part up to the other half.
    pub fn backoff(&self, retry: u32, unit_random: f64) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let full = self
            .backoff_base
            .saturating_mul(1u32 << exp)
            .min(self.backoff_max);
        full / 2 + full.mul_f64(unit_random.clamp(0.0, 1.0) / 2.0)
    }
}

/// Counters for the status bar and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LimiterStats {
    /// The current request rate, requests per second.
    pub rate: f64,
    /// Calls sent (first tries and retries).
    pub calls: u64,
    /// Retries so far (throttles and transient errors).
    pub retries: u64,
    /// `TooManyRequestsException` answers seen.
    pub throttled: u64,
    /// Whether the rate is still in slow start (no throttle seen yet).
    pub slow_start: bool,
    /// The time-weighted mean rate since the first throttle, if there was one.
    pub mean_rate_since_throttle: Option<f64>,
    /// Calls sent since the first throttle, and over how long.
    pub calls_since_throttle: u64,
    pub since_throttle: Option<Duration>,
}

/// The rate state, behind one mutex.
#[derive(Debug)]
struct State {
    rate: f64,
    slow_start: bool,
    /// The earliest time the next call may be sent.
    next_slot: Instant,
    /// When the rate was last decreased.
    last_decrease: Option<Instant>,
    /// When the first throttle was seen.
    first_throttle: Option<Instant>,
    /// ∫ rate dt since the first throttle, up to `last_change`.
    rate_seconds: f64,
    last_change: Instant,
    calls_since_throttle: u64,
    /// When the calls that succeeded within the last window were sent.
    delivered: VecDeque<Instant>,
    rng: u64,
}

impl State {
    fn set_rate(&mut self, rate: f64, now: Instant) {
        if self.first_throttle.is_some() {
            self.rate_seconds += self.rate * now.duration_since(self.last_change).as_secs_f64();
        }
        self.last_change = now;
        self.rate = rate;
    }

    /// Successes per second over the last `window` (counted over the whole
    /// window even when the first call is more recent: a server's quota is
    /// per window, and a burst into a young window overstates it).
    fn delivered_rate(&mut self, now: Instant, window: Duration) -> Option<f64> {
        while self
            .delivered
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            self.delivered.pop_front();
        }
        let span = window.as_secs_f64();
        (span > 0.0 && !self.delivered.is_empty()).then(|| self.delivered.len() as f64 / span)
    }

    /// A number in [0, 1) (xorshift; good enough for jitter).
    fn random(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A permission to send one call: holds a concurrency slot until dropped.
#[derive(Debug)]
pub struct Ticket {
    _permit: OwnedSemaphorePermit,
    sent_at: Instant,
}

/// The adaptive limiter shared by every portal call of a session (clone the
/// `Arc`).
#[derive(Debug)]
pub struct Limiter {
    config: LimiterConfig,
    permits: Arc<Semaphore>,
    state: Mutex<State>,
    calls: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

impl Limiter {
    pub fn new(config: LimiterConfig) -> Arc<Limiter> {
        let now = Instant::now();
        let mut seed = [0u8; 8];
        let _ = getrandom::fill(&mut seed);
        let rng = u64::from_le_bytes(seed) | 1;
        let rate = config
            .initial_rate
            .clamp(config.min_rate.max(0.001), config.max_rate.max(0.001));
        Arc::new(Limiter {
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            state: Mutex::new(State {
                rate,
                slow_start: true,
                next_slot: now,
                last_decrease: None,
                first_throttle: None,
                rate_seconds: 0.0,
                last_change: now,
                calls_since_throttle: 0,
                delivered: VecDeque::new(),
                rng,
            }),
            config,
            calls: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        })
    }

    pub fn config(&self) -> &LimiterConfig {
        &self.config
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a concurrency slot and for the next send time at the
    /// current rate.
    pub async fn acquire(&self) -> Ticket {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the limiter's semaphore is never closed");
        let at = {
            let mut s = self.state();
            let now = Instant::now();
            let at = s.next_slot.max(now);
            s.next_slot = at + Duration::from_secs_f64(1.0 / s.rate);
            if s.first_throttle.is_some() {
                s.calls_since_throttle += 1;
            }
            at
        };
        tokio::time::sleep_until(at.into()).await;
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ticket {
            _permit: permit,
            sent_at: at,
        }
    }

    /// A call succeeded: the rate grows.
    pub fn on_success(&self, ticket: &Ticket) {
        let c = &self.config;
        let mut s = self.state();
        s.delivered.push_back(ticket.sent_at);
        let rate = if s.slow_start {
            s.rate * (1.0 + c.ramp)
        } else {
            s.rate + c.additive / s.rate
        };
        s.set_rate(rate.min(c.max_rate), Instant::now());
    }

    /// A call was throttled: slow start ends and the rate shrinks (at most
    /// once per window).
    pub fn on_throttle(&self, _ticket: &Ticket) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let c = &self.config;
        let now = Instant::now();
        let mut s = self.state();
        s.slow_start = false;
        if s.last_decrease
            .is_some_and(|d| now.duration_since(d) < c.window)
        {
            return;
        }
        s.last_decrease = Some(now);
        let delivered = s.delivered_rate(now, c.window).unwrap_or(s.rate);
        let rate = (s.rate.min(delivered) * c.decrease).max(c.min_rate);
        s.set_rate(rate, now);
        if s.first_throttle.is_none() {
            s.first_throttle = Some(now);
            s.last_change = now;
        }
    }

    /// Runs `call` under the limiter: paced, retried with backoff when
    /// `classify` calls its error [`Failure::Throttled`] (up to
    /// `max_throttled_attempts`) or [`Failure::Transient`] (up to
    /// `max_attempts`); a [`Failure::Fatal`] error, and the last error once
    /// the attempts are spent, come back as they are.
    pub async fn run<T, E, F, Fut>(
        &self,
        classify: impl Fn(&E) -> Failure,
        mut call: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut throttles = 0u32;
        let mut failures = 0u32;
        loop {
            let ticket = self.acquire().await;
            let err = match call().await {
                Ok(value) => {
                    self.on_success(&ticket);
                    return Ok(value);
                }
                Err(e) => e,
            };
            match classify(&err) {
                Failure::Throttled => {
                    self.on_throttle(&ticket);
                    throttles += 1;
                    if throttles >= self.config.max_throttled_attempts.max(1) {
                        return Err(err);
                    }
                }
                Failure::Transient => {
                    failures += 1;
                    if failures >= self.config.max_attempts.max(1) {
                        return Err(err);
                    }
                }
                Failure::Fatal => return Err(err),
            }
            drop(ticket);
            self.retries.fetch_add(1, Ordering::Relaxed);
            let unit = self.state().random();
            tokio::time::sleep(self.config.backoff(throttles + failures, unit)).await;
        }
    }

    /// The current rate in requests per second.
    pub fn rate(&self) -> f64 {
        self.state().rate
    }

    pub fn stats(&self) -> LimiterStats {
        let s = self.state();
        let now = Instant::now();
        let since = s.first_throttle.map(|t| now.duration_since(t));
        let mean = since.map(|d| {
            let total = s.rate_seconds + s.rate * now.duration_since(s.last_change).as_secs_f64();
            if d.as_secs_f64() > 0.0 {
                total / d.as_secs_f64()
            } else {
                s.rate
            }
        });
        LimiterStats {
            rate: s.rate,
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            slow_start: s.slow_start,
            mean_rate_since_throttle: mean,
            calls_since_throttle: s.calls_since_throttle,
            since_throttle: since,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test errors are their own classification.
    fn kind(e: &Failure) -> Failure {
        *e
    }

    fn quick() -> LimiterConfig {
        LimiterConfig::with_concurrency(2)
            .with_backoff(Duration::from_millis(1), Duration::from_millis(4))
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let c = LimiterConfig::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(c.backoff(1, 0.0), Duration::from_millis(50));
        assert_eq!(c.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(c.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(c.backoff(10, 0.5), Duration::from_millis(750));
        assert_eq!(c.backoff(99, 1.0), Duration::from_millis(1000));
    }

    #[tokio::test]
    async fn slow_start_ramps_until_the_first_throttle_then_aimd() {
        let limiter = Limiter::new(quick());
        let start = limiter.rate();
        for _ in 0..5 {
            let t = limiter.acquire().await;
            limiter.on_success(&t);
        }
        let ramped = limiter.rate();
        assert!((ramped - start * 1.1f64.powi(5)).abs() < 1e-6, "{ramped}");
        let t = limiter.acquire().await;
        limiter.on_throttle(&t);
        let after = limiter.rate();
        // 0.85 × the smaller of the rate and what the last second delivered
        // (5 successes).
        assert!((after - 5.0 * 0.85).abs() < 1e-6, "{after}");
        // Another throttle within the window changes nothing.
        limiter.on_throttle(&t);
        assert_eq!(limiter.rate(), after);
        let t = limiter.acquire().await;
        limiter.on_success(&t);
        assert!((limiter.rate() - (after + 2.0 / after)).abs() < 1e-6);
        let stats = limiter.stats();
        assert_eq!(stats.throttled, 2);
        assert!(!stats.slow_start);
        assert!(stats.mean_rate_since_throttle.is_some());
    }

    #[tokio::test]
    async fn throttles_and_transient_errors_are_retried_and_others_are_not() {
        let limiter = Limiter::new(quick());
        let mut n = 0;
        let out = limiter
            .run(kind, || {
                n += 1;
                let r = match n {
                    1 => Err(Failure::Throttled),
                    2 => Err(Failure::Transient),
                    _ => Ok(n),
                };
                async move { r }
            })
            .await;
        assert_eq!(out, Ok(3));
        assert_eq!(limiter.stats().retries, 2);

        let mut n = 0;
        let out: Result<(), _> = limiter
            .run(kind, || {
                n += 1;
                async { Err(Failure::Fatal) }
            })
            .await;
        assert_eq!(out.unwrap_err(), Failure::Fatal);
        assert_eq!(n, 1, "a 401 is not retried");

        let mut n = 0;
        let out: Result<(), _> = limiter
            .run(kind, || {
                n += 1;
                async { Err(Failure::Transient) }
            })
            .await;
        assert_eq!(out.unwrap_err(), Failure::Transient);
        assert_eq!(n, 4, "the retry budget is max_attempts in all");
    }
}
