//! The HTTP, authentication and reply stages: a `callback_status` request as the client sends
//! it (for the `--number` given, else a probe number no one has), first without the token,
//! then with it; then what the reply holds, field names and vocabulary only (the body itself
//! is never printed).

use super::net::open;
use super::route::{io_why, set_deadline, Conn, Route};
use super::settings::Loaded;
use super::{clean, Stage, Verdict};
use cbstatus::number::NumberFormat;
use cbstatus::{CallbackStatus, CallbackType, PhoneNumber};
use serde_json::Value;
use std::time::Instant;

/// The number asked for without `--number`: a fictional one (555-0100..0199), so the API
/// answers "no callback" and only the path, the token and the reply's shape are checked.
pub const PROBE_NUMBER: &str = "+15555550100";

/// Largest reply read.
const MAX_REPLY: usize = 1024 * 1024;

/// The fields of a `callback_status` entry that Mindful documents (shared/mindful-api.md).
pub const DOCUMENTED_FIELDS: [&str; 11] = [
    "contact_uri",
    "callback_number",
    "call_request_id",
    "type",
    "created_at",
    "estimated_for",
    "forecast_waitlist_position",
    "estimated_wait_time",
    "source",
    "call_target_id",
    "status",
];

/// An HTTP answer: its status, head fields and body.
pub struct Reply {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn keep_alive(&self) -> bool {
        !self
            .header("connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("close"))
    }
}

/// The first configured number format (the raw `number_format` text, a list or one name).
pub fn first_format(loaded: &Loaded) -> NumberFormat {
    loaded
        .raw
        .get("number_format")
        .and_then(Value::as_str)
        .and_then(|t| t.split(',').next())
        .and_then(|t| NumberFormat::parse(t).ok())
        .unwrap_or_default()
}

pub fn check(
    loaded: &Loaded,
    mut route: Route,
    number: Option<&str>,
    stages: &mut Vec<Stage>,
) -> Option<()> {
    let config = &loaded.config;
    let url = config.require_api_url().ok()?;
    let path = url
        .callback_status()
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_else(|| "/".to_string());
    let number =
        PhoneNumber::parse(number.unwrap_or(PROBE_NUMBER), &config.default_country).ok()?;
    let contact = number.formatted(first_format(loaded), &config.default_country);
    let body = serde_json::json!({ "contact_number": contact }).to_string();
    let token = config.api_token.as_ref().map(|t| {
        let value = if config.auth_scheme.is_empty() {
            t.expose().to_string()
        } else {
            format!("{} {}", config.auth_scheme, t.expose())
        };
        (config.auth_header.clone(), value)
    });

    // HTTP: the request without the token.
    let started = Instant::now();
    let mut conn = route.first.take()?;
    let anonymous = match exchange(conn.as_mut(), &route, &path, &body, None) {
        Ok(reply) => reply,
        Err(why) => {
            stages.push(
                Stage::fail(
                    "http",
                    format!("POST {}: {why}", clean(&path, 200)),
                    "the server accepted the connection but did not answer HTTP in time: check \
                     api_url (scheme and port) and any proxy in between",
                )
                .timed(started),
            );
            return None;
        }
    };
    let server = anonymous.header("server").map(|s| clean(s, 80));
    let keep_alive = anonymous.keep_alive();
    let content_type = anonymous
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let summary = format!(
        "HTTP {} {}, server {}, keep-alive {}",
        anonymous.status,
        clean(&anonymous.reason, 60),
        server.as_deref().unwrap_or("(none)"),
        if keep_alive { "yes" } else { "no" }
    );
    let failure: Option<(String, String)> = if content_type.contains("html") {
        Some((
            format!("an HTML page answered ({summary}), not the API"),
            "something other than the Mindful API answers at api_url: a login page, a corporate \
             proxy's or a load balancer's error page. Copy the organization endpoint URL from \
             the Mindful UI (Scheduler > API > API Endpoints) and check the proxy settings"
                .to_string(),
        ))
    } else {
        match anonymous.status {
            200..=299 | 401 | 403 => None,
            404 => Some((
                format!("{summary} for POST {}", clean(&path, 200)),
                "the URL path is not an organization endpoint: copy api_url from the Mindful UI \
                 with its /api/organization/<id> part (a URL copied without the organization \
                 id, or with another organization's id, answers 404)"
                    .to_string(),
            )),
            300..=399 => Some((
                format!(
                    "{summary}, redirected to {}",
                    clean(anonymous.header("location").unwrap_or("?"), 200)
                ),
                "use the URL the server redirects to as api_url (cbstatus never follows a \
                 redirect: the token would go along to another host)"
                    .to_string(),
            )),
            405 => Some((
                summary.clone(),
                "the URL names another endpoint: api_url must be the organization URL \
                 (.../api/organization/<id>, optionally with /callback_status)"
                    .to_string(),
            )),
            500..=599 => Some((
                summary.clone(),
                "the API fails on its side: retry later; if it persists, ask Mindful support \
                 with the time of this check"
                    .to_string(),
            )),
            _ => Some((
                summary.clone(),
                "the API refused the request: check api_url and number_format".to_string(),
            )),
        }
    };
    let stage = match failure {
        Some((detail, fix)) => Stage::fail("http", detail, fix),
        None => Stage::ok("http", summary),
    }
    .fact("status", anonymous.status)
    .fact("server", server)
    .fact("keep_alive", keep_alive)
    .fact("content_type", clean(&content_type, 80))
    .timed(started);
    let failed = stage.verdict == Verdict::Fail;
    stages.push(stage);
    if failed {
        return None;
    }

    // Authentication: without and with the token.
    let started = Instant::now();
    let refused = matches!(anonymous.status, 401 | 403);
    let with_token = match &token {
        None => None,
        Some((name, value)) => {
            let again = if keep_alive { Ok(conn) } else { open(&route) };
            let result = again
                .and_then(|mut c| exchange(c.as_mut(), &route, &path, &body, Some((name, value))));
            match result {
                Ok(reply) => Some(reply),
                Err(_) => {
                    // A kept-alive connection may have been closed by the server: once more.
                    match open(&route).and_then(|mut c| {
                        exchange(c.as_mut(), &route, &path, &body, Some((name, value)))
                    }) {
                        Ok(reply) => Some(reply),
                        Err(why) => {
                            stages.push(
                                Stage::fail(
                                    "authentication",
                                    format!("the request with the token got no answer: {why}"),
                                    "the server answered without the token but not with it: \
                                     check auth_header (a header the server or a proxy chokes on)",
                                )
                                .timed(started),
                            );
                            return None;
                        }
                    }
                }
            }
        }
    };
    let header = &config.auth_header;
    let (verdict, detail, fix): (Verdict, String, Option<String>) = match (&with_token, refused) {
        (None, false) => (
            Verdict::Ok,
            "no token needed (no token configured)".into(),
            None,
        ),
        (None, true) => (
            Verdict::Fail,
            format!(
                "token needed but absent (HTTP {} without a token)",
                anonymous.status
            ),
            Some(
                "set api_token (CBSTATUS_API_TOKEN) to the organization's API Access Token from \
                 the Mindful UI"
                    .into(),
            ),
        ),
        (Some(r), _) if matches!(r.status, 401 | 403) => (
            Verdict::Fail,
            format!(
                "token refused (HTTP {} with the token in {header}, HTTP {} without)",
                r.status, anonymous.status
            ),
            Some(format!(
                "the token or the way it is sent is wrong: compare api_token with the Mindful UI, \
                 and set auth_header / auth_scheme as the Mindful UI's example cURL sends it \
                 (now: {header}: {} <token>)",
                if config.auth_scheme.is_empty() {
                    "(bare)"
                } else {
                    &config.auth_scheme
                }
            )),
        ),
        (Some(r), true) if (200..300).contains(&r.status) => (
            Verdict::Ok,
            format!(
                "token accepted (HTTP {} without it, {} with it)",
                anonymous.status, r.status
            ),
            None,
        ),
        (Some(r), false) if (200..300).contains(&r.status) => (
            Verdict::Ok,
            "no token needed (the API answers without it; the token is sent and accepted)".into(),
            None,
        ),
        (Some(r), _) => (
            Verdict::Fail,
            format!("HTTP {} with the token", r.status),
            Some("the API answers differently with the token: check auth_header".into()),
        ),
    };
    let mut stage = Stage::new("authentication", verdict, detail)
        .fact("without_token", anonymous.status)
        .fact("with_token", with_token.as_ref().map(|r| r.status))
        .fact("token", if token.is_some() { "present" } else { "absent" })
        .timed(started);
    stage.fix = fix;
    stages.push(stage);
    if verdict == Verdict::Fail {
        return None;
    }
    let reply = with_token.unwrap_or(anonymous);
    stages.push(reply_stage(loaded, &reply));
    Some(())
}

/// The reply: documented fields present, unknown field names, `status`/`type` values.
fn reply_stage(loaded: &Loaded, reply: &Reply) -> Stage {
    let started = Instant::now();
    let zone = loaded
        .config
        .timezone
        .iana_name()
        .unwrap_or("a fixed offset")
        .to_string();
    let Ok(json) = serde_json::from_slice::<Value>(&reply.body) else {
        return Stage::fail(
            "reply",
            format!("the reply ({} bytes) is not JSON", reply.body.len()),
            "something other than the Mindful API answers at api_url: copy the URL from the \
             Mindful UI",
        )
        .timed(started);
    };
    let Some(data) = json.get("data").and_then(Value::as_array) else {
        return Stage::fail(
            "reply",
            "the reply has no \"data\" list",
            "api_url is not the callback_status endpoint of an organization: copy it from the \
             Mindful UI",
        )
        .timed(started);
    };
    let mut present = Vec::new();
    let mut unknown = Vec::new();
    let mut statuses = Vec::new();
    let mut types = Vec::new();
    for entry in data.iter().filter_map(Value::as_object) {
        for (name, value) in entry {
            let name = clean(name, 64);
            if DOCUMENTED_FIELDS.contains(&name.as_str()) {
                if !present.contains(&name) {
                    present.push(name.clone());
                }
            } else if !unknown.contains(&name) && unknown.len() < 32 {
                unknown.push(name.clone());
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if name == "status" {
                let known = !matches!(CallbackStatus::parse(&text), Some(CallbackStatus::Other(_)));
                let seen = (clean(&text, 40), known);
                if !statuses.contains(&seen) {
                    statuses.push(seen);
                }
            } else if name == "type" {
                let known = !matches!(CallbackType::parse(&text), Some(CallbackType::Other(_)));
                let seen = (clean(&text, 40), known);
                if !types.contains(&seen) {
                    types.push(seen);
                }
            }
        }
    }
    let words = |seen: &[(String, bool)]| {
        seen.iter()
            .map(|(v, known)| {
                format!(
                    "{v:?} ({})",
                    if *known {
                        "known"
                    } else {
                        "unknown to cbstatus"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut detail = if data.is_empty() {
        "no callback for this number (\"data\" is empty); pass --number with a caller that has a callback to see its fields".to_string()
    } else {
        let missing: Vec<&str> = DOCUMENTED_FIELDS
            .iter()
            .copied()
            .filter(|f| !present.iter().any(|p| p == f))
            .collect();
        format!(
            "{} entries; documented fields present: {}; missing: {}; unknown fields: {}; status {}; type {}",
            data.len(),
            present.join(" "),
            if missing.is_empty() { "none".to_string() } else { missing.join(" ") },
            if unknown.is_empty() { "none".to_string() } else { unknown.join(" ") },
            if statuses.is_empty() { "none".to_string() } else { words(&statuses) },
            if types.is_empty() { "none".to_string() } else { words(&types) },
        )
    };
    detail.push_str(&format!("; clock times said in {zone}"));
    let odd = statuses.iter().chain(&types).any(|(_, known)| !known);
    let mut stage = Stage::new(
        "reply",
        if odd { Verdict::Warn } else { Verdict::Ok },
        detail,
    );
    if odd {
        stage = stage.with_fix(
            "a status or type cbstatus does not know is spoken from the other fields only; \
             report the value (not the number) so it can be added",
        );
    }
    let values = |seen: &[(String, bool)]| {
        seen.iter()
            .map(|(v, k)| serde_json::json!({"value": v, "known": k}))
            .collect::<Vec<_>>()
    };
    stage
        .fact("entries", data.len())
        .fact("documented_present", present)
        .fact("unknown_fields", unknown)
        .fact("status_values", values(&statuses))
        .fact("type_values", values(&types))
        .fact("timezone", zone)
        .timed(started)
}

/// Send one `callback_status` request on `conn` and read the answer, within one deadline.
fn exchange(
    conn: &mut dyn Conn,
    route: &Route,
    path: &str,
    body: &str,
    auth: Option<(&String, &String)>,
) -> Result<Reply, String> {
    let until = Instant::now() + route.deadline;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nAccept: application/json\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        route.authority,
        cbstatus::mindful::USER_AGENT,
        body.len()
    );
    if let Some((name, value)) = auth {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    set_deadline(conn.tcp(), until)?;
    conn.write_all(head.as_bytes())
        .and_then(|_| conn.flush())
        .map_err(|e| io_why(&e, route.deadline))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err("the answer's head is longer than 64 KiB".into());
        }
        set_deadline(conn.tcp(), until)
            .map_err(|_| format!("no answer within {} ms", route.deadline.as_millis()))?;
        match conn.read(&mut chunk) {
            Ok(0) if buf.is_empty() => {
                return Err("the server closed the connection without answering".into())
            }
            Ok(0) => return Err("the server closed the connection mid-answer".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(io_why(&e, route.deadline)),
        }
    };
    let text = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
        return Err(format!("not an HTTP answer: {:?}", clean(status_line, 60)));
    };
    let reason = parts.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut reply = Reply {
        status,
        reason,
        headers,
        body: buf[head_end..].to_vec(),
    };
    let chunked = reply
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = reply
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    // Read the body: by length, chunked to its last chunk, or to the close.
    loop {
        let done = match (chunked, length) {
            (true, _) => dechunk(&reply.body).is_some(),
            (false, Some(n)) => reply.body.len() >= n,
            (false, None) => false,
        };
        if done || reply.body.len() > MAX_REPLY {
            break;
        }
        set_deadline(conn.tcp(), until).map_err(|_| {
            format!(
                "the body did not arrive within {} ms",
                route.deadline.as_millis()
            )
        })?;
        match conn.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => reply.body.extend_from_slice(&chunk[..n]),
            Err(e)
                if length.is_none()
                    && !chunked
                    && e.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break
            }
            Err(e) => return Err(format!("reading the body: {}", io_why(&e, route.deadline))),
        }
    }
    if chunked {
        reply.body = dechunk(&reply.body).unwrap_or_default();
    } else if let Some(n) = length {
        reply.body.truncate(n);
    }
    Ok(reply)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A whole chunked body decoded, or `None` while its last chunk has not arrived.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
