//! The callback journey in AGI and FastAGI: `--action offer` (with `--menu`, the whole
//! interaction in one call) and `--action register [--at UNIX | --slot N]`.
//!
//! - `offer` sets `CBSTATUS_OFFER` (`yes`/`no`), `CBSTATUS_SLOTS` (the time slots of the menu,
//!   comma-separated Unix seconds, earliest first), `CBSTATUS_SLOT_COUNT`, `CBSTATUS_MENU`
//!   (what each key chooses, key 1 first: `asap` or Unix seconds), and what to say.
//! - `register --slot N` registers the N-th entry of the channel's `CBSTATUS_SLOTS` (from 1),
//!   read with `GET VARIABLE`: the slot the caller heard, not one a later widget check lists.
//!   It sets `CBSTATUS_REGISTER_RESULT` (`REQUESTED`, `DUPLICATE`, `REFUSED`,
//!   `INVALID_CONTACT`, `INVALID_TIME`, `FAILED`, or `ERROR` when no answer came back) and
//!   `CBSTATUS_CALLBACK_ID` (safe characters only). Only the fixed vocabulary reaches the
//!   dialplan; a Mindful status never does.
//! - `offer --menu`, for PBXs without TTS: plays the offer and menu prompts (a key press
//!   interrupts them), waits for a key ([`DIGIT_TIMEOUT`]), plays them once more if none (or an
//!   invalid one) came, registers the chosen option, plays the confirmation and sets the
//!   variables of both steps. No valid key: `CBSTATUS_REGISTER_RESULT` is empty.

use super::protocol::{quote, Conversation, Reply, ReplyTimer};
use super::session::{self, Journey, Request};
use cbstatus::speech::Format;
use cbstatus::widget::Choice;
use cbstatus::{Action, LookupResult, Variable};
use std::io::{self, BufRead, Write};
use std::time::Duration;

/// How long the menu waits for a key after its prompts, per attempt.
pub const DIGIT_TIMEOUT: Duration = Duration::from_secs(5);

/// One `WAIT FOR DIGIT` at most this long, so that every command stays within its reply
/// bound (the lookup timeout plus a margin) however short the timeout is configured.
const DIGIT_STEP: Duration = Duration::from_millis(1000);

/// How many times the menu is played before giving up.
const MENU_ATTEMPTS: usize = 2;

/// Serve one call: the journey actions that need the conversation (`--slot`, `--menu`),
/// or `perform` then [`session::deliver`].
pub fn serve<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    request: &Request,
    perform: impl Fn(&Request) -> LookupResult,
) -> io::Result<()> {
    match (request.action, &request.journey) {
        (Action::Register, Journey { slot: Some(n), .. }) => {
            let slots = get_variable(conversation, Variable::Slots.name())?;
            let request = with_slot(request, &slots.unwrap_or_default(), *n);
            session::deliver(conversation, &perform(&request), request.play)
        }
        (Action::Offer, Journey { menu: true, .. }) => menu(conversation, request, perform),
        _ => session::deliver(conversation, &perform(request), request.play),
    }
}

/// `request` with its slot resolved against `slots` (`CBSTATUS_SLOTS`) into an appointment,
/// or marked invalid.
fn with_slot(request: &Request, slots: &str, n: u32) -> Request {
    let list: Vec<&str> = slots
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut resolved = request.clone();
    let chosen = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| list.get(i));
    match chosen.map(|t| t.parse::<i64>()) {
        Some(Ok(at)) if at > 0 => resolved.journey.at = Some(at),
        _ => {
            resolved.journey.invalid = Some(format!(
                "slot {n} is not one of the {} entries of CBSTATUS_SLOTS; run --action offer first",
                list.len()
            ))
        }
    }
    resolved.journey.slot = None;
    resolved
}

