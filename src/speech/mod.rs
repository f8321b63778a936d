//! Speech: decide *what* to say about a lookup, then render it as plain text, SSML or a list
//! of Asterisk prompts, in English (`en-US`) or Spanish (`es-US`).
//!
//! ```text
//! Outcome ──decide()──▶ Message ──render(Format, Locale)──▶ text | SSML | prompts
//! ```
//!
//! - [`decide()`] is pure and locale-free: it picks the [`Situation`]s and their typed values
//!   (place in line, a rounded [`Eta`], the local day and time, phone digits). It never passes
//!   on raw API values (status strings, ids, error bodies).
//! - [`render()`] words the message in a [`Locale`] (one file per locale under `locale/`) and
//!   lays it out for a [`Format`]. Operator [`Templates`] reword sentences for text and SSML;
//!   prompts always keep the built-in wording.
//! - Project prompts (words Asterisk's stock sounds lack) are listed by [`project_prompts`] and
//!   [`manifest_text`].
//!
//! Situations: see [`Situation`] (its names are the template keys).

mod decide;
mod eta;
mod freeswitch;
mod locale;
mod manifest;
mod message;
mod render;
mod situation;
mod templates;
mod vocabulary;

pub use eta::{EtaPolicy, EtaStyle};
pub use freeswitch::{check_sound_dir, freeswitch_playlist, playlist_prompts};
pub use locale::{Locale, UnknownLocale};
pub use manifest::{is_valid_prompt_name, manifest_text, project_prompts, PROMPT_DIR};
pub use message::{Day, Digits, Eta, Message, Offered, RangeUnit, Sentence, Span, When};
pub use situation::{Placeholder, Situation};
pub use templates::{Part, Template, Templates};

use crate::error::{Error, ErrorKind};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;
use std::str::FromStr;

/// How to render a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain sentences for any TTS engine.
    #[default]
    Text,
    /// A complete SSML 1.0 `<speak>` document.
    Ssml,
    /// `&`-joined Asterisk sound file names for `Playback()`.
    Prompts,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Text, Format::Ssml, Format::Prompts];

    /// `text`, `ssml` or `prompts`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Ssml => "ssml",
            Format::Prompts => "prompts",
        }
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format, Error> {
        let folded = s.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == folded)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidConfig,
                    format!(
                        "format must be text, ssml or prompts, not {:?}",
                        eta::clip(s)
                    ),
                )
            })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that shapes the spoken answer besides the lookup itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpeechOptions {
    /// The language (default `en-US`).
    pub locale: Locale,
    /// How waits are quoted (default: exact, no minimum, at most 90 minutes).
    pub eta: EtaPolicy,
    /// Read back the callback number, "ending in 4 5 6 7" (default off).
    pub read_back_number: bool,
    /// Operator rewordings for text and SSML (default none).
    pub templates: Templates,
}

