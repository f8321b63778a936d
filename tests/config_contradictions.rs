//! Configuration and input that contradict themselves (issue 19, class 6), through Rust, the C
//! API (a C program linking the real library), the CLI and (bindings/python/tests) Python:
//!
//! - `eta_min_minutes` at or above `eta_max_minutes` is refused when the settings are loaded,
//!   naming both (it would say "less than 10 minutes" and "more than 10 minutes" of waits
//!   seconds apart); `eta_max_minutes = 0` is "no maximum", like `none`.
//! - An error from a configuration file says its prefix once ("a cbstatus setting has an
//!   invalid value: FILE: ...", was twice for templates).
//! - A caller number holding two numbers joined by `/` (`+1 555 123 0001 / 02`) is refused, not
//!   read as the one number its digits run together make; the API is never asked.

mod common;
mod support;

use cbstatus::{Client, Config, ErrorKind};
use cbstatus_sim::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use support::{cli, run_bounded};

const LIMIT: Duration = Duration::from_secs(20);
/// `ErrorKind::InvalidConfig`'s description: the prefix every configuration error carries.
const PREFIX: &str = "a cbstatus setting has an invalid value";

fn c_program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| common::c_program("config_check"))
}

/// Run the C program with `steps`; its output lines.
fn c_steps(steps: &[&str]) -> Vec<String> {
    let mut cmd = Command::new(c_program());
    cmd.args(steps).env_clear();
    let (output, _) = run_bounded(cmd, None, LIMIT);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

#[test]
fn eta_bounds_that_contradict_are_refused_at_load_naming_both() {
    let sim = demo();
    let dir = common::scratch("eta-bounds");
    let url = sim.organization_url();
    let names_both = |text: &str, min: &str, max: &str| {
        text.contains(&format!("eta_min_minutes ({min})"))
            && text.contains(&format!("eta_max_minutes ({max}"))
    };
    for (min, max) in [("30", "10"), ("10", "10"), ("120", "")] {
        let mut toml = format!("api_url = \"{url}\"\neta_min_minutes = {min}\n");
        if !max.is_empty() {
            toml.push_str(&format!("eta_max_minutes = {max}\n"));
        }
        let path = file(&dir, &format!("eta-{min}-{max}.toml"), &toml);
        let max_said = if max.is_empty() { "90" } else { max };

        // Rust: loading the file, and making a client from settings set one by one.
        let err = Config::load(&[&path], None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(names_both(&err.to_string(), min, max_said), "{err}");
        let mut config = Config::new();
        config.set("api_url", &url).unwrap();
        config.set("eta_min_minutes", min).unwrap();
        config.set("eta_max_minutes", max).unwrap();
        let Err(err) = Client::new(&config) else {
            panic!("{min}/{max}: not refused")
        };
        assert!(names_both(&err.to_string(), min, max_said), "{err}");

        // C: cb_config_load_file, and cb_client_new after cb_config_set (each set succeeds:
        // they may come in any order).
        let lines = c_steps(&["load", path.to_str().unwrap()]);
        assert!(lines[0].starts_with("load rc=3 "), "{lines:?}");
        assert!(names_both(&lines[0], min, max_said), "{lines:?}");
        let lines = c_steps(&[
            "set",
            "api_url",
            &url,
            "set",
            "eta_min_minutes",
            min,
            "set",
            "eta_max_minutes",
            max,
            "client",
        ]);
        assert_eq!(
            &lines[..3],
            ["set rc=0 msg=", "set rc=0 msg=", "set rc=0 msg="]
        );
        assert!(lines[3].starts_with("client rc=3 "), "{lines:?}");
        assert!(names_both(&lines[3], min, max_said), "{lines:?}");

        // CLI, from the environment and from the file.
        let mut env = vec![
            ("CBSTATUS_API_URL", url.as_str()),
            ("CBSTATUS_ETA_MIN_MINUTES", min),
        ];
        if !max.is_empty() {
            env.push(("CBSTATUS_ETA_MAX_MINUTES", max));
        }
        for mut cmd in [
            cli(&env),
            cli(&[("CBSTATUS_CONFIG", path.to_str().unwrap())]),
        ] {
            cmd.args(["lookup", "5551230001"]);
            let (output, _) = run_bounded(cmd, None, LIMIT);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(names_both(&stderr, min, max_said), "{stderr}");
        }
    }
    assert_eq!(sim.request_count(), 0, "nothing was looked up");

    // In either order, and with `none` or 0 for "no maximum", agreeing bounds load.
    for (min, max) in [("100", "120"), ("100", "none"), ("100", "0")] {
        let path = file(
            &dir,
            "fine.toml",
            &format!("api_url = \"{url}\"\neta_max_minutes = \"{max}\"\neta_min_minutes = {min}\n"),
        );
        let config = Config::load(&[&path], None).unwrap_or_else(|e| panic!("{min}/{max}: {e}"));
        assert!(Client::new(&config).is_ok());
        let lines = c_steps(&[
            "set",
            "eta_min_minutes",
            min,
            "set",
            "eta_max_minutes",
            max,
            "set",
            "api_url",
            &url,
            "client",
        ]);
        assert_eq!(lines[3], "client rc=0 msg=", "{min}/{max}");
    }
}

#[test]
fn config_file_errors_say_their_prefix_once() {
    let dir = common::scratch("prefix-once");
    let bad = [
        (
            "templates-not-string",
            "[templates.en-US]\nasap_position = 5\n",
        ),
        (
            "templates-locale",
            "[templates.xx]\nasap_position = \"x\"\n",
        ),
        (
            "templates-name",
            "[templates.en-US]\nno_such_message = \"x\"\n",
        ),
        (
            "templates-placeholder",
            "[templates.en-US]\nasap_position = \"{nope}\"\n",
        ),
        ("templates-table", "templates = 3\n"),
        (
            "profile-templates",
            "[profiles.a.templates.en-US]\nasap_position = \"{nope}\"\n",
        ),
        ("profile-key", "[profiles.a]\ntimeout_ms = 0\n"),
        ("key", "timeout_ms = 0\n"),
        ("unknown-key", "bogus = 1\n"),
        ("toml", "timeout_ms = \n"),
        ("url", "api_url = \"ftp://x\"\n"),
        ("eta", "eta_min_minutes = 30\neta_max_minutes = 10\n"),
        ("locale-in-profile", "[profiles.a]\ntimeout_ms = \"x\"\n"),
    ];
    // The path is said once too, except where the contradiction is found after every file
    // and variable is read (`Config::load`, the CLI): then no single file is to blame.
    let once = |what: &str, text: &str, path: &Path| {
        assert_eq!(text.matches(PREFIX).count(), 1, "{what}: {text}");
        let shown = path.display().to_string();
        let paths = text.matches(&shown).count();
        let whole_load = what.ends_with(" eta") && !what.contains("load_file");
        assert_eq!(paths, usize::from(!whole_load), "{what}: {text}");
    };
    for (name, toml) in bad {
        let path = file(&dir, &format!("{name}.toml"), toml);
        let err = Config::load(&[&path], None).unwrap_err();
        once(&format!("Config::load {name}"), &err.to_string(), &path);
        let err = Config::new().load_file(&path).unwrap_err();
        once(
            &format!("Config::load_file {name}"),
            &err.to_string(),
            &path,
        );

        let lines = c_steps(&["load", path.to_str().unwrap()]);
        assert!(lines[0].starts_with("load rc=3 "), "{name}: {lines:?}");
        once(&format!("cb_config_load_file {name}"), &lines[0], &path);

        let mut cmd = cli(&[
            ("CBSTATUS_CONFIG", path.to_str().unwrap()),
            ("CBSTATUS_API_URL", "http://127.0.0.1:9/api/organization/x"),
        ]);
        cmd.args(["lookup", "5551230001"]);
        let (output, _) = run_bounded(cmd, None, LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        once(&format!("cbstatus lookup {name}"), &stderr, &path);
    }
}

#[test]
fn two_numbers_joined_by_a_slash_are_refused_and_never_asked_for() {
    let sim = demo();
    let url = sim.organization_url();
    let joined = [
        "+1 555 123 0001 / 02",
        "+1 555 123 0001/2",
        "5551230001/5551230002",
        "(555) 123-0001 / 0002",
    ];
    let client = support::client(&url, &[]);
    for number in joined {
        let result = client.status(number);
        let error = result.error().expect("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidNumber, "{number}");
        assert!(error.detail().contains("two numbers"), "{number}: {error}");
    }
    let mut steps = vec!["set", "api_url", url.as_str(), "client"];
    for number in joined {
        steps.extend(["lookup", number]);
    }
    let lines = c_steps(&steps);
    assert_eq!(lines[1], "client rc=0 msg=");
    for line in &lines[2..] {
        assert_eq!(line, "lookup rc=1 error=1", "CB_E_INVALID_NUMBER");
    }
    for number in joined {
        let mut cmd = cli(&[("CBSTATUS_API_URL", url.as_str())]);
        cmd.args(["lookup", number]);
        let (output, _) = run_bounded(cmd, None, LIMIT);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{number}: {stderr}");
        assert!(
            stderr.contains("two numbers joined by '/'"),
            "{number}: {stderr}"
        );
    }
    assert_eq!(
        sim.request_count(),
        0,
        "was: +15551230001 02 looked up as +1555123000102: {:?}",
        sim.requests()
    );
    // One number with its area code after a '/' is still one number.
    assert!(client.status("555/123-0001").error().is_none());
    assert_eq!(sim.request_count(), 1);
}
