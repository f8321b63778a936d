//! `POST /api/widget/{widget_id}/request_callback`, sent exactly once.
//!
//! Registration is not idempotent: a retry after a lost answer could register a second
//! callback. So this path has no retry, no coalescing and no cache, whatever the other
//! requests do; it goes through the circuit breaker only (an open breaker means nothing is
//! sent). Mindful answers the register statuses with HTTP 200 (`Requested`) or 400 (the
//! others), both with `{"data":[{"status": ...}]}`.

use super::super::wire::{data_entries, integer_field, text_field};
use super::send::Idempotent;
use super::{status_error, Client, Replied};
use crate::error::{Error, ErrorKind, Result};
use crate::log::masked;
use crate::mindful::MAX_BODY_BYTES;
use crate::number::PhoneNumber;
use crate::register::{safe_callback_id, RegisterOutcome, RegisterRequest, Registration};
use serde_json::{Map, Value};
use std::time::Duration;

impl Client {
    /// Register a callback for `number` with `request_callback`. `Ok` when Mindful answered
    /// (any register status); `Err` when it did not (then the request may or may not have been
    /// registered: see [`crate::register`]). Whatever happens, no lookup answer obtained before
    /// it is given for `number` afterwards (see `freshness.rs`).
    pub fn request_callback(
        &self,
        number: &PhoneNumber,
        request: &RegisterRequest,
    ) -> Result<Registration> {
        self.register_replied(number, request).outcome
    }

    /// [`Client::request_callback`] with the HTTP status of its reply.
    pub(crate) fn register_replied(
        &self,
        number: &PhoneNumber,
        request: &RegisterRequest,
    ) -> Replied<Registration> {
        let _change = self.state().freshness.change(number.as_str());
        let id = match self.widget_id(request.widget_id.as_deref()) {
            Ok(id) => id,
            Err(error) => return Replied::without_reply(Err(error)),
        };
        let config = &self.inner.config;
        let mut payload = Map::new();
        payload.insert(
            "contact_number".into(),
            Value::String(
                number
                    .formatted(self.change_format(number), &config.default_country)
                    .to_string(),
            ),
        );
        if let Some(at) = request.appointment {
            payload.insert("appointment_time".into(), Value::from(at.as_second()));
        }
        if !request.user_data.is_empty() {
            let data = request
                .user_data
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            payload.insert("user_data".into(), Value::Object(data));
        }
        if let Some(channel) = &request.channel {
            payload.insert("channel".into(), Value::String(channel.clone()));
        }
        let body = Value::Object(payload).to_string();
        let url = format!("{}/request_callback", self.inner.url.widget(&id));
        let replied = self.guarded(
            || format!("request_callback {id} {}", masked(number.as_str())),
            || {
                // Idempotent::No: never sent twice, not even after a lost keep-alive race.
                let sent = self.send_json(&url, &body, Idempotent::No);
                self.exchange(sent, |response| self.register_reply(response))
            },
        );
        // Stale now whatever happened (and no longer served: freshness.rs); free it.
        self.state().cache.forget(number.as_str());
        replied.map(|(outcome, callback_id, ewt)| Registration {
            outcome,
            callback_id,
            ewt,
            appointment: request.appointment,
        })
    }

    /// Read a `request_callback` answer: 2xx and 400 carry a register status.
    fn register_reply(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
    ) -> Result<(RegisterOutcome, Option<String>, Option<Duration>)> {
        let status = response.status();
        let code = status.as_u16();
        if !(status.is_success() || code == 400) {
            return Err(status_error(status));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| self.body_error(e))?;
        match parse_register(&body) {
            // A 400 never registered anything, whatever its body claims.
            Ok((RegisterOutcome::Requested, ..)) | Err(_) if code == 400 => {
                Ok((RegisterOutcome::Failed, None, None))
            }
            other => other,
        }
    }
}

/// Parse a `request_callback` reply body: `{"data":[{"status", "callback_request_id",
/// "ewt", ...}]}`, or a bare `{"status": ...}`. No status at all is a
/// [`ErrorKind::MalformedReply`] (the request's fate is unknown).
pub(crate) fn parse_register(
    body: &[u8],
) -> Result<(RegisterOutcome, Option<String>, Option<Duration>)> {
    let entry = match data_entries(body) {
        Ok(entries) => entries.into_iter().next(),
        Err(error) => {
            // Some error replies may carry the status at the top level.
            let top: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
            match top.filter(|t| t.contains_key("status")) {
                Some(top) => Some(top),
                None => return Err(error),
            }
        }
    };
    let Some(status) = entry.as_ref().and_then(|e| text_field(e, "status")) else {
        return Err(Error::new(
            ErrorKind::MalformedReply,
            "request_callback reply has no status; the callback may or may not be registered",
        ));
    };
    let entry = entry.unwrap_or_default();
    let outcome = RegisterOutcome::from_status(&status);
    let id = text_field(&entry, "callback_request_id").and_then(|id| safe_callback_id(&id));
    let ewt = integer_field(&entry, "ewt")
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs);
    Ok((outcome, id, ewt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_replies() {
        let (o, id, ewt) = parse_register(
            br#"{"data":[{"status":"Requested","message":"ok","callback_request_id":"cb-1",
            "requested_at":"1700000000","ewt":"600"}]}"#,
        )
        .unwrap();
        assert_eq!(o, RegisterOutcome::Requested);
        assert_eq!(id.as_deref(), Some("cb-1"));
        assert_eq!(ewt, Some(Duration::from_secs(600)));
        let (o, id, _) = parse_register(
            br#"{"data":[{"status":"DuplicateRequest","callback_request_id":"a b"}]}"#,
        )
        .unwrap();
        assert_eq!(o, RegisterOutcome::Duplicate);
        assert_eq!(id, None, "an unsafe id is dropped");
        let (o, ..) = parse_register(br#"{"status":"InvalidContact"}"#).unwrap();
        assert_eq!(o, RegisterOutcome::InvalidContact);
        for bad in [
            &b""[..],
            b"<html>",
            br#"{"data":[]}"#,
            br#"{"data":[{"message":"x"}]}"#,
        ] {
            assert_eq!(
                parse_register(bad).unwrap_err().kind(),
                ErrorKind::MalformedReply,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
