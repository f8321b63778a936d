//! `cbstatus agi [NUMBER]`: a classic (process-per-call) AGI program.
//!
//! Reads the AGI environment from stdin, looks up `NUMBER` (or the caller id), sets the
//! `CBSTATUS_*` channel variables and exits 0, always, so the dialplan continues. A watchdog
//! ends the process (exit 0) if the lookup overruns its deadline or Asterisk takes longer than
//! its bound to answer a command (`ReplyBounds`); prompts played with `--play` are never cut.
//! Diagnostics go to stderr (Asterisk logs it); stdout is the AGI channel.

pub mod journey;
pub mod protocol;
pub mod session;

use crate::common::{config_from, short_lived};
use crate::signals::{self, Watchdog};
use cbstatus::{Action, Client, Config};
use protocol::{AgiEnv, Conversation, ReplyBounds, ReplyTimer};
use session::{Journey, Request};
use std::io::{self, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What `--action NAME` does, for `--help` and the man page. The names are those of
/// [`Action::ALL`], the one list FastAGI's `.../cbstatus/NAME` accepts too.
fn action_help(action: Action) -> &'static str {
    match action {
        Action::Status => "Where the caller's callback stands (`callback_status`)",
        Action::Cancel => "Cancel the caller's callback (`cancel_callback`)",
        Action::Widget => "Are callbacks offered now, and what is the wait (widget status)",
        Action::Offer => {
            "Offer a callback: CBSTATUS_OFFER, CBSTATUS_SLOTS and the offer with its menu to say \
             (with --menu: the whole interaction, key press and registration included)"
        }
        Action::Register => {
            "Register a callback (as soon as possible, --at UNIX or --slot N): \
             CBSTATUS_REGISTER_RESULT"
        }
    }
}

/// `--action`'s parser: lists [`Action::ALL`] in `--help` and the man page, yet takes any
/// name, so that an unknown one still sets the channel variables (ERROR) instead of making
/// argument parsing exit 2 and leave the previous call's `CBSTATUS_RESULT` in place.
#[derive(Clone)]
struct ActionName;

impl clap::builder::TypedValueParser for ActionName {
    type Value = String;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(Action::ALL.into_iter().map(|action| {
            clap::builder::PossibleValue::new(action.as_str()).help(action_help(action))
        })))
    }
}

/// The request an action name asks for: its action, or (a name of no action) a status request
/// marked invalid, so that the caller gets the fallback and the dialplan `ERROR`, never the
/// answer of another request.
pub fn action_named(name: &str) -> Result<Action, String> {
    Action::from_name(name).ok_or_else(|| {
        format!(
            "unknown action {:?}; the actions are {} (lower case)",
            name.chars().take(40).collect::<String>(),
            Action::names()
        )
    })
}

#[derive(clap::Args)]
pub struct Args {
    /// The number to look up (default: the caller id from the AGI environment).
    // Not `String`: a caller id that is not UTF-8 must reach the lookup (and fail there as an
    // invalid number, with the variables set), not make argument parsing exit 2.
    number: Option<std::ffi::OsString>,
    /// What to do, spelled exactly (lower case); any other name sets CBSTATUS_RESULT=ERROR
    /// and CBSTATUS_ERROR=invalid_argument, and asks the API nothing.
    #[arg(long, default_value = "status", value_parser = ActionName)]
    action: String,
    /// Widget id for --action widget, offer and register (default: CBSTATUS_WIDGET_ID).
    #[arg(long)]
    widget_id: Option<String>,
    /// --action register: the appointment, as Unix seconds (default: as soon as possible).
    #[arg(long, value_name = "UNIX", conflicts_with = "slot")]
    at: Option<i64>,
    /// --action register: the N-th time slot of the channel's CBSTATUS_SLOTS (from 1), as set
    /// by an earlier --action offer.
    #[arg(long, value_name = "N")]
    slot: Option<u32>,
    /// --action offer: play the offer and its menu, read the caller's key (one repeat),
    /// register the choice and play the confirmation, all in this one AGI call.
    #[arg(long)]
    menu: bool,
    /// Also play the prompts to the caller (STREAM FILE) after setting the variables: the whole
    /// sentence; each reply from Asterisk must come within timeout_ms + 1.5 s (STREAM FILE:
    /// + 10 s more, while the file plays).
    #[arg(long)]
    play: bool,
    /// Speech language (en-US, es-US, fr-CA); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the file's [profiles.NAME] table; overrides CBSTATUS_PROFILE.
    #[arg(long)]
    profile: Option<String>,
}

