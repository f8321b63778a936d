//! Unknown actions (issue 19, class 4): a FastAGI path or `?action=` that names no action
//! (`cancle`, `Cancel`, `Register`, `nonsense`) and `cbstatus agi --action NAME` alike set
//! `CBSTATUS_RESULT=ERROR` and `CBSTATUS_ERROR=invalid_argument`, log a line naming the name,
//! and send nothing to the API: a status lookup in their place answered `FOUND`, which a
//! dialplan checking `!= ERROR` after a cancel took for "canceled". The names accepted are
//! exactly those of `Action::ALL`, on both surfaces, and the documentation lists that set.

mod support;

use cbstatus::Action;
use cbstatus_sim::{Scenarios, Simulator};
use std::ffi::OsStr;
use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;
use support::asterisk::{converse, normal, Seen};
use support::fastagi::FastAgi;
use support::{agi_env_block, fake_asterisk};

/// Names of no action, as a dialplan could mistype them.
const UNKNOWN: [&str; 6] = [
    "cancle", "Cancel", "Register", "nonsense", "STATUS", "canceled",
];

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

/// One FastAGI call for `AGI(agi://host/SCRIPT,5551230001)`.
fn fastagi_call(addr: &str, script: &str) -> Seen {
    let env = format!(
        "agi_network: yes\nagi_network_script: {script}\nagi_request: agi://{addr}/{script}\n\
         agi_channel: PJSIP/100-00000001\nagi_language: en\nagi_callerid: +15551230001\n\
         agi_uniqueid: 1700000000.1\nagi_arg_1: 5551230001\n\n"
    );
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    converse(
        reader,
        stream,
        env.as_bytes(),
        Duration::from_secs(20),
        |_, line| normal(line),
    )
}

#[test]
fn fastagi_unknown_actions_are_errors_that_ask_the_api_nothing() {
    let sim = demo();
    let server = FastAgi::start(&sim, "1500", &[], None);
    let mut scripts: Vec<String> = UNKNOWN
        .iter()
        .map(|name| format!("cbstatus/{name}"))
        .collect();
    scripts.extend(UNKNOWN.iter().map(|name| format!("cbstatus?action={name}")));
    scripts.push("cbstatus/cancel?action=Cancel".to_string());
    for script in &scripts {
        let seen = fastagi_call(&server.addr, script);
        assert_eq!(
            (seen.var("CBSTATUS_RESULT"), seen.var("CBSTATUS_ERROR")),
            ("ERROR", "invalid_argument"),
            "{script} (was: FOUND, from a status lookup)"
        );
        assert!(seen.streams().is_empty());
    }
    assert_eq!(
        sim.request_count(),
        0,
        "no request reached the API: {:?}",
        sim.requests()
    );
    let log = server.stderr();
    for name in UNKNOWN {
        assert!(
            log.contains(&format!("unknown action {name:?}")),
            "{name:?} not named in the log:\n{log}"
        );
    }

    // The same server still does every documented action by its exact name.
    for action in [Action::Status, Action::Cancel] {
        let seen = fastagi_call(&server.addr, &format!("cbstatus/{}", action.as_str()));
        assert_ne!(seen.var("CBSTATUS_RESULT"), "ERROR", "{action:?}");
        assert_eq!(seen.var("CBSTATUS_ERROR"), "", "{action:?}");
    }
    assert_eq!(sim.request_count(), 2);
}

#[test]
fn native_agi_refuses_the_same_names_and_sets_the_variables() {
    let sim = demo();
    let url = sim.organization_url();
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_TIMEOUT_MS", "1500"),
        ("CBSTATUS_WIDGET_ID", "w-open"),
    ];
    for name in UNKNOWN {
        let args = [OsStr::new("--action"), OsStr::new(name)];
        let run = fake_asterisk(
            &args,
            &env,
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(20),
        );
        assert_eq!(run.code, Some(0), "AGI always exits 0: {}", run.stderr);
        assert_eq!(
            (run.var("CBSTATUS_RESULT"), run.var("CBSTATUS_ERROR")),
            (Some("ERROR".into()), Some("invalid_argument".into())),
            "--action {name:?} (was: exit 2 and no variables)"
        );
        assert!(
            run.stderr.contains(&format!("unknown action {name:?}")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(sim.request_count(), 0, "{:?}", sim.requests());
    for action in Action::ALL {
        let args = [OsStr::new("--action"), OsStr::new(action.as_str())];
        let run = fake_asterisk(
            &args,
            &env,
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(20),
        );
        assert_eq!(run.code, Some(0));
        assert_ne!(
            run.var("CBSTATUS_ERROR"),
            Some("invalid_argument".into()),
            "{action:?}: {}",
            run.stderr
        );
    }
    assert_eq!(sim.request_count(), Action::ALL.len());
}

/// The set as each document lists it: every name of `Action::ALL` and no other beside
/// `--action` and in FastAGI paths.
#[test]
fn the_documentation_lists_exactly_the_actions() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).unwrap();
    let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();

    // README: the CLI table's `--action a|b|c`.
    let readme = read("README.md");
    let listed = readme
        .split("[--action ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("README lists --action's values")
        .replace("\\|", "|");
    assert_eq!(listed.split('|').collect::<Vec<_>>(), names, "README");

    // Man page: one `name: what it does` line per action under --action, and no other.
    let man = read("doc/man/cbstatus-agi.1");
    for name in &names {
        assert!(
            man.contains(&format!("\n{name}: ")),
            "man page lacks {name}"
        );
    }
    // FastAGI paths in the README and the Asterisk README name only actions (or prefetch).
    for path in ["README.md", "bindings/asterisk/README.md"] {
        let text = read(path);
        for (i, _) in text.match_indices("/cbstatus/") {
            if !(text[..i].ends_with("4573") || text[..i].ends_with("...")) {
                continue; // a file path, not agi://host:port/cbstatus/NAME
            }
            let name: String = text[i + "/cbstatus/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                name == "prefetch" || names.contains(&name.as_str()),
                "{path} documents a FastAGI path /cbstatus/{name}"
            );
        }
    }
}
