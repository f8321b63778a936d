//! # cbstatus-sim
//!
//! The Mindful simulator: a small HTTP/1.1 server (std only, one thread per connection) that
//! implements the Mindful Scheduler API from a scenarios file, with fault injection.
//!
//! Integrators run it with `cbstatus simulate --listen ADDR [--scenarios FILE]` to develop call
//! flows without a Mindful account; the project's tests, benches and doctests use it as their
//! server. It is a crate of its own, and depends on nothing of cbstatus, so that the library
//! (`libcbstatus.so`, `libcbstatus.a`, the `cbstatus` rlib) does not carry a test double in its
//! code, its API or its semver: only the CLI depends on it.
//!
//! The public API: [`Simulator`] (start, address, recorded requests, shutdown), [`Scenarios`]
//! (what it answers, from TOML/JSON or the built-in demo, under [`DEFAULT_ORGANIZATION`] unless
//! the file names another), [`Options`] (wire behaviour) and [`RecordedRequest`].
//!
//! ```no_run
//! use cbstatus_sim::{Scenarios, Simulator};
//!
//! let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
//! println!("point cbstatus at {}", sim.organization_url());
//! // ... run requests against it ...
//! println!("{} requests", sim.request_count());
//! sim.shutdown();
//! ```
//!
//! # Endpoints
//!
//! | request | answer |
//! |---|---|
//! | `POST /api/organization/{org}/callback_status` `{"contact_number": "..."}` | `200 {"data":[...]}` — the number's callbacks; unknown number: `{"data":[]}` (or `{"data":[{"status":"InteractionNotFound"}]}` with `not_found = "status"`) |
//! | `POST /api/organization/{org}/cancel_callback` `{"contact_number": "..."}` | `200 {"data":[{"status": S, "cancel_callback_request_id": "cx-00000001"}]}`, S = `Canceled` (exactly one open callback; afterwards `callback_status` reports it `canceled`), `TooManyInteractions`, `InteractionNotFound`, or the number's `cancel` override |
//! | `GET /api/widget/{id}?time_zone=...` | `200 {"data":[{"widget_state", "message", "offer_asap", "offer_scheduled", "ewt", "scheduled_timeslots"}]}`; unknown widget → 404 |
//! | `POST /api/widget/{id}/request_callback` `{"contact_number": "...", "appointment_time": unix}` | `200 {"data":[{"status":"Requested", "message", "callback_request_id", "requested_at", "ewt"}]}`, and the callback is stored: `callback_status` reports it afterwards (ASAP: at the end of the widget's line with its `ewt`; scheduled: at the appointment) and `cancel_callback` cancels it. 400 with the status: `ContactRequired`, `InvalidContact` (fewer than 10 or more than 15 digits), `RequestRefusedDueToOperationMode` (the widget does not offer that kind of callback), `DuplicateRequest` (the same number within 10 s), `AppointmentTimeInThePast`, `InvalidAppointmentTime` (not one of the widget's time slots), `InvalidParameters` (`appointment_time` not a Unix time), or the number's `register` override. A fault on the widget applies *after* the registration is stored (the answer is lost, the callback exists). |
//!
//! Numbers match on digits only, and a leading country code `1` is optional on either side
//! (`+15551230001`, `15551230001` and `(555) 123-0001` all match `+15551230001`). A body that is
//! not JSON, or has no `contact_number`, gets a 400 with a JSON error body. Other paths → 404,
//! a wrong method → 405 (with `Allow`), a wrong organization id → 404. When the file sets a
//! `token`, every request must carry `{auth_header}: {auth_scheme} {token}` (defaults
//! `Authorization` / `Bearer`; an empty `auth_scheme` means the bare token), otherwise 401 (or
//! `auth_failure_status`) with a JSON error body.
//!
//! # Scenarios file
//!
//! TOML, or JSON with the same structure (`{"settings": {...}, "number": [...], "widget": [...]}`).
//! `examples/scenarios.toml` is a commented example that uses everything.
//!
//! ```toml
//! [settings]                        # all optional
//! organization = "562a519b54f83b56" # the {org} of the URLs (default shown)
//! token = "s3cret"                  # require this API access token
//! auth_header = "Authorization"     # header carrying it (default)
//! auth_scheme = "Bearer"            # value prefix (default); "" = the bare token
//! auth_failure_status = 401         # or 403
//! not_found = "empty"               # unknown numbers: "empty" → {"data":[]}, "status" → InteractionNotFound
//! fault = { kind = "delay", ms = 50 } # a fault for every request
//! contact_match = "digits"          # or "exact": contact_number must equal `number` as written
//!
//! [[number]]
//! number = "+15551230001"           # matched on digits, leading 1 optional (see contact_match)
//! description = "ASAP, 4th in line" # for `numbers()` / the demo walkthrough
//! cancel = "FAILED"                 # optional: force the cancel_callback status
//! register = "InvalidContact"       # optional: force the request_callback status
//! fault = { kind = "status", code = 503 }   # optional, see below
//! # raw = '{"data":[{"status":'     # alternative to callbacks: this exact body
//! # not_found = true                # listed, but answered like an unknown number
//! [[number.callback]]               # one CallbackObject; zero or more per number
//! type = "ASAP"                     # every key is sent exactly as written
//! status = "waitlisted"             # (strings stay strings, numbers stay numbers)
//! forecast_waitlist_position = "4"
//! estimated_wait_time = "720"
//! estimated_for_in = 720            # → "estimated_for": "<now + 720>" at request time
//! created_at_ago = 300              # → "created_at": "<now - 300>"
//! relative_as = "string"            # or "number": send those two times as JSON numbers
//! null_fields = ["source"]          # send these keys as null (TOML has no null)
//!
//! [[widget]]
//! id = "w-open"
//! widget_state = "offer_callback"
//! message = "We can call you back."
//! offer_asap = true                 # default: derived from widget_state
//! offer_scheduled = true
//! ewt = 600                         # absent → null
//! scheduled_timeslots = [1767225600]    # absolute, sent as written
//! scheduled_timeslots_in = [3600, 7200] # relative: now + N, as numbers
//! fault = { kind = "hang" }         # optional
//! ```
//!
//! Errors name the bad entry, e.g. `number #3 ("+15551230003"): fault: unknown fault kind
//! "dealy" (expected one of: ...)`.
//!
//! # Faults
//!
//! `fault = { kind = ..., ... }` on a number, a widget, or in `[settings]` (every request;
//! applied before authentication and routing). A bare string works for kinds without
//! parameters (`fault = "hang"`).
//!
//! | kind | parameters | effect |
//! |---|---|---|
//! | `delay` | `ms` | wait, then answer normally |
//! | `hang` | | read the request, never answer; the socket stays open until the client closes it or the simulator shuts down |
//! | `no_accept` | `ms` (optional; default until shutdown) | close this connection unanswered and stop accepting connections for `ms` (new ones wait in the kernel backlog: connect succeeds, nothing answers) |
//! | `slow_body` | `interval_ms` (100), `bytes` (1) | headers with the real `Content-Length`, then the body `bytes` at a time every `interval_ms` |
//! | `status` | `code`, optional `body`, `content_type`, `retry_after` | answer that status (default body: a JSON error; a body starting with `<` is sent as `text/html`) |
//! | `malformed` | | 200 with the real body cut in half (truncated JSON) |
//! | `empty` | | 200 with an empty body |
//! | `invalid_utf8` | | 200 with a JSON-looking body that is not UTF-8 |
//! | `huge` | `bytes` (16 MiB) | 200 with a valid JSON body of exactly that size, streamed |
//! | `reset` | | read the request, then close with a TCP RST (SO_LINGER 0) |
//! | `html` | | 200 with a `text/html` error page |
//! | `flaky` | `fail_first`, `fault` (alias `then`; default status 503) | the first `fail_first` requests get the inner fault, later ones succeed (counted per number / widget / server) |
//!
//! # HTTP
//!
//! Request heads are limited to 16 KiB (431) and bodies to 1 MiB (413); chunked request bodies
//! are refused with 411; malformed requests get 400 and the connection is closed. Connections
//! are kept alive by default (HTTP/1.1) unless the client sends `Connection: close`; idle
//! connections are closed after 30 s ([`Options::idle_timeout`]). Every answer has `Content-Type`, `Content-Length` and
//! `Connection`. The last 10 000 requests are kept for [`Simulator::requests`].

