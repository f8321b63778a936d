//! The native AGI program (`cbstatus agi`) and the FastAGI server (`cbstatus fastagi`), driven
//! by a fake Asterisk that speaks the protocol as res_agi.c does, against the simulator.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the fake Asterisk answers.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// After this many commands, answer 511 (dead channel) to everything.
    dead_after: Option<usize>,
    /// After this many commands, close the stream (the channel went away).
    close_after: Option<usize>,
    /// Answer the first command with a multi-line 520 usage error.
    usage_error_first: bool,
    /// FastAGI: send HANGUP before the reply to this command.
    hangup_before: Option<usize>,
}

#[derive(Default, Debug)]
struct Call {
    commands: Vec<String>,
    vars: BTreeMap<String, String>,
}

/// Parse one `SET VARIABLE NAME "value"` line with AGI's quoting rules; panics on lines a
/// real Asterisk would split or misread.
fn parse_set_variable(line: &str) -> (String, String) {
    assert!(!line.contains('\r'), "raw CR reached Asterisk: {line:?}");
    let rest = line
        .strip_prefix("SET VARIABLE ")
        .expect("a SET VARIABLE command");
    let (name, value) = rest.split_once(' ').expect("name and value");
    assert!(
        value.starts_with('"') && value.ends_with('"') && value.len() >= 2,
        "unquoted: {value:?}"
    );
    let inner = &value[1..value.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().expect("dangling backslash")),
            '"' => panic!("unescaped quote inside value: {value:?}"),
            c => out.push(c),
        }
    }
    assert!(line.len() < 8191, "line longer than Asterisk's buffer");
    (name.to_string(), out)
}

/// Talk to an AGI program over `reader`/`writer` after sending the env block.
fn converse(mut reader: impl BufRead, mut writer: impl Write, env: &str, b: Behaviour) -> Call {
    let mut call = Call::default();
    if writer
        .write_all(env.as_bytes())
        .and_then(|_| writer.write_all(b"\n"))
        .is_err()
    {
        return call;
    }
    let _ = writer.flush();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.strip_suffix('\n').unwrap_or(&line).to_string();
        let n = call.commands.len();
        if line.starts_with("SET VARIABLE ") {
            let (k, v) = parse_set_variable(&line);
            call.vars.insert(k, v);
        }
        call.commands.push(line.clone());
        if b.close_after == Some(n) {
            break;
        }
        let mut reply = if b.usage_error_first && n == 0 {
            "520-Invalid command syntax.  Proper usage follows:\nUsage: SET VARIABLE <variablename> <value>\n520 End of proper usage.\n".to_string()
        } else if b.dead_after.is_some_and(|d| n >= d) {
            "511 Command Not Permitted on a dead channel or intercept routine\n".to_string()
        } else if line.starts_with("STREAM FILE") {
            "200 result=0 endpos=8000\n".to_string()
        } else {
            "200 result=1\n".to_string()
        };
        if b.hangup_before == Some(n) {
            reply = format!("HANGUP\n{reply}");
        }
        if writer
            .write_all(reply.as_bytes())
            .and_then(|_| writer.flush())
            .is_err()
        {
            break;
        }
    }
    call
}

fn agi_env(callerid: &str, pres: u32, extra: &str) -> String {
    format!(
        "agi_request: cbstatus\nagi_channel: PJSIP/100-00000001\nagi_language: en\nagi_type: PJSIP\n\
         agi_uniqueid: 1700000000.1\nagi_version: 20.5.0\nagi_callerid: {callerid}\nagi_calleridname: Test\n\
         agi_callingpres: {pres}\nagi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: 100\n\
         agi_rdnis: unknown\nagi_context: default\nagi_extension: 100\nagi_priority: 1\nagi_enhanced: 0.0\n\
         agi_accountcode: \nagi_threadid: 140000000000000\n{extra}"
    )
}

