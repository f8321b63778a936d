//! `cbstatus fastagi --listen ADDR`: a FastAGI server. Asterisk connects per call
//! (`AGI(agi://host:4573/cbstatus)`); one process serves many concurrent calls with one
//! shared client (connections reused).
//!
//! Under abuse: a connection is a call (counted toward `--max-calls`) only once its AGI
//! environment is complete, which must happen within the lookup timeout and the size caps
//! (`connection.rs`); descriptor exhaustion backs off (`listener.rs`); SIGTERM/SIGINT stops
//! accepting, closes connections still sending their environment and lets calls in progress
//! finish within the drain bound (`calls.rs`).

mod calls;
mod connection;
mod deadline;
mod listener;

use crate::agi::protocol::AgiEnv;
use crate::agi::session::Request;
use crate::lookup::config_from;
use crate::{signals, EXIT_OK, EXIT_USAGE};
use calls::Calls;
use cbstatus::{Action, Client, Config, Error};
use listener::Wake;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (Asterisk's default FastAGI port is 4573).
    #[arg(long, default_value = "127.0.0.1:4573")]
    listen: String,
    /// Most calls served at once; further calls get the fallback at once
    /// (CBSTATUS_ERROR=busy).
    #[arg(long, default_value_t = 256)]
    max_calls: usize,
    /// Speech language (en-US, es-US); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// How long calls in progress may still take after SIGTERM, past the lookup deadline: room
/// for setting the variables and playing a sentence.
const DRAIN_MARGIN: Duration = Duration::from_secs(10);

/// What every connection thread shares.
struct Server {
    config: Config,
    client: Result<Client, Error>,
    calls: Calls,
}

pub fn run(args: Args) -> u8 {
    let config = match config_from(
        args.config.as_ref(),
        None,
        &[("locale", args.locale.as_ref())],
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cbstatus fastagi: {e}");
            return EXIT_USAGE;
        }
    };
    let wake = match Wake::new() {
        Ok(wake) => Arc::new(wake),
        Err(e) => {
            eprintln!("cbstatus fastagi: cannot create a pipe: {e}");
            return EXIT_USAGE;
        }
    };
    {
        // Before any other thread exists, so that every thread blocks the signals.
        let wake = Arc::clone(&wake);
        signals::on_termination(move |_| wake.wake());
    }
    let client = Client::new(&config);
    if let Err(e) = &client {
        // Keep serving: every call gets the fallback and CBSTATUS_ERROR says why.
        eprintln!("cbstatus fastagi: {e}");
    }
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cbstatus fastagi: cannot listen on {}: {e}", args.listen);
            return EXIT_USAGE;
        }
    };
    let addr = listener.local_addr().expect("bound socket has an address");
    let server = Arc::new(Server {
        config,
        client,
        calls: Calls::new(args.max_calls),
    });
    // First stdout line is machine-readable, like `simulate`.
    println!("agi://{addr}/cbstatus");
    eprintln!(
        "cbstatus fastagi: listening on {addr} (at most {} calls at once)",
        server.calls.max_calls()
    );

    let accepted = listener::accept_until_woken(&listener, &wake, |stream, at| {
        let server = Arc::clone(&server);
        let spawned = std::thread::Builder::new()
            .name("fastagi-call".into())
            .spawn(move || server.serve(stream, at));
        if let Err(e) = spawned {
            eprintln!("cbstatus fastagi: cannot start a call thread: {e}");
        }
    });
    if let Err(e) = accepted {
        eprintln!("cbstatus fastagi: cannot wait for connections: {e}");
    }
    drop(listener);
    drain(&server);
    EXIT_OK
}

/// Shut down: close connections still sending their environment, then give the calls in
/// progress until the lookup deadline plus [`DRAIN_MARGIN`] to finish.
fn drain(server: &Server) {
    let started = Instant::now();
    let running = server.calls.stop();
    eprintln!("cbstatus fastagi: stopping; waiting for {running} call(s)");
    let bound = server.config.timeout + DRAIN_MARGIN;
    let left = server.calls.drain(started + bound);
    if left > 0 {
        eprintln!(
            "cbstatus fastagi: {left} call(s) still running after {} ms; exiting",
            bound.as_millis()
        );
    } else {
        eprintln!(
            "cbstatus fastagi: stopped after {} ms",
            started.elapsed().as_millis()
        );
    }
}

/// The request from the FastAGI script path and arguments:
/// `agi://host/cbstatus[/status|/cancel|/widget][?number=N&widget_id=W&play=1&locale=L]` and
/// `AGI(agi://host/cbstatus,NUMBER)` (`agi_arg_1`).
pub fn request_from(env: &AgiEnv) -> Request {
    let script = env.get("agi_network_script").unwrap_or("");
    let (path, query) = script.split_once('?').unwrap_or((script, ""));
    let action = match path.trim_matches('/').rsplit('/').next().unwrap_or("") {
        "cancel" => Action::Cancel,
        "widget" => Action::Widget,
        _ => Action::Status,
    };
    let mut request = Request {
        action,
        number: env.args().first().map(|s| s.to_string()),
        widget_id: None,
        play: false,
        locale: None,
    };
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("number", n)) => request.number = Some(n.to_string()),
            Some(("widget_id", w)) => request.widget_id = Some(w.to_string()),
            Some(("play", p)) => request.play = matches!(p, "1" | "yes" | "true"),
            Some(("locale", l)) if !l.is_empty() => request.locale = Some(l.to_string()),
            Some(("action", "cancel")) => request.action = Action::Cancel,
            Some(("action", "widget")) => request.action = Action::Widget,
            _ => {}
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(text: &str) -> AgiEnv {
        AgiEnv::read(&mut std::io::Cursor::new(
            format!("{text}\n\n").into_bytes(),
        ))
        .unwrap()
    }

    #[test]
    fn requests_from_script_paths() {
        let r = request_from(&env("agi_network: yes\nagi_network_script: cbstatus"));
        assert_eq!((r.action, r.number, r.play), (Action::Status, None, false));
        let r = request_from(&env(
            "agi_network_script: cbstatus/cancel\nagi_arg_1: 5551230001",
        ));
        assert_eq!(
            (r.action, r.number.as_deref()),
            (Action::Cancel, Some("5551230001"))
        );
        let r = request_from(&env(
            "agi_network_script: cbstatus/widget?widget_id=w-open&play=1",
        ));
        assert_eq!(
            (r.action, r.widget_id.as_deref(), r.play),
            (Action::Widget, Some("w-open"), true)
        );
        let r = request_from(&env("agi_network_script: cbstatus?locale=es"));
        assert_eq!(r.locale.as_deref(), Some("es"));
    }
}
