//! The simulator's public API, used from outside the crate the way the other tests use it.

use cbstatus_sim::{Options, Scenarios, Simulator};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// POSTs `{"contact_number": number}` to `url` (`http://HOST:PORT/path`) on `conn`; returns
/// (status, body).
fn post(conn: &mut BufReader<TcpStream>, url: &str, number: &str) -> (u16, String) {
    let path = &url[url["http://".len()..].find('/').unwrap() + "http://".len()..];
    let body = format!("{{\"contact_number\":\"{number}\"}}");
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.get_mut().write_all(req.as_bytes()).unwrap();
    let mut line = String::new();
    conn.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut len = 0;
    loop {
        line.clear();
        conn.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; len];
    conn.read_exact(&mut body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn demo_simulator_from_outside() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    assert_eq!(
        sim.base_url(),
        format!("http://127.0.0.1:{}", sim.addr().port())
    );
    let status_url = format!("{}/callback_status", sim.organization_url());
    let cancel_url = format!("{}/cancel_callback", sim.organization_url());
    let mut conn = BufReader::new(TcpStream::connect(sim.addr()).unwrap());

    let (code, body) = post(&mut conn, &status_url, "+15551230001");
    assert_eq!(code, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["data"][0]["forecast_waitlist_position"], "4");

    let (_, body) = post(&mut conn, &status_url, "+15551230099");
    assert_eq!(body, r#"{"data":[]}"#);

    let (_, body) = post(&mut conn, &cancel_url, "+15551230002");
    assert!(body.contains("\"Canceled\""), "{body}");
    let (_, body) = post(&mut conn, &status_url, "+15551230002");
    assert!(body.contains("\"canceled\""), "{body}");

    let (code, _) = post(&mut conn, &status_url, "+15551230429");
    assert_eq!(code, 429);

    assert_eq!(sim.request_count(), 5);
    assert_eq!(sim.connection_count(), 1);
    let reqs = sim.requests();
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].header("content-type"), Some("application/json"));
    assert_eq!(
        reqs[0].body_json().unwrap()["contact_number"],
        "+15551230001"
    );

    let t = Instant::now();
    sim.shutdown();
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn example_scenarios_file_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios.toml");
    let scenarios = Scenarios::load(&path).unwrap();
    assert!(scenarios.numbers().iter().any(|(n, _)| n == "+15551230001"));
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    // The example requires a token.
    let mut conn = BufReader::new(TcpStream::connect(sim.addr()).unwrap());
    let url = format!("{}/callback_status", sim.organization_url());
    assert_eq!(post(&mut conn, &url, "+15551230001").0, 401);
}

/// Sends one lookup request on `conn` and returns what the first `read()` of the answer got
/// and the whole answer.
fn first_read_and_answer(conn: &mut TcpStream, path: &str) -> (usize, Vec<u8>) {
    let body = "{\"contact_number\":\"+15551230001\"}";
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(req.as_bytes()).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let first = conn.read(&mut buf).unwrap();
    let mut all = buf[..first].to_vec();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let head_end = |b: &[u8]| text(b).find("\r\n\r\n").map(|i| i + 4);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(end) = head_end(&all) {
            let head = text(&all[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap();
            if all.len() >= end + len {
                return (first, all);
            }
        }
        assert!(Instant::now() < deadline, "answer incomplete");
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "closed mid-answer");
        all.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn two_segment_option_writes_the_head_and_body_separately() {
    let path = |sim: &Simulator| {
        let url = sim.organization_url();
        format!(
            "{}/callback_status",
            &url[url[7..].find('/').unwrap() + 7..]
        )
    };
    // Default: the whole answer in one write (the first read returns it all).
    let single = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let mut conn = TcpStream::connect(single.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let (first, all) = first_read_and_answer(&mut conn, &path(&single));
    assert_eq!(first, all.len(), "one write by default");
    assert!(!String::from_utf8_lossy(&all).contains("Keep-Alive:"));

    let options = Options {
        two_segments: true,
        keep_alive_timeout: Some(7),
        ..Options::default()
    };
    let split = Simulator::start_with("127.0.0.1:0", Scenarios::demo(), options).unwrap();
    let mut conn = TcpStream::connect(split.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut slowest = Duration::ZERO;
    for _ in 0..12 {
        let started = Instant::now();
        let (_, all) = first_read_and_answer(&mut conn, &path(&split));
        slowest = slowest.max(started.elapsed());
        let text = String::from_utf8_lossy(&all);
        assert!(text.contains("Keep-Alive: timeout=7\r\n"), "{text}");
        assert!(text.ends_with("}]}"), "{text}");
    }
    // Nagle holds the body until the head is acknowledged, and this plain client delays its
    // ACK (Linux: up to 40 ms once out of quick-ACK mode): the stall the option exists for.
    eprintln!("slowest two-segment answer: {slowest:?}");
    assert!(slowest >= Duration::from_millis(20), "{slowest:?}");
}

#[test]
fn idle_timeout_option_closes_idle_connections() {
    let options = Options {
        idle_timeout: Duration::from_millis(100),
        ..Options::default()
    };
    let sim = Simulator::start_with("127.0.0.1:0", Scenarios::demo(), options).unwrap();
    let mut conn = TcpStream::connect(sim.addr()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut byte = [0u8; 1];
    assert_eq!(conn.read(&mut byte).unwrap(), 0, "closed by the simulator");
    assert!(started.elapsed() < Duration::from_secs(3));
}
