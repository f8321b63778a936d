//! `cbstatus simulate`: run the Mindful simulator until interrupted.

use crate::exit::{EXIT_OK, EXIT_USAGE};
use cbstatus_sim::{Options, Scenarios, Simulator};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Scenarios file (.toml or .json); the built-in demo set when omitted.
    #[arg(long)]
    scenarios: Option<PathBuf>,
    /// Write each answer in two segments (head, then body) with Nagle on, like Python's
    /// http.server and many frameworks (default: one write, TCP_NODELAY).
    #[arg(long)]
    two_segments: bool,
}

pub fn run(args: Args) -> u8 {
    let scenarios = match &args.scenarios {
        Some(path) => match Scenarios::load(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cbstatus: {e}");
                return EXIT_USAGE;
            }
        },
        None => Scenarios::demo(),
    };
    let options = Options {
        two_segments: args.two_segments,
        ..Options::default()
    };
    let simulator = match Simulator::start_with(&args.listen, scenarios, options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cbstatus: cannot listen on {}: {e}", args.listen);
            return EXIT_USAGE;
        }
    };
    // The first line is machine-readable: tests and scripts read the URL from it.
    println!("{}", simulator.organization_url());
    eprintln!(
        "cbstatus simulator listening on {}; set CBSTATUS_API_URL={}",
        simulator.addr(),
        simulator.organization_url()
    );
    let _ = std::io::stdout().flush();
    // Serve until killed (SIGINT/SIGTERM end the process; the OS closes the sockets).
    loop {
        std::thread::park();
    }
    #[allow(unreachable_code)]
    EXIT_OK
}
