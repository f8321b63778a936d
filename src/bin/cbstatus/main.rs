//! `cbstatus`: the command-line shell around the library: lookups, the Mindful simulator, a
//! demo, and (in their own modules) Asterisk AGI / FastAGI and prompt generation.

mod agi;
mod check;
mod common;
mod demo;
mod exit;
mod fastagi;
mod http;
mod lookup;
mod metrics;
mod notify;
#[cfg(test)]
mod manpage; // doc/man/*.1 rendered from `Cli` and checked
mod prompts;
mod register;
mod signals;
mod simulate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Tell a caller, in words an IVR can speak, where their Mindful callback stands.
#[derive(Parser)]
#[command(name = "cbstatus", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Look up a caller number and print what to say.
    ///
    /// Exit status: 0 the lookup answered (found or not found), 1 it failed (the fallback
    /// sentence is printed), 2 usage error, bad configuration or invalid number.
    Lookup(lookup::NumberArgs),
    /// Cancel the caller's callback and print the confirmation to speak.
    ///
    /// Exit status as for lookup.
    Cancel(lookup::NumberArgs),
    /// Say whether callbacks are offered now, and the current wait (widget status); then
    /// (text format) what is offered and the widget's time slots.
    ///
    /// Exit status as for lookup.
    Widget(lookup::WidgetArgs),
    /// Print the callback offer and its menu ("For a callback as soon as possible, press 1.
    /// For today at 3:00 PM, press 2. ...").
    ///
    /// Exit status as for lookup.
    Offer(lookup::WidgetArgs),
    /// Register a callback (as soon as possible, or --at a time slot) and print the
    /// confirmation. Sent once, never retried; no answer prints "Sorry, we could not confirm
    /// your callback." (exit 1).
    ///
    /// Exit status as for lookup.
    Register(register::RegisterArgs),
    /// Walk the whole path to the Mindful organization (configuration, proxy, DNS, TCP, TLS,
    /// HTTP, authentication, the reply, the number formats, the prompts) and print one line
    /// per stage with its verdict, time and what to do.
    ///
    /// Exit status: 0 a lookup works end to end, 1 a stage failed (the last line names the
    /// first), 2 usage error.
    Check(check::Args),
    /// Run the Mindful simulator (a local stand-in for the Scheduler API).
    Simulate(simulate::Args),
    /// Start a simulator on a loopback port and walk through the main scenarios.
    Demo(demo::Args),
    /// Run as an Asterisk AGI program: look up, set CBSTATUS_* channel variables, exit 0.
    Agi(agi::Args),
    /// Run a FastAGI server (AGI(agi://host:4573/cbstatus)) for many concurrent calls.
    Fastagi(fastagi::Args),
    /// The project's own prompts (words the stock Asterisk sounds lack).
    #[command(subcommand)]
    Prompts(prompts::PromptsCommand),
}

impl Command {
    /// Whether the command's only output is what it prints to stdout (so a closed stdout
    /// should end it, see `signals::default_sigpipe`); the servers and AGI modes are not.
    fn only_prints(&self) -> bool {
        match self {
            Command::Lookup(_)
            | Command::Cancel(_)
            | Command::Widget(_)
            | Command::Offer(_)
            | Command::Register(_)
            | Command::Check(_)
            | Command::Demo(_)
            | Command::Prompts(_) => true,
            Command::Simulate(_) | Command::Agi(_) | Command::Fastagi(_) => false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.only_prints() {
        signals::default_sigpipe();
    }
    let code = match cli.command {
        Command::Lookup(args) => lookup::status(args),
        Command::Cancel(args) => lookup::cancel(args),
        Command::Widget(args) => lookup::widget(args),
        Command::Offer(args) => lookup::offer(args),
        Command::Register(args) => register::register(args),
        Command::Check(args) => check::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Agi(args) => agi::run(args),
        Command::Fastagi(args) => fastagi::run(args),
        Command::Prompts(command) => prompts::run(command),
    };
    ExitCode::from(code)
}
