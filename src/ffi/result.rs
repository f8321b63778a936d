//! `cb_result`: the outcome of one lookup, its fields, and its renderings.

use super::boundary::{
    boundary, boundary_code, c_string, opt_str_arg, out_arg, required, str_arg, write_out,
};
use crate::cancel::CancelOutcome;
use crate::error::{Error, ErrorKind};
use crate::speech::Format;
use crate::{Action, LookupResult};
use std::ffi::{c_char, CString};

/// Render as plain text for a TTS engine.
pub const CB_FORMAT_TEXT: i32 = 0;
/// Render as an SSML `<speak>` document.
pub const CB_FORMAT_SSML: i32 = 1;
/// Render as an `&`-joined Asterisk `Playback()` list of sound files.
pub const CB_FORMAT_PROMPTS: i32 = 2;
/// Render as a JSON object with every field and all three renderings.
pub const CB_FORMAT_JSON: i32 = 3;

/// The result answers `cb_client_lookup` (or `cb_status_lookup`).
pub const CB_ACTION_STATUS: i32 = 0;
/// The result answers `cb_client_cancel`.
pub const CB_ACTION_CANCEL: i32 = 1;
/// The result answers `cb_client_widget_status`.
pub const CB_ACTION_WIDGET: i32 = 2;
/// The result answers `cb_client_register`.
pub const CB_ACTION_REGISTER: i32 = 3;

/// Cancel outcome: the callback was canceled.
pub const CB_CANCEL_CANCELED: i32 = 1;
/// Cancel outcome: no callback exists for the number.
pub const CB_CANCEL_NOT_FOUND: i32 = 2;
/// Cancel outcome: several callbacks exist; Mindful cancels only a single one.
pub const CB_CANCEL_TOO_MANY: i32 = 3;
/// Cancel outcome: Mindful could not cancel it.
pub const CB_CANCEL_FAILED: i32 = 4;

/// Register outcome: `Requested`, the callback is registered.
pub const CB_REGISTER_REQUESTED: i32 = 1;
/// Register outcome: `DuplicateRequest`, a request for this number was just made.
pub const CB_REGISTER_DUPLICATE: i32 = 2;
/// Register outcome: `RequestRefusedDueToOperationMode`, callbacks are not taken now.
pub const CB_REGISTER_REFUSED: i32 = 3;
/// Register outcome: `InvalidContact` or `ContactRequired`, the number cannot be called back.
pub const CB_REGISTER_INVALID_CONTACT: i32 = 4;
/// Register outcome: `AppointmentTimeInThePast`, a time not offered, or `InvalidTimeZone`.
pub const CB_REGISTER_INVALID_TIME: i32 = 5;
/// Register outcome: any other status; not registered.
pub const CB_REGISTER_FAILED: i32 = 6;

/// The outcome of one request (opaque). Immutable: any number of threads may read one result
/// at once. Strings it lends (`const char *`) live until `cb_result_free`.
#[allow(non_camel_case_types)]
pub struct cb_result {
    result: LookupResult,
    status: CString,
    kind: CString,
    number: CString,
    error_message: CString,
    widget_state: CString,
    pub(crate) callback_id: CString,
}

impl cb_result {
    pub(crate) fn into_raw(result: LookupResult) -> *mut cb_result {
        let primary = result.primary();
        let status = primary
            .and_then(|c| c.status.as_ref())
            .map_or("", |s| s.as_str());
        let kind = primary
            .and_then(|c| c.kind.as_ref())
            .map_or("", |k| k.as_str());
        let handle = cb_result {
            status: c_string(status),
            kind: c_string(kind),
            number: c_string(result.number().map_or("", |n| n.as_str())),
            error_message: c_string(&result.error().map(Error::to_string).unwrap_or_default()),
            widget_state: c_string(
                result
                    .widget()
                    .and_then(|w| w.state.as_ref())
                    .map_or("", |s| s.as_str()),
            ),
            callback_id: c_string(
                result
                    .registration()
                    .and_then(|r| r.callback_id.as_deref())
                    .unwrap_or(""),
            ),
            result,
        };
        Box::into_raw(Box::new(handle))
    }
}

