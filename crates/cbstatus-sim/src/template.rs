//! Pre-rendered JSON reply bodies with holes for times relative to "now".
//!
//! Scenario replies are serialized once, when the scenarios are loaded; answering a request only
//! copies the literal pieces and formats the relative times (`estimated_for_in`,
//! `created_at_ago`, `scheduled_timeslots_in`) into the connection's reusable buffer.

use serde_json::Value;
use std::io::Write as _;

#[derive(Clone, Debug)]
enum Part {
    Lit(String),
    /// `now + offset` seconds, as a JSON string (`"1700000000"`) or a JSON number.
    Time {
        offset: i64,
        quoted: bool,
    },
}

/// A JSON body with relative-time holes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Template {
    parts: Vec<Part>,
    len_hint: usize,
}

impl Template {
    /// Appends the body for the Unix time `now` to `out`.
    pub(crate) fn render(&self, now: i64, out: &mut Vec<u8>) {
        out.reserve(self.len_hint);
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.extend_from_slice(s.as_bytes()),
                Part::Time { offset, quoted } => {
                    let t = now.saturating_add(*offset);
                    // Writing to a Vec cannot fail.
                    let _ = if *quoted {
                        write!(out, "\"{t}\"")
                    } else {
                        write!(out, "{t}")
                    };
                }
            }
        }
    }

    /// The body rendered for `now`, as a string (for tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn render_string(&self, now: i64) -> String {
        let mut out = Vec::new();
        self.render(now, &mut out);
        String::from_utf8(out).expect("templates are UTF-8")
    }
}

/// Builds a [`Template`] piece by piece.
#[derive(Default)]
pub(crate) struct Builder {
    parts: Vec<Part>,
    lit: String,
    len_hint: usize,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder::default()
    }

    /// Literal JSON text.
    pub(crate) fn raw(&mut self, s: &str) -> &mut Self {
        self.lit.push_str(s);
        self
    }

    /// A JSON value, serialized.
    pub(crate) fn value(&mut self, v: &Value) -> &mut Self {
        // Serializing a Value cannot fail.
        self.lit
            .push_str(&serde_json::to_string(v).unwrap_or_default());
        self
    }

    /// An object key followed by `:`, preceded by `,` unless `first`.
    pub(crate) fn key(&mut self, k: &str, first: bool) -> &mut Self {
        if !first {
            self.lit.push(',');
        }
        self.value(&Value::String(k.to_owned()));
        self.lit.push(':');
        self
    }

    /// A hole for `now + offset`.
    pub(crate) fn time(&mut self, offset: i64, quoted: bool) -> &mut Self {
        self.flush();
        self.parts.push(Part::Time { offset, quoted });
        self.len_hint += 12;
        self
    }

    fn flush(&mut self) {
        if !self.lit.is_empty() {
            self.len_hint += self.lit.len();
            self.parts.push(Part::Lit(std::mem::take(&mut self.lit)));
        }
    }

    pub(crate) fn finish(mut self) -> Template {
        self.flush();
        Template {
            parts: self.parts,
            len_hint: self.len_hint,
        }
    }
}
