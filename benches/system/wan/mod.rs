//! `scripts/bench --wan`: cbstatus over an emulated WAN (issues 11 and 24), side by side with
//! the floor (a minimal TLS client, `floor.rs`), curl per call and Python `requests.Session`,
//! in round-trip-time multiples and as ratios to the floor, all in one run.
//!
//! client → [`link::Link`] (latency, far-end idle close) → [`tls::Terminator`] (TLS 1.3,
//! test CA) → the project's simulator, all on 127.0.0.1. The machine and the user-space link
//! slow every client alike, so each target is judged as cbstatus's median over the floor's
//! median measured on the same link in the same run; the RTT multiple is shown beside it.
//!
//! Settings: `CBSTATUS_BENCH_RTT_MS` (default 40); `CBSTATUS_BENCH_WAN_SCALE`, a factor on the
//! "25 s gaps behind a 60 s idle close" case (default 1: real time; `0.1` gives 2.5 s gaps
//! behind a 6 s close, cbstatus `idle_timeout_ms` 5500); `CBSTATUS_BENCH_PYTHON`, a Python
//! with `requests` (scripts/bench makes a venv);
//! `CBSTATUS_BENCH_WAN_ONLY=warm,idle,first,concurrent,prefetch,segments` picks cases (`idle`
//! is `closes`, the 4 s far-end close, and `gaps`, the 25 s gaps).
//! Writes `target/bench/wan.md`.

mod cases;
mod floor;
mod link;
mod runs;
mod tls;

use crate::util;
use cbstatus::Client;
use floor::Floor;
use link::{Link, LinkConfig};
use runs::Runs;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tls::Terminator;

/// Lookups measured per client in the long-gap case (after one warm-up): at real scale each
/// costs a 25 s gap, so this decides most of the bench's duration.
const LONG_GAP_LOOKUPS: usize = 9;

pub struct Bench {
    rtt: Duration,
    /// Factor on the long-gap case's times (1: real time).
    scale: f64,
    tls: Terminator,
    /// The simulator behind the terminator (its address is in [`Bench::request`]'s `Host`).
    sim: SocketAddr,
    /// The exact bytes cbstatus sends for one lookup, for the floor.
    request: String,
    python: Option<PathBuf>,
    rows: Vec<Row>,
    targets: Vec<Target>,
    notes: Vec<String>,
}

struct Row {
    case: String,
    cbstatus: String,
    floor: String,
    ratio: String,
    curl: String,
    requests: String,
    how: String,
}

struct Target {
    what: String,
    goal: String,
    measured: String,
    met: bool,
}

