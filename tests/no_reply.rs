//! Issue 19, class 5: errors named for what happened to a request that may have arrived.
//!
//! A request written whole and then left without a reply (the server closes, resets, or stays
//! silent until the deadline) is `no_reply`, whose message says it may have been received: a
//! register may have booked the callback, a cancel may have canceled it. `connect` is kept for
//! a request that never fully left (refused, or the connection broke while it was being
//! written). Both are counted by the breaker and the stats like any transport failure. Raw
//! loopback servers misbehave at exact points; every case asserts the kind, what the server
//! read, and the time taken. The same from C (tests/c/test_no_reply.c, run here) and from
//! Python (bindings/python/tests/test_no_reply.py).

mod common;
mod support;

use cbstatus::speech::Format;
use cbstatus::{Client, ErrorKind, LookupResult, RegisterRequest};
use std::io::{BufReader, Read};
use std::time::Duration;
use support::{RawServer, MAX_HOLD};

const NUMBER: &str = "+15551230001";
const TIMEOUT_MS: u64 = 800;

fn client_for(url: &str, extra: &[(&str, &str)]) -> Client {
    let mut settings = vec![
        ("timeout_ms", "800"),
        ("widget_id", "w-1"),
        ("breaker_threshold", "0"),
        ("prewarm", "off"),
    ];
    settings.extend_from_slice(extra);
    support::client(url, &settings)
}

/// Reads the whole request, then does `after` to the connection.
fn after_the_request(after: fn(std::net::TcpStream, &support::Ctx)) -> RawServer {
    RawServer::start(move |stream, ctx| {
        let mut reader = BufReader::new(stream);
        if ctx.read_request(&mut reader).is_some() {
            after(reader.into_inner(), ctx);
        }
    })
}

/// The three ways a server leaves a whole request without a reply.
fn silent_servers() -> Vec<(&'static str, RawServer)> {
    vec![
        ("closes", after_the_request(|stream, _| drop(stream))),
        (
            "resets",
            after_the_request(|stream, _| support::reset(stream)),
        ),
        ("stays silent", after_the_request(|_stream, ctx| ctx.hold())),
    ]
}

fn assert_no_reply(what: &str, result: &LookupResult, elapsed: Duration) {
    let error = result.error().unwrap_or_else(|| panic!("{what}: no error"));
    // The figures of RELIABILITY.md.
    eprintln!("no_reply scenario {what}: {} ms", elapsed.as_millis());
    assert_eq!(error.kind(), ErrorKind::NoReply, "{what}: {error}");
    assert_eq!(error.kind().name(), "no_reply");
    assert_eq!(error.code(), cbstatus::ffi::CB_E_NO_REPLY);
    let message = error.to_string();
    assert!(
        message.contains("may have been received"),
        "{what}: {message}"
    );
    assert!(
        elapsed < Duration::from_millis(TIMEOUT_MS + 1500),
        "{what}: {elapsed:?}"
    );
}

#[test]
fn a_lookup_sent_whole_then_left_without_a_reply_is_no_reply() {
    for (how, server) in silent_servers() {
        let client = client_for(&server.url(), &[]);
        let (result, elapsed) = support::timed(|| client.status(NUMBER));
        assert_no_reply(&format!("lookup, server {how}"), &result, elapsed);
        assert_eq!(result.result_code(), "ERROR");
        // A status lookup is idempotent: after the keep-alive race it may be sent once more
        // on a new connection, never more.
        assert!((1..=2).contains(&server.requests()), "{how}");
        if how == "stays silent" {
            assert!(
                elapsed >= Duration::from_millis(TIMEOUT_MS - 50),
                "gave up early: {elapsed:?}"
            );
        }
    }
}

#[test]
fn a_register_sent_whole_then_left_without_a_reply_is_no_reply_and_unconfirmed() {
    for (how, server) in silent_servers() {
        let client = client_for(&server.url(), &[]);
        let (result, elapsed) =
            support::timed(|| client.register(NUMBER, RegisterRequest::default()));
        assert_no_reply(&format!("register, server {how}"), &result, elapsed);
        assert!(result.registration().is_none());
        assert_eq!(
            result.render(Format::Text),
            "Sorry, we could not confirm your callback.",
            "{how}"
        );
        assert_eq!(server.requests(), 1, "{how}: sent exactly once");
    }
}

