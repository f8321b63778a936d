//! Canadian (Quebec) French: the words of every phrase and their Asterisk prompts, and
//! French number, ordinal and clock rules.
//!
//! Numbers follow Asterisk's `ast_say_number_full_fr` (main/say.c): 0-20 and the tens have
//! their own `digits/N` file; 21, 31 ... 61 and 71 add `digits/et` ("vingt et un", "soixante
//! et onze"); 70-79 are `digits/60` + 10-19, 80-99 `digits/80` + 0-19; 100-199 start with
//! `digits/hundred` ("cent"), 200-999 with `digits/N digits/hundred`; `digits/thousand`,
//! `digits/million`. The feminine "une" (a minute, an hour, a request are feminine) is the
//! project prompt `cbstatus/une`: Asterisk asks for `digits/1F`, which the French pack lacks.
//!
//! Clock times are the 24-hour clock Quebec uses: "à 15 h 45", "à 9 h", "à midi", "à
//! minuit". Prompts follow `ast_say_time_fr`: the hour (feminine), `digits/oclock` ("heure"),
//! the minutes; noon and midnight on the hour are `cbstatus/midi` / `cbstatus/minuit`. In text
//! the time is written "15 h 45"; SSML says it in words (`<sub alias="quinze heures
//! quarante-cinq">15 h 45</sub>`) because engines read the "h" as a letter.
//!
//! Ordinals: a place in line is one ("Vous êtes le 4e"), and the first of a month ("le 1er
//! mars"); text writes "4e", "1er", SSML says "quatrième", "premier" (espeak-ng reads "4e" as
//! "quatre e"). Prompts use `digits/h-N` (1-20, the tens), with a cardinal before the unit
//! beyond ("vingt-deuxième" = `digits/20 digits/h-2`) and `cbstatus/unieme` for "et unième".
//! Dates follow Asterisk's French `A d B Y`: "le mercredi 13 mars 2027", the 1st as
//! `digits/h-1` ("premier").
//!
//! Stock prompts used (asterisk-core-sounds-fr, Canadian French, transcripts from its
//! core-sounds-fr.txt): see [`STOCK`]. `digits/at` and `digits/et` are untranscribed there;
//! Asterisk's own French rules play them for "à" and "et".
//!
//! Elision: text and SSML elide "de" before a vowel ("plus d'une heure", "est d'environ");
//! playlists play a joined recording for each pair that elides (`elided_prompts`: "plus
//! d'une" instead of "plus de" + "une").

use super::{DateStyle, Gender, Grammar, Language, Phrase, Piece, Profile, Words};
use jiff::civil::Time;

pub(crate) struct FrCa;

const N: Gender = Gender::Neutral;
const F: Gender = Gender::Feminine;

