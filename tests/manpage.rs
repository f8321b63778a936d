//! Documentation an integrator reaches from a shell: `cbstatus --help` and `cbstatus COMMAND
//! --help` for every command, and a man page for each (doc/man/, installed by the Debian
//! package). The pages themselves are rendered from the CLI definition and compared by the
//! binary's own test (src/bin/cbstatus/manpage.rs, `cargo test --bin cbstatus manpage`); this
//! one checks them from the outside, against the built program.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cbstatus(args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(args)
        .env_remove("CBSTATUS_CONFIG")
        .output()
        .expect("run cbstatus");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The command names listed under "Commands:" in a help text (without `help`).
fn commands_in(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| line.trim() != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .filter(|name| name != "help")
        .collect()
}

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/man")
}

#[test]
fn every_command_has_help_and_a_man_page() {
    let (ok, help) = cbstatus(&["--help"]);
    assert!(ok, "cbstatus --help failed");
    let commands = commands_in(&help);
    assert!(
        commands.len() >= 7 && commands.iter().any(|c| c == "fastagi"),
        "{help}"
    );
    assert!(man_dir().join("cbstatus.1").is_file());
    let mut checked = 0;
    let mut queue: Vec<Vec<String>> = commands.into_iter().map(|c| vec![c]).collect();
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (ok, help) = cbstatus(&args);
        assert!(ok, "cbstatus {} failed", args.join(" "));
        assert!(help.contains("Usage: cbstatus "), "{help}");
        let page = man_dir().join(format!("cbstatus-{}.1", path.join("-")));
        assert!(
            page.is_file(),
            "no man page {} for `cbstatus {}`: regenerate doc/man with \
             `CBSTATUS_BLESS=1 cargo test --bin cbstatus manpage`",
            page.display(),
            path.join(" ")
        );
        for sub in commands_in(&help) {
            let mut deeper = path.clone();
            deeper.push(sub);
            queue.push(deeper);
        }
        checked += 1;
    }
    assert!(checked >= 7);
}

#[test]
#[cfg_attr(
    not(cbstatus_has_groff),
    ignore = "groff is not installed (apt-get install groff-base)"
)]
fn man_pages_render_without_warnings() {
    for entry in std::fs::read_dir(man_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "1") {
            continue;
        }
        let output = Command::new("groff")
            .args(["-man", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap();
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && warnings.trim().is_empty(),
            "{}: {warnings}",
            path.display()
        );
    }
}

#[test]
fn version_matches_the_package() {
    let (ok, version) = cbstatus(&["--version"]);
    assert!(ok);
    assert_eq!(
        version.trim(),
        format!("cbstatus {}", env!("CARGO_PKG_VERSION"))
    );
    let page = std::fs::read_to_string(man_dir().join("cbstatus.1")).unwrap();
    assert!(
        page.contains(&format!("\"cbstatus {}\"", env!("CARGO_PKG_VERSION"))),
        "doc/man/cbstatus.1 names another version: regenerate it"
    );
}
