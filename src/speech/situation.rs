//! The kinds of sentence ([`Situation`]) and the values a template may name ([`Placeholder`]),
//! each declared once: one line per situation gives its variant, its template key and its
//! placeholders, and `Situation::ALL`, `name()` and `placeholders()` are generated from it.
//!
//! Adding a sentence means: a [`Sentence`](super::Sentence) variant (with its situation in
//! `Sentence::situation`), one line in `situations!` below, its structure in
//! `locale/phrases.rs` and its words in each locale file; the README's list of situations is
//! rendered from this one (`CBSTATUS_BLESS=1 cargo test --test situations_doc`).

use super::vocabulary::named_enum;
use std::fmt;

/// [`Situation`] from one `Variant = "template_key" {Placeholder, ...},` line per situation.
macro_rules! situations {
    ($( $(#[$doc:meta])* $Variant:ident = $name:literal { $($Placeholder:ident),* }, )*) => {
        named_enum! {
            /// The kinds of sentence, named for operator templates
            /// (`[templates.en-US] asap_position = "..."`).
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum Situation {
                $( $(#[$doc])* $Variant = $name, )*
            }
        }

        impl Situation {
            /// The placeholders a template for this situation may use.
            pub const fn placeholders(self) -> &'static [Placeholder] {
                match self {
                    $( Situation::$Variant => &[$(Placeholder::$Placeholder),*], )*
                }
            }
        }
    };
}

situations! {
    /// several open callbacks.
    Several = "several" {Count},
    /// place in line and wait.
    AsapPosition = "asap_position" {Position, Wait},
    /// place in line only.
    AsapPositionNoWait = "asap_position_no_wait" {Position},
    /// next in line with a wait.
    NextInLine = "next_in_line" {Wait},
    /// next in line, wait unknown.
    NextInLineNoWait = "next_in_line_no_wait" {},
    /// a wait only.
    AsapWait = "asap_wait" {Wait},
    /// scheduled today.
    ScheduledToday = "scheduled_today" {Time, AtTime, Day},
    /// scheduled tomorrow.
    ScheduledTomorrow = "scheduled_tomorrow" {Time, AtTime, Day},
    /// scheduled within the coming week.
    ScheduledWeekday = "scheduled_weekday" {Time, AtTime, Day},
    /// scheduled a week or more ahead.
    ScheduledDate = "scheduled_date" {Time, AtTime, Day, Date},
    /// the callback is being placed now.
    CallingNow = "calling_now" {},
    /// final, the callback took place.
    Completed = "completed" {},
    /// final, the callback was canceled.
    Canceled = "canceled" {},
    /// final, abandoned / failed / unavailable.
    Ended = "ended" {},
    /// a callback exists, nothing more is known.
    NoDetails = "no_details" {},
    /// no callback for the caller's number.
    NotFound = "not_found" {},
    /// no callback, reading the number back.
    NotFoundForNumber = "not_found_for_number" {Digits},
    /// the callback number read back.
    ReadBack = "read_back" {Digits},
    /// the fallback when the lookup failed.
    LookupFailed = "lookup_failed" {},
    /// the callback request has been canceled.
    CancelDone = "cancel_done" {},
    /// no callback request to cancel.
    CancelNotFound = "cancel_not_found" {},
    /// several requests; none canceled.
    CancelTooMany = "cancel_too_many" {},
    /// the cancel did not go through.
    CancelFailed = "cancel_failed" {},
    /// callbacks can be offered now.
    CallbacksAvailable = "callbacks_available" {},
    /// callbacks are not offered now.
    CallbacksUnavailable = "callbacks_unavailable" {},
    /// the current wait for a callback.
    CurrentWait = "current_wait" {Wait},
    /// the availability check failed.
    AvailabilityFailed = "availability_failed" {},
    /// offer a callback as soon as possible.
    OfferAsap = "offer_asap" {Wait},
    /// one menu line.
    OfferMenu = "offer_menu" {Key, Choice},
    /// registered, as soon as possible.
    RegisterDoneAsap = "register_done_asap" {Digits, Wait},
    /// registered at a time.
    RegisterDoneScheduled = "register_done_scheduled" {Digits, Time, AtTime, Day, Date},
    /// a request for this number already exists.
    RegisterDuplicate = "register_duplicate" {},
    /// callbacks are not taken now.
    RegisterRefused = "register_refused" {},
    /// the number cannot be called back.
    RegisterInvalidContact = "register_invalid_contact" {},
    /// the time is not available.
    RegisterInvalidTime = "register_invalid_time" {},
    /// the callback was not registered.
    RegisterFailed = "register_failed" {},
    /// no answer; the callback may or may not be registered.
    RegisterUnconfirmed = "register_unconfirmed" {},
}

impl Situation {
    /// The situation with this template key (case-insensitive, `-` accepted for `_`).
    pub fn from_name(name: &str) -> Option<Situation> {
        let folded = name.trim().to_ascii_lowercase().replace('-', "_");
        Situation::ALL.into_iter().find(|s| s.name() == folded)
    }
}

impl fmt::Display for Situation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

named_enum! {
    /// A named value a template can use, written `{name}`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Placeholder {
        /// place in line ("4").
        Position = "position",
        /// the wait phrase ("about 12 minutes", "between 10 and 15 minutes").
        Wait = "wait",
        /// the clock time ("3:45 PM"; es "3:45 de la tarde").
        Time = "time",
        /// the clock time with its preposition ("at 3:45 PM"; es "a la 1:15 de la tarde").
        AtTime = "at_time",
        /// "today", "tomorrow" or the weekday name.
        Day = "day",
        /// month and day ("March 13"; es "13 de marzo").
        Date = "date",
        /// how many callbacks.
        Count = "count",
        /// phone digits read one by one ("4 5 6 7").
        Digits = "digits",
        /// the menu key to press ("2").
        Key = "key",
        /// what a menu key chooses ("a callback as soon as possible", "today at 3:00 PM").
        Choice = "choice",
    }
}

impl Placeholder {
    /// The placeholder with this name (exact, lower case).
    pub fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn situation_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in Situation::ALL {
            assert!(seen.insert(s.name()));
            assert_eq!(Situation::from_name(s.name()), Some(s));
            assert_eq!(
                Situation::from_name(&s.name().to_uppercase().replace('_', "-")),
                Some(s)
            );
        }
        assert_eq!(Situation::from_name("asap"), None);
        for p in Placeholder::ALL {
            assert_eq!(Placeholder::from_name(p.name()), Some(p));
        }
    }

    #[test]
    fn the_declaration_gives_the_order_names_and_placeholders() {
        assert_eq!(Situation::ALL.len(), 37);
        assert_eq!(Situation::ALL[0], Situation::Several);
        assert_eq!(Situation::ALL[36], Situation::RegisterUnconfirmed);
        assert!(
            Situation::ALL.windows(2).all(|w| w[0] < w[1]),
            "ALL in Ord order"
        );
        assert_eq!(
            Situation::AsapPositionNoWait.name(),
            "asap_position_no_wait"
        );
        assert_eq!(
            Situation::RegisterDoneScheduled.placeholders(),
            [
                Placeholder::Digits,
                Placeholder::Time,
                Placeholder::AtTime,
                Placeholder::Day,
                Placeholder::Date
            ]
        );
        assert_eq!(Situation::CallingNow.placeholders(), []);
        assert_eq!(Placeholder::ALL.len(), 10);
        assert_eq!(Placeholder::AtTime.name(), "at_time");
    }
}
