//! Issue #5, part 3: load and sharing. A burst of identical lookups costs one upstream request,
//! the cache keeps answers exactly as configured, 64 threads on one client with mixed faults
//! find no crash, no deadlock (a watchdog bounds every test) and consistent answers, and the
//! C library survives cb_shutdown() and dlopen/dlclose cycles under use.

mod common;
mod support;

use cbstatus::ffi;
use cbstatus::{Client, ErrorKind};
use cbstatus_sim::{Scenarios, Simulator};
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::path::Path;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;
use support::*;

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

#[test]
fn a_burst_of_identical_lookups_costs_one_request() {
    let sim = demo();
    // +15551230200 answers after 300 ms: the whole burst arrives while the first is in flight.
    let client = client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "0"), ("not_found_ttl_ms", "0")],
    );
    const N: usize = 48;
    let positions = within(Duration::from_secs(20), move || {
        let barrier = Arc::new(Barrier::new(N));
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let (client, barrier) = (client.clone(), barrier.clone());
                // Different spellings of the same number share the lookup.
                let number = [
                    "+15551230200",
                    "5551230200",
                    "(555) 123-0200",
                    "1 555 123 0200",
                ][i % 4]
                    .to_string();
                std::thread::spawn(move || {
                    barrier.wait();
                    client.lookup(&number).unwrap().primary().unwrap().position
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    assert!(positions.iter().all(|p| *p == Some(5)), "{positions:?}");
    assert_eq!(sim.request_count(), 1, "{N} identical lookups");
}

#[test]
fn cache_keeps_found_and_not_found_answers_as_configured() {
    let sim = demo();
    let client = client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "600"), ("not_found_ttl_ms", "150")],
    );
    let found = "+15551230001";
    let missing = "+15551230099";
    assert!(client.lookup(found).unwrap().found());
    assert!(!client.lookup(missing).unwrap().found());
    assert_eq!(sim.request_count(), 2);
    for _ in 0..5 {
        client.lookup(found).unwrap();
        client.lookup(missing).unwrap();
    }
    assert_eq!(sim.request_count(), 2, "both cached");
    std::thread::sleep(Duration::from_millis(250));
    client.lookup(found).unwrap();
    client.lookup(missing).unwrap();
    assert_eq!(
        sim.request_count(),
        3,
        "not-found expired after 150 ms, found kept for 600 ms"
    );
    std::thread::sleep(Duration::from_millis(450));
    client.lookup(found).unwrap();
    assert_eq!(sim.request_count(), 4, "found expired after 600 ms");
    client.clear_cache();
    client.lookup(found).unwrap();
    assert_eq!(sim.request_count(), 5, "clear_cache forgets");
}

#[test]
fn cache_ttl_zero_disables_and_failures_are_never_cached() {
    let sim = demo();
    let client = client(
        &sim.organization_url(),
        &[
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
            ("breaker_threshold", "0"),
        ],
    );
    for _ in 0..3 {
        client.lookup("+15551230001").unwrap();
        client.lookup("+15551230099").unwrap();
    }
    assert_eq!(sim.request_count(), 6);
    // With the cache on, failures still go upstream each time.
    let caching = support::client(
        &sim.organization_url(),
        &[("cache_ttl_ms", "60000"), ("breaker_threshold", "0")],
    );
    for _ in 0..3 {
        assert_eq!(
            caching.lookup("+15551230500").unwrap_err().kind(),
            ErrorKind::HttpStatus
        );
    }
    assert_eq!(sim.request_count(), 9);
}

#[test]
fn cancel_forgets_the_cached_status() {
    let sim = demo();
    let client = client(&sim.organization_url(), &[("cache_ttl_ms", "60000")]);
    let before = client.lookup("+15551230003").unwrap();
    assert_eq!(
        before.primary().unwrap().status.as_ref().unwrap().as_str(),
        "waitlisted"
    );
    let number = client.normalize("+15551230003").unwrap();
    assert_eq!(
        client.cancel(&number).unwrap(),
        cbstatus::mindful::CancelOutcome::Canceled
    );
    let after = client.lookup("+15551230003").unwrap();
    assert_eq!(
        after.primary().unwrap().status.as_ref().unwrap().as_str(),
        "canceled"
    );
    assert_eq!(sim.request_count(), 3);
}

