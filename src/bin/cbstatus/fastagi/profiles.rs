//! The clients of the FastAGI server: one per profile (own connections, cache, breaker),
//! built together from the configuration and swapped whole when it is reloaded (SIGHUP).
//!
//! A call takes the current set when it starts and keeps it to its end, so a reload never
//! changes the settings of a call in progress. The counters of a profile carry over to its new
//! client, so metrics keep growing across reloads.

use cbstatus::config::tolerate;
use cbstatus::stats::Stats;
use cbstatus::{Client, Config, Error, ErrorKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The label of the top level of the configuration (no profile selected).
pub const DEFAULT_PROFILE: &str = "default";

/// Where the settings come from: re-read as a whole on every reload.
#[derive(Debug, Clone)]
pub struct Source {
    /// `--config` (after `CBSTATUS_CONFIG`).
    pub file: Option<PathBuf>,
    /// Command-line settings applied last (`--locale`).
    pub overrides: Vec<(&'static str, String)>,
}

/// One profile: its settings and its client (or why it has none: every call then gets the
/// fallback and `CBSTATUS_ERROR` says why).
pub struct Profile {
    pub name: String,
    pub config: Config,
    pub client: Result<Client, Error>,
    pub stats: Arc<Stats>,
}

impl Profile {
    /// The breaker of this profile's client is open.
    pub fn breaker_open(&self) -> bool {
        self.client.as_ref().is_ok_and(Client::breaker_open)
    }
}

/// Every profile of one configuration.
pub struct ProfileSet {
    /// The profile calls without `?profile=` get: the top level, or the profile the
    /// configuration selects (`CBSTATUS_PROFILE`, the file's `profile` key).
    default: Arc<Profile>,
    named: BTreeMap<String, Arc<Profile>>,
}

impl ProfileSet {
    /// Read the configuration and build a client per profile. `previous`: the set this one
    /// replaces, whose counters carry over. Fails when the configuration cannot be read.
    pub fn load(source: &Source, previous: Option<&ProfileSet>) -> Result<ProfileSet, Error> {
        let base = configure(source, None)?;
        let stats_of = |name: &str| {
            previous
                .and_then(|p| p.profile(name))
                .map_or_else(|| Arc::new(Stats::new()), |p| Arc::clone(&p.stats))
        };
        let mut named = BTreeMap::new();
        for name in base.profile_names() {
            let config = configure(source, Some(&name))?;
            named.insert(
                name.clone(),
                Arc::new(build(name.clone(), config, stats_of(&name))),
            );
        }
        let default = match &base.profile {
            Some(name) => named.get(name).cloned().ok_or_else(|| {
                Error::new(ErrorKind::Internal, format!("profile {name} vanished"))
            })?,
            None => Arc::new(build(
                DEFAULT_PROFILE.to_string(),
                base,
                stats_of(DEFAULT_PROFILE),
            )),
        };
        Ok(ProfileSet { default, named })
    }

    /// The profile `name` asks for (`None`: the default one). An unknown name is an error
    /// naming it: a call never silently gets another organization.
    pub fn select(&self, name: Option<&str>) -> Result<&Arc<Profile>, Error> {
        match name {
            None => Ok(&self.default),
            Some(name) => self.profile(name).ok_or_else(|| {
                let known: Vec<&str> = self.named.keys().map(String::as_str).collect();
                Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "unknown profile {name:?} (?profile=); known profiles: {}",
                        if known.is_empty() {
                            "none ([profiles.NAME] tables in the configuration file)".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            }),
        }
    }

    fn profile(&self, name: &str) -> Option<&Arc<Profile>> {
        if name == self.default.name {
            return Some(&self.default);
        }
        self.named.get(name)
    }

    /// The default profile.
    pub fn default_profile(&self) -> &Arc<Profile> {
        &self.default
    }

    /// Every distinct profile, the default first.
    pub fn all(&self) -> Vec<&Arc<Profile>> {
        let mut all = vec![&self.default];
        all.extend(
            self.named
                .values()
                .filter(|p| !Arc::ptr_eq(p, &self.default)),
        );
        all
    }

    /// The first profile without a working client, with why.
    pub fn first_failure(&self) -> Option<(&str, &Error)> {
        self.all()
            .into_iter()
            .find_map(|p| p.client.as_ref().err().map(|e| (p.name.as_str(), e)))
    }
}

/// The settings of one profile: files, profile, environment, command line.
fn configure(source: &Source, profile: Option<&str>) -> Result<Config, Error> {
    let files: Vec<&Path> = source.file.as_deref().into_iter().collect();
    let mut config = Config::load(&files, profile)?;
    for (key, value) in &source.overrides {
        tolerate(config.set(key, value))?;
    }
    Ok(config)
}

fn build(name: String, config: Config, stats: Arc<Stats>) -> Profile {
    let client = Client::with_stats(&config, Arc::clone(&stats));
    Profile {
        name,
        config,
        client,
        stats,
    }
}
