//! Every configuration key, declared once: its name, what it means, its default as the README
//! states it, the `Config` field it sets and how its text is checked and applied.
//!
//! Everything else is derived from [`KEY_TABLE`], so a key cannot be known in one place and
//! missing in another: [`Config::set`](super::Config::set) and its reset (an empty value
//! copies the field back from [`Config::default`](super::Config)), the [`KEYS`] list (the
//! `CBSTATUS_*` variables [`Config::load`](super::Config::load) reads, the man page's
//! ENVIRONMENT section), `cb_config_keys()` in C (which the Python package reads instead of a
//! list of its own), and the README's configuration table, which `tests/config_keys.rs`
//! renders from this table and compares (`CBSTATUS_BLESS=1` rewrites it).
//!
//! Adding a key means one entry here, its field in `Config` with its default in
//! `Config::default()`, and `CBSTATUS_BLESS=1 cargo test --test config_keys`.

use super::parse::{invalid, parse_bool, parse_millis, parse_number, parse_optional_minutes};
use super::{ApiUrl, Config, ProxySetting, Secret};
use crate::error::{Error, ErrorKind, Result};
use crate::number::{CountryCode, NumberFormats};
use crate::speech::{EtaStyle, Locale};
use jiff::tz::TimeZone;
use std::ffi::CStr;
use std::time::Duration;

/// Largest accepted `idle_timeout_ms`: no load balancer keeps an idle connection longer.
const MAX_IDLE_TIMEOUT_MS: u64 = 3_600_000;

/// Largest accepted `prefetch_max`.
const MAX_PREFETCH: u64 = 10_000;

/// Largest accepted `timeout_ms`: a caller should never wait longer than this.
const MAX_TIMEOUT_MS: u64 = 60_000;

/// Largest accepted cache, breaker and prefetch durations (an hour).
const MAX_TTL_MS: u64 = 3_600_000;

/// Longest `widget_id` accepted.
const MAX_WIDGET_ID: usize = 64;

/// Headers cbstatus frames its requests with, which `auth_header` may not name.
const RESERVED_HEADERS: [&str; 5] = [
    "Host",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Content-Type",
];

/// One configuration key.
#[derive(Clone, Copy)]
pub struct Key {
    /// The name in a TOML file and in `cb_config_set`, e.g. `timeout_ms`.
    pub name: &'static str,
    /// The name as a C string, for `cb_config_keys()`.
    pub(crate) c_name: &'static CStr,
    /// What the key sets, one line (the README's "meaning" column).
    pub meaning: &'static str,
    /// The default in words (the README's "default" column, e.g. `2000`, "none").
    pub default: &'static str,
    /// An empty value is a value of its own (`auth_scheme`: the bare token) instead of
    /// restoring the default.
    pub(super) empty_is_a_value: bool,
    /// The value is a list: a TOML array of strings is accepted too, read as its items
    /// joined by `,` (the text form every other surface gives).
    pub list: bool,
    /// Check a (trimmed) value and apply it.
    pub(super) set: fn(&mut Config, &str) -> Result<()>,
    /// Copy the key's field from a default configuration.
    pub(super) reset: fn(&mut Config, Config),
}

impl Key {
    /// The environment variable setting the key: `CBSTATUS_` and the name in upper case.
    pub fn env_var(&self) -> String {
        format!("CBSTATUS_{}", self.name.to_ascii_uppercase())
    }

    /// The key named `name` (its `CBSTATUS_*` spelling, any case, accepted too).
    pub fn find(name: &str) -> Option<&'static Key> {
        let name = name.trim();
        let name = name.strip_prefix("CBSTATUS_").unwrap_or(name);
        KEY_TABLE
            .iter()
            .find(|key| key.name.eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("name", &self.name).finish()
    }
}

/// Builds [`KEY_TABLE`] and [`KEYS`] from one entry per key: `"name" => field.path { meaning,
/// default, [empty_is_a_value,] [list,] set }`. The field path is what an empty value resets.
macro_rules! keys {
    ($(
        $name:literal => $($field:ident).+ {
            meaning: $meaning:literal,
            default: $default:literal,
            $(empty_is_a_value: $empty_is_a_value:literal,)?
            $(list: $list:literal,)?
            set: $set:expr $(,)?
        }
    )*) => {
        /// Every key, in a stable order (the order of [`KEYS`] and `cb_config_keys()`).
        pub const KEY_TABLE: [Key; [$($name),*].len()] = [$(
            Key {
                name: $name,
                c_name: match CStr::from_bytes_with_nul(concat!($name, "\0").as_bytes()) {
                    Ok(name) => name,
                    Err(_) => panic!("a key name holds a NUL"),
                },
                meaning: $meaning,
                default: $default,
                empty_is_a_value: false $(|| $empty_is_a_value)?,
                list: false $(|| $list)?,
                set: $set,
                reset: |config, defaults| config.$($field).+ = defaults.$($field).+,
            },
        )*];

        /// Every key [`Config::set`](super::Config::set) accepts, in [`KEY_TABLE`] order.
        pub const KEYS: [&str; [$($name),*].len()] = [$($name),*];
    };
}

