//! Unit tests of the simulator, with a plain `TcpStream` as the client.

use super::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ORG: &str = "562a519b54f83b56";
const STATUS: &str = "/api/organization/562a519b54f83b56/callback_status";
const CANCEL: &str = "/api/organization/562a519b54f83b56/cancel_callback";
const EXAMPLE: &str = include_str!("../../../examples/scenarios.toml");

// ---------------------------------------------------------------------------------------------
// A minimal client
// ---------------------------------------------------------------------------------------------

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn data(&self) -> Vec<Value> {
        self.json()["data"].as_array().expect("data array").clone()
    }
}

struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(sim: &Simulator) -> Client {
        let s = TcpStream::connect(sim.addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client {
            reader: BufReader::new(s),
        }
    }

    fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    fn send_raw(&mut self, raw: &[u8]) {
        self.stream().write_all(raw).expect("write");
    }

    fn request(&mut self, method: &str, path: &str, body: &str, extra: &[(&str, &str)]) -> Resp {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
        for (n, v) in extra {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.send_raw(req.as_bytes());
        self.read_response().expect("response")
    }

    fn read_head(&mut self) -> std::io::Result<(u16, Vec<(String, String)>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').expect("header");
            headers.push((n.to_string(), v.trim().to_string()));
        }
        Ok((status, headers))
    }

    fn read_response(&mut self) -> std::io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("content-length");
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// True when the server closed the connection (EOF or reset) without sending anything.
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.reader.read(&mut b), Ok(0) | Err(_))
    }

    fn status(&mut self, number: &str) -> Resp {
        let body = json!({ "contact_number": number }).to_string();
        self.request("POST", STATUS, &body, &[])
    }

    fn cancel(&mut self, number: &str) -> Resp {
        let body = json!({ "contact_number": number }).to_string();
        self.request("POST", CANCEL, &body, &[])
    }
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).expect("start")
}

fn sim_with(toml: &str) -> Simulator {
    Simulator::start(
        "127.0.0.1:0",
        Scenarios::from_toml_str(toml).expect("scenarios"),
    )
    .expect("start")
}

fn status_of(sim: &Simulator, number: &str) -> Resp {
    Client::connect(sim).status(number)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A 10-digit string time, within 5 s of `expected`.
fn assert_time_str(v: &Value, expected: i64) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 10, "{s}");
    let t: i64 = s.parse().unwrap();
    assert!((t - expected).abs() <= 5, "{t} vs {expected}");
}

// ---------------------------------------------------------------------------------------------
// Scenarios: parsing, errors, matching
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_numbers_are_documented() {
    let s = Scenarios::demo();
    let numbers: Vec<String> = s.numbers().into_iter().map(|(n, _)| n).collect();
    for n in [
        "+15551230001",
        "+15551230002",
        "+15551230003",
        "+15551230004",
        "+15551230005",
        "+15551230006",
        "+15551230007",
        "+15551230008",
        "+15551230009",
        "+15551230010",
        "+15551230011",
        "+15551230099",
        "+15551230500",
        "+15551230429",
        "+15551230408",
        "+15551230666",
    ] {
        assert!(numbers.contains(&n.to_string()), "{n} missing");
    }
    assert_eq!(numbers[0], "+15551230001");
    let no_cb = s.numbers().into_iter().find(|(n, _)| n == "+15551230099");
    assert_eq!(no_cb.unwrap().1, "no callback");
    assert_eq!(s.organization(), ORG);
    assert_eq!(s.widgets.len(), 3);
}

#[test]
fn example_file_loads() {
    let s = Scenarios::from_toml_str(EXAMPLE).expect("examples/scenarios.toml");
    assert_eq!(s.settings.token.as_deref(), Some("s3cret"));
    assert!(s.numbers().len() >= 20);
    assert!(s.find_widget("w-scheduled").is_some());
    // Every fault kind appears in the example.
    for (kind, _) in faults::KINDS {
        assert!(
            EXAMPLE.contains(&format!("kind = \"{kind}\""))
                || EXAMPLE.contains(&format!("fault = \"{kind}\"")),
            "example lacks fault kind {kind}"
        );
    }
}

/// The crate documentation's *Faults* table is where the kinds are documented: one row per
/// kind of `faults::KINDS`, naming each of its parameters, and no row for a kind that is not.
#[test]
fn the_fault_table_documents_every_kind_and_parameter() {
    let doc = include_str!("lib.rs");
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|line| *line != "//! # Faults")
        .skip_while(|line| !line.starts_with("//! | `"))
        .take_while(|line| line.starts_with("//! | `"))
        .collect();
    assert_eq!(table.len(), faults::KINDS.len(), "{table:#?}");
    for (kind, parameters) in faults::KINDS {
        let row = table
            .iter()
            .find(|row| row.starts_with(&format!("//! | `{kind}` |")))
            .unwrap_or_else(|| panic!("no row for fault kind {kind}: {table:#?}"));
        for parameter in *parameters {
            assert!(
                row.contains(&format!("`{parameter}`")),
                "{kind}: {parameter} in {row}"
            );
        }
    }
}

