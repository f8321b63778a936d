//! The callback journey through the real HTTP client: offer, register, confirm, against the
//! stateful simulator, and against servers that take the POST and never answer.

mod support;

use cbstatus::speech::Format;
use cbstatus::{Action, Client, Config, ErrorKind, RegisterOutcome, RegisterRequest};
use cbstatus_sim::{Scenarios, Simulator};
use jiff::Timestamp;
use std::time::Duration;
use support::RawServer;

fn client_for(url: &str, extra: &[(&str, &str)]) -> Client {
    let mut config = Config::new();
    config.set("api_url", url).unwrap();
    config.set("timeout_ms", "1000").unwrap();
    config.set("timezone", "America/New_York").unwrap();
    config.set("widget_id", "w-open").unwrap();
    config.set("breaker_threshold", "0").unwrap();
    for (k, v) in extra {
        config.set(k, v).unwrap();
    }
    Client::new(&config).unwrap()
}

fn demo() -> (Simulator, Client) {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let client = client_for(&sim.organization_url(), &[]);
    (sim, client)
}

fn asap() -> RegisterRequest {
    RegisterRequest::default()
}

fn at(t: Timestamp) -> RegisterRequest {
    RegisterRequest {
        appointment: Some(t),
        ..RegisterRequest::default()
    }
}

fn posts(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/request_callback"))
        .count()
}

#[test]
fn asap_registration_becomes_a_callback_at_the_end_of_the_line() {
    let (sim, client) = demo();
    let first = client.register("(555) 777-0001", asap());
    assert!(first.error().is_none(), "{:?}", first.error());
    assert_eq!(first.action(), Action::Register);
    let r = first.registration().unwrap();
    assert_eq!(r.outcome, RegisterOutcome::Requested);
    assert!(r.callback_id.as_deref().unwrap().starts_with("cb-"));
    assert_eq!(r.ewt, Some(Duration::from_secs(600)));
    assert_eq!(first.result_code(), "REQUESTED");
    assert_eq!(
        first.render(Format::Text),
        "Thank you. We will call you back at the number ending in 0 0 0 1 in about 10 minutes."
    );
    // The request carried the number and no appointment.
    let post = sim.requests().into_iter().last().unwrap();
    assert_eq!(post.path, "/api/widget/w-open/request_callback");
    let body = post.body_json().unwrap();
    assert_eq!(body["contact_number"], "+15557770001");
    assert!(body.get("appointment_time").is_none());

    // callback_status now reports it, next in line; a second caller is behind it.
    let status = client.status("+15557770001");
    assert!(status.found());
    let cb = status.primary().unwrap();
    assert_eq!(cb.position, Some(1));
    assert_eq!(cb.request_id.as_deref(), r.callback_id.as_deref());
    assert!(status
        .render(Format::Text)
        .starts_with("You are next in line"));
    client.register("+15557770002", asap());
    let second = client.status("+15557770002");
    assert_eq!(second.primary().unwrap().position, Some(2));

    // And cancel_callback cancels it.
    let cancel = client.cancel_callback("+15557770001");
    assert_eq!(cancel.result_code(), "CANCELED");
    assert!(!client.status("+15557770001").primary().unwrap().is_open());
    assert_eq!(posts(&sim), 2);
}

#[test]
fn scheduled_registration_at_an_offered_slot() {
    let (_sim, client) = demo();
    let widget = client.widget(None);
    let slots = widget.widget().unwrap().timeslots.clone();
    assert_eq!(slots.len(), 3, "the demo widget offers 3 slots");
    let result = client.register("+15557770003", at(slots[1]));
    let r = result.registration().unwrap();
    assert_eq!(
        r.outcome,
        RegisterOutcome::Requested,
        "{:?}",
        result.error()
    );
    let text = result.render(Format::Text);
    assert!(
        text.starts_with("Thank you. We will call you back at the number ending in 0 0 0 3 "),
        "{text}"
    );
    let status = client.status("+15557770003");
    let cb = status.primary().unwrap();
    assert_eq!(cb.estimated_for, Some(slots[1]));
    assert!(status
        .render(Format::Text)
        .starts_with("Your callback is scheduled"));
}

#[test]
fn every_refusal_is_its_outcome_and_never_success() {
    let (sim, client) = demo();
    let now = Timestamp::now();
    let cases: Vec<(&str, RegisterRequest, RegisterOutcome, &str)> = vec![
        (
            "+15557770010",
            RegisterRequest {
                widget_id: Some("w-closed".into()),
                ..asap()
            },
            RegisterOutcome::Refused,
            "REFUSED",
        ),
        (
            "+15551230400",
            asap(),
            RegisterOutcome::InvalidContact,
            "INVALID_CONTACT",
        ),
        (
            "+15557770011",
            at(now - jiff::SignedDuration::from_hours(1)),
            RegisterOutcome::InvalidTime,
            "INVALID_TIME",
        ),
        (
            "+15557770012",
            at(now + jiff::SignedDuration::from_mins(37)),
            RegisterOutcome::InvalidTime,
            "INVALID_TIME",
        ),
    ];
    for (number, request, outcome, code) in cases {
        let result = client.register(number, request);
        assert!(result.error().is_none(), "{number}: {:?}", result.error());
        assert_eq!(result.registration().unwrap().outcome, outcome, "{number}");
        assert_eq!(result.result_code(), code);
        assert_eq!(result.registration().unwrap().callback_id, None);
        let text = result.render(Format::Text);
        assert!(
            text.starts_with("Sorry") && !text.contains("We will call you back"),
            "{text}"
        );
        assert!(
            !client.status(number).found(),
            "{number}: nothing registered"
        );
    }
    // The same number again within 10 s.
    assert_eq!(
        client
            .register("+15557770013", asap())
            .registration()
            .unwrap()
            .outcome,
        RegisterOutcome::Requested
    );
    let again = client.register("(555) 777-0013", asap());
    assert_eq!(
        again.registration().unwrap().outcome,
        RegisterOutcome::Duplicate
    );
    assert_eq!(
        again.render(Format::Text),
        "We already have your callback request."
    );
    assert_eq!(posts(&sim), 6, "one POST per registration");
}

