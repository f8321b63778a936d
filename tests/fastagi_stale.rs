//! Issue 19, class 2 through FastAGI: one `cbstatus fastagi` server (one client, its cache and
//! prefetches) serves a prefetch, a status, a cancel and a register of the same caller. After
//! the cancel or register, no answer obtained before it is given: the next status asks the
//! API. The API is tests/support/gated.rs, which holds a status reply so that "in flight
//! during the change" is decided by the test.

mod support;

use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;
use support::asterisk::{converse, normal, Seen};
use support::fastagi::FastAgi;
use support::gated::GatedApi;

const CALLER: &str = "+15551230004";
const WAIT: Duration = Duration::from_secs(10);

fn server(api: &GatedApi) -> FastAgi {
    FastAgi::start_at(
        &api.url(),
        "5000",
        &[],
        &[
            ("CBSTATUS_WIDGET_ID", "w-1"),
            ("CBSTATUS_CACHE_TTL_MS", "60000"),
            ("CBSTATUS_NOT_FOUND_TTL_MS", "60000"),
            ("CBSTATUS_PREFETCH_TTL_MS", "60000"),
        ],
        None,
    )
}

/// One call from `CALLER` to `agi://HOST/SCRIPT`.
fn call(addr: &str, script: &str) -> Seen {
    let env = format!(
        "agi_network: yes\nagi_network_script: {script}\nagi_request: agi://127.0.0.1/{script}\n\
         agi_channel: PJSIP/100-00000001\nagi_language: en\nagi_callerid: {CALLER}\n\
         agi_callingpres: 0\nagi_context: default\n\n"
    );
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    converse(reader, stream, env.as_bytes(), WAIT * 2, |_, line| {
        normal(line)
    })
}

#[test]
fn fastagi_prefetch_then_cancel_then_status_asks_again() {
    let api = GatedApi::start(true);
    let fastagi = server(&api);
    api.hold_next_status();
    assert_eq!(
        call(&fastagi.addr, "cbstatus/prefetch").var("CBSTATUS_PREFETCH"),
        "STARTED"
    );
    assert!(api.wait_held(WAIT), "the prefetch reached the API");
    let cancel = call(&fastagi.addr, "cbstatus/cancel");
    assert_eq!(cancel.var("CBSTATUS_RESULT"), "CANCELED");
    api.release();
    let status = call(&fastagi.addr, "cbstatus");
    assert_eq!(
        status.var("CBSTATUS_RESULT"),
        "NOT_FOUND",
        "was: FOUND, the prefetched 4th in line after 'your callback has been canceled'"
    );
    assert_eq!(
        api.statuses(),
        2,
        "the status after the cancel asked the API"
    );
}

#[test]
fn fastagi_prefetch_then_register_then_status_asks_again() {
    let api = GatedApi::start(false);
    let fastagi = server(&api);
    assert_eq!(
        call(&fastagi.addr, "cbstatus/prefetch").var("CBSTATUS_PREFETCH"),
        "STARTED"
    );
    // The prefetch reached the API (bounded wait).
    let until = std::time::Instant::now() + WAIT;
    while api.statuses() < 1 && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(api.statuses(), 1);
    let register = call(&fastagi.addr, "cbstatus/register");
    assert_eq!(register.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    let status = call(&fastagi.addr, "cbstatus");
    assert_eq!(
        status.var("CBSTATUS_RESULT"),
        "FOUND",
        "was: NOT_FOUND, the prefetch's answer after 'we will call you back'"
    );
}

#[test]
fn fastagi_a_status_in_flight_during_a_cancel_does_not_put_its_answer_back() {
    let api = GatedApi::start(true);
    let fastagi = server(&api);
    api.hold_next_status();
    std::thread::scope(|s| {
        let early = s.spawn(|| call(&fastagi.addr, "cbstatus"));
        assert!(
            api.wait_held(WAIT),
            "the first call's lookup reached the API"
        );
        assert_eq!(
            call(&fastagi.addr, "cbstatus/cancel").var("CBSTATUS_RESULT"),
            "CANCELED"
        );
        api.release();
        assert_eq!(early.join().unwrap().var("CBSTATUS_RESULT"), "FOUND");
    });
    let status = call(&fastagi.addr, "cbstatus");
    assert_eq!(status.var("CBSTATUS_RESULT"), "NOT_FOUND");
    assert_eq!(
        api.statuses(),
        2,
        "the status after the cancel asked the API"
    );
}
