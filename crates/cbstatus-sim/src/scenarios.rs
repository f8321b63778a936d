//! Scenario files (TOML, or JSON with the same structure) and the built-in demo set.
//!
//! See the [module documentation](super) for the format and `examples/scenarios.toml` for a
//! commented example that uses every feature.

use super::faults::Fault;
use super::template::{Builder, Template};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// The organization id used when a file does not set one (the example id of the Mindful docs).
pub const DEFAULT_ORGANIZATION: &str = "562a519b54f83b56";

/// The built-in demo set, see [`Scenarios::demo`].
const DEMO_TOML: &str = include_str!("demo.toml");

/// Callback statuses after which a callback can no longer be canceled.
const FINAL_STATUSES: &[&str] = &[
    "abandoned",
    "canceled",
    "cancelled",
    "failure",
    "failed",
    "successful",
    "unavailable",
    "completed",
    "interactionnotfound",
];

/// Keys of a `[[number.callback]]` table that drive the simulator and are not sent.
const CALLBACK_DIRECTIVES: &[&str] = &[
    "estimated_for_in",
    "created_at_ago",
    "relative_as",
    "null_fields",
];

/// What an unknown number gets from `callback_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotFound {
    /// `{"data":[]}`
    Empty,
    /// `{"data":[{"status":"InteractionNotFound"}]}`
    Status,
}

/// The `[settings]` table.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) organization: String,
    pub(crate) token: Option<String>,
    /// Lower-cased header name.
    pub(crate) auth_header: String,
    pub(crate) auth_scheme: String,
    pub(crate) auth_failure_status: u16,
    pub(crate) not_found: NotFound,
    pub(crate) fault: Option<Fault>,
    /// `contact_match = "exact"`: a request's `contact_number` matches only a `number`
    /// written exactly the same (as Mindful's Datastore matches "exactly as it was
    /// submitted"); otherwise (`"digits"`, the default) on digits, a leading 1 optional.
    pub(crate) exact_match: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            organization: DEFAULT_ORGANIZATION.to_owned(),
            token: None,
            auth_header: "authorization".to_owned(),
            auth_scheme: "Bearer".to_owned(),
            auth_failure_status: 401,
            not_found: NotFound::Empty,
            fault: None,
            exact_match: false,
        }
    }
}

/// What `callback_status` answers for a known number.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// `{"data":[...]}` built from `[[number.callback]]` entries.
    Callbacks {
        body: Template,
        /// The body once the number's only open callback has been canceled (only when `open == 1`).
        canceled_body: Option<Template>,
        /// How many callbacks are open (not in a final status).
        open: usize,
    },
    /// A verbatim body (`raw = '...'`).
    Raw(String),
}

/// One `[[number]]` entry.
#[derive(Clone, Debug)]
pub(crate) struct NumberEntry {
    pub(crate) number: String,
    pub(crate) description: String,
    /// Listed for the walkthrough but answered as an unknown number.
    pub(crate) not_found: bool,
    pub(crate) reply: Reply,
    /// Forced cancel result (`cancel = "FAILED"`).
    pub(crate) cancel: Option<String>,
    /// Forced `request_callback` status (`register = "InvalidContact"`).
    pub(crate) register: Option<String>,
    pub(crate) fault: Option<Fault>,
}

/// One `[[widget]]` entry.
#[derive(Clone, Debug)]
pub(crate) struct Widget {
    pub(crate) id: String,
    pub(crate) body: Template,
    /// Whether `request_callback` accepts ASAP requests.
    pub(crate) offers_asap: bool,
    /// Whether `request_callback` accepts appointments.
    pub(crate) offers_scheduled: bool,
    /// The time slots offered: absolute Unix times, and offsets from now.
    pub(crate) slots_absolute: Vec<i64>,
    pub(crate) slots_relative: Vec<i64>,
    pub(crate) ewt: Value,
    pub(crate) fault: Option<Fault>,
}

