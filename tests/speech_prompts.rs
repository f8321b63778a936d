//! Every name of every Asterisk playlist (all situations, both locales, and a sweep of
//! numbers, clock times and dates) matches `^[A-Za-z0-9/_-]+$` and is either a stock sound
//! installed under /usr/share/asterisk/sounds/<lang>/ (any extension) or a project prompt in
//! the locale's manifest. Spanish names must exist in the Spanish pack itself (Asterisk would
//! fall back to the English voice otherwise). Reported as ignored when the sound packages are
//! not installed (build.rs; under CI=true they run).

use cbstatus::speech::{
    is_valid_prompt_name, playlist_prompts, project_prompts, prompt_names, render, sample_messages,
    Day, Digits, Eta, Format, Locale, Message, RangeUnit, Sentence, Span, SpeechOptions, When,
    PROMPT_DIR,
};
use jiff::civil::{date, time};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;

const SOUNDS: &str = "/usr/share/asterisk/sounds";

/// Names (without extension) of the sound files under `dir`, recursively.
fn installed(dir: &Path) -> Option<HashSet<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                let rel = rel.with_extension("");
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    if !dir.is_dir() {
        return None;
    }
    let mut out = HashSet::new();
    walk(dir, dir, &mut out);
    Some(out)
}

/// Messages sweeping numbers, every clock minute, every date of a year, all wait shapes.
fn sweep() -> Vec<Message> {
    let mut sentences = Vec::new();
    for position in (2..=1100).chain([
        1999, 2000, 2001, 21_000, 100_000, 999_999, 1_000_000, 2_500_000,
    ]) {
        sentences.push(Sentence::AsapPositionNoWait { position });
    }
    for count in 2..=40 {
        sentences.push(Sentence::Several { count });
    }
    for h in 0..24 {
        for m in 0..60 {
            sentences.push(Sentence::Scheduled {
                when: When {
                    day: Day::Today,
                    time: time(h, m, 0, 0),
                },
            });
        }
    }
    let mut d = date(2026, 1, 1);
    while d.year() == 2026 {
        for day in [Day::Weekday(d), Day::Date(d)] {
            sentences.push(Sentence::Scheduled {
                when: When {
                    day,
                    time: time(13, 5, 0, 0),
                },
            });
        }
        d = d.tomorrow().expect("date");
    }
    sentences.push(Sentence::Scheduled {
        when: When {
            day: Day::Tomorrow,
            time: time(1, 0, 0, 0),
        },
    });
    for total in 0..=300 {
        for eta in [
            Eta::About(Span::hours_and_minutes(total)),
            Eta::About(Span::minutes(total)),
            Eta::LessThan(Span::minutes(total)),
            Eta::MoreThan(Span::hours_and_minutes(total)),
        ] {
            sentences.push(Sentence::AsapWait { eta });
            sentences.push(Sentence::CurrentWait { eta });
        }
    }
    for low in 1..=120 {
        for unit in [RangeUnit::Minutes, RangeUnit::Hours] {
            let eta = Eta::Between {
                low,
                high: low + 5,
                unit,
            };
            sentences.push(Sentence::AsapWait { eta });
            sentences.push(Sentence::CurrentWait { eta });
        }
    }
    for digits in ["0123", "4567", "8989", "0000"] {
        let digits = Digits::new(digits).expect("digits");
        sentences.push(Sentence::ReadBack {
            digits: digits.clone(),
        });
        sentences.push(Sentence::NotFoundForNumber { digits });
    }
    let mut messages = sample_messages();
    messages.push(Message::new(sentences));
    messages
}

