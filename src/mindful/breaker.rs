//! A circuit breaker: when the API keeps failing, answer at once instead of making every
//! caller wait for the timeout, and probe now and then whether it has recovered.
//!
//! Closed: requests go through; `threshold` consecutive failures open it. Open: requests are
//! refused with [`ErrorKind::CircuitOpen`] until the cool-down ends. Half-open: one request
//! (the probe) goes through; its success closes the breaker, its failure opens it again.
//!
//! 429, 503 and other 5xx replies are failures like any other: one reply never opens the
//! breaker below `threshold`. When the breaker opens on a reply that carried `Retry-After`
//! (the client keeps it only for 429 and 503), it stays open for that long, but never longer
//! than the cool-down: a single hostile or misconfigured `Retry-After: 3600` cannot silence
//! lookups for an hour.

use crate::error::{Error, ErrorKind};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A probe is out. `until`: if it has not reported by then (its request panicked and the
    /// panic was caught at the C boundary), admit another instead of staying half-open forever.
    HalfOpen {
        until: Instant,
    },
}

/// See the module documentation.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<(State, Option<Error>)>,
}

/// Permission to make one request; report how it went with [`Breaker::record`].
#[derive(Debug)]
#[must_use]
pub struct Permit {
    probe: bool,
}

impl Breaker {
    /// `threshold` 0 disables the breaker (every request goes through).
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold,
            cooldown,
            state: Mutex::new((State::Closed { failures: 0 }, None)),
        }
    }

    /// May a request go out now?
    pub fn admit(&self) -> Result<Permit, Error> {
        if self.threshold == 0 {
            return Ok(Permit { probe: false });
        }
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (state, last_error) = &mut *guard;
        match state {
            State::Closed { .. } => Ok(Permit { probe: false }),
            State::Open { until } | State::HalfOpen { until } if Instant::now() >= *until => {
                *state = State::HalfOpen {
                    until: Instant::now() + self.cooldown,
                };
                Ok(Permit { probe: true })
            }
            State::Open { until } => Err(open_error(
                until.saturating_duration_since(Instant::now()),
                last_error.as_ref(),
            )),
            State::HalfOpen { .. } => Err(open_error(Duration::ZERO, last_error.as_ref())),
        }
    }

    /// Open or half-open (probing) now: callers are being answered without the API. An open
    /// breaker whose cool-down has passed still counts as open until its probe succeeds.
    pub fn is_open(&self) -> bool {
        if self.threshold == 0 {
            return false;
        }
        let guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        !matches!(guard.0, State::Closed { .. })
    }

    /// Report the outcome of a request admitted by `permit`.
    pub fn record(&self, permit: Permit, outcome: Result<(), &Error>) {
        if self.threshold == 0 {
            return;
        }
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (state, last_error) = &mut *guard;
        match outcome {
            Ok(()) => {
                *state = State::Closed { failures: 0 };
                *last_error = None;
            }
            Err(error) if !counts_as_failure(error) => {
                if permit.probe {
                    *state = State::Closed { failures: 0 };
                }
            }
            Err(error) => {
                let failures = match state {
                    State::Closed { failures } => *failures + 1,
                    _ => self.threshold,
                };
                *state = if permit.probe || failures >= self.threshold {
                    let pause = error
                        .retry_after()
                        .filter(|d| !d.is_zero())
                        .map_or(self.cooldown, |d| d.min(self.cooldown));
                    State::Open {
                        until: Instant::now() + pause,
                    }
                } else {
                    State::Closed { failures }
                };
                *last_error = Some(error.clone());
            }
        }
    }
}

/// Failures that say the API is unwell (not that the request was bad).
fn counts_as_failure(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Timeout
        | ErrorKind::Connect
        | ErrorKind::NoReply
        | ErrorKind::Tls
        | ErrorKind::RateLimited
        | ErrorKind::MalformedReply
        | ErrorKind::BodyTooLarge => true,
        ErrorKind::HttpStatus => error.http_status().is_none_or(|s| s >= 500),
        _ => false,
    }
}

fn open_error(remaining: Duration, last: Option<&Error>) -> Error {
    let why = last.map_or(String::new(), |e| format!("; last failure: {e}"));
    Error::new(
        ErrorKind::CircuitOpen,
        format!(
            "the Mindful API keeps failing; not calling it for another {} ms{why}",
            remaining.as_millis()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout() -> Error {
        Error::new(ErrorKind::Timeout, "slow")
    }

    #[test]
    fn opens_after_threshold_then_half_opens_with_one_probe() {
        let breaker = Breaker::new(3, Duration::from_millis(50));
        for _ in 0..3 {
            let permit = breaker.admit().unwrap();
            breaker.record(permit, Err(&timeout()));
        }
        assert!(breaker.is_open());
        let err = breaker.admit().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CircuitOpen);
        assert!(err.detail().contains("slow"));
        std::thread::sleep(Duration::from_millis(60));
        let probe = breaker.admit().unwrap();
        assert_eq!(breaker.admit().unwrap_err().kind(), ErrorKind::CircuitOpen);
        breaker.record(probe, Err(&timeout()));
        assert!(breaker.admit().is_err(), "a failed probe reopens");
        std::thread::sleep(Duration::from_millis(60));
        let probe = breaker.admit().unwrap();
        breaker.record(probe, Ok(()));
        assert!(!breaker.is_open());
        assert!(breaker.admit().is_ok(), "a good probe closes");
    }

    #[test]
    fn success_resets_and_bad_requests_do_not_count() {
        let breaker = Breaker::new(2, Duration::from_secs(60));
        let p = breaker.admit().unwrap();
        breaker.record(p, Err(&timeout()));
        let p = breaker.admit().unwrap();
        breaker.record(p, Ok(()));
        let p = breaker.admit().unwrap();
        breaker.record(p, Err(&timeout()));
        for _ in 0..5 {
            let p = breaker.admit().unwrap();
            breaker.record(p, Err(&Error::http(ErrorKind::HttpStatus, 404, "nope")));
        }
        assert!(breaker.admit().is_ok());
    }

    #[test]
    fn retry_after_counts_toward_the_threshold_and_is_capped_by_the_cooldown() {
        let limited = |ms| {
            Error::http(ErrorKind::RateLimited, 429, "slow down")
                .with_retry_after(Some(Duration::from_millis(ms)))
        };
        // One reply never opens it below the threshold, whatever it asks for.
        let breaker = Breaker::new(2, Duration::from_secs(60));
        let p = breaker.admit().unwrap();
        breaker.record(p, Err(&limited(3_600_000)));
        let p = breaker.admit().expect("one 429 does not open the breaker");
        // At the threshold, a short Retry-After shortens the pause.
        breaker.record(p, Err(&limited(40)));
        assert_eq!(breaker.admit().unwrap_err().kind(), ErrorKind::CircuitOpen);
        std::thread::sleep(Duration::from_millis(50));
        assert!(breaker.admit().is_ok());
        // A long one never lengthens it past the cool-down.
        let breaker = Breaker::new(1, Duration::from_millis(40));
        let p = breaker.admit().unwrap();
        breaker.record(p, Err(&limited(3_600_000)));
        assert_eq!(breaker.admit().unwrap_err().kind(), ErrorKind::CircuitOpen);
        std::thread::sleep(Duration::from_millis(50));
        assert!(breaker.admit().is_ok(), "open past the cool-down");
    }

    #[test]
    fn zero_threshold_disables() {
        let breaker = Breaker::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            let p = breaker.admit().unwrap();
            breaker.record(p, Err(&timeout()));
        }
        assert!(breaker.admit().is_ok());
    }
}
