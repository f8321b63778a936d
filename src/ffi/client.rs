//! `cb_client`: a connection to one Mindful organization, shared by many threads, and the
//! requests it makes (lookup, cancel, widget status, offer, register, prefetch).

use super::boundary::{
    boundary_code, opt_str_arg, out_arg, owned_c_string, required, str_arg, write_out,
};
use super::config::cb_config;
use super::result::cb_result;
use crate::error::{Error, ErrorKind, Result};
use crate::mindful::Client;
use crate::register::{appointment_from_unix, RegisterRequest};
use crate::{Action, LookupResult};
use jiff::Timestamp;
use std::ffi::c_char;

/// A client (opaque). Thread-safe: one client can serve lookups from many threads at once,
/// sharing its connections; no lock is held during network I/O. Fork-safe: after fork() the
/// child's first lookup makes its own connections, cache and breaker (see the header notes).
#[allow(non_camel_case_types)]
pub struct cb_client {
    pub(crate) client: Client,
}

/// Create a client from settings (copied: `config` may be freed afterwards). On `CB_OK`,
/// `*out` receives a handle to release with `cb_client_free`; on error `*out` is untouched.
/// Errors: `CB_E_INVALID_ARGUMENT` (NULL), `CB_E_NOT_CONFIGURED` (no api_url),
/// `CB_E_INVALID_CONFIG` (settings that contradict each other, each valid when set:
/// `eta_min_minutes` at or above `eta_max_minutes`; the message names both. An unreadable
/// `ca_bundle`. No `proxy` setting and a SOCKS or malformed proxy in the environment's
/// `https_proxy`/`HTTPS_PROXY`/`all_proxy`/`ALL_PROXY`, named in the message: set `proxy` to
/// `none` or to an HTTP proxy to override it). The environment's proxy variables are read
/// here, once per client.
#[no_mangle]
pub unsafe extern "C" fn cb_client_new(config: *const cb_config, out: *mut *mut cb_client) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises NULL or a live handle.
        let config = unsafe { required(config, "config")?.as_ref() };
        out_arg(out)?;
        let client = Client::new(&config.config)?;
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { write_out(out, Box::into_raw(Box::new(cb_client { client }))) }
    })
}

/// Look up the callbacks of `number` (any caller-id shape: "+15551234567", "(555) 123-4567",
/// ...). Blocks for at most the configured timeout. Returns `CB_OK` when the API answered
/// (found or not found) or the error code of the failure. In both cases `*out` receives a
/// result to release with `cb_result_free`: a failed lookup still renders the fallback
/// sentence. Only when client or out is NULL (`CB_E_INVALID_ARGUMENT`) is `*out` untouched.
/// An invalid number gives `CB_E_INVALID_NUMBER`, a NULL number `CB_E_INVALID_ARGUMENT` and a
/// non-UTF-8 one `CB_E_INVALID_UTF8` (each with a result). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_client_lookup(
    client: *const cb_client,
    number: *const c_char,
    out: *mut *mut cb_result,
) -> i32 {
    // SAFETY: the caller promises a valid string or NULL.
    let ask = |client: &Client| Ok(client.status(unsafe { str_arg(number, "number") }?));
    // SAFETY: forwarded from the caller.
    boundary_code(|| unsafe { answer(client, out, Action::Status, ask) })
}

/// Ask Mindful to cancel the callback of `number` (`cancel_callback`). Returns and fills
/// `*out` exactly like `cb_client_lookup`; on `CB_OK`, `cb_result_cancel_outcome()` says
/// whether it was canceled, not found, one of several (`CB_CANCEL_TOO_MANY`: Mindful cancels
/// only a single callback) or refused, and rendering gives the spoken confirmation. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_client_cancel(
    client: *const cb_client,
    number: *const c_char,
    out: *mut *mut cb_result,
) -> i32 {
    // SAFETY: the caller promises a valid string or NULL.
    let ask = |client: &Client| Ok(client.cancel_callback(unsafe { str_arg(number, "number") }?));
    // SAFETY: forwarded from the caller.
    boundary_code(|| unsafe { answer(client, out, Action::Cancel, ask) })
}

