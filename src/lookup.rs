//! A finished request (a status lookup, a cancel, a widget check or offer, a registration): the number asked
//! about, what the API said (or why it failed), and everything needed to render it in any
//! format and locale.

use crate::action::Action;
use crate::cancel::CancelOutcome;
use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::number::PhoneNumber;
use crate::register::Registration;
use crate::speech::{self, Format, Locale, Outcome, SpeechOptions};
use crate::stats::RequestResult;
use crate::status::{Callback, StatusReport};
use crate::widget::{Choice, WidgetStatus};

mod requests;

/// What the API answered, per action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The callbacks of the number (possibly none).
    Status(StatusReport),
    /// The result of a cancel request.
    Cancel(CancelOutcome),
    /// The widget's availability and wait.
    Widget(WidgetStatus),
    /// The answer to a registration.
    Register(Registration),
}
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The outcome of one lookup. A failed lookup is still a result: it renders the fallback
/// sentence, so an IVR always has something to say.
#[derive(Debug, Clone)]
pub struct LookupResult {
    action: Action,
    number: Option<PhoneNumber>,
    outcome: Result<Answer, Error>,
    at: Timestamp,
    timezone: TimeZone,
    speech: SpeechOptions,
    /// HTTP status of the API reply this result came from (`None`: none, e.g. from the cache).
    upstream_status: Option<u16>,
}

impl LookupResult {
    /// Assemble a result (for callers that did the HTTP part themselves).
    pub fn new(
        action: Action,
        number: Option<PhoneNumber>,
        outcome: Result<Answer, Error>,
        at: Timestamp,
        config: &Config,
    ) -> LookupResult {
        LookupResult {
            action,
            number,
            outcome,
            at,
            timezone: config.timezone.clone(),
            speech: config.speech.clone(),
            upstream_status: None,
        }
    }

    /// This result, answered by a reply with HTTP status `status` (`None`: no reply).
    pub(crate) fn with_upstream_status(mut self, status: Option<u16>) -> LookupResult {
        self.upstream_status = status;
        self
    }

    /// The HTTP status of the API reply this result came from: `None` when no request was
    /// made for it (answered from the cache or by the breaker, bad number) or none answered.
    pub fn upstream_status(&self) -> Option<u16> {
        self.upstream_status
    }

    /// A result for a request that could not even start (bad number, no configuration).
    pub fn failed(action: Action, error: Error, config: &Config) -> LookupResult {
        LookupResult::new(action, None, Err(error), Timestamp::now(), config)
    }

    /// Which request this answers.
    pub fn action(&self) -> Action {
        self.action
    }

    /// What the API answered, when it did.
    pub fn answer(&self) -> Option<&Answer> {
        self.outcome.as_ref().ok()
    }

