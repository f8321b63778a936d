//! Issue 19, class 1: HTTP proxies. A real `CONNECT` proxy on loopback (tests/support/proxy.rs)
//! in front of the TLS test server (tests/support/tls.rs) or the simulator: the environment's
//! proxy variables (each spelling, in a child process so they never leak into other tests),
//! `no_proxy`, the `proxy` key, credentials, what the proxy sees (never the token), the pooled
//! tunnel, prewarm, the deadline, refusals, and SOCKS refused. From the C API and the CLI too.

mod common;
mod support;

use cbstatus::log::{set_logger, Level};
use cbstatus::{Client, ErrorKind, RegisterRequest};
use cbstatus_sim::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::proxy::{header, ConnectProxy, Mode};
use support::tls::{pki, tls_server_keep_alive, write_pem, Pki};
use support::*;

const TOKEN: &str = "tok-proxy-5ecret-9f8e7d";
const NUMBER: &str = "+15551230001";
/// The caller number as it travels (E.164 without the plus is in every form sent).
const NUMBER_DIGITS: &[u8] = b"5551230001";

/// A keep-alive TLS API for `host` (`localhost` or `127.0.0.1`) and its CA bundle.
struct Api {
    server: RawServer,
    bundle: PathBuf,
    host: &'static str,
    _pki: Pki,
}

impl Api {
    fn start(host: &'static str, name: &str) -> Api {
        let pki = pki(&[host], false, false);
        let server = tls_server_keep_alive(&pki);
        let bundle = write_pem(&format!("proxy-{name}.pem"), &pki.ca_pem);
        Api {
            server,
            bundle,
            host,
            _pki: pki,
        }
    }

    fn url(&self) -> String {
        format!(
            "https://{}:{}/api/organization/proxy",
            self.host,
            self.server.port()
        )
    }

