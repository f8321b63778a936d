//! The `CBSTATUS_*` channel variables: what a call learns from one result, declared once.
//!
//! Every surface that sets channel variables (`cbstatus agi`, FastAGI, the Asterisk and
//! FreeSWITCH modules through the C ABI's `cb_variables`, the Python package and scripts) sets
//! exactly the list [`ChannelVariables::of`] gives, in its order, by looping over it; none
//! derives a value itself. So the surfaces cannot drift apart again.
//!
//! The rules:
//! - **Names** depend only on the action: every action sets [`COMMON`]; widget and offer
//!   also set [`WIDGET`]; register also sets [`REGISTER`]; the list ends with
//!   `CBSTATUS_RESULT`. A variable not in an action's list is left as it was on the channel
//!   (an offer's `CBSTATUS_SLOTS` must survive the register that reads it).
//! - **Order**: as [`Variable::ALL`] lists them, `CBSTATUS_RESULT` **last**, so a script
//!   stopped half-way by a hang-up never leaves a `RESULT` beside missing details: an empty
//!   or stale `CBSTATUS_RESULT` means the request did not finish.
//! - **Values** are `""` when unknown or not answered. Nothing from the API reaches a
//!   dialplan raw: status, type and widget state are safe words (`[a-z0-9_]{1,32}` or
//!   `other`, see [`crate::token`]), the callback id is checked by
//!   [`crate::register::safe_callback_id`], prompts must all be names of
//!   `[A-Za-z0-9/_-]` (else the list is `""`), and every value is one line: control
//!   characters become spaces.
//! - **Locale**: the renderings speak the locale the channel's language asks for
//!   ([`Locale::for_language`]), else the result's configured locale.

use crate::speech::{Format, Locale, SpeechOptions};
use crate::widget::Choice;
use crate::{Action, LookupResult};

macro_rules! variables {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)+) => {
        /// One `CBSTATUS_*` channel variable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Variable {
            $($(#[$doc])* $variant,)+
        }

        impl Variable {
            /// Every variable, in the order they are set (`CBSTATUS_RESULT` last).
            pub const ALL: &'static [Variable] = &[$(Variable::$variant,)+];

            /// The channel variable's name, e.g. `CBSTATUS_TEXT`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Variable::$variant => $name,)+
                }
            }
        }
    };
}

variables! {
    /// The error's name after a failure (`timeout`, `http_status`, ...), else empty.
    Error = "CBSTATUS_ERROR",
    /// What to say, for a TTS engine (the fallback sentence after an error).
    Text = "CBSTATUS_TEXT",
    /// The same as an SSML document.
    Ssml = "CBSTATUS_SSML",
    /// `&`-joined sound files for `Playback()`.
    Prompts = "CBSTATUS_PROMPTS",
    /// Status of the soonest callback (a safe word).
    Status = "CBSTATUS_STATUS",
    /// `asap` or `scheduled` (a safe word).
    Type = "CBSTATUS_TYPE",
    /// Place in line, 1 = next.
    Position = "CBSTATUS_POSITION",
    /// Expected wait in seconds.
    WaitSeconds = "CBSTATUS_WAIT_SECONDS",
    /// Expected call time, Unix seconds.
    EstimatedFor = "CBSTATUS_ESTIMATED_FOR",
    /// How many callbacks the number has.
    Count = "CBSTATUS_COUNT",
    /// Widget and offer: the widget state (a safe word).
    WidgetState = "CBSTATUS_WIDGET_STATE",
    /// Widget and offer: `1` when ASAP callbacks are offered, `0` when not.
    OfferAsap = "CBSTATUS_OFFER_ASAP",
    /// Widget and offer: `1` when scheduled callbacks are offered, `0` when not.
    OfferScheduled = "CBSTATUS_OFFER_SCHEDULED",
    /// Widget and offer: the current estimated callback wait, seconds.
    EwtSeconds = "CBSTATUS_EWT_SECONDS",
    /// Widget and offer: `yes` when the menu has a choice, else `no`.
    Offer = "CBSTATUS_OFFER",
    /// Widget and offer: how many time slots the menu has.
    SlotCount = "CBSTATUS_SLOT_COUNT",
    /// Widget and offer: the menu's time slots, comma-separated Unix seconds, earliest first.
    Slots = "CBSTATUS_SLOTS",
    /// Widget and offer: what each key chooses, key 1 first (`asap` or Unix seconds).
    Menu = "CBSTATUS_MENU",
    /// Register: `REQUESTED`, `DUPLICATE`, `REFUSED`, `INVALID_CONTACT`, `INVALID_TIME`,
    /// `FAILED` or `ERROR`.
    RegisterResult = "CBSTATUS_REGISTER_RESULT",
    /// Register: Mindful's request id (safe characters only).
    CallbackId = "CBSTATUS_CALLBACK_ID",
    /// The outcome in one word ([`LookupResult::result_code`]). Always last.
    Result = "CBSTATUS_RESULT",
}

