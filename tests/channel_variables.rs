//! One channel-variable contract on every surface (issue 18 §1): the same ordinary and hostile
//! results, through `cbstatus agi`, FastAGI, a C program that links the real library and
//! loops over `cb_result_variables()`, and the Python package (real ctypes), give exactly the
//! library's list ([`ChannelVariables`]): the same names, values and order, `CBSTATUS_RESULT`
//! last. (The real Asterisk and FreeSWITCH modules are checked against the same list by the
//! real-PBX suite, scripts/pbx.)
//!
//! Every answer is fixed in absolute time (times in 2100, no "now + n"), so two surfaces asking
//! a second apart get the same words.

mod common;
mod support;

use cbstatus::{ChannelVariables, Client, Config, LookupResult};
use cbstatus_sim::{Scenarios, Simulator};
use serde_json::json;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use support::asterisk::{converse, normal, run_agi_as};
use support::fastagi::FastAgi;

/// Values that try to steer a dialplan, an AGI command, SSML or a log line.
fn hostile() -> Vec<String> {
    vec![
        "FOUND\"|&,${EXEC(System(reboot))}".into(),
        "a;b,c&d|e".into(),
        "${SHELL(id)}$[1+1]".into(),
        "line\nEXEC System x\r\n".into(),
        "</speak><audio src=\"http://evil/x.wav\"/><speak>".into(),
        "\u{7}\u{1b}[2J\u{0}nul".into(),
        "\u{fffd}\u{80}\u{202e}é\u{feff}".into(),
        "x".repeat(20_000),
    ]
}

/// 2100-01-01T00:00:00Z and two hours later: fixed times in the future.
const AT: i64 = 4_102_444_800;

fn scenarios() -> Scenarios {
    let mut numbers = vec![
        json!({"number": "+15551700001", "callback": [{"type": "ASAP", "status": "waitlisted",
               "forecast_waitlist_position": "4", "estimated_wait_time": "720",
               "estimated_for": AT.to_string()}]}),
        json!({"number": "+15551700002", "callback": [
            {"type": "scheduled", "status": "scheduled", "estimated_for": AT.to_string()},
            {"type": "scheduled", "status": "scheduled", "estimated_for": (AT + 7200).to_string()}]}),
        json!({"number": "+15551700500", "fault": {"kind": "status", "code": 503}}),
        // Numbers that are not numbers.
        json!({"number": "+15551700003", "callback": [{"type": "ASAP", "status": "waitlisted",
               "forecast_waitlist_position": "4;EXEC", "estimated_wait_time": "${x}",
               "estimated_for": "<break/>"}]}),
    ];
    let mut widgets = vec![json!({"id": "w-open", "widget_state": "offer_callback",
        "offer_asap": true, "offer_scheduled": true, "ewt": 600,
        "scheduled_timeslots": [AT, AT + 3600]})];
    for (i, value) in hostile().iter().enumerate() {
        numbers.push(json!({"number": format!("+1555171{i:04}"),
            "callback": [{"type": value, "status": value, "forecast_waitlist_position": "2",
                          "estimated_wait_time": "60"}]}));
        widgets.push(
            json!({"id": format!("w-hostile-{i}"), "widget_state": value,
            "offer_asap": true, "offer_scheduled": false, "ewt": 300}),
        );
    }
    Scenarios::from_json_str(&json!({"number": numbers, "widget": widgets}).to_string()).unwrap()
}