/// The whole interaction: offer, menu, key, register, confirmation.
fn menu<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    request: &Request,
    perform: impl Fn(&Request) -> LookupResult,
) -> io::Result<()> {
    let offer = perform(request);
    let choices = offer
        .widget()
        .map(|w| w.menu(offer.at()))
        .unwrap_or_default();
    // Nothing to choose: say why (unavailable, or the check failed) and stop.
    session::deliver(conversation, &offer, choices.is_empty())?;
    if choices.is_empty() || conversation.hung_up() {
        return Ok(());
    }
    // The register step's variables are empty until a key is chosen (see the module doc).
    for variable in cbstatus::channel::REGISTER {
        set(conversation, variable.name(), "")?;
    }
    let keys: String = (1..=choices.len()).map(|k| k.to_string()).collect();
    let prompts = offer.render(Format::Prompts);
    let mut chosen = None;
    for _ in 0..MENU_ATTEMPTS {
        let key = match play_until_key(conversation, &prompts, &keys)? {
            Some(key) => Some(key),
            None if conversation.hung_up() => return Ok(()),
            None => wait_for_key(conversation, DIGIT_TIMEOUT)?,
        };
        if conversation.hung_up() {
            return Ok(());
        }
        if let Some(index) = key.and_then(|k| keys.find(k)) {
            chosen = Some(choices[index]);
            break;
        }
    }
    let Some(choice) = chosen else {
        return Ok(());
    };
    let mut register = request.clone();
    register.action = Action::Register;
    register.journey = Journey {
        at: match choice {
            Choice::Asap => None,
            Choice::At(t) => Some(t.as_second()),
        },
        ..Journey::default()
    };
    session::deliver(conversation, &perform(&register), true)
}

/// `SET VARIABLE name value`.
fn set<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    name: &str,
    value: &str,
) -> io::Result<()> {
    let line = format!("SET VARIABLE {name} {}", quote(value));
    conversation.command(&line).map(|_| ())
}

/// `GET VARIABLE name`: its value, `None` when unset (or Asterisk went away).
fn get_variable<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    name: &str,
) -> io::Result<Option<String>> {
    Ok(
        match conversation.command(&format!("GET VARIABLE {name}"))? {
            Some(Reply::Success { result: 1, rest }) => {
                let value = rest.trim();
                let value = value
                    .strip_prefix('(')
                    .and_then(|v| v.strip_suffix(')'))
                    .unwrap_or(value);
                Some(value.to_string())
            }
            _ => None,
        },
    )
}

/// Play `prompts` (`&`-joined); a key in `keys` interrupts them. The key pressed, if any.
fn play_until_key<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    prompts: &str,
    keys: &str,
) -> io::Result<Option<char>> {
    for prompt in prompts.split('&').filter(|p| !p.is_empty()) {
        match conversation.stream_file_until(prompt, keys)? {
            Some(Reply::Success { result, .. }) if result > 0 => return Ok(key_of(result)),
            Some(Reply::Success { result: 0, .. }) => {}
            _ => return Ok(None), // hung up or failed
        }
        if conversation.hung_up() {
            return Ok(None);
        }
    }
    Ok(None)
}

/// `WAIT FOR DIGIT`, in steps of at most [`DIGIT_STEP`], for up to `total`.
fn wait_for_key<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    total: Duration,
) -> io::Result<Option<char>> {
    let mut left = total;
    while !left.is_zero() {
        let step = left.min(DIGIT_STEP);
        left -= step;
        match conversation.command(&format!("WAIT FOR DIGIT {}", step.as_millis()))? {
            Some(Reply::Success { result, .. }) if result > 0 => return Ok(key_of(result)),
            Some(Reply::Success { result: 0, .. }) => {}
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// The key of an AGI digit result (its ASCII code).
fn key_of(result: i64) -> Option<char> {
    u8::try_from(result)
        .ok()
        .map(char::from)
        .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            action: Action::Register,
            number: None,
            widget_id: None,
            play: false,
            locale: None,
            profile: None,
            journey: Journey {
                slot: Some(2),
                ..Journey::default()
            },
        }
    }

    #[test]
    fn slots_resolve_from_the_channel_variable() {
        let r = with_slot(&request(), "1767225600,1767229200", 2);
        assert_eq!((r.journey.at, r.journey.invalid), (Some(1767229200), None));
        for (slots, n) in [("1767225600", 2), ("", 1), ("a,b", 1), ("1767225600", 0)] {
            let r = with_slot(&request(), slots, n);
            assert!(
                r.journey.at.is_none() && r.journey.invalid.is_some(),
                "{slots} {n}"
            );
        }
        assert_eq!(key_of(i64::from(b'3')), Some('3'));
        assert_eq!(key_of(-1), None);
    }
}
