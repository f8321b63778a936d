//! Latin American Spanish (US): every phrase, its Asterisk prompts, and Spanish number and
//! time rules.
//!
//! Numbers follow Asterisk's `ast_say_number_full_es` (main/say.c): 1 is `digits/1`,
//! `digits/1M` ("un") or `digits/1F` ("una") by gender; 2-30 have their own files (21-29
//! included); 31-99 are `digits/<tens> digits/and digits/<unit>`; 101-199 start with
//! `digits/100-and` ("ciento"); 200-900 have their own files; `digits/thousand`, `digits/million`
//! / `digits/millions`. Where Asterisk plays `digits/100`, which the Spanish pack lacks, we play
//! the project prompt `cbstatus/cien`.
//!
//! Clock times are said the natural Latin American way rather than Asterisk's `IMp`:
//! "a la una y quince de la tarde", "a las tres y cuarenta y cinco de la tarde", "a las doce de la
//! noche": `digits/1F` for one o'clock (feminine, "la una"), `digits/and` before the minutes,
//! nothing for :00, then "de la mañana" (01:00-11:59), "de la tarde" (12:00-18:59,
//! `digits/afternoon`) or "de la noche" (19:00-00:59). "a las" is `digits/at`; "a la" (one
//! o'clock) and "de la mañana" / "de la noche" are project prompts. In text and SSML times are
//! "3:45 de la tarde", "3 de la tarde" on the hour, and one o'clock in words ("una de la tarde",
//! "una y 15 de la tarde"), and a gendered one is a word ("una hora", "un minuto"), so that every
//! TTS engine gets the grammar right. Dates follow Asterisk's
//! Spanish format `'digits/es-el' A d 'digits/es-de' B`: "el miércoles 13 de marzo".
//!
//! Stock prompts used (asterisk-core-sounds-es): `digits/*` as above plus `digits/at`,
//! `digits/afternoon`, `digits/es-el`, `digits/es-de`, `digits/today`, `digits/tomorrow`,
//! `digits/day-0..6`, `digits/mon-0..11`; `minutes`, `hours`, `queue-minute`,
//! `queue-less-than`, `vm-and`, `vm-youhave`. Not used: `digits/hundred` (transcribed "cient")
//! and `digits/at_s` (no transcript), whose words could not be confirmed.
//!
//! Known limit (as in Asterisk): 21, 31 ... before a noun keep the full form in prompts
//! ("veintiuno minutos" rather than "veintiún"); rounded waits never produce them.

use super::{hour12, w, Gender, Language, Piece};
use crate::speech::message::{Day, Eta, Placeholder, RangeUnit, Sentence, Span};
use jiff::civil::{Date, Time};

pub(crate) struct EsUs;

/// The project's own prompts: bare name (under `cbstatus/`) and transcript.
const PROMPTS: &[(&str, &str)] = &[
    ("about", "aproximadamente"),
    ("between", "entre"),
    ("more-than", "más de"),
    ("hour", "hora"),
    ("cien", "cien"),
    ("a-la", "a la"),
    ("de-la-manana", "de la mañana"),
    ("de-la-noche", "de la noche"),
    ("callback-requests", "solicitudes de devolución de llamada."),
    ("here-is-the-soonest", "Esta es la más próxima."),
    ("you-are-number", "Usted es el número"),
    (
        "in-line-for-your-callback",
        "en la fila para su devolución de llamada.",
    ),
    (
        "you-are-next-in-line",
        "Usted es el siguiente en la fila para su devolución de llamada.",
    ),
    (
        "we-expect-to-call-you-in",
        "El tiempo estimado para devolverle la llamada es de",
    ),
    (
        "your-callback-is-scheduled-for",
        "Su devolución de llamada está programada para",
    ),
    (
        "placing-your-callback-now",
        "Estamos realizando su devolución de llamada en este momento.",
    ),
    (
        "callback-completed",
        "Su devolución de llamada ya se realizó.",
    ),
    (
        "callback-canceled",
        "Su solicitud de devolución de llamada fue cancelada.",
    ),
    (
        "callback-ended",
        "Su última solicitud de devolución de llamada ya no está activa.",
    ),
    (
        "we-have-your-request",
        "Tenemos su solicitud de devolución de llamada.",
    ),
    ("we-will-call-asap", "Le llamaremos lo antes posible."),
    (
        "no-callback-found",
        "No encontramos ninguna solicitud de devolución de llamada para su número.",
    ),
    (
        "no-callback-found-for-number-ending-in",
        "No encontramos ninguna solicitud de devolución de llamada para el número que termina en",
    ),
    (
        "we-will-call-number-ending-in",
        "Le llamaremos al número que termina en",
    ),
    (
        "cant-check-right-now",
        "Lo sentimos, no podemos consultar su devolución de llamada en este momento.",
    ),
    (
        "cancel-done",
        "Su solicitud de devolución de llamada ha sido cancelada.",
    ),
    (
        "cancel-not-found",
        "No encontramos ninguna solicitud de devolución de llamada para cancelar.",
    ),
    (
        "cancel-too-many",
        "Usted tiene más de una solicitud de devolución de llamada, así que no pudimos cancelarla aquí.",
    ),
    (
        "cant-cancel-right-now",
        "Lo sentimos, no pudimos cancelar su devolución de llamada en este momento.",
    ),
    ("callbacks-available", "Podemos devolverle la llamada."),
    (
        "callbacks-unavailable",
        "En este momento no podemos ofrecer devoluciones de llamada.",
    ),
    ("current-wait-is", "El tiempo de espera actual es de"),
    (
        "cant-check-availability",
        "Lo sentimos, no podemos consultar si hay devoluciones de llamada disponibles en este momento.",
    ),
];

