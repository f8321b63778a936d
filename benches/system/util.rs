//! Shared helpers: paths, clients, child processes, and the timed multi-thread loop.

use crate::stats::Sample;
use cbstatus::{Client, Config};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// The number every single-number measurement looks up: the demo's "ASAP callback, 4th in
/// line, about 12 minutes" (a typical found reply).
pub const NUMBER: &str = "+15551230001";

/// Thread `t`'s number in multi-thread measurements: [`NUMBER`] for thread 0, else one of the
/// bench's copies of it (same reply, same length; see [`scenarios`]).
pub fn number_for(t: usize) -> String {
    if t == 0 {
        NUMBER.to_string()
    } else {
        format!("+1555124{t:04}")
    }
}

/// How many numbers [`number_for`] covers.
pub const THREAD_NUMBERS: usize = 64;

/// The simulator's demo scenarios plus copies of [`NUMBER`]'s callback under the numbers of
/// [`number_for`], so each thread can look up its own number and get the same typical reply.
pub fn scenarios() -> cbstatus_sim::Scenarios {
    cbstatus_sim::Scenarios::from_toml_str(&scenarios_toml()).expect("bench scenarios")
}

/// The TOML text of [`scenarios`] (for `cbstatus simulate --scenarios`).
pub fn scenarios_toml() -> String {
    let mut toml = include_str!("../../crates/cbstatus-sim/src/demo.toml").to_string();
    for t in 1..THREAD_NUMBERS {
        let n = number_for(t);
        toml.push_str(&format!(
            r#"
[[number]]
number = "{n}"
description = "bench copy of +15551230001 (ASAP callback, 4th in line, about 12 minutes)"
[[number.callback]]
contact_uri = "tel:{n}"
callback_number = "{n}"
call_request_id = "b{t:07}"
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "4"
estimated_wait_time = "720"
source = "Phone:{digits}"
call_target_id = "ct-support"
estimated_for_in = 720
created_at_ago = 300
"#,
            digits = &n[2..]
        ));
    }
    toml
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The profile directory this bench was built into (`target/release` under `cargo bench`):
/// the bench binary is `<profile>/deps/system-<hash>`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .expect("bench binary lives in <target>/<profile>/deps")
}

/// A client for `url` with `settings` (key, value) on top of the defaults.
pub fn client(url: &str, settings: &[(&str, &str)]) -> Client {
    let mut config = Config::new();
    config.set("api_url", url).expect("api_url");
    config.set("timezone", "UTC").expect("timezone");
    for (k, v) in settings {
        config.set(k, v).expect("setting");
    }
    Client::new(&config).expect("client")
}

/// Cache disabled: every lookup reaches the simulator.
pub const NO_CACHE: &[(&str, &str)] = &[("cache_ttl_ms", "0"), ("not_found_ttl_ms", "0")];

/// A command with no inherited `CBSTATUS_*` variables (the bench sets its own).
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("CBSTATUS_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// The real Python interpreter behind `python3` (a pyenv/asdf shim would add its own
/// start-up cost to every per-call measurement; Asterisk runs the interpreter itself).
pub fn python() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// Run `per_thread` operations on each of `threads` threads, all released together. `init`
/// makes each thread's state (outside the timing); `op` is one timed operation. Returns the
/// latencies of every operation and the wall time from the release to the last finish.
pub fn timed_threads<S, I, O>(threads: usize, per_thread: usize, init: I, op: O) -> Sample
where
    I: Fn(usize) -> S + Sync,
    O: Fn(&mut S, usize) + Sync,
{
    let barrier = Barrier::new(threads + 1);
    let (lat, wall) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, init, op) = (&barrier, &init, &op);
                scope.spawn(move || {
                    let mut state = init(t);
                    let mut lat = Vec::with_capacity(per_thread);
                    barrier.wait();
                    for i in 0..per_thread {
                        let start = Instant::now();
                        op(&mut state, i);
                        lat.push(start.elapsed().as_nanos() as u64);
                    }
                    lat
                })
            })
            .collect();
        barrier.wait();
        let (start, cpu) = (Instant::now(), cpu_time());
        let lat: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("bench thread"))
            .collect();
        (lat, (start.elapsed(), cpu_time() - cpu))
    });
    let mut sample = Sample::new(lat, wall.0);
    sample.cpu = Some(wall.1);
    sample
}

/// CPU time (user + system) of this whole process so far.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Resident set size of this process, KiB (`VmRSS` of /proc/self/status).
pub fn rss_kib() -> u64 {
    proc_status_field("VmRSS:")
}

/// Threads of this process (`Threads:` of /proc/self/status).
pub fn threads_now() -> u64 {
    proc_status_field("Threads:")
}

fn proc_status_field(name: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
