//! What one client has done: requests and their results, errors, upstream replies, timings,
//! cache and breaker activity. `cbstatus fastagi --http` serves these as Prometheus metrics;
//! embedders read them with `cb_client_stats_json()` or Python `Client.stats()`.
//!
//! Every counter is an atomic updated where the event happens (no lock on the lookup path);
//! a [`StatsSnapshot`] reads them one by one, so a snapshot taken during a burst may be a few
//! events apart between counters, never torn within one. Counters only grow (the in-flight
//! gauge aside), from zero when the client was made. After `fork()` a child process has a copy
//! of the counters as they were at the fork and counts on its own from there.

use crate::action::Action;
use crate::error::{Error, ErrorKind};
use crate::number::NumberFormat;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Upper bounds (seconds) of the duration histogram buckets, 1 ms to 5 s; a last `+Inf`
/// bucket holds the rest.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Every action, in label order.
pub const ACTIONS: [Action; 5] = Action::ALL;

/// How a request ended, as the `result` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestResult {
    /// The API answered with something: callbacks exist, a cancel was done or refused, a
    /// widget answered.
    Found,
    /// The API answered that the number has no callback (status or cancel).
    NotFound,
    /// The request failed; the caller heard the fallback.
    Error,
}

impl RequestResult {
    /// Every result, in label order.
    pub const ALL: [RequestResult; 3] = [
        RequestResult::Found,
        RequestResult::NotFound,
        RequestResult::Error,
    ];

    /// `found`, `not_found` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestResult::Found => "found",
            RequestResult::NotFound => "not_found",
            RequestResult::Error => "error",
        }
    }
}

/// Why a call got the fallback without its request being tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// The server was at its concurrency limit (`--max-calls`).
    Busy,
    /// The circuit breaker was open: the API was not called.
    CircuitOpen,
}

impl RejectReason {
    /// Every reason, in label order.
    pub const ALL: [RejectReason; 2] = [RejectReason::Busy, RejectReason::CircuitOpen];

    /// `busy` or `circuit_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::Busy => "busy",
            RejectReason::CircuitOpen => "circuit_open",
        }
    }
}

/// What became of a prefetch (a lookup started while the greeting plays, whose answer the
/// call's real lookup then uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrefetchOutcome {
    /// A prefetch lookup was started.
    Started,
    /// A lookup was answered by a prefetch (joined it in flight, or took its kept answer).
    Used,
    /// Not started: the number was already prefetched, or `prefetch_max` were in flight.
    Ignored,
    /// The prefetch lookup failed (the real lookup tries again).
    Failed,
}

impl PrefetchOutcome {
    /// Every outcome, in label order.
    pub const ALL: [PrefetchOutcome; 4] = [
        PrefetchOutcome::Started,
        PrefetchOutcome::Used,
        PrefetchOutcome::Ignored,
        PrefetchOutcome::Failed,
    ];

    /// `started`, `used`, `ignored` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrefetchOutcome::Started => "started",
            PrefetchOutcome::Used => "used",
            PrefetchOutcome::Ignored => "ignored",
            PrefetchOutcome::Failed => "failed",
        }
    }
}

/// Upstream replies are counted by HTTP status 100-599; slot 0 counts requests that got no
/// HTTP status (timeout, connection or TLS failure).
const UPSTREAM_SLOTS: usize = 600;

/// A duration histogram over [`DURATION_BUCKETS`].
#[derive(Debug)]
pub struct Histogram {
    /// Per-bucket (not cumulative) counts; the last one is `+Inf`.
    buckets: [AtomicU64; DURATION_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Count one observation.
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = DURATION_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(DURATION_BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            buckets: self
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect(),
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
            count: self.count.load(Ordering::Relaxed),
        }
    }
}

/// The counters of one client. See the module documentation.
#[derive(Debug)]
pub struct Stats {
    requests: [[AtomicU64; RequestResult::ALL.len()]; ACTIONS.len()],
    errors: [AtomicU64; ErrorKind::ALL.len()],
    upstream: [AtomicU64; UPSTREAM_SLOTS],
    request_duration: Histogram,
    upstream_duration: Histogram,
    cache_hits: AtomicU64,
    coalesced: AtomicU64,
    prefetch: [AtomicU64; PrefetchOutcome::ALL.len()],
    in_flight: AtomicI64,
    rejected: [AtomicU64; RejectReason::ALL.len()],
    connections_opened: AtomicU64,
    found_by_format: [AtomicU64; NumberFormat::ALL.len()],
}