const DAYS: [(&str, &[&str]); 7] = [
    ("domingo", &["digits/day-0"]),
    ("lunes", &["digits/day-1"]),
    ("martes", &["digits/day-2"]),
    ("miércoles", &["digits/day-3"]),
    ("jueves", &["digits/day-4"]),
    ("viernes", &["digits/day-5"]),
    ("sábado", &["digits/day-6"]),
];

const MONTHS: [(&str, &[&str]); 12] = [
    ("enero", &["digits/mon-0"]),
    ("febrero", &["digits/mon-1"]),
    ("marzo", &["digits/mon-2"]),
    ("abril", &["digits/mon-3"]),
    ("mayo", &["digits/mon-4"]),
    ("junio", &["digits/mon-5"]),
    ("julio", &["digits/mon-6"]),
    ("agosto", &["digits/mon-7"]),
    ("septiembre", &["digits/mon-8"]),
    ("octubre", &["digits/mon-9"]),
    ("noviembre", &["digits/mon-10"]),
    ("diciembre", &["digits/mon-11"]),
];

const N: Gender = Gender::Neutral;
const M: Gender = Gender::Masculine;
const F: Gender = Gender::Feminine;

impl EsUs {
    fn position(&self, position: u32) -> Vec<Piece> {
        vec![
            w("Usted es el número", &["cbstatus/you-are-number"]),
            Piece::Number(position, N),
            w(
                "en la fila para su devolución de llamada",
                &["cbstatus/in-line-for-your-callback"],
            ),
            Piece::End,
        ]
    }

    fn next_in_line(&self) -> Vec<Piece> {
        vec![
            w(
                "Usted es el siguiente en la fila para su devolución de llamada",
                &["cbstatus/you-are-next-in-line"],
            ),
            Piece::End,
        ]
    }

