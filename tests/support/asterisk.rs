//! A scripted fake Asterisk for the AGI hostile tests: sends an AGI environment, then answers
//! each command as the test's script says (at once, after a delay, or never again), over a
//! classic AGI child's pipes or a FastAGI socket.

use super::parse_set_variable;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How to answer one command.
pub enum Answer {
    /// Send this reply (with its newline) at once.
    Now(String),
    /// Send this reply after a delay (a STREAM FILE playing).
    After(Duration, String),
    /// Never answer again; keep listening until the peer goes away.
    Silent,
}

/// What Asterisk answers when nothing goes wrong.
pub fn normal(line: &str) -> Answer {
    Answer::Now(if line.starts_with("STREAM FILE") {
        "200 result=0 endpos=8000\n".into()
    } else {
        "200 result=1\n".into()
    })
}

/// What the fake Asterisk saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every command line, without its newline.
    pub commands: Vec<String>,
    /// `SET VARIABLE` values, decoded.
    pub vars: BTreeMap<String, String>,
    /// When the last command arrived.
    pub last_command_at: Option<Instant>,
    /// When the peer closed the stream (program exit, server closing the socket).
    pub closed_at: Option<Instant>,
}

impl Seen {
    /// The `STREAM FILE` commands.
    pub fn streams(&self) -> Vec<&str> {
        self.commands
            .iter()
            .filter(|c| c.starts_with("STREAM FILE "))
            .map(String::as_str)
            .collect()
    }

    pub fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("<unset>", String::as_str)
    }
}

/// Send `env` (already ending with its empty line), then answer commands with `script(n,
/// line)` until the stream closes. Bounded by `limit` overall.
pub fn converse(
    mut reader: impl BufRead,
    mut writer: impl Write,
    env: &[u8],
    limit: Duration,
    mut script: impl FnMut(usize, &str) -> Answer,
) -> Seen {
    let started = Instant::now();
    let mut seen = Seen::default();
    let _ = writer.write_all(env).and_then(|_| writer.flush());
    let mut silent = false;
    while started.elapsed() < limit {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => {
                seen.closed_at = Some(Instant::now());
                break;
            }
            Ok(_) => {}
        }
        let line = line.strip_suffix('\n').unwrap_or(&line).to_string();
        if let Ok((name, value)) = parse_set_variable(&line) {
            seen.vars.insert(name, value);
        }
        seen.last_command_at = Some(Instant::now());
        let n = seen.commands.len();
        seen.commands.push(line.clone());
        if silent {
            continue;
        }
        let reply = match script(n, &line) {
            Answer::Now(reply) => reply,
            Answer::After(delay, reply) => {
                std::thread::sleep(delay);
                reply
            }
            Answer::Silent => {
                silent = true;
                continue;
            }
        };
        if writer
            .write_all(reply.as_bytes())
            .and_then(|_| writer.flush())
            .is_err()
        {
            seen.closed_at = Some(Instant::now());
            break;
        }
    }
    seen
}

/// Run `cbstatus agi ARGS` (caller +15551230001) against a fake Asterisk following `script`;
/// killed after `limit` (a hang fails the test). Returns what Asterisk saw, the exit code and
/// when it exited.
pub fn run_agi(
    env: &[(&str, &str)],
    args: &[&str],
    limit: Duration,
    script: impl FnMut(usize, &str) -> Answer,
) -> (Seen, Option<i32>, Instant) {
    run_agi_as(env, args, "+15551230001", limit, script)
}

/// `run_agi` for caller `callerid`.
pub fn run_agi_as(
    env: &[(&str, &str)],
    args: &[&str],
    callerid: &str,
    limit: Duration,
    script: impl FnMut(usize, &str) -> Answer,
) -> (Seen, Option<i32>, Instant) {
    let mut cmd = super::cli(env);
    cmd.arg("agi")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child: Child = cmd.spawn().expect("spawn cbstatus agi");
    let id = child.id();
    let (done, killed) = mpsc::channel::<()>();
    let killer = std::thread::spawn(move || {
        if killed.recv_timeout(limit).is_err() {
            // SAFETY: kill(2) on the child this test spawned.
            unsafe { libc::kill(id as libc::pid_t, libc::SIGKILL) };
        }
    });
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let seen = converse(
        stdout,
        stdin,
        &super::agi_env_block(callerid.as_bytes()),
        limit,
        script,
    );
    let status = child.wait().unwrap();
    let exited = Instant::now();
    let _ = done.send(());
    let _ = killer.join();
    (seen, status.code(), exited)
}
