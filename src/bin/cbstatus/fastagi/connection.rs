//! One FastAGI connection: its AGI environment, read within one deadline (the lookup timeout,
//! from the moment it was accepted) and the size caps; then the call, or, beyond
//! `--max-calls`, the fallback with `CBSTATUS_ERROR=busy`.

use super::deadline::{Deadline, DeadlineReader};
use super::{request_from, Server};
use crate::agi::protocol::{AgiEnv, Conversation, ReplyBounds};
use crate::agi::session::{self, Request};
use cbstatus::speech::Locale;
use cbstatus::{Error, ErrorKind, LookupResult};
use std::io::BufReader;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

impl Server {
    /// Serve the connection accepted at `accepted` until its call is over.
    pub fn serve(&self, stream: TcpStream, accepted: Instant) {
        let stream = Arc::new(stream);
        let deadline = Deadline::at(accepted + self.config.timeout);
        let mut input = BufReader::new(DeadlineReader::new(&stream, deadline.clone()));
        let env = {
            // Not a call until the environment is complete: a connection that never finishes
            // it holds no call slot and is closed at the deadline, or at shutdown.
            let Some(_pending) = self.calls.pending(&stream) else {
                return;
            };
            match AgiEnv::read(&mut input) {
                Ok(env) => env,
                Err(e) => {
                    eprintln!("cbstatus fastagi: connection closed: {e}");
                    return;
                }
            }
        };
        let running = self.calls.admit();
        let bounds = ReplyBounds::for_timeout(self.config.timeout);
        let _ = stream.set_write_timeout(Some(bounds.command));
        let _ = stream.set_nodelay(true);
        let request = request_from(&env);
        let result = self.result(&env, &request, running.busy());
        let mut conversation = Conversation::with_timer(input, &*stream, deadline, bounds);
        if let Err(e) = session::deliver(&mut conversation, &result, request.play) {
            eprintln!("cbstatus fastagi: call ended: {e}");
        }
    }

    /// The lookup the environment asks for, or the `busy` fallback.
    fn result(&self, env: &AgiEnv, request: &Request, busy: bool) -> LookupResult {
        let mut result = if busy {
            let error = Error::new(
                ErrorKind::Busy,
                format!(
                    "the FastAGI server is at its limit of {} concurrent calls \
                     (--max-calls): raise it, or add a server",
                    self.calls.max_calls()
                ),
            );
            LookupResult::failed(request.action, error, &self.config)
        } else {
            session::perform(self.client.as_ref(), &self.config, env, request)
        };
        if let Some(name) = &request.locale {
            match Locale::parse(name) {
                Ok(locale) => result.set_locale(locale),
                Err(unknown) => eprintln!("cbstatus fastagi: {unknown}"),
            }
        }
        if let Some(error) = result.error() {
            eprintln!("cbstatus fastagi: {error}");
        }
        result
    }
}