    fn client(&self, extra: &[(&str, &str)]) -> Result<Client, cbstatus::Error> {
        let bundle = self.bundle.to_str().unwrap().to_string();
        let mut settings = vec![
            ("timeout_ms", "2000"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
            ("breaker_threshold", "0"),
            ("prewarm", "false"),
            ("api_token", TOKEN),
            ("ca_bundle", bundle.as_str()),
        ];
        settings.extend_from_slice(extra);
        Client::new(&config(&self.url(), &settings))
    }
}

/// What a proxy saw of a tunnel to a TLS API: the target, and not one byte of the secrets.
fn assert_blind(proxy: &ConnectProxy) {
    assert!(proxy.bytes_seen() > 0);
    assert!(!proxy.saw(TOKEN.as_bytes()), "the proxy saw the token");
    assert!(
        !proxy.saw(b"Bearer"),
        "the proxy saw the Authorization header"
    );
    assert!(!proxy.saw(NUMBER_DIGITS), "the proxy saw the caller number");
    assert!(
        !proxy.saw(b"callback_status"),
        "the proxy saw the request path"
    );
}

#[test]
fn https_through_the_proxy_key_the_proxy_sees_only_the_connect() {
    let api = Api::start("localhost", "key");
    let proxy = ConnectProxy::start(Mode::Tunnel);
    let client = api.client(&[("proxy", &proxy.url())]).unwrap();
    let report = client.lookup(NUMBER).expect("a lookup through the proxy");
    assert_eq!(report.primary().unwrap().position, Some(3));
    assert_eq!(proxy.connects(), 1);
    let head = &proxy.heads()[0];
    let target = format!("localhost:{}", api.server.port());
    assert!(
        head.starts_with(&format!("CONNECT {target} HTTP/1.1\r\n")),
        "{head}"
    );
    assert_eq!(header(head, "host").as_deref(), Some(target.as_str()));
    assert_eq!(header(head, "proxy-authorization"), None);
    assert_blind(&proxy);
    assert_eq!(api.server.requests(), 1, "the API got the request");
}

#[test]
fn the_tunnel_is_pooled_one_connect_for_n_requests_of_every_kind() {
    // The simulator (plain http:// on loopback), tunnelled the same way, serves every endpoint.
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let proxy = ConnectProxy::start(Mode::Tunnel);
    let client = client(
        &sim.organization_url(),
        &[
            ("proxy", &proxy.url()),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
            ("prewarm", "false"),
            ("widget_id", "w-open"),
        ],
    );
    for _ in 0..5 {
        assert!(client.lookup(NUMBER).unwrap().found());
    }
    let number = client.normalize("+15551230002").unwrap();
    client.cancel(&number).expect("cancel through the proxy");
    client
        .widget_status(None)
        .expect("widget through the proxy");
    let booked = client.register("+15557770001", RegisterRequest::default());
    assert!(booked.error().is_none(), "{:?}", booked.error());
    client.prefetch("+15551230003").unwrap();
    client.wait_background(Duration::from_secs(3));
    assert!(client.lookup("+15551230003").unwrap().found());
    // 5 lookups, cancel, widget, register, the prefetch (the lookup after it takes its answer).
    assert_eq!(sim.request_count(), 9, "every request reached the API");
    assert_eq!(
        proxy.connects(),
        1,
        "one tunnel, reused: {:?}",
        proxy.heads()
    );
    assert_eq!(sim.connection_count(), 1);
    assert_eq!(client.stats().connections_opened, 1);
}

#[test]
fn prewarm_opens_the_tunnel_ahead_and_the_lookup_uses_it() {
    let api = Api::start("localhost", "prewarm");
    let proxy = ConnectProxy::start(Mode::Tunnel);
    let client = api
        .client(&[("proxy", &proxy.url()), ("prewarm", "true")])
        .unwrap();
    client.wait_background(Duration::from_secs(3));
    assert_eq!(proxy.connects(), 1, "the warm-up went through the proxy");
    assert_eq!(api.server.connections(), 1);
    assert_eq!(api.server.requests(), 0);
    for _ in 0..3 {
        assert!(client.lookup(NUMBER).unwrap().found());
    }
    assert_eq!(proxy.connects(), 1, "the lookups took the warm tunnel");
    assert_eq!(api.server.connections(), 1);
    assert_blind(&proxy);
}

#[test]
fn a_direct_and_a_tunnelled_client_to_one_host_never_share_a_connection() {
    let api = Api::start("localhost", "mixed");
    let proxy = ConnectProxy::start(Mode::Tunnel);
    let tunnelled = api.client(&[("proxy", &proxy.url())]).unwrap();
    let direct = api.client(&[("proxy", "none")]).unwrap();
    for _ in 0..3 {
        assert!(tunnelled.lookup(NUMBER).unwrap().found());
        assert!(direct.lookup(NUMBER).unwrap().found());
    }
    assert_eq!(proxy.connects(), 1);
    assert_eq!(api.server.connections(), 2, "one tunnelled, one direct");
    assert_eq!(api.server.requests(), 6);
}

/// The log lines written while `f` runs (this file's only logger user).
fn logged_during<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    static LOGGING: Mutex<()> = Mutex::new(());
    let _turn = LOGGING.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    set_logger(
        Some(Arc::new(move |level: Level, message: &str| {
            sink.lock()
                .unwrap()
                .push(format!("{}: {message}", level.as_str()))
        })),
        Level::Debug,
    );
    let value = f();
    set_logger(None, Level::Debug);
    let lines = seen.lock().unwrap().clone();
    (value, lines)
}

#[test]
fn credentials_go_as_proxy_authorization_and_never_into_logs_or_errors() {
    let api = Api::start("localhost", "auth");
    // user "us@er", password "pa:ss%w0rd", percent-encoded in the URL.
    let expected = "Basic dXNAZXI6cGE6c3MldzByZA==";
    let proxy = ConnectProxy::start(Mode::RequireAuth(expected.into()));
    let port = proxy.name().rsplit(':').next().unwrap().to_string();
    let good = format!("http://us%40er:pa%3Ass%25w0rd@127.0.0.1:{port}");
    let bad = format!("http://us%40er:WRONGpassw0rd@127.0.0.1:{port}");
    let (outcomes, logs) = logged_during(|| {
        let client = api.client(&[("proxy", &good)]).unwrap();
        let found = client.lookup(NUMBER);
        let refused_client = api.client(&[("proxy", &bad)]).unwrap();
        let refused = refused_client.lookup(NUMBER);
        let without = api
            .client(&[("proxy", &proxy.url())])
            .unwrap()
            .lookup(NUMBER);
        (
            found,
            refused,
            without,
            format!("{client:?} {:?}", client.config()),
        )
    });
    let (found, refused, without, debug) = outcomes;
    assert!(found.expect("the right credentials").found());
    let heads = proxy.heads();
    assert_eq!(
        header(&heads[0], "proxy-authorization").as_deref(),
        Some(expected)
    );
    let refused = refused.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Connect, "{refused}");
    assert!(refused.detail().contains(&proxy.name()), "{refused}");
    assert!(refused.detail().contains("407"), "{refused}");
    assert!(
        refused.detail().contains("refused the credentials"),
        "{refused}"
    );
    let without = without.unwrap_err();
    assert_eq!(without.kind(), ErrorKind::Connect, "{without}");
    assert!(
        without.detail().contains("requires credentials"),
        "{without}"
    );
    let everything = format!(
        "{refused} {refused:?} {without} {debug} {}",
        logs.join("\n")
    );
    assert!(logs.iter().any(|l| l.contains(&proxy.name())), "{logs:?}");
    for secret in [
        "pa:ss", "pa%3Ass", "w0rd", "WRONG", "dXNAZXI6", "us@er", "us%40er",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    assert_eq!(
        api.server.requests(),
        1,
        "only the authorised tunnel reached the API"
    );
}