/// The stock Asterisk sounds the French playlists use, besides `digits/<number>` (which
/// [`stock_prompts`](Language::stock_prompts) adds), with their words: what `cbstatus prompts
/// generate --layout freeswitch` speaks for a PBX without Asterisk's sound packs.
const STOCK: &[(&str, &str)] = &[
    ("digits/et", "et"),
    ("digits/hundred", "cent"),
    ("digits/thousand", "mille"),
    ("digits/million", "million"),
    ("digits/oclock", "heure"),
    ("digits/at", "à"),
    ("digits/today", "aujourd'hui"),
    ("digits/tomorrow", "demain"),
    ("digits/day-0", "dimanche"),
    ("digits/day-1", "lundi"),
    ("digits/day-2", "mardi"),
    ("digits/day-3", "mercredi"),
    ("digits/day-4", "jeudi"),
    ("digits/day-5", "vendredi"),
    ("digits/day-6", "samedi"),
    ("digits/mon-0", "janvier"),
    ("digits/mon-1", "février"),
    ("digits/mon-2", "mars"),
    ("digits/mon-3", "avril"),
    ("digits/mon-4", "mai"),
    ("digits/mon-5", "juin"),
    ("digits/mon-6", "juillet"),
    ("digits/mon-7", "août"),
    ("digits/mon-8", "septembre"),
    ("digits/mon-9", "octobre"),
    ("digits/mon-10", "novembre"),
    ("digits/mon-11", "décembre"),
    ("digits/h-1", "premier"),
    ("digits/h-2", "deuxième"),
    ("digits/h-3", "troisième"),
    ("digits/h-4", "quatrième"),
    ("digits/h-5", "cinquième"),
    ("digits/h-6", "sixième"),
    ("digits/h-7", "septième"),
    ("digits/h-8", "huitième"),
    ("digits/h-9", "neuvième"),
    ("digits/h-10", "dixième"),
    ("digits/h-11", "onzième"),
    ("digits/h-12", "douzième"),
    ("digits/h-13", "treizième"),
    ("digits/h-14", "quatorzième"),
    ("digits/h-15", "quinzième"),
    ("digits/h-16", "seizième"),
    ("digits/h-17", "dix-septième"),
    ("digits/h-18", "dix-huitième"),
    ("digits/h-19", "dix-neuvième"),
    ("digits/h-20", "vingtième"),
    ("digits/h-30", "trentième"),
    ("digits/h-40", "quarantième"),
    ("digits/h-50", "cinquantième"),
    ("digits/h-60", "soixantième"),
    ("digits/h-70", "soixante-dixième"),
    ("digits/h-80", "quatre-vingtième"),
    ("digits/h-90", "quatre-vingt-dixième"),
    ("digits/h-hundred", "centième"),
    ("hours", "heures"),
    ("minutes", "minutes"),
    ("queue-minute", "minute"),
    ("queue-less-than", "moins de"),
    ("vm-and", "et"),
    ("vm-youhave", "Vous avez"),
    ("vm-for", "pour"),
    ("vm-press", "appuyez sur"),
    ("auth-thankyou", "Merci."),
];

/// The numbers with their own `digits/N` file that the French rules play: 0-20 and the
/// tens up to 60, and 80 ("quatre-vingt"); 70 and 90 are said from 60 and 80.
const NUMBER_FILES: &[u32] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 40, 50, 60, 80,
];

