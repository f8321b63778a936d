//! Configuration: the same keys from environment variables, a TOML file, or C setters.
//!
//! | key | env var | default |
//! |---|---|---|
//! | `api_url` | `CBSTATUS_API_URL` | required |
//! | `api_token` | `CBSTATUS_API_TOKEN` | none |
//! | `auth_header` | `CBSTATUS_AUTH_HEADER` | `Authorization` |
//! | `auth_scheme` | `CBSTATUS_AUTH_SCHEME` | `Bearer` |
//! | `timeout_ms` | `CBSTATUS_TIMEOUT_MS` | 2000 |
//! | `locale` | `CBSTATUS_LOCALE` | `en-US` |
//! | `timezone` | `CBSTATUS_TIMEZONE` | system zone, else UTC |
//! | `default_country` | `CBSTATUS_DEFAULT_COUNTRY` | 1 |
//! | `number_format` | `CBSTATUS_NUMBER_FORMAT` | `e164` (or `digits`, `national`) |
//! | `eta_style` | `CBSTATUS_ETA_STYLE` | `exact` |
//! | `eta_min_minutes` | `CBSTATUS_ETA_MIN_MINUTES` | none |
//! | `eta_max_minutes` | `CBSTATUS_ETA_MAX_MINUTES` | 90 |
//! | `read_back_number` | `CBSTATUS_READ_BACK_NUMBER` | false |
//! | `widget_id` | `CBSTATUS_WIDGET_ID` | none |
//! | `cache_ttl_ms` | `CBSTATUS_CACHE_TTL_MS` | 3000 (0 disables) |
//! | `not_found_ttl_ms` | `CBSTATUS_NOT_FOUND_TTL_MS` | 1000 |
//! | `breaker_threshold` | `CBSTATUS_BREAKER_THRESHOLD` | 5 consecutive failures (0 disables) |
//! | `breaker_cooldown_ms` | `CBSTATUS_BREAKER_COOLDOWN_MS` | 30000 |
//! | `ca_bundle` | `CBSTATUS_CA_BUNDLE` | none: Mozilla's roots (webpki-roots) |
//! | `idle_timeout_ms` | `CBSTATUS_IDLE_TIMEOUT_MS` | 55000 (a server's smaller `Keep-Alive: timeout` wins) |
//! | `prewarm` | `CBSTATUS_PREWARM` | on, except `cbstatus lookup` and the native AGI |
//! | `prefetch_ttl_ms` | `CBSTATUS_PREFETCH_TTL_MS` | 30000 |
//! | `prefetch_max` | `CBSTATUS_PREFETCH_MAX` | 64 prefetches in flight |
//!
//! `CBSTATUS_CONFIG` names a TOML file holding the same keys (lower case, no prefix) and, in
//! `[templates.<locale>]` tables, reworded sentences. The file is read first; environment
//! variables override it.

use crate::error::{Error, ErrorKind, Result};
use crate::log::{log, Level};
use crate::number::{CountryCode, NumberFormat};
use crate::speech::{EtaStyle, Locale, SpeechOptions, Templates};
use jiff::tz::TimeZone;
use std::fmt;
use std::path::Path;
use std::time::Duration;

mod files;
mod profiles;
mod url;

pub(crate) use files::read_bounded;

pub use profiles::PROFILE_ENV;
pub use url::ApiUrl;

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "CBSTATUS_CONFIG";

/// Every key [`Config::set`] accepts.
pub const KEYS: [&str; 24] = [
    "api_url",
    "api_token",
    "auth_header",
    "auth_scheme",
    "timeout_ms",
    "locale",
    "timezone",
    "default_country",
    "eta_style",
    "eta_min_minutes",
    "eta_max_minutes",
    "read_back_number",
    "widget_id",
    "cache_ttl_ms",
    "not_found_ttl_ms",
    "breaker_threshold",
    "breaker_cooldown_ms",
    "ca_bundle",
    "number_format",
    "idle_timeout_ms",
    "prewarm",
    "prefetch_ttl_ms",
    "prefetch_max",
    "profile",
];

/// Largest accepted `idle_timeout_ms`: no load balancer keeps an idle connection longer.
const MAX_IDLE_TIMEOUT_MS: u64 = 3_600_000;

