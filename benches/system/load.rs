//! Section 6: concurrency. 500 callers at once against a simulator that answers after
//! 200 ms: the wall time against the ideal (all in parallel: 200 ms), next to the same burst
//! of raw sockets (a new connection each, the exact request bytes), and how many upstream
//! requests a burst of callers sharing a number costs (coalescing).

use crate::report::{us, x, Report};
use crate::stats::{median, Sample};
use crate::util::{self, threads_now};
use crate::Plan;
use cbstatus_sim::{Scenarios, Simulator};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const DELAY_MS: u64 = 200;

/// What one caller does: `Err(why)` when it failed.
type Op = Arc<dyn Fn(usize) -> Result<(), String> + Send + Sync>;

/// One burst of callers released together.
struct Burst {
    sample: Sample,
    errors: BTreeMap<String, usize>,
    upstream: usize,
    connections: usize,
    peak_threads: u64,
    spawn: Duration,
}

impl Burst {
    fn failed(&self) -> usize {
        self.errors.values().sum()
    }

    fn wall_us(&self) -> f64 {
        self.sample.wall.as_secs_f64() * 1e6
    }
}

fn burst(sim: &Simulator, callers: usize, op: Op) -> Burst {
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
            let (barrier, op) = (Arc::clone(&barrier), Arc::clone(&op));
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let outcome = op(i);
                    (start.elapsed(), outcome)
                })
                .expect("spawn a caller")
        })
        .collect();
    let spawn = spawn_start.elapsed();
    barrier.wait();
    let start = Instant::now();
    let mut lat = Vec::with_capacity(callers);
    let mut errors = BTreeMap::new();
    for h in handles {
        let (d, outcome) = h.join().expect("caller");
        lat.push(d.as_nanos() as u64);
        if let Err(e) = outcome {
            *errors.entry(e).or_default() += 1;
        }
    }
    let wall = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    Burst {
        sample: Sample::new(lat, wall),
        errors,
        upstream: sim.request_count() - r0,
        connections: sim.connection_count() - c0,
        peak_threads: peak.load(Ordering::Relaxed),
        spawn,
    }
}

fn lookup_op(
    client: &cbstatus::Client,
    number: impl Fn(usize) -> String + Send + Sync + 'static,
) -> Op {
    let client = client.clone();
    Arc::new(move |i| match client.status(&number(i)).error() {
        None => Ok(()),
        Some(e) => Err(e.to_string()),
    })
}