const GRAMMAR: Grammar = Grammar {
    days: [
        "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    ],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    // "trois demandes", "une heure", "une minute", "entre une et cinq minutes".
    count: F,
    hours: F,
    minutes: F,
    range_low_minutes: F,
    weekday_article: Some(("le", &["cbstatus/le"])),
    date: DateStyle::DayMonth,
    // "le mercredi" already has its article.
    on_weekday: None,
    position_ordinal: true,
    first_of_month_ordinal: true,
    elides_de: true,
    elided_prompts: &[
        ("queue-less-than", "cbstatus/une", "cbstatus/moins-d-une"),
        ("cbstatus/more-than", "cbstatus/une", "cbstatus/plus-d-une"),
        (
            "cbstatus/current-wait-is",
            "cbstatus/about",
            "cbstatus/current-wait-is-about",
        ),
        (
            "cbstatus/current-wait-is",
            "cbstatus/une",
            "cbstatus/current-wait-is-une",
        ),
    ],
};

/// Project prompts the number and time rules play.
const RULE_PROMPTS: &[(&str, &str)] = &[
    ("une", "une"),
    ("unieme", "unième"),
    ("midi", "midi"),
    ("minuit", "minuit"),
    // The elided pairs of `elided_prompts`.
    ("moins-d-une", "moins d'une"),
    ("plus-d-une", "plus d'une"),
    (
        "current-wait-is-about",
        "Le temps d'attente actuel est d'environ",
    ),
    ("current-wait-is-une", "Le temps d'attente actuel est d'une"),
];

/// The words of every phrase. A `cbstatus/` prompt is a project prompt: its transcript in
/// the manifest is these words.
fn phrase(phrase: Phrase) -> Words {
    use Phrase::*;
    match phrase {
        About => ("environ", &["cbstatus/about"]),
        // A range is "de 10 à 15 minutes" after "est", "10 à 15 minutes" after "dans":
        // French says no "entre" there.
        Between => ("", &[]),
        MoreThan => ("plus de", &["cbstatus/more-than"]),
        LessThan => ("moins de", &["queue-less-than"]),
        UnderAMinute => ("moins d'une minute", &["cbstatus/less-than-a-minute"]),
        And => ("et", &["vm-and"]),
        RangeTo => ("à", &["digits/at"]),
        Minute => ("minute", &["queue-minute"]),
        Minutes => ("minutes", &["minutes"]),
        Hour => ("heure", &["digits/oclock"]),
        Hours => ("heures", &["hours"]),
        Today => ("aujourd'hui", &["digits/today"]),
        Tomorrow => ("demain", &["digits/tomorrow"]),
        At | AtOne => ("à", &["digits/at"]),
        YouHave => ("Vous avez", &["vm-youhave"]),
        CallbackRequests => ("demandes de rappel", &["cbstatus/callback-requests"]),
        HereIsTheSoonest => ("Voici la plus proche", &["cbstatus/here-is-the-soonest"]),
        YouAreNumber => ("Vous êtes le", &["cbstatus/you-are-number"]),
        InLineForYourCallback => (
            "dans la file d'attente pour votre rappel",
            &["cbstatus/in-line-for-your-callback"],
        ),
        YouAreNextInLine => (
            "Vous êtes le prochain dans la file d'attente pour votre rappel",
            &["cbstatus/you-are-next-in-line"],
        ),
        WeExpectToCallYouIn => (
            "Nous devrions vous rappeler dans",
            &["cbstatus/we-expect-to-call-you-in"],
        ),
        // "prévu aujourd'hui", "prévu le mercredi": French needs no preposition for either.
        ScheduledFor | ScheduledOn => (
            "Votre rappel est prévu",
            &["cbstatus/your-callback-is-scheduled"],
        ),
        CallingNow => (
            "Nous effectuons votre rappel en ce moment",
            &["cbstatus/placing-your-callback-now"],
        ),
        Completed => (
            "Votre rappel a été effectué",
            &["cbstatus/callback-completed"],
        ),
        Canceled => (
            "Votre demande de rappel a été annulée",
            &["cbstatus/callback-canceled"],
        ),
        Ended => (
            "Votre dernière demande de rappel n'est plus active",
            &["cbstatus/callback-ended"],
        ),
        WeHaveYourRequest => (
            "Nous avons bien reçu votre demande de rappel",
            &["cbstatus/we-have-your-request"],
        ),
        WeWillCallAsap => (
            "Nous vous rappellerons dès que possible",
            &["cbstatus/we-will-call-asap"],
        ),
        NotFound => (
            "Nous n'avons trouvé aucune demande de rappel pour votre numéro",
            &["cbstatus/no-callback-found"],
        ),
        NotFoundForNumber => (
            "Nous n'avons trouvé aucune demande de rappel pour le numéro se terminant par",
            &["cbstatus/no-callback-found-for-number-ending-in"],
        ),
        ReadBack => (
            "Nous vous rappellerons au numéro se terminant par",
            &["cbstatus/we-will-call-number-ending-in"],
        ),
        LookupFailed => (
            "Désolé, nous ne pouvons pas vérifier votre rappel pour le moment",
            &["cbstatus/cant-check-right-now"],
        ),
        CancelDone => (
            "Votre demande de rappel est annulée",
            &["cbstatus/cancel-done"],
        ),
        CancelNotFound => (
            "Nous n'avons trouvé aucune demande de rappel à annuler",
            &["cbstatus/cancel-not-found"],
        ),
        CancelTooMany => (
            "Vous avez plus d'une demande de rappel, nous ne pouvons donc pas l'annuler ici",
            &["cbstatus/cancel-too-many"],
        ),
        CancelFailed => (
            "Désolé, nous ne pouvons pas annuler votre rappel pour le moment",
            &["cbstatus/cant-cancel-right-now"],
        ),
        CallbacksAvailable => (
            "Nous pouvons vous rappeler",
            &["cbstatus/callbacks-available"],
        ),
        CallbacksUnavailable => (
            "Nous ne pouvons pas offrir de rappel pour le moment",
            &["cbstatus/callbacks-unavailable"],
        ),
        CurrentWaitIs => (
            "Le temps d'attente actuel est de",
            &["cbstatus/current-wait-is"],
        ),
        AvailabilityFailed => (
            "Désolé, nous ne pouvons pas vérifier si des rappels sont offerts pour le moment",
            &["cbstatus/cant-check-availability"],
        ),
        OfferCallBackIn => (
            "Nous pouvons vous rappeler dans",
            &["cbstatus/we-can-call-you-back-in"],
        ),
        OfferCallBack => (
            "Nous pouvons vous rappeler",
            &["cbstatus/we-can-call-you-back"],
        ),
        NoNeedToHold => (
            "pour que vous n'ayez pas à rester en ligne",
            &["cbstatus/so-you-dont-have-to-wait"],
        ),
        For => ("Pour", &["vm-for"]),
        Press => ("appuyez sur", &["vm-press"]),
        ACallbackAsap => ("un rappel dès que possible", &["cbstatus/a-callback-asap"]),
        ThankYou => ("Merci", &["auth-thankyou"]),
        WeWillCallYouBack => (
            "Nous vous rappellerons",
            &["cbstatus/we-will-call-you-back"],
        ),
        AtTheNumberEndingIn => (
            "au numéro se terminant par",
            &["cbstatus/at-the-number-ending-in"],
        ),
        In => ("dans", &["cbstatus/in"]),
        AsSoonAsWeCan => ("dès que possible", &["cbstatus/as-soon-as-we-can"]),
        RegisterDuplicate => (
            "Nous avons déjà votre demande de rappel",
            &["cbstatus/register-duplicate"],
        ),
        RegisterRefused => (
            "Désolé, nous n'acceptons pas de demandes de rappel pour le moment",
            &["cbstatus/register-refused"],
        ),
        RegisterInvalidContact => (
            "Désolé, nous ne pouvons pas vous rappeler à ce numéro",
            &["cbstatus/register-invalid-contact"],
        ),
        RegisterInvalidTime => (
            "Désolé, cette plage horaire n'est plus disponible",
            &["cbstatus/register-invalid-time"],
        ),
        RegisterFailed => (
            "Désolé, nous ne pouvons pas enregistrer votre demande de rappel pour le moment",
            &["cbstatus/register-failed"],
        ),
        RegisterUnconfirmed => (
            "Désolé, nous n'avons pas pu confirmer votre rappel",
            &["cbstatus/register-unconfirmed"],
        ),
    }
}

/// Canadian French as data: its names, words and stock sounds.
static PROFILE: Profile = Profile {
    tag: "fr-CA",
    aliases: &["fr", "fr-ca"],
    sound_dir: "fr",
    espeak_voice: "fr",
    phrase,
    grammar: GRAMMAR,
    stock: STOCK,
    number_files: NUMBER_FILES,
    rule_prompts: RULE_PROMPTS,
};

impl Language for FrCa {
    fn profile(&self) -> &'static Profile {
        &PROFILE
    }

    /// "midi", "minuit", else "15 h 45" / "9 h" written, said in words.
    fn time_words(&self, time: Time) -> Vec<Piece> {
        let (hour, minute) = (time.hour() as u32, time.minute() as u32);
        let word = match (hour, minute) {
            (12, 0) => "midi",
            (0, 0) => "minuit",
            _ => {
                let heures = if hour <= 1 { "heure" } else { "heures" };
                let (text, spoken) = if minute == 0 {
                    (
                        format!("{hour} h"),
                        format!("{} {heures}", cardinal(hour, F)),
                    )
                } else {
                    (
                        format!("{hour} h {minute:02}"),
                        format!("{} {heures} {}", cardinal(hour, F), cardinal(minute, F)),
                    )
                };
                return vec![Piece::Written { text, spoken }];
            }
        };
        vec![Piece::Words(word, &[])]
    }

    fn number_word(&self, n: u32, gender: Gender) -> Option<&'static str> {
        (n, gender).eq(&(1, F)).then_some("une")
    }

    /// "4e" said "quatrième", "1er" said "premier" (up to 999; beyond, SSML's ordinal).
    fn ordinal_words(&self, n: u32) -> Option<(String, String)> {
        let written = if n == 1 {
            "1er".to_string()
        } else {
            format!("{n}e")
        };
        (1..1000).contains(&n).then(|| (written, ordinal(n)))
    }

    /// `ast_say_time_fr`: the hour (feminine), "heure", the minutes; noon and midnight
    /// on the hour by name.
    fn time_prompts(&self, time: Time) -> Vec<String> {
        let (hour, minute) = (time.hour() as u32, time.minute() as u32);
        match (hour, minute) {
            (12, 0) => vec!["cbstatus/midi".to_string()],
            (0, 0) => vec!["cbstatus/minuit".to_string()],
            _ => {
                let mut v = self.number_prompts(hour, F);
                v.push("digits/oclock".to_string());
                if minute > 0 {
                    v.extend(self.number_prompts(minute, F));
                }
                v
            }
        }
    }

    fn number_prompts(&self, n: u32, gender: Gender) -> Vec<String> {
        let mut v = Vec::new();
        number(n, gender, &mut v);
        v
    }

    /// `digits/h-N` for 1-20 and the tens, a cardinal before the last part beyond:
    /// 22 = 20 h-2, 21 = 20 et unième, 71 = 60 et h-11, 95 = 80 h-15, 300 = 3 h-hundred.
    fn ordinal_prompts(&self, n: u32) -> Vec<String> {
        let mut v = Vec::new();
        match n {
            1..=20 => v.push(format!("digits/h-{n}")),
            21..=99 if n % 10 == 0 => v.push(format!("digits/h-{n}")),
            21..=99 => {
                // The last part: 1-9, or 10-19 after soixante / quatre-vingt.
                let last = if (70..80).contains(&n) || n >= 90 {
                    n % 20
                } else {
                    n % 10
                };
                let head = n - last;
                match (head, last) {
                    (h, 1) | (h, 11) if h < 80 => {
                        v.push(format!("digits/{h}"));
                        v.push("digits/et".to_string());
                        v.push(if last == 1 {
                            "cbstatus/unieme".to_string()
                        } else {
                            "digits/h-11".to_string()
                        });
                    }
                    (h, 1) => {
                        v.push(format!("digits/{h}"));
                        v.push("cbstatus/unieme".to_string());
                    }
                    (h, l) => {
                        v.push(format!("digits/{h}"));
                        v.push(format!("digits/h-{l}"));
                    }
                }
            }
            100..=999 => {
                if n >= 200 {
                    number(n / 100, N, &mut v);
                }
                if n % 100 == 0 {
                    v.push("digits/h-hundred".to_string());
                } else {
                    v.push("digits/hundred".to_string());
                    v.extend(self.ordinal_prompts(n % 100));
                }
            }
            _ => number(n, N, &mut v),
        }
        v
    }
}

