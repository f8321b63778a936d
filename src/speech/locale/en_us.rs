//! US English: the words of every phrase and their Asterisk prompts, and Asterisk's English number and time
//! rules (main/say.c: `ast_say_number_full_en`, `ast_say_enumeration_full_en`,
//! `ast_say_date_with_format_en`).
//!
//! Stock prompts used (asterisk-core-sounds-en): `digits/*` (0-20, tens, `hundred`,
//! `thousand`, `million`, `billion`, `h-N`, `oclock`, `oh`, `a-m`, `p-m`, `at`, `today`,
//! `tomorrow`, `day-0..6`, `mon-0..11`), `minutes`, `hours`, `queue-minute`,
//! `queue-less-than`, `vm-and`, `vm-youhave`. Everything else is a project prompt under
//! `cbstatus/` (see `phrase`).

use super::{hour12, DateStyle, Gender, Grammar, Language, Phrase, Piece, Profile, Words};
use jiff::civil::Time;

pub(crate) struct EnUs;

const N: Gender = Gender::Neutral;

/// The stock Asterisk sounds the English playlists use, besides `digits/<number>` (which
/// [`stock_prompts`](Language::stock_prompts) adds), with their words: what `cbstatus prompts
/// generate --layout freeswitch` speaks for a PBX without Asterisk's sound packs.
const STOCK: &[(&str, &str)] = &[
    ("digits/hundred", "hundred"),
    ("digits/thousand", "thousand"),
    ("digits/million", "million"),
    ("digits/oclock", "o'clock"),
    ("digits/oh", "oh"),
    ("digits/a-m", "A M"),
    ("digits/p-m", "P M"),
    ("digits/at", "at"),
    ("digits/today", "today"),
    ("digits/tomorrow", "tomorrow"),
    ("digits/day-0", "Sunday"),
    ("digits/day-1", "Monday"),
    ("digits/day-2", "Tuesday"),
    ("digits/day-3", "Wednesday"),
    ("digits/day-4", "Thursday"),
    ("digits/day-5", "Friday"),
    ("digits/day-6", "Saturday"),
    ("digits/mon-0", "January"),
    ("digits/mon-1", "February"),
    ("digits/mon-2", "March"),
    ("digits/mon-3", "April"),
    ("digits/mon-4", "May"),
    ("digits/mon-5", "June"),
    ("digits/mon-6", "July"),
    ("digits/mon-7", "August"),
    ("digits/mon-8", "September"),
    ("digits/mon-9", "October"),
    ("digits/mon-10", "November"),
    ("digits/mon-11", "December"),
    ("digits/h-1", "first"),
    ("digits/h-2", "second"),
    ("digits/h-3", "third"),
    ("digits/h-4", "fourth"),
    ("digits/h-5", "fifth"),
    ("digits/h-6", "sixth"),
    ("digits/h-7", "seventh"),
    ("digits/h-8", "eighth"),
    ("digits/h-9", "ninth"),
    ("digits/h-10", "tenth"),
    ("digits/h-11", "eleventh"),
    ("digits/h-12", "twelfth"),
    ("digits/h-13", "thirteenth"),
    ("digits/h-14", "fourteenth"),
    ("digits/h-15", "fifteenth"),
    ("digits/h-16", "sixteenth"),
    ("digits/h-17", "seventeenth"),
    ("digits/h-18", "eighteenth"),
    ("digits/h-19", "nineteenth"),
    ("digits/h-20", "twentieth"),
    ("digits/h-30", "thirtieth"),
    ("hours", "hours"),
    ("minutes", "minutes"),
    ("queue-minute", "minute"),
    ("queue-less-than", "less than"),
    ("vm-and", "and"),
    ("vm-youhave", "you have"),
    ("vm-for", "for"),
    ("vm-press", "press"),
    ("auth-thankyou", "Thank you."),
];

/// The numbers with their own `digits/N` file in English: 0-20 and the tens.
const NUMBER_FILES: &[u32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 40, 50, 60, 70,
    80, 90,
];

