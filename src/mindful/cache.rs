//! A short-lived cache of lookup answers, with coalescing of identical lookups in flight:
//! a burst of callers from one number costs one upstream request.
//!
//! No lock is held during the upstream request: the first caller marks the number pending
//! and fetches; the others wait (bounded) for its answer. Successful answers are kept for a
//! few seconds (not-found answers more briefly); failures are never cached (the circuit
//! breaker deals with those).

use crate::error::{Error, ErrorKind, Result};
use crate::stats::Stats;
use crate::status::StatusReport;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Sweep expired entries after this many insertions, so one-time callers do not accumulate.
const SWEEP_EVERY: u32 = 256;

enum Slot {
    Ready {
        report: StatusReport,
        expires: Instant,
    },
    Pending(Arc<Pending>),
}

/// An answer some thread is fetching, that others wait for (also used by prefetch.rs).
#[derive(Default)]
pub(crate) struct Pending {
    answer: Mutex<Option<Result<StatusReport>>>,
    done: Condvar,
}

impl Pending {
    /// Hand `answer` to the waiters.
    pub(crate) fn publish(&self, answer: Result<StatusReport>) {
        *self.answer.lock().unwrap_or_else(PoisonError::into_inner) = Some(answer);
        self.done.notify_all();
    }
}

#[derive(Default)]
struct Table {
    slots: HashMap<String, Slot>,
    inserts: u32,
}

/// See the module documentation.
pub struct LookupCache {
    found_ttl: Duration,
    not_found_ttl: Duration,
    table: Mutex<Table>,
    /// Where hits and coalesced lookups are counted.
    stats: Arc<Stats>,
}

impl LookupCache {
    /// Keep found answers for `found_ttl` and not-found answers for `not_found_ttl`
    /// (zero: not cached; in-flight lookups are still shared).
    pub fn new(found_ttl: Duration, not_found_ttl: Duration) -> LookupCache {
        LookupCache {
            found_ttl,
            not_found_ttl,
            table: Mutex::new(Table::default()),
            stats: Arc::new(Stats::new()),
        }
    }

    /// Count hits and coalesced lookups in `stats` (the client's counters).
    pub fn with_stats(self, stats: Arc<Stats>) -> LookupCache {
        LookupCache { stats, ..self }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer for `key`: cached, shared with an identical lookup in flight (waiting at
    /// most `wait`), or fetched by calling `fetch`.
    pub fn get_or_fetch(
        &self,
        key: &str,
        wait: Duration,
        fetch: impl FnOnce() -> Result<StatusReport>,
    ) -> Result<StatusReport> {
        let pending = {
            let mut table = self.table();
            match table.slots.get(key) {
                Some(Slot::Ready { report, expires }) if *expires > Instant::now() => {
                    self.stats.record_cache_hit();
                    return Ok(report.clone());
                }
                Some(Slot::Pending(pending)) => {
                    self.stats.record_coalesced();
                    Some(Arc::clone(pending))
                }
                _ => {
                    table
                        .slots
                        .insert(key.to_string(), Slot::Pending(Arc::new(Pending::default())));
                    None
                }
            }
        };
        match pending {
            Some(pending) => wait_for(&pending, wait, "an identical lookup in flight"),
            None => self.fetch_and_publish(key, fetch),
        }
    }

    fn fetch_and_publish(
        &self,
        key: &str,
        fetch: impl FnOnce() -> Result<StatusReport>,
    ) -> Result<StatusReport> {
        // If `fetch` panics, the guard still releases the waiters (with an error).
        let mut guard = Publish {
            cache: self,
            key,
            answer: None,
        };
        let answer = fetch();
        guard.answer = Some(answer.clone());
        drop(guard);
        answer
    }

    fn publish(&self, key: &str, answer: Result<StatusReport>) {
        let ttl = match &answer {
            Ok(report) if report.found() => self.found_ttl,
            Ok(_) => self.not_found_ttl,
            Err(_) => Duration::ZERO,
        };
        let slot = {
            let mut table = self.table();
            let slot = match (&answer, ttl.is_zero()) {
                (Ok(report), false) => table.slots.insert(
                    key.to_string(),
                    Slot::Ready {
                        report: report.clone(),
                        expires: Instant::now() + ttl,
                    },
                ),
                _ => table.slots.remove(key),
            };
            table.inserts = table.inserts.wrapping_add(1);
            if table.inserts % SWEEP_EVERY == 0 {
                let now = Instant::now();
                table
                    .slots
                    .retain(|_, s| !matches!(s, Slot::Ready { expires, .. } if *expires <= now));
            }
            slot
        };
        // Waiters hold the only other references: each cloned it under the table lock, which
        // no longer lists it. With none there is nobody to wake, and `notify_all()` would
        // still cost a futex system call per lookup (BENCHMARKS.md).
        if let Some(Slot::Pending(pending)) = slot {
            if Arc::strong_count(&pending) > 1 {
                pending.publish(answer);
            }
        }
    }

    /// Forget the cached answer for `key` (an in-flight lookup finishes normally).
    pub fn forget(&self, key: &str) {
        let mut table = self.table();
        if matches!(table.slots.get(key), Some(Slot::Ready { .. })) {
            table.slots.remove(key);
        }
    }

    /// Forget everything cached (in-flight lookups finish normally).
    pub fn clear(&self) {
        self.table()
            .slots
            .retain(|_, slot| matches!(slot, Slot::Pending(_)));
    }

    /// Entries held (cached and pending), for tests and diagnostics.
    pub fn len(&self) -> usize {
        self.table().slots.len()
    }

    /// Nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct Publish<'a> {
    cache: &'a LookupCache,
    key: &'a str,
    answer: Option<Result<StatusReport>>,
}

impl Drop for Publish<'_> {
    fn drop(&mut self) {
        let answer = self.answer.take().unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Internal,
                "the shared lookup was abandoned",
            ))
        });
        self.cache.publish(self.key, answer);
    }
}

