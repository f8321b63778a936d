//! Profiles: several organizations or widgets in one configuration file.
//!
//! ```toml
//! api_url = "https://acme.scheduler-rt.getmindful.com/api/organization/562a519b54f83b56"
//! timeout_ms = 1500
//!
//! [profiles.sales]
//! widget_id = "w-sales"
//!
//! [profiles.support]
//! api_url = "https://support.scheduler-rt.getmindful.com/api/organization/9c1d2e3f4a5b6c7d"
//! api_token = "..."
//! [profiles.support.templates.en-US]
//! asap_position = "Support here: you are number {position} in line."
//! ```
//!
//! A profile's table overrides any top-level key (its `[templates.*]` replace the top-level
//! ones). The `profile` setting selects one: `CBSTATUS_PROFILE`, `--profile NAME`, `profile`
//! in `cb_config_set`, FastAGI `?profile=NAME`, or a top-level `profile = "NAME"` in the file.
//! Order: the file's top level, then the selected profile, then the `CBSTATUS_*` variables.
//! An unknown profile is an error that names it: never a silent fallback to the top level
//! (another organization).

use super::parse::invalid;
use super::{read_config_file, Config, KEY_TABLE};
use crate::error::{Error, ErrorKind, Result};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Environment variable selecting a profile.
pub const PROFILE_ENV: &str = "CBSTATUS_PROFILE";

/// The `[profiles.*]` tables read so far, by name. `Debug` shows the names only: a table may
/// hold a token.
#[derive(Clone, Default)]
pub(super) struct Profiles(BTreeMap<String, toml::Table>);

impl fmt::Debug for Profiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Config {
    /// Settings as every shell of cbstatus builds them: the `CBSTATUS_CONFIG` file (if set)
    /// and `files`, in that order; then the profile `profile` (else `CBSTATUS_PROFILE`, else
    /// the one a file's `profile` key names); then the `CBSTATUS_*` environment variables.
    pub fn load(files: &[&Path], profile: Option<&str>) -> Result<Config> {
        let mut config = Config::new();
        let env_file = std::env::var_os(super::CONFIG_ENV).filter(|p| !p.is_empty());
        let mut named = None;
        for path in env_file.as_deref().map(Path::new).iter().chain(files) {
            let in_file =
                |e: Error| Error::new(e.kind(), format!("{}: {}", path.display(), e.detail()));
            let text = read_config_file(path)?;
            let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
                in_file(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("invalid TOML: {}", e.message()),
                ))
            })?;
            named = config.apply_file_table(&table).map_err(in_file)?.or(named);
        }
        let from_env = env_value(PROFILE_ENV)?.filter(|p| !p.trim().is_empty());
        if let Some(profile) = profile.map(str::to_string).or(from_env).or(named) {
            config.set("profile", &profile)?;
        }
        // `profile` was applied above, before the variables that override it.
        for key in KEY_TABLE.iter().filter(|k| k.name != "profile") {
            if let Some(value) = env_value(&key.env_var())? {
                super::tolerate(config.set(key.name, &value))?;
            }
        }
        config.check_coherence()?;
        Ok(config)
    }

    /// The names of the `[profiles.*]` tables read, sorted.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.0.keys().cloned().collect()
    }

    /// Apply the top level of a file (all but `profile` and `profiles`) and keep its
    /// `[profiles.*]` tables, each checked now (so a bad value in any profile is refused when
    /// the file is read, not when a call selects it). Returns the profile its `profile` key
    /// names, if any.
    pub(super) fn apply_file_table(&mut self, table: &toml::Table) -> Result<Option<String>> {
        let mut top = table.clone();
        let named = match top.remove("profile") {
            None => None,
            Some(toml::Value::String(name)) => Some(name),
            Some(other) => {
                return Err(invalid(format!(
                    "profile must be a profile name, not {}",
                    other.type_str()
                )))
            }
        };
        let profiles = top.remove("profiles");
        self.apply_table(&top)?;
        let Some(profiles) = profiles else {
            return Ok(named);
        };
        let toml::Value::Table(profiles) = profiles else {
            return Err(invalid(
                "profiles must hold [profiles.NAME] tables".to_string(),
            ));
        };
        for (name, value) in profiles {
            check_name(&name)?;
            let toml::Value::Table(profile) = value else {
                return Err(invalid(format!(
                    "profiles.{name} must be a table ([profiles.{name}])"
                )));
            };
            if let Some(key) = ["profile", "profiles"]
                .into_iter()
                .find(|k| profile.contains_key(*k))
            {
                return Err(invalid(format!(
                    "[profiles.{name}] may not hold {key}: profiles do not nest"
                )));
            }
            let mut check = self.clone();
            check
                .apply_table(&profile)
                .map_err(|e| invalid(format!("[profiles.{name}]: {}", e.detail())))?;
            self.profiles.0.insert(name, profile);
        }
        Ok(named)
    }

    /// Apply the table of profile `name` (the `profile` key).
    pub(super) fn select_profile(&mut self, name: &str) -> Result<()> {
        let Some(table) = self.profiles.0.get(name).cloned() else {
            let known = if self.profiles.0.is_empty() {
                "the configuration has no [profiles.*] tables".to_string()
            } else {
                format!("known profiles: {}", self.profile_names().join(", "))
            };
            return Err(invalid(format!("unknown profile {name:?}; {known}")));
        };
        self.apply_table(&table)?;
        self.profile = Some(name.to_string());
        Ok(())
    }
}