    /// The cancel result, for a cancel request that got an answer.
    pub fn cancel_outcome(&self) -> Option<&CancelOutcome> {
        match self.answer()? {
            Answer::Cancel(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The widget status, for a widget request that got an answer.
    pub fn widget(&self) -> Option<&WidgetStatus> {
        match self.answer()? {
            Answer::Widget(widget) => Some(widget),
            _ => None,
        }
    }

    /// The registration, for a register request that got an answer.
    pub fn registration(&self) -> Option<&Registration> {
        match self.answer()? {
            Answer::Register(registration) => Some(registration),
            _ => None,
        }
    }

    /// The E.164 number looked up, if the input was a valid number.
    pub fn number(&self) -> Option<&PhoneNumber> {
        self.number.as_ref()
    }

    /// The callback report, for a status lookup that got an answer.
    pub fn report(&self) -> Option<&StatusReport> {
        match self.answer()? {
            Answer::Status(report) => Some(report),
            _ => None,
        }
    }

    /// Why the lookup failed, if it did.
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().err()
    }

    /// The API answered and at least one callback exists.
    pub fn found(&self) -> bool {
        self.report().is_some_and(StatusReport::found)
    }

    /// The callback the message is about (the soonest one).
    pub fn primary(&self) -> Option<&Callback> {
        self.report().and_then(StatusReport::primary)
    }

    /// How many callbacks exist (0 when not found or failed).
    pub fn count(&self) -> usize {
        self.report().map_or(0, StatusReport::count)
    }

    /// When the lookup was made; "today" and "tomorrow" are relative to it.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    /// The zone clock times are said in.
    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// The speech options this result renders with by default.
    pub fn speech_options(&self) -> &SpeechOptions {
        &self.speech
    }

    /// Speak this result in `locale` from now on (e.g. the caller's channel language).
    pub fn set_locale(&mut self, locale: Locale) {
        self.speech.locale = locale;
    }

    /// Render in `format` with this result's own speech options.
    pub fn render(&self, format: Format) -> String {
        self.render_with(format, &self.speech)
    }

    /// Render in `format` and another locale. An unknown locale renders in English and
    /// returns an [`ErrorKind::UnknownLocale`] error alongside.
    pub fn render_in(&self, format: Format, locale: &str) -> (String, Option<Error>) {
        let (locale, warning) = match Locale::parse(locale) {
            Ok(locale) => (locale, None),
            Err(unknown) => (
                Locale::default(),
                Some(Error::new(ErrorKind::UnknownLocale, unknown.to_string())),
            ),
        };
        let options = SpeechOptions {
            locale,
            ..self.speech.clone()
        };
        (self.render_with(format, &options), warning)
    }

    /// The prompts as a FreeSWITCH `file_string://` playlist over `sound_dir` (the layout of
    /// `cbstatus prompts generate --layout freeswitch`), in `locale` (`None`: the result's
    /// own). An unknown locale plays English and returns an [`ErrorKind::UnknownLocale`]
    /// warning alongside; a bad `sound_dir` is an [`ErrorKind::InvalidArgument`] error.
    pub fn freeswitch_playlist(
        &self,
        locale: Option<&str>,
        sound_dir: &str,
    ) -> Result<(String, Option<Error>), Error> {
        let dir = speech::check_sound_dir(sound_dir)?;
        let (locale, warning) = match locale.map(Locale::parse) {
            None => (self.speech.locale, None),
            Some(Ok(locale)) => (locale, None),
            Some(Err(unknown)) => (Locale::default(), Some(unknown.to_error())),
        };
        let options = SpeechOptions {
            locale,
            ..self.speech.clone()
        };
        let message = speech::decide(&self.speech_outcome(), self.at, &self.timezone, &options);
        let names = speech::prompt_names(&message, locale);
        Ok((speech::freeswitch_playlist(&names, locale, dir), warning))
    }

    /// Render in `format` with explicit speech options.
    pub fn render_with(&self, format: Format, options: &SpeechOptions) -> String {
        speech::speak(
            &self.speech_outcome(),
            self.at,
            &self.timezone,
            options,
            format,
        )
    }

    /// What speech should talk about.
    fn speech_outcome(&self) -> Outcome<'_> {
        match (&self.outcome, self.action) {
            (Ok(Answer::Status(report)), _) => Outcome::Status {
                report,
                number: self.number.as_ref(),
            },
            (Ok(Answer::Cancel(outcome)), _) => Outcome::Cancel(outcome),
            (Ok(Answer::Widget(widget)), Action::Offer) => Outcome::Offer(widget),
            (Ok(Answer::Widget(widget)), _) => Outcome::Widget(widget),
            (Ok(Answer::Register(registration)), _) => Outcome::Register {
                registration,
                number: self.number.as_ref(),
            },
            (Err(_), Action::Status) => Outcome::Failed,
            (Err(_), Action::Cancel) => Outcome::CancelFailed,
            (Err(_), Action::Widget | Action::Offer) => Outcome::WidgetFailed,
            (Err(error), Action::Register) => Outcome::RegisterFailed {
                maybe_sent: crate::register::maybe_sent(error),
            },
        }
    }
}

impl LookupResult {
    /// A JSON object with every field, the error (if any) and all three renderings, in this
    /// result's locale or `locale`. Returns the [`ErrorKind::UnknownLocale`] warning alongside
    /// when `locale` is unknown (the renderings are then English).
    pub fn to_json(&self, locale: Option<&str>) -> (String, Option<Error>) {
        let (options, warning) = match locale.map(Locale::parse) {
            None => (self.speech.clone(), None),
            Some(Ok(locale)) => (
                SpeechOptions {
                    locale,
                    ..self.speech.clone()
                },
                None,
            ),
            Some(Err(unknown)) => (
                SpeechOptions {
                    locale: Locale::default(),
                    ..self.speech.clone()
                },
                Some(Error::new(ErrorKind::UnknownLocale, unknown.to_string())),
            ),
        };
        let result = self.result_name();
        let callbacks: Vec<serde_json::Value> = self
            .report()
            .map(|r| {
                r.callbacks
                    .iter()
                    .map(|c| callback_json(c, &self.timezone))
                    .collect()
            })
            .unwrap_or_default();
        let value = serde_json::json!({
            "action": self.action.as_str(),
            "number": self.number.as_ref().map(PhoneNumber::as_str),
            "result": result,
            "found": self.found(),
            "count": self.count(),
            "callback": callbacks.first(),
            "callbacks": callbacks,
            "locale": options.locale.tag(),
            "timezone": self.timezone.iana_name(),
            "looked_up_at": self.at.as_second(),
            "text": self.render_with(Format::Text, &options),
            "ssml": self.render_with(Format::Ssml, &options),
            "prompts": self.render_with(Format::Prompts, &options),
            "cancel": self.cancel_outcome().map(CancelOutcome::as_str),
            "widget": self.widget().map(|w| serde_json::json!({
                "state": w.state.as_ref().map(|s| s.as_str()),
                "callbacks_available": w.callbacks_available(),
                "offer_asap": w.offer_asap,
                "offer_scheduled": w.offer_scheduled,
                "ewt_seconds": w.ewt.map(|d| d.as_secs()),
                "timeslots": w.timeslots.iter().map(|t| t.as_second()).collect::<Vec<_>>(),
                "offer": w.offers(self.at),
                "menu": w.menu(self.at).iter().map(|c| match c {
                    Choice::Asap => serde_json::json!("asap"),
                    Choice::At(t) => serde_json::json!(t.as_second()),
                }).collect::<Vec<_>>(),
            })),
            "register_outcome": self.registration().map(|r| r.outcome.as_str()),
            "callback_id": self.registration().and_then(|r| r.callback_id.as_deref()),
            "error": self.error().map(|e| serde_json::json!({
                "code": e.code(),
                "name": e.kind().name(),
                "message": e.to_string(),
                "http_status": e.http_status(),
            })),
        });
        (value.to_string(), warning)
    }
}

impl LookupResult {
    /// The outcome in one word, as the AGI `CBSTATUS_RESULT` variable says it:
    /// status: `FOUND` / `NOT_FOUND`; cancel: `CANCELED` / `NOT_FOUND` / `TOO_MANY` / `FAILED`;
    /// widget and offer: `AVAILABLE` / `UNAVAILABLE`; register: `REQUESTED` / `DUPLICATE` /
    /// `REFUSED` / `INVALID_CONTACT` / `INVALID_TIME` / `FAILED`; any failed request: `ERROR`.
    pub fn result_code(&self) -> &'static str {
        match self.answer() {
            None => "ERROR",
            Some(Answer::Status(report)) if report.found() => "FOUND",
            Some(Answer::Status(_)) => "NOT_FOUND",
            Some(Answer::Cancel(CancelOutcome::Canceled)) => "CANCELED",
            Some(Answer::Cancel(CancelOutcome::NotFound)) => "NOT_FOUND",
            Some(Answer::Cancel(CancelOutcome::TooMany)) => "TOO_MANY",
            Some(Answer::Cancel(CancelOutcome::Failed)) => "FAILED",
            Some(Answer::Widget(w)) if w.callbacks_available() => "AVAILABLE",
            Some(Answer::Widget(_)) => "UNAVAILABLE",
            Some(Answer::Register(r)) => r.outcome.code_name(),
        }
    }

