//! Issue #5, part 2: every way the API can fail maps to its documented error kind (see
//! `status_error` / `transport_error` in src/mindful/client.rs and the lenient parser in
//! src/mindful/wire.rs), a failed lookup renders the fallback sentence, and the circuit breaker
//! and `Retry-After` protect the API and the callers.

mod support;

use cbstatus::speech::Format;
use cbstatus::ErrorKind;
use cbstatus_sim::{Scenarios, Simulator};
use serde_json::json;
use std::io::{BufReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// A simulator serving `numbers` (JSON scenario entries) and nothing else.
fn simulator(numbers: serde_json::Value) -> Simulator {
    let scenarios =
        Scenarios::from_json_str(&json!({ "number": numbers }).to_string()).expect("scenarios");
    Simulator::start("127.0.0.1:0", scenarios).unwrap()
}

/// Settings isolating each request: no cache, no breaker.
const ISOLATED: &[(&str, &str)] = &[
    ("timeout_ms", "1500"),
    ("breaker_threshold", "0"),
    ("cache_ttl_ms", "0"),
    ("not_found_ttl_ms", "0"),
];

fn callback() -> serde_json::Value {
    json!({"type": "ASAP", "status": "waitlisted", "forecast_waitlist_position": "4",
           "estimated_wait_time": "720"})
}

#[test]
fn every_http_status_maps_to_its_kind_and_the_fallback() {
    let cases: &[(u16, ErrorKind)] = &[
        (400, ErrorKind::HttpStatus),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Unauthorized),
        (404, ErrorKind::HttpStatus),
        (405, ErrorKind::HttpStatus),
        (408, ErrorKind::HttpStatus),
        (413, ErrorKind::HttpStatus),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::HttpStatus),
        (502, ErrorKind::HttpStatus),
        (503, ErrorKind::HttpStatus),
        (504, ErrorKind::HttpStatus),
        (599, ErrorKind::HttpStatus),
    ];
    let numbers: Vec<_> = cases
        .iter()
        .map(|(code, _)| {
            json!({"number": format!("+1555124{code:04}"),
                   "fault": {"kind": "status", "code": code},
                   "callback": [callback()]})
        })
        .collect();
    let sim = simulator(json!(numbers));
    let client = client(&sim.organization_url(), ISOLATED);
    for (code, kind) in cases {
        let number = format!("+1555124{code:04}");
        let err = client.lookup(&number).unwrap_err();
        assert_eq!(err.kind(), *kind, "HTTP {code}: {err}");
        assert_eq!(err.http_status(), Some(*code), "HTTP {code}");
        assert!(err.to_string().contains(&code.to_string()), "{err}");
        assert_eq!(err.retry_after(), None);
        let result = client.status(&number);
        assert_eq!(result.error().unwrap().kind(), *kind);
        assert_eq!(result.render(Format::Text), FALLBACK_EN);
        assert!(!result.found());
    }
    assert_eq!(sim.request_count(), cases.len() * 2);
}

