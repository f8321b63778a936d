//! Issue 11 (one round trip over a WAN) and issue 10 class 3 (the keep-alive race): idle
//! connections that last, connecting ahead, no delayed-ACK stall, prefetch, and the retry of a
//! request whose reused connection the server closed. Real servers on 127.0.0.1.

mod support;
// The WAN benchmark's TLS 1.3 terminator (test CA made at start-up), in front of the simulator.
#[path = "../benches/system/wan/tls.rs"]
#[allow(dead_code)]
mod tls;

use cbstatus_sim::{Options, Scenarios, Simulator};
use std::time::Duration;
use support::client;

const NUMBER: &str = "+15551230001";

fn simulator(options: Options) -> Simulator {
    Simulator::start_with("127.0.0.1:0", Scenarios::demo(), options).expect("simulator")
}

#[test]
fn idle_timeout_ms_decides_how_long_a_pooled_connection_is_reused() {
    let sim = simulator(Options::default());
    let short = client(
        &sim.organization_url(),
        &[
            ("cache_ttl_ms", "0"),
            ("idle_timeout_ms", "150"),
            ("prewarm", "off"),
        ],
    );
    assert!(short.status(NUMBER).found());
    std::thread::sleep(Duration::from_millis(400));
    assert!(short.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        2,
        "idle past 150 ms: a new connection"
    );

    let sim = simulator(Options::default());
    let long = client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "0"), ("prewarm", "off")],
    );
    assert!(long.status(NUMBER).found());
    std::thread::sleep(Duration::from_millis(400));
    assert!(long.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        1,
        "default 55 s: the connection is reused"
    );
}

/// A keep-alive reply (no `Connection: close`) with a found callback.
fn keep_alive_reply() -> Vec<u8> {
    let body = support::found_body(2, 120);
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A server that answers the first request of every connection and keeps it open, then closes
/// it as soon as the next request arrives, unanswered: a short server keep-alive expiring
/// exactly as the client reuses the connection.
fn closes_when_reused() -> support::RawServer {
    use std::io::{BufReader, Write};
    support::RawServer::start(|stream, ctx| {
        let mut reader = BufReader::new(stream);
        if ctx.read_request(&mut reader).is_none() {
            return;
        }
        let _ = reader.get_mut().write_all(&keep_alive_reply());
        // The next request (read in full, so the close is a clean FIN) is never answered.
        let _ = ctx.read_request(&mut reader);
    })
}

#[test]
fn a_status_lookup_that_loses_the_keep_alive_race_is_retried_once_on_a_new_connection() {
    let server = closes_when_reused();
    let url = server.url();
    let settings = [
        ("cache_ttl_ms", "0"),
        ("prewarm", "off"),
        ("breaker_threshold", "0"),
        ("widget_id", "w-1"),
    ];
    let client = client(&url, &settings);
    assert!(client.status(NUMBER).found());
    // Reused connection, closed by the server on arrival: the caller still gets the answer.
    let second = client.status(NUMBER);
    assert!(second.error().is_none(), "{:?}", second.error());
    assert!(second.found());
    assert_eq!(server.requests(), 3, "the lost request and one retry");
    assert_eq!(server.connections(), 2);
    // The retry's connection is not pooled: the next lookup reuses the first... none is left.
    assert!(client.status(NUMBER).found());
    assert_eq!(server.connections(), 3);

    // The widget request is idempotent too.
    let widget_server = closes_when_reused();
    let widgets = support::client(&widget_server.url(), &settings);
    let _ = widgets.widget(None);
    let again = widgets.widget(None);
    assert_eq!(widget_server.requests(), 3, "{:?}", again.error());
}

#[test]
fn a_cancel_that_loses_the_keep_alive_race_is_never_retried() {
    let server = closes_when_reused();
    let client = client(
        &server.url(),
        &[
            ("cache_ttl_ms", "0"),
            ("prewarm", "off"),
            ("breaker_threshold", "0"),
        ],
    );
    assert!(client.status(NUMBER).found());
    let cancel = client.cancel_callback(NUMBER);
    assert!(cancel.error().is_some(), "the cancel failed and says so");
    assert_eq!(server.requests(), 2, "a cancel is sent once, never again");
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_server_keep_alive_timeout_shorter_than_idle_timeout_ms_wins() {
    // The simulator announces `Keep-Alive: timeout=1` but keeps the connection open for 30 s:
    // only a client that honours the header opens a second connection.
    let sim = simulator(Options {
        keep_alive_timeout: Some(1),
        ..Options::default()
    });
    let client = client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "0"), ("prewarm", "off")],
    );
    assert!(client.status(NUMBER).found());
    std::thread::sleep(Duration::from_millis(200));
    assert!(client.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        1,
        "well within the server's 1 s: reused"
    );
    std::thread::sleep(Duration::from_millis(700));
    assert!(client.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        2,
        "past the announced limit (less a margin): new"
    );
}

