//! Samples, percentiles and medians across repetitions.

use std::time::Duration;

/// One measured run: per-operation latencies and the wall time of the whole run.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Latency of each operation, nanoseconds, sorted.
    pub lat_ns: Vec<u64>,
    /// Wall time of the run (all threads).
    pub wall: Duration,
    /// CPU time (user + system) this process spent during the run, all threads, when
    /// measured.
    pub cpu: Option<Duration>,
}

impl Sample {
    pub fn new(mut lat_ns: Vec<u64>, wall: Duration) -> Sample {
        lat_ns.sort_unstable();
        Sample {
            lat_ns,
            wall,
            cpu: None,
        }
    }

    /// Several runs as one: latencies pooled, wall and CPU times added.
    pub fn merge(parts: &[Sample]) -> Sample {
        let lat = parts
            .iter()
            .flat_map(|p| p.lat_ns.iter().copied())
            .collect();
        let mut s = Sample::new(lat, parts.iter().map(|p| p.wall).sum());
        s.cpu = parts.iter().map(|p| p.cpu).sum();
        s
    }

    /// CPU time of this process per operation, µs (NaN when not measured).
    pub fn cpu_per_op_us(&self) -> f64 {
        self.cpu.map_or(f64::NAN, |c| {
            c.as_secs_f64() * 1e6 / self.lat_ns.len() as f64
        })
    }

    /// The `q` quantile (0..=1) of the latencies, microseconds (nearest rank).
    pub fn quantile_us(&self, q: f64) -> f64 {
        if self.lat_ns.is_empty() {
            return f64::NAN;
        }
        let rank = (q * self.lat_ns.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.lat_ns.len()) - 1;
        self.lat_ns[i] as f64 / 1000.0
    }

    pub fn p50_us(&self) -> f64 {
        self.quantile_us(0.50)
    }

    pub fn p99_us(&self) -> f64 {
        self.quantile_us(0.99)
    }

    /// Operations per second over the wall time.
    pub fn per_sec(&self) -> f64 {
        self.lat_ns.len() as f64 / self.wall.as_secs_f64()
    }
}

/// The median of `values` (NaN when empty); NaNs are ignored.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The same measurement repeated: per-repetition figures, reported as medians.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub p50: Vec<f64>,
    pub p99: Vec<f64>,
    pub rate: Vec<f64>,
    pub cpu: Vec<f64>,
}

impl Series {
    pub fn push(&mut self, s: &Sample) {
        self.p50.push(s.p50_us());
        self.p99.push(s.p99_us());
        self.rate.push(s.per_sec());
        self.cpu.push(s.cpu_per_op_us());
    }

    /// Median CPU µs per operation.
    pub fn cpu(&self) -> f64 {
        median(&self.cpu)
    }

    pub fn p50(&self) -> f64 {
        median(&self.p50)
    }

    pub fn p99(&self) -> f64 {
        median(&self.p99)
    }

    pub fn rate(&self) -> f64 {
        median(&self.rate)
    }
}

/// Per-repetition ratios `a[i] / b[i]`, and their median.
pub fn ratio(a: &[f64], b: &[f64]) -> f64 {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    median(&r)
}