impl Widget {
    /// The widget's wait in seconds, when it has one.
    pub(crate) fn ewt_seconds(&self) -> Option<i64> {
        match &self.ewt {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// A validated scenarios file: the numbers, widgets and settings the simulator serves.
///
/// Build one with [`Scenarios::from_toml_str`], [`Scenarios::from_json_str`],
/// [`Scenarios::load`] or [`Scenarios::demo`]; the format is described in the
/// [module documentation](super).
#[derive(Clone, Debug)]
pub struct Scenarios {
    pub(crate) settings: Settings,
    pub(crate) numbers: Vec<NumberEntry>,
    pub(crate) widgets: Vec<Widget>,
    /// Digits of each number → index in `numbers`.
    index: HashMap<String, usize>,
    widget_index: HashMap<String, usize>,
}

impl Default for Scenarios {
    /// No numbers, no widgets, default settings.
    fn default() -> Scenarios {
        Scenarios {
            settings: Settings::default(),
            numbers: Vec::new(),
            widgets: Vec::new(),
            index: HashMap::new(),
            widget_index: HashMap::new(),
        }
    }
}

impl Scenarios {
    /// Parses a TOML scenarios file. Errors name the offending entry, e.g.
    /// `number #3 ("+15551230003"): fault: unknown fault kind "dealy" (...)`.
    pub fn from_toml_str(s: &str) -> Result<Scenarios, String> {
        let v: Value = toml::from_str(s).map_err(|e| format!("invalid TOML: {e}"))?;
        Scenarios::from_value(fix_toml_datetimes(v))
    }

    /// Parses a JSON scenarios file (same structure as the TOML one; `null` is allowed anywhere
    /// a callback field value is).
    pub fn from_json_str(s: &str) -> Result<Scenarios, String> {
        let v: Value = serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))?;
        Scenarios::from_value(v)
    }

    /// Reads a scenarios file: `.toml` or `.json` by extension (other extensions: JSON when the
    /// content starts with `{`, TOML otherwise).
    pub fn load(path: &Path) -> Result<Scenarios, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenarios file {}: {e}", path.display()))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let json = match ext.as_deref() {
            Some("json") => true,
            Some("toml") => false,
            _ => text.trim_start().starts_with('{'),
        };
        let parsed = if json {
            Scenarios::from_json_str(&text)
        } else {
            Scenarios::from_toml_str(&text)
        };
        parsed.map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The built-in demo set (organization `562a519b54f83b56`, no token). These numbers are
    /// stable; tests across the project rely on them:
    ///
    /// | number | callback_status answer |
    /// |---|---|
    /// | `+15551230001` | ASAP, `waitlisted`, position `"4"`, wait `"720"`, `estimated_for` now+720 |
    /// | `+15551230002` | ASAP, `waitlisted`, position `"1"` (next in line), wait `"90"`, now+90 |
    /// | `+15551230003` | ASAP, `waitlisted`, position `"2"`, wait `"40"` (under a minute), now+40 |
    /// | `+15551230004` | `scheduled`/`scheduled`, `estimated_for` now+3 h, `estimated_wait_time` `""` |
    /// | `+15551230005` | `scheduled`/`scheduled`, `estimated_for` now+2 days — times and wait as JSON **numbers** |
    /// | `+15551230006` | ASAP, `connecting` (being placed now), position `"0"`, wait `"0"` |
    /// | `+15551230007` | two callbacks: ASAP `waitlisted` in 25 min (position `"6"`, wait `"1500"`) and a `scheduled` one tomorrow (now+86400); cancel → `TooManyInteractions` |
    /// | `+15551230008` | ASAP, `canceled` (final) |
    /// | `+15551230009` | unknown status `"Parked"`, type `"asap"`, position `"3"`, wait `"300"` |
    /// | `+15551230010` | ASAP `waitlisted`, wait `"8100"` (2 h 15 min), position `"40"` |
    /// | `+15551230011` | status `"pending"`, every other field `null` or `""` |
    /// | `+15551230099` | no callback: `{"data":[]}` (listed by [`numbers`](Scenarios::numbers) as "no callback") |
    /// | `+15551230500` | fault: HTTP 503 |
    /// | `+15551230429` | fault: HTTP 429 with `Retry-After: 2` |
    /// | `+15551230408` | fault: hang (never answers) |
    /// | `+15551230666` | fault: malformed (truncated) JSON |
    /// | `+15551230501` | fault: flaky — the first 2 requests get 503, then ASAP position `"4"` |
    /// | `+15551230200` | fault: 300 ms delay, then ASAP position `"5"`, wait `"600"` |
    /// | `+15551230400` | no callback; `request_callback` answers `InvalidContact` |
    ///
    /// Widgets: `w-open` (`offer_callback`, ASAP and scheduled offered, `ewt` 600, time slots
    /// in 1, 2 and 3 hours), `w-closed` (`platform_unavailable`, `ewt` null), `w-ewt`
    /// (`display_ewt_only`, `ewt` 240).
    pub fn demo() -> Scenarios {
        Scenarios::from_toml_str(DEMO_TOML).expect("the built-in demo scenarios are valid")
    }

