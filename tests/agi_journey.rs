//! The callback journey through AGI and FastAGI against a scripted fake Asterisk and the
//! stateful simulator: `--action offer`, `--action register [--at | --slot]`, and the whole
//! menu interaction in one call (`--action offer --menu`, FastAGI `offer?menu=1`).

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::asterisk::{converse, normal, run_agi_as, Answer, Seen};

/// Every command answered as a healthy Asterisk would, with a caller who presses nothing
/// (`WAIT FOR DIGIT` times out: result 0).
fn ok(_: usize, line: &str) -> Answer {
    if line.starts_with("WAIT FOR DIGIT") {
        return Answer::Now("200 result=0\n".into());
    }
    normal(line)
}

const LIMIT: Duration = Duration::from_secs(60);

fn settings(sim: &Simulator) -> Vec<(&'static str, String)> {
    vec![
        ("CBSTATUS_API_URL", sim.organization_url()),
        ("CBSTATUS_TIMEOUT_MS", "800".to_string()),
        ("CBSTATUS_BREAKER_THRESHOLD", "0".to_string()),
        ("CBSTATUS_WIDGET_ID", "w-open".to_string()),
    ]
}

/// `cbstatus agi ARGS` for caller `callerid`, answered by `script`.
fn agi(
    sim: &Simulator,
    callerid: &str,
    args: &[&str],
    script: impl FnMut(usize, &str) -> Answer,
) -> Seen {
    let env = settings(sim);
    let refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (seen, code, _) = run_agi_as(&refs, args, callerid, LIMIT, script);
    assert_eq!(code, Some(0), "AGI always exits 0");
    seen
}

/// Asterisk with `CBSTATUS_SLOTS` set to `slots`.
fn with_slots(slots: String) -> impl FnMut(usize, &str) -> Answer {
    move |_, line| {
        if line == "GET VARIABLE CBSTATUS_SLOTS" {
            Answer::Now(format!("200 result=1 ({slots})\n"))
        } else {
            ok(0, line)
        }
    }
}

/// A caller who presses `key` during the `n`-th prompt of the menu (counting from 0).
fn presses(key: char, at_prompt: usize) -> impl FnMut(usize, &str) -> Answer {
    let mut prompts = 0;
    move |_, line| {
        if line.starts_with("STREAM FILE ") && !line.ends_with(" \"\"") {
            prompts += 1;
            if prompts - 1 == at_prompt {
                return Answer::Now(format!("200 result={} endpos=100\n", key as u32));
            }
            return Answer::Now("200 result=0 endpos=8000\n".into());
        }
        ok(0, line)
    }
}

fn posts(sim: &Simulator) -> Vec<serde_json::Value> {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/request_callback"))
        .map(|r| r.body_json().unwrap())
        .collect()
}

fn demo() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

