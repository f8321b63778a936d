//! The shared phrase builder: how every [`Sentence`] is put together from a locale's words.
//!
//! A locale file holds only data (the words of each [`Phrase`] with the prompts that say them,
//! day and month names, a few [`Grammar`] choices) and its number and clock-time rules. The
//! structure of every sentence lives here once, so a new locale writes no sentence code.
//! The project prompt manifest is derived from the same words ([`project_prompts`]).

use super::{Gender, Language, Piece};
use crate::speech::message::{Day, Digits, Eta, Offered, RangeUnit, Sentence, Span};
use crate::speech::situation::Placeholder;
use crate::speech::vocabulary::listed_enum;
use jiff::civil::{Date, Time};

/// Words and the prompt files that say exactly them (`cbstatus/...` for project prompts).
pub(crate) type Words = (&'static str, &'static [&'static str]);

/// The grammar choices of a language that change a sentence's structure.
pub(crate) struct Grammar {
    /// Weekday names, Sunday first (said by [`DAY_PROMPTS`]).
    pub(crate) days: [&'static str; 7],
    /// Month names, January first (said by [`MONTH_PROMPTS`]).
    pub(crate) months: [&'static str; 12],
    /// What "callback requests" are counted as (es feminine "solicitudes").
    pub(crate) count: Gender,
    /// Hours (es feminine "una hora").
    pub(crate) hours: Gender,
    /// Minutes (es masculine "un minuto").
    pub(crate) minutes: Gender,
    /// The lower end of a range of minutes (es "entre uno y cinco minutos").
    pub(crate) range_low_minutes: Gender,
    /// Said before a weekday (es "el miércoles").
    pub(crate) weekday_article: Option<Words>,
    /// How a date a week or more ahead is said.
    pub(crate) date: DateStyle,
    /// Said before a weekday or date when a callback is confirmed for it (en "on Wednesday").
    pub(crate) on_weekday: Option<Words>,
    /// A place in line is an ordinal (fr "Vous êtes le 4e"), not a number (en "number 4").
    pub(crate) position_ordinal: bool,
    /// The first day of a month is an ordinal (fr "le 1er mars"), the others cardinals.
    pub(crate) first_of_month_ordinal: bool,
    /// "de" before a vowel is elided in text and SSML (fr "plus d'une heure", "est
    /// d'environ"); see [`elide`].
    pub(crate) elides_de: bool,
    /// The same elision in prompts: two recordings played one after the other ("plus de",
    /// "une") and the one recording that says them elided ("plus d'une"), which is played
    /// instead; see [`elide_prompts`].
    pub(crate) elided_prompts: &'static [ElidedPrompt],
}

/// Asterisk's weekday prompts, Sunday first: every sound pack names them alike, so a locale
/// gives only the words.
const DAY_PROMPTS: [&[&str]; 7] = [
    &["digits/day-0"],
    &["digits/day-1"],
    &["digits/day-2"],
    &["digits/day-3"],
    &["digits/day-4"],
    &["digits/day-5"],
    &["digits/day-6"],
];

/// Asterisk's month prompts, January first (named alike in every sound pack).
const MONTH_PROMPTS: [&[&str]; 12] = [
    &["digits/mon-0"],
    &["digits/mon-1"],
    &["digits/mon-2"],
    &["digits/mon-3"],
    &["digits/mon-4"],
    &["digits/mon-5"],
    &["digits/mon-6"],
    &["digits/mon-7"],
    &["digits/mon-8"],
    &["digits/mon-9"],
    &["digits/mon-10"],
    &["digits/mon-11"],
];

/// Two prompts that elide when played together, and the recording that says them so:
/// `before`, `after`, the joined prompt.
pub(crate) type ElidedPrompt = (&'static str, &'static str, &'static str);

/// Elision in a playlist ([`Grammar::elided_prompts`]): each pair the locale lists is played as
/// its joined recording ("plus de" + "une" → "plus d'une"). A recording of "d'" alone cannot be
/// cut from its next word, so the joined recordings are prompts of their own.
pub(crate) fn elide_prompts(lang: &dyn Language, names: Vec<String>) -> Vec<String> {
    let pairs = lang.grammar().elided_prompts;
    if pairs.is_empty() {
        return names;
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let joined = out.last().and_then(|before| {
            pairs
                .iter()
                .find(|(b, a, _)| *b == before.as_str() && *a == name.as_str())
        });
        match joined {
            Some((_, _, joined)) => {
                out.pop();
                out.push(joined.to_string());
            }
            None => out.push(name),
        }
    }
    out
}

/// How a date is said after its weekday.
pub(crate) enum DateStyle {
    /// "Wednesday, March 13th": a comma, the month, the day as an ordinal.
    MonthOrdinal,
    /// "el miércoles 13 de marzo": the day as a cardinal, the connector, the month.
    DayOfMonth(Words),
    /// "le mercredi 13 mars 2027": the day as a cardinal, the month, the year, no connector.
    DayMonth,
}

listed_enum! {
    /// Every fixed phrase a locale words, in manifest order. The builder decides where each one
    /// goes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Phrase {
        /// "about" (a wait).
        About,
        /// "between" (a range; fr says none: "dans 10 à 15 minutes").
        Between,
        /// "more than".
        MoreThan,
        /// "less than".
        LessThan,
        /// "less than a minute".
        UnderAMinute,
        /// "and" (in spans: "1 hour and 20 minutes").
        And,
        /// "and" between the ends of a range ("between 10 and 15"; fr "de 10 à 15").
        RangeTo,
        /// "minute".
        Minute,
        /// "minutes".
        Minutes,
        /// "hour".
        Hour,
        /// "hours".
        Hours,
        /// "today".
        Today,
        /// "tomorrow".
        Tomorrow,
        /// "at" before a clock time.
        At,
        /// "at" before one o'clock (es "a la").
        AtOne,
        /// "You have" (a count).
        YouHave,
        /// "callback requests".
        CallbackRequests,
        /// "Here is the soonest one".
        HereIsTheSoonest,
        /// "You are number".
        YouAreNumber,
        /// "in line for your callback".
        InLineForYourCallback,
        /// "You are next in line for your callback".
        YouAreNextInLine,
        /// "We expect to call you in".
        WeExpectToCallYouIn,
        /// "Your callback is scheduled for" (today, tomorrow).
        ScheduledFor,
        /// "Your callback is scheduled on" (a weekday, a date).
        ScheduledOn,
        /// "We are placing your callback now".
        CallingNow,
        /// "Your callback has been completed".
        Completed,
        /// "Your callback request was canceled".
        Canceled,
        /// "Your last callback request is no longer active".
        Ended,
        /// "We have your callback request".
        WeHaveYourRequest,
        /// "We will call you as soon as we can".
        WeWillCallAsap,
        /// "We could not find a callback request for your number".
        NotFound,
        /// "We could not find a callback request for the number ending in".
        NotFoundForNumber,
        /// "We will call you at the number ending in".
        ReadBack,
        /// "Sorry, we can't check your callback right now".
        LookupFailed,
        /// "Your callback request has been canceled".
        CancelDone,
        /// "We could not find a callback request to cancel".
        CancelNotFound,
        /// "You have more than one callback request, so we could not cancel it here".
        CancelTooMany,
        /// "Sorry, we could not cancel your callback right now".
        CancelFailed,
        /// "We can call you back".
        CallbacksAvailable,
        /// "We are unable to offer callbacks at this time".
        CallbacksUnavailable,
        /// "The current wait is".
        CurrentWaitIs,
        /// "Sorry, we can't check whether callbacks are available right now".
        AvailabilityFailed,
        /// "We can call you back in" (a wait follows).
        OfferCallBackIn,
        /// "We can call you back" (no wait known).
        OfferCallBack,
        /// "so you don't have to wait on hold".
        NoNeedToHold,
        /// "For" (a menu line).
        For,
        /// "press" (a menu line).
        Press,
        /// "a callback as soon as possible" (a menu choice).
        ACallbackAsap,
        /// "Thank you".
        ThankYou,
        /// "We will call you back".
        WeWillCallYouBack,
        /// "at the number ending in".
        AtTheNumberEndingIn,
        /// "in" (before a wait).
        In,
        /// "as soon as we can" (ends a confirmation without a wait).
        AsSoonAsWeCan,
        /// "We already have your callback request".
        RegisterDuplicate,
        /// "Sorry, we are not taking callback requests right now".
        RegisterRefused,
        /// "Sorry, we cannot call you back at this number".
        RegisterInvalidContact,
        /// "Sorry, that time is no longer available".
        RegisterInvalidTime,
        /// "Sorry, we could not register your callback right now".
        RegisterFailed,
        /// "Sorry, we could not confirm your callback".
        RegisterUnconfirmed,
    }
}

impl Phrase {
    /// The phrase ends its sentence (its recording's transcript ends with a period).
    pub(crate) fn ends_sentence(self) -> bool {
        use Phrase::*;
        matches!(
            self,
            CallbackRequests
                | HereIsTheSoonest
                | InLineForYourCallback
                | YouAreNextInLine
                | CallingNow
                | Completed
                | Canceled
                | Ended
                | WeHaveYourRequest
                | WeWillCallAsap
                | NotFound
                | LookupFailed
                | CancelDone
                | CancelNotFound
                | CancelTooMany
                | CancelFailed
                | CallbacksAvailable
                | CallbacksUnavailable
                | AvailabilityFailed
                | NoNeedToHold
                | ThankYou
                | AsSoonAsWeCan
                | RegisterDuplicate
                | RegisterRefused
                | RegisterInvalidContact
                | RegisterInvalidTime
                | RegisterFailed
                | RegisterUnconfirmed
        )
    }
}

/// The words of `phrase` in `lang`, as a piece.
fn say(lang: &dyn Language, phrase: Phrase) -> Piece {
    let (text, prompts) = lang.phrase(phrase);
    Piece::Words(text, prompts)
}

/// `phrase` as a sentence of its own.
fn alone(lang: &dyn Language, phrase: Phrase) -> Vec<Piece> {
    vec![say(lang, phrase), Piece::End]
}

/// The built-in wording of a sentence.
pub(crate) fn sentence(lang: &dyn Language, sentence: &Sentence) -> Vec<Piece> {
    use Phrase as P;
    use Sentence::*;
    let g = lang.grammar();
    match sentence {
        Several { count } => vec![
            say(lang, P::YouHave),
            Piece::Number(*count, g.count),
            say(lang, P::CallbackRequests),
            Piece::End,
            say(lang, P::HereIsTheSoonest),
            Piece::End,
            Piece::Pause,
        ],
        AsapPosition { position, eta } => {
            [position_in_line(lang, *position), wait(lang, eta)].concat()
        }
        AsapPositionNoWait { position } => position_in_line(lang, *position),
        NextInLine { eta } => [alone(lang, P::YouAreNextInLine), wait(lang, eta)].concat(),
        NextInLineNoWait => alone(lang, P::YouAreNextInLine),
        AsapWait { eta } => wait(lang, eta),
        Scheduled { when } => {
            let intro = match when.day {
                Day::Today | Day::Tomorrow => P::ScheduledFor,
                Day::Weekday(_) | Day::Date(_) | Day::DateYear(_) => P::ScheduledOn,
            };
            let mut v = vec![say(lang, intro)];
            v.extend(day(lang, &when.day));
            v.extend(at_time(lang, when.time));
            v.push(Piece::End);
            v
        }
        CallingNow => alone(lang, P::CallingNow),
        Completed => alone(lang, P::Completed),
        Canceled => alone(lang, P::Canceled),
        Ended => alone(lang, P::Ended),
        NoDetails => [
            alone(lang, P::WeHaveYourRequest),
            alone(lang, P::WeWillCallAsap),
        ]
        .concat(),
        NotFound => alone(lang, P::NotFound),
        NotFoundForNumber { digits } => vec![
            say(lang, P::NotFoundForNumber),
            Piece::Pause,
            Piece::Digits(digits.clone()),
            Piece::End,
        ],
        ReadBack { digits } => vec![
            say(lang, P::ReadBack),
            Piece::Pause,
            Piece::Digits(digits.clone()),
            Piece::End,
        ],
        LookupFailed => alone(lang, P::LookupFailed),
        CancelDone => alone(lang, P::CancelDone),
        CancelNotFound => alone(lang, P::CancelNotFound),
        CancelTooMany => alone(lang, P::CancelTooMany),
        CancelFailed => alone(lang, P::CancelFailed),
        CallbacksAvailable => alone(lang, P::CallbacksAvailable),
        CallbacksUnavailable => alone(lang, P::CallbacksUnavailable),
        CurrentWait { eta: e } => {
            let mut v = vec![say(lang, P::CurrentWaitIs)];
            v.extend(eta(lang, e));
            v.push(Piece::End);
            v
        }
        AvailabilityFailed => alone(lang, P::AvailabilityFailed),
        OfferAsap { eta: None } => vec![
            say(lang, P::OfferCallBack),
            Piece::Words(",", &[]),
            say(lang, P::NoNeedToHold),
            Piece::End,
        ],
        OfferAsap { eta: Some(e) } => {
            let mut v = vec![say(lang, P::OfferCallBackIn)];
            v.extend(eta(lang, e));
            v.extend([
                Piece::Words(",", &[]),
                say(lang, P::NoNeedToHold),
                Piece::End,
            ]);
            v
        }
        MenuChoice { key, choice } => {
            let mut v = vec![say(lang, P::For)];
            v.extend(offered(lang, choice));
            v.extend([
                Piece::Words(",", &[]),
                say(lang, P::Press),
                Piece::Number(*key, Gender::Neutral),
                Piece::End,
            ]);
            v
        }
        RegisterDoneAsap { digits, eta: e } => {
            let mut v = confirmation(lang, digits.as_ref());
            match e {
                Some(e) => {
                    v.push(say(lang, P::In));
                    v.extend(eta(lang, e));
                }
                None => v.push(say(lang, P::AsSoonAsWeCan)),
            }
            v.push(Piece::End);
            v
        }
        RegisterDoneScheduled { digits, when } => {
            let mut v = confirmation(lang, digits.as_ref());
            if let (Day::Weekday(_) | Day::Date(_) | Day::DateYear(_), Some((t, p))) =
                (when.day, g.on_weekday)
            {
                v.push(Piece::Words(t, p));
            }
            v.extend(day(lang, &when.day));
            v.extend(at_time(lang, when.time));
            v.push(Piece::End);
            v
        }
        RegisterDuplicate => alone(lang, P::RegisterDuplicate),
        RegisterRefused => alone(lang, P::RegisterRefused),
        RegisterInvalidContact => alone(lang, P::RegisterInvalidContact),
        RegisterInvalidTime => alone(lang, P::RegisterInvalidTime),
        RegisterFailed => alone(lang, P::RegisterFailed),
        RegisterUnconfirmed => alone(lang, P::RegisterUnconfirmed),
    }
}

/// "Thank you. We will call you back [at the number ending in 4 5 6 7]": the start of both
/// confirmations.
fn confirmation(lang: &dyn Language, digits: Option<&Digits>) -> Vec<Piece> {
    let mut v = vec![
        say(lang, Phrase::ThankYou),
        Piece::End,
        say(lang, Phrase::WeWillCallYouBack),
    ];
    if let Some(digits) = digits {
        v.extend([
            say(lang, Phrase::AtTheNumberEndingIn),
            Piece::Pause,
            Piece::Digits(digits.clone()),
        ]);
    }
    v
}

/// What a menu key chooses: "a callback as soon as possible", "today at 3:00 PM".
fn offered(lang: &dyn Language, choice: &Offered) -> Vec<Piece> {
    match choice {
        Offered::Asap => vec![say(lang, Phrase::ACallbackAsap)],
        Offered::At(when) => [day(lang, &when.day), at_time(lang, when.time)].concat(),
    }
}

/// The wording of a template placeholder's value in a sentence (`None` if the sentence has
/// no such value).
pub(crate) fn value(
    lang: &dyn Language,
    placeholder: Placeholder,
    sentence: &Sentence,
) -> Option<Vec<Piece>> {
    let g = lang.grammar();
    Some(match placeholder {
        Placeholder::Position => vec![position(lang, sentence.position()?)],
        Placeholder::Wait => eta(lang, sentence.eta()?),
        Placeholder::Time => vec![Piece::Time(sentence.when()?.time)],
        Placeholder::AtTime => at_time(lang, sentence.when()?.time),
        Placeholder::Day => match sentence.when()?.day {
            Day::Weekday(date) | Day::Date(date) | Day::DateYear(date) => {
                vec![weekday(lang, date)]
            }
            d => day(lang, &d),
        },
        Placeholder::Date => match sentence.when()?.day {
            Day::Date(date) => month_day(lang, date, false),
            Day::DateYear(date) => month_day(lang, date, true),
            _ => return None,
        },
        Placeholder::Count => vec![Piece::Number(sentence.count()?, g.count)],
        Placeholder::Digits => vec![Piece::Digits(sentence.digits()?.clone())],
        Placeholder::Key => vec![Piece::Number(sentence.menu_choice()?.0, Gender::Neutral)],
        Placeholder::Choice => offered(lang, sentence.menu_choice()?.1),
    })
}

/// The project prompts of a language, derived from its words: bare name (under `cbstatus/`)
/// and transcript, in [`Phrase::ALL`] order, then the language's rule prompts. A prompt two
/// phrases share is listed once.
pub(crate) fn project_prompts(lang: &dyn Language) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut add = |name: &'static str, transcript: String| {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, transcript));
        }
    };
    let g = lang.grammar();
    let words = Phrase::ALL
        .into_iter()
        .map(|phrase| (lang.phrase(phrase), phrase.ends_sentence()))
        .chain(g.weekday_article.into_iter().map(|w| (w, false)))
        .chain(g.on_weekday.into_iter().map(|w| (w, false)));
    for ((text, prompts), ends) in words {
        // Only a single recording says exactly the phrase's words.
        if let [prompt] = prompts {
            if let Some(name) = prompt.strip_prefix("cbstatus/") {
                add(name, format!("{text}{}", if ends { "." } else { "" }));
            }
        }
    }
    for (name, transcript) in lang.rule_prompts() {
        add(name, transcript.to_string());
    }
    out
}

/// A place in line: "4" (en "number 4") or "4e" (fr "le 4e").
fn position(lang: &dyn Language, n: u32) -> Piece {
    if lang.grammar().position_ordinal {
        Piece::Ordinal(n)
    } else {
        Piece::Number(n, Gender::Neutral)
    }
}

/// The word starts with a vowel sound, so a language that elides ("de" + "environ" →
/// "d'environ") uses its elided form before it. A leading "h" does not count: whether it
/// elides depends on the word, and no built-in word after an elision starts with one.
/// Digits never elide ("de 11", "de 8" are said "de onze", "de huit").
fn starts_with_vowel(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| "aeiouyàâäéèêëîïôöùûüœæAEIOUYÀÂÉÈÊÎÔÙÛ".contains(c))
}

