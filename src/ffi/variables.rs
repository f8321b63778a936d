//! `cb_variables`: the `CBSTATUS_*` channel variables of a result ([`crate::channel`]), for
//! PBX modules to set by looping over them, and the single variable `CBSTATUS(number,field)`
//! reads.

use super::boundary::{
    boundary, boundary_code, c_string, out_arg, owned_c_string, set_last_error, str_arg, write_out,
};
use super::result::{
    cb_result, result_arg, CB_ACTION_CANCEL, CB_ACTION_REGISTER, CB_ACTION_STATUS, CB_ACTION_WIDGET,
};
use crate::channel::{ChannelVariables, Variable};
use crate::error::{Error, ErrorKind};
use crate::{Action, Config, LookupResult};
use std::ffi::{c_char, CStr, CString};

/// The channel variables of one result (opaque): names and values in the order to set them,
/// `CBSTATUS_RESULT` last. Immutable: any number of threads may read one at once. Strings it
/// lends live until `cb_variables_free`.
#[allow(non_camel_case_types)]
pub struct cb_variables {
    names: Vec<&'static CStr>,
    values: Vec<CString>,
    locale: CString,
}

/// The language argument: NULL, or text that is not UTF-8 (which names no locale), is `None`.
///
/// # Safety
/// `language` is NULL or a NUL-terminated string valid for the call.
unsafe fn language_arg<'a>(language: *const c_char) -> Option<&'a str> {
    if language.is_null() {
        return None;
    }
    // SAFETY: the caller promises a NUL-terminated string.
    std::str::from_utf8(unsafe { CStr::from_ptr(language) }.to_bytes()).ok()
}

/// A variable name as a static C string (names are ASCII literals without NUL).
fn c_name(variable: Variable) -> &'static CStr {
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Variable::ALL.iter().map(|v| c_string(v.name())).collect());
    let index = Variable::ALL
        .iter()
        .position(|v| *v == variable)
        .unwrap_or_default();
    names[index].as_c_str()
}

/// The `CBSTATUS_*` channel variables of `result`, in the order to set them: every
/// surface (`cbstatus agi`, FastAGI, the Asterisk and FreeSWITCH modules, Python) sets
/// exactly this list, in this order, with these values. Which names an action sets, their
/// order (`CBSTATUS_RESULT` last, so a hang-up half-way never leaves a RESULT beside missing
/// details), and the values (safe words only; `""` when unknown; one line each) are
/// documented in the README's "Channel variables" section.
///
/// `language` is the channel's language as the PBX has it (`en`, `es`, `es_MX`, `en-US`,
/// `fr`, ...; NULL allowed): the renderings (`CBSTATUS_TEXT`, `_SSML`, `_PROMPTS`) speak the
/// locale it names, exactly (`en-US`, `es-US`) or by its language (`es`, `es_MX` speak
/// es-US). The default language without a region of a locale (`en`, `en_GB`: every channel's
/// language unless the dialplan sets one), any language with no locale (`de`), NULL, empty
/// or invalid UTF-8 leave the result's configured locale; never an error.
/// `cb_variables_locale()` tells which locale was used.
///
/// Returns a new handle to release with `cb_variables_free`, or NULL when `result` is NULL
/// (`CB_E_INVALID_ARGUMENT`, see `cb_last_error_code()`). Thread-safe; the handle is plain
/// memory (a forked child may read and free it).
#[no_mangle]
pub unsafe extern "C" fn cb_result_variables(
    result: *const cb_result,
    language: *const c_char,
) -> *mut cb_variables {
    boundary(std::ptr::null_mut(), || {
        // SAFETY: the caller promises NULL or a live handle / valid string.
        let (r, language) = unsafe { (result_arg(result), language_arg(language)) };
        let r = match r {
            Ok(r) => r,
            Err(error) => {
                set_last_error(Some(error));
                return std::ptr::null_mut();
            }
        };
        into_handle(&ChannelVariables::of(r, language))
    })
}

/// The handle of `vars`.
fn into_handle(vars: &ChannelVariables) -> *mut cb_variables {
    let handle = cb_variables {
        names: vars.entries().iter().map(|(v, _)| c_name(*v)).collect(),
        values: vars.iter().map(|(_, value)| c_string(value)).collect(),
        locale: c_string(vars.locale().tag()),
    };
    Box::into_raw(Box::new(handle))
}

