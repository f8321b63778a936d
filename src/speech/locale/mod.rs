//! Locales. A locale file (`en_us.rs`, `es_us.rs`, `fr_ca.rs`) is data plus its language's rules: it
//! implements [`Language`] with the words of every [`Phrase`] (and the Asterisk prompts that
//! say them), day and month names, a few [`Grammar`] choices, and the number and clock-time
//! rules for each renderer. How sentences are built from those words is shared, in
//! [`phrases`]; the project prompt manifest is derived from the same words.
//!
//! Adding a locale: write one file with its [`Profile`] and rules implementing [`Language`],
//! and list it in [`REGISTRY`].

mod en_us;
mod es_us;
mod fr_ca;
pub(crate) mod phrases;

pub(crate) use phrases::{DateStyle, Grammar, Phrase, Words};

use super::message::Digits;
use crate::error::{Error, ErrorKind};
use jiff::civil::Time;
use std::fmt;
use std::hash::{Hash, Hasher};

/// Every available language, the default (English) first.
const REGISTRY: &[&dyn Language] = &[&en_us::EnUs, &es_us::EsUs, &fr_ca::FrCa];

/// A speech locale (`en-US` by default, `es-US` or `fr-CA`).
#[derive(Clone, Copy)]
pub struct Locale(&'static dyn Language);

impl Locale {
    /// US English, the default.
    pub const EN_US: Locale = Locale(&en_us::EnUs);
    /// Latin American Spanish as spoken in the US.
    pub const ES_US: Locale = Locale(&es_us::EsUs);
    /// Canadian (Quebec) French.
    pub const FR_CA: Locale = Locale(&fr_ca::FrCa);

    /// Parse a locale name: `en`, `en-US`, `en_US`, `es`, `es-US`, `es-MX`, `es-419`, `fr`,
    /// `fr-CA`, `fr_CA` ...
    /// (case-insensitive). An unknown name gives [`UnknownLocale`], which carries the fallback
    /// (English) and says so: "locale xx-YY is not available; using en-US".
    pub fn parse(name: &str) -> Result<Locale, UnknownLocale> {
        let folded = name.trim().replace('_', "-").to_ascii_lowercase();
        REGISTRY
            .iter()
            .find(|lang| lang.aliases().contains(&folded.as_str()))
            .map(|lang| Locale(*lang))
            .ok_or_else(|| UnknownLocale {
                requested: sanitize(name),
            })
    }

    /// The locale a PBX channel's language asks for, or `None`: speak the configured locale.
    /// Asterisk's `${CHANNEL(language)}`, FreeSWITCH's `cbstatus_locale` or an option of the
    /// dialplan are passed here as they are (`en`, `es`, `es_MX`, `en-US`, `fr`, anything):
    ///
    /// 1. a locale's own tag (`en-US`, `es_us`, any case) picks that locale;
    /// 2. the default locale's language without that region (`en`, `en_GB`) picks nothing:
    ///    PBXs give every channel `en` unless told otherwise, so it does not say that the
    ///    caller chose English, and the configured locale (a profile's, say) applies;
    /// 3. another language, bare or with any region (`es`, `es_MX`, `es-419`), picks the
    ///    locale of that language;
    /// 4. anything else (`de`, empty, garbage) picks nothing: the configured locale applies.
    ///
    /// Adding a locale to the registry is all it takes for channels of its language to get it.
    pub fn for_language(language: &str) -> Option<Locale> {
        let folded = language.trim().replace('_', "-").to_ascii_lowercase();
        if let Some(exact) = REGISTRY
            .iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(&folded))
        {
            return Some(Locale(*exact));
        }
        let wanted = primary_language(&folded);
        if wanted.is_empty() || wanted == primary_language(Locale::default().tag()) {
            return None;
        }
        REGISTRY
            .iter()
            .find(|lang| primary_language(lang.tag()).eq_ignore_ascii_case(wanted))
            .map(|lang| Locale(*lang))
    }

    /// The BCP 47 tag, e.g. `en-US`.
    pub fn tag(&self) -> &'static str {
        self.0.tag()
    }

    /// The Asterisk sound language folder (`en`, `es`): prompts live under
    /// `/usr/share/asterisk/sounds/<dir>/`, project prompts under `<dir>/cbstatus/`.
    pub fn sound_dir(&self) -> &'static str {
        self.0.sound_dir()
    }

    /// The espeak-ng voice for generating this locale's project prompts (`en-us`, `es-419`).
    pub fn espeak_voice(&self) -> &'static str {
        self.0.espeak_voice()
    }

    /// Every available locale, the default first.
    pub fn all() -> impl Iterator<Item = Locale> {
        REGISTRY.iter().map(|lang| Locale(*lang))
    }

    pub(crate) fn language(&self) -> &'static dyn Language {
        self.0
    }
}