#[test]
fn json_has_the_same_structure() {
    let s = Scenarios::from_json_str(
        r#"{"settings": {"organization": "abc", "not_found": "status"},
            "number": [{"number": "+15550000001", "description": "d",
                        "callback": [{"status": "waitlisted", "estimated_wait_time": null,
                                      "estimated_for_in": 60}]}],
            "widget": [{"id": "w", "ewt": null}]}"#,
    )
    .unwrap();
    assert_eq!(s.organization(), "abc");
    assert_eq!(s.numbers(), vec![("+15550000001".into(), "d".into())]);
    let Reply::Callbacks { body, .. } = &s.numbers[0].reply else {
        panic!()
    };
    let v: Value = serde_json::from_str(&body.render_string(1_000_000_000)).unwrap();
    assert_eq!(v["data"][0]["estimated_wait_time"], Value::Null);
    assert_eq!(v["data"][0]["estimated_for"], "1000000060");
}

use scenarios::Reply;

#[test]
fn load_by_extension() {
    let dir = std::env::temp_dir().join(format!("cbstatus-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("s.toml");
    std::fs::write(&toml, "[[number]]\nnumber = \"+1555\"\n").unwrap();
    let json = dir.join("s.json");
    std::fs::write(&json, r#"{"number":[{"number":"+1556"}]}"#).unwrap();
    assert_eq!(Scenarios::load(&toml).unwrap().numbers()[0].0, "+1555");
    assert_eq!(Scenarios::load(&json).unwrap().numbers()[0].0, "+1556");
    let err = Scenarios::load(&dir.join("missing.toml")).unwrap_err();
    assert!(err.contains("missing.toml"), "{err}");
    std::fs::write(&toml, "[[number]]\nnumber = 5\n").unwrap();
    let err = Scenarios::load(&toml).unwrap_err();
    assert!(err.contains("s.toml") && err.contains("number #1"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_name_the_bad_entry() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[[number]]\nnumber = \"+1\"\n[[number]]\nnumber = \"+2\"\nfault = { kind = \"dealy\" }\n",
            &["number #2 (\"+2\")", "unknown fault kind \"dealy\""],
        ),
        (
            "[[number]]\nnumber = \"+1\"\n[[number]]\nnumber = \"1\"\n",
            &["number #2", "same number as number #1"],
        ),
        ("[[number]]\nnumbr = \"+1\"\n", &["number #1", "unknown key `numbr`"]),
        ("[[number]]\ndescription = \"x\"\n", &["number #1", "missing `number`"]),
        (
            "[[number]]\nnumber = \"+1\"\nraw = \"x\"\n[[number.callback]]\nstatus = \"a\"\n",
            &["number #1", "not both"],
        ),
        (
            "[[number]]\nnumber = \"+1\"\n[[number.callback]]\nestimated_for_in = \"soon\"\n",
            &["number #1", "callback #1", "estimated_for_in"],
        ),
        (
            "[[number]]\nnumber = \"+1\"\nfault = { kind = \"delay\" }\n",
            &["number #1", "missing `ms`"],
        ),
        (
            "[[number]]\nnumber = \"+1\"\nfault = { kind = \"status\", code = 503, retry = 1 }\n",
            &["unknown key `retry`"],
        ),
        ("[settings]\nnot_found = \"nope\"\n", &["settings", "not_found"]),
        ("[settings]\nauth_failure_status = 200\n", &["settings", "auth_failure_status"]),
        ("[[widget]]\nmessage = \"x\"\n", &["widget #1", "missing `id`"]),
        ("[[widget]]\nid = \"a\"\n[[widget]]\nid = \"a\"\n", &["widget #2", "same id"]),
        ("[sttings]\n", &["unknown top-level key `sttings`"]),
        ("[[number]\n", &["invalid TOML"]),
    ];
    for (toml, needles) in cases {
        let err = Scenarios::from_toml_str(toml).unwrap_err();
        for needle in *needles {
            assert!(
                err.contains(needle),
                "error {err:?} lacks {needle:?} for {toml:?}"
            );
        }
    }
    assert!(Scenarios::from_json_str("{")
        .unwrap_err()
        .contains("invalid JSON"));
}

#[test]
fn numbers_match_on_digits_with_optional_leading_one() {
    let s = Scenarios::from_toml_str(
        "[[number]]\nnumber = \"+15551230001\"\n[[number]]\nnumber = \"5551230002\"\n",
    )
    .unwrap();
    let mut scratch = String::new();
    for n in [
        "+15551230001",
        "15551230001",
        "5551230001",
        "(555) 123-0001",
        "+1 555 123 0001",
    ] {
        assert_eq!(s.find_number(n, &mut scratch), Some(0), "{n}");
    }
    for n in ["5551230002", "+15551230002", "15551230002"] {
        assert_eq!(s.find_number(n, &mut scratch), Some(1), "{n}");
    }
    for n in ["", "abc", "5551230003", "25551230001", "555123000"] {
        assert_eq!(s.find_number(n, &mut scratch), None, "{n}");
    }
}

#[test]
fn contact_match_exact_matches_only_the_number_as_written() {
    let s = Scenarios::from_toml_str(
        "[settings]\ncontact_match = \"exact\"\n\
         [[number]]\nnumber = \"5551230001\"\n[[number]]\nnumber = \"+15551230001\"\n",
    )
    .unwrap();
    let mut scratch = String::new();
    assert_eq!(s.find_number("5551230001", &mut scratch), Some(0));
    assert_eq!(s.find_number("+15551230001", &mut scratch), Some(1));
    for n in ["15551230001", "(555) 123-0001", " 5551230001"] {
        assert_eq!(s.find_number(n, &mut scratch), None, "{n}");
    }
    let error = Scenarios::from_toml_str("[settings]\ncontact_match = \"fuzzy\"\n").unwrap_err();
    assert!(
        error.to_string().contains("`contact_match` must be"),
        "{error}"
    );
}

#[test]
fn toml_datetimes_become_strings() {
    let s = Scenarios::from_toml_str(
        "[[number]]\nnumber = \"+1\"\n[[number.callback]]\nwhen = 2030-01-01T00:00:00Z\n",
    )
    .unwrap();
    let Reply::Callbacks { body, .. } = &s.numbers[0].reply else {
        panic!()
    };
    assert_eq!(
        body.render_string(0),
        r#"{"data":[{"when":"2030-01-01T00:00:00Z"}]}"#
    );
}

// ---------------------------------------------------------------------------------------------
// callback_status
// ---------------------------------------------------------------------------------------------

#[test]
fn callback_status_relative_times_and_verbatim_values() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let r = c.status("+15551230001");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("connection"), Some("keep-alive"));
    let d = r.data();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["type"], "ASAP");
    assert_eq!(d[0]["status"], "waitlisted");
    assert_eq!(d[0]["forecast_waitlist_position"], "4");
    assert_eq!(d[0]["estimated_wait_time"], "720");
    assert_time_str(&d[0]["estimated_for"], now() + 720);
    assert_time_str(&d[0]["created_at"], now() - 300);

    // Same number written differently.
    for n in ["15551230001", "5551230001", "+1 (555) 123-0001"] {
        assert_eq!(
            c.status(n).data()[0]["forecast_waitlist_position"],
            "4",
            "{n}"
        );
    }

    let d = c.status("+15551230004").data();
    assert_eq!(d[0]["type"], "scheduled");
    assert_eq!(d[0]["estimated_wait_time"], "");
    assert_time_str(&d[0]["estimated_for"], now() + 3 * 3600);

    let d = c.status("+15551230005").data();
    assert!(d[0]["estimated_for"].is_i64());
    assert!((d[0]["estimated_for"].as_i64().unwrap() - (now() + 2 * 86400)).abs() <= 5);
    assert_eq!(d[0]["estimated_wait_time"], 172800);

    let d = c.status("+15551230006").data();
    assert_eq!(d[0]["status"], "connecting");
    assert_eq!(d[0]["forecast_waitlist_position"], "0");

    let d = c.status("+15551230007").data();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["forecast_waitlist_position"], "6");
    assert_time_str(&d[1]["estimated_for"], now() + 86400);

    let d = c.status("+15551230009").data();
    assert_eq!(
        (d[0]["status"].as_str(), d[0]["type"].as_str()),
        (Some("Parked"), Some("asap"))
    );

    let d = c.status("+15551230010").data();
    assert_eq!(d[0]["estimated_wait_time"], "8100");

    let d = c.status("+15551230011").data();
    assert_eq!(d[0]["status"], "pending");
    for (k, v) in d[0].as_object().unwrap() {
        if k != "status" {
            assert!(v.is_null() || v == "", "{k} = {v}");
        }
    }
    assert!(d[0]["estimated_for"].is_null());
}

