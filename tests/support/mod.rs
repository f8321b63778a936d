//! Helpers for the reliability tests (deadlines, faults, stress, bad input, security): a raw
//! loopback HTTP server whose every byte the test controls, clients made from a few settings,
//! and bounded waiting. Everything listens on 127.0.0.1 and stops when dropped.
#![allow(dead_code)]

pub mod asterisk;
pub mod fastagi;
pub mod gated;
pub mod proxy;
pub mod tls;

use cbstatus::{ffi, Client, Config};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest any server thread keeps a connection open, whatever its handler wants: a test that
/// forgets to stop a server still ends.
pub const MAX_HOLD: Duration = Duration::from_secs(20);

/// What a connection handler gets besides its stream.
pub struct Ctx {
    stop: Arc<AtomicBool>,
    /// Requests read so far on this server (see [`read_request`]).
    pub requests: Arc<AtomicUsize>,
}

impl Ctx {
    /// True once the server is being dropped.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sleep until the server stops (bounded by [`MAX_HOLD`]), keeping whatever is open.
    pub fn hold(&self) {
        let until = Instant::now() + MAX_HOLD;
        while !self.stopped() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sleep `d`, or less if the server stops. Returns false if it stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.stopped() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5).min(d));
        }
        !self.stopped()
    }

    /// Read one request (head and `Content-Length` body) and count it; `None` at EOF / error.
    pub fn read_request(&self, reader: &mut impl BufRead) -> Option<Request> {
        let request = read_request(reader)?;
        self.requests.fetch_add(1, Ordering::SeqCst);
        Some(request)
    }
}