    fn wait(&self, eta: &Eta) -> Vec<Piece> {
        let mut v = vec![w(
            "El tiempo estimado para devolverle la llamada es de",
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
            Eta::UnderAMinute => vec![w(
                "menos de un minuto",
                &["queue-less-than", "digits/1M", "queue-minute"],
            )],
            Eta::About(span) => with(w("aproximadamente", &["cbstatus/about"]), span),
            Eta::LessThan(span) => with(w("menos de", &["queue-less-than"]), span),
            Eta::MoreThan(span) => with(w("más de", &["cbstatus/more-than"]), span),
            Eta::Between { low, high, unit } => {
                // "entre uno y cinco minutos", "entre una y dos horas".
                let (low_gender, gender, noun) = match unit {
                    RangeUnit::Minutes => (N, M, w("minutos", &["minutes"])),
                    RangeUnit::Hours => (F, F, w("horas", &["hours"])),
                };
                vec![
                    w("entre", &["cbstatus/between"]),
                    Piece::Number(low, low_gender),
                    w("y", &["vm-and"]),
                    Piece::Number(high, gender),
                    noun,
                ]
            }
        }
    }

    /// "una hora y 15 minutos": hours are feminine, minutes masculine.
    fn span(&self, span: Span) -> Vec<Piece> {
        let mut v = Vec::new();
        if span.hours > 0 {
            v.push(Piece::Number(span.hours, F));
            v.push(match span.hours {
                1 => w("hora", &["cbstatus/hour"]),
                _ => w("horas", &["hours"]),
            });
        }
        if span.minutes > 0 || span.hours == 0 {
            if span.hours > 0 {
                v.push(w("y", &["vm-and"]));
            }
            v.push(Piece::Number(span.minutes, M));
            v.push(match span.minutes {
                1 => w("minuto", &["queue-minute"]),
                _ => w("minutos", &["minutes"]),
            });
        }
        v
    }

    /// "a la 1:15 de la tarde", "a las 3:45 de la tarde".
    fn at_time(&self, time: Time) -> Vec<Piece> {
        let article = if hour12(time) == 1 {
            w("a la", &["cbstatus/a-la"])
        } else {
            w("a las", &["digits/at"])
        };
        vec![article, Piece::Time(time)]
    }

    fn weekday(&self, date: Date) -> Piece {
        let (name, prompts) = DAYS[date.weekday().to_sunday_zero_offset() as usize];
        w(name, prompts)
    }

    /// "13 de marzo".
    fn day_month(&self, date: Date) -> Vec<Piece> {
        let (name, prompts) = MONTHS[(date.month() - 1) as usize];
        vec![
            Piece::Number(date.day() as u32, N),
            w("de", &["digits/es-de"]),
            w(name, prompts),
        ]
    }

    /// "hoy", "mañana", "el miércoles", "el miércoles 13 de marzo".
    fn day(&self, day: &Day) -> Vec<Piece> {
        match *day {
            Day::Today => vec![w("hoy", &["digits/today"])],
            Day::Tomorrow => vec![w("mañana", &["digits/tomorrow"])],
            Day::Weekday(date) => vec![w("el", &["digits/es-el"]), self.weekday(date)],
            Day::Date(date) => {
                let mut v = vec![w("el", &["digits/es-el"]), self.weekday(date)];
                v.extend(self.day_month(date));
                v
            }
        }
    }

    /// The part of the day and its prompt.
    fn period(&self, time: Time) -> (&'static str, &'static str) {
        match time.hour() {
            1..=11 => ("de la mañana", "cbstatus/de-la-manana"),
            12..=18 => ("de la tarde", "digits/afternoon"),
            _ => ("de la noche", "cbstatus/de-la-noche"),
        }
    }
}

impl Language for EsUs {
    fn tag(&self) -> &'static str {
        "es-US"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["es", "es-us", "es-mx", "es-419"]
    }