    /// `(number, description)` of every `[[number]]` entry, in file order, for a walkthrough.
    pub fn numbers(&self) -> Vec<(String, String)> {
        self.numbers
            .iter()
            .map(|n| (n.number.clone(), n.description.clone()))
            .collect()
    }

    /// The organization id the simulator answers for.
    pub fn organization(&self) -> &str {
        &self.settings.organization
    }

    /// The index of the entry matching `contact` (digits only; a leading country code `1` on
    /// either side is optional). `scratch` is a reusable buffer.
    pub(crate) fn find_number(&self, contact: &str, scratch: &mut String) -> Option<usize> {
        if self.settings.exact_match {
            return self.index.get(contact).copied();
        }
        scratch.clear();
        scratch.extend(contact.chars().filter(char::is_ascii_digit));
        if scratch.is_empty() {
            return None;
        }
        if let Some(&i) = self.index.get(scratch.as_str()) {
            return Some(i);
        }
        if let Some(rest) = scratch.strip_prefix('1') {
            if let Some(&i) = self.index.get(rest) {
                return Some(i);
            }
        }
        scratch.insert(0, '1');
        self.index.get(scratch.as_str()).copied()
    }

    pub(crate) fn find_widget(&self, id: &str) -> Option<usize> {
        self.widget_index.get(id).copied()
    }

    fn from_value(v: Value) -> Result<Scenarios, String> {
        let Value::Object(top) = v else {
            return Err("the top level must be a table / JSON object".into());
        };
        for k in top.keys() {
            if !["settings", "number", "widget"].contains(&k.as_str()) {
                return Err(format!(
                    "unknown top-level key `{k}` (expected `settings`, `number`, `widget`)"
                ));
            }
        }
        let mut out = Scenarios::default();
        if let Some(s) = top.get("settings") {
            out.settings = parse_settings(s).map_err(|e| format!("settings: {e}"))?;
        }
        for (i, entry) in array_of(&top, "number", "[[number]]")?.iter().enumerate() {
            let label = entry_label("number", i, entry.get("number"));
            let n = parse_number(entry).map_err(|e| format!("{label}: {e}"))?;
            let digits: String = if out.settings.exact_match {
                n.number.clone()
            } else {
                n.number.chars().filter(char::is_ascii_digit).collect()
            };
            if let Some(&j) = out.index.get(&digits) {
                return Err(format!(
                    "{label}: same number as number #{} (\"{}\")",
                    j + 1,
                    out.numbers[j].number
                ));
            }
            out.index.insert(digits, out.numbers.len());
            out.numbers.push(n);
        }
        for (i, entry) in array_of(&top, "widget", "[[widget]]")?.iter().enumerate() {
            let label = entry_label("widget", i, entry.get("id"));
            let w = parse_widget(entry).map_err(|e| format!("{label}: {e}"))?;
            if let Some(&j) = out.widget_index.get(&w.id) {
                return Err(format!("{label}: same id as widget #{}", j + 1));
            }
            out.widget_index.insert(w.id.clone(), out.widgets.len());
            out.widgets.push(w);
        }
        Ok(out)
    }
}

/// `number #3 ("+15551230003")`
fn entry_label(kind: &str, i: usize, name: Option<&Value>) -> String {
    match name {
        Some(Value::String(s)) => format!("{kind} #{} (\"{s}\")", i + 1),
        _ => format!("{kind} #{}", i + 1),
    }
}

fn array_of<'a>(
    top: &'a Map<String, Value>,
    key: &str,
    toml_form: &str,
) -> Result<&'a [Value], String> {
    match top.get(key) {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(format!(
            "`{key}` must be an array of tables ({toml_form} in TOML, an array in JSON)"
        )),
    }
}

fn as_table<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be a table / JSON object, got {v}"))
}