#[test]
#[cfg_attr(
    not(cbstatus_has_asterisk_sounds),
    ignore = "the Asterisk sound packages are not installed (asterisk-core-sounds-en-gsm, -es-gsm, -fr-gsm; scripts/test installs them)"
)]
fn every_prompt_exists_in_the_sound_packs_or_the_manifest() {
    let en = installed(&Path::new(SOUNDS).join("en"))
        .unwrap_or_else(|| panic!("{SOUNDS}/en is not installed (asterisk-core-sounds-en-gsm)"));
    let es = installed(&Path::new(SOUNDS).join("es"))
        .unwrap_or_else(|| panic!("{SOUNDS}/es is not installed (asterisk-core-sounds-es-gsm)"));
    let fr = installed(&Path::new(SOUNDS).join("fr"))
        .unwrap_or_else(|| panic!("{SOUNDS}/fr is not installed (asterisk-core-sounds-fr-gsm)"));
    let messages = sweep();
    for locale in Locale::all() {
        let own: HashSet<String> = project_prompts(locale)
            .iter()
            .map(|(name, _)| format!("{PROMPT_DIR}/{name}"))
            .collect();
        let pack = match locale.sound_dir() {
            "en" => &en,
            "es" => &es,
            "fr" => &fr,
            other => panic!("no sound pack test for {other}"),
        };
        let mut missing = BTreeSet::new();
        let mut played = HashSet::new();
        for message in &messages {
            let names = prompt_names(message, locale);
            let opts = SpeechOptions {
                locale,
                ..SpeechOptions::default()
            };
            assert_eq!(render(message, Format::Prompts, &opts), names.join("&"));
            for name in names {
                assert!(is_valid_prompt_name(&name), "{locale}: bad name {name:?}");
                if !own.contains(&name) && !pack.contains(&name) {
                    missing.insert(name.clone());
                }
                played.insert(name);
            }
        }
        assert!(
            missing.is_empty(),
            "{locale}: prompts not in {SOUNDS}/{}/ nor in the manifest: {missing:?}",
            locale.sound_dir()
        );
        for name in &own {
            assert!(
                played.contains(name),
                "{locale}: manifest prompt {name} is never played"
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(cbstatus_has_asterisk_sounds),
    ignore = "the Asterisk sound packages are not installed (asterisk-core-sounds-en-gsm, -es-gsm, -fr-gsm; scripts/test installs them)"
)]
fn playlist_golden_sequences_use_real_spanish_files() {
    let es = installed(&Path::new(SOUNDS).join("es"))
        .unwrap_or_else(|| panic!("{SOUNDS}/es is not installed (asterisk-core-sounds-es-gsm)"));
    // Files the Spanish rules rely on exist in the Spanish pack.
    for name in [
        "digits/1F",
        "digits/1M",
        "digits/21",
        "digits/29",
        "digits/and",
        "digits/100-and",
        "digits/200",
        "digits/900",
        "digits/afternoon",
        "digits/at",
        "digits/es-el",
        "digits/es-de",
        "digits/millions",
        "queue-minute",
        "vm-youhave",
        "vm-and",
    ] {
        assert!(es.contains(name), "{name} missing from the es pack");
    }
    // ... and the ones it avoids really are missing there.
    assert!(!es.contains("digits/100"));
    assert!(!es.contains("minute"));
    assert!(!es.contains("hour"));
    let opts = SpeechOptions {
        locale: Locale::ES_US,
        ..SpeechOptions::default()
    };
    let m = Message::new(vec![Sentence::AsapPositionNoWait { position: 747 }]);
    assert_eq!(
        render(&m, Format::Prompts, &opts),
        "cbstatus/you-are-number&digits/700&digits/40&digits/and&digits/7&cbstatus/in-line-for-your-callback"
    );
}

#[test]
#[cfg_attr(
    not(cbstatus_has_asterisk_sounds),
    ignore = "the Asterisk sound packages are not installed (asterisk-core-sounds-en-gsm, -es-gsm, -fr-gsm; scripts/test installs them)"
)]
fn playlist_golden_sequences_use_real_french_files() {
    let fr = installed(&Path::new(SOUNDS).join("fr"))
        .unwrap_or_else(|| panic!("{SOUNDS}/fr is not installed (asterisk-core-sounds-fr-gsm)"));
    // Files the French rules rely on exist in the French pack.
    for name in [
        "digits/et",
        "digits/60",
        "digits/80",
        "digits/hundred",
        "digits/oclock",
        "digits/at",
        "digits/h-1",
        "digits/h-4",
        "digits/h-hundred",
        "digits/day-3",
        "digits/mon-2",
        "hours",
        "minutes",
        "queue-minute",
        "vm-youhave",
        "vm-press",
    ] {
        assert!(fr.contains(name), "{name} missing from the fr pack");
    }
    // ... and the ones it avoids really are missing there (Asterisk's feminine "une").
    assert!(!fr.contains("digits/1F"));
    assert!(!fr.contains("digits/21"));
    let opts = SpeechOptions {
        locale: Locale::FR_CA,
        ..SpeechOptions::default()
    };
    let m = Message::new(vec![Sentence::AsapPositionNoWait { position: 71 }]);
    assert_eq!(
        render(&m, Format::Prompts, &opts),
        "cbstatus/you-are-number&digits/60&digits/et&digits/h-11&cbstatus/in-line-for-your-callback"
    );
}

/// `prompts generate --layout freeswitch` writes `playlist_prompts()`: it must hold every name
/// a playlist can play (FreeSWITCH has no stock sounds to fall back on), and nothing unused.
#[test]
fn freeswitch_layout_has_every_sound_a_playlist_names() {
    let messages = sweep();
    for locale in Locale::all() {
        let have: HashSet<String> = playlist_prompts(locale)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let mut missing = BTreeSet::new();
        let mut played = HashSet::new();
        for message in &messages {
            for name in prompt_names(message, locale) {
                if !have.contains(&name) {
                    missing.insert(name.clone());
                }
                played.insert(name);
            }
        }
        assert!(missing.is_empty(), "{locale}: no sound for {missing:?}");
        let unused: BTreeSet<&String> = have.difference(&played).collect();
        assert!(unused.is_empty(), "{locale}: never played: {unused:?}");
    }
}
