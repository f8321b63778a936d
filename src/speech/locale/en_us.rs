//! US English: every phrase, its Asterisk prompts, and Asterisk's English number and time
//! rules (main/say.c: `ast_say_number_full_en`, `ast_say_enumeration_full_en`,
//! `ast_say_date_with_format_en`).
//!
//! Stock prompts used (asterisk-core-sounds-en): `digits/*` (0-20, tens, `hundred`,
//! `thousand`, `million`, `billion`, `h-N`, `oclock`, `oh`, `a-m`, `p-m`, `at`, `today`,
//! `tomorrow`, `day-0..6`, `mon-0..11`), `minutes`, `hours`, `queue-minute`,
//! `queue-less-than`, `vm-and`, `vm-youhave`. Everything else is a project prompt under
//! `cbstatus/` (see [`PROMPTS`]).

use super::{hour12, w, Gender, Language, Piece};
use crate::speech::message::{Day, Eta, Placeholder, RangeUnit, Sentence, Span};
use jiff::civil::{Date, Time};

pub(crate) struct EnUs;

/// The project's own prompts: bare name (under `cbstatus/`) and transcript.
const PROMPTS: &[(&str, &str)] = &[
    ("about", "about"),
    ("between", "between"),
    ("more-than", "more than"),
    ("less-than-a-minute", "less than a minute"),
    ("hour", "hour"),
    ("callback-requests", "callback requests."),
    ("here-is-the-soonest", "Here is the soonest one."),
    ("you-are-number", "You are number"),
    ("in-line-for-your-callback", "in line for your callback."),
    (
        "you-are-next-in-line",
        "You are next in line for your callback.",
    ),
    ("we-expect-to-call-you-in", "We expect to call you in"),
    (
        "your-callback-is-scheduled-for",
        "Your callback is scheduled for",
    ),
    (
        "your-callback-is-scheduled-on",
        "Your callback is scheduled on",
    ),
    (
        "placing-your-callback-now",
        "We are placing your callback now.",
    ),
    ("callback-completed", "Your callback has been completed."),
    ("callback-canceled", "Your callback request was canceled."),
    (
        "callback-ended",
        "Your last callback request is no longer active.",
    ),
    ("we-have-your-request", "We have your callback request."),
    ("we-will-call-asap", "We will call you as soon as we can."),
    (
        "no-callback-found",
        "We could not find a callback request for your number.",
    ),
    (
        "no-callback-found-for-number-ending-in",
        "We could not find a callback request for the number ending in",
    ),
    (
        "we-will-call-number-ending-in",
        "We will call you at the number ending in",
    ),
    (
        "cant-check-right-now",
        "Sorry, we can't check your callback right now.",
    ),
    ("cancel-done", "Your callback request has been canceled."),
    (
        "cancel-not-found",
        "We could not find a callback request to cancel.",
    ),
    (
        "cancel-too-many",
        "You have more than one callback request, so we could not cancel it here.",
    ),
    (
        "cant-cancel-right-now",
        "Sorry, we could not cancel your callback right now.",
    ),
    ("callbacks-available", "We can call you back."),
    (
        "callbacks-unavailable",
        "We are unable to offer callbacks at this time.",
    ),
    ("current-wait-is", "The current wait is"),
    (
        "cant-check-availability",
        "Sorry, we can't check whether callbacks are available right now.",
    ),
];

const DAYS: [(&str, &[&str]); 7] = [
    ("Sunday", &["digits/day-0"]),
    ("Monday", &["digits/day-1"]),
    ("Tuesday", &["digits/day-2"]),
    ("Wednesday", &["digits/day-3"]),
    ("Thursday", &["digits/day-4"]),
    ("Friday", &["digits/day-5"]),
    ("Saturday", &["digits/day-6"]),
];

const MONTHS: [(&str, &[&str]); 12] = [
    ("January", &["digits/mon-0"]),
    ("February", &["digits/mon-1"]),
    ("March", &["digits/mon-2"]),
    ("April", &["digits/mon-3"]),
    ("May", &["digits/mon-4"]),
    ("June", &["digits/mon-5"]),
    ("July", &["digits/mon-6"]),
    ("August", &["digits/mon-7"]),
    ("September", &["digits/mon-8"]),
    ("October", &["digits/mon-9"]),
    ("November", &["digits/mon-10"]),
    ("December", &["digits/mon-11"]),
];

const N: Gender = Gender::Neutral;

impl EnUs {
    fn position(&self, position: u32) -> Vec<Piece> {
        vec![
            w("You are number", &["cbstatus/you-are-number"]),
            Piece::Number(position, N),
            w(
                "in line for your callback",
                &["cbstatus/in-line-for-your-callback"],
            ),
            Piece::End,
        ]
    }