/// Borrow a result handle, or `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or a live handle.
pub(crate) unsafe fn get<'a>(ptr: *const cb_result) -> Option<&'a LookupResult> {
    // SAFETY: forwarded from the caller.
    unsafe { ptr.as_ref() }.map(|r| &r.result)
}

/// A required result argument: NULL is `CB_E_INVALID_ARGUMENT` "result is NULL".
///
/// # Safety
/// `ptr` is NULL or a live handle.
pub(crate) unsafe fn result_arg<'a>(ptr: *const cb_result) -> Result<&'a LookupResult, Error> {
    // SAFETY: forwarded from the caller.
    Ok(&unsafe { required(ptr, "result")?.as_ref() }.result)
}

/// `CB_OK` if the lookup answered (found or not), else the code of the failure.
/// NULL gives `CB_E_INVALID_ARGUMENT`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_error(result: *const cb_result) -> i32 {
    boundary(ErrorKind::Panic.code(), || {
        // SAFETY: the caller promises NULL or a live handle.
        match unsafe { get(result) } {
            Some(r) => r.error().map_or(0, Error::code),
            None => ErrorKind::InvalidArgument.code(),
        }
    })
}

/// The failure message ("" after success). Lent: valid until `cb_result_free`. Never NULL
/// (a NULL result gives ""). Never contains the API token. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_error_message(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.error_message.as_ptr())
    })
}

/// True when at least one callback exists for the number. False for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_found(result: *const cb_result) -> bool {
    // SAFETY: the caller promises NULL or a live handle.
    boundary(false, || {
        unsafe { get(result) }.is_some_and(LookupResult::found)
    })
}

/// How many callbacks exist for the number (0 when not found, failed or NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_count(result: *const cb_result) -> u32 {
    boundary(0, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }.map_or(0, |r| u32::try_from(r.count()).unwrap_or(u32::MAX))
    })
}

/// The E.164 number looked up, e.g. "+15551234567" ("" if the input was not a valid
/// number, or NULL result). Lent until `cb_result_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_number(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.number.as_ptr())
    })
}

/// Status of the soonest callback, lower case: "waitlisted", "scheduled", "connecting",
/// "canceled", ...; any other value Mindful sent as a safe word (`[a-z0-9_]{1,32}`, `-` and
/// spaces read as `_`) or else "other", never the raw string; "" when absent.
/// Lent until `cb_result_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_status(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.status.as_ptr())
    })
}

/// Type of the soonest callback: "asap", "scheduled", any other value as a safe word
/// (`[a-z0-9_]{1,32}`, else "other"), or "".
/// Lent until `cb_result_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_type(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.kind.as_ptr())
    })
}

/// Waitlist position of the soonest callback (1 = next), or -1 when unknown. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_position(result: *const cb_result) -> i64 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::primary)
            .and_then(|c| c.position)
            .map_or(-1, i64::from)
    })
}

/// Expected wait of the soonest callback in seconds, or -1 when unknown. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_wait_seconds(result: *const cb_result) -> i64 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::primary)
            .and_then(|c| c.wait)
            .map_or(-1, |w| i64::try_from(w.as_secs()).unwrap_or(i64::MAX))
    })
}

/// When the soonest callback is expected, as Unix seconds, or -1 when unknown. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_estimated_for(result: *const cb_result) -> i64 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::primary)
            .and_then(|c| c.estimated_for)
            .map_or(-1, |t| t.as_second())
    })
}

