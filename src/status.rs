//! The domain result of a callback lookup: what we know about the caller's callbacks.
//!
//! These types are what the rest of cbstatus (speech, C ABI, CLI, AGI) works with; they are
//! produced from the wire format by [`crate::mindful::parse_callback_status`] and carry no
//! raw API strings that could end up spoken or in a dialplan: an unknown status or type is
//! kept only as a [`Token`] (lower-case `[a-z0-9_]`, at most 32 characters, else `other`),
//! which speech never reads aloud.

use crate::token::Token;
use jiff::Timestamp;
use std::time::Duration;

/// ASAP or scheduled. Unknown values are kept, not dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallbackType {
    /// Call back as soon as an agent is available.
    Asap,
    /// Call back at an appointment time.
    Scheduled,
    /// A value Mindful sent that we do not know, as a safe [`Token`].
    Other(Token),
}

impl CallbackType {
    /// Match case-insensitively; `""` means absent (`None`).
    pub fn parse(text: &str) -> Option<CallbackType> {
        let t = text.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "" => return None,
            "asap" => CallbackType::Asap,
            "scheduled" | "schedule" | "appointment" => CallbackType::Scheduled,
            _ => CallbackType::Other(Token::from_api(&t)),
        })
    }

    /// The canonical lower-case name (`asap`, `scheduled`, or the unknown value).
    pub fn as_str(&self) -> &str {
        match self {
            CallbackType::Asap => "asap",
            CallbackType::Scheduled => "scheduled",
            CallbackType::Other(s) => s.as_str(),
        }
    }
}

/// Where the callback request stands. Mindful does not document this field's values; these are
/// the ones it uses elsewhere for callbacks. Unknown values are kept in [`CallbackStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallbackStatus {
    /// Accepted, not yet waiting in a queue.
    Pending,
    /// Waiting in the waitlist for its turn.
    Waitlisted,
    /// Booked for an appointment time.
    Scheduled,
    /// Being registered with the contact centre.
    Registering,
    /// The callback call is being placed now.
    Connecting,
    /// The callback call is queued for an agent.
    Queued,
    /// The customer is talking with an agent.
    Talking,
    /// A previous attempt failed; it will be retried.
    Retries,
    /// Final: the callback was abandoned.
    Abandoned,
    /// Final: the callback was canceled.
    Canceled,
    /// Final: the callback failed.
    Failure,
    /// Final: the callback took place.
    Successful,
    /// Final: callbacks were unavailable.
    Unavailable,
    /// Mindful's marker for "no such callback request".
    InteractionNotFound,
    /// A value we do not know, as a safe [`Token`].
    Other(Token),
}

impl CallbackStatus {
    /// Match case-insensitively (and ignoring `_`, `-` and spaces); `""` means absent.
    pub fn parse(text: &str) -> Option<CallbackStatus> {
        let folded: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        use CallbackStatus::*;
        Some(match folded.as_str() {
            "" => return None,
            "pending" => Pending,
            "waitlisted" | "waitlist" => Waitlisted,
            "scheduled" => Scheduled,
            "registering" => Registering,
            "connecting" | "dialing" => Connecting,
            "queued" => Queued,
            "talking" => Talking,
            "retries" | "retry" | "retrying" => Retries,
            "abandoned" => Abandoned,
            "canceled" | "cancelled" => Canceled,
            "failure" | "failed" => Failure,
            "successful" | "success" | "completed" => Successful,
            "unavailable" => Unavailable,
            "interactionnotfound" => InteractionNotFound,
            _ => Other(Token::from_api(text)),
        })
    }

    /// The canonical lower-case name, e.g. `waitlisted` (or the unknown value).
    pub fn as_str(&self) -> &str {
        use CallbackStatus::*;
        match self {
            Pending => "pending",
            Waitlisted => "waitlisted",
            Scheduled => "scheduled",
            Registering => "registering",
            Connecting => "connecting",
            Queued => "queued",
            Talking => "talking",
            Retries => "retries",
            Abandoned => "abandoned",
            Canceled => "canceled",
            Failure => "failure",
            Successful => "successful",
            Unavailable => "unavailable",
            InteractionNotFound => "interactionnotfound",
            Other(s) => s.as_str(),
        }
    }

    /// The callback is over (it happened, or it never will).
    pub fn is_final(&self) -> bool {
        use CallbackStatus::*;
        matches!(
            self,
            Abandoned | Canceled | Failure | Successful | Unavailable
        )
    }

    /// The callback call is being placed or is in progress right now.
    pub fn is_in_progress(&self) -> bool {
        use CallbackStatus::*;
        matches!(self, Connecting | Queued | Talking)
    }
}

/// One callback request for the caller's number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callback {
    /// The number the callback will be placed to, as Mindful sent it.
    pub callback_number: Option<String>,
    /// Mindful's id for the request (never spoken).
    pub request_id: Option<String>,
    /// ASAP or scheduled, if Mindful said.
    pub kind: Option<CallbackType>,
    /// Where the request stands, if Mindful said.
    pub status: Option<CallbackStatus>,
    /// When the request was made.
    pub created_at: Option<Timestamp>,
    /// When Mindful expects to launch the callback.
    pub estimated_for: Option<Timestamp>,
    /// Predicted position in the waitlist (1 = next).
    pub position: Option<u32>,
    /// Expected wait until the callback is launched.
    pub wait: Option<Duration>,
    /// Where the request came from (e.g. `Phone:8525550917`; never spoken).
    pub source: Option<String>,
    /// The Call Target (queue) id (never spoken).
    pub call_target_id: Option<String>,
}