/// The channel variables of a request that could not be made at all, so that there is no
/// `cb_result` (a module that is not configured, an unknown profile): the list of `action`
/// (`CB_ACTION_STATUS`, `_CANCEL`, `_WIDGET`, `_REGISTER`) for a failure with the code `code`
/// (a `CB_E_*`, e.g. `CB_E_NOT_CONFIGURED`): `CBSTATUS_ERROR` its name, the fallback sentence
/// to say in the locale `language` picks (as `cb_result_variables`; else en-US, the default),
/// `CBSTATUS_RESULT` `ERROR`, last. Returns a new handle to release with `cb_variables_free`,
/// or NULL with `CB_E_INVALID_ARGUMENT` for an unknown action or a code that is not a
/// `CB_E_*` failure (`CB_OK` included). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_failed_variables(
    action: i32,
    code: i32,
    language: *const c_char,
) -> *mut cb_variables {
    boundary(std::ptr::null_mut(), || {
        let asked = action;
        let action = match action {
            CB_ACTION_STATUS => Some(Action::Status),
            CB_ACTION_CANCEL => Some(Action::Cancel),
            CB_ACTION_WIDGET => Some(Action::Widget),
            CB_ACTION_REGISTER => Some(Action::Register),
            _ => None,
        };
        let kind = ErrorKind::from_code(code).filter(|_| code != 0);
        let (Some(action), Some(kind)) = (action, kind) else {
            set_last_error(Some(Error::new(
                ErrorKind::InvalidArgument,
                format!("action {asked} or code {code} is not a CB_ACTION_* and a CB_E_* failure"),
            )));
            return std::ptr::null_mut();
        };
        let error = Error::new(kind, "the request could not be made");
        let result = LookupResult::failed(action, error, &Config::new());
        // SAFETY: the caller promises NULL or a valid string.
        let language = unsafe { language_arg(language) };
        into_handle(&ChannelVariables::of(&result, language))
    })
}

/// How many variables `variables` holds (0 for NULL). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_variables_count(variables: *const cb_variables) -> usize {
    boundary(0, || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { variables.as_ref() }.map_or(0, |v| v.names.len())
    })
}

/// The name of variable `index` (from 0, in the order to set them), e.g. "CBSTATUS_TEXT".
/// Static: valid for the life of the process. NULL when `variables` is NULL or `index` is not
/// below `cb_variables_count()`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_variables_name(
    variables: *const cb_variables,
    index: usize,
) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { variables.as_ref() }
            .and_then(|v| v.names.get(index))
            .map_or(std::ptr::null(), |name| name.as_ptr())
    })
}

/// The value of variable `index` ("" when unknown), one line of UTF-8. Lent: valid until
/// `cb_variables_free`. NULL when `variables` is NULL or `index` is not below
/// `cb_variables_count()`. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_variables_value(
    variables: *const cb_variables,
    index: usize,
) -> *const c_char {
    boundary(std::ptr::null(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { variables.as_ref() }
            .and_then(|v| v.values.get(index))
            .map_or(std::ptr::null(), |value| value.as_ptr())
    })
}

/// The locale the renderings speak, e.g. "es-US" (pass it to `cb_result_playlist` for the same
/// language). Lent until `cb_variables_free`; "" for NULL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_variables_locale(variables: *const cb_variables) -> *const c_char {
    boundary(c"".as_ptr(), || {
        // SAFETY: the caller promises NULL or a live handle.
        unsafe { variables.as_ref() }.map_or(c"".as_ptr(), |v| v.locale.as_ptr())
    })
}

/// Release `variables`. NULL is a no-op. The values and locale it lent become invalid.
#[no_mangle]
pub unsafe extern "C" fn cb_variables_free(variables: *mut cb_variables) {
    boundary((), || {
        if !variables.is_null() {
            // SAFETY: created by `Box::into_raw` in `cb_result_variables`, not freed before.
            drop(unsafe { Box::from_raw(variables) });
        }
    })
}

/// One channel variable of `result`, as `cb_result_variables(result, language)` would give it:
/// `name` is the variable's name ("CBSTATUS_TEXT") or its field (the name without
/// `CBSTATUS_`: "text", "wait_seconds"), in any case. A variable the result's action does not
/// set (e.g. "widget_state" of a status lookup) reads as "". On `CB_OK` `*out` receives a new
/// string to release with `cb_string_free`. Errors with `*out` untouched:
/// `CB_E_INVALID_ARGUMENT` (NULL result, name or out; a name that is no channel variable),
/// `CB_E_INVALID_UTF8` (name). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn cb_result_variable(
    result: *const cb_result,
    name: *const c_char,
    language: *const c_char,
    out: *mut *mut c_char,
) -> i32 {
    boundary_code(|| {
        // SAFETY: the caller promises valid strings or NULL.
        let (name, language) = unsafe { (str_arg(name, "name")?, language_arg(language)) };
        // SAFETY: the caller promises NULL or a live handle.
        let r = unsafe { result_arg(result) }?;
        out_arg(out)?;
        let variable = Variable::named(name).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "{:?} is not a channel variable (text, ssml, prompts, result, error, status, \
                     type, position, wait_seconds, estimated_for, count, ...)",
                    name.chars().take(40).collect::<String>()
                ),
            )
        })?;
        let vars = ChannelVariables::of(r, language);
        let value = vars.get(variable).unwrap_or_default().to_string();
        // SAFETY: checked non-NULL; the caller promises it is writable.
        unsafe { write_out(out, owned_c_string(value)) }
    })
}
