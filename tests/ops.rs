//! Operating `cbstatus fastagi`: metrics scraped during a load of calls (checked with promtool
//! and by value), health and readiness, SIGHUP reload under load, systemd notifications on a
//! fake NOTIFY_SOCKET, two profiles against two simulators, JSON logs, and the packaged unit
//! checked by `systemd-analyze verify`. Everything talks to 127.0.0.1 only.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `cbstatus fastagi`, killed when dropped; its stderr is collected.
struct Server {
    child: Child,
    agi: String,
    http: Option<String>,
    stderr: Arc<Mutex<String>>,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(support::cbstatus_bin());
        cmd.args(["fastagi", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_clear()
            .env("CBSTATUS_TIMEZONE", "America/New_York")
            .env("CBSTATUS_TIMEOUT_MS", "1500")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn cbstatus fastagi");
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let mut pipe = child.stderr.take().unwrap();
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    stderr
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let agi = line
            .trim()
            .strip_prefix("agi://")
            .and_then(|s| s.strip_suffix("/cbstatus"))
            .unwrap_or_else(|| panic!("first line {line:?}"))
            .to_string();
        let http = args.contains(&"--http").then(|| {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            line.trim()
                .strip_prefix("http://")
                .and_then(|s| s.strip_suffix("/metrics"))
                .unwrap_or_else(|| panic!("second line {line:?}"))
                .to_string()
        });
        Server {
            child,
            agi,
            http,
            stderr,
            _stdout: stdout,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// `GET path` on the HTTP endpoint: (status, body).
    fn get(&self, path: &str) -> (u16, String) {
        http_get(self.http.as_deref().expect("--http"), path)
    }

    /// The value of one series of the exposition, e.g.
    /// `cbstatus_requests_total{profile="default",action="status",result="found"}`.
    fn metric(&self, series: &str) -> f64 {
        let (status, body) = self.get("/metrics");
        assert_eq!(status, 200);
        value_of(&body, series)
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the child this test spawned.
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
    }

    /// SIGTERM, then wait (bounded) for the exit code.
    fn stop(mut self) -> (Option<i32>, String) {
        self.signal(libc::SIGTERM);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50)); // let the stderr reader finish
                return (status.code(), self.stderr());
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a complete answer");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, body.to_string())
}

fn value_of(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series {series} in\n{exposition}"))
}

/// What Asterisk saw of one FastAGI call.
#[derive(Debug, Default)]
struct Call {
    vars: BTreeMap<String, String>,
}

/// One FastAGI call as Asterisk makes it: the environment, then `200 result=1` to every
/// command until the server hangs up.
fn call(addr: &str, script: &str, number: &str) -> Call {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    write!(
        writer,
        "agi_network: yes\nagi_network_script: {script}\nagi_request: agi://{addr}/{script}\n\
         agi_channel: PJSIP/100-00000001\nagi_language: en\nagi_uniqueid: 1700000000.42\n\
         agi_callerid: +15559990000\nagi_callingpres: 0\nagi_arg_1: {number}\n\n"
    )
    .unwrap();
    let mut call = Call::default();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some((name, value)) = line
            .trim_end()
            .strip_prefix("SET VARIABLE ")
            .and_then(|rest| rest.split_once(' '))
        {
            let value = value.trim_matches('"').replace("\\\"", "\"");
            call.vars.insert(name.to_string(), value);
        }
        if writer.write_all(b"200 result=1\n").is_err() {
            break;
        }
    }
    call
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

/// `promtool check metrics` on `exposition`: its output when it complains.
fn promtool_check_metrics(exposition: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus; scripts/test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && said.trim().is_empty() {
        Ok(())
    } else {
        Err(said)
    }
}

const NUMBERS: [(&str, &str); 3] = [
    ("5551230001", "FOUND"),
    ("5551230099", "NOT_FOUND"),
    ("5551230500", "ERROR"),
];

#[test]
fn metrics_scraped_during_a_load_of_calls_pass_promtool_and_count_every_call() {
    let sim = demo();
    let server = Server::start(
        &["--http", "127.0.0.1:0"],
        &[
            ("CBSTATUS_API_URL", &sim.organization_url()),
            ("CBSTATUS_API_TOKEN", "tok-never-shown"),
            ("CBSTATUS_BREAKER_THRESHOLD", "0"),
        ],
    );
    let (threads, per_thread) = (6, 10);
    let loading = AtomicBool::new(true);
    let scrapes = AtomicUsize::new(0);
    let results: Vec<String> = std::thread::scope(|s| {
        let scraper = s.spawn(|| {
            let mut checked = false;
            while loading.load(Ordering::SeqCst) {
                let (status, body) = server.get("/metrics");
                assert_eq!(status, 200);
                if !checked {
                    promtool_check_metrics(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
                    checked = true;
                }
                scrapes.fetch_add(1, Ordering::SeqCst);
            }
        });
        let callers: Vec<_> = (0..threads)
            .map(|t| {
                let addr = &server.agi;
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            let (number, want) = NUMBERS[(t + i) % 3];
                            let got = call(addr, "cbstatus", number);
                            assert_eq!(got.vars["CBSTATUS_RESULT"], want, "{number}");
                            want.to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let results = callers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        loading.store(false, Ordering::SeqCst);
        scraper.join().unwrap();
        results
    });
    assert!(scrapes.load(Ordering::SeqCst) > 0);
    let count = |want: &str| results.iter().filter(|r| *r == want).count() as f64;

    let (status, body) = server.get("/metrics");
    assert_eq!(status, 200);
    promtool_check_metrics(&body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    let series = |s: &str| value_of(&body, s);
    let requests = |result: &str| {
        series(&format!(
            "cbstatus_requests_total{{profile=\"default\",action=\"status\",result=\"{result}\"}}"
        ))
    };
    assert_eq!(requests("found"), count("FOUND"));
    assert_eq!(requests("not_found"), count("NOT_FOUND"));
    assert_eq!(requests("error"), count("ERROR"));
    assert_eq!(
        series("cbstatus_errors_total{profile=\"default\",error=\"http_status\"}"),
        count("ERROR")
    );
    assert_eq!(
        series("cbstatus_request_duration_seconds_count{profile=\"default\"}"),
        (threads * per_thread) as f64
    );
    // Upstream requests: what the simulator saw (the rest came from the cache or shared a
    // lookup in flight).
    let upstream: f64 = ["200", "503"]
        .iter()
        .map(|c| {
            series(&format!(
                "cbstatus_upstream_requests_total{{profile=\"default\",code=\"{c}\"}}"
            ))
        })
        .sum();
    assert_eq!(upstream, sim.request_count() as f64);
    assert_eq!(
        series("cbstatus_upstream_duration_seconds_count{profile=\"default\"}"),
        upstream
    );
    let hits = series("cbstatus_cache_hits_total{profile=\"default\"}");
    let coalesced = series("cbstatus_coalesced_total{profile=\"default\"}");
    assert_eq!(upstream + hits + coalesced, (threads * per_thread) as f64);
    assert_eq!(
        series("cbstatus_connections_opened_total{profile=\"default\"}"),
        sim.connection_count() as f64
    );
    assert_eq!(series("cbstatus_calls_in_flight{profile=\"default\"}"), 0.0);
    assert_eq!(series("cbstatus_breaker_open{profile=\"default\"}"), 0.0);
    assert_eq!(
        series("cbstatus_prefetch_total{profile=\"default\",outcome=\"started\"}"),
        0.0
    );
    assert_eq!(
        series("cbstatus_calls_rejected_total{profile=\"default\",reason=\"busy\"}"),
        0.0
    );
    assert_eq!(
        series(&format!(
            "cbstatus_build_info{{version=\"{}\"}}",
            cbstatus::VERSION
        )),
        1.0
    );
    assert!(
        body.contains("cbstatus_request_duration_seconds_bucket{profile=\"default\",le=\"0.001\"}")
    );
    assert!(body.contains("cbstatus_request_duration_seconds_bucket{profile=\"default\",le=\"5\"}"));
    for secret in ["tok-never-shown", "5551230001", "5559990000"] {
        assert!(!body.contains(secret), "{secret} in the metrics");
    }
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0));
    assert!(!stderr.contains("tok-never-shown"));
}

#[test]
fn health_and_readiness_follow_the_breaker_and_the_configuration() {
    let sim = demo();
    let server = Server::start(
        &["--http", "127.0.0.1:0"],
        &[
            ("CBSTATUS_API_URL", &sim.organization_url()),
            ("CBSTATUS_BREAKER_THRESHOLD", "2"),
            ("CBSTATUS_BREAKER_COOLDOWN_MS", "1000"),
        ],
    );
    assert_eq!(server.get("/healthz"), (200, "ok\n".to_string()));
    assert_eq!(server.get("/readyz"), (200, "ready\n".to_string()));
    assert_eq!(server.get("/nothing").0, 404);
    // The simulator fails: two 503s open the breaker and readiness flips.
    for _ in 0..2 {
        assert_eq!(
            call(&server.agi, "cbstatus", "5551230500").vars["CBSTATUS_RESULT"],
            "ERROR"
        );
    }
    let (status, reason) = server.get("/readyz");
    assert_eq!(status, 503);
    assert!(
        reason.contains("default") && reason.contains("breaker"),
        "{reason}"
    );
    assert_eq!(reason.lines().count(), 1, "one line: {reason:?}");
    assert_eq!(
        server.metric("cbstatus_breaker_open{profile=\"default\"}"),
        1.0
    );
    assert_eq!(
        call(&server.agi, "cbstatus", "5551230001").vars["CBSTATUS_ERROR"],
        "circuit_open"
    );
    assert_eq!(
        server.metric("cbstatus_calls_rejected_total{profile=\"default\",reason=\"circuit_open\"}"),
        1.0
    );
    assert_eq!(server.get("/healthz").0, 200, "still serving calls");
    // After the cool-down a good probe closes it again.
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        call(&server.agi, "cbstatus", "5551230002").vars["CBSTATUS_RESULT"],
        "FOUND"
    );
    assert_eq!(server.get("/readyz"), (200, "ready\n".to_string()));
    assert_eq!(
        server.metric("cbstatus_breaker_open{profile=\"default\"}"),
        0.0
    );
    assert_eq!(server.stop().0, Some(0));

    // No API URL: serving (the fallback), but not ready, and it says why.
    let server = Server::start(&["--http", "127.0.0.1:0"], &[]);
    assert_eq!(server.get("/healthz").0, 200);
    let (status, reason) = server.get("/readyz");
    assert_eq!(status, 503);
    assert!(reason.contains("API URL"), "{reason}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cbstatus-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(path: &Path, text: &str) {
    // Write then rename: the server never reads a half-written file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn sighup_under_load_drops_no_call_and_refuses_a_bad_configuration() {
    let sim = demo();
    let dir = temp_dir("reload");
    let file = dir.join("cbstatus.toml");
    let base = format!(
        "api_url = \"{}\"\nbreaker_threshold = 0\ncache_ttl_ms = 0\n",
        sim.organization_url()
    );
    write_config(&file, &base);
    let server = Server::start(
        &["--http", "127.0.0.1:0"],
        &[("CBSTATUS_CONFIG", file.to_str().unwrap())],
    );
    let loading = AtomicBool::new(true);
    let made = AtomicUsize::new(0);
    let spanish = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let callers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    while loading.load(Ordering::SeqCst) {
                        // 5551230200 answers after 300 ms: calls are in progress at the reload.
                        let got = call(&server.agi, "cbstatus", "5551230200");
                        assert_eq!(
                            got.vars.get("CBSTATUS_RESULT").map(String::as_str),
                            Some("FOUND"),
                            "a call was dropped or failed: {got:?}"
                        );
                        if got.vars["CBSTATUS_TEXT"].starts_with("Usted") {
                            spanish.fetch_add(1, Ordering::SeqCst);
                        }
                        made.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(700));
        write_config(&file, &format!("{base}locale = \"es-US\"\n"));
        server.signal(libc::SIGHUP);
        std::thread::sleep(Duration::from_millis(900));
        write_config(&file, &format!("{base}timeout_ms = \"soon\"\n"));
        server.signal(libc::SIGHUP);
        std::thread::sleep(Duration::from_millis(700));
        loading.store(false, Ordering::SeqCst);
        for c in callers {
            c.join().unwrap();
        }
    });
    assert!(made.load(Ordering::SeqCst) >= 12, "a load of calls");
    assert!(
        spanish.load(Ordering::SeqCst) > 0,
        "new calls use the new settings"
    );
    // The refused configuration left the Spanish one in place.
    let text = call(&server.agi, "cbstatus", "5551230001").vars["CBSTATUS_TEXT"].clone();
    assert!(text.starts_with("Usted"), "{text}");
    assert_eq!(
        server.get("/readyz").0,
        200,
        "the old configuration stays valid"
    );
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0));
    assert!(stderr.contains("reloaded"), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("refused") && l.contains("timeout_ms")),
        "a log line refusing the bad configuration: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn systemd_notifications_on_a_fake_notify_socket() {
    let sim = demo();
    let dir = temp_dir("notify");
    let path = dir.join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let server = Server::start(
        &[],
        &[
            ("CBSTATUS_API_URL", &sim.organization_url()),
            ("NOTIFY_SOCKET", path.to_str().unwrap()),
            ("WATCHDOG_USEC", "200000"),
        ],
    );
    let mut seen = Vec::new();
    let mut next = |want: &str| loop {
        let mut buf = [0; 512];
        let n = socket.recv(&mut buf).unwrap_or_else(|e| {
            panic!("no {want} (saw {seen:?}): {e}");
        });
        let message = String::from_utf8_lossy(&buf[..n]).into_owned();
        seen.push(message.clone());
        if message.lines().any(|l| l == want) {
            return message;
        }
    };
    next("READY=1");
    assert_eq!(
        call(&server.agi, "cbstatus", "5551230001").vars["CBSTATUS_RESULT"],
        "FOUND"
    );
    next("WATCHDOG=1");
    next("WATCHDOG=1");
    server.signal(libc::SIGHUP);
    let reloading = next("RELOADING=1");
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    next("READY=1");
    let stopping = std::thread::scope(|s| {
        let waiter = s.spawn(|| next("STOPPING=1"));
        std::thread::sleep(Duration::from_millis(50));
        server.signal(libc::SIGTERM);
        waiter.join().unwrap()
    });
    assert_eq!(stopping, "STOPPING=1");
    assert_eq!(server.stop().0, Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_profiles_against_two_simulators() {
    let a = demo();
    let b = support::organization_b();
    let dir = temp_dir("profiles");
    let file = dir.join("cbstatus.toml");
    write_config(
        &file,
        &format!(
            "api_url = \"{}\"\n[profiles.support]\napi_url = \"{}\"\nbreaker_threshold = 1\ncache_ttl_ms = 0\n",
            a.organization_url(),
            b.organization_url()
        ),
    );
    let server = Server::start(
        &["--http", "127.0.0.1:0", "--log-format", "json"],
        &[("CBSTATUS_CONFIG", file.to_str().unwrap())],
    );
    let top = call(&server.agi, "cbstatus", "5551230001");
    assert_eq!(top.vars["CBSTATUS_POSITION"], "4");
    let support = call(&server.agi, "cbstatus?profile=support", "5551230001");
    assert_eq!(support.vars["CBSTATUS_POSITION"], "9");
    let unknown = call(&server.agi, "cbstatus?profile=billing", "5551230001");
    assert_eq!(unknown.vars["CBSTATUS_RESULT"], "ERROR");
    assert_eq!(unknown.vars["CBSTATUS_ERROR"], "invalid_config");
    assert_eq!(
        (a.request_count(), b.request_count()),
        (1, 1),
        "nobody asked"
    );

    // Each profile has its own client (connections, breaker) and series.
    let (_, body) = server.get("/metrics");
    for (profile, found) in [("default", 1.0), ("support", 1.0)] {
        assert_eq!(
            value_of(
                &body,
                &format!("cbstatus_requests_total{{profile=\"{profile}\",action=\"status\",result=\"found\"}}")
            ),
            found
        );
        assert_eq!(
            value_of(
                &body,
                &format!("cbstatus_connections_opened_total{{profile=\"{profile}\"}}")
            ),
            1.0
        );
    }
    assert!(
        !body.contains("billing"),
        "no series for an unknown profile"
    );
    drop(b); // support's organization goes away: only its breaker opens
    let failed = call(&server.agi, "cbstatus?profile=support", "5551230001");
    assert_eq!(failed.vars["CBSTATUS_RESULT"], "ERROR");
    let (status, reason) = server.get("/readyz");
    assert_eq!(status, 503);
    assert!(reason.contains("support"), "{reason}");
    assert_eq!(
        call(&server.agi, "cbstatus", "5551230002").vars["CBSTATUS_RESULT"],
        "FOUND"
    );

    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0));
    let calls: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .filter(|v: &serde_json::Value| v.get("call_id").is_some())
        .collect();
    assert_eq!(calls.len(), 5, "{stderr}");
    let first = &calls[0];
    assert_eq!(first["call_id"], "1700000000.42");
    assert_eq!(first["profile"], "default");
    assert_eq!(first["action"], "status");
    assert_eq!(first["number"], "…0001");
    assert_eq!(first["result"], "found");
    assert!(first["error"].is_null());
    assert_eq!(first["upstream_status"], 200);
    assert!(first["duration_ms"].as_u64().is_some());
    assert!(first["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(calls[1]["profile"], "support");
    assert_eq!(calls[2]["error"], "invalid_config");
    assert!(
        calls[3]["upstream_status"].is_null(),
        "no HTTP reply: {}",
        calls[3]
    );
    for line in stderr.lines() {
        assert!(
            !line.contains("5551230001"),
            "a full number in the log: {line}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn packaged_unit_passes_systemd_analyze_verify() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit =
        std::fs::read_to_string(root.join("packaging/deb/cbstatus-fastagi.service")).unwrap();
    for line in [
        "Type=notify",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "WatchdogSec=30",
    ] {
        assert!(unit.lines().any(|l| l == line), "the unit lacks {line}");
    }
    // In a container systemd is not PID 1 and /usr/bin/cbstatus is not installed: verify a
    // copy whose ExecStart is the binary under test, with the man pages it documents on
    // MANPATH (verify runs `man` for Documentation=).
    let dir = temp_dir("unit");
    let man1 = dir.join("man/man1");
    std::fs::create_dir_all(&man1).unwrap();
    for entry in std::fs::read_dir(root.join("doc/man")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, man1.join(path.file_name().unwrap())).unwrap();
    }
    let copy = dir.join("cbstatus-fastagi.service");
    std::fs::write(
        &copy,
        unit.replace("/usr/bin/cbstatus", support::cbstatus_bin()),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", dir.join("man"))
        .output()
        .expect("systemd-analyze (Debian package systemd; scripts/test installs it)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed: {said}"
    );
    assert!(
        said.trim().is_empty(),
        "systemd-analyze verify warned: {said}"
    );
    // The check can fail: a typo in the unit is reported.
    std::fs::write(
        &copy,
        unit.replace("Type=notify", "Type=notfy")
            .replace("/usr/bin/cbstatus", support::cbstatus_bin()),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", dir.join("man"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("notfy"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The fenced block of `lang` that follows `heading` in the README.
fn readme_block(heading: &str, lang: &str, nth: usize) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split_once(heading)
        .unwrap_or_else(|| panic!("README has no {heading}"))
        .1;
    let fence = format!("```{lang}\n");
    let block = section
        .split(fence.as_str())
        .nth(nth + 1)
        .unwrap_or_else(|| panic!("no {lang} block under {heading}"));
    block.split("\n```").next().unwrap().to_string() + "\n"
}

#[test]
fn readme_sample_scrape_and_alert_rules_pass_promtool() {
    let sample = readme_block("## Operating it", "text", 0);
    assert!(sample.contains("cbstatus_breaker_open{profile=\"default\"} 0"));
    promtool_check_metrics(&sample).unwrap_or_else(|e| panic!("README sample: {e}"));
    let rules = readme_block("## Operating it", "yaml", 0);
    let dir = temp_dir("rules");
    let file = dir.join("cbstatus-rules.yml");
    std::fs::write(&file, &rules).unwrap();
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .expect("promtool (Debian package prometheus; scripts/test installs it)");
    assert!(
        out.status.success(),
        "promtool check rules: {}{}\n{rules}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every metric an alert uses is one the server exports.
    for metric in [
        "cbstatus_breaker_open",
        "cbstatus_requests_total",
        "cbstatus_upstream_duration_seconds_bucket",
    ] {
        assert!(rules.contains(metric));
        assert!(
            sample.contains(metric.trim_end_matches("_bucket")),
            "{metric}"
        );
    }
    // A broken rule is reported: the check can fail.
    std::fs::write(&file, rules.replace("== 1", "== ")).unwrap();
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn prefetch_counters_follow_prefetch_calls() {
    let sim = demo();
    let server = Server::start(
        &["--http", "127.0.0.1:0"],
        &[
            ("CBSTATUS_API_URL", &sim.organization_url()),
            ("CBSTATUS_CACHE_TTL_MS", "0"),
        ],
    );
    let series = |outcome: &str| {
        server.metric(&format!(
            "cbstatus_prefetch_total{{profile=\"default\",outcome=\"{outcome}\"}}"
        ))
    };
    // 5551230200 answers after 300 ms: the second prefetch finds the first in flight.
    call(&server.agi, "cbstatus/prefetch", "5551230200");
    call(&server.agi, "cbstatus/prefetch", "5551230200");
    let found = call(&server.agi, "cbstatus", "5551230200");
    assert_eq!(found.vars["CBSTATUS_RESULT"], "FOUND");
    assert_eq!(series("started"), 1.0);
    assert_eq!(series("ignored"), 1.0);
    assert_eq!(series("used"), 1.0);
    assert_eq!(series("failed"), 0.0);
    assert_eq!(sim.request_count(), 1, "the lookup used the prefetch");
}
