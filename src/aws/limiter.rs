//! One adaptive limiter for every portal call of a session.
//!
//! Calls run with bounded concurrency ([`LimiterConfig::concurrency`]).
//! Until the portal first answers `TooManyRequestsException` nothing else
//! holds them back: the concurrency bound protects the portal until it says
//! otherwise. The first throttle tells the limiter how much the portal
//! allows: the calls it let through in the [`LimiterConfig::window`] before
//! the throttle (counted by send time, including answers that arrive after
//! it), the learned *cap*. From then on a call is sent only while fewer
//! than the cap were sent in the last window, stretched by
//! [`LimiterConfig::margin`] (a sliding window over actual send times, not
//! an even pace: a call sent late pushes back the call a cap later, and
//! the calls of a window may go out together, as the concurrency bound
//! allows). Calls the portal refused do not count, as the portal does not
//! count them either.
//!
//! The cap is held. A later throttle takes [`LimiterConfig::decrease`] off
//! it (the calls a window allows are the cap rounded, so one throttle that
//! the machine's own jitter caused costs little), or goes down to what the
//! portal delivered in the window before the throttled call when that is
//! less (the portal allows fewer calls than before, as a token bucket
//! drained by a burst does; calls still in flight at the 429 that succeed
//! count when they are answered). After [`LimiterConfig::probe_after`] without
//! a throttle the cap rises by [`LimiterConfig::probe_step`]: a portal that
//! allows more is found, slowly and rarely. Throttles of calls sent within
//! one window of the last throttle that changed the cap are ignored: the
//! burst of 429s one overload causes, and the 429s a portal keeps answering
//! while its window still holds the calls it admitted before, change the
//! cap once, not once per answer.
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
    /// The learned rate never goes below this many requests per second.
    pub min_rate: f64,
    /// How much longer than [`LimiterConfig::window`] the limiter's own
    /// window of send times is (0 ≤ margin ≤ 1): at most the learned cap of
    /// calls go out in any `window × (1 + margin)`. The slack absorbs the
    /// difference between when a call is sent and when the portal counts it.
    pub margin: f64,
    /// A throttle once the cap is learned takes this fraction off it
    /// (0 ≤ decrease < 1), or more when the portal delivered less.
    pub decrease: f64,
    /// How long the cap is held without a throttle before it is raised by
    /// `probe_step`.
    pub probe_after: Duration,
    /// A probe multiplies the cap by `1 + probe_step`.
    pub probe_step: f64,
    /// The span the portal's cap is counted over (calls per window), and
    /// the least time between a change of the cap and a throttle that may
    /// change it again.
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
            margin: 0.005,
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
    /// Requests per second: what the learned cap lets through once a
    /// throttle taught it, until then the rate of successful calls over the
    /// last window.
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
    /// The time-weighted mean of what the learned cap let through since the
    /// first throttle, if there was one, requests per second.
    pub mean_rate_since_throttle: Option<f64>,
    /// Calls sent since the first throttle, and over how long.
    pub calls_since_throttle: u64,
    pub since_throttle: Option<Duration>,
}

/// The throttle that last set the cap: the delivered count it saw grows
/// when answers to calls sent before it arrive later (calls still in flight
/// when the 429 came were let through too).
#[derive(Debug, Clone, Copy)]
struct Basis {
    /// Successes sent in the window up to here count.
    end: Instant,
    /// Successes counted so far (with one call of slack after the first
    /// throttle).
    delivered: u32,
    /// The cap never rises above this through late successes.
    ceiling: f64,
}

/// The limiter's memory of calls and throttles, behind one mutex. Every
/// method takes the present instant, so the rules are tested with instants
/// of the test's choosing.
#[derive(Debug)]
struct State {
    /// The learned cap, calls per window; `None` until the first throttle.
    cap: Option<f64>,
    /// When the cap was last set by a throttle or raised by a probe.
    changed: Option<Instant>,
    /// When the cap was last set by a throttle.
    decreased: Option<Instant>,
    basis: Option<Basis>,
    /// When the first throttle was seen.
    first_throttle: Option<Instant>,
    /// ∫ rate dt since the first throttle, up to `last_change`.
    rate_seconds: f64,
    last_change: Instant,
    calls_since_throttle: u64,
    /// When the portal counted recent calls it did not refuse, as far as
    /// the limiter can tell, in order: a call in flight at its send time (a
    /// call still waiting for its slot at the slot), an answered one at its
    /// send time plus what its round trip took over the fastest one seen
    /// (a call that reached the portal late is counted late there).
    sent: VecDeque<Instant>,
    /// The fastest round trip seen (send to answer, any answer).
    fastest: Option<Duration>,
    /// Send times of recent successful calls, in the order they succeeded.
    delivered: VecDeque<Instant>,
    rng: u64,
}

