//! What a fault is: the `fault = { kind = ... }` tables of a scenarios file, parsed into
//! [`Fault`] values, and which of them applies to a request ([`Fault::resolve`], for `flaky`).
//!
//! Data only: this module knows nothing of sockets or answers. Applying a fault to a
//! connection is the server's job (`server/inject.rs`), so a new kind is one entry in
//! [`KINDS`], one variant and its parsing here, and its effect there. The kinds, their
//! parameters and effects are documented once, in the crate documentation's *Faults* table
//! (checked against [`KINDS`] by the unit tests).

use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// Every fault kind a scenarios file may name, with the parameters it takes (besides `kind`):
/// parsing checks kinds and keys against this list, and its errors name them from it.
pub(crate) const KINDS: &[(&str, &[&str])] = &[
    ("delay", &["ms"]),
    ("hang", &[]),
    ("no_accept", &["ms"]),
    ("slow_body", &["interval_ms", "bytes"]),
    ("status", &["code", "body", "content_type", "retry_after"]),
    ("malformed", &[]),
    ("empty", &[]),
    ("invalid_utf8", &[]),
    ("huge", &["bytes"]),
    ("reset", &[]),
    ("html", &[]),
    ("flaky", &["fail_first", "fault", "then"]),
];

/// The kind names, for error messages: `delay, hang, ...`.
fn kind_names() -> String {
    let names: Vec<&str> = KINDS.iter().map(|(kind, _)| *kind).collect();
    names.join(", ")
}

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
                None => return Err(format!("missing `kind` (one of: {})", kind_names())),
            },
            other => {
                return Err(format!(
                    "must be a table like {{ kind = \"delay\", ms = 500 }} or a kind string, got {other}"
                ))
            }
        };
        let Some(&(kind, allowed)) = KINDS.iter().find(|(name, _)| *name == kind) else {
            return Err(format!(
                "unknown fault kind \"{kind}\" (expected one of: {})",
                kind_names()
            ));
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
            _ => unreachable!("every kind of KINDS is parsed above"),
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
