//! Issue #5, part 7: memory safety. The C harness (tests/c/test_api.c: every function, NULL for
//! every pointer, failures, threads) and the reliability probes run under Valgrind memcheck
//! with leaks as errors, linked against the shared and the static library. Reported as ignored
//! where valgrind is not installed (scripts/test and CI install it; under CI=true they run).

mod common;

use cbstatus_sim::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(name)
}

/// Run `exe args` under memcheck with the given environment; leaks of kind definite/indirect
/// and every memory error fail with exit status 99.
fn memcheck(exe: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new("valgrind");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
            "--num-callers=40",
            "--quiet",
        ])
        .arg(exe)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let output = cmd.output().expect("run valgrind");
    eprintln!(
        "valgrind {}: {} ms",
        exe.file_name().unwrap().to_string_lossy(),
        started.elapsed().as_millis()
    );
    output
}

fn assert_clean(what: &str, output: &Output, marker: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} under valgrind failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains(marker), "{what}: {stdout}\n{stderr}");
    assert!(
        !stderr.contains("definitely lost") && !stderr.contains("Invalid "),
        "{what}: {stderr}"
    );
}

#[test]
#[cfg_attr(
    not(cbstatus_has_valgrind),
    ignore = "valgrind is not installed (scripts/test installs it)"
)]
fn c_harness_under_memcheck_shared_and_static() {
    let dir = common::scratch("valgrind");
    let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let env = [
        ("CBSTATUS_API_URL", simulator.organization_url()),
        // Valgrind slows everything ~20x: a generous deadline keeps lookups answering.
        ("CBSTATUS_TIMEOUT_MS", "5000".to_string()),
    ];
    for (name, link_static) in [("test_api_vg", false), ("test_api_vg_static", true)] {
        let exe = dir.join(name);
        common::compile_c(&source("test_api.c"), &exe, link_static, &[]);
        let output = memcheck(&exe, &[], &env);
        assert_clean(name, &output, "all C API checks passed");
    }
}

#[test]
#[cfg_attr(
    not(cbstatus_has_valgrind),
    ignore = "valgrind is not installed (scripts/test installs it)"
)]
fn bad_input_and_shutdown_probe_under_memcheck() {
    let dir = common::scratch("valgrind-probe");
    let exe = dir.join("oneshot_probe_vg");
    common::compile_c(&source("oneshot_probe.c"), &exe, false, &[]);
    let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let env = [
        ("CBSTATUS_API_URL", simulator.organization_url()),
        ("CBSTATUS_TIMEOUT_MS", "5000".to_string()),
    ];
    let output = memcheck(
        &exe,
        &[
            "+15551230001",
            "%NULL",
            "",
            "unknown",
            "555\u{1}123",
            "%DIGITS1048576",
            "%LETTERS1048576",
            "%SHUTDOWN",
            "5551230500",
            "5551230666",
            "%SHUTDOWN",
            "5551230099",
        ],
        &env,
    );
    assert_clean("oneshot_probe", &output, "code=0");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 12, "{stdout}");
}

#[test]
#[cfg_attr(
    not(cbstatus_has_valgrind),
    ignore = "valgrind is not installed (scripts/test installs it)"
)]
fn dlopen_cycles_under_memcheck() {
    let dir = common::scratch("valgrind-dlopen");
    let exe = dir.join("dlopen_cycle_vg");
    let mut cmd = common::compiler(false);
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-g"])
        .arg(source("dlopen_cycle.c"))
        .arg("-o")
        .arg(&exe)
        .args(["-ldl", "-lpthread"]);
    assert!(cmd.status().unwrap().success(), "{cmd:?}");
    let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let lib = common::lib_dir().join("libcbstatus.so");
    let output = memcheck(
        &exe,
        &[lib.to_str().unwrap()],
        &[
            ("CBSTATUS_API_URL", simulator.organization_url()),
            ("CBSTATUS_TIMEOUT_MS", "5000".to_string()),
        ],
    );
    assert_clean("dlopen_cycle", &output, "dlopen cycles passed");
}