/// Elision for text and SSML, in a language that elides "de" ([`Grammar::elides_de`]):
/// words ending in "de" before words starting with a vowel end in "d'" and join them
/// ("plus de" + "une heure" → "plus d'une heure"). The pieces are already expanded (numbers
/// said as words are words). Prompts keep their recordings: an elided recording cannot be
/// cut from its next word.
pub(crate) fn elide(lang: &dyn Language, pieces: &mut [Piece]) {
    if !lang.grammar().elides_de {
        return;
    }
    for i in 0..pieces.len() {
        let Piece::Words(text, _) = pieces[i] else {
            continue;
        };
        if text != "de" && !text.ends_with(" de") {
            continue;
        }
        // The next word said (a word a locale leaves empty, fr "entre", says nothing).
        let next = pieces[i + 1..].iter().find_map(|piece| match piece {
            Piece::Words("", _) => None,
            Piece::Words(text, _) => Some(starts_with_vowel(text)),
            Piece::Written { text, .. } => Some(starts_with_vowel(text)),
            _ => Some(false),
        });
        if next == Some(true) {
            let elided = format!("{}d'", &text[..text.len() - 2]);
            pieces[i] = Piece::Written {
                spoken: elided.clone(),
                text: elided,
            };
        }
    }
}

fn position_in_line(lang: &dyn Language, n: u32) -> Vec<Piece> {
    vec![
        say(lang, Phrase::YouAreNumber),
        position(lang, n),
        say(lang, Phrase::InLineForYourCallback),
        Piece::End,
    ]
}