#[test]
fn offer_sets_the_offer_and_the_slots() {
    let sim = demo();
    let seen = agi(&sim, "+15557778001", &["--action", "offer"], ok);
    assert_eq!(seen.var("CBSTATUS_OFFER"), "yes");
    assert_eq!(seen.var("CBSTATUS_SLOT_COUNT"), "3");
    let slots: Vec<i64> = seen
        .var("CBSTATUS_SLOTS")
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(slots.len(), 3);
    assert!(slots.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(seen.var("CBSTATUS_RESULT"), "AVAILABLE");
    assert!(seen
        .var("CBSTATUS_TEXT")
        .starts_with("We can call you back in about 10 minutes"));
    assert!(seen
        .var("CBSTATUS_PROMPTS")
        .contains("vm-for&cbstatus/a-callback-asap&vm-press&digits/1"));
    let closed = agi(
        &sim,
        "+15557778001",
        &["--action", "offer", "--widget-id", "w-closed"],
        ok,
    );
    assert_eq!(closed.var("CBSTATUS_OFFER"), "no");
    assert_eq!(closed.var("CBSTATUS_SLOT_COUNT"), "0");
    assert_eq!(closed.var("CBSTATUS_SLOTS"), "");
}

#[test]
fn register_a_slot_from_the_channel_and_every_refusal() {
    let sim = demo();
    let offer = agi(&sim, "+15557778002", &["--action", "offer"], ok);
    let slots = offer.var("CBSTATUS_SLOTS").to_string();
    let second: i64 = slots.split(',').nth(1).unwrap().parse().unwrap();

    let seen = agi(
        &sim,
        "+15557778002",
        &["--action", "register", "--slot", "2"],
        with_slots(slots.clone()),
    );
    assert!(seen
        .commands
        .contains(&"GET VARIABLE CBSTATUS_SLOTS".to_string()));
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    assert!(seen.var("CBSTATUS_CALLBACK_ID").starts_with("cb-"));
    assert!(seen
        .var("CBSTATUS_TEXT")
        .starts_with("Thank you. We will call you back at the number ending in 8 0 0 2 "));
    assert_eq!(posts(&sim)[0]["appointment_time"], second);

    let again = agi(&sim, "+15557778002", &["--action", "register"], ok);
    assert_eq!(again.var("CBSTATUS_REGISTER_RESULT"), "DUPLICATE");
    assert_eq!(again.var("CBSTATUS_CALLBACK_ID"), "");

    for (args, want) in [
        (
            vec!["--action", "register", "--widget-id", "w-closed"],
            "REFUSED",
        ),
        (
            vec!["--action", "register", "+15551230400"],
            "INVALID_CONTACT",
        ),
        (
            vec!["--action", "register", "--at", "1000000000"],
            "INVALID_TIME",
        ),
    ] {
        let seen = agi(&sim, "+15557778003", &args, ok);
        assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), want, "{args:?}");
        assert!(!seen.var("CBSTATUS_TEXT").contains("We will call you back"));
    }

    // A slot the channel does not have: nothing sent.
    let before = posts(&sim).len();
    let seen = agi(
        &sim,
        "+15557778004",
        &["--action", "register", "--slot", "7"],
        with_slots(slots),
    );
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "ERROR");
    assert_eq!(seen.var("CBSTATUS_ERROR"), "invalid_argument");
    assert_eq!(
        seen.var("CBSTATUS_TEXT"),
        "Sorry, we could not register your callback right now."
    );
    assert_eq!(posts(&sim).len(), before);
}

#[test]
fn menu_plays_reads_the_key_registers_and_confirms() {
    let sim = demo();
    // Key 2 (the first time slot) pressed during the 10th prompt.
    let seen = agi(
        &sim,
        "+15557778010",
        &["--action", "offer", "--menu"],
        presses('2', 9),
    );
    let streams = seen.streams();
    assert!(
        streams[0].starts_with("STREAM FILE \"cbstatus/we-can-call-you-back-in\" \"1234\""),
        "{streams:?}"
    );
    assert_eq!(seen.var("CBSTATUS_OFFER"), "yes");
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    let first: i64 = seen
        .var("CBSTATUS_SLOTS")
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let bodies = posts(&sim);
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["appointment_time"], first);
    // The confirmation is played after the choice.
    assert!(streams
        .iter()
        .any(|s| s.starts_with("STREAM FILE \"auth-thankyou\" \"\"")));
    assert!(seen
        .var("CBSTATUS_TEXT")
        .starts_with("Thank you. We will call you back at the number ending in 8 0 1 0 "));
}

#[test]
fn menu_repeats_once_then_gives_up_and_an_invalid_key_is_not_a_choice() {
    let sim = demo();
    let seen = agi(&sim, "+15557778020", &["--action", "offer", "--menu"], ok);
    let played = |s: &Seen| {
        s.streams()
            .iter()
            .filter(|c| c.contains("cbstatus/we-can-call-you-back-in"))
            .count()
    };
    assert_eq!(played(&seen), 2, "played once more when no key came");
    let waits: Vec<&String> = seen
        .commands
        .iter()
        .filter(|c| c.starts_with("WAIT FOR DIGIT "))
        .collect();
    assert_eq!(
        waits.len(),
        10,
        "5 s after each playing, in 1 s steps: {waits:?}"
    );
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "");
    assert!(posts(&sim).is_empty(), "no key, no registration");

    // '9' is not on a 4-choice menu; then '1' (ASAP) on the repeat.
    let mut waits = 0;
    let seen = agi(
        &sim,
        "+15557778021",
        &["--action", "offer", "--menu"],
        move |_, line| {
            if line.starts_with("WAIT FOR DIGIT") {
                waits += 1;
                return Answer::Now(match waits {
                    1 => "200 result=57\n".into(),
                    6 => "200 result=49\n".into(),
                    _ => "200 result=0\n".into(),
                });
            }
            normal(line)
        },
    );
    assert_eq!(played(&seen), 2);
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    assert!(posts(&sim)[0].get("appointment_time").is_none(), "ASAP");
    assert!(seen.var("CBSTATUS_TEXT").ends_with("in about 10 minutes."));
}

