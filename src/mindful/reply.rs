//! Reading the `{"data": [ {..}, .. ]}` envelope of a reply, bounded in CPU and lenient where
//! cbstatus does not look.
//!
//! - At most [`MAX_ENTRIES`] entries of `data` are kept, and the reply is not read past the
//!   last of them: a 1 MiB body of 300,000 tiny entries costs what 100 entries cost, instead
//!   of building 300,000 maps (and saying "You have 349000 callback requests").
//! - A second `data` key is a malformed reply: which one a proxy or parser would honour is
//!   anyone's guess.
//! - Invalid UTF-8 and escaped lone surrogates (`"\ud800"`) in a field cbstatus never reads
//!   (a name, a note) become U+FFFD instead of failing the whole reply. In a field it reads
//!   ([`USED_FIELDS`]) they still make the reply malformed: a status or number cbstatus cannot
//!   read is not one to guess at.

use crate::error::{Error, ErrorKind, Result};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Entries of `data` considered (a real caller has a handful).
pub const MAX_ENTRIES: usize = 100;

/// The entry fields cbstatus reads (status, cancel and widget replies).
const USED_FIELDS: [&str; 14] = [
    "callback_number",
    "call_request_id",
    "type",
    "status",
    "created_at",
    "estimated_for",
    "forecast_waitlist_position",
    "estimated_wait_time",
    "source",
    "call_target_id",
    "widget_state",
    "offer_asap",
    "offer_scheduled",
    "ewt",
];

/// The error a visitor raises to stop reading at the cap; never shown to anyone.
const CAP_REACHED: &str = "cbstatus: entry cap reached";

/// What the envelope said.
#[derive(Default)]
struct Envelope {
    data: Data,
    entries: Vec<Map<String, Value>>,
    /// A top-level `"status": "InteractionNotFound"` (some error replies have no `data`).
    not_found: bool,
}

#[derive(Default)]
enum Data {
    #[default]
    Absent,
    Null,
    Array,
    Other(&'static str),
}

/// Parse `{"data": [objects]}` and return (at most [`MAX_ENTRIES`] of) the objects.
pub(crate) fn data_entries(body: &[u8]) -> Result<Vec<Map<String, Value>>> {
    let malformed = |why: String| Error::new(ErrorKind::MalformedReply, why);
    let text = lenient_text(body);
    if text.trim().is_empty() {
        return Err(malformed("reply body is empty".to_string()));
    }
    let mut envelope = Envelope::default();
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let read = EnvelopeSeed(&mut envelope)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match read {
        Ok(()) => {}
        Err(e) if e.is_data() && e.to_string().starts_with(CAP_REACHED) => {}
        Err(e) if e.is_data() => return Err(malformed(format!("reply {e}"))),
        Err(e) => {
            return Err(malformed(format!(
                "reply is not valid JSON ({e}); check the API URL points at the Mindful \
                 Scheduler API"
            )))
        }
    }
    if matches!(text, Cow::Owned(_)) {
        // Something was replaced: make sure it was not in a field cbstatus reads.
        for (i, entry) in envelope.entries.iter().enumerate() {
            for field in USED_FIELDS {
                if entry
                    .get(field)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.contains('\u{fffd}'))
                {
                    return Err(malformed(format!(
                        "reply entry {i} field \"{field}\" is not valid UTF-8 text"
                    )));
                }
            }
        }
    }
    match envelope.data {
        Data::Array => Ok(envelope.entries),
        Data::Null => Ok(Vec::new()),
        Data::Absent if envelope.not_found => Ok(Vec::new()),
        Data::Absent => Err(malformed("reply has no \"data\" field".to_string())),
        Data::Other(what) => Err(malformed(format!(
            "reply field \"data\" is {what}, not an array"
        ))),
    }
}

