//! The configuration stage: load the settings exactly as every other subcommand does
//! (`common::config_from`), then say where each key that is not at its default came from
//! (file, profile, environment), the token only as present or absent, and what is unknown
//! (keys no setting has, `CBSTATUS_*` variables that set nothing) or unused (a value
//! overridden by the environment, `auth_header`/`auth_scheme` without a token).
//!
//! The provenance is read from the same inputs `Config::load` reads (the `CBSTATUS_CONFIG`
//! file, then `--config`, the selected profile, the environment), in its order, against
//! `KEY_TABLE`: a key cannot be known here and unknown there.

use super::{clean, Stage, Verdict};
use cbstatus::config::{ProxySetting, CONFIG_ENV, KEY_TABLE, PROFILE_ENV};
use cbstatus::Config;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The settings loaded, and where each came from.
pub struct Loaded {
    pub config: Config,
    /// Key name → the raw text it was given (for keys not at their default), never the token.
    pub raw: Map<String, Value>,
    /// Locales named anywhere in the files (top level and every profile), and the effective one.
    pub locales: Vec<String>,
}

/// Where a key's effective value came from.
enum Source {
    Default,
    File(PathBuf),
    Profile(String),
    Environment(String),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::Default => "default".into(),
            Source::File(p) => format!("file {}", p.display()),
            Source::Profile(name) => format!("profile {name}"),
            Source::Environment(var) => format!("environment {var}"),
        }
    }
}

/// Names a file table may hold besides the keys.
const FILE_TABLES: [&str; 3] = ["templates", "profile", "profiles"];

/// `CBSTATUS_*` variables that are not keys but are read (or set) by cbstatus on purpose.
const OTHER_VARIABLES: [&str; 3] = [CONFIG_ENV, PROFILE_ENV, "CBSTATUS_BLESS"];

pub fn check(
    file: Option<&PathBuf>,
    profile: Option<&str>,
    stages: &mut Vec<Stage>,
) -> Option<Loaded> {
    let started = Instant::now();
    let mut files: Vec<PathBuf> = std::env::var_os(CONFIG_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    files.extend(file.cloned());
    let tables: Vec<(PathBuf, toml::Table)> = files
        .iter()
        .filter_map(|p| Some((p.clone(), read_table(p)?)))
        .collect();
    let mut unknown = unknown_keys(&tables);
    unknown.extend(unknown_variables());
    let config = match crate::common::config_from(file, profile, &[]) {
        Ok(config) => config,
        Err(error) => {
            let stage = Stage::fail(
                "configuration",
                clean(&error.to_string(), 300),
                "correct the setting named (keys and their values are listed in the README's \
                 configuration table and `man cbstatus`)",
            )
            .fact("files", paths(&files))
            .fact("unknown", unknown)
            .timed(started);
            stages.push(stage);
            return None;
        }
    };
    let selected = config.profile.clone();
    let mut keys = Map::new();
    let mut raw = Map::new();
    let mut unused = Vec::new();
    let mut shown = Vec::new();
    for key in KEY_TABLE.iter().filter(|k| k.name != "profile") {
        let env = std::env::var(key.env_var()).ok();
        let in_profile = selected.as_ref().and_then(|name| {
            tables.iter().rev().find_map(|(_, t)| {
                let p = t.get("profiles")?.as_table()?.get(name)?.as_table()?;
                p.get(key.name).map(|v| (name.clone(), v.clone()))
            })
        });
        let in_file = tables
            .iter()
            .rev()
            .find_map(|(path, t)| t.get(key.name).map(|v| (path.clone(), v.clone())));
        let (source, text) = match (&env, &in_profile, &in_file) {
            (Some(v), _, _) => (Source::Environment(key.env_var()), v.clone()),
            (None, Some((name, v)), _) => (Source::Profile(name.clone()), toml_text(v)),
            (None, None, Some((path, v))) => (Source::File(path.clone()), toml_text(v)),
            _ => (Source::Default, String::new()),
        };
        if env.is_some() && (in_profile.is_some() || in_file.is_some()) {
            unused.push(format!(
                "{} in the file is overridden by {}",
                key.name,
                key.env_var()
            ));
        }
        if matches!(source, Source::Default) {
            continue;
        }
        let value = match key.name {
            "api_token" => {
                if config.api_token.is_some() {
                    "present".to_string()
                } else {
                    "absent".to_string()
                }
            }
            "proxy" => match &config.proxy {
                Some(ProxySetting::Direct) => "none".to_string(),
                Some(ProxySetting::Via(p)) => p.to_string(),
                None => "(environment)".to_string(),
            },
            _ => clean(&text, 200),
        };
        if key.name != "api_token" {
            raw.insert(key.name.to_string(), Value::String(text.clone()));
        }
        if matches!(key.name, "auth_header" | "auth_scheme") && config.api_token.is_none() {
            unused.push(format!("{} is set but there is no api_token", key.name));
        }
        shown.push(format!("{}={} ({})", key.name, value, source.describe()));
        keys.insert(
            key.name.to_string(),
            json!({"source": source.describe(), "value": value}),
        );
    }
    let token = if config.api_token.is_some() {
        "present"
    } else {
        "absent"
    };
    let mut locales = vec![config.speech.locale.tag().to_string()];
    for (_, table) in &tables {
        let profiles = table.get("profiles").and_then(|p| p.as_table());
        let named = std::iter::once(table.get("locale"))
            .chain(profiles.into_iter().flat_map(|p| {
                p.values()
                    .map(|v| v.as_table().and_then(|t| t.get("locale")))
            }))
            .flatten()
            .filter_map(|v| v.as_str())
            .filter_map(|l| cbstatus::speech::Locale::parse(l).ok())
            .map(|l| l.tag().to_string());
        for tag in named {
            if !locales.contains(&tag) {
                locales.push(tag);
            }
        }
    }
    let at_default = KEY_TABLE.len() - 1 - shown.len();
    let mut detail = format!(
        "{}; token {token}; {} set, {at_default} at their defaults",
        match (&files[..], &selected) {
            ([], _) => "no file".to_string(),
            (f, None) => format!("file {}", paths_text(f)),
            (f, Some(p)) => format!("file {}, profile {p}", paths_text(f)),
        },
        if shown.is_empty() {
            "nothing".to_string()
        } else {
            shown.join(", ")
        }
    );
    if !unknown.is_empty() {
        detail.push_str(&format!("; unknown: {}", unknown.join(", ")));
    }
    if !unused.is_empty() {
        detail.push_str(&format!("; unused: {}", unused.join("; ")));
    }
    let mut stage = Stage::new(
        "configuration",
        if unknown.is_empty() && unused.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Warn
        },
        detail,
    );
    if !unknown.is_empty() || !unused.is_empty() {
        stage = stage.with_fix(
            "remove or correct the keys and variables listed as unknown or unused \
             (a misspelt CBSTATUS_* variable sets nothing)",
        );
    }
    if config.require_api_url().is_err() {
        stage = Stage::fail(
            "configuration",
            "no api_url",
            "set api_url (CBSTATUS_API_URL) to the organization endpoint URL from the Mindful \
             UI (Scheduler > API > API Endpoints), e.g. \
             https://ORG.scheduler-rt.getmindful.com/api/organization/562a519b54f83b56",
        );
    }
    let stage = stage
        .fact("files", paths(&files))
        .fact("profile", selected.clone())
        .fact("token", token)
        .fact("keys", keys)
        .fact("unknown", unknown.clone())
        .fact("unused", unused)
        .fact(
            "timezone",
            config.timezone.iana_name().unwrap_or("fixed offset"),
        )
        .timed(started);
    let failed = stage.verdict == Verdict::Fail;
    stages.push(stage);
    if failed {
        return None;
    }
    Some(Loaded {
        config: crate::common::short_lived(config),
        raw,
        locales,
    })
}