#![warn(missing_docs)]

mod faults;
mod http;
mod options;
mod recorded;
mod registry;
mod routes;
mod scenarios;
mod server;
mod template;

#[cfg(test)]
mod tests;

pub use options::Options;
pub use recorded::RecordedRequest;
pub use scenarios::{Scenarios, DEFAULT_ORGANIZATION};

use server::Shared;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops the server: the accept
/// loop ends, open connections (even hanging or dripping ones) are closed and every thread is
/// joined.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `listen` and starts serving `scenarios`. `listen` is `HOST:PORT` (port 0 picks a
    /// free port, e.g. `"127.0.0.1:0"`), `:PORT` or a bare `PORT` (both on 127.0.0.1).
    pub fn start(listen: &str, scenarios: Scenarios) -> std::io::Result<Simulator> {
        Simulator::start_with(listen, scenarios, Options::default())
    }

    /// [`Simulator::start`] with wire [`Options`] (e.g. answers in two segments).
    pub fn start_with(
        listen: &str,
        scenarios: Scenarios,
        options: Options,
    ) -> std::io::Result<Simulator> {
        let listen = listen.trim();
        let listener = if let Ok(port) = listen.trim_start_matches(':').parse::<u16>() {
            TcpListener::bind((Ipv4Addr::LOCALHOST, port))?
        } else {
            TcpListener::bind(listen)?
        };
        widen_backlog(&listener);
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(scenarios, options));
        let sh = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("cbstatus-sim-accept".into())
            .spawn(move || server::accept_loop(sh, listener))?;
        Ok(Simulator {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The bound address (with the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` — a connectable host: loopback when bound to 0.0.0.0 / `[::]`.
    pub fn base_url(&self) -> String {
        format!("http://{}", connect_addr(self.addr))
    }

    /// `http://HOST:PORT/api/organization/{organization}`, what an administrator would copy
    /// from the Mindful UI.
    pub fn organization_url(&self) -> String {
        format!(
            "{}/api/organization/{}",
            self.base_url(),
            self.shared.scenarios.organization()
        )
    }

    /// The scenarios being served.
    pub fn scenarios(&self) -> &Scenarios {
        &self.shared.scenarios
    }

    /// The requests received so far (the last 10 000), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// How many requests were received in total (not capped).
    pub fn request_count(&self) -> usize {
        self.shared.total.load(Ordering::Relaxed)
    }

    /// How many TCP connections were accepted.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for its threads (same as dropping it).
    pub fn shutdown(self) {
        drop(self);
    }

    fn stop(&mut self) {
        let Some(accept) = self.accept.take() else {
            return;
        };
        self.shared.stop.set();
        // Wake the accept loop: it sees the flag and ends.
        let _ = TcpStream::connect_timeout(&connect_addr(self.addr), Duration::from_secs(1));
        let _ = accept.join();
        self.shared.close_all();
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Connections the kernel may queue for the accept loop. std listens with a backlog of 128: a
/// burst of a few hundred connections at once (a load test, calls arriving together)
/// overflowed it, and the kernel dropped connection attempts that clients retry only after a
/// second, or reset them (BENCHMARKS.md, section 6).
const BACKLOG: i32 = 1024;

fn widen_backlog(listener: &TcpListener) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: listen() again on a listening socket we own only changes its backlog
        // (Linux allows it; the kernel caps the value at net.core.somaxconn).
        unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = listener;
}

/// A connectable address for a bound one (unspecified → loopback).
fn connect_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