#[test]
fn html_error_pages_empty_and_truncated_bodies() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let sim = simulator(json!([
        {"number": "+15551250001", "fault": "html", "callback": [callback()]},
        {"number": "+15551250002", "fault": {"kind": "status", "code": 502, "body": html},
         "callback": [callback()]},
        {"number": "+15551250003", "fault": "empty", "callback": [callback()]},
        {"number": "+15551250004", "fault": "malformed", "callback": [callback()]},
        {"number": "+15551250005", "fault": "invalid_utf8", "callback": [callback()]},
        {"number": "+15551250006", "raw": "   \r\n  "},
        {"number": "+15551250007", "raw": "{\"data\":[{\"type\":\"ASAP\",\"status\":\"wait"},
        {"number": "+15551250008", "raw": "null"},
        {"number": "+15551250009", "raw": "\"just a string\""},
        {"number": "+15551250010", "raw": "{\"data\":[1,2,3]}"},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    for (n, kind) in [
        (1, ErrorKind::MalformedReply),
        (2, ErrorKind::HttpStatus),
        (3, ErrorKind::MalformedReply),
        (4, ErrorKind::MalformedReply),
        (5, ErrorKind::MalformedReply),
        (6, ErrorKind::MalformedReply),
        (7, ErrorKind::MalformedReply),
        (8, ErrorKind::MalformedReply),
        (9, ErrorKind::MalformedReply),
        (10, ErrorKind::MalformedReply),
    ] {
        let number = format!("+155512500{n:02}");
        let result = client.status(&number);
        let err = result
            .error()
            .unwrap_or_else(|| panic!("{number} answered"));
        assert_eq!(err.kind(), kind, "{number}: {err}");
        assert_eq!(result.render(Format::Text), FALLBACK_EN);
        // The error message never carries the body (HTML, garbage) to a log or a caller.
        assert!(!err.to_string().contains("nginx"), "{err}");
    }
}

#[test]
fn data_of_the_wrong_shape_is_malformed() {
    let sim = simulator(json!([
        {"number": "+15551260001", "raw": "{\"data\":{\"type\":\"ASAP\"}}"},
        {"number": "+15551260002", "raw": "{\"data\":\"none\"}"},
        {"number": "+15551260003", "raw": "{\"data\":42}"},
        {"number": "+15551260004", "raw": "{\"data\":true}"},
        {"number": "+15551260005", "raw": "{\"error\":\"bad\"}"},
        {"number": "+15551260006", "raw": "[]"},
        {"number": "+15551260007", "raw": "{\"data\":[[]]}"},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    for n in 1..=7 {
        let err = client.lookup(&format!("+155512600{n:02}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedReply, "#{n}: {err}");
    }
}

#[test]
fn deeply_nested_json_is_malformed_not_a_stack_overflow() {
    for depth in [200usize, 10_000, 200_000] {
        let raw = format!("{{\"data\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
        let sim = simulator(json!([{"number": "+15551270001", "raw": raw}]));
        let client = client(&sim.organization_url(), ISOLATED);
        let err = client.lookup("+15551270001").unwrap_err();
        // 200 000 levels is 400 kB: under the 1 MiB cap, so the parser itself must refuse it.
        assert_eq!(
            err.kind(),
            ErrorKind::MalformedReply,
            "depth {depth}: {err}"
        );
    }
    let objects = format!(
        "{{\"data\":[{{\"type\":\"ASAP\",\"x\":{}1{}}}]}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    let sim = simulator(json!([{"number": "+15551270002", "raw": objects}]));
    let client = client(&sim.organization_url(), ISOLATED);
    assert_eq!(
        client.lookup("+15551270002").unwrap_err().kind(),
        ErrorKind::MalformedReply
    );
}

#[test]
fn wrong_field_types_are_absent_not_errors() {
    let sim = simulator(json!([
        {"number": "+15551280001", "callback": [{
            "type": ["ASAP"], "status": {"a": 1}, "forecast_waitlist_position": true,
            "estimated_wait_time": [720], "estimated_for": {"t": 1}, "created_at": false,
            "callback_number": 15551280001u64, "call_request_id": null
        }]},
        {"number": "+15551280002", "callback": [{
            "type": "ASAP", "status": "waitlisted", "forecast_waitlist_position": "-7",
            "estimated_wait_time": "1e400", "estimated_for": "not a time",
            "created_at": "-5"
        }]},
        {"number": "+15551280003", "callback": [{
            "type": "ASAP", "status": "waitlisted", "forecast_waitlist_position": 99999999999u64,
            "estimated_wait_time": 1e300, "estimated_for": 99999999999999999u64
        }]},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    for n in 1..=3 {
        let result = client.status(&format!("+155512800{n:02}"));
        assert!(result.error().is_none(), "#{n}: {:?}", result.error());
        assert!(result.found());
        for format in Format::ALL {
            let text = result.render(format);
            assert!(!text.is_empty());
            assert_ne!(text, FALLBACK_EN);
        }
    }
}

#[test]
fn thousands_of_entries() {
    let entry = callback();
    let sim = simulator(json!([
        {"number": "+15551290001", "callback": vec![entry; 5000]},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    let (result, elapsed) = timed(|| client.status("+15551290001"));
    assert!(result.error().is_none(), "{:?}", result.error());
    // Issue 10: at most MAX_ENTRIES are considered (0.1.0 counted all 5000).
    assert_eq!(result.count(), cbstatus::mindful::MAX_ENTRIES);
    assert!(result.render(Format::Text).contains("4"));
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn rate_limited_with_and_without_retry_after() {
    let sim = simulator(json!([
        {"number": "+15551300001", "fault": {"kind": "status", "code": 429}, "callback": [callback()]},
        {"number": "+15551300002", "fault": {"kind": "status", "code": 429, "retry_after": "7"},
         "callback": [callback()]},
        {"number": "+15551300003", "fault": {"kind": "status", "code": 503, "retry_after": "3"},
         "callback": [callback()]},
        {"number": "+15551300004", "fault": {"kind": "status", "code": 429, "retry_after": "soon"},
         "callback": [callback()]},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    let err = client.lookup("+15551300001").unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::RateLimited, None)
    );
    let err = client.lookup("+15551300002").unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::RateLimited, Some(Duration::from_secs(7)))
    );
    let err = client.lookup("+15551300003").unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::HttpStatus, Some(Duration::from_secs(3)))
    );
    let err = client.lookup("+15551300004").unwrap_err();
    assert_eq!(
        (err.kind(), err.retry_after()),
        (ErrorKind::RateLimited, None)
    );
}

#[test]
fn retry_after_is_honoured_no_request_during_it() {
    let sim = simulator(json!([
        {"number": "+15551310001", "fault": {"kind": "status", "code": 429, "retry_after": "1"},
         "callback": [callback()]},
        {"number": "+15551310002", "callback": [callback()]},
    ]));
    // A long cool-down: once the threshold opens the breaker, Retry-After (1 s) decides when
    // it half-opens.
    let client = client(
        &sim.organization_url(),
        &[
            ("breaker_threshold", "2"),
            ("breaker_cooldown_ms", "60000"),
            ("cache_ttl_ms", "0"),
        ],
    );
    for _ in 0..2 {
        assert_eq!(
            client.lookup("+15551310001").unwrap_err().kind(),
            ErrorKind::RateLimited
        );
    }
    let started = Instant::now();
    assert_eq!(sim.request_count(), 2);
    // During the second the server asked for, nothing reaches it, whatever the number.
    let mut refused = 0;
    while started.elapsed() < Duration::from_millis(800) {
        let (outcome, elapsed) = timed(|| client.lookup("+15551310002"));
        assert_eq!(outcome.unwrap_err().kind(), ErrorKind::CircuitOpen);
        assert!(elapsed < Duration::from_millis(50), "{elapsed:?}");
        refused += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(refused >= 5);
    assert_eq!(
        sim.request_count(),
        2,
        "a request went out during Retry-After"
    );
    std::thread::sleep(Duration::from_millis(1100).saturating_sub(started.elapsed()));
    let report = client.lookup("+15551310002").expect("after Retry-After");
    assert!(report.found());
    assert_eq!(sim.request_count(), 3);
}

/// Issue 10, class 2: one reply asking for an hour (`Retry-After: 3600` on 500, 503 and 429,
/// seconds and HTTP-date) must neither open the breaker below its threshold nor keep it open
/// past `breaker_cooldown_ms`.
#[test]
fn one_reply_with_retry_after_3600_never_silences_lookups_past_the_cooldown() {
    let far = jiff::fmt::rfc2822::to_string(
        &(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1))
            .to_zoned(jiff::tz::TimeZone::UTC),
    )
    .unwrap()
    .replace("+0000", "GMT");
    for (code, retry_after) in [
        (500, "3600"),
        (503, "3600"),
        (429, far.as_str()),
        (502, "3600"),
    ] {
        let sim = simulator(json!([
            {"number": "+15551315001",
             "fault": {"kind": "flaky", "fail_first": 3,
                       "fault": {"kind": "status", "code": code, "retry_after": retry_after}},
             "callback": [callback()]},
        ]));
        let client = client(
            &sim.organization_url(),
            &[
                ("breaker_threshold", "3"),
                ("breaker_cooldown_ms", "300"),
                ("cache_ttl_ms", "0"),
            ],
        );
        let case = format!("HTTP {code} Retry-After: {retry_after}");
        // Below the threshold every lookup still reaches the API.
        for n in 1..=2 {
            let err = client.lookup("+15551315001").unwrap_err();
            assert_ne!(err.kind(), ErrorKind::CircuitOpen, "{case}: reply {n}");
            assert_eq!(sim.request_count(), n, "{case}");
            if !matches!(code, 429 | 503) {
                assert_eq!(err.retry_after(), None, "{case}: only 429 and 503 carry it");
            }
        }
        // The third failure opens it ...
        assert!(client.lookup("+15551315001").is_err());
        assert_eq!(
            client.lookup("+15551315001").unwrap_err().kind(),
            ErrorKind::CircuitOpen,
            "{case}"
        );
        // ... for the cool-down, not the hour asked for: then the probe answers.
        std::thread::sleep(Duration::from_millis(350));
        let report = within(Duration::from_secs(5), move || {
            client.lookup("+15551315001")
        })
        .unwrap_or_else(|e| panic!("{case}: still silenced after the cool-down: {e}"));
        assert!(report.found(), "{case}");
        assert_eq!(sim.request_count(), 4, "{case}");
    }
}

#[test]
fn breaker_opens_answers_at_once_half_opens_and_closes() {
    let sim = simulator(json!([
        {"number": "+15551320001",
         "fault": {"kind": "flaky", "fail_first": 3, "fault": {"kind": "status", "code": 503}},
         "callback": [callback()]},
    ]));
    let client = client(
        &sim.organization_url(),
        &[
            ("breaker_threshold", "3"),
            ("breaker_cooldown_ms", "400"),
            ("cache_ttl_ms", "0"),
        ],
    );
    for i in 1..=3 {
        let err = client.lookup("+15551320001").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HttpStatus, "failure {i}");
    }
    assert_eq!(sim.request_count(), 3);
    // Open: answers at once, nothing sent, the fallback is spoken, the C code is 16.
    let opened = Instant::now();
    for _ in 0..20 {
        let (result, elapsed) = timed(|| client.status("+15551320001"));
        let err = result.error().expect("open breaker");
        assert_eq!(err.kind(), ErrorKind::CircuitOpen);
        assert_eq!(err.code(), cbstatus::ffi::CB_E_CIRCUIT_OPEN);
        assert!(
            err.detail().contains("503"),
            "names the last failure: {err}"
        );
        assert!(elapsed < Duration::from_millis(20), "{elapsed:?}");
        assert_eq!(result.render(Format::Text), FALLBACK_EN);
    }
    assert_eq!(sim.request_count(), 3, "the open breaker sent a request");
    // After the cool-down one probe goes out; the API has recovered, so it closes.
    std::thread::sleep(Duration::from_millis(450).saturating_sub(opened.elapsed()));
    assert!(client.lookup("+15551320001").expect("probe").found());
    assert_eq!(sim.request_count(), 4);
    assert!(client.lookup("+15551320001").expect("closed").found());
    assert_eq!(sim.request_count(), 5);
}

#[test]
fn failed_probe_reopens_and_only_one_probe_goes_out() {
    let healthy = Arc::new(AtomicBool::new(false));
    let h = healthy.clone();
    let server = RawServer::start(move |stream, ctx| {
        let mut reader = BufReader::new(stream);
        if ctx.read_request(&mut reader).is_none() {
            return;
        }
        // Slow enough that concurrent callers overlap with the probe.
        ctx.sleep(Duration::from_millis(100));
        let reply = if h.load(Ordering::SeqCst) {
            json_ok(&found_body(2, 60))
        } else {
            response("503 Service Unavailable", &[], b"{}")
        };
        let _ = reader.get_mut().write_all(&reply);
    });
    let client = client(
        &server.url(),
        &[
            ("breaker_threshold", "2"),
            ("breaker_cooldown_ms", "300"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
        ],
    );
    for _ in 0..2 {
        assert_eq!(
            client.lookup("+15551330001").unwrap_err().kind(),
            ErrorKind::HttpStatus
        );
    }
    assert_eq!(
        client.lookup("+15551330001").unwrap_err().kind(),
        ErrorKind::CircuitOpen
    );
    assert_eq!(server.requests(), 2);
    std::thread::sleep(Duration::from_millis(350));
    // Half-open: 8 callers at once (different numbers), exactly one probe reaches the API.
    let kinds: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let client = &client;
                s.spawn(move || {
                    std::thread::sleep(Duration::from_millis(if i == 0 { 0 } else { 20 }));
                    client
                        .lookup(&format!("+1555134{i:04}"))
                        .unwrap_err()
                        .kind()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(server.requests(), 3, "more than one probe: {kinds:?}");
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ErrorKind::HttpStatus)
            .count(),
        1
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ErrorKind::CircuitOpen)
            .count(),
        7
    );
    // The probe failed: open again at once.
    assert_eq!(
        client.lookup("+15551330001").unwrap_err().kind(),
        ErrorKind::CircuitOpen
    );
    assert_eq!(server.requests(), 3);
    healthy.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(350));
    assert!(client.lookup("+15551330001").unwrap().found());
    assert!(client.lookup("+15551330002").unwrap().found());
    assert_eq!(server.requests(), 5);
}

#[test]
fn client_errors_do_not_open_the_breaker() {
    let sim = simulator(json!([
        {"number": "+15551350401", "fault": {"kind": "status", "code": 401}, "callback": [callback()]},
        {"number": "+15551350404", "fault": {"kind": "status", "code": 404}, "callback": [callback()]},
        {"number": "+15551350001", "callback": [callback()]},
    ]));
    let client = client(
        &sim.organization_url(),
        &[("breaker_threshold", "2"), ("cache_ttl_ms", "0")],
    );
    for _ in 0..5 {
        assert_eq!(
            client.lookup("+15551350401").unwrap_err().kind(),
            ErrorKind::Unauthorized
        );
        assert_eq!(
            client.lookup("+15551350404").unwrap_err().kind(),
            ErrorKind::HttpStatus
        );
    }
    assert_eq!(sim.request_count(), 10);
    assert!(client.lookup("+15551350001").unwrap().found());
}

#[test]
fn timeouts_and_malformed_replies_open_the_breaker() {
    let sim = simulator(json!([
        {"number": "+15551360001", "fault": "hang", "callback": [callback()]},
        {"number": "+15551360002", "fault": "malformed", "callback": [callback()]},
        {"number": "+15551360003", "callback": [callback()]},
    ]));
    let client = client(
        &sim.organization_url(),
        &[
            ("timeout_ms", "200"),
            ("breaker_threshold", "2"),
            ("breaker_cooldown_ms", "60000"),
        ],
    );
    // A hang after the whole request: no_reply, counted like the timeout it used to be.
    assert_eq!(
        client.lookup("+15551360001").unwrap_err().kind(),
        ErrorKind::NoReply
    );
    assert_eq!(
        client.lookup("+15551360002").unwrap_err().kind(),
        ErrorKind::MalformedReply
    );
    let (outcome, elapsed) = timed(|| client.lookup("+15551360003"));
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::CircuitOpen);
    assert!(elapsed < Duration::from_millis(20));
    assert_eq!(sim.request_count(), 2);
}

#[test]
fn redirects_are_reported_not_followed() {
    let target = RawServer::answering(json_ok(&found_body(1, 30)));
    let location = format!("{}/callback_status", target.url());
    let server = RawServer::answering(response(
        "302 Found",
        &[("Location", location.as_str())],
        b"",
    ));
    let client = client(
        &server.url(),
        &[
            ("api_token", "tok-redirect-secret"),
            ("breaker_threshold", "0"),
        ],
    );
    let err = client.lookup("+15551370001").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::HttpStatus, "{err}");
    assert_eq!(err.http_status(), Some(302));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        target.requests(),
        0,
        "the redirect was followed (token replayed)"
    );
}

#[test]
fn not_found_shapes_are_answers_not_errors() {
    let sim = simulator(json!([
        {"number": "+15551380001", "raw": "{\"data\":[]}"},
        {"number": "+15551380002", "raw": "{\"data\":null}"},
        {"number": "+15551380003", "raw": "{\"status\":\"InteractionNotFound\"}"},
        {"number": "+15551380004", "raw": "{\"data\":[{\"status\":\"InteractionNotFound\"}]}"},
    ]));
    let client = client(&sim.organization_url(), ISOLATED);
    for n in 1..=4 {
        let result = client.status(&format!("+155513800{n:02}"));
        assert!(result.error().is_none(), "#{n}: {:?}", result.error());
        assert!(!result.found());
        assert_ne!(result.render(Format::Text), FALLBACK_EN);
    }
}

#[test]
fn a_probe_that_never_reports_does_not_wedge_the_breaker() {
    // A probe whose request panics (caught at the C boundary) never reports its outcome. The
    // breaker must not stay half-open, refusing every lookup of a long-lived PBX process.
    use cbstatus::mindful::Breaker;
    let breaker = Breaker::new(1, Duration::from_millis(100));
    let permit = breaker.admit().unwrap();
    breaker.record(
        permit,
        Err(&cbstatus::Error::new(ErrorKind::Timeout, "slow")),
    );
    assert_eq!(breaker.admit().unwrap_err().kind(), ErrorKind::CircuitOpen);
    std::thread::sleep(Duration::from_millis(120));
    let probe = breaker.admit().expect("half-open: one probe");
    assert_eq!(breaker.admit().unwrap_err().kind(), ErrorKind::CircuitOpen);
    drop(probe); // lost: no record()
    std::thread::sleep(Duration::from_millis(120));
    let probe = breaker.admit().expect("a new probe after the cool-down");
    breaker.record(probe, Ok(()));
    assert!(breaker.admit().is_ok(), "closed again");
}
