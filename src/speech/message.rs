//! The intermediate message: *what* to say, independent of locale and renderer.
//!
//! [`crate::speech::decide()`] builds a [`Message`] from a lookup outcome; every renderer (text,
//! SSML, Asterisk prompts) and every locale works from this one value. A message is a list of
//! [`Sentence`]s; each sentence is one [`Situation`] carrying typed values (numbers, waits,
//! clock times, dates, phone digits) and never raw API strings.
//!
//! Adding a situation means: a new [`Sentence`] variant, its [`Situation`] (one line in
//! `situation.rs`: name and placeholders), and its words per locale file.

use super::situation::Situation;
use jiff::civil::{Date, Time};
use std::fmt;

/// What to say: sentences in speaking order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The sentences, in the order they are spoken.
    pub sentences: Vec<Sentence>,
}

impl Message {
    /// A message of these sentences.
    pub fn new(sentences: Vec<Sentence>) -> Message {
        Message { sentences }
    }

    /// The situation of each sentence, in order.
    pub fn situations(&self) -> Vec<Situation> {
        self.sentences.iter().map(Sentence::situation).collect()
    }
}

/// One thing to tell the caller. Each variant is one [`Situation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sentence {
    /// Several open callbacks exist: "You have 3 callback requests. Here is the soonest one."
    Several {
        /// How many open callbacks (2 or more).
        count: u32,
    },
    /// ASAP callback with a place in line and a wait.
    AsapPosition {
        /// Place in line (2 or more; 1 is [`Sentence::NextInLine`]).
        position: u32,
        /// The expected wait.
        eta: Eta,
    },
    /// ASAP callback with a place in line, wait unknown.
    AsapPositionNoWait {
        /// Place in line (2 or more).
        position: u32,
    },
    /// ASAP callback, next in line, with a wait.
    NextInLine {
        /// The expected wait.
        eta: Eta,
    },
    /// ASAP callback, next in line, wait unknown.
    NextInLineNoWait,
    /// ASAP callback with a wait but no place in line.
    AsapWait {
        /// The expected wait.
        eta: Eta,
    },
    /// A callback at a clock time (an appointment).
    Scheduled {
        /// The day and local time.
        when: When,
    },
    /// The callback call is being placed (or is in progress) right now.
    CallingNow,
    /// Final: the callback took place.
    Completed,
    /// Final: the callback was canceled.
    Canceled,
    /// Final: the callback ended otherwise (abandoned, failed, unavailable).
    Ended,
    /// A callback exists but nothing useful is known about it.
    NoDetails,
    /// No callback for the caller's number.
    NotFound,
    /// No callback for the number ending in these digits.
    NotFoundForNumber {
        /// The last digits of the number looked up.
        digits: Digits,
    },
    /// Read the callback number back: "We will call you at the number ending in 4 5 6 7."
    ReadBack {
        /// The last digits of the callback number.
        digits: Digits,
    },
    /// The lookup failed: the fallback sentence.
    LookupFailed,
    /// Cancel: the callback request has been canceled.
    CancelDone,
    /// Cancel: there was no callback request to cancel.
    CancelNotFound,
    /// Cancel: several callback requests exist; Mindful cancels only a single one.
    CancelTooMany,
    /// Cancel: Mindful refused, or the request failed.
    CancelFailed,
    /// Widget: callbacks can be offered now.
    CallbacksAvailable,
    /// Widget: callbacks are not offered now.
    CallbacksUnavailable,
    /// Widget: the current estimated wait for a callback (ECBT).
    CurrentWait {
        /// The wait.
        eta: Eta,
    },
    /// Widget: the availability check failed.
    AvailabilityFailed,
    /// Offer: "We can call you back in about 12 minutes, so you don't have to wait on hold."
    OfferAsap {
        /// The current wait, when Mindful gave one.
        eta: Option<Eta>,
    },
    /// Offer: one menu line, "For today at 3:00 PM, press 2."
    MenuChoice {
        /// The key to press (1 to 9).
        key: u32,
        /// What the key chooses.
        choice: Offered,
    },
    /// Registered as soon as possible: "Thank you. We will call you back at the number ending
    /// in 4 5 6 7 in about 12 minutes."
    RegisterDoneAsap {
        /// The last digits of the number registered.
        digits: Option<Digits>,
        /// The wait Mindful quoted.
        eta: Option<Eta>,
    },
    /// Registered at a time slot: "Thank you. We will call you back at the number ending in
    /// 4 5 6 7 today at 3:00 PM."
    RegisterDoneScheduled {
        /// The last digits of the number registered.
        digits: Option<Digits>,
        /// The appointment.
        when: When,
    },
    /// Register: Mindful already has a request for this number.
    RegisterDuplicate,
    /// Register: callbacks are not taken now (operation mode).
    RegisterRefused,
    /// Register: Mindful cannot call this number.
    RegisterInvalidContact,
    /// Register: the time is not (or no longer) available.
    RegisterInvalidTime,
    /// Register: not registered (Mindful refused, or nothing could be sent).
    RegisterFailed,
    /// Register: the request may have reached Mindful but no answer came back. Never spoken
    /// as success.
    RegisterUnconfirmed,
}

