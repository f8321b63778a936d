//! End-to-end speech tests: every situation in every locale and renderer, templates, and the
//! consistency of the wording with the prompt manifest.

use super::locale::Piece;
use super::*;
use crate::number::{CountryCode, PhoneNumber};
use crate::status::{Callback, CallbackStatus, CallbackType, StatusReport};
use jiff::civil::{date, time};
use std::time::Duration;

fn en() -> SpeechOptions {
    SpeechOptions::default()
}

fn es() -> SpeechOptions {
    SpeechOptions {
        locale: Locale::ES_US,
        ..SpeechOptions::default()
    }
}

fn one(sentence: Sentence) -> Message {
    Message::new(vec![sentence])
}

/// (text, ssml body without the `<speak>` wrapper, prompts)
fn all3(message: &Message, opts: &SpeechOptions) -> (String, String, String) {
    let ssml = render(message, Format::Ssml, opts);
    let head = format!(
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"{}\">",
        opts.locale.tag()
    );
    let body = ssml
        .strip_prefix(&head)
        .and_then(|s| s.strip_suffix("</speak>"))
        .unwrap_or_else(|| panic!("not a speak document: {ssml}"))
        .to_string();
    (
        render(message, Format::Text, opts),
        body,
        render(message, Format::Prompts, opts),
    )
}

fn eta(m: u32) -> Eta {
    Eta::About(Span::hours_and_minutes(m))
}

fn scheduled(day: Day, h: i8, m: i8) -> Message {
    one(Sentence::Scheduled {
        when: When {
            day,
            time: time(h, m, 0, 0),
        },
    })
}

#[test]
fn asap_position_and_wait_every_renderer() {
    let m = one(Sentence::AsapPosition {
        position: 4,
        eta: eta(12),
    });
    let (text, ssml, prompts) = all3(&m, &en());
    assert_eq!(
        text,
        "You are number 4 in line for your callback. We expect to call you in about 12 minutes."
    );
    assert_eq!(
        ssml,
        "<s>You are number <say-as interpret-as=\"cardinal\">4</say-as> in line for your callback.</s>\
         <s>We expect to call you in about <say-as interpret-as=\"cardinal\">12</say-as> minutes.</s>"
    );
    assert_eq!(
        prompts,
        "cbstatus/you-are-number&digits/4&cbstatus/in-line-for-your-callback&\
         cbstatus/we-expect-to-call-you-in&cbstatus/about&digits/12&minutes"
    );
    let (text, _, prompts) = all3(&m, &es());
    assert_eq!(
        text,
        "Usted es el número 4 en la fila para su devolución de llamada. \
         El tiempo estimado para devolverle la llamada es de aproximadamente 12 minutos."
    );
    assert_eq!(
        prompts,
        "cbstatus/you-are-number&digits/4&cbstatus/in-line-for-your-callback&\
         cbstatus/we-expect-to-call-you-in&cbstatus/about&digits/12&minutes"
    );
}

