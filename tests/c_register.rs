//! The callback journey from C (tests/c/test_register.c), linked against the built library,
//! against the demo simulator and one whose widget takes the POST and never answers.

mod common;

use cbstatus_sim::{Scenarios, Simulator};
use std::path::Path;
use std::process::Command;

#[test]
fn c_register_journey() {
    let dir = common::scratch("c-register");
    let exe = dir.join("test_register");
    common::compile_c(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/test_register.c"),
        &exe,
        false,
        &[],
    );
    let demo = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let hang = Simulator::start(
        "127.0.0.1:0",
        Scenarios::from_toml_str(
            "[[widget]]\nid = \"w-open\"\nwidget_state = \"offer_callback\"\nfault = \"hang\"\n",
        )
        .unwrap(),
    )
    .unwrap();
    let output = Command::new(&exe)
        .env_clear()
        .env("CBSTATUS_API_URL", demo.organization_url())
        .env("CBSTATUS_HANG_URL", hang.organization_url())
        .output()
        .expect("run the C register program");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "C register program failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all C register checks passed"), "{stdout}");
    let posts = hang
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/request_callback"))
        .count();
    assert_eq!(posts, 1, "the lost registration was sent exactly once");
}