/// What a lookup produced, for speaking.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The API answered: callbacks found (non-empty report) or not found (empty report).
    Status {
        /// The callbacks for the number.
        report: &'a crate::status::StatusReport,
        /// The number looked up (for read-back when no callback number is known).
        number: Option<&'a crate::number::PhoneNumber>,
    },
    /// The lookup failed: the fallback sentence.
    Failed,
    /// A cancel request was answered.
    Cancel(&'a crate::cancel::CancelOutcome),
    /// A cancel request failed.
    CancelFailed,
    /// A widget (availability) request was answered.
    Widget(&'a crate::widget::WidgetStatus),
    /// A widget (availability) request failed.
    WidgetFailed,
    /// A widget request answered, spoken as an offer and a menu.
    Offer(&'a crate::widget::WidgetStatus),
    /// A registration was answered.
    Register {
        /// What Mindful said.
        registration: &'a crate::register::Registration,
        /// The number registered (its last digits are read back).
        number: Option<&'a crate::number::PhoneNumber>,
    },
    /// A registration failed; `maybe_sent`: it may have reached Mindful (then it is spoken as
    /// unconfirmed, never as success).
    RegisterFailed {
        /// The request may have been registered.
        maybe_sent: bool,
    },
}

/// Decide what to say. Pure: `now` and `tz` decide "today", "tomorrow" and clock times.
pub fn decide(outcome: &Outcome, now: Timestamp, tz: &TimeZone, opts: &SpeechOptions) -> Message {
    decide::decide(outcome, now, tz, opts)
}

/// Render a message in `opts.locale` (with `opts.templates` for text and SSML). Pure.
pub fn render(message: &Message, format: Format, opts: &SpeechOptions) -> String {
    let lang = opts.locale.language();
    match format {
        Format::Text => {
            render::text::render(&render::word(message, opts.locale, Some(&opts.templates)))
        }
        Format::Ssml => render::ssml::render(
            &render::word(message, opts.locale, Some(&opts.templates)),
            lang,
        ),
        Format::Prompts => render::prompts::render(message, lang),
    }
}

/// Decide and render in one step.
pub fn speak(
    outcome: &Outcome,
    now: Timestamp,
    tz: &TimeZone,
    opts: &SpeechOptions,
    format: Format,
) -> String {
    render(&decide(outcome, now, tz, opts), format, opts)
}

/// The prompt names of a message in `locale`, in playing order (what [`Format::Prompts`]
/// joins with `&`).
pub fn prompt_names(message: &Message, locale: Locale) -> Vec<String> {
    render::prompts::names(message, locale.language())
}

/// One message per situation (and per kind of wait), for previews, documentation and tests.
pub fn sample_messages() -> Vec<Message> {
    use jiff::civil::{date, time};
    let digits = Digits::new("4567").expect("valid digits");
    let eta = |m| Eta::About(Span::hours_and_minutes(m));
    let one = |s| Message::new(vec![s]);
    let at = |day, h, m| Sentence::Scheduled {
        when: When {
            day,
            time: time(h, m, 0, 0),
        },
    };
    vec![
        one(Sentence::AsapPosition {
            position: 4,
            eta: eta(12),
        }),
        one(Sentence::AsapPositionNoWait { position: 23 }),
        one(Sentence::NextInLine {
            eta: Eta::UnderAMinute,
        }),
        one(Sentence::NextInLineNoWait),
        one(Sentence::AsapWait { eta: eta(135) }),
        one(Sentence::AsapWait { eta: eta(60) }),
        one(Sentence::AsapWait { eta: eta(61) }),
        one(Sentence::AsapWait { eta: eta(1) }),
        one(Sentence::AsapWait {
            eta: Eta::Between {
                low: 10,
                high: 15,
                unit: RangeUnit::Minutes,
            },
        }),
        one(Sentence::AsapWait {
            eta: Eta::Between {
                low: 1,
                high: 2,
                unit: RangeUnit::Hours,
            },
        }),
        one(Sentence::AsapWait {
            eta: Eta::LessThan(Span::minutes(2)),
        }),
        one(Sentence::AsapWait {
            eta: Eta::MoreThan(Span::minutes(90)),
        }),
        one(Sentence::AsapWait {
            eta: Eta::MoreThan(Span::hours_and_minutes(120)),
        }),
        one(at(Day::Today, 15, 45)),
        one(at(Day::Tomorrow, 13, 5)),
        one(at(Day::Weekday(date(2026, 3, 13)), 0, 0)),
        one(at(Day::Date(date(2026, 3, 18)), 12, 30)),
        one(at(Day::Date(date(2026, 12, 31)), 9, 0)),
        one(Sentence::CallingNow),
        one(Sentence::Completed),
        one(Sentence::Canceled),
        one(Sentence::Ended),
        one(Sentence::NoDetails),
        one(Sentence::NotFound),
        one(Sentence::NotFoundForNumber {
            digits: digits.clone(),
        }),
        Message::new(vec![
            Sentence::Several { count: 3 },
            Sentence::AsapPosition {
                position: 2,
                eta: eta(5),
            },
            Sentence::ReadBack { digits },
        ]),
        one(Sentence::LookupFailed),
        one(Sentence::CancelDone),
        one(Sentence::CancelNotFound),
        one(Sentence::CancelTooMany),
        one(Sentence::CancelFailed),
        Message::new(vec![
            Sentence::CallbacksAvailable,
            Sentence::CurrentWait { eta: eta(10) },
        ]),
        Message::new(vec![
            Sentence::CallbacksUnavailable,
            Sentence::CurrentWait {
                eta: Eta::UnderAMinute,
            },
        ]),
        one(Sentence::AvailabilityFailed),
        Message::new(vec![
            Sentence::OfferAsap { eta: Some(eta(12)) },
            Sentence::MenuChoice {
                key: 1,
                choice: Offered::Asap,
            },
            Sentence::MenuChoice {
                key: 2,
                choice: Offered::At(When {
                    day: Day::Today,
                    time: time(15, 0, 0, 0),
                }),
            },
            Sentence::MenuChoice {
                key: 3,
                choice: Offered::At(When {
                    day: Day::Tomorrow,
                    time: time(9, 0, 0, 0),
                }),
            },
            Sentence::MenuChoice {
                key: 4,
                choice: Offered::At(When {
                    day: Day::Date(date(2026, 3, 18)),
                    time: time(13, 30, 0, 0),
                }),
            },
        ]),
        one(Sentence::OfferAsap { eta: None }),
        one(Sentence::RegisterDoneAsap {
            digits: Some(Digits::new("4567").expect("valid digits")),
            eta: Some(eta(12)),
        }),
        one(Sentence::RegisterDoneAsap {
            digits: None,
            eta: None,
        }),
        one(Sentence::RegisterDoneScheduled {
            digits: Some(Digits::new("4567").expect("valid digits")),
            when: When {
                day: Day::Today,
                time: time(15, 0, 0, 0),
            },
        }),
        one(Sentence::RegisterDoneScheduled {
            digits: None,
            when: When {
                day: Day::Weekday(date(2026, 3, 13)),
                time: time(9, 30, 0, 0),
            },
        }),
        one(Sentence::RegisterDuplicate),
        one(Sentence::RegisterRefused),
        one(Sentence::RegisterInvalidContact),
        one(Sentence::RegisterInvalidTime),
        one(Sentence::RegisterFailed),
        one(Sentence::RegisterUnconfirmed),
    ]
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod journey_tests;
