//! The system benchmark of issue #6 (run by `scripts/bench`; see BENCHMARKS.md).
//!
//! Starts the project's simulator on loopback and measures, side by side in one run with
//! several repetitions: in-process lookups (1 and 16 threads, cache off and on), the raw TCP
//! floor, curl per lookup, Python per lookup in a warm process, per-call AGI (native, the
//! Python example, FastAGI), 500 concurrent slow lookups and coalescing, and resident memory.
//! It prints one markdown table (medians of the repetitions, ratios computed per repetition)
//! and writes it to `target/bench/report.md`, adding the criterion figures of
//! `benches/speech.rs` and `benches/parse.rs` when they ran first.
//!
//! `cargo bench --bench system` runs it in full; `cargo test` runs it as a smoke test (one
//! repetition, tiny counts, in-process parts only). `CBSTATUS_BENCH_REPS` sets the
//! repetitions (default 5); `CBSTATUS_BENCH_ONLY=1,6` runs only those sections (1 includes 2,
//! 3 includes 4).

mod agi;
mod external;
mod inproc;
mod load;
mod memory;
mod micro;
mod remote;
mod report;
mod stats;
mod util;
mod wan;

use report::{us, x, Report};
use stats::{median, ratio, Sample, Series};

/// How much to measure.
#[derive(Clone, Copy)]
pub struct Plan {
    pub full: bool,
    pub reps: usize,
    /// Lookups per thread, 1 thread (in-process and raw).
    pub single: usize,
    /// Lookups per thread, 16 threads.
    pub multi: usize,
    pub curl_calls: usize,
    pub python_calls: usize,
    pub agi_calls: usize,
    pub python_agi_calls: usize,
    pub fastagi_calls: usize,
    pub concurrent: usize,
    pub memory_lookups: usize,
}

