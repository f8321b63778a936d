//! `cbstatus fastagi --listen ADDR`: a FastAGI server. Asterisk connects per call
//! (`AGI(agi://host:4573/cbstatus)`); one process serves many concurrent calls with one
//! shared client (connections reused).
//!
//! Under abuse: a connection is a call (counted toward `--max-calls`) only once its AGI
//! environment is complete, which must happen within the lookup timeout and the size caps
//! (`connection.rs`); descriptor exhaustion backs off (`listener.rs`); SIGTERM/SIGINT stops
//! accepting, closes connections still sending their environment and lets calls in progress
//! finish within the drain bound (`calls.rs`).

mod calllog;
mod calls;
mod connection;
mod deadline;
mod listener;
mod prefetch;
mod profiles;
mod reload;

use crate::agi::action_named;
use crate::agi::protocol::AgiEnv;
use crate::agi::session::{Journey, Request};
use crate::exit::{EXIT_OK, EXIT_USAGE};
use crate::notify::Notifier;
use crate::{http, signals};
use calllog::{Log, LogFormat};
use calls::Calls;
use cbstatus::log::Level;
use cbstatus::Action;
use listener::Wake;
use profiles::{ProfileSet, Source};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
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
    /// Speech language (en-US, es-US, fr-CA); overrides CBSTATUS_LOCALE.
    #[arg(long)]
    locale: Option<String>,
    /// TOML configuration file; overrides CBSTATUS_CONFIG. Re-read on SIGHUP.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Serve GET /metrics (Prometheus), /healthz and /readyz on this address, e.g.
    /// 127.0.0.1:9464 (off by default; no authentication: keep it on loopback).
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
    /// Log lines on stderr: text, or one JSON object per line (every call and event).
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// How long calls in progress may still take after SIGTERM, past the lookup deadline: room
/// for setting the variables and playing a sentence.
const DRAIN_MARGIN: Duration = Duration::from_secs(10);

/// What every connection thread shares.
struct Server {
    /// Where the settings come from (re-read on SIGHUP).
    source: Source,
    /// The clients of the current configuration; a call keeps the set it started with.
    profiles: RwLock<Arc<ProfileSet>>,
    calls: Calls,
    log: Log,
    notifier: Arc<Notifier>,
    /// SIGTERM arrived: not ready any more.
    stopping: AtomicBool,
}

impl Server {
    /// The current profiles (a reload swaps them; calls in progress keep theirs).
    fn current(&self) -> Arc<ProfileSet> {
        Arc::clone(&self.profiles.read().unwrap_or_else(PoisonError::into_inner))
    }
}