/// A request as the raw server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Read a request head and its `Content-Length` body.
pub fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).ok()?;
        if n == 0 {
            return None;
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        head.push_str(&line);
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; len.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

/// Close `stream` with a TCP RST (SO_LINGER 0) instead of a FIN.
pub fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    use std::os::fd::AsRawFd;
    // SAFETY: setsockopt on a live socket with a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}

/// A complete HTTP/1.1 response with `Content-Length` and `Connection: close`.
pub fn response(status: &str, extra_headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in extra_headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// A JSON 200 reply with `body`.
pub fn json_ok(body: &str) -> Vec<u8> {
    response(
        "200 OK",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

/// A found reply: ASAP, `position` in line, `wait` seconds.
pub fn found_body(position: u32, wait: u32) -> String {
    format!(
        r#"{{"data":[{{"type":"ASAP","status":"waitlisted","forecast_waitlist_position":"{position}","estimated_wait_time":"{wait}"}}]}}"#
    )
}

type Handler = dyn Fn(TcpStream, &Ctx) + Send + Sync + 'static;

/// A loopback TCP server running `handler` on a thread per accepted connection.
pub struct RawServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    accept: Option<JoinHandle<()>>,
}

impl RawServer {
    pub fn start(handler: impl Fn(TcpStream, &Ctx) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, c, r) = (stop.clone(), connections.clone(), requests.clone());
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let ctx = Ctx {
                    stop: s.clone(),
                    requests: r.clone(),
                };
                let handler = handler.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(MAX_HOLD));
                    let _ = stream.set_write_timeout(Some(MAX_HOLD));
                    handler(stream, &ctx)
                });
            }
        });
        RawServer {
            addr,
            stop,
            connections,
            requests,
            accept: Some(accept),
        }
    }

    /// A server that reads each request and answers it with `reply` (then closes).
    pub fn answering(reply: Vec<u8>) -> RawServer {
        RawServer::start(move |stream, ctx| {
            let mut reader = BufReader::new(stream);
            if ctx.read_request(&mut reader).is_some() {
                let _ = reader.get_mut().write_all(&reply);
                let _ = reader.get_mut().flush();
            }
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT/api/organization/raw`.
    pub fn url(&self) -> String {
        format!("http://{}/api/organization/raw", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests read so far (by handlers using [`Ctx::read_request`]).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A client for `url` with extra settings (`key`, `value`) applied over the defaults.
pub fn client(url: &str, settings: &[(&str, &str)]) -> Client {
    Client::new(&config(url, settings)).expect("client")
}

/// Defaults + `api_url` + `settings`.
pub fn config(url: &str, settings: &[(&str, &str)]) -> Config {
    let mut config = Config::new();
    config.set("api_url", url).expect("api_url");
    config.set("timezone", "America/New_York").unwrap();
    for (key, value) in settings {
        config
            .set(key, value)
            .unwrap_or_else(|e| panic!("{key}={value}: {e}"));
    }
    config
}

/// Run `f` on its own thread and fail the test if it has not finished within `limit` (a
/// deadlock or a hang must fail the test, not stall the suite).
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => {
            let _ = worker.join();
            value
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?} (hang or deadlock)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("worker ended without a value"),
        },
    }
}

/// Run `f(0)` ... `f(n - 1)` on `n` threads at once and return the longest time any of them
/// reports (each times only the call it measures); a panic in one fails the test.
pub fn slowest_of<F>(n: usize, f: F) -> Duration
where
    F: Fn(usize) -> Duration + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || f(i))
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .max()
        .unwrap()
}

/// A C API client (`cb_client_new` for `url`), freed with `cb_client_free` when dropped.
pub struct CClient(pub *mut ffi::client::cb_client);

impl CClient {
    pub fn new(url: &str) -> CClient {
        let url = std::ffi::CString::new(url).unwrap();
        // SAFETY: the C API used as documented.
        unsafe {
            let mut config = std::ptr::null_mut();
            assert_eq!(ffi::config::cb_config_new(&mut config), ffi::CB_OK);
            assert_eq!(
                ffi::config::cb_config_set(config, c"api_url".as_ptr(), url.as_ptr()),
                ffi::CB_OK
            );
            let mut client = std::ptr::null_mut();
            assert_eq!(ffi::client::cb_client_new(config, &mut client), ffi::CB_OK);
            ffi::config::cb_config_free(config);
            CClient(client)
        }
    }
}

impl Drop for CClient {
    fn drop(&mut self) {
        // SAFETY: created by cb_client_new, freed once.
        unsafe { ffi::client::cb_client_free(self.0) }
    }
}

/// Time `f`.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

/// The English fallback sentence every failed lookup renders as text.
pub const FALLBACK_EN: &str = "Sorry, we can't check your callback right now.";

/// Path of the `cbstatus` binary built for these tests.
pub fn cbstatus_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cbstatus")
}

/// A `Command` for the CLI with a clean environment (PATH only) plus `env`.
pub fn cli(env: &[(&str, &str)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(cbstatus_bin());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CBSTATUS_TIMEZONE", "America/New_York");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Run a command to its end: (exit code or -1 for a signal, stdout, stderr).
pub fn run(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Run a command, killing it if it runs past `limit`; returns (output, elapsed).
pub fn run_bounded(
    mut cmd: std::process::Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
) -> (std::process::Output, Duration) {
    use std::process::Stdio;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let id = child.id();
    let (tx, rx) = mpsc::channel::<()>();
    let killer = std::thread::spawn(move || {
        if rx.recv_timeout(limit).is_err() {
            // Still running past the limit: end it (by its own pid) and let the test fail.
            // SAFETY: plain kill(2) on the child we spawned.
            unsafe {
                libc::kill(id as libc::pid_t, libc::SIGKILL);
            }
        }
    });
    let output = child.wait_with_output().expect("wait");
    let elapsed = started.elapsed();
    let _ = tx.send(());
    let _ = killer.join();
    assert!(
        elapsed < limit,
        "{cmd:?} ran past {limit:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output, elapsed)
}

/// What a fake Asterisk saw of one `cbstatus agi` run.
#[derive(Debug)]
pub struct AgiRun {
    /// Every command line the program sent (without the newline).
    pub lines: Vec<String>,
    /// Raw stdout bytes, to check framing byte by byte.
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: Option<i32>,
    pub elapsed: Duration,
}

impl AgiRun {
    /// The decoded value of `SET VARIABLE name "..."`, if set.
    pub fn var(&self, name: &str) -> Option<String> {
        self.lines.iter().find_map(|line| {
            let (n, v) = parse_set_variable(line).ok()?;
            (n == name).then_some(v)
        })
    }
}

/// Parse `SET VARIABLE NAME "value"` strictly: one line, the value quoted, `"` and `\` escaped,
/// no control characters. Returns the name and the unescaped value.
pub fn parse_set_variable(line: &str) -> std::result::Result<(String, String), String> {
    let rest = line
        .strip_prefix("SET VARIABLE ")
        .ok_or_else(|| format!("not SET VARIABLE: {line:?}"))?;
    let (name, quoted) = rest
        .split_once(' ')
        .ok_or_else(|| format!("no value: {line:?}"))?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err(format!("bad variable name {name:?}"));
    }
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .ok_or_else(|| format!("value not quoted: {line:?}"))?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('\\' | '"')) => value.push(e),
                other => return Err(format!("bad escape \\{other:?} in {line:?}")),
            },
            '"' => return Err(format!("unescaped quote in {line:?}")),
            c if c.is_control() => return Err(format!("control character in {line:?}")),
            c => value.push(c),
        }
    }
    Ok((name.to_string(), value))
}

