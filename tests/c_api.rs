//! The C harness (tests/c/test_api.c), compiled with warnings as errors and linked against
//! the built library (shared and static), run against the project's simulator.

mod common;

use cbstatus_sim::{Scenarios, Simulator};
use std::path::Path;
use std::process::Command;

fn run_harness(exe: &Path, simulator: &Simulator) {
    let output = Command::new(exe)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CBSTATUS_API_URL", simulator.organization_url())
        .env("CBSTATUS_TIMEOUT_MS", "1500")
        .output()
        .expect("run the C harness");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "C harness failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all C API checks passed"), "{stdout}");
}

#[test]
fn c_harness_shared_library() {
    let dir = common::scratch("c-shared");
    let exe = dir.join("test_api");
    common::compile_c(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/test_api.c"),
        &exe,
        false,
        &[],
    );
    let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    run_harness(&exe, &simulator);
}

#[test]
fn c_harness_static_library() {
    let dir = common::scratch("c-static");
    let exe = dir.join("test_api_static");
    common::compile_c(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/test_api.c"),
        &exe,
        true,
        &[],
    );
    let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    run_harness(&exe, &simulator);
}

#[test]
fn header_compiles_as_cpp() {
    let dir = common::scratch("cpp");
    let exe = dir.join("header_cpp");
    let mut cmd = common::compiler(true);
    cmd.args(["-std=c++11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/header_cpp.cpp"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", common::lib_dir().display()))
        .arg("-lcbstatus")
        .arg(format!("-Wl,-rpath,{}", common::lib_dir().display()));
    assert!(cmd.status().unwrap().success(), "{cmd:?}");
    assert!(Command::new(&exe).status().unwrap().success());
}
