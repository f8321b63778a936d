//! `GET /metrics`: the counters of every profile's client (`cbstatus::stats`) in the Prometheus
//! text exposition format, written by `prometheus-client` at each scrape.
//!
//! Every series has a `profile` label (`default` for the top level of the configuration).
//! Nothing here holds a token or a caller number: the labels are fixed sets (actions,
//! results, error names, HTTP status codes, reasons) and the operator's profile names.

use cbstatus::stats::{upstream_code_label, HistogramSnapshot, StatsSnapshot, DURATION_BUCKETS};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::fmt;

/// `Content-Type` of the exposition.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The counters of each profile at one scrape.
#[derive(Debug)]
struct Scrape {
    profiles: Vec<(String, StatsSnapshot)>,
}

/// The exposition of `profiles` (name, counters), in that order.
pub fn render(profiles: Vec<(String, StatsSnapshot)>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape { profiles }));
    let mut text = String::new();
    // Writing into a String cannot fail; a collector error would be a bug shown as such.
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        text = format!("# encoding failed: {e}\n");
    }
    text
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

impl Scrape {
    /// One counter family: `series` gives each profile's labelled values.
    fn counter<'a>(
        &'a self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        series: impl Fn(&'a StatsSnapshot) -> Vec<(Labels<'a>, u64)>,
    ) -> fmt::Result {
        let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
        for (profile, stats) in &self.profiles {
            for (mut labels, value) in series(stats) {
                labels.insert(0, ("profile", profile.as_str()));
                ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }

    fn gauge(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        value: impl Fn(&StatsSnapshot) -> i64,
    ) -> fmt::Result {
        let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
        for (profile, stats) in &self.profiles {
            let labels = [("profile", profile.as_str())];
            ConstGauge::new(value(stats)).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }

    fn histogram(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        histogram: impl Fn(&StatsSnapshot) -> &HistogramSnapshot,
    ) -> fmt::Result {
        let mut family = encoder.encode_descriptor(name, help, None, MetricType::Histogram)?;
        for (profile, stats) in &self.profiles {
            let h = histogram(stats);
            let buckets: Vec<(f64, u64)> = DURATION_BUCKETS
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .zip(h.buckets.iter().copied())
                .collect();
            let labels = [("profile", profile.as_str())];
            family
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(h.sum_seconds, h.count, &buckets, None)?;
        }
        Ok(())
    }
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let e = &mut encoder;
        self.counter(
            e,
            "cbstatus_requests",
            "Requests by action (status, cancel, widget, ...) and result (found, not_found, error).",
            |s| {
                s.requests
                    .iter()
                    .map(|(a, r, n)| (vec![("action", a.as_str()), ("result", r.as_str())], *n))
                    .collect()
            },
        )?;
        self.counter(
            e,
            "cbstatus_errors",
            "Failed requests by error name (CBSTATUS_ERROR).",
            |s| {
                s.errors
                    .iter()
                    .map(|(k, n)| (vec![("error", k.name())], *n))
                    .collect()
            },
        )?;
        let codes: Vec<Vec<(String, u64)>> = self
            .profiles
            .iter()
            .map(|(_, s)| {
                s.upstream
                    .iter()
                    .map(|(c, n)| (upstream_code_label(*c), *n))
                    .collect()
            })
            .collect();
        {
            let mut family = e.encode_descriptor(
                "cbstatus_upstream_requests",
                "Requests to the Mindful API by HTTP status (none: no HTTP reply).",
                None,
                MetricType::Counter,
            )?;
            for ((profile, _), codes) in self.profiles.iter().zip(&codes) {
                for (code, n) in codes {
                    let labels = [("profile", profile.as_str()), ("code", code.as_str())];
                    ConstCounter::new(*n).encode(family.encode_family(&labels)?)?;
                }
            }
        }
        self.histogram(
            e,
            "cbstatus_request_duration_seconds",
            "Duration of whole requests (cache hits included).",
            |s| &s.request_duration,
        )?;
        self.histogram(
            e,
            "cbstatus_upstream_duration_seconds",
            "Duration of requests to the Mindful API.",
            |s| &s.upstream_duration,
        )?;
        self.counter(
            e,
            "cbstatus_cache_hits",
            "Lookups answered from the cache.",
            |s| vec![(vec![], s.cache_hits)],
        )?;
        self.counter(
            e,
            "cbstatus_coalesced",
            "Lookups that shared an identical lookup in flight.",
            |s| vec![(vec![], s.coalesced)],
        )?;
        self.counter(
            e,
            "cbstatus_prefetch",
            "Prefetches by outcome: started, used (answered a lookup), ignored (already prefetched, or prefetch_max in flight), failed.",
            |s| {
                s.prefetch
                    .iter()
                    .map(|(o, n)| (vec![("outcome", o.as_str())], *n))
                    .collect()
            },
        )?;
        self.gauge(
            e,
            "cbstatus_breaker_open",
            "1 while the circuit breaker is open (callers get the fallback at once).",
            |s| i64::from(s.breaker_open),
        )?;
        self.gauge(
            e,
            "cbstatus_calls_in_flight",
            "Requests in progress.",
            |s| i64::try_from(s.in_flight).unwrap_or(i64::MAX),
        )?;
        self.counter(
            e,
            "cbstatus_calls_rejected",
            "Calls that got the fallback without their request being tried, by reason.",
            |s| {
                s.rejected
                    .iter()
                    .map(|(r, n)| (vec![("reason", r.as_str())], *n))
                    .collect()
            },
        )?;
        self.counter(
            e,
            "cbstatus_connections_opened",
            "Connections opened to the Mindful API (reused ones are not counted again).",
            |s| vec![(vec![], s.connections_opened)],
        )?;
        self.counter(
            e,
            "cbstatus_found_by_format",
            "Status lookups from the API that found the caller, by number_format entry (one found under two formats counts for both).",
            |s| {
                s.found_by_format
                    .iter()
                    .map(|(f, n)| (vec![("format", f.as_str())], *n))
                    .collect()
            },
        )?;
        let mut family = e.encode_descriptor(
            "cbstatus_build_info",
            "The running version (always 1).",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(1i64).encode(family.encode_family(&[("version", cbstatus::VERSION)])?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cbstatus::stats::Stats;
    use std::time::Duration;

    #[test]
    fn every_metric_is_written_per_profile_with_values() {
        let stats = Stats::new();
        stats.record_upstream(Some(200), Duration::from_millis(2));
        stats.record_upstream(None, Duration::from_secs(7));
        stats.record_cache_hit();
        stats.record_found_by_format(&[cbstatus::NumberFormat::National]);
        let text = render(vec![
            ("default".into(), stats.snapshot(false)),
            ("support".into(), Stats::new().snapshot(true)),
        ]);
        for line in [
            "# TYPE cbstatus_requests_total counter",
            "cbstatus_requests_total{profile=\"default\",action=\"status\",result=\"found\"} 0",
            "cbstatus_errors_total{profile=\"support\",error=\"timeout\"} 0",
            "cbstatus_upstream_requests_total{profile=\"default\",code=\"200\"} 1",
            "cbstatus_upstream_requests_total{profile=\"default\",code=\"none\"} 1",
            "# TYPE cbstatus_upstream_duration_seconds histogram",
            "cbstatus_upstream_duration_seconds_bucket{profile=\"default\",le=\"0.001\"} 0",
            "cbstatus_upstream_duration_seconds_bucket{profile=\"default\",le=\"0.0025\"} 1",
            "cbstatus_upstream_duration_seconds_bucket{profile=\"default\",le=\"5\"} 1",
            "cbstatus_upstream_duration_seconds_bucket{profile=\"default\",le=\"+Inf\"} 2",
            "cbstatus_upstream_duration_seconds_count{profile=\"default\"} 2",
            "cbstatus_cache_hits_total{profile=\"default\"} 1",
            "cbstatus_coalesced_total{profile=\"support\"} 0",
            "cbstatus_prefetch_total{profile=\"default\",outcome=\"started\"} 0",
            "cbstatus_breaker_open{profile=\"support\"} 1",
            "cbstatus_breaker_open{profile=\"default\"} 0",
            "cbstatus_calls_in_flight{profile=\"default\"} 0",
            "cbstatus_calls_rejected_total{profile=\"default\",reason=\"busy\"} 0",
            "cbstatus_connections_opened_total{profile=\"default\"} 0",
            "cbstatus_found_by_format_total{profile=\"default\",format=\"national\"} 1",
            "cbstatus_found_by_format_total{profile=\"default\",format=\"e164\"} 0",
            "# TYPE cbstatus_request_duration_seconds histogram",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(text.contains(&format!(
            "cbstatus_build_info{{version=\"{}\"}} 1",
            cbstatus::VERSION
        )));
    }
}
