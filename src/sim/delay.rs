//! Precise waits for the simulator's latency knob.
//!
//! Tokio's timer counts in whole milliseconds and ends a sleep on the tick
//! after its deadline, so a 20 ms sleep takes 20–22 ms: the simulator would
//! add up to a tenth to every call it answers and a benchmark would time
//! the simulator's timer, not the client. [`Delays`] keeps its deadlines on
//! one thread of its own, which sleeps on a condition variable and wakes
//! each waiting answer through a oneshot channel.
//!
//! Waking is not free either: the thread's own wake-up (the kernel's timer
//! slack, and on a virtual machine the idle CPU's) and then the answer's
//! task being scheduled on a runtime worker took 0.1–0.6 ms together on a
//! 2-core virtual machine (median 0.25 ms), 1–3 % of a 20 ms latency. So
//! the thread wakes each answer early by a lag it learns from the wakes so
//! far: a running estimate of the quarter-quantile of how long after its
//! intended wake-up an answer's task ran, at most [`MAX_LAG`]. The quarter
//! of the answers woken before their deadline spin the few microseconds
//! left; the others are late by less than before (median about 0.1 ms).
//! No answer is sent before its deadline. The thread starts with the first
//! wait and ends when its [`Delays`] is dropped.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// The longest lag the thread wakes an answer early by, so the longest an
/// answer spins: a machine too busy to wake within it gets late answers,
/// not a thread that wakes ever earlier and answers that spin. After a
/// burst (when answers also queued behind each other and the lag learned
/// their queueing), the estimate comes back down by 15 µs an answer.
const MAX_LAG: Duration = Duration::from_micros(500);

/// The share of answers the learned lag wakes early (see
/// [`Shared::observe_lag`]).
const LAG_QUANTILE: f64 = 0.25;

/// How far one observation moves the learned lag.
const LAG_STEP: Duration = Duration::from_micros(20);

/// One waiting answer.
struct Entry {
    at: Instant,
    seq: u64,
    /// Sent the instant the thread meant to wake the answer (its deadline
    /// less the lag it used).
    wake: oneshot::Sender<Instant>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// The earliest deadline is the greatest (the top of the max-heap).
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
    /// The learned lag, nanoseconds: how long after the thread's intended
    /// wake-up an answer's task runs (a running quarter-quantile, at most
    /// [`MAX_LAG`]).
    lag_ns: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lag(&self) -> Duration {
        Duration::from_nanos(self.lag_ns.load(AtomicOrdering::Relaxed))
    }

    /// Folds one observed lag into the estimate: a running quantile (the
    /// estimate moves up by `LAG_STEP × LAG_QUANTILE` when an observation
    /// is above it, down by `LAG_STEP × (1 − LAG_QUANTILE)` when below), so
    /// about a quarter of the answers are woken before their deadline and
    /// spin to it, and the rest are late by less than before.
    fn observe_lag(&self, observed: Duration) {
        let observed = observed.min(MAX_LAG).as_nanos() as u64;
        let step = LAG_STEP.as_nanos() as f64;
        let _ = self
            .lag_ns
            .fetch_update(AtomicOrdering::Relaxed, AtomicOrdering::Relaxed, |lag| {
                let next = if observed < lag {
                    lag as f64 - step * (1.0 - LAG_QUANTILE)
                } else {
                    lag as f64 + step * LAG_QUANTILE
                };
                Some((next.max(0.0) as u64).min(MAX_LAG.as_nanos() as u64))
            });
    }

    /// The thread's loop: wakes every entry whose deadline, less the
    /// learned lag, has come, then sleeps to the next one (or until one is
    /// added).
    fn run(&self) {
        let mut queue = self.lock();
        loop {
            if queue.closed {
                return;
            }
            let now = Instant::now();
            let lag = self.lag();
            while queue.heap.peek().is_some_and(|e| e.at <= now + lag) {
                if let Some(entry) = queue.heap.pop() {
                    let _ = entry.wake.send(entry.at.checked_sub(lag).unwrap_or(now));
                }
            }
            queue = match queue
                .heap
                .peek()
                .map(|e| e.at.saturating_duration_since(now + lag))
            {
                Some(wait) => {
                    self.changed
                        .wait_timeout(queue, wait)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => self.changed.wait(queue).unwrap_or_else(|e| e.into_inner()),
            };
        }
    }
}

/// Deadlines kept to within the kernel's timer slack (see the module
/// documentation).
#[derive(Default)]
pub(crate) struct Delays {
    shared: Arc<Shared>,
    thread: OnceLock<()>,
}

impl Delays {
    /// Waits until `at` (at once when it has passed); never returns before
    /// `at`.
    pub(crate) async fn until(&self, at: Instant) {
        if at <= Instant::now() {
            return;
        }
        self.thread.get_or_init(|| {
            let shared = self.shared.clone();
            let spawned = std::thread::Builder::new()
                .name("sim-delays".into())
                .spawn(move || shared.run());
            if spawned.is_err() {
                // No thread: every wait falls back to tokio's timer.
                self.shared.lock().closed = true;
            }
        });
        let (wake, woken) = oneshot::channel();
        let queued = {
            let mut queue = self.shared.lock();
            if !queue.closed {
                queue.seq += 1;
                let seq = queue.seq;
                queue.heap.push(Entry { at, seq, wake });
            }
            !queue.closed
        };
        if queued {
            self.shared.changed.notify_one();
            if let Ok(meant) = woken.await {
                let ran = Instant::now();
                self.shared
                    .observe_lag(ran.saturating_duration_since(meant));
                // Woken at most the learned lag (at most `MAX_LAG`) early:
                // spin the rest.
                while Instant::now() < at {
                    std::hint::spin_loop();
                }
            }
        } else {
            tokio::time::sleep_until(at.into()).await;
        }
    }
}

impl Drop for Delays {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_one();
    }
}

impl std::fmt::Debug for Delays {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delays").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_end_at_their_deadlines_in_order() {
        let delays = Arc::new(Delays::default());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for ms in [30u64, 10, 20, 0] {
            let delays = delays.clone();
            tasks.push(tokio::spawn(async move {
                let at = start + Duration::from_millis(ms);
                delays.until(at).await;
                (at, Instant::now())
            }));
        }
        for task in tasks {
            let (at, woke) = task.await.unwrap();
            assert!(woke >= at, "never before the deadline");
        }
    }

    #[tokio::test]
    async fn a_learned_lag_wakes_early_but_never_answers_before_the_deadline() {
        let delays = Delays::default();
        // The longest lag there is: the thread wakes each wait that early.
        delays
            .shared
            .lag_ns
            .store(MAX_LAG.as_nanos() as u64, AtomicOrdering::Relaxed);
        for ms in [3u64, 5, 8] {
            let at = Instant::now() + Duration::from_millis(ms);
            delays.until(at).await;
            assert!(Instant::now() >= at, "never before the deadline");
        }
    }

    #[test]
    fn the_learned_lag_settles_near_the_quarter_of_the_observed_lags() {
        let shared = Shared::default();
        // Lags spread evenly over 0–400 µs: a quarter are under 100 µs.
        for round in 0..4000u64 {
            let observed = Duration::from_micros((round * 37) % 400);
            shared.observe_lag(observed);
        }
        let lag = shared.lag();
        assert!(
            (Duration::from_micros(60)..=Duration::from_micros(140)).contains(&lag),
            "{lag:?}"
        );
        // One lag far beyond the bound moves it by one step at most.
        shared.observe_lag(Duration::from_secs(1));
        assert!(shared.lag() <= lag + LAG_STEP);
        assert!(shared.lag() <= MAX_LAG);
    }
}
