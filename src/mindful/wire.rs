//! Lenient parsing of Mindful Scheduler API replies.
//!
//! Mindful documents every `callback_status` field as a string but nobody knows what the live
//! API sends, so each field may be a string, a number, `""` or `null`; a value of any other type
//! (or one that does not parse) is treated as absent. Unknown fields are ignored. The shape
//! around the fields (`{"data": [ {..}, .. ]}`) is checked strictly: anything else is a
//! [`ErrorKind::MalformedReply`]. That envelope is read by `reply.rs` (at most
//! [`super::reply::MAX_ENTRIES`] entries).

pub(crate) use super::reply::data_entries;
use crate::cancel::CancelOutcome;
use crate::error::{Error, ErrorKind, Result};
use crate::status::{Callback, CallbackStatus, CallbackType, StatusReport};
use crate::widget::{WidgetState, WidgetStatus};
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::time::Duration;

/// Largest waitlist position believed: a larger one ("four billion ...") is a bug or junk
/// upstream, and is treated as unknown.
pub(crate) const MAX_POSITION: u32 = 10_000;

/// Parse a `callback_status` reply body. An empty `data` (or only `InteractionNotFound`
/// entries) gives a report with no callbacks.
pub fn parse_callback_status(body: &[u8], now: Timestamp) -> Result<StatusReport> {
    let entries = data_entries(body)?;
    let callbacks = entries.iter().map(callback_from).collect();
    Ok(StatusReport::new(callbacks, now))
}

/// Parse a `cancel_callback` reply body.
pub fn parse_cancel(body: &[u8]) -> Result<CancelOutcome> {
    let entries = data_entries(body)?;
    let Some(first) = entries.first() else {
        return Ok(CancelOutcome::NotFound);
    };
    let status = text_field(first, "status").unwrap_or_default();
    Ok(CancelOutcome::from_status(&status))
}

/// Parse a widget status reply (`GET /api/widget/{id}`).
pub fn parse_widget(body: &[u8]) -> Result<WidgetStatus> {
    let entries = data_entries(body)?;
    let Some(entry) = entries.first() else {
        return Err(Error::new(
            ErrorKind::MalformedReply,
            "widget reply has an empty \"data\" list; check CBSTATUS_WIDGET_ID",
        ));
    };
    Ok(WidgetStatus {
        state: text_field(entry, "widget_state").and_then(|s| WidgetState::parse(&s)),
        offer_asap: bool_field(entry, "offer_asap"),
        offer_scheduled: bool_field(entry, "offer_scheduled"),
        ewt: integer_field(entry, "ewt")
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
        timeslots: timeslots(entry.get("scheduled_timeslots")),
    })
}

/// `scheduled_timeslots`, whose JSON shape Mindful does not document: an array of numbers or
/// numeric strings, or one string of numbers separated by commas or spaces. Seconds or
/// milliseconds; anything unreadable is left out. Sorted, without duplicates.
fn timeslots(value: Option<&Value>) -> Vec<Timestamp> {
    let one = |v: &Value| -> Option<Timestamp> {
        let mut entry = Map::new();
        entry.insert("t".into(), v.clone());
        timestamp_field(&entry, "t")
    };
    let mut out: Vec<Timestamp> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(Value::String(s)) => s
            .split([',', ' ', '\t', ';'])
            .filter(|t| !t.trim().is_empty())
            .filter_map(|t| one(&Value::String(t.to_string())))
            .collect(),
        Some(number @ Value::Number(_)) => one(number).into_iter().collect(),
        _ => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

/// A boolean sent as `true`/`false`, `"true"`/`"false"`, `1`/`0` or `"yes"`; absent is false.
fn bool_field(entry: &Map<String, Value>, key: &str) -> bool {
    match entry.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "y"
        ),
        _ => false,
    }
}

