//! Applying a fault to a connection: what each [`Fault`] does to the request being served,
//! before the answer is computed ([`Conn::pre_fault`]: wait, hang, reset, stop accepting, or a
//! scripted status) or to the answer itself ([`Conn::post_fault`]: truncate, empty, replace,
//! inflate, drip).
//!
//! Beside the server because it acts on the server's connection and answer; what a fault *is*
//! (its kinds, parameters and parsing) is data, in `faults.rs`.

use super::{Action, Conn, Reply};
use crate::faults::Fault;
use crate::http;
use std::borrow::Cow;
use std::time::Duration;

/// The `html` fault's page (what a proxy or captive portal might send).
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>\n";
/// The `invalid_utf8` fault's body.
const INVALID_UTF8: &[u8] =
    b"{\"data\":[{\"status\":\"waitlisted\xff\xfe\",\"type\":\"ASAP\xc3\x28\"}]}";

impl Conn<'_> {
    /// Faults that act before the normal answer is computed. `delay` sleeps and returns `None`;
    /// answer-transforming faults return `None` and are applied by [`Conn::post_fault`].
    pub(crate) fn pre_fault(&mut self, f: &Fault) -> Option<Action> {
        match f {
            Fault::Delay { ms } => {
                if !self.shared.stop.sleep(Duration::from_millis(*ms)) {
                    return Some(Action::Close);
                }
                None
            }
            Fault::Hang => Some(Action::Hang),
            Fault::Reset => Some(Action::Reset),
            Fault::NoAccept { ms } => Some(Action::NoAccept(*ms)),
            Fault::Status {
                code,
                body,
                content_type,
                retry_after,
            } => {
                self.body.clear();
                let mut reply = Reply::json(*code);
                match body {
                    Some(b) => {
                        self.body.extend_from_slice(b.as_bytes());
                        if content_type.is_none() && b.trim_start().starts_with('<') {
                            reply.content_type = Cow::Borrowed("text/html; charset=utf-8");
                        }
                    }
                    None => http::error_body(
                        &mut self.body,
                        http::reason(*code),
                        "fault injected by the cbstatus simulator",
                    ),
                }
                if let Some(ct) = content_type {
                    reply.content_type = Cow::Owned(ct.clone());
                }
                reply.retry_after.clone_from(retry_after);
                Some(Action::Reply(reply))
            }
            _ => None,
        }
    }

    /// Faults that transform the answer.
    pub(crate) fn post_fault(&mut self, f: &Fault, reply: &mut Reply) {
        match f {
            Fault::Malformed => {
                reply.status = 200;
                reply.content_type = Cow::Borrowed("application/json");
                if self.body.len() < 4 {
                    self.body.clear();
                    self.body.extend_from_slice(b"{\"data\":[{\"status\":\"wai");
                } else {
                    let keep = (self.body.len() / 2).max(1);
                    self.body.truncate(keep);
                }
            }
            Fault::Empty => {
                reply.status = 200;
                self.body.clear();
            }
            Fault::InvalidUtf8 => {
                reply.status = 200;
                reply.content_type = Cow::Borrowed("application/json");
                self.body.clear();
                self.body.extend_from_slice(INVALID_UTF8);
            }
            Fault::Huge { bytes } => {
                reply.status = 200;
                reply.content_type = Cow::Borrowed("application/json");
                reply.huge = Some(*bytes);
            }
            Fault::Html => {
                reply.status = 200;
                reply.content_type = Cow::Borrowed("text/html; charset=utf-8");
                self.body.clear();
                self.body.extend_from_slice(HTML_PAGE.as_bytes());
            }
            Fault::SlowBody { interval_ms, bytes } => {
                reply.drip = Some((Duration::from_millis(*interval_ms), (*bytes).max(1)));
            }
            _ => {}
        }
    }
}