/// `ast_say_number_full_fr`, with `cbstatus/une` for the feminine one.
fn number(n: u32, gender: Gender, v: &mut Vec<String>) {
    if n == 0 {
        v.push("digits/0".to_string());
        return;
    }
    let mut num = n;
    while num > 0 {
        if num == 1 {
            v.push(
                if gender == F {
                    "cbstatus/une"
                } else {
                    "digits/1"
                }
                .to_string(),
            );
            num = 0;
        } else if num < 21 {
            v.push(format!("digits/{num}"));
            num = 0;
        } else if num < 70 {
            v.push(format!("digits/{}", num / 10 * 10));
            if num % 10 == 1 {
                v.push("digits/et".to_string());
            }
            num %= 10;
        } else if num < 80 {
            v.push("digits/60".to_string());
            if num % 10 == 1 {
                v.push("digits/et".to_string());
            }
            num -= 60;
        } else if num < 100 {
            v.push("digits/80".to_string());
            num -= 80;
        } else if num < 200 {
            v.push("digits/hundred".to_string());
            num -= 100;
        } else if num < 1000 {
            v.push(format!("digits/{}", num / 100));
            v.push("digits/hundred".to_string());
            num %= 100;
        } else if num < 2000 {
            v.push("digits/thousand".to_string());
            num -= 1000;
        } else if num < 1_000_000 {
            number(num / 1000, N, v);
            v.push("digits/thousand".to_string());
            num %= 1000;
        } else {
            number(num / 1_000_000, N, v);
            v.push("digits/million".to_string());
            num %= 1_000_000;
        }
    }
}