impl Callback {
    /// When this callback is expected, for ordering: `estimated_for`, else `now + wait`.
    pub fn expected_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.estimated_for.or_else(|| {
            let wait = jiff::SignedDuration::try_from(self.wait?).ok()?;
            now.checked_add(wait).ok()
        })
    }

    /// The callback is still to happen (not final, not a not-found marker).
    pub fn is_open(&self) -> bool {
        !matches!(&self.status, Some(s) if s.is_final() || *s == CallbackStatus::InteractionNotFound)
    }
}

/// Everything the lookup found for one number, soonest callback first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusReport {
    /// The callbacks, ordered: open ones soonest first, then closed ones (most recent first).
    pub callbacks: Vec<Callback>,
}

impl StatusReport {
    /// Build a report, dropping not-found markers and ordering callbacks (see [`StatusReport::callbacks`]).
    pub fn new(mut callbacks: Vec<Callback>, now: Timestamp) -> StatusReport {
        callbacks.retain(|c| c.status != Some(CallbackStatus::InteractionNotFound));
        callbacks.sort_by_key(|c| {
            let expected = c.expected_at(now);
            if c.is_open() {
                // Open first; among them soonest first, unknown times last.
                (
                    0,
                    expected.is_none(),
                    expected.map(|t| t.as_second()).unwrap_or(0),
                )
            } else {
                // Then closed ones, most recent first.
                let t = expected
                    .or(c.created_at)
                    .map(|t| t.as_second())
                    .unwrap_or(0);
                (1, false, -t)
            }
        });
        StatusReport { callbacks }
    }

    /// At least one callback exists for the number.
    pub fn found(&self) -> bool {
        !self.callbacks.is_empty()
    }

    /// The callback to speak about: the soonest open one, else the most recent closed one.
    pub fn primary(&self) -> Option<&Callback> {
        self.callbacks.first()
    }

    /// How many callbacks exist for the number.
    pub fn count(&self) -> usize {
        self.callbacks.len()
    }

    /// How many callbacks are still to happen.
    pub fn open_count(&self) -> usize {
        self.callbacks.iter().filter(|c| c.is_open()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_and_status_match_case_insensitively_and_keep_unknowns() {
        assert_eq!(CallbackType::parse("ASAP"), Some(CallbackType::Asap));
        assert_eq!(
            CallbackType::parse(" Scheduled "),
            Some(CallbackType::Scheduled)
        );
        assert_eq!(CallbackType::parse(""), None);
        assert_eq!(
            CallbackType::parse("Later"),
            Some(CallbackType::Other("later".into()))
        );
        assert_eq!(
            CallbackStatus::parse("WaitListed"),
            Some(CallbackStatus::Waitlisted)
        );
        assert_eq!(
            CallbackStatus::parse("InteractionNotFound"),
            Some(CallbackStatus::InteractionNotFound)
        );
        assert_eq!(
            CallbackStatus::parse("cancelled"),
            Some(CallbackStatus::Canceled)
        );
        assert_eq!(
            CallbackStatus::parse("Parked"),
            Some(CallbackStatus::Other("parked".into()))
        );
        assert_eq!(CallbackStatus::parse("  "), None);
        let hostile = format!("x\r\nHANGUP{}", "y".repeat(500));
        let Some(CallbackStatus::Other(kept)) = CallbackStatus::parse(&hostile) else {
            panic!("kept as unknown")
        };
        assert_eq!(kept.as_str(), Token::OTHER, "never passed on raw");
        assert_eq!(
            CallbackStatus::parse("FOUND\"|&,${EXEC}/x").map(|s| s.as_str().to_string()),
            Some("other".into())
        );
        assert_eq!(
            CallbackType::parse("Call-Later").map(|t| t.as_str().to_string()),
            Some("call_later".into())
        );
    }

    #[test]
    fn report_orders_open_soonest_first_and_drops_not_found() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let at = |s: i64| Some(Timestamp::from_second(1_700_000_000 + s).unwrap());
        let report = StatusReport::new(
            vec![
                Callback {
                    estimated_for: at(900),
                    ..Default::default()
                },
                Callback {
                    status: Some(CallbackStatus::Successful),
                    estimated_for: at(-100),
                    ..Default::default()
                },
                Callback {
                    wait: Some(Duration::from_secs(300)),
                    ..Default::default()
                },
                Callback {
                    status: Some(CallbackStatus::InteractionNotFound),
                    ..Default::default()
                },
                Callback::default(),
            ],
            now,
        );
        assert_eq!(report.count(), 4);
        assert_eq!(report.open_count(), 3);
        assert_eq!(report.callbacks[0].wait, Some(Duration::from_secs(300)));
        assert_eq!(report.callbacks[1].estimated_for, at(900));
        assert_eq!(report.callbacks[2], Callback::default());
        assert_eq!(report.callbacks[3].status, Some(CallbackStatus::Successful));
    }
}