/// What each demo number must answer (`Ok(position)` or the error kind).
fn expected() -> HashMap<&'static str, Result<Option<u32>, ErrorKind>> {
    HashMap::from([
        ("+15551230001", Ok(Some(4))),
        ("+15551230002", Ok(Some(1))),
        ("+15551230010", Ok(Some(40))),
        ("+15551230099", Ok(None)),
        ("+15551230200", Ok(Some(5))),
        ("+15551230500", Err(ErrorKind::HttpStatus)),
        ("+15551230666", Err(ErrorKind::MalformedReply)),
        ("+15551230408", Err(ErrorKind::NoReply)),
        ("anonymous", Err(ErrorKind::InvalidNumber)),
    ])
}

/// 64 threads × 20 lookups on one client; returns (answers by kind, worst elapsed).
fn hammer(client: Client, allow_breaker: bool) -> (HashMap<String, usize>, Duration) {
    const THREADS: usize = 64;
    const LOOKUPS: usize = 20;
    let numbers = [
        "+15551230001",
        "+15551230002",
        "+15551230010",
        "+15551230099",
        "+15551230200",
        "+15551230500",
        "+15551230666",
        "anonymous",
    ];
    let tally = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let worst = Arc::new(Mutex::new(Duration::ZERO));
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, tally, worst, barrier) = (
                client.clone(),
                tally.clone(),
                worst.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                let expected = expected();
                barrier.wait();
                for i in 0..LOOKUPS {
                    // A few threads also meet a hanging number, once.
                    let number = if t % 16 == 0 && i == 0 {
                        "+15551230408"
                    } else {
                        numbers[(t * 7 + i * 3) % numbers.len()]
                    };
                    let (outcome, elapsed) = timed(|| client.lookup(number));
                    let mut w = worst.lock().unwrap();
                    *w = (*w).max(elapsed);
                    drop(w);
                    let key = match (&outcome, &expected[number]) {
                        (Ok(report), Ok(position)) => {
                            assert_eq!(report.found(), position.is_some(), "{number}");
                            assert_eq!(
                                report.primary().and_then(|c| c.position),
                                *position,
                                "{number}: inconsistent answer"
                            );
                            "answered".to_string()
                        }
                        (Err(e), Err(kind)) if e.kind() == *kind => e.kind().to_string(),
                        (Err(e), _) if allow_breaker && e.kind() == ErrorKind::CircuitOpen => {
                            "circuit_open".to_string()
                        }
                        (outcome, want) => panic!(
                            "{number}: got {:?}, want {want:?}",
                            outcome
                                .as_ref()
                                .map(|r| r.count())
                                .map_err(|e| e.to_string())
                        ),
                    };
                    *tally.lock().unwrap().entry(key).or_default() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a worker thread panicked");
    }
    let tally = tally.lock().unwrap().clone();
    let worst = *worst.lock().unwrap();
    (tally, worst)
}

