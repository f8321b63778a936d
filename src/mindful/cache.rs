//! A short-lived cache of lookup answers, with coalescing of identical lookups in flight:
//! a burst of callers from one number costs one upstream request.
//!
//! No lock is held during the upstream request: the first caller marks the number pending
//! and fetches; the others wait for its answer (bounded: their own deadline plus
//! [`JOIN_GRACE`]). Successful answers are kept for a few seconds (not-found answers more
//! briefly); failures are never cached (the circuit breaker deals with those).
//!
//! Every answer carries the [`Stamp`] its lookup took before asking; one made stale by a
//! register or cancel of its number (`freshness.rs`) is neither stored, served nor joined.

use super::freshness::{Freshness, Stamp};
use crate::error::{Error, ErrorKind, Result};
use crate::stats::Stats;
use crate::status::StatusReport;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Sweep expired entries after this many insertions, so one-time callers do not accumulate.
const SWEEP_EVERY: u32 = 256;

/// How much longer than its own deadline a lookup waits for the identical one it joined. That
/// one started first and ends at its own deadline, then names what happened (`no_reply`,
/// `timeout` ...): the joiner gets that answer instead of a timeout of its own in the few
/// milliseconds the first takes to classify and publish it.
const JOIN_GRACE: Duration = Duration::from_millis(250);

