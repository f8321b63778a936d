//! Registering a callback (`POST /api/widget/{widget_id}/request_callback`): the request, and
//! what Mindful answered.
//!
//! A registration is not idempotent, so it is sent exactly once: never retried, never
//! coalesced, never cached. When the request may have reached Mindful but no answer came back
//! (timeout, reset, a 5xx, an unreadable reply), the result is an error, not an outcome, and it
//! is spoken as "we could not confirm your callback": only [`RegisterOutcome::Requested`] is
//! ever spoken as success. A later status lookup tells the truth.
//!
//! A leaf of the domain like [`crate::status`] and [`crate::widget`]: the request itself is
//! sent by [`crate::mindful`] and answered as a [`crate::LookupResult`] by
//! `Client::register`.

use crate::error::{Error, ErrorKind};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

/// What to register, besides the number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterRequest {
    /// The widget to register with; `None` uses the configured `widget_id`.
    pub widget_id: Option<String>,
    /// An appointment (one of the widget's time slots); `None` asks for a callback as soon as
    /// possible.
    pub appointment: Option<Timestamp>,
    /// Key/value pairs passed to Mindful as `user_data` (empty: not sent).
    pub user_data: BTreeMap<String, String>,
    /// The `channel` Mindful records (e.g. `voice`); `None`: not sent.
    pub channel: Option<String>,
}

/// Mindful's answer to a registration, folded into what a call flow needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegisterOutcome {
    /// `Requested`: the callback is registered.
    Requested,
    /// `DuplicateRequest`: a request for this number was just made.
    Duplicate,
    /// `RequestRefusedDueToOperationMode`: callbacks are not taken now.
    Refused,
    /// `InvalidContact`, `ContactRequired`: Mindful cannot call this number.
    InvalidContact,
    /// `AppointmentTimeInThePast`, a time not offered, `InvalidTimeZone`.
    InvalidTime,
    /// Any other status: not registered.
    Failed,
}

impl RegisterOutcome {
    /// Every outcome.
    pub const ALL: [RegisterOutcome; 6] = [
        RegisterOutcome::Requested,
        RegisterOutcome::Duplicate,
        RegisterOutcome::Refused,
        RegisterOutcome::InvalidContact,
        RegisterOutcome::InvalidTime,
        RegisterOutcome::Failed,
    ];

    /// Fold a Mindful register status (case and punctuation ignored). Unknown values are
    /// [`RegisterOutcome::Failed`]: never mistaken for success.
    pub fn from_status(status: &str) -> RegisterOutcome {
        let folded: String = status
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.as_str() {
            "requested" => RegisterOutcome::Requested,
            "duplicaterequest" => RegisterOutcome::Duplicate,
            "requestrefusedduetooperationmode" => RegisterOutcome::Refused,
            "invalidcontact" | "contactrequired" => RegisterOutcome::InvalidContact,
            "appointmenttimeinthepast" | "invalidtimezone" => RegisterOutcome::InvalidTime,
            // The status for a time that was not offered is not documented.
            f if f.contains("appointment") || f.contains("timeslot") => {
                RegisterOutcome::InvalidTime
            }
            _ => RegisterOutcome::Failed,
        }
    }

    /// `requested`, `duplicate`, `refused`, `invalid_contact`, `invalid_time`, `failed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegisterOutcome::Requested => "requested",
            RegisterOutcome::Duplicate => "duplicate",
            RegisterOutcome::Refused => "refused",
            RegisterOutcome::InvalidContact => "invalid_contact",
            RegisterOutcome::InvalidTime => "invalid_time",
            RegisterOutcome::Failed => "failed",
        }
    }

    /// Upper case, as the AGI `CBSTATUS_REGISTER_RESULT` says it: `REQUESTED`, `DUPLICATE`,
    /// `REFUSED`, `INVALID_CONTACT`, `INVALID_TIME`, `FAILED`.
    pub const fn code_name(self) -> &'static str {
        match self {
            RegisterOutcome::Requested => "REQUESTED",
            RegisterOutcome::Duplicate => "DUPLICATE",
            RegisterOutcome::Refused => "REFUSED",
            RegisterOutcome::InvalidContact => "INVALID_CONTACT",
            RegisterOutcome::InvalidTime => "INVALID_TIME",
            RegisterOutcome::Failed => "FAILED",
        }
    }

    /// The C constant (`CB_REGISTER_REQUESTED` 1 ... `CB_REGISTER_FAILED` 6).
    pub const fn code(self) -> i32 {
        match self {
            RegisterOutcome::Requested => 1,
            RegisterOutcome::Duplicate => 2,
            RegisterOutcome::Refused => 3,
            RegisterOutcome::InvalidContact => 4,
            RegisterOutcome::InvalidTime => 5,
            RegisterOutcome::Failed => 6,
        }
    }
}

