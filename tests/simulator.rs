//! The simulator's public API, used from outside the crate the way the other tests use it.

use cbstatus::simulator::{Scenarios, Simulator};
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
