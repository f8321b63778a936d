//! Prefetch: start a lookup while the greeting plays, answer the real lookup from it.
//!
//! [`Prefetches::start`] registers a number as in flight (the client then runs the lookup on
//! a background thread and calls [`Prefetches::finish`]). A lookup of that number
//! ([`Prefetches::take`]) joins the one in flight, or consumes its kept answer. Answers are
//! kept for `prefetch_ttl_ms` or until consumed, whichever comes first; failures are not kept
//! (the real lookup tries again). At most `prefetch_max` prefetches are in flight; more are
//! ignored, and the later lookup does the work itself.
//!
//! No lock is held while waiting for an answer or during the lookup. The table lives in the
//! client's per-process state: a forked child never sees its parent's prefetches.
//!
//! A prefetch is stamped when it starts (`freshness.rs`): once a register or cancel of its
//! number begins, its answer is neither kept, handed out nor joined, and a new prefetch of
//! that number may start.

use super::cache;
use super::freshness::{Freshness, Stamp};
use crate::error::{Error, ErrorKind, Result};
use crate::status::StatusReport;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Kept answers (not yet consumed) allowed per allowed prefetch in flight, so callers who
/// hang up before their lookup cannot grow the table without bound within one TTL.
const KEPT_PER_SLOT: usize = 16;

enum Entry {
    InFlight(Arc<Pending>),
    Ready {
        report: StatusReport,
        expires: Instant,
        stamp: Stamp,
    },
}

struct Pending {
    answer: cache::Pending,
    /// A lookup joined it: that lookup consumed the answer, nothing is kept.
    joined: std::sync::atomic::AtomicBool,
    /// Taken when the prefetch started, before it asked anything.
    stamp: Stamp,
}

/// A prefetch started by [`Prefetches::start`], to hand to [`Prefetches::finish`].
pub(crate) struct Ticket(Arc<Pending>);

/// See the module documentation.
pub(crate) struct Prefetches {
    ttl: Duration,
    max: usize,
    table: Mutex<HashMap<String, Entry>>,
    in_flight: AtomicUsize,
    /// Entries held, read without the lock so that a lookup with no prefetch costs one load.
    entries: AtomicUsize,
    /// Which answers a register or cancel made stale (the client's, shared with its cache).
    freshness: Arc<Freshness>,
}

/// What [`Prefetches::start`] decided.
pub(crate) enum Start {
    /// Run the lookup and call [`Prefetches::finish`] with this ticket.
    Run(Ticket),
    /// Already in flight, or an answer is kept.
    Already,
    /// `prefetch_max` in flight (or disabled): ignored.
    Full,
}

impl Prefetches {
    pub(crate) fn new(ttl: Duration, max: usize, freshness: Arc<Freshness>) -> Prefetches {
        Prefetches {
            ttl,
            max,
            table: Mutex::new(HashMap::new()),
            in_flight: AtomicUsize::new(0),
            entries: AtomicUsize::new(0),
            freshness,
        }
    }

    /// Whether `entry` of `key` may still be handed out (or joined).
    fn current(&self, key: &str, entry: &Entry) -> bool {
        let stamp = match entry {
            Entry::InFlight(pending) => pending.stamp,
            Entry::Ready { stamp, .. } => *stamp,
        };
        self.freshness.is_current(key, stamp)
    }

