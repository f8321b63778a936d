//! Issue #5, part 8: secrets and hostile values. The API token never appears in logs (Rust
//! logger and C callback at Debug), errors, Debug output, CLI output or AGI output, whatever
//! happens to the request; values from the API never reach Asterisk, SSML or speech
//! unescaped. (TLS verification: tests/tls.rs.)

mod support;

use cbstatus::log::{set_logger, Level};
use cbstatus::speech::Format;
use cbstatus::{Config, ErrorKind};
use cbstatus_sim::{Scenarios, Simulator};
use serde_json::json;
use std::ffi::{c_char, c_void, CStr};
use std::io::BufReader;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

const TOKEN: &str = "tok-9f8e7d6c5b4a-SECRET";

/// Logging is process-wide: the tests that install a logger take turns.
static LOGGING: Mutex<()> = Mutex::new(());

fn token_sim(token: &str) -> Simulator {
    let scenarios = Scenarios::from_json_str(
        &json!({
            "settings": {"token": token},
            "number": [
                {"number": "+15551230001", "callback": [{"type": "ASAP", "status": "waitlisted",
                 "forecast_waitlist_position": "2", "estimated_wait_time": "120"}]},
                {"number": "+15551230408", "fault": "hang", "callback": []},
                {"number": "+15551230500", "fault": {"kind": "status", "code": 500}, "callback": []},
            ]
        })
        .to_string(),
    )
    .unwrap();
    Simulator::start("127.0.0.1:0", scenarios).unwrap()
}

fn assert_no_token(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaked the token: {text}");
    // Nor a recognisable part of it.
    assert!(
        !text.contains("9f8e7d6c5b4a"),
        "{what} leaked part of the token: {text}"
    );
}

