//! Fault injection: the `fault = { kind = ... }` tables of a scenarios file.
//!
//! | kind          | parameters                                             | effect |
//! |---------------|--------------------------------------------------------|--------|
//! | `delay`       | `ms`                                                   | wait, then answer normally |
//! | `hang`        |                                                        | read the request, never answer; the socket stays open until the client closes it or the simulator shuts down |
//! | `no_accept`   | `ms` (optional; default: until shutdown)               | close this connection unanswered and stop accepting new connections for `ms` (they wait in the kernel backlog: connect succeeds, nothing answers) |
//! | `slow_body`   | `interval_ms` (default 100), `bytes` (default 1)       | send the headers with the real `Content-Length`, then drip the body `bytes` bytes every `interval_ms` |
//! | `status`      | `code`, `body`, `content_type`, `retry_after` (all but `code` optional) | answer with that HTTP status |
//! | `malformed`   |                                                        | 200 with the real body truncated (invalid JSON) |
//! | `empty`       |                                                        | 200 with an empty body |
//! | `invalid_utf8`|                                                        | 200 with a body that is not UTF-8 |
//! | `huge`        | `bytes` (default 16 MiB)                               | 200 with a valid-looking JSON body of that size, streamed |
//! | `reset`       |                                                        | read the request, then close the socket with a TCP RST (SO_LINGER 0 where available) |
//! | `html`        |                                                        | 200 with a `text/html` page |
//! | `flaky`       | `fail_first` (N), `fault` (alias `then`; default status 503) | the first N requests get the inner fault, later ones succeed |
//!
//! A fault may also be written as a bare string (`fault = "hang"`) when it takes no parameters.

use super::http;
use super::server::{Action, Conn, Reply};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every fault kind a scenarios file may name.
pub(crate) const KINDS: &[&str] = &[
    "delay",
    "hang",
    "no_accept",
    "slow_body",
    "status",
    "malformed",
    "empty",
    "invalid_utf8",
    "huge",
    "reset",
    "html",
    "flaky",
];

/// Default size of a `huge` body.
const DEFAULT_HUGE_BYTES: u64 = 16 * 1024 * 1024;

/// One injected fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Delay {
        ms: u64,
    },
    Hang,
    NoAccept {
        ms: Option<u64>,
    },
    SlowBody {
        interval_ms: u64,
        bytes: usize,
    },
    Status {
        code: u16,
        body: Option<String>,
        content_type: Option<String>,
        retry_after: Option<String>,
    },
    Malformed,
    Empty,
    InvalidUtf8,
    Huge {
        bytes: u64,
    },
    Reset,
    Html,
    Flaky {
        fail_first: u64,
        then: Box<Fault>,
    },
}