const GRAMMAR: Grammar = Grammar {
    days: [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    count: N,
    hours: N,
    minutes: N,
    range_low_minutes: N,
    weekday_article: None,
    date: DateStyle::MonthOrdinal,
    on_weekday: Some(("on", &["cbstatus/on"])),
    position_ordinal: false,
    first_of_month_ordinal: false,
    elides_de: false,
    elided_prompts: &[],
};

/// The words of every phrase. A `cbstatus/` prompt is a project prompt: its transcript in
/// the manifest is these words.
fn phrase(phrase: Phrase) -> Words {
    use Phrase::*;
    match phrase {
        About => ("about", &["cbstatus/about"]),
        Between => ("between", &["cbstatus/between"]),
        MoreThan => ("more than", &["cbstatus/more-than"]),
        LessThan => ("less than", &["queue-less-than"]),
        UnderAMinute => ("less than a minute", &["cbstatus/less-than-a-minute"]),
        And | RangeTo => ("and", &["vm-and"]),
        Minute => ("minute", &["queue-minute"]),
        Minutes => ("minutes", &["minutes"]),
        Hour => ("hour", &["cbstatus/hour"]),
        Hours => ("hours", &["hours"]),
        Today => ("today", &["digits/today"]),
        Tomorrow => ("tomorrow", &["digits/tomorrow"]),
        At | AtOne => ("at", &["digits/at"]),
        YouHave => ("You have", &["vm-youhave"]),
        CallbackRequests => ("callback requests", &["cbstatus/callback-requests"]),
        HereIsTheSoonest => ("Here is the soonest one", &["cbstatus/here-is-the-soonest"]),
        YouAreNumber => ("You are number", &["cbstatus/you-are-number"]),
        InLineForYourCallback => (
            "in line for your callback",
            &["cbstatus/in-line-for-your-callback"],
        ),
        YouAreNextInLine => (
            "You are next in line for your callback",
            &["cbstatus/you-are-next-in-line"],
        ),
        WeExpectToCallYouIn => (
            "We expect to call you in",
            &["cbstatus/we-expect-to-call-you-in"],
        ),
        ScheduledFor => (
            "Your callback is scheduled for",
            &["cbstatus/your-callback-is-scheduled-for"],
        ),
        ScheduledOn => (
            "Your callback is scheduled on",
            &["cbstatus/your-callback-is-scheduled-on"],
        ),
        CallingNow => (
            "We are placing your callback now",
            &["cbstatus/placing-your-callback-now"],
        ),
        Completed => (
            "Your callback has been completed",
            &["cbstatus/callback-completed"],
        ),
        Canceled => (
            "Your callback request was canceled",
            &["cbstatus/callback-canceled"],
        ),
        Ended => (
            "Your last callback request is no longer active",
            &["cbstatus/callback-ended"],
        ),
        WeHaveYourRequest => (
            "We have your callback request",
            &["cbstatus/we-have-your-request"],
        ),
        WeWillCallAsap => (
            "We will call you as soon as we can",
            &["cbstatus/we-will-call-asap"],
        ),
        NotFound => (
            "We could not find a callback request for your number",
            &["cbstatus/no-callback-found"],
        ),
        NotFoundForNumber => (
            "We could not find a callback request for the number ending in",
            &["cbstatus/no-callback-found-for-number-ending-in"],
        ),
        ReadBack => (
            "We will call you at the number ending in",
            &["cbstatus/we-will-call-number-ending-in"],
        ),
        LookupFailed => (
            "Sorry, we can't check your callback right now",
            &["cbstatus/cant-check-right-now"],
        ),
        CancelDone => (
            "Your callback request has been canceled",
            &["cbstatus/cancel-done"],
        ),
        CancelNotFound => (
            "We could not find a callback request to cancel",
            &["cbstatus/cancel-not-found"],
        ),
        CancelTooMany => (
            "You have more than one callback request, so we could not cancel it here",
            &["cbstatus/cancel-too-many"],
        ),
        CancelFailed => (
            "Sorry, we could not cancel your callback right now",
            &["cbstatus/cant-cancel-right-now"],
        ),
        CallbacksAvailable => ("We can call you back", &["cbstatus/callbacks-available"]),
        CallbacksUnavailable => (
            "We are unable to offer callbacks at this time",
            &["cbstatus/callbacks-unavailable"],
        ),
        CurrentWaitIs => ("The current wait is", &["cbstatus/current-wait-is"]),
        AvailabilityFailed => (
            "Sorry, we can't check whether callbacks are available right now",
            &["cbstatus/cant-check-availability"],
        ),
        OfferCallBackIn => (
            "We can call you back in",
            &["cbstatus/we-can-call-you-back-in"],
        ),
        OfferCallBack => ("We can call you back", &["cbstatus/we-can-call-you-back"]),
        NoNeedToHold => (
            "so you don't have to wait on hold",
            &["cbstatus/so-you-dont-have-to-wait"],
        ),
        For => ("For", &["vm-for"]),
        Press => ("press", &["vm-press"]),
        ACallbackAsap => (
            "a callback as soon as possible",
            &["cbstatus/a-callback-asap"],
        ),
        ThankYou => ("Thank you", &["auth-thankyou"]),
        WeWillCallYouBack => ("We will call you back", &["cbstatus/we-will-call-you-back"]),
        AtTheNumberEndingIn => (
            "at the number ending in",
            &["cbstatus/at-the-number-ending-in"],
        ),
        In => ("in", &["cbstatus/in"]),
        AsSoonAsWeCan => ("as soon as we can", &["cbstatus/as-soon-as-we-can"]),
        RegisterDuplicate => (
            "We already have your callback request",
            &["cbstatus/register-duplicate"],
        ),
        RegisterRefused => (
            "Sorry, we are not taking callback requests right now",
            &["cbstatus/register-refused"],
        ),
        RegisterInvalidContact => (
            "Sorry, we cannot call you back at this number",
            &["cbstatus/register-invalid-contact"],
        ),
        RegisterInvalidTime => (
            "Sorry, that time is no longer available",
            &["cbstatus/register-invalid-time"],
        ),
        RegisterFailed => (
            "Sorry, we could not register your callback right now",
            &["cbstatus/register-failed"],
        ),
        RegisterUnconfirmed => (
            "Sorry, we could not confirm your callback",
            &["cbstatus/register-unconfirmed"],
        ),
    }
}

/// US English as data: its names, words and stock sounds.
static PROFILE: Profile = Profile {
    tag: "en-US",
    aliases: &["en", "en-us"],
    sound_dir: "en",
    espeak_voice: "en-us",
    phrase,
    grammar: GRAMMAR,
    stock: STOCK,
    number_files: NUMBER_FILES,
    rule_prompts: &[],
};

impl Language for EnUs {
    fn profile(&self) -> &'static Profile {
        &PROFILE
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