#[test]
fn no_delayed_ack_stall_against_a_server_writing_two_segments() {
    // Nagle on the server holds the body until the head is acknowledged; a client that delays
    // its ACK (Linux: up to 40 ms) stalls every reused-connection lookup by that much.
    let sim = simulator(Options {
        two_segments: true,
        ..Options::default()
    });
    let client = client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "0"), ("prewarm", "off")],
    );
    let mut times = Vec::new();
    for _ in 0..20 {
        let (result, took) = support::timed(|| client.status(NUMBER));
        assert!(result.found());
        times.push(took);
    }
    assert_eq!(sim.connection_count(), 1, "all on one reused connection");
    times.sort();
    let median = times[times.len() / 2];
    eprintln!(
        "two-segment lookups: median {median:?}, slowest {:?}",
        times[19]
    );
    assert!(
        median < Duration::from_millis(15),
        "median {median:?}: delayed-ACK stall"
    );
}

/// Data-carrying TCP segments received on `stream` so far (Linux `tcp_info.tcpi_data_segs_in`,
/// at byte 152 of the kernel's struct since 4.6).
fn data_segments_in(stream: &std::net::TcpStream) -> u32 {
    use std::os::fd::AsRawFd;
    let mut info = [0u8; 256];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: a buffer we own and its length, on a descriptor `stream` keeps open.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            info.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "TCP_INFO: {}", std::io::Error::last_os_error());
    assert!(len >= 156, "kernel tcp_info too short ({len} bytes)");
    u32::from_ne_bytes(info[152..156].try_into().unwrap())
}

#[test]
fn a_lookup_request_reaches_the_server_in_one_tcp_segment() {
    // Issue 24: the head and the body used to go out in two writes (two segments, two TLS
    // records, two wake-ups of the server and of every proxy before it).
    use std::io::{BufReader, Write};
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let server = support::RawServer::start(move |stream, ctx| {
        let mut reader = BufReader::new(stream);
        while ctx.read_request(&mut reader).is_some() {
            let segments = data_segments_in(reader.get_ref());
            record.lock().unwrap().push(segments);
            if reader.get_mut().write_all(&keep_alive_reply()).is_err() {
                return;
            }
        }
    });
    let client = client(&server.url(), &[("cache_ttl_ms", "0"), ("prewarm", "off")]);
    for _ in 0..3 {
        assert!(client.status(NUMBER).found());
    }
    assert_eq!(server.connections(), 1, "one reused connection");
    assert_eq!(
        *seen.lock().unwrap(),
        [1, 2, 3],
        "data segments received after each request: one per request"
    );
}

/// Wait (bounded) until `done`.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(std::time::Instant::now() < until, "{what}: not within 5 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn prewarm_connects_ahead_and_the_first_lookup_uses_that_connection() {
    let sim = simulator(Options::default());
    let url = sim.organization_url();
    let settings = [("cache_ttl_ms", "0")];
    let (warmed, took) = support::timed(|| client(&url, &settings));
    assert!(
        took < Duration::from_millis(500),
        "client creation waited: {took:?}"
    );
    eventually("the prewarmed connection", || sim.connection_count() == 1);
    assert_eq!(sim.request_count(), 0, "prewarm sends no request");
    assert!(warmed.status(NUMBER).found());
    assert!(warmed.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        1,
        "the lookups used the prewarmed connection"
    );

    // A lookup right after creation joins the warm-up instead of connecting as well.
    let sim = simulator(Options::default());
    let at_once = client(&sim.organization_url(), &settings);
    assert!(at_once.status(NUMBER).found());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(sim.connection_count(), 1);

    // Off: nothing until asked; `warm()` opens one, and no second while it is usable.
    let sim = simulator(Options::default());
    let cold = client(&sim.organization_url(), &[("prewarm", "false")]);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(sim.connection_count(), 0);
    cold.warm();
    eventually("warm() on demand", || sim.connection_count() == 1);
    cold.warm();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        sim.connection_count(),
        1,
        "a usable connection exists: no second one"
    );
    assert!(cold.status(NUMBER).found());
    assert_eq!(sim.connection_count(), 1);
}

#[test]
fn prewarm_never_delays_or_fails_client_creation() {
    // A port that accepts and never answers (TLS would hang), and one that refuses.
    let hanging = support::RawServer::start(|_stream, ctx| ctx.hold());
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for url in [
        format!("https://localhost:{}/api/organization/x", hanging.port()),
        format!("http://{refused}/api/organization/x"),
    ] {
        let (made, took) = support::timed(|| {
            cbstatus::Client::new(&support::config(&url, &[("timeout_ms", "300")]))
        });
        assert!(made.is_ok(), "{url}");
        assert!(took < Duration::from_millis(200), "{url}: {took:?}");
        let result = made.unwrap().status(NUMBER);
        assert!(
            result.error().is_some(),
            "{url}: fails as before, within its deadline"
        );
    }
}

