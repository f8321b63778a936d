//! [`Token`]: a word from the API reduced to a vocabulary that is safe wherever it goes.
//!
//! Mindful's `status`, `type` and `widget_state` are open-ended strings. What cbstatus does not
//! know is still passed on (a dialplan may want to branch on a new status), but only as a
//! token: lower-case `[a-z0-9_]`, 1 to 32 characters. Anything else becomes [`Token::OTHER`].
//! A token can therefore be pasted into an Asterisk expression (`$["${CBSTATUS_STATUS}" = ...]`),
//! an `&`/`,`-separated application argument, a FreeSWITCH variable, a C string, a log line or
//! a file name without quoting: it contains no `"`, `|`, `&`, `,`, `$`, `{`, `/`, space or
//! control character. The reduction happens once, where the API string enters the domain
//! model, so every surface (AGI, C API, Python, FreeSWITCH, JSON) gets the same word.

use std::fmt;

/// A safe word: 1 to 32 characters of `[a-z0-9_]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(String);

impl Token {
    /// Longest token kept; a longer value is [`Token::OTHER`]. (Not `pub`: cbindgen would
    /// export it to the C header.)
    const MAX_CHARS: usize = 32;
    /// What any value outside the vocabulary becomes.
    pub const OTHER: &'static str = "other";

    /// Reduce an API value: trimmed, ASCII letters lower-cased, `-` and spaces read as `_`
    /// (`Parked`, `parked-now` and `PARKED NOW` are spelled `parked`, `parked_now`); then
    /// kept if it is 1 to 32 characters of `[a-z0-9_]`, else [`Token::OTHER`].
    pub fn from_api(text: &str) -> Token {
        let word: String = text
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        let safe = (1..=Token::MAX_CHARS).contains(&word.len())
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        Token(if safe { word } else { Token::OTHER.to_string() })
    }

    /// The word.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Token {
    fn from(text: &str) -> Token {
        Token::from_api(text)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_shapes_are_kept_and_anything_else_is_other() {
        for (raw, want) in [
            ("parked", "parked"),
            ("  Parked ", "parked"),
            ("PARKED-NOW", "parked_now"),
            ("new state 2", "new_state_2"),
            ("a".repeat(32).as_str(), "a".repeat(32).as_str()),
        ] {
            assert_eq!(Token::from_api(raw).as_str(), want, "{raw:?}");
        }
        for raw in [
            "",
            "   ",
            "FOUND\"|&,${EXEC}/x",
            "found\"",
            "a|b",
            "a&b",
            "a,b",
            "${x}",
            "a/b",
            "x\r\nHANGUP",
            "tab\there",
            "nul\0",
            "caf\u{e9}",
            "\u{202e}rtl",
            "K\u{212a}", // Kelvin sign: lower-cases to ASCII 'k' only with Unicode rules
            &"a".repeat(33),
        ] {
            assert_eq!(Token::from_api(raw).as_str(), Token::OTHER, "{raw:?}");
        }
    }
}