impl Default for Locale {
    fn default() -> Self {
        Locale::EN_US
    }
}

impl PartialEq for Locale {
    fn eq(&self, other: &Locale) -> bool {
        self.tag() == other.tag()
    }
}

impl Eq for Locale {}

impl Hash for Locale {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tag().hash(state);
    }
}

impl fmt::Debug for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Locale({})", self.tag())
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(s: &str) -> Result<Locale, UnknownLocale> {
        Locale::parse(s)
    }
}

/// The language subtag of a tag (`es` of `es-MX`).
fn primary_language(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or_default()
}

/// A locale name that is not available. English ([`UnknownLocale::fallback`]) is used instead;
/// report it with [`UnknownLocale::to_error`] (kind [`ErrorKind::UnknownLocale`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLocale {
    requested: String,
}

impl UnknownLocale {
    /// The name asked for (control characters replaced, at most 40 characters).
    pub fn requested(&self) -> &str {
        &self.requested
    }

    /// The locale used instead: `en-US`.
    pub fn fallback(&self) -> Locale {
        Locale::default()
    }

    /// The error to report: kind `UnknownLocale`, detail "locale xx-YY is not available; using en-US".
    pub fn to_error(&self) -> Error {
        Error::new(ErrorKind::UnknownLocale, self.to_string())
    }
}

impl fmt::Display for UnknownLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "locale {} is not available; using {}",
            self.requested,
            self.fallback().tag()
        )
    }
}

impl std::error::Error for UnknownLocale {}

impl From<UnknownLocale> for Error {
    fn from(unknown: UnknownLocale) -> Error {
        unknown.to_error()
    }
}

fn sanitize(name: &str) -> String {
    let name = name.trim();
    let shown: String = name
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if shown.is_empty() {
        "\"\"".to_string()
    } else {
        shown
    }
}

/// Grammatical gender of what a number counts (Spanish "un minuto", "una hora", French
/// "une minute").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gender {
    /// Counting on its own ("número uno").
    Neutral,
    /// Before a masculine noun ("un minuto").
    Masculine,
    /// Before a feminine noun ("una hora").
    Feminine,
}