    fn next_in_line(&self) -> Vec<Piece> {
        vec![
            w(
                "You are next in line for your callback",
                &["cbstatus/you-are-next-in-line"],
            ),
            Piece::End,
        ]
    }

    fn wait(&self, eta: &Eta) -> Vec<Piece> {
        let mut v = vec![w(
            "We expect to call you in",
            &["cbstatus/we-expect-to-call-you-in"],
        )];
        v.extend(self.eta(eta));
        v.push(Piece::End);
        v
    }

    fn eta(&self, eta: &Eta) -> Vec<Piece> {
        let with = |first: Piece, span: Span| {
            let mut v = vec![first];
            v.extend(self.span(span));
            v
        };
        match *eta {
            Eta::UnderAMinute => vec![w("less than a minute", &["cbstatus/less-than-a-minute"])],
            Eta::About(span) => with(w("about", &["cbstatus/about"]), span),
            Eta::LessThan(span) => with(w("less than", &["queue-less-than"]), span),
            Eta::MoreThan(span) => with(w("more than", &["cbstatus/more-than"]), span),
            Eta::Between { low, high, unit } => vec![
                w("between", &["cbstatus/between"]),
                Piece::Number(low, N),
                w("and", &["vm-and"]),
                Piece::Number(high, N),
                match unit {
                    RangeUnit::Minutes => w("minutes", &["minutes"]),
                    RangeUnit::Hours => w("hours", &["hours"]),
                },
            ],
        }
    }

    fn span(&self, span: Span) -> Vec<Piece> {
        let mut v = Vec::new();
        if span.hours > 0 {
            v.push(Piece::Number(span.hours, N));
            v.push(match span.hours {
                1 => w("hour", &["cbstatus/hour"]),
                _ => w("hours", &["hours"]),
            });
        }
        if span.minutes > 0 || span.hours == 0 {
            if span.hours > 0 {
                v.push(w("and", &["vm-and"]));
            }
            v.push(Piece::Number(span.minutes, N));
            v.push(match span.minutes {
                1 => w("minute", &["queue-minute"]),
                _ => w("minutes", &["minutes"]),
            });
        }
        v
    }

    fn at_time(&self, time: Time) -> Vec<Piece> {
        vec![w("at", &["digits/at"]), Piece::Time(time)]
    }

    fn weekday(&self, date: Date) -> Piece {
        let (name, prompts) = DAYS[date.weekday().to_sunday_zero_offset() as usize];
        w(name, prompts)
    }

    /// "March 13" (said "March thirteenth", as Asterisk's English `d` does).
    fn month_day(&self, date: Date) -> Vec<Piece> {
        let (name, prompts) = MONTHS[(date.month() - 1) as usize];
        vec![w(name, prompts), Piece::Ordinal(date.day() as u32)]
    }

    /// "today", "tomorrow", "Wednesday", "Wednesday, March 13".
    fn day(&self, day: &Day) -> Vec<Piece> {
        match *day {
            Day::Today => vec![w("today", &["digits/today"])],
            Day::Tomorrow => vec![w("tomorrow", &["digits/tomorrow"])],
            Day::Weekday(date) => vec![self.weekday(date)],
            Day::Date(date) => {
                let mut v = vec![self.weekday(date), w(",", &[])];
                v.extend(self.month_day(date));
                v
            }
        }
    }
}