    fn sound_dir(&self) -> &'static str {
        "es"
    }

    fn espeak_voice(&self) -> &'static str {
        "es-419"
    }

    fn project_prompts(&self) -> &'static [(&'static str, &'static str)] {
        PROMPTS
    }

    fn sentence(&self, sentence: &Sentence) -> Vec<Piece> {
        use Sentence::*;
        let one = |text, prompt| vec![w(text, prompt), Piece::End];
        match sentence {
            Several { count } => vec![
                w("Usted tiene", &["vm-youhave"]),
                Piece::Number(*count, F),
                w(
                    "solicitudes de devolución de llamada",
                    &["cbstatus/callback-requests"],
                ),
                Piece::End,
                w("Esta es la más próxima", &["cbstatus/here-is-the-soonest"]),
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
                let mut v = vec![w(
                    "Su devolución de llamada está programada para",
                    &["cbstatus/your-callback-is-scheduled-for"],
                )];
                v.extend(self.day(&when.day));
                v.extend(self.at_time(when.time));
                v.push(Piece::End);
                v
            }
            CallingNow => one(
                "Estamos realizando su devolución de llamada en este momento",
                &["cbstatus/placing-your-callback-now"],
            ),
            Completed => one(
                "Su devolución de llamada ya se realizó",
                &["cbstatus/callback-completed"],
            ),
            Canceled => one(
                "Su solicitud de devolución de llamada fue cancelada",
                &["cbstatus/callback-canceled"],
            ),
            Ended => one(
                "Su última solicitud de devolución de llamada ya no está activa",
                &["cbstatus/callback-ended"],
            ),
            NoDetails => vec![
                w(
                    "Tenemos su solicitud de devolución de llamada",
                    &["cbstatus/we-have-your-request"],
                ),
                Piece::End,
                w("Le llamaremos lo antes posible", &["cbstatus/we-will-call-asap"]),
                Piece::End,
            ],
            NotFound => one(
                "No encontramos ninguna solicitud de devolución de llamada para su número",
                &["cbstatus/no-callback-found"],
            ),
            NotFoundForNumber { digits } => vec![
                w(
                    "No encontramos ninguna solicitud de devolución de llamada para el número que termina en",
                    &["cbstatus/no-callback-found-for-number-ending-in"],
                ),
                Piece::Pause,
                Piece::Digits(digits.clone()),
                Piece::End,
            ],
            ReadBack { digits } => vec![
                w(
                    "Le llamaremos al número que termina en",
                    &["cbstatus/we-will-call-number-ending-in"],
                ),
                Piece::Pause,
                Piece::Digits(digits.clone()),
                Piece::End,
            ],
            LookupFailed => one(
                "Lo sentimos, no podemos consultar su devolución de llamada en este momento",
                &["cbstatus/cant-check-right-now"],
            ),
            CancelDone => one(
                "Su solicitud de devolución de llamada ha sido cancelada",
                &["cbstatus/cancel-done"],
            ),
            CancelNotFound => one(
                "No encontramos ninguna solicitud de devolución de llamada para cancelar",
                &["cbstatus/cancel-not-found"],
            ),
            CancelTooMany => one(
                "Usted tiene más de una solicitud de devolución de llamada, así que no pudimos cancelarla aquí",
                &["cbstatus/cancel-too-many"],
            ),
            CancelFailed => one(
                "Lo sentimos, no pudimos cancelar su devolución de llamada en este momento",
                &["cbstatus/cant-cancel-right-now"],
            ),
            CallbacksAvailable => one(
                "Podemos devolverle la llamada",
                &["cbstatus/callbacks-available"],
            ),
            CallbacksUnavailable => one(
                "En este momento no podemos ofrecer devoluciones de llamada",
                &["cbstatus/callbacks-unavailable"],
            ),
            CurrentWait { eta } => {
                let mut v = vec![w(
                    "El tiempo de espera actual es de",
                    &["cbstatus/current-wait-is"],
                )];
                v.extend(self.eta(eta));
                v.push(Piece::End);
                v
            }
            AvailabilityFailed => one(
                "Lo sentimos, no podemos consultar si hay devoluciones de llamada disponibles en este momento",
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
                Day::Date(date) => self.day_month(date),
                _ => return None,
            },
            Placeholder::Count => vec![Piece::Number(sentence.count()?, F)],
            Placeholder::Digits => vec![Piece::Digits(sentence.digits()?.clone())],
        })
    }

    /// "3:45 de la tarde", "3 de la tarde" on the hour, and one o'clock in words so that
    /// every engine says the feminine "una": "una de la tarde", "una y 15 de la tarde".
    fn time_words(&self, time: Time) -> Vec<Piece> {
        let (period, _) = self.period(time);
        let (hour, minute) = (hour12(time), time.minute());
        let mut v = match (hour, minute) {
            (1, 0) => vec![w("una", &[])],
            (1, m) => vec![w("una", &[]), w("y", &[]), Piece::Number(m as u32, N)],
            (h, 0) => vec![Piece::Number(h as u32, F)],
            (h, m) => vec![Piece::Clock(format!("{h}:{m:02}"))],
        };
        v.push(w(period, &[]));
        v
    }

    fn number_word(&self, n: u32, gender: Gender) -> Option<&'static str> {
        match (n, gender) {
            (1, Gender::Masculine) => Some("un"),
            (1, Gender::Feminine) => Some("una"),
            _ => None,
        }
    }

    fn time_prompts(&self, time: Time) -> Vec<String> {
        let mut v = self.number_prompts(hour12(time) as u32, F);
        if time.minute() > 0 {
            v.push("digits/and".to_string());
            v.extend(self.number_prompts(time.minute() as u32, N));
        }
        v.push(self.period(time).1.to_string());
        v
    }

    fn number_prompts(&self, n: u32, gender: Gender) -> Vec<String> {
        let mut v = Vec::new();
        number(n, gender, &mut v);
        v
    }

    /// Spanish ordinals (`digits/h-N`, masculine): 21 = h-20 h-1. Dates use cardinals.
    fn ordinal_prompts(&self, n: u32) -> Vec<String> {
        match n {
            1..=20 => vec![format!("digits/h-{n}")],
            21..=99 if n % 10 == 0 => vec![format!("digits/h-{n}")],
            21..=99 => vec![
                format!("digits/h-{}", n / 10 * 10),
                format!("digits/h-{}", n % 10),
            ],
            _ => self.number_prompts(n, M),
        }
    }
}

