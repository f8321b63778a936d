//! Widget status: whether the contact centre offers callbacks right now, and its current
//! estimated callback time (ECBT).

use crate::token::Token;
use jiff::Timestamp;
use std::time::Duration;

/// Most choices an IVR menu offers (keys 1 to 9).
pub const MAX_MENU_CHOICES: usize = 9;

/// The widget's state, as Mindful names it. Unknown values are kept as a safe [`Token`].
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
    /// A value we do not know, as a safe [`Token`] (`[a-z0-9_]{1,32}`, else `other`).
    Other(Token),
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
            _ => WidgetState::Other(Token::from_api(&t)),
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
            WidgetState::Other(s) => s.as_str(),
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
    /// The appointment times offered (`scheduled_timeslots`), sorted, without duplicates.
    pub timeslots: Vec<Timestamp>,
}

/// One choice of a callback menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// A callback as soon as possible.
    Asap,
    /// A callback at this time slot.
    At(Timestamp),
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

    /// An ASAP callback can be offered now: callbacks are available and ASAP ones are offered
    /// (by `offer_asap`, or by the `offer_asap_callback` state).
    pub fn asap_offered(&self) -> bool {
        self.callbacks_available()
            && match self.state {
                Some(WidgetState::OfferAsapCallback) => true,
                Some(WidgetState::OfferScheduledCallback) => false,
                _ => self.offer_asap,
            }
    }

    /// Scheduled callbacks can be offered now (by `offer_scheduled`, or by the
    /// `offer_scheduled_callback` state).
    pub fn scheduled_offered(&self) -> bool {
        self.callbacks_available()
            && match self.state {
                Some(WidgetState::OfferScheduledCallback) => true,
                Some(WidgetState::OfferAsapCallback) => false,
                _ => self.offer_scheduled,
            }
    }

    /// The time slots a caller may still choose at `now` (past ones left out), when scheduled
    /// callbacks are offered.
    pub fn open_slots(&self, now: Timestamp) -> Vec<Timestamp> {
        if !self.scheduled_offered() {
            return Vec::new();
        }
        self.timeslots
            .iter()
            .copied()
            .filter(|t| *t > now)
            .collect()
    }

    /// The menu at `now`: ASAP first (when offered), then the open time slots, at most
    /// [`MAX_MENU_CHOICES`]. Choice `i` is key `i + 1`.
    pub fn menu(&self, now: Timestamp) -> Vec<Choice> {
        let asap = self.asap_offered().then_some(Choice::Asap);
        asap.into_iter()
            .chain(self.open_slots(now).into_iter().map(Choice::At))
            .take(MAX_MENU_CHOICES)
            .collect()
    }

    /// Something can be offered at `now` (an ASAP callback or an open time slot).
    pub fn offers(&self, now: Timestamp) -> bool {
        !self.menu(now).is_empty()
    }
}
