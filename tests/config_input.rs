//! Issue 10, class 4: configuration input is bounded. `CBSTATUS_CONFIG`, `CBSTATUS_CA_BUNDLE`
//! and the system zone (`TZ`) naming a FIFO (no writer: `open()` would wait for ever), a
//! device or a huge file are refused at once (`CB_E_INVALID_CONFIG`; the zone falls back to
//! UTC), through the C one-shot API and the CLI, each run under a time limit.

mod common;
mod support;

use cbstatus::simulator::{Scenarios, Simulator};
use cbstatus::ErrorKind;
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