/// Profile names appear in URLs (`?profile=`), metric labels and logs: keep them plain.
/// `default` names the top level there, so it is not a profile name.
fn check_name(name: &str) -> Result<()> {
    if name == "default" {
        return Err(invalid(
            "[profiles.default]: \"default\" means the top level of the file; name the profile otherwise"
                .to_string(),
        ));
    }
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if plain {
        Ok(())
    } else {
        Err(invalid(format!(
            "profile name {name:?}: use up to 64 letters, digits, - _ and ."
        )))
    }
}

/// An environment variable, `None` when unset; not UTF-8 is an error.
fn env_value(var: &str) -> Result<Option<String>> {
    match std::env::var(var) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(invalid(format!("{var} is not valid UTF-8"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const FILE: &str = r#"
api_url = "http://127.0.0.1:9/api/organization/top"
timeout_ms = 1500
[templates.en-US]
asap_position = "Top {position}."
[profiles.sales]
widget_id = "w-sales"
[profiles.support]
api_url = "http://127.0.0.1:9/api/organization/support"
timeout_ms = 900
[profiles.support.templates.en-US]
asap_position = "Support {position}."
"#;

    #[test]
    fn a_profile_overrides_the_top_level_including_templates() {
        let mut c = Config::new();
        c.apply_toml(FILE).unwrap();
        assert_eq!(c.profile, None);
        assert_eq!(c.profile_names(), ["sales", "support"]);
        assert!(c.widget_id.is_none());
        let top = c.clone();
        c.set("profile", "support").unwrap();
        assert_eq!(c.profile.as_deref(), Some("support"));
        assert_eq!(c.timeout, Duration::from_millis(900));
        assert!(c.api_url.as_ref().unwrap().origin().contains("127.0.0.1"));
        assert_ne!(c.speech.templates, top.speech.templates);
        let mut sales = top.clone();
        sales.set("profile", "sales").unwrap();
        assert_eq!(sales.widget_id.as_deref(), Some("w-sales"));
        assert_eq!(sales.timeout, Duration::from_millis(1500), "inherited");
        assert_eq!(sales.speech.templates, top.speech.templates);
    }

    #[test]
    fn an_unknown_profile_is_an_error_naming_it() {
        let mut c = Config::new();
        let err = c.set("profile", "billing").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.detail().contains("\"billing\""), "{err}");
        c.apply_toml(FILE).unwrap();
        let before = format!("{c:?}");
        let err = c.set("profile", "billing").unwrap_err();
        assert!(err.detail().contains("billing") && err.detail().contains("sales, support"));
        assert_eq!(format!("{c:?}"), before, "nothing applied");
        let err = c.apply_toml("profile = \"nope\"").unwrap_err();
        assert!(err.detail().contains("nope"));
    }

    #[test]
    fn bad_profiles_are_refused_when_read() {
        for (text, says) in [
            ("[profiles.a]\ntimeout_ms = 0", "[profiles.a]"),
            ("[profiles.a]\nbogus = 1", "bogus"),
            ("profiles = 3", "[profiles.NAME]"),
            ("[profiles]\na = 1", "profiles.a must be a table"),
            ("[profiles.\"a b\"]\ntimeout_ms = 1", "profile name"),
            ("[profiles.a]\nprofile = \"b\"", "do not nest"),
            ("[profiles.default]\ntimeout_ms = 1", "top level"),
        ] {
            let err = Config::new().apply_toml(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(err.detail().contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn the_file_may_name_its_profile_and_debug_hides_profile_tokens() {
        let mut c = Config::new();
        c.apply_toml(&format!(
            "profile = \"sales\"\n{FILE}\n[profiles.secret]\napi_token = \"tok-hidden\""
        ))
        .unwrap();
        assert_eq!(c.profile.as_deref(), Some("sales"));
        assert_eq!(c.widget_id.as_deref(), Some("w-sales"));
        assert!(!format!("{c:?}").contains("tok-hidden"));
    }
}
