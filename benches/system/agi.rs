//! Section 5: per-call AGI cost. A small fake Asterisk (the same code for every variant)
//! starts the native `cbstatus agi` and the Python AGI example as a process per call, or
//! connects to `cbstatus fastagi`, sends the `agi_*` block, answers every command with
//! `200 result=1` until the script closes, and checks that `CBSTATUS_RESULT` was `FOUND`.

use crate::report::Report;
use crate::stats::{ratio, Sample, Series};
use crate::util::{self, NUMBER};
use crate::Plan;
use cbstatus_sim::Simulator;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `agi_*` block Asterisk sends first (res_agi.c's keys, in its order).
fn env_block(network: Option<&str>) -> String {
    let mut env = String::new();
    if let Some(request) = network {
        env.push_str("agi_network: yes\nagi_network_script: cbstatus\n");
        env.push_str(&format!("agi_request: {request}\n"));
    } else {
        env.push_str("agi_request: cbstatus\n");
    }
    for (k, v) in [
        ("agi_channel", "PJSIP/trunk-00000001"),
        ("agi_language", "en"),
        ("agi_type", "PJSIP"),
        ("agi_uniqueid", "1767225600.1"),
        ("agi_version", "20.5.0"),
        ("agi_callerid", NUMBER),
        ("agi_calleridname", "Bench Caller"),
        ("agi_callingpres", "0"),
        ("agi_callingani2", "0"),
        ("agi_callington", "0"),
        ("agi_callingtns", "0"),
        ("agi_dnid", "5550100"),
        ("agi_rdnis", "unknown"),
        ("agi_context", "callback-status"),
        ("agi_extension", "s"),
        ("agi_priority", "2"),
        ("agi_enhanced", "0.0"),
        ("agi_accountcode", ""),
        ("agi_threadid", "139872498325248"),
    ] {
        env.push_str(&format!("{k}: {v}\n"));
    }
    env.push('\n');
    env
}

/// Answer commands until the script closes; return the variables it set.
fn converse(reader: impl Read, mut writer: impl Write) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some(rest) = line.trim_end_matches('\n').strip_prefix("SET VARIABLE ") {
            if let Some((name, value)) = rest.split_once(' ') {
                vars.insert(name.to_string(), value.trim_matches('"').to_string());
            }
        }
        if writer.write_all(b"200 result=1\n").is_err() || writer.flush().is_err() {
            break;
        }
    }
    vars
}

fn check(vars: &HashMap<String, String>, what: &str) {
    assert_eq!(
        vars.get("CBSTATUS_RESULT").map(String::as_str),
        Some("FOUND"),
        "{what}: the call did not set CBSTATUS_RESULT=FOUND: {vars:?}"
    );
}

/// One process-per-call AGI: spawn, talk, wait for the exit.
fn process_call(make: &dyn Fn() -> Command, what: &str) -> Duration {
    let start = Instant::now();
    let mut child: Child = make()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the AGI program");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let _ = stdin.write_all(env_block(None).as_bytes());
    let vars = converse(stdout, &mut stdin);
    drop(stdin);
    let status = child.wait().expect("wait");
    let elapsed = start.elapsed();
    assert!(status.success(), "{what} exited with {status}");
    check(&vars, what);
    elapsed
}

fn fastagi_call(addr: &str, request: &str) -> Duration {
    let start = Instant::now();
    let stream = TcpStream::connect(addr).expect("connect to cbstatus fastagi");
    stream.set_nodelay(true).expect("nodelay");
    let mut writer = stream.try_clone().expect("clone");
    writer
        .write_all(env_block(Some(request)).as_bytes())
        .expect("send env");
    let vars = converse(&stream, &mut writer);
    let elapsed = start.elapsed();
    check(&vars, "fastagi");
    elapsed
}

/// The same settings for every variant: the simulator, no cache (every call asks it).
fn no_cache(cmd: &mut Command, url: &str) {
    cmd.env("CBSTATUS_API_URL", url)
        .env("CBSTATUS_CACHE_TTL_MS", "0")
        .env("CBSTATUS_NOT_FOUND_TTL_MS", "0");
}

