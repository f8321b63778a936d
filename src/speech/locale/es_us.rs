//! Latin American Spanish (US): the words of every phrase and their Asterisk prompts, and
//! Spanish number and time rules.
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

use super::{hour12, w, DateStyle, Gender, Grammar, Language, Phrase, Piece, Profile, Words};
use jiff::civil::Time;

pub(crate) struct EsUs;

const N: Gender = Gender::Neutral;
const M: Gender = Gender::Masculine;
const F: Gender = Gender::Feminine;

/// The stock Asterisk sounds the Spanish playlists use, besides `digits/<number>` (which
/// [`stock_prompts`](Language::stock_prompts) adds), with their words: what `cbstatus prompts
/// generate --layout freeswitch` speaks for a PBX without Asterisk's sound packs.
const STOCK: &[(&str, &str)] = &[
    ("digits/1M", "un"),
    ("digits/1F", "una"),
    ("digits/100-and", "ciento"),
    ("digits/thousand", "mil"),
    ("digits/million", "millón"),
    ("digits/millions", "millones"),
    ("digits/and", "y"),
    ("digits/at", "a las"),
    ("digits/afternoon", "de la tarde"),
    ("digits/es-el", "el"),
    ("digits/es-de", "de"),
    ("digits/today", "hoy"),
    ("digits/tomorrow", "mañana"),
    ("digits/day-0", "domingo"),
    ("digits/day-1", "lunes"),
    ("digits/day-2", "martes"),
    ("digits/day-3", "miércoles"),
    ("digits/day-4", "jueves"),
    ("digits/day-5", "viernes"),
    ("digits/day-6", "sábado"),
    ("digits/mon-0", "enero"),
    ("digits/mon-1", "febrero"),
    ("digits/mon-2", "marzo"),
    ("digits/mon-3", "abril"),
    ("digits/mon-4", "mayo"),
    ("digits/mon-5", "junio"),
    ("digits/mon-6", "julio"),
    ("digits/mon-7", "agosto"),
    ("digits/mon-8", "septiembre"),
    ("digits/mon-9", "octubre"),
    ("digits/mon-10", "noviembre"),
    ("digits/mon-11", "diciembre"),
    ("hours", "horas"),
    ("minutes", "minutos"),
    ("queue-minute", "minuto"),
    ("queue-less-than", "menos de"),
    ("vm-and", "y"),
    ("vm-youhave", "Usted tiene"),
    ("vm-for", "para"),
    ("vm-press", "marque"),
    ("auth-thankyou", "Gracias."),
];

/// The numbers with their own `digits/N` file in Spanish: 0-30, the tens, the hundreds
/// from 200 (100 is the project prompt `cbstatus/cien`).
const NUMBER_FILES: &[u32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 40, 50, 60, 70, 80, 90, 200, 300, 400, 500, 600, 700, 800, 900,
];

const GRAMMAR: Grammar = Grammar {
    days: [
        "domingo",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
    ],
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    // "tres solicitudes", "una hora", "un minuto", "entre uno y cinco minutos".
    count: F,
    hours: F,
    minutes: M,
    range_low_minutes: N,
    weekday_article: Some(("el", &["digits/es-el"])),
    date: DateStyle::DayOfMonth(("de", &["digits/es-de"])),
    // "el miércoles" already has its article.
    on_weekday: None,
    position_ordinal: false,
    first_of_month_ordinal: false,
    elides_de: false,
    elided_prompts: &[],
};

/// Project prompts the number and time rules play.
const RULE_PROMPTS: &[(&str, &str)] = &[
    ("cien", "cien"),
    ("de-la-manana", "de la mañana"),
    ("de-la-noche", "de la noche"),
];

