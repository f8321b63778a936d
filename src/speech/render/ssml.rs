//! SSML 1.0 for cloud and local TTS engines: a complete `<speak>` document on one line, one
//! `<s>` per sentence, `say-as` for every value (cardinal, ordinal, time `hms12`, telephone
//! digits), `<sub alias>` for a value a locale writes one way and says another (fr "4e" said
//! "quatrième", "15 h 45" said "15 heures 45") and `<break>` before read-back digits and after "here is the soonest one". Every
//! word and value is XML-escaped.
//!
//! Dates are said as month name plus `say-as interpret-as="ordinal"` (es: cardinal day, "13 de
//! marzo") rather than `interpret-as="date"`: engines disagree on date formats and espeak-ng
//! reads `3/13` as "three slash thirteen". A sentence-final period right after a `say-as` is
//! dropped (the `</s>` ends the sentence), because espeak-ng reads it as "dot".

use super::{starts_with_punct, Joiner, Unit};
use crate::speech::locale::{Language, Piece};

const BREAK: &str = "<break time=\"300ms\"/>";

pub(crate) fn render(units: &[Unit], lang: &dyn Language) -> String {
    let mut out = format!(
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" xml:lang=\"{}\">",
        escape(lang.tag())
    );
    for unit in units {
        let mut j = Joiner::default();
        for piece in &unit.pieces {
            match piece {
                Piece::Words(text, _) => j.push(&escape(text), false, starts_with_punct(text)),
                Piece::Literal(text) => j.push(&escape(text), true, false),
                Piece::Number(n, _) => j.push(&say_as("cardinal", &n.to_string()), false, false),
                Piece::Ordinal(n) => j.push(&say_as("ordinal", &n.to_string()), false, false),
                Piece::Clock(clock) => {
                    let markup = format!(
                        "<say-as interpret-as=\"time\" format=\"hms12\">{}</say-as>",
                        escape(clock)
                    );
                    j.push(&markup, false, false);
                }
                Piece::Written { text, spoken } if text == spoken => {
                    j.push(&escape(text), false, false)
                }
                Piece::Written { text, spoken } => {
                    let markup =
                        format!("<sub alias=\"{}\">{}</sub>", escape(spoken), escape(text));
                    j.push(&markup, false, false);
                }
                // Expanded into time words before rendering.
                Piece::Time(_) => {}
                Piece::Digits(digits) => {
                    j.push(&say_as("telephone", digits.as_str()), false, false)
                }
                Piece::End => {
                    j.push(".", false, true);
                    flush(&mut out, &mut j);
                }
                Piece::Pause => {
                    if j.is_empty() {
                        out.push_str(BREAK);
                    } else {
                        j.push_markup(BREAK);
                    }
                }
            }
        }
        flush(&mut out, &mut j);
    }
    out.push_str("</speak>");
    out
}

fn flush(out: &mut String, j: &mut Joiner) {
    let mut sentence = j.take();
    if sentence.is_empty() {
        return;
    }
    if sentence.ends_with("</say-as>.") || sentence.ends_with("</sub>.") {
        sentence.pop();
    }
    out.push_str("<s>");
    out.push_str(&sentence);
    out.push_str("</s>");
}

fn say_as(interpret_as: &str, content: &str) -> String {
    format!(
        "<say-as interpret-as=\"{interpret_as}\">{}</say-as>",
        escape(content)
    )
}

/// Escape text for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