#[test]
fn the_token_never_reaches_logs_errors_or_debug_output() {
    let _turn = LOGGING.lock().unwrap_or_else(|e| e.into_inner());
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = seen.clone();
    set_logger(
        Some(Arc::new(move |level: Level, message: &str| {
            sink.lock()
                .unwrap()
                .push(format!("{}: {message}", level.as_str()))
        })),
        Level::Debug,
    );
    let accepting = token_sim(TOKEN);
    let rejecting = token_sim("another-token");
    let redirect = RawServer::answering(response(
        "307 Temporary Redirect",
        &[("Location", "http://127.0.0.1:9/steal")],
        b"",
    ));
    let mut outputs = Vec::new();
    for (name, url, numbers) in [
        (
            "accepting",
            accepting.organization_url(),
            vec![
                "+15551230001",
                "+15551230408",
                "+15551230500",
                "+15551239999",
            ],
        ),
        (
            "rejecting",
            rejecting.organization_url(),
            vec!["+15551230001"],
        ),
        ("redirect", redirect.url(), vec!["+15551230001"]),
        (
            "refused",
            "http://127.0.0.1:9/api/organization/x".to_string(),
            vec!["+15551230001"],
        ),
        (
            "tls",
            "https://localhost:9/api/organization/x".to_string(),
            vec!["+15551230001"],
        ),
    ] {
        let config = config(
            &url,
            &[
                ("api_token", TOKEN),
                ("timeout_ms", "300"),
                ("breaker_threshold", "2"),
            ],
        );
        outputs.push(format!("{config:?}"));
        let client = cbstatus::Client::new(&config).unwrap();
        outputs.push(format!("{client:?}"));
        for number in numbers {
            for _ in 0..2 {
                let result = client.status(number);
                outputs.push(format!("{result:?}"));
                outputs.push(result.to_json(None).0);
                for format in Format::ALL {
                    outputs.push(result.render(format));
                }
                if let Some(error) = result.error() {
                    outputs.push(format!("{error} {error:?} {}", error.detail()));
                }
            }
            let number = client.normalize(number).unwrap();
            let cancel = client.cancel(&number);
            outputs.push(format!("{cancel:?}"));
        }
        let widget = client.widget(Some("w-1"));
        outputs.push(format!("{widget:?}"));
        eprintln!("{name}: done");
    }
    // The token did go out, to the server that asked for it (the test is not vacuous).
    let sent = accepting.requests();
    assert!(sent
        .iter()
        .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
    assert!(redirect.requests() >= 1);
    set_logger(None, Level::Debug);
    let logged = seen.lock().unwrap().clone();
    assert!(
        logged.len() >= 10,
        "too few log lines to mean anything: {logged:?}"
    );
    assert!(logged.iter().any(|l| l.starts_with("error")));
    for line in &logged {
        assert_no_token("log", line);
    }
    for text in &outputs {
        assert_no_token("output", text);
    }
}

#[test]
fn the_token_never_reaches_a_c_log_callback() {
    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    unsafe extern "C" fn sink(level: i32, message: *const c_char, _userdata: *mut c_void) {
        // SAFETY: the library passes a NUL-terminated string valid during the call.
        let text = unsafe { CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned();
        LINES.lock().unwrap().push(format!("{level}: {text}"));
    }
    let _turn = LOGGING.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: a valid callback; userdata unused.
    let code = unsafe {
        cbstatus::ffi::cb_set_log_callback(
            Some(sink),
            cbstatus::ffi::CB_LOG_DEBUG,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(code, cbstatus::ffi::CB_OK);
    let rejecting = token_sim("another-token");
    let client = client(
        &rejecting.organization_url(),
        &[
            ("api_token", TOKEN),
            ("breaker_threshold", "1"),
            ("timeout_ms", "300"),
        ],
    );
    for _ in 0..3 {
        assert!(client.status("+15551230001").error().is_some());
    }
    // SAFETY: NULL turns logging off.
    unsafe {
        cbstatus::ffi::cb_set_log_callback(None, cbstatus::ffi::CB_LOG_DEBUG, std::ptr::null_mut())
    };
    let lines = LINES.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_no_token("C log callback", line);
        // Caller numbers appear by their last 4 digits only.
        assert!(!line.contains("5551230001"), "full number logged: {line}");
    }
}

#[test]
fn the_token_never_reaches_cli_output() {
    let accepting = token_sim(TOKEN);
    let rejecting = token_sim("another-token");
    let hang = RawServer::start(|stream, ctx| {
        let mut reader = BufReader::new(stream);
        let _ = ctx.read_request(&mut reader);
        ctx.hold();
    });
    let dir = std::env::temp_dir().join(format!("cbstatus-sec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A configuration file holding the token, broken right after it.
    let broken = dir.join("broken.toml");
    std::fs::write(
        &broken,
        format!("api_token = \"{TOKEN}\"\ntimeout_ms = [\n"),
    )
    .unwrap();
    let unterminated = dir.join("unterminated.toml");
    std::fs::write(&unterminated, format!("api_token = \"{TOKEN}\n")).unwrap();
    let mut runs = Vec::new();
    for (name, url, extra) in [
        ("accepted", accepting.organization_url(), vec![]),
        ("rejected", rejecting.organization_url(), vec![]),
        ("hang", hang.url(), vec![]),
        (
            "broken config",
            accepting.organization_url(),
            vec![("CBSTATUS_CONFIG", broken.to_str().unwrap())],
        ),
        (
            "unterminated config",
            accepting.organization_url(),
            vec![("CBSTATUS_CONFIG", unterminated.to_str().unwrap())],
        ),
        (
            "token in url",
            format!("https://user:{TOKEN}@localhost:9/api/organization/x"),
            vec![],
        ),
        (
            "bad token",
            accepting.organization_url(),
            vec![("CBSTATUS_API_TOKEN", "tok-9f8e7d6c5b4a-SECRET\u{1}")],
        ),
    ] {
        for format in ["json", "text", "ssml"] {
            let mut env = vec![
                ("CBSTATUS_API_URL", url.as_str()),
                ("CBSTATUS_API_TOKEN", TOKEN),
                ("CBSTATUS_TIMEOUT_MS", "400"),
            ];
            env.extend(extra.iter().copied());
            let mut cmd = cli(&env);
            cmd.args(["lookup", "+15551230001", "--format", format]);
            let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert_no_token(&format!("cbstatus lookup ({name}, {format})"), &all);
            runs.push((name, format, output.status.code()));
        }
    }
    assert!(runs.contains(&("accepted", "json", Some(0))), "{runs:?}");
    assert!(runs.contains(&("rejected", "json", Some(1))), "{runs:?}");
    assert!(runs.contains(&("hang", "json", Some(1))), "{runs:?}");
    assert!(
        runs.contains(&("broken config", "json", Some(2))),
        "{runs:?}"
    );
    // `cbstatus cancel` and `widget`, rejected.
    for args in [
        vec!["cancel", "+15551230001"],
        vec!["widget", "--widget-id", "w-open"],
    ] {
        let mut cmd = cli(&[
            ("CBSTATUS_API_URL", &rejecting.organization_url()),
            ("CBSTATUS_API_TOKEN", TOKEN),
        ]);
        cmd.args(&args).args(["--format", "json"]);
        let (output, _) = run_bounded(cmd, None, Duration::from_secs(10));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_no_token(
            &format!("{args:?}"),
            &String::from_utf8_lossy(&output.stdout),
        );
        assert_no_token(
            &format!("{args:?}"),
            &String::from_utf8_lossy(&output.stderr),
        );
    }
}

#[test]
fn the_token_never_reaches_agi_output() {
    let rejecting = token_sim("another-token");
    let accepting = token_sim(TOKEN);
    for (name, url) in [
        ("rejected", rejecting.organization_url()),
        ("accepted", accepting.organization_url()),
    ] {
        let run = fake_asterisk(
            &["--play".as_ref()],
            &[("CBSTATUS_API_URL", &url), ("CBSTATUS_API_TOKEN", TOKEN)],
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_eq!(run.code, Some(0));
        assert_no_token(
            &format!("AGI stdout ({name})"),
            &String::from_utf8_lossy(&run.stdout),
        );
        assert_no_token(&format!("AGI stderr ({name})"), &run.stderr);
        let want = if name == "rejected" { "ERROR" } else { "FOUND" };
        assert_eq!(run.var("CBSTATUS_RESULT").as_deref(), Some(want), "{name}");
    }
}

// ---- hostile values from the API ---------------------------------------------------------

/// Strings a compromised or buggy API (or a proxy) could put in any field.
fn hostile() -> Vec<String> {
    vec![
        "\"; EXEC System \"rm -rf /".to_string(),
        "waitlisted\r\nEXEC System reboot\r\n".to_string(),
        "x\nHANGUP\n200 result=1".to_string(),
        "back\\slash\\\"quote".to_string(),
        "<audio src=\"http://evil.example/x.wav\"/></s></speak><speak>".to_string(),
        "]]><!ENTITY x SYSTEM \"file:///etc/passwd\">&x;".to_string(),
        "nul\u{0}byte".to_string(),
        "\u{1b}[31mred\u{7}".to_string(),
        "Ω≈ç√∫˜µ≤≥÷ 🎉 \u{202e}reversed".to_string(),
        "L".repeat(10_000),
        format!("{}\"", "\\".repeat(3000)),
    ]
}

/// Every hostile value falls outside the safe vocabulary (`[a-z0-9_]{1,32}`): it reaches
/// a dialplan or a C string only as this word (issue 10, class 7).
const OUTSIDE_THE_VOCABULARY: &str = "other";

/// Markers that must not appear in anything spoken or sent to Asterisk as a command.
const MARKERS: &[&str] = &[
    "EXEC",
    "HANGUP",
    "<audio",
    "evil.example",
    "ENTITY",
    "passwd",
    "rm -rf",
    "reboot",
    "LLLLLLLL",
];

fn hostile_sim() -> Simulator {
    let numbers: Vec<_> = hostile()
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            json!({
                "number": format!("+1555140{i:04}"),
                "callback": [{
                    "type": value, "status": value, "callback_number": value,
                    "call_request_id": value, "source": value, "call_target_id": value,
                    "contact_uri": value, "forecast_waitlist_position": "3",
                    "estimated_wait_time": "300", "estimated_for_in": 300
                }]
            })
        })
        .collect();
    let scenarios = Scenarios::from_json_str(&json!({ "number": numbers }).to_string()).unwrap();
    Simulator::start("127.0.0.1:0", scenarios).unwrap()
}

/// A minimal well-formedness check: balanced tags, quoted attributes, only the five XML
/// entities, no stray `<` or `&`.
fn assert_balanced_xml(ssml: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = ssml;
    while let Some(i) = rest.find(['<', '&']) {
        let (text, tail) = rest.split_at(i);
        assert!(!text.contains('>'), "stray '>' in {ssml}");
        if tail.starts_with('&') {
            let end = tail.find(';').unwrap_or_else(|| panic!("bare & in {ssml}"));
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&&tail[..=end]),
                "unknown entity {} in {ssml}",
                &tail[..=end]
            );
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag in {ssml}"));
        let tag = &tail[1..end];
        assert!(!tag.contains('<'), "'<' inside a tag: {ssml}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}> in {ssml}"
            );
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            assert!(
                !name.is_empty() && !name.starts_with(['!', '?']),
                "odd tag <{tag}>"
            );
            stack.push(name.to_string());
        }
        rest = &tail[end + 1..];
    }
    assert!(!rest.contains('>'), "stray '>' in {ssml}");
    assert!(stack.is_empty(), "unclosed {stack:?} in {ssml}");
}

#[test]
fn hostile_api_values_never_reach_speech_unescaped() {
    let sim = hostile_sim();
    let client = client(&sim.organization_url(), &[("breaker_threshold", "0")]);
    for (i, _) in hostile().iter().enumerate() {
        let number = format!("+1555140{i:04}");
        let result = client.status(&number);
        assert!(result.error().is_none(), "{number}: {:?}", result.error());
        assert!(result.found());
        for locale in ["en-US", "es-US"] {
            for format in Format::ALL {
                let (text, warning) = result.render_in(format, locale);
                assert!(warning.is_none());
                for marker in MARKERS {
                    assert!(
                        !text.contains(marker),
                        "{number} {format} {locale}: {marker} in {text}"
                    );
                }
                assert!(
                    !text.chars().any(|c| c.is_control()),
                    "{number} {format}: control char"
                );
                match format {
                    Format::Ssml => assert_balanced_xml(&text),
                    Format::Prompts => assert!(
                        text.split('&').all(cbstatus::speech::is_valid_prompt_name),
                        "{text}"
                    ),
                    Format::Text => assert!(text.contains('3'), "{text}"),
                }
            }
        }
        // JSON carries the raw values, escaped: it parses and is one line.
        let (json_text, _) = result.to_json(None);
        assert!(!json_text.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&json_text).unwrap();
        assert_eq!(v["result"], "found");
    }
}

#[test]
fn hostile_api_values_reach_asterisk_only_quoted() {
    let sim = hostile_sim();
    for (i, value) in hostile().iter().enumerate() {
        let run = fake_asterisk(
            &[],
            &[("CBSTATUS_API_URL", &sim.organization_url())],
            &agi_env_block(format!("+1555140{i:04}").as_bytes()),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert_eq!(
            run.var("CBSTATUS_RESULT").as_deref(),
            Some("FOUND"),
            "{value:?}"
        );
        // Every line Asterisk got is one well-formed, quoted SET VARIABLE command, short
        // enough that Asterisk reads it as one command.
        let raw = String::from_utf8_lossy(&run.stdout);
        assert_eq!(raw.matches('\n').count(), run.lines.len());
        assert!(!raw.contains('\r'), "a CR reached Asterisk");
        assert_eq!(
            asterisk_commands(&run.stdout),
            run.lines,
            "{value:?}: a line was split"
        );
        for line in &run.lines {
            let (name, _) = parse_set_variable(line).unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert!(line.len() < 2047, "{name}: {} bytes", line.len());
            assert!(line.starts_with("SET VARIABLE CBSTATUS_"), "{line}");
        }
        // The raw status and type never travel: they are reduced to the safe word.
        for name in ["CBSTATUS_STATUS", "CBSTATUS_TYPE"] {
            let word = run.var(name).unwrap();
            assert_eq!(
                word, OUTSIDE_THE_VOCABULARY,
                "{name}: {value:?} became {word:?}"
            );
        }
        for name in ["CBSTATUS_TEXT", "CBSTATUS_SSML", "CBSTATUS_PROMPTS"] {
            let spoken = run.var(name).unwrap();
            for marker in MARKERS {
                assert!(!spoken.contains(marker), "{name}: {marker} in {spoken}");
            }
        }
    }
}

#[test]
fn a_long_api_value_cannot_smuggle_an_agi_command() {
    // Asterisk runs the part of a line past 2047 bytes as a new command. A status padded so
    // that "exec system ..." lands exactly there must stay inside its quoted value.
    let prefix = "SET VARIABLE CBSTATUS_STATUS \"".len();
    let mut numbers = Vec::new();
    for (i, pad) in [2047 - prefix, 4000 - prefix, 2047 - prefix - 600]
        .into_iter()
        .enumerate()
    {
        // Backslashes double when escaped: shift the payload by that, too.
        let padding = if i == 2 {
            format!("{}{}", "\\".repeat(600), "a".repeat(pad - 1200))
        } else {
            "a".repeat(pad)
        };
        let status = format!("{padding}EXEC System echo-injected");
        numbers.push(json!({
            "number": format!("+155515{i:05}"),
            "callback": [{"type": status, "status": status, "forecast_waitlist_position": "2",
                          "estimated_wait_time": "60"}]
        }));
    }
    let scenarios = Scenarios::from_json_str(&json!({ "number": numbers }).to_string()).unwrap();
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    for i in 0..3 {
        let run = fake_asterisk(
            &[],
            &[("CBSTATUS_API_URL", &sim.organization_url())],
            &agi_env_block(format!("+155515{i:05}").as_bytes()),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let commands = asterisk_commands(&run.stdout);
        for command in &commands {
            assert!(
                command.starts_with("SET VARIABLE CBSTATUS_"),
                "Asterisk would run an injected command: {:?}",
                &command[..command.len().min(80)]
            );
            assert!(!command.to_ascii_lowercase().starts_with("exec"));
        }
        assert_eq!(commands.len(), run.lines.len());
        assert_eq!(run.var("CBSTATUS_RESULT").as_deref(), Some("FOUND"));
    }
}

#[test]
fn hostile_values_reach_the_c_api_only_as_nul_terminated_copies() {
    use cbstatus::ffi;
    let sim = hostile_sim();
    let owned = CClient::new(&sim.organization_url());
    let client = owned.0;
    // SAFETY: the C API used as documented.
    unsafe {
        for (i, value) in hostile().iter().enumerate() {
            let number = std::ffi::CString::new(format!("+1555140{i:04}")).unwrap();
            let mut result = std::ptr::null_mut();
            assert_eq!(
                ffi::client::cb_client_lookup(client, number.as_ptr(), &mut result),
                ffi::CB_OK
            );
            let status = CStr::from_ptr(ffi::cb_result_status(result))
                .to_str()
                .unwrap();
            // Lent only as the safe word: nothing of the hostile value reaches C.
            assert_eq!(
                status, OUTSIDE_THE_VOCABULARY,
                "{value:?} became {status:?}"
            );
            let kind = CStr::from_ptr(ffi::cb_result_type(result))
                .to_str()
                .unwrap();
            assert_eq!(kind, OUTSIDE_THE_VOCABULARY, "{value:?} became {kind:?}");
            let mut text = std::ptr::null_mut();
            assert_eq!(
                ffi::cb_result_render(result, ffi::CB_FORMAT_SSML, std::ptr::null(), &mut text),
                ffi::CB_OK
            );
            let ssml = CStr::from_ptr(text).to_str().unwrap();
            assert_balanced_xml(ssml);
            ffi::oneshot::cb_string_free(text);
            ffi::cb_result_free(result);
        }
    }
}

#[test]
fn errors_never_echo_the_reply_body() {
    // A hostile error page must not flow into logs, CBSTATUS_ERROR or the JSON error.
    let server = RawServer::answering(response(
        "500 Internal Server Error",
        &[("Content-Type", "text/html")],
        format!("<html>EXEC System {TOKEN}\r\nHANGUP</html>").as_bytes(),
    ));
    let client = client(&server.url(), &[("breaker_threshold", "0")]);
    let result = client.status("+15551230001");
    let error = result.error().unwrap();
    assert_eq!(error.kind(), ErrorKind::HttpStatus);
    let all = format!("{error} {error:?} {}", result.to_json(None).0);
    assert!(!all.contains("EXEC") && !all.contains("HANGUP"), "{all}");
    assert_no_token("error", &all);
}

#[test]
fn config_debug_and_errors_redact_the_token() {
    let mut config = Config::new();
    config.set("api_token", TOKEN).unwrap();
    assert_no_token("Config Debug", &format!("{config:?}"));
    let err = config
        .set("api_url", &format!("https://u:{TOKEN}@a.example.com/x"))
        .unwrap_err();
    assert_no_token("api_url error", &err.to_string());
    let err = config
        .set("api_token", &format!("{TOKEN}\u{1}x"))
        .unwrap_err();
    assert_no_token("api_token error", &err.to_string());
    let err = config
        .apply_toml(&format!("api_token = \"{TOKEN}\nx = ["))
        .unwrap_err();
    assert_no_token("TOML error", &err.to_string());
    let err = config
        .apply_toml(&format!("api_token = [\"{TOKEN}\"]"))
        .unwrap_err();
    assert_no_token("TOML type error", &err.to_string());
}
