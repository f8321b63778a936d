//! The text forms the keys share (whole numbers, milliseconds, minutes, booleans), each
//! refused with an [`ErrorKind::InvalidConfig`] error naming the key and what it takes.

use crate::error::{Error, ErrorKind, Result};
use std::time::Duration;

/// An [`ErrorKind::InvalidConfig`] error saying `why`.
pub(super) fn invalid(why: String) -> Error {
    Error::new(ErrorKind::InvalidConfig, why)
}

pub(super) fn parse_number(key: &str, value: &str) -> Result<u64> {
    value
        .parse::<u64>()
        .map_err(|_| invalid(format!("{key} must be a whole number, not {value:?}")))
}

pub(super) fn parse_millis(key: &str, value: &str, max: u64) -> Result<Duration> {
    let ms = parse_number(key, value)?;
    if ms > max {
        return Err(invalid(format!("{key} must be at most {max}")));
    }
    Ok(Duration::from_millis(ms))
}

/// Minutes or no bound: `none` and `0` (as for the other settings where 0 disables) are none.
pub(super) fn parse_optional_minutes(key: &str, value: &str) -> Result<Option<u32>> {
    if value.is_empty() || value.eq_ignore_ascii_case("none") || value == "0" {
        return Ok(None);
    }
    let n = parse_number(key, value)?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= 24 * 60)
        .map(Some)
        .ok_or_else(|| invalid(format!("{key} must be at most 1440 minutes")))
}

pub(super) fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(invalid(format!(
            "{key} must be true or false, not {value:?}"
        ))),
    }
}