fn callback_from(entry: &Map<String, Value>) -> Callback {
    Callback {
        callback_number: text_field(entry, "callback_number"),
        request_id: text_field(entry, "call_request_id"),
        kind: text_field(entry, "type").and_then(|t| CallbackType::parse(&t)),
        status: text_field(entry, "status").and_then(|s| CallbackStatus::parse(&s)),
        created_at: timestamp_field(entry, "created_at"),
        estimated_for: timestamp_field(entry, "estimated_for"),
        position: integer_field(entry, "forecast_waitlist_position")
            .and_then(|p| u32::try_from(p).ok())
            .filter(|p| *p <= MAX_POSITION),
        wait: integer_field(entry, "estimated_wait_time")
            .and_then(|s| u64::try_from(s).ok())
            .map(Duration::from_secs),
        source: text_field(entry, "source"),
        call_target_id: text_field(entry, "call_target_id"),
    }
}

/// A field as text: strings (trimmed, non-empty) and numbers; anything else is absent.
pub(crate) fn text_field(entry: &Map<String, Value>, key: &str) -> Option<String> {
    match entry.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A field as a whole number: JSON numbers (fractions rounded) or numeric strings.
pub(crate) fn integer_field(entry: &Map<String, Value>, key: &str) -> Option<i64> {
    let rounded = |f: f64| (f.is_finite() && f.abs() < 1e15).then(|| f.round() as i64);
    match entry.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(rounded)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(rounded))
        }
        _ => None,
    }
}