pub fn run() {
    let rtt = Duration::from_millis(env_num("CBSTATUS_BENCH_RTT_MS", 40.0) as u64);
    let scale = env_num("CBSTATUS_BENCH_WAN_SCALE", 1.0);
    if scale > 1.0 {
        eprintln!(
            "CBSTATUS_BENCH_WAN_SCALE={scale}: the scale is a factor on real time, at most 1 \
             (0.1 runs the 25 s gaps as 2.5 s)"
        );
        std::process::exit(2);
    }
    let dir = util::profile_dir().parent().unwrap().join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    let sim = cbstatus_sim::Simulator::start("127.0.0.1:0", util::scenarios()).expect("simulator");
    let request = crate::inproc::capture_request(sim.addr(), cbstatus_sim::DEFAULT_ORGANIZATION);
    let tls = Terminator::start(sim.addr(), &dir);
    let mut b = Bench {
        rtt,
        scale,
        tls,
        sim: sim.addr(),
        request: String::from_utf8(request).expect("request is text"),
        python: std::env::var_os("CBSTATUS_BENCH_PYTHON").map(PathBuf::from),
        rows: Vec::new(),
        targets: Vec::new(),
        notes: Vec::new(),
    };
    // CBSTATUS_BENCH_WAN_ONLY=first,segments runs only those cases.
    let only = std::env::var("CBSTATUS_BENCH_WAN_ONLY").ok();
    let run = |case: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|c| c.trim() == case))
    };
    let expected: f64 = [
        ("warm", 20.0),
        ("closes", 45.0),
        ("gaps", b.long_gap_seconds()),
        ("first", 45.0),
        ("concurrent", 15.0),
        ("prefetch", 20.0),
        ("segments", 10.0),
    ]
    .iter()
    .filter(|(case, _)| run(case) || (run("idle") && matches!(*case, "closes" | "gaps")))
    .map(|(_, s)| s)
    .sum();
    eprintln!(
        "WAN bench: RTT {} ms, TLS 1.3, long-gap case at {}x real time; expected to take \
         about {:.0} min{}",
        rtt.as_millis(),
        scale,
        (expected / 60.0).ceil(),
        if scale < 1.0 {
            ""
        } else {
            " (CBSTATUS_BENCH_WAN_SCALE=0.1: about 4 min less)"
        }
    );
    let started = Instant::now();
    if run("warm") {
        b.warm();
    }
    // `idle` is both idle cases: `closes` (4 s far-end close) and `gaps` (25 s gaps).
    if run("idle") || run("closes") {
        b.far_end_closes();
    }
    if run("idle") || run("gaps") {
        b.long_gaps();
    }
    if run("first") {
        b.first_lookup();
    }
    if run("concurrent") {
        b.concurrent();
    }
    if run("prefetch") {
        b.prefetch();
    }
    drop(sim);
    if run("segments") {
        b.two_segments();
    }
    b.notes.push(format!(
        "whole WAN bench: {:.0} s (expected about {expected:.0} s)",
        started.elapsed().as_secs_f64()
    ));
    let md = b.markdown();
    std::fs::write(dir.join("wan.md"), &md).unwrap();
    println!("{md}");
    println!("(written to {})", dir.join("wan.md").display());
}

