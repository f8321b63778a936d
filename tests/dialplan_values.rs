//! Nothing from the API can steer a dialplan (issue 10, class 7): a hostile `status`, `type`
//! or `widget_state` reaches `CBSTATUS_STATUS`, `CBSTATUS_TYPE`, `CBSTATUS_WIDGET_STATE`, the
//! C accessors and the JSON only as a word of `[a-z0-9_]{1,32}` (else `other`), so the
//! project's own `bindings/asterisk/extensions.conf` branches as written. (Python and the
//! FreeSWITCH handler: bindings/python/tests/test_dialplan_values.py.)

mod support;

use cbstatus::ffi;
use cbstatus_sim::{Scenarios, Simulator};
use serde_json::json;
use std::ffi::{CStr, CString};
use std::path::Path;
use std::time::Duration;
use support::{agi_env_block, fake_asterisk, CClient};

/// Values that try to break out of `$["${CBSTATUS_STATUS}" = "connecting"]` or an argument
/// list, or to expand something.
const HOSTILE: &[&str] = &[
    "FOUND\"|&,${EXEC}/x",
    "x\" = \"x\" | \"connecting",
    "connecting\" & \"1",
    "${SHELL(reboot)}",
    "$[1+1]",
    "a,b|c&d",
    "../../etc/passwd",
    "Connecting\u{0}",
    "con necting\r\nEXEC System x",
];

fn safe_word(word: &str) -> bool {
    (1..=32).contains(&word.len())
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn hostile_sim() -> Simulator {
    let numbers: Vec<_> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, value)| {
            json!({
                "number": format!("+1555160{i:04}"),
                "callback": [{"type": value, "status": value,
                              "forecast_waitlist_position": "2", "estimated_wait_time": "60"}]
            })
        })
        .collect();
    let widgets: Vec<_> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, value)| {
            json!({"id": format!("w-hostile-{i}"), "widget_state": value,
                   "offer_asap": false, "offer_scheduled": false, "ewt": 300})
        })
        .collect();
    let scenarios =
        Scenarios::from_json_str(&json!({ "number": numbers, "widget": widgets }).to_string())
            .unwrap();
    Simulator::start("127.0.0.1:0", scenarios).unwrap()
}

/// An Asterisk expression as its lexer splits it: quoted strings and bare words/operators.
#[derive(Debug, PartialEq)]
enum Token {
    Quoted(String),
    Bare(String),
}

fn lex(expr: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            tokens.push(Token::Quoted(text));
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            tokens.push(Token::Bare(text));
        }
    }
    tokens
}

/// The condition of the `GotoIf` in `[cbstatus-say]` that branches on `CBSTATUS_STATUS`,
/// with the variable substituted as Asterisk does (textually, before evaluation). Panics if
/// the substituted expression no longer has the shape `"<value>" = "connecting"`: the API
/// value would have rewritten the condition.
fn connecting_branch_taken(status: &str) -> bool {
    let conf = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bindings/asterisk/extensions.conf"),
    )
    .unwrap();
    let line = conf
        .lines()
        .find(|l| l.contains("GotoIf($[\"${CBSTATUS_STATUS}\""))
        .expect("the CBSTATUS_STATUS branch in extensions.conf");
    let start = line.find("$[").unwrap() + 2;
    let end = line[start..].find("]?").unwrap() + start;
    let expr = line[start..end].replace("${CBSTATUS_STATUS}", status);
    match lex(&expr).as_slice() {
        [Token::Quoted(left), Token::Bare(op), Token::Quoted(right)] if op == "=" => left == right,
        other => panic!("the API value rewrote the dialplan condition: $[{expr}] is {other:?}"),
    }
}