#[test]
fn sixty_four_threads_mixed_faults_no_crash_no_deadlock_consistent() {
    let sim = demo();
    let client = client(
        &sim.organization_url(),
        &[
            ("timeout_ms", "2000"),
            ("breaker_threshold", "0"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
        ],
    );
    let (tally, worst) = within(Duration::from_secs(45), move || hammer(client, false));
    eprintln!(
        "64x20 mixed (no cache, no breaker): {tally:?}, worst {} ms, {} upstream requests",
        worst.as_millis(),
        sim.request_count()
    );
    assert_eq!(tally.values().sum::<usize>(), 64 * 20);
    assert!(tally["answered"] > 64 * 20 / 2);
    assert!(worst < Duration::from_millis(2000 + 1500), "{worst:?}");
}

#[test]
fn sixty_four_threads_with_cache_and_breaker() {
    let sim = demo();
    let client = client(
        &sim.organization_url(),
        &[
            ("timeout_ms", "1000"),
            ("breaker_threshold", "5"),
            ("breaker_cooldown_ms", "100"),
            ("cache_ttl_ms", "200"),
            ("not_found_ttl_ms", "50"),
        ],
    );
    let (tally, worst) = within(Duration::from_secs(45), move || hammer(client, true));
    eprintln!(
        "64x20 mixed (cache, breaker): {tally:?}, worst {} ms, {} upstream requests",
        worst.as_millis(),
        sim.request_count()
    );
    assert_eq!(tally.values().sum::<usize>(), 64 * 20);
    assert!(worst < Duration::from_millis(1000 + 1500), "{worst:?}");
}

#[test]
fn c_handles_shared_by_many_threads() {
    let sim = demo();
    let url = CString::new(sim.organization_url()).unwrap();
    // SAFETY: the C API used as documented: valid strings, out-pointers, one free per handle.
    let client = unsafe {
        let mut config = std::ptr::null_mut();
        assert_eq!(ffi::config::cb_config_new(&mut config), ffi::CB_OK);
        assert_eq!(
            ffi::config::cb_config_set(config, c"api_url".as_ptr(), url.as_ptr()),
            ffi::CB_OK
        );
        assert_eq!(
            ffi::config::cb_config_set(config, c"cache_ttl_ms".as_ptr(), c"0".as_ptr()),
            ffi::CB_OK
        );
        let mut client = std::ptr::null_mut();
        assert_eq!(ffi::client::cb_client_new(config, &mut client), ffi::CB_OK);
        ffi::config::cb_config_free(config);
        client as usize
    };
    within(Duration::from_secs(30), move || {
        let handles: Vec<_> = (0..32)
            .map(|t| {
                std::thread::spawn(move || {
                    let client = client as *const ffi::client::cb_client;
                    for i in 0..10 {
                        let (number, code) = match (t + i) % 3 {
                            0 => (c"+15551230001", ffi::CB_OK),
                            1 => (c"5551230099", ffi::CB_OK),
                            _ => (c"5551230500", ffi::CB_E_HTTP_STATUS),
                        };
                        // SAFETY: a live client handle and valid strings; each result freed once.
                        unsafe {
                            let mut result = std::ptr::null_mut();
                            assert_eq!(
                                ffi::client::cb_client_lookup(client, number.as_ptr(), &mut result),
                                code
                            );
                            assert_eq!(ffi::cb_last_error_code(), code);
                            let mut text = std::ptr::null_mut();
                            assert_eq!(
                                ffi::cb_result_render(
                                    result,
                                    ffi::CB_FORMAT_SSML,
                                    std::ptr::null(),
                                    &mut text
                                ),
                                ffi::CB_OK
                            );
                            let ssml = CStr::from_ptr(text).to_str().unwrap();
                            assert!(ssml.starts_with("<speak") && ssml.ends_with("</speak>"));
                            ffi::oneshot::cb_string_free(text);
                            ffi::cb_result_free(result);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
    // SAFETY: no lookup is running any more.
    unsafe { ffi::client::cb_client_free(client as *mut ffi::client::cb_client) };
    // Identical lookups in flight at the same moment are shared, so fewer went upstream.
    let upstream = sim.request_count();
    assert!((3..=320).contains(&upstream), "{upstream}");
}

#[test]
fn dlopen_use_shutdown_dlclose_repeatedly() {
    let sim = demo();
    let dir = common::scratch("dlopen-cycle");
    let exe = dir.join("dlopen_cycle");
    let mut cmd = common::compiler(false);
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/dlopen_cycle.c"))
        .arg("-o")
        .arg(&exe)
        .args(["-ldl", "-lpthread"]);
    assert!(cmd.status().unwrap().success(), "{cmd:?}");
    let lib = common::lib_dir().join("libcbstatus.so");
    let mut run = std::process::Command::new(&exe);
    run.env_clear()
        .env("CBSTATUS_API_URL", sim.organization_url())
        .env("CBSTATUS_TIMEOUT_MS", "2000")
        .arg(&lib);
    let (output, elapsed) = run_bounded(run, None, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("dlopen cycles passed"),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("5 dlopen cycles x 4 threads: {} ms", elapsed.as_millis());
    assert!(sim.request_count() > 0);
}

#[test]
fn c_oneshot_shutdown_then_reuse() {
    let sim = demo();
    let exe = common::c_program("oneshot_probe");
    let mut cmd = std::process::Command::new(&exe);
    cmd.env_clear()
        .env("CBSTATUS_API_URL", sim.organization_url())
        .args([
            "+15551230001",
            "%SHUTDOWN",
            "+15551230001",
            "%SHUTDOWN",
            "%SHUTDOWN",
            "5551230099",
            "%SHUTDOWN",
            "5551230500",
            "+15551230001",
        ]);
    let (output, _) = run_bounded(cmd, None, Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let codes: Vec<&str> = stdout.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(
        codes,
        [
            "code=0", "shutdown", "code=0", "shutdown", "shutdown", "code=0", "shutdown", "code=7",
            "code=0"
        ],
        "{stdout}"
    );
    assert!(output.status.success());
}
