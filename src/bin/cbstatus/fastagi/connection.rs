//! One FastAGI connection: its AGI environment, read within one deadline (the lookup timeout,
//! from the moment it was accepted) and the size caps; then the call, or, beyond
//! `--max-calls`, the fallback with `CBSTATUS_ERROR=busy`.

use super::calllog::CallRecord;
use super::deadline::{Deadline, DeadlineReader};
use super::prefetch;
use super::profiles::{Profile, ProfileSet};
use super::{request_from, Server};
use crate::agi::journey;
use crate::agi::protocol::{AgiEnv, Conversation, ReplyBounds};
use crate::agi::session::{self, Request};
use cbstatus::log::Level;
use cbstatus::speech::Locale;
use cbstatus::stats::RejectReason;
use cbstatus::{Action, Error, ErrorKind, LookupResult};
use std::io::BufReader;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

impl Server {
    /// Serve the connection accepted at `accepted` until its call is over.
    pub fn serve(&self, stream: TcpStream, accepted: Instant) {
        let stream = Arc::new(stream);
        // The settings of the whole call: a reload during it does not change them.
        let set = self.current();
        let timeout = set.default_profile().config.timeout;
        let deadline = Deadline::at(accepted + timeout);
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
                    self.log
                        .event(Level::Info, &format!("connection closed: {e}"));
                    return;
                }
            }
        };
        let running = self.calls.admit();
        let started = Instant::now();
        let bounds = ReplyBounds::for_timeout(timeout);
        let _ = stream.set_write_timeout(Some(bounds.command));
        let _ = stream.set_nodelay(true);
        let request = request_from(&env);
        if let Some(why) = &request.journey.invalid {
            // A dialplan mistake (an unknown action, a bad slot): say where, once per call.
            let script = env.get("agi_network_script").unwrap_or("");
            let script: String = script
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            self.log.event(
                Level::Warn,
                &format!("agi://.../{script}: {why}; no request sent"),
            );
        }
        let mut conversation = Conversation::with_timer(input, &*stream, deadline, bounds);
        if prefetch::is_prefetch(&env) {
            match prefetch::serve(&mut conversation, &set, &env, &request) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => self.log.event(Level::Info, &format!("prefetch: {e}")),
                Err(e) => self.log.event(Level::Info, &format!("call ended: {e}")),
            }
            return;
        }
        // One record per request: the menu makes two (the offer, then the registration).
        let perform = |request: &Request| {
            let (profile, result) = self.result(&set, &env, request, running.busy());
            self.log.call(&CallRecord {
                call_id: env.get("agi_uniqueid"),
                profile: &profile.name,
                result: &result,
                duration: started.elapsed(),
            });
            result
        };
        if let Err(e) = journey::serve(&mut conversation, &request, perform) {
            self.log.event(Level::Info, &format!("call ended: {e}"));
        }
    }

    /// The lookup the environment asks for with the profile it names, or the fallback
    /// (busy, unknown profile, no client), counted in that profile's stats.
    fn result<'s>(
        &self,
        set: &'s ProfileSet,
        env: &AgiEnv,
        request: &Request,
        busy: bool,
    ) -> (&'s Arc<Profile>, LookupResult) {
        let started = Instant::now();
        let (profile, failure) = match set.select(request.profile.as_deref()) {
            // Counted with the default profile: a name from the dialplan is no label.
            Err(unknown) => (set.default_profile(), Some(unknown)),
            Ok(profile) if busy => {
                profile.stats.record_rejected(RejectReason::Busy);
                let error = Error::new(
                    ErrorKind::Busy,
                    format!(
                        "the FastAGI server is at its limit of {} concurrent calls \
                         (--max-calls): raise it, or add a server",
                        self.calls.max_calls()
                    ),
                );
                (profile, Some(error))
            }
            Ok(profile) => (profile, None),
        };
        // A request the client makes is counted by the client; any other outcome here.
        let by_client = failure.is_none()
            && profile.client.is_ok()
            && request.journey.invalid.is_none()
            && (matches!(request.action, Action::Widget | Action::Offer)
                || request.number(env).is_some());
        let mut result = match failure {
            Some(error) => LookupResult::failed(request.action, error, &profile.config),
            None => session::perform(profile.client.as_ref(), &profile.config, env, request),
        };
        if !by_client {
            profile.stats.record_request(
                result.action(),
                result.request_result(),
                result.error(),
                started.elapsed(),
            );
        }
        if let Some(name) = &request.locale {
            match Locale::parse(name) {
                Ok(locale) => result.set_locale(locale),
                Err(unknown) => self.log.event(Level::Warn, &unknown.to_string()),
            }
        }
        (profile, result)
    }
}
