//! `cb_client`: a connection to one Mindful organization, shared by many threads.

use super::boundary::{boundary_code, opt_str_arg, owned_c_string, str_arg, write_out};
use super::config::cb_config;
use super::result::cb_result;
use crate::error::{Error, ErrorKind, Result};
use crate::mindful::Client;
use crate::{Action, LookupResult};
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
/// `eta_min_minutes` at or above `eta_max_minutes`; the message names both).
#[no_mangle]
pub unsafe extern "C" fn cb_client_new(config: *const cb_config, out: *mut *mut cb_client) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises NULL or a live handle.
        let config = unsafe { config.as_ref() }
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "config is NULL"))?;
        if out.is_null() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "out pointer is NULL",
            ));
        }
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

/// The client of a C call, checked together with its out pointer.
///
/// # Safety
/// `client` is NULL or a live handle.
pub(crate) unsafe fn checked<'a, T>(client: *const cb_client, out: *mut T) -> Result<&'a Client> {
    // SAFETY: the caller promises NULL or a live handle.
    let client = unsafe { client.as_ref() }
        .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "client is NULL"))?;
    if out.is_null() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "out pointer is NULL",
        ));
    }
    Ok(&client.client)
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
        let client = unsafe { client.as_ref() }
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "client is NULL"))?;
        // SAFETY: the caller promises a valid string or NULL.
        let number = unsafe { str_arg(number, "number") }?;
        client.client.prefetch(number)
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
        let client = unsafe { client.as_ref() }
            .ok_or_else(|| Error::new(ErrorKind::InvalidArgument, "client is NULL"))?;
        client.client.warm();
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
    let client = unsafe { checked(client, out) }?;
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
        let client = unsafe { checked(client, out) }?;
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