impl Default for Stats {
    fn default() -> Self {
        let zeros = || AtomicU64::new(0);
        Stats {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| zeros())),
            errors: std::array::from_fn(|_| zeros()),
            upstream: std::array::from_fn(|_| zeros()),
            request_duration: Histogram::default(),
            upstream_duration: Histogram::default(),
            cache_hits: zeros(),
            coalesced: zeros(),
            prefetch: std::array::from_fn(|_| zeros()),
            in_flight: AtomicI64::new(0),
            rejected: std::array::from_fn(|_| zeros()),
            connections_opened: zeros(),
            found_by_format: std::array::from_fn(|_| zeros()),
        }
    }
}

fn index_of<T: PartialEq>(all: &[T], item: &T) -> usize {
    all.iter().position(|x| x == item).unwrap_or(0)
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    /// All zero.
    pub fn new() -> Stats {
        Stats::default()
    }

    /// A request (status, cancel or widget) starts: counted in flight until the guard drops.
    pub fn start_request(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight {
            stats: self,
            started: Instant::now(),
        }
    }

    /// A request of `action` ended with `result` (and `error` when it failed) after
    /// `elapsed` (a `LookupResult` says all three: `action()`, `request_result()`,
    /// `error()`).
    pub fn record_request(
        &self,
        action: Action,
        result: RequestResult,
        error: Option<&Error>,
        elapsed: Duration,
    ) {
        let action = index_of(&ACTIONS, &action);
        let outcome = index_of(&RequestResult::ALL, &result);
        bump(&self.requests[action][outcome]);
        if let Some(error) = error {
            self.record_error(error);
        }
        self.request_duration.observe(elapsed);
    }

    /// Count an error by its kind (also for failures outside a request, e.g. a call whose
    /// profile is unknown).
    pub fn record_error(&self, error: &Error) {
        bump(&self.errors[index_of(&ErrorKind::ALL, &error.kind())]);
    }

    /// One upstream request ended with HTTP `status` (`None`: no HTTP reply at all).
    pub fn record_upstream(&self, status: Option<u16>, elapsed: Duration) {
        let slot = status
            .map(usize::from)
            .filter(|s| (100..UPSTREAM_SLOTS).contains(s))
            .unwrap_or(0);
        bump(&self.upstream[slot]);
        self.upstream_duration.observe(elapsed);
    }

    /// A lookup was answered from the cache.
    pub fn record_cache_hit(&self) {
        bump(&self.cache_hits);
    }

    /// A lookup shared the answer of an identical lookup in flight.
    pub fn record_coalesced(&self) {
        bump(&self.coalesced);
    }

    /// A prefetch event (see [`PrefetchOutcome`]).
    pub fn record_prefetch(&self, outcome: PrefetchOutcome) {
        bump(&self.prefetch[index_of(&PrefetchOutcome::ALL, &outcome)]);
    }

    /// A call got the fallback without its request being tried.
    pub fn record_rejected(&self, reason: RejectReason) {
        bump(&self.rejected[index_of(&RejectReason::ALL, &reason)]);
    }

    /// A new connection to the API was opened (not a pooled one reused).
    pub fn record_connection(&self) {
        bump(&self.connections_opened);
    }

    /// A status lookup from the API found the caller under each of `formats` (every format
    /// whose request found a callback, so an operator sees which their organization matches).
    pub fn record_found_by_format(&self, formats: &[NumberFormat]) {
        for format in formats {
            bump(&self.found_by_format[index_of(&NumberFormat::ALL, format)]);
        }
    }

    /// Read every counter; `breaker_open` is the breaker's state now.
    pub fn snapshot(&self, breaker_open: bool) -> StatsSnapshot {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            requests: ACTIONS
                .iter()
                .zip(&self.requests)
                .flat_map(|(action, row)| {
                    RequestResult::ALL
                        .iter()
                        .zip(row)
                        .map(move |(result, n)| (*action, *result, load(n)))
                })
                .collect(),
            errors: ErrorKind::ALL
                .iter()
                .zip(&self.errors)
                .map(|(kind, n)| (*kind, load(n)))
                .collect(),
            upstream: self
                .upstream
                .iter()
                .enumerate()
                .filter_map(|(code, n)| {
                    let n = load(n);
                    (n > 0).then(|| (u16::try_from(code).ok().filter(|c| *c > 0), n))
                })
                .collect(),
            request_duration: self.request_duration.snapshot(),
            upstream_duration: self.upstream_duration.snapshot(),
            cache_hits: load(&self.cache_hits),
            coalesced: load(&self.coalesced),
            prefetch: PrefetchOutcome::ALL
                .iter()
                .zip(&self.prefetch)
                .map(|(o, n)| (*o, load(n)))
                .collect(),
            breaker_open,
            in_flight: self.in_flight.load(Ordering::Relaxed).max(0) as u64,
            rejected: RejectReason::ALL
                .iter()
                .zip(&self.rejected)
                .map(|(r, n)| (*r, load(n)))
                .collect(),
            connections_opened: load(&self.connections_opened),
            found_by_format: NumberFormat::ALL
                .iter()
                .zip(&self.found_by_format)
                .map(|(f, n)| (*f, load(n)))
                .collect(),
        }
    }
}

