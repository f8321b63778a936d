//! The C examples integrators copy (examples/): they compile with warnings as errors against
//! the built library and do what their comments say, against the project's simulator.
//!
//! - `lookup.c`: C99 with `-Wall -Wextra -Wpedantic -Werror`, linked shared and static; exit
//!   codes and output for found / not found / failed / invalid lookups; no leaks (Valgrind,
//!   when installed).
//! - `bindings/asterisk/func_cbstatus.c` (the shipped Asterisk module): compiled with
//!   `-Wall -Wextra -Werror` against real Asterisk headers when they are installed (in
//!   /usr/include, or every cached build of the real-PBX suite: one per supported version). The
//!   module itself is exercised inside each real Asterisk by the real-PBX suite
//!   (`scripts/pbx/test`, part of the README's test command).
//! - The modules' Makefiles fail with one line naming what is missing (`asterisk.h` in
//!   `ASTERISK_INCLUDE`, `pkg-config freeswitch`), not a compiler error per `#include`.

mod common;

use cbstatus_sim::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const FOUND: &str = "+15551230001";
const NOT_FOUND: &str = "+15551230099";
const FAILS_503: &str = "+15551230500";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap())
}

/// `examples/lookup.c` built once per linkage.
fn lookup_exe(link_static: bool) -> &'static Path {
    static SHARED: OnceLock<PathBuf> = OnceLock::new();
    static STATIC: OnceLock<PathBuf> = OnceLock::new();
    let cell = if link_static { &STATIC } else { &SHARED };
    cell.get_or_init(|| {
        let name = if link_static { "static" } else { "shared" };
        let exe = common::scratch(&format!("example-lookup-{name}")).join("lookup");
        common::compile_c(&root().join("examples/lookup.c"), &exe, link_static, &[]);
        exe
    })
}

/// A command with a clean environment: only PATH and what the test sets.
fn clean(program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CBSTATUS_TIMEOUT_MS", "1500");
    cmd
}

fn run_lookup(link_static: bool, args: &[&str]) -> Output {
    clean(lookup_exe(link_static))
        .env("CBSTATUS_API_URL", simulator().organization_url())
        .args(args)
        .output()
        .expect("run examples/lookup.c")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_exit(output: &Output, code: i32) -> (String, String) {
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
fn lookup_example_found_not_found_failed() {
    for link_static in [false, true] {
        let (stdout, _) = assert_exit(&run_lookup(link_static, &[FOUND]), 0);
        assert!(
            stdout.starts_with("You are number 4 in line for your callback."),
            "{stdout}"
        );
        for line in [
            "error: ok",
            "found: yes",
            "count: 1",
            "number: +15551230001",
            "status: waitlisted",
            "type: asap",
            "position: 4",
            "wait_seconds: 720",
        ] {
            assert!(
                stdout.lines().any(|l| l == line),
                "no {line:?} in\n{stdout}"
            );
        }
        assert!(stdout.contains("\nestimated_for: 1"), "{stdout}");

        let (stdout, _) = assert_exit(&run_lookup(link_static, &[NOT_FOUND]), 0);
        assert!(stdout.contains("found: no"), "{stdout}");
        assert!(stdout.contains("position: unknown"), "{stdout}");

        // The API fails: the fallback sentence is still printed, exit 1.
        let (stdout, stderr) = assert_exit(&run_lookup(link_static, &[FAILS_503]), 1);
        assert!(stdout.starts_with("Sorry"), "{stdout}");
        assert!(stdout.contains("error: http_status"), "{stdout}");
        assert!(stderr.contains("request failed"), "{stderr}");
    }
}

#[test]
fn lookup_example_formats_and_locales() {
    let (ssml, _) = assert_exit(&run_lookup(false, &[FOUND, "ssml", "es-US"]), 0);
    assert!(ssml.starts_with("<speak"), "{ssml}");
    assert!(ssml.contains("xml:lang=\"es-US\""), "{ssml}");

    let (prompts, _) = assert_exit(&run_lookup(false, &[FOUND, "prompts"]), 0);
    assert!(
        prompts.lines().next().unwrap().contains("digits/4"),
        "{prompts}"
    );

    let (json, _) = assert_exit(&run_lookup(false, &[FOUND, "json"]), 0);
    let value: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(value["found"], true);
    assert_eq!(value["callback"]["position"], 4);

    // An unknown locale is said in English, with a warning; the lookup still answered.
    let (stdout, stderr) = assert_exit(&run_lookup(false, &[FOUND, "text", "xx-XX"]), 0);
    assert!(stdout.starts_with("You are number 4"), "{stdout}");
    assert!(stderr.contains("not available"), "{stderr}");
}

#[test]
fn lookup_example_usage_errors_exit_2() {
    for args in [
        &[][..],
        &[FOUND, "yaml"][..],
        &[FOUND, "text", "en-US", "extra"][..],
        &["anonymous"][..],
        &["not a number"][..],
    ] {
        let (stdout, stderr) = assert_exit(&run_lookup(false, args), 2);
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(!stderr.is_empty(), "{args:?}: nothing on stderr");
    }
    // Not configured: says which variable to set.
    let output = clean(lookup_exe(false)).arg(FOUND).output().unwrap();
    let (_, stderr) = assert_exit(&output, 2);
    assert!(stderr.contains("CBSTATUS_API_URL"), "{stderr}");
    // A bad setting names the key.
    let output = clean(lookup_exe(false))
        .env("CBSTATUS_API_URL", simulator().organization_url())
        .env("CBSTATUS_TIMEOUT_MS", "soon")
        .arg(FOUND)
        .output()
        .unwrap();
    let (_, stderr) = assert_exit(&output, 2);
    assert!(stderr.contains("timeout_ms"), "{stderr}");
}

#[test]
#[cfg_attr(
    not(cbstatus_has_valgrind),
    ignore = "valgrind is not installed (scripts/test installs it)"
)]
fn lookup_example_frees_everything() {
    for number in [FOUND, FAILS_503, "anonymous"] {
        let output = clean(Path::new("valgrind"))
            .args([
                "--quiet",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99",
            ])
            .arg(lookup_exe(false))
            .arg(number)
            .env("CBSTATUS_API_URL", simulator().organization_url())
            .env("CBSTATUS_TIMEOUT_MS", "5000")
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_ne!(output.status.code(), Some(99), "{number}: {stderr}");
        assert!(
            !stderr.contains("definitely lost") && !stderr.contains("Invalid "),
            "{number}: {stderr}"
        );
    }
}

