//! Speaking without TTS on FreeSWITCH: it has none of Asterisk's stock sounds, so
//! `cbstatus prompts generate --layout freeswitch --dir D` writes every sound a playlist may
//! name ([`playlist_prompts`]) as `D/<sound_dir>/<name>.wav`, and [`freeswitch_playlist`] turns
//! a prompt list into the `file_string://` playlist FreeSWITCH's `playback` plays over them.

use super::manifest::PROMPT_DIR;
use super::Locale;
use crate::error::{Error, ErrorKind};

/// Every sound a playlist of `locale` may name, with the words it says: the stock Asterisk
/// sounds the renderer uses (`digits/4`, `minutes`, ...) and the project prompts
/// (`cbstatus/about`, ...). Names are unique.
pub fn playlist_prompts(locale: Locale) -> Vec<(String, String)> {
    let mut all = locale.language().stock_prompts();
    all.extend(
        super::manifest::project_prompts(locale)
            .into_iter()
            .map(|(name, words)| (format!("{PROMPT_DIR}/{name}"), words)),
    );
    all
}

/// Checks a FreeSWITCH sound folder: an absolute path without `!` (the playlist separator),
/// `$`, control characters or spaces (FreeSWITCH splits and expands application data on them).
pub fn check_sound_dir(dir: &str) -> Result<&str, Error> {
    let bad = |c: char| c.is_control() || matches!(c, '!' | '$' | ' ' | '\'' | '"');
    if !dir.starts_with('/') || dir.chars().any(bad) || dir.len() > 512 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "sound_dir must be an absolute path (at most 512 bytes) without spaces, quotes, '!', \
             '$' or control characters",
        ));
    }
    Ok(dir.trim_end_matches('/'))
}

/// `file_string://D/en/a.wav!D/en/b.wav` for prompt names in playing order ("" when there
/// are none). `dir` must have passed [`check_sound_dir`]; names are `[A-Za-z0-9/_-]` by
/// construction.
pub fn freeswitch_playlist(names: &[String], locale: Locale, dir: &str) -> String {
    if names.is_empty() {
        return String::new();
    }
    let files: Vec<String> = names
        .iter()
        .map(|name| format!("{dir}/{}/{name}.wav", locale.sound_dir()))
        .collect();
    format!("file_string://{}", files.join("!"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::is_valid_prompt_name;
    use std::collections::HashSet;

    #[test]
    fn playlist_shape() {
        let names = vec![
            "cbstatus/you-are-number".to_string(),
            "digits/4".to_string(),
        ];
        assert_eq!(
            freeswitch_playlist(&names, Locale::ES_US, "/s"),
            "file_string:///s/es/cbstatus/you-are-number.wav!/s/es/digits/4.wav"
        );
        assert_eq!(freeswitch_playlist(&[], Locale::EN_US, "/s"), "");
    }

    #[test]
    fn sound_dir_is_checked() {
        assert_eq!(check_sound_dir("/usr/share/x/").unwrap(), "/usr/share/x");
        for bad in ["", "rel/dir", "/a!b", "/a b", "/a$b", "/a\nb", "/a'b"] {
            assert!(check_sound_dir(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prompts_are_unique_and_valid() {
        for locale in Locale::all() {
            let all = playlist_prompts(locale);
            let mut seen = HashSet::new();
            for (name, words) in &all {
                assert!(is_valid_prompt_name(name), "{name}");
                assert!(seen.insert(name.clone()), "{locale}: duplicate {name}");
                assert!(!words.trim().is_empty(), "{name}");
            }
        }
    }
}