impl Language for EnUs {
    fn tag(&self) -> &'static str {
        "en-US"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["en", "en-us"]
    }

    fn sound_dir(&self) -> &'static str {
        "en"
    }

    fn espeak_voice(&self) -> &'static str {
        "en-us"
    }

    fn project_prompts(&self) -> &'static [(&'static str, &'static str)] {
        PROMPTS
    }

    fn sentence(&self, sentence: &Sentence) -> Vec<Piece> {
        use Sentence::*;
        let one = |text, prompt| vec![w(text, prompt), Piece::End];
        match sentence {
            Several { count } => vec![
                w("You have", &["vm-youhave"]),
                Piece::Number(*count, N),
                w("callback requests", &["cbstatus/callback-requests"]),
                Piece::End,
                w("Here is the soonest one", &["cbstatus/here-is-the-soonest"]),
                Piece::End,
                Piece::Pause,
            ],
            AsapPosition { position, eta } => {
                let mut v = self.position(*position);
                v.extend(self.wait(eta));
                v
            }
            AsapPositionNoWait { position } => self.position(*position),
            NextInLine { eta } => {
                let mut v = self.next_in_line();
                v.extend(self.wait(eta));
                v
            }
            NextInLineNoWait => self.next_in_line(),
            AsapWait { eta } => self.wait(eta),
            Scheduled { when } => {
                let mut v = vec![match when.day {
                    Day::Today | Day::Tomorrow => w(
                        "Your callback is scheduled for",
                        &["cbstatus/your-callback-is-scheduled-for"],
                    ),
                    Day::Weekday(_) | Day::Date(_) => w(
                        "Your callback is scheduled on",
                        &["cbstatus/your-callback-is-scheduled-on"],
                    ),
                }];
                v.extend(self.day(&when.day));
                v.extend(self.at_time(when.time));
                v.push(Piece::End);
                v
            }
            CallingNow => one(
                "We are placing your callback now",
                &["cbstatus/placing-your-callback-now"],
            ),
            Completed => one(
                "Your callback has been completed",
                &["cbstatus/callback-completed"],
            ),
            Canceled => one(
                "Your callback request was canceled",
                &["cbstatus/callback-canceled"],
            ),
            Ended => one(
                "Your last callback request is no longer active",
                &["cbstatus/callback-ended"],
            ),
            NoDetails => vec![
                w(
                    "We have your callback request",
                    &["cbstatus/we-have-your-request"],
                ),
                Piece::End,
                w(
                    "We will call you as soon as we can",
                    &["cbstatus/we-will-call-asap"],
                ),
                Piece::End,
            ],
            NotFound => one(
                "We could not find a callback request for your number",
                &["cbstatus/no-callback-found"],
            ),
            NotFoundForNumber { digits } => vec![
                w(
                    "We could not find a callback request for the number ending in",
                    &["cbstatus/no-callback-found-for-number-ending-in"],
                ),
                Piece::Pause,
                Piece::Digits(digits.clone()),
                Piece::End,
            ],
            ReadBack { digits } => vec![
                w(
                    "We will call you at the number ending in",
                    &["cbstatus/we-will-call-number-ending-in"],
                ),
                Piece::Pause,
                Piece::Digits(digits.clone()),
                Piece::End,
            ],
            LookupFailed => one(
                "Sorry, we can't check your callback right now",
                &["cbstatus/cant-check-right-now"],
            ),
            CancelDone => one(
                "Your callback request has been canceled",
                &["cbstatus/cancel-done"],
            ),
            CancelNotFound => one(
                "We could not find a callback request to cancel",
                &["cbstatus/cancel-not-found"],
            ),
            CancelTooMany => one(
                "You have more than one callback request, so we could not cancel it here",
                &["cbstatus/cancel-too-many"],
            ),
            CancelFailed => one(
                "Sorry, we could not cancel your callback right now",
                &["cbstatus/cant-cancel-right-now"],
            ),
            CallbacksAvailable => one("We can call you back", &["cbstatus/callbacks-available"]),
            CallbacksUnavailable => one(
                "We are unable to offer callbacks at this time",
                &["cbstatus/callbacks-unavailable"],
            ),
            CurrentWait { eta } => {
                let mut v = vec![w("The current wait is", &["cbstatus/current-wait-is"])];
                v.extend(self.eta(eta));
                v.push(Piece::End);
                v
            }
            AvailabilityFailed => one(
                "Sorry, we can't check whether callbacks are available right now",
                &["cbstatus/cant-check-availability"],
            ),
        }
    }

    fn value(&self, placeholder: Placeholder, sentence: &Sentence) -> Option<Vec<Piece>> {
        Some(match placeholder {
            Placeholder::Position => vec![Piece::Number(sentence.position()?, N)],
            Placeholder::Wait => self.eta(sentence.eta()?),
            Placeholder::Time => vec![Piece::Time(sentence.when()?.time)],
            Placeholder::AtTime => self.at_time(sentence.when()?.time),
            Placeholder::Day => match sentence.when()?.day {
                Day::Weekday(date) | Day::Date(date) => vec![self.weekday(date)],
                day => self.day(&day),
            },
            Placeholder::Date => match sentence.when()?.day {
                Day::Date(date) => self.month_day(date),
                _ => return None,
            },
            Placeholder::Count => vec![Piece::Number(sentence.count()?, N)],
            Placeholder::Digits => vec![Piece::Digits(sentence.digits()?.clone())],
        })
    }

    /// "3:45 PM", "12:00 AM".
    fn time_words(&self, time: Time) -> Vec<Piece> {
        let ampm = if time.hour() < 12 { "AM" } else { "PM" };
        vec![Piece::Clock(format!(
            "{}:{:02} {ampm}",
            hour12(time),
            time.minute()
        ))]
    }

    /// Asterisk English time: hour, then `digits/oclock` / `digits/oh` N / N, then am/pm.
    fn time_prompts(&self, time: Time) -> Vec<String> {
        let mut v = self.number_prompts(hour12(time) as u32, N);
        match time.minute() {
            0 => v.push("digits/oclock".to_string()),
            m @ 1..=9 => {
                v.push("digits/oh".to_string());
                v.push(format!("digits/{m}"));
            }
            m => v.extend(self.number_prompts(m as u32, N)),
        }
        v.push(
            if time.hour() < 12 {
                "digits/a-m"
            } else {
                "digits/p-m"
            }
            .to_string(),
        );
        v
    }

    /// Asterisk English cardinals: no "and"; 747 = 7 hundred 40 7.
    fn number_prompts(&self, n: u32, _gender: Gender) -> Vec<String> {
        let mut v = Vec::new();
        number(n, &mut v);
        v
    }

    /// Asterisk English ordinals (`digits/h-N`): 13 = h-13, 21 = 20 h-1, 30 = h-30.
    fn ordinal_prompts(&self, n: u32) -> Vec<String> {
        let mut v = Vec::new();
        ordinal(n, &mut v);
        v
    }
}