#[test]
fn refusals_and_garbage_are_connect_errors_naming_the_proxy_counted_by_the_breaker() {
    let api = Api::start("localhost", "refusals");
    for mode in [
        Mode::Refuse("407 Proxy Authentication Required"),
        Mode::Refuse("403 Forbidden"),
        Mode::Refuse("502 Bad Gateway"),
        Mode::Garbage,
        Mode::CloseMidReply,
    ] {
        let proxy = ConnectProxy::start(mode.clone());
        let client = api
            .client(&[("proxy", &proxy.url()), ("breaker_threshold", "2")])
            .unwrap();
        for _ in 0..2 {
            let (outcome, elapsed) = timed(|| client.lookup(NUMBER));
            let err = outcome.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Connect, "{mode:?}: {err}");
            assert!(err.detail().contains(&proxy.name()), "{mode:?}: {err}");
            assert!(elapsed < Duration::from_secs(1), "{mode:?}: {elapsed:?}");
            eprintln!("{mode:?}: {err}");
        }
        let open = client.lookup(NUMBER).unwrap_err();
        assert_eq!(open.kind(), ErrorKind::CircuitOpen, "{mode:?}: {open}");
        assert_eq!(
            proxy.connects(),
            2,
            "{mode:?}: not retried, then the breaker"
        );
    }
    assert_eq!(api.server.connections(), 0, "nothing went around the proxy");
}

#[test]
fn a_proxy_that_never_answers_or_drips_is_bounded_by_the_deadline() {
    let api = Api::start("localhost", "slow");
    for mode in [Mode::Silent, Mode::Drip] {
        let proxy = ConnectProxy::start(mode.clone());
        let client = api
            .client(&[("proxy", &proxy.url()), ("timeout_ms", "500")])
            .unwrap();
        let (outcome, elapsed) = timed(|| client.lookup(NUMBER));
        let err = outcome.unwrap_err();
        eprintln!(
            "deadline scenario proxy {mode:?}: {} ms: {err}",
            elapsed.as_millis()
        );
        assert_eq!(err.kind(), ErrorKind::Timeout, "{mode:?}: {err}");
        assert!(err.detail().contains(&proxy.name()), "{mode:?}: {err}");
        assert!(
            elapsed >= Duration::from_millis(400),
            "{mode:?}: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_millis(500 + 500),
            "{mode:?}: {elapsed:?}"
        );
        assert_eq!(proxy.connects(), 1);
    }
    assert_eq!(api.server.connections(), 0);
}