fn number(n: u32, gender: Gender, v: &mut Vec<String>) {
    if n == 0 {
        v.push("digits/0".to_string());
        return;
    }
    let mut num = n;
    while num > 0 {
        if num == 1 {
            v.push(
                match gender {
                    Gender::Neutral => "digits/1",
                    Gender::Masculine => "digits/1M",
                    Gender::Feminine => "digits/1F",
                }
                .to_string(),
            );
            num = 0;
        } else if num < 31 {
            v.push(format!("digits/{num}"));
            num = 0;
        } else if num < 100 {
            v.push(format!("digits/{}", num / 10 * 10));
            num %= 10;
            if num > 0 {
                v.push("digits/and".to_string());
            }
        } else if num == 100 {
            v.push("cbstatus/cien".to_string());
            num = 0;
        } else if num < 200 {
            v.push("digits/100-and".to_string());
            num -= 100;
        } else if num < 1000 {
            v.push(format!("digits/{}", num / 100 * 100));
            num %= 100;
        } else if num < 2000 {
            v.push("digits/thousand".to_string());
            num %= 1000;
        } else if num < 1_000_000 {
            number(num / 1000, Gender::Masculine, v);
            v.push("digits/thousand".to_string());
            num %= 1000;
        } else {
            let millions = num / 1_000_000;
            if millions == 1 {
                v.push("digits/1M".to_string());
                v.push("digits/million".to_string());
            } else {
                number(millions, Gender::Masculine, v);
                v.push("digits/millions".to_string());
            }
            num %= 1_000_000;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: u32, g: Gender) -> String {
        EsUs.number_prompts(n, g).join("&")
    }

    fn time(h: i8, m: i8) -> String {
        EsUs.time_prompts(Time::constant(h, m, 0, 0)).join("&")
    }

    #[test]
    fn asterisk_spanish_numbers() {
        assert_eq!(num(0, N), "digits/0");
        assert_eq!(num(1, N), "digits/1");
        assert_eq!(num(1, M), "digits/1M");
        assert_eq!(num(1, F), "digits/1F");
        assert_eq!(num(4, N), "digits/4");
        assert_eq!(num(21, N), "digits/21");
        assert_eq!(num(30, N), "digits/30");
        assert_eq!(num(35, N), "digits/30&digits/and&digits/5");
        assert_eq!(num(31, F), "digits/30&digits/and&digits/1F");
        assert_eq!(num(100, N), "cbstatus/cien");
        assert_eq!(num(115, N), "digits/100-and&digits/15");
        assert_eq!(num(747, N), "digits/700&digits/40&digits/and&digits/7");
        assert_eq!(
            num(1042, N),
            "digits/thousand&digits/40&digits/and&digits/2"
        );
        assert_eq!(num(2500, N), "digits/2&digits/thousand&digits/500");
        assert_eq!(num(1_000_000, N), "digits/1M&digits/million");
        assert_eq!(num(3_000_000, N), "digits/3&digits/millions");
    }

    #[test]
    fn spanish_times() {
        assert_eq!(time(15, 5), "digits/3&digits/and&digits/5&digits/afternoon");
        assert_eq!(
            time(15, 45),
            "digits/3&digits/and&digits/40&digits/and&digits/5&digits/afternoon"
        );
        assert_eq!(time(0, 0), "digits/12&cbstatus/de-la-noche");
        assert_eq!(
            time(12, 30),
            "digits/12&digits/and&digits/30&digits/afternoon"
        );
        assert_eq!(
            time(13, 15),
            "digits/1F&digits/and&digits/15&digits/afternoon"
        );
        assert_eq!(time(1, 0), "digits/1F&cbstatus/de-la-manana");
        assert_eq!(time(21, 0), "digits/9&cbstatus/de-la-noche");
        let words = |h, m| EsUs.time_words(Time::constant(h, m, 0, 0));
        assert_eq!(
            words(15, 45),
            vec![Piece::Clock("3:45".into()), w("de la tarde", &[])]
        );
        assert_eq!(
            words(9, 5),
            vec![Piece::Clock("9:05".into()), w("de la mañana", &[])]
        );
        assert_eq!(
            words(0, 0),
            vec![Piece::Number(12, F), w("de la noche", &[])]
        );
        assert_eq!(
            words(20, 30),
            vec![Piece::Clock("8:30".into()), w("de la noche", &[])]
        );
        assert_eq!(words(13, 0), vec![w("una", &[]), w("de la tarde", &[])]);
        assert_eq!(
            words(1, 15),
            vec![
                w("una", &[]),
                w("y", &[]),
                Piece::Number(15, N),
                w("de la mañana", &[])
            ]
        );
        let at = |h| {
            EsUs.at_time(Time::constant(h, 0, 0, 0))
                .into_iter()
                .next()
                .unwrap()
        };
        assert_eq!(at(13), w("a la", &["cbstatus/a-la"]));
        assert_eq!(at(1), w("a la", &["cbstatus/a-la"]));
        assert_eq!(at(15), w("a las", &["digits/at"]));
        assert_eq!(at(0), w("a las", &["digits/at"]));
    }
}