impl Fault {
    /// Parses a fault table (or a bare kind string).
    pub(crate) fn parse(v: &Value) -> Result<Fault, String> {
        let empty = Map::new();
        let (kind, obj) = match v {
            Value::String(s) => (s.as_str(), &empty),
            Value::Object(o) => match o.get("kind") {
                Some(Value::String(k)) => (k.as_str(), o),
                Some(other) => return Err(format!("`kind` must be a string, got {other}")),
                None => return Err(format!("missing `kind` (one of: {})", KINDS.join(", "))),
            },
            other => {
                return Err(format!(
                    "must be a table like {{ kind = \"delay\", ms = 500 }} or a kind string, got {other}"
                ))
            }
        };
        let allowed: &[&str] = match kind {
            "delay" => &["ms"],
            "no_accept" => &["ms"],
            "slow_body" => &["interval_ms", "bytes"],
            "status" => &["code", "body", "content_type", "retry_after"],
            "huge" => &["bytes"],
            "flaky" => &["fail_first", "fault", "then"],
            "hang" | "malformed" | "empty" | "invalid_utf8" | "reset" | "html" => &[],
            other => {
                return Err(format!(
                    "unknown fault kind \"{other}\" (expected one of: {})",
                    KINDS.join(", ")
                ))
            }
        };
        for key in obj.keys() {
            if key != "kind" && !allowed.contains(&key.as_str()) {
                return Err(if allowed.is_empty() {
                    format!("fault kind \"{kind}\" takes no parameters, got `{key}`")
                } else {
                    format!(
                        "unknown key `{key}` for fault kind \"{kind}\" (allowed: {})",
                        allowed.join(", ")
                    )
                });
            }
        }
        Ok(match kind {
            "delay" => Fault::Delay {
                ms: req_u64(obj, "ms")?,
            },
            "hang" => Fault::Hang,
            "no_accept" => Fault::NoAccept {
                ms: opt_u64(obj, "ms")?,
            },
            "slow_body" => {
                let bytes = opt_u64(obj, "bytes")?.unwrap_or(1);
                if bytes == 0 {
                    return Err("slow_body: `bytes` must be at least 1".into());
                }
                Fault::SlowBody {
                    interval_ms: opt_u64(obj, "interval_ms")?.unwrap_or(100),
                    bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
                }
            }
            "status" => {
                let code = req_u64(obj, "code")?;
                if !(200..=999).contains(&code) {
                    return Err(format!(
                        "status: `code` must be an HTTP status 200..=999, got {code}"
                    ));
                }
                Fault::Status {
                    code: code as u16,
                    body: opt_str(obj, "body")?,
                    content_type: opt_str(obj, "content_type")?,
                    retry_after: match obj.get("retry_after") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(Value::Number(n)) => Some(n.to_string()),
                        Some(other) => {
                            return Err(format!(
                                "status: `retry_after` must be a string or a number, got {other}"
                            ))
                        }
                    },
                }
            }
            "malformed" => Fault::Malformed,
            "empty" => Fault::Empty,
            "invalid_utf8" => Fault::InvalidUtf8,
            "huge" => Fault::Huge {
                bytes: opt_u64(obj, "bytes")?.unwrap_or(DEFAULT_HUGE_BYTES),
            },
            "reset" => Fault::Reset,
            "html" => Fault::Html,
            "flaky" => {
                let fail_first = req_u64(obj, "fail_first")?;
                let inner = match (obj.get("fault"), obj.get("then")) {
                    (Some(_), Some(_)) => {
                        return Err(
                            "flaky: give the inner fault as `fault` or `then`, not both".into()
                        )
                    }
                    (Some(v), None) | (None, Some(v)) => {
                        Fault::parse(v).map_err(|e| format!("flaky: inner fault: {e}"))?
                    }
                    (None, None) => Fault::Status {
                        code: 503,
                        body: None,
                        content_type: None,
                        retry_after: None,
                    },
                };
                Fault::Flaky {
                    fail_first,
                    then: Box::new(inner),
                }
            }
            _ => unreachable!("kind validated above"),
        })
    }

    /// The fault that applies to this request, if any. `counter` counts the requests seen by
    /// this fault's owner (a number, a widget or the whole server) and only matters for `flaky`.
    pub(crate) fn resolve<'a>(&'a self, counter: &AtomicU64) -> Option<&'a Fault> {
        match self {
            Fault::Flaky { fail_first, then } => {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if n < *fail_first {
                    match then.as_ref() {
                        // A nested flaky fault would need its own counter; treat it as its inner fault.
                        Fault::Flaky { then, .. } => Some(then),
                        f => Some(f),
                    }
                } else {
                    None
                }
            }
            f => Some(f),
        }
    }
}

fn opt_u64(obj: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a non-negative integer, got {n}")),
        Some(other) => Err(format!(
            "`{key}` must be a non-negative integer, got {other}"
        )),
    }
}

fn req_u64(obj: &Map<String, Value>, key: &str) -> Result<u64, String> {
    opt_u64(obj, key)?.ok_or_else(|| format!("missing `{key}`"))
}

fn opt_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, got {other}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Applying faults to a request
// ---------------------------------------------------------------------------------------------

/// The `html` fault's page (what a proxy or captive portal might send).
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>\n<body><h1>Service Temporarily Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>\n";
/// The `invalid_utf8` fault's body.
const INVALID_UTF8: &[u8] =
    b"{\"data\":[{\"status\":\"waitlisted\xff\xfe\",\"type\":\"ASAP\xc3\x28\"}]}";

impl Conn<'_> {
    /// Faults that act before the normal answer is computed. `delay` sleeps and returns `None`;
    /// answer-transforming faults return `None` and are applied by [`Conn::post_fault`].
    pub(super) fn pre_fault(&mut self, f: &Fault) -> Option<Action> {
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
    pub(super) fn post_fault(&mut self, f: &Fault, reply: &mut Reply) {
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