#[test]
fn next_in_line_and_short_and_long_waits() {
    let m = one(Sentence::NextInLine {
        eta: Eta::UnderAMinute,
    });
    assert_eq!(
        all3(&m, &en()),
        (
            "You are next in line for your callback. We expect to call you in less than a minute."
                .into(),
            "<s>You are next in line for your callback.</s><s>We expect to call you in less than a minute.</s>"
                .into(),
            "cbstatus/you-are-next-in-line&cbstatus/we-expect-to-call-you-in&cbstatus/less-than-a-minute"
                .into()
        )
    );
    let (text, _, prompts) = all3(&m, &es());
    assert_eq!(
        text,
        "Usted es el siguiente en la fila para su devolución de llamada. \
         El tiempo estimado para devolverle la llamada es de menos de un minuto."
    );
    assert!(prompts.ends_with("&queue-less-than&digits/1M&queue-minute"));

    let long = one(Sentence::AsapWait { eta: eta(135) });
    let (text, ssml, prompts) = all3(&long, &en());
    assert_eq!(
        text,
        "We expect to call you in about 2 hours and 15 minutes."
    );
    assert!(ssml.contains(
        "about <say-as interpret-as=\"cardinal\">2</say-as> hours and <say-as interpret-as=\"cardinal\">15</say-as> minutes."
    ));
    assert_eq!(
        prompts,
        "cbstatus/we-expect-to-call-you-in&cbstatus/about&digits/2&hours&vm-and&digits/15&minutes"
    );
    let (text, _, prompts) = all3(&long, &es());
    assert_eq!(
        text,
        "El tiempo estimado para devolverle la llamada es de aproximadamente 2 horas y 15 minutos."
    );
    assert!(prompts.ends_with("cbstatus/about&digits/2&hours&vm-and&digits/15&minutes"));

    // One hour is feminine in Spanish ("una hora"), one minute masculine ("un minuto").
    let hour = one(Sentence::AsapWait {
        eta: Eta::About(Span {
            hours: 1,
            minutes: 5,
        }),
    });
    assert_eq!(
        render(&hour, Format::Text, &en()),
        "We expect to call you in about 1 hour and 5 minutes."
    );
    assert!(render(&hour, Format::Prompts, &en())
        .ends_with("digits/1&cbstatus/hour&vm-and&digits/5&minutes"));
    assert!(render(&hour, Format::Prompts, &es())
        .ends_with("digits/1F&cbstatus/hour&vm-and&digits/5&minutes"));
    assert_eq!(
        render(&hour, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de aproximadamente una hora y 5 minutos."
    );
    assert!(render(&hour, Format::Ssml, &es()).contains("aproximadamente una hora y <say-as"));
    let minute = one(Sentence::AsapWait { eta: eta(1) });
    assert_eq!(
        render(&minute, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de aproximadamente un minuto."
    );
    assert!(render(&minute, Format::Prompts, &es()).ends_with("digits/1M&queue-minute"));
}

#[test]
fn range_minimum_and_maximum_wording() {
    let between = one(Sentence::AsapWait {
        eta: Eta::Between {
            low: 10,
            high: 15,
            unit: RangeUnit::Minutes,
        },
    });
    let (text, ssml, prompts) = all3(&between, &en());
    assert_eq!(text, "We expect to call you in between 10 and 15 minutes.");
    assert!(ssml.contains("between <say-as interpret-as=\"cardinal\">10</say-as> and <say-as interpret-as=\"cardinal\">15</say-as> minutes."));
    assert!(prompts.ends_with("cbstatus/between&digits/10&vm-and&digits/15&minutes"));
    assert_eq!(
        render(&between, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de entre 10 y 15 minutos."
    );
    let less = one(Sentence::AsapWait {
        eta: Eta::LessThan(Span::minutes(2)),
    });
    assert_eq!(
        render(&less, Format::Text, &en()),
        "We expect to call you in less than 2 minutes."
    );
    assert!(render(&less, Format::Prompts, &en()).ends_with("queue-less-than&digits/2&minutes"));
    assert_eq!(
        render(&less, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de menos de 2 minutos."
    );
    let more = one(Sentence::AsapWait {
        eta: Eta::MoreThan(Span::minutes(90)),
    });
    assert_eq!(
        render(&more, Format::Text, &en()),
        "We expect to call you in more than 90 minutes."
    );
    assert!(render(&more, Format::Prompts, &en()).ends_with("cbstatus/more-than&digits/90&minutes"));
    assert_eq!(
        render(&more, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de más de 90 minutos."
    );
    let hours = one(Sentence::AsapWait {
        eta: Eta::Between {
            low: 1,
            high: 2,
            unit: RangeUnit::Hours,
        },
    });
    assert_eq!(
        render(&hours, Format::Text, &en()),
        "We expect to call you in between 1 and 2 hours."
    );
    assert!(render(&hours, Format::Prompts, &es())
        .ends_with("cbstatus/between&digits/1F&vm-and&digits/2&hours"));
    assert_eq!(
        render(&hours, Format::Text, &es()),
        "El tiempo estimado para devolverle la llamada es de entre una y 2 horas."
    );
}

#[test]
fn scheduled_today_tomorrow_weekday_date() {
    let today = scheduled(Day::Today, 15, 45);
    let (text, ssml, prompts) = all3(&today, &en());
    assert_eq!(text, "Your callback is scheduled for today at 3:45 PM.");
    assert_eq!(
        ssml,
        "<s>Your callback is scheduled for today at <say-as interpret-as=\"time\" format=\"hms12\">3:45 PM</say-as></s>"
    );
    assert_eq!(
        prompts,
        "cbstatus/your-callback-is-scheduled-for&digits/today&digits/at&digits/3&digits/40&digits/5&digits/p-m"
    );
    let (text, ssml, prompts) = all3(&today, &es());
    assert_eq!(
        text,
        "Su devolución de llamada está programada para hoy a las 3:45 de la tarde."
    );
    assert_eq!(
        ssml,
        "<s>Su devolución de llamada está programada para hoy a las \
         <say-as interpret-as=\"time\" format=\"hms12\">3:45</say-as> de la tarde.</s>"
    );
    assert_eq!(
        prompts,
        "cbstatus/your-callback-is-scheduled-for&digits/today&digits/at&digits/3&digits/and&digits/40&digits/and&digits/5&digits/afternoon"
    );

    let tomorrow = scheduled(Day::Tomorrow, 13, 15);
    assert_eq!(
        render(&tomorrow, Format::Text, &en()),
        "Your callback is scheduled for tomorrow at 1:15 PM."
    );
    assert_eq!(
        render(&tomorrow, Format::Text, &es()),
        "Su devolución de llamada está programada para mañana a la una y 15 de la tarde."
    );
    assert!(render(&tomorrow, Format::Prompts, &es())
        .contains("digits/tomorrow&cbstatus/a-la&digits/1F&digits/and&digits/15&digits/afternoon"));

    let weekday = scheduled(Day::Weekday(date(2026, 3, 13)), 9, 5);
    assert_eq!(
        render(&weekday, Format::Text, &en()),
        "Your callback is scheduled on Friday at 9:05 AM."
    );
    assert_eq!(
        render(&weekday, Format::Prompts, &en()),
        "cbstatus/your-callback-is-scheduled-on&digits/day-5&digits/at&digits/9&digits/oh&digits/5&digits/a-m"
    );
    assert_eq!(
        render(&weekday, Format::Text, &es()),
        "Su devolución de llamada está programada para el viernes a las 9:05 de la mañana."
    );
    assert!(render(&weekday, Format::Prompts, &es()).contains(
        "digits/es-el&digits/day-5&digits/at&digits/9&digits/and&digits/5&cbstatus/de-la-manana"
    ));

    let later = scheduled(Day::Date(date(2024, 3, 13)), 15, 45);
    let (text, ssml, prompts) = all3(&later, &en());
    assert_eq!(
        text,
        "Your callback is scheduled on Wednesday, March 13 at 3:45 PM."
    );
    assert!(ssml
        .contains("on Wednesday, March <say-as interpret-as=\"ordinal\">13</say-as> at <say-as"));
    assert_eq!(
        prompts,
        "cbstatus/your-callback-is-scheduled-on&digits/day-3&digits/mon-2&digits/h-13&digits/at&digits/3&digits/40&digits/5&digits/p-m"
    );
    let (text, ssml, prompts) = all3(&later, &es());
    assert_eq!(
        text,
        "Su devolución de llamada está programada para el miércoles 13 de marzo a las 3:45 de la tarde."
    );
    assert!(
        ssml.contains("el miércoles <say-as interpret-as=\"cardinal\">13</say-as> de marzo a las")
    );
    assert!(
        prompts.contains("digits/es-el&digits/day-3&digits/13&digits/es-de&digits/mon-2&digits/at")
    );

    let midnight = scheduled(Day::Today, 0, 0);
    assert_eq!(
        render(&midnight, Format::Text, &en()),
        "Your callback is scheduled for today at 12:00 AM."
    );
    assert!(render(&midnight, Format::Prompts, &en())
        .ends_with("digits/at&digits/12&digits/oclock&digits/a-m"));
    assert_eq!(
        render(&midnight, Format::Text, &es()),
        "Su devolución de llamada está programada para hoy a las 12 de la noche."
    );
    // On the hour Spanish drops ":00"; one o'clock is "la una" in every renderer.
    let three = scheduled(Day::Today, 15, 0);
    assert_eq!(
        render(&three, Format::Text, &es()),
        "Su devolución de llamada está programada para hoy a las 3 de la tarde."
    );
    assert!(render(&three, Format::Ssml, &es())
        .contains("a las <say-as interpret-as=\"cardinal\">3</say-as> de la tarde."));
    let one_pm = scheduled(Day::Today, 13, 0);
    assert!(render(&one_pm, Format::Ssml, &es()).contains("hoy a la una de la tarde.</s>"));
    assert!(render(&one_pm, Format::Prompts, &es())
        .ends_with("digits/today&cbstatus/a-la&digits/1F&digits/afternoon"));
    let noon = scheduled(Day::Today, 12, 30);
    assert!(render(&noon, Format::Prompts, &en()).ends_with("digits/12&digits/30&digits/p-m"));
}

#[test]
fn status_sentences() {
    let cases = [
        (
            Sentence::CallingNow,
            "We are placing your callback now.",
            "Estamos realizando su devolución de llamada en este momento.",
            "cbstatus/placing-your-callback-now",
        ),
        (
            Sentence::Completed,
            "Your callback has been completed.",
            "Su devolución de llamada ya se realizó.",
            "cbstatus/callback-completed",
        ),
        (
            Sentence::Canceled,
            "Your callback request was canceled.",
            "Su solicitud de devolución de llamada fue cancelada.",
            "cbstatus/callback-canceled",
        ),
        (
            Sentence::Ended,
            "Your last callback request is no longer active.",
            "Su última solicitud de devolución de llamada ya no está activa.",
            "cbstatus/callback-ended",
        ),
        (
            Sentence::NoDetails,
            "We have your callback request. We will call you as soon as we can.",
            "Tenemos su solicitud de devolución de llamada. Le llamaremos lo antes posible.",
            "cbstatus/we-have-your-request&cbstatus/we-will-call-asap",
        ),
        (
            Sentence::NotFound,
            "We could not find a callback request for your number.",
            "No encontramos ninguna solicitud de devolución de llamada para su número.",
            "cbstatus/no-callback-found",
        ),
        (
            Sentence::LookupFailed,
            "Sorry, we can't check your callback right now.",
            "Lo sentimos, no podemos consultar su devolución de llamada en este momento.",
            "cbstatus/cant-check-right-now",
        ),
    ];
    for (sentence, en_text, es_text, prompts) in cases {
        let m = one(sentence);
        assert_eq!(render(&m, Format::Text, &en()), en_text);
        assert_eq!(render(&m, Format::Text, &es()), es_text);
        assert_eq!(render(&m, Format::Prompts, &en()), prompts);
        assert_eq!(render(&m, Format::Prompts, &es()), prompts);
        let ssml = render(&m, Format::Ssml, &en());
        assert!(
            ssml.contains("<s>") && ssml.ends_with("</s></speak>"),
            "{ssml}"
        );
    }
    assert!(render(&one(Sentence::LookupFailed), Format::Ssml, &en())
        .contains("<s>Sorry, we can&apos;t check your callback right now.</s>"));
}

#[test]
fn several_callbacks_and_read_back() {
    let digits = Digits::new("4567").unwrap();
    let m = Message::new(vec![
        Sentence::Several { count: 3 },
        Sentence::AsapPositionNoWait { position: 2 },
        Sentence::ReadBack {
            digits: digits.clone(),
        },
    ]);
    let (text, ssml, prompts) = all3(&m, &en());
    assert_eq!(
        text,
        "You have 3 callback requests. Here is the soonest one. You are number 2 in line for your callback. \
         We will call you at the number ending in 4 5 6 7."
    );
    assert!(ssml.starts_with(
        "<s>You have <say-as interpret-as=\"cardinal\">3</say-as> callback requests.</s><s>Here is the soonest one.</s><break time=\"300ms\"/>"
    ));
    assert!(ssml.ends_with(
        "<s>We will call you at the number ending in <break time=\"300ms\"/> <say-as interpret-as=\"telephone\">4567</say-as></s>"
    ));
    assert_eq!(
        prompts,
        "vm-youhave&digits/3&cbstatus/callback-requests&cbstatus/here-is-the-soonest&\
         cbstatus/you-are-number&digits/2&cbstatus/in-line-for-your-callback&\
         cbstatus/we-will-call-number-ending-in&digits/4&digits/5&digits/6&digits/7"
    );
    assert_eq!(
        render(&m, Format::Text, &es()),
        "Usted tiene 3 solicitudes de devolución de llamada. Esta es la más próxima. \
         Usted es el número 2 en la fila para su devolución de llamada. \
         Le llamaremos al número que termina en 4 5 6 7."
    );
    let nf = one(Sentence::NotFoundForNumber { digits });
    assert_eq!(
        render(&nf, Format::Text, &en()),
        "We could not find a callback request for the number ending in 4 5 6 7."
    );
    assert_eq!(
        render(&nf, Format::Text, &es()),
        "No encontramos ninguna solicitud de devolución de llamada para el número que termina en 4 5 6 7."
    );
}

#[test]
fn speak_end_to_end_from_a_report() {
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let now: jiff::Timestamp = "2026-03-11T14:00:00Z".parse().unwrap();
    let number = PhoneNumber::parse("5551234567", &CountryCode::default()).unwrap();
    let report = StatusReport::new(
        vec![Callback {
            kind: Some(CallbackType::Asap),
            status: Some(CallbackStatus::Other("secret-internal-state".into())),
            request_id: Some("req-9f8e7d".into()),
            source: Some("Phone:8525550917".into()),
            call_target_id: Some("ct-42".into()),
            position: Some(4),
            wait: Some(Duration::from_secs(12 * 60)),
            ..Default::default()
        }],
        now,
    );
    let outcome = Outcome::Status {
        report: &report,
        number: Some(&number),
    };
    for opts in [en(), es()] {
        for format in Format::ALL {
            let out = speak(&outcome, now, &tz, &opts, format);
            for raw in ["secret", "req-9f8e7d", "8525550917", "ct-42", "Phone"] {
                assert!(!out.contains(raw), "{format}: {out}");
            }
            assert!(!out.contains('\n'));
        }
    }
    assert_eq!(
        speak(&outcome, now, &tz, &en(), Format::Text),
        "You are number 4 in line for your callback. We expect to call you in about 12 minutes."
    );
    let scheduled = StatusReport::new(
        vec![Callback {
            kind: Some(CallbackType::Scheduled),
            estimated_for: Some("2026-03-12T19:45:00Z".parse().unwrap()),
            ..Default::default()
        }],
        now,
    );
    let outcome = Outcome::Status {
        report: &scheduled,
        number: None,
    };
    assert_eq!(
        speak(&outcome, now, &tz, &en(), Format::Text),
        "Your callback is scheduled for tomorrow at 3:45 PM."
    );
    assert_eq!(
        speak(&Outcome::Failed, now, &tz, &es(), Format::Text),
        "Lo sentimos, no podemos consultar su devolución de llamada en este momento."
    );
}

#[test]
fn every_situation_renders_in_every_locale_and_format() {
    let mut covered = std::collections::HashSet::new();
    for message in sample_messages() {
        covered.extend(message.situations());
        for locale in Locale::all() {
            let opts = SpeechOptions {
                locale,
                ..SpeechOptions::default()
            };
            let text = render(&message, Format::Text, &opts);
            assert!(text.ends_with('.') && !text.contains("  "), "{text}");
            let ssml = render(&message, Format::Ssml, &opts);
            assert!(ssml.starts_with(
                "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\""
            ));
            assert!(ssml.contains(&format!("xml:lang=\"{}\"", locale.tag())));
            let prompts = render(&message, Format::Prompts, &opts);
            assert!(!prompts.is_empty());
            for name in prompts.split('&') {
                assert!(is_valid_prompt_name(name), "{name}");
            }
        }
    }
    for situation in Situation::ALL {
        assert!(covered.contains(&situation), "no sample for {situation}");
    }
}

#[test]
fn builtin_words_match_the_project_prompt_transcripts() {
    let mut used = std::collections::HashSet::new();
    for locale in Locale::all() {
        let lang = locale.language();
        let manifest = project_prompts(locale);
        for message in sample_messages() {
            for sentence in &message.sentences {
                for piece in super::locale::phrases::sentence(lang, sentence) {
                    let Piece::Words(text, prompts) = piece else {
                        continue;
                    };
                    for prompt in prompts {
                        let Some(name) = prompt.strip_prefix("cbstatus/") else {
                            continue;
                        };
                        let transcript = &manifest
                            .iter()
                            .find(|(n, _)| *n == name)
                            .unwrap_or_else(|| panic!("{locale}: {prompt} not in the manifest"))
                            .1;
                        used.insert((locale.tag(), name));
                        if prompts.len() == 1 {
                            assert_eq!(text, transcript.trim_end_matches('.'), "{locale} {prompt}");
                        }
                    }
                }
            }
        }
        // Playlists as played: number and time rules, and joined (elided) recordings.
        let played: std::collections::HashSet<String> = sample_messages()
            .iter()
            .chain([&numbers_and_times()])
            .flat_map(|message| prompt_names(message, locale))
            .collect();
        for (name, _) in manifest {
            let heard = used.contains(&(locale.tag(), name))
                || played.contains(&format!("cbstatus/{name}"));
            assert!(heard, "{locale}: manifest prompt {name} is never played");
        }
    }
}

/// Messages that exercise number and time prompts beyond the samples.
fn numbers_and_times() -> Message {
    let mut sentences: Vec<Sentence> = (2..=120)
        .map(|position| Sentence::AsapPositionNoWait { position })
        .collect();
    for h in 0..24 {
        sentences.push(Sentence::Scheduled {
            when: When {
                day: Day::Today,
                time: time(h, 0, 0, 0),
            },
        });
    }
    // Waits whose "de" elides before "une" (fr "moins d'une minute", "est d'une à 2 heures").
    let hour = Span::hours_and_minutes(60);
    sentences.extend([
        Sentence::AsapWait {
            eta: Eta::LessThan(Span::minutes(1)),
        },
        Sentence::AsapWait {
            eta: Eta::MoreThan(hour),
        },
        Sentence::CurrentWait {
            eta: Eta::Between {
                low: 1,
                high: 2,
                unit: RangeUnit::Hours,
            },
        },
    ]);
    Message::new(sentences)
}

#[test]
fn templates_reword_text_and_ssml_but_not_prompts() {
    let table: toml::Table = toml::from_str(
        r#"
        [templates.en-US]
        asap_position = "You're caller {position}. Expect us in {wait} <soon> & \"ready\"."
        scheduled_date = "See you {day}, {date}, {at_time}!"
        read_back = "Number ending {digits}."
        [templates.es-US]
        scheduled_today = "Le llamaremos {day} {at_time}."
        "#,
    )
    .unwrap();
    let opts = SpeechOptions {
        templates: Templates::from_toml_table(&table).unwrap(),
        ..en()
    };
    let m = one(Sentence::AsapPosition {
        position: 4,
        eta: eta(12),
    });
    assert_eq!(
        render(&m, Format::Text, &opts),
        "You're caller 4. Expect us in about 12 minutes <soon> & \"ready\"."
    );
    assert_eq!(
        render(&m, Format::Ssml, &opts),
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"en-US\">\
         <s>You&apos;re caller <say-as interpret-as=\"cardinal\">4</say-as>. Expect us in about \
         <say-as interpret-as=\"cardinal\">12</say-as> minutes &lt;soon&gt; &amp; &quot;ready&quot;.</s></speak>"
    );
    // Prompts keep the built-in wording.
    assert_eq!(
        render(&m, Format::Prompts, &opts),
        render(&m, Format::Prompts, &en())
    );
    let later = scheduled(Day::Date(date(2024, 3, 13)), 15, 45);
    assert_eq!(
        render(&later, Format::Text, &opts),
        "See you Wednesday, March 13, at 3:45 PM!"
    );
    let rb = one(Sentence::ReadBack {
        digits: Digits::new("4567").unwrap(),
    });
    assert_eq!(render(&rb, Format::Text, &opts), "Number ending 4 5 6 7.");
    // A sentence-final period right after a say-as is dropped in SSML (espeak-ng says "dot").
    assert!(render(&rb, Format::Ssml, &opts).ends_with(
        "<s>Number ending <say-as interpret-as=\"telephone\">4567</say-as></s></speak>"
    ));
    // Templates are per locale.
    let es_opts = SpeechOptions {
        locale: Locale::ES_US,
        ..opts.clone()
    };
    assert_eq!(
        render(&m, Format::Text, &es_opts),
        render(&m, Format::Text, &es())
    );
    assert_eq!(
        render(&scheduled(Day::Today, 13, 0), Format::Text, &es_opts),
        "Le llamaremos hoy a la una de la tarde."
    );
}

#[test]
fn format_parsing() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!("SSML".parse::<Format>().unwrap(), Format::Ssml);
    let err = "wav".parse::<Format>().unwrap_err();
    assert_eq!(err.kind(), crate::error::ErrorKind::InvalidConfig);
    assert!(err.detail().contains("text, ssml or prompts"));
}

#[test]
fn defaults() {
    let o = SpeechOptions::default();
    assert_eq!(o.locale, Locale::EN_US);
    assert_eq!(o.eta.style, EtaStyle::Exact);
    assert_eq!(o.eta.min_minutes, None);
    assert_eq!(o.eta.max_minutes, Some(90));
    assert!(!o.read_back_number);
    assert!(o.templates.is_empty());
}

fn fr() -> SpeechOptions {
    SpeechOptions {
        locale: Locale::FR_CA,
        ..SpeechOptions::default()
    }
}

#[test]
fn french_dates_ordinals_noon_and_elision() {
    // The 1st of a month is "1er" (said "premier", digits/h-1); a far date has its year.
    let (text, ssml, prompts) = all3(&scheduled(Day::DateYear(date(2027, 4, 1)), 12, 0), &fr());
    assert_eq!(
        text,
        "Votre rappel est prévu le jeudi 1er avril 2027 à midi."
    );
    assert_eq!(
        ssml,
        "<s>Votre rappel est prévu le jeudi <sub alias=\"premier\">1er</sub> avril \
         <say-as interpret-as=\"cardinal\">2027</say-as> à midi.</s>"
    );
    assert_eq!(
        prompts,
        "cbstatus/your-callback-is-scheduled&cbstatus/le&digits/day-4&digits/h-1&digits/mon-3\
         &digits/2&digits/thousand&digits/20&digits/7&digits/at&cbstatus/midi"
    );
    // Other days are cardinals; 21 h is "vingt et une heures" (hours are feminine).
    let (text, ssml, prompts) = all3(&scheduled(Day::Date(date(2026, 3, 13)), 21, 0), &fr());
    assert_eq!(text, "Votre rappel est prévu le vendredi 13 mars à 21 h.");
    assert!(
        ssml.ends_with("<sub alias=\"vingt et une heures\">21 h</sub></s>"),
        "{ssml}"
    );
    assert!(
        prompts.ends_with(
            "digits/13&digits/mon-2&digits/at&digits/20&digits/et&cbstatus/une&digits/oclock"
        ),
        "{prompts}"
    );
    // "plus d'une heure": "de" elides before a vowel in text and SSML, not before a digit.
    let more = |s| {
        render(
            &one(Sentence::AsapWait {
                eta: Eta::MoreThan(s),
            }),
            Format::Text,
            &fr(),
        )
    };
    assert_eq!(
        more(Span::hours_and_minutes(60)),
        "Nous devrions vous rappeler dans plus d'une heure."
    );
    assert_eq!(
        more(Span::minutes(11)),
        "Nous devrions vous rappeler dans plus de 11 minutes."
    );
    let wait = one(Sentence::CurrentWait {
        eta: Eta::Between {
            low: 1,
            high: 2,
            unit: RangeUnit::Hours,
        },
    });
    let (text, ssml, prompts) = all3(&wait, &fr());
    assert_eq!(text, "Le temps d'attente actuel est d'une à 2 heures.");
    assert!(ssml.contains("est d&apos;une à"), "{ssml}");
    // Playlists play the joined recording of an elided pair.
    assert_eq!(
        prompts,
        "cbstatus/current-wait-is-une&digits/at&digits/2&hours"
    );
    let more_than_an_hour = one(Sentence::AsapWait {
        eta: Eta::MoreThan(Span::hours_and_minutes(60)),
    });
    assert_eq!(
        render(&more_than_an_hour, Format::Prompts, &fr()),
        "cbstatus/we-expect-to-call-you-in&cbstatus/plus-d-une&digits/oclock"
    );
    let (_, _, prompts) = all3(&one(Sentence::CurrentWait { eta: eta(10) }), &fr());
    assert_eq!(prompts, "cbstatus/current-wait-is-about&digits/10&minutes");
    // Spanish keeps its "de": elision is French's rule only.
    assert_eq!(
        render(
            &one(Sentence::AsapWait {
                eta: Eta::MoreThan(Span::hours_and_minutes(60))
            }),
            Format::Text,
            &es()
        ),
        "El tiempo estimado para devolverle la llamada es de más de una hora."
    );
}