#[test]
fn a_lost_answer_is_error_and_unconfirmed_in_the_dialplan() {
    let sim = Simulator::start(
        "127.0.0.1:0",
        Scenarios::from_toml_str(
            "[[widget]]\nid = \"w-open\"\nwidget_state = \"offer_callback\"\nfault = \"hang\"\n",
        )
        .unwrap(),
    )
    .unwrap();
    let seen = agi(
        &sim,
        "+15557778030",
        &["--action", "register", "--play"],
        ok,
    );
    assert_eq!(seen.var("CBSTATUS_REGISTER_RESULT"), "ERROR");
    assert_eq!(seen.var("CBSTATUS_ERROR"), "no_reply");
    assert_eq!(
        seen.var("CBSTATUS_TEXT"),
        "Sorry, we could not confirm your callback."
    );
    assert_eq!(
        seen.streams(),
        vec!["STREAM FILE \"cbstatus/register-unconfirmed\" \"\""]
    );
    assert_eq!(posts(&sim).len(), 1, "sent once, never retried");
}

/// A running `cbstatus fastagi`.
struct FastAgi {
    child: Child,
    addr: String,
}

impl FastAgi {
    fn start(sim: &Simulator) -> FastAgi {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cbstatus"));
        cmd.args(["fastagi", "--listen", "127.0.0.1:0"])
            .env_clear()
            .envs(settings(sim))
            .env("CBSTATUS_TIMEZONE", "America/New_York")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn cbstatus fastagi");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("agi://")
            .and_then(|s| s.strip_suffix("/cbstatus"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        FastAgi { child, addr }
    }

    fn call(
        &self,
        script: &str,
        callerid: &str,
        answer: impl FnMut(usize, &str) -> Answer,
    ) -> Seen {
        let stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let env = format!(
            "agi_network: yes\nagi_network_script: {script}\nagi_request: agi://127.0.0.1/{script}\n\
             agi_channel: PJSIP/100-00000001\nagi_language: en\nagi_callerid: {callerid}\n\
             agi_callingpres: 0\nagi_context: default\n\n"
        );
        let reader = BufReader::new(stream.try_clone().unwrap());
        converse(reader, stream, env.as_bytes(), LIMIT, answer)
    }
}

impl Drop for FastAgi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fastagi_offer_register_and_menu() {
    let sim = demo();
    let server = FastAgi::start(&sim);
    let offer = server.call("cbstatus/offer", "+15557779001", ok);
    assert_eq!(offer.var("CBSTATUS_OFFER"), "yes");
    assert_eq!(offer.var("CBSTATUS_SLOT_COUNT"), "3");
    let slots = offer.var("CBSTATUS_SLOTS").to_string();

    let register = server.call(
        "cbstatus/register?slot=1",
        "+15557779001",
        with_slots(slots.clone()),
    );
    assert_eq!(register.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    let first: i64 = slots.split(',').next().unwrap().parse().unwrap();
    assert_eq!(posts(&sim)[0]["appointment_time"], first);

    let at = slots.split(',').nth(2).unwrap();
    let register = server.call(&format!("cbstatus/register?at={at}"), "+15557779002", ok);
    assert_eq!(register.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    let bad = server.call("cbstatus/register?at=soon", "+15557779003", ok);
    assert_eq!(bad.var("CBSTATUS_REGISTER_RESULT"), "ERROR");

    let menu = server.call("cbstatus/offer?menu=1", "+15557779004", presses('1', 0));
    assert_eq!(menu.var("CBSTATUS_REGISTER_RESULT"), "REQUESTED");
    assert!(menu
        .var("CBSTATUS_TEXT")
        .starts_with("Thank you. We will call you back at the number ending in 9 0 0 4 in about"));
    assert_eq!(posts(&sim).len(), 3);
}
