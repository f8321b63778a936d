//! The library's counters (`cbstatus::stats`, `cb_client_stats_json`) by value, after real
//! lookups against the simulator: from many threads, from the cache, coalesced, through the
//! breaker, and over the C API (NULL-safe, caller-owned string).

use cbstatus::ffi;
use cbstatus::stats::{RejectReason, RequestResult};
use cbstatus::{Action, Client, Config, ErrorKind};
use cbstatus_sim::{Scenarios, Simulator};
use std::ffi::{CStr, CString};

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

fn client(sim: &Simulator, settings: &[(&str, &str)]) -> Client {
    let mut config = Config::new();
    config.set("api_url", &sim.organization_url()).unwrap();
    for (k, v) in settings {
        config.set(k, v).unwrap();
    }
    Client::new(&config).unwrap()
}

#[test]
fn counts_equal_the_requests_made_from_many_threads() {
    let sim = demo();
    let client = client(&sim, &[("cache_ttl_ms", "0"), ("breaker_threshold", "0")]);
    std::thread::scope(|s| {
        for i in 0..8 {
            let client = &client;
            s.spawn(move || {
                for j in 0..10 {
                    let number = match (i + j) % 3 {
                        0 => "+15551230001",
                        1 => "+15551230099",
                        _ => "+15551230500",
                    };
                    client.status(number);
                }
            });
        }
    });
    let s = client.stats();
    let total: u64 = RequestResult::ALL
        .iter()
        .map(|r| s.requests_of(Action::Status, *r))
        .sum();
    assert_eq!(total, 80);
    let errors = s.requests_of(Action::Status, RequestResult::Error);
    assert!(errors > 0);
    assert!(s.errors.contains(&(ErrorKind::HttpStatus, errors)));
    assert_eq!(s.request_duration.count, 80);
    assert_eq!(s.in_flight, 0);
    // Every request the simulator saw is an upstream request, and vice versa; the other
    // lookups shared one in flight or were answered by the cache (not-found answers are kept
    // for a second).
    let upstream: u64 = s.upstream.iter().map(|(_, n)| n).sum();
    assert_eq!(upstream, sim.request_count() as u64);
    assert_eq!(upstream + s.coalesced + s.cache_hits, 80);
    assert_eq!(s.upstream_duration.count, upstream);
    assert_eq!(s.connections_opened, sim.connection_count() as u64);
    assert!(
        s.connections_opened < 80,
        "pooled connections are not counted again"
    );
}

#[test]
fn cache_hits_and_breaker_rejections_are_counted() {
    let sim = demo();
    let client = client(
        &sim,
        &[("breaker_threshold", "2"), ("breaker_cooldown_ms", "60000")],
    );
    for _ in 0..3 {
        assert!(client.status("+15551230001").found());
    }
    assert_eq!(client.stats().cache_hits, 2);
    assert!(!client.stats().breaker_open);
    for _ in 0..4 {
        client.status("+15551230500");
    }
    let s = client.stats();
    assert!(s.breaker_open, "two 503s open the breaker");
    assert!(s.rejected.contains(&(RejectReason::CircuitOpen, 2)));
    assert!(s.errors.contains(&(ErrorKind::CircuitOpen, 2)));
    assert_eq!(s.upstream, vec![(Some(200), 1), (Some(503), 2)]);
}

#[test]
fn c_stats_json_is_caller_owned_and_null_safe() {
    let sim = demo();
    let url = CString::new(sim.organization_url()).unwrap();
    // SAFETY: the C API used as documented; NULLs are part of the contract.
    unsafe {
        let mut config = std::ptr::null_mut();
        assert_eq!(ffi::config::cb_config_new(&mut config), ffi::CB_OK);
        ffi::config::cb_config_set(config, c"api_url".as_ptr(), url.as_ptr());
        let mut client = std::ptr::null_mut();
        assert_eq!(ffi::client::cb_client_new(config, &mut client), ffi::CB_OK);
        ffi::config::cb_config_free(config);
        let mut result = std::ptr::null_mut();
        ffi::client::cb_client_lookup(client, c"+15551230001".as_ptr(), &mut result);
        ffi::cb_result_free(result);

        let mut out = std::ptr::null_mut();
        assert_eq!(
            ffi::client::cb_client_stats_json(client, &mut out),
            ffi::CB_OK
        );
        let json: serde_json::Value =
            serde_json::from_str(CStr::from_ptr(out).to_str().unwrap()).unwrap();
        ffi::oneshot::cb_string_free(out);
        assert_eq!(json["requests"]["status"]["found"], 1);
        assert_eq!(json["upstream_requests"]["200"], 1);
        assert_eq!(json["breaker_open"], false);

        let mut untouched = std::ptr::dangling_mut::<std::ffi::c_char>();
        assert_eq!(
            ffi::client::cb_client_stats_json(std::ptr::null(), &mut untouched),
            ffi::CB_E_INVALID_ARGUMENT
        );
        assert_eq!(untouched, std::ptr::dangling_mut());
        assert_eq!(
            ffi::client::cb_client_stats_json(client, std::ptr::null_mut()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        ffi::client::cb_client_free(client);
    }
}
