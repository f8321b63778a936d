//! Answers never outlive a change to their number (issue 19, class 2).
//!
//! The rule: after a register or a cancel of a number, whatever its outcome (registered,
//! refused, no answer, an error, an open breaker), no lookup answer obtained before it is given
//! for that number again: not from the cache, not from a prefetch, not by joining an identical
//! lookup in flight, and not by a lookup that was in flight during it and stores its answer
//! afterwards. The next status lookup asks the API.
//!
//! Why: the caller has just been told "we will call you back" or "your callback has been
//! canceled"; an answer fetched a moment earlier ("we could not find a callback request", "you
//! are number 4 in line") contradicts what they just did, and it would be spoken as the truth.
//!
//! How: every lookup takes a [`Stamp`] (a global tick) *before* it asks the API. A change takes a
//! new tick when it starts and again when it ends ([`Freshness::change`], ended by dropping the
//! guard, so a panic ends it too). An answer stamped with `s` is current for its number only
//! if no change of that number is in progress and `s` is not older than the number's last
//! tick. The cache and the prefetches ask [`Freshness::is_current`] when they store an
//! answer, when they serve one and before a lookup joins one in flight (so the check and the
//! store happen under their own lock, and a change that starts meanwhile makes it stale).
//!
//! Bounded memory: a number's record is needed only while an answer stamped before its last
//! tick may still be in flight. Past [`MAX_RECORDS`] numbers, the records of finished changes
//! are dropped and a floor is raised to the current tick: every answer stamped below it is stale
//! for every number. That costs one extra API request per answer held or in flight at that
//! moment (once per `MAX_RECORDS` changes), and never a stale answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Numbers with a change recorded before the records of finished changes are dropped.
const MAX_RECORDS: usize = 1024;

/// When a lookup started, in ticks: taken before it asks the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp(u64);

#[derive(Default)]
struct Record {
    /// Changes of this number in progress.
    in_progress: u32,
    /// The tick its last change started or ended at.
    last: u64,
}

#[derive(Default)]
struct Records {
    by_number: HashMap<String, Record>,
    /// Answers stamped below this are stale for every number (records were dropped).
    floor: u64,
}

/// See the module documentation. One per client per process, shared by its cache and its
/// prefetches.
#[derive(Default)]
pub(crate) struct Freshness {
    tick: AtomicU64,
    records: Mutex<Records>,
    /// `floor > 0 || !by_number.is_empty()`, read without the lock: while no number ever
    /// changed, checking an answer costs one load.
    any: AtomicUsize,
}

/// A register or cancel in progress: dropping it ends the change.
pub(crate) struct Change<'a> {
    freshness: &'a Freshness,
    number: String,
}

impl Freshness {
    fn records(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stamp a lookup about to ask the API (or about to be answered from what others asked).
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp(self.tick.load(Ordering::SeqCst))
    }

    /// A new tick, recorded as `number`'s last. Under the records lock, so that a check
    /// never sees the tick without the record.
    fn bump<'a>(&self, records: &'a mut Records, number: &str) -> &'a mut Record {
        let tick = self.tick.fetch_add(1, Ordering::SeqCst) + 1;
        let record = records.by_number.entry(number.to_string()).or_default();
        record.last = tick;
        record
    }

    /// A register or cancel of `number` starts now; it ends when the guard is dropped.
    pub(crate) fn change(&self, number: &str) -> Change<'_> {
        let mut records = self.records();
        if records.by_number.len() >= MAX_RECORDS {
            records.by_number.retain(|_, r| r.in_progress > 0);
            records.floor = self.tick.load(Ordering::SeqCst);
        }
        self.bump(&mut records, number).in_progress += 1;
        self.any.store(1, Ordering::SeqCst);
        Change {
            freshness: self,
            number: number.to_string(),
        }
    }

    /// Whether an answer for `number` stamped `stamp` may still be stored, served or joined.
    pub(crate) fn is_current(&self, number: &str, stamp: Stamp) -> bool {
        if self.any.load(Ordering::SeqCst) == 0 {
            return true;
        }
        let records = self.records();
        if stamp.0 < records.floor {
            return false;
        }
        records
            .by_number
            .get(number)
            .is_none_or(|r| r.in_progress == 0 && stamp.0 >= r.last)
    }
}

impl Drop for Change<'_> {
    fn drop(&mut self) {
        let freshness = self.freshness;
        let mut records = freshness.records();
        let record = freshness.bump(&mut records, &self.number);
        record.in_progress = record.in_progress.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_makes_every_earlier_stamp_stale_for_its_number_only() {
        let f = Freshness::default();
        let before = f.stamp();
        assert!(f.is_current("+1", before), "nothing changed yet");
        let change = f.change("+1");
        let during = f.stamp();
        assert!(!f.is_current("+1", before));
        assert!(
            !f.is_current("+1", during),
            "in progress: nothing is current"
        );
        assert!(f.is_current("+2", before), "another number is untouched");
        drop(change);
        assert!(!f.is_current("+1", before));
        assert!(
            !f.is_current("+1", during),
            "asked while the change was in progress: may predate its effect"
        );
        assert!(f.is_current("+1", f.stamp()), "asked after it ended");
    }

    #[test]
    fn overlapping_changes_keep_the_number_changing_until_both_end() {
        let f = Freshness::default();
        let first = f.change("+1");
        let second = f.change("+1");
        drop(first);
        assert!(
            !f.is_current("+1", f.stamp()),
            "the second is still running"
        );
        drop(second);
        assert!(f.is_current("+1", f.stamp()));
    }

    #[test]
    fn dropping_records_raises_the_floor_never_revives_a_stale_stamp() {
        let f = Freshness::default();
        let old = f.stamp();
        drop(f.change("+0"));
        for i in 1..=MAX_RECORDS {
            drop(f.change(&format!("+{i}")));
        }
        assert!(f.records().by_number.len() <= MAX_RECORDS);
        assert!(
            !f.is_current("+0", old),
            "its record is gone: the floor holds"
        );
        assert!(f.is_current("+0", f.stamp()));
        let running = f.change("+7");
        for i in 0..=MAX_RECORDS {
            drop(f.change(&format!("-{i}")));
        }
        assert!(
            !f.is_current("+7", f.stamp()),
            "a change in progress is never dropped"
        );
        drop(running);
        assert!(f.is_current("+7", f.stamp()));
    }
}