fn check_keys(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(format!(
                "unknown key `{k}` (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{key}` must be a string, got {other}")),
    }
}

fn opt_i64(obj: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be an integer number of seconds, got {n}")),
        Some(other) => Err(format!(
            "`{key}` must be an integer number of seconds, got {other}"
        )),
    }
}

fn opt_fault(obj: &Map<String, Value>) -> Result<Option<Fault>, String> {
    obj.get("fault")
        .map(|f| Fault::parse(f).map_err(|e| format!("fault: {e}")))
        .transpose()
}

fn parse_settings(v: &Value) -> Result<Settings, String> {
    let obj = as_table(v, "[settings]")?;
    check_keys(
        obj,
        &[
            "organization",
            "token",
            "auth_header",
            "auth_scheme",
            "auth_failure_status",
            "not_found",
            "fault",
            "description",
            "contact_match",
        ],
    )?;
    let mut s = Settings::default();
    match opt_string(obj, "contact_match")?.as_deref() {
        None | Some("digits") => s.exact_match = false,
        Some("exact") => s.exact_match = true,
        Some(other) => {
            return Err(format!(
                "`contact_match` must be \"digits\" or \"exact\", got \"{other}\""
            ))
        }
    }
    if let Some(org) = opt_string(obj, "organization")? {
        if org.is_empty() || org.contains(['/', '?', '#', ' ']) {
            return Err(format!(
                "`organization` must be a non-empty id without '/', '?', '#' or spaces, got \"{org}\""
            ));
        }
        s.organization = org;
    }
    s.token = opt_string(obj, "token")?.filter(|t| !t.is_empty());
    if let Some(h) = opt_string(obj, "auth_header")? {
        let valid = !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid {
            return Err(format!(
                "`auth_header` must be an HTTP header name such as \"Authorization\", got \"{h}\""
            ));
        }
        s.auth_header = h.to_ascii_lowercase();
    }
    if let Some(scheme) = opt_string(obj, "auth_scheme")? {
        s.auth_scheme = scheme.trim().to_owned();
    }
    if let Some(code) = opt_i64(obj, "auth_failure_status")? {
        if !(400..=599).contains(&code) {
            return Err(format!(
                "`auth_failure_status` must be an HTTP error status (400..=599, e.g. 401 or 403), got {code}"
            ));
        }
        s.auth_failure_status = code as u16;
    }
    match opt_string(obj, "not_found")?.as_deref() {
        None | Some("empty") => s.not_found = NotFound::Empty,
        Some("status") => s.not_found = NotFound::Status,
        Some(other) => {
            return Err(format!(
                "`not_found` must be \"empty\" or \"status\", got \"{other}\""
            ))
        }
    }
    s.fault = opt_fault(obj)?;
    Ok(s)
}

fn parse_number(v: &Value) -> Result<NumberEntry, String> {
    let obj = as_table(v, "a [[number]] entry")?;
    check_keys(
        obj,
        &[
            "number",
            "description",
            "callback",
            "raw",
            "fault",
            "cancel",
            "register",
            "not_found",
        ],
    )?;
    let number = opt_string(obj, "number")?.ok_or("missing `number`")?;
    if !number.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("`number` has no digits: \"{number}\""));
    }
    let description = opt_string(obj, "description")?.unwrap_or_default();
    let not_found = match obj.get("not_found") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(format!("`not_found` must be true or false, got {other}")),
    };
    let cancel = opt_string(obj, "cancel")?;
    let register = opt_string(obj, "register")?;
    let fault = opt_fault(obj)?;
    let raw = opt_string(obj, "raw")?;
    let callbacks = match obj.get("callback") {
        None => None,
        Some(Value::Array(a)) => Some(a.as_slice()),
        Some(other) => {
            return Err(format!(
                "`callback` must be an array of tables ([[number.callback]]), got {other}"
            ))
        }
    };
    if not_found && (raw.is_some() || callbacks.is_some()) {
        return Err("`not_found = true` cannot be combined with `callback` or `raw`".into());
    }
    let reply = match (raw, callbacks) {
        (Some(_), Some(_)) => {
            return Err("give either `raw` or [[number.callback]] entries, not both".into())
        }
        (Some(raw), None) => Reply::Raw(raw),
        (None, cbs) => {
            let specs = cbs
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .map(|(j, cb)| parse_callback(cb).map_err(|e| format!("callback #{}: {e}", j + 1)))
                .collect::<Result<Vec<_>, _>>()?;
            let open: Vec<usize> = (0..specs.len()).filter(|&j| specs[j].is_open()).collect();
            let canceled_body = match open.as_slice() {
                [only] => Some(render_callbacks(&specs, Some(*only))),
                _ => None,
            };
            Reply::Callbacks {
                body: render_callbacks(&specs, None),
                canceled_body,
                open: open.len(),
            }
        }
    };
    Ok(NumberEntry {
        number,
        description,
        not_found,
        reply,
        cancel,
        register,
        fault,
    })
}

