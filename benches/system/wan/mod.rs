//! `scripts/bench --wan`: cbstatus over an emulated WAN (issue 11), side by side with curl per
//! call and Python `requests.Session`, in round-trip-time multiples, in one run.
//!
//! client → [`link::Link`] (latency, far-end idle close) → [`tls::Terminator`] (TLS 1.3,
//! test CA) → the project's simulator, all on 127.0.0.1. `CBSTATUS_BENCH_RTT_MS` sets the
//! round trip (default 40), `CBSTATUS_BENCH_WAN_SCALE` divides the 25 s gaps / 60 s idle close
//! case (default 10: 2.5 s gaps behind a 6 s close, cbstatus `idle_timeout_ms` 5500),
//! `CBSTATUS_BENCH_PYTHON` names a Python with `requests` (scripts/bench makes a venv),
//! `CBSTATUS_BENCH_WAN_ONLY=warm,idle,first,concurrent,prefetch,segments` picks cases.
//! Writes `target/bench/wan.md`.

mod link;
mod tls;

use crate::util;
use cbstatus::Client;
use cbstatus_sim::{Options, Simulator, DEFAULT_ORGANIZATION};
use link::{Link, LinkConfig};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};
use tls::Terminator;

/// Answers after 300 ms (the demo scenarios' delayed number): the prefetch case.
const SLOW: &str = "+15551230200";

struct Bench {
    rtt: Duration,
    scale: f64,
    tls: Terminator,
    python: Option<PathBuf>,
    rows: Vec<[String; 5]>,
    targets: Vec<(String, String, String, bool)>,
    notes: Vec<String>,
}

/// One client's figures for a case: latencies (None: failed).
#[derive(Default)]
struct Runs {
    lat: Vec<Option<Duration>>,
}

impl Runs {
    /// `{"lat_ns": [n or null, ...]}` from py_wan.py.
    fn from_json(v: &serde_json::Value) -> Runs {
        let lat = v["lat_ns"].as_array().map_or(&[][..], Vec::as_slice);
        Runs {
            lat: lat
                .iter()
                .map(|n| n.as_u64().map(Duration::from_nanos))
                .collect(),
        }
    }

    fn failures(&self) -> usize {
        self.lat.iter().filter(|l| l.is_none()).count()
    }
    fn ok(&self) -> Vec<Duration> {
        let mut v: Vec<_> = self.lat.iter().flatten().copied().collect();
        v.sort();
        v
    }
    fn median(&self) -> Option<Duration> {
        let v = self.ok();
        (!v.is_empty()).then(|| v[v.len() / 2])
    }
    fn worst(&self) -> Option<Duration> {
        self.ok().last().copied()
    }
}

