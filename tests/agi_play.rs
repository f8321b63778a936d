//! `cbstatus agi --play` under a slow or silent Asterisk (issue 10, classes 4 and 5): the
//! deadline bounds the lookup and each command's wait for Asterisk's answer, never the caller
//! listening to the prompts; the watchdog is armed before the configuration is read.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::time::{Duration, Instant};
use support::asterisk::{normal, run_agi as agi, Answer};

fn sim() -> Simulator {
    Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap()
}

fn settings(sim: &Simulator, timeout_ms: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("CBSTATUS_API_URL", sim.organization_url()),
        ("CBSTATUS_TIMEOUT_MS", timeout_ms.to_string()),
        ("CBSTATUS_BREAKER_THRESHOLD", "0".to_string()),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn play_speaks_the_whole_sentence_however_long_it_plays() {
    let sim = sim();
    let env = settings(&sim, "1000");
    let per_file = Duration::from_millis(500);
    let started = Instant::now();
    let (seen, code, _) = agi(
        &env_refs(&env),
        &["--play"],
        Duration::from_secs(30),
        |_, line| {
            if line.starts_with("STREAM FILE") {
                Answer::After(per_file, "200 result=0 endpos=8000\n".into())
            } else {
                normal(line)
            }
        },
    );
    let elapsed = started.elapsed();
    assert_eq!(code, Some(0));
    let prompts: Vec<&str> = seen.var("CBSTATUS_PROMPTS").split('&').collect();
    assert!(prompts.len() >= 6, "a real sentence: {prompts:?}");
    let streams = seen.streams();
    assert_eq!(
        streams.len(),
        prompts.len(),
        "every prompt was played (was: cut at timeout + 1.5 s)"
    );
    assert!(streams.last().unwrap().contains(prompts.last().unwrap()));
    // The sentence took longer than the old watchdog allowed, and was heard to its end.
    assert!(elapsed > Duration::from_millis(2500), "{elapsed:?}");
    eprintln!(
        "{} prompts at {per_file:?} each played in {elapsed:?} (timeout 1000 ms)",
        prompts.len()
    );
}

#[test]
fn an_asterisk_that_stops_answering_ends_the_agi_within_the_command_bound() {
    let sim = sim();
    let env = settings(&sim, "1000");
    // Silent after the third SET VARIABLE: bound = timeout + 1.5 s.
    let (seen, code, exited) = agi(&env_refs(&env), &[], Duration::from_secs(10), |n, line| {
        if n == 2 {
            Answer::Silent
        } else {
            normal(line)
        }
    });
    assert_eq!(code, Some(0));
    let waited = exited - seen.last_command_at.unwrap();
    assert_eq!(seen.commands.len(), 3);
    assert!(
        waited >= Duration::from_millis(2000) && waited < Duration::from_millis(3500),
        "ended {waited:?} after the unanswered command"
    );

    // Silent while a prompt "plays": the playback bound (timeout + 1.5 s + 10 s) ends it.
    let (seen, code, exited) = agi(
        &env_refs(&env),
        &["--play"],
        Duration::from_secs(20),
        |_, line| {
            if line.starts_with("STREAM FILE") {
                Answer::Silent
            } else {
                normal(line)
            }
        },
    );
    assert_eq!(code, Some(0));
    assert_eq!(seen.streams().len(), 1, "strictly one command at a time");
    let waited = exited - seen.last_command_at.unwrap();
    assert!(
        waited >= Duration::from_millis(12_000) && waited < Duration::from_millis(14_000),
        "ended {waited:?} after the unanswered STREAM FILE"
    );
}

#[test]
fn a_config_fifo_does_not_hang_the_agi() {
    let dir = std::env::temp_dir().join(format!("cbstatus-agi-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("cbstatus.toml");
    let _ = std::fs::remove_file(&fifo);
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) on a NUL-terminated path this test owns.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let (seen, code, exited) = agi(
        &[
            ("CBSTATUS_CONFIG", fifo.to_str().unwrap()),
            ("CBSTATUS_TIMEOUT_MS", "500"),
        ],
        &[],
        Duration::from_secs(10),
        |_, line| normal(line),
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, Some(0), "the dialplan continues");
    let took = exited - started;
    assert!(
        took < Duration::from_millis(500 + 1500 + 1000),
        "the watchdog covers reading the configuration: {took:?}"
    );
    // The configuration is refused at once (config_input), so the caller hears the fallback;
    // the watchdog armed before reading it is the last line of defence for any other read that
    // blocks.
    assert_eq!(seen.var("CBSTATUS_ERROR"), "invalid_config");
    assert_eq!(seen.var("CBSTATUS_RESULT"), "ERROR");
}