/// What a menu key chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// A callback as soon as possible.
    Asap,
    /// A callback at this time slot.
    At(When),
}

impl Sentence {
    /// The situation this sentence is (the key for operator templates).
    pub fn situation(&self) -> Situation {
        use Sentence::*;
        match self {
            Several { .. } => Situation::Several,
            AsapPosition { .. } => Situation::AsapPosition,
            AsapPositionNoWait { .. } => Situation::AsapPositionNoWait,
            NextInLine { .. } => Situation::NextInLine,
            NextInLineNoWait => Situation::NextInLineNoWait,
            AsapWait { .. } => Situation::AsapWait,
            Scheduled { when } => match when.day {
                Day::Today => Situation::ScheduledToday,
                Day::Tomorrow => Situation::ScheduledTomorrow,
                Day::Weekday(_) => Situation::ScheduledWeekday,
                Day::Date(_) | Day::DateYear(_) => Situation::ScheduledDate,
            },
            CallingNow => Situation::CallingNow,
            Completed => Situation::Completed,
            Canceled => Situation::Canceled,
            Ended => Situation::Ended,
            NoDetails => Situation::NoDetails,
            NotFound => Situation::NotFound,
            NotFoundForNumber { .. } => Situation::NotFoundForNumber,
            ReadBack { .. } => Situation::ReadBack,
            LookupFailed => Situation::LookupFailed,
            CancelDone => Situation::CancelDone,
            CancelNotFound => Situation::CancelNotFound,
            CancelTooMany => Situation::CancelTooMany,
            CancelFailed => Situation::CancelFailed,
            CallbacksAvailable => Situation::CallbacksAvailable,
            CallbacksUnavailable => Situation::CallbacksUnavailable,
            CurrentWait { .. } => Situation::CurrentWait,
            AvailabilityFailed => Situation::AvailabilityFailed,
            OfferAsap { .. } => Situation::OfferAsap,
            MenuChoice { .. } => Situation::OfferMenu,
            RegisterDoneAsap { .. } => Situation::RegisterDoneAsap,
            RegisterDoneScheduled { .. } => Situation::RegisterDoneScheduled,
            RegisterDuplicate => Situation::RegisterDuplicate,
            RegisterRefused => Situation::RegisterRefused,
            RegisterInvalidContact => Situation::RegisterInvalidContact,
            RegisterInvalidTime => Situation::RegisterInvalidTime,
            RegisterFailed => Situation::RegisterFailed,
            RegisterUnconfirmed => Situation::RegisterUnconfirmed,
        }
    }

    /// The place in line, if this sentence says one.
    pub fn position(&self) -> Option<u32> {
        match self {
            Sentence::AsapPosition { position, .. } | Sentence::AsapPositionNoWait { position } => {
                Some(*position)
            }
            _ => None,
        }
    }

    /// The wait, if this sentence says one.
    pub fn eta(&self) -> Option<&Eta> {
        match self {
            Sentence::AsapPosition { eta, .. }
            | Sentence::NextInLine { eta }
            | Sentence::AsapWait { eta }
            | Sentence::CurrentWait { eta } => Some(eta),
            Sentence::OfferAsap { eta } | Sentence::RegisterDoneAsap { eta, .. } => eta.as_ref(),
            _ => None,
        }
    }

    /// The day and time, if this sentence says one.
    pub fn when(&self) -> Option<&When> {
        match self {
            Sentence::Scheduled { when } | Sentence::RegisterDoneScheduled { when, .. } => {
                Some(when)
            }
            Sentence::MenuChoice {
                choice: Offered::At(when),
                ..
            } => Some(when),
            _ => None,
        }
    }

    /// The menu key and its choice, if this sentence is a menu line.
    pub fn menu_choice(&self) -> Option<(u32, &Offered)> {
        match self {
            Sentence::MenuChoice { key, choice } => Some((*key, choice)),
            _ => None,
        }
    }