/// One piece of a spoken sentence, as a locale words it. Renderers turn pieces into text,
/// SSML or prompt names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Fixed words, and the prompt files that say exactly these words.
    Words(&'static str, &'static [&'static str]),
    /// Operator template text (text and SSML only; spacing is the template's own).
    Literal(String),
    /// A cardinal number.
    Number(u32, Gender),
    /// An ordinal number (a day of the month in English: "March 13th").
    Ordinal(u32),
    /// A local clock time (its am/pm or "de la tarde" included). For text and SSML it is
    /// replaced by the locale's [`Language::time_words`]; prompts use [`Language::time_prompts`].
    Time(Time),
    /// A clock time written for reading ("3:45 PM"; SSML `say-as interpret-as="time"`).
    Clock(String),
    /// Phone digits read one by one.
    Digits(Digits),
    /// A value written one way and spoken another, for text and SSML only: fr "4e" said
    /// "quatrième", the "h" of "15 h 45" said "heures" (SSML `<sub alias>`), where no
    /// engine's reading of the written form can be trusted.
    Written {
        /// What text shows and SSML wraps.
        text: String,
        /// What SSML says (`<sub alias="...">`).
        spoken: String,
    },
    /// End of a sentence: "." in text, `</s>` in SSML.
    End,
    /// A short pause (SSML `<break>`; nothing in text and prompts).
    Pause,
}

/// Shorthand for [`Piece::Words`].
pub(crate) const fn w(text: &'static str, prompts: &'static [&'static str]) -> Piece {
    Piece::Words(text, prompts)
}

/// What a locale is, as data: its names, its words and its stock sounds.
pub(crate) struct Profile {
    /// BCP 47 tag, e.g. `en-US` (also the SSML `xml:lang`).
    pub(crate) tag: &'static str,
    /// Accepted names, lower case with `-` (e.g. `en`, `en-us`).
    pub(crate) aliases: &'static [&'static str],
    /// Asterisk sound language folder (`en`).
    pub(crate) sound_dir: &'static str,
    /// espeak-ng voice for generating project prompts.
    pub(crate) espeak_voice: &'static str,
    /// The words of each phrase, and the prompts that say exactly them.
    pub(crate) phrase: fn(Phrase) -> Words,
    /// The choices that shape sentences (day and month names, genders, date order).
    pub(crate) grammar: Grammar,
    /// The stock Asterisk sounds the playlists use besides `digits/<n>`, with their words.
    pub(crate) stock: &'static [(&'static str, &'static str)],
    /// The numbers with their own `digits/<n>` sound.
    pub(crate) number_files: &'static [u32],
    /// Project prompts the number and time rules play (bare name, transcript), besides those
    /// of the phrases.
    pub(crate) rule_prompts: &'static [(&'static str, &'static str)],
}

/// Everything one language says, and how: its [`Profile`], and the rules only code can say.
pub(crate) trait Language: Sync {
    /// The locale's data.
    fn profile(&self) -> &'static Profile;
    /// BCP 47 tag, e.g. `en-US` (also the SSML `xml:lang`).
    fn tag(&self) -> &'static str {
        self.profile().tag
    }
    /// Accepted names, lower case with `-` (e.g. `en`, `en-us`).
    fn aliases(&self) -> &'static [&'static str] {
        self.profile().aliases
    }
    /// Asterisk sound language folder (`en`).
    fn sound_dir(&self) -> &'static str {
        self.profile().sound_dir
    }
    /// espeak-ng voice for generating project prompts.
    fn espeak_voice(&self) -> &'static str {
        self.profile().espeak_voice
    }
    /// The words of a phrase, and the prompts that say exactly them.
    fn phrase(&self, phrase: Phrase) -> Words {
        (self.profile().phrase)(phrase)
    }
    /// The choices that shape sentences (day and month names, genders, date order).
    fn grammar(&self) -> &'static Grammar {
        &self.profile().grammar
    }
    /// Every stock Asterisk sound the playlists may use (full name such as `digits/4`), with
    /// words an engine can speak (numbers as numerals, read in the locale's voice).
    fn stock_prompts(&self) -> Vec<(String, String)> {
        let profile = self.profile();
        stock_with_numbers(profile.stock, profile.number_files)
    }
    /// Project prompts the number and time rules play (bare name, transcript), besides those
    /// of the phrases.
    fn rule_prompts(&self) -> &'static [(&'static str, &'static str)] {
        self.profile().rule_prompts
    }
    /// A clock time for text and SSML, e.g. `[Clock("3:45 PM")]`, or es
    /// `[Words("una"), Words("de la tarde")]`. Must not contain [`Piece::Time`].
    fn time_words(&self, time: Time) -> Vec<Piece>;
    /// A number said as a word in text and SSML instead of digits, where grammar needs it
    /// (es "una hora", "un minuto").
    fn number_word(&self, _n: u32, _gender: Gender) -> Option<&'static str> {
        None
    }
    /// An ordinal for text and SSML when the locale writes it its own way (fr `4e` said
    /// "quatrième"): the written and spoken forms. `None` (English): the number, and SSML
    /// `say-as interpret-as="ordinal"`.
    fn ordinal_words(&self, _n: u32) -> Option<(String, String)> {
        None
    }
    /// A clock time as Asterisk prompts.
    fn time_prompts(&self, time: Time) -> Vec<String>;
    /// A cardinal number as Asterisk prompts.
    fn number_prompts(&self, n: u32, gender: Gender) -> Vec<String>;
    /// An ordinal number as Asterisk prompts.
    fn ordinal_prompts(&self, n: u32) -> Vec<String>;
    /// Phone digits as Asterisk prompts (`digits/N` each, as `SayDigits` does).
    fn digit_prompts(&self, digits: &Digits) -> Vec<String> {
        digits
            .as_str()
            .chars()
            .map(|c| format!("digits/{c}"))
            .collect()
    }
}

