//! The connections a FastAGI server holds, by state: still sending their AGI environment
//! (pending: not a call yet, closed at shutdown) or in a call (counted toward `--max-calls`
//! unless refused as busy; let finish at shutdown within the drain bound).
//!
//! Pending connections are capped below the descriptor limit: beyond the cap the oldest one is
//! closed. Asterisk sends its environment the moment it connects, so a real call completes it
//! long before it becomes the oldest, while sockets that connect and wait can no longer use up
//! every descriptor (which would leave real calls waiting in the kernel's backlog).

use std::collections::BTreeMap;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

pub struct Calls {
    max_calls: usize,
    max_pending: usize,
    state: Mutex<State>,
    /// Signalled whenever a call ends (the drain waits on it).
    ended: Condvar,
}

#[derive(Default)]
struct State {
    stopping: bool,
    next_id: u64,
    /// Connections whose environment is incomplete, oldest first, so that shutdown (or a
    /// newer connection beyond the cap) can close them.
    pending: BTreeMap<u64, Arc<TcpStream>>,
    /// Pending connections closed to make room, so far.
    evicted: u64,
    /// Calls within the limit.
    counted: usize,
    /// Callers being told "busy" (the fallback), beyond the limit.
    refused: usize,
}

impl State {
    fn running(&self) -> usize {
        self.counted + self.refused
    }
}

impl Calls {
    /// At most `max_calls` calls, and `max_pending` connections still sending their
    /// environment.
    pub fn new(max_calls: usize, max_pending: usize) -> Calls {
        Calls {
            max_calls: max_calls.max(1),
            max_pending: max_pending.max(1),
            state: Mutex::default(),
            ended: Condvar::new(),
        }
    }

    pub fn max_calls(&self) -> usize {
        self.max_calls
    }

    pub fn max_pending(&self) -> usize {
        self.max_pending
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Track a connection whose environment is still arriving, until the guard drops. `None`
    /// once the server is stopping: close the connection.
    pub fn pending(&self, stream: &Arc<TcpStream>) -> Option<Pending<'_>> {
        let mut state = self.lock();
        if state.stopping {
            return None;
        }
        if state.pending.len() >= self.max_pending {
            if let Some((_, oldest)) = state.pending.pop_first() {
                // Wakes its thread, which drops it.
                let _ = oldest.shutdown(Shutdown::Both);
                state.evicted += 1;
                if state.evicted.is_power_of_two() {
                    eprintln!(
                        "cbstatus fastagi: {} connections still sending their AGI environment: \
                         closed the oldest ({} so far)",
                        self.max_pending, state.evicted
                    );
                }
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        state.pending.insert(id, Arc::clone(stream));
        Some(Pending { calls: self, id })
    }

    /// The environment is complete: a call, within the limit or (beyond it) refused as busy.
    pub fn admit(&self) -> Running<'_> {
        let mut state = self.lock();
        let counted = state.counted < self.max_calls;
        if counted {
            state.counted += 1;
        } else {
            state.refused += 1;
        }
        Running {
            calls: self,
            counted,
        }
    }

    /// Stop: close every connection whose environment is incomplete (and any that arrives
    /// later). Returns how many calls are still running.
    pub fn stop(&self) -> usize {
        let mut state = self.lock();
        state.stopping = true;
        for stream in state.pending.values() {
            // Wakes the thread blocked reading it; it then drops the connection.
            let _ = stream.shutdown(Shutdown::Both);
        }
        state.running()
    }

    /// Wait until no call runs or `until` passes; returns how many still run.
    pub fn drain(&self, until: Instant) -> usize {
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            if state.running() == 0 || now >= until {
                return state.running();
            }
            state = self
                .ended
                .wait_timeout(state, until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// A connection sending its environment; untracked when dropped.
pub struct Pending<'a> {
    calls: &'a Calls,
    id: u64,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.calls.lock().pending.remove(&self.id);
    }
}

/// A call in progress; ends when dropped.
pub struct Running<'a> {
    calls: &'a Calls,
    counted: bool,
}

impl Running<'_> {
    /// The server was at its limit: the caller gets the fallback, no lookup.
    pub fn busy(&self) -> bool {
        !self.counted
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self.calls.lock();
        if self.counted {
            state.counted -= 1;
        } else {
            state.refused -= 1;
        }
        self.calls.ended.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::Duration;

    #[test]
    fn beyond_the_pending_cap_the_oldest_connection_is_closed() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let calls = Calls::new(1, 2);
        let mut clients = Vec::new();
        let mut guards = Vec::new();
        let mut streams = Vec::new();
        for _ in 0..3 {
            clients.push(TcpStream::connect(addr).unwrap());
            streams.push(Arc::new(listener.accept().unwrap().0));
        }
        for stream in &streams {
            guards.push(calls.pending(stream).unwrap());
        }
        assert_eq!(calls.lock().pending.len(), 2);
        // The first connection was shut down: its peer reads EOF; the newest two stay open.
        clients[0]
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        assert_eq!(clients[0].read(&mut [0u8; 1]).unwrap(), 0);
        clients[2].set_nonblocking(true).unwrap();
        let still_open = clients[2].read(&mut [0u8; 1]).unwrap_err();
        assert_eq!(still_open.kind(), std::io::ErrorKind::WouldBlock);
        drop(guards);
        assert!(calls.lock().pending.is_empty());
    }

    #[test]
    fn admission_counts_only_calls_and_drain_waits_for_them() {
        let calls = Calls::new(1, 8);
        let first = calls.admit();
        let second = calls.admit();
        assert!(!first.busy() && second.busy());
        drop(first);
        let third = calls.admit();
        assert!(!third.busy(), "a slot frees when a call ends");
        assert_eq!(calls.stop(), 2);
        let soon = Instant::now() + Duration::from_millis(50);
        assert_eq!(calls.drain(soon), 2);
        drop((second, third));
        assert_eq!(calls.drain(Instant::now() + Duration::from_secs(1)), 0);
    }
}
