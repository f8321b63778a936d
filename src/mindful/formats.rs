//! Merging the answers of one status lookup asked in several number formats, and remembering
//! which format found each caller (see `number/formats.rs` for the list itself).
//!
//! The rules, and why:
//! - **Found wins.** If any format's request found a callback, the answer is the merged
//!   callbacks of every format that found one, even if another format's request failed (the
//!   caller has a callback; a failure elsewhere changes nothing they hear).
//! - **Merged once.** Callbacks are taken in list order; one whose `call_request_id` was
//!   already taken from an earlier format is the same request stored or matched twice and is
//!   dropped. Each callback keeps the position and wait its own reply gave (formats are never
//!   mixed inside one callback); the merged list is ordered as one reply's would be
//!   (`StatusReport::new`: soonest open first), so the callback spoken about is the soonest
//!   open one whichever format found it. A callback without an id is always kept.
//! - **Not found only when every format said so.** With nothing found, any failure is the
//!   answer (the first failing format's error, in list order): the callback may be stored
//!   under the format whose request failed, and "no callback" would be a wrong answer where
//!   "could not check" is a true one. All formats failing is the first format's error.
//! - **One lookup for the breaker.** The circuit breaker admits and counts the lookup once,
//!   with the merged outcome (`mindful/client/formats.rs`): three formats neither open it
//!   three times sooner nor spend three half-open probes.
//! - **Cancel and register** use the first format, in list order, that found the caller in
//!   its last lookup ([`FoundUnder`]); before any lookup found them, the first listed format
//!   (no extra request is made to find out: a cancel is never delayed by a lookup).

use crate::error::Result;
use crate::number::NumberFormat;
use crate::status::StatusReport;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// Most callers remembered; beyond it the memory starts again (cancel/register then use the
/// first format until the caller is looked up again).
const MAX_REMEMBERED: usize = 4096;

/// One format's answer to a lookup.
pub(crate) struct FormatAnswer {
    pub(crate) format: NumberFormat,
    pub(crate) outcome: Result<StatusReport>,
    /// The HTTP status of its reply, if one came.
    pub(crate) http_status: Option<u16>,
}

/// The merged answer, and the formats (in list order) whose request found something.
pub(crate) struct Merged {
    pub(crate) outcome: Result<StatusReport>,
    /// The HTTP status of the reply the answer came from (the first that found, else the
    /// answer chosen).
    pub(crate) http_status: Option<u16>,
    pub(crate) found_by: Vec<NumberFormat>,
}

/// Merge the answers of one lookup, given in list order (see the module documentation).
pub(crate) fn merge(answers: Vec<FormatAnswer>, now: Timestamp) -> Merged {
    let found_by: Vec<NumberFormat> = answers
        .iter()
        .filter(|a| matches!(&a.outcome, Ok(report) if report.found()))
        .map(|a| a.format)
        .collect();
    if found_by.is_empty() {
        // The first failure, else (every format said not found) the first answer.
        let mut answers = answers;
        let at = answers.iter().position(|a| a.outcome.is_err()).unwrap_or(0);
        let chosen = answers.swap_remove(at);
        return Merged {
            outcome: chosen.outcome,
            http_status: chosen.http_status,
            found_by,
        };
    }
    let mut http_status = None;
    let mut ids = Vec::new();
    let mut callbacks = Vec::new();
    for answer in answers {
        let Ok(report) = answer.outcome else {
            continue;
        };
        if !report.found() {
            continue;
        }
        http_status = http_status.or(answer.http_status);
        for callback in report.callbacks {
            if let Some(id) = &callback.request_id {
                if ids.contains(id) {
                    continue;
                }
                ids.push(id.clone());
            }
            callbacks.push(callback);
        }
    }
    Merged {
        outcome: Ok(StatusReport::new(callbacks, now)),
        http_status,
        found_by,
    }
}

/// Which format found each caller (by E.164 number) in their last lookup from the API.
#[derive(Default)]
pub(crate) struct FoundUnder(Mutex<HashMap<String, NumberFormat>>);

impl FoundUnder {
    /// The lookup of `number` found it first under `format` (`None`: nowhere).
    pub(crate) fn record(&self, number: &str, format: Option<NumberFormat>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match format {
            Some(format) => {
                if map.len() >= MAX_REMEMBERED && !map.contains_key(number) {
                    map.clear();
                }
                map.insert(number.to_owned(), format);
            }
            None => {
                map.remove(number);
            }
        }
    }

    /// The format that found `number`, if a lookup did.
    pub(crate) fn get(&self, number: &str) -> Option<NumberFormat> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(number).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};
    use crate::status::Callback;

    fn report(ids: &[&str], position: u32) -> Result<StatusReport> {
        let callbacks = ids
            .iter()
            .map(|id| Callback {
                request_id: Some(id.to_string()),
                position: Some(position),
                ..Callback::default()
            })
            .collect();
        Ok(StatusReport::new(callbacks, Timestamp::now()))
    }

    fn answer(format: NumberFormat, outcome: Result<StatusReport>) -> FormatAnswer {
        FormatAnswer {
            format,
            outcome,
            http_status: Some(200),
        }
    }

    fn failed(kind: ErrorKind) -> Result<StatusReport> {
        Err(Error::new(kind, "x"))
    }

    use NumberFormat::{Digits, National, E164};

    #[test]
    fn the_same_request_is_counted_once_and_keeps_the_earlier_formats_fields() {
        let merged = merge(
            vec![
                answer(E164, report(&["a"], 4)),
                answer(National, report(&["a", "b"], 9)),
            ],
            Timestamp::now(),
        );
        let report = merged.outcome.unwrap();
        assert_eq!(report.count(), 2);
        let a = report
            .callbacks
            .iter()
            .find(|c| c.request_id.as_deref() == Some("a"))
            .unwrap();
        assert_eq!(a.position, Some(4));
        assert_eq!(merged.found_by, [E164, National]);
    }

    #[test]
    fn found_beats_failures_failures_beat_not_found() {
        let m = merge(
            vec![
                answer(E164, failed(ErrorKind::Timeout)),
                answer(National, report(&["a"], 1)),
            ],
            Timestamp::now(),
        );
        assert!(m.outcome.unwrap().found());
        assert_eq!(m.found_by, [National]);
        let m = merge(
            vec![
                answer(E164, report(&[], 0)),
                answer(Digits, failed(ErrorKind::HttpStatus)),
                answer(National, failed(ErrorKind::Timeout)),
            ],
            Timestamp::now(),
        );
        assert_eq!(m.outcome.unwrap_err().kind(), ErrorKind::HttpStatus);
        let m = merge(
            vec![
                answer(E164, failed(ErrorKind::Connect)),
                answer(National, failed(ErrorKind::Timeout)),
            ],
            Timestamp::now(),
        );
        assert_eq!(m.outcome.unwrap_err().kind(), ErrorKind::Connect);
        let m = merge(
            vec![
                answer(E164, report(&[], 0)),
                answer(National, report(&[], 0)),
            ],
            Timestamp::now(),
        );
        assert!(!m.outcome.unwrap().found());
        assert!(m.found_by.is_empty());
    }

    #[test]
    fn found_under_remembers_and_forgets() {
        let under = FoundUnder::default();
        assert_eq!(under.get("+15551230001"), None);
        under.record("+15551230001", Some(National));
        assert_eq!(under.get("+15551230001"), Some(National));
        under.record("+15551230001", None);
        assert_eq!(under.get("+15551230001"), None);
    }
}