/// The stock prompts of a locale: `digits/<n>` for each numbered file, then its word table.
fn stock_with_numbers(words: &[(&str, &str)], numbers: &[u32]) -> Vec<(String, String)> {
    numbers
        .iter()
        .map(|n| (format!("digits/{n}"), n.to_string()))
        .chain(words.iter().map(|(n, t)| (n.to_string(), t.to_string())))
        .collect()
}

/// The hour on a 12-hour clock (0 and 12 are 12).
pub(crate) fn hour12(time: Time) -> i8 {
    match time.hour() % 12 {
        0 => 12,
        h => h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_the_usual_spellings() {
        for name in ["en", "en-US", "en_US", "EN-us", " en_us "] {
            assert_eq!(Locale::parse(name).unwrap(), Locale::EN_US, "{name}");
        }
        for name in ["es", "es-US", "es_US", "ES-mx", "es_MX", "es-419"] {
            assert_eq!(Locale::parse(name).unwrap(), Locale::ES_US, "{name}");
        }
        assert_eq!(Locale::default().tag(), "en-US");
        assert_eq!(Locale::ES_US.tag(), "es-US");
        assert_eq!(Locale::ES_US.sound_dir(), "es");
        for name in ["fr", "fr-CA", "fr_CA", "FR-ca"] {
            assert_eq!(Locale::parse(name).unwrap(), Locale::FR_CA, "{name}");
        }
        // A configured locale names what it wants: France's French is not available.
        assert!(Locale::parse("fr-FR").is_err());
        assert_eq!(Locale::FR_CA.tag(), "fr-CA");
        assert_eq!(Locale::FR_CA.sound_dir(), "fr");
        assert_eq!(Locale::all().count(), 3);
    }

    #[test]
    fn a_channel_language_picks_a_locale_or_leaves_the_configured_one() {
        for (language, want) in [
            ("en-US", Some(Locale::EN_US)),
            ("EN_us", Some(Locale::EN_US)),
            ("es-US", Some(Locale::ES_US)),
            ("es", Some(Locale::ES_US)),
            ("es_MX", Some(Locale::ES_US)),
            ("es-419", Some(Locale::ES_US)),
            (" es\n", Some(Locale::ES_US)),
            ("en", None),
            ("en_GB", None),
            ("fr", Some(Locale::FR_CA)),
            ("fr_CA", Some(Locale::FR_CA)),
            ("fr-CA", Some(Locale::FR_CA)),
            ("FR_fr", Some(Locale::FR_CA)),
            ("de", None),
            ("de_DE", None),
            ("", None),
            ("-", None),
            ("\u{0}\u{7f}garbage;${x}", None),
        ] {
            assert_eq!(Locale::for_language(language), want, "{language:?}");
        }
    }

    #[test]
    fn unknown_locale_falls_back_to_english_and_says_so() {
        let err = Locale::parse("xx-YY").unwrap_err();
        assert_eq!(err.fallback(), Locale::EN_US);
        assert_eq!(
            err.to_string(),
            "locale xx-YY is not available; using en-US"
        );
        let error = err.to_error();
        assert_eq!(error.kind(), ErrorKind::UnknownLocale);
        assert_eq!(error.detail(), "locale xx-YY is not available; using en-US");
        let weird = Locale::parse("fr\nFR").unwrap_err();
        assert_eq!(weird.requested(), "fr?FR");
        assert!(Locale::parse("").is_err());
    }
}