#[test]
fn agi_sets_only_safe_words_and_the_dialplan_branches_as_written() {
    let sim = hostile_sim();
    let url = sim.organization_url();
    let env = [("CBSTATUS_API_URL", url.as_str())];
    for (i, value) in HOSTILE.iter().enumerate() {
        let run = fake_asterisk(
            &[],
            &env,
            &agi_env_block(format!("+1555160{i:04}").as_bytes()),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_eq!(
            run.var("CBSTATUS_RESULT").as_deref(),
            Some("FOUND"),
            "{value:?}"
        );
        let status = run.var("CBSTATUS_STATUS").unwrap();
        let kind = run.var("CBSTATUS_TYPE").unwrap();
        assert!(
            !connecting_branch_taken(&status),
            "{value:?} took the connecting branch"
        );
        // The exact words: nothing of the value survives (was: the value lower-cased).
        assert_eq!(
            (status.as_str(), kind.as_str()),
            ("other", "other"),
            "{value:?}"
        );

        let widget = format!("w-hostile-{i}");
        let args = ["--action", "widget", "--widget-id", &widget].map(std::ffi::OsStr::new);
        let run = fake_asterisk(
            &args,
            &env,
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(10),
        );
        assert_eq!(
            run.var("CBSTATUS_WIDGET_STATE").as_deref(),
            Some("other"),
            "{value:?}"
        );
        assert_eq!(run.var("CBSTATUS_RESULT").as_deref(), Some("UNAVAILABLE"));
    }
    // The branch still works for the word it tests.
    assert!(connecting_branch_taken("connecting"));
}

#[test]
fn unknown_but_plain_values_pass_as_words() {
    let toml = "[[number]]\nnumber = \"+15551239001\"\n[[number.callback]]\n\
                type = \"Call-Later\"\nstatus = \"PARKED\"\nforecast_waitlist_position = \"2\"\n";
    let sim = Simulator::start("127.0.0.1:0", Scenarios::from_toml_str(toml).unwrap()).unwrap();
    let run = fake_asterisk(
        &[],
        &[("CBSTATUS_API_URL", &sim.organization_url())],
        &agi_env_block(b"+15551239001"),
        "200 result=1\n",
        Duration::from_secs(10),
    );
    assert_eq!(run.var("CBSTATUS_STATUS").as_deref(), Some("parked"));
    assert_eq!(run.var("CBSTATUS_TYPE").as_deref(), Some("call_later"));
}

#[test]
fn the_c_api_lends_only_safe_words() {
    let sim = hostile_sim();
    let owned = CClient::new(&sim.organization_url());
    let client = owned.0;
    // SAFETY: the C API used as documented; every handle is freed.
    unsafe {
        for (i, value) in HOSTILE.iter().enumerate() {
            let number = CString::new(format!("+1555160{i:04}")).unwrap();
            let mut result = std::ptr::null_mut();
            assert_eq!(
                ffi::client::cb_client_lookup(client, number.as_ptr(), &mut result),
                ffi::CB_OK
            );
            for word in [ffi::cb_result_status(result), ffi::cb_result_type(result)] {
                let word = CStr::from_ptr(word).to_str().unwrap();
                assert_eq!(word, "other", "{value:?}");
            }
            let mut json = std::ptr::null_mut();
            ffi::cb_result_render(result, ffi::CB_FORMAT_JSON, std::ptr::null(), &mut json);
            let parsed: serde_json::Value =
                serde_json::from_str(CStr::from_ptr(json).to_str().unwrap()).unwrap();
            assert_eq!(parsed["callback"]["status"], "other");
            assert_eq!(parsed["callback"]["type"], "other");
            ffi::oneshot::cb_string_free(json);
            ffi::cb_result_free(result);

            let widget = CString::new(format!("w-hostile-{i}")).unwrap();
            let mut result = std::ptr::null_mut();
            assert_eq!(
                ffi::client::cb_client_widget_status(client, widget.as_ptr(), &mut result),
                ffi::CB_OK
            );
            let state = CStr::from_ptr(ffi::cb_result_widget_state(result))
                .to_str()
                .unwrap();
            assert!(safe_word(state) && state == "other", "{value:?}: {state:?}");
            ffi::cb_result_free(result);
        }
    }
}