/// What every action sets (then `CBSTATUS_RESULT`).
pub const COMMON: &[Variable] = &[
    Variable::Error,
    Variable::Text,
    Variable::Ssml,
    Variable::Prompts,
    Variable::Status,
    Variable::Type,
    Variable::Position,
    Variable::WaitSeconds,
    Variable::EstimatedFor,
    Variable::Count,
];

/// What widget and offer requests set besides [`COMMON`].
pub const WIDGET: &[Variable] = &[
    Variable::WidgetState,
    Variable::OfferAsap,
    Variable::OfferScheduled,
    Variable::EwtSeconds,
    Variable::Offer,
    Variable::SlotCount,
    Variable::Slots,
    Variable::Menu,
];

/// What register requests set besides [`COMMON`].
pub const REGISTER: &[Variable] = &[Variable::RegisterResult, Variable::CallbackId];

/// The prefix every variable name has.
const PREFIX: &str = "CBSTATUS_";

impl Variable {
    /// The variable's field name: its name without `CBSTATUS_`, lower case (`text`), as
    /// `CBSTATUS(number,field)` takes it.
    pub fn field(self) -> String {
        self.name()[PREFIX.len()..].to_ascii_lowercase()
    }

    /// A variable by its name (`CBSTATUS_TEXT`) or field (`text`), in any case.
    pub fn named(name: &str) -> Option<Variable> {
        let name = name.trim();
        Variable::ALL.iter().copied().find(|v| {
            v.name().eq_ignore_ascii_case(name)
                || v.name()[PREFIX.len()..].eq_ignore_ascii_case(name)
        })
    }

    /// Whether a result of `action` sets this variable.
    pub fn set_for(self, action: Action) -> bool {
        self == Variable::Result
            || COMMON.contains(&self)
            || match action {
                Action::Widget | Action::Offer => WIDGET.contains(&self),
                Action::Register => REGISTER.contains(&self),
                Action::Status | Action::Cancel => false,
            }
    }
}

/// The channel variables of one result, in the order they are set, rendered in one locale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelVariables {
    locale: Locale,
    entries: Vec<(Variable, String)>,
}

impl ChannelVariables {
    /// The variables of `result`, rendered in the locale `language` asks for
    /// ([`Locale::for_language`]; `None`, or a language that names none: the result's own).
    pub fn of(result: &LookupResult, language: Option<&str>) -> ChannelVariables {
        let locale = language
            .and_then(Locale::for_language)
            .unwrap_or(result.speech_options().locale);
        let values = Values::new(result, locale);
        let entries = Variable::ALL
            .iter()
            .copied()
            .filter(|v| v.set_for(result.action()))
            .map(|v| (v, one_line(values.of(v))))
            .collect();
        ChannelVariables { locale, entries }
    }

    /// The locale the renderings speak.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// `(name, value)` in the order to set them (`CBSTATUS_RESULT` last).
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries
            .iter()
            .map(|(v, value)| (v.name(), value.as_str()))
    }

    /// The variables in order.
    pub fn entries(&self) -> &[(Variable, String)] {
        &self.entries
    }

    /// How many variables there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Never: every list ends with `CBSTATUS_RESULT`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `variable`, if this result sets it.
    pub fn get(&self, variable: Variable) -> Option<&str> {
        self.entries
            .iter()
            .find(|(v, _)| *v == variable)
            .map(|(_, value)| value.as_str())
    }
}

