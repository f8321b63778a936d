//! Canceling a callback (`cancel_callback`): what Mindful answered, folded into what a call
//! flow needs to know.
//!
//! A leaf of the domain like [`crate::status`] and [`crate::register`]: the wire format
//! ([`crate::mindful`]) produces it, speech and the shells read it.

/// The result of a `cancel_callback` request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CancelOutcome {
    /// The callback was canceled.
    Canceled,
    /// No callback exists for the number.
    NotFound,
    /// Several callbacks exist; Mindful cancels only when there is exactly one.
    TooMany,
    /// Mindful could not cancel it (`FAILED`) or answered a status we do not know.
    Failed,
}

impl CancelOutcome {
    /// Fold a Mindful cancel status (case and punctuation ignored). Unknown values are
    /// [`CancelOutcome::Failed`]: never mistaken for success.
    pub fn from_status(status: &str) -> CancelOutcome {
        let folded: String = status
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match folded.as_str() {
            "canceled" | "cancelled" => CancelOutcome::Canceled,
            "interactionnotfound" | "notfound" => CancelOutcome::NotFound,
            "toomanyinteractions" => CancelOutcome::TooMany,
            _ => CancelOutcome::Failed,
        }
    }

    /// The canonical name: `canceled`, `not_found`, `too_many`, `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CancelOutcome::Canceled => "canceled",
            CancelOutcome::NotFound => "not_found",
            CancelOutcome::TooMany => "too_many",
            CancelOutcome::Failed => "failed",
        }
    }
}
