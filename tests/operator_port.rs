//! The operator port (`cbstatus fastagi --http`) under hostile clients (issue 19, class 3).
//! Eight connections dripping a request line a byte a second used to hold every slot forever
//! (the socket timeout restarted with each byte): `/healthz` answered 0 of 20 probes, and a
//! liveness probe would have restarted the service, dropping live calls.
//!
//! Here, against the real binary: more drippers than the connections it holds, plus floods of
//! connections that send nothing, oversized heads and clients that never read their answer, all
//! at once and renewed as the server closes them, while `/healthz` is probed 20 times; each
//! probe must be answered within 1 s, and no dripper may be held past the request deadline.
//! Everything is on 127.0.0.1 and every loop is bounded in time.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// More than the 64 connections the endpoint holds (and than the 8 it used to).
const DRIPPERS: usize = 72;
/// The endpoint's deadline for a request head (`http/server.rs`, `REQUEST_TIMEOUT`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
const PROBES: usize = 20;
const PROBE_LIMIT: Duration = Duration::from_secs(1);

/// `cbstatus fastagi --http 127.0.0.1:0`, killed when dropped.
struct Server {
    child: Child,
    http: String,
}

impl Server {
    fn start(sim: &Simulator) -> Server {
        let mut child = Command::new(support::cbstatus_bin())
            .args([
                "fastagi",
                "--listen",
                "127.0.0.1:0",
                "--http",
                "127.0.0.1:0",
            ])
            .env_clear()
            .env("CBSTATUS_API_URL", sim.organization_url())
            .env("CBSTATUS_TIMEZONE", "America/New_York")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn cbstatus fastagi");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap(); // agi://...
        line.clear();
        stdout.read_line(&mut line).unwrap();
        let http = line
            .trim()
            .strip_prefix("http://")
            .and_then(|s| s.strip_suffix("/metrics"))
            .unwrap_or_else(|| panic!("second line {line:?}"))
            .to_string();
        Server { child, http }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the server closed `stream` (EOF or reset), without blocking.
fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {} // an answer (431, 400): keep reading to its end
            Err(e) if e.kind() == ErrorKind::WouldBlock => return false,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
}

fn connect(addr: &str) -> Option<TcpStream> {
    let stream = TcpStream::connect(addr).ok()?;
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// The attackers, each a thread renewing its connections until `stop`.
struct Attack {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// The longest any dripper was held open by the server before it closed it.
    longest_drip: Arc<Mutex<Duration>>,
    drips_closed: Arc<AtomicUsize>,
}

impl Attack {
    /// Drippers, and with `floods` the other three attackers too.
    fn start(addr: &str, floods: bool) -> Attack {
        let stop = Arc::new(AtomicBool::new(false));
        let longest_drip = Arc::new(Mutex::new(Duration::ZERO));
        let drips_closed = Arc::new(AtomicUsize::new(0));
        let mut threads = Vec::new();
        let spawn = |threads: &mut Vec<JoinHandle<()>>, f: Box<dyn FnOnce() + Send>| {
            threads.push(std::thread::spawn(f));
        };

        // Drippers: a request line one byte a second, never finished; reconnect when closed.
        let (a, s, longest, count) = (
            addr.to_string(),
            Arc::clone(&stop),
            Arc::clone(&longest_drip),
            Arc::clone(&drips_closed),
        );
        spawn(
            &mut threads,
            Box::new(move || {
                let line = b"GET /healthz?padding-that-never-ends-";
                let mut drippers: Vec<(TcpStream, Instant, usize, Instant)> = Vec::new();
                while !s.load(Ordering::SeqCst) {
                    while drippers.len() < DRIPPERS {
                        match connect(&a) {
                            Some(stream) => {
                                let now = Instant::now();
                                drippers.push((stream, now, 0, now));
                            }
                            None => break,
                        }
                    }
                    let now = Instant::now();
                    drippers.retain_mut(|(stream, connected, sent, next)| {
                        if closed(stream) {
                            let held = connected.elapsed();
                            let mut longest = longest.lock().unwrap();
                            *longest = (*longest).max(held);
                            count.fetch_add(1, Ordering::SeqCst);
                            return false;
                        }
                        if now >= *next {
                            let byte = line.get(*sent).copied().unwrap_or(b'x');
                            if stream.write(&[byte]).is_err() {
                                return true; // seen as closed on the next turn
                            }
                            *sent += 1;
                            *next += Duration::from_secs(1);
                        }
                        true
                    });
                    std::thread::sleep(Duration::from_millis(50));
                }
            }),
        );

        if !floods {
            return Attack {
                stop,
                threads,
                longest_drip,
                drips_closed,
            };
        }

        // A flood of connections that send nothing: 20 every 50 ms, the last 200 kept open.
        let (a, s) = (addr.to_string(), Arc::clone(&stop));
        spawn(
            &mut threads,
            Box::new(move || {
                let mut silent = VecDeque::new();
                while !s.load(Ordering::SeqCst) {
                    for _ in 0..20 {
                        if let Some(stream) = connect(&a) {
                            silent.push_back(stream);
                        }
                    }
                    while silent.len() > 200 {
                        silent.pop_front();
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }),
        );

        // Oversized heads: 64 KiB of headers, again and again.
        let (a, s) = (addr.to_string(), Arc::clone(&stop));
        spawn(
            &mut threads,
            Box::new(move || {
                let huge = format!(
                    "GET /metrics HTTP/1.1\r\n{}\r\n",
                    "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(1300)
                );
                while !s.load(Ordering::SeqCst) {
                    if let Ok(mut stream) = TcpStream::connect(&a) {
                        let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
                        let _ = stream.write_all(huge.as_bytes());
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }),
        );

        // Clients that ask for /metrics and never read the answer: 5 a second, kept open.
        let (a, s) = (addr.to_string(), Arc::clone(&stop));
        spawn(
            &mut threads,
            Box::new(move || {
                let mut deaf = VecDeque::new();
                while !s.load(Ordering::SeqCst) {
                    if let Some(mut stream) = connect(&a) {
                        let _ = stream.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
                        deaf.push_back(stream);
                    }
                    while deaf.len() > 50 {
                        deaf.pop_front();
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }),
        );

        Attack {
            stop,
            threads,
            longest_drip,
            drips_closed,
        }
    }

    fn stop(self) -> (Duration, usize) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads {
            thread.join().unwrap();
        }
        let longest = *self.longest_drip.lock().unwrap();
        (longest, self.drips_closed.load(Ordering::SeqCst))
    }
}

/// `GET path`: the status line and body if answered within `limit`, and the time it took.
fn probe(addr: &str, path: &str, limit: Duration) -> (Option<String>, Duration) {
    let started = Instant::now();
    let answer = (|| {
        let mut stream = TcpStream::connect_timeout(&addr.parse().ok()?, limit).ok()?;
        stream.set_read_timeout(Some(limit)).ok()?;
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n").as_bytes())
            .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer)
    })();
    (answer, started.elapsed())
}

/// Probe `/healthz` [`PROBES`] times under `attack`; returns how many were answered within
/// [`PROBE_LIMIT`], after checking `/metrics` and `/readyz` answer too and that no dripper was
/// held past the request deadline.
fn probes_answered_under(server: &Server, attack: Attack, what: &str) -> usize {
    // Let the attackers fill the slots first.
    std::thread::sleep(Duration::from_millis(1500));
    let mut answered = 0;
    let mut slowest = Duration::ZERO;
    let mut failures = Vec::new();
    for i in 0..PROBES {
        let (answer, took) = probe(&server.http, "/healthz", PROBE_LIMIT);
        let ok = answer
            .as_deref()
            .is_some_and(|a| a.starts_with("HTTP/1.1 200 ") && a.ends_with("\r\n\r\nok\n"));
        if ok && took < PROBE_LIMIT {
            answered += 1;
            slowest = slowest.max(took);
        } else {
            failures.push(format!("probe {i}: {answer:?} after {took:?}"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let (metrics, _) = probe(&server.http, "/metrics", PROBE_LIMIT);
    let (ready, _) = probe(&server.http, "/readyz", PROBE_LIMIT);
    let (longest_drip, drips_closed) = attack.stop();
    eprintln!(
        "{what}: /healthz answered {answered} of {PROBES} within {PROBE_LIMIT:?} (slowest \
         {slowest:?}); drippers closed {drips_closed}, the longest held {longest_drip:?}"
    );
    assert!(failures.is_empty(), "{what}: {failures:#?}");
    assert!(
        metrics.is_some_and(|m| m.contains("cbstatus_build_info")),
        "{what}: /metrics"
    );
    assert!(
        ready.is_some_and(|r| r.starts_with("HTTP/1.1 200 ")),
        "{what}: /readyz"
    );
    // Every dripper the server closed, it closed by the request deadline (plus the 50 ms the
    // attacker takes to notice, and scheduling on a loaded machine), if not earlier to make
    // room.
    assert!(
        drips_closed >= DRIPPERS,
        "{what}: only {drips_closed} drippers closed"
    );
    assert!(
        longest_drip < REQUEST_TIMEOUT + Duration::from_millis(700),
        "{what}: a dripper was held {longest_drip:?}, past the {REQUEST_TIMEOUT:?} deadline"
    );
    answered
}

#[test]
fn health_probes_are_answered_while_every_slot_is_under_attack() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let server = Server::start(&sim);
    let attack = Attack::start(&server.http, false);
    let drip = probes_answered_under(&server, attack, "72 drippers");
    assert_eq!(drip, PROBES, "was: 0 of 20 (8 drippers held every slot)");
    let attack = Attack::start(&server.http, true);
    let all = probes_answered_under(&server, attack, "72 drippers and floods");
    assert_eq!(all, PROBES);
}

#[test]
fn one_dripper_is_closed_at_the_request_deadline_whatever_its_byte_rate() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let server = Server::start(&sim);
    // A byte every 200 ms, each well within any per-read timeout, never a whole line.
    let mut stream = TcpStream::connect(&server.http).unwrap();
    stream.set_nonblocking(true).unwrap();
    let started = Instant::now();
    let held = loop {
        if closed(&mut stream) || stream.write(b"G").is_err() {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < REQUEST_TIMEOUT * 5,
            "still open after {:?} (was: held as long as bytes kept coming)",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        held >= REQUEST_TIMEOUT - Duration::from_millis(100)
            && held < REQUEST_TIMEOUT + Duration::from_millis(700),
        "closed after {held:?}; the deadline is {REQUEST_TIMEOUT:?} from accept()"
    );
}
