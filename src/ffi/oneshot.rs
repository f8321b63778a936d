//! The one-call API: `cb_status_lookup` with a process-wide client configured from the
//! environment, `cb_string_free`, and `cb_shutdown`.

use super::boundary::{boundary, fail, owned_c_string, str_arg};
use crate::config::Config;
use crate::error::Result;
use crate::mindful::Client;
use crate::process::PerProcess;
use crate::speech::Format;
use crate::{Action, LookupResult};
use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The process-wide client, made on first use. Behind a mutex only to publish, replace or
/// drop it: lookups clone the `Arc` and run without the lock, and the client is made (reading
/// the configuration file and CA bundle) with the lock released. Per process: a child made by
/// `fork()` makes its own and never takes the parent's lock, which another thread may have
/// held at the moment of the fork.
static SHARED: PerProcess<Mutex<Option<Arc<Client>>>> = PerProcess::new();

fn shared_slot() -> MutexGuard<'static, Option<Arc<Client>>> {
    SHARED
        .get(|| Mutex::new(None))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn shared_client() -> Result<Arc<Client>> {
    if let Some(client) = shared_slot().as_ref() {
        return Ok(Arc::clone(client));
    }
    let client = Arc::new(Client::new(&Config::from_env()?)?);
    // Another thread may have made one meanwhile: keep the first, so all share connections.
    Ok(Arc::clone(shared_slot().get_or_insert(client)))
}

/// The fallback sentence when not even a client could be made, in the configured locale if
/// the environment names a usable one.
fn unconfigured_fallback(error: crate::Error) -> String {
    let mut config = Config::new();
    if let Ok(locale) = std::env::var("CBSTATUS_LOCALE") {
        let _ = config.set("locale", &locale);
    }
    LookupResult::failed(Action::Status, error, &config).render(Format::Text)
}

/// Look up `number` with the process-wide client (configured from `CBSTATUS_CONFIG` and the
/// `CBSTATUS_*` environment variables on first use) and return what to say, as plain text.
///
/// Always returns a new, speakable, NUL-terminated UTF-8 string (never NULL unless memory is
/// exhausted) that the caller releases with `cb_string_free`: on failure it is the fallback
/// sentence ("Sorry, we can't check your callback right now."). Blocks for at most the
/// configured timeout. After the call, `cb_last_error_code()` on the same thread is `CB_OK`
/// (answered: found or not found) or the failure's code, and `cb_last_error_message()` says
/// why. Thread-safe: any number of threads may call it at once.
#[no_mangle]
pub unsafe extern "C" fn cb_status_lookup(number: *const c_char) -> *mut c_char {
    let fallback = || -> *mut c_char {
        CString::new("Sorry, we can't check your callback right now.")
            .map_or(std::ptr::null_mut(), CString::into_raw)
    };
    let text = boundary(None, || {
        let client = match shared_client() {
            Ok(client) => client,
            Err(error) => {
                let text = unconfigured_fallback(error.clone());
                fail(error);
                return Some(text);
            }
        };
        // SAFETY: the caller promises a valid string or NULL.
        let result = match unsafe { str_arg(number, "number") } {
            Ok(number) => client.status(number),
            Err(error) => LookupResult::failed(Action::Status, error, client.config()),
        };
        if let Some(error) = result.error() {
            fail(error.clone());
        }
        Some(result.render(Format::Text))
    });
    text.map_or_else(fallback, owned_c_string)
}

/// Release a string returned by cbstatus (`cb_status_lookup`, `cb_result_render`, ...).
/// NULL is a no-op. Never pass memory from another allocator; never free twice.
#[no_mangle]
pub unsafe extern "C" fn cb_string_free(text: *mut c_char) {
    boundary((), || {
        if !text.is_null() {
            // SAFETY: every string cbstatus hands out comes from `CString::into_raw`.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}

/// Drop the process-wide client of `cb_status_lookup` and its idle connections, e.g. before a
/// module is unloaded. Lookups still running finish normally; a later `cb_status_lookup` makes
/// a new client, re-reading the environment. Handles made with `cb_client_new` are not
/// affected (free them with `cb_client_free`). Thread-safe; idempotent.
#[no_mangle]
pub extern "C" fn cb_shutdown() {
    boundary((), || {
        let client = shared_slot().take();
        // Dropped with the lock released: closing connections is I/O.
        drop(client);
    })
}