fn number(n: u32, v: &mut Vec<String>) {
    if n == 0 {
        v.push("digits/0".to_string());
        return;
    }
    let mut num = n;
    while num > 0 {
        if num < 20 {
            v.push(format!("digits/{num}"));
            num = 0;
        } else if num < 100 {
            v.push(format!("digits/{}", num / 10 * 10));
            num %= 10;
        } else if num < 1000 {
            v.push(format!("digits/{}", num / 100));
            v.push("digits/hundred".to_string());
            num %= 100;
        } else if num < 1_000_000 {
            number(num / 1000, v);
            v.push("digits/thousand".to_string());
            num %= 1000;
        } else if num < 1_000_000_000 {
            number(num / 1_000_000, v);
            v.push("digits/million".to_string());
            num %= 1_000_000;
        } else {
            number(num / 1_000_000_000, v);
            v.push("digits/billion".to_string());
            num %= 1_000_000_000;
        }
    }
}

fn ordinal(n: u32, v: &mut Vec<String>) {
    match n {
        1..=19 => v.push(format!("digits/h-{n}")),
        20..=99 => {
            let (tens, unit) = (n / 10 * 10, n % 10);
            if unit == 0 {
                v.push(format!("digits/h-{tens}"));
            } else {
                v.push(format!("digits/{tens}"));
                v.push(format!("digits/h-{unit}"));
            }
        }
        100..=999 => {
            v.push(format!("digits/{}", n / 100));
            if n % 100 == 0 {
                v.push("digits/h-hundred".to_string());
            } else {
                v.push("digits/hundred".to_string());
                ordinal(n % 100, v);
            }
        }
        // 0 and 1000 and up are not needed for dates; said as cardinals.
        _ => number(n, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: u32) -> String {
        EnUs.number_prompts(n, N).join("&")
    }

    fn time(h: i8, m: i8) -> String {
        EnUs.time_prompts(Time::constant(h, m, 0, 0)).join("&")
    }

    #[test]
    fn asterisk_english_numbers() {
        assert_eq!(num(0), "digits/0");
        assert_eq!(num(7), "digits/7");
        assert_eq!(num(19), "digits/19");
        assert_eq!(num(40), "digits/40");
        assert_eq!(num(42), "digits/40&digits/2");
        assert_eq!(num(100), "digits/1&digits/hundred");
        assert_eq!(num(747), "digits/7&digits/hundred&digits/40&digits/7");
        assert_eq!(num(1042), "digits/1&digits/thousand&digits/40&digits/2");
        assert_eq!(
            num(2_000_310),
            "digits/2&digits/million&digits/3&digits/hundred&digits/10"
        );
    }

    #[test]
    fn asterisk_english_times() {
        assert_eq!(time(15, 5), "digits/3&digits/oh&digits/5&digits/p-m");
        assert_eq!(time(15, 45), "digits/3&digits/40&digits/5&digits/p-m");
        assert_eq!(time(0, 0), "digits/12&digits/oclock&digits/a-m");
        assert_eq!(time(12, 30), "digits/12&digits/30&digits/p-m");
        assert_eq!(time(9, 10), "digits/9&digits/10&digits/a-m");
        let text = |h, m| EnUs.time_words(Time::constant(h, m, 0, 0));
        assert_eq!(text(15, 45), vec![Piece::Clock("3:45 PM".into())]);
        assert_eq!(text(0, 0), vec![Piece::Clock("12:00 AM".into())]);
        assert_eq!(text(12, 30), vec![Piece::Clock("12:30 PM".into())]);
        assert_eq!(text(9, 5), vec![Piece::Clock("9:05 AM".into())]);
    }

    #[test]
    fn asterisk_english_ordinals() {
        let ord = |n| EnUs.ordinal_prompts(n).join("&");
        assert_eq!(ord(1), "digits/h-1");
        assert_eq!(ord(13), "digits/h-13");
        assert_eq!(ord(20), "digits/h-20");
        assert_eq!(ord(21), "digits/20&digits/h-1");
        assert_eq!(ord(30), "digits/h-30");
        assert_eq!(ord(31), "digits/30&digits/h-1");
    }
}