pub fn run() {
    let rtt = Duration::from_millis(env_num("CBSTATUS_BENCH_RTT_MS", 40.0) as u64);
    let scale = env_num("CBSTATUS_BENCH_WAN_SCALE", 10.0);
    let dir = util::profile_dir().parent().unwrap().join("bench");
    std::fs::create_dir_all(&dir).unwrap();
    let sim = Simulator::start("127.0.0.1:0", util::scenarios()).expect("simulator");
    let tls = Terminator::start(sim.addr(), &dir);
    let python = std::env::var_os("CBSTATUS_BENCH_PYTHON").map(PathBuf::from);
    let mut b = Bench {
        rtt,
        scale,
        tls,
        python,
        rows: Vec::new(),
        targets: Vec::new(),
        notes: Vec::new(),
    };
    let started = Instant::now();
    eprintln!(
        "WAN bench: RTT {} ms, TLS 1.3, gap scale 1/{scale}",
        rtt.as_millis()
    );
    // CBSTATUS_BENCH_WAN_ONLY=first,segments runs only those cases.
    let only = std::env::var("CBSTATUS_BENCH_WAN_ONLY").ok();
    let run = |case: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|c| c.trim() == case))
    };
    if run("warm") {
        b.warm();
    }
    if run("idle") {
        b.idle_closes();
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
        "whole WAN bench: {:.0} s",
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
            "https://127.0.0.1:{}/api/organization/{DEFAULT_ORGANIZATION}",
            link.addr().port()
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

    fn rtts(&self, d: Option<Duration>) -> String {
        d.map_or("-".into(), |d| {
            format!("{:.2} RTT", d.as_secs_f64() / self.rtt.as_secs_f64())
        })
    }

    fn in_rtt(&self, d: Duration) -> f64 {
        d.as_secs_f64() / self.rtt.as_secs_f64()
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

    fn row(&mut self, case: &str, cbs: String, curl: String, py: String, how: String) {
        eprintln!("  {case}: cbstatus {cbs} | curl {curl} | requests {py}");
        self.rows.push([case.into(), cbs, curl, py, how]);
    }

    fn target(&mut self, what: &str, goal: &str, measured: String, met: bool) {
        eprintln!(
            "  target {what}: {goal}; {measured} -> {}",
            if met { "met" } else { "MISSED" }
        );
        self.targets.push((what.into(), goal.into(), measured, met));
    }

    // --- the three clients -------------------------------------------------------------

    /// cbstatus: sleep `gaps[i]`, then look up `number` (timing only the lookup).
    fn cbs_sequence(client: &Client, number: &str, gaps: &[f64]) -> Runs {
        let mut runs = Runs::default();
        for gap in gaps {
            std::thread::sleep(Duration::from_secs_f64(*gap));
            let t = Instant::now();
            let r = client.status(number);
            runs.lat.push(r.error().is_none().then(|| t.elapsed()));
        }
        runs
    }

    fn curl_once(url: &str, ca: &Path, number: &str) -> Option<Duration> {
        let payload = format!("{{\"contact_number\":\"{number}\"}}");
        let t = Instant::now();
        let out = util::command("curl")
            .args(["-sS", "--max-time", "5", "--cacert"])
            .arg(ca)
            .args([
                "-X",
                "POST",
                "-H",
                "Content-Type: application/json",
                "--data-binary",
            ])
            .arg(&payload)
            .arg(format!("{url}/callback_status"))
            .output()
            .ok()?;
        let took = t.elapsed();
        (out.status.success() && out.stdout.starts_with(b"{\"data\":[")).then_some(took)
    }

    fn curl_sequence(url: &str, ca: &Path, gaps: &[f64]) -> Runs {
        let mut runs = Runs::default();
        for gap in gaps {
            std::thread::sleep(Duration::from_secs_f64(*gap));
            runs.lat.push(Self::curl_once(url, ca, util::NUMBER));
        }
        runs
    }

    fn py(&self, cfg: serde_json::Value) -> Option<serde_json::Value> {
        let python = self.python.as_ref()?;
        let out = util::command(python)
            .arg(util::root().join("benches/system/py_wan.py"))
            .arg(cfg.to_string())
            .output()
            .ok()?;
        if !out.status.success() {
            eprintln!("py_wan.py failed: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    fn py_cfg(&self, link: &Link, mode: &str) -> serde_json::Value {
        serde_json::json!({
            "mode": mode,
            "url": format!("{}/callback_status", Self::url(link)),
            "ca": self.tls.ca(),
            "number": util::NUMBER,
        })
    }

    fn py_sequence(&self, link: &Link, number: &str, gaps: &[f64]) -> Runs {
        let mut cfg = self.py_cfg(link, "sequence");
        cfg["gaps"] = serde_json::json!(gaps);
        cfg["number"] = serde_json::json!(number);
        let Some(v) = self.py(cfg) else {
            return Runs::default();
        };
        Runs::from_json(&v)
    }

    /// Drop the first (warm-up) lookup.
    fn skip_first(mut r: Runs) -> Runs {
        if !r.lat.is_empty() {
            r.lat.remove(0);
        }
        r
    }

    // --- the cases -----------------------------------------------------------------------

    fn warm(&mut self) {
        eprintln!("[wan] warm: lookups 200 ms apart");
        let gaps = vec![0.2; 21];
        let link = self.link(None);
        let client = self.client(&link, &[]);
        let cbs = Self::skip_first(Self::cbs_sequence(&client, util::NUMBER, &gaps));
        let link_c = self.link(None);
        let curl = Self::curl_sequence(&Self::url(&link_c), self.tls.ca(), &gaps[..11]);
        let link_p = self.link(None);
        let py = Self::skip_first(self.py_sequence(&link_p, util::NUMBER, &gaps));
        let m = cbs.median().map_or(f64::MAX, |d| self.in_rtt(d));
        let how = "20 lookups 200 ms apart after one warm-up; curl: 11 calls".to_string();
        let (a, c, p) = (self.cell(&cbs), self.cell(&curl), self.cell(&py));
        self.row("warm, 200 ms apart", a, c, p, how);
        self.target(
            "warm",
            "<= 1.1 RTT",
            format!("{m:.2} RTT median, {} failed", cbs.failures()),
            m <= 1.1 && cbs.failures() == 0,
        );
    }

    fn idle_closes(&mut self) {
        let gap = 25.0 / self.scale;
        let close = Duration::from_secs_f64(60.0 / self.scale);
        let idle_ms = format!("{}", (55_000.0 / self.scale) as u64);
        eprintln!(
            "[wan] {gap:.1} s gaps behind a {:.1} s idle close; 4 s idle close, gaps around it",
            close.as_secs_f64()
        );
        let long_gaps = vec![gap; 7];
        let around = [0.5, 3.8, 3.9, 3.95, 3.98, 4.0, 4.02, 4.05, 4.1, 4.2, 6.0];
        let mut four = vec![0.0];
        four.extend_from_slice(&around);
        let links: Vec<Link> = (0..6)
            .map(|i| self.link(Some(if i < 3 { close } else { Duration::from_secs(4) })))
            .collect();
        let scaled = self.client(&links[0], &[("idle_timeout_ms", &idle_ms)]);
        let default = self.client(&links[3], &[]);
        let ca = self.tls.ca().to_path_buf();
        let this = &*self;
        let (r, curl_long, py_long, r4, curl4, py4) = std::thread::scope(|s| {
            let a = s.spawn(|| Self::cbs_sequence(&scaled, util::NUMBER, &long_gaps));
            let b = s.spawn(|| Self::curl_sequence(&Self::url(&links[1]), &ca, &long_gaps));
            let c = s.spawn(|| this.py_sequence(&links[2], util::NUMBER, &long_gaps));
            let d = s.spawn(|| Self::cbs_sequence(&default, util::NUMBER, &four));
            let e = s.spawn(|| Self::curl_sequence(&Self::url(&links[4]), &ca, &four));
            let f = s.spawn(|| this.py_sequence(&links[5], util::NUMBER, &four));
            (
                a.join().unwrap(),
                b.join().unwrap(),
                c.join().unwrap(),
                d.join().unwrap(),
                e.join().unwrap(),
                f.join().unwrap(),
            )
        });
        let (r, py_long) = (Self::skip_first(r), Self::skip_first(py_long));
        let curl_long = Self::skip_first(curl_long);
        let m = r.median().map_or(f64::MAX, |d| self.in_rtt(d));
        let how = format!(
            "{gap:.1} s gaps behind a {:.1} s far-end idle close (25 s / 60 s scaled by 1/{}; \
             cbstatus idle_timeout_ms {idle_ms}); 6 lookups after a warm-up; link idle closes: {}",
            close.as_secs_f64(),
            self.scale,
            links[0].idle_closes()
        );
        let (a, c, p) = (self.cell(&r), self.cell(&curl_long), self.cell(&py_long));
        self.row("25 s gaps, 60 s idle close (scaled)", a, c, p, how);
        self.target(
            "25 s gaps behind a 60 s idle close",
            "<= 1.2 RTT, 0 failures",
            format!("{m:.2} RTT median, {} failed", r.failures()),
            m <= 1.2 && r.failures() == 0,
        );
        let (r4, py4) = (Self::skip_first(r4), Self::skip_first(py4));
        let curl4 = Self::skip_first(curl4);
        let how = format!(
            "far end closes after 4 s idle; gaps {around:?} s; cbstatus default settings; \
             link idle closes: {}, connections: {}",
            links[3].idle_closes(),
            links[3].connections()
        );
        let (a, c, p) = (self.cell(&r4), self.cell(&curl4), self.cell(&py4));
        self.row("4 s far-end idle close, gaps 0.5-6 s", a, c, p, how);
        self.target(
            "4 s far-end idle close, any gap",
            "0 failures",
            format!("{} failed of {}", r4.failures(), r4.lat.len()),
            r4.failures() == 0 && !r4.lat.is_empty(),
        );
    }

    fn first_lookup(&mut self) {
        eprintln!("[wan] first lookup 1 s after the client is made");
        let link = self.link(None);
        let mut with = Runs::default();
        let mut without = Runs::default();
        for _ in 0..5 {
            for (prewarm, runs) in [("on", &mut with), ("off", &mut without)] {
                let client = self.client(&link, &[("prewarm", prewarm)]);
                std::thread::sleep(Duration::from_secs(1));
                let t = Instant::now();
                let ok = client.status(util::NUMBER).error().is_none();
                runs.lat.push(ok.then(|| t.elapsed()));
            }
        }
        let curl = Self::curl_sequence(&Self::url(&link), self.tls.ca(), &[0.0; 5]);
        let py = {
            let mut cfg = self.py_cfg(&link, "first");
            cfg["wait"] = serde_json::json!(1.0);
            cfg["reps"] = serde_json::json!(5);
            self.py(cfg)
                .map_or(Runs::default(), |v| Runs::from_json(&v))
        };
        let m = with.median().map_or(f64::MAX, |d| self.in_rtt(d));
        let (a, c, p) = (self.cell(&with), self.cell(&curl), self.cell(&py));
        self.row(
            "first lookup 1 s after client creation, prewarm on (default)",
            a,
            c,
            p,
            "5 new clients; curl: a call; requests: a new Session".into(),
        );
        let a = self.cell(&without);
        self.row(
            "first lookup 1 s after client creation, prewarm off",
            a,
            "".into(),
            "".into(),
            "5 new clients (what 0.1.0 did)".into(),
        );
        self.target(
            "first lookup within 10 s of a prewarmed client",
            "<= 1.2 RTT",
            format!(
                "{m:.2} RTT median (without prewarm {})",
                self.rtts(without.median())
            ),
            m <= 1.2 && with.failures() == 0,
        );
    }

    /// 50 lookups released together, distinct numbers; wall time of the burst.
    fn burst(client: &Client, n: usize) -> (Duration, usize) {
        let barrier = Barrier::new(n + 1);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|t| {
                    let (barrier, number) = (&barrier, util::number_for(t));
                    s.spawn(move || {
                        barrier.wait();
                        client.status(&number).error().is_some() as usize
                    })
                })
                .collect();
            barrier.wait();
            let t = Instant::now();
            let failed = handles.into_iter().map(|h| h.join().unwrap()).sum();
            (t.elapsed(), failed)
        })
    }

    fn concurrent(&mut self) {
        eprintln!("[wan] 50 concurrent lookups, cold and warm pool");
        let link = self.link(None);
        let (mut cold, mut warm) = (Runs::default(), Runs::default());
        for _ in 0..3 {
            let client = self.client(&link, &[("prewarm", "off")]);
            let (wall, failed) = Self::burst(&client, 50);
            cold.lat.push((failed == 0).then_some(wall));
            std::thread::sleep(Duration::from_millis(300));
            let (wall, failed) = Self::burst(&client, 50);
            warm.lat.push((failed == 0).then_some(wall));
        }
        let url = Self::url(&link);
        let ca = self.tls.ca().to_path_buf();
        let mut curl = Runs::default();
        for _ in 0..2 {
            let barrier = Barrier::new(51);
            let (url, ca) = (&url, &ca);
            let wall = std::thread::scope(|s| {
                let hs: Vec<_> = (0..50)
                    .map(|_| {
                        let barrier = &barrier;
                        s.spawn(move || {
                            barrier.wait();
                            Self::curl_once(url, ca, util::NUMBER).is_some()
                        })
                    })
                    .collect();
                barrier.wait();
                let t = Instant::now();
                let ok = hs.into_iter().all(|h| h.join().unwrap());
                ok.then(|| t.elapsed())
            });
            curl.lat.push(wall);
        }
        let (mut py_cold, mut py_warm) = (Runs::default(), Runs::default());
        let mut cfg = self.py_cfg(&link, "concurrent");
        cfg["threads"] = serde_json::json!(50);
        cfg["bursts"] = serde_json::json!(2);
        for _ in 0..2 {
            if let Some(v) = self.py(cfg.clone()) {
                let walls = v["wall_ns"].as_array().unwrap();
                let ok = v["failures"].as_u64() == Some(0);
                py_cold
                    .lat
                    .push(ok.then(|| Duration::from_nanos(walls[0].as_u64().unwrap())));
                py_warm
                    .lat
                    .push(ok.then(|| Duration::from_nanos(walls[1].as_u64().unwrap())));
            }
        }
        let (a, c, p) = (self.cell(&cold), self.cell(&curl), self.cell(&py_cold));
        self.row(
            "50 concurrent lookups, cold pool (wall)",
            a,
            c,
            p,
            "distinct numbers, released together; 3 bursts (curl, requests: 2)".into(),
        );
        let m = warm.median().map_or(f64::MAX, |d| self.in_rtt(d));
        let (a, p) = (self.cell(&warm), self.cell(&py_warm));
        self.row(
            "50 concurrent lookups, warm pool (wall)",
            a,
            "".into(),
            p,
            "the next burst, 300 ms later, same client (requests: same 50 Sessions)".into(),
        );
        self.target(
            "50 concurrent lookups on a warm pool",
            "<= 1.3 RTT wall",
            format!("{m:.2} RTT median, {} bursts failed", warm.failures()),
            m <= 1.3 && warm.failures() == 0,
        );
    }

    fn prefetch(&mut self) {
        eprintln!("[wan] prefetch 2 s ahead, 300 ms upstream");
        let link = self.link(None);
        let client = self.client(&link, &[]);
        let _ = client.status(util::NUMBER);
        let (mut perceived, mut plain) = (Runs::default(), Runs::default());
        for _ in 0..5 {
            client.prefetch(SLOW).expect("prefetch");
            std::thread::sleep(Duration::from_secs(2));
            let t = Instant::now();
            let ok = client.status(SLOW).error().is_none();
            perceived.lat.push(ok.then(|| t.elapsed()));
            let t = Instant::now();
            let ok = client.status(SLOW).error().is_none();
            plain.lat.push(ok.then(|| t.elapsed()));
        }
        let py = Self::skip_first(self.py_sequence(&link, SLOW, &[0.0, 0.2, 0.2, 0.2, 0.2, 0.2]));
        let ms = perceived
            .worst()
            .map_or(f64::MAX, |d| d.as_secs_f64() * 1000.0);
        let median_us = perceived.median().map_or(0.0, |d| d.as_secs_f64() * 1e6);
        let cell = format!(
            "perceived {median_us:.0} µs median, worst {ms:.2} ms; {} failed of {} (without prefetch: {})",
            perceived.failures(),
            perceived.lat.len(),
            self.rtts(plain.median())
        );
        let p = self.cell(&py);
        self.row(
            "prefetch issued 2 s before the lookup, 300 ms upstream",
            cell,
            "(no prefetch)".into(),
            format!("{p} (no prefetch: the lookup itself)"),
            "5 calls; the same client looks the number up again right after, without prefetch"
                .into(),
        );
        self.target(
            "prefetch: perceived wait",
            "under 5 ms",
            format!("worst {ms:.2} ms of 5"),
            ms < 5.0 && perceived.failures() == 0,
        );
    }

    /// Loopback, plain HTTP: the stall is between the client's delayed ACK and the server's
    /// Nagle, which a user-space link cannot reproduce (it would be the one ACKing).
    fn two_segments(&mut self) {
        eprintln!("[wan] two-segment server (loopback)");
        let single = Simulator::start("127.0.0.1:0", util::scenarios()).unwrap();
        let split = Simulator::start_with(
            "127.0.0.1:0",
            util::scenarios(),
            Options {
                two_segments: true,
                ..Options::default()
            },
        )
        .unwrap();
        let c1 = util::client(&single.organization_url(), util::NO_CACHE);
        let c2 = util::client(&split.organization_url(), util::NO_CACHE);
        let (mut s1, mut s2) = (Runs::default(), Runs::default());
        let _ = (c1.status(util::NUMBER), c2.status(util::NUMBER));
        for _ in 0..10 {
            s1.lat
                .extend(Self::cbs_sequence(&c1, util::NUMBER, &[0.0; 100]).lat);
            s2.lat
                .extend(Self::cbs_sequence(&c2, util::NUMBER, &[0.0; 100]).lat);
        }
        let us = |d: Option<Duration>| {
            d.map_or("-".into(), |d| format!("{:.1} µs", d.as_secs_f64() * 1e6))
        };
        let ms = |d: Option<Duration>| {
            d.map_or("-".into(), |d| format!("{:.2} ms", d.as_secs_f64() * 1e3))
        };
        let py = |sim: &Simulator| -> Runs {
            let Some(v) = self.python.as_ref().and_then(|_| {
                self.py(serde_json::json!({
                    "mode": "sequence",
                    "url": format!("{}/callback_status", sim.organization_url()),
                    "ca": false,
                    "number": util::NUMBER,
                    "gaps": vec![0.0; 31],
                }))
            }) else {
                return Runs::default();
            };
            Self::skip_first(Runs::from_json(&v))
        };
        let (p1, p2) = (py(&single), py(&split));
        let curl = |sim: &Simulator| {
            let mut r = Runs::default();
            for _ in 0..10 {
                let payload = format!("{{\"contact_number\":\"{}\"}}", util::NUMBER);
                let t = Instant::now();
                let ok = util::command("curl")
                    .args([
                        "-sS",
                        "--max-time",
                        "5",
                        "-X",
                        "POST",
                        "--data-binary",
                        &payload,
                    ])
                    .arg(format!("{}/callback_status", sim.organization_url()))
                    .output()
                    .is_ok_and(|o| o.status.success());
                r.lat.push(ok.then(|| t.elapsed()));
            }
            r
        };
        let (k1, k2) = (curl(&single), curl(&split));
        let ratio = match (s2.median(), s1.median()) {
            (Some(a), Some(b)) => a.as_secs_f64() / b.as_secs_f64(),
            _ => f64::MAX,
        };
        self.row(
            "loopback, single-write server (reused connection)",
            format!("{} median, worst {}", us(s1.median()), ms(s1.worst())),
            format!("{} median (process per call)", ms(k1.median())),
            format!("{} median", ms(p1.median())),
            "1000 lookups (requests: 30, curl: 10); plain HTTP, simulator in this process".into(),
        );
        self.row(
            "loopback, two-segment server, Nagle on (reused connection)",
            format!("{} median, worst {}", us(s2.median()), ms(s2.worst())),
            format!("{} median", ms(k2.median())),
            format!("{} median", ms(p2.median())),
            "`Options { two_segments }` / `cbstatus simulate --two-segments`".into(),
        );
        self.target(
            "two-segment server: same per-lookup time as single-write",
            "within ±10 %",
            format!(
                "{ratio:.2}x ({} vs {} median; worst {})",
                us(s2.median()),
                us(s1.median()),
                ms(s2.worst())
            ),
            (0.9..=1.1).contains(&ratio),
        );
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
        let _ = writeln!(
            md,
            "Machine: {cpu}, {} cores. Date: {date}. Command: `scripts/bench --wan` (release \
             build, cbstatus {}). RTT {} ms (user-space proxy, TLS 1.3 terminator with a test CA, \
             all on 127.0.0.1). Figures are RTT multiples of the median (worst in brackets) \
             unless in µs/ms.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            cbstatus::VERSION,
            self.rtt.as_millis()
        );
        let _ = writeln!(
            md,
            "| case | cbstatus | curl per call | requests.Session | how |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|");
        for r in &self.rows {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
        let _ = writeln!(md, "\n| target | goal | measured (same run) | met |");
        let _ = writeln!(md, "|---|---|---|---|");
        for (what, goal, measured, met) in &self.targets {
            let _ = writeln!(
                md,
                "| {what} | {goal} | {measured} | {} |",
                if *met { "yes" } else { "**no**" }
            );
        }
        for n in &self.notes {
            let _ = writeln!(md, "\n{n}");
        }
        md
    }
}
