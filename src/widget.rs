//! Widget status: whether the contact centre offers callbacks right now, and its current
//! estimated callback time (ECBT).

use std::time::Duration;

/// The widget's state, as Mindful names it. Unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WidgetState {
    /// Offer ASAP and scheduled callbacks.
    OfferCallback,
    /// Offer ASAP callbacks only.
    OfferAsapCallback,
    /// Offer scheduled callbacks only.
    OfferScheduledCallback,
    /// Show the expected wait, but offer no callback.
    DisplayEwtOnly,
    /// The callback platform is unavailable.
    PlatformUnavailable,
    /// A value we do not know (lower-cased).
    Other(String),
}

impl WidgetState {
    /// Match case-insensitively; `""` is absent.
    pub fn parse(text: &str) -> Option<WidgetState> {
        let t = text.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "" => return None,
            "offer_callback" => WidgetState::OfferCallback,
            "offer_asap_callback" => WidgetState::OfferAsapCallback,
            "offer_scheduled_callback" => WidgetState::OfferScheduledCallback,
            "display_ewt_only" => WidgetState::DisplayEwtOnly,
            "platform_unavailable" => WidgetState::PlatformUnavailable,
            _ => WidgetState::Other(t),
        })
    }

    /// The canonical name, e.g. `offer_callback`.
    pub fn as_str(&self) -> &str {
        match self {
            WidgetState::OfferCallback => "offer_callback",
            WidgetState::OfferAsapCallback => "offer_asap_callback",
            WidgetState::OfferScheduledCallback => "offer_scheduled_callback",
            WidgetState::DisplayEwtOnly => "display_ewt_only",
            WidgetState::PlatformUnavailable => "platform_unavailable",
            WidgetState::Other(s) => s,
        }
    }
}

/// What the widget endpoint said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WidgetStatus {
    /// The widget state, if sent.
    pub state: Option<WidgetState>,
    /// ASAP callbacks are offered.
    pub offer_asap: bool,
    /// Scheduled callbacks are offered.
    pub offer_scheduled: bool,
    /// Current estimated wait (ECBT), if known.
    pub ewt: Option<Duration>,
}

impl WidgetStatus {
    /// Callbacks can be offered to the caller now. Mindful advises offering them only in the
    /// `offer_*` states; the offer flags must agree when the state does not decide it.
    pub fn callbacks_available(&self) -> bool {
        match &self.state {
            Some(
                WidgetState::OfferCallback
                | WidgetState::OfferAsapCallback
                | WidgetState::OfferScheduledCallback,
            ) => true,
            Some(WidgetState::DisplayEwtOnly | WidgetState::PlatformUnavailable) => false,
            Some(WidgetState::Other(_)) | None => self.offer_asap || self.offer_scheduled,
        }
    }
}
