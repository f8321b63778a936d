//! One call: make the request, set the channel variables, optionally play the prompts.
//! Shared by the classic AGI program and the FastAGI server. The request's journey options
//! ([`Journey`]) are data of the request, declared here; `journey.rs` plays the interaction.

use super::protocol::{quote, AgiEnv, Conversation, Reply, ReplyTimer};
use cbstatus::register::appointment_from_unix;
use cbstatus::speech::Format;
use cbstatus::{
    Action, ChannelVariables, Client, Config, Error, ErrorKind, LookupResult, RegisterRequest,
};
use std::io::{self, BufRead, Write};

/// What the dialplan asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub action: Action,
    /// The number to look up; `None` means the caller's own (from the AGI environment).
    pub number: Option<String>,
    /// Widget id for `Action::Widget` (else the configured one).
    pub widget_id: Option<String>,
    /// Stream the prompts to the caller after setting the variables.
    pub play: bool,
    /// Speak in this locale instead of the configured one (FastAGI `?locale=`; the classic
    /// AGI takes `--locale`).
    pub locale: Option<String>,
    /// The configuration profile to serve the call with (FastAGI `?profile=`; the classic
    /// AGI takes `--profile`).
    pub profile: Option<String>,
    /// Offer and register options.
    pub journey: Journey,
}

/// The journey options of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journey {
    /// `register --at UNIX`: the appointment.
    pub at: Option<i64>,
    /// `register --slot N`: the N-th of `CBSTATUS_SLOTS` (from 1).
    pub slot: Option<u32>,
    /// `offer --menu`: the whole interaction in one call.
    pub menu: bool,
    /// Why the request cannot be sent (a slot that is not in `CBSTATUS_SLOTS`, a bad time).
    pub invalid: Option<String>,
}

impl Request {
    /// The number: an explicit one (if not blank), else the caller id from the environment.
    pub fn number<'a>(&'a self, env: &'a AgiEnv) -> Option<&'a str> {
        self.number
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| env.caller_number())
    }
}

/// Do the request. `client` is `Err` when configuration failed: the call still gets the
/// fallback (and `CBSTATUS_ERROR` says why).
pub fn perform(
    client: Result<&Client, &Error>,
    config: &Config,
    env: &AgiEnv,
    request: &Request,
) -> LookupResult {
    let client = match client {
        Ok(client) => client,
        Err(error) => return LookupResult::failed(request.action, error.clone(), config),
    };
    match request.action {
        Action::Widget => return client.widget(request.widget_id.as_deref()),
        Action::Offer => return client.offer(request.widget_id.as_deref()),
        _ => {}
    }
    if let Some(why) = &request.journey.invalid {
        let error = Error::new(ErrorKind::InvalidArgument, why.clone());
        return LookupResult::failed(request.action, error, config);
    }
    let Some(number) = request.number(env) else {
        let error = Error::new(
            ErrorKind::InvalidNumber,
            "no caller number: the caller id is unknown or restricted",
        );
        return LookupResult::failed(request.action, error, config);
    };
    match request.action {
        Action::Cancel => client.cancel_callback(number),
        Action::Register => {
            let appointment = match request.journey.at.map(appointment_from_unix) {
                None => None,
                Some(Some(at)) => Some(at),
                Some(None) => {
                    let error = Error::new(
                        ErrorKind::InvalidArgument,
                        "the appointment must be a Unix time in seconds",
                    );
                    return LookupResult::failed(request.action, error, config);
                }
            };
            client.register(
                number,
                RegisterRequest {
                    widget_id: request.widget_id.clone(),
                    appointment,
                    ..RegisterRequest::default()
                },
            )
        }
        _ => client.status(number),
    }
}

/// Set every variable of the library's list ([`ChannelVariables`]: its names, order and
/// values, `CBSTATUS_RESULT` last), strictly one command, then its reply; then play the
/// prompts if asked and the caller is still there. Returns when done or when Asterisk goes away.
pub fn deliver<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    result: &LookupResult,
    play: bool,
) -> io::Result<()> {
    for (name, value) in ChannelVariables::of(result, None).iter() {
        let line = format!("SET VARIABLE {name} {}", quote(value));
        match conversation.command(&line)? {
            None => return Ok(()),
            Some(Reply::Success { .. } | Reply::DeadChannel) => {}
            Some(other) => eprintln!("cbstatus agi: SET VARIABLE {name} answered {other:?}"),
        }
    }
    if play && !conversation.hung_up() {
        for prompt in result
            .render(Format::Prompts)
            .split('&')
            .filter(|p| !p.is_empty())
        {
            match conversation.stream_file(prompt)? {
                Some(Reply::Success { result, .. }) if result >= 0 => {}
                _ => break, // hung up or failed: stop playing
            }
            if conversation.hung_up() {
                break;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_of_a_failure() {
        let config = Config::new();
        let result = LookupResult::failed(
            Action::Status,
            Error::new(ErrorKind::Timeout, "slow"),
            &config,
        );
        let vars = ChannelVariables::of(&result, None);
        let get = |n: &str| vars.iter().find(|(k, _)| *k == n).map(|(_, v)| v);
        assert_eq!(get("CBSTATUS_RESULT"), Some("ERROR"));
        assert_eq!(get("CBSTATUS_ERROR"), Some("timeout"));
        assert_eq!(get("CBSTATUS_COUNT"), Some("0"));
        assert_eq!(get("CBSTATUS_POSITION"), Some(""));
        assert!(!get("CBSTATUS_TEXT").unwrap().is_empty());
    }
}