/// A request in flight (see [`Stats::start_request`]).
#[must_use]
pub struct InFlight<'a> {
    stats: &'a Stats,
    started: Instant,
}

impl InFlight<'_> {
    /// The request finished (see [`Stats::record_request`]): count it and its duration.
    pub fn finish(self, action: Action, result: RequestResult, error: Option<&Error>) {
        self.stats
            .record_request(action, result, error, self.started.elapsed());
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A duration histogram as read.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// Per-bucket (not cumulative) counts over [`DURATION_BUCKETS`], then `+Inf`.
    pub buckets: Vec<u64>,
    /// Sum of all observations, seconds.
    pub sum_seconds: f64,
    /// Number of observations.
    pub count: u64,
}

impl HistogramSnapshot {
    /// `(upper bound, cumulative count)` per bucket, `+Inf` last (as Prometheus writes it).
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let bounds = DURATION_BUCKETS.iter().copied().chain([f64::INFINITY]);
        let mut total = 0;
        bounds
            .zip(&self.buckets)
            .map(|(bound, n)| {
                total += n;
                (bound, total)
            })
            .collect()
    }

    fn to_json(&self) -> Value {
        let buckets: Vec<Value> = self
            .cumulative()
            .into_iter()
            .map(|(le, n)| {
                let le = if le.is_finite() {
                    json!(le)
                } else {
                    json!("+Inf")
                };
                json!({ "le": le, "count": n })
            })
            .collect();
        json!({ "buckets": buckets, "sum": self.sum_seconds, "count": self.count })
    }
}

/// Every counter of a client at one moment (see [`Stats::snapshot`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StatsSnapshot {
    /// Requests by action and result (every pair, zeros included).
    pub requests: Vec<(Action, RequestResult, u64)>,
    /// Failed requests by error kind (every kind, zeros included).
    pub errors: Vec<(ErrorKind, u64)>,
    /// Upstream requests by HTTP status (`None`: no HTTP reply); only statuses seen.
    pub upstream: Vec<(Option<u16>, u64)>,
    /// Duration of whole requests (cache hits included).
    pub request_duration: HistogramSnapshot,
    /// Duration of the upstream HTTP requests.
    pub upstream_duration: HistogramSnapshot,
    /// Lookups answered from the cache.
    pub cache_hits: u64,
    /// Lookups that shared an identical lookup in flight.
    pub coalesced: u64,
    /// Prefetch events by outcome.
    pub prefetch: Vec<(PrefetchOutcome, u64)>,
    /// The circuit breaker is open (or half-open: probing) now.
    pub breaker_open: bool,
    /// Requests in progress now.
    pub in_flight: u64,
    /// Calls that got the fallback without being tried, by reason.
    pub rejected: Vec<(RejectReason, u64)>,
    /// Connections opened to the API.
    pub connections_opened: u64,
    /// Status lookups from the API that found the caller, by number format (every format,
    /// zeros included; a lookup found under two formats counts for both).
    pub found_by_format: Vec<(NumberFormat, u64)>,
}

impl StatsSnapshot {
    /// Requests of `action` that ended with `result`.
    pub fn requests_of(&self, action: Action, result: RequestResult) -> u64 {
        self.requests
            .iter()
            .find(|(a, r, _)| *a == action && *r == result)
            .map_or(0, |(_, _, n)| *n)
    }

