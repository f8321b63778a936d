//! Status codes, their names, and the library version.

use super::boundary::{boundary, copy_to_buffer, last_error};
use std::ffi::{c_char, CStr};
use std::panic::AssertUnwindSafe;

/// Success.
pub const CB_OK: i32 = 0;
/// The caller number is empty, `unknown`, anonymous, has letters, or has a bad length.
pub const CB_E_INVALID_NUMBER: i32 = 1;
/// A required setting is missing: the API URL (`CBSTATUS_API_URL`), or the widget id for
/// `cb_client_widget_status`.
pub const CB_E_NOT_CONFIGURED: i32 = 2;
/// A setting has an invalid value or an unknown name.
pub const CB_E_INVALID_CONFIG: i32 = 3;
/// The lookup did not finish within the deadline (`CBSTATUS_TIMEOUT_MS`).
pub const CB_E_TIMEOUT: i32 = 4;
/// The request never fully left: the API server could not be reached, or the connection broke
/// before the whole request was written. Nothing reached Mindful.
pub const CB_E_CONNECT: i32 = 5;
/// The TLS handshake failed.
pub const CB_E_TLS: i32 = 6;
/// The API answered an HTTP error status (see the error message for the code).
pub const CB_E_HTTP_STATUS: i32 = 7;
/// The API refused the credentials (401/403).
pub const CB_E_UNAUTHORIZED: i32 = 8;
/// The API is rate limiting this client (429).
pub const CB_E_RATE_LIMITED: i32 = 9;
/// The API reply could not be understood.
pub const CB_E_MALFORMED_REPLY: i32 = 10;
/// The API reply is larger than allowed (1 MiB).
pub const CB_E_BODY_TOO_LARGE: i32 = 11;
/// An internal error.
pub const CB_E_INTERNAL: i32 = 12;
/// A required argument is NULL or out of range.
pub const CB_E_INVALID_ARGUMENT: i32 = 13;
/// A string argument is not valid UTF-8.
pub const CB_E_INVALID_UTF8: i32 = 14;
/// A panic inside cbstatus was caught at the C boundary.
pub const CB_E_PANIC: i32 = 15;
/// The API keeps failing; the circuit breaker answered without calling it.
pub const CB_E_CIRCUIT_OPEN: i32 = 16;
/// The requested locale is not available; the output is in English.
pub const CB_E_UNKNOWN_LOCALE: i32 = 17;
/// The FastAGI server is at its `--max-calls` limit: the call got the fallback without a
/// lookup. The library itself never returns it; it names the `busy` error of the AGI
/// variables and JSON output.
pub const CB_E_BUSY: i32 = 18;
/// The whole request was sent, then no reply came (the connection closed, was reset, or the
/// deadline passed): the API may have received it and acted on it (a register may have booked
/// the callback, a cancel may have canceled it). A later status lookup tells.
pub const CB_E_NO_REPLY: i32 = 19;

/// Major version of the library these declarations describe.
pub const CB_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const CB_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const CB_VERSION_PATCH: u32 = 0;
/// `MAJOR * 10000 + MINOR * 100 + PATCH`, comparable with `cb_version_number()`.
pub const CB_VERSION_NUMBER: u32 = 100;

/// NUL-terminated copies of the descriptions, indexed by code.
const DESCRIPTIONS: [&CStr; 20] = [
    c"success",
    c"the caller number is not a valid phone number",
    c"a required cbstatus setting is missing",
    c"a cbstatus setting has an invalid value",
    c"the Mindful API did not answer within the deadline",
    c"could not connect to the Mindful API",
    c"the TLS connection to the Mindful API failed",
    c"the Mindful API answered with an HTTP error status",
    c"the Mindful API refused the access token (401/403)",
    c"the Mindful API is rate limiting this client (429)",
    c"the Mindful API reply could not be understood",
    c"the Mindful API reply is larger than allowed",
    c"internal error in cbstatus",
    c"an argument is NULL or invalid",
    c"a string argument is not valid UTF-8",
    c"cbstatus panicked (caught at the API boundary)",
    c"the Mindful API keeps failing; answering from the circuit breaker",
    c"the locale is not available; English was used",
    c"cbstatus is at its limit of concurrent calls",
    c"the Mindful API sent no reply; the request was sent and may have been received",
];

/// Static English description of a status code (like `sqlite3_errstr`). Never NULL; unknown
/// codes give "unknown status code". The string is static: do not free it. Thread-safe.
#[no_mangle]
pub extern "C" fn cb_status_str(code: i32) -> *const c_char {
    boundary(c"unknown status code".as_ptr(), || {
        usize::try_from(code)
            .ok()
            .and_then(|i| DESCRIPTIONS.get(i))
            .map_or(c"unknown status code".as_ptr(), |s| s.as_ptr())
    })
}