/// One request, as every surface is asked to make it.
struct Case {
    action: &'static str,
    /// The number (status, cancel) or widget id (widget, offer).
    target: String,
    /// The channel's language (`None`: not given).
    language: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let case = |action, target: &str, language| Case {
        action,
        target: target.to_string(),
        language,
    };
    let mut cases = vec![
        case("status", "+15551700001", None),
        case("status", "+15551700001", Some("es_MX")),
        case("status", "+15551700001", Some("en")),
        case("status", "+15551700099", None),
        case("status", "+15551700099", Some("es")),
        case("status", "+15551700500", None),
        case("status", "+15551700500", Some("es-US")),
        case("status", "+15551700003", None),
        case("status", "not-a-number", None),
        case("cancel", "+15551700002", None),
        case("widget", "w-open", None),
        case("widget", "w-nosuch", None),
        case("offer", "w-open", Some("es")),
        case("status", "+15551700001", Some("fr")),
        case("status", "+15551700001", Some("fr_CA")),
        case("offer", "w-open", Some("fr-CA")),
    ];
    for i in 0..hostile().len() {
        cases.push(Case {
            action: "status",
            target: format!("+1555171{i:04}"),
            language: None,
        });
        cases.push(Case {
            action: "widget",
            target: format!("w-hostile-{i}"),
            language: None,
        });
    }
    cases
}

/// The settings every surface runs with.
fn settings(sim: &Simulator) -> Vec<(&'static str, String)> {
    vec![
        ("CBSTATUS_API_URL", sim.organization_url()),
        ("CBSTATUS_TIMEOUT_MS", "3000".into()),
        ("CBSTATUS_TIMEZONE", "America/New_York".into()),
        ("CBSTATUS_BREAKER_THRESHOLD", "0".into()),
        ("CBSTATUS_CACHE_TTL_MS", "0".into()),
    ]
}

type List = Vec<(String, String)>;

/// What the library itself says, in process.
fn library(client: &Client, case: &Case) -> List {
    let result: LookupResult = match case.action {
        "cancel" => client.cancel_callback(&case.target),
        "widget" => client.widget(Some(&case.target)),
        "offer" => client.offer(Some(&case.target)),
        _ => client.status(&case.target),
    };
    ChannelVariables::of(&result, case.language)
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The `SET VARIABLE` commands of one conversation, in order.
fn set_variables(commands: &[String]) -> List {
    commands
        .iter()
        .filter(|c| c.starts_with("SET VARIABLE "))
        .map(|c| support::parse_set_variable(c).unwrap())
        .collect()
}

/// `cbstatus agi`: the language as `--locale` (the documented `${CHANNEL(language)}`).
fn agi(sim: &Simulator, case: &Case) -> List {
    let env = settings(sim);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut args = vec!["--action", case.action];
    match case.action {
        "widget" | "offer" => args.extend(["--widget-id", &case.target]),
        _ => args.push(&case.target),
    }
    if let Some(language) = case.language {
        args.extend(["--locale", language]);
    }
    let (seen, code, _) = run_agi_as(
        &env,
        &args,
        "+15551230001",
        Duration::from_secs(20),
        |_, l| normal(l),
    );
    assert_eq!(code, Some(0));
    set_variables(&seen.commands)
}

/// FastAGI: `agi://.../cbstatus/<action>?number=..&widget_id=..&locale=..`.
fn fastagi(server: &FastAgi, case: &Case) -> List {
    let mut query = vec![];
    match case.action {
        "widget" | "offer" => query.push(format!("widget_id={}", case.target)),
        _ => query.push(format!("number={}", case.target)),
    }
    if let Some(language) = case.language {
        query.push(format!("locale={language}"));
    }
    let script = format!("cbstatus/{}?{}", case.action, query.join("&"));
    let env = format!(
        "agi_network: yes\nagi_network_script: {script}\nagi_request: agi://127.0.0.1/{script}\n\
         agi_channel: PJSIP/100-00000001\nagi_language: en\nagi_callerid: +15551230001\n\
         agi_callingpres: 0\nagi_context: default\n\n"
    );
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    let seen = converse(
        reader,
        stream,
        env.as_bytes(),
        Duration::from_secs(30),
        |_, l| normal(l),
    );
    set_variables(&seen.commands)
}

/// The C program (tests/c/channel_variables.c), built once.
fn c_program() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let exe = common::scratch("channel-variables").join("channel_variables");
        common::compile_c(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/channel_variables.c"),
            &exe,
            false,
            &[],
        );
        exe
    })
}

/// `NAME<TAB>VALUE` lines, in order.
fn lines(stdout: &[u8]) -> List {
    String::from_utf8(stdout.to_vec())
        .expect("UTF-8 values")
        .lines()
        .map(|l| {
            let (name, value) = l.split_once('\t').expect("NAME<TAB>VALUE");
            (name.to_string(), value.to_string())
        })
        .collect()
}