impl State {
    fn new(now: Instant, rng: u64) -> State {
        State {
            cap: None,
            changed: None,
            decreased: None,
            basis: None,
            first_throttle: None,
            rate_seconds: 0.0,
            last_change: now,
            calls_since_throttle: 0,
            sent: VecDeque::new(),
            fastest: None,
            delivered: VecDeque::new(),
            rng,
        }
    }

    /// The limiter's window: `window × (1 + margin)`.
    fn span(c: &LimiterConfig) -> Duration {
        c.window.mul_f64(1.0 + c.margin.clamp(0.0, 1.0))
    }

    /// Calls let go in any span once the cap is learned: the cap rounded,
    /// at least 1.
    fn allowed(&self) -> Option<usize> {
        self.cap.map(|cap| (cap.round() as usize).max(1))
    }

    /// The rate the learned cap lets through, requests per second.
    fn paced_rate(&self, c: &LimiterConfig) -> Option<f64> {
        let span = State::span(c).as_secs_f64().max(1e-3);
        self.allowed().map(|n| n as f64 / span)
    }

    /// The least cap: `min_rate` over one window.
    fn least(c: &LimiterConfig) -> f64 {
        c.min_rate * c.window.as_secs_f64()
    }

    fn set_cap(&mut self, cap: f64, now: Instant, c: &LimiterConfig) {
        if let (Some(rate), Some(_)) = (self.paced_rate(c), self.first_throttle) {
            self.rate_seconds += rate
                * now
                    .saturating_duration_since(self.last_change)
                    .as_secs_f64();
        }
        self.last_change = now;
        self.cap = Some(cap.max(State::least(c)));
    }

