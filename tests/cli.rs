//! The `cbstatus` command line: exit codes, output formats, the simulator and the demo.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::run;

fn cbstatus(sim: &Simulator) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cbstatus"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CBSTATUS_API_URL", sim.organization_url())
        .env("CBSTATUS_TIMEOUT_MS", "800")
        .env("CBSTATUS_TIMEZONE", "America/Chicago");
    cmd
}

#[test]
fn lookup_exit_codes_and_formats() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let (code, out, _) = run(cbstatus(&sim).args(["lookup", "+15551230001"]));
    assert_eq!(code, 0);
    assert!(out.contains("number 4"), "{out}");

    let (code, out, _) = run(cbstatus(&sim).args(["lookup", "5551230099"]));
    assert_eq!(code, 0, "not found is an answer");
    assert!(!out.trim().is_empty());

    let (code, out, err) = run(cbstatus(&sim).args(["lookup", "5551230500"]));
    assert_eq!(code, 1);
    assert!(out.contains("Sorry"), "fallback printed: {out}");
    assert!(err.contains("503"), "{err}");

    let (code, out, err) = run(cbstatus(&sim).args(["lookup", "unknown"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("caller"), "{err}");

    let (code, _, _) = run(cbstatus(&sim).args(["lookup"]));
    assert_eq!(code, 2, "usage error");
    let (code, _, _) = run(cbstatus(&sim).args(["lookup", "5551230001", "--format", "xml"]));
    assert_eq!(code, 2);

    let (code, out, _) = run(cbstatus(&sim).args(["lookup", "5551230001", "--format", "ssml"]));
    assert_eq!(code, 0);
    assert!(out.trim_start().starts_with("<speak") && out.trim_end().ends_with("</speak>"));
    let (code, out, _) = run(cbstatus(&sim).args(["lookup", "5551230001", "--format", "prompts"]));
    assert_eq!(code, 0);
    assert!(
        out.trim().split('&').all(|p| !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))),
        "{out}"
    );
    let (code, out, _) = run(cbstatus(&sim).args([
        "lookup",
        "5551230001",
        "--format",
        "json",
        "--locale",
        "es-US",
    ]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["locale"], "es-US");
    assert_eq!(v["timezone"], "America/Chicago");
    assert_eq!(v["callback"]["position"], 4);

    let (code, _, err) =
        run(cbstatus(&sim).args(["lookup", "5551230001", "--timezone", "Nowhere/City"]));
    assert_eq!(code, 2, "bad configuration is a usage error");
    assert!(err.contains("Nowhere/City"));
}

#[test]
fn not_configured_is_a_usage_error() {
    let (code, _, err) = run(Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .env_clear()
        .args(["lookup", "5551230001"]));
    assert_eq!(code, 2);
    assert!(err.contains("CBSTATUS_API_URL"), "{err}");
}

#[test]
fn cancel_and_widget_commands() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let (code, out, _) = run(cbstatus(&sim).args(["cancel", "5551230002", "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["action"].as_str(), v["cancel"].as_str()),
        (Some("cancel"), Some("canceled"))
    );
    let (code, out, _) =
        run(cbstatus(&sim).args(["widget", "--widget-id", "w-closed", "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["widget"]["callbacks_available"], false);
    let (code, _, _) = run(cbstatus(&sim).args(["widget"]));
    assert_eq!(code, 2, "no widget id configured");
}

#[test]
fn simulate_prints_its_url_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/api/organization/562a519b54f83b56"),
        "{url}"
    );
    let (code, out, _) = run(Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .env_clear()
        .env("CBSTATUS_API_URL", &url)
        .args(["lookup", "5551230001"]));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("number 4"));
}

#[test]
fn simulate_rejects_a_bad_scenarios_file() {
    let dir = std::env::temp_dir().join(format!("cbstatus-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[[number]]\nnumber = \"+1\"\nfault = { kind = \"dealy\" }\n",
    )
    .unwrap();
    let (code, _, err) = run(Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["simulate", "--listen", "127.0.0.1:0", "--scenarios"])
        .arg(&file));
    assert_eq!(code, 2);
    assert!(err.contains("dealy"), "{err}");
}

#[test]
fn demo_walks_through_the_scenarios() {
    let (code, out, _) = run(Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .env_clear()
        .args(["demo", "--timezone", "America/New_York"]));
    assert_eq!(code, 0);
    for expected in [
        "+15551230001",
        "number 4",
        "next in line",
        "Sorry",
        "+15551230099",
    ] {
        assert!(
            out.contains(expected),
            "demo output lacks {expected:?}:\n{out}"
        );
    }
}

#[test]
fn french_from_the_flag_the_environment_and_the_demo() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let french = "Vous êtes le 4e dans la file d'attente pour votre rappel. \
                  Nous devrions vous rappeler dans environ 12 minutes.";
    for locale in ["fr-CA", "fr_CA", "fr"] {
        let (code, out, err) =
            run(cbstatus(&sim).args(["lookup", "5551230001", "--locale", locale]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.trim(), french, "--locale {locale}");
    }
    let (code, out, _) = run(cbstatus(&sim).env("CBSTATUS_LOCALE", "fr-CA").args([
        "lookup",
        "5551230001",
        "--format",
        "ssml",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("xml:lang=\"fr-CA\""), "{out}");
    assert!(out.contains("<sub alias=\"quatrième\">4e</sub>"), "{out}");
    let (code, out, _) = run(cbstatus(&sim).env("CBSTATUS_LOCALE", "fr-CA").args([
        "lookup",
        "5551230001",
        "--format",
        "prompts",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("digits/h-4"), "{out}");

    let (code, out, _) = run(Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .env_clear()
        .args(["demo", "--locale", "fr-CA", "--timezone", "America/Toronto"]));
    assert_eq!(code, 0);
    assert!(out.contains("(locale fr-CA,"), "{out}");
    for expected in [french, "Désolé, nous ne pouvons pas vérifier votre rappel"] {
        assert!(out.contains(expected), "demo lacks {expected:?}:\n{out}");
    }
    // What callers hear is French (the scenario descriptions stay English).
    for heard in out.lines().filter(|l| l.contains("caller hears:")) {
        for english in ["number", "Sorry", "callback", " you", " in line"] {
            assert!(!heard.contains(english), "demo says {english:?}: {heard}");
        }
    }
}

/// `cbstatus lookup ... | head -0`: a reader that goes away before the answer is printed ends
/// the command the Unix way (SIGPIPE, as for `cat`), never with Rust's "failed printing to
/// stdout" panic. The last lookup shows the same command answers when its stdout is read.
#[test]
fn a_closed_stdout_ends_a_printing_command_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    for args in [
        &["lookup", "+15551230001"][..],
        &["offer", "--widget-id", "w-open"][..],
        &["check", "--number", "+15551230001"][..],
    ] {
        let mut child = cbstatus(&sim)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before anything is printed
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(
            status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {status:?} {err}"
        );
    }
    let (code, out, _) = run(cbstatus(&sim).args(["lookup", "+15551230001"]));
    assert_eq!((code, out.contains("number 4")), (0, true), "{out}");
}
