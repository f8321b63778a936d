//! `cbstatus check`: walk the whole path to the Mindful organization with the effective
//! configuration and say, stage by stage, what works and what to do about what does not
//! (issue 21). One file per stage:
//!
//! - `settings.rs`: configuration (where each value comes from, unknown and unused keys);
//! - `route.rs`: what the network stages share (the route, a connection, deadlines);
//! - `net.rs`: proxy (which one and why), DNS, TCP connect, the proxy's tunnel;
//! - `tls.rs`: TLS (version, certificate, days to expiry, CA store);
//! - `http.rs`: HTTP (status, server, keep-alive), authentication, the reply;
//! - `number.rs`: with `--number`, what the caller would hear and which number format finds
//!   their callback;
//! - `local.rs`: the prompts installed, and missing sound files.
//!
//! Rules: every network stage has its own deadline (`timeout_ms`), so a hung server or proxy
//! costs one deadline per stage, never a hang; nothing printed holds the token, a full caller
//! number (last 4 digits only) or the reply body; every value that came from the network is
//! passed through [`clean`] (no control characters or escape sequences reach the terminal).
//! Exit status: 0 when a lookup works end to end, 1 when a stage failed (the last line names
//! the first one), 2 for usage errors.
//!
//! The JSON form (`--format json`) is one object:
//! `{"ok": bool, "failed_stage": name|null, "stages": [{"stage", "verdict", "ms", "detail",
//! "fix", "facts"}]}`, where `verdict` is `ok`, `warn`, `fail` or `skip`, `ms` the stage's
//! time in whole milliseconds, `fix` what to do (null when nothing) and `facts` an object of
//! the stage's findings (documented in the README's runbook).

mod http;
mod local;
mod net;
mod number;
mod route;
mod settings;
mod tls;

use crate::exit::{EXIT_LOOKUP_FAILED, EXIT_OK, EXIT_USAGE};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::time::Instant;

/// Output format of `check`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per stage.
    Text,
    /// One JSON object (stable field names: see the README).
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// A caller number that has a callback: say what the caller would hear, and which
    /// number_format finds it. Only its last 4 digits are printed.
    #[arg(long)]
    number: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the file's [profiles.NAME] table; overrides CBSTATUS_PROFILE.
    #[arg(long)]
    profile: Option<String>,
    /// What to print.
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// Asterisk sounds folder (e.g. /usr/share/asterisk/sounds): list every sound file the
    /// configured locales need that is missing there.
    #[arg(long)]
    asterisk_sounds: Option<PathBuf>,
}

/// How a stage went.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

/// One stage's line.
pub struct Stage {
    pub name: &'static str,
    pub verdict: Verdict,
    pub ms: u64,
    pub detail: String,
    pub fix: Option<String>,
    pub facts: Map<String, Value>,
    /// Further lines of the text form (e.g. what the caller hears, per locale).
    pub extra: Vec<String>,
}

impl Stage {
    pub fn new(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Stage {
        Stage {
            name,
            verdict,
            ms: 0,
            detail: detail.into(),
            fix: None,
            facts: Map::new(),
            extra: Vec::new(),
        }
    }

    pub fn ok(name: &'static str, detail: impl Into<String>) -> Stage {
        Stage::new(name, Verdict::Ok, detail)
    }

    pub fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Stage {
        Stage::new(name, Verdict::Fail, detail).with_fix(fix)
    }

    pub fn skip(name: &'static str, why: impl Into<String>) -> Stage {
        Stage::new(name, Verdict::Skip, why)
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Stage {
        self.fix = Some(fix.into());
        self
    }

    pub fn fact(mut self, key: &str, value: impl Into<Value>) -> Stage {
        self.facts.insert(key.to_string(), value.into());
        self
    }

    pub fn timed(mut self, since: Instant) -> Stage {
        self.ms = since.elapsed().as_millis() as u64;
        self
    }
}

/// A value from the network or a file, made safe to print: control characters (escape
/// sequences included) become `?`, and it is cut to `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

pub fn run(args: Args) -> u8 {
    let number = match &args.number {
        Some(n) if n.trim().is_empty() => {
            eprintln!("cbstatus: --number is empty; give a caller number such as +15551234567");
            return EXIT_USAGE;
        }
        other => other.clone(),
    };
    let mut stages = Vec::new();
    let loaded = settings::check(args.config.as_ref(), args.profile.as_deref(), &mut stages);
    if let Some(loaded) = &loaded {
        if let Some(n) = &number {
            if let Err(e) = cbstatus::PhoneNumber::parse(n, &loaded.config.default_country) {
                eprintln!("cbstatus: --number: {e}");
                return EXIT_USAGE;
            }
        }
        let reached = net::check(&loaded.config, &mut stages);
        let replied =
            reached.and_then(|route| http::check(loaded, route, number.as_deref(), &mut stages));
        match (&number, replied) {
            (Some(n), Some(())) => number::check(loaded, n, &mut stages),
            (Some(_), None) => stages.push(Stage::skip("number", "the API was not reached")),
            (None, _) => stages.push(Stage::skip(
                "number",
                "no --number: pass a caller number that has a callback to see what they hear and which number_format finds it",
            )),
        }
        local::check(
            &loaded.config,
            args.asterisk_sounds.as_deref(),
            &loaded.locales,
            &mut stages,
        );
    }
    report(&stages, args.format)
}

/// Print the stages and choose the exit status.
fn report(stages: &[Stage], format: CheckFormat) -> u8 {
    let failed = stages.iter().find(|s| s.verdict == Verdict::Fail);
    match format {
        CheckFormat::Text => {
            for s in stages {
                println!(
                    "{:<4}  {:<14} {:>5} ms  {}",
                    s.verdict.as_str(),
                    s.name,
                    s.ms,
                    s.detail
                );
                for line in &s.extra {
                    println!("{:<4}  {:<14} {:>5}     {line}", "", "", "");
                }
                if let Some(fix) = &s.fix {
                    println!("{:<4}  {:<14} {:>5}     fix: {fix}", "", "", "");
                }
            }
            match failed {
                Some(s) => println!("check failed at stage {}: {}", s.name, s.detail),
                None => println!("check ok: a lookup works end to end"),
            }
        }
        CheckFormat::Json => {
            let stages: Vec<Value> = stages
                .iter()
                .map(|s| {
                    json!({
                        "stage": s.name,
                        "verdict": s.verdict.as_str(),
                        "ms": s.ms,
                        "detail": s.detail,
                        "fix": s.fix,
                        "facts": s.facts,
                    })
                })
                .collect();
            let out = json!({
                "ok": failed.is_none(),
                "failed_stage": failed.map(|s| s.name),
                "stages": stages,
            });
            println!("{out:#}");
        }
    }
    if failed.is_some() {
        EXIT_LOOKUP_FAILED
    } else {
        EXIT_OK
    }
}