/// "We expect to call you in about 12 minutes."
fn wait(lang: &dyn Language, e: &Eta) -> Vec<Piece> {
    let mut v = vec![say(lang, Phrase::WeExpectToCallYouIn)];
    v.extend(eta(lang, e));
    v.push(Piece::End);
    v
}

/// "about 12 minutes", "between 10 and 15 minutes", "less than a minute" ...
pub(crate) fn eta(lang: &dyn Language, eta: &Eta) -> Vec<Piece> {
    let g = lang.grammar();
    let with = |first: Phrase, s: Span| [vec![say(lang, first)], span(lang, s)].concat();
    match *eta {
        Eta::UnderAMinute => vec![say(lang, Phrase::UnderAMinute)],
        Eta::About(s) => with(Phrase::About, s),
        Eta::LessThan(s) => with(Phrase::LessThan, s),
        Eta::MoreThan(s) => with(Phrase::MoreThan, s),
        Eta::Between { low, high, unit } => {
            let (low_gender, gender, noun) = match unit {
                RangeUnit::Minutes => (g.range_low_minutes, g.minutes, Phrase::Minutes),
                RangeUnit::Hours => (g.hours, g.hours, Phrase::Hours),
            };
            vec![
                say(lang, Phrase::Between),
                Piece::Number(low, low_gender),
                say(lang, Phrase::RangeTo),
                Piece::Number(high, gender),
                say(lang, noun),
            ]
        }
    }
}