/// Ask the widget endpoint whether callbacks are offered now and what the current wait is.
/// `widget_id` NULL uses the configured `widget_id`. Returns and fills `*out` like
/// `cb_client_lookup` (`CB_E_NOT_CONFIGURED` when no widget id is known); read it with
/// `cb_result_callbacks_available()`, `cb_result_widget_state()`, `cb_result_ewt_seconds()`.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_client_widget_status(
    client: *const cb_client,
    widget_id: *const c_char,
    out: *mut *mut cb_result,
) -> i32 {
    // SAFETY: the caller promises a valid string or NULL.
    let ask = |client: &Client| Ok(client.widget(unsafe { opt_str_arg(widget_id, "widget_id") }?));
    // SAFETY: forwarded from the caller.
    boundary_code(|| unsafe { answer(client, out, Action::Widget, ask) })
}

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
        t => appointment_from_unix(t).map(Some).ok_or_else(|| {
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

/// The client of a C call.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn client_arg<'a>(client: *const cb_client) -> Result<&'a Client> {
    // SAFETY: the caller promises NULL or a live handle.
    Ok(&unsafe { required(client, "client")?.as_ref() }.client)
}

/// Start looking `number` up in the background, e.g. while the greeting plays: a later
/// `cb_client_lookup` of the same number (within `prefetch_ttl_ms`, default 30 s) joins it
/// if it is still running or takes its answer at once (consuming it: a second lookup asks
/// the API again). Returns at once: `CB_OK` (started, already running or kept, or ignored
/// because `prefetch_max` prefetches are running: the later lookup then does the work), or
/// `CB_E_INVALID_NUMBER` / `CB_E_INVALID_ARGUMENT` (NULL) / `CB_E_INVALID_UTF8` for a number
/// that cannot be looked up. A failed prefetch is not kept: the lookup asks the API itself.
/// `number` is copied. Thread-safe. Fork: prefetches belong to the process that started
/// them; a child's lookups never see its parent's.
#[no_mangle]
pub unsafe extern "C" fn cb_client_prefetch(
    client: *const cb_client,
    number: *const c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises NULL or a live handle.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: the caller promises a valid string or NULL.
        let number = unsafe { str_arg(number, "number") }?;
        client.prefetch(number)
    })
}

/// Open one connection to the API (DNS, TCP, TLS) in the background, unless one is open and
/// usable already, so that the next lookup costs one round trip: e.g. when a call arrives.
/// `cb_client_new` does it by itself unless `prewarm` is off. Returns at once: `CB_OK`, or
/// `CB_E_INVALID_ARGUMENT` (NULL). A failed warm-up is only logged (the lookup connects as
/// usual). Thread-safe. Fork: connections belong to the process that opened them.
#[no_mangle]
pub unsafe extern "C" fn cb_client_warm(client: *const cb_client) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { client_arg(client) }?.warm();
        Ok(())
    })
}

/// Check `client` and `out`, then write out what `ask` answers; an argument `ask` cannot use
/// becomes a failed result for `action` (still written out, so the caller always has one to
/// read and free).
///
/// # Safety
/// `client` is NULL or a live handle; `out` is NULL or writable.
pub(crate) unsafe fn answer(
    client: *const cb_client,
    out: *mut *mut cb_result,
    action: Action,
    ask: impl FnOnce(&Client) -> Result<LookupResult>,
) -> Result<()> {
    // SAFETY: forwarded from the caller.
    let client = unsafe { client_arg(client) }?;
    out_arg(out)?;
    let result =
        ask(client).unwrap_or_else(|error| LookupResult::failed(action, error, client.config()));
    // SAFETY: checked non-NULL; the caller promises it is writable.
    unsafe { deliver(result, out) }
}

/// Hand `result` to the caller and return its error, if any.
///
/// # Safety
/// `out` is non-NULL and writable.
pub(crate) unsafe fn deliver(result: LookupResult, out: *mut *mut cb_result) -> Result<()> {
    let error = result.error().cloned();
    // SAFETY: forwarded from the caller.
    unsafe { write_out(out, cb_result::into_raw(result)) }?;
    error.map_or(Ok(()), Err)
}

/// The client's counters as a JSON object: requests by action and result, errors by name,
/// upstream replies by HTTP status, request and upstream duration histograms (seconds,
/// buckets 1 ms to 5 s), cache hits, coalesced lookups, prefetches, whether the circuit
/// breaker is open, requests in flight, rejected calls, connections opened (README
/// "Operating it" shows one). Counted since `cb_client_new`; never holds the token or a caller
/// number. On `CB_OK` `*out` receives a new string to release with `cb_string_free`; on error
/// `*out` is untouched. Errors: `CB_E_INVALID_ARGUMENT` (NULL client or out). Thread-safe;
/// never waits for a lookup: it reads atomics, and the breaker state under the breaker's own
/// lock, which no lookup holds across network I/O. After `fork()` the child's client
/// starts from the counts at the time of the fork and counts its own requests from there.
#[no_mangle]
pub unsafe extern "C" fn cb_client_stats_json(
    client: *const cb_client,
    out: *mut *mut c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises NULL or a live handle.
        let client = unsafe { client_arg(client) }?;
        out_arg(out)?;
        let json = client.stats().to_json().to_string();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { write_out(out, owned_c_string(json)) }
    })
}

/// Release a client and its connections. NULL is a no-op. No lookup on this client may be
/// running or start afterwards. Results it produced stay valid. Waits (at most the client's
/// `timeout_ms`) for its background work in this process (prewarm, prefetch) to end, so the
/// library may be unloaded afterwards.
#[no_mangle]
pub unsafe extern "C" fn cb_client_free(client: *mut cb_client) {
    super::boundary::boundary((), || {
        if !client.is_null() {
            // SAFETY: created by `Box::into_raw` in `cb_client_new`, not freed before.
            let handle = unsafe { Box::from_raw(client) };
            // Background threads run this library's code: let them end before the host may
            // unload it.
            handle
                .client
                .wait_background(handle.client.config().timeout);
            drop(handle);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::codes::CB_E_INVALID_ARGUMENT;
    use crate::ffi::config::{cb_config_free, cb_config_new, cb_config_set};
    use crate::ffi::result::{cb_result_free, cb_result_register_outcome};

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
