//! `cbstatus fastagi --listen ADDR`: a FastAGI server. Asterisk connects per call
//! (`AGI(agi://host:4573/cbstatus)`); one process serves many concurrent calls with one
//! shared client (connections reused), bounded by `--max-calls`, and shuts down cleanly on
//! SIGTERM/SIGINT (stops accepting, lets calls in progress finish).

use crate::agi::protocol::{AgiEnv, Conversation};
use crate::agi::session::{self, Request};
use crate::lookup::config_from;
use crate::{signals, EXIT_OK, EXIT_USAGE};
use cbstatus::speech::Locale;
use cbstatus::{Action, Client, Config, Error, ErrorKind, LookupResult};
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (Asterisk's default FastAGI port is 4573).
    #[arg(long, default_value = "127.0.0.1:4573")]
    listen: String,
    /// Most calls served at once; further calls get the fallback at once.
    #[arg(long, default_value_t = 256)]
    max_calls: usize,
    /// Speech language (en-US, es-US); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG.
    #[arg(long)]
    config: Option<PathBuf>,
}

/// Extra time past the lookup deadline for talking to Asterisk on one call.
const CALL_MARGIN: Duration = Duration::from_secs(2);

struct Server {
    config: Config,
    client: Result<Client, Error>,
    active: AtomicUsize,
    max_calls: usize,
    stopping: AtomicBool,
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
        active: AtomicUsize::new(0),
        max_calls: args.max_calls.max(1),
        stopping: AtomicBool::new(false),
    });
    {
        let server = Arc::clone(&server);
        signals::on_termination(move |_| {
            server.stopping.store(true, Ordering::SeqCst);
            // Wake the accept loop.
            let _ = TcpStream::connect_timeout(&wake_addr(addr), Duration::from_secs(1));
        });
    }
    // First stdout line is machine-readable, like `simulate`.
    println!("agi://{addr}/cbstatus");
    eprintln!(
        "cbstatus fastagi: listening on {addr} (at most {} calls at once)",
        server.max_calls
    );

    let mut handlers = Vec::new();
    for stream in listener.incoming() {
        if server.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        handlers.retain(|h: &std::thread::JoinHandle<()>| !h.is_finished());
        let server = Arc::clone(&server);
        let spawned = std::thread::Builder::new()
            .name("fastagi-call".into())
            .spawn(move || server.serve(stream));
        match spawned {
            Ok(handle) => handlers.push(handle),
            Err(e) => eprintln!("cbstatus fastagi: cannot start a call thread: {e}"),
        }
    }
    drop(listener);
    eprintln!(
        "cbstatus fastagi: stopping; waiting for {} call(s)",
        handlers.len()
    );
    for handle in handlers {
        let _ = handle.join();
    }
    EXIT_OK
}

/// Where to connect to wake our own accept loop (an unspecified address is not connectable).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if addr.ip().is_unspecified() {
        target.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    target
}

impl Server {
    fn serve(&self, stream: TcpStream) {
        let in_flight = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        let _guard = Decrement(&self.active);
        if let Err(e) = self.call(stream, in_flight) {
            eprintln!("cbstatus fastagi: call ended: {e}");
        }
    }

    fn call(&self, stream: TcpStream, in_flight: usize) -> std::io::Result<()> {
        let deadline = self.config.timeout + CALL_MARGIN;
        stream.set_read_timeout(Some(deadline))?;
        stream.set_write_timeout(Some(deadline))?;
        let _ = stream.set_nodelay(true);
        let mut input = BufReader::new(stream.try_clone()?);
        let env = match AgiEnv::read(&mut input) {
            Ok(env) => env,
            // The wake-up connection of a shutdown, or a port scanner: nothing to do.
            Err(_) => return Ok(()),
        };
        let request = request_from(&env);
        let mut result = if in_flight > self.max_calls {
            let error = Error::new(
                ErrorKind::Internal,
                format!(
                    "the FastAGI server is at its limit of {} concurrent calls",
                    self.max_calls
                ),
            );
            LookupResult::failed(request.action, error, &self.config)
        } else {
            session::perform(self.client.as_ref(), &self.config, &env, &request)
        };
        if let Some(name) = &request.locale {
            match Locale::parse(name) {
                Ok(locale) => result.set_locale(locale),
                Err(unknown) => eprintln!("cbstatus fastagi: {unknown}"),
            }
        }
        if let Some(error) = result.error() {
            eprintln!("cbstatus fastagi: {error}");
        }
        let mut conversation = Conversation::new(input, stream);
        session::deliver(&mut conversation, &result, request.play)
    }
}

struct Decrement<'a>(&'a AtomicUsize);

impl Drop for Decrement<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