#[test]
fn unknown_numbers_empty_or_status() {
    let sim = demo();
    assert_eq!(status_of(&sim, "+15551230099").body, b"{\"data\":[]}");
    assert_eq!(status_of(&sim, "+19995550000").body, b"{\"data\":[]}");
    let sim = sim_with(
        "[settings]\nnot_found = \"status\"\n[[number]]\nnumber = \"+1555\"\nnot_found = true\n",
    );
    for n in ["+1555", "+1666"] {
        let d = status_of(&sim, n).data();
        assert_eq!(d, vec![json!({"status": "InteractionNotFound"})]);
    }
}

#[test]
fn raw_bodies_and_known_empty_numbers() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::from_toml_str(EXAMPLE).unwrap()).unwrap();
    let auth = [("Authorization", "Bearer s3cret")];
    let mut c = Client::connect(&sim);
    let r = c.request(
        "POST",
        STATUS,
        r#"{"contact_number":"+15551230700"}"#,
        &auth,
    );
    assert_eq!(
        r.body,
        br#"{"data":[{"status":"waitlisted","forecast_waitlist_position":"#
    );
    let r = c.request(
        "POST",
        STATUS,
        r#"{"contact_number":"+15551230014"}"#,
        &auth,
    );
    assert_eq!(r.body, b"{\"data\":[]}");
    let r = c.request(
        "POST",
        STATUS,
        r#"{"contact_number":"+15551230005"}"#,
        &auth,
    );
    assert_eq!(r.data()[0]["queue_name"], "Sales");
    assert_eq!(r.data()[0]["forecast_waitlist_position"], 0);
    let r = c.request(
        "POST",
        STATUS,
        r#"{"contact_number":"+15551230012"}"#,
        &auth,
    );
    assert_eq!(r.data()[0]["estimated_for"], "1893456000");
}