const UNITS: [&str; 20] = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
    "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf",
];
const TENS: [&str; 7] = [
    "",
    "",
    "vingt",
    "trente",
    "quarante",
    "cinquante",
    "soixante",
];

/// A number below 1000 in words, the feminine "une" where it ends in one ("vingt et une").
fn cardinal(n: u32, gender: Gender) -> String {
    let words = match n {
        0..=19 => UNITS[n as usize].to_string(),
        20..=69 => {
            let (tens, unit) = (TENS[(n / 10) as usize], n % 10);
            match unit {
                0 => tens.to_string(),
                1 => format!("{tens} et un"),
                u => format!("{tens}-{}", UNITS[u as usize]),
            }
        }
        70..=79 if n == 71 => "soixante et onze".to_string(),
        70..=79 => format!("soixante-{}", UNITS[(n - 60) as usize]),
        80 => "quatre-vingts".to_string(),
        81..=99 => format!("quatre-vingt-{}", UNITS[(n - 80) as usize]),
        100..=999 => {
            let (hundreds, rest) = (n / 100, n % 100);
            let head = match (hundreds, rest) {
                (1, _) => "cent".to_string(),
                (h, 0) => format!("{} cents", UNITS[h as usize]),
                (h, _) => format!("{} cent", UNITS[h as usize]),
            };
            if rest == 0 {
                head
            } else {
                format!("{head} {}", cardinal(rest, Gender::Masculine))
            }
        }
        _ => n.to_string(),
    };
    if gender == F && words.ends_with("un") {
        format!("{words}e")
    } else {
        words
    }
}