pub fn run(args: Args) -> u8 {
    let log = Log {
        format: args.log_format,
    };
    let source = Source {
        file: args.config.clone(),
        overrides: args.locale.iter().map(|l| ("locale", l.clone())).collect(),
    };
    let profiles = match ProfileSet::load(&source, None) {
        Ok(p) => p,
        Err(e) => {
            log.event(Level::Error, &e.to_string());
            return EXIT_USAGE;
        }
    };
    let wake = match Wake::new() {
        Ok(wake) => Arc::new(wake),
        Err(e) => {
            log.event(Level::Error, &format!("cannot create a pipe: {e}"));
            return EXIT_USAGE;
        }
    };
    let notifier = Arc::new(Notifier::from_env());
    let reloads: Arc<OnceLock<Arc<Server>>> = Arc::new(OnceLock::new());
    {
        // Before any other thread exists, so that every thread blocks the signals.
        signals::block_hangup();
        let (wake, notifier) = (Arc::clone(&wake), Arc::clone(&notifier));
        let server = Arc::clone(&reloads);
        signals::on_termination(move |_| {
            notifier.notify("STOPPING=1");
            if let Some(server) = server.get() {
                server.stopping.store(true, Ordering::SeqCst);
            }
            wake.wake()
        });
        let server = Arc::clone(&reloads);
        signals::on_hangup(move || match server.get() {
            Some(server) => server.reload(),
            None => log.event(Level::Warn, "SIGHUP while starting: ignored"),
        });
    }
    for profile in profiles.all() {
        if let Err(e) = &profile.client {
            // Keep serving: every call gets the fallback and CBSTATUS_ERROR says why.
            log.event(Level::Error, &format!("profile {}: {e}", profile.name));
        }
    }
    let listener = match TcpListener::bind(&args.listen) {
        Ok(l) => l,
        Err(e) => {
            log.event(
                Level::Error,
                &format!("cannot listen on {}: {e}", args.listen),
            );
            return EXIT_USAGE;
        }
    };
    let addr = listener.local_addr().expect("bound socket has an address");
    let server = Arc::new(Server {
        source,
        profiles: RwLock::new(Arc::new(profiles)),
        calls: Calls::new(args.max_calls, pending_limit(args.max_calls)),
        log,
        notifier: Arc::clone(&notifier),
        stopping: AtomicBool::new(false),
    });
    let _ = reloads.set(Arc::clone(&server));
    let http_addr = match &args.http {
        None => None,
        Some(at) => match http::start(at, Arc::new(reload::Operator(Arc::clone(&server)))) {
            Ok(bound) => Some(bound),
            Err(e) => {
                log.event(Level::Error, &format!("cannot serve HTTP on {at}: {e}"));
                return EXIT_USAGE;
            }
        },
    };
    // First stdout line is machine-readable, like `simulate`; the second the metrics URL.
    println!("agi://{addr}/cbstatus");
    if let Some(bound) = http_addr {
        println!("http://{bound}/metrics");
        if !bound.ip().is_loopback() {
            log.event(
                Level::Warn,
                &format!(
                    "HTTP endpoint on {bound} has no authentication: keep it off public networks"
                ),
            );
        }
    }
    log.event(
        Level::Info,
        &format!(
            "listening on {addr} (at most {} calls at once, {} connections sending their \
             AGI environment)",
            server.calls.max_calls(),
            server.calls.max_pending()
        ),
    );
    notifier.notify("READY=1");
    notifier.start_watchdog();

    let accepted = listener::accept_until_woken(&listener, &wake, |stream, at| {
        let server = Arc::clone(&server);
        let spawned = std::thread::Builder::new()
            .name("fastagi-call".into())
            .spawn(move || server.serve(stream, at));
        if let Err(e) = spawned {
            log.event(Level::Error, &format!("cannot start a call thread: {e}"));
        }
    });
    if let Err(e) = accepted {
        log.event(Level::Error, &format!("cannot wait for connections: {e}"));
    }
    drop(listener);
    drain(&server);
    EXIT_OK
}

/// Descriptors kept for the process itself (stdio, listener, wake pipe, HTTP endpoint, ...).
const OWN_DESCRIPTORS: u64 = 16;

/// How many connections may be sending their environment at once: what the descriptor limit
/// leaves after the process's own and 3 per call (its socket, its API connection in flight and
/// one idle in the pool), so that half-open sockets never take the descriptors calls need.
fn pending_limit(max_calls: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) writes into the struct we own.
    let nofile = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        1024
    };
    let reserved = OWN_DESCRIPTORS.saturating_add(3u64.saturating_mul(max_calls as u64));
    let left = nofile.saturating_sub(reserved).clamp(8, 65_536);
    usize::try_from(left).unwrap_or(65_536)
}

/// Shut down: close connections still sending their environment, then give the calls in
/// progress until the lookup deadline plus [`DRAIN_MARGIN`] to finish.
fn drain(server: &Server) {
    let started = Instant::now();
    let running = server.calls.stop();
    let log = server.log;
    log.event(
        Level::Info,
        &format!("stopping; waiting for {running} call(s)"),
    );
    let bound = server.current().default_profile().config.timeout + DRAIN_MARGIN;
    let left = server.calls.drain(started + bound);
    if left > 0 {
        log.event(
            Level::Warn,
            &format!(
                "{left} call(s) still running after {} ms; exiting",
                bound.as_millis()
            ),
        );
    } else {
        log.event(
            Level::Info,
            &format!("stopped after {} ms", started.elapsed().as_millis()),
        );
    }
}

/// The last segment of the plain script path, `agi://host/cbstatus`: a status lookup.
const SCRIPT: &str = "cbstatus";