/// Largest accepted `prefetch_max`.
const MAX_PREFETCH: u64 = 10_000;

/// Largest accepted `timeout_ms`: a caller should never wait longer than this.
const MAX_TIMEOUT_MS: u64 = 60_000;

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

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

/// The API access token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a token.
    pub fn new(token: impl Into<String>) -> Secret {
        Secret(token.into())
    }

    /// The token itself: only for building the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// All settings of a client.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `[profiles.NAME]` table applied (`profile` key, `CBSTATUS_PROFILE`), if any.
    pub profile: Option<String>,
    /// The `[profiles.*]` tables of the files read, to apply when one is selected.
    profiles: profiles::Profiles,
    /// The organization endpoint URL (required for lookups).
    pub api_url: Option<ApiUrl>,
    /// The API access token, if the organization requires one.
    pub api_token: Option<Secret>,
    /// The header carrying the token.
    pub auth_header: String,
    /// The prefix before the token in that header (empty: the bare token).
    pub auth_scheme: String,
    /// Hard deadline for a whole lookup.
    pub timeout: Duration,
    /// Zone used to say clock times and decide "today"/"tomorrow".
    pub timezone: TimeZone,
    /// Country calling code completing national caller numbers.
    pub default_country: CountryCode,
    /// How the caller number is written in requests to Mindful.
    pub number_format: NumberFormat,
    /// Widget id for the widget status endpoint.
    pub widget_id: Option<String>,
    /// What to say and how (locale, wait style, templates).
    pub speech: SpeechOptions,
    /// How long a found answer is reused for the same number.
    pub cache_ttl: Duration,
    /// How long a not-found answer is reused.
    pub not_found_ttl: Duration,
    /// Consecutive API failures that open the circuit breaker (0: never).
    pub breaker_threshold: u32,
    /// How long the open breaker answers without calling the API.
    pub breaker_cooldown: Duration,
    /// PEM file of certificate authorities to trust instead of the built-in Mozilla roots
    /// (a corporate TLS proxy's CA, or a private CA).
    pub ca_bundle: Option<std::path::PathBuf>,
    /// How long an idle pooled connection is kept for reuse (a server's smaller
    /// `Keep-Alive: timeout=N` wins for its connections). Zero: never reused.
    pub idle_timeout: Duration,
    /// Open one connection ahead, right after the client is made. `None`: the process kind
    /// decides (on for long-lived processes; `cbstatus lookup` and the native AGI turn it off).
    pub prewarm: Option<bool>,
    /// How long a prefetched answer waits for the lookup that consumes it.
    pub prefetch_ttl: Duration,
    /// Most prefetches in flight at once; more are ignored (0 disables prefetch).
    pub prefetch_max: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: None,
            profiles: profiles::Profiles::default(),
            api_url: None,
            api_token: None,
            auth_header: "Authorization".to_string(),
            auth_scheme: "Bearer".to_string(),
            timeout: Duration::from_millis(2000),
            timezone: files::system_zone(),
            default_country: CountryCode::default(),
            number_format: NumberFormat::default(),
            widget_id: None,
            speech: SpeechOptions::default(),
            cache_ttl: Duration::from_millis(3000),
            not_found_ttl: Duration::from_millis(1000),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_millis(30_000),
            ca_bundle: None,
            idle_timeout: Duration::from_millis(55_000),
            prewarm: None,
            prefetch_ttl: Duration::from_millis(30_000),
            prefetch_max: 64,
        }
    }
}

impl Config {
    /// Defaults, nothing configured.
    pub fn new() -> Config {
        Config::default()
    }

    /// Read `CBSTATUS_CONFIG` (if set), apply the profile `CBSTATUS_PROFILE` names (else the
    /// one the file's `profile` key names), then the `CBSTATUS_*` environment variables.
    pub fn from_env() -> Result<Config> {
        Config::load(&[], None)
    }

