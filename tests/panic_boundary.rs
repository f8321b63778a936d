//! Issue #5, part 7: no panic crosses the C boundary.
//!
//! 1. A source scan: every `#[no_mangle]` export in src/ffi/ runs its body through the one
//!    boundary (`boundary(` / `boundary_code(`), or — for `cb_last_error_code` and
//!    `cb_last_error_message`, which must not reset the error they report — `catch_unwind`.
//! 2. A real panic from C: the library is built with the `test-panic` feature (a nested cargo
//!    into target/test-panic, so the main build never exports `cb_test_panic`), a C program
//!    calls `cb_test_panic()` and sees `CB_E_PANIC`, `cb_last_error_code() == CB_E_PANIC`,
//!    and a library that still works, on several threads.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Strip comments, string and char literals (keeping the quotes) so braces inside them do not
/// count.
fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &source[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if rest.starts_with("c\"") || rest.starts_with('"') {
            let start = if rest.starts_with('c') { 2 } else { 1 };
            let mut j = start;
            while j < rest.len() {
                match rest.as_bytes()[j] {
                    b'\\' => j += 2,
                    b'"' => break,
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i += j + 1;
        } else if rest.starts_with("'") && rest.len() > 3 && {
            // A char literal ('x', '\n', '{'), not a lifetime ('a).
            let b = rest.as_bytes();
            (b[1] == b'\\') || b[2] == b'\''
        } {
            let end = rest[1..].find('\'').map_or(1, |e| e + 2);
            let end = if rest.as_bytes()[1] == b'\\' {
                rest[2..].find('\'').map_or(2, |e| e + 3)
            } else {
                end
            };
            out.push_str("' '");
            i += end;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// (name, body) of every `#[no_mangle]` function in `code`.
fn exports(code: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[no_mangle]") {
        rest = &rest[at + "#[no_mangle]".len()..];
        let fn_at = rest.find("fn ").expect("fn after #[no_mangle]");
        let name: String = rest[fn_at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body starts at the first `{` after the parameter list's closing `)`.
        let params_end = matching(rest, rest[fn_at..].find('(').unwrap() + fn_at, '(', ')');
        let open = params_end + rest[params_end..].find('{').unwrap();
        let close = matching(rest, open, '{', '}');
        found.push((name, rest[open + 1..close].to_string()));
        rest = &rest[close..];
    }
    found
}

/// Index of the bracket closing the one at `open`.
fn matching(text: &str, open: usize, left: char, right: char) -> usize {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        if c == left {
            depth += 1;
        } else if c == right {
            depth -= 1;
            if depth == 0 {
                return open + i;
            }
        }
    }
    panic!("unbalanced {left}{right}");
}

#[test]
fn every_export_runs_through_the_panic_boundary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut checked = Vec::new();
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&path).unwrap());
        // Every C export is marked #[no_mangle] (an unmarked one would escape this scan).
        let externs = code.matches("extern \"\" fn ").count();
        let marked = code.matches("#[no_mangle]").count();
        assert_eq!(
            externs,
            marked,
            "{}: an `extern \"C\" fn` without #[no_mangle]",
            path.display()
        );
        for (name, body) in exports(&code) {
            let ok = if name == "cb_last_error_code" || name == "cb_last_error_message" {
                body.contains("catch_unwind(")
            } else {
                body.contains("boundary(") || body.contains("boundary_code(")
            };
            if !ok {
                offenders.push(format!("{}: {name}", path.display()));
            }
            checked.push(name);
        }
    }
    assert!(
        offenders.is_empty(),
        "exports without the panic boundary: {offenders:?}"
    );
    // Not vacuous: the scan saw the whole API.
    for name in [
        "cb_status_lookup",
        "cb_string_free",
        "cb_shutdown",
        "cb_client_lookup",
        "cb_result_render",
        "cb_config_set",
        "cb_set_log_callback",
        "cb_last_error_code",
        "cb_last_error_message",
        "cb_test_panic",
    ] {
        assert!(
            checked.iter().any(|n| n == name),
            "{name} not found by the scan"
        );
    }
    assert!(checked.len() >= 35, "only {} exports found", checked.len());
    eprintln!("{} exports checked", checked.len());
}

