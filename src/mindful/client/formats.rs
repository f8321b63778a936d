//! A status lookup in every configured number format at once (issue 21): one request per
//! distinct `contact_number`, all in flight together within the same deadline, so a lookup of
//! three formats takes one round trip, not three. Each request runs on its own scoped thread
//! and takes its own pooled connection (the pool keeps up to `IDLE_CONNECTIONS` warm), and
//! goes through the breaker and the counters like any request. The answers are merged by
//! `mindful/formats.rs`, which also says which format a later cancel or register uses.

use super::super::formats::{merge, FormatAnswer};
use super::send::Idempotent;
use super::{Client, Replied};
use crate::error::{Error, ErrorKind};
use crate::log::masked;
use crate::number::{NumberFormat, PhoneNumber};
use crate::status::StatusReport;
use jiff::Timestamp;
use std::time::Instant;

impl Client {
    /// Ask the API for `number` in every configured format (a format writing the number as an
    /// earlier one did is not asked twice), merge the answers and remember which format found
    /// the caller.
    pub(super) fn fetch_status(&self, number: &PhoneNumber) -> Replied<StatusReport> {
        let formats = &self.inner.config.number_format;
        let mut asks: Vec<(NumberFormat, &str)> = Vec::with_capacity(formats.len());
        for format in formats.iter() {
            let contact = number.formatted(format, &self.inner.country);
            if !asks.iter().any(|(_, asked)| *asked == contact) {
                asks.push((format, contact));
            }
        }
        // One permit for the whole lookup: the breaker counts lookups, so listing three
        // formats does not open it three times sooner (nor spend a half-open probe per format).
        let what = || format!("callback_status {}", masked(number.as_str()));
        let permit = match self.admit(&what) {
            Ok(permit) => permit,
            Err(error) => return Replied::without_reply(Err(error)),
        };
        let answers: Vec<FormatAnswer> = std::thread::scope(|scope| {
            let others: Vec<_> = asks[1..]
                .iter()
                .map(|&(format, contact)| {
                    let handle = std::thread::Builder::new()
                        .name("cbstatus-format".into())
                        .spawn_scoped(scope, move || self.fetch_as(format, contact));
                    (format, contact, handle)
                })
                .collect();
            let mut answers = vec![self.fetch_as(asks[0].0, asks[0].1)];
            for (format, contact, handle) in others {
                answers.push(match handle {
                    Ok(handle) => handle.join().unwrap_or_else(|_| FormatAnswer {
                        format,
                        outcome: Err(Error::new(
                            ErrorKind::Internal,
                            "the request in one number format failed unexpectedly",
                        )),
                        http_status: None,
                    }),
                    // No thread to be had: ask in this one, after the others.
                    Err(_) => self.fetch_as(format, contact),
                });
            }
            answers
        });
        let replied = self.merged(number, answers);
        self.state()
            .breaker
            .record(permit, replied.outcome.as_ref().map(|_| ()));
        replied
    }

    /// The answers merged; which format found the caller remembered and counted.
    fn merged(&self, number: &PhoneNumber, answers: Vec<FormatAnswer>) -> Replied<StatusReport> {
        let merged = merge(answers, Timestamp::now());
        self.state()
            .found_under
            .record(number.as_str(), merged.found_by.first().copied());
        if merged.outcome.is_ok() {
            self.inner.stats.record_found_by_format(&merged.found_by);
        }
        Replied {
            outcome: merged.outcome,
            http_status: merged.http_status,
        }
    }

    /// One `callback_status` request with `contact` (the number written as `format`), counted
    /// and logged; the caller holds the breaker's permit.
    fn fetch_as(&self, format: NumberFormat, contact: &str) -> FormatAnswer {
        let replied = self.counted_upstream(
            || format!("callback_status {} ({format})", masked(contact)),
            || {
                let started = Instant::now();
                let url = self.inner.url.callback_status();
                self.post(&url, contact, Idempotent::Yes).and_then(|body| {
                    let report = super::wire::parse_callback_status(&body, Timestamp::now());
                    self.in_time(started, report)
                })
            },
        );
        FormatAnswer {
            format,
            outcome: replied.outcome,
            http_status: replied.http_status,
        }
    }

    /// How a cancel or register writes `number`: the format its last lookup found it under,
    /// else the first configured format (see `mindful/formats.rs`).
    pub(super) fn change_format(&self, number: &PhoneNumber) -> NumberFormat {
        self.state()
            .found_under
            .get(number.as_str())
            .unwrap_or_else(|| self.inner.config.number_format.first())
    }
}