fn read_table(path: &Path) -> Option<toml::Table> {
    // Config::load reads the same files (bounded, never blocking) and reports their errors;
    // here an unreadable one just gives no provenance.
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1024 * 1024 {
        return None;
    }
    std::fs::read_to_string(path).ok()?.parse().ok()
}

fn toml_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Float(f) => f.to_string(),
        // A list (number_format = ["e164", "national"]) as its comma-separated text form.
        toml::Value::Array(items) => items.iter().map(toml_text).collect::<Vec<_>>().join(","),
        other => other.type_str().to_string(),
    }
}

/// Keys in the files that no setting has (top level and every profile).
fn unknown_keys(tables: &[(PathBuf, toml::Table)]) -> Vec<String> {
    let known = |name: &str| KEY_TABLE.iter().any(|k| k.name == name);
    let mut unknown = Vec::new();
    for (path, table) in tables {
        for name in table.keys() {
            if !known(name) && !FILE_TABLES.contains(&name.as_str()) {
                unknown.push(format!("{} in {}", clean(name, 64), path.display()));
            }
        }
        let profiles = table.get("profiles").and_then(|p| p.as_table());
        for (profile, t) in profiles.into_iter().flatten() {
            for name in t.as_table().into_iter().flat_map(|t| t.keys()) {
                if !known(name) && name != "templates" {
                    unknown.push(format!(
                        "{} in [profiles.{}] of {}",
                        clean(name, 64),
                        clean(profile, 64),
                        path.display()
                    ));
                }
            }
        }
    }
    unknown
}

/// `CBSTATUS_*` variables of the environment that set nothing.
fn unknown_variables() -> Vec<String> {
    let mut unknown: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("CBSTATUS_"))
        .filter(|name| !OTHER_VARIABLES.contains(&name.as_str()))
        .filter(|name| !KEY_TABLE.iter().any(|k| k.env_var() == *name))
        .map(|name| format!("environment variable {}", clean(&name, 64)))
        .collect();
    unknown.sort();
    unknown
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| p.display().to_string()).collect()
}

fn paths_text(files: &[PathBuf]) -> String {
    paths(files).join(" then ")
}