    fn table(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_entries(&self, table: &HashMap<String, Entry>) {
        self.entries.store(table.len(), Ordering::Release);
    }

    /// Register a prefetch of `key`.
    pub(crate) fn start(&self, key: &str) -> Start {
        if self.max == 0 {
            return Start::Full;
        }
        let stamp = self.freshness.stamp();
        let mut table = self.table();
        let now = Instant::now();
        match table.get(key) {
            Some(e @ Entry::InFlight(_)) if self.current(key, e) => return Start::Already,
            Some(e @ Entry::Ready { expires, .. }) if *expires > now && self.current(key, e) => {
                return Start::Already
            }
            _ => {}
        }
        if self.in_flight.load(Ordering::Acquire) >= self.max {
            return Start::Full;
        }
        if table.len() >= self.max.saturating_mul(KEPT_PER_SLOT) {
            table.retain(|_, e| !matches!(e, Entry::Ready { expires, .. } if *expires <= now));
            if table.len() >= self.max.saturating_mul(KEPT_PER_SLOT) {
                self.set_entries(&table);
                return Start::Full;
            }
        }
        let pending = Arc::new(Pending {
            answer: cache::Pending::default(),
            joined: Default::default(),
            stamp,
        });
        table.insert(key.to_string(), Entry::InFlight(Arc::clone(&pending)));
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.set_entries(&table);
        Start::Run(Ticket(pending))
    }

    /// The prefetch of `key` ended with `answer`: wake the lookups that joined it, and keep
    /// a successful answer nobody consumed yet.
    pub(crate) fn finish(&self, key: &str, ticket: Ticket, answer: Result<StatusReport>) {
        let Ticket(pending) = ticket;
        {
            let mut table = self.table();
            let ours =
                matches!(table.get(key), Some(Entry::InFlight(p)) if Arc::ptr_eq(p, &pending));
            if ours {
                table.remove(key);
                let joined = pending.joined.load(Ordering::Acquire);
                // Checked under the table lock, like the cache (see freshness.rs).
                let current = self.freshness.is_current(key, pending.stamp);
                if let (Ok(report), false, true) = (&answer, joined, current) {
                    table.insert(
                        key.to_string(),
                        Entry::Ready {
                            report: report.clone(),
                            expires: Instant::now() + self.ttl,
                            stamp: pending.stamp,
                        },
                    );
                }
            }
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            self.set_entries(&table);
        }
        pending.answer.publish(answer);
    }

    /// The prefetch of `key` could not start (no thread): forget it, and release any lookup
    /// that joined it meanwhile.
    pub(crate) fn abandon(&self, key: &str) {
        let pending = {
            let mut table = self.table();
            let Some(Entry::InFlight(pending)) = table.remove(key) else {
                return;
            };
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            self.set_entries(&table);
            pending
        };
        pending.answer.publish(Err(Error::new(
            ErrorKind::Internal,
            "the prefetch could not start a thread",
        )));
    }

    /// The prefetched answer for `key`, consuming it: kept, or the one in flight (waiting at
    /// most `wait`). `None`: no prefetch of `key` (the caller looks it up itself).
    pub(crate) fn take(&self, key: &str, wait: Duration) -> Option<Result<StatusReport>> {
        if self.entries.load(Ordering::Acquire) == 0 {
            return None;
        }
        let pending = {
            let mut table = self.table();
            let entry = table.remove(key)?;
            if !self.current(key, &entry) {
                // Made stale by a register or cancel: the caller asks the API itself. One
                // still in flight stays listed until it finishes (and keeps nothing).
                if let Entry::InFlight(_) = entry {
                    table.insert(key.to_string(), entry);
                }
                self.set_entries(&table);
                return None;
            }
            let pending = match entry {
                Entry::Ready {
                    report, expires, ..
                } => {
                    self.set_entries(&table);
                    return (expires > Instant::now()).then_some(Ok(report));
                }
                Entry::InFlight(pending) => pending,
            };
            pending.joined.store(true, Ordering::Release);
            // Still in flight: it stays listed (later lookups join too) until it finishes.
            table.insert(key.to_string(), Entry::InFlight(Arc::clone(&pending)));
            pending
        };
        Some(cache::wait_for(
            &pending.answer,
            wait,
            "the prefetch of this number",
        ))
    }

    /// Prefetches in flight now.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Callback;

    fn found() -> StatusReport {
        StatusReport {
            callbacks: vec![Callback::default()],
        }
    }

    fn run(p: &Prefetches, key: &str) -> Ticket {
        match p.start(key) {
            Start::Run(t) => t,
            _ => panic!("not started"),
        }
    }

    #[test]
    fn kept_until_consumed_once_and_bounded() {
        let p = Prefetches::new(Duration::from_secs(30), 2, Default::default());
        assert!(p.take("a", Duration::ZERO).is_none());
        let a = run(&p, "a");
        assert!(matches!(p.start("a"), Start::Already));
        let b = run(&p, "b");
        assert!(
            matches!(p.start("c"), Start::Full),
            "prefetch_max in flight"
        );
        assert_eq!(p.in_flight(), 2);
        p.finish("a", a, Ok(found()));
        p.finish("b", b, Err(Error::new(ErrorKind::Timeout, "slow")));
        assert_eq!(p.in_flight(), 0);
        assert!(p.take("a", Duration::ZERO).unwrap().unwrap().found());
        assert!(p.take("a", Duration::ZERO).is_none(), "consumed");
        assert!(
            p.take("b", Duration::ZERO).is_none(),
            "failures are not kept"
        );
        assert!(matches!(
            Prefetches::new(Duration::from_secs(1), 0, Default::default()).start("x"),
            Start::Full
        ));
    }

    #[test]
    fn a_change_of_the_number_outdates_kept_and_in_flight_prefetches() {
        let freshness = Arc::new(Freshness::default());
        let p = Prefetches::new(Duration::from_secs(30), 4, Arc::clone(&freshness));
        let kept = run(&p, "a");
        p.finish("a", kept, Ok(found()));
        let flying = run(&p, "b");
        drop(freshness.change("a"));
        drop(freshness.change("b"));
        assert!(
            p.take("a", Duration::ZERO).is_none(),
            "kept before the change"
        );
        assert!(
            p.take("b", Duration::ZERO).is_none(),
            "in flight: not joined"
        );
        assert!(
            matches!(p.start("b"), Start::Run(_)),
            "a new prefetch replaces it"
        );
        p.finish("b", flying, Ok(found()));
        assert_eq!(p.in_flight(), 1, "the old one still counted out");
    }

    #[test]
    fn expires_after_the_ttl() {
        let p = Prefetches::new(Duration::from_millis(20), 4, Default::default());
        let t = run(&p, "a");
        p.finish("a", t, Ok(found()));
        std::thread::sleep(Duration::from_millis(40));
        assert!(p.take("a", Duration::ZERO).is_none());
        assert!(
            matches!(p.start("a"), Start::Run(_)),
            "expired: a new prefetch may run"
        );
    }

    #[test]
    fn lookups_join_the_prefetch_in_flight() {
        let p = Prefetches::new(Duration::from_secs(30), 4, Default::default());
        let t = run(&p, "a");
        std::thread::scope(|s| {
            let joiners: Vec<_> = (0..3)
                .map(|_| s.spawn(|| p.take("a", Duration::from_secs(5))))
                .collect();
            std::thread::sleep(Duration::from_millis(50));
            p.finish("a", t, Ok(found()));
            for j in joiners {
                assert!(j.join().unwrap().unwrap().unwrap().found());
            }
        });
        assert!(p.take("a", Duration::ZERO).is_none(), "joined: consumed");
        let t = run(&p, "b");
        let waited = p.take("b", Duration::from_millis(30)).unwrap();
        assert_eq!(waited.unwrap_err().kind(), ErrorKind::Timeout);
        p.finish("b", t, Ok(found()));
    }
}
