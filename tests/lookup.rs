//! End-to-end lookups through the real HTTP client against the project's simulator.

use cbstatus::{Action, CallbackStatus, CallbackType, Client, Config, ErrorKind};
use cbstatus_sim::{Scenarios, Simulator};
use std::time::Duration;

fn client_for(sim: &Simulator, extra: &[(&str, &str)]) -> Client {
    let mut config = Config::new();
    config.set("api_url", &sim.organization_url()).unwrap();
    config.set("timeout_ms", "1000").unwrap();
    config.set("timezone", "America/New_York").unwrap();
    // Most tests look at one request at a time.
    config.set("cache_ttl_ms", "0").unwrap();
    config.set("not_found_ttl_ms", "0").unwrap();
    config.set("breaker_threshold", "0").unwrap();
    for (k, v) in extra {
        config.set(k, v).unwrap();
    }
    Client::new(&config).unwrap()
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

#[test]
fn request_is_json_with_the_documented_headers() {
    let sim = demo();
    let client = client_for(&sim, &[]);
    client.lookup("(555) 123-0001").unwrap();
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/api/organization/562a519b54f83b56/callback_status");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    let ua = r.header("user-agent").unwrap();
    assert!(
        ua.starts_with("cbstatus/") && ua.contains(cbstatus::VERSION),
        "{ua}"
    );
    assert_eq!(
        r.body_json().unwrap(),
        serde_json::json!({"contact_number": "+15551230001"})
    );
    assert_eq!(
        r.header("authorization"),
        None,
        "no token configured, none sent"
    );
}

#[test]
fn number_format_decides_the_contact_number_sent() {
    let sim = demo();
    for (format, sent) in [
        ("e164", "+15551230001"),
        ("digits", "15551230001"),
        ("national", "5551230001"),
    ] {
        let client = client_for(&sim, &[("number_format", format)]);
        assert!(client.lookup("(555) 123-0001").unwrap().found(), "{format}");
        let body = sim.requests().pop().unwrap().body_json().unwrap();
        assert_eq!(body["contact_number"], sent, "{format}");
    }
}

#[test]
fn url_with_endpoint_suffix_and_connection_reuse() {
    let sim = demo();
    let url = format!("{}/callback_status/", sim.organization_url());
    let client = client_for(&sim, &[("api_url", &url)]);
    for _ in 0..5 {
        assert!(client.lookup("5551230001").unwrap().found());
    }
    assert_eq!(sim.request_count(), 5);
    assert_eq!(
        sim.connection_count(),
        1,
        "one keep-alive connection for every lookup"
    );
}

#[test]
fn demo_numbers_parse_into_domain_values() {
    let sim = demo();
    let client = client_for(&sim, &[]);

    let r = client.lookup("+15551230001").unwrap();
    let cb = r.primary().unwrap();
    assert_eq!(
        (cb.kind.clone(), cb.status.clone()),
        (Some(CallbackType::Asap), Some(CallbackStatus::Waitlisted))
    );
    assert_eq!(
        (cb.position, cb.wait),
        (Some(4), Some(Duration::from_secs(720)))
    );
    assert!(cb.estimated_for.is_some());

    let r = client.lookup("5551230004").unwrap();
    assert_eq!(r.primary().unwrap().kind, Some(CallbackType::Scheduled));
    assert_eq!(r.primary().unwrap().wait, None, "\"\" is absent");

    let r = client.lookup("5551230005").unwrap();
    assert!(
        r.primary().unwrap().estimated_for.is_some(),
        "JSON numbers accepted"
    );

    let r = client.lookup("5551230007").unwrap();
    assert_eq!(r.count(), 2);
    assert_eq!(r.primary().unwrap().position, Some(6), "the soonest first");

    let r = client.lookup("5551230009").unwrap();
    assert_eq!(
        r.primary().unwrap().status,
        Some(CallbackStatus::Other("parked".into()))
    );

    let r = client.lookup("5551230011").unwrap();
    let cb = r.primary().unwrap();
    assert_eq!(cb.status, Some(CallbackStatus::Pending));
    assert_eq!((cb.position, cb.wait, cb.estimated_for), (None, None, None));

    assert!(!client.lookup("5551230099").unwrap().found());
}

#[test]
fn failures_map_to_error_kinds() {
    let sim = demo();
    let client = client_for(&sim, &[("timeout_ms", "400")]);
    let kind = |n: &str| client.lookup(n).unwrap_err().kind();
    assert_eq!(kind("5551230500"), ErrorKind::HttpStatus);
    let limited = client.lookup("5551230429").unwrap_err();
    assert_eq!(limited.kind(), ErrorKind::RateLimited);
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(kind("5551230666"), ErrorKind::MalformedReply);
    let started = std::time::Instant::now();
    assert_eq!(kind("5551230408"), ErrorKind::NoReply);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(kind("unknown"), ErrorKind::InvalidNumber);
    assert_eq!(kind("555-CALL-NOW"), ErrorKind::InvalidNumber);
}

#[test]
fn token_is_sent_as_configured() {
    let scenarios = Scenarios::from_toml_str(
        "[settings]\ntoken = \"t0k3n\"\nauth_header = \"X-Api-Key\"\nauth_scheme = \"\"\n\
         [[number]]\nnumber = \"+15551230001\"\n[[number.callback]]\ntype = \"asap\"\n",
    )
    .unwrap();
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    let client = client_for(
        &sim,
        &[
            ("api_token", "t0k3n"),
            ("auth_header", "X-Api-Key"),
            ("auth_scheme", ""),
        ],
    );
    assert!(client.lookup("5551230001").unwrap().found());
    assert_eq!(sim.requests()[0].header("x-api-key"), Some("t0k3n"));
    assert!(!format!("{client:?}").contains("t0k3n"));

    let wrong = client_for(&sim, &[("api_token", "nope")]);
    let err = wrong.lookup("5551230001").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(!err.to_string().contains("nope"));
}

#[test]
fn cancel_outcomes() {
    use cbstatus::mindful::CancelOutcome;
    let sim = demo();
    let client = client_for(&sim, &[]);
    let result = client.cancel_callback("5551230001");
    assert_eq!(result.action(), Action::Cancel);
    assert_eq!(result.cancel_outcome(), Some(&CancelOutcome::Canceled));
    assert_eq!(result.result_code(), "CANCELED");
    // The simulator remembers: the callback is now canceled.
    let after = client.lookup("5551230001").unwrap();
    assert_eq!(
        after.primary().unwrap().status,
        Some(CallbackStatus::Canceled)
    );
    assert_eq!(
        client.cancel_callback("5551230007").cancel_outcome(),
        Some(&CancelOutcome::TooMany)
    );
    assert_eq!(
        client.cancel_callback("5551230099").cancel_outcome(),
        Some(&CancelOutcome::NotFound)
    );
    let failed = client.cancel_callback("5551230500");
    assert_eq!(failed.error().unwrap().kind(), ErrorKind::HttpStatus);
    assert_eq!(failed.result_code(), "ERROR");
    assert_eq!(
        sim.requests().last().unwrap().path,
        "/api/organization/562a519b54f83b56/cancel_callback"
    );

    let forced = Scenarios::from_toml_str(
        "[[number]]\nnumber = \"+15551230001\"\ncancel = \"FAILED\"\n[[number.callback]]\ntype = \"asap\"\n",
    )
    .unwrap();
    let sim = Simulator::start("127.0.0.1:0", forced).unwrap();
    let client = client_for(&sim, &[]);
    assert_eq!(
        client.cancel_callback("5551230001").cancel_outcome(),
        Some(&CancelOutcome::Failed)
    );
}

#[test]
fn widget_status() {
    let sim = demo();
    let client = client_for(&sim, &[("widget_id", "w-open")]);
    let open = client.widget(None);
    let w = open.widget().unwrap();
    assert!(w.callbacks_available());
    assert_eq!(w.ewt, Some(Duration::from_secs(600)));
    assert_eq!(open.result_code(), "AVAILABLE");
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/widget/w-open");
    assert!(
        request.query.contains("time_zone=America%2FNew_York")
            || request.query.contains("time_zone=America/New_York"),
        "{}",
        request.query
    );

    let closed = client.widget(Some("w-closed"));
    assert!(!closed.widget().unwrap().callbacks_available());
    assert_eq!(closed.result_code(), "UNAVAILABLE");
    assert_eq!(
        client.widget(Some("w-ewt")).widget().unwrap().ewt,
        Some(Duration::from_secs(240))
    );
    assert_eq!(
        client.widget(Some("nope")).error().unwrap().kind(),
        ErrorKind::HttpStatus
    );
    let unconfigured = client_for(&sim, &[]);
    assert_eq!(
        unconfigured.widget(None).error().unwrap().kind(),
        ErrorKind::NotConfigured
    );
    assert_eq!(
        client.widget(Some("../x")).error().unwrap().kind(),
        ErrorKind::InvalidConfig
    );
}

#[test]
fn json_rendering_carries_every_field_and_all_three_renderings() {
    let sim = demo();
    let client = client_for(&sim, &[]);
    let (json, warning) = client.status("5551230001").to_json(None);
    assert!(warning.is_none());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["result"], "found");
    assert_eq!(v["number"], "+15551230001");
    assert_eq!(v["callback"]["position"], 4);
    assert_eq!(v["callback"]["wait_seconds"], 720);
    assert_eq!(v["callback"]["status"], "waitlisted");
    assert!(v["text"].as_str().unwrap().contains("number 4"));
    assert!(v["ssml"].as_str().unwrap().starts_with("<speak"));
    assert!(!v["prompts"].as_str().unwrap().is_empty());
    assert!(v["error"].is_null());

    let (json, warning) = client.status("5551230500").to_json(Some("xx-YY"));
    assert_eq!(warning.unwrap().kind(), ErrorKind::UnknownLocale);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["result"], "error");
    assert_eq!(v["error"]["name"], "http_status");
    assert_eq!(v["error"]["http_status"], 503);
    assert_eq!(v["locale"], "en-US");
}

