//! The simulator's callback registry: what `request_callback` registered, so that
//! `callback_status` and `cancel_callback` see it afterwards, as on a real Mindful platform.
//!
//! - An ASAP request joins the end of the widget's line: its place is one more than the open
//!   ASAP callbacks registered on that widget, its wait the widget's `ewt`.
//! - A scheduled request is placed at its appointment time.
//! - The same number again within [`DUPLICATE_WINDOW`] seconds is a `DuplicateRequest`.
//! - A widget that does not offer callbacks (or not of the requested kind) refuses with
//!   `RequestRefusedDueToOperationMode`; a number with fewer than 10 or more than 15 digits is
//!   an `InvalidContact`; an appointment in the past is `AppointmentTimeInThePast`, and one that
//!   is not among the widget's time slots is `InvalidAppointmentTime`.

use super::scenarios::Widget;
use std::io::Write as _;

/// Seconds within which a second request for the same number is a duplicate.
pub(crate) const DUPLICATE_WINDOW: i64 = 10;

/// A relative time slot counts as offered if a widget request in this many seconds before the
/// registration could have listed it (slots are `now + N`, so they move with the clock).
const OFFER_VALIDITY: i64 = 600;

/// One registered callback.
#[derive(Clone, Debug)]
struct Registered {
    /// Digits of the number, without a leading country code 1.
    key: String,
    /// The contact number as the request sent it.
    contact: String,
    id: String,
    widget: usize,
    /// ASAP: place in line when registered.
    position: Option<u32>,
    /// When the callback is expected (ASAP: registration + ewt; scheduled: the appointment).
    at: Option<i64>,
    scheduled: bool,
    created: i64,
    canceled: bool,
}

/// The outcome of one `request_callback`.
pub(crate) struct Decision {
    /// `Requested` or the error status.
    pub(crate) status: String,
    /// For `Requested`: the callback id and the wait (ewt, seconds).
    pub(crate) id: Option<String>,
    pub(crate) ewt: Option<i64>,
}

/// Every registration the simulator accepted.
#[derive(Default, Debug)]
pub(crate) struct Registry {
    entries: Vec<Registered>,
    seq: u64,
}

/// The registry key of a contact: its digits, a leading country code 1 dropped.
pub(crate) fn key(contact: &str) -> String {
    let digits: String = contact.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('1') {
        Some(rest) if digits.len() == 11 => rest.to_string(),
        _ => digits,
    }
}

impl Registry {
    /// Register a callback for `contact` on widget `index` (`forced`: a scenario's scripted
    /// status for this number).
    pub(crate) fn register(
        &mut self,
        index: usize,
        widget: &Widget,
        contact: &str,
        appointment: Option<i64>,
        forced: Option<&str>,
        now: i64,
    ) -> Decision {
        let refuse = |status: &str| Decision {
            status: status.to_string(),
            id: None,
            ewt: None,
        };
        let k = key(contact);
        let digits = contact.chars().filter(char::is_ascii_digit).count();
        if let Some(status) = forced.filter(|s| *s != "Requested") {
            return refuse(status);
        }
        if !(10..=15).contains(&digits) || contact.chars().any(|c| c.is_ascii_alphabetic()) {
            return refuse("InvalidContact");
        }
        let offered = match appointment {
            None => widget.offers_asap,
            Some(_) => widget.offers_scheduled,
        };
        if !offered {
            return refuse("RequestRefusedDueToOperationMode");
        }
        if let Some(at) = appointment {
            if at < now {
                return refuse("AppointmentTimeInThePast");
            }
            let listed = widget.slots_absolute.contains(&at)
                || widget
                    .slots_relative
                    .iter()
                    .any(|&t| (now - OFFER_VALIDITY..=now).contains(&(at - t)));
            if !listed {
                return refuse("InvalidAppointmentTime");
            }
        }
        let duplicate = self
            .entries
            .iter()
            .any(|e| e.key == k && now - e.created < DUPLICATE_WINDOW);
        if duplicate {
            return refuse("DuplicateRequest");
        }
        self.seq += 1;
        let id = format!("cb-{:08}", self.seq);
        let (position, at) = match appointment {
            Some(at) => (None, Some(at)),
            None => {
                let ahead = self
                    .entries
                    .iter()
                    .filter(|e| e.widget == index && !e.scheduled && !e.canceled)
                    .count();
                let position = u32::try_from(ahead + 1).unwrap_or(u32::MAX);
                (Some(position), widget.ewt_seconds().map(|w| now + w))
            }
        };
        self.entries.push(Registered {
            key: k,
            contact: contact.to_string(),
            id: id.clone(),
            widget: index,
            position,
            at,
            scheduled: appointment.is_some(),
            created: now,
            canceled: false,
        });
        Decision {
            status: "Requested".to_string(),
            id: Some(id),
            ewt: if appointment.is_some() {
                None
            } else {
                widget.ewt_seconds()
            },
        }
    }

    /// Whether `contact` ever registered a callback.
    pub(crate) fn has(&self, contact: &str) -> bool {
        let k = key(contact);
        self.entries.iter().any(|e| e.key == k)
    }

    /// How many open (not canceled) registered callbacks `contact` has.
    pub(crate) fn open_count(&self, contact: &str) -> usize {
        let k = key(contact);
        self.entries
            .iter()
            .filter(|e| e.key == k && !e.canceled)
            .count()
    }

    /// Cancel the only open registered callback of `contact`.
    pub(crate) fn cancel(&mut self, contact: &str) -> bool {
        let k = key(contact);
        match self.entries.iter_mut().find(|e| e.key == k && !e.canceled) {
            Some(e) => {
                e.canceled = true;
                true
            }
            None => false,
        }
    }

    /// Append the registered callbacks of `contact` to the `data` array of a rendered
    /// `callback_status` body (`{"data":[...]}`).
    pub(crate) fn append_to(&self, contact: &str, body: &mut Vec<u8>, now: i64) {
        let k = key(contact);
        let mine: Vec<&Registered> = self.entries.iter().filter(|e| e.key == k).collect();
        if mine.is_empty() || !body.ends_with(b"]}") {
            return;
        }
        body.truncate(body.len() - 2);
        let mut first = body.ends_with(b"[");
        for e in mine {
            if !first {
                body.push(b',');
            }
            first = false;
            e.write_json(body, now);
        }
        body.extend_from_slice(b"]}");
    }
}

impl Registered {
    /// The callback as `callback_status` reports it (every field a string, as documented).
    fn write_json(&self, out: &mut Vec<u8>, now: i64) {
        let status = match (self.canceled, self.scheduled) {
            (true, _) => "canceled",
            (false, true) => "scheduled",
            (false, false) => "waitlisted",
        };
        let wait = self.at.map(|at| (at - now).max(0));
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let value = serde_json::json!({
            "contact_uri": format!("tel:{}", self.contact),
            "callback_number": self.contact,
            "call_request_id": self.id,
            "type": if self.scheduled { "scheduled" } else { "ASAP" },
            "status": status,
            "forecast_waitlist_position": opt(self.position.map(i64::from)),
            "estimated_wait_time": if self.scheduled { String::new() } else { opt(wait) },
            "estimated_for": opt(self.at),
            "created_at": self.created.to_string(),
            "source": format!("Phone:{}", self.key),
            "call_target_id": format!("ct-widget-{}", self.widget + 1),
        });
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{value}");
    }
}