    /// The number of callbacks, if this sentence says one.
    pub fn count(&self) -> Option<u32> {
        match self {
            Sentence::Several { count } => Some(*count),
            _ => None,
        }
    }

    /// The phone digits, if this sentence reads some.
    pub fn digits(&self) -> Option<&Digits> {
        match self {
            Sentence::NotFoundForNumber { digits } | Sentence::ReadBack { digits } => Some(digits),
            Sentence::RegisterDoneAsap { digits, .. }
            | Sentence::RegisterDoneScheduled { digits, .. } => digits.as_ref(),
            _ => None,
        }
    }
}

/// An expected wait, already rounded and bounded by the [`crate::speech::EtaPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eta {
    /// "less than a minute".
    UnderAMinute,
    /// "about 12 minutes", "about 2 hours and 15 minutes".
    About(Span),
    /// "between 10 and 15 minutes", "between 1 and 2 hours".
    Between {
        /// Lower bound, in `unit`s.
        low: u32,
        /// Upper bound, in `unit`s.
        high: u32,
        /// Minutes or hours.
        unit: RangeUnit,
    },
    /// Below the configured minimum: "less than 2 minutes".
    LessThan(Span),
    /// Above the configured maximum: "more than 90 minutes".
    MoreThan(Span),
}

/// A duration as it is spoken: hours and minutes (either may be zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Whole hours.
    pub hours: u32,
    /// Minutes (normally below 60 when `hours` > 0).
    pub minutes: u32,
}

impl Span {
    /// A span of `minutes`, said in minutes only ("90 minutes").
    pub const fn minutes(minutes: u32) -> Span {
        Span { hours: 0, minutes }
    }

    /// A span split into hours and minutes ("1 hour and 30 minutes").
    pub const fn hours_and_minutes(total_minutes: u32) -> Span {
        Span {
            hours: total_minutes / 60,
            minutes: total_minutes % 60,
        }
    }

    /// The total in minutes.
    pub const fn total_minutes(self) -> u32 {
        self.hours.saturating_mul(60).saturating_add(self.minutes)
    }
}

/// The unit of a [`Eta::Between`] range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeUnit {
    /// "between 10 and 15 minutes".
    Minutes,
    /// "between 1 and 2 hours".
    Hours,
}

/// When a scheduled callback is: the day (relative to today, in the configured zone) and the
/// local clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    /// Today, tomorrow, a weekday within the coming week, or a later date.
    pub day: Day,
    /// The local time (seconds are ignored when speaking).
    pub time: Time,
}

/// The day of a scheduled callback, relative to the caller's today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// "today".
    Today,
    /// "tomorrow".
    Tomorrow,
    /// Within the coming week: said as the weekday ("Wednesday").
    Weekday(Date),
    /// A week or more ahead: said as weekday and date ("Wednesday, March 13").
    Date(Date),
    /// More than six months ahead: said with its year ("Saturday, March 13th, 2027"), so a
    /// far-off or implausible date is not taken for this year's.
    DateYear(Date),
}

/// Phone digits to read one by one (ASCII digits only, 1 to 15 of them).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Digits(String);

impl Digits {
    /// `text` if it is 1 to 15 ASCII digits.
    pub fn new(text: &str) -> Option<Digits> {
        let ok = (1..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Digits(text.to_string()))
    }

    /// The last `n` digits found in `text` (which may hold `+`, spaces, dashes ...), if it has
    /// at least `n` digits.
    pub fn last_of(text: &str, n: usize) -> Option<Digits> {
        let all: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
        if n == 0 || all.len() < n {
            return None;
        }
        let tail = &all[all.len() - n..];
        Digits::new(std::str::from_utf8(tail).ok()?)
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Digits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digits({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_validated() {
        assert_eq!(Digits::new("4567").unwrap().as_str(), "4567");
        assert!(Digits::new("").is_none());
        assert!(Digits::new("45a7").is_none());
        assert!(Digits::new("1234567890123456").is_none());
        assert_eq!(
            Digits::last_of("+1 (555) 123-4567", 4).unwrap().as_str(),
            "4567"
        );
        assert!(Digits::last_of("12", 4).is_none());
        assert!(Digits::last_of("Phone:abc", 4).is_none());
    }

    #[test]
    fn spans() {
        assert_eq!(
            Span::hours_and_minutes(135),
            Span {
                hours: 2,
                minutes: 15
            }
        );
        assert_eq!(Span::minutes(90).total_minutes(), 90);
    }
}