impl Plan {
    fn full() -> Plan {
        let reps = std::env::var("CBSTATUS_BENCH_REPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|r| *r > 0)
            .unwrap_or(5);
        Plan {
            full: true,
            reps,
            single: 2000,
            multi: 400,
            curl_calls: 30,
            python_calls: 2000,
            agi_calls: 20,
            python_agi_calls: 6,
            fastagi_calls: 200,
            concurrent: 500,
            memory_lookups: 100_000,
        }
    }

    fn smoke() -> Plan {
        Plan {
            full: false,
            reps: 1,
            single: 40,
            multi: 20,
            curl_calls: 0,
            python_calls: 0,
            agi_calls: 0,
            python_agi_calls: 0,
            fastagi_calls: 0,
            concurrent: 20,
            memory_lookups: 0,
        }
    }
}

fn main() {
    if let Ok(mode) = std::env::var(memory::CHILD_ENV) {
        std::process::exit(memory::child(&mode));
    }
    // `scripts/bench --wan`: only the WAN benchmark (issue 11).
    if std::env::args().any(|a| a == "--wan") {
        wan::run();
        return;
    }
    // `--profile-lookups N`: only N warm lookups on one thread, for a profiler (BENCHMARKS.md).
    if let Some(n) = arg_after("--profile-lookups") {
        profile_lookups(n.parse().expect("--profile-lookups N"));
        return;
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` does not (criterion's rule).
    let plan = if std::env::args().any(|a| a == "--bench") {
        Plan::full()
    } else {
        Plan::smoke()
    };
    let started = std::time::Instant::now();
    let mut report = Report::default();
    header(&mut report, &plan);

    let sim = cbstatus_sim::Simulator::start("127.0.0.1:0", util::scenarios())
        .expect("start the simulator");
    let url = sim.organization_url();
    eprintln!(
        "system bench: simulator at {url}, {} repetitions",
        plan.reps
    );

    // CBSTATUS_BENCH_ONLY=1,6 runs only those sections (1 includes 2).
    let only = std::env::var("CBSTATUS_BENCH_ONLY").ok();
    let run = |n: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|s| s.trim() == n))
    };
    // The exact bytes the client sends for one lookup (for the raw floor and raw bursts).
    let request = inproc::capture_request(sim.addr(), cbstatus_sim::DEFAULT_ORGANIZATION);
    if run("1") {
        section_inproc(&mut report, &plan, &sim, &request);
    }
    if plan.full && run("1") {
        remote::section(&mut report, &plan, &request, sim.addr());
    }
    if plan.full && run("3") {
        external::section(&mut report, &plan, &sim);
    }
    if plan.full && run("5") {
        agi::section(&mut report, &plan, &sim);
    }
    if run("6") {
        load::section(&mut report, &plan, &request, sim.addr());
    }
    if plan.full && run("7") {
        micro::section(&mut report);
    }
    if plan.full && run("8") {
        memory::section(&mut report, &plan, &sim);
    }
    drop(sim);
    report.note(format!(
        "whole system bench: {:.0} s",
        started.elapsed().as_secs_f64()
    ));

    let markdown = report.markdown();
    if plan.full {
        let dir = util::profile_dir()
            .parent()
            .map(|t| t.join("bench"))
            .expect("target dir");
        std::fs::create_dir_all(&dir).expect("create target/bench");
        std::fs::write(dir.join("report.md"), &markdown).expect("write report.md");
        println!("{markdown}");
        println!("(written to {})", dir.join("report.md").display());
    } else {
        println!("system bench smoke run: ok ({} rows)", report.rows.len());
    }
}

/// The argument after `flag`, if given.
fn arg_after(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == flag)?;
    args.get(i + 1).cloned()
}

/// `n` lookups of [`util::NUMBER`] on this thread (cache off) against the simulator in this
/// process, after 100 to warm up: what `valgrind --tool=callgrind
/// --toggle-collect='*Client*status*'` or `perf record -g` profile (the client side only, with
/// the toggle). Prints the wall and CPU time per lookup (client and simulator).
fn profile_lookups(n: usize) {
    let sim = cbstatus_sim::Simulator::start("127.0.0.1:0", util::scenarios())
        .expect("start the simulator");
    let client = util::client(&sim.organization_url(), util::NO_CACHE);
    let _ = inproc::lookups(&client, 1, 100);
    let (t, cpu) = (std::time::Instant::now(), util::cpu_time());
    let sample = inproc::lookups(&client, 1, n);
    let (wall, cpu) = (t.elapsed(), util::cpu_time() - cpu);
    println!(
        "{n} lookups: {:.1} µs wall, {:.1} µs CPU per lookup (client + simulator), p50 {:.1} µs",
        wall.as_secs_f64() * 1e6 / n as f64,
        cpu.as_secs_f64() * 1e6 / n as f64,
        sample.p50_us()
    );
}

fn header(report: &mut Report, plan: &Plan) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or("?".into(), |kib| {
            format!("{:.0} GiB", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let date = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string();
    report.header = vec![
        format!("Machine: {cpu}, {cores} cores, {mem} RAM, Linux {kernel}"),
        format!(
            "Date: {date}. Command: `scripts/bench` (release build, cbstatus {}). {} repetitions; \
             figures are medians of the repetitions, ratios are computed within each \
             repetition and then their median taken.",
            cbstatus::VERSION,
            plan.reps
        ),
    ];
}

fn section_inproc(report: &mut Report, plan: &Plan, sim: &cbstatus_sim::Simulator, request: &[u8]) {
    eprintln!("[1,2] in-process lookups and the raw floor");
    let url = sim.organization_url();
    let request_len = request.len();
    let raw = inproc::RawSockets::connect(sim.addr(), request, 16);
    // One client per thread count: ureq hands out its idle connections oldest first, so a
    // client that served 16 threads makes a single thread rotate over 16 connections (and 16
    // cold simulator threads). A PBX keeps one client; this keeps the 1-thread figure about
    // one thread.
    let client = util::client(&url, util::NO_CACHE);
    let client16 = util::client(&url, util::NO_CACHE);
    let cached = util::client(&url, &[("cache_ttl_ms", "600000")]);
    // The same, by host name: what a real deployment (a DNS name) costs per lookup.
    let by_name = util::client(&url.replace("127.0.0.1", "localhost"), util::NO_CACHE);
    // Warm: connections open, code paged in.
    let _ = inproc::lookups(&client, 1, 20);
    let _ = inproc::lookups(&client16, 16, 20);
    let _ = raw.run(16, 20);
    let _ = inproc::lookups(&cached, 1, 10);
    let _ = inproc::lookups(&by_name, 1, 10);

    // Library and raw floor alternate in short blocks, so both see the same machine (the
    // latency of one request on loopback depends a lot on whether the other core is idle).
    const BLOCKS: usize = 10;
    let (mut lib1, mut raw1) = (Series::default(), Series::default());
    let (mut lib16, mut raw16) = (Series::default(), Series::default());
    let (mut hit1, mut hit16) = (Series::default(), Series::default());
    let mut name1 = Series::default();
    let mut shared16 = Series::default();
    let mut conns1 = Vec::new();
    let mut conns16 = Vec::new();
    let (mut upstream16, mut upstream_shared) = (Vec::new(), Vec::new());
    for rep in 0..plan.reps {
        let (mut l1, mut r1, mut l16, mut r16) = (vec![], vec![], vec![], vec![]);
        let mut n1 = vec![];
        let (mut c1, mut c16) = (0, 0);
        for _ in 0..BLOCKS {
            let c0 = sim.connection_count();
            l1.push(inproc::lookups(&client, 1, plan.single / BLOCKS));
            c1 += sim.connection_count() - c0;
            r1.push(raw.run(1, plan.single / BLOCKS));
            n1.push(inproc::lookups(
                &by_name,
                1,
                (plan.single / BLOCKS / 4).max(1),
            ));
        }
        for _ in 0..BLOCKS {
            let c0 = sim.connection_count();
            let (q0, lib) = (
                sim.request_count(),
                inproc::lookups(&client16, 16, plan.multi / BLOCKS),
            );
            c16 += sim.connection_count() - c0;
            upstream16.push((sim.request_count() - q0) as f64 / lib.lat_ns.len() as f64);
            l16.push(lib);
            r16.push(raw.run(16, plan.multi / BLOCKS));
        }
        let q0 = sim.request_count();
        let s16 = inproc::shared_lookups(&client16, 16, plan.multi);
        upstream_shared.push((sim.request_count() - q0) as f64 / s16.lat_ns.len() as f64);
        shared16.push(&s16);
        conns1.push(c1 as f64);
        conns16.push(c16 as f64);
        lib1.push(&Sample::merge(&l1));
        raw1.push(&Sample::merge(&r1));
        name1.push(&Sample::merge(&n1));
        lib16.push(&Sample::merge(&l16));
        raw16.push(&Sample::merge(&r16));
        hit1.push(&inproc::lookups(&cached, 1, plan.single));
        hit16.push(&inproc::lookups(&cached, 16, plan.multi));
        eprintln!(
            "  rep {}: 1 thread p50 library {} raw {} | 16 threads library {:.0}/s raw {:.0}/s",
            rep + 1,
            us(*lib1.p50.last().unwrap()),
            us(*raw1.p50.last().unwrap()),
            lib16.rate.last().unwrap(),
            raw16.rate.last().unwrap()
        );
    }
    let cpu = |s: &Series| format!("CPU {} per lookup (client + simulator)", us(s.cpu()));
    let s = "1";
    report.row(
        s,
        "library lookup, 1 thread, cache off (`Client::status`)",
        Some(lib1.p50()),
        Some(lib1.p99()),
        Some(lib1.rate()),
        format!(
            "{}; new TCP connections: {:.0}",
            cpu(&lib1),
            median(&conns1)
        ),
    );
    report.row(
        s,
        "library lookup, 16 threads, cache off",
        Some(lib16.p50()),
        Some(lib16.p99()),
        Some(lib16.rate()),
        format!(
            "{}; each thread its own number; upstream requests per lookup {:.2}; new TCP \
             connections per {} lookups: {:.0}",
            cpu(&lib16),
            median(&upstream16),
            16 * plan.multi,
            median(&conns16)
        ),
    );
    report.row(
        s,
        "library lookup, 16 threads, cache off, all the same number",
        Some(shared16.p50()),
        Some(shared16.p99()),
        Some(shared16.rate()),
        format!(
            "{}; concurrent identical lookups coalesce: upstream requests per lookup {:.2}",
            cpu(&shared16),
            median(&upstream_shared)
        ),
    );
    report.row(
        s,
        "library lookup, 1 thread, cache off, URL by host name (`localhost`)",
        Some(name1.p50()),
        Some(name1.p99()),
        Some(name1.rate()),
        cpu(&name1),
    );
    report.row(
        s,
        "library lookup, 1 thread, cached",
        Some(hit1.p50()),
        Some(hit1.p99()),
        Some(hit1.rate()),
        "cache_ttl_ms=600000: every lookup a cache hit",
    );
    report.row(
        s,
        "library lookup, 16 threads, cached",
        Some(hit16.p50()),
        Some(hit16.p99()),
        Some(hit16.rate()),
        "",
    );
    let s = "2";
    report.row(
        s,
        "raw floor, 1 thread (same bytes, persistent socket)",
        Some(raw1.p50()),
        Some(raw1.p99()),
        Some(raw1.rate()),
        format!("{}; request {request_len} bytes", cpu(&raw1)),
    );
    report.row(
        s,
        "raw floor, 16 threads (16 sockets)",
        Some(raw16.p50()),
        Some(raw16.p99()),
        Some(raw16.rate()),
        cpu(&raw16),
    );
    let r1 = ratio(&lib1.p50, &raw1.p50);
    let r16 = ratio(&raw16.rate, &lib16.rate);
    report.target(
        "in-process latency vs raw floor",
        "p50 within 1.5x",
        format!(
            "{} (1 thread p50; p99 {}; CPU per lookup {}); 16 threads: p50 {}, raw/library \
             throughput {}",
            x(r1),
            x(ratio(&lib1.p99, &raw1.p99)),
            x(ratio(&lib1.cpu, &raw1.cpu)),
            x(ratio(&lib16.p50, &raw16.p50)),
            x(r16)
        ),
        r1 <= 1.5,
    );
}
