//! The project's own prompts: words the stock Asterisk sounds lack ("callback", "scheduled",
//! "about" ...), per locale. They are played as `cbstatus/<name>` from the channel language's
//! sound folder, e.g. `/usr/share/asterisk/sounds/es/cbstatus/about.wav`.
//!
//! `cbstatus prompts generate --dir DIR [--locale L]` synthesizes them with espeak-ng
//! ([`crate::speech::Locale::espeak_voice`]) as 8 kHz mono WAV files at
//! `DIR/<sound_dir>/cbstatus/<name>.wav`; [`manifest_text`] is the list for deployers who record
//! them with a real voice.

use super::Locale;

/// The folder (under the language's sound folder) holding the project prompts.
pub const PROMPT_DIR: &str = "cbstatus";

/// The project prompts of `locale`: bare name (play as `cbstatus/<name>`) and transcript,
/// derived from the locale's words (every phrase a `cbstatus/` recording says).
pub fn project_prompts(locale: Locale) -> Vec<(&'static str, String)> {
    super::locale::phrases::project_prompts(locale.language())
}

/// A human-readable manifest: one `cbstatus/<name>` and transcript per line, tab-separated,
/// after `#` comment lines saying where the files go.
pub fn manifest_text(locale: Locale) -> String {
    let mut out = format!(
        "# cbstatus project prompts for {tag}\n\
         # Record each line's words as an 8 kHz mono WAV file (or any format Asterisk plays) at\n\
         # <asterisk sounds>/{dir}/{PROMPT_DIR}/<name>.wav, e.g. /usr/share/asterisk/sounds/{dir}/{PROMPT_DIR}/\n\
         # name\ttranscript\n",
        tag = locale.tag(),
        dir = locale.sound_dir(),
    );
    for (name, transcript) in project_prompts(locale) {
        out.push_str(&format!("{PROMPT_DIR}/{name}\t{transcript}\n"));
    }
    out
}

/// A name safe to put in an Asterisk `Playback()` list: `^[A-Za-z0-9/_-]+$`.
pub fn is_valid_prompt_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_valid_and_unique() {
        for locale in Locale::all() {
            let prompts = project_prompts(locale);
            assert!(!prompts.is_empty());
            let mut seen = std::collections::HashSet::new();
            for (name, transcript) in &prompts {
                assert!(is_valid_prompt_name(name) && !name.contains('/'), "{name}");
                assert!(seen.insert(*name), "duplicate {name}");
                assert!(!transcript.trim().is_empty());
            }
            let text = manifest_text(locale);
            assert!(text.contains(&format!("cbstatus/about\t{}", prompts[0].1)));
            assert_eq!(
                text.lines().filter(|l| !l.starts_with('#')).count(),
                prompts.len()
            );
        }
        assert!(manifest_text(Locale::ES_US).contains("cbstatus/de-la-manana\tde la mañana"));
    }

    #[test]
    fn prompt_name_pattern() {
        assert!(is_valid_prompt_name("digits/1F"));
        assert!(is_valid_prompt_name("cbstatus/no-callback-found"));
        for bad in ["", "a&b", "a,b", "a b", "../x", "x.wav", "é"] {
            assert!(!is_valid_prompt_name(bad), "{bad}");
        }
    }
}