pub fn run(args: Args) -> u8 {
    let started = Instant::now();
    // A hang-up sends SIGHUP; the default action would kill us mid-command. Ignore it: the
    // next reply (511 or EOF) tells us the caller is gone and we finish cleanly with 0.
    signals::ignore_sighup();
    // Armed before the configuration is read, since reading it may block (a CBSTATUS_CONFIG
    // that is a FIFO, a hung network file system): with the deadline of the environment, or
    // the default one, until the configuration says otherwise.
    let watchdog = Watchdog::start(started + early_timeout() + ReplyBounds::MARGIN, 0);
    let config = config_from(
        args.config.as_ref(),
        args.profile.as_deref(),
        &[("locale", args.locale.as_ref())],
    );
    let timeout = config.as_ref().map_or(Config::new().timeout, |c| c.timeout);
    // The lookup (and reading the environment) ends within the deadline from our start; each
    // AGI command then gets its own bound (see `ReplyBounds`), so playback is never cut.
    watchdog.arm_at(started + timeout + ReplyBounds::MARGIN);

    let stdin = io::stdin();
    let mut input = BufReader::new(stdin.lock());
    let env = match AgiEnv::read_from_asterisk(&mut input) {
        Ok(env) => env,
        Err(e) => {
            eprintln!(
                "cbstatus agi: no AGI environment on stdin ({e}); run me from Asterisk's AGI()"
            );
            return 0;
        }
    };
    let config_ok = config.as_ref().ok().cloned().unwrap_or_default();
    let client = config
        .clone()
        .map(short_lived)
        .and_then(|c| Client::new(&c));
    if let Err(e) = &client {
        eprintln!("cbstatus agi: {e}");
    }
    let action = action_named(&args.action);
    let request = Request {
        action: *action.as_ref().unwrap_or(&Action::Status),
        number: args.number.map(|n| n.to_string_lossy().into_owned()),
        widget_id: args.widget_id,
        play: args.play,
        // Both already applied to the configuration.
        locale: None,
        profile: None,
        journey: Journey {
            at: args.at,
            slot: args.slot,
            menu: args.menu,
            invalid: action.err(),
        },
    };
    let mut conversation = Conversation::with_timer(
        input,
        io::stdout().lock(),
        watchdog,
        ReplyBounds::for_timeout(timeout),
    );
    let perform = |request: &Request| {
        let result = session::perform(client.as_ref(), &config_ok, &env, request);
        if let Some(error) = result.error() {
            eprintln!("cbstatus agi: {error}");
        }
        result
    };
    if let Err(e) = journey::serve(&mut conversation, &request, perform) {
        eprintln!("cbstatus agi: Asterisk went away: {e}");
    }
    0
}

/// The lookup deadline before the configuration is loaded: `CBSTATUS_TIMEOUT_MS` if it is a
/// number, else the default.
fn early_timeout() -> Duration {
    let mut config = Config::new();
    if let Ok(ms) = std::env::var("CBSTATUS_TIMEOUT_MS") {
        // An invalid value keeps the default here; loading the configuration reports it.
        let _ = config.set("timeout_ms", &ms);
    }
    config.timeout
}

/// The classic AGI bounds each reply by moving its process watchdog: an Asterisk that stops
/// answering ends the program (exit 0) once the bound passes.
impl ReplyTimer for Watchdog {
    fn expect_reply_within(&mut self, bound: Duration) -> io::Result<()> {
        self.arm(bound);
        Ok(())
    }
}