fn c(sim: &Simulator, case: &Case) -> List {
    let mut cmd = Command::new(c_program());
    cmd.env_clear()
        .envs(settings(sim))
        .arg(case.action)
        .arg(&case.target)
        .args(case.language);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout)
}

/// The Python package over the real library: `cbstatus.channel_variables()`.
fn python(sim: &Simulator, case: &Case) -> List {
    let script = r#"
import sys, cbstatus
action, target = sys.argv[1], sys.argv[2]
language = sys.argv[3] if len(sys.argv) > 3 else None
with cbstatus.Client() as client:
    result = {"cancel": client.cancel, "widget": client.widget_status,
              "offer": client.offer}.get(action, client.lookup)(target)
    for name, value in cbstatus.channel_variables(result, language).items():
        sys.stdout.write(f"{name}\t{value}\n")
"#;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(settings(sim))
        .env("PYTHONPATH", root.join("bindings/python"))
        .env("PYTHONIOENCODING", "utf-8")
        .env("CBSTATUS_LIBRARY", common::lib_dir().join("libcbstatus.so"))
        .args(["-c", script, case.action, &case.target])
        .args(case.language)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout)
}

#[test]
fn every_surface_sets_the_librarys_list_in_its_order() {
    let sim = Simulator::start("127.0.0.1:0", scenarios()).unwrap();
    let mut config = Config::new();
    for (key, value) in settings(&sim) {
        let key = key.trim_start_matches("CBSTATUS_").to_ascii_lowercase();
        config.set(&key, &value).unwrap();
    }
    let client = Client::new(&config).unwrap();
    let server = FastAgi::start(&sim, "3000", &[], None);
    for case in cases() {
        let want = library(&client, &case);
        let label = format!(
            "{} {:?} {:?}",
            case.action,
            case.target.chars().take(20).collect::<String>(),
            case.language
        );
        assert_eq!(
            want.last().map(|(n, _)| n.as_str()),
            Some("CBSTATUS_RESULT"),
            "{label}"
        );
        for (name, value) in &want {
            assert!(
                !value.chars().any(char::is_control),
                "{label}: {name} is not one line: {value:?}"
            );
        }
        assert_eq!(agi(&sim, &case), want, "{label}: cbstatus agi");
        assert_eq!(fastagi(&server, &case), want, "{label}: FastAGI");
        assert_eq!(c(&sim, &case), want, "{label}: C (cb_result_variables)");
        assert_eq!(python(&sim, &case), want, "{label}: Python");
    }
}

#[test]
fn hostile_values_reach_the_list_only_as_safe_words() {
    let sim = Simulator::start("127.0.0.1:0", scenarios()).unwrap();
    let client = support::client(&sim.organization_url(), &[]);
    let safe = |w: &str| {
        (1..=32).contains(&w.len())
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    for (i, value) in hostile().iter().enumerate() {
        let vars = ChannelVariables::of(&client.status(&format!("+1555171{i:04}")), None);
        for variable in [cbstatus::Variable::Status, cbstatus::Variable::Type] {
            let word = vars.get(variable).unwrap();
            assert!(safe(word), "{value:?} gave {word:?}");
        }
        for (name, v) in vars.iter() {
            assert!(
                !v.contains("${") && !v.contains("<audio") && !v.contains('\n'),
                "{name}={v:?}"
            );
        }
        let vars = ChannelVariables::of(&client.widget(Some(&format!("w-hostile-{i}"))), None);
        assert!(safe(vars.get(cbstatus::Variable::WidgetState).unwrap()));
    }
    let garbled = ChannelVariables::of(&client.status("+15551700003"), None);
    for variable in [
        cbstatus::Variable::Position,
        cbstatus::Variable::WaitSeconds,
        cbstatus::Variable::EstimatedFor,
    ] {
        assert_eq!(garbled.get(variable), Some(""), "{variable:?}");
    }
}