// --- bindings/asterisk/func_cbstatus.c ----------------------------------------------------

/// Directories holding `asterisk.h` and `asterisk/module.h`: /usr/include, and the real-PBX
/// suite's cached builds (`$CBSTATUS_PBX_CACHE/asterisk-*/include`).
fn asterisk_headers() -> Vec<PathBuf> {
    let cache = std::env::var_os("CBSTATUS_PBX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cbstatus-pbx"));
    let mut dirs = vec![PathBuf::from("/usr/include")];
    if let Ok(entries) = std::fs::read_dir(&cache) {
        for entry in entries.flatten() {
            // Finished builds only (`.built`): scripts/test builds other versions meanwhile.
            if entry.file_name().to_string_lossy().starts_with("asterisk-")
                && entry.path().join(".built").is_file()
            {
                dirs.push(entry.path().join("include"));
            }
        }
    }
    dirs.retain(|d| d.join("asterisk.h").is_file() && d.join("asterisk/module.h").is_file());
    dirs
}

#[test]
#[cfg_attr(
    not(cbstatus_has_asterisk_headers),
    ignore = "no Asterisk headers in /usr/include nor a cached build (scripts/pbx/build-asterisk \
              makes one from CBSTATUS_PBX_SOURCES; scripts/test runs it)"
)]
fn asterisk_module_compiles_against_real_headers() {
    let headers = asterisk_headers();
    assert!(
        !headers.is_empty(),
        "no Asterisk headers in /usr/include nor a cached build under $CBSTATUS_PBX_CACHE \
         (scripts/pbx/build-asterisk makes one)"
    );
    let dir = common::lib_dir();
    for (n, include) in headers.iter().enumerate() {
        let out = common::scratch(&format!("func-cbstatus-real-{n}")).join("func_cbstatus.so");
        // Warnings are errors, as in bindings/asterisk/Makefile: -Wall -Wextra for this file,
        // Asterisk's headers as system headers (some warn under -Wextra themselves).
        let mut cmd = Command::new("cc");
        cmd.args([
            "-shared",
            "-fPIC",
            "-std=gnu99",
            "-Wall",
            "-Wextra",
            "-Werror",
        ])
        .arg(format!("-I{}", common::include_dir().display()))
        .arg("-isystem")
        .arg(include)
        .arg(root().join("bindings/asterisk/func_cbstatus.c"))
        .arg("-o")
        .arg(&out)
        .arg(format!("-L{}", dir.display()))
        .arg("-lcbstatus");
        let status = cmd.status().expect("run the C compiler");
        assert!(
            status.success(),
            "compiling func_cbstatus.c failed: {cmd:?}"
        );
        let nm = Command::new("nm")
            .args(["-D", "--defined-only"])
            .arg(&out)
            .output()
            .expect("nm");
        let symbols = text(&nm.stdout);
        assert!(
            symbols.contains("__internal_func_cbstatus_self"),
            "{symbols}"
        );
    }
}

// --- the modules' Makefiles: what is missing, in one line -------------------------------

/// `make` in a copy of a bindings folder with extra arguments and environment; its stderr.
fn make_fails(folder: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = common::scratch(&format!("makefile-{}", folder.replace('/', "-")));
    std::fs::copy(root().join(folder).join("Makefile"), dir.join("Makefile")).unwrap();
    let out = Command::new("make")
        .arg("-C")
        .arg(&dir)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run make");
    assert!(!out.status.success(), "make succeeded: {out:?}");
    text(&out.stderr)
}

/// The one error line of a failed `make` (make adds "Makefile:N: *** ... Stop.").
fn one_error_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("***")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        !stderr.contains("fatal error") && !stderr.contains("No such file"),
        "{stderr}"
    );
    lines[0]
}

#[test]
fn asterisk_makefile_names_missing_headers() {
    let stderr = make_fails(
        "bindings/asterisk",
        &["ASTERISK_INCLUDE=/nonexistent/include"],
        &[],
    );
    let line = one_error_line(&stderr);
    assert!(
        line.contains("cannot find asterisk.h in ASTERISK_INCLUDE=/nonexistent/include")
            && line.contains("set ASTERISK_INCLUDE=DIR"),
        "{line}"
    );
}

#[test]
fn freeswitch_makefile_names_missing_pkg_config() {
    // No freeswitch.pc anywhere pkg-config looks (PKG_CONFIG_LIBDIR replaces its default path).
    let empty = common::scratch("makefile-no-pkgconfig");
    let empty = empty.to_str().unwrap();
    let stderr = make_fails(
        "bindings/freeswitch",
        &[],
        &[("PKG_CONFIG_PATH", empty), ("PKG_CONFIG_LIBDIR", empty)],
    );
    let line = one_error_line(&stderr);
    assert!(
        line.contains("`pkg-config freeswitch` cannot find FreeSWITCH (freeswitch.pc)")
            && line.contains("PKG_CONFIG_PATH=<prefix>/lib/pkgconfig"),
        "{line}"
    );
}
