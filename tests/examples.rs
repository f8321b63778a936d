//! The C examples integrators copy (examples/): they compile with warnings as errors against
//! the built library and do what their comments say, against the project's simulator.
//!
//! - `lookup.c`: C99 with `-Wall -Wextra -Wpedantic -Werror`, linked shared and static; exit
//!   codes and output for found / not found / failed / invalid lookups; no leaks (Valgrind,
//!   when installed).
//! - `func_cbstatus.c`: compiled against Asterisk's real headers when they are installed
//!   (Debian bookworm has none: the test says it skipped that), and always against the
//!   stand-in in tests/asterisk-stub/, then loaded and exercised by its stand-in loader.

mod common;

use cbstatus::simulator::{Scenarios, Simulator};
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
fn lookup_example_frees_everything() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("SKIPPED lookup_example_frees_everything: valgrind is not installed");
        return;
    }
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

// --- func_cbstatus.c ---------------------------------------------------------------------

fn stub_dir() -> PathBuf {
    root().join("tests/asterisk-stub")
}

/// Compile examples/func_cbstatus.c into a loadable module with the given include path:
/// warnings are errors against the stand-in, not against Asterisk's own headers (which are
/// not warning-free under -Wextra).
fn compile_module(include: &Path, out: &Path, strict: bool) {
    let dir = common::lib_dir();
    let mut cmd = if strict {
        common::compiler(false)
    } else {
        let mut cmd = Command::new("cc");
        cmd.arg(format!("-I{}", common::include_dir().display()))
            .arg("-Wall");
        cmd
    };
    cmd.args(["-shared", "-fPIC", "-std=gnu99"])
        .arg(format!("-I{}", include.display()))
        .arg(root().join("examples/func_cbstatus.c"))
        .arg("-o")
        .arg(out)
        .arg(format!("-L{}", dir.display()))
        .arg("-lcbstatus")
        .arg(format!("-Wl,-rpath,{}", dir.display()));
    let status = cmd.status().expect("run the C compiler");
    assert!(
        status.success(),
        "compiling func_cbstatus.c failed: {cmd:?}"
    );
}

#[test]
fn asterisk_module_compiles_against_real_headers() {
    let headers = Path::new("/usr/include");
    if !headers.join("asterisk.h").is_file() || !headers.join("asterisk/module.h").is_file() {
        eprintln!(
            "SKIPPED asterisk_module_compiles_against_real_headers: no Asterisk development \
             headers in /usr/include (Debian bookworm packages none); func_cbstatus.c is \
             still checked against tests/asterisk-stub"
        );
        return;
    }
    let out = common::scratch("func-cbstatus-real").join("func_cbstatus.so");
    compile_module(headers, &out, false);
    let nm = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&out)
        .output();
    if let Ok(nm) = nm {
        let symbols = text(&nm.stdout);
        assert!(
            symbols.contains("__internal_func_cbstatus_self"),
            "{symbols}"
        );
    }
}

/// Build the stand-in loader and the module against the stand-in headers.
fn stub_build() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = common::scratch("func-cbstatus-stub");
        let module = dir.join("func_cbstatus.so");
        compile_module(&stub_dir(), &module, true);
        let host = dir.join("host");
        let mut cmd = common::compiler(false);
        cmd.arg("-std=gnu99")
            .arg(format!("-I{}", stub_dir().display()))
            .arg(stub_dir().join("host.c"))
            .arg("-o")
            .arg(&host)
            .args(["-rdynamic", "-ldl", "-lpthread"]);
        assert!(cmd.status().unwrap().success(), "{cmd:?}");
        (host, module)
    })
}

