//! Issue #5, part 4: bad input at every surface — the C ABI (handles and one-shot), the CLI and
//! AGI. NULL, empty, invalid UTF-8, 1 MB strings, letters, control characters and the literal
//! `unknown` each get a clear error code and a short message, never a crash, and never a
//! request to the API. (Python is tested by its own suite.)

mod common;
mod support;

use cbstatus::ffi;
use cbstatus_sim::{Scenarios, Simulator};
use std::ffi::{c_char, CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;
use support::*;

/// The hostile caller numbers every surface is fed (NUL-free; NULL is tried separately).
fn bad_numbers() -> Vec<(&'static str, Vec<u8>, i32)> {
    let e = |s: &str| s.as_bytes().to_vec();
    vec![
        ("empty", e(""), ffi::CB_E_INVALID_NUMBER),
        ("blank", e("   \t "), ffi::CB_E_INVALID_NUMBER),
        ("unknown", e("unknown"), ffi::CB_E_INVALID_NUMBER),
        ("Anonymous", e("Anonymous"), ffi::CB_E_INVALID_NUMBER),
        ("letters", e("five five five"), ffi::CB_E_INVALID_NUMBER),
        ("vanity", e("1-800-FLOWERS"), ffi::CB_E_INVALID_NUMBER),
        ("control", e("555\x01123\x070001"), ffi::CB_E_INVALID_NUMBER),
        ("crlf", e("5551230001\r\nHANGUP"), ffi::CB_E_INVALID_NUMBER),
        ("escape", e("\x1b[2J5551230001"), ffi::CB_E_INVALID_NUMBER),
        ("plus only", e("+"), ffi::CB_E_INVALID_NUMBER),
        ("too short", e("12345"), ffi::CB_E_INVALID_NUMBER),
        (
            "too long",
            e("+1234567890123456789"),
            ffi::CB_E_INVALID_NUMBER,
        ),
        ("zeros", e("0000000000"), ffi::CB_E_INVALID_NUMBER),
        ("emoji", e("📞5551230001"), ffi::CB_E_INVALID_NUMBER),
        (
            "sql",
            e("5551230001'; DROP TABLE x;--"),
            ffi::CB_E_INVALID_NUMBER,
        ),
        (
            "invalid utf8",
            b"555\xff\xfe1230001".to_vec(),
            ffi::CB_E_INVALID_UTF8,
        ),
        (
            "lone continuation",
            b"\x80".to_vec(),
            ffi::CB_E_INVALID_UTF8,
        ),
        (
            "overlong",
            b"\xc0\xaf5551230001".to_vec(),
            ffi::CB_E_INVALID_UTF8,
        ),
        ("1 MB digits", vec![b'5'; 1 << 20], ffi::CB_E_INVALID_NUMBER),
        (
            "1 MB letters",
            vec![b'x'; 1 << 20],
            ffi::CB_E_INVALID_NUMBER,
        ),
    ]
}

/// The thread's last error message through the C API.
fn last_message() -> String {
    let mut buf = vec![0u8; 4096];
    // SAFETY: `buf` is valid for its length.
    let n = unsafe { ffi::cb_last_error_message(buf.as_mut_ptr().cast(), buf.len()) };
    buf.truncate(n.min(buf.len() - 1));
    String::from_utf8(buf).expect("message is UTF-8")
}

/// A message fit for a log line: short, no raw control characters.
fn assert_clear_message(what: &str, message: &str) {
    assert!(!message.is_empty(), "{what}: empty message");
    assert!(
        message.len() < 1000,
        "{what}: message of {} bytes",
        message.len()
    );
    assert!(
        !message.chars().any(|c| c.is_control()),
        "{what}: control character in {message:?}"
    );
}

#[test]
fn c_client_lookup_and_cancel_reject_bad_numbers() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let client = CClient::new(&sim.organization_url());
    type Request = unsafe extern "C" fn(
        *const ffi::client::cb_client,
        *const c_char,
        *mut *mut ffi::cb_result,
    ) -> i32;
    let requests: [(&str, Request); 2] = [
        ("lookup", ffi::client::cb_client_lookup),
        ("cancel", ffi::client::cb_client_cancel),
    ];
    for (action, request) in requests {
        let mut cases: Vec<(String, Option<CString>, i32)> = bad_numbers()
            .into_iter()
            .map(|(n, b, c)| (n.to_string(), Some(CString::new(b).unwrap()), c))
            .collect();
        cases.push(("NULL".into(), None, ffi::CB_E_INVALID_ARGUMENT));
        for (name, number, want) in cases {
            let what = format!("{action} {name}");
            let ptr = number.as_ref().map_or(std::ptr::null(), |n| n.as_ptr());
            let mut result = std::ptr::null_mut();
            // SAFETY: a live client, a valid string or NULL, a valid out-pointer.
            let code = unsafe { request(client.0, ptr, &mut result) };
            assert_eq!(code, want, "{what}");
            assert_eq!(ffi::cb_last_error_code(), want, "{what}");
            assert_clear_message(&what, &last_message());
            assert!(
                !result.is_null(),
                "{what}: a failed request still gives a result"
            );
            // SAFETY: `result` is a live result; every string is freed once.
            unsafe {
                assert_eq!(ffi::cb_result_error(result), want);
                assert_clear_message(
                    &what,
                    CStr::from_ptr(ffi::cb_result_error_message(result))
                        .to_str()
                        .unwrap(),
                );
                assert_eq!(
                    CStr::from_ptr(ffi::cb_result_number(result)).to_bytes(),
                    b""
                );
                for format in [
                    ffi::CB_FORMAT_TEXT,
                    ffi::CB_FORMAT_SSML,
                    ffi::CB_FORMAT_PROMPTS,
                    ffi::CB_FORMAT_JSON,
                ] {
                    let mut text = std::ptr::null_mut();
                    assert_eq!(
                        ffi::cb_result_render(result, format, std::ptr::null(), &mut text),
                        ffi::CB_OK,
                        "{what}"
                    );
                    let rendered = CStr::from_ptr(text).to_str().unwrap();
                    assert!(!rendered.is_empty());
                    if format == ffi::CB_FORMAT_TEXT {
                        // The fallback sentence of the action ("... can't check ..." /
                        // "... could not cancel ...").
                        assert!(rendered.starts_with("Sorry, we "), "{what}: {rendered}");
                    }
                    ffi::oneshot::cb_string_free(text);
                }
                ffi::cb_result_free(result);
            }
        }
        // NULL client / out-pointer: an error code and nothing written.
        let mut result = std::ptr::null_mut();
        // SAFETY: NULL handles are part of the contract.
        unsafe {
            assert_eq!(
                request(std::ptr::null(), c"5551230001".as_ptr(), &mut result),
                ffi::CB_E_INVALID_ARGUMENT
            );
            assert!(result.is_null());
            assert_eq!(
                request(client.0, c"5551230001".as_ptr(), std::ptr::null_mut()),
                ffi::CB_E_INVALID_ARGUMENT
            );
        }
    }
    assert_eq!(sim.request_count(), 0, "a bad number reached the API");
}