/// Run `cbstatus agi ARGS` as Asterisk would: send `agi_env` on stdin, then answer every
/// command line with `reply` until the program closes stdout. Killed after `limit`.
pub fn fake_asterisk(
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    agi_env: &[u8],
    reply: &'static str,
    limit: Duration,
) -> AgiRun {
    use std::process::Stdio;
    let mut cmd = cli(env);
    cmd.arg("agi")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn cbstatus agi");
    let id = child.id();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let killer = std::thread::spawn(move || {
        if done_rx.recv_timeout(limit).is_err() {
            // SAFETY: kill(2) on the child this function spawned.
            unsafe {
                libc::kill(id as libc::pid_t, libc::SIGKILL);
            }
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let _ = stdin.write_all(agi_env);
    let _ = stdin.flush();
    let mut reader = BufReader::new(stdout);
    let mut raw = Vec::new();
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        raw.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        lines.push(text.strip_suffix('\n').unwrap_or(&text).to_string());
        let _ = stdin.write_all(reply.as_bytes());
        let _ = stdin.flush();
    }
    drop(stdin);
    let status = child.wait().expect("wait");
    let elapsed = started.elapsed();
    let _ = done_tx.send(());
    let _ = killer.join();
    AgiRun {
        lines,
        stdout: raw,
        stderr: stderr.join().unwrap_or_default(),
        code: status.code(),
        elapsed,
    }
}

/// A minimal AGI environment block for caller id `callerid`.
pub fn agi_env_block(callerid: &[u8]) -> Vec<u8> {
    let mut env =
        b"agi_request: cbstatus\nagi_channel: PJSIP/100-00000001\nagi_language: en\nagi_callerid: "
            .to_vec();
    env.extend_from_slice(callerid);
    env.extend_from_slice(
        b"\nagi_calleridname: Test\nagi_callingpres: 0\nagi_context: default\n\n",
    );
    env
}

/// The commands Asterisk's res_agi.c would execute for `stdout`: it reads each command with
/// `fgets` into a 2048-byte buffer (`AGI_BUF_LEN`), so a line of 2047 bytes or more is cut and
/// its remainder runs as a separate command.
pub fn asterisk_commands(stdout: &[u8]) -> Vec<String> {
    const AGI_BUF_LEN: usize = 2048;
    let mut commands = Vec::new();
    let mut rest = stdout;
    while !rest.is_empty() {
        let max = (AGI_BUF_LEN - 1).min(rest.len());
        let end = rest[..max]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(max, |i| i + 1);
        let command = String::from_utf8_lossy(&rest[..end]);
        commands.push(command.trim_end_matches('\n').to_string());
        rest = &rest[end..];
    }
    commands
}

/// A second organization for profile tests: the simulator with only `+15551230001`, 9th in
/// line (the demo has it 4th), so an answer shows which organization gave it.
pub fn organization_b() -> cbstatus_sim::Simulator {
    let scenarios = cbstatus_sim::Scenarios::from_toml_str(
        "[[number]]\nnumber = \"+15551230001\"\n[[number.callback]]\ntype = \"ASAP\"\n\
         status = \"waitlisted\"\nforecast_waitlist_position = \"9\"\n",
    )
    .expect("scenarios");
    cbstatus_sim::Simulator::start("127.0.0.1:0", scenarios).expect("simulator")
}