#[test]
fn asterisk_module_in_a_stand_in_loader() {
    let (host, module) = stub_build();
    let calls = [
        "+15551230001,result",
        "+15551230001,text",
        "+15551230001,position",
        "+15551230001, status",
        "+15551230001,type",
        "+15551230001,wait_seconds",
        "+15551230001,count",
        "+15551230001,estimated_for",
        "+15551230001,prompts",
        "+15551230001,ssml",
        "lang=es:+15551230001,text",
        "lang=es_MX:+15551230001,text,en-US",
        "len=10:+15551230001,text",
        "+15551230099,result",
        "+15551230099,position",
        "+15551230099,count",
        "+15551230500,result",
        "+15551230500,error",
        "+15551230500,text",
        ",text",
        "anonymous,result",
        "+15551230001,bogus",
        "+15551230001",
    ];
    let output = clean(host)
        .env("CBSTATUS_API_URL", simulator().organization_url())
        .arg(module)
        .args(calls)
        .output()
        .unwrap();
    let (stdout, stderr) = assert_exit(&output, 0);
    let value = |call: &str| -> (i32, String) {
        let prefix = format!("CBSTATUS({call}) rc=");
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {call} in\n{stdout}\n{stderr}"));
        let rest = &line[prefix.len()..];
        let (rc, value) = rest.split_once(' ').unwrap();
        let value = value.strip_prefix('[').unwrap().strip_suffix(']').unwrap();
        (rc.parse().unwrap(), value.to_owned())
    };
    let ok = |call: &str| -> String {
        let (rc, value) = value(call);
        assert_eq!(rc, 0, "{call}: rc {rc}\n{stderr}");
        value
    };

    assert!(stdout.contains("module func_cbstatus: "), "{stdout}");
    assert!(stdout.contains("load=0"), "{stdout}\n{stderr}");
    assert_eq!(ok("+15551230001,result"), "FOUND");
    assert!(ok("+15551230001,text").starts_with("You are number 4 in line"));
    assert_eq!(ok("+15551230001,position"), "4");
    assert_eq!(ok("+15551230001, status"), "waitlisted");
    assert_eq!(ok("+15551230001,type"), "asap");
    assert_eq!(ok("+15551230001,wait_seconds"), "720");
    assert_eq!(ok("+15551230001,count"), "1");
    assert!(ok("+15551230001,estimated_for").parse::<i64>().unwrap() > 1_600_000_000);
    assert!(ok("+15551230001,prompts").contains("&digits/4&"));
    assert!(ok("+15551230001,ssml").starts_with("<speak"));
    // A Spanish channel hears Spanish unless the locale argument says otherwise.
    assert!(ok("lang=es:+15551230001,text").starts_with("Usted es el número 4"));
    assert!(ok("lang=es_MX:+15551230001,text,en-US").starts_with("You are number 4"));
    // Asterisk's buffer size is respected (ast_copy_string truncates).
    assert_eq!(ok("len=10:+15551230001,text"), "You are n");
    assert_eq!(ok("+15551230099,result"), "NOT_FOUND");
    assert_eq!(ok("+15551230099,position"), "");
    assert_eq!(ok("+15551230099,count"), "0");
    // A failed lookup still gives something to say.
    assert_eq!(ok("+15551230500,result"), "ERROR");
    assert_eq!(ok("+15551230500,error"), "http_status");
    assert!(ok("+15551230500,text").starts_with("Sorry"));
    assert!(ok(",text").starts_with("Sorry"));
    assert_eq!(ok("anonymous,result"), "ERROR");
    // Misuse: -1 and a warning in Asterisk's log.
    assert_eq!(value("+15551230001,bogus"), (-1, String::new()));
    assert_eq!(value("+15551230001"), (-1, String::new()));
    assert!(stderr.contains("unknown field 'bogus'"), "{stderr}");
    assert!(stderr.contains("Syntax: CBSTATUS(number,field"), "{stderr}");
    // cbstatus's diagnostics reach Asterisk's logger; the loader saw a clean unload.
    assert!(stderr.contains("log_to_asterisk"), "{stderr}");
    assert!(
        stdout.contains("concurrent calls agree"),
        "{stdout}\n{stderr}"
    );
    assert!(stdout.contains("unload=0"), "{stdout}");
    assert!(stdout.contains("unregistered=1"), "{stdout}");
}

#[test]
fn asterisk_module_returns_only_safe_words() {
    // CBSTATUS(number,status|type) with hostile API values (issue 10, class 7): only a word of
    // [a-z0-9_]{1,32} (else "other") reaches the dialplan.
    let (host, module) = stub_build();
    let hostile = [
        "FOUND\"|&,${EXEC}/x",
        "x\" = \"x\" | \"connecting",
        "a,b|c&d",
    ];
    let numbers: Vec<_> = hostile
        .iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::json!({"number": format!("+1555180{i:04}"),
                "callback": [{"type": v, "status": v, "forecast_waitlist_position": "2"}]})
        })
        .collect();
    let scenarios =
        Scenarios::from_json_str(&serde_json::json!({ "number": numbers }).to_string()).unwrap();
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    let calls: Vec<String> = (0..hostile.len())
        .flat_map(|i| ["status", "type"].map(|f| format!("+1555180{i:04},{f}")))
        .collect();
    let output = clean(host)
        .env("CBSTATUS_API_URL", sim.organization_url())
        .arg(module)
        .args(&calls)
        .output()
        .unwrap();
    let (stdout, _) = assert_exit(&output, 0);
    for call in &calls {
        let line = format!("CBSTATUS({call}) rc=0 [other]");
        assert!(
            stdout.lines().any(|l| l == line),
            "no {line:?} in\n{stdout}"
        );
    }
}

#[test]
fn asterisk_module_declines_to_load_without_configuration() {
    let (host, module) = stub_build();
    let output = clean(host).arg(module).output().unwrap();
    let (stdout, stderr) = assert_exit(&output, 0);
    assert!(stdout.contains("load=1"), "{stdout}"); // AST_MODULE_LOAD_DECLINE
    assert!(stderr.contains("CBSTATUS_API_URL"), "{stderr}");
}