enum Slot {
    Ready {
        report: StatusReport,
        expires: Instant,
        stamp: Stamp,
    },
    Pending(Arc<Pending>, Stamp),
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
    /// Which answers a register or cancel made stale (shared with the client's prefetches).
    freshness: Arc<Freshness>,
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
            freshness: Arc::new(Freshness::default()),
        }
    }

    /// Count hits and coalesced lookups in `stats` (the client's counters).
    pub fn with_stats(self, stats: Arc<Stats>) -> LookupCache {
        LookupCache { stats, ..self }
    }

    /// Judge answers by `freshness` (the client's, shared with its prefetches).
    pub(crate) fn with_freshness(self, freshness: Arc<Freshness>) -> LookupCache {
        LookupCache { freshness, ..self }
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
        // Taken before anything is asked: see freshness.rs.
        let stamp = self.freshness.stamp();
        let pending = {
            let mut table = self.table();
            let current = |stamp: &Stamp| self.freshness.is_current(key, *stamp);
            match table.slots.get(key) {
                Some(Slot::Ready {
                    report,
                    expires,
                    stamp,
                }) if *expires > Instant::now() && current(stamp) => {
                    self.stats.record_cache_hit();
                    return Ok(report.clone());
                }
                Some(Slot::Pending(pending, stamp)) if current(stamp) => {
                    self.stats.record_coalesced();
                    Ok(Arc::clone(pending))
                }
                // Nothing, expired, or made stale by a register or cancel: fetch. A stale
                // lookup still in flight answers its own callers and finds its slot taken.
                _ => {
                    let ours = Arc::new(Pending::default());
                    table
                        .slots
                        .insert(key.to_string(), Slot::Pending(Arc::clone(&ours), stamp));
                    Err(ours)
                }
            }
        };
        match pending {
            Ok(pending) => wait_for(&pending, wait + JOIN_GRACE, "an identical lookup in flight"),
            Err(ours) => self.fetch_and_publish(key, ours, stamp, fetch),
        }
    }

    fn fetch_and_publish(
        &self,
        key: &str,
        pending: Arc<Pending>,
        stamp: Stamp,
        fetch: impl FnOnce() -> Result<StatusReport>,
    ) -> Result<StatusReport> {
        // If `fetch` panics, the guard still releases the waiters (with an error).
        let mut guard = Publish {
            cache: self,
            key,
            pending: Some(pending),
            stamp,
            answer: None,
        };
        let answer = fetch();
        guard.answer = Some(answer.clone());
        drop(guard);
        answer
    }

    /// The lookup that marked `pending` (stamped `stamp`) ended with `answer`: keep it if
    /// it may be kept, and hand it to the lookups that joined.
    fn publish(
        &self,
        key: &str,
        pending: Arc<Pending>,
        stamp: Stamp,
        answer: Result<StatusReport>,
    ) {
        let ttl = match &answer {
            Ok(report) if report.found() => self.found_ttl,
            Ok(_) => self.not_found_ttl,
            Err(_) => Duration::ZERO,
        };
        {
            let mut table = self.table();
            let ours = matches!(table.slots.get(key), Some(Slot::Pending(p, _)) if Arc::ptr_eq(p, &pending));
            // Checked under the table lock: a change that starts after this makes the stored
            // answer stale before anyone can read it.
            match (&answer, ours) {
                (_, false) => {}
                (Ok(report), true) if !ttl.is_zero() && self.freshness.is_current(key, stamp) => {
                    table.slots.insert(
                        key.to_string(),
                        Slot::Ready {
                            report: report.clone(),
                            expires: Instant::now() + ttl,
                            stamp,
                        },
                    );
                }
                (_, true) => {
                    table.slots.remove(key);
                }
            }
            table.inserts = table.inserts.wrapping_add(1);
            if table.inserts % SWEEP_EVERY == 0 {
                let now = Instant::now();
                table
                    .slots
                    .retain(|_, s| !matches!(s, Slot::Ready { expires, .. } if *expires <= now));
            }
        }
        // Waiters hold the only other references: each cloned it under the table lock, which
        // no longer lists it. With none there is nobody to wake, and `notify_all()` would
        // still cost a futex system call per lookup (BENCHMARKS.md).
        if Arc::strong_count(&pending) > 1 {
            pending.publish(answer);
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
            .retain(|_, slot| matches!(slot, Slot::Pending(..)));
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
    /// Taken by `drop`, so that only the waiters hold it when the answer is published.
    pending: Option<Arc<Pending>>,
    stamp: Stamp,
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
        if let Some(pending) = self.pending.take() {
            self.cache.publish(self.key, pending, self.stamp, answer);
        }
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
    fn a_change_of_the_number_outdates_what_was_cached_and_what_was_in_flight() {
        let freshness = Arc::new(Freshness::default());
        let cache = LookupCache::new(Duration::from_secs(60), Duration::from_secs(60))
            .with_freshness(Arc::clone(&freshness));
        let wait = Duration::from_secs(5);
        cache.get_or_fetch("a", wait, || Ok(found())).unwrap();
        cache.get_or_fetch("b", wait, || Ok(found())).unwrap();
        drop(freshness.change("a"));
        let asked = AtomicUsize::new(0);
        let fetch = || {
            asked.fetch_add(1, Ordering::SeqCst);
            Ok(StatusReport::default())
        };
        assert!(
            !cache.get_or_fetch("a", wait, fetch).unwrap().found(),
            "asked again"
        );
        assert!(
            cache.get_or_fetch("b", wait, fetch).unwrap().found(),
            "b untouched"
        );
        assert_eq!(asked.load(Ordering::SeqCst), 1);

        // A fetch in flight when a change starts: its answer goes to its caller only; a
        // lookup that starts meanwhile fetches for itself and its answer is the one kept.
        let (started, in_flight) = std::sync::mpsc::channel();
        let (finish, release) = std::sync::mpsc::channel::<()>();
        let cache = &cache;
        std::thread::scope(|s| {
            let early = s.spawn(move || {
                cache.get_or_fetch("c", wait, || {
                    started.send(()).unwrap();
                    release.recv().unwrap();
                    Ok(found())
                })
            });
            in_flight.recv().unwrap();
            drop(freshness.change("c"));
            let late = cache.get_or_fetch("c", wait, || Ok(StatusReport::default()));
            assert!(!late.unwrap().found(), "did not join the older lookup");
            finish.send(()).unwrap();
            assert!(early.join().unwrap().unwrap().found());
        });
        let kept = cache.get_or_fetch("c", wait, || panic!("the late answer is cached"));
        assert!(!kept.unwrap().found(), "the older answer was put back");
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