/// "2 hours and 15 minutes", "1 hour", "12 minutes".
fn span(lang: &dyn Language, span: Span) -> Vec<Piece> {
    let g = lang.grammar();
    let mut v = Vec::new();
    if span.hours > 0 {
        v.push(Piece::Number(span.hours, g.hours));
        v.push(say(
            lang,
            if span.hours == 1 {
                Phrase::Hour
            } else {
                Phrase::Hours
            },
        ));
    }
    if span.minutes > 0 || span.hours == 0 {
        if span.hours > 0 {
            v.push(say(lang, Phrase::And));
        }
        v.push(Piece::Number(span.minutes, g.minutes));
        v.push(say(
            lang,
            if span.minutes == 1 {
                Phrase::Minute
            } else {
                Phrase::Minutes
            },
        ));
    }
    v
}

/// "at 3:45 PM" (es "a las 3:45 de la tarde", "a la una").
pub(crate) fn at_time(lang: &dyn Language, time: Time) -> Vec<Piece> {
    let at = if super::hour12(time) == 1 {
        Phrase::AtOne
    } else {
        Phrase::At
    };
    vec![say(lang, at), Piece::Time(time)]
}

fn weekday(lang: &dyn Language, date: Date) -> Piece {
    let day = date.weekday().to_sunday_zero_offset() as usize;
    Piece::Words(lang.grammar().days[day], DAY_PROMPTS[day])
}