#[test]
fn json_has_the_outcome_and_the_widget_slots() {
    let (_sim, client) = demo();
    let result = client.register("+15557770020", asap());
    let (json, _) = result.to_json(None);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["action"], "register");
    assert_eq!(v["register_outcome"], "requested");
    assert!(v["callback_id"].as_str().unwrap().starts_with("cb-"));
    assert_eq!(v["result"], "requested");
    let widget = client.widget(None);
    let (json, _) = widget.to_json(None);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["widget"]["timeslots"].as_array().unwrap().len(), 3);
    assert_eq!(v["widget"]["offer_asap"], true);
    assert_eq!(v["widget"]["offer_scheduled"], true);
    assert_eq!(v["widget"]["offer"], true);
    assert_eq!(v["widget"]["menu"][0], "asap");
    // A failed registration has no outcome at all.
    let failed =
        client_for("http://127.0.0.1:9/api/organization/x", &[]).register("+15557770021", asap());
    let v: serde_json::Value = serde_json::from_str(&failed.to_json(None).0).unwrap();
    assert!(v["register_outcome"].is_null());
    assert_eq!(v["result"], "error");
}

#[test]
fn offer_speaks_the_wait_and_the_menu() {
    let (_sim, client) = demo();
    let offer = client.offer(None);
    assert_eq!(offer.action(), Action::Offer);
    let text = offer.render(Format::Text);
    assert!(
        text.starts_with(
            "We can call you back in about 10 minutes, so you don't have to wait on hold. \
             For a callback as soon as possible, press 1. For today at "
        ) || text.contains("For tomorrow at"),
        "{text}"
    );
    assert!(text.ends_with("press 4."), "{text}");
    let closed = client.offer(Some("w-closed"));
    assert_eq!(
        closed.render(Format::Text),
        "We are unable to offer callbacks at this time."
    );
}

/// A server that takes the POST and never answers, or resets the connection after reading
/// it: no outcome, spoken as unconfirmed, and exactly one POST (never retried). The
/// simulator stores the registration before the fault: a status lookup tells the truth.
#[test]
fn a_lost_answer_is_unconfirmed_never_retried() {
    for (fault, want) in [
        ("\"hang\"", ErrorKind::NoReply),
        ("\"reset\"", ErrorKind::NoReply),
        ("{ kind = \"status\", code = 503 }", ErrorKind::HttpStatus),
    ] {
        let scenarios = Scenarios::from_toml_str(&format!(
            "[[widget]]\nid = \"w-open\"\nwidget_state = \"offer_callback\"\newt = 600\n\
             fault = {fault}\n"
        ))
        .unwrap();
        let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
        let client = client_for(&sim.organization_url(), &[("timeout_ms", "400")]);
        let result = support::within(Duration::from_secs(10), move || {
            client.register("+15557770030", RegisterRequest::default())
        });
        let error = result.error().expect("no answer is an error");
        assert!(result.registration().is_none(), "{fault}");
        assert_eq!(result.result_code(), "ERROR");
        assert_eq!(error.kind(), want, "{fault}: {error}");
        assert_eq!(
            result.render(Format::Text),
            "Sorry, we could not confirm your callback.",
            "{fault}"
        );
        assert_eq!(posts(&sim), 1, "{fault}: exactly one POST");
        // The callback exists: the truth is one status lookup away.
        let client = client_for(&sim.organization_url(), &[]);
        assert!(client.status("+15557770030").found(), "{fault}");
    }
}

/// A raw server that reads the POST, then closes without a word.
#[test]
fn a_raw_server_that_closes_after_reading_gets_one_post() {
    let server = RawServer::start(|stream, ctx| {
        let mut reader = std::io::BufReader::new(stream);
        let _ = ctx.read_request(&mut reader);
    });
    let client = client_for(&server.url(), &[]);
    let result = client.register("+15557770040", RegisterRequest::default());
    assert!(result.registration().is_none());
    let error = result.error().expect("no reply is an error");
    assert_eq!(error.kind(), ErrorKind::NoReply, "was: connect ({error})");
    assert_eq!(
        result.render(Format::Text),
        "Sorry, we could not confirm your callback."
    );
    assert_eq!(server.requests(), 1, "never retried");
}

#[test]
fn not_sent_is_failed_not_unconfirmed() {
    let (sim, client) = demo();
    let bad = client.register("not a number", RegisterRequest::default());
    assert_eq!(bad.error().unwrap().kind(), ErrorKind::InvalidNumber);
    assert_eq!(
        bad.render(Format::Text),
        "Sorry, we could not register your callback right now."
    );
    let mut config = Config::new();
    config.set("api_url", &sim.organization_url()).unwrap();
    let no_widget = Client::new(&config).unwrap();
    let result = no_widget.register("+15557770050", RegisterRequest::default());
    assert_eq!(result.error().unwrap().kind(), ErrorKind::NotConfigured);
    assert_eq!(posts(&sim), 0);
}
