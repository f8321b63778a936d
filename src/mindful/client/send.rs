//! Sending one request, and the keep-alive race (issue 10, class 3).
//!
//! A server that closes an idle keep-alive connection just as a request is sent on it makes
//! that request fail before any byte of a reply arrives, and the server never processed it.
//! An idempotent request (status, widget) that failed that way on a *reused* connection is
//! sent once more, on a new connection, within what is left of the same deadline. Anything
//! else is never retried: a cancel (or a register, which does not come through here), a
//! failure on a new connection, a timeout, or a reply that had begun.

use super::super::transport;
use super::Client;
use crate::error::Result;
use crate::log::{log, Level};
use std::time::{Duration, Instant};

/// Whether a request may be sent twice.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Idempotent {
    Yes,
    No,
}

/// Below this much time left, a retry could not finish anyway: report the first failure.
const MIN_RETRY_TIME: Duration = Duration::from_millis(5);

type Reply = std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>;

impl Client {
    /// Send the request `build` makes on the agent it is given (`Some(t)`: within `t` instead
    /// of the configured timeout) and return the reply head. See the module documentation.
    pub(super) fn send(
        &self,
        idempotent: Idempotent,
        build: impl Fn(&ureq::Agent, Option<Duration>) -> Reply,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        let state = self.state();
        let started = Instant::now();
        let (outcome, attempt) = transport::track(|| build(&state.agent, None));
        let error = match outcome {
            Ok(response) => {
                attempt.apply_keep_alive(keep_alive_header(&response));
                return Ok(response);
            }
            Err(error) => error,
        };
        let left = self.inner.timeout.saturating_sub(started.elapsed());
        let lost_race = idempotent == Idempotent::Yes
            && attempt.reused_without_reply()
            && is_connection_failure(&error)
            && left >= MIN_RETRY_TIME;
        if !lost_race {
            return Err(self.transport_error(error));
        }
        log!(
            Level::Info,
            "a reused connection failed before any reply ({error}): the server closed it; \
             retrying once on a new connection"
        );
        build(&state.fresh_agent, Some(left)).map_err(|e| self.transport_error(e))
    }
}

/// The connection broke (reset, closed, broken pipe): not a timeout, TLS or protocol error.
fn is_connection_failure(error: &ureq::Error) -> bool {
    use std::io::ErrorKind as Io;
    match error {
        ureq::Error::Io(e) => !matches!(e.kind(), Io::TimedOut | Io::WouldBlock | Io::InvalidData),
        _ => false,
    }
}

fn keep_alive_header(response: &ureq::http::Response<ureq::Body>) -> Option<&str> {
    response
        .headers()
        .get("keep-alive")
        .and_then(|v| v.to_str().ok())
}
