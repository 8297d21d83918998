//! One adaptive limiter for every portal call of a session.
//!
//! Calls run with bounded concurrency ([`LimiterConfig::concurrency`]).
//! Until the portal first answers `TooManyRequestsException` nothing else
//! holds them back: the concurrency bound protects the portal until it says
//! otherwise. The first throttle tells the limiter how much the portal
//! allows: the calls it let through in the [`LimiterConfig::window`] before
//! the throttle (counted by send time, including answers that arrive after
//! it). From then on calls are paced just under that rate
//! ([`LimiterConfig::margin`] below it) and the pace is held. A later
//! throttle takes [`LimiterConfig::decrease`] off the pace (a window that
//! the machine's own jitter filled a call too soon costs little), or goes
//! down to what the portal delivered in the window before the throttled
//! call when that is less (the portal allows fewer calls than before).
//! After [`LimiterConfig::probe_after`] without a throttle the pace rises
//! by [`LimiterConfig::probe_step`]: a portal that allows more is found,
//! slowly and rarely. Throttles of calls sent within
//! one window of the last throttle that changed the pace are ignored: the
//! burst of 429s one overload causes, and the 429s a portal keeps answering
//! while its window still holds the calls it admitted before, change the
//! pace once, not once per answer.
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
    /// The service refused for load (429): retried, and the pace is set
    /// from what the service delivered.
    Throttled,
    /// A 5xx, a timeout or a connection failure: retried at the same pace.
    Transient,
    /// Anything else: returned at once.
    Fatal,
}

/// Knobs of a [`Limiter`]. Every delay is configurable so tests stay fast.
#[derive(Debug, Clone, PartialEq)]
pub struct LimiterConfig {
    /// Calls in flight at once (at least 1).
    pub concurrency: usize,
    /// The pace never goes below this many requests per second.
    pub min_rate: f64,
    /// How far under the learned rate calls are paced: the pace is
    /// `(1 - margin)` × the rate the portal delivered (0 ≤ margin < 1).
    pub margin: f64,
    /// A throttle at the pace takes this fraction off it (0 ≤ decrease < 1),
    /// or more when the portal delivered less.
    pub decrease: f64,
    /// How long the pace is held without a throttle before it is raised by
    /// `probe_step`.
    pub probe_after: Duration,
    /// A probe multiplies the pace by `1 + probe_step`.
    pub probe_step: f64,
    /// The span the delivered rate is counted over, and the least time
    /// between a change of pace and a throttle that may change it again.
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
            min_rate: 1.0,
            margin: 0.025,
            decrease: 0.01,
            probe_after: Duration::from_secs(10),
            probe_step: 0.01,
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
    /// Requests per second: the pace once a throttle set one, until then
    /// the rate of successful calls over the last window.
    pub rate: f64,
    /// Calls sent (first tries and retries).
    pub calls: u64,
    /// Retries so far (throttles and transient errors).
    pub retries: u64,
    /// `TooManyRequestsException` answers seen.
    pub throttled: u64,
    /// Whether calls are paced (a throttle was seen); before that only the
    /// concurrency bound holds them.
    pub paced: bool,
    /// The time-weighted mean pace since the first throttle, if there was
    /// one, requests per second.
    pub mean_rate_since_throttle: Option<f64>,
    /// Calls sent since the first throttle, and over how long.
    pub calls_since_throttle: u64,
    pub since_throttle: Option<Duration>,
}

/// The first throttle, which set the first pace: the delivered count it
/// saw grows when answers to calls sent before it arrive later.
#[derive(Debug, Clone, Copy)]
struct Basis {
    /// When the throttle was answered; successes sent in the window before
    /// it count.
    at: Instant,
    /// Successes counted so far.
    delivered: u32,
}