/// The words of every phrase. A `cbstatus/` prompt is a project prompt: its transcript in
/// the manifest is these words.
fn phrase(phrase: Phrase) -> Words {
    use Phrase::*;
    match phrase {
        About => ("aproximadamente", &["cbstatus/about"]),
        Between => ("entre", &["cbstatus/between"]),
        MoreThan => ("más de", &["cbstatus/more-than"]),
        LessThan => ("menos de", &["queue-less-than"]),
        UnderAMinute => (
            "menos de un minuto",
            &["queue-less-than", "digits/1M", "queue-minute"],
        ),
        And | RangeTo => ("y", &["vm-and"]),
        Minute => ("minuto", &["queue-minute"]),
        Minutes => ("minutos", &["minutes"]),
        Hour => ("hora", &["cbstatus/hour"]),
        Hours => ("horas", &["hours"]),
        Today => ("hoy", &["digits/today"]),
        Tomorrow => ("mañana", &["digits/tomorrow"]),
        At => ("a las", &["digits/at"]),
        AtOne => ("a la", &["cbstatus/a-la"]),
        YouHave => ("Usted tiene", &["vm-youhave"]),
        CallbackRequests => (
            "solicitudes de devolución de llamada",
            &["cbstatus/callback-requests"],
        ),
        HereIsTheSoonest => ("Esta es la más próxima", &["cbstatus/here-is-the-soonest"]),
        YouAreNumber => ("Usted es el número", &["cbstatus/you-are-number"]),
        InLineForYourCallback => (
            "en la fila para su devolución de llamada",
            &["cbstatus/in-line-for-your-callback"],
        ),
        YouAreNextInLine => (
            "Usted es el siguiente en la fila para su devolución de llamada",
            &["cbstatus/you-are-next-in-line"],
        ),
        WeExpectToCallYouIn => (
            "El tiempo estimado para devolverle la llamada es de",
            &["cbstatus/we-expect-to-call-you-in"],
        ),
        // Spanish says "para" before a day and a weekday alike.
        ScheduledFor | ScheduledOn => (
            "Su devolución de llamada está programada para",
            &["cbstatus/your-callback-is-scheduled-for"],
        ),
        CallingNow => (
            "Estamos realizando su devolución de llamada en este momento",
            &["cbstatus/placing-your-callback-now"],
        ),
        Completed => (
            "Su devolución de llamada ya se realizó",
            &["cbstatus/callback-completed"],
        ),
        Canceled => (
            "Su solicitud de devolución de llamada fue cancelada",
            &["cbstatus/callback-canceled"],
        ),
        Ended => (
            "Su última solicitud de devolución de llamada ya no está activa",
            &["cbstatus/callback-ended"],
        ),
        WeHaveYourRequest => (
            "Tenemos su solicitud de devolución de llamada",
            &["cbstatus/we-have-your-request"],
        ),
        WeWillCallAsap => ("Le llamaremos lo antes posible", &["cbstatus/we-will-call-asap"]),
        NotFound => (
            "No encontramos ninguna solicitud de devolución de llamada para su número",
            &["cbstatus/no-callback-found"],
        ),
        NotFoundForNumber => (
            "No encontramos ninguna solicitud de devolución de llamada para el número que termina en",
            &["cbstatus/no-callback-found-for-number-ending-in"],
        ),
        ReadBack => (
            "Le llamaremos al número que termina en",
            &["cbstatus/we-will-call-number-ending-in"],
        ),
        LookupFailed => (
            "Lo sentimos, no podemos consultar su devolución de llamada en este momento",
            &["cbstatus/cant-check-right-now"],
        ),
        CancelDone => (
            "Su solicitud de devolución de llamada ha sido cancelada",
            &["cbstatus/cancel-done"],
        ),
        CancelNotFound => (
            "No encontramos ninguna solicitud de devolución de llamada para cancelar",
            &["cbstatus/cancel-not-found"],
        ),
        CancelTooMany => (
            "Usted tiene más de una solicitud de devolución de llamada, así que no pudimos cancelarla aquí",
            &["cbstatus/cancel-too-many"],
        ),
        CancelFailed => (
            "Lo sentimos, no pudimos cancelar su devolución de llamada en este momento",
            &["cbstatus/cant-cancel-right-now"],
        ),
        CallbacksAvailable => (
            "Podemos devolverle la llamada",
            &["cbstatus/callbacks-available"],
        ),
        CallbacksUnavailable => (
            "En este momento no podemos ofrecer devoluciones de llamada",
            &["cbstatus/callbacks-unavailable"],
        ),
        CurrentWaitIs => (
            "El tiempo de espera actual es de",
            &["cbstatus/current-wait-is"],
        ),
        AvailabilityFailed => (
            "Lo sentimos, no podemos consultar si hay devoluciones de llamada disponibles en este momento",
            &["cbstatus/cant-check-availability"],
        ),
        OfferCallBackIn => (
            "Podemos devolverle la llamada en",
            &["cbstatus/we-can-call-you-back-in"],
        ),
        OfferCallBack => (
            "Podemos devolverle la llamada",
            &["cbstatus/we-can-call-you-back"],
        ),
        NoNeedToHold => (
            "para que no tenga que esperar en la línea",
            &["cbstatus/so-you-dont-have-to-wait"],
        ),
        For => ("Para", &["vm-for"]),
        Press => ("marque", &["vm-press"]),
        ACallbackAsap => (
            "una devolución de llamada lo antes posible",
            &["cbstatus/a-callback-asap"],
        ),
        ThankYou => ("Gracias", &["auth-thankyou"]),
        WeWillCallYouBack => (
            "Le devolveremos la llamada",
            &["cbstatus/we-will-call-you-back"],
        ),
        AtTheNumberEndingIn => (
            "al número que termina en",
            &["cbstatus/at-the-number-ending-in"],
        ),
        In => ("en", &["cbstatus/in"]),
        AsSoonAsWeCan => ("lo antes posible", &["cbstatus/as-soon-as-we-can"]),
        RegisterDuplicate => (
            "Ya tenemos su solicitud de devolución de llamada",
            &["cbstatus/register-duplicate"],
        ),
        RegisterRefused => (
            "Lo sentimos, en este momento no estamos recibiendo solicitudes de devolución de llamada",
            &["cbstatus/register-refused"],
        ),
        RegisterInvalidContact => (
            "Lo sentimos, no podemos devolverle la llamada a este número",
            &["cbstatus/register-invalid-contact"],
        ),
        RegisterInvalidTime => (
            "Lo sentimos, ese horario ya no está disponible",
            &["cbstatus/register-invalid-time"],
        ),
        RegisterFailed => (
            "Lo sentimos, no pudimos registrar su devolución de llamada en este momento",
            &["cbstatus/register-failed"],
        ),
        RegisterUnconfirmed => (
            "Lo sentimos, no pudimos confirmar su devolución de llamada",
            &["cbstatus/register-unconfirmed"],
        ),
    }
}

impl EsUs {
    /// The part of the day and its prompt.
    fn period(&self, time: Time) -> (&'static str, &'static str) {
        match time.hour() {
            1..=11 => ("de la mañana", "cbstatus/de-la-manana"),
            12..=18 => ("de la tarde", "digits/afternoon"),
            _ => ("de la noche", "cbstatus/de-la-noche"),
        }
    }
}

/// Latin American Spanish as data: its names, words and stock sounds.
static PROFILE: Profile = Profile {
    tag: "es-US",
    aliases: &["es", "es-us", "es-mx", "es-419"],
    sound_dir: "es",
    espeak_voice: "es-419",
    phrase,
    grammar: GRAMMAR,
    stock: STOCK,
    number_files: NUMBER_FILES,
    rule_prompts: RULE_PROMPTS,
};

impl Language for EsUs {
    fn profile(&self) -> &'static Profile {
        &PROFILE
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
            super::super::phrases::at_time(&EsUs, Time::constant(h, 0, 0, 0))
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
