//! Issue 10, class 1: processes that fork after using cbstatus. tests/c/fork_safety.c forks
//! a C program around one shared client against a keep-alive loopback server that answers each
//! number with its own position (the last 4 digits), so a child that read its parent's reply
//! (through an inherited pooled socket) or hung on an inherited lock or in-flight entry fails.

mod common;
mod support;

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use support::*;

/// The position the server answers for a request body `{"contact_number":"+1555000NNNN"}`.
fn position_in(body: &[u8]) -> u32 {
    let digits: String = String::from_utf8_lossy(body)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits[digits.len().saturating_sub(4)..]
        .parse()
        .unwrap_or(0)
}

/// A keep-alive server answering by number; the first `held` requests wait `hold` first.
fn by_number(held: usize, hold: Duration) -> RawServer {
    let seen = Arc::new(AtomicUsize::new(0));
    RawServer::start(move |stream, ctx| {
        let mut reader = BufReader::new(stream);
        while let Some(request) = ctx.read_request(&mut reader) {
            if seen.fetch_add(1, Ordering::SeqCst) < held && !ctx.sleep(hold) {
                return;
            }
            let body = found_body(position_in(&request.body), 60);
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if reader.get_mut().write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    })
}

fn program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| common::c_program("fork_safety"))
}

fn run(mode: &str, server: &RawServer) {
    let exe = program();
    let mut cmd = std::process::Command::new(exe);
    cmd.arg(mode)
        .env_clear()
        .env("CBSTATUS_API_URL", server.url())
        .env("CBSTATUS_TIMEZONE", "UTC");
    let (output, elapsed) = run_bounded(cmd, None, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "fork_safety {mode} failed ({}):\n{stderr}",
        output.status
    );
    eprintln!("fork_safety {mode}: passed in {} ms", elapsed.as_millis());
}

#[test]
fn parent_and_child_sharing_a_client_each_hear_their_own_position() {
    run("shared", &by_number(0, Duration::ZERO));
}

#[test]
fn fork_while_8_threads_hang_in_lookups_child_answers_within_the_deadline() {
    run("hung", &by_number(5, Duration::from_secs(3)));
}

#[test]
fn fork_while_8_threads_run_lookups_never_deadlocks_the_child() {
    run("hammer", &by_number(0, Duration::ZERO));
}

#[test]
fn cb_status_lookup_in_children_forked_while_8_threads_use_it_hears_its_own_number() {
    run("oneshot", &by_number(0, Duration::ZERO));
}