/// The pacing state, behind one mutex.
#[derive(Debug)]
struct State {
    /// Requests per second; `None` until the first throttle.
    pace: Option<f64>,
    /// The earliest time the next call may be sent.
    next_slot: Instant,
    /// When the pace was last set by a throttle or raised by a probe.
    changed: Option<Instant>,
    /// When the pace was last set by a throttle.
    decreased: Option<Instant>,
    basis: Option<Basis>,
    /// When the first throttle was seen.
    first_throttle: Option<Instant>,
    /// ∫ pace dt since the first throttle, up to `last_change`.
    rate_seconds: f64,
    last_change: Instant,
    calls_since_throttle: u64,
    /// Send times of recent successful calls, in the order they succeeded.
    delivered: VecDeque<Instant>,
    rng: u64,
}

impl State {
    fn set_pace(&mut self, pace: f64, now: Instant) {
        if let (Some(old), Some(_)) = (self.pace, self.first_throttle) {
            self.rate_seconds += old * now.duration_since(self.last_change).as_secs_f64();
        }
        self.last_change = now;
        self.pace = Some(pace);
    }

    /// Forgets successes sent more than two windows before `now`.
    fn trim(&mut self, now: Instant, window: Duration) {
        let keep = window * 2;
        while self
            .delivered
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > keep)
        {
            self.delivered.pop_front();
        }
    }

    /// Successes sent within `window` up to `end`.
    fn delivered_within(&self, end: Instant, window: Duration) -> u32 {
        self.delivered
            .iter()
            .filter(|t| **t <= end && end.duration_since(**t) <= window)
            .count() as u32
    }

    /// `(1 - margin)` × the rate of `calls` per window, never below
    /// `min_rate`.
    fn under(calls: u32, c: &LimiterConfig) -> f64 {
        let span = c.window.as_secs_f64().max(1e-3);
        (calls as f64 / span * (1.0 - c.margin.clamp(0.0, 0.99))).max(c.min_rate)
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
    slot: Option<Instant>,
    sent_at: Instant,
}