/// The answer of `pending`, waiting at most `wait`; the timeout error names `what` waited.
pub(crate) fn wait_for(pending: &Pending, wait: Duration, what: &str) -> Result<StatusReport> {
    let deadline = Instant::now() + wait;
    let mut answer = pending
        .answer
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(answer) = answer.as_ref() {
            return answer.clone();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("{what} did not finish within {} ms", wait.as_millis()),
            ));
        }
        answer = pending
            .done
            .wait_timeout(answer, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Callback;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn found() -> StatusReport {
        StatusReport {
            callbacks: vec![Callback::default()],
        }
    }

    #[test]
    fn caches_found_longer_than_not_found_and_never_errors() {
        let cache = LookupCache::new(Duration::from_secs(60), Duration::ZERO);
        let calls = AtomicUsize::new(0);
        let fetch = |r: Result<StatusReport>| {
            calls.fetch_add(1, Ordering::SeqCst);
            r
        };
        let wait = Duration::from_secs(1);
        cache
            .get_or_fetch("a", wait, || fetch(Ok(found())))
            .unwrap();
        cache
            .get_or_fetch("a", wait, || fetch(Ok(found())))
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        cache
            .get_or_fetch("b", wait, || fetch(Ok(StatusReport::default())))
            .unwrap();
        cache
            .get_or_fetch("b", wait, || fetch(Ok(StatusReport::default())))
            .unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "not-found with ttl 0 is not cached"
        );
        let err = || Err(Error::new(ErrorKind::Timeout, "x"));
        assert!(cache.get_or_fetch("c", wait, || fetch(err())).is_err());
        assert!(cache.get_or_fetch("c", wait, || fetch(err())).is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn concurrent_identical_lookups_share_one_fetch() {
        let cache = LookupCache::new(Duration::ZERO, Duration::ZERO);
        let calls = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..32 {
                s.spawn(|| {
                    let r = cache.get_or_fetch("same", Duration::from_secs(5), || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(200));
                        Ok(found())
                    });
                    assert!(r.unwrap().found());
                });
            }
        });
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(cache.is_empty(), "ttl 0: nothing kept");
    }

    #[test]
    fn a_panicking_fetch_releases_waiters() {
        let cache = LookupCache::new(Duration::from_secs(1), Duration::from_secs(1));
        let (started, fetching) = std::sync::mpsc::channel();
        let cache = &cache;
        std::thread::scope(|s| {
            let first = s.spawn(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    cache.get_or_fetch("p", Duration::from_secs(5), || {
                        started.send(()).unwrap();
                        std::thread::sleep(Duration::from_millis(100));
                        panic!("boom")
                    })
                }))
            });
            fetching.recv().unwrap();
            let waiter = cache.get_or_fetch("p", Duration::from_secs(5), || Ok(found()));
            assert_eq!(waiter.unwrap_err().kind(), ErrorKind::Internal);
            assert!(first.join().unwrap().is_err());
        });
        assert!(cache
            .get_or_fetch("p", Duration::from_secs(1), || Ok(found()))
            .is_ok());
    }
}
