//! The callback journey in C: `cb_client_offer`, `cb_client_register`, the register outcome,
//! the callback id, and the widget's time slots.

use super::boundary::{boundary, boundary_code, opt_str_arg, str_arg};
use super::client::{answer, cb_client};
use super::result::{cb_result, get};
use crate::error::{Error, ErrorKind, Result};
use crate::mindful::Client;
use crate::register::RegisterRequest;
use crate::{Action, LookupResult};
use jiff::Timestamp;
use std::ffi::c_char;

/// The result answers `cb_client_register`.
pub const CB_ACTION_REGISTER: i32 = 3;

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

/// Register a callback for `number` with the widget `widget_id` (NULL: the configured
/// `widget_id`), as soon as possible (`appointment_unix` 0) or at `appointment_unix` (Unix
/// seconds, one of the widget's time slots). Sent exactly once: never retried, because a
/// registration is not idempotent. Returns and fills `*out` like `cb_client_lookup`: `CB_OK`
/// when Mindful answered, and then `cb_result_register_outcome()` says what it answered
/// (only `CB_REGISTER_REQUESTED` is a registered callback); otherwise the error code (e.g.
/// `CB_E_TIMEOUT`), `cb_result_register_outcome()` is 0 and rendering says "we could not
/// confirm your callback" when the request may have reached Mindful (a later
/// `cb_client_lookup` tells the truth). A negative `appointment_unix` gives
/// `CB_E_INVALID_ARGUMENT` (with a result, nothing sent). Blocks for at most the configured
/// timeout. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_client_register(
    client: *const cb_client,
    number: *const c_char,
    widget_id: *const c_char,
    appointment_unix: i64,
    out: *mut *mut cb_result,
) -> i32 {
    let ask = |client: &Client| {
        // SAFETY: the caller promises valid strings or NULL.
        let number = unsafe { str_arg(number, "number") }?;
        // SAFETY: as above.
        let widget_id = unsafe { opt_str_arg(widget_id, "widget_id") }?;
        let request = RegisterRequest {
            widget_id: widget_id.map(str::to_string),
            appointment: appointment(appointment_unix)?,
            ..RegisterRequest::default()
        };
        Ok(client.register(number, request))
    };
    // SAFETY: forwarded from the caller.
    boundary_code(|| unsafe { answer(client, out, Action::Register, ask) })
}

/// `appointment_unix` as `cb_client_register` takes it: 0 is as soon as possible.
fn appointment(appointment_unix: i64) -> Result<Option<Timestamp>> {
    match appointment_unix {
        0 => Ok(None),
        t => Timestamp::from_second(t)
            .ok()
            .filter(|_| t > 0)
            .map(Some)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("appointment_unix {t} is not a Unix time (0 = as soon as possible)"),
                )
            }),
    }
}

/// Check the widget `widget_id` (NULL: the configured `widget_id`) like
/// `cb_client_widget_status`, for speaking as an offer: rendering gives the ASAP offer with
/// the current wait, then one menu line per choice ("For a callback as soon as possible,
/// press 1. For today at 3:00 PM, press 2. ..."): ASAP first when offered, then the time
/// slots still ahead, at most 9 choices. `cb_result_action()` says `CB_ACTION_WIDGET`.
/// Returns and fills `*out` like `cb_client_lookup`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_client_offer(
    client: *const cb_client,
    widget_id: *const c_char,
    out: *mut *mut cb_result,
) -> i32 {
    // SAFETY: the caller promises a valid string or NULL.
    let ask = |client: &Client| Ok(client.offer(unsafe { opt_str_arg(widget_id, "widget_id") }?));
    // SAFETY: forwarded from the caller.
    boundary_code(|| unsafe { answer(client, out, Action::Offer, ask) })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::client::{cb_client_free, cb_client_new};
    use crate::ffi::codes::CB_E_INVALID_ARGUMENT;
    use crate::ffi::config::{cb_config_free, cb_config_new, cb_config_set};
    use crate::ffi::result::cb_result_free;

    #[test]
    fn appointment_zero_is_asap_and_only_positive_seconds_are_times() {
        assert_eq!(appointment(0).unwrap(), None);
        let at = appointment(1_800_000_000).unwrap().unwrap();
        assert_eq!(at.as_second(), 1_800_000_000);
        let error = appointment(-5).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            error.detail(),
            "appointment_unix -5 is not a Unix time (0 = as soon as possible)"
        );
    }

    #[test]
    fn a_negative_appointment_is_an_invalid_argument_with_a_result() {
        // SAFETY: the C API used as documented; every handle is freed.
        unsafe {
            let mut config = std::ptr::null_mut();
            assert_eq!(cb_config_new(&mut config), 0);
            assert_eq!(
                cb_config_set(config, c"api_url".as_ptr(), c"http://127.0.0.1:9".as_ptr()),
                0
            );
            assert_eq!(
                cb_config_set(config, c"prewarm".as_ptr(), c"false".as_ptr()),
                0
            );
            let mut client = std::ptr::null_mut();
            assert_eq!(cb_client_new(config, &mut client), 0);
            cb_config_free(config);
            let mut result = std::ptr::null_mut();
            let code = cb_client_register(
                client,
                c"+15551230001".as_ptr(),
                std::ptr::null(),
                -5,
                &mut result,
            );
            assert_eq!(code, CB_E_INVALID_ARGUMENT);
            assert!(!result.is_null());
            assert_eq!(cb_result_register_outcome(result), 0);
            cb_result_free(result);
            cb_client_free(client);
        }
    }
}