#[test]
fn a_cancel_sent_whole_then_left_without_a_reply_is_no_reply() {
    for (how, server) in silent_servers() {
        let client = client_for(&server.url(), &[]);
        let (result, elapsed) = support::timed(|| client.cancel_callback(NUMBER));
        assert_no_reply(&format!("cancel, server {how}"), &result, elapsed);
        assert_eq!(server.requests(), 1, "{how}: sent exactly once");
    }
}

/// A port where nothing listens: refused at once.
fn refused_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/api/organization/raw")
}

#[test]
fn a_refused_connection_is_connect_for_lookup_register_and_cancel() {
    let client = client_for(&refused_url(), &[]);
    for result in [
        client.status(NUMBER),
        client.register(NUMBER, RegisterRequest::default()),
        client.cancel_callback(NUMBER),
    ] {
        let error = result.error().expect("refused");
        assert_eq!(
            error.kind(),
            ErrorKind::Connect,
            "{:?}: {error}",
            result.action()
        );
        assert!(!error.to_string().contains("may have been received"));
    }
    // Nothing left: a register that could not connect is not "unconfirmed".
    assert_eq!(
        client
            .register(NUMBER, RegisterRequest::default())
            .render(Format::Text),
        "Sorry, we could not register your callback right now."
    );
}

#[test]
fn a_connection_broken_while_the_request_is_written_is_connect() {
    // A register whose body (16 MiB of user_data) cannot fit in the socket buffers: the server
    // reads the head, waits while the client is still writing, then resets. The request never
    // fully left.
    let server = RawServer::start(|stream, ctx| {
        let mut stream = stream;
        let mut head = [0u8; 1024];
        if stream.read(&mut head).unwrap_or(0) == 0 {
            return;
        }
        ctx.requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if ctx.sleep(Duration::from_millis(300)) {
            support::reset(stream);
        }
    });
    let client = client_for(&server.url(), &[("timeout_ms", "5000")]);
    let mut request = RegisterRequest::default();
    request
        .user_data
        .insert("notes".into(), "x".repeat(16 << 20));
    let (result, elapsed) = support::timed(|| client.register(NUMBER, request));
    let error = result.error().expect("reset while writing");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error}");
    assert!(elapsed < MAX_HOLD, "{elapsed:?}");
    assert_eq!(server.requests(), 1);
    assert_eq!(
        result.render(Format::Text),
        "Sorry, we could not register your callback right now."
    );
}

#[test]
fn no_reply_is_counted_by_the_breaker_and_the_stats() {
    let server = after_the_request(|stream, _| drop(stream));
    let client = client_for(
        &server.url(),
        &[("breaker_threshold", "2"), ("breaker_cooldown_ms", "60000")],
    );
    for _ in 0..2 {
        let result = client.status(NUMBER);
        assert_eq!(result.error().unwrap().kind(), ErrorKind::NoReply);
    }
    let asked = server.requests();
    let third = client.status(NUMBER);
    assert_eq!(third.error().unwrap().kind(), ErrorKind::CircuitOpen);
    assert_eq!(server.requests(), asked, "the open breaker asked nothing");
    let stats = client.stats();
    assert!(
        stats.errors.contains(&(ErrorKind::NoReply, 2)),
        "{:?}",
        stats.errors
    );
}

#[test]
fn c_no_reply_and_connect_for_lookup_cancel_and_register() {
    let dir = common::scratch("c-no-reply");
    let exe = dir.join("test_no_reply");
    common::compile_c(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/test_no_reply.c"),
        &exe,
        false,
        &[],
    );
    let servers = silent_servers();
    let mut cmd = std::process::Command::new(&exe);
    cmd.env_clear().env("CB_REFUSED_URL", refused_url());
    for ((_, server), name) in
        servers
            .iter()
            .zip(["CB_CLOSES_URL", "CB_RESETS_URL", "CB_SILENT_URL"])
    {
        cmd.env(name, server.url());
    }
    let (output, elapsed) = support::run_bounded(cmd, None, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "C no_reply program failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all C no_reply checks passed"), "{stdout}");
    eprintln!("C no_reply program: {} ms", elapsed.as_millis());
    for (how, server) in &servers {
        // lookup (at most twice: the keep-alive retry), cancel and register once each.
        assert!(
            (3..=4).contains(&server.requests()),
            "{how}: {}",
            server.requests()
        );
    }
}
