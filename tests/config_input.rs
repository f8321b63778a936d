//! Issue 10, class 4: configuration input is bounded. `CBSTATUS_CONFIG`, `CBSTATUS_CA_BUNDLE`
//! and the system zone (`TZ`) naming a FIFO (no writer: `open()` would wait for ever), a
//! device or a huge file are refused at once (`CB_E_INVALID_CONFIG`; the zone falls back to
//! UTC), through the C one-shot API and the CLI, each run under a time limit.

mod common;
mod support;

use cbstatus::ErrorKind;
use cbstatus_sim::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use support::*;

/// Every run must end well within this (0.1.0 hung until killed on a FIFO).
const LIMIT: Duration = Duration::from_secs(10);

fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| common::c_program("oneshot_probe"))
}

/// A scratch directory holding a FIFO nobody writes to, a sparse 64 GiB file, and that
/// directory itself (three hostile paths), returned with the paths.
fn hostile_paths(name: &str) -> Vec<PathBuf> {
    let dir = common::scratch(name);
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let huge = dir.join("huge");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    vec![fifo, PathBuf::from("/dev/zero"), huge, dir]
}

/// Run the one-shot probe with `env`; returns (code, elapsed ms).
fn oneshot(env: &[(&str, &str)]) -> (i32, u64) {
    let mut cmd = Command::new(probe());
    cmd.arg("+15551230001")
        .env_clear()
        .env("CBSTATUS_TIMEOUT_MS", "1000");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (output, _) = run_bounded(cmd, None, LIMIT);
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let field = |k: &str| {
        text.split_whitespace()
            .find_map(|f| f.strip_prefix(k))
            .unwrap_or_default()
            .to_string()
    };
    (
        field("code=").parse().unwrap_or(-1),
        field("ms=").parse::<f64>().unwrap_or(-1.0) as u64,
    )
}

#[test]
fn config_file_and_ca_bundle_that_are_fifos_devices_or_huge_are_refused_at_once() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    let invalid = ErrorKind::InvalidConfig.code();
    for path in hostile_paths("cfg-input") {
        let path = path.to_str().unwrap();
        for var in ["CBSTATUS_CONFIG", "CBSTATUS_CA_BUNDLE"] {
            let (code, ms) = oneshot(&[("CBSTATUS_API_URL", &url), (var, path)]);
            assert_eq!(code, invalid, "{var}={path}");
            assert!(ms < 1000, "{var}={path}: {ms} ms");
            // The CLI says so and exits 2 (bad configuration).
            let (out, _) = run_bounded(
                {
                    let mut c = cli(&[("CBSTATUS_API_URL", &url), (var, path)]);
                    c.args(["lookup", "+15551230001"]);
                    c
                },
                None,
                LIMIT,
            );
            assert_eq!(out.status.code(), Some(2), "{var}={path}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(path), "{var}={path}: {stderr}");
        }
    }
}

#[test]
fn a_system_zone_that_is_a_fifo_device_or_huge_falls_back_to_utc_at_once() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    for path in hostile_paths("tz-input") {
        let path = path.to_str().unwrap();
        for tz in [path.to_string(), format!(":{path}")] {
            let (code, ms) = oneshot(&[("CBSTATUS_API_URL", &url), ("TZ", &tz)]);
            assert_eq!(code, 0, "TZ={tz}");
            assert!(ms < 1000, "TZ={tz}: {ms} ms");
            let mut cmd = cli(&[("CBSTATUS_API_URL", &url), ("TZ", &tz)]);
            cmd.env_remove("CBSTATUS_TIMEZONE").args([
                "lookup",
                "--format",
                "json",
                "+15551230001",
            ]);
            let (out, _) = run_bounded(cmd, None, LIMIT);
            assert_eq!(out.status.code(), Some(0), "TZ={tz}");
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(json["timezone"], "UTC", "TZ={tz}");
        }
    }
}

/// Issue 10, class 8: settings that would corrupt or redirect a request are refused when set
/// (`CB_E_INVALID_CONFIG`), not on every lookup.
#[test]
fn tokens_auth_headers_and_widget_ids_that_would_corrupt_a_request_are_refused_when_set() {
    let refused = [
        ("api_token", "tök"),
        ("api_token", "tok\u{7f}"),
        ("api_token", "tok\r\nX-Evil: 1"),
        ("api_token", "tok\u{0}"),
        ("auth_scheme", "Bearér"),
        ("auth_header", "Host"),
        ("auth_header", "content-length"),
        ("auth_header", "Transfer-Encoding"),
        ("auth_header", "CONNECTION"),
        ("auth_header", "Content-Type"),
        ("auth_header", "X Api"),
        ("auth_header", "X:Api"),
        ("auth_header", "X-Äpi"),
        ("widget_id", ".."),
        ("widget_id", "."),
        ("widget_id", "a.b"),
        ("widget_id", "a/b"),
        ("widget_id", "w%2e"),
    ];
    let long = "w".repeat(65);
    for (key, value) in refused
        .iter()
        .copied()
        .chain([("widget_id", long.as_str())])
    {
        let err = cbstatus::Config::new().set(key, value).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{key}={value:?}");
        if key == "api_token" {
            assert!(!err.to_string().contains(value), "the token was echoed");
        }
    }
    let accepted = [
        ("api_token", "abc.DEF-123_~+/="),
        ("auth_header", "X-Api-Key"),
        ("auth_header", "Authorization"),
        ("widget_id", "Widget_1-a"),
    ];
    let max = "w".repeat(64);
    for (key, value) in accepted
        .iter()
        .copied()
        .chain([("widget_id", max.as_str())])
    {
        cbstatus::Config::new()
            .set(key, value)
            .unwrap_or_else(|e| panic!("{key}={value:?}: {e}"));
    }
    // A per-call widget id goes through the same check: `..` never reaches the URL.
    let server = RawServer::answering(b"HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n".to_vec());
    let client = client(&server.url(), &[]);
    let err = client.widget_status(Some("..")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert_eq!(server.requests(), 0);
}