#[test]
fn an_unreachable_proxy_is_a_connect_error_naming_it() {
    let api = Api::start("localhost", "unreachable");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let name = closed.local_addr().unwrap().to_string();
    drop(closed);
    let client = api
        .client(&[("proxy", &format!("http://u:hunter2@{name}"))])
        .unwrap();
    let err = client.lookup(NUMBER).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert!(err.detail().contains(&name), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let unresolvable = api
        .client(&[("proxy", "http://proxy.invalid:3128")])
        .unwrap()
        .lookup(NUMBER)
        .unwrap_err();
    assert_eq!(unresolvable.kind(), ErrorKind::Connect, "{unresolvable}");
    assert!(
        unresolvable.detail().contains("proxy.invalid"),
        "{unresolvable}"
    );
    assert_eq!(api.server.connections(), 0);
}

#[test]
fn socks_and_other_schemes_in_the_key_are_refused_naming_them() {
    for value in [
        "socks5://u:hunter2@127.0.0.1:1080",
        "socks5h://127.0.0.1:1080",
        "socks4://127.0.0.1:1080",
        "https://127.0.0.1:3128",
    ] {
        let mut config = cbstatus::Config::new();
        let err = config.set("proxy", value).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{value}");
        let shown = value.replace("u:hunter2@", "");
        assert!(err.detail().contains(&shown), "{value}: {err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let toml = format!("proxy = \"{value}\"");
        let err = cbstatus::Config::new().apply_toml(&toml).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{value}");
    }
}

// --- the environment, in child processes -------------------------------------------------------

/// Run `cbstatus lookup NUMBER` against `api` with `env` (and nothing else of this process's
/// environment); returns (exit code, stdout, stderr).
fn cli_lookup(api: &Api, env: &[(&str, &str)]) -> (i32, String, String) {
    let url = api.url();
    let bundle = api.bundle.to_str().unwrap().to_string();
    let mut all = vec![
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_CA_BUNDLE", bundle.as_str()),
        ("CBSTATUS_API_TOKEN", TOKEN),
        ("CBSTATUS_TIMEOUT_MS", "3000"),
    ];
    all.extend_from_slice(env);
    let mut cmd = cli(&all);
    cmd.args(["lookup", NUMBER]);
    let (output, _) = run_bounded(cmd, None, Duration::from_secs(20));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn every_spelling_of_the_environment_is_honoured_like_curl() {
    let api = Api::start("localhost", "env");
    for var in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        let proxy = ConnectProxy::start(Mode::Tunnel);
        let (code, out, err) = cli_lookup(&api, &[(var, &proxy.url())]);
        assert_eq!(code, 0, "{var}: {out}{err}");
        assert!(out.contains("number 3 in line"), "{var}: {out}");
        assert_eq!(proxy.connects(), 1, "{var}");
        assert_blind(&proxy);
    }
    // Lower case wins over upper case, HTTPS_PROXY over ALL_PROXY.
    let (chosen, other) = (
        ConnectProxy::start(Mode::Tunnel),
        ConnectProxy::start(Mode::Tunnel),
    );
    let (code, ..) = cli_lookup(
        &api,
        &[
            ("https_proxy", &chosen.url()),
            ("HTTPS_PROXY", &other.url()),
        ],
    );
    assert_eq!((code, chosen.connects(), other.connects()), (0, 1, 0));
    let (code, ..) = cli_lookup(
        &api,
        &[("ALL_PROXY", &other.url()), ("HTTPS_PROXY", &chosen.url())],
    );
    assert_eq!((code, chosen.connects(), other.connects()), (0, 2, 0));
    // http_proxy and HTTP_PROXY are for http:// URLs: an https:// one goes direct.
    let unused = ConnectProxy::start(Mode::Tunnel);
    let before = api.server.connections();
    let (code, out, err) = cli_lookup(
        &api,
        &[("http_proxy", &unused.url()), ("HTTP_PROXY", &unused.url())],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(unused.connections(), 0);
    assert_eq!(api.server.connections(), before + 1);
}

#[test]
fn http_proxy_lower_case_only_for_an_http_api_url() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let run = |env: &[(&str, &str)]| {
        let url = sim.organization_url();
        let mut all = vec![("CBSTATUS_API_URL", url.as_str())];
        all.extend_from_slice(env);
        let mut cmd = cli(&all);
        cmd.args(["lookup", NUMBER]);
        let (output, _) = run_bounded(cmd, None, Duration::from_secs(20));
        output.status.code().unwrap_or(-1)
    };
    let proxy = ConnectProxy::start(Mode::Tunnel);
    assert_eq!(run(&[("http_proxy", &proxy.url())]), 0);
    assert_eq!(proxy.connects(), 1, "http_proxy tunnels an http:// URL");
    let target = sim.addr().to_string();
    assert!(proxy.heads()[0].starts_with(&format!("CONNECT {target} HTTP/1.1")));
    // HTTP_PROXY is ignored (a CGI server sets it from a request's Proxy: header), and so
    // is https_proxy for http://.
    assert_eq!(
        run(&[("HTTP_PROXY", &proxy.url()), ("https_proxy", &proxy.url())]),
        0
    );
    assert_eq!(proxy.connects(), 1);
}

#[test]
fn no_proxy_forms_go_direct() {
    let named = Api::start("localhost", "no-proxy-name");
    let by_ip = Api::start("127.0.0.1", "no-proxy-ip");
    for (api, list) in [
        (&named, "localhost"),
        (&named, ".localhost"),
        (&named, "example.com, LOCALHOST."),
        (&named, "*"),
        (&by_ip, "127.0.0.1"),
        (&by_ip, "127.0.0.0/8"),
        (&by_ip, "10.0.0.0/8,127.0.0.1/32"),
    ] {
        for var in ["no_proxy", "NO_PROXY"] {
            let proxy = ConnectProxy::start(Mode::Tunnel);
            let (code, out, err) = cli_lookup(api, &[("HTTPS_PROXY", &proxy.url()), (var, list)]);
            assert_eq!(code, 0, "{var}={list}: {out}{err}");
            assert_eq!(
                proxy.connections(),
                0,
                "{var}={list} went through the proxy"
            );
        }
    }
    // Lists that do not name the host leave it behind the proxy.
    for (api, list) in [
        (&named, "example.com"),
        (&named, "calhost"),
        (&by_ip, "10.0.0.0/8"),
        (&by_ip, "localhost"),
    ] {
        let proxy = ConnectProxy::start(Mode::Tunnel);
        let (code, out, err) =
            cli_lookup(api, &[("HTTPS_PROXY", &proxy.url()), ("no_proxy", list)]);
        assert_eq!(code, 0, "{list}: {out}{err}");
        assert_eq!(proxy.connects(), 1, "no_proxy={list}");
    }
}

#[test]
fn the_proxy_key_overrides_the_environment_and_none_ignores_it() {
    let api = Api::start("localhost", "override");
    let from_env = ConnectProxy::start(Mode::Refuse("403 Forbidden"));
    let from_key = ConnectProxy::start(Mode::Tunnel);
    let (code, out, err) = cli_lookup(
        &api,
        &[
            ("HTTPS_PROXY", &from_env.url()),
            ("no_proxy", "localhost"),
            ("CBSTATUS_PROXY", &from_key.url()),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!((from_key.connects(), from_env.connections()), (1, 0));
    let (code, out, err) = cli_lookup(
        &api,
        &[("HTTPS_PROXY", &from_env.url()), ("CBSTATUS_PROXY", "none")],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(from_env.connections(), 0);
    // And refused by the environment's proxy when nothing overrides it.
    let (code, _, err) = cli_lookup(&api, &[("HTTPS_PROXY", &from_env.url())]);
    assert_eq!(code, 1);
    assert!(err.contains(&from_env.name()), "{err}");
}

#[test]
fn a_socks_proxy_in_the_environment_is_refused_at_client_creation() {
    let api = Api::start("localhost", "socks-env");
    for (var, value) in [
        ("ALL_PROXY", "socks5://u:hunter2@127.0.0.1:1080"),
        ("https_proxy", "socks5h://127.0.0.1:1080"),
        ("HTTPS_PROXY", "socks4://127.0.0.1:1080"),
    ] {
        let (code, out, err) = cli_lookup(&api, &[(var, value)]);
        assert_eq!(code, 2, "{var}: {out}{err}");
        assert!(err.contains(var) && err.contains("SOCKS"), "{var}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
        // CBSTATUS_PROXY=none ignores it.
        let (code, out, err) = cli_lookup(&api, &[(var, value), ("CBSTATUS_PROXY", "none")]);
        assert_eq!(code, 0, "{var}: {out}{err}");
    }
}

// --- C --------------------------------------------------------------------------------------

fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| {
        let exe = common::scratch("proxy-c").join("oneshot_probe");
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/oneshot_probe.c");
        common::compile_c(&source, &exe, false, &[]);
        exe
    })
}

#[test]
fn the_c_api_inherits_https_proxy_and_refuses_socks() {
    let api = Api::start("localhost", "c");
    let proxy = ConnectProxy::start(Mode::Tunnel);
    let run = |env: &[(&str, &str)]| {
        let url = api.url();
        let bundle = api.bundle.to_str().unwrap().to_string();
        let mut cmd = Command::new(probe());
        cmd.arg(NUMBER)
            .env_clear()
            .env("CBSTATUS_API_URL", &url)
            .env("CBSTATUS_CA_BUNDLE", &bundle)
            .env("CBSTATUS_API_TOKEN", TOKEN)
            .env("CBSTATUS_TIMEOUT_MS", "3000");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (output, _) = run_bounded(cmd, None, Duration::from_secs(20));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let out = run(&[("HTTPS_PROXY", &proxy.url())]);
    assert!(
        out.contains("code=0 ") && out.contains("number 3 in line"),
        "{out}"
    );
    assert_eq!(proxy.connects(), 1);
    assert_blind(&proxy);
    let out = run(&[("ALL_PROXY", "socks5://127.0.0.1:1080")]);
    assert!(out.contains("code=3 "), "CB_E_INVALID_CONFIG: {out}");
}
