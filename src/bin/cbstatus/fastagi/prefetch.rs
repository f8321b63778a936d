//! `AGI(agi://host:4573/cbstatus/prefetch[,NUMBER])`: start the caller's lookup and answer at
//! once, so it runs while the greeting plays; a later `agi://host/cbstatus` in the same call
//! (same FastAGI server, same profile) joins it or takes its answer (`cb_client_prefetch`).
//! Sets `CBSTATUS_PREFETCH` to `STARTED` (also when one was already running, or when
//! `prefetch_max` were running and it was ignored: the later lookup then does the work) or
//! `ERROR`, and `CBSTATUS_ERROR` to the error name (empty when started).

use super::profiles::ProfileSet;
use crate::agi::protocol::{quote, AgiEnv, Conversation, ReplyTimer};
use crate::agi::session::Request;
use cbstatus::{Error, ErrorKind};
use std::io::{self, BufRead, Write};

/// The last segment of the script path that asks for a prefetch.
pub const PATH: &str = "prefetch";

/// The script path asks for a prefetch (`.../cbstatus/prefetch[?...]`).
pub fn is_prefetch(env: &AgiEnv) -> bool {
    let script = env.get("agi_network_script").unwrap_or("");
    let path = script.split_once('?').map_or(script, |(p, _)| p);
    path.trim_matches('/').rsplit('/').next() == Some(PATH)
}

/// Start the prefetch the request asks for and tell the dialplan.
pub fn serve<R: BufRead, W: Write, T: ReplyTimer>(
    conversation: &mut Conversation<R, W, T>,
    set: &ProfileSet,
    env: &AgiEnv,
    request: &Request,
) -> io::Result<Result<(), Error>> {
    let started = (|| {
        let profile = set.select(request.profile.as_deref())?;
        let client = profile.client.as_ref().map_err(Clone::clone)?;
        let number = request.number(env).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidNumber,
                "no caller number: the caller id is unknown or restricted",
            )
        })?;
        client.prefetch(number)
    })();
    let (outcome, error) = match &started {
        Ok(()) => ("STARTED", String::new()),
        Err(e) => ("ERROR", e.kind().name().to_string()),
    };
    for (name, value) in [("CBSTATUS_PREFETCH", outcome), ("CBSTATUS_ERROR", &error)] {
        if conversation
            .command(&format!("SET VARIABLE {name} {}", quote(value)))?
            .is_none()
        {
            break;
        }
    }
    Ok(started)
}
