//! Every situation in every locale, from one table: `tests/speech_locales.txt` holds the text
//! of every sample message (`cbstatus::speech::sample_messages`, which covers every situation)
//! in every locale, and the built-in wording must equal it. A locale added to the registry
//! without its sentences, or a situation without a sample, fails here; a wording change
//! shows up as a diff for review. Regenerate with
//! `CBSTATUS_BLESS=1 cargo test --test speech_locales`.

use cbstatus::speech::{render, sample_messages, Format, Locale, Situation, SpeechOptions};
use std::collections::BTreeSet;
use std::path::Path;

const HEADER: &str = "# Built-in text of every sample message in every locale: situations, locale, text.\n\
# Rendered by tests/speech_locales.rs; CBSTATUS_BLESS=1 cargo test --test speech_locales rewrites it.\n";

/// (situations, locale tag, text), every sample in every locale.
fn table() -> Vec<(String, &'static str, String)> {
    let mut rows = Vec::new();
    for message in sample_messages() {
        let situations: Vec<&str> = message.situations().iter().map(|s| s.name()).collect();
        for locale in Locale::all() {
            let opts = SpeechOptions {
                locale,
                ..SpeechOptions::default()
            };
            let text = render(&message, Format::Text, &opts);
            rows.push((situations.join(" "), locale.tag(), text));
        }
    }
    rows
}

#[test]
fn every_situation_is_worded_in_every_locale() {
    let rows = table();
    let mut said = BTreeSet::new();
    for (situations, tag, text) in &rows {
        assert!(
            !text.is_empty() && text.ends_with('.'),
            "{tag} {situations}: {text:?}"
        );
        for situation in situations.split(' ') {
            said.insert((situation.to_string(), *tag));
        }
    }
    for situation in Situation::ALL {
        for locale in Locale::all() {
            assert!(
                said.contains(&(situation.name().to_string(), locale.tag())),
                "{locale} does not word {}",
                situation.name()
            );
        }
    }
    // No locale speaks another's words: each sample differs from its English.
    for chunk in rows.chunks(Locale::all().count()) {
        let english = &chunk[0];
        for (situations, tag, text) in &chunk[1..] {
            assert_ne!(text, &english.2, "{tag} {situations} is English");
        }
    }
}

#[test]
fn french_has_no_english_word() {
    for (situations, tag, text) in table() {
        if tag != "fr-CA" {
            continue;
        }
        let padded = format!(" {} ", text.replace(['.', ','], " "));
        for english in [
            " the ",
            " you ",
            " You ",
            " your ",
            " callback ",
            " and ",
            " hour ",
            " hours ",
            " today ",
            " tomorrow ",
            " at ",
            " PM ",
            " AM ",
            " Sorry ",
            " Thank ",
            " between ",
            " about ",
            " number ",
            " minute ",
        ] {
            // "minute" is French too, but only after "une" or "d'une".
            if english == " minute " && (padded.contains("une minute ")) {
                continue;
            }
            assert!(
                !padded.contains(english),
                "{situations}: {english:?} in {text}"
            );
        }
    }
}

#[test]
fn the_table_matches_the_built_in_wording() {
    let mut rendered = String::from(HEADER);
    for (situations, tag, text) in table() {
        rendered.push_str(&format!("{situations}\t{tag}\t{text}\n"));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/speech_locales.txt");
    if std::env::var_os("CBSTATUS_BLESS").is_some() {
        std::fs::write(&path, &rendered).expect("write tests/speech_locales.txt");
    }
    let golden = std::fs::read_to_string(&path).expect("tests/speech_locales.txt exists");
    assert!(
        golden == rendered,
        "tests/speech_locales.txt differs from the built-in wording; review and rerun with \
         CBSTATUS_BLESS=1:\n{}",
        rendered
            .lines()
            .zip(golden.lines())
            .filter(|(r, g)| r != g)
            .map(|(r, g)| format!("- {g}\n+ {r}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
