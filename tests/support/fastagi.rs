//! A `cbstatus fastagi` child for the FastAGI tests: started on a free loopback port (with an
//! optional descriptor limit), stderr collected, its memory, descriptors and CPU read from
//! /proc, stopped by SIGTERM within a bound or killed when dropped.

use cbstatus_sim::Simulator;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `HOST:PORT` a just-started `cbstatus fastagi` (stdout piped) announces on its first
/// stdout line, `agi://HOST:PORT/cbstatus`.
pub fn listening_address(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout piped"))
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .strip_prefix("agi://")
        .and_then(|s| s.strip_suffix("/cbstatus"))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string()
}

/// A running `cbstatus fastagi` whose stderr is collected.
pub struct FastAgi {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    stderr: Arc<Mutex<String>>,
}

impl FastAgi {
    /// Start it against `sim` with `CBSTATUS_TIMEOUT_MS=timeout_ms`, extra `args`, and
    /// `RLIMIT_NOFILE` set to `nofile` if given.
    pub fn start(sim: &Simulator, timeout_ms: &str, args: &[&str], nofile: Option<u64>) -> FastAgi {
        FastAgi::start_at(&sim.organization_url(), timeout_ms, args, &[], nofile)
    }

    /// Start it against the API at `url`, with extra `CBSTATUS_*` settings in `env`; otherwise
    /// as [`FastAgi::start`].
    pub fn start_at(
        url: &str,
        timeout_ms: &str,
        args: &[&str],
        env: &[(&str, &str)],
        nofile: Option<u64>,
    ) -> FastAgi {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cbstatus"));
        cmd.args(["fastagi", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_clear()
            .env("CBSTATUS_API_URL", url)
            .env("CBSTATUS_TIMEOUT_MS", timeout_ms)
            .env("CBSTATUS_BREAKER_THRESHOLD", "0")
            .env("CBSTATUS_TIMEZONE", "America/New_York")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(limit) = nofile {
            // SAFETY: setrlimit(2) is async-signal-safe; the closure allocates nothing.
            unsafe {
                cmd.pre_exec(move || {
                    let rlim = libc::rlimit {
                        rlim_cur: limit,
                        rlim_max: limit,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rlim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().expect("spawn cbstatus fastagi");
        let addr = listening_address(&mut child);
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        FastAgi {
            child,
            addr,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Wait (bounded by `limit`) until stderr contains `text`.
    pub fn wait_for_log(&self, text: &str, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if self.stderr().contains(text) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Resident memory in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    /// Open descriptors.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    /// User + system CPU time so far.
    pub fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<u64> = rest
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
        Duration::from_millis((fields[11] + fields[12]) * 1000 / hz)
    }

    /// SIGTERM, then wait (bounded by `limit`): the exit code and how long it took.
    pub fn terminate(&mut self, limit: Duration) -> (Option<i32>, Duration) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid() as i32, libc::SIGTERM) };
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("still running {limit:?} after SIGTERM:\n{}", self.stderr());
    }
}

impl Drop for FastAgi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
