//! What the request commands share (`lookup`, `cancel`, `widget`, `offer`, `register`, and the
//! AGI's settings): their common options, the configuration and client made from them, and
//! how a result is printed and turned into an exit status.

use crate::exit::{EXIT_LOOKUP_FAILED, EXIT_OK, EXIT_USAGE};
use cbstatus::config::tolerate;
use cbstatus::log::Level;
use cbstatus::speech::Format;
use cbstatus::{Client, Config, ErrorKind, LookupResult};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Output format.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum OutputFormat {
    /// Plain sentences for a TTS engine.
    Text,
    /// An SSML <speak> document.
    Ssml,
    /// An &-joined list of Asterisk sound files for Playback().
    Prompts,
    /// A JSON object with every field, the error and all three renderings.
    Json,
}

/// Options shared by the request commands.
#[derive(clap::Args)]
pub struct Common {
    /// What to print.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: OutputFormat,
    /// Speech language (en-US, es-US, fr-CA); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// IANA time zone for clock times; overrides CBSTATUS_TIMEZONE.
    #[arg(long)]
    timezone: Option<String>,
    /// Organization endpoint URL; overrides CBSTATUS_API_URL.
    #[arg(long)]
    api_url: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the file's [profiles.NAME] table; overrides CBSTATUS_PROFILE.
    #[arg(long)]
    profile: Option<String>,
}

/// Settings from the files (`CBSTATUS_CONFIG`, then `file`), the profile (`profile`, else
/// `CBSTATUS_PROFILE`), the environment, then the command line (`overrides`).
/// Warnings found while loading (an unknown locale, said in English instead) go to stderr.
pub fn config_from(
    file: Option<&PathBuf>,
    profile: Option<&str>,
    overrides: &[(&str, Option<&String>)],
) -> Result<Config, cbstatus::Error> {
    let warn_on_stderr: cbstatus::log::Logger =
        Arc::new(|level, message: &str| eprintln!("cbstatus: {}: {message}", level.as_str()));
    cbstatus::log::set_logger(Some(warn_on_stderr), Level::Warn);
    let loaded = (|| {
        let files: Vec<&Path> = file.map(PathBuf::as_path).into_iter().collect();
        let mut config = Config::load(&files, profile)?;
        for (key, value) in overrides {
            if let Some(value) = value {
                tolerate(config.set(key, value))?;
            }
        }
        Ok(config)
    })();
    cbstatus::log::set_logger(None, Level::Warn);
    loaded
}

/// A process that makes one request and exits gains nothing from connecting ahead (its
/// request follows at once): `prewarm` defaults to off unless configured.
pub fn short_lived(mut config: Config) -> Config {
    config.prewarm.get_or_insert(false);
    config
}

pub(crate) fn client_from(common: &Common) -> Result<Client, u8> {
    let config = config_from(
        common.config.as_ref(),
        common.profile.as_deref(),
        &[
            ("locale", common.locale.as_ref()),
            ("timezone", common.timezone.as_ref()),
            ("api_url", common.api_url.as_ref()),
        ],
    );
    config
        .and_then(|c| Client::new(&short_lived(c)))
        .map_err(|error| {
            eprintln!("cbstatus: {error}");
            EXIT_USAGE
        })
}

/// Print the result and choose the exit status.
pub(crate) fn print(result: &LookupResult, format: OutputFormat) -> u8 {
    if let Some(error) = result.error() {
        if matches!(
            error.kind(),
            ErrorKind::InvalidNumber | ErrorKind::NotConfigured | ErrorKind::InvalidConfig
        ) {
            eprintln!("cbstatus: {error}");
            return EXIT_USAGE;
        }
        eprintln!("cbstatus: request failed: {error}");
    }
    let output = match format {
        OutputFormat::Text => result.render(Format::Text),
        OutputFormat::Ssml => result.render(Format::Ssml),
        OutputFormat::Prompts => result.render(Format::Prompts),
        OutputFormat::Json => result.to_json(None).0,
    };
    println!("{output}");
    if result.error().is_some() {
        EXIT_LOOKUP_FAILED
    } else {
        EXIT_OK
    }
}