/// Each result carries the HTTP status of its own request, returned with it (not read from
/// whatever a previous request on the thread left behind): a cached answer and a request
/// that could not start have none, even right after requests that had one.
#[test]
fn each_result_has_the_upstream_status_of_its_own_request() {
    let sim = demo();
    let client = client_for(&sim, &[("cache_ttl_ms", "60000"), ("widget_id", "w-open")]);
    assert_eq!(client.status("5551230001").upstream_status(), Some(200));
    assert_eq!(
        client.status("5551230001").upstream_status(),
        None,
        "answered from the cache: no request"
    );
    assert_eq!(client.status("5551230500").upstream_status(), Some(503));
    assert_eq!(
        client.status("not a number").upstream_status(),
        None,
        "a bad number asks nothing"
    );
    assert_eq!(client.widget(None).upstream_status(), Some(200));
    assert_eq!(client.offer(None).upstream_status(), Some(200));
    assert_eq!(
        client.cancel_callback("5551230500").upstream_status(),
        Some(503)
    );
    assert_eq!(
        client.widget(Some("bad id!")).upstream_status(),
        None,
        "a bad widget id asks nothing"
    );
    let from_another_thread = std::thread::scope(|s| {
        s.spawn(|| client.status("5551230500").upstream_status())
            .join()
            .unwrap()
    });
    assert_eq!(from_another_thread, Some(503));
    assert_eq!(client.status("5551230001").upstream_status(), None);
}