#[test]
fn bad_requests() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    for body in [
        "not json",
        "{}",
        r#"{"contact_number": ""}"#,
        r#"{"contact_number": true}"#,
        "[]",
        "",
    ] {
        let r = c.request("POST", STATUS, body, &[]);
        assert_eq!(r.status, 400, "{body}");
        assert!(r.json()["error"].is_string(), "{body}");
    }
    // Deep nesting is refused by serde_json's recursion limit, not by a stack overflow.
    let deep = format!("{{\"x\":{}}}", "[".repeat(100_000));
    assert_eq!(c.request("POST", STATUS, &deep, &[]).status, 400);
    // A JSON number is taken as digits.
    let r = c.request("POST", STATUS, r#"{"contact_number": 15551230002}"#, &[]);
    assert_eq!(r.data()[0]["forecast_waitlist_position"], "1");

    let r = c.request("GET", STATUS, "", &[]);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = c.request(
        "POST",
        "/api/organization/deadbeef/callback_status",
        "{}",
        &[],
    );
    assert_eq!(r.status, 404);
    for path in [
        "/",
        "/api",
        "/api/organization/562a519b54f83b56/other",
        "/api/widget/",
        "/api/widget/w-open/x",
    ] {
        let r = c.request("GET", path, "", &[]);
        assert_eq!(r.status, 404, "{path}");
        assert!(r.json()["error"].is_string());
    }
    let r = c.request("POST", "/api/widget/w-open", "", &[]);
    assert_eq!(r.status, 405);
    // The connection survived all of that.
    assert_eq!(c.status("+15551230001").status, 200);
    assert_eq!(sim.connection_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Token check
// ---------------------------------------------------------------------------------------------

#[test]
fn token_check() {
    let sim = sim_with("[settings]\ntoken = \"s3cret\"\n[[number]]\nnumber = \"+1555\"\n");
    let body = r#"{"contact_number":"+1555"}"#;
    let mut c = Client::connect(&sim);
    for headers in [
        vec![],
        vec![("Authorization", "Bearer wrong")],
        vec![("Authorization", "s3cret")],
        vec![("Authorization", "Basic s3cret")],
        vec![("X-Api-Key", "Bearer s3cret")],
    ] {
        let r = c.request("POST", STATUS, body, &headers);
        assert_eq!(r.status, 401, "{headers:?}");
        assert!(!String::from_utf8_lossy(&r.body).contains("s3cret"));
        assert!(r.json()["error"].is_string());
    }
    for value in ["Bearer s3cret", "bearer s3cret", "Bearer  s3cret "] {
        let r = c.request("POST", STATUS, body, &[("authorization", value)]);
        assert_eq!(r.status, 200, "{value}");
    }

    let sim = sim_with(
        "[settings]\ntoken = \"t0k\"\nauth_header = \"X-Api-Key\"\nauth_scheme = \"\"\nauth_failure_status = 403\n",
    );
    let mut c = Client::connect(&sim);
    assert_eq!(
        c.request("POST", STATUS, body, &[("X-Api-Key", "Bearer t0k")])
            .status,
        403
    );
    assert_eq!(c.request("POST", STATUS, body, &[]).status, 403);
    assert_eq!(
        c.request("POST", STATUS, body, &[("x-api-key", "t0k")])
            .status,
        200
    );
}

// ---------------------------------------------------------------------------------------------
// cancel_callback
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_is_stateful() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let d = c.cancel("5551230001").data();
    assert_eq!(d[0]["status"], "Canceled");
    assert!(d[0]["cancel_callback_request_id"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let d = c.status("+15551230001").data();
    assert_eq!(d[0]["status"], "canceled");
    assert_eq!(d[0]["forecast_waitlist_position"], "4");
    assert_eq!(
        c.cancel("+15551230001").data()[0]["status"],
        "InteractionNotFound"
    );

    assert_eq!(
        c.cancel("+15551230007").data()[0]["status"],
        "TooManyInteractions"
    );
    assert_eq!(
        c.cancel("+15551230008").data()[0]["status"],
        "InteractionNotFound"
    );
    assert_eq!(
        c.cancel("+15551230099").data()[0]["status"],
        "InteractionNotFound"
    );
    assert_eq!(
        c.cancel("+19990000000").data()[0]["status"],
        "InteractionNotFound"
    );
    // Another simulator starts fresh.
    let other = demo();
    assert_eq!(
        status_of(&other, "+15551230001").data()[0]["status"],
        "waitlisted"
    );

    let sim = sim_with(
        "[[number]]\nnumber = \"+1555\"\ncancel = \"FAILED\"\n[[number.callback]]\nstatus = \"waitlisted\"\n",
    );
    let mut c = Client::connect(&sim);
    assert_eq!(c.cancel("+1555").data()[0]["status"], "FAILED");
    assert_eq!(c.status("+1555").data()[0]["status"], "waitlisted");
}

// ---------------------------------------------------------------------------------------------
// Widgets
// ---------------------------------------------------------------------------------------------

#[test]
fn widget_replies() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let r = c.request("GET", "/api/widget/w-open?time_zone=-300", "", &[]);
    assert_eq!(r.status, 200);
    let w = &r.data()[0];
    assert_eq!(w["widget_state"], "offer_callback");
    assert_eq!(
        (w["offer_asap"].as_bool(), w["offer_scheduled"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(w["ewt"], 600);
    let slots = w["scheduled_timeslots"].as_array().unwrap();
    assert_eq!(slots.len(), 3);
    assert!((slots[0].as_i64().unwrap() - (now() + 3600)).abs() <= 5);
    assert!(w["message"].is_string());

    let w = &c
        .request(
            "GET",
            "/api/widget/w-closed?time_zone=America/New_York",
            "",
            &[],
        )
        .data()[0];
    assert_eq!(w["widget_state"], "platform_unavailable");
    assert!(w["ewt"].is_null());
    assert_eq!(w["offer_asap"], false);
    assert_eq!(w["scheduled_timeslots"], json!([]));

    let w = &c.request("GET", "/api/widget/w-ewt", "", &[]).data()[0];
    assert_eq!(
        (w["widget_state"].as_str(), w["ewt"].as_i64()),
        (Some("display_ewt_only"), Some(240))
    );

    let r = c.request("GET", "/api/widget/w-nope", "", &[]);
    assert_eq!(r.status, 404);

    // Absolute and relative slots combined, derived offers, extra keys.
    let sim = sim_with(
        "[[widget]]\nid = \"w\"\nwidget_state = \"offer_asap_callback\"\nscheduled_timeslots = [1]\nscheduled_timeslots_in = [10]\nqueue = \"q\"\n",
    );
    let w = &Client::connect(&sim)
        .request("GET", "/api/widget/w", "", &[])
        .data()[0];
    assert_eq!(
        (w["offer_asap"].as_bool(), w["offer_scheduled"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(w["scheduled_timeslots"][0], 1);
    assert!((w["scheduled_timeslots"][1].as_i64().unwrap() - (now() + 10)).abs() <= 5);
    assert_eq!(w["queue"], "q");
    assert_eq!(w["message"], "");
}

#[test]
fn widget_request_callback() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let body = r#"{"contact_number":"+15551239999"}"#;
    let r = c.request("POST", "/api/widget/w-open/request_callback", body, &[]);
    assert_eq!(r.status, 200);
    let d = &r.data()[0];
    assert_eq!(d["status"], "Requested");
    assert!(d["callback_request_id"].is_string());
    assert_eq!(d["ewt"], 600);
    assert_time_str(&d["requested_at"], now());
    let r = c.request("POST", "/api/widget/w-closed/request_callback", body, &[]);
    assert_eq!(
        (r.status, r.data()[0]["status"].as_str()),
        (400, Some("RequestRefusedDueToOperationMode"))
    );
    let r = c.request("POST", "/api/widget/w-open/request_callback", "{}", &[]);
    assert_eq!(
        (r.status, r.data()[0]["status"].as_str()),
        (400, Some("ContactRequired"))
    );
    assert_eq!(
        c.request("POST", "/api/widget/zz/request_callback", body, &[])
            .status,
        404
    );
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

const FAULTS: &str = r#"
[[number]]
number = "+1001"
fault = { kind = "delay", ms = 300 }
[[number.callback]]
status = "waitlisted"
[[number]]
number = "+1002"
fault = "hang"
[[number]]
number = "+1003"
fault = { kind = "slow_body", interval_ms = 30, bytes = 7 }
[[number.callback]]
status = "waitlisted"
forecast_waitlist_position = "4"
[[number]]
number = "+1004"
fault = { kind = "status", code = 429, retry_after = "2" }
[[number]]
number = "+1005"
fault = { kind = "status", code = 500, body = "<html><body>oops</body></html>" }
[[number]]
number = "+1006"
fault = "malformed"
[[number.callback]]
status = "waitlisted"
forecast_waitlist_position = "4"
[[number]]
number = "+1007"
fault = "empty"
[[number]]
number = "+1008"
fault = "invalid_utf8"
[[number]]
number = "+1009"
fault = { kind = "huge", bytes = 3000000 }
[[number]]
number = "+1010"
fault = "reset"
[[number]]
number = "+1011"
fault = "html"
[[number]]
number = "+1012"
fault = { kind = "flaky", fail_first = 2, then = { kind = "status", code = 503 } }
[[number.callback]]
status = "waitlisted"
[[number]]
number = "+1013"
fault = { kind = "no_accept", ms = 400 }
[[number]]
number = "+1014"
fault = { kind = "status", code = 418, body = "teapot", content_type = "text/plain" }
"#;

fn faults_sim() -> Simulator {
    sim_with(FAULTS)
}

#[test]
fn fault_delay() {
    let sim = faults_sim();
    let t = Instant::now();
    let r = status_of(&sim, "+1001");
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.data()[0]["status"], "waitlisted");
}

#[test]
fn fault_hang_and_prompt_shutdown() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    c.stream()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    c.send_raw(b"POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 25\r\n\r\n{\"contact_number\":\"1002\"}");
    let mut b = [0u8; 1];
    let e = c.reader.read(&mut b).unwrap_err();
    assert!(matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    assert_eq!(sim.request_count(), 1);
    // An idle keep-alive connection and a dripping one too.
    let mut idle = Client::connect(&sim);
    assert_eq!(idle.status("+1001").status, 200);
    let mut drip = Client::connect(&sim);
    drip.send_raw(b"POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 25\r\n\r\n{\"contact_number\":\"1003\"}");
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    sim.shutdown();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "shutdown took {:?}",
        t.elapsed()
    );
    c.stream()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert!(c.closed());
    assert!(idle.closed());
}

#[test]
fn fault_hang_ends_when_client_closes() {
    let sim = faults_sim();
    {
        let mut c = Client::connect(&sim);
        c.send_raw(b"POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 25\r\n\r\n{\"contact_number\":\"1002\"}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The handler thread notices the close and exits.
    let t = Instant::now();
    while !server_threads_idle(&sim) {
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "hung handler did not exit"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn server_threads_idle(sim: &Simulator) -> bool {
    server::tests_open_connections(&sim.shared) == 0
}

#[test]
fn fault_slow_body() {
    let sim = faults_sim();
    let t = Instant::now();
    let r = status_of(&sim, "+1003");
    let full = r#"{"data":[{"forecast_waitlist_position":"4","status":"waitlisted"}]}"#;
    assert_eq!(String::from_utf8(r.body).unwrap(), full);
    let drips = full.len().div_ceil(7) as u32 - 1;
    assert!(
        t.elapsed() >= Duration::from_millis(30) * drips,
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn fault_status() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    let r = c.status("+1004");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert!(r.json()["error"].is_string());
    let r = c.status("+1005");
    assert_eq!(r.status, 500);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(r.body, b"<html><body>oops</body></html>");
    let r = c.status("+1014");
    assert_eq!(
        (r.status, r.header("content-type")),
        (418, Some("text/plain"))
    );
    // Cancel requests get the number's fault too.
    assert_eq!(c.cancel("+1004").status, 429);
    assert_eq!(sim.connection_count(), 1);
}

#[test]
fn fault_bad_bodies() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    let r = c.status("+1006");
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert!(r.body.starts_with(b"{\"data\":[{"));

    let r = c.status("+1007");
    assert_eq!((r.status, r.body.len()), (200, 0));

    let r = c.status("+1008");
    assert_eq!(r.status, 200);
    assert!(std::str::from_utf8(&r.body).is_err());

    let r = c.status("+1011");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.starts_with(b"<!DOCTYPE html>"));

    let r = c.status("+1009");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 3_000_000);
    let v: Value = serde_json::from_slice(&r.body).expect("huge body is valid JSON");
    assert_eq!(v["data"][0]["status"], "waitlisted");
    // Still one connection for all of it.
    assert_eq!(c.status("+1001").status, 200);
    assert_eq!(sim.connection_count(), 1);
}

#[test]
fn fault_reset() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    c.send_raw(b"POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 25\r\n\r\n{\"contact_number\":\"1010\"}");
    let mut b = [0u8; 16];
    match c.reader.read(&mut b) {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        Ok(n) => assert_eq!(n, 0, "got an answer"),
    }
    assert_eq!(sim.request_count(), 1);
}

#[test]
fn fault_flaky() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    assert_eq!(c.status("+1012").status, 503);
    assert_eq!(c.status("+1012").status, 503);
    assert_eq!(c.status("+1012").status, 200);
    assert_eq!(c.status("+1012").status, 200);
}

#[test]
fn fault_no_accept() {
    let sim = faults_sim();
    let mut c = Client::connect(&sim);
    let mut keep = Client::connect(&sim);
    assert_eq!(keep.status("+1001").status, 200);
    c.send_raw(b"POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 25\r\n\r\n{\"contact_number\":\"1013\"}");
    assert!(c.closed());
    let t = Instant::now();
    // A new connection is not served until the pause ends (connect itself succeeds: backlog).
    let r = status_of(&sim, "+1004");
    assert_eq!(r.status, 429);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    // Already-open connections keep working.
    assert_eq!(keep.status("+1004").status, 429);
}

#[test]
fn settings_fault_applies_to_every_request() {
    let sim = sim_with(
        "[settings]\nfault = { kind = \"flaky\", fail_first = 1, fault = { kind = \"status\", code = 502 } }\n[[number]]\nnumber = \"+1\"\nfault = \"empty\"\n",
    );
    let mut c = Client::connect(&sim);
    assert_eq!(c.request("GET", "/nowhere", "", &[]).status, 502);
    assert_eq!(c.request("GET", "/nowhere", "", &[]).status, 404);
    let r = c.status("+1");
    assert_eq!((r.status, r.body.len()), (200, 0));

    let sim = sim_with("[settings]\nfault = \"html\"\n");
    let r = status_of(&sim, "+1");
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
}

#[test]
fn widget_fault() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::from_toml_str(EXAMPLE).unwrap()).unwrap();
    let t = Instant::now();
    let r = Client::connect(&sim).request(
        "GET",
        "/api/widget/w-slow",
        "",
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
}

// ---------------------------------------------------------------------------------------------
// HTTP details
// ---------------------------------------------------------------------------------------------

#[test]
fn keep_alive_reuses_the_connection() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    assert_eq!(c.status("+15551230001").status, 200);
    assert_eq!(c.status("+15551230002").status, 200);
    assert_eq!(sim.connection_count(), 1);
    assert_eq!(sim.request_count(), 2);
    let reqs = sim.requests();
    assert_eq!(reqs[0].connection, reqs[1].connection);

    // Pipelined requests are answered in order.
    let one = "POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 34\r\n\r\n{\"contact_number\":\"+15551230003\"}\n";
    let two = "POST /api/organization/562a519b54f83b56/callback_status HTTP/1.1\r\nContent-Length: 33\r\n\r\n{\"contact_number\":\"+15551230010\"}";
    c.send_raw(format!("{one}{two}").as_bytes());
    let r1 = c.read_response().unwrap();
    let r2 = c.read_response().unwrap();
    assert_eq!(r1.data()[0]["forecast_waitlist_position"], "2");
    assert_eq!(r2.data()[0]["forecast_waitlist_position"], "40");
    assert_eq!(sim.connection_count(), 1);
}

#[test]
fn connection_close_is_honoured() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let r = c.request(
        "POST",
        STATUS,
        r#"{"contact_number":"+15551230001"}"#,
        &[("Connection", "close")],
    );
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(c.closed());

    // HTTP/1.0 closes unless keep-alive is asked for.
    let mut c = Client::connect(&sim);
    c.send_raw(b"GET /api/widget/w-ewt HTTP/1.0\r\n\r\n");
    let r = c.read_response().unwrap();
    assert_eq!((r.status, r.header("connection")), (200, Some("close")));
    assert!(c.closed());
    let mut c = Client::connect(&sim);
    c.send_raw(b"GET /api/widget/w-ewt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(
        c.read_response().unwrap().header("connection"),
        Some("keep-alive")
    );
    c.send_raw(b"GET /api/widget/w-ewt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(c.read_response().unwrap().status, 200);
}

#[test]
fn malformed_and_oversized_requests() {
    let sim = demo();
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"GARBAGE\r\n\r\n".to_vec(), 400),
        (b"GET /x HTTP/1.1\r\nbad header\r\n\r\n".to_vec(), 400),
        (b"GET /x HTTP/2.0\r\n\r\n".to_vec(), 505),
        (
            b"POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n".to_vec(),
            400,
        ),
        (
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_vec(),
            411,
        ),
        (
            b"POST /x HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n".to_vec(),
            413,
        ),
        (
            format!(
                "GET /x HTTP/1.1\r\nX-Big: {}\r\n\r\n",
                "a".repeat(17 * 1024)
            )
            .into_bytes(),
            431,
        ),
    ];
    for (raw, code) in cases {
        let mut c = Client::connect(&sim);
        c.send_raw(&raw);
        let r = c.read_response().unwrap();
        assert_eq!(
            r.status,
            code,
            "{}",
            String::from_utf8_lossy(&raw[..raw.len().min(60)])
        );
        assert_eq!(r.header("connection"), Some("close"));
        assert!(r.json()["error"].is_string());
        assert!(c.closed());
    }
    // Bare-LF line ends and leading blank lines are tolerated.
    let mut c = Client::connect(&sim);
    c.send_raw(b"\r\nGET /api/widget/w-ewt HTTP/1.1\nHost: x\n\n");
    assert_eq!(c.read_response().unwrap().status, 200);
}

#[test]
fn expect_continue() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let body = r#"{"contact_number":"+15551230001"}"#;
    c.send_raw(
        format!(
            "POST {STATUS} HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    let (status, _) = c.read_head().unwrap();
    assert_eq!(status, 100);
    c.send_raw(body.as_bytes());
    assert_eq!(c.read_response().unwrap().data()[0]["status"], "waitlisted");
}

#[test]
fn requests_are_recorded() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    c.request(
        "POST",
        &format!("{STATUS}?x=1&y=2"),
        r#"{"contact_number":"+15551230001"}"#,
        &[("X-Custom", "Value")],
    );
    c.request("GET", "/api/widget/w-open?time_zone=-300", "", &[]);
    let reqs = sim.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, STATUS);
    assert_eq!(reqs[0].query, "x=1&y=2");
    assert_eq!(reqs[0].header("x-custom"), Some("Value"));
    assert!(reqs[0]
        .headers
        .iter()
        .any(|(n, v)| n == "x-custom" && v == "Value"));
    assert_eq!(
        reqs[0].body_json().unwrap()["contact_number"],
        "+15551230001"
    );
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(reqs[1].query, "time_zone=-300");
    assert!(reqs[1].body.is_empty());
}

#[test]
fn the_log_is_capped_but_the_count_is_not() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let n = server::LOG_CAP + 50;
    let one = b"GET /api/widget/w-ewt HTTP/1.1\r\n\r\n";
    // Pipeline in batches.
    let mut sent = 0;
    while sent < n {
        let batch = (n - sent).min(500);
        c.send_raw(&one.repeat(batch));
        for _ in 0..batch {
            assert_eq!(c.read_response().unwrap().status, 200);
        }
        sent += batch;
    }
    assert_eq!(sim.request_count(), n);
    assert_eq!(sim.requests().len(), server::LOG_CAP);
}

