//! Precise waits for the simulator's latency knob.
//!
//! Tokio's timer counts in whole milliseconds and ends a sleep on the tick
//! after its deadline, so a 20 ms sleep takes 20–22 ms: the simulator would
//! add up to a tenth to every call it answers and a benchmark would time
//! the simulator's timer, not the client. [`Delays`] keeps its deadlines on
//! one thread of its own, which sleeps on a condition variable to the
//! nearest deadline (the kernel's timer slack, about 50 µs, is the error)
//! and wakes each waiting answer through a oneshot channel. The thread
//! starts with the first wait and ends when its [`Delays`] is dropped.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use tokio::sync::oneshot;

/// One waiting answer.
struct Entry {
    at: Instant,
    seq: u64,
    wake: oneshot::Sender<()>,
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
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The thread's loop: wakes every entry whose deadline passed, then
    /// sleeps to the next one (or until one is added).
    fn run(&self) {
        let mut queue = self.lock();
        loop {
            if queue.closed {
                return;
            }
            let now = Instant::now();
            while queue.heap.peek().is_some_and(|e| e.at <= now) {
                if let Some(entry) = queue.heap.pop() {
                    let _ = entry.wake.send(());
                }
            }
            queue = match queue.heap.peek().map(|e| e.at - now) {
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
    /// Waits until `at` (at once when it has passed).
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
            let _ = woken.await;
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
    use std::time::Duration;

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
}