fn sequential(n: usize, mut call: impl FnMut() -> Duration) -> Sample {
    let start = Instant::now();
    let lat = (0..n).map(|_| call().as_nanos() as u64).collect();
    Sample::new(lat, start.elapsed())
}

/// A running `cbstatus fastagi`, stopped (SIGTERM, then wait) when dropped.
struct FastAgi {
    child: Child,
    addr: String,
    request: String,
}

impl FastAgi {
    fn start(bin: &Path, url: &str) -> FastAgi {
        let mut cmd = util::command(bin);
        no_cache(&mut cmd, url);
        let mut child = cmd
            .args(["fastagi", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cbstatus fastagi");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("fastagi first line");
        let request = first.trim().to_string();
        let addr = request
            .strip_prefix("agi://")
            .and_then(|r| r.split('/').next())
            .expect("agi://ADDR/cbstatus")
            .to_string();
        FastAgi {
            child,
            addr,
            request,
        }
    }
}

impl Drop for FastAgi {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by its pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

pub fn section(report: &mut Report, plan: &Plan, sim: &Simulator) {
    eprintln!("[5] per-call AGI: native, the Python example, FastAGI");
    let url = sim.organization_url();
    let bin: PathBuf = util::profile_dir().join("cbstatus");
    let lib: PathBuf = util::profile_dir().join("libcbstatus.so");
    assert!(
        bin.exists() && lib.exists(),
        "run `cargo build --release` first (scripts/bench does)"
    );
    let native = || {
        let mut cmd = util::command(&bin);
        cmd.arg("agi");
        no_cache(&mut cmd, &url);
        cmd
    };
    let python = util::python();
    let script = util::root().join("bindings/asterisk/cbstatus-agi.py");
    let python_agi = || {
        let mut cmd = util::command(python.as_ref().expect("python3"));
        cmd.arg(&script)
            .env("CBSTATUS_LIBRARY", &lib)
            .env("PYTHONPATH", util::root().join("bindings/python"));
        no_cache(&mut cmd, &url);
        cmd
    };
    let fastagi = FastAgi::start(&bin, &url);

    // Warm: page cache, .pyc files, the FastAGI server's connections.
    process_call(&native, "cbstatus agi");
    if python.is_some() {
        process_call(&python_agi, "cbstatus-agi.py");
    }
    for _ in 0..5 {
        fastagi_call(&fastagi.addr, &fastagi.request);
    }
    let (mut nat, mut py, mut fast) = (Series::default(), Series::default(), Series::default());
    for _ in 0..plan.reps {
        nat.push(&sequential(plan.agi_calls, || {
            process_call(&native, "cbstatus agi")
        }));
        if python.is_some() {
            py.push(&sequential(plan.python_agi_calls, || {
                process_call(&python_agi, "cbstatus-agi.py")
            }));
        }
        fast.push(&sequential(plan.fastagi_calls, || {
            fastagi_call(&fastagi.addr, &fastagi.request)
        }));
    }
    drop(fastagi);
    report.row(
        "5",
        "native `cbstatus agi`, process per call",
        Some(nat.p50()),
        Some(nat.p99()),
        Some(nat.rate()),
        "spawn to exit; 11 SET VARIABLE",
    );
    if python.is_some() {
        report.row(
            "5",
            "Python AGI example (`cbstatus-agi.py`, ctypes), process per call",
            Some(py.p50()),
            Some(py.p99()),
            Some(py.rate()),
            "same fake Asterisk, same 11 variables",
        );
    }
    report.row(
        "5",
        "`cbstatus fastagi`, per call (connection per call)",
        Some(fast.p50()),
        Some(fast.p99()),
        Some(fast.rate()),
        "one server process, shared client",
    );
    if python.is_some() {
        let r = ratio(&py.p50, &nat.p50);
        report.target(
            "native AGI per call vs the Python AGI example",
            "at most a tenth of the cost",
            format!(
                "native costs 1/{:.1} of Python (p50 {} vs {}); FastAGI 1/{:.0}",
                r,
                crate::report::us(nat.p50()),
                crate::report::us(py.p50()),
                ratio(&py.p50, &fast.p50)
            ),
            r >= 10.0,
        );
    } else {
        report.note("python3 not found: the Python AGI example was not measured");
    }
}
