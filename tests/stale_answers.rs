//! Issue 19, class 2: an answer never contradicts what the caller just did. After a register or
//! a cancel of a number, whatever its outcome, no lookup answer obtained before it (cached,
//! prefetched, shared with a lookup in flight, or stored by a lookup that was in flight during
//! it) is given for that number: the next status lookup asks the API.
//!
//! The API is [`GatedApi`]: one number, booked or not, whose status replies the test can hold,
//! so the in-flight races are decided by the test, not by sleeps. The same cases through the C
//! API are in tests/c/test_stale.c (tests/c_stale.rs) and through FastAGI in
//! tests/fastagi_stale.rs.

mod support;

use cbstatus::mindful::CancelOutcome;
use cbstatus::{Client, LookupResult, RegisterOutcome, RegisterRequest};
use std::time::Duration;
use support::gated::GatedApi;

const NUMBER: &str = "+15551230004";
const WAIT: Duration = Duration::from_secs(10);

/// Answers kept long enough that only the rule under test can make a lookup ask again.
fn client_for(api: &GatedApi) -> Client {
    support::client(
        &api.url(),
        &[
            ("timeout_ms", "3000"),
            ("cache_ttl_ms", "60000"),
            ("not_found_ttl_ms", "60000"),
            ("prefetch_ttl_ms", "60000"),
            ("widget_id", "w-1"),
            ("breaker_threshold", "0"),
            ("prewarm", "off"),
        ],
    )
}

fn status(client: &Client) -> LookupResult {
    let result = client.status(NUMBER);
    assert!(result.error().is_none(), "{:?}", result.error());
    result
}

fn cancel(client: &Client) -> LookupResult {
    client.cancel_callback(NUMBER)
}

fn register(client: &Client) -> LookupResult {
    client.register(NUMBER, RegisterRequest::default())
}

fn prefetched(client: &Client, api: &GatedApi) {
    client.prefetch(NUMBER).unwrap();
    client.wait_background(WAIT);
    assert_eq!(api.statuses(), 1, "the prefetch asked");
}

#[test]
fn a_prefetched_status_never_outlives_a_register() {
    let api = GatedApi::start(false);
    let client = client_for(&api);
    prefetched(&client, &api);
    let registered = register(&client);
    assert_eq!(
        registered.registration().map(|r| r.outcome),
        Some(RegisterOutcome::Requested)
    );
    let after = status(&client);
    assert_eq!(
        api.statuses(),
        2,
        "the status after the register asks the API"
    );
    assert!(
        after.found(),
        "the prefetched 'not found' was given after the register"
    );
}

#[test]
fn a_prefetched_status_never_outlives_a_cancel() {
    let api = GatedApi::start(true);
    let client = client_for(&api);
    prefetched(&client, &api);
    assert_eq!(
        cancel(&client).cancel_outcome(),
        Some(&CancelOutcome::Canceled)
    );
    let after = status(&client);
    assert_eq!(
        api.statuses(),
        2,
        "the status after the cancel asks the API"
    );
    assert!(
        !after.found(),
        "the prefetched '4th in line' was given after the cancel"
    );
}

#[test]
fn answers_never_outlive_a_change_that_got_no_reply() {
    // The change reached the API, which closed without a reply: its outcome is an error, and
    // still nothing obtained before it is given.
    for (booked, change) in [
        (true, cancel as fn(&Client) -> LookupResult),
        (false, register),
    ] {
        let api = GatedApi::start(booked);
        api.lose_change_replies();
        let client = client_for(&api);
        prefetched(&client, &api);
        assert!(change(&client).error().is_some(), "no reply: an error");
        let after = status(&client);
        assert_eq!(
            api.statuses(),
            2,
            "booked={booked}: the next status asks the API"
        );
        assert_eq!(after.found(), !booked, "booked={booked}");
    }
}

#[test]
fn a_cached_status_never_outlives_a_cancel_or_register() {
    for (booked, change) in [
        (true, cancel as fn(&Client) -> LookupResult),
        (false, register),
    ] {
        let api = GatedApi::start(booked);
        let client = client_for(&api);
        assert_eq!(status(&client).found(), booked);
        assert_eq!(status(&client).found(), booked);
        assert_eq!(api.statuses(), 1, "the second status came from the cache");
        assert!(change(&client).error().is_none());
        assert_eq!(status(&client).found(), !booked);
        assert_eq!(
            api.statuses(),
            2,
            "booked={booked}: the next status asks the API"
        );
    }
}

/// A lookup starts and is held at the API; `change` runs and completes; then the held (older)
/// answer arrives. The next status must ask the API, and must not find that older answer.
fn in_flight_race(booked: bool, change: fn(&Client) -> LookupResult) {
    let api = GatedApi::start(booked);
    let client = client_for(&api);
    api.hold_next_status();
    std::thread::scope(|s| {
        let early = s.spawn(|| client.status(NUMBER));
        assert!(api.wait_held(WAIT), "the first lookup reached the API");
        let changed = change(&client);
        assert!(changed.error().is_none(), "{:?}", changed.error());
        api.release();
        let early = early.join().unwrap();
        assert_eq!(
            early.found(),
            booked,
            "asked before the change: the answer of then"
        );
    });
    let after = status(&client);
    assert_eq!(
        api.statuses(),
        2,
        "booked={booked}: the next status asks the API"
    );
    assert_eq!(
        after.found(),
        !booked,
        "booked={booked}: the older answer was put back"
    );
}

#[test]
fn a_lookup_in_flight_during_a_cancel_does_not_put_its_answer_back() {
    in_flight_race(true, cancel);
}

#[test]
fn a_lookup_in_flight_during_a_register_does_not_put_its_answer_back() {
    in_flight_race(false, register);
}

#[test]
fn a_lookup_after_a_cancel_does_not_join_one_from_before() {
    let api = GatedApi::start(true);
    let client = client_for(&api);
    api.hold_next_status();
    std::thread::scope(|s| {
        let early = s.spawn(|| client.status(NUMBER));
        assert!(api.wait_held(WAIT));
        assert_eq!(
            cancel(&client).cancel_outcome(),
            Some(&CancelOutcome::Canceled)
        );
        // While the older lookup is still held: this one must ask for itself, not wait for it.
        let late = support::within(WAIT, {
            let client = client.clone();
            move || client.status(NUMBER)
        });
        assert!(
            late.error().is_none(),
            "joined the held lookup: {:?}",
            late.error()
        );
        assert!(!late.found(), "got the answer from before the cancel");
        assert_eq!(api.statuses(), 2);
        api.release();
        assert!(early.join().unwrap().found());
    });
    assert!(!status(&client).found(), "the late answer is the one kept");
    assert_eq!(api.statuses(), 2);
}

#[test]
fn a_prefetch_in_flight_during_a_register_is_not_handed_out() {
    let api = GatedApi::start(false);
    let client = client_for(&api);
    api.hold_next_status();
    client.prefetch(NUMBER).unwrap();
    assert!(api.wait_held(WAIT), "the prefetch reached the API");
    let registered = register(&client);
    assert!(registered.error().is_none(), "{:?}", registered.error());
    // Asked while the prefetch is still held: it must not be joined.
    let late = support::within(WAIT, {
        let client = client.clone();
        move || client.status(NUMBER)
    });
    assert!(
        late.error().is_none(),
        "joined the held prefetch: {:?}",
        late.error()
    );
    assert!(late.found(), "the prefetch's 'not found' was handed out");
    api.release();
    client.wait_background(WAIT);
    assert!(
        status(&client).found(),
        "the prefetch's answer was kept after all"
    );
    assert_eq!(api.statuses(), 2);
}