/// `body` as text: invalid UTF-8 and escaped lone surrogates replaced by U+FFFD. Borrows the
/// body when there is nothing to replace (the usual case).
fn lenient_text(body: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(body);
    if !text.contains("\\u") {
        return text;
    }
    let bytes = text.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let mut out: Option<Vec<u8>> = None;
    let (mut i, mut copied) = (0, 0);
    // `i` may step past the end (a body ending in a backslash): `get` ends the scan there.
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\\'))
    {
        let at = i + offset;
        if bytes.get(at + 1) != Some(&b'u') {
            i = at + 2; // any other escape: skip the escaped byte (a `\\` included)
            continue;
        }
        let lone = match hex(at + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = (bytes.get(at + 6..at + 8) == Some(b"\\u".as_slice()))
                    .then(|| hex(at + 8))
                    .flatten();
                if matches!(low, Some(0xDC00..=0xDFFF)) {
                    i = at + 12;
                    continue;
                }
                true
            }
            Some(0xDC00..=0xDFFF) => true,
            _ => false,
        };
        if lone {
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            out.extend_from_slice(&bytes[copied..at]);
            out.extend_from_slice(b"\\ufffd");
            copied = at + 6;
        }
        i = at + 6;
    }
    match out {
        None => text,
        Some(mut out) => {
            out.extend_from_slice(&bytes[copied..]);
            // Only ASCII escapes were replaced by ASCII: still UTF-8.
            Cow::Owned(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

struct EnvelopeSeed<'a>(&'a mut Envelope);

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object {\"data\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen_data = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "data" if seen_data => {
                    return Err(de::Error::custom("has two \"data\" fields"));
                }
                "data" => {
                    seen_data = true;
                    map.next_value_seed(DataSeed(&mut *self.0))?;
                }
                "status" => {
                    let status = map.next_value::<Value>()?;
                    self.0.not_found = status
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("InteractionNotFound"));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct DataSeed<'a>(&'a mut Envelope);

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl DataSeed<'_> {
    fn other<E>(self, what: &'static str) -> Result<(), E> {
        self.0.data = Data::Other(what);
        Ok(())
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.data = Data::Array;
        loop {
            if self.0.entries.len() == MAX_ENTRIES {
                // Enough: stop reading here (the caller recognises this error).
                return Err(de::Error::custom(CAP_REACHED));
            }
            let index = self.0.entries.len();
            match seq.next_element::<Value>()? {
                None => return Ok(()),
                Some(Value::Object(entry)) => self.0.entries.push(entry),
                Some(other) => {
                    return Err(de::Error::custom(format_args!(
                        "entry {index} is {}, not an object",
                        type_name(&other)
                    )))
                }
            }
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.data = Data::Null;
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.other("a boolean")
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.other("a number")
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.other("a number")
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.other("a number")
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.other("a string")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        self.other("an object")
    }
}

/// How a JSON value is named in messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(body: &str) -> ErrorKind {
        data_entries(body.as_bytes()).unwrap_err().kind()
    }

    #[test]
    fn at_most_max_entries_and_the_rest_is_not_read() {
        let body = format!(r#"{{"data":[{}]}}"#, vec!["{}"; 300_000].join(","));
        assert_eq!(data_entries(body.as_bytes()).unwrap().len(), MAX_ENTRIES);
        // Past the cap nothing is looked at, not even broken JSON.
        let body = format!(r#"{{"data":[{}, oops"#, vec!["{}"; MAX_ENTRIES].join(","));
        assert_eq!(data_entries(body.as_bytes()).unwrap().len(), MAX_ENTRIES);
        let body = format!(r#"{{"data":[{}]}}"#, vec!["{}"; MAX_ENTRIES - 1].join(","));
        assert_eq!(
            data_entries(body.as_bytes()).unwrap().len(),
            MAX_ENTRIES - 1
        );
    }

    #[test]
    fn duplicate_data_is_malformed() {
        assert_eq!(
            kind(r#"{"data":[],"data":[{"type":"asap"}]}"#),
            ErrorKind::MalformedReply
        );
        let err = data_entries(br#"{"data":[{}],"x":1,"data":null}"#).unwrap_err();
        assert!(err.detail().contains("two \"data\""), "{err}");
    }

    #[test]
    fn bad_text_in_a_field_does_not_fail_the_reply() {
        let entries = data_entries(
            b"{\"data\":[{\"note\":\"caf\xe9\",\"name\":\"\\ud800x\",\"type\":\"asap\"}]}",
        )
        .unwrap();
        assert_eq!(entries[0]["type"], "asap");
        assert_eq!(entries[0]["note"], "caf\u{fffd}");
        assert_eq!(entries[0]["name"], "\u{fffd}x");
        // A valid pair, a lone low surrogate, an escaped backslash before "u".
        let entries =
            data_entries(br#"{"data":[{"a":"\ud83d\ude00","b":"\udc00","c":"\\ud800"}]}"#).unwrap();
        assert_eq!(entries[0]["a"], "\u{1f600}");
        assert_eq!(entries[0]["b"], "\u{fffd}");
        assert_eq!(entries[0]["c"], "\\ud800");
        // In a field cbstatus reads, they make the reply malformed.
        assert_eq!(
            kind(r#"{"data":[{"status":"wait\udc00"}]}"#),
            ErrorKind::MalformedReply
        );
        let err = data_entries(b"{\"data\":[{\"type\":\"AS\xffAP\"}]}").unwrap_err();
        assert!(err.detail().contains("\"type\""), "{err}");
        // A `\u` somewhere and a trailing backslash: malformed, not a panic (found by
        // proptests::parsing_arbitrary_bytes_never_panics).
        assert_eq!(kind("\\u0041 \\"), ErrorKind::MalformedReply);
    }

    #[test]
    fn shapes() {
        assert_eq!(kind("[]"), ErrorKind::MalformedReply);
        assert_eq!(kind(r#"{"data":{"a":1}}"#), ErrorKind::MalformedReply);
        assert_eq!(kind(r#"{"data":[1]}"#), ErrorKind::MalformedReply);
        assert_eq!(kind(r#"{"data":[]} x"#), ErrorKind::MalformedReply);
        assert!(data_entries(br#"{"status":"InteractionNotFound"}"#)
            .unwrap()
            .is_empty());
        assert!(data_entries(br#"{"data":null}"#).unwrap().is_empty());
    }
}