#[test]
fn c_config_setters_reject_bad_keys_and_values() {
    let long = "9".repeat(1 << 20);
    let long_letters = "k".repeat(1 << 20);
    // SAFETY: the C API used as documented; NULLs are part of the contract.
    unsafe {
        let mut config = std::ptr::null_mut();
        assert_eq!(ffi::config::cb_config_new(&mut config), ffi::CB_OK);
        let set = |k: &[u8], v: &[u8]| {
            let (k, v) = (CString::new(k).unwrap(), CString::new(v).unwrap());
            ffi::config::cb_config_set(config, k.as_ptr(), v.as_ptr())
        };
        for (what, key, value, want) in [
            ("empty key", &b""[..], &b"1"[..], ffi::CB_E_INVALID_CONFIG),
            ("unknown key", b"timeout", b"1", ffi::CB_E_INVALID_CONFIG),
            (
                "1 MB key",
                long_letters.as_bytes(),
                b"1",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "bad utf8 key",
                b"time\xffout_ms",
                b"1",
                ffi::CB_E_INVALID_UTF8,
            ),
            (
                "bad utf8 value",
                b"timeout_ms",
                b"\xc3",
                ffi::CB_E_INVALID_UTF8,
            ),
            ("letters", b"timeout_ms", b"soon", ffi::CB_E_INVALID_CONFIG),
            (
                "1 MB number",
                b"timeout_ms",
                long.as_bytes(),
                ffi::CB_E_INVALID_CONFIG,
            ),
            ("negative", b"timeout_ms", b"-5", ffi::CB_E_INVALID_CONFIG),
            ("zero", b"timeout_ms", b"0", ffi::CB_E_INVALID_CONFIG),
            (
                "control in token",
                b"api_token",
                b"abc\r\nX-Injected: 1",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "space in scheme",
                b"auth_scheme",
                b"Bearer x",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "header injection",
                b"auth_header",
                b"X-A\r\nX-B",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "url with CRLF",
                b"api_url",
                b"https://a.example.com/x\r\nHost: evil",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "url 1 MB",
                b"api_url",
                long_letters.as_bytes(),
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "url plain http",
                b"api_url",
                b"http://example.com/api",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "url with creds",
                b"api_url",
                b"https://u:p@a.example.com/x",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "unknown zone",
                b"timezone",
                b"Mars/Olympus",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "zone traversal",
                b"timezone",
                b"../../etc/passwd",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                // A warning: English is applied and the code says so.
                "unknown locale",
                b"locale",
                b"xx-XX",
                ffi::CB_E_UNKNOWN_LOCALE,
            ),
            (
                "widget traversal",
                b"widget_id",
                b"../../admin",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "country letters",
                b"default_country",
                b"US",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "bool",
                b"read_back_number",
                b"maybe",
                ffi::CB_E_INVALID_CONFIG,
            ),
            (
                "threshold",
                b"breaker_threshold",
                b"99999999999999999999",
                ffi::CB_E_INVALID_CONFIG,
            ),
        ] {
            assert_eq!(set(key, value), want, "{what}");
            assert_eq!(ffi::cb_last_error_code(), want, "{what}");
            let message = last_message();
            assert!(
                !message.is_empty() && !message.contains('\n'),
                "{what}: {message:?}"
            );
        }
        assert_eq!(
            ffi::config::cb_config_set(config, std::ptr::null(), c"1".as_ptr()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        assert_eq!(
            ffi::config::cb_config_set(config, c"timeout_ms".as_ptr(), std::ptr::null()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        assert_eq!(
            ffi::config::cb_config_set(std::ptr::null_mut(), c"timeout_ms".as_ptr(), c"1".as_ptr()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        // Still usable after all that, and no setting changed. (An empty api_url resets it,
        // like every optional key: cb_client_new then says CB_E_NOT_CONFIGURED.)
        assert_eq!(set(b"timeout_ms", b"1500"), ffi::CB_OK);
        assert_eq!(
            set(b"api_url", b"http://127.0.0.1:9/api/organization/1"),
            ffi::CB_OK
        );
        assert_eq!(set(b"api_url", b"  "), ffi::CB_OK);
        let mut client = std::ptr::null_mut();
        assert_eq!(
            ffi::client::cb_client_new(config, &mut client),
            ffi::CB_E_NOT_CONFIGURED
        );
        assert!(client.is_null());
        ffi::config::cb_config_free(config);
    }
}

#[test]
fn c_config_load_file_rejects_bad_paths_and_contents() {
    let dir = common::scratch("bad-config");
    let garbage = dir.join("garbage.toml");
    std::fs::write(&garbage, b"\x00\xff\xfe binary \x01\x02").unwrap();
    let bad_toml = dir.join("bad.toml");
    std::fs::write(&bad_toml, "timeout_ms = [\n").unwrap();
    let big = dir.join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let nested = dir.join("nested.toml");
    std::fs::write(
        &nested,
        format!("x = {}{}", "[".repeat(50_000), "]".repeat(50_000)),
    )
    .unwrap();
    let long_path = "/".to_string() + &"a".repeat(1 << 20);
    let path_cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty path", vec![]),
        ("missing", b"/nonexistent/cbstatus.toml".to_vec()),
        ("directory", b"/tmp".to_vec()),
        ("/dev/zero (endless)", b"/dev/zero".to_vec()),
        ("1 MB path", long_path.into_bytes()),
        ("control chars", b"/tmp/\x01\x02.toml".to_vec()),
        ("binary file", garbage.as_os_str().as_bytes().to_vec()),
        ("bad TOML", bad_toml.as_os_str().as_bytes().to_vec()),
        ("2 MB file", big.as_os_str().as_bytes().to_vec()),
        ("deeply nested TOML", nested.as_os_str().as_bytes().to_vec()),
    ];
    // SAFETY: the C API used as documented.
    unsafe {
        let mut config = std::ptr::null_mut();
        assert_eq!(ffi::config::cb_config_new(&mut config), ffi::CB_OK);
        for (what, path) in path_cases {
            let path = CString::new(path).unwrap();
            let (code, elapsed) = timed(|| ffi::config::cb_config_load_file(config, path.as_ptr()));
            assert_eq!(code, ffi::CB_E_INVALID_CONFIG, "{what}: {}", last_message());
            assert!(elapsed < Duration::from_secs(5), "{what}: {elapsed:?}");
        }
        assert_eq!(
            ffi::config::cb_config_load_file(config, c"/tmp/\xff.toml".as_ptr()),
            ffi::CB_E_INVALID_UTF8
        );
        assert_eq!(
            ffi::config::cb_config_load_file(config, std::ptr::null()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        ffi::config::cb_config_free(config);
    }
}

#[test]
fn c_render_widget_and_misc_reject_bad_arguments() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let client = CClient::new(&sim.organization_url());
    let long_locale = CString::new("e".repeat(1 << 20)).unwrap();
    // SAFETY: the C API used as documented.
    unsafe {
        let mut result = std::ptr::null_mut();
        assert_eq!(
            ffi::client::cb_client_lookup(client.0, c"+15551230001".as_ptr(), &mut result),
            ffi::CB_OK
        );
        for (what, locale, want) in [
            (
                "1 MB locale",
                long_locale.as_ptr(),
                ffi::CB_E_UNKNOWN_LOCALE,
            ),
            ("empty locale", c"".as_ptr(), ffi::CB_E_UNKNOWN_LOCALE),
            (
                "control locale",
                c"en\x01US".as_ptr(),
                ffi::CB_E_UNKNOWN_LOCALE,
            ),
            (
                "unknown locale",
                c"unknown".as_ptr(),
                ffi::CB_E_UNKNOWN_LOCALE,
            ),
        ] {
            let mut text = std::ptr::null_mut();
            assert_eq!(
                ffi::cb_result_render(result, ffi::CB_FORMAT_TEXT, locale, &mut text),
                want,
                "{what}"
            );
            assert!(!text.is_null(), "{what}: rendered in English anyway");
            assert!(CStr::from_ptr(text)
                .to_str()
                .unwrap()
                .contains("12 minutes"));
            assert_clear_message(what, &last_message());
            ffi::oneshot::cb_string_free(text);
        }
        let mut text = std::ptr::null_mut();
        assert_eq!(
            ffi::cb_result_render(result, ffi::CB_FORMAT_TEXT, c"\xff".as_ptr(), &mut text),
            ffi::CB_E_INVALID_UTF8
        );
        for format in [-1, 4, i32::MIN, i32::MAX] {
            assert_eq!(
                ffi::cb_result_render(result, format, std::ptr::null(), &mut text),
                ffi::CB_E_INVALID_ARGUMENT
            );
        }
        assert!(text.is_null());
        ffi::cb_result_free(result);

        // Widget ids: NULL uses the (absent) configured one; bad ids are refused locally.
        for (what, id, want) in [
            ("NULL id", std::ptr::null(), ffi::CB_E_NOT_CONFIGURED),
            (
                "traversal",
                c"../../admin".as_ptr(),
                ffi::CB_E_INVALID_CONFIG,
            ),
            ("query", c"w-open?x=1".as_ptr(), ffi::CB_E_INVALID_CONFIG),
            ("crlf", c"w\r\nHost: x".as_ptr(), ffi::CB_E_INVALID_CONFIG),
            ("bad utf8", c"w\xff".as_ptr(), ffi::CB_E_INVALID_UTF8),
        ] {
            let mut result = std::ptr::null_mut();
            assert_eq!(
                ffi::client::cb_client_widget_status(client.0, id, &mut result),
                want,
                "{what}"
            );
            assert!(!result.is_null());
            assert!(!ffi::cb_result_callbacks_available(result));
            ffi::cb_result_free(result);
        }

        // Status codes out of range, tiny buffers, bad log levels.
        let next_free = cbstatus::ErrorKind::ALL.len() as i32 + 1;
        for code in [i32::MIN, -1, next_free, 9999, i32::MAX] {
            assert_eq!(
                CStr::from_ptr(ffi::cb_status_str(code)).to_str().unwrap(),
                "unknown status code"
            );
            assert_eq!(
                CStr::from_ptr(ffi::cb_status_name(code)).to_str().unwrap(),
                "unknown"
            );
        }
        assert_eq!(
            ffi::config::cb_config_new(std::ptr::null_mut()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        let needed = ffi::cb_last_error_message(std::ptr::null_mut(), 0);
        assert!(needed > 0);
        // NULL buffer with a length: measured, nothing written.
        assert_eq!(ffi::cb_last_error_message(std::ptr::null_mut(), 64), needed);
        let mut one = [b'x' as c_char; 1];
        assert_eq!(ffi::cb_last_error_message(one.as_mut_ptr(), 1), needed);
        assert_eq!(one[0], 0);
        for level in [0, 5, -1, i32::MAX] {
            assert_eq!(
                ffi::cb_set_log_callback(None, level, std::ptr::null_mut()),
                ffi::CB_E_INVALID_ARGUMENT
            );
        }
        // Freeing NULL is a no-op everywhere.
        ffi::cb_result_free(std::ptr::null_mut());
        ffi::client::cb_client_free(std::ptr::null_mut());
        ffi::config::cb_config_free(std::ptr::null_mut());
        ffi::oneshot::cb_string_free(std::ptr::null_mut());
        // Accessors on NULL.
        assert_eq!(
            ffi::cb_result_error(std::ptr::null()),
            ffi::CB_E_INVALID_ARGUMENT
        );
        assert_eq!(ffi::cb_result_cancel_outcome(std::ptr::null()), 0);
        assert_eq!(ffi::cb_result_action(std::ptr::null()), -1);
        assert_eq!(ffi::cb_result_ewt_seconds(std::ptr::null()), -1);
        assert_eq!(
            CStr::from_ptr(ffi::cb_result_widget_state(std::ptr::null())).to_bytes(),
            b""
        );
    }
    assert_eq!(sim.request_count(), 1, "only the one good lookup went out");
}

#[test]
fn c_oneshot_rejects_bad_numbers() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let exe = common::c_program("oneshot_probe");
    let mut cmd = std::process::Command::new(&exe);
    cmd.env_clear()
        .env("CBSTATUS_API_URL", sim.organization_url());
    let mut want = Vec::new();
    for (name, bytes, code) in bad_numbers() {
        if bytes.len() > 64 * 1024 {
            continue; // argv cannot carry it: generated in the probe below
        }
        cmd.arg(OsStr::from_bytes(&bytes));
        want.push((name.to_string(), code));
    }
    cmd.args(["%NULL", "%DIGITS1048576", "%LETTERS1048576", "+15551230001"]);
    want.push(("NULL".into(), ffi::CB_E_INVALID_ARGUMENT));
    want.push(("1 MB digits".into(), ffi::CB_E_INVALID_NUMBER));
    want.push(("1 MB letters".into(), ffi::CB_E_INVALID_NUMBER));
    want.push(("good number".into(), ffi::CB_OK));
    let (output, _) = run_bounded(cmd, None, Duration::from_secs(20));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), want.len(), "{stdout}");
    for (line, (name, code)) in lines.iter().zip(&want) {
        assert!(line.starts_with(&format!("code={code} ")), "{name}: {line}");
        let text = line.split_once("text=").unwrap().1;
        if *code == ffi::CB_OK {
            assert!(text.contains("12 minutes"), "{line}");
        } else {
            assert_eq!(text, FALLBACK_EN, "{name}");
        }
    }
    assert_eq!(sim.request_count(), 1, "only the good number went out");
}

#[test]
fn cli_rejects_bad_numbers_with_exit_2() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    for (name, bytes, _) in bad_numbers() {
        // Linux limits one argument to 128 KiB: the 1 MB cases are cut to 100 000 bytes.
        let bytes = &bytes[..bytes.len().min(100_000)];
        for command in ["lookup", "cancel"] {
            let mut cmd = cli(&[("CBSTATUS_API_URL", &url)]);
            cmd.arg(command).arg(OsStr::from_bytes(bytes));
            let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command} {name}: {stderr}");
            assert!(
                stderr.starts_with("cbstatus: ") || stderr.starts_with("error: "),
                "{name}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
            assert!(
                stderr.len() < 2000,
                "{name}: {} bytes of stderr",
                stderr.len()
            );
            assert!(
                output.stdout.is_empty(),
                "{name}: printed {:?}",
                String::from_utf8_lossy(&output.stdout)
            );
        }
    }
    // Bad options and settings: usage errors, not crashes.
    let cases: Vec<CliCase> = vec![
        (
            vec![
                "lookup".as_ref(),
                "5551230001".as_ref(),
                "--format".as_ref(),
                "bogus".as_ref(),
            ],
            vec![],
        ),
        (
            vec![
                "lookup".as_ref(),
                "5551230001".as_ref(),
                "--timezone".as_ref(),
                OsStr::from_bytes(b"\xff"),
            ],
            vec![],
        ),
        (vec!["lookup".as_ref()], vec![]),
        (
            vec!["lookup".as_ref(), "5551230001".as_ref()],
            vec![("CBSTATUS_TIMEOUT_MS", "abc")],
        ),
        (
            vec!["lookup".as_ref(), "5551230001".as_ref()],
            vec![("CBSTATUS_TIMEOUT_MS", "99999999")],
        ),
        (
            vec!["lookup".as_ref(), "5551230001".as_ref()],
            vec![("CBSTATUS_CONFIG", "/nonexistent.toml")],
        ),
        (
            vec!["lookup".as_ref(), "5551230001".as_ref()],
            vec![("CBSTATUS_CONFIG", "/dev/zero")],
        ),
        (
            vec!["lookup".as_ref(), "5551230001".as_ref()],
            vec![("CBSTATUS_API_TOKEN", "a\u{7}b")],
        ),
    ];
    for (args, env) in cases {
        let mut all_env = vec![("CBSTATUS_API_URL", url.as_str())];
        all_env.extend(env.iter().copied());
        let mut cmd = cli(&all_env);
        cmd.args(&args);
        let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // An environment variable that is not UTF-8.
    let mut cmd = cli(&[("CBSTATUS_API_URL", &url)]);
    cmd.env(
        "CBSTATUS_TIMEZONE",
        OsStr::from_bytes(b"America/\xffNew_York"),
    )
    .args(["lookup", "5551230001"]);
    let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(sim.request_count(), 0, "a bad input reached the API");
    // An unknown locale is no reason to leave a caller in silence: English, and a warning.
    for (args, env) in [
        (vec!["lookup", "5551230001", "--locale", "xx-XX"], vec![]),
        (
            vec!["lookup", "5551230001"],
            vec![("CBSTATUS_LOCALE", "klingon")],
        ),
    ] {
        let mut all_env = vec![("CBSTATUS_API_URL", url.as_str())];
        all_env.extend(env.iter().copied());
        let mut cmd = cli(&all_env);
        cmd.args(&args);
        let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?} {env:?}: {stderr}");
        assert!(stdout.contains("in line for your callback"), "{stdout}");
        assert!(stderr.contains("is not available; using en-US"), "{stderr}");
    }
}

/// CLI arguments and extra environment variables.
type CliCase<'a> = (Vec<&'a OsStr>, Vec<(&'a str, &'a str)>);

/// Every line an AGI run wrote is a well-formed command; returns the variables.
fn assert_well_formed(what: &str, run: &AgiRun) {
    assert_eq!(run.code, Some(0), "{what}: AGI must exit 0: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
    assert!(
        run.stdout.ends_with(b"\n") || run.stdout.is_empty(),
        "{what}: unterminated line"
    );
    for line in &run.lines {
        if line.starts_with("STREAM FILE ") {
            continue;
        }
        parse_set_variable(line).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(line.len() <= 4100, "{what}: {} byte line", line.len());
    }
}

#[test]
fn agi_rejects_bad_caller_ids() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_TIMEOUT_MS", "1000"),
    ];
    let mut cases: Vec<(String, Vec<u8>)> = bad_numbers()
        .into_iter()
        .filter(|(_, b, _)| !b.contains(&b'\n'))
        .map(|(n, b, _)| (n.to_string(), b))
        .collect();
    cases.push(("CR in caller id".into(), b"5551230001\rX".to_vec()));
    for (name, callerid) in cases {
        let run = fake_asterisk(
            &[],
            &env,
            &agi_env_block(&callerid),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_well_formed(&name, &run);
        assert_eq!(
            run.var("CBSTATUS_RESULT").as_deref(),
            Some("ERROR"),
            "{name}"
        );
        assert_eq!(
            run.var("CBSTATUS_ERROR").as_deref(),
            Some("invalid_number"),
            "{name}"
        );
        assert_eq!(
            run.var("CBSTATUS_TEXT").as_deref(),
            Some(FALLBACK_EN),
            "{name}"
        );
        assert!(run.lines.len() >= 11, "{name}: {:?}", run.lines);
    }
    // The number as an argument instead of the caller id.
    for (name, bytes, _) in bad_numbers() {
        let bytes = &bytes[..bytes.len().min(100_000)];
        if bytes.trim_ascii().is_empty() {
            continue; // blank argument: the caller id is used instead
        }
        let run = fake_asterisk(
            &[OsStr::from_bytes(bytes)],
            &env,
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_well_formed(name, &run);
        assert_eq!(
            run.var("CBSTATUS_ERROR").as_deref(),
            Some("invalid_number"),
            "{name}"
        );
    }
    assert_eq!(sim.request_count(), 0, "a bad caller id reached the API");
}

#[test]
fn agi_survives_a_broken_environment_and_a_hostile_asterisk() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_TIMEOUT_MS", "1000"),
    ];
    let huge_line = {
        let mut v = b"agi_callerid: ".to_vec();
        v.extend(std::iter::repeat_n(b'5', 1 << 20));
        v.extend_from_slice(b"\n\n");
        v
    };
    let blocks: Vec<(&str, Vec<u8>)> = vec![
        ("no environment (EOF)", vec![]),
        (
            "unterminated environment",
            b"agi_request: cbstatus\nagi_callerid: 5551230001\n".to_vec(),
        ),
        (
            "binary garbage",
            vec![0xff, 0x00, 0x01, b'\n', 0xfe, b'\n', b'\n'],
        ),
        ("1 MB line", huge_line),
        ("no colon lines", b"garbage\nmore garbage\n\n".to_vec()),
        (
            "restricted presentation",
            b"agi_callerid: 5551230001\nagi_callingpres: 35\n\n".to_vec(),
        ),
        (
            "1 MB of lines",
            b"a: b\n"
                .repeat(200_000)
                .into_iter()
                .chain(*b"\n")
                .collect(),
        ),
    ];
    for (name, block) in blocks {
        let run = fake_asterisk(&[], &env, &block, "200 result=1\n", Duration::from_secs(10));
        assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        for line in &run.lines {
            parse_set_variable(line).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // Asterisk answering every command with garbage, errors, or a dead channel.
    for reply in [
        "garbage\n",
        "510 Invalid or unknown command\n",
        "511 Command Not Permitted on a dead channel\n",
        "520-Invalid command syntax.\nUsage\n520 End of proper usage.\n",
        "HANGUP\n200 result=1\n",
        "200 result=é\n",
    ] {
        let run = fake_asterisk(
            &["--play".as_ref()],
            &env,
            &agi_env_block(b"+15551230001"),
            reply,
            Duration::from_secs(10),
        );
        assert_eq!(run.code, Some(0), "{reply:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("panicked"),
            "{reply:?}: {}",
            run.stderr
        );
        assert!(
            run.elapsed < Duration::from_secs(5),
            "{reply:?}: {:?}",
            run.elapsed
        );
    }
}

#[test]
fn agi_lines_fit_asterisks_command_buffer_even_with_long_templates() {
    // An operator's 1000-character templates, full of characters that grow when escaped
    // (XML entities in SSML, then AGI's \" and \\), must still reach Asterisk as one command
    // per line: res_agi.c runs whatever follows byte 2047 of a line as a new command.
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let dir = common::scratch("long-templates");
    let config = dir.join("cbstatus.toml");
    let filler = "&\"<\\".repeat(240);
    std::fs::write(
        &config,
        format!(
            "[templates.en-US]\nasap_position = '''{filler} {{position}} {{wait}}'''\n\
             several = '''{filler} {{count}}'''\n"
        ),
    )
    .unwrap();
    for number in ["+15551230001", "+15551230007"] {
        let run = fake_asterisk(
            &[],
            &[
                ("CBSTATUS_API_URL", &sim.organization_url()),
                ("CBSTATUS_CONFIG", config.to_str().unwrap()),
            ],
            &agi_env_block(number.as_bytes()),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_well_formed(number, &run);
        assert_eq!(
            run.var("CBSTATUS_RESULT").as_deref(),
            Some("FOUND"),
            "{}",
            run.stderr
        );
        assert!(
            run.var("CBSTATUS_TEXT").unwrap().len() > 900,
            "templates not applied"
        );
        assert_eq!(
            asterisk_commands(&run.stdout),
            run.lines,
            "{number}: a line was split"
        );
        for line in &run.lines {
            assert!(line.len() < 2047, "{} bytes: {}", line.len(), &line[..60]);
        }
    }
}
