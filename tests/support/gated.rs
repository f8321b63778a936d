//! A Mindful API for one number whose status replies the test can hold: the in-flight race of
//! issue 19 class 2 (a lookup that started before a cancel or register and completes after it),
//! made deterministic instead of sleep-lucky.
//!
//! The number has a callback (`booked`, 4th in line) or not. `cancel_callback` unbooks it,
//! `request_callback` books it; `callback_status` answers what was true when the request
//! *arrived*. With [`GatedApi::hold_next_status`], the next status request is answered only
//! once the test calls [`GatedApi::release`] (or a status request for [`RELEASE_NUMBER`]
//! arrives, for a client in another process, or [`MAX_HOLD`] passes): the test knows it arrived
//! ([`GatedApi::wait_held`]) and decides what happens before its reply. With
//! [`GatedApi::lose_change_replies`], a cancel or register is carried out and then the connection
//! closes without a reply.

use super::{found_body, json_ok, RawServer, MAX_HOLD};
use std::io::{BufReader, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A status request for this number releases the held reply (for a C or FastAGI client).
pub const RELEASE_NUMBER: &str = "+15550009999";

#[derive(Default)]
struct Gate {
    /// The next status request is to be held.
    armed: bool,
    /// A status request is being held.
    held: bool,
    released: bool,
}

#[derive(Default)]
struct Shared {
    booked: AtomicBool,
    /// Apply a cancel or register, then close without a reply.
    lose_change_replies: AtomicBool,
    /// A cancel or register waits until a status request is held before it is carried out.
    changes_wait_for_held: AtomicBool,
    statuses: AtomicUsize,
    changes: AtomicUsize,
    gate: Mutex<Gate>,
    moved: Condvar,
}

/// See the module documentation. Stops when dropped.
pub struct GatedApi {
    server: RawServer,
    shared: Arc<Shared>,
}

impl GatedApi {
    /// A server for a number that has a callback (`booked`) or not.
    pub fn start(booked: bool) -> GatedApi {
        let shared = Arc::new(Shared::default());
        shared.booked.store(booked, Ordering::SeqCst);
        let state = Arc::clone(&shared);
        let server = RawServer::start(move |stream, ctx| {
            let mut reader = BufReader::new(stream);
            let Some(request) = ctx.read_request(&mut reader) else {
                return;
            };
            let path = request.head.split_whitespace().nth(1).unwrap_or("");
            let body = String::from_utf8_lossy(&request.body).to_string();
            let reply = if path.ends_with("/callback_status") {
                if body.contains(RELEASE_NUMBER) {
                    state.release();
                    json_ok(r#"{"data":[]}"#)
                } else {
                    state.statuses.fetch_add(1, Ordering::SeqCst);
                    // What is true now, answered later if held.
                    let answer = if state.booked.load(Ordering::SeqCst) {
                        json_ok(&found_body(4, 720))
                    } else {
                        json_ok(r#"{"data":[]}"#)
                    };
                    state.hold_if_armed();
                    answer
                }
            } else if path.ends_with("/cancel_callback") {
                state.before_change();
                state.changes.fetch_add(1, Ordering::SeqCst);
                let was = state.booked.swap(false, Ordering::SeqCst);
                json_ok(if was {
                    r#"{"data":[{"status":"Canceled"}]}"#
                } else {
                    r#"{"data":[{"status":"InteractionNotFound"}]}"#
                })
            } else if path.ends_with("/request_callback") {
                state.before_change();
                state.changes.fetch_add(1, Ordering::SeqCst);
                state.booked.store(true, Ordering::SeqCst);
                json_ok(
                    r#"{"data":[{"status":"Requested","callback_request_id":"cb-1","ewt":"600"}]}"#,
                )
            } else {
                super::response("404 Not Found", &[], b"")
            };
            let change = path.ends_with("/cancel_callback") || path.ends_with("/request_callback");
            if change && state.lose_change_replies.load(Ordering::SeqCst) {
                return;
            }
            let _ = reader.get_mut().write_all(&reply);
        });
        GatedApi { server, shared }
    }

    /// The organization URL to configure.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// `callback_status` requests answered or held so far (not counting [`RELEASE_NUMBER`]).
    pub fn statuses(&self) -> usize {
        self.shared.statuses.load(Ordering::SeqCst)
    }

    /// `cancel_callback` and `request_callback` requests so far.
    pub fn changes(&self) -> usize {
        self.shared.changes.load(Ordering::SeqCst)
    }

    /// From now on, carry out cancels and registers but close without a reply.
    pub fn lose_change_replies(&self) {
        self.shared
            .lose_change_replies
            .store(true, Ordering::SeqCst);
    }

    /// Hold the reply to the next status request, and make cancels and registers wait until it
    /// is held: a client in another process (C, FastAGI) that starts a lookup and then a change
    /// gets them in that order at the API without knowing when its lookup arrived. It releases
    /// the held reply with a lookup of [`RELEASE_NUMBER`] once the change has completed.
    pub fn hold_next_status_before_changes(&self) {
        self.shared
            .changes_wait_for_held
            .store(true, Ordering::SeqCst);
        self.hold_next_status();
    }

    /// Hold the reply to the next status request until [`GatedApi::release`].
    pub fn hold_next_status(&self) {
        let mut gate = self.shared.gate.lock().unwrap();
        *gate = Gate {
            armed: true,
            ..Gate::default()
        };
    }

    /// Wait (at most `limit`) until a status request is being held.
    pub fn wait_held(&self, limit: Duration) -> bool {
        let gate = self.shared.gate.lock().unwrap();
        let (gate, _) = self
            .shared
            .moved
            .wait_timeout_while(gate, limit, |g| !g.held && !g.released)
            .unwrap();
        gate.held
    }

    /// Let the held reply go.
    pub fn release(&self) {
        self.shared.release();
    }
}

impl Shared {
    fn before_change(&self) {
        if !self.changes_wait_for_held.load(Ordering::SeqCst) {
            return;
        }
        let gate = self.gate.lock().unwrap();
        let _ = self
            .moved
            .wait_timeout_while(gate, MAX_HOLD, |g| !g.held && !g.released)
            .unwrap();
    }

    fn release(&self) {
        self.gate.lock().unwrap().released = true;
        self.moved.notify_all();
    }

    fn hold_if_armed(&self) {
        let mut gate = self.gate.lock().unwrap();
        if !std::mem::take(&mut gate.armed) {
            return;
        }
        gate.held = true;
        self.moved.notify_all();
        let until = Instant::now() + MAX_HOLD;
        while !gate.released && Instant::now() < until {
            gate = self
                .moved
                .wait_timeout(gate, Duration::from_millis(50))
                .unwrap()
                .0;
        }
        gate.held = false;
    }
}

impl Drop for GatedApi {
    fn drop(&mut self) {
        self.release();
    }
}
