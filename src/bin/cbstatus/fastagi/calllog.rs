//! What the FastAGI server writes to stderr (the journal under systemd): `--log-format text`
//! (the default: the lines it always wrote) or `json` (one object per line, for a log
//! pipeline). A call's line holds its Asterisk call id (`agi_uniqueid`), profile, action,
//! the number masked to its last 4 digits, result, error name, duration and the upstream HTTP
//! status; never the token, never a full number.

use cbstatus::log::{masked, Level};
use cbstatus::LookupResult;
use serde_json::json;
use std::io::Write;
use std::time::Duration;

/// `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `cbstatus fastagi: ...` lines (errors and events only).
    #[default]
    Text,
    /// One JSON object per line, one per call and per event.
    Json,
}

/// Longest call id kept (Asterisk's are like `1700000000.123`).
const MAX_CALL_ID: usize = 64;

/// One finished call.
pub struct CallRecord<'a> {
    /// `agi_uniqueid`.
    pub call_id: Option<&'a str>,
    pub profile: &'a str,
    pub result: &'a LookupResult,
    pub duration: Duration,
}

/// Writes log lines in one format.
#[derive(Clone, Copy, Debug)]
pub struct Log {
    pub format: LogFormat,
}

impl Log {
    /// A server event (listening, reload, shutdown, a library warning).
    pub fn event(&self, level: Level, message: &str) {
        let line = match self.format {
            LogFormat::Text => format!("cbstatus fastagi: {message}"),
            LogFormat::Json => json!({
                "time": now(),
                "level": level.as_str(),
                "message": message,
            })
            .to_string(),
        };
        write_line(&line);
    }

    /// A finished call: a JSON line for every call; in text, a line for a failed one.
    pub fn call(&self, record: &CallRecord<'_>) {
        if let Some(line) = self.call_line(record) {
            write_line(&line);
        }
    }

    fn call_line(&self, record: &CallRecord<'_>) -> Option<String> {
        let result = record.result;
        let error = result.error();
        match self.format {
            LogFormat::Text => error.map(|e| format!("cbstatus fastagi: {e}")),
            LogFormat::Json => {
                let level = if error.is_some() {
                    Level::Warn
                } else {
                    Level::Info
                };
                let call_id = record
                    .call_id
                    .map(|id| id.chars().take(MAX_CALL_ID).collect::<String>());
                Some(
                    json!({
                        "time": now(),
                        "level": level.as_str(),
                        "call_id": call_id,
                        "profile": record.profile,
                        "action": result.action().as_str(),
                        "number": result.number().map(|n| masked(n.as_str())),
                        "result": result.result_code().to_ascii_lowercase(),
                        "error": error.map(|e| e.kind().name()),
                        "duration_ms": u64::try_from(record.duration.as_millis()).unwrap_or(u64::MAX),
                        "upstream_status": result.upstream_status(),
                    })
                    .to_string(),
                )
            }
        }
    }
}

/// Now as RFC 3339 UTC with milliseconds.
fn now() -> String {
    let now = jiff::Timestamp::now();
    format!("{:.3}", now)
}

fn write_line(line: &str) {
    // One write of the whole line under the lock: lines of concurrent calls never interleave.
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(format!("{line}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use cbstatus::{Action, Config, Error, ErrorKind, PhoneNumber};

    #[test]
    fn json_lines_mask_the_number_and_name_the_error() {
        let config = Config::new();
        let number = PhoneNumber::parse("+15551230001", &config.default_country).unwrap();
        let result = LookupResult::new(
            Action::Status,
            Some(number),
            Err(Error::new(ErrorKind::Timeout, "slow")),
            jiff::Timestamp::now(),
            &config,
        );
        let record = CallRecord {
            call_id: Some("1700000000.1"),
            profile: "sales",
            result: &result,
            duration: Duration::from_millis(812),
        };
        let json = Log {
            format: LogFormat::Json,
        }
        .call_line(&record)
        .unwrap();
        assert!(!json.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["call_id"], "1700000000.1");
        assert_eq!(v["profile"], "sales");
        assert_eq!(v["action"], "status");
        assert_eq!(v["number"], "…0001");
        assert_eq!(v["result"], "error");
        assert_eq!(v["error"], "timeout");
        assert_eq!(v["duration_ms"], 812);
        assert_eq!(v["level"], "warn");
        assert!(v["upstream_status"].is_null());
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        assert!(!json.contains("5551230001"));
        let text = Log {
            format: LogFormat::Text,
        }
        .call_line(&record)
        .unwrap();
        assert!(text.starts_with("cbstatus fastagi: ") && text.contains("slow"));
    }
}