fn spawn_agi(sim: &Simulator, args: &[&str], timeout_ms: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .arg("agi")
        .args(args)
        .env_clear()
        .env("CBSTATUS_API_URL", sim.organization_url())
        .env("CBSTATUS_TIMEOUT_MS", timeout_ms)
        .env("CBSTATUS_TIMEZONE", "America/New_York")
        .env("CBSTATUS_BREAKER_THRESHOLD", "0")
        .env("CBSTATUS_WIDGET_ID", "w-open")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Run one classic AGI call; returns the conversation, exit code and elapsed time.
fn agi_call(sim: &Simulator, args: &[&str], env: &str, b: Behaviour) -> (Call, i32, Duration) {
    let started = Instant::now();
    let mut child = spawn_agi(sim, args, "800");
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let call = converse(stdout, stdin, env, b);
    let status = child.wait().unwrap();
    (call, status.code().unwrap_or(-1), started.elapsed())
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

#[test]
fn classic_agi_sets_every_variable_from_the_caller_id() {
    let sim = demo();
    let (call, code, _) = agi_call(
        &sim,
        &[],
        &agi_env("+15551230001", 0, ""),
        Behaviour::default(),
    );
    assert_eq!(code, 0);
    let v = &call.vars;
    assert_eq!(v["CBSTATUS_RESULT"], "FOUND");
    assert_eq!(v["CBSTATUS_STATUS"], "waitlisted");
    assert_eq!(v["CBSTATUS_TYPE"], "asap");
    assert_eq!(v["CBSTATUS_POSITION"], "4");
    assert_eq!(v["CBSTATUS_WAIT_SECONDS"], "720");
    assert_eq!(v["CBSTATUS_COUNT"], "1");
    assert!(v["CBSTATUS_ESTIMATED_FOR"].parse::<i64>().unwrap() > 1_700_000_000);
    assert!(v["CBSTATUS_TEXT"].contains("number 4"));
    assert!(v["CBSTATUS_SSML"].starts_with("<speak"));
    assert!(!v["CBSTATUS_PROMPTS"].is_empty());
    assert_eq!(v["CBSTATUS_ERROR"], "");
    // Strictly one command then its reply: every command was a SET VARIABLE we answered.
    assert!(call
        .commands
        .iter()
        .all(|c| c.starts_with("SET VARIABLE CBSTATUS_")));
}

#[test]
fn classic_agi_number_argument_not_found_and_errors() {
    let sim = demo();
    let env = agi_env("+15551230001", 0, "agi_arg_1: 5551230099\n");
    let (call, code, _) = agi_call(&sim, &["5551230099"], &env, Behaviour::default());
    assert_eq!(
        (code, call.vars["CBSTATUS_RESULT"].as_str()),
        (0, "NOT_FOUND")
    );
    assert_eq!(call.vars["CBSTATUS_COUNT"], "0");

    let (call, code, _) = agi_call(&sim, &["5551230500"], &env, Behaviour::default());
    assert_eq!((code, call.vars["CBSTATUS_RESULT"].as_str()), (0, "ERROR"));
    assert_eq!(call.vars["CBSTATUS_ERROR"], "http_status");
    assert!(call.vars["CBSTATUS_TEXT"].contains("Sorry"));
}

#[test]
fn classic_agi_treats_unknown_and_restricted_caller_ids_as_no_number() {
    let sim = demo();
    for (callerid, pres) in [
        ("unknown", 0),
        ("", 0),
        ("+15551230001", 0x20),
        ("+15551230001", 0x43),
    ] {
        let (call, code, _) = agi_call(
            &sim,
            &[],
            &agi_env(callerid, pres, ""),
            Behaviour::default(),
        );
        assert_eq!(code, 0);
        assert_eq!(call.vars["CBSTATUS_RESULT"], "ERROR", "{callerid} {pres}");
        assert_eq!(call.vars["CBSTATUS_ERROR"], "invalid_number");
    }
    assert_eq!(sim.request_count(), 0, "no lookup without a number");
}

#[test]
fn classic_agi_survives_hangups_dead_channels_and_usage_errors() {
    let sim = demo();
    let env = agi_env("+15551230001", 0, "");
    // The stream closes after 2 commands: exit 0 quickly.
    let (call, code, elapsed) = agi_call(
        &sim,
        &[],
        &env,
        Behaviour {
            close_after: Some(2),
            ..Default::default()
        },
    );
    assert_eq!(code, 0);
    assert_eq!(call.commands.len(), 3);
    assert!(elapsed < Duration::from_secs(3));
    // 511 after 3 commands: SET VARIABLE still allowed on a dead channel; no playback attempted.
    let (call, code, _) = agi_call(
        &sim,
        &["--play"],
        &env,
        Behaviour {
            dead_after: Some(3),
            ..Default::default()
        },
    );
    assert_eq!(code, 0);
    assert!(call.commands.iter().all(|c| !c.starts_with("STREAM FILE")));
    // A multi-line 520 to the first command is read through to its end.
    let (call, code, _) = agi_call(
        &sim,
        &[],
        &env,
        Behaviour {
            usage_error_first: true,
            ..Default::default()
        },
    );
    assert_eq!(code, 0);
    assert_eq!(
        call.vars["CBSTATUS_RESULT"], "FOUND",
        "later commands still parsed in step"
    );
}

#[test]
fn classic_agi_plays_prompts_with_play() {
    let sim = demo();
    let (call, code, _) = agi_call(
        &sim,
        &["--play"],
        &agi_env("+15551230001", 0, ""),
        Behaviour::default(),
    );
    assert_eq!(code, 0);
    let streams: Vec<&String> = call
        .commands
        .iter()
        .filter(|c| c.starts_with("STREAM FILE "))
        .collect();
    let prompts: Vec<&str> = call.vars["CBSTATUS_PROMPTS"].split('&').collect();
    assert_eq!(streams.len(), prompts.len());
    assert_eq!(streams[0], &format!("STREAM FILE \"{}\" \"\"", prompts[0]));
}

#[test]
fn classic_agi_sighup_and_deadline_still_exit_zero() {
    let sim = demo();
    // The API hangs; Asterisk sends SIGHUP mid-lookup: we still exit 0 within the deadline.
    let mut child = spawn_agi(&sim, &["5551230408"], "600");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(agi_env("+15551230001", 0, "").as_bytes())
        .unwrap();
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    // SAFETY: kill() on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let call = converse(stdout, stdin, "", Behaviour::default());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGHUP must not kill the AGI");
    assert!(started.elapsed() < Duration::from_millis(600 + 2500));
    assert_eq!(
        call.vars.get("CBSTATUS_ERROR").map(String::as_str),
        Some("no_reply")
    );

    // Nobody ever answers our commands: the watchdog ends us with 0 past the deadline.
    let started = Instant::now();
    let mut child = spawn_agi(&sim, &["5551230001"], "500");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(agi_env("+15551230001", 0, "").as_bytes())
        .unwrap();
    stdin.write_all(b"\n").unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_millis(500 + 3000),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn classic_agi_speaks_the_channel_language_when_asked() {
    // AGI(/usr/bin/cbstatus,agi,--locale,${CHANNEL(language)})
    let sim = demo();
    let env = agi_env("+15551230001", 0, "");
    let (call, code, _) = agi_call(&sim, &["--locale", "es"], &env, Behaviour::default());
    assert_eq!(code, 0);
    assert!(
        call.vars["CBSTATUS_TEXT"].starts_with("Usted es el número 4"),
        "{}",
        call.vars["CBSTATUS_TEXT"]
    );
    // Asterisk's French channels are `fr` (or `fr_CA`): Canadian French.
    for language in ["fr", "fr_CA", "fr-CA"] {
        let (call, code, _) = agi_call(&sim, &["--locale", language], &env, Behaviour::default());
        assert_eq!(code, 0);
        assert!(
            call.vars["CBSTATUS_TEXT"].starts_with("Vous êtes le 4e dans la file d'attente"),
            "{language}: {}",
            call.vars["CBSTATUS_TEXT"]
        );
        assert!(call.vars["CBSTATUS_SSML"].contains("xml:lang=\"fr-CA\""));
    }
}

#[test]
fn classic_agi_cancel_and_widget_actions() {
    let sim = demo();
    let env = agi_env("+15551230002", 0, "");
    let (call, _, _) = agi_call(&sim, &["--action", "cancel"], &env, Behaviour::default());
    assert_eq!(call.vars["CBSTATUS_RESULT"], "CANCELED");
    let (call, _, _) = agi_call(
        &sim,
        &["--action", "cancel", "5551230007"],
        &env,
        Behaviour::default(),
    );
    assert_eq!(call.vars["CBSTATUS_RESULT"], "TOO_MANY");
    let (call, _, _) = agi_call(&sim, &["--action", "widget"], &env, Behaviour::default());
    assert_eq!(call.vars["CBSTATUS_RESULT"], "AVAILABLE");
    assert_eq!(call.vars["CBSTATUS_EWT_SECONDS"], "600");
    assert_eq!(call.vars["CBSTATUS_WIDGET_STATE"], "offer_callback");
    let (call, _, _) = agi_call(
        &sim,
        &["--action", "widget", "--widget-id", "w-closed"],
        &env,
        Behaviour::default(),
    );
    assert_eq!(call.vars["CBSTATUS_RESULT"], "UNAVAILABLE");
}

#[test]
fn classic_agi_hostile_api_values_stay_one_quoted_line() {
    let hostile = "x\"; HANGUP\r\nEXEC System rm\\ -rf\n".repeat(400);
    let toml = format!(
        "[[number]]\nnumber = \"+15551230001\"\n[[number.callback]]\ntype = {t}\nstatus = {t}\nforecast_waitlist_position = \"2\"\n",
        t = toml_string(&hostile)
    );
    let sim = Simulator::start("127.0.0.1:0", Scenarios::from_toml_str(&toml).unwrap()).unwrap();
    let (call, code, _) = agi_call(
        &sim,
        &[],
        &agi_env("+15551230001", 0, ""),
        Behaviour::default(),
    );
    assert_eq!(code, 0);
    // Every line parsed as one quoted SET VARIABLE (converse asserts it) and nothing else ran.
    assert!(call
        .commands
        .iter()
        .all(|c| c.starts_with("SET VARIABLE CBSTATUS_")));
    let status = &call.vars["CBSTATUS_STATUS"];
    assert!(!status.contains('\n') && !status.contains('\r'));
    assert!(status.len() <= 4000);
    assert!(
        !call.vars["CBSTATUS_TEXT"].contains("HANGUP"),
        "raw API values are never spoken"
    );
    assert!(!call.vars["CBSTATUS_SSML"].contains("HANGUP"));
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap() // JSON string escapes are valid TOML basic strings
}

/// Start `cbstatus fastagi` on a free port; returns the child and its address.
fn start_fastagi(sim: &Simulator, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["fastagi", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env_clear()
        .env("CBSTATUS_API_URL", sim.organization_url())
        .env("CBSTATUS_TIMEOUT_MS", "800")
        .env("CBSTATUS_BREAKER_THRESHOLD", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = support::fastagi::listening_address(&mut child);
    (child, addr)
}

fn fastagi_call(addr: &str, script: &str, args: &[&str], b: Behaviour) -> Call {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut extra = format!("agi_network: yes\nagi_network_script: {script}\n");
    for (i, a) in args.iter().enumerate() {
        extra.push_str(&format!("agi_arg_{}: {a}\n", i + 1));
    }
    let env = format!("{extra}{}", agi_env("+15551230001", 0, ""));
    converse(BufReader::new(stream.try_clone().unwrap()), stream, &env, b)
}

#[test]
fn fastagi_serves_concurrent_calls_with_one_client() {
    let sim = demo();
    let (mut child, addr) = start_fastagi(&sim, &[]);
    let calls: Vec<Call> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..24)
            .map(|i| {
                let addr = addr.clone();
                s.spawn(move || {
                    let number = if i % 2 == 0 {
                        "5551230001"
                    } else {
                        "5551230099"
                    };
                    fastagi_call(&addr, "cbstatus", &[number], Behaviour::default())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, call) in calls.iter().enumerate() {
        let want = if i % 2 == 0 { "FOUND" } else { "NOT_FOUND" };
        assert_eq!(call.vars["CBSTATUS_RESULT"], want);
    }
    assert!(
        sim.connection_count() < 24,
        "the shared client reuses connections ({} opened)",
        sim.connection_count()
    );
    assert!(
        sim.request_count() <= 24,
        "identical lookups share requests ({} made)",
        sim.request_count()
    );

    // The channel language picks the locale per call: agi://host/cbstatus?locale=${CHANNEL(language)}
    // (an unknown one is spoken in English).
    for (locale, said) in [
        ("es", "12 minutos"),
        ("fr", "dans environ 12 minutes"),
        ("fr_CA", "Vous êtes le 4e"),
        ("fr-CA", "Vous êtes le 4e"),
        ("xx", "12 minutes"),
    ] {
        let script = format!("cbstatus?locale={locale}");
        let call = fastagi_call(&addr, &script, &["5551230001"], Behaviour::default());
        let text = &call.vars["CBSTATUS_TEXT"];
        assert!(text.contains(said), "{locale}: {text}");
    }

    // Script paths choose the action.
    let call = fastagi_call(
        &addr,
        "cbstatus/cancel",
        &["5551230002"],
        Behaviour::default(),
    );
    assert_eq!(call.vars["CBSTATUS_RESULT"], "CANCELED");
    let call = fastagi_call(
        &addr,
        "cbstatus/widget?widget_id=w-ewt",
        &[],
        Behaviour::default(),
    );
    assert_eq!(call.vars["CBSTATUS_RESULT"], "UNAVAILABLE");
    assert_eq!(call.vars["CBSTATUS_EWT_SECONDS"], "240");

    // HANGUP mid-conversation: the server keeps going and the next call is served.
    let call = fastagi_call(
        &addr,
        "cbstatus?play=1",
        &["5551230001"],
        Behaviour {
            hangup_before: Some(2),
            dead_after: Some(3),
            ..Default::default()
        },
    );
    assert!(
        call.commands.iter().all(|c| !c.starts_with("STREAM FILE")),
        "no playback after HANGUP"
    );
    let call = fastagi_call(
        &addr,
        "cbstatus",
        &["5551230001"],
        Behaviour {
            close_after: Some(1),
            ..Default::default()
        },
    );
    assert_eq!(call.commands.len(), 2);
    let call = fastagi_call(&addr, "cbstatus", &["5551230003"], Behaviour::default());
    assert_eq!(call.vars["CBSTATUS_RESULT"], "FOUND");

    // SIGTERM: clean shutdown, exit 0.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn fastagi_bounds_concurrent_calls() {
    let sim = demo();
    let (mut child, addr) = start_fastagi(&sim, &["--max-calls", "2"]);
    // Two calls hang on the API; a third beyond the bound gets the fallback at once.
    let calls: Vec<(Call, Duration)> = std::thread::scope(|s| {
        let slow: Vec<_> = (0..2)
            .map(|_| {
                let addr = addr.clone();
                s.spawn(move || {
                    let t = Instant::now();
                    (
                        fastagi_call(&addr, "cbstatus", &["5551230408"], Behaviour::default()),
                        t.elapsed(),
                    )
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        let t = Instant::now();
        let third = fastagi_call(&addr, "cbstatus", &["5551230001"], Behaviour::default());
        let third = (third, t.elapsed());
        let mut all: Vec<_> = slow.into_iter().map(|h| h.join().unwrap()).collect();
        all.push(third);
        all
    });
    let (third, elapsed) = &calls[2];
    assert_eq!(third.vars["CBSTATUS_RESULT"], "ERROR");
    assert!(
        *elapsed < Duration::from_millis(500),
        "refused at once: {elapsed:?}"
    );
    for (call, _) in &calls[..2] {
        assert_eq!(call.vars["CBSTATUS_ERROR"], "no_reply");
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn fastagi_prefetch_answers_at_once_and_the_later_lookup_in_the_call_joins_it() {
    // +15551230200 answers after 300 ms: the prefetch runs while the greeting would play.
    let sim = demo();
    let (mut child, addr) = start_fastagi(&sim, &[]);
    let started = Instant::now();
    let call = fastagi_call(
        &addr,
        "cbstatus/prefetch",
        &["5551230200"],
        Behaviour::default(),
    );
    let answered_in = started.elapsed();
    assert_eq!(call.vars["CBSTATUS_PREFETCH"], "STARTED", "{call:?}");
    assert_eq!(call.vars["CBSTATUS_ERROR"], "");
    assert!(answered_in < Duration::from_millis(250), "{answered_in:?}");
    std::thread::sleep(Duration::from_millis(600));
    let started = Instant::now();
    let call = fastagi_call(&addr, "cbstatus", &["5551230200"], Behaviour::default());
    let perceived = started.elapsed();
    assert_eq!(call.vars["CBSTATUS_RESULT"], "FOUND", "{call:?}");
    assert!(
        perceived < Duration::from_millis(250),
        "{perceived:?}: not prefetched"
    );
    assert_eq!(sim.request_count(), 1, "one upstream request for both");

    // The caller's own number when no argument; an unusable one is an error at once.
    let call = fastagi_call(
        &addr,
        "cbstatus/prefetch?number=anonymous",
        &[],
        Behaviour::default(),
    );
    assert_eq!(call.vars["CBSTATUS_PREFETCH"], "ERROR");
    assert_eq!(call.vars["CBSTATUS_ERROR"], "invalid_number");
    let _ = child.kill();
    let _ = child.wait();
}