/// A Unix time: seconds (10 digits), milliseconds (13 digits), or an RFC 3339 string.
fn timestamp_field(entry: &Map<String, Value>, key: &str) -> Option<Timestamp> {
    if let Some(n) = integer_field(entry, key) {
        // 13 digits or more is milliseconds (any time since 2001); up to 12 digits seconds,
        // which reach the year 9999 (0.1.0 cut at 11 digits and read year-9999 seconds as
        // milliseconds of 1978).
        let seconds = if n.abs() >= 1_000_000_000_000 {
            n / 1000
        } else {
            n
        };
        return (seconds > 0)
            .then(|| Timestamp::from_second(seconds).ok())
            .flatten();
    }
    match entry.get(key)? {
        Value::String(s) => s.trim().parse::<Timestamp>().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap()
    }

    fn parse(body: &str) -> Result<StatusReport> {
        parse_callback_status(body.as_bytes(), now())
    }

    #[test]
    fn documented_string_fields() {
        let report = parse(
            r#"{"data":[{"contact_uri":"tel:+15551234567","callback_number":"+15551234567",
            "call_request_id":"abc","type":"ASAP","created_at":"1699999000",
            "estimated_for":"1700000720","forecast_waitlist_position":"4",
            "estimated_wait_time":"720","source":"Phone:8525550917","call_target_id":"12",
            "status":"Waitlisted","unknown_field":{"x":1}}]}"#,
        )
        .unwrap();
        let cb = report.primary().unwrap();
        assert_eq!(cb.kind, Some(CallbackType::Asap));
        assert_eq!(cb.status, Some(CallbackStatus::Waitlisted));
        assert_eq!(cb.position, Some(4));
        assert_eq!(cb.wait, Some(Duration::from_secs(720)));
        assert_eq!(
            cb.estimated_for,
            Some(Timestamp::from_second(1_700_000_720).unwrap())
        );
        assert_eq!(
            cb.created_at,
            Some(Timestamp::from_second(1_699_999_000).unwrap())
        );
        assert_eq!(cb.callback_number.as_deref(), Some("+15551234567"));
        assert_eq!(cb.request_id.as_deref(), Some("abc"));
        assert_eq!(cb.source.as_deref(), Some("Phone:8525550917"));
        assert_eq!(cb.call_target_id.as_deref(), Some("12"));
    }

    #[test]
    fn numbers_empty_strings_nulls_and_wrong_types() {
        let report = parse(
            r#"{"data":[{"type":"scheduled","estimated_for":1700003600,
            "forecast_waitlist_position":3.0,"estimated_wait_time":"",
            "created_at":null,"call_request_id":12345,"status":["x"],
            "callback_number":{"a":1}}]}"#,
        )
        .unwrap();
        let cb = report.primary().unwrap();
        assert_eq!(cb.kind, Some(CallbackType::Scheduled));
        assert_eq!(
            cb.estimated_for,
            Some(Timestamp::from_second(1_700_003_600).unwrap())
        );
        assert_eq!(cb.position, Some(3));
        assert_eq!(cb.wait, None);
        assert_eq!(cb.created_at, None);
        assert_eq!(cb.request_id.as_deref(), Some("12345"));
        assert_eq!(cb.status, None);
        assert_eq!(cb.callback_number, None);
    }

    #[test]
    fn odd_values_are_absent_not_errors() {
        let report = parse(
            r#"{"data":[{"forecast_waitlist_position":"-1","estimated_wait_time":"soon",
            "estimated_for":"1700000000000","created_at":"2023-11-14T22:13:20Z"}]}"#,
        )
        .unwrap();
        let cb = report.primary().unwrap();
        assert_eq!(cb.position, None);
        assert_eq!(cb.wait, None);
        assert_eq!(cb.estimated_for, Some(now()), "milliseconds are accepted");
        assert_eq!(cb.created_at, Some(now()), "RFC 3339 is accepted");
    }

    #[test]
    fn implausible_positions_are_unknown_and_year_9999_seconds_are_seconds() {
        let one = |fields: &str| {
            let report = parse(&format!(r#"{{"data":[{{{fields}}}]}}"#)).unwrap();
            report.primary().unwrap().clone()
        };
        assert_eq!(
            one(r#""forecast_waitlist_position":"10001""#).position,
            None
        );
        assert_eq!(
            one(r#""forecast_waitlist_position":4294967295"#).position,
            None
        );
        assert_eq!(
            one(r#""forecast_waitlist_position":"10000""#).position,
            Some(10_000)
        );
        // 9999-01-01T00:00:00Z in seconds (0.1.0 read it as milliseconds: 1978).
        assert_eq!(
            one(r#""estimated_for":"253370764800""#).estimated_for,
            Some("9999-01-01T00:00:00Z".parse().unwrap())
        );
        // The very end of 9999 is past what a zone can show: absent, never 1978.
        assert_eq!(one(r#""estimated_for":"253402300799""#).estimated_for, None);
        assert_eq!(
            one(r#""estimated_for":1700000000000"#).estimated_for,
            Some(now()),
            "13 digits: milliseconds"
        );
        assert_eq!(
            one(r#""estimated_for":"1700000000000000""#).estimated_for,
            None,
            "16 digits: milliseconds of the year 55840: absent"
        );
    }

    #[test]
    fn not_found_shapes() {
        for body in [
            r#"{"data":[]}"#,
            r#"{"data":null}"#,
            r#"{"data":[{"status":"InteractionNotFound"}]}"#,
            r#"{"data":[{"status":"interactionnotfound"}]}"#,
            r#"{"status":"InteractionNotFound"}"#,
        ] {
            assert!(!parse(body).unwrap().found(), "{body}");
        }
    }

    #[test]
    fn malformed_shapes() {
        for body in [
            "",
            "   ",
            "<html>502 Bad Gateway</html>",
            r#"{"data":[{"type":"asap"}"#,
            r#"[]"#,
            r#"{"data":{"type":"asap"}}"#,
            r#"{"data":"none"}"#,
            r#"{"data":[1,2]}"#,
            r#"{"error":"bad"}"#,
        ] {
            let err = parse(body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::MalformedReply, "{body}");
        }
        let err = parse_callback_status(b"{\"data\":[\xff]}", now()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedReply);
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse(&deep).unwrap_err().kind(), ErrorKind::MalformedReply);
    }

    #[test]
    fn thousands_of_entries() {
        let entry = r#"{"type":"asap","estimated_wait_time":"600"}"#;
        let body = format!(r#"{{"data":[{}]}}"#, vec![entry; 5000].join(","));
        // Issue 10: at most MAX_ENTRIES are considered (was: all 5000).
        assert_eq!(
            parse(&body).unwrap().count(),
            super::super::reply::MAX_ENTRIES
        );
    }

    #[test]
    fn widget_replies() {
        let w = parse_widget(
            br#"{"data":[{"widget_state":"OFFER_CALLBACK","message":"hi","offer_asap":true,
            "offer_scheduled":"false","ewt":"600","scheduled_timeslots":[1,2]}]}"#,
        )
        .unwrap();
        assert_eq!(w.state, Some(WidgetState::OfferCallback));
        assert!(w.offer_asap && !w.offer_scheduled && w.callbacks_available());
        assert_eq!(w.ewt, Some(Duration::from_secs(600)));
        assert_eq!(w.timeslots, [ts(1), ts(2)]);
        let w = parse_widget(br#"{"data":[{"widget_state":"platform_unavailable","ewt":null}]}"#)
            .unwrap();
        assert!(!w.callbacks_available());
        assert_eq!(w.ewt, None);
        let w = parse_widget(br#"{"data":[{"widget_state":"new_state","offer_asap":1}]}"#).unwrap();
        assert_eq!(w.state, Some(WidgetState::Other("new_state".into())));
        assert!(w.callbacks_available());
        assert_eq!(
            parse_widget(br#"{"data":[]}"#).unwrap_err().kind(),
            ErrorKind::MalformedReply
        );
    }

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn timeslot_shapes() {
        let slots = |json: &str| {
            parse_widget(format!(r#"{{"data":[{{"scheduled_timeslots":{json}}}]}}"#).as_bytes())
                .unwrap()
                .timeslots
        };
        let t = 1_767_225_600;
        let want = vec![ts(t), ts(t + 900)];
        assert_eq!(
            slots(&format!("[{}, {t}]", t + 900)),
            want,
            "numbers, sorted"
        );
        assert_eq!(
            slots(&format!(r#"["{t}", "{}"]"#, t + 900)),
            want,
            "strings"
        );
        assert_eq!(
            slots(&format!(r#""{t},{}""#, t + 900)),
            want,
            "comma string"
        );
        assert_eq!(
            slots(&format!(r#""{t} {}""#, t + 900)),
            want,
            "space string"
        );
        assert_eq!(
            slots(&format!(r#"" {t}, {} ,""#, t + 900)),
            want,
            "comma and space"
        );
        assert_eq!(
            slots(&format!("[{t}000, {}]", t + 900)),
            want,
            "milliseconds"
        );
        assert_eq!(
            slots(&format!(r#"[{t}, "soon", null, {t}, {{}}]"#)),
            vec![ts(t)]
        );
        for empty in ["[]", "null", r#""""#, "{}", "true"] {
            assert!(slots(empty).is_empty(), "{empty}");
        }
    }

    #[test]
    fn cancel_statuses() {
        let cancel =
            |s: &str| parse_cancel(format!(r#"{{"data":[{{"status":"{s}"}}]}}"#).as_bytes());
        assert_eq!(cancel("Canceled").unwrap(), CancelOutcome::Canceled);
        assert_eq!(
            cancel("InteractionNotFound").unwrap(),
            CancelOutcome::NotFound
        );
        assert_eq!(
            cancel("TooManyInteractions").unwrap(),
            CancelOutcome::TooMany
        );
        assert_eq!(cancel("FAILED").unwrap(), CancelOutcome::Failed);
        assert_eq!(cancel("Whatever").unwrap(), CancelOutcome::Failed);
        assert_eq!(
            parse_cancel(br#"{"data":[]}"#).unwrap(),
            CancelOutcome::NotFound
        );
        assert_eq!(
            parse_cancel(b"nope").unwrap_err().kind(),
            ErrorKind::MalformedReply
        );
    }
}