    /// Apply a TOML configuration file.
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let text = read_config_file(path)?;
        self.apply_toml(&text)
            .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.detail())))
    }

    /// Apply TOML text holding keys of [`KEYS`], optional `[templates.<locale>]` tables and
    /// `[profiles.NAME]` tables (each holding keys and templates that override the top level
    /// when the profile is selected). A `profile` key selects one: its table is applied after
    /// the top-level keys. A profile selected before (with [`Config::set`]) is applied again
    /// over this file's keys.
    pub fn apply_toml(&mut self, text: &str) -> Result<()> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("invalid TOML: {}", e.message()),
            )
        })?;
        let named = self.apply_file_table(&table)?;
        match named.or_else(|| self.profile.clone()) {
            Some(profile) => self.set("profile", &profile),
            None => Ok(()),
        }
    }

    /// Apply the keys and templates of one table (the top level of a file, or a profile).
    fn apply_table(&mut self, table: &toml::Table) -> Result<()> {
        for (key, value) in table {
            if key == "templates" {
                let toml::Value::Table(templates) = value else {
                    return Err(Error::new(
                        ErrorKind::InvalidConfig,
                        "templates must be a table of [templates.<locale>] tables",
                    ));
                };
                self.speech.templates = Templates::from_toml_table(templates)
                    .map_err(|e| Error::new(ErrorKind::InvalidConfig, e.to_string()))?;
                continue;
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(Error::new(
                        ErrorKind::InvalidConfig,
                        format!(
                            "{key} must be a string, number or boolean, not {}",
                            other.type_str()
                        ),
                    ))
                }
            };
            tolerate(self.set(key, &text))?;
        }
        Ok(())
    }

    /// Set one key from its text form. Keys are those of [`KEYS`]; the `CBSTATUS_` env var
    /// spelling is accepted too. An empty value restores the key's default, except for
    /// `auth_scheme`, where empty means "send the bare token".
    ///
    /// An unknown `locale` is replaced by English (`en-US`) and reported as an
    /// [`ErrorKind::UnknownLocale`] error, which is only a warning: the setting was applied.
    /// [`Config::from_env`] and [`Config::apply_toml`] log such warnings and go on.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key.trim();
        let normalized = key
            .strip_prefix("CBSTATUS_")
            .unwrap_or(key)
            .to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() && normalized != "auth_scheme" && KEYS.contains(&normalized.as_str()) {
            self.reset(&normalized);
            return Ok(());
        }
        let invalid = |why: String| Err(Error::new(ErrorKind::InvalidConfig, why));
        match normalized.as_str() {
            "profile" => self.select_profile(value)?,
            "api_url" => {
                self.api_url = if value.is_empty() {
                    None
                } else {
                    Some(ApiUrl::parse(value)?)
                }
            }
            "api_token" => {
                // It goes into an HTTP header value: printable ASCII only (the value itself is
                // never echoed).
                if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return invalid(
                        "api_token holds a non-ASCII or control character; copy the token \
                         exactly as the Mindful UI shows it"
                            .to_string(),
                    );
                }
                self.api_token = (!value.is_empty()).then(|| Secret::new(value));
            }
            "auth_header" => {
                // An RFC 9110 token, and not a header that frames the request: a token sent
                // as `Content-Length` or `Host` would corrupt or redirect it.
                let valid = !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if !valid {
                    return invalid(format!(
                        "auth_header must be an HTTP header name, not {value:?}"
                    ));
                }
                if RESERVED_HEADERS
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(value))
                {
                    return invalid(format!(
                        "auth_header cannot be {value}: cbstatus sets that header itself \
                         (use e.g. Authorization or X-Api-Key)"
                    ));
                }
                self.auth_header = value.to_string();
            }
            "auth_scheme" => {
                if value
                    .chars()
                    .any(|c| !c.is_ascii() || c.is_control() || c == ' ')
                {
                    return invalid(format!(
                        "auth_scheme must be one word such as Bearer, not {value:?}"
                    ));
                }
                self.auth_scheme = value.to_string();
            }
            "timeout_ms" => {
                let ms = parse_number(&normalized, value)?;
                if !(1..=MAX_TIMEOUT_MS).contains(&ms) {
                    return invalid(format!(
                        "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, not {ms}"
                    ));
                }
                self.timeout = Duration::from_millis(ms);
            }
            "locale" => match Locale::parse(value) {
                Ok(locale) => self.speech.locale = locale,
                Err(unknown) => {
                    // Callers still hear something: English, with the problem reported.
                    self.speech.locale = unknown.fallback();
                    return Err(unknown.to_error());
                }
            },
            "timezone" => {
                self.timezone = if value.is_empty() {
                    files::system_zone()
                } else {
                    TimeZone::get(value).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidConfig,
                            format!("timezone {value:?} is not an IANA time zone such as America/New_York ({e})"),
                        )
                    })?
                };
            }
            "default_country" => self.default_country = CountryCode::parse(value)?,
            "number_format" => self.number_format = NumberFormat::parse(value)?,
            "eta_style" => {
                self.speech.eta.style = value.parse::<EtaStyle>().map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidConfig,
                        format!("eta_style must be exact or range, not {value:?}"),
                    )
                })?;
            }
            "eta_min_minutes" => {
                self.speech.eta.min_minutes = parse_optional_minutes(&normalized, value)?
            }
            "eta_max_minutes" => {
                self.speech.eta.max_minutes = parse_optional_minutes(&normalized, value)?
            }
            "read_back_number" => self.speech.read_back_number = parse_bool(&normalized, value)?,
            "widget_id" => {
                // It becomes a URL path segment: `.` or `..` would change the path.
                let valid = value.len() <= MAX_WIDGET_ID
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
                if !valid {
                    return invalid(format!(
                        "widget_id may hold only letters, digits, - and _ (at most \
                         {MAX_WIDGET_ID}), not {value:?}"
                    ));
                }
                self.widget_id = (!value.is_empty()).then(|| value.to_string());
            }
            "cache_ttl_ms" => self.cache_ttl = parse_millis(&normalized, value, 3_600_000)?,
            "not_found_ttl_ms" => self.not_found_ttl = parse_millis(&normalized, value, 3_600_000)?,
            "breaker_threshold" => {
                let n = parse_number(&normalized, value)?;
                self.breaker_threshold =
                    u32::try_from(n)
                        .ok()
                        .filter(|n| *n <= 1000)
                        .ok_or_else(|| {
                            Error::new(
                                ErrorKind::InvalidConfig,
                                "breaker_threshold must be at most 1000",
                            )
                        })?;
            }
            "breaker_cooldown_ms" => {
                self.breaker_cooldown = parse_millis(&normalized, value, 3_600_000)?
            }
            "ca_bundle" => {
                self.ca_bundle = (!value.is_empty()).then(|| std::path::PathBuf::from(value))
            }
            "idle_timeout_ms" => {
                self.idle_timeout = parse_millis(&normalized, value, MAX_IDLE_TIMEOUT_MS)?
            }
            "prewarm" => self.prewarm = Some(parse_bool(&normalized, value)?),
            "prefetch_ttl_ms" => self.prefetch_ttl = parse_millis(&normalized, value, 3_600_000)?,
            "prefetch_max" => {
                let n = parse_number(&normalized, value)?;
                if n > MAX_PREFETCH {
                    return invalid(format!("prefetch_max must be at most {MAX_PREFETCH}"));
                }
                self.prefetch_max = n as usize;
            }
            _ => {
                return invalid(format!(
                    "unknown setting {key:?}; known settings are {}",
                    KEYS.join(", ")
                ))
            }
        }
        Ok(())
    }

    /// Restore one key (of [`KEYS`]) to its default.
    fn reset(&mut self, key: &str) {
        let d = Config::default();
        match key {
            "profile" => self.profile = d.profile,
            "api_url" => self.api_url = d.api_url,
            "api_token" => self.api_token = d.api_token,
            "auth_header" => self.auth_header = d.auth_header,
            "auth_scheme" => self.auth_scheme = d.auth_scheme,
            "timeout_ms" => self.timeout = d.timeout,
            "locale" => self.speech.locale = d.speech.locale,
            "timezone" => self.timezone = d.timezone,
            "default_country" => self.default_country = d.default_country,
            "number_format" => self.number_format = d.number_format,
            "eta_style" => self.speech.eta.style = d.speech.eta.style,
            "eta_min_minutes" => self.speech.eta.min_minutes = d.speech.eta.min_minutes,
            "eta_max_minutes" => self.speech.eta.max_minutes = d.speech.eta.max_minutes,
            "read_back_number" => self.speech.read_back_number = d.speech.read_back_number,
            "widget_id" => self.widget_id = d.widget_id,
            "cache_ttl_ms" => self.cache_ttl = d.cache_ttl,
            "not_found_ttl_ms" => self.not_found_ttl = d.not_found_ttl,
            "breaker_threshold" => self.breaker_threshold = d.breaker_threshold,
            "breaker_cooldown_ms" => self.breaker_cooldown = d.breaker_cooldown,
            "ca_bundle" => self.ca_bundle = d.ca_bundle,
            "idle_timeout_ms" => self.idle_timeout = d.idle_timeout,
            "prewarm" => self.prewarm = d.prewarm,
            "prefetch_ttl_ms" => self.prefetch_ttl = d.prefetch_ttl,
            "prefetch_max" => self.prefetch_max = d.prefetch_max,
            _ => {}
        }
    }

    /// The API URL, or a [`ErrorKind::NotConfigured`] error saying how to set it.
    pub fn require_api_url(&self) -> Result<&ApiUrl> {
        self.api_url.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::NotConfigured,
                "no API URL: set CBSTATUS_API_URL (or api_url in the CBSTATUS_CONFIG file) to the \
                 organization endpoint URL from the Mindful UI (Scheduler > API > API Endpoints)",
            )
        })
    }
}