/// A new connection, the library's request bytes for `number(i)`, the whole reply.
fn raw_op(
    addr: SocketAddr,
    request: Arc<String>,
    number: impl Fn(usize) -> String + Send + Sync + 'static,
) -> Op {
    Arc::new(move |i| {
        let bytes = request.replace(util::NUMBER, &number(i));
        let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .write_all(bytes.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        let mut buf = Vec::new();
        crate::inproc::read_reply(&mut stream, &mut buf).map_err(|e| format!("read: {e}"))?;
        Ok(())
    })
}

fn summary(b: &Burst) -> String {
    let errors: Vec<String> = b.errors.iter().map(|(e, n)| format!("{n} x {e}")).collect();
    format!(
        "wall {} p50 {} p99 {}; upstream {}; new connections {}; peak threads {}{}",
        us(b.wall_us()),
        us(b.sample.p50_us()),
        us(b.sample.p99_us()),
        b.upstream,
        b.connections,
        b.peak_threads,
        if errors.is_empty() {
            String::new()
        } else {
            format!("; failed: {}", errors.join(", "))
        }
    )
}

/// `request`: the library's request bytes for [`util::NUMBER`] to the simulator at `sent_to`.
pub fn section(report: &mut Report, plan: &Plan, request: &[u8], sent_to: SocketAddr) {
    let n = plan.concurrent;
    eprintln!("[6] {n} concurrent lookups, simulator answering after {DELAY_MS} ms");
    let toml = format!("[settings]\nfault = {{ kind = \"delay\", ms = {DELAY_MS} }}\n");
    let scenarios = Scenarios::from_toml_str(&toml).expect("scenarios");
    let sim = Simulator::start("127.0.0.1:0", scenarios).expect("slow simulator");
    let request = Arc::new(
        String::from_utf8_lossy(request).replace(&sent_to.to_string(), &sim.addr().to_string()),
    );
    let client = util::client(&sim.organization_url(), util::NO_CACHE);
    let reps = plan.reps.min(3);
    let base_threads = threads_now();

    // Distinct numbers: no coalescing possible, every caller needs its own request. Library
    // and raw sockets alternate.
    let (mut lib, mut raw) = (Vec::new(), Vec::new());
    for rep in 0..reps {
        let number = move |i: usize| format!("+1555{:07}", 3_000_000 + i + rep * n);
        let b = burst(&sim, n, lookup_op(&client, number));
        eprintln!("  library rep {}: {}", rep + 1, summary(&b));
        lib.push(b);
        let b = burst(&sim, n, raw_op(sim.addr(), Arc::clone(&request), number));
        eprintln!("  raw     rep {}: {}", rep + 1, summary(&b));
        raw.push(b);
    }
    let shared = burst(&sim, n, lookup_op(&client, |_| "+15553999999".to_string()));
    eprintln!("  one number: {}", summary(&shared));
    let ten = burst(
        &sim,
        n,
        lookup_op(&client, |i| format!("+1555398{:04}", i % 10)),
    );
    eprintln!("  10 numbers: {}", summary(&ten));
    drop(client);
    drop(sim);

    let med = |v: &[Burst], f: fn(&Burst) -> f64| median(&v.iter().map(f).collect::<Vec<_>>());
    let ideal = DELAY_MS as f64 * 1000.0;
    let (lib_wall, raw_wall) = (med(&lib, Burst::wall_us), med(&raw, Burst::wall_us));
    let lib_failed: usize = lib.iter().map(Burst::failed).sum();
    let raw_failed: usize = raw.iter().map(Burst::failed).sum();
    let conns = |v: &[Burst]| {
        v.iter()
            .map(|b| b.connections.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    report.row(
        "6",
        format!("{n} concurrent lookups, distinct numbers, 200 ms upstream"),
        Some(med(&lib, |b| b.sample.p50_us())),
        Some(med(&lib, |b| b.sample.p99_us())),
        Some(n as f64 / (lib_wall / 1e6)),
        format!(
            "wall {} = {} the ideal; failed {lib_failed} of {}; new connections per burst: {}",
            us(lib_wall),
            x(lib_wall / ideal),
            n * reps,
            conns(&lib)
        ),
    );
    report.row(
        "6",
        format!("{n} concurrent raw requests (new socket each), same simulator"),
        Some(med(&raw, |b| b.sample.p50_us())),
        Some(med(&raw, |b| b.sample.p99_us())),
        Some(n as f64 / (raw_wall / 1e6)),
        format!(
            "wall {} = {} the ideal; failed {raw_failed} of {}",
            us(raw_wall),
            x(raw_wall / ideal),
            n * reps
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
            us(shared.wall_us()),
            shared.failed()
        ),
    );
    report.row(
        "6",
        format!("{n} concurrent lookups over 10 numbers"),
        Some(ten.sample.p50_us()),
        Some(ten.sample.p99_us()),
        None,
        format!(
            "upstream requests: {}; wall {}; failed {}",
            ten.upstream,
            us(ten.wall_us()),
            ten.failed()
        ),
    );
    report.note(format!(
        "section 6 threads: the process had {base_threads} threads before a burst and peaked \
         at {} (library) / {} (raw) during the first: the {n} callers plus the simulator's \
         thread per connection (plus any the HTTP client starts); spawning the {n} caller \
         threads took {} (the caller's cost, not the library's). The client keeps up to 64 idle \
         connections, so a later burst of {n} reuses 64 and opens the rest.",
        lib[0].peak_threads,
        raw[0].peak_threads,
        us(lib[0].spawn.as_secs_f64() * 1e6)
    ));
    let ratio = lib_wall / ideal;
    report.target(
        "500 concurrent slow lookups",
        "finish within 2x the ideal wall time (400 ms)",
        format!(
            "{} ({} of 200 ms), {lib_failed} failed; raw sockets: {} ({}), {raw_failed} failed",
            us(lib_wall),
            x(ratio),
            us(raw_wall),
            x(raw_wall / ideal)
        ),
        ratio <= 2.0 && lib_failed == 0,
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