/// An ordinal below 1000 in words: "premier", "quatrième", "vingt et unième", "centième".
fn ordinal(n: u32) -> String {
    if n == 1 {
        return "premier".to_string();
    }
    let words = cardinal(n, Gender::Masculine);
    let stem = if let Some(s) = words.strip_suffix("cinq") {
        format!("{s}cinqu")
    } else if let Some(s) = words.strip_suffix("neuf") {
        format!("{s}neuv")
    } else if let Some(s) = words.strip_suffix('s').filter(|_| words.ends_with("ts")) {
        s.strip_suffix('e').unwrap_or(s).to_string()
    } else {
        words.strip_suffix('e').unwrap_or(&words).to_string()
    };
    format!("{stem}ième")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: u32, g: Gender) -> String {
        FrCa.number_prompts(n, g).join("&")
    }

    fn time(h: i8, m: i8) -> String {
        FrCa.time_prompts(Time::constant(h, m, 0, 0)).join("&")
    }

    #[test]
    fn asterisk_french_numbers() {
        assert_eq!(num(0, N), "digits/0");
        assert_eq!(num(1, N), "digits/1");
        assert_eq!(num(1, F), "cbstatus/une");
        assert_eq!(num(17, N), "digits/17");
        assert_eq!(num(21, F), "digits/20&digits/et&cbstatus/une");
        assert_eq!(num(45, N), "digits/40&digits/5");
        assert_eq!(num(71, N), "digits/60&digits/et&digits/11");
        assert_eq!(num(75, N), "digits/60&digits/15");
        assert_eq!(num(80, N), "digits/80");
        assert_eq!(num(97, N), "digits/80&digits/17");
        assert_eq!(num(100, N), "digits/hundred");
        assert_eq!(num(250, N), "digits/2&digits/hundred&digits/50");
        assert_eq!(num(2027, N), "digits/2&digits/thousand&digits/20&digits/7");
        assert_eq!(num(1042, N), "digits/thousand&digits/40&digits/2");
    }

    #[test]
    fn quebec_clock() {
        assert_eq!(time(15, 45), "digits/15&digits/oclock&digits/40&digits/5");
        assert_eq!(time(9, 0), "digits/9&digits/oclock");
        assert_eq!(time(1, 1), "cbstatus/une&digits/oclock&cbstatus/une");
        assert_eq!(time(12, 0), "cbstatus/midi");
        assert_eq!(time(0, 0), "cbstatus/minuit");
        assert_eq!(time(12, 30), "digits/12&digits/oclock&digits/30");
        let words = |h, m| FrCa.time_words(Time::constant(h, m, 0, 0));
        let written = |text: &str, spoken: &str| {
            vec![Piece::Written {
                text: text.into(),
                spoken: spoken.into(),
            }]
        };
        assert_eq!(
            words(15, 45),
            written("15 h 45", "quinze heures quarante-cinq")
        );
        assert_eq!(words(9, 5), written("9 h 05", "neuf heures cinq"));
        assert_eq!(words(21, 0), written("21 h", "vingt et une heures"));
        assert_eq!(words(1, 21), written("1 h 21", "une heure vingt et une"));
        assert_eq!(words(12, 0), vec![Piece::Words("midi", &[])]);
        assert_eq!(words(0, 0), vec![Piece::Words("minuit", &[])]);
    }

    #[test]
    fn ordinals_written_spoken_and_played() {
        let words = |n| FrCa.ordinal_words(n).unwrap();
        assert_eq!(words(1), ("1er".into(), "premier".into()));
        assert_eq!(words(4), ("4e".into(), "quatrième".into()));
        assert_eq!(words(5), ("5e".into(), "cinquième".into()));
        assert_eq!(words(9), ("9e".into(), "neuvième".into()));
        assert_eq!(words(11).1, "onzième");
        assert_eq!(words(21).1, "vingt et unième");
        assert_eq!(words(71).1, "soixante et onzième");
        assert_eq!(words(80).1, "quatre-vingtième");
        assert_eq!(words(99).1, "quatre-vingt-dix-neuvième");
        assert_eq!(words(100).1, "centième");
        assert_eq!(words(200).1, "deux centième");
        assert_eq!(words(345).1, "trois cent quarante-cinquième");
        assert_eq!(FrCa.ordinal_words(1000), None);
        let play = |n| FrCa.ordinal_prompts(n).join("&");
        assert_eq!(play(4), "digits/h-4");
        assert_eq!(play(20), "digits/h-20");
        assert_eq!(play(21), "digits/20&digits/et&cbstatus/unieme");
        assert_eq!(play(22), "digits/20&digits/h-2");
        assert_eq!(play(70), "digits/h-70");
        assert_eq!(play(71), "digits/60&digits/et&digits/h-11");
        assert_eq!(play(75), "digits/60&digits/h-15");
        assert_eq!(play(81), "digits/80&cbstatus/unieme");
        assert_eq!(play(91), "digits/80&digits/h-11");
        assert_eq!(play(100), "digits/h-hundred");
        assert_eq!(play(120), "digits/hundred&digits/h-20");
        assert_eq!(play(300), "digits/3&digits/h-hundred");
    }
}
