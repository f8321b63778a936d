//! Issue 19, class 2 from C (tests/c/test_stale.c), linked against the built library: a
//! prefetched or in-flight answer never outlives a cancel or register of its number. Each case
//! has its own gated API (tests/support/gated.rs) that orders the lookup before the change at
//! the API; here we check that the lookup after the change asked the API again.

mod common;
mod support;

use std::path::Path;
use std::process::Command;
use support::gated::GatedApi;

#[test]
fn c_answers_never_outlive_a_cancel_or_register() {
    let dir = common::scratch("c-stale");
    let exe = dir.join("test_stale");
    common::compile_c(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/test_stale.c"),
        &exe,
        false,
        &["-pthread"],
    );
    let cases = [
        ("CB_PREFETCH_CANCEL_URL", GatedApi::start(true)),
        ("CB_PREFETCH_REGISTER_URL", GatedApi::start(false)),
        ("CB_RACE_CANCEL_URL", GatedApi::start(true)),
    ];
    let mut cmd = Command::new(&exe);
    cmd.env_clear();
    for (name, api) in &cases {
        api.hold_next_status_before_changes();
        cmd.env(name, api.url());
    }
    let output = support::within(std::time::Duration::from_secs(60), move || {
        cmd.output().expect("run the C stale-answer program")
    });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "C stale-answer program failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("all C stale-answer checks passed"),
        "{stdout}"
    );
    for (name, api) in &cases {
        assert_eq!(api.changes(), 1, "{name}");
        assert_eq!(
            api.statuses(),
            2,
            "{name}: the lookup after the change asked the API"
        );
    }
}