    /// How the request ended, as the client's counters ([`crate::stats`]) label it.
    pub fn request_result(&self) -> RequestResult {
        match self.answer() {
            None => RequestResult::Error,
            Some(Answer::Status(report)) if !report.found() => RequestResult::NotFound,
            Some(Answer::Cancel(CancelOutcome::NotFound)) => RequestResult::NotFound,
            Some(_) => RequestResult::Found,
        }
    }

    /// [`LookupResult::result_code`] in lower case, for JSON.
    fn result_name(&self) -> String {
        self.result_code().to_ascii_lowercase()
    }
}

/// One callback as JSON: canonical values only (lower-case status/type, numbers, times).
fn callback_json(c: &Callback, tz: &TimeZone) -> serde_json::Value {
    let local = |t: Option<Timestamp>| t.map(|t| t.to_zoned(tz.clone()).to_string());
    serde_json::json!({
        "status": c.status.as_ref().map(|s| s.as_str()),
        "type": c.kind.as_ref().map(|k| k.as_str()),
        "position": c.position,
        "wait_seconds": c.wait.map(|w| w.as_secs()),
        "estimated_for": c.estimated_for.map(|t| t.as_second()),
        "estimated_for_local": local(c.estimated_for),
        "created_at": c.created_at.map(|t| t.as_second()),
        "callback_number": c.callback_number,
        "request_id": c.request_id,
        "call_target_id": c.call_target_id,
        "source": c.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(action: Action, outcome: Result<Answer, Error>) -> LookupResult {
        LookupResult::new(action, None, outcome, Timestamp::now(), &Config::new())
    }

    #[test]
    fn request_results_label_the_counters() {
        let found = Answer::Status(StatusReport {
            callbacks: vec![Callback::default()],
        });
        let none = Answer::Status(StatusReport::default());
        let slow = Error::new(ErrorKind::Timeout, "slow");
        for (action, outcome, label) in [
            (Action::Status, Ok(found), RequestResult::Found),
            (Action::Status, Ok(none), RequestResult::NotFound),
            (Action::Status, Err(slow.clone()), RequestResult::Error),
            (
                Action::Cancel,
                Ok(Answer::Cancel(CancelOutcome::NotFound)),
                RequestResult::NotFound,
            ),
            (
                Action::Cancel,
                Ok(Answer::Cancel(CancelOutcome::Failed)),
                RequestResult::Found,
            ),
            (Action::Register, Err(slow), RequestResult::Error),
        ] {
            assert_eq!(
                result(action, outcome.clone()).request_result(),
                label,
                "{action:?} {outcome:?}"
            );
        }
    }
}