keys! {
    "api_url" => api_url {
        meaning: "organization endpoint URL as copied from the Mindful UI, with or without \
                  `/callback_status`",
        default: "required",
        set: |c, v| {
            c.api_url = Some(ApiUrl::parse(v)?);
            Ok(())
        },
    }
    "api_token" => api_token {
        meaning: "API access token (never logged or echoed)",
        default: "none",
        set: |c, v| {
            // It goes into an HTTP header value: printable ASCII only (the value itself is
            // never echoed).
            if !v.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(invalid(
                    "api_token holds a non-ASCII or control character; copy the token \
                     exactly as the Mindful UI shows it"
                        .to_string(),
                ));
            }
            c.api_token = Some(Secret::new(v));
            Ok(())
        },
    }
    "auth_header" => auth_header {
        meaning: "header carrying the token",
        default: "`Authorization`",
        set: |c, v| {
            // An RFC 9110 token, and not a header that frames the request: a token sent
            // as `Content-Length` or `Host` would corrupt or redirect it.
            let valid = v
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid {
                return Err(invalid(format!(
                    "auth_header must be an HTTP header name, not {v:?}"
                )));
            }
            if RESERVED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(v)) {
                return Err(invalid(format!(
                    "auth_header cannot be {v}: cbstatus sets that header itself \
                     (use e.g. Authorization or X-Api-Key)"
                )));
            }
            c.auth_header = v.to_string();
            Ok(())
        },
    }
    "auth_scheme" => auth_scheme {
        meaning: "prefix before the token in that header; empty sends the bare token",
        default: "`Bearer`",
        empty_is_a_value: true,
        set: |c, v| {
            if v.chars().any(|ch| !ch.is_ascii() || ch.is_control() || ch == ' ') {
                return Err(invalid(format!(
                    "auth_scheme must be one word such as Bearer, not {v:?}"
                )));
            }
            c.auth_scheme = v.to_string();
            Ok(())
        },
    }
    "timeout_ms" => timeout {
        meaning: "hard deadline for a whole lookup",
        default: "2000",
        set: |c, v| {
            let ms = parse_number("timeout_ms", v)?;
            if !(1..=MAX_TIMEOUT_MS).contains(&ms) {
                return Err(invalid(format!(
                    "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, not {ms}"
                )));
            }
            c.timeout = Duration::from_millis(ms);
            Ok(())
        },
    }
    "locale" => speech.locale {
        meaning: "speech language: `en-US`, `es-US`, `fr-CA`",
        default: "`en-US`",
        set: |c, v| match Locale::parse(v) {
            Ok(locale) => {
                c.speech.locale = locale;
                Ok(())
            }
            Err(unknown) => {
                // Callers still hear something: English, with the problem reported.
                c.speech.locale = unknown.fallback();
                Err(unknown.to_error())
            }
        },
    }
    "timezone" => timezone {
        meaning: "IANA zone used to say clock times",
        default: "system zone, else UTC",
        set: |c, v| {
            c.timezone = TimeZone::get(v).map_err(|e| {
                invalid(format!(
                    "timezone {v:?} is not an IANA time zone such as America/New_York ({e})"
                ))
            })?;
            Ok(())
        },
    }
    "default_country" => default_country {
        meaning: "country calling code for national numbers",
        default: "`1`",
        set: |c, v| {
            c.default_country = CountryCode::parse(v)?;
            Ok(())
        },
    }
    "eta_style" => speech.eta.style {
        meaning: "`exact` (\"about 12 minutes\") or `range` (\"between 10 and 15 minutes\")",
        default: "`exact`",
        set: |c, v| {
            c.speech.eta.style = v.parse::<EtaStyle>().map_err(|_| {
                invalid(format!("eta_style must be exact or range, not {v:?}"))
            })?;
            Ok(())
        },
    }
    "eta_min_minutes" => speech.eta.min_minutes {
        meaning: "below this many minutes say \"less than N minutes\"; `none` or 0: no minimum; at or above the maximum: refused when the settings load (and by `cb_client_new`), naming both",
        default: "none",
        set: |c, v| {
            c.speech.eta.min_minutes = parse_optional_minutes("eta_min_minutes", v)?;
            Ok(())
        },
    }
    "eta_max_minutes" => speech.eta.max_minutes {
        meaning: "above this many minutes say \"more than N minutes\"; `none` or 0: no maximum",
        default: "90",
        set: |c, v| {
            c.speech.eta.max_minutes = parse_optional_minutes("eta_max_minutes", v)?;
            Ok(())
        },
    }
    "read_back_number" => speech.read_back_number {
        meaning: "also say \"at the number ending in 4 5 6 7\"",
        default: "false",
        set: |c, v| {
            c.speech.read_back_number = parse_bool("read_back_number", v)?;
            Ok(())
        },
    }
    "widget_id" => widget_id {
        meaning: "widget for the \"are callbacks offered\" check",
        default: "none",
        set: |c, v| {
            // It becomes a URL path segment: `.` or `..` would change the path.
            let valid = v.len() <= MAX_WIDGET_ID
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if !valid {
                return Err(invalid(format!(
                    "widget_id may hold only letters, digits, - and _ (at most \
                     {MAX_WIDGET_ID}), not {v:?}"
                )));
            }
            c.widget_id = Some(v.to_string());
            Ok(())
        },
    }
    "cache_ttl_ms" => cache_ttl {
        meaning: "reuse a found answer for the same number this long (0 disables)",
        default: "3000",
        set: |c, v| {
            c.cache_ttl = parse_millis("cache_ttl_ms", v, MAX_TTL_MS)?;
            Ok(())
        },
    }
    "not_found_ttl_ms" => not_found_ttl {
        meaning: "reuse a not-found answer for the same number this long (0 disables)",
        default: "1000",
        set: |c, v| {
            c.not_found_ttl = parse_millis("not_found_ttl_ms", v, MAX_TTL_MS)?;
            Ok(())
        },
    }
    "breaker_threshold" => breaker_threshold {
        meaning: "consecutive failures that open the circuit breaker (0 disables)",
        default: "5",
        set: |c, v| {
            let n = parse_number("breaker_threshold", v)?;
            c.breaker_threshold = u32::try_from(n)
                .ok()
                .filter(|n| *n <= 1000)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidConfig,
                        "breaker_threshold must be at most 1000",
                    )
                })?;
            Ok(())
        },
    }
    "breaker_cooldown_ms" => breaker_cooldown {
        meaning: "how long the open circuit breaker answers without calling the API",
        default: "30000",
        set: |c, v| {
            c.breaker_cooldown = parse_millis("breaker_cooldown_ms", v, MAX_TTL_MS)?;
            Ok(())
        },
    }
    "ca_bundle" => ca_bundle {
        meaning: "PEM file of CAs to trust instead of Mozilla's roots (corporate TLS proxy)",
        default: "none",
        set: |c, v| {
            c.ca_bundle = Some(std::path::PathBuf::from(v));
            Ok(())
        },
    }
    "number_format" => number_format {
        meaning: "how `contact_number` is sent: `e164` (+15551234567), `digits` (15551234567), \
                  `national` (5551234567), or a list tried in order (`e164,national`, a TOML \
                  array too): a lookup asks for every listed format at once (one request each) \
                  and cancel/register use the first that found the caller; Mindful does not \
                  document which it matches on",
        default: "`e164`",
        list: true,
        set: |c, v| {
            c.number_format = NumberFormats::parse(v)?;
            Ok(())
        },
    }
    "idle_timeout_ms" => idle_timeout {
        meaning: "keep idle connections to the API this long for reuse (under the common 60 s \
                  load-balancer idle limit); a server's smaller `Keep-Alive: timeout=N` wins",
        default: "55000",
        set: |c, v| {
            c.idle_timeout = parse_millis("idle_timeout_ms", v, MAX_IDLE_TIMEOUT_MS)?;
            Ok(())
        },
    }
    "prewarm" => prewarm {
        meaning: "open one connection (DNS, TCP, TLS) in the background right after the client \
                  is made, so the first lookup costs one round trip",
        default: "on (FastAGI, PBX modules, `cb_client_new`); off for `cbstatus lookup` and the \
                  native AGI",
        set: |c, v| {
            c.prewarm = Some(parse_bool("prewarm", v)?);
            Ok(())
        },
    }
    "prefetch_ttl_ms" => prefetch_ttl {
        meaning: "how long a prefetched answer waits for its lookup",
        default: "30000",
        set: |c, v| {
            c.prefetch_ttl = parse_millis("prefetch_ttl_ms", v, MAX_TTL_MS)?;
            Ok(())
        },
    }
    "prefetch_max" => prefetch_max {
        meaning: "most prefetches in flight (more are ignored; 0 disables prefetch)",
        default: "64",
        set: |c, v| {
            let n = parse_number("prefetch_max", v)?;
            if n > MAX_PREFETCH {
                return Err(invalid(format!("prefetch_max must be at most {MAX_PREFETCH}")));
            }
            c.prefetch_max = n as usize;
            Ok(())
        },
    }
    "profile" => profile {
        meaning: "which `[profiles.NAME]` table of the file to apply (also `--profile NAME`, \
                  FastAGI `?profile=NAME`); unknown: an error naming it",
        default: "none",
        set: |c, v| c.select_profile(v),
    }
    "proxy" => proxy {
        meaning: "HTTP proxy to reach the API through (`http://user:password@host:port`, \
                  tunnelled with CONNECT), overriding `https_proxy`/`HTTPS_PROXY`, \
                  `all_proxy`/`ALL_PROXY` (`http_proxy` for an `http://` URL) and `no_proxy`; \
                  `none` ignores them; SOCKS is refused",
        default: "the environment's, as curl reads it",
        set: |c, v| {
            c.proxy = Some(ProxySetting::parse(v)?);
            Ok(())
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_unique_and_nul_terminated_once() {
        let mut seen = std::collections::HashSet::new();
        for key in KEY_TABLE {
            assert!(seen.insert(key.name), "{} twice", key.name);
            assert!(
                !key.name.is_empty()
                    && key
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                key.name
            );
            assert_eq!(key.c_name.to_str(), Ok(key.name));
            assert_eq!(Key::find(&key.env_var()).map(|k| k.name), Some(key.name));
            assert!(!key.meaning.is_empty() && !key.default.is_empty());
        }
        assert!(Key::find("no_such_key").is_none());
    }

    #[test]
    fn a_default_stated_as_a_value_is_the_actual_default() {
        let fresh = format!("{:?}", Config::new());
        let mut values = 0;
        for key in KEY_TABLE {
            let stated = key.default.trim_matches('`');
            let is_a_value = stated
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !is_a_value || ["none", "required"].contains(&stated) {
                continue;
            }
            values += 1;
            let mut config = Config::new();
            config.set(key.name, stated).unwrap();
            assert_eq!(
                format!("{config:?}"),
                fresh,
                "{}'s stated default",
                key.name
            );
        }
        assert!(values >= 15, "{values}");
    }

    #[test]
    fn every_key_sets_its_field_and_an_empty_value_restores_it() {
        let examples = [
            ("api_url", "http://127.0.0.1:9/api/organization/1"),
            ("api_token", "tok-1"),
            ("auth_header", "X-Api-Key"),
            ("auth_scheme", "Token"),
            ("timeout_ms", "1500"),
            ("locale", "es-US"),
            ("timezone", "Pacific/Chatham"),
            ("default_country", "44"),
            ("eta_style", "range"),
            ("eta_min_minutes", "2"),
            ("eta_max_minutes", "none"),
            ("read_back_number", "yes"),
            ("widget_id", "w-1"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "250"),
            ("breaker_threshold", "3"),
            ("breaker_cooldown_ms", "1000"),
            ("ca_bundle", "/etc/ssl/corp.pem"),
            ("number_format", "national"),
            ("idle_timeout_ms", "20000"),
            ("prewarm", "off"),
            ("prefetch_ttl_ms", "5000"),
            ("prefetch_max", "8"),
            ("profile", "p"),
            ("proxy", "http://u:p@proxy.example:3128"),
        ];
        assert_eq!(examples.map(|(name, _)| name), KEYS, "an example per key");
        for (name, example) in examples {
            let mut config = Config::new();
            config.apply_toml("[profiles.p]\n").unwrap();
            let before = format!("{config:?}");
            config.set(name, example).unwrap();
            assert_ne!(
                format!("{config:?}"),
                before,
                "{name} = {example:?} changed nothing"
            );
            if name == "auth_scheme" {
                config.set(name, "").unwrap();
                assert_eq!(config.auth_scheme, "", "empty: the bare token");
                continue;
            }
            config.set(name, "").unwrap();
            assert_eq!(
                format!("{config:?}"),
                before,
                "{name} = \"\" restores the default"
            );
        }
    }
}