/// A `[[number.callback]]` table: fields sent verbatim plus relative times.
struct CallbackSpec {
    fields: Vec<(String, Value)>,
    /// (field, offset from now in seconds, sent as a string?)
    times: Vec<(&'static str, i64, bool)>,
}

impl CallbackSpec {
    fn is_open(&self) -> bool {
        match self.fields.iter().find(|(k, _)| k == "status") {
            Some((_, Value::String(s))) => {
                let s = s.trim().to_ascii_lowercase();
                !FINAL_STATUSES.contains(&s.as_str())
            }
            _ => true,
        }
    }
}

fn parse_callback(v: &Value) -> Result<CallbackSpec, String> {
    let obj = as_table(v, "a [[number.callback]] entry")?;
    let quoted = match opt_string(obj, "relative_as")?.as_deref() {
        None | Some("string") => true,
        Some("number") => false,
        Some(other) => {
            return Err(format!(
                "`relative_as` must be \"string\" or \"number\", got \"{other}\""
            ))
        }
    };
    let mut fields: Vec<(String, Value)> = obj
        .iter()
        .filter(|(k, _)| !CALLBACK_DIRECTIVES.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match obj.get("null_fields") {
        None => {}
        Some(Value::Array(names)) => {
            for name in names {
                let Value::String(name) = name else {
                    return Err(format!("`null_fields` must list field names, got {name}"));
                };
                if obj.contains_key(name) || CALLBACK_DIRECTIVES.contains(&name.as_str()) {
                    return Err(format!(
                        "`null_fields` names \"{name}\", which is also given a value"
                    ));
                }
                fields.push((name.clone(), Value::Null));
            }
        }
        Some(other) => {
            return Err(format!(
                "`null_fields` must be an array of field names, got {other}"
            ))
        }
    }
    let mut times = Vec::new();
    for (directive, field, sign) in [
        ("estimated_for_in", "estimated_for", 1),
        ("created_at_ago", "created_at", -1),
    ] {
        if let Some(secs) = opt_i64(obj, directive)? {
            if fields.iter().any(|(k, _)| k == field) {
                return Err(format!("give either `{field}` or `{directive}`, not both"));
            }
            times.push((field, secs.saturating_mul(sign), quoted));
        }
    }
    Ok(CallbackSpec { fields, times })
}

/// `{"data":[...]}`; `canceled` marks the callback whose status becomes "canceled".
fn render_callbacks(specs: &[CallbackSpec], canceled: Option<usize>) -> Template {
    let mut b = Builder::new();
    b.raw("{\"data\":[");
    for (j, spec) in specs.iter().enumerate() {
        if j > 0 {
            b.raw(",");
        }
        b.raw("{");
        let override_status = canceled == Some(j);
        let mut first = true;
        for (k, v) in &spec.fields {
            b.key(k, first);
            first = false;
            if override_status && k == "status" {
                b.value(&Value::String("canceled".into()));
            } else {
                b.value(v);
            }
        }
        if override_status && !spec.fields.iter().any(|(k, _)| k == "status") {
            b.key("status", first);
            first = false;
            b.value(&Value::String("canceled".into()));
        }
        for &(k, offset, quoted) in &spec.times {
            b.key(k, first);
            first = false;
            b.time(offset, quoted);
        }
        b.raw("}");
    }
    b.raw("]}");
    b.finish()
}

fn parse_widget(v: &Value) -> Result<Widget, String> {
    let obj = as_table(v, "a [[widget]] entry")?;
    let id = opt_string(obj, "id")?.ok_or("missing `id`")?;
    if id.is_empty() || id.contains(['/', '?', '#']) {
        return Err(format!(
            "`id` must be non-empty without '/', '?' or '#', got \"{id}\""
        ));
    }
    let state = opt_string(obj, "widget_state")?.unwrap_or_else(|| "offer_callback".into());
    let (asap, scheduled) = match state.as_str() {
        "offer_callback" => (true, true),
        "offer_asap_callback" => (true, false),
        "offer_scheduled_callback" => (false, true),
        _ => (false, false),
    };
    let message = obj
        .get("message")
        .cloned()
        .unwrap_or_else(|| Value::String(String::new()));
    let offer_asap = obj.get("offer_asap").cloned().unwrap_or(Value::Bool(asap));
    let offer_scheduled = obj
        .get("offer_scheduled")
        .cloned()
        .unwrap_or(Value::Bool(scheduled));
    let ewt = obj.get("ewt").cloned().unwrap_or(Value::Null);
    let relative: Vec<i64> = match obj.get("scheduled_timeslots_in") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_i64().ok_or_else(|| {
                    format!("`scheduled_timeslots_in` must list integer seconds, got {t}")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`scheduled_timeslots_in` must be an array of seconds, got {other}"
            ))
        }
    };
    let absolute = obj.get("scheduled_timeslots");
    if !relative.is_empty() && !matches!(absolute, None | Some(Value::Array(_))) {
        return Err(
            "`scheduled_timeslots` must be an array when `scheduled_timeslots_in` is given".into(),
        );
    }

