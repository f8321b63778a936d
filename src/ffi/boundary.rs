//! The one panic boundary every export goes through, the per-thread last error, and the
//! helpers that turn C arguments into Rust values.

use crate::error::{Error, ErrorKind, Result};
use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

thread_local! {
    /// The error of the last call made on this thread (`None` after a success).
    static LAST_ERROR: RefCell<Option<Error>> = const { RefCell::new(None) };
}

/// Run an export's body: clear the thread's last error, catch any panic (it becomes
/// [`ErrorKind::Panic`] and `fallback`), and never let unwinding reach C.
pub(crate) fn boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    set_last_error(None);
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            // Dropping the payload could itself panic: drop it under its own catch_unwind
            // and leak only what such a second panic carries (forgetting every payload would
            // leak memory on each caught panic).
            if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(again);
            }
            set_last_error(Some(Error::new(
                ErrorKind::Panic,
                format!("internal panic caught at the C boundary: {what}"),
            )));
            fallback
        }
    }
}

/// [`boundary`] for exports returning a status code: `Ok` is `CB_OK`, an error is its code
/// (and becomes the thread's last error).
pub(crate) fn boundary_code(body: impl FnOnce() -> Result<()>) -> i32 {
    boundary(ErrorKind::Panic.code(), || match body() {
        Ok(()) => 0,
        Err(error) => fail(error),
    })
}

/// Record `error` as the thread's last error and return its code.
pub(crate) fn fail(error: Error) -> i32 {
    let code = error.code();
    set_last_error(Some(error));
    code
}

pub(crate) fn set_last_error(error: Option<Error>) {
    // `try_with`: during thread teardown the slot may already be gone; then there is no one
    // left to read the error anyway.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = error);
}

/// A copy of the thread's last error.
pub(crate) fn last_error() -> Option<Error> {
    LAST_ERROR
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
}

/// Borrow a required NUL-terminated UTF-8 argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("{name} is NULL"),
        ));
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!(
                "{name} is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Borrow an optional argument: NULL is `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded from the caller.
        unsafe { str_arg(ptr, name) }.map(Some)
    }
}

/// A required handle argument (`cb_client *`, `const cb_result *`, ...): NULL is
/// `CB_E_INVALID_ARGUMENT` "`name` is NULL". The caller borrows it (`as_ref`, or `as_mut` for a
/// `cb_config`) under the export's contract that a non-NULL handle is live.
pub(crate) fn required<T>(ptr: *const T, name: &str) -> Result<NonNull<T>> {
    NonNull::new(ptr.cast_mut())
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, format!("{name} is NULL")))
}

/// A required out-pointer: NULL is `CB_E_INVALID_ARGUMENT` "out pointer is NULL". Checked
/// before the work whose product it receives (a handle made for a NULL `out` would leak).
pub(crate) fn out_arg<T>(out: *mut T) -> Result<()> {
    if out.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "out pointer is NULL",
        ));
    }
    Ok(())
}

/// Write `value` through a required out-pointer (see [`out_arg`]).
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) -> Result<()> {
    out_arg(out)?;
    // SAFETY: non-NULL and the caller promises it is writable.
    unsafe { out.write(value) };
    Ok(())
}

/// An owned C string for returning to the caller (freed with `cb_string_free`). Interior NULs,
/// which no rendering produces, are dropped rather than truncating the text.
pub(crate) fn owned_c_string(text: String) -> *mut c_char {
    let text = CString::new(text).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|b| *b != 0);
        CString::new(bytes).unwrap_or_default()
    });
    text.into_raw()
}

/// A C string to keep inside a handle and lend out as `const char *`.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

/// Copy `text` into a caller buffer with snprintf semantics: always NUL-terminated when
/// `len > 0`, returns the full length needed (without the NUL). A text that does not fit is
/// cut at a character boundary, never inside a UTF-8 sequence (a half character would make
/// the caller's copy invalid UTF-8).
///
/// # Safety
/// `buf` is NULL or valid for `len` bytes of writes.
pub(crate) unsafe fn copy_to_buffer(text: &str, buf: *mut c_char, len: usize) -> usize {
    if !buf.is_null() && len > 0 {
        let mut n = text.len().min(len - 1);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: `buf` has room for `len` bytes; we write `n + 1 <= len`.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), buf, n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}
