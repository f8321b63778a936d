//! One client's figures for a case, how each client runs a sequence of lookups, and where a
//! lookup's time went as the link saw it.

use super::floor::Floor;
use super::link::Link;
use crate::util;
use cbstatus::Client;
use std::path::Path;
use std::time::{Duration, Instant};

/// Latencies of one client in one case (None: failed), with when each lookup started.
#[derive(Default)]
pub struct Runs {
    pub lat: Vec<Option<Duration>>,
    pub starts: Vec<Instant>,
}

impl Runs {
    /// `{"lat_ns": [n or null, ...]}` from py_wan.py.
    pub fn from_json(v: &serde_json::Value) -> Runs {
        let lat = v["lat_ns"].as_array().map_or(&[][..], Vec::as_slice);
        Runs {
            lat: lat
                .iter()
                .map(|n| n.as_u64().map(Duration::from_nanos))
                .collect(),
            starts: Vec::new(),
        }
    }

    pub fn push(&mut self, start: Instant, lat: Option<Duration>) {
        self.starts.push(start);
        self.lat.push(lat);
    }

    pub fn failures(&self) -> usize {
        self.lat.iter().filter(|l| l.is_none()).count()
    }

    fn ok(&self) -> Vec<Duration> {
        let mut v: Vec<_> = self.lat.iter().flatten().copied().collect();
        v.sort();
        v
    }

    pub fn median(&self) -> Option<Duration> {
        median(self.ok())
    }

    pub fn worst(&self) -> Option<Duration> {
        self.ok().last().copied()
    }

    /// Without the first (warm-up) lookup.
    pub fn skip_first(mut self) -> Runs {
        if !self.lat.is_empty() {
            self.lat.remove(0);
        }
        if !self.starts.is_empty() {
            self.starts.remove(0);
        }
        self
    }
}

/// The middle value (upper middle for an even count).
pub fn median(mut v: Vec<Duration>) -> Option<Duration> {
    v.sort();
    (!v.is_empty()).then(|| v[v.len() / 2])
}

fn sleep(seconds: f64) {
    std::thread::sleep(Duration::from_secs_f64(seconds));
}

/// cbstatus: sleep `gaps[i]`, then look up `number` (timing only the lookup).
pub fn cbstatus(client: &Client, number: &str, gaps: &[f64]) -> Runs {
    let mut runs = Runs::default();
    for gap in gaps {
        sleep(*gap);
        let t = Instant::now();
        let r = client.status(number);
        runs.push(t, r.error().is_none().then(|| t.elapsed()));
    }
    runs
}

/// The floor client: sleep `gaps[i]`, then one lookup on its kept connection.
pub fn floor(client: &mut Floor, gaps: &[f64]) -> Runs {
    let mut runs = Runs::default();
    for gap in gaps {
        sleep(*gap);
        let t = Instant::now();
        runs.push(t, client.lookup());
    }
    runs
}

/// curl, a process per call (as a dialplan `System()` does).
pub fn curl_once(url: &str, ca: Option<&Path>, number: &str) -> Option<Duration> {
    let payload = format!("{{\"contact_number\":\"{number}\"}}");
    let mut cmd = util::command("curl");
    cmd.args(["-sS", "--max-time", "5"]);
    if let Some(ca) = ca {
        cmd.arg("--cacert").arg(ca);
    }
    cmd.args([
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
    ])
    .arg(&payload)
    .arg(format!("{url}/callback_status"));
    let t = Instant::now();
    let out = cmd.output().ok()?;
    let took = t.elapsed();
    (out.status.success() && out.stdout.starts_with(b"{\"data\":[")).then_some(took)
}

pub fn curl(url: &str, ca: &Path, gaps: &[f64]) -> Runs {
    let mut runs = Runs::default();
    for gap in gaps {
        sleep(*gap);
        let t = Instant::now();
        runs.push(t, curl_once(url, Some(ca), util::NUMBER));
    }
    runs
}

/// Where the time of the lookups in `runs` went, as `link` saw its client side: medians of
/// the client's own time before its first request byte reached the link, the link and
/// everything behind it (first request byte to last reply byte handed to the client), and the
/// client's time after that; plus the request's chunks as the link read them.
pub fn breakdown(link: &Link, runs: &Runs) -> Option<String> {
    let crossings = link.crossings();
    let (mut before, mut across, mut after, mut chunks) = (vec![], vec![], vec![], vec![]);
    let mut sizes = Vec::new();
    for (start, lat) in runs.starts.iter().zip(&runs.lat) {
        let Some(lat) = lat else { continue };
        let end = *start + *lat;
        let within: Vec<_> = crossings
            .iter()
            .filter(|c| c.at >= *start && c.at <= end)
            .collect();
        let first_up = within.iter().find(|c| c.upstream)?;
        let last_down = within.iter().rev().find(|c| !c.upstream)?;
        before.push(first_up.at - *start);
        across.push(last_down.at.saturating_duration_since(first_up.at));
        after.push(end.saturating_duration_since(last_down.at));
        let ups: Vec<usize> = within
            .iter()
            .filter(|c| c.upstream && c.at < last_down.at)
            .map(|c| c.bytes)
            .collect();
        chunks.push(ups.len());
        sizes = ups;
    }
    chunks.sort();
    let ms = |v: Vec<Duration>| median(v).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    Some(format!(
        "before the first request byte {:.2} ms, link and far end {:.2} ms, after the last \
         reply byte {:.2} ms; request in {} chunk(s) (the last lookup's: {sizes:?} bytes)",
        ms(before),
        ms(across),
        ms(after),
        chunks.get(chunks.len() / 2)?
    ))
}