    let mut b = Builder::new();
    b.raw("{\"data\":[{");
    b.key("widget_state", true)
        .value(&Value::String(state.clone()));
    b.key("message", false).value(&message);
    b.key("offer_asap", false).value(&offer_asap);
    b.key("offer_scheduled", false).value(&offer_scheduled);
    b.key("ewt", false).value(&ewt);
    b.key("scheduled_timeslots", false);
    match absolute {
        Some(Value::Array(a)) => {
            b.raw("[");
            for (i, t) in a.iter().enumerate() {
                if i > 0 {
                    b.raw(",");
                }
                b.value(t);
            }
            emit_relative(&mut b, &relative, !a.is_empty());
        }
        Some(other) => {
            b.value(other);
        }
        None => {
            b.raw("[");
            emit_relative(&mut b, &relative, false);
        }
    }
    const WIDGET_KEYS: &[&str] = &[
        "id",
        "description",
        "fault",
        "widget_state",
        "message",
        "offer_asap",
        "offer_scheduled",
        "ewt",
        "scheduled_timeslots",
        "scheduled_timeslots_in",
    ];
    for (k, v) in obj {
        if !WIDGET_KEYS.contains(&k.as_str()) {
            b.key(k, false).value(v);
        }
    }
    b.raw("}]}");
    let flag = |v: &Value, default: bool| match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => default,
    };
    let offers = asap || scheduled;
    let slots_absolute = match absolute {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|t| t.as_i64().or_else(|| t.as_str()?.trim().parse().ok()))
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ' '])
            .filter_map(|t| t.trim().parse().ok())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Widget {
        id,
        body: b.finish(),
        offers_asap: offers && flag(&offer_asap, asap),
        offers_scheduled: offers && flag(&offer_scheduled, scheduled),
        slots_absolute,
        slots_relative: relative,
        ewt,
        fault: opt_fault(obj)?,
    })
}

/// Relative time slots (as numbers) and the closing `]`.
fn emit_relative(b: &mut Builder, relative: &[i64], mut comma: bool) {
    for &t in relative {
        if comma {
            b.raw(",");
        }
        comma = true;
        b.time(t, false);
    }
    b.raw("]");
}

/// TOML datetimes come through serde as `{"$__toml_private_datetime": "..."}`; send them as
/// plain strings.
fn fix_toml_datetimes(v: Value) -> Value {
    const FIELD: &str = "$__toml_private_datetime";
    match v {
        Value::Object(mut o) => {
            if o.len() == 1 {
                if let Some(Value::String(s)) = o.get(FIELD) {
                    return Value::String(s.clone());
                }
            }
            for val in o.values_mut() {
                *val = fix_toml_datetimes(std::mem::take(val));
            }
            Value::Object(o)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(fix_toml_datetimes).collect()),
        other => other,
    }
}
