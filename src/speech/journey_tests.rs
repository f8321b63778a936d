//! Speech for the callback journey: the offer and its menu, and every register outcome, in
//! every locale and renderer; only `Requested` is ever spoken as success.

use super::*;
use crate::number::{CountryCode, PhoneNumber};
use crate::register::{RegisterOutcome, Registration};
use crate::widget::{WidgetState, WidgetStatus};
use jiff::tz::TimeZone;
use std::time::Duration;

fn ny() -> TimeZone {
    TimeZone::get("America/New_York").unwrap()
}

/// Wednesday 2026-03-11 10:00 EDT.
fn now() -> Timestamp {
    "2026-03-11T14:00:00Z".parse().unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn opts(locale: Locale) -> SpeechOptions {
    SpeechOptions {
        locale,
        ..SpeechOptions::default()
    }
}

fn say(outcome: &Outcome, locale: Locale, format: Format) -> String {
    speak(outcome, now(), &ny(), &opts(locale), format)
}

fn open_widget() -> WidgetStatus {
    WidgetStatus {
        state: Some(WidgetState::OfferCallback),
        offer_asap: true,
        offer_scheduled: true,
        ewt: Some(Duration::from_secs(720)),
        timeslots: vec![
            at("2026-03-11T13:00:00Z"), // past: left out
            at("2026-03-11T19:00:00Z"), // today 3 PM
            at("2026-03-12T13:00:00Z"), // tomorrow 9 AM
            at("2026-03-13T17:30:00Z"), // Friday 1:30 PM
        ],
    }
}

fn number() -> PhoneNumber {
    PhoneNumber::parse("+15551234567", &CountryCode::default()).unwrap()
}

fn registered(outcome: RegisterOutcome, appointment: Option<Timestamp>) -> Registration {
    Registration {
        outcome,
        callback_id: Some("cb-1".into()),
        ewt: Some(Duration::from_secs(720)),
        appointment,
    }
}

fn register(outcome: &Outcome, locale: Locale) -> (String, String, String) {
    (
        say(outcome, locale, Format::Text),
        say(outcome, locale, Format::Ssml),
        say(outcome, locale, Format::Prompts),
    )
}

#[test]
fn offer_and_menu_every_renderer() {
    let w = open_widget();
    let offer = Outcome::Offer(&w);
    let (text, ssml, prompts) = register(&offer, Locale::EN_US);
    assert_eq!(
        text,
        "We can call you back in about 12 minutes, so you don't have to wait on hold. \
         For a callback as soon as possible, press 1. For today at 3:00 PM, press 2. \
         For tomorrow at 9:00 AM, press 3. For Friday at 1:30 PM, press 4."
    );
    assert!(ssml.contains(
        "<s>For today at <say-as interpret-as=\"time\" format=\"hms12\">3:00 PM</say-as>, \
         press <say-as interpret-as=\"cardinal\">2</say-as></s>"
    ));
    assert!(prompts.starts_with(
        "cbstatus/we-can-call-you-back-in&cbstatus/about&digits/12&minutes&\
         cbstatus/so-you-dont-have-to-wait&vm-for&cbstatus/a-callback-asap&vm-press&digits/1&\
         vm-for&digits/today&digits/at&digits/3&digits/oclock&digits/p-m&vm-press&digits/2"
    ));
    let (text, _, prompts) = register(&offer, Locale::ES_US);
    assert_eq!(
        text,
        "Podemos devolverle la llamada en aproximadamente 12 minutos, para que no tenga que \
         esperar en la línea. Para una devolución de llamada lo antes posible, marque 1. \
         Para hoy a las 3 de la tarde, marque 2. Para mañana a las 9 de la mañana, marque 3. \
         Para el viernes a la una y 30 de la tarde, marque 4."
    );
    assert!(prompts.ends_with(
        "vm-for&digits/es-el&digits/day-5&cbstatus/a-la&digits/1F&digits/and&digits/30&\
         digits/afternoon&vm-press&digits/4"
    ));
}

#[test]
fn offer_shapes() {
    let text = |w: &WidgetStatus| say(&Outcome::Offer(w), Locale::EN_US, Format::Text);
    let no_wait = WidgetStatus {
        ewt: None,
        timeslots: Vec::new(),
        ..open_widget()
    };
    assert_eq!(
        text(&no_wait),
        "We can call you back, so you don't have to wait on hold. \
         For a callback as soon as possible, press 1."
    );
    let scheduled_only = WidgetStatus {
        state: Some(WidgetState::OfferScheduledCallback),
        ..open_widget()
    };
    assert!(text(&scheduled_only).starts_with(
        "We can call you back. For today at 3:00 PM, press 1. For tomorrow at 9:00 AM, press 2."
    ));
    // Nothing left to offer: only past slots.
    let stale = WidgetStatus {
        state: Some(WidgetState::OfferScheduledCallback),
        timeslots: vec![at("2026-03-11T13:00:00Z")],
        ..open_widget()
    };
    assert_eq!(
        text(&stale),
        "We are unable to offer callbacks at this time. The current wait is about 12 minutes."
    );
    let closed = WidgetStatus {
        state: Some(WidgetState::PlatformUnavailable),
        ..WidgetStatus::default()
    };
    assert_eq!(
        text(&closed),
        "We are unable to offer callbacks at this time."
    );
    // At most 9 choices: ASAP and the first 8 slots.
    let many = WidgetStatus {
        timeslots: (1..=20)
            .map(|h| {
                now()
                    .checked_add(jiff::SignedDuration::from_hours(h))
                    .unwrap()
            })
            .collect(),
        ..open_widget()
    };
    let message = decide(&Outcome::Offer(&many), now(), &ny(), &opts(Locale::EN_US));
    let keys: Vec<u32> = message
        .sentences
        .iter()
        .filter_map(|s| s.menu_choice().map(|(k, _)| k))
        .collect();
    assert_eq!(keys, (1..=9).collect::<Vec<_>>());
    assert!(text(&many).ends_with("For today at 6:00 PM, press 9."));
}

#[test]
fn register_done_reads_back_the_number_and_the_wait_or_time() {
    let n = number();
    let asap = registered(RegisterOutcome::Requested, None);
    let out = Outcome::Register {
        registration: &asap,
        number: Some(&n),
    };
    let (text, ssml, prompts) = register(&out, Locale::EN_US);
    assert_eq!(
        text,
        "Thank you. We will call you back at the number ending in 4 5 6 7 in about 12 minutes."
    );
    assert!(ssml.contains("<say-as interpret-as=\"telephone\">4567</say-as> in about"));
    assert_eq!(
        prompts,
        "auth-thankyou&cbstatus/we-will-call-you-back&cbstatus/at-the-number-ending-in&\
         digits/4&digits/5&digits/6&digits/7&cbstatus/in&cbstatus/about&digits/12&minutes"
    );
    assert_eq!(
        say(&out, Locale::ES_US, Format::Text),
        "Gracias. Le devolveremos la llamada al número que termina en 4 5 6 7 en \
         aproximadamente 12 minutos."
    );
    let no_wait = Registration {
        ewt: None,
        ..asap.clone()
    };
    let out = Outcome::Register {
        registration: &no_wait,
        number: None,
    };
    assert_eq!(
        say(&out, Locale::EN_US, Format::Text),
        "Thank you. We will call you back as soon as we can."
    );
    let today = registered(RegisterOutcome::Requested, Some(at("2026-03-11T19:00:00Z")));
    let friday = registered(RegisterOutcome::Requested, Some(at("2026-03-13T17:30:00Z")));
    let text = |r: &Registration, l| {
        say(
            &Outcome::Register {
                registration: r,
                number: Some(&n),
            },
            l,
            Format::Text,
        )
    };
    assert_eq!(
        text(&today, Locale::EN_US),
        "Thank you. We will call you back at the number ending in 4 5 6 7 today at 3:00 PM."
    );
    assert_eq!(
        text(&friday, Locale::EN_US),
        "Thank you. We will call you back at the number ending in 4 5 6 7 on Friday at 1:30 PM."
    );
    assert_eq!(
        text(&friday, Locale::ES_US),
        "Gracias. Le devolveremos la llamada al número que termina en 4 5 6 7 el viernes a la \
         una y 30 de la tarde."
    );
}

#[test]
fn refusals_and_failures_each_have_their_words() {
    let n = number();
    let cases = [
        (
            RegisterOutcome::Duplicate,
            "We already have your callback request.",
        ),
        (
            RegisterOutcome::Refused,
            "Sorry, we are not taking callback requests right now.",
        ),
        (
            RegisterOutcome::InvalidContact,
            "Sorry, we cannot call you back at this number.",
        ),
        (
            RegisterOutcome::InvalidTime,
            "Sorry, that time is no longer available.",
        ),
        (
            RegisterOutcome::Failed,
            "Sorry, we could not register your callback right now.",
        ),
    ];
    for (outcome, words) in cases {
        let r = registered(outcome, None);
        let out = Outcome::Register {
            registration: &r,
            number: Some(&n),
        };
        assert_eq!(say(&out, Locale::EN_US, Format::Text), words);
    }
    let unconfirmed = Outcome::RegisterFailed { maybe_sent: true };
    assert_eq!(
        say(&unconfirmed, Locale::EN_US, Format::Text),
        "Sorry, we could not confirm your callback."
    );
    assert_eq!(
        say(&unconfirmed, Locale::ES_US, Format::Text),
        "Lo sentimos, no pudimos confirmar su devolución de llamada."
    );
    assert_eq!(
        say(&unconfirmed, Locale::EN_US, Format::Prompts),
        "cbstatus/register-unconfirmed"
    );
    assert_eq!(
        say(
            &Outcome::RegisterFailed { maybe_sent: false },
            Locale::EN_US,
            Format::Text
        ),
        "Sorry, we could not register your callback right now."
    );
}

/// Only `Requested` is spoken as success, in every locale and renderer (and with operator
/// templates for the confirmations, which apply only to them).
#[test]
fn never_spoken_as_success_unless_requested() {
    let n = number();
    let success_prompts = ["auth-thankyou", "cbstatus/we-will-call-you-back"];
    let mut outcomes: Vec<(bool, Registration)> = RegisterOutcome::ALL
        .iter()
        .flat_map(|o| {
            [None, Some(at("2026-03-11T19:00:00Z"))]
                .map(|a| (*o == RegisterOutcome::Requested, registered(*o, a)))
        })
        .collect();
    outcomes.sort_by_key(|(ok, _)| *ok);
    let mut templates = Templates::new();
    for locale in Locale::all() {
        templates
            .insert(locale, Situation::RegisterDoneAsap, "Done: {wait}.")
            .unwrap();
    }
    for locale in Locale::all() {
        let success_words = match locale.tag() {
            "en-US" => ["Thank you", "We will call you back"],
            "es-US" => ["Gracias", "Le devolveremos la llamada"],
            "fr-CA" => ["Merci", "Nous vous rappellerons"],
            other => panic!("{other}: say which words mean success"),
        };
        let check = |outcome: &Outcome, success: bool| {
            for format in Format::ALL {
                let mut o = opts(locale);
                let plain = speak(outcome, now(), &ny(), &o, format);
                o.templates = templates.clone();
                let templated = speak(outcome, now(), &ny(), &o, format);
                for spoken in [plain, templated] {
                    let said = success_words.iter().any(|w| spoken.contains(w))
                        || spoken.contains("Done:")
                        || success_prompts.iter().any(|p| spoken.contains(p));
                    assert_eq!(said, success, "{locale} {format}: {spoken}");
                }
            }
        };
        for (success, r) in &outcomes {
            check(
                &Outcome::Register {
                    registration: r,
                    number: Some(&n),
                },
                *success,
            );
        }
        for maybe_sent in [true, false] {
            check(&Outcome::RegisterFailed { maybe_sent }, false);
        }
    }
}