#[test]
fn urls_and_addresses() {
    let sim = Simulator::start("0.0.0.0:0", Scenarios::demo()).unwrap();
    let port = sim.addr().port();
    assert_ne!(port, 0);
    assert_eq!(sim.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        sim.organization_url(),
        format!("http://127.0.0.1:{port}/api/organization/{ORG}")
    );
    let addr = sim.addr();
    sim.shutdown();
    // The listener is gone.
    assert!(TcpStream::connect_timeout(
        &SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port()),
        Duration::from_millis(500)
    )
    .is_err());
}

#[test]
fn shutdown_is_prompt_when_idle_and_when_dropped() {
    let t = Instant::now();
    let sim = demo();
    let mut c = Client::connect(&sim);
    assert_eq!(c.status("+15551230001").status, 200);
    drop(sim);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(c.closed());
}

#[test]
fn delay_is_interrupted_by_shutdown() {
    let sim = sim_with("[settings]\nfault = { kind = \"delay\", ms = 60000 }\n");
    let mut c = Client::connect(&sim);
    c.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    drop(sim);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(c.closed());
}

#[test]
fn many_requests_on_keep_alive() {
    let sim = demo();
    let mut c = Client::connect(&sim);
    let t = Instant::now();
    for _ in 0..2000 {
        assert_eq!(c.status("+15551230001").status, 200);
    }
    assert_eq!(sim.connection_count(), 1);
    // Generous even for debug builds on a loaded machine.
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn concurrent_clients() {
    let sim = demo();
    let addr = sim.addr();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let s = TcpStream::connect(addr).unwrap();
                let mut c = Client {
                    reader: BufReader::new(s),
                };
                for _ in 0..100 {
                    assert_eq!(
                        c.status("+15551230002").data()[0]["forecast_waitlist_position"],
                        "1"
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(sim.request_count(), 800);
    assert_eq!(sim.connection_count(), 8);
}