    /// A JSON object with every counter (the format of `cb_client_stats_json`):
    ///
    /// ```json
    /// {"version": "0.1.0",
    ///  "requests": {"status": {"found": 3, "not_found": 1, "error": 0}, "cancel": {...}, "widget": {...}},
    ///  "errors": {"timeout": 0, ...every error name...},
    ///  "upstream_requests": {"200": 4, "503": 1, "none": 1},
    ///  "request_duration_seconds": {"buckets": [{"le": 0.001, "count": 2}, ..., {"le": "+Inf", "count": 5}], "sum": 0.12, "count": 5},
    ///  "upstream_duration_seconds": {...},
    ///  "cache_hits": 1, "coalesced": 0, "prefetch": {"started": 0, "used": 0, "ignored": 0, "failed": 0},
    ///  "breaker_open": false, "calls_in_flight": 0,
    ///  "calls_rejected": {"busy": 0, "circuit_open": 0},
    ///  "connections_opened": 1,
    ///  "found_by_format": {"e164": 3, "digits": 0, "national": 0}}
    /// ```
    pub fn to_json(&self) -> Value {
        let mut requests = Map::new();
        for action in ACTIONS {
            let by_result: Map<String, Value> = RequestResult::ALL
                .iter()
                .map(|r| (r.as_str().to_string(), json!(self.requests_of(action, *r))))
                .collect();
            requests.insert(action.as_str().to_string(), Value::Object(by_result));
        }
        let errors = by_label(&self.errors, |k| k.name().to_string());
        let upstream = by_label(&self.upstream, |code| upstream_code_label(*code));
        let prefetch = by_label(&self.prefetch, |o| o.as_str().to_string());
        let rejected = by_label(&self.rejected, |r| r.as_str().to_string());
        let found_by_format = by_label(&self.found_by_format, |f| f.as_str().to_string());
        json!({
            "version": crate::VERSION,
            "requests": requests,
            "errors": errors,
            "upstream_requests": upstream,
            "request_duration_seconds": self.request_duration.to_json(),
            "upstream_duration_seconds": self.upstream_duration.to_json(),
            "cache_hits": self.cache_hits,
            "coalesced": self.coalesced,
            "prefetch": prefetch,
            "breaker_open": self.breaker_open,
            "calls_in_flight": self.in_flight,
            "calls_rejected": rejected,
            "connections_opened": self.connections_opened,
            "found_by_format": found_by_format,
        })
    }
}

/// `{label: count}` of labelled counts.
fn by_label<T>(counts: &[(T, u64)], label: impl Fn(&T) -> String) -> Value {
    let map: Map<String, Value> = counts.iter().map(|(t, n)| (label(t), json!(n))).collect();
    Value::Object(map)
}

/// The `code` label of an upstream status: `"200"`, ..., or `"none"` (no HTTP reply).
pub fn upstream_code_label(code: Option<u16>) -> String {
    code.map_or_else(|| "none".to_string(), |c| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_results_errors_and_durations() {
        let stats = Stats::new();
        let slow = Error::new(ErrorKind::Timeout, "slow");
        {
            let call = stats.start_request();
            assert_eq!(stats.snapshot(false).in_flight, 1);
            call.finish(Action::Status, RequestResult::Found, None);
        }
        stats.record_request(
            Action::Status,
            RequestResult::NotFound,
            None,
            Duration::from_millis(3),
        );
        stats.record_request(
            Action::Status,
            RequestResult::Error,
            Some(&slow),
            Duration::from_secs(9),
        );
        stats.record_upstream(Some(200), Duration::from_micros(500));
        stats.record_upstream(None, Duration::from_millis(30));
        stats.record_rejected(RejectReason::Busy);
        let s = stats.snapshot(true);
        assert_eq!(s.in_flight, 0);
        assert_eq!(s.requests_of(Action::Status, RequestResult::Found), 1);
        assert_eq!(s.requests_of(Action::Status, RequestResult::NotFound), 1);
        assert_eq!(s.requests_of(Action::Status, RequestResult::Error), 1);
        assert!(s.errors.contains(&(ErrorKind::Timeout, 1)));
        assert_eq!(s.upstream, vec![(None, 1), (Some(200), 1)]);
        assert_eq!(s.request_duration.count, 3);
        let cumulative = s.request_duration.cumulative();
        assert_eq!(cumulative.last(), Some(&(f64::INFINITY, 3)));
        assert_eq!(
            cumulative[DURATION_BUCKETS.len() - 1],
            (5.0, 2),
            "9 s is past 5 s"
        );
        assert_eq!(s.upstream_duration.cumulative()[0], (0.001, 1));
        let json = s.to_json();
        assert_eq!(json["requests"]["status"]["found"], 1);
        assert_eq!(json["errors"]["timeout"], 1);
        assert_eq!(json["upstream_requests"]["none"], 1);
        assert_eq!(json["upstream_requests"]["200"], 1);
        assert_eq!(json["breaker_open"], true);
        assert_eq!(json["calls_rejected"]["busy"], 1);
        assert_eq!(
            json["request_duration_seconds"]["buckets"][12]["le"],
            "+Inf"
        );
    }
}