/// Which request the result answers: `CB_ACTION_STATUS`, `CB_ACTION_CANCEL`,
/// `CB_ACTION_WIDGET` or `CB_ACTION_REGISTER` (-1 for NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_action(result: *const cb_result) -> i32 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }.map_or(-1, |r| match r.action() {
            Action::Status => CB_ACTION_STATUS,
            Action::Cancel => CB_ACTION_CANCEL,
            // An offer is a widget request spoken differently.
            Action::Widget | Action::Offer => CB_ACTION_WIDGET,
            Action::Register => CB_ACTION_REGISTER,
        })
    })
}

/// For an answered cancel request: `CB_CANCEL_CANCELED`, `CB_CANCEL_NOT_FOUND`,
/// `CB_CANCEL_TOO_MANY` or `CB_CANCEL_FAILED`; 0 for any other result (failed request, other
/// action, NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_cancel_outcome(result: *const cb_result) -> i32 {
    boundary(0, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::cancel_outcome)
            .map_or(0, |outcome| match outcome {
                CancelOutcome::Canceled => CB_CANCEL_CANCELED,
                CancelOutcome::NotFound => CB_CANCEL_NOT_FOUND,
                CancelOutcome::TooMany => CB_CANCEL_TOO_MANY,
                CancelOutcome::Failed => CB_CANCEL_FAILED,
            })
    })
}

/// For an answered widget request: the widget state ("offer_callback",
/// "offer_asap_callback", "offer_scheduled_callback", "display_ewt_only",
/// "platform_unavailable", or any other value as a safe word `[a-z0-9_]{1,32}`, else "other");
/// "" otherwise. Lent until
/// `cb_result_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_widget_state(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.widget_state.as_ptr())
    })
}

/// For an answered widget request: true when callbacks may be offered to the caller now
/// (an `offer_*` state). False otherwise (including failures: do not offer what may not
/// exist). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_callbacks_available(result: *const cb_result) -> bool {
    boundary(false, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .is_some_and(|w| w.callbacks_available())
    })
}

/// For an answered widget request: ASAP callbacks are offered. False otherwise. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_offer_asap(result: *const cb_result) -> bool {
    boundary(false, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .is_some_and(|w| w.offer_asap)
    })
}

/// For an answered widget request: scheduled callbacks are offered. False otherwise.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_offer_scheduled(result: *const cb_result) -> bool {
    boundary(false, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .is_some_and(|w| w.offer_scheduled)
    })
}

/// For an answered widget request: the current estimated callback wait in seconds, or -1
/// when unknown (or not a widget result). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_ewt_seconds(result: *const cb_result) -> i64 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .and_then(|w| w.ewt)
            .map_or(-1, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// For an answered `cb_client_register`: `CB_REGISTER_REQUESTED` ... `CB_REGISTER_FAILED`.
/// 0 for any other result, including a registration that got no answer (never mistake it
/// for success) and NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_register_outcome(result: *const cb_result) -> i32 {
    boundary(0, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::registration)
            .map_or(0, |r| r.outcome.code())
    })
}

/// For an answered registration: the callback request id Mindful gave ("" when none, when
/// it held characters other than `A-Z a-z 0-9 - _ . :` or was longer than 64, and for any
/// other result or NULL). Lent until `cb_result_free`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_callback_id(result: *const cb_result) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { result.as_ref() }.map_or(c"".as_ptr(), |r| r.callback_id.as_ptr())
    })
}

/// For an answered widget request: how many time slots (`scheduled_timeslots`) the widget
/// offers, sorted and without duplicates (past ones included; 0 for any other result or
/// NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_timeslot_count(result: *const cb_result) -> u32 {
    boundary(0, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .map_or(0, |w| u32::try_from(w.timeslots.len()).unwrap_or(u32::MAX))
    })
}

/// The `i`-th time slot (from 0, earliest first) as Unix seconds, or -1 when `i` is out of
/// range, the result is not an answered widget request, or NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_timeslot(result: *const cb_result, i: u32) -> i64 {
    boundary(-1, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { get(result) }
            .and_then(LookupResult::widget)
            .and_then(|w| w.timeslots.get(usize::try_from(i).ok()?))
            .map_or(-1, |t| t.as_second())
    })
}