#[test]
fn prefetch_answers_the_later_lookup_without_waiting() {
    // +15551230200 answers after 300 ms.
    const SLOW: &str = "+15551230200";
    let sim = simulator(Options::default());
    let url = sim.organization_url();
    let c = client(&url, &[("cache_ttl_ms", "0"), ("not_found_ttl_ms", "0")]);
    let ((), took) = support::timed(|| c.prefetch(SLOW).unwrap());
    assert!(
        took < Duration::from_millis(50),
        "prefetch waited: {took:?}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let (result, perceived) = support::timed(|| c.status(SLOW));
    assert!(result.found(), "{:?}", result.error());
    assert!(
        perceived < Duration::from_millis(50),
        "perceived {perceived:?}"
    );
    assert_eq!(sim.request_count(), 1);
    // Consumed: the next lookup asks the API.
    assert!(c.status(SLOW).found());
    assert_eq!(sim.request_count(), 2);

    // A lookup arriving during the prefetch joins it (one request, the rest of the wait).
    c.prefetch(SLOW).unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let (result, waited) = support::timed(|| c.status(SLOW));
    assert!(result.found());
    assert!(waited < Duration::from_millis(280), "joined: {waited:?}");
    assert_eq!(sim.request_count(), 3);

    // Invalid numbers are refused at once; repeated prefetches of one number run once.
    assert_eq!(
        c.prefetch("anonymous").unwrap_err().kind(),
        cbstatus::ErrorKind::InvalidNumber
    );
    c.prefetch(SLOW).unwrap();
    c.prefetch(SLOW).unwrap();
    assert!(c.status(SLOW).found());
    assert_eq!(sim.request_count(), 4);
    // Counted for operators (cb_client_stats_json "prefetch").
    let counts: std::collections::HashMap<_, _> = c
        .stats()
        .prefetch
        .into_iter()
        .map(|(outcome, n)| (outcome.as_str(), n))
        .collect();
    assert_eq!(counts["started"], 3);
    assert_eq!(counts["used"], 3);
    assert_eq!(counts["ignored"], 1);
    assert_eq!(counts["failed"], 0);
}

#[test]
fn prefetch_ttl_and_prefetch_max_bound_what_is_kept_and_run() {
    const SLOW: &str = "+15551230200";
    let sim = simulator(Options::default());
    let c = client(
        &sim.organization_url(),
        &[
            ("cache_ttl_ms", "0"),
            ("prefetch_ttl_ms", "100"),
            ("prefetch_max", "1"),
        ],
    );
    c.prefetch(SLOW).unwrap();
    // A second prefetch while one runs is ignored (prefetch_max = 1): no request for it.
    c.prefetch("+15551230001").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        sim.request_count(),
        1,
        "the prefetch beyond prefetch_max was ignored"
    );
    // Kept only 100 ms: expired, the lookup asks the API again.
    let (result, took) = support::timed(|| c.status(SLOW));
    assert!(result.found());
    assert!(
        took >= Duration::from_millis(250),
        "{took:?}: an expired answer was used"
    );
    assert_eq!(sim.request_count(), 2);

    let sim = simulator(Options::default());
    let off = client(&sim.organization_url(), &[("prefetch_max", "0")]);
    off.prefetch(SLOW).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sim.request_count(), 0, "prefetch_max = 0 disables prefetch");
}

#[test]
fn a_prewarmed_tls_connection_survives_the_session_tickets_and_serves_the_first_lookup() {
    // TLS 1.3 servers send session tickets right after the handshake: a spare connection that
    // left them unread looked "not idle" to the liveness probe and was thrown away.
    let sim = simulator(Options::default());
    let dir = std::env::temp_dir().join(format!("cbstatus-wan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let terminator = tls::Terminator::start(sim.addr(), &dir);
    let url = format!(
        "https://127.0.0.1:{}/api/organization/{}",
        terminator.addr().port(),
        cbstatus_sim::DEFAULT_ORGANIZATION
    );
    let ca = terminator.ca().to_str().unwrap().to_string();
    let c = client(&url, &[("ca_bundle", &ca), ("cache_ttl_ms", "0")]);
    eventually("the prewarmed connection", || sim.connection_count() == 1);
    std::thread::sleep(Duration::from_millis(300));
    assert!(c.status(NUMBER).found());
    assert!(c.status(NUMBER).found());
    assert_eq!(
        sim.connection_count(),
        1,
        "the first lookups used the prewarmed connection"
    );
    assert_eq!(sim.request_count(), 2);
}
