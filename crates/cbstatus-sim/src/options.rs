//! How the simulator behaves on the wire beyond its scenarios: data the server reads, declared
//! apart from the crate root so that the server does not reach back up into it.

use std::time::Duration;

/// How the simulator behaves on the wire, beyond the scenarios (see [`crate::Simulator::start_with`]).
#[derive(Clone, Debug)]
pub struct Options {
    /// Write every answer as two segments, the head and then the body, with Nagle's algorithm
    /// on (no `TCP_NODELAY`), as Python's `http.server` and many frameworks do: the body
    /// waits until the client acknowledges the head. Default: off (one write, `TCP_NODELAY`).
    pub two_segments: bool,
    /// Close a kept-alive connection after this long without a request (default 30 s).
    pub idle_timeout: Duration,
    /// Announce `Keep-Alive: timeout=N` (seconds) on kept-alive answers (default: none).
    /// Independent of [`Options::idle_timeout`], so a test can announce one and do another.
    pub keep_alive_timeout: Option<u64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            two_segments: false,
            idle_timeout: Duration::from_secs(30),
            keep_alive_timeout: None,
        }
    }
}
