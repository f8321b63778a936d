//! Routing: the Mindful endpoints, authentication and the scripted answers.

use super::http::{self, Head};
use super::registry::Decision;
use super::scenarios::{NotFound, Reply as Scripted};
use super::server::{lock, Action, Conn, Reply};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

/// The JSON body of `callback_status`, `cancel_callback` and `request_callback` requests.
#[derive(Deserialize)]
struct ContactBody {
    #[serde(default)]
    contact_number: Option<Value>,
    #[serde(default)]
    appointment_time: Option<Value>,
}

impl Conn<'_> {
    pub(super) fn handle(&mut self, head: &Head) -> Action {
        let shared = self.shared;
        let settings = &shared.scenarios.settings;
        self.body.clear();

        // The server-wide fault comes first: it models the server (or the network) as a whole.
        let global = settings
            .fault
            .as_ref()
            .and_then(|f| f.resolve(&shared.global_counter));
        if let Some(f) = global {
            if let Some(action) = self.pre_fault(f) {
                return action;
            }
        }
        let mut action = self.route(head);
        if let (Some(f), Action::Reply(reply)) = (global, &mut action) {
            self.post_fault(f, reply);
        }
        action
    }

    fn route(&mut self, head: &Head) -> Action {
        let shared = self.shared;
        let settings = &shared.scenarios.settings;
        let buf = std::mem::take(&mut self.buf);
        let method = head.method(&buf);
        let mut path = head.path(&buf);
        if path.len() > 1 {
            path = path.strip_suffix('/').unwrap_or(path);
        }
        let body = &buf[head.len..head.len + head.content_length];

        let action = if !self.authorized(head, &buf) {
            let status = settings.auth_failure_status;
            http::error_body(
                &mut self.body,
                if status == 403 {
                    "Forbidden"
                } else {
                    "Unauthorized"
                },
                "missing or invalid API access token",
            );
            Action::Reply(Reply::json(status))
        } else if let Some(rest) = path.strip_prefix("/api/organization/") {
            match rest.split_once('/') {
                Some((org, op @ ("callback_status" | "cancel_callback"))) => {
                    if org != settings.organization {
                        self.not_found("OrganizationNotFound", "unknown organization id")
                    } else if method != "POST" {
                        self.method_not_allowed("POST")
                    } else if op == "callback_status" {
                        self.number_request(body, false)
                    } else {
                        self.number_request(body, true)
                    }
                }
                _ => self.not_found("NotFound", "no such endpoint"),
            }
        } else if let Some(rest) = path.strip_prefix("/api/widget/") {
            match rest.split_once('/') {
                None if !rest.is_empty() => {
                    if method != "GET" {
                        self.method_not_allowed("GET")
                    } else {
                        self.widget_request(rest, None)
                    }
                }
                Some((id, "request_callback")) if !id.is_empty() => {
                    if method != "POST" {
                        self.method_not_allowed("POST")
                    } else {
                        self.widget_request(id, Some(body))
                    }
                }
                _ => self.not_found("NotFound", "no such endpoint"),
            }
        } else {
            self.not_found("NotFound", "no such endpoint")
        };
        self.buf = buf;
        action
    }

    fn authorized(&self, head: &Head, buf: &[u8]) -> bool {
        let settings = &self.shared.scenarios.settings;
        let Some(token) = settings.token.as_deref() else {
            return true;
        };
        let Some(value) = head.header(buf, &settings.auth_header) else {
            return false;
        };
        if settings.auth_scheme.is_empty() {
            return value == token;
        }
        match value.split_once([' ', '\t']) {
            Some((scheme, rest)) => {
                scheme.eq_ignore_ascii_case(&settings.auth_scheme) && rest.trim() == token
            }
            None => false,
        }
    }

    fn not_found(&mut self, error: &str, message: &str) -> Action {
        http::error_body(&mut self.body, error, message);
        Action::Reply(Reply::json(404))
    }

    fn method_not_allowed(&mut self, allow: &'static str) -> Action {
        http::error_body(&mut self.body, "MethodNotAllowed", "method not allowed");
        let mut reply = Reply::json(405);
        reply.allow = Some(allow);
        Action::Reply(reply)
    }

    fn bad_request(&mut self, error: &str, message: &str) -> Action {
        http::error_body(&mut self.body, error, message);
        Action::Reply(Reply::json(400))
    }

    /// `callback_status` (`cancel == false`) or `cancel_callback`.
    fn number_request(&mut self, body: &[u8], cancel: bool) -> Action {
        let contact = match contact_number(body) {
            Ok(c) => c,
            Err((error, message)) => return self.bad_request(error, message),
        };
        let shared = self.shared;
        let scenarios = &shared.scenarios;
        let idx = scenarios.find_number(&contact, &mut self.scratch);
        let fault = idx.and_then(|i| {
            scenarios.numbers[i]
                .fault
                .as_ref()
                .and_then(|f| f.resolve(&shared.number_counters[i]))
        });
        if let Some(f) = fault {
            if let Some(action) = self.pre_fault(f) {
                return action;
            }
        }
        let now = unix_now();
        let entry = idx.map(|i| (i, &scenarios.numbers[i]));
        let mut reply = Reply::json(200);
        if cancel {
            let mut registry = lock(&shared.registry);
            let registered = registry.open_count(&contact);
            let scripted_open = match entry {
                Some((i, e)) if !e.not_found => match &e.reply {
                    Scripted::Callbacks { open, .. } => {
                        if shared.canceled[i].load(Ordering::Acquire) {
                            0
                        } else {
                            *open
                        }
                    }
                    Scripted::Raw(_) => 0,
                },
                _ => 0,
            };
            let status: Cow<'_, str> = match entry {
                Some((_, e)) if e.cancel.is_some() => {
                    Cow::Borrowed(e.cancel.as_deref().unwrap_or(""))
                }
                // Callbacks registered through request_callback count as open ones.
                _ if registered > 0 => match registered + scripted_open {
                    1 => {
                        registry.cancel(&contact);
                        Cow::Borrowed("Canceled")
                    }
                    _ => Cow::Borrowed("TooManyInteractions"),
                },
                Some((i, e)) if !e.not_found => match &e.reply {
                    Scripted::Callbacks { open, .. } => {
                        if *open == 1 {
                            if shared.canceled[i].swap(true, Ordering::AcqRel) {
                                Cow::Borrowed("InteractionNotFound")
                            } else {
                                Cow::Borrowed("Canceled")
                            }
                        } else if *open > 1 {
                            Cow::Borrowed("TooManyInteractions")
                        } else {
                            Cow::Borrowed("InteractionNotFound")
                        }
                    }
                    Scripted::Raw(_) => Cow::Borrowed("InteractionNotFound"),
                },
                _ => Cow::Borrowed("InteractionNotFound"),
            };
            let seq = shared.seq.fetch_add(1, Ordering::Relaxed) + 1;
            self.body.extend_from_slice(b"{\"data\":[{\"status\":");
            http::json_string(&mut self.body, &status);
            let _ = write!(
                self.body,
                ",\"cancel_callback_request_id\":\"cx-{seq:08}\"}}]}}"
            );
        } else {
            match entry {
                Some((i, e)) if !e.not_found => match &e.reply {
                    Scripted::Callbacks {
                        body,
                        canceled_body,
                        ..
                    } => {
                        let t = match canceled_body {
                            Some(c) if shared.canceled[i].load(Ordering::Acquire) => c,
                            _ => body,
                        };
                        t.render(now, &mut self.body);
                    }
                    Scripted::Raw(raw) => self.body.extend_from_slice(raw.as_bytes()),
                },
                _ => match scenarios.settings.not_found {
                    NotFound::Empty => self.body.extend_from_slice(b"{\"data\":[]}"),
                    NotFound::Status => self
                        .body
                        .extend_from_slice(b"{\"data\":[{\"status\":\"InteractionNotFound\"}]}"),
                },
            }
            let registry = lock(&shared.registry);
            if registry.has(&contact) {
                // "Not found" as a status entry: the registrations replace it.
                if self
                    .body
                    .starts_with(b"{\"data\":[{\"status\":\"InteractionNotFound\"")
                {
                    self.body.clear();
                    self.body.extend_from_slice(b"{\"data\":[]}");
                }
                registry.append_to(&contact, &mut self.body, now);
            }
        }
        if let Some(f) = fault {
            self.post_fault(f, &mut reply);
        }
        Action::Reply(reply)
    }

    /// `GET /api/widget/{id}` (`register == None`) or `POST .../request_callback`.
    fn widget_request(&mut self, id: &str, register: Option<&[u8]>) -> Action {
        let shared = self.shared;
        let Some(i) = shared.scenarios.find_widget(id) else {
            return self.not_found("WidgetNotFound", "unknown widget id");
        };
        let widget = &shared.scenarios.widgets[i];
        let fault = widget
            .fault
            .as_ref()
            .and_then(|f| f.resolve(&shared.widget_counters[i]));
        let now = unix_now();
        let mut reply = Reply::json(200);
        match register {
            None => {
                if let Some(action) = fault.and_then(|f| self.pre_fault(f)) {
                    return action;
                }
                widget.body.render(now, &mut self.body);
            }
            Some(body) => {
                let decision = self.register(i, body, now);
                // After the registration is stored: a lost answer does not undo it.
                if let Some(action) = fault.and_then(|f| self.pre_fault(f)) {
                    return action;
                }
                self.body.extend_from_slice(b"{\"data\":[{\"status\":");
                http::json_string(&mut self.body, &decision.status);
                match decision.id {
                    Some(id) => {
                        let ewt = decision
                            .ewt
                            .map_or_else(|| "null".to_string(), |e| e.to_string());
                        let _ = write!(
                            self.body,
                            ",\"message\":\"Callback requested\",\"callback_request_id\":\"{id}\",\"requested_at\":\"{now}\",\"ewt\":{ewt}"
                        );
                    }
                    None => {
                        reply.status = 400;
                        self.body.extend_from_slice(
                            b",\"message\":\"The callback request was not accepted\"",
                        );
                    }
                }
                self.body.extend_from_slice(b"}]}");
            }
        }
        if let Some(f) = fault {
            self.post_fault(f, &mut reply);
        }
        Action::Reply(reply)
    }

    /// Decide (and store) one `request_callback`.
    fn register(&mut self, widget: usize, body: &[u8], now: i64) -> Decision {
        let shared = self.shared;
        let refuse = |status: &str| Decision {
            status: status.to_string(),
            id: None,
            ewt: None,
        };
        let contact = match contact_number(body) {
            Ok(c) => c,
            Err(("ContactRequired", _)) => return refuse("ContactRequired"),
            Err(_) => return refuse("InvalidRequest"),
        };
        let appointment = match serde_json::from_slice::<ContactBody>(body)
            .ok()
            .and_then(|b| b.appointment_time)
        {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(t) => Some(t),
                None => return refuse("InvalidParameters"),
            },
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(t) => Some(t),
                Err(_) => return refuse("InvalidParameters"),
            },
            Some(_) => return refuse("InvalidParameters"),
        };
        let scenarios = &shared.scenarios;
        let forced = scenarios
            .find_number(&contact, &mut self.scratch)
            .and_then(|n| scenarios.numbers[n].register.as_deref());
        lock(&shared.registry).register(
            widget,
            &scenarios.widgets[widget],
            &contact,
            appointment,
            forced,
            now,
        )
    }
}

/// The `contact_number` of a request body (a JSON string, or a JSON number taken as digits).
fn contact_number(body: &[u8]) -> Result<String, (&'static str, &'static str)> {
    let parsed: ContactBody = serde_json::from_slice(body).map_err(|_| {
        (
            "InvalidRequest",
            "the body must be a JSON object like {\"contact_number\": \"+15551230001\"}",
        )
    })?;
    match parsed.contact_number {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err((
            "ContactRequired",
            "the body must have a non-empty \"contact_number\" string",
        )),
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
