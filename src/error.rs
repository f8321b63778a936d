//! Error kinds with stable numeric codes.
//!
//! Every failure cbstatus can report has one [`ErrorKind`]. Its numeric code is part of the
//! C ABI (`CB_E_*` constants) and of the CLI/AGI/JSON output, so codes are never renumbered or
//! reused: new kinds get new numbers.

use std::fmt;

/// What went wrong, as a stable code. `0` is reserved for success (`CB_OK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller number is empty, `unknown`, anonymous, has letters, or is too short/long.
    InvalidNumber,
    /// A required setting (the API URL) is missing.
    NotConfigured,
    /// A setting has an invalid value (bad URL, unknown key, bad number, unknown time zone).
    InvalidConfig,
    /// The lookup did not finish within the configured deadline.
    Timeout,
    /// The request never fully left: the server could not be reached (DNS failure, refused) or
    /// the connection broke before the whole request was written.
    Connect,
    /// The TLS handshake failed (untrusted certificate, protocol error).
    Tls,
    /// The server answered with an HTTP status other than 200 (and not 401/403/429).
    HttpStatus,
    /// The server refused the credentials (HTTP 401 or 403).
    Unauthorized,
    /// The server is rate limiting this client (HTTP 429).
    RateLimited,
    /// The reply could not be understood (not JSON, wrong shape).
    MalformedReply,
    /// The reply body is larger than the allowed maximum.
    BodyTooLarge,
    /// A bug or an unexpected condition inside cbstatus.
    Internal,
    /// A required argument was NULL or otherwise unusable (C ABI).
    InvalidArgument,
    /// A string argument was not valid UTF-8 (C ABI).
    InvalidUtf8,
    /// cbstatus panicked; the panic was caught at the API boundary.
    Panic,
    /// The API has been failing; the circuit breaker answers without calling it.
    CircuitOpen,
    /// The requested locale is not available; English was used instead.
    UnknownLocale,
    /// The FastAGI server is at its `--max-calls` limit; the caller gets the fallback.
    Busy,
    /// The whole request was sent, then no reply came: the connection closed, was reset, or the
    /// deadline passed. The API may have received the request (and acted on it).
    NoReply,
}

impl ErrorKind {
    /// All kinds, in code order.
    pub const ALL: [ErrorKind; 19] = [
        ErrorKind::InvalidNumber,
        ErrorKind::NotConfigured,
        ErrorKind::InvalidConfig,
        ErrorKind::Timeout,
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::HttpStatus,
        ErrorKind::Unauthorized,
        ErrorKind::RateLimited,
        ErrorKind::MalformedReply,
        ErrorKind::BodyTooLarge,
        ErrorKind::Internal,
        ErrorKind::InvalidArgument,
        ErrorKind::InvalidUtf8,
        ErrorKind::Panic,
        ErrorKind::CircuitOpen,
        ErrorKind::UnknownLocale,
        ErrorKind::Busy,
        ErrorKind::NoReply,
    ];

    /// The stable numeric code (the `CB_E_*` constant of the C API).
    pub const fn code(self) -> i32 {
        match self {
            ErrorKind::InvalidNumber => 1,
            ErrorKind::NotConfigured => 2,
            ErrorKind::InvalidConfig => 3,
            ErrorKind::Timeout => 4,
            ErrorKind::Connect => 5,
            ErrorKind::Tls => 6,
            ErrorKind::HttpStatus => 7,
            ErrorKind::Unauthorized => 8,
            ErrorKind::RateLimited => 9,
            ErrorKind::MalformedReply => 10,
            ErrorKind::BodyTooLarge => 11,
            ErrorKind::Internal => 12,
            ErrorKind::InvalidArgument => 13,
            ErrorKind::InvalidUtf8 => 14,
            ErrorKind::Panic => 15,
            ErrorKind::CircuitOpen => 16,
            ErrorKind::UnknownLocale => 17,
            ErrorKind::Busy => 18,
            ErrorKind::NoReply => 19,
        }
    }

    /// The kind with this code, if any.
    pub fn from_code(code: i32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A short machine-friendly name, e.g. `timeout` (used in JSON and AGI output).
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidNumber => "invalid_number",
            ErrorKind::NotConfigured => "not_configured",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::MalformedReply => "malformed_reply",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::Internal => "internal",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::Panic => "panic",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::UnknownLocale => "unknown_locale",
            ErrorKind::Busy => "busy",
            ErrorKind::NoReply => "no_reply",
        }
    }

    /// A static, human description of the kind (what `cb_status_str` returns).
    pub const fn description(self) -> &'static str {
        match self {
            ErrorKind::InvalidNumber => "the caller number is not a valid phone number",
            ErrorKind::NotConfigured => "a required cbstatus setting is missing",
            ErrorKind::InvalidConfig => "a cbstatus setting has an invalid value",
            ErrorKind::Timeout => "the Mindful API did not answer within the deadline",
            ErrorKind::Connect => "could not connect to the Mindful API",
            ErrorKind::Tls => "the TLS connection to the Mindful API failed",
            ErrorKind::HttpStatus => "the Mindful API answered with an HTTP error status",
            ErrorKind::Unauthorized => "the Mindful API refused the access token (401/403)",
            ErrorKind::RateLimited => "the Mindful API is rate limiting this client (429)",
            ErrorKind::MalformedReply => "the Mindful API reply could not be understood",
            ErrorKind::BodyTooLarge => "the Mindful API reply is larger than allowed",
            ErrorKind::Internal => "internal error in cbstatus",
            ErrorKind::InvalidArgument => "an argument is NULL or invalid",
            ErrorKind::InvalidUtf8 => "a string argument is not valid UTF-8",
            ErrorKind::Panic => "cbstatus panicked (caught at the API boundary)",
            ErrorKind::CircuitOpen => {
                "the Mindful API keeps failing; answering from the circuit breaker"
            }
            ErrorKind::UnknownLocale => "the locale is not available; English was used",
            ErrorKind::Busy => "cbstatus is at its limit of concurrent calls",
            ErrorKind::NoReply => {
                "the Mindful API sent no reply; the request was sent and may have been received"
            }
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failure: its kind plus a detail message saying what to do about it.
///
/// The detail never contains the API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    detail: String,
    http_status: Option<u16>,
    retry_after: Option<std::time::Duration>,
}

impl Error {
    /// An error of `kind` with a human-readable `detail`.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error {
            kind,
            detail: detail.into(),
            http_status: None,
            retry_after: None,
        }
    }

    /// An error carrying the HTTP status the server answered with.
    pub fn http(kind: ErrorKind, status: u16, detail: impl Into<String>) -> Error {
        Error {
            http_status: Some(status),
            ..Error::new(kind, detail)
        }
    }

    /// Attach the delay a 429/503 reply asked for.
    pub fn with_retry_after(mut self, delay: Option<std::time::Duration>) -> Error {
        self.retry_after = delay;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable numeric code of the kind.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The detail message (no secrets).
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The HTTP status, for errors caused by one.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// How long the server asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.retry_after
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.description(), self.detail)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_positive_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            assert!(kind.code() > 0);
            assert!(seen.insert(kind.code()), "duplicate code {}", kind.code());
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::from_code(9999), None);
    }
}
