//! Sending one request, and the keep-alive race (issue 10, class 3).
//!
//! A server that closes an idle keep-alive connection just as a request is sent on it makes
//! that request fail before any byte of a reply arrives, and the server never processed it.
//! An idempotent request (status, widget) that failed that way on a *reused* connection is
//! sent once more, on a new connection, within what is left of the same deadline. Anything
//! else is never retried: a cancel or a register, a failure on a new connection, a timeout,
//! or a reply that had begun.
//!
//! A failure is named for what happened to the request (issue 19, class 5): the whole request
//! written and then no reply (closed, reset, or the deadline passed) is `no_reply`, and says the
//! API may have received it; `connect` means it never fully left; a connection that broke in the
//! middle of the reply's head is a `malformed_reply`, like one that breaks in its body.

use super::super::transport::{self, Attempt};
use super::Client;
use crate::error::{Error, ErrorKind, Result};
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
            return Err(self.failure(error, &attempt));
        }
        log!(
            Level::Info,
            "a reused connection failed before any reply ({error}): the server closed it; \
             retrying once on a new connection"
        );
        let (outcome, attempt) = transport::track(|| build(&state.fresh_agent, Some(left)));
        outcome.map_err(|e| self.failure(e, &attempt))
    }

    /// The error for a request `attempt` that failed with `error` before its reply head was
    /// read. See the module documentation.
    fn failure(&self, error: ureq::Error, attempt: &Attempt) -> Error {
        let broke = match &error {
            ureq::Error::Io(e) if is_connection_failure_io(e) => Some(match e.kind() {
                std::io::ErrorKind::UnexpectedEof => "closed the connection".to_string(),
                std::io::ErrorKind::ConnectionReset => "reset the connection".to_string(),
                _ => format!("broke the connection ({e})"),
            }),
            _ => None,
        };
        let timed_out = matches!(error, ureq::Error::Timeout(_))
            || matches!(&error, ureq::Error::Io(e) if is_timeout(e));
        // Forgets the resolved addresses, as after any transport failure.
        let error = self.transport_error(error);
        if !attempt.request_sent || !(timed_out || broke.is_some()) {
            return error;
        }
        let what = match (broke, attempt.reply_started) {
            (Some(broke), true) => {
                return Error::new(
                    ErrorKind::MalformedReply,
                    format!("the API {broke} in the middle of its reply's head"),
                )
            }
            (None, true) => return error,
            (Some(broke), false) => format!("the API {broke} before any reply"),
            (None, false) => format!(
                "nothing came back within {} ms (raise CBSTATUS_TIMEOUT_MS if the API is slow)",
                self.inner.timeout.as_millis()
            ),
        };
        // The kind's description says the request may have been received.
        Error::new(
            ErrorKind::NoReply,
            format!("the whole request was written, then {what}"),
        )
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    use std::io::ErrorKind as Io;
    matches!(error.kind(), Io::TimedOut | Io::WouldBlock)
}

/// The connection broke (reset, closed, broken pipe): not a timeout, TLS or protocol error.
fn is_connection_failure(error: &ureq::Error) -> bool {
    matches!(error, ureq::Error::Io(e) if is_connection_failure_io(e))
}

fn is_connection_failure_io(error: &std::io::Error) -> bool {
    !is_timeout(error) && error.kind() != std::io::ErrorKind::InvalidData
}

fn keep_alive_header(response: &ureq::http::Response<ureq::Body>) -> Option<&str> {
    response
        .headers()
        .get("keep-alive")
        .and_then(|v| v.to_str().ok())
}