impl Ticket {
    /// When the call was let go (the end of its wait for a slot and a pace).
    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    /// The send time the pace gave the call (it waited until then); `None`
    /// when calls were not paced.
    pub fn slot(&self) -> Option<Instant> {
        self.slot
    }
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
        Arc::new(Limiter {
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            state: Mutex::new(State {
                pace: None,
                next_slot: now,
                changed: None,
                decreased: None,
                basis: None,
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

    /// Waits for a concurrency slot and, once calls are paced, for the next
    /// send time at the pace (raising the pace first when it has been held
    /// for [`LimiterConfig::probe_after`] without a throttle).
    pub async fn acquire(&self) -> Ticket {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the limiter's semaphore is never closed");
        let at = {
            let c = &self.config;
            let mut s = self.state();
            let now = Instant::now();
            match s.pace {
                None => None,
                Some(pace) => {
                    if s.changed
                        .is_some_and(|t| now.duration_since(t) >= c.probe_after)
                    {
                        s.set_pace(pace * (1.0 + c.probe_step.max(0.0)), now);
                        s.changed = Some(now);
                    }
                    let pace = s.pace.unwrap_or(pace);
                    let at = s.next_slot.max(now);
                    s.next_slot = at + Duration::from_secs_f64(1.0 / pace);
                    s.calls_since_throttle += 1;
                    Some(at)
                }
            }
        };
        if let Some(at) = at {
            tokio::time::sleep_until(at.into()).await;
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ticket {
            _permit: permit,
            slot: at,
            sent_at: Instant::now(),
        }
    }

    /// A call succeeded: it counts towards the delivered rate (and towards
    /// the throttle the pace was last set from, when it was sent in the
    /// window before that throttle's call and answered after it).
    pub fn on_success(&self, ticket: &Ticket) {
        let c = &self.config;
        let now = Instant::now();
        let mut s = self.state();
        s.trim(now, c.window);
        s.delivered.push_back(ticket.sent_at);
        let Some(mut basis) = s.basis else { return };
        let counts =
            ticket.sent_at <= basis.at && basis.at.duration_since(ticket.sent_at) <= c.window;
        if counts {
            basis.delivered += 1;
            s.basis = Some(basis);
            let pace = State::under(basis.delivered, c);
            if s.pace.is_none_or(|p| pace > p) {
                s.set_pace(pace, now);
            }
        }
    }

    /// A call was throttled: unless the call was sent within one window of
    /// the last change of pace, the pace is set from the rate the portal
    /// delivered in the window before the call was sent.
    pub fn on_throttle(&self, ticket: &Ticket) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let c = &self.config;
        let now = Instant::now();
        let mut s = self.state();
        if s.decreased.is_some_and(|t| ticket.sent_at < t + c.window) {
            return;
        }
        s.decreased = Some(now);
        s.changed = Some(now);
        s.trim(now, c.window);
        let pace = match s.pace {
            // The first throttle: what the portal let through in the last
            // window is what it allows.
            None => {
                let basis = Basis {
                    at: now,
                    delivered: s.delivered_within(now, c.window),
                };
                s.basis = Some(basis);
                s.first_throttle = Some(now);
                s.last_change = now;
                State::under(basis.delivered, c)
            }
            // At the pace: take `decrease` off it, and go down to what the
            // portal delivered in the window before the throttled call was
            // sent (one call of slack for where the window falls) when that
            // is less.
            Some(pace) => {
                s.basis = None;
                let end = ticket.sent_at + c.window / 200;
                let delivered = s.delivered_within(end, c.window) + 1;
                let backed = pace * (1.0 - c.decrease.clamp(0.0, 0.99));
                backed.min(State::under(delivered, c)).max(c.min_rate)
            }
        };
        s.set_pace(pace, now);
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

    /// Requests per second: the pace once a throttle set one, until then
    /// the rate of successful calls over the last window.
    pub fn rate(&self) -> f64 {
        let c = &self.config;
        let mut s = self.state();
        match s.pace {
            Some(pace) => pace,
            None => {
                let now = Instant::now();
                s.trim(now, c.window);
                let n = s.delivered_within(now, c.window);
                n as f64 / c.window.as_secs_f64().max(1e-3)
            }
        }
    }

    /// The pace in requests per second, `None` until the first throttle.
    pub fn pace(&self) -> Option<f64> {
        self.state().pace
    }

    pub fn stats(&self) -> LimiterStats {
        let rate = self.rate();
        let s = self.state();
        let now = Instant::now();
        let since = s.first_throttle.map(|t| now.duration_since(t));
        let mean = since.zip(s.pace).map(|(d, pace)| {
            let total = s.rate_seconds + pace * now.duration_since(s.last_change).as_secs_f64();
            if d.as_secs_f64() > 0.0 {
                total / d.as_secs_f64()
            } else {
                pace
            }
        });
        LimiterStats {
            rate,
            calls: self.calls.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            paced: s.pace.is_some(),
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

    /// A limiter with a 20 ms window, so tests can leave it behind.
    fn short_window() -> LimiterConfig {
        LimiterConfig {
            window: Duration::from_millis(20),
            ..quick()
        }
    }

    #[tokio::test]
    async fn calls_are_not_paced_before_the_first_throttle() {
        let limiter = Limiter::new(quick());
        for _ in 0..200 {
            let t = limiter.acquire().await;
            assert_eq!(t.slot(), None, "no call waits for a pace");
            limiter.on_success(&t);
        }
        let stats = limiter.stats();
        assert!(!stats.paced);
        assert_eq!(stats.calls, 200);
        assert_eq!(limiter.pace(), None);
    }

    #[tokio::test]
    async fn after_a_throttle_calls_are_paced_just_under_the_delivered_rate() {
        let limiter = Limiter::new(quick());
        for _ in 0..20 {
            let t = limiter.acquire().await;
            limiter.on_success(&t);
        }
        let held = limiter.acquire().await;
        let t = limiter.acquire().await;
        limiter.on_throttle(&t);
        // 20 successes in the last second: 2.5 % under 20 req/s.
        let pace = limiter.pace().expect("paced");
        assert!((pace - 19.5).abs() < 1e-9, "{pace}");
        // More 429s of the same overload change nothing.
        limiter.on_throttle(&t);
        assert_eq!(limiter.pace(), Some(pace));
        // A call sent before the throttle and answered after it counts.
        limiter.on_success(&held);
        let pace = limiter.pace().unwrap();
        assert!((pace - 21.0 * 0.975).abs() < 1e-9, "{pace}");
        drop((held, t));
        // Paced: no two calls are let go closer than one interval of the
        // pace, and none before its slot.
        let interval = Duration::from_secs_f64(1.0 / pace);
        let mut last: Option<Instant> = None;
        for _ in 0..8 {
            let t = limiter.acquire().await;
            let slot = t.slot().expect("paced");
            assert!(t.sent_at() >= slot);
            if let Some(last) = last {
                assert!(slot.duration_since(last) >= interval, "{:?}", slot - last);
            }
            last = Some(slot);
            limiter.on_success(&t);
        }
        let stats = limiter.stats();
        assert!(stats.paced);
        assert_eq!(stats.throttled, 2);
        assert!(stats.mean_rate_since_throttle.is_some());
    }

    #[test]
    fn a_held_pace_is_probed_upward_and_the_next_throttle_backs_off_to_the_delivered_rate() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let limiter = Limiter::new(LimiterConfig {
                probe_after: Duration::ZERO,
                min_rate: 100.0,
                ..short_window()
            });
            let t = limiter.acquire().await;
            limiter.on_throttle(&t);
            drop(t);
            // Nothing delivered: the floor.
            assert_eq!(limiter.pace(), Some(100.0));
            // Each call after `probe_after` raises the pace by 1 %.
            let t = limiter.acquire().await;
            assert!((limiter.pace().unwrap() - 101.0).abs() < 1e-9);
            limiter.on_success(&t);
            drop(t);
            let t = limiter.acquire().await;
            assert!((limiter.pace().unwrap() - 101.0 * 1.01).abs() < 1e-9);
            drop(t);
            let t = limiter.acquire().await;
            assert!((limiter.pace().unwrap() - 101.0 * 1.01 * 1.01).abs() < 1e-9);
            drop(t);
        });

        runtime.block_on(async {
            // A 200 ms window: wide enough that a busy machine does not
            // move the calls below out of it.
            let window = Duration::from_millis(200);
            let limiter = Limiter::new(LimiterConfig { window, ..quick() });
            for _ in 0..5 {
                let t = limiter.acquire().await;
                limiter.on_success(&t);
            }
            let t = limiter.acquire().await;
            limiter.on_throttle(&t);
            drop(t);
            // Unpaced: 5 calls in a 200 ms window is 25 req/s; 2.5 % under.
            let first = limiter.pace().unwrap();
            assert!((first - 25.0 * 0.975).abs() < 1e-6, "{first}");
            // Past the window: a throttle of a call whose window holds one
            // success. The pace backs off to the smaller of 99 % of the old
            // pace and the delivered rate (one call of slack: 2 in 200 ms,
            // 10 req/s), 2.5 % under.
            std::thread::sleep(window + Duration::from_millis(10));
            let t = limiter.acquire().await;
            let u = limiter.acquire().await;
            limiter.on_success(&t);
            limiter.on_throttle(&u);
            let second = limiter.pace().unwrap();
            assert!((second - 9.75).abs() < 1e-6, "{second}");
            assert_eq!(limiter.stats().throttled, 2);
            drop((t, u));
            // A later throttle at the pace takes at least 1 % off it (more
            // when fewer calls than the pace fell in the window before it,
            // which depends on how promptly this machine sent them).
            std::thread::sleep(window + Duration::from_millis(10));
            let t = limiter.acquire().await;
            limiter.on_success(&t);
            let u = limiter.acquire().await;
            limiter.on_throttle(&u);
            let third = limiter.pace().unwrap();
            assert!(third <= second * 0.99 + 1e-9, "{third}");
            assert!(third >= limiter.config().min_rate, "{third}");
        });
    }

    #[tokio::test]
    async fn throttles_and_transient_errors_are_retried_and_others_are_not() {
        // A floor high enough that the pace after the throttle costs nothing.
        let limiter = Limiter::new(LimiterConfig {
            min_rate: 1000.0,
            ..quick()
        });
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