/// What the values are computed from.
struct Values<'a> {
    result: &'a LookupResult,
    options: SpeechOptions,
}

impl<'a> Values<'a> {
    fn new(result: &'a LookupResult, locale: Locale) -> Values<'a> {
        let options = SpeechOptions {
            locale,
            ..result.speech_options().clone()
        };
        Values { result, options }
    }

    fn render(&self, format: Format) -> String {
        self.result.render_with(format, &self.options)
    }

    /// The menu of a widget or offer answer (empty otherwise).
    fn menu(&self) -> Vec<Choice> {
        self.result
            .widget()
            .map(|w| w.menu(self.result.at()))
            .unwrap_or_default()
    }

    fn of(&self, variable: Variable) -> String {
        let r = self.result;
        let primary = r.primary();
        let widget = r.widget();
        let text = |v: Option<String>| v.unwrap_or_default();
        let flag = |on: bool| u8::from(on).to_string();
        match variable {
            Variable::Error => text(r.error().map(|e| e.kind().name().to_string())),
            Variable::Text => self.render(Format::Text),
            Variable::Ssml => self.render(Format::Ssml),
            Variable::Prompts => safe_prompts(self.render(Format::Prompts)),
            Variable::Status => text(
                primary
                    .and_then(|c| c.status.as_ref())
                    .map(|s| s.as_str().to_string()),
            ),
            Variable::Type => text(
                primary
                    .and_then(|c| c.kind.as_ref())
                    .map(|k| k.as_str().to_string()),
            ),
            Variable::Position => text(primary.and_then(|c| c.position).map(|p| p.to_string())),
            Variable::WaitSeconds => text(
                primary
                    .and_then(|c| c.wait)
                    .map(|w| w.as_secs().to_string()),
            ),
            Variable::EstimatedFor => text(
                primary
                    .and_then(|c| c.estimated_for)
                    .map(|t| t.as_second().to_string()),
            ),
            Variable::Count => r.count().to_string(),
            Variable::WidgetState => text(
                widget
                    .and_then(|w| w.state.as_ref())
                    .map(|s| s.as_str().to_string()),
            ),
            Variable::OfferAsap => text(widget.map(|w| flag(w.offer_asap))),
            Variable::OfferScheduled => text(widget.map(|w| flag(w.offer_scheduled))),
            Variable::EwtSeconds => {
                text(widget.and_then(|w| w.ewt).map(|d| d.as_secs().to_string()))
            }
            Variable::Offer => if self.menu().is_empty() { "no" } else { "yes" }.to_string(),
            Variable::SlotCount => slots(&self.menu()).len().to_string(),
            Variable::Slots => slots(&self.menu()).join(","),
            Variable::Menu => self
                .menu()
                .iter()
                .map(|c| match c {
                    Choice::At(t) => t.as_second().to_string(),
                    Choice::Asap => "asap".to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Variable::RegisterResult | Variable::Result => r.result_code().to_string(),
            Variable::CallbackId => text(
                r.registration()
                    .and_then(|reg| reg.callback_id.as_deref())
                    .and_then(crate::register::safe_callback_id),
            ),
        }
    }
}

/// The time slots of a menu, as Unix seconds.
fn slots(menu: &[Choice]) -> Vec<String> {
    menu.iter()
        .filter_map(|c| match c {
            Choice::At(t) => Some(t.as_second().to_string()),
            Choice::Asap => None,
        })
        .collect()
}

/// `prompts` if every `&`-separated name is made of `[A-Za-z0-9/_-]` (safe for `Playback()`
/// and a FreeSWITCH playlist), else `""`: a list the renderer never produces is not played
/// at all rather than in part.
fn safe_prompts(prompts: String) -> String {
    let safe = prompts.split('&').all(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    });
    if prompts.is_empty() || safe {
        prompts
    } else {
        String::new()
    }
}

/// `value` on one line: control characters (CR and LF above all, which end an AGI command or
/// a log line) become spaces.
fn one_line(value: String) -> String {
    if value.chars().any(char::is_control) {
        value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Error, ErrorKind};

    fn failed(action: Action) -> LookupResult {
        LookupResult::failed(
            action,
            Error::new(ErrorKind::Timeout, "slow"),
            &Config::new(),
        )
    }

    #[test]
    fn every_action_ends_with_the_result_and_sets_only_its_groups() {
        for action in [
            Action::Status,
            Action::Cancel,
            Action::Widget,
            Action::Offer,
            Action::Register,
        ] {
            let vars = ChannelVariables::of(&failed(action), None);
            let names: Vec<&str> = vars.iter().map(|(n, _)| n).collect();
            assert_eq!(names.last(), Some(&"CBSTATUS_RESULT"), "{action:?}");
            assert_eq!(vars.get(Variable::Result), Some("ERROR"));
            assert_eq!(vars.get(Variable::Error), Some("timeout"));
            let want = COMMON.len()
                + 1
                + match action {
                    Action::Widget | Action::Offer => WIDGET.len(),
                    Action::Register => REGISTER.len(),
                    _ => 0,
                };
            assert_eq!(vars.len(), want, "{action:?}");
            // In the declared order.
            let order: Vec<usize> = vars
                .entries()
                .iter()
                .map(|(v, _)| Variable::ALL.iter().position(|a| a == v).unwrap())
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{action:?}");
        }
        let offer = ChannelVariables::of(&failed(Action::Offer), None);
        assert_eq!(offer.get(Variable::Offer), Some("no"));
        assert_eq!(offer.get(Variable::SlotCount), Some("0"));
        assert_eq!(
            offer.get(Variable::OfferAsap),
            Some(""),
            "no answer: unknown"
        );
        let register = ChannelVariables::of(&failed(Action::Register), None);
        assert_eq!(register.get(Variable::RegisterResult), Some("ERROR"));
    }

    #[test]
    fn names_are_declared_once_and_fields_derive_from_them() {
        assert_eq!(Variable::ALL.len(), 21);
        assert_eq!(Variable::ALL.last(), Some(&Variable::Result));
        for v in Variable::ALL {
            assert!(v.name().starts_with(PREFIX));
            assert_eq!(Variable::named(v.name()), Some(*v));
            assert_eq!(Variable::named(&v.field()), Some(*v));
        }
        assert_eq!(Variable::WaitSeconds.field(), "wait_seconds");
        assert_eq!(Variable::named(" Text "), Some(Variable::Text));
        assert_eq!(Variable::named("nosuch"), None);
        assert_eq!(Variable::named("CBSTATUS_"), None);
    }

    #[test]
    fn the_channel_language_picks_the_locale() {
        let result = failed(Action::Status);
        let spanish = ChannelVariables::of(&result, Some("es_MX"));
        assert_eq!(spanish.locale(), Locale::ES_US);
        assert!(spanish.get(Variable::Ssml).unwrap().contains("es-US"));
        for (language, french) in [("fr", "Désolé"), ("fr_CA", "Désolé"), ("fr-CA", "Désolé")]
        {
            let vars = ChannelVariables::of(&result, Some(language));
            assert_eq!(vars.locale(), Locale::FR_CA, "{language}");
            assert!(vars.get(Variable::Text).unwrap().starts_with(french));
            assert!(vars
                .get(Variable::Ssml)
                .unwrap()
                .contains("xml:lang=\"fr-CA\""));
            assert!(vars.get(Variable::Prompts).unwrap().contains("cbstatus/"));
        }
        for language in [None, Some("en"), Some("de"), Some("\u{1b}[31m")] {
            let vars = ChannelVariables::of(&result, language);
            assert_eq!(vars.locale(), Locale::EN_US, "{language:?}");
            assert!(vars.get(Variable::Text).unwrap().starts_with("Sorry"));
        }
    }

    #[test]
    fn values_are_one_line_and_prompts_all_safe_or_none() {
        assert_eq!(one_line("a\nb\r\u{0}c".into()), "a b  c");
        assert_eq!(
            safe_prompts("digits/4&cbstatus/x-y".into()),
            "digits/4&cbstatus/x-y"
        );
        for bad in ["digits/4&../x y", "a&&b", "a;b", "${x}", "a\nb"] {
            assert_eq!(safe_prompts(bad.into()), "", "{bad:?}");
        }
        assert_eq!(safe_prompts(String::new()), "");
    }
}