/// The request from the FastAGI script path and arguments:
/// `agi://host/cbstatus[/ACTION|/prefetch][?number=N&widget_id=W&play=1&locale=L&profile=P]`
/// (ACTION: a name of [`Action::ALL`], exactly; also as `?action=ACTION`),
/// `.../offer?menu=1`, `.../register?slot=N` or `?at=UNIX`, and
/// `AGI(agi://host/cbstatus,NUMBER)` (`agi_arg_1`).
///
/// A path or `action=` naming no action (`cancle`, `Cancel`) makes a request marked invalid
/// (`journey.invalid`): the call gets `ERROR`/`invalid_argument` and the API is not asked,
/// since running it as a status lookup would answer `FOUND` to a cancel never sent.
pub fn request_from(env: &AgiEnv) -> Request {
    let script = env.get("agi_network_script").unwrap_or("");
    let (path, query) = script.split_once('?').unwrap_or((script, ""));
    let mut action = match path.trim_matches('/').rsplit('/').next().unwrap_or("") {
        // `prefetch` is served before any request is made (`prefetch.rs`).
        "" | SCRIPT | prefetch::PATH => Ok(Action::Status),
        name => action_named(name),
    };
    let mut request = Request {
        action: Action::Status,
        number: env.args().first().map(|s| s.to_string()),
        widget_id: None,
        play: false,
        locale: None,
        profile: None,
        journey: Journey::default(),
    };
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("number", n)) => request.number = Some(n.to_string()),
            Some(("widget_id", w)) => request.widget_id = Some(w.to_string()),
            Some(("play", p)) => request.play = matches!(p, "1" | "yes" | "true"),
            Some(("locale", l)) if !l.is_empty() => request.locale = Some(l.to_string()),
            Some(("profile", p)) if !p.is_empty() => request.profile = Some(p.to_string()),
            Some(("action", name)) => action = action.and(action_named(name)),
            Some(("menu", m)) => request.journey.menu = matches!(m, "1" | "yes" | "true"),
            Some(("slot", n)) => match n.parse() {
                Ok(n) => request.journey.slot = Some(n),
                Err(_) => request.journey.invalid = Some(format!("slot must be 1 to 9, not {n:?}")),
            },
            Some(("at", t)) => match t.parse() {
                Ok(t) => request.journey.at = Some(t),
                Err(_) => {
                    request.journey.invalid = Some("at must be a Unix time in seconds".to_string())
                }
            },
            _ => {}
        }
    }
    match action {
        Ok(action) => request.action = action,
        Err(unknown) => request.journey.invalid = Some(unknown),
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
        for action in Action::ALL {
            let path = request_from(&env(&format!(
                "agi_network_script: cbstatus/{}",
                action.as_str()
            )));
            let query = request_from(&env(&format!(
                "agi_network_script: cbstatus?action={}",
                action.as_str()
            )));
            for r in [path, query] {
                assert_eq!((r.action, r.journey.invalid), (action, None));
            }
        }
        let r = request_from(&env("agi_network_script: cbstatus/prefetch"));
        assert_eq!((r.action, r.journey.invalid), (Action::Status, None));
        let r = request_from(&env("agi_network_script: cbstatus?locale=es&profile=sales"));
        assert_eq!(r.locale.as_deref(), Some("es"));
        assert_eq!(r.profile.as_deref(), Some("sales"));
    }

    #[test]
    fn unknown_actions_are_invalid_requests_naming_them() {
        for (script, name) in [
            ("cbstatus/cancle", "cancle"),
            ("cbstatus/Cancel", "Cancel"),
            ("cbstatus/Register", "Register"),
            ("cbstatus/nonsense", "nonsense"),
            ("cbstatus?action=Cancel", "Cancel"),
            ("cbstatus/cancel?action=CANCEL", "CANCEL"),
            ("cbstatus/STATUS", "STATUS"),
            ("cbstatus/cancel%20", "cancel%20"),
            // An unknown path stays refused whatever the query names.
            ("cbstatus/cancle?action=cancel", "cancle"),
        ] {
            let r = request_from(&env(&format!("agi_network_script: {script}")));
            let why = r.journey.invalid.unwrap_or_default();
            assert!(why.contains(&format!("{name:?}")), "{script}: {why}");
            assert!(why.contains(&Action::names()), "{script}: {why}");
            assert_eq!(
                r.action,
                Action::Status,
                "{script}: no other request is made"
            );
        }
    }
}
