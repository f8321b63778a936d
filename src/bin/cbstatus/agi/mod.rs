//! `cbstatus agi [NUMBER]`: a classic (process-per-call) AGI program.
//!
//! Reads the AGI environment from stdin, looks up `NUMBER` (or the caller id), sets the
//! `CBSTATUS_*` channel variables and exits 0, always, within the configured deadline, so the
//! dialplan continues. Diagnostics go to stderr (Asterisk logs it); stdout is the AGI channel.

pub mod protocol;
pub mod session;

use crate::lookup::config_from;
use crate::signals;
use cbstatus::{Action, Client};
use protocol::{AgiEnv, Conversation};
use session::Request;
use std::io::{self, BufReader};
use std::path::PathBuf;
use std::time::Duration;

/// Which request an AGI call makes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ActionArg {
    /// Where the caller's callback stands (`callback_status`).
    Status,
    /// Cancel the caller's callback (`cancel_callback`).
    Cancel,
    /// Are callbacks offered now, and what is the wait (widget status).
    Widget,
}

impl From<ActionArg> for Action {
    fn from(a: ActionArg) -> Action {
        match a {
            ActionArg::Status => Action::Status,
            ActionArg::Cancel => Action::Cancel,
            ActionArg::Widget => Action::Widget,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// The number to look up (default: the caller id from the AGI environment).
    // Not `String`: a caller id that is not UTF-8 must reach the lookup (and fail there as an
    // invalid number, with the variables set), not make argument parsing exit 2.
    number: Option<std::ffi::OsString>,
    /// What to do.
    #[arg(long, value_enum, default_value = "status")]
    action: ActionArg,
    /// Widget id for --action widget (default: CBSTATUS_WIDGET_ID).
    #[arg(long)]
    widget_id: Option<String>,
    /// Also play the prompts to the caller (STREAM FILE) after setting the variables.
    #[arg(long)]
    play: bool,
    /// Speech language (en-US, es-US); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Apply the file's [profiles.NAME] table; overrides CBSTATUS_PROFILE.
    #[arg(long)]
    profile: Option<String>,
}

/// Extra time past the lookup deadline for talking to Asterisk before the watchdog ends us.
const WATCHDOG_MARGIN: Duration = Duration::from_millis(1500);

pub fn run(args: Args) -> u8 {
    // A hang-up sends SIGHUP; the default action would kill us mid-command. Ignore it: the
    // next reply (511 or EOF) tells us the caller is gone and we finish cleanly with 0.
    signals::ignore_sighup();
    let config = config_from(
        args.config.as_ref(),
        args.profile.as_deref(),
        &[("locale", args.locale.as_ref())],
    );
    let timeout = config
        .as_ref()
        .map_or(Duration::from_secs(2), |c| c.timeout);
    signals::exit_after(timeout + WATCHDOG_MARGIN, 0);

    let stdin = io::stdin();
    let mut input = BufReader::new(stdin.lock());
    let env = match AgiEnv::read(&mut input) {
        Ok(env) => env,
        Err(e) => {
            eprintln!(
                "cbstatus agi: no AGI environment on stdin ({e}); run me from Asterisk's AGI()"
            );
            return 0;
        }
    };
    let config_ok = config.as_ref().ok().cloned().unwrap_or_default();
    let client = config.as_ref().map_err(Clone::clone).and_then(Client::new);
    if let Err(e) = &client {
        eprintln!("cbstatus agi: {e}");
    }
    let request = Request {
        action: args.action.into(),
        number: args.number.map(|n| n.to_string_lossy().into_owned()),
        widget_id: args.widget_id,
        play: args.play,
        // Already applied to the configuration.
        locale: None,
    };
    let result = session::perform(client.as_ref(), &config_ok, &env, &request);
    if let Some(error) = result.error() {
        eprintln!("cbstatus agi: {error}");
    }
    let mut conversation = Conversation::new(input, io::stdout().lock());
    if let Err(e) = session::deliver(&mut conversation, &result, request.play) {
        eprintln!("cbstatus agi: Asterisk went away: {e}");
    }
    0
}