/// Static short name of a status code, e.g. "timeout" for `CB_E_TIMEOUT`, "ok" for `CB_OK`,
/// "unknown" otherwise. Static: do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn cb_status_name(code: i32) -> *const c_char {
    boundary(c"unknown".as_ptr(), || {
        if code == CB_OK {
            return c"ok".as_ptr();
        }
        const NAMES: [&CStr; 19] = [
            c"invalid_number",
            c"not_configured",
            c"invalid_config",
            c"timeout",
            c"connect",
            c"tls",
            c"http_status",
            c"unauthorized",
            c"rate_limited",
            c"malformed_reply",
            c"body_too_large",
            c"internal",
            c"invalid_argument",
            c"invalid_utf8",
            c"panic",
            c"circuit_open",
            c"unknown_locale",
            c"busy",
            c"no_reply",
        ];
        usize::try_from(code - 1)
            .ok()
            .and_then(|i| NAMES.get(i))
            .map_or(c"unknown".as_ptr(), |s| s.as_ptr())
    })
}

/// The library version as a static string, e.g. "0.1.0". Do not free. Thread-safe.
#[no_mangle]
pub extern "C" fn cb_version() -> *const c_char {
    boundary(c"".as_ptr(), || {
        static VERSION: &CStr =
            match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
                Ok(v) => v,
                Err(_) => c"",
            };
        VERSION.as_ptr()
    })
}

/// The library version as `MAJOR * 10000 + MINOR * 100 + PATCH` (compare with
/// `CB_VERSION_NUMBER` to detect a header/library mismatch). Thread-safe.
#[no_mangle]
pub extern "C" fn cb_version_number() -> u32 {
    boundary(0, || {
        let part = |s: &str| s.parse::<u32>().unwrap_or(0);
        part(env!("CARGO_PKG_VERSION_MAJOR")) * 10000
            + part(env!("CARGO_PKG_VERSION_MINOR")) * 100
            + part(env!("CARGO_PKG_VERSION_PATCH"))
    })
}

/// The status code of the last cbstatus call made on this thread (`CB_OK` if it succeeded).
/// Every cbstatus function resets it, so read it right after the call. Thread-safe (per thread).
#[no_mangle]
pub extern "C" fn cb_last_error_code() -> i32 {
    // Not through `boundary`: that would reset the very error we are asked for.
    std::panic::catch_unwind(|| last_error().map_or(CB_OK, |e| e.code())).unwrap_or(CB_E_PANIC)
}

/// Copy the message of the last error on this thread into `buf` (snprintf semantics: at most
/// `len - 1` bytes plus a NUL; `buf == NULL && len == 0` only measures). Returns the message
/// length in bytes without the NUL; 0 when the last call succeeded. A message that does not
/// fit is cut at a UTF-8 character boundary (never inside a character, so fewer than `len - 1`
/// bytes may be written); the return value is still the full length. The message says what to
/// do and never contains the API token. Does not reset the last error. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_last_error_message(buf: *mut c_char, len: usize) -> usize {
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        let text = last_error().map(|e| e.to_string()).unwrap_or_default();
        // SAFETY: the caller promises `buf` is NULL or valid for `len` bytes.
        unsafe { copy_to_buffer(&text, buf, len) }
    }))
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn descriptions_follow_error_kinds() {
        for kind in ErrorKind::ALL {
            let text = unsafe { CStr::from_ptr(cb_status_str(kind.code())) };
            assert_eq!(text.to_str().unwrap(), kind.description());
            let name = unsafe { CStr::from_ptr(cb_status_name(kind.code())) };
            assert_eq!(name.to_str().unwrap(), kind.name());
        }
        assert_eq!(DESCRIPTIONS.len() as i32, ErrorKind::ALL.len() as i32 + 1);
    }

    #[test]
    fn constants_match_error_kinds() {
        let constants = [
            CB_E_INVALID_NUMBER,
            CB_E_NOT_CONFIGURED,
            CB_E_INVALID_CONFIG,
            CB_E_TIMEOUT,
            CB_E_CONNECT,
            CB_E_TLS,
            CB_E_HTTP_STATUS,
            CB_E_UNAUTHORIZED,
            CB_E_RATE_LIMITED,
            CB_E_MALFORMED_REPLY,
            CB_E_BODY_TOO_LARGE,
            CB_E_INTERNAL,
            CB_E_INVALID_ARGUMENT,
            CB_E_INVALID_UTF8,
            CB_E_PANIC,
            CB_E_CIRCUIT_OPEN,
            CB_E_UNKNOWN_LOCALE,
            CB_E_BUSY,
            CB_E_NO_REPLY,
        ];
        let codes: Vec<i32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(constants.to_vec(), codes);
    }

    #[test]
    fn version_macros_match_cargo() {
        assert_eq!(
            CB_VERSION_NUMBER,
            CB_VERSION_MAJOR * 10000 + CB_VERSION_MINOR * 100 + CB_VERSION_PATCH
        );
        assert_eq!(
            CB_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            CB_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            CB_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
        assert_eq!(cb_version_number(), CB_VERSION_NUMBER);
        let v = unsafe { CStr::from_ptr(cb_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