fn env_num(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

impl Bench {
    /// The long-gap case's duration, seconds.
    fn long_gap_seconds(&self) -> f64 {
        25.0 * self.scale * (LONG_GAP_LOOKUPS as f64 + 1.75)
    }

    fn link(&self, idle_close: Option<Duration>) -> Link {
        Link::start(
            self.tls.addr(),
            LinkConfig {
                rtt: self.rtt,
                idle_close,
            },
        )
    }

    fn url(link: &Link) -> String {
        format!(
            "https://127.0.0.1:{}/api/organization/{}",
            link.addr().port(),
            cbstatus_sim::DEFAULT_ORGANIZATION
        )
    }

    fn client(&self, link: &Link, extra: &[(&str, &str)]) -> Client {
        let ca = self.tls.ca().to_str().unwrap().to_string();
        let mut settings: Vec<(&str, &str)> = vec![
            ("ca_bundle", &ca),
            ("timeout_ms", "5000"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
        ];
        settings.extend_from_slice(extra);
        util::client(&Self::url(link), &settings)
    }

    /// The floor client on `link`: cbstatus's own request bytes, `Host` naming the link.
    fn floor(&self, link: &Link) -> Floor {
        let request = self.request.replace(
            &self.sim.to_string(),
            &format!("127.0.0.1:{}", link.addr().port()),
        );
        Floor::new(link.addr(), self.tls.ca(), request.into_bytes())
    }

    fn in_rtt(&self, d: Duration) -> f64 {
        d.as_secs_f64() / self.rtt.as_secs_f64()
    }

    fn rtts(&self, d: Option<Duration>) -> String {
        d.map_or("-".into(), |d| format!("{:.2} RTT", self.in_rtt(d)))
    }

    fn cell(&self, r: &Runs) -> String {
        if r.lat.is_empty() {
            return "-".into();
        }
        format!(
            "{} (worst {}), {} failed of {}",
            self.rtts(r.median()),
            self.rtts(r.worst()),
            r.failures(),
            r.lat.len()
        )
    }

    /// cbstatus's median over the floor's (`f64::MAX` when either has none).
    fn ratio(cbs: &Runs, floor: &Runs) -> f64 {
        match (cbs.median(), floor.median()) {
            (Some(a), Some(b)) => a.as_secs_f64() / b.as_secs_f64(),
            _ => f64::MAX,
        }
    }

    /// One table row. `floor`: the floor's figures and cbstatus's ratio to them, if measured.
    fn row(
        &mut self,
        case: &str,
        cbs: &Runs,
        floor: Option<&Runs>,
        others: [String; 2],
        how: String,
    ) {
        let (f, ratio) = match floor {
            Some(floor) => (self.cell(floor), format!("{:.2}x", Self::ratio(cbs, floor))),
            None => (String::new(), String::new()),
        };
        let cbs = self.cell(cbs);
        self.row_text(case, cbs, f, ratio, others, how);
    }

    fn row_text(
        &mut self,
        case: &str,
        cbstatus: String,
        floor: String,
        ratio: String,
        [curl, requests]: [String; 2],
        how: String,
    ) {
        eprintln!("  {case}: cbstatus {cbstatus} | floor {floor} ({ratio}) | curl {curl} | requests {requests}");
        self.rows.push(Row {
            case: case.into(),
            cbstatus,
            floor,
            ratio,
            curl,
            requests,
            how,
        });
    }

    fn target(&mut self, what: &str, goal: &str, measured: String, met: bool) {
        eprintln!(
            "  target {what}: {goal}; {measured} -> {}",
            if met { "met" } else { "MISSED" }
        );
        self.targets.push(Target {
            what: what.into(),
            goal: goal.into(),
            measured,
            met,
        });
    }

    /// A target judged as the ratio of cbstatus's median to the floor's (at most `limit`, no
    /// failures), the RTT multiples of both shown beside it.
    fn floor_target(&mut self, what: &str, cbs: &Runs, floor: &Runs, limit: f64) {
        let ratio = Self::ratio(cbs, floor);
        let measured = format!(
            "{ratio:.2}x (cbstatus {} median, floor {}), {} failed",
            self.rtts(cbs.median()),
            self.rtts(floor.median()),
            cbs.failures()
        );
        let goal = format!("within {:.0} % of the floor", (limit - 1.0) * 100.0);
        self.target(what, &goal, measured, ratio <= limit && cbs.failures() == 0);
    }

    fn markdown(&self) -> String {
        let mut md = String::new();
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default();
        let date = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string();
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let _ = writeln!(
            md,
            "Machine: {cpu}, {} cores, load average {} at the end. Date: {date}. Command: \
             `scripts/bench --wan` (release build, cbstatus {}). RTT {} ms (user-space proxy, TLS \
             1.3 terminator with a test CA, all on 127.0.0.1); long-gap case at {}x real time. \
             Figures are RTT multiples of the median (worst in brackets) unless in µs/ms; \
             \"/ floor\" is cbstatus's median over the floor's.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            cbstatus::VERSION,
            self.rtt.as_millis(),
            self.scale
        );
        let _ = writeln!(
            md,
            "| case | cbstatus | floor (minimal TLS client) | / floor | curl per call | requests.Session | how |"
        );
        let _ = writeln!(md, "|---|---|---|---:|---|---|---|");
        for r in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.case, r.cbstatus, r.floor, r.ratio, r.curl, r.requests, r.how
            );
        }
        let _ = writeln!(md, "\n| target | goal | measured (same run) | met |");
        let _ = writeln!(md, "|---|---|---|---|");
        for t in &self.targets {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                t.what,
                t.goal,
                t.measured,
                if t.met { "yes" } else { "**no**" }
            );
        }
        for n in &self.notes {
            let _ = writeln!(md, "\n{n}");
        }
        md
    }
}
