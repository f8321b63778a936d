//! Issue 11 (one round trip over a WAN) and issue 10 class 3 (the keep-alive race): idle
//! connections that last, connecting ahead, no delayed-ACK stall, prefetch, and the retry of a
//! request whose reused connection the server closed. Real servers on 127.0.0.1.

mod support;

use cbstatus::simulator::{Options, Scenarios, Simulator};
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
