//! Section 1b: the comparison of sections 1 and 2 with the simulator in its own process
//! (`cbstatus simulate`), as a real API server is: every request and reply then crosses
//! between processes, and a reply wakes a thread of another process.

use crate::inproc::{self, RawSockets};
use crate::report::{us, x, Report};
use crate::stats::{ratio, Sample, Series};
use crate::util;
use crate::Plan;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};

/// A `cbstatus simulate` child, stopped (SIGTERM, then wait) when dropped.
struct Simulate {
    child: Child,
    url: String,
}

impl Simulate {
    fn start() -> Simulate {
        let dir = util::profile_dir()
            .parent()
            .map(|t| t.join("bench"))
            .expect("target dir");
        std::fs::create_dir_all(&dir).expect("target/bench");
        let file = dir.join("scenarios.toml");
        std::fs::write(&file, util::scenarios_toml()).expect("write scenarios");
        let mut child = util::command(util::profile_dir().join("cbstatus"))
            .args(["simulate", "--listen", "127.0.0.1:0", "--scenarios"])
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cbstatus simulate (scripts/bench builds it)");
        let mut url = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut url)
            .expect("simulate prints its URL");
        Simulate {
            child,
            url: url.trim().to_string(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.url
            .strip_prefix("http://")
            .and_then(|r| r.split('/').next())
            .and_then(|a| a.parse().ok())
            .expect("http://ADDR/... from simulate")
    }
}

impl Drop for Simulate {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by its pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// `request`: the library's bytes for [`util::NUMBER`] as sent to `sent_to`.
pub fn section(report: &mut Report, plan: &Plan, request: &[u8], sent_to: SocketAddr) {
    eprintln!("[1b] the same with the simulator in its own process (cbstatus simulate)");
    let sim = Simulate::start();
    let request = String::from_utf8_lossy(request)
        .replace(&sent_to.to_string(), &sim.addr().to_string())
        .into_bytes();
    let raw = RawSockets::connect(sim.addr(), &request, 16);
    let client = util::client(&sim.url, util::NO_CACHE);
    let client16 = util::client(&sim.url, util::NO_CACHE);
    let _ = inproc::lookups(&client, 1, 50);
    let _ = inproc::lookups(&client16, 16, 20);
    let _ = raw.run(16, 20);
    const BLOCKS: usize = 10;
    let (mut lib1, mut raw1) = (Series::default(), Series::default());
    let (mut lib16, mut raw16) = (Series::default(), Series::default());
    for _ in 0..plan.reps {
        let (mut l1, mut r1, mut l16, mut r16) = (vec![], vec![], vec![], vec![]);
        for _ in 0..BLOCKS {
            l1.push(inproc::lookups(&client, 1, plan.single / BLOCKS / 2));
            r1.push(raw.run(1, plan.single / BLOCKS / 2));
        }
        for _ in 0..BLOCKS {
            l16.push(inproc::lookups(&client16, 16, plan.multi / BLOCKS));
            r16.push(raw.run(16, plan.multi / BLOCKS));
        }
        lib1.push(&Sample::merge(&l1));
        raw1.push(&Sample::merge(&r1));
        lib16.push(&Sample::merge(&l16));
        raw16.push(&Sample::merge(&r16));
    }
    let cpu = |s: &Series| format!("CPU {} per lookup (client side only)", us(s.cpu()));
    for (what, s) in [
        (
            "library lookup, 1 thread, simulator in another process",
            &lib1,
        ),
        ("raw floor, 1 thread, simulator in another process", &raw1),
        (
            "library lookup, 16 threads, simulator in another process",
            &lib16,
        ),
        (
            "raw floor, 16 threads, simulator in another process",
            &raw16,
        ),
    ] {
        report.row(
            "1b",
            what,
            Some(s.p50()),
            Some(s.p99()),
            Some(s.rate()),
            cpu(s),
        );
    }
    let r1 = ratio(&lib1.p50, &raw1.p50);
    report.target(
        "library vs raw floor, simulator in its own process",
        "p50 within 1.5x",
        format!(
            "{} (1 thread p50; p99 {}); 16 threads: p50 {}, raw/library throughput {}",
            x(r1),
            x(ratio(&lib1.p99, &raw1.p99)),
            x(ratio(&lib16.p50, &raw16.p50)),
            x(ratio(&raw16.rate, &lib16.rate))
        ),
        r1 <= 1.5,
    );
}
