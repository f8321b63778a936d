//! State that belongs to one process, for hosts that `fork()` after using cbstatus (Python
//! `multiprocessing`, pre-fork servers, PBX helpers).
//!
//! A child made by `fork()` inherits a copy of the parent's memory: pooled keep-alive sockets
//! (parent and child would read each other's replies), cached answers, breaker state, and
//! every lock exactly as it was at that instant, including locks other threads held (they
//! never unlock in the child, because those threads do not exist there). So everything
//! mutable lives in a [`PerProcess`] slot tagged with the process id that made it. A process
//! that finds a slot made by another process builds a fresh one and never touches the
//! inherited one: not even to drop it, since dropping would take its locks, close the
//! parent's sockets or send a TLS close_notify on them. It is leaked on purpose.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};

/// This process's id, cached (`getpid()` is a system call since glibc 2.25). A `fork()` handler
/// clears the cache in the child; a child made without the C library's `fork()` (a raw
/// `clone`) is not supported.
pub(crate) fn current_pid() -> u32 {
    static CACHED: AtomicU32 = AtomicU32::new(0);
    static HANDLER: AtomicBool = AtomicBool::new(false);
    extern "C" fn forget_in_child() {
        CACHED.store(0, Ordering::SeqCst);
    }
    let cached = CACHED.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    if !HANDLER.swap(true, Ordering::SeqCst) {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe).
        unsafe { libc::pthread_atfork(None, None, Some(forget_in_child)) };
    }
    // SAFETY: getpid() cannot fail.
    let pid = unsafe { libc::getpid() } as u32;
    CACHED.store(pid, Ordering::Relaxed);
    pid
}

/// A value made lazily in each process that uses it (see the module documentation).
pub(crate) struct PerProcess<T> {
    slot: AtomicPtr<Slot<T>>,
}

struct Slot<T> {
    pid: u32,
    value: T,
}

// SAFETY: the slot is shared between threads only through `&T`.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
// SAFETY: as above; the owning process's slot is dropped with `self`.
unsafe impl<T: Send + Sync> Send for PerProcess<T> {}

impl<T> PerProcess<T> {
    /// Empty: the first [`PerProcess::get`] in each process makes the value.
    pub(crate) const fn new() -> PerProcess<T> {
        PerProcess {
            slot: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// This process's value, made with `init` if this process has none yet. Two threads racing
    /// here may both call `init`; one value wins and the other is dropped unused.
    pub(crate) fn get(&self, init: impl FnOnce() -> T) -> &T {
        let pid = current_pid();
        let mut seen = self.slot.load(Ordering::Acquire);
        // SAFETY: a non-null slot is never freed while `self` lives in a process that can see
        // it (only `Drop`, with exclusive access, frees this process's own slot).
        if let Some(slot) = unsafe { seen.as_ref() } {
            if slot.pid == pid {
                return &slot.value;
            }
        }
        let fresh = Box::into_raw(Box::new(Slot { pid, value: init() }));
        loop {
            match self
                .slot
                .compare_exchange(seen, fresh, Ordering::AcqRel, Ordering::Acquire)
            {
                // `seen` (if any) was another process's: abandoned, never dereferenced again.
                // SAFETY: `fresh` is now the installed slot (see above).
                Ok(_) => return unsafe { &(*fresh).value },
                Err(now) => {
                    // SAFETY: as above.
                    let slot = unsafe { &*now };
                    if slot.pid == pid {
                        // Another thread of this process won: ours was never shared.
                        // SAFETY: made by `Box::into_raw` above and never published.
                        drop(unsafe { Box::from_raw(fresh) });
                        return &slot.value;
                    }
                    seen = now;
                }
            }
        }
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let slot = *self.slot.get_mut();
        // SAFETY: exclusive access; a non-null pointer is a live slot.
        if !slot.is_null() && unsafe { (*slot).pid } == current_pid() {
            // SAFETY: this process made it with `Box::into_raw`; nothing else refers to it.
            drop(unsafe { Box::from_raw(slot) });
        }
        // Another process's slot is leaked on purpose (module documentation).
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn one_value_per_process_shared_by_threads() {
        let made = AtomicUsize::new(0);
        let cell: PerProcess<u32> = PerProcess::new();
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = cell.get(|| {
                        made.fetch_add(1, Ordering::SeqCst);
                        7
                    });
                    assert_eq!(*v, 7);
                });
            }
        });
        let before = made.load(Ordering::SeqCst);
        assert!(before >= 1);
        assert_eq!(*cell.get(|| 8), 7, "made once, then reused");
        assert_eq!(made.load(Ordering::SeqCst), before);
        assert_eq!(current_pid(), std::process::id());
    }
}
