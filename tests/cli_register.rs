//! `cbstatus register`, `cbstatus offer` and the widget's slots on the command line, against the
//! stateful simulator.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::process::Command;
use support::run;

fn cbstatus(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cbstatus"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CBSTATUS_API_URL", url)
        .env("CBSTATUS_TIMEOUT_MS", "800")
        .env("CBSTATUS_WIDGET_ID", "w-open")
        .env("CBSTATUS_TIMEZONE", "America/Chicago");
    cmd
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn widget_offer_and_register_through_the_cli() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();

    let (code, out, _) = run(cbstatus(&url).args(["widget"]));
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "We can call you back. The current wait is about 10 minutes."
    );
    assert_eq!(lines[1], "offered: asap scheduled");
    assert!(
        lines[2].starts_with("timeslots: ") && lines[2].matches(',').count() == 2,
        "{out}"
    );

    let (code, out, _) = run(cbstatus(&url).args(["widget", "--format", "json"]));
    assert_eq!(code, 0);
    let widget = json(&out);
    let slots: Vec<i64> = widget["widget"]["timeslots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_i64().unwrap())
        .collect();
    assert_eq!(slots.len(), 3);
    assert_eq!(widget["widget"]["offer_asap"], true);
    assert_eq!(widget["widget"]["offer_scheduled"], true);

    let (code, out, _) = run(cbstatus(&url).args(["offer"]));
    assert_eq!(code, 0);
    assert!(
        out.starts_with(
            "We can call you back in about 10 minutes, so you don't have to wait on hold. \
             For a callback as soon as possible, press 1. For "
        ) && out.trim_end().ends_with("press 4."),
        "{out}"
    );
    let (code, out, _) = run(cbstatus(&url).args(["offer", "--widget-id", "w-closed"]));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "We are unable to offer callbacks at this time.");

    let (code, out, _) = run(cbstatus(&url).args(["register", "+15557773001"]));
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "Thank you. We will call you back at the number ending in 3 0 0 1 in about 10 minutes."
    );
    let at = slots[0].to_string();
    let (code, out, _) =
        run(cbstatus(&url).args(["register", "+15557773002", "--at", &at, "--format", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["register_outcome"], "requested");
    assert!(v["callback_id"].as_str().unwrap().starts_with("cb-"));
    let (_, out, _) = run(cbstatus(&url).args(["lookup", "+15557773002", "--format", "json"]));
    assert_eq!(
        json(&out)["callback"]["estimated_for"].as_i64(),
        Some(slots[0])
    );

    // Every refusal is an answer (exit 0) with its outcome.
    for (args, outcome) in [
        (vec!["register", "+15557773001"], "duplicate"),
        (
            vec!["register", "+15557773003", "--widget-id", "w-closed"],
            "refused",
        ),
        (vec!["register", "+15551230400"], "invalid_contact"),
        (
            vec!["register", "+15557773004", "--at", "1000000000"],
            "invalid_time",
        ),
    ] {
        let (code, out, _) = run(cbstatus(&url).args(&args).args(["--format", "json"]));
        assert_eq!(code, 0, "{args:?}");
        let v = json(&out);
        assert_eq!(v["register_outcome"], outcome, "{args:?}");
        assert!(v["callback_id"].is_null());
        assert!(!v["text"]
            .as_str()
            .unwrap()
            .contains("We will call you back"));
    }

    // Usage errors: exit 2, nothing sent.
    let before = sim.request_count();
    for args in [
        vec!["register", "+15557773005", "--at", "soon"],
        vec!["register", "+15557773005", "--at", "-5"],
        vec!["register", "not a number"],
    ] {
        let (code, _, _) = run(cbstatus(&url).args(&args));
        assert_eq!(code, 2, "{args:?}");
    }
    assert_eq!(sim.request_count(), before);
}

#[test]
fn a_registration_without_an_answer_exits_1_unconfirmed() {
    let sim = Simulator::start(
        "127.0.0.1:0",
        Scenarios::from_toml_str("[[widget]]\nid = \"w-open\"\nfault = \"reset\"\n").unwrap(),
    )
    .unwrap();
    let (code, out, err) = run(cbstatus(&sim.organization_url()).args([
        "register",
        "+15557774001",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1, "{err}");
    let v = json(&out);
    assert!(
        v["register_outcome"].is_null(),
        "absent when the request failed"
    );
    assert_eq!(v["result"], "error");
    assert_eq!(v["text"], "Sorry, we could not confirm your callback.");
    let posts = sim.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1);
}
