//! Configuration: the same keys from environment variables, a TOML file, or C setters.
//!
//! The keys, their meanings and defaults are declared once, in [`KEY_TABLE`] (`config/keys.rs`);
//! the README's table is rendered from it. Each key `name` is read from the environment
//! variable `CBSTATUS_NAME` (upper case).
//!
//! `CBSTATUS_CONFIG` names a TOML file holding the same keys (lower case, no prefix) and, in
//! `[templates.<locale>]` tables, reworded sentences. The file is read first; environment
//! variables override it.

use crate::error::{Error, ErrorKind, Result};
use crate::log::{log, Level};
use crate::number::{CountryCode, NumberFormats};
use crate::speech::{SpeechOptions, Templates};
use jiff::tz::TimeZone;
use std::fmt;
use std::path::Path;
use std::time::Duration;

mod coherence;
mod files;
mod keys;
mod parse;
mod profiles;
mod proxy;
mod url;

pub(crate) use files::read_bounded;

pub use keys::{Key, KEYS, KEY_TABLE};

pub use profiles::PROFILE_ENV;
pub use proxy::{ProxySetting, ProxyUrl};
pub use url::ApiUrl;

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "CBSTATUS_CONFIG";

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

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
    /// How the caller number is written in requests to Mindful: the formats a lookup tries
    /// at once, in order (see `number/formats.rs`).
    pub number_format: NumberFormats,
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
    /// The HTTP proxy to reach the API through, or [`ProxySetting::Direct`]; `None`: as the
    /// environment says (`https_proxy`, ..., `no_proxy`; see `mindful/proxy`).
    pub proxy: Option<ProxySetting>,
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
            number_format: NumberFormats::default(),
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
            proxy: None,
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
        if let Some(profile) = named.or_else(|| self.profile.clone()) {
            self.set("profile", &profile)?;
        }
        self.check_coherence()
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
                self.speech.templates = Templates::from_toml_table(templates)?;
                continue;
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) if Key::find(key).is_some_and(|k| k.list) => {
                    list_text(key, items)?
                }
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
        let Some(found) = Key::find(key) else {
            return Err(parse::invalid(format!(
                "unknown setting {:?}; known settings are {}",
                key.trim(),
                KEYS.join(", ")
            )));
        };
        let value = value.trim();
        if value.is_empty() && !found.empty_is_a_value {
            (found.reset)(self, Config::default());
            return Ok(());
        }
        (found.set)(self, value)
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

/// A TOML array of strings for a list-valued key: its items joined by `,`, the text form
/// `Config::set` reads (an item holding a `,` would read as two, so it is refused).
fn list_text(key: &str, items: &[toml::Value]) -> Result<String> {
    let mut texts = Vec::with_capacity(items.len());
    for item in items {
        match item {
            toml::Value::String(s) if !s.contains(',') => texts.push(s.as_str()),
            other => {
                let holding = match other {
                    toml::Value::String(s) => format!("the item {s:?}, which holds a comma"),
                    other => format!("a value of type {}", other.type_str()),
                };
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "{key} must be a string or an array of names such as \
                         [\"e164\", \"national\"], not an array holding {holding}"
                    ),
                ));
            }
        }
    }
    if texts.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!("{key} is an empty array; name at least one, e.g. [\"e164\"]"),
        ));
    }
    Ok(texts.join(","))
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