/// An answered registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// What Mindful said.
    pub outcome: RegisterOutcome,
    /// The callback request id, when Mindful gave one made of safe characters only
    /// (see [`safe_callback_id`]).
    pub callback_id: Option<String>,
    /// The expected wait Mindful quoted (ASAP).
    pub ewt: Option<Duration>,
    /// The appointment asked for (scheduled), echoed from the request.
    pub appointment: Option<Timestamp>,
}

/// Longest callback id passed on.
const MAX_CALLBACK_ID: usize = 64;

/// `id` if it is 1 to 64 characters of `A-Z a-z 0-9 - _ . :` (safe in a dialplan variable,
/// a log line or a file name); anything else is dropped, never passed on raw.
pub fn safe_callback_id(id: &str) -> Option<String> {
    let id = id.trim();
    let ok = (1..=MAX_CALLBACK_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| id.to_string())
}

/// An appointment given as Unix seconds, the way every surface takes one (`cbstatus register
/// --at`, `cb_client_register`, the AGI's `at`): a time after 1970 that can be represented,
/// else `None`. Each surface says what is wrong in its own words, naming its own argument.
pub fn appointment_from_unix(seconds: i64) -> Option<Timestamp> {
    Timestamp::from_second(seconds)
        .ok()
        .filter(|at| *at > Timestamp::UNIX_EPOCH)
}

/// Whether a registration that failed with `error` may have reached Mindful. Only failures
/// before the whole request was sent (bad input, no configuration, an open circuit breaker, a
/// `connect` error: refused, unresolvable, or broken while writing) are certain; any other
/// failure (`no_reply` above all) may have registered the callback.
pub fn maybe_sent(error: &Error) -> bool {
    !matches!(
        error.kind(),
        ErrorKind::InvalidNumber
            | ErrorKind::NotConfigured
            | ErrorKind::InvalidConfig
            | ErrorKind::InvalidArgument
            | ErrorKind::InvalidUtf8
            | ErrorKind::CircuitOpen
            | ErrorKind::Connect
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mindful_statuses_fold_to_outcomes() {
        use RegisterOutcome::*;
        for (status, outcome) in [
            ("Requested", Requested),
            ("REQUESTED", Requested),
            ("DuplicateRequest", Duplicate),
            ("RequestRefusedDueToOperationMode", Refused),
            ("InvalidContact", InvalidContact),
            ("ContactRequired", InvalidContact),
            ("AppointmentTimeInThePast", InvalidTime),
            ("InvalidTimeZone", InvalidTime),
            ("InvalidAppointmentTime", InvalidTime),
            ("InvalidRequest", Failed),
            ("InvalidParameters", Failed),
            ("", Failed),
            ("Requested!; DROP", Failed),
            ("requestedx", Failed),
        ] {
            assert_eq!(RegisterOutcome::from_status(status), outcome, "{status}");
        }
        let codes: Vec<i32> = RegisterOutcome::ALL.iter().map(|o| o.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn appointments_are_unix_times_after_1970() {
        assert_eq!(
            appointment_from_unix(1_800_000_000).map(|t| t.as_second()),
            Some(1_800_000_000)
        );
        assert_eq!(appointment_from_unix(1).map(|t| t.as_second()), Some(1));
        for bad in [0, -5, i64::MIN, i64::MAX] {
            assert_eq!(appointment_from_unix(bad), None, "{bad}");
        }
    }

    #[test]
    fn callback_ids_are_safe_or_dropped() {
        assert_eq!(
            safe_callback_id(" cb-00000001 ").as_deref(),
            Some("cb-00000001")
        );
        assert_eq!(safe_callback_id("a:b.c_d").as_deref(), Some("a:b.c_d"));
        for bad in ["", "a b", "x\ny", "a\"b", "a;b", "é", &"x".repeat(65)] {
            assert_eq!(safe_callback_id(bad), None, "{bad:?}");
        }
    }
}