/// The text of a configuration file: a regular file of at most [`MAX_CONFIG_BYTES`], refused
/// at once otherwise (a FIFO, `/dev/zero`: see `config/files.rs`).
fn read_config_file(path: &Path) -> Result<String> {
    let bytes = read_bounded(path, MAX_CONFIG_BYTES).map_err(|why| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("config file {} {why}", path.display()),
        )
    })?;
    String::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("config file {} is not valid UTF-8", path.display()),
        )
    })
}

/// Let a warning-only error ([`ErrorKind::UnknownLocale`]) through as a logged warning.
pub fn tolerate(result: Result<()>) -> Result<()> {
    match result {
        Err(warning) if warning.kind() == ErrorKind::UnknownLocale => {
            log!(Level::Warn, "{warning}");
            Ok(())
        }
        other => other,
    }
}

fn parse_number(key: &str, value: &str) -> Result<u64> {
    value.parse::<u64>().map_err(|_| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("{key} must be a whole number, not {value:?}"),
        )
    })
}

fn parse_millis(key: &str, value: &str, max: u64) -> Result<Duration> {
    let ms = parse_number(key, value)?;
    if ms > max {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!("{key} must be at most {max}"),
        ));
    }
    Ok(Duration::from_millis(ms))
}

fn parse_optional_minutes(key: &str, value: &str) -> Result<Option<u32>> {
    if value.is_empty() || value.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let n = parse_number(key, value)?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= 24 * 60)
        .map(Some)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("{key} must be at most 1440 minutes"),
            )
        })
}

fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(Error::new(
            ErrorKind::InvalidConfig,
            format!("{key} must be true or false, not {value:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let c = Config::new();
        assert!(c.api_url.is_none());
        assert_eq!(c.auth_header, "Authorization");
        assert_eq!(c.auth_scheme, "Bearer");
        assert_eq!(c.timeout, Duration::from_millis(2000));
        assert_eq!(c.default_country.as_str(), "1");
        assert_eq!(
            c.require_api_url().unwrap_err().kind(),
            ErrorKind::NotConfigured
        );
    }

    #[test]
    fn set_every_key_and_reject_bad_values() {
        let mut c = Config::new();
        c.set(
            "api_url",
            "http://127.0.0.1:9/api/organization/1/callback_status",
        )
        .unwrap();
        c.set("CBSTATUS_TIMEOUT_MS", "1500").unwrap();
        c.set("timezone", "America/Chicago").unwrap();
        c.set("default_country", "44").unwrap();
        c.set("api_token", "tok-123").unwrap();
        c.set("eta_style", "range").unwrap();
        c.set("eta_min_minutes", "2").unwrap();
        c.set("eta_max_minutes", "none").unwrap();
        c.set("read_back_number", "yes").unwrap();
        c.set("widget_id", "w-1").unwrap();
        c.set("locale", "es-US").unwrap();
        c.set("cache_ttl_ms", "0").unwrap();
        c.set("not_found_ttl_ms", "250").unwrap();
        c.set("breaker_threshold", "3").unwrap();
        c.set("breaker_cooldown_ms", "1000").unwrap();
        c.set("ca_bundle", "/etc/ssl/corp.pem").unwrap();
        c.set("idle_timeout_ms", "20000").unwrap();
        c.set("prewarm", "off").unwrap();
        c.set("prefetch_ttl_ms", "5000").unwrap();
        c.set("CBSTATUS_PREFETCH_MAX", "8").unwrap();
        assert_eq!(c.idle_timeout, Duration::from_millis(20_000));
        assert_eq!(c.prewarm, Some(false));
        assert_eq!(c.prefetch_ttl, Duration::from_millis(5000));
        assert_eq!(c.prefetch_max, 8);
        assert_eq!(c.cache_ttl, Duration::ZERO);
        assert_eq!(c.not_found_ttl, Duration::from_millis(250));
        assert_eq!(c.breaker_threshold, 3);
        assert_eq!(c.timeout, Duration::from_millis(1500));
        assert_eq!(c.timezone.iana_name(), Some("America/Chicago"));
        assert_eq!(c.speech.eta.min_minutes, Some(2));
        assert_eq!(c.speech.eta.max_minutes, None);
        assert!(c.speech.read_back_number);
        assert!(
            !format!("{c:?}").contains("tok-123"),
            "token leaked in Debug"
        );

        for (key, value) in [
            ("timeout_ms", "0"),
            ("timeout_ms", "abc"),
            ("timeout_ms", "999999"),
            ("timezone", "Mars/Olympus"),
            ("default_country", "abc"),
            ("eta_style", "vague"),
            ("locale", "fr-FR"),
            ("read_back_number", "maybe"),
            ("auth_header", "Bad Header"),
            ("widget_id", "../etc"),
            ("no_such_key", "1"),
            ("api_url", "http://example.com/api"),
            ("cache_ttl_ms", "-1"),
            ("breaker_threshold", "99999"),
            ("idle_timeout_ms", "3600001"),
            ("prewarm", "sometimes"),
            ("prefetch_ttl_ms", "x"),
            ("prefetch_max", "10001"),
        ] {
            let want = if key == "locale" {
                ErrorKind::UnknownLocale
            } else {
                ErrorKind::InvalidConfig
            };
            assert_eq!(c.set(key, value).unwrap_err().kind(), want, "{key}={value}");
        }
        assert_eq!(
            c.speech.locale.tag(),
            "en-US",
            "unknown locale: English was applied"
        );
    }

    #[test]
    fn empty_values_restore_defaults() {
        let mut c = Config::new();
        for (key, value) in [
            ("locale", "es-US"),
            ("timeout_ms", "100"),
            ("eta_max_minutes", "30"),
            ("api_token", "t"),
            ("cache_ttl_ms", "0"),
            ("idle_timeout_ms", "1"),
            ("prewarm", "true"),
            ("prefetch_max", "0"),
        ] {
            c.set(key, value).unwrap();
            c.set(key, "").unwrap();
        }
        let d = Config::new();
        assert_eq!(c.speech, d.speech);
        assert_eq!((c.timeout, c.cache_ttl), (d.timeout, d.cache_ttl));
        assert!(c.api_token.is_none());
        assert_eq!(
            (c.idle_timeout, c.prewarm, c.prefetch_max),
            (d.idle_timeout, None, d.prefetch_max)
        );
        assert_eq!(
            c.set("no_such_key", "").unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
    }

    #[test]
    fn toml_file_keys() {
        let mut c = Config::new();
        c.apply_toml(
            "api_url = \"http://localhost:8080/api/organization/abc\"\ntimeout_ms = 750\nread_back_number = true\n",
        )
        .unwrap();
        assert_eq!(c.timeout, Duration::from_millis(750));
        assert!(c.speech.read_back_number);
        let err = c.apply_toml("timeout_ms = [1]").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        let err = c.apply_toml("timeout_ms = ").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        c.apply_toml("locale = \"fr-FR\"").unwrap();
        assert_eq!(
            c.speech.locale.tag(),
            "en-US",
            "unknown locale: English, and a warning"
        );
        let err = c.apply_toml("bogus = 1").unwrap_err();
        assert!(err.detail().contains("bogus"));
    }
}