    /// Forgets send times older than two spans before `now`.
    fn trim(&mut self, now: Instant, c: &LimiterConfig) {
        let keep = State::span(c) * 2;
        for log in [&mut self.sent, &mut self.delivered] {
            while log
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) > keep)
            {
                log.pop_front();
            }
        }
    }

    /// Successes sent within `window` up to `end`.
    fn delivered_within(&self, end: Instant, window: Duration) -> u32 {
        self.delivered
            .iter()
            .filter(|t| **t <= end && end.duration_since(**t) <= window)
            .count() as u32
    }

    /// Adds a send time to `sent`, in order.
    fn insert_sent(&mut self, at: Instant) {
        let i = self.sent.partition_point(|t| *t <= at);
        self.sent.insert(i, at);
    }

    /// Removes one send time `at` from `sent`, if it is there.
    fn remove_sent(&mut self, at: Instant) {
        if let Some(i) = self.sent.iter().rposition(|t| *t == at) {
            self.sent.remove(i);
        }
    }

    /// The send time of the next call asked for at `now`, recorded in
    /// `sent`, and whether calls are paced. Unpaced, it is `now`. Paced, it
    /// is the first instant at which fewer than the cap were sent in the
    /// span before it (raising the cap first when it has been held for
    /// `probe_after` without a throttle).
    fn slot(&mut self, now: Instant, c: &LimiterConfig) -> (Instant, bool) {
        self.trim(now, c);
        let Some(cap) = self.cap else {
            self.insert_sent(now);
            return (now, false);
        };
        if self
            .changed
            .is_some_and(|t| now.saturating_duration_since(t) >= c.probe_after)
        {
            self.set_cap(cap * (1.0 + c.probe_step.max(0.0)), now, c);
            self.changed = Some(now);
        }
        let n = self.allowed().unwrap_or(1);
        let at = match self.sent.len().checked_sub(n) {
            Some(i) => now.max(self.sent[i] + State::span(c)),
            None => now,
        };
        self.insert_sent(at);
        self.calls_since_throttle += 1;
        (at, true)
    }

    /// A call given the slot `slot` was actually sent at `at` (later, when
    /// the machine woke it late): later calls count from `at`.
    fn sent_late(&mut self, slot: Instant, at: Instant) {
        self.remove_sent(slot);
        self.insert_sent(at);
    }

    /// A call sent at `sent_at` was answered at `now`: returns the fastest
    /// round trip seen, this one included.
    fn answered(&mut self, sent_at: Instant, now: Instant) -> Duration {
        let trip = now.saturating_duration_since(sent_at);
        let fastest = self.fastest.map_or(trip, |f| f.min(trip));
        self.fastest = Some(fastest);
        fastest
    }

    /// A call sent at `sent_at` succeeded at `now`: the window counts it
    /// at its send time plus what its round trip took over the fastest one;
    /// it counts towards the delivered
    /// rate (and towards the count of the throttle that last set the cap,
    /// raising the cap up to that throttle's ceiling, when it was sent in
    /// the window before that throttle and answered after it).
    fn succeeded(&mut self, sent_at: Instant, now: Instant, c: &LimiterConfig) {
        self.trim(now, c);
        let fastest = self.answered(sent_at, now);
        let counted = sent_at.max(now - fastest);
        if counted > sent_at {
            self.remove_sent(sent_at);
            self.insert_sent(counted);
        }
        self.delivered.push_back(sent_at);
        let Some(mut basis) = self.basis else { return };
        let span = if basis.ceiling.is_finite() {
            State::span(c)
        } else {
            c.window
        };
        if sent_at <= basis.end && basis.end.duration_since(sent_at) <= span {
            basis.delivered += 1;
            self.basis = Some(basis);
            let cap = (basis.delivered as f64).min(basis.ceiling);
            if self.cap.is_none_or(|old| cap > old) {
                self.set_cap(cap, now, c);
            }
        }
    }

    /// A call sent at `sent_at` was throttled: it no longer counts against
    /// the window, and unless it was sent within one window of the last
    /// throttle that set the cap, the cap is set from what the portal
    /// delivered in the window before it.
    fn throttled(&mut self, sent_at: Instant, now: Instant, c: &LimiterConfig) {
        self.answered(sent_at, now);
        self.remove_sent(sent_at);
        if self.decreased.is_some_and(|t| sent_at < t + c.window) {
            return;
        }
        self.decreased = Some(now);
        self.changed = Some(now);
        self.trim(now, c);
        let basis = match self.cap {
            // The first throttle: what the portal let through in the last
            // window is what it allows.
            None => {
                self.first_throttle = Some(now);
                self.last_change = now;
                Basis {
                    end: now,
                    delivered: self.delivered_within(now, c.window),
                    ceiling: f64::INFINITY,
                }
            }
            // Learned: take `decrease` off the cap, and go down to what the
            // portal delivered in the window before the throttled call was
            // sent (one call of slack for where the window falls) when that
            // is less.
            Some(cap) => {
                let end = sent_at + c.window / 200;
                Basis {
                    end,
                    delivered: self.delivered_within(end, State::span(c)) + 1,
                    ceiling: cap * (1.0 - c.decrease.clamp(0.0, 0.99)),
                }
            }
        };
        self.basis = Some(basis);
        self.set_cap((basis.delivered as f64).min(basis.ceiling), now, c);
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
    /// When the call was let go (the end of its wait for a slot and for
    /// room in the window).
    pub fn sent_at(&self) -> Instant {
        self.sent_at
    }

    /// The send time the learned cap gave the call (it waited until then);
    /// `None` when calls were not paced.
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
        let mut seed = [0u8; 8];
        let _ = getrandom::fill(&mut seed);
        let rng = u64::from_le_bytes(seed) | 1;
        Arc::new(Limiter {
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            state: Mutex::new(State::new(Instant::now(), rng)),
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

    /// Waits for a concurrency slot and, once a throttle taught the limiter
    /// the portal's cap, for room in its window (fewer than the cap sent in
    /// the last `window × (1 + margin)`).
    pub async fn acquire(&self) -> Ticket {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the limiter's semaphore is never closed");
        let now = Instant::now();
        let (slot, paced) = self.state().slot(now, &self.config);
        let sent_at = if slot > now {
            tokio::time::sleep_until(slot.into()).await;
            let woke = Instant::now();
            self.state().sent_late(slot, woke);
            woke
        } else {
            slot
        };
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ticket {
            _permit: permit,
            slot: paced.then_some(slot),
            sent_at,
        }
    }

    /// A call succeeded: it counts towards the delivered rate (and towards
    /// the throttle the cap was last set from, when it was sent in the
    /// window before that throttle and answered after it).
    pub fn on_success(&self, ticket: &Ticket) {
        self.state()
            .succeeded(ticket.sent_at, Instant::now(), &self.config);
    }

    /// A call was throttled: it leaves the window, and unless it was sent
    /// within one window of the last change of the cap, the cap is set from
    /// what the portal delivered in the window before the call was sent.
    pub fn on_throttle(&self, ticket: &Ticket) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        self.state()
            .throttled(ticket.sent_at, Instant::now(), &self.config);
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

    /// Requests per second: what the learned cap lets through once a
    /// throttle taught it, until then the rate of successful calls over the
    /// last window.
    pub fn rate(&self) -> f64 {
        let c = &self.config;
        let mut s = self.state();
        match s.paced_rate(c) {
            Some(rate) => rate,
            None => {
                let now = Instant::now();
                s.trim(now, c);
                let n = s.delivered_within(now, c.window);
                n as f64 / c.window.as_secs_f64().max(1e-3)
            }
        }
    }

    /// What the learned cap lets through, requests per second (the calls
    /// a window allows over `window × (1 + margin)`); `None` until the
    /// first throttle.
    pub fn pace(&self) -> Option<f64> {
        self.state().paced_rate(&self.config)
    }

    /// The learned cap, calls per window (before rounding); `None` until
    /// the first throttle.
    pub fn cap(&self) -> Option<f64> {
        self.state().cap
    }

    pub fn stats(&self) -> LimiterStats {
        let rate = self.rate();
        let s = self.state();
        let now = Instant::now();
        let since = s.first_throttle.map(|t| now.duration_since(t));
        let mean = since.zip(s.paced_rate(&self.config)).map(|(d, pace)| {
            let total =
                s.rate_seconds + pace * now.saturating_duration_since(s.last_change).as_secs_f64();
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
            paced: s.cap.is_some(),
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

    /// A config with a 1 s window, 1 % margin and 10 s probes (the
    /// defaults), for the rules driven with chosen instants.
    fn rules() -> LimiterConfig {
        LimiterConfig::default()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends a call at `at` through `s` (unpaced: at `at` itself) and
    /// returns its send time.
    fn send(s: &mut State, at: Instant, c: &LimiterConfig) -> Instant {
        let (slot, _) = s.slot(at, c);
        slot
    }

    #[test]
    fn the_first_throttle_learns_the_cap_from_what_the_window_before_it_let_through() {
        let c = rules();
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        // 20 calls in the first 100 ms, all answered 200; one more in flight.
        for i in 0..20 {
            let at = send(&mut s, t0 + ms(i * 5), &c);
            assert_eq!(at, t0 + ms(i * 5), "unpaced: no call waits");
            s.succeeded(at, at + ms(20), &c);
        }
        let held = send(&mut s, t0 + ms(100), &c);
        let refused = send(&mut s, t0 + ms(101), &c);
        s.throttled(refused, t0 + ms(121), &c);
        assert_eq!(s.cap, Some(20.0));
        // More 429s of the same overload change nothing.
        let again = send(&mut s, t0 + ms(102), &c);
        s.throttled(again, t0 + ms(122), &c);
        assert_eq!(s.cap, Some(20.0));
        // A call sent before the throttle and answered after it counts.
        s.succeeded(held, t0 + ms(125), &c);
        assert_eq!(s.cap, Some(21.0));
        assert_eq!(s.allowed(), Some(21));
        let rate = s.paced_rate(&c).unwrap();
        assert!((rate - 21.0 / 1.005).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn once_learned_a_call_waits_until_fewer_than_the_cap_were_sent_in_the_window() {
        let c = rules();
        let span = State::span(&c);
        assert_eq!(span, ms(1005));
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        // 5 calls go out together and succeed; the sixth is refused.
        let mut sent = Vec::new();
        for i in 0..5 {
            let at = send(&mut s, t0 + ms(i), &c);
            s.succeeded(at, at + ms(10), &c);
            sent.push(at);
        }
        let refused = send(&mut s, t0 + ms(5), &c);
        s.throttled(refused, t0 + ms(15), &c);
        assert_eq!(s.allowed(), Some(5));
        // The refused call does not count: the next five calls go out a
        // span after the five that were let through, each after its own.
        for (i, first) in sent.iter().enumerate() {
            let (slot, paced) = s.slot(t0 + ms(20), &c);
            assert!(paced);
            assert_eq!(slot, *first + span, "call {i}");
        }
        // A call asked for once its window has room goes at once.
        let later = t0 + ms(3000);
        assert_eq!(s.slot(later, &c), (later, true));
    }

    #[test]
    fn a_call_sent_late_pushes_back_the_call_a_cap_later() {
        let c = rules();
        let span = State::span(&c);
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        for i in 0..3 {
            let at = send(&mut s, t0 + ms(i), &c);
            s.succeeded(at, at + ms(10), &c);
        }
        let refused = send(&mut s, t0 + ms(3), &c);
        s.throttled(refused, t0 + ms(13), &c);
        assert_eq!(s.allowed(), Some(3));
        // The fourth call's slot is a span after the first; the machine
        // sends it 30 ms late.
        let (slot, _) = s.slot(t0 + ms(20), &c);
        assert_eq!(slot, t0 + span);
        let late = slot + ms(30);
        s.sent_late(slot, late);
        let (fifth, _) = s.slot(t0 + ms(21), &c);
        let (sixth, _) = s.slot(t0 + ms(22), &c);
        assert_eq!(fifth, t0 + ms(1) + span);
        assert_eq!(sixth, t0 + ms(2) + span);
        // The fourth now went out after the fifth and sixth: the seventh
        // and eighth follow those a span later, and the ninth counts from
        // when the fourth really went out (not from its slot).
        let (seventh, _) = s.slot(t0 + ms(23), &c);
        let (eighth, _) = s.slot(t0 + ms(24), &c);
        let (ninth, _) = s.slot(t0 + ms(25), &c);
        assert_eq!(seventh, fifth + span);
        assert_eq!(eighth, sixth + span);
        assert_eq!(ninth, late + span);
    }

    #[test]
    fn a_call_answered_slowly_counts_in_the_window_as_late_as_its_round_trip_says() {
        let c = rules();
        let span = State::span(&c);
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        // Three calls; the second's round trip takes 40 ms longer than the
        // others' (it may have reached the portal that much later).
        let a = send(&mut s, t0, &c);
        let b = send(&mut s, t0 + ms(1), &c);
        let d = send(&mut s, t0 + ms(2), &c);
        s.succeeded(a, a + ms(10), &c);
        s.succeeded(d, d + ms(10), &c);
        s.succeeded(b, b + ms(50), &c);
        let refused = send(&mut s, t0 + ms(3), &c);
        s.throttled(refused, t0 + ms(60), &c);
        assert_eq!(s.allowed(), Some(3));
        let (first, _) = s.slot(t0 + ms(70), &c);
        let (second, _) = s.slot(t0 + ms(71), &c);
        let (third, _) = s.slot(t0 + ms(72), &c);
        assert_eq!(first, a + span);
        assert_eq!(second, d + span);
        assert_eq!(third, b + ms(40) + span);
    }

    #[test]
    fn a_later_throttle_takes_a_little_off_the_cap_or_down_to_what_was_delivered() {
        let c = rules();
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        for i in 0..25 {
            let at = send(&mut s, t0 + ms(i), &c);
            s.succeeded(at, at + ms(20), &c);
        }
        let refused = send(&mut s, t0 + ms(30), &c);
        s.throttled(refused, t0 + ms(50), &c);
        assert_eq!(s.cap, Some(25.0));
        // Two seconds on, 24 calls were delivered in the second before a
        // throttled call: 1 % off (the window still allows 25).
        let t1 = t0 + ms(2000);
        for i in 0..24 {
            let (at, _) = s.slot(t1 + ms(i * 40), &c);
            s.succeeded(at, at + ms(20), &c);
        }
        let (refused, _) = s.slot(t1 + ms(980), &c);
        s.throttled(refused, refused + ms(20), &c);
        assert!((s.cap.unwrap() - 24.75).abs() < 1e-9, "{:?}", s.cap);
        assert_eq!(s.allowed(), Some(25));
        // A throttle within a window of that change changes nothing.
        let (refused, _) = s.slot(t1 + ms(990), &c);
        s.throttled(refused, refused + ms(20), &c);
        assert!((s.cap.unwrap() - 24.75).abs() < 1e-9, "{:?}", s.cap);
        // Later, the portal delivered only 9 calls in the second before a
        // throttled call: the cap goes down to 10 (one call of slack).
        let t2 = t1 + ms(3000);
        for i in 0..9 {
            let (at, _) = s.slot(t2 + ms(i * 100), &c);
            s.succeeded(at, at + ms(20), &c);
        }
        let (in_flight, _) = s.slot(t2 + ms(940), &c);
        let (refused, _) = s.slot(t2 + ms(950), &c);
        s.throttled(refused, refused + ms(20), &c);
        assert_eq!(s.cap, Some(10.0));
        assert_eq!(s.allowed(), Some(10));
        // A call sent before it and answered after it was let through too.
        s.succeeded(in_flight, refused + ms(25), &c);
        assert_eq!(s.cap, Some(11.0));
        // Never below `min_rate` over a window.
        let t3 = t2 + ms(3000);
        let (refused, _) = s.slot(t3, &c);
        s.throttled(refused, refused + ms(20), &c);
        assert_eq!(s.cap, Some(1.0), "nothing delivered: the floor");
    }

    #[test]
    fn a_held_cap_is_probed_upward_after_a_quiet_spell() {
        let c = rules();
        let t0 = Instant::now();
        let mut s = State::new(t0, 1);
        for i in 0..50 {
            let at = send(&mut s, t0 + ms(i), &c);
            s.succeeded(at, at + ms(20), &c);
        }
        let refused = send(&mut s, t0 + ms(60), &c);
        s.throttled(refused, t0 + ms(80), &c);
        assert_eq!(s.cap, Some(50.0));
        // Nothing changes for `probe_after`.
        s.slot(t0 + ms(80) + c.probe_after - ms(1), &c);
        assert_eq!(s.cap, Some(50.0));
        // Then each quiet `probe_after` adds 1 %: 50.5 rounds to 51 calls.
        s.slot(t0 + ms(80) + c.probe_after, &c);
        assert!((s.cap.unwrap() - 50.5).abs() < 1e-9, "{:?}", s.cap);
        assert_eq!(s.allowed(), Some(51));
        s.slot(t0 + ms(80) + c.probe_after * 2, &c);
        assert!((s.cap.unwrap() - 50.5 * 1.01).abs() < 1e-9, "{:?}", s.cap);
    }

    #[tokio::test]
    async fn acquire_waits_for_the_window_once_a_throttle_taught_the_cap() {
        // A 300 ms window (wide enough that a busy machine does not move
        // the first calls out of it): 3 calls go out, a fourth is refused,
        // and the next calls wait for the window.
        let window = Duration::from_millis(300);
        let limiter = Limiter::new(LimiterConfig { window, ..quick() });
        let mut first = Vec::new();
        for _ in 0..3 {
            let t = limiter.acquire().await;
            limiter.on_success(&t);
            first.push(t.sent_at());
        }
        let t = limiter.acquire().await;
        limiter.on_throttle(&t);
        drop(t);
        assert_eq!(limiter.cap(), Some(3.0));
        let span = State::span(limiter.config());
        for earlier in first {
            let t = limiter.acquire().await;
            let slot = t.slot().expect("paced");
            assert!(slot >= earlier + span);
            assert!(t.sent_at() >= slot);
            limiter.on_success(&t);
        }
        let stats = limiter.stats();
        assert!(stats.paced);
        assert_eq!(stats.throttled, 1);
        assert!(stats.mean_rate_since_throttle.is_some());
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