/// "March 13th" / "13 de marzo" / "13 mars"; with `year`, "March 13th, 2027" / "13 de marzo
/// de 2027" / "13 mars 2027".
fn month_day(lang: &dyn Language, date: Date, year: bool) -> Vec<Piece> {
    let g = lang.grammar();
    let index = (date.month() - 1) as usize;
    let month = Piece::Words(g.months[index], MONTH_PROMPTS[index]);
    let day = date.day() as u32;
    let day_piece = if day == 1 && g.first_of_month_ordinal {
        Piece::Ordinal(day)
    } else {
        Piece::Number(day, Gender::Neutral)
    };
    let year = year.then(|| Piece::Number(date.year().unsigned_abs().into(), Gender::Neutral));
    match g.date {
        DateStyle::MonthOrdinal => {
            let mut v = vec![month, Piece::Ordinal(day)];
            if let Some(year) = year {
                v.extend([Piece::Words(",", &[]), year]);
            }
            v
        }
        DateStyle::DayOfMonth((of, of_prompts)) => {
            let mut v = vec![day_piece, Piece::Words(of, of_prompts), month];
            if let Some(year) = year {
                v.extend([Piece::Words(of, of_prompts), year]);
            }
            v
        }
        DateStyle::DayMonth => [Some(day_piece), Some(month), year]
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// "today", "tomorrow", "Wednesday" / "el miércoles", "Wednesday, March 13" / "el miércoles
/// 13 de marzo".
pub(crate) fn day(lang: &dyn Language, day: &Day) -> Vec<Piece> {
    let g = lang.grammar();
    let article = || g.weekday_article.map(|(t, p)| Piece::Words(t, p));
    match *day {
        Day::Today => vec![say(lang, Phrase::Today)],
        Day::Tomorrow => vec![say(lang, Phrase::Tomorrow)],
        Day::Weekday(date) => article().into_iter().chain([weekday(lang, date)]).collect(),
        Day::Date(date) | Day::DateYear(date) => {
            let mut v: Vec<Piece> = article().into_iter().collect();
            v.push(weekday(lang, date));
            if matches!(g.date, DateStyle::MonthOrdinal) {
                v.push(Piece::Words(",", &[]));
            }
            v.extend(month_day(lang, date, matches!(*day, Day::DateYear(_))));
            v
        }
    }
}