/// Render the result as `format` (`CB_FORMAT_TEXT`, `_SSML`, `_PROMPTS`, `_JSON`) in `locale`
/// ("en-US", "es-US", ...; NULL = the client's locale). On `CB_OK` `*out` receives a new
/// string to release with `cb_string_free`. An unknown locale renders in English, writes
/// `*out` and returns `CB_E_UNKNOWN_LOCALE`. Errors with `*out` untouched:
/// `CB_E_INVALID_ARGUMENT` (NULL result/out, unknown format), `CB_E_INVALID_UTF8`.
/// A failed lookup renders the fallback sentence. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_render(
    result: *const cb_result,
    format: i32,
    locale: *const c_char,
    out: *mut *mut c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises a valid string or NULL.
        let locale = unsafe { opt_str_arg(locale, "locale") }?;
        // SAFETY: the caller promises NULL or a live handle.
        let r = unsafe { result_arg(result) }?;
        out_arg(out)?;
        let (text, warning) = render(r, format, locale)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { write_out(out, super::boundary::owned_c_string(text)) }?;
        warning.map_or(Ok(()), Err)
    })
}

/// For FreeSWITCH, which has none of Asterisk's sounds: the result's prompts as a
/// `file_string://` playlist for `playback`, each prompt played from
/// `<sound_dir>/<lang>/<name>.wav` where `<lang>` is the locale's sound folder (`en`, `es`):
/// the layout `cbstatus prompts generate --layout freeswitch --dir <sound_dir>` writes.
/// `locale` NULL = the client's locale. The string is "" when there is nothing to play.
/// On `CB_OK` `*out` receives a new string to release with `cb_string_free`. An unknown
/// locale plays English, writes `*out` and returns `CB_E_UNKNOWN_LOCALE`. Errors with `*out`
/// untouched: `CB_E_INVALID_ARGUMENT` (NULL result, sound_dir or out; a sound_dir that is not
/// absolute or holds spaces, quotes, `!`, `$` or control characters), `CB_E_INVALID_UTF8`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_playlist(
    result: *const cb_result,
    locale: *const c_char,
    sound_dir: *const c_char,
    out: *mut *mut c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises valid strings or NULL.
        let (locale, dir) = unsafe {
            (
                opt_str_arg(locale, "locale")?,
                str_arg(sound_dir, "sound_dir")?,
            )
        };
        // SAFETY: the caller promises NULL or a live handle.
        let r = unsafe { result_arg(result) }?;
        out_arg(out)?;
        let (text, warning) = r.freeswitch_playlist(locale, dir)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { write_out(out, super::boundary::owned_c_string(text)) }?;
        warning.map_or(Ok(()), Err)
    })
}

/// Render `r` in a C format code and optional locale.
pub(crate) fn render(
    r: &LookupResult,
    format: i32,
    locale: Option<&str>,
) -> Result<(String, Option<Error>), Error> {
    let format = match format {
        CB_FORMAT_TEXT => Some(Format::Text),
        CB_FORMAT_SSML => Some(Format::Ssml),
        CB_FORMAT_PROMPTS => Some(Format::Prompts),
        CB_FORMAT_JSON => None,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("format {other} is not one of CB_FORMAT_TEXT/SSML/PROMPTS/JSON (0-3)"),
            ))
        }
    };
    Ok(match (format, locale) {
        (Some(format), None) => (r.render(format), None),
        (Some(format), Some(locale)) => r.render_in(format, locale),
        (None, locale) => r.to_json(locale),
    })
}

/// Release a result. NULL is a no-op. Strings it lent become invalid.
#[no_mangle]
pub unsafe extern "C" fn cb_result_free(result: *mut cb_result) {
    boundary((), || {
        if !result.is_null() {
            // SAFETY: created by `Box::into_raw` in `cb_result::into_raw`, not freed before.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
