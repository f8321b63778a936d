//! Section 6: concurrency. 500 callers at once against a simulator that answers after
//! 200 ms: the wall time against the ideal (all in parallel: 200 ms), and how many upstream
//! requests a burst of callers sharing a number costs (coalescing).

use crate::report::{us, x, Report};
use crate::stats::{median, Sample};
use crate::util::{self, threads_now};
use crate::Plan;
use cbstatus::simulator::{Scenarios, Simulator};
use cbstatus::Client;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const DELAY_MS: u64 = 200;

/// One burst: `callers` threads released together, caller `i` looking up `number(i)`.
struct Burst {
    sample: Sample,
    failed: usize,
    upstream: usize,
    connections: usize,
    peak_threads: u64,
    spawn: Duration,
}

fn burst(
    sim: &Simulator,
    client: &Client,
    callers: usize,
    number: impl Fn(usize) -> String,
) -> Burst {
    let (r0, c0) = (sim.request_count(), sim.connection_count());
    let barrier = Arc::new(Barrier::new(callers + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(threads_now(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let spawn_start = Instant::now();
    let handles: Vec<_> = (0..callers)
        .map(|i| {
            let (barrier, client, number) = (Arc::clone(&barrier), client.clone(), number(i));
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let result = client.status(&number);
                    let error = result.error().map(|e| e.to_string());
                    (start.elapsed(), error)
                })
                .expect("spawn a caller")
        })
        .collect();
    let spawn = spawn_start.elapsed();
    barrier.wait();
    let start = Instant::now();
    let mut lat = Vec::with_capacity(callers);
    let mut failed = 0;
    let mut errors: std::collections::BTreeMap<String, usize> = Default::default();
    for h in handles {
        let (d, err) = h.join().expect("caller");
        lat.push(d.as_nanos() as u64);
        if let Some(e) = err {
            failed += 1;
            *errors.entry(e).or_default() += 1;
        }
    }
    for (e, n) in &errors {
        eprintln!("    {n} x {e}");
    }
    let wall = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    Burst {
        sample: Sample::new(lat, wall),
        failed,
        upstream: sim.request_count() - r0,
        connections: sim.connection_count() - c0,
        peak_threads: peak.load(Ordering::Relaxed),
        spawn,
    }
}

pub fn section(report: &mut Report, plan: &Plan) {
    eprintln!(
        "[6] {} concurrent lookups, simulator answering after {DELAY_MS} ms",
        plan.concurrent
    );
    let toml = format!("[settings]\nfault = {{ kind = \"delay\", ms = {DELAY_MS} }}\n");
    let scenarios = Scenarios::from_toml_str(&toml).expect("scenarios");
    let sim = Simulator::start("127.0.0.1:0", scenarios).expect("slow simulator");
    let client = util::client(&sim.organization_url(), util::NO_CACHE);
    let n = plan.concurrent;
    let reps = plan.reps.min(3);
    let base_threads = threads_now();

    let mut distinct = Vec::new();
    for rep in 0..reps {
        // Distinct numbers: no coalescing possible, every caller needs its own request.
        let b = burst(&sim, &client, n, |i| {
            format!("+1555{:07}", 3_000_000 + i + rep * n)
        });
        eprintln!(
            "  distinct rep {}: wall {} p50 {} p99 {} failed {} upstream {} new connections {} peak threads {}",
            rep + 1,
            us(b.sample.wall.as_secs_f64() * 1e6),
            us(b.sample.p50_us()),
            us(b.sample.p99_us()),
            b.failed,
            b.upstream,
            b.connections,
            b.peak_threads
        );
        distinct.push(b);
    }
    let shared = burst(&sim, &client, n, |_| "+15553999999".to_string());
    let ten = burst(&sim, &client, n, |i| format!("+1555398{:04}", i % 10));
    drop(client);
    drop(sim);

    let walls: Vec<f64> = distinct
        .iter()
        .map(|b| b.sample.wall.as_secs_f64() * 1e6)
        .collect();
    let wall = median(&walls);
    let p50 = median(
        &distinct
            .iter()
            .map(|b| b.sample.p50_us())
            .collect::<Vec<_>>(),
    );
    let p99 = median(
        &distinct
            .iter()
            .map(|b| b.sample.p99_us())
            .collect::<Vec<_>>(),
    );
    let failed: usize = distinct.iter().map(|b| b.failed).sum();
    let first = &distinct[0];
    let later_conns: Vec<String> = distinct[1..]
        .iter()
        .map(|b| b.connections.to_string())
        .collect();
    report.row(
        "6",
        format!("{n} concurrent lookups, distinct numbers, 200 ms upstream"),
        Some(p50),
        Some(p99),
        Some(n as f64 / (wall / 1e6)),
        format!(
            "wall {} = {} the ideal 200 ms; failed {failed}; upstream requests {} per burst; \
             new connections {} (first burst), {} (later bursts)",
            us(wall),
            x(wall / (DELAY_MS as f64 * 1000.0)),
            first.upstream,
            first.connections,
            if later_conns.is_empty() {
                "-".into()
            } else {
                later_conns.join(", ")
            }
        ),
    );
    report.row(
        "6",
        format!("{n} concurrent lookups of one number"),
        Some(shared.sample.p50_us()),
        Some(shared.sample.p99_us()),
        None,
        format!(
            "upstream requests: {}; wall {}; failed {}",
            shared.upstream,
            us(shared.sample.wall.as_secs_f64() * 1e6),
            shared.failed
        ),
    );
    report.row(
        "6",
        format!("{n} concurrent lookups over 10 numbers"),
        Some(ten.sample.p50_us()),
        Some(ten.sample.p99_us()),
        None,
        format!(
            "upstream requests: {}; wall {}",
            ten.upstream,
            us(ten.sample.wall.as_secs_f64() * 1e6)
        ),
    );
    report.note(format!(
        "section 6 threads: the process had {base_threads} threads before a burst and peaked at \
         {} during the first (the {n} callers, the simulator's thread per connection, and any \
         threads the HTTP client starts); spawning the {n} caller threads took {} (the \
         caller's cost, not the library's)",
        first.peak_threads,
        us(first.spawn.as_secs_f64() * 1e6)
    ));
    let ratio = wall / (DELAY_MS as f64 * 1000.0);
    report.target(
        "500 concurrent slow lookups",
        "finish within 2x the ideal wall time (400 ms)",
        format!("{} ({} of 200 ms), {failed} failed", us(wall), x(ratio)),
        ratio <= 2.0 && failed == 0,
    );
    report.target(
        "burst of identical lookups",
        "one upstream request",
        format!(
            "{} request(s) for {n} callers ({} for {n} callers over 10 numbers)",
            shared.upstream, ten.upstream
        ),
        shared.upstream == 1,
    );
}
