//! `cb_config`: settings for a client, built from defaults, the environment, a file and setters.

use super::boundary::{boundary, boundary_code, out_arg, required, str_arg, write_out};
use crate::config::{Config, KEY_TABLE};
use std::ffi::c_char;
use std::path::Path;

/// Settings for a client (opaque). Not thread-safe: build it on one thread, then hand it to
/// `cb_client_new`, which copies it.
#[allow(non_camel_case_types)]
pub struct cb_config {
    pub(crate) config: Config,
}

/// Create settings with the built-in defaults (no API URL). On `CB_OK`, `*out` receives a new
/// handle to release with `cb_config_free`; on error `*out` is untouched.
/// Errors: `CB_E_INVALID_ARGUMENT` (out is NULL).
#[no_mangle]
pub unsafe extern "C" fn cb_config_new(out: *mut *mut cb_config) -> i32 {
    boundary_code(|| {
        // Checked before allocating: `write_out` refusing NULL would leak the handle.
        out_arg(out)?;
        let handle = Box::new(cb_config {
            config: Config::new(),
        });
        // SAFETY: checked non-NULL above; the caller promises it is writable.
        unsafe { write_out(out, Box::into_raw(handle)) }
    })
}

/// Create settings from the `CBSTATUS_CONFIG` file (if set) and the `CBSTATUS_*` environment
/// variables. On `CB_OK`, `*out` receives a handle to release with `cb_config_free`.
/// Errors: `CB_E_INVALID_ARGUMENT`, `CB_E_INVALID_CONFIG` (message names the bad key).
/// Reads the process environment: do not call while another thread modifies it.
#[no_mangle]
pub unsafe extern "C" fn cb_config_from_env(out: *mut *mut cb_config) -> i32 {
    boundary_code(|| {
        out_arg(out)?;
        let handle = Box::new(cb_config {
            config: Config::from_env()?,
        });
        // SAFETY: checked non-NULL above; the caller promises it is writable.
        unsafe { write_out(out, Box::into_raw(handle)) }
    })
}

/// The names of every setting `cb_config_set` accepts (`api_url`, `timeout_ms`, ...), as a
/// NULL-terminated array of strings in a stable order, e.g.
/// `for (const char *const *k = cb_config_keys(); *k; k++) puts(*k);`.
/// The array and its strings are static: never free or modify them; they stay valid for the
/// life of the process, after `fork()` too. Thread-safe; never fails, never returns NULL.
/// Each name is also read from the environment as `CBSTATUS_` + the name in upper case.
#[no_mangle]
pub extern "C" fn cb_config_keys() -> *const *const c_char {
    boundary(KEY_NAMES.0.as_ptr(), || KEY_NAMES.0.as_ptr())
}

/// The names of [`KEY_TABLE`] and a NULL after them, built at compile time.
struct KeyNames([*const c_char; KEY_TABLE.len() + 1]);

// SAFETY: the pointers point to static, immutable strings; nothing ever writes through them.
unsafe impl Sync for KeyNames {}

static KEY_NAMES: KeyNames = KeyNames({
    let mut names = [std::ptr::null(); KEY_TABLE.len() + 1];
    let mut i = 0;
    while i < KEY_TABLE.len() {
        names[i] = KEY_TABLE[i].c_name.as_ptr();
        i += 1;
    }
    names
});

/// Set one setting by name: `api_url`, `api_token`, `auth_header`, `auth_scheme`,
/// `timeout_ms`, `locale`, `timezone`, `default_country`, `eta_style`, `eta_min_minutes`,
/// `eta_max_minutes`, `read_back_number`, `widget_id`, `cache_ttl_ms`, `not_found_ttl_ms`,
/// `breaker_threshold`, `breaker_cooldown_ms`, `ca_bundle`, `number_format`, `idle_timeout_ms`,
/// `prewarm`, `prefetch_ttl_ms`, `prefetch_max`, `profile`, `proxy` (the `CBSTATUS_*` spelling
/// works too; see the README for meanings and defaults). `profile` applies the `[profiles.NAME]`
/// table of a file loaded before (`cb_config_from_env`, `cb_config_load_file`) over the
/// settings made so far; an unknown name is `CB_E_INVALID_CONFIG` with a message naming it
/// (nothing applied), never a fallback to another organization. `proxy` is an HTTP proxy URL
/// (`http://user:password@host:port`) or `none`; a `socks4://`/`socks5://` one is
/// `CB_E_INVALID_CONFIG`. Without it, `cb_client_new` reads the process environment's
/// `https_proxy`/`HTTPS_PROXY`/`all_proxy`/`ALL_PROXY`/`no_proxy` as curl does (a SOCKS one
/// there makes `cb_client_new` fail with `CB_E_INVALID_CONFIG` naming the variable).
/// `value` is text, e.g. "1500"; "" restores the setting's default (for `auth_scheme` it
/// means the bare token). Both strings are copied. Settings are checked against each other
/// (`eta_min_minutes` below `eta_max_minutes`) by `cb_config_load_file` and `cb_client_new`,
/// not here, so they may be set in any order.
/// Errors: `CB_E_INVALID_ARGUMENT` (NULL), `CB_E_INVALID_UTF8`, `CB_E_INVALID_CONFIG` (unknown
/// key or bad value: the message says which). On error the setting keeps its previous value,
/// except for an unknown `locale`: English is applied and `CB_E_UNKNOWN_LOCALE` returned as a
/// warning (`cb_config_from_env` and `cb_config_load_file` apply it silently the same way).
#[no_mangle]
pub unsafe extern "C" fn cb_config_set(
    config: *mut cb_config,
    key: *const c_char,
    value: *const c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises valid strings or NULL.
        let (key, value) = unsafe { (str_arg(key, "key")?, str_arg(value, "value")?) };
        // SAFETY: the caller promises `config` is NULL or a live handle used by one thread.
        let config = unsafe { required(config, "config")?.as_mut() };
        config.config.set(key, value)
    })
}

/// Apply a TOML file with the same settings (and `[templates.<locale>]` tables).
/// Errors: `CB_E_INVALID_ARGUMENT`, `CB_E_INVALID_UTF8`, `CB_E_INVALID_CONFIG` (unreadable
/// file, bad TOML, unknown key, or settings that now contradict each other such as
/// `eta_min_minutes` at or above `eta_max_minutes`: the message says which, once prefixed
/// with the path). Settings applied before an error in the file stay applied.
#[no_mangle]
pub unsafe extern "C" fn cb_config_load_file(config: *mut cb_config, path: *const c_char) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises a valid string or NULL.
        let path = unsafe { str_arg(path, "path")? };
        // SAFETY: as in `cb_config_set`.
        let config = unsafe { required(config, "config")?.as_mut() };
        config.config.load_file(Path::new(path))
    })
}

/// Release settings. NULL is a no-op. The handle must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn cb_config_free(config: *mut cb_config) {
    super::boundary::boundary((), || {
        if !config.is_null() {
            // SAFETY: created by `Box::into_raw` in this module and not freed before.
            drop(unsafe { Box::from_raw(config) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn cb_config_keys_lists_every_key_then_null() {
        let list = cb_config_keys();
        let mut names = Vec::new();
        // SAFETY: a static NULL-terminated array of static C strings.
        unsafe {
            let mut at = list;
            while !(*at).is_null() {
                names.push(CStr::from_ptr(*at).to_str().unwrap());
                at = at.add(1);
            }
        }
        assert_eq!(names, crate::config::KEYS);
        assert_eq!(cb_config_keys(), list, "the same static array every time");
    }
}
