//! Logging to the host: `cb_set_log_callback`.

use super::boundary::boundary_code;
use crate::error::{Error, ErrorKind};
use crate::log::{set_logger, Level};
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// Errors: requests that failed, API misbehaviour.
pub const CB_LOG_ERROR: i32 = 1;
/// Degraded but handled: circuit breaker open, fallback spoken.
pub const CB_LOG_WARN: i32 = 2;
/// One line per request to the API.
pub const CB_LOG_INFO: i32 = 3;
/// Troubleshooting details.
pub const CB_LOG_DEBUG: i32 = 4;

/// A log sink: `level` is a `CB_LOG_*` value, `message` a NUL-terminated UTF-8 line valid only
/// during the call (copy it to keep it), `userdata` what was passed to `cb_set_log_callback`.
/// It may be called from any thread, several at once, and must not call back into cbstatus.
#[allow(non_camel_case_types)]
pub type cb_log_fn =
    Option<unsafe extern "C" fn(level: i32, message: *const c_char, userdata: *mut c_void)>;

/// The host's userdata pointer. The host promises the callback is thread-safe with it.
struct UserData(*mut c_void);
// SAFETY: the contract of `cb_set_log_callback` makes the host responsible for using
// `userdata` safely from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// Route cbstatus's diagnostics to `callback` for messages up to `max_level` (`CB_LOG_ERROR`
/// .. `CB_LOG_DEBUG`); a NULL callback turns logging off (the default: cbstatus never writes
/// to stdout or stderr by itself). Messages never contain the API token, and show caller
/// numbers by their last 4 digits only. Process-wide; thread-safe; replaces any previous
/// callback (which may still receive a message already in progress).
/// Errors: `CB_E_INVALID_ARGUMENT` for a level outside 1-4.
#[no_mangle]
pub unsafe extern "C" fn cb_set_log_callback(
    callback: cb_log_fn,
    max_level: i32,
    userdata: *mut c_void,
) -> i32 {
    boundary_code(|| {
        let Some(level) = Level::from_code(max_level) else {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("max_level {max_level} is not CB_LOG_ERROR..CB_LOG_DEBUG (1-4)"),
            ));
        };
        let Some(callback) = callback else {
            set_logger(None, level);
            return Ok(());
        };
        let userdata = UserData(userdata);
        set_logger(
            Some(Arc::new(move |level: Level, message: &str| {
                let text = CString::new(message.replace('\0', "")).unwrap_or_default();
                let data = &userdata;
                // Not `boundary`: that would reset the thread's last error, which a log line
                // emitted after a failure must not do. A C callback cannot unwind into Rust.
                // SAFETY: the host registered this callback for exactly this use.
                unsafe { callback(level as i32, text.as_ptr(), data.0) }
            })),
            level,
        );
        Ok(())
    })
}