#[test]
fn the_scanner_catches_an_export_without_the_boundary() {
    let code = code_only(
        r#"
        /// doc with a { brace
        #[no_mangle]
        pub extern "C" fn good() -> i32 { boundary_code(|| { let s = "}"; Ok(()) }) }
        #[no_mangle]
        pub unsafe extern "C" fn bad(x: *const c_char) -> i32 { let c = '{'; 0 }
        "#,
    );
    let found = exports(&code);
    assert_eq!(found.len(), 2);
    assert!(found[0].1.contains("boundary_code("));
    assert!(!found[1].1.contains("boundary"));
}

/// Build the library with the `test-panic` feature into target/test-panic (nested cargo: the
/// outer `cargo test` holds target/'s lock). The first run compiles the dependencies once.
fn test_panic_build() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = manifest.join("target/test-panic");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(manifest)
        .args([
            "build",
            "--quiet",
            "--lib",
            "--features",
            "test-panic",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS");
    let (output, elapsed) = support::run_bounded(cmd, None, Duration::from_secs(900));
    eprintln!("test-panic build: {} s", elapsed.as_secs());
    assert!(
        output.status.success(),
        "cargo build --features test-panic failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = target_dir.join("debug");
    // The SONAME is libcbstatus.so.0 (build.rs); cargo makes only libcbstatus.so.
    let link = dir.join("libcbstatus.so.0");
    if std::fs::read_link(&link).is_err() {
        let _ = std::os::unix::fs::symlink("libcbstatus.so", &link);
    }
    dir
}

/// Compiles tests/c/panic_boundary.c against the `test-panic` build into scratch folder
/// `name` (one per test: the tests run in parallel); returns the program and the library
/// directory it runs with.
fn panic_boundary_program(name: &str) -> (PathBuf, PathBuf) {
    let lib_dir = test_panic_build();
    let dir = common::scratch(name);
    let exe = dir.join("panic_boundary");
    let mut cmd = common::compiler(false);
    cmd.args(common::C_FLAGS)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/panic_boundary.c"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib_dir.display()))
        .arg("-lcbstatus")
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()))
        .arg("-lpthread");
    assert!(cmd.status().unwrap().success(), "{cmd:?}");
    (exe, lib_dir)
}

#[test]
fn a_panic_from_c_becomes_cb_e_panic_and_the_process_lives() {
    let (exe, lib_dir) = panic_boundary_program("panic-boundary");
    let mut run = Command::new(&exe);
    run.env_clear();
    let (output, _) = support::run_bounded(run, None, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("panic boundary held"),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
    // The panic message went to stderr (Rust's hook), but the process went on.
    assert!(stderr.contains("deliberate panic"), "{stderr}");

    // The release-shaped library of the main build does not export the test hook.
    let main_lib = std::fs::read(common::lib_dir().join("libcbstatus.so")).unwrap();
    let test_lib = std::fs::read(lib_dir.join("libcbstatus.so")).unwrap();
    let has = |bytes: &[u8]| bytes.windows(13).any(|w| w == b"cb_test_panic");
    assert!(has(&test_lib));
    assert!(!has(&main_lib), "the normal build exports cb_test_panic");
}

/// The same under Valgrind memcheck: unwinding to the boundary leaks nothing.
#[test]
#[cfg_attr(
    not(cbstatus_has_valgrind),
    ignore = "valgrind is not installed (scripts/test installs it)"
)]
fn a_panic_unwinding_to_the_boundary_leaks_nothing_under_memcheck() {
    let (exe, _) = panic_boundary_program("panic-boundary-memcheck");
    let mut vg = Command::new("valgrind");
    vg.env_clear().args([
        "--error-exitcode=99",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--show-leak-kinds=definite,indirect",
        "--quiet",
    ]);
    vg.arg(&exe);
    let (output, _) = support::run_bounded(vg, None, Duration::from_secs(60));
    assert!(
        output.status.success(),
        "panic_boundary under valgrind: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
