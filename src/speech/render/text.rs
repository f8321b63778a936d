//! Plain text for any TTS engine: "You are number 4 in line for your callback. We expect to
//! call you in about 10 minutes." Numbers are digits, times "3:45 PM" (es "3:45 de la tarde"),
//! phone digits "4 5 6 7". One line, no markup.

use super::{starts_with_punct, Joiner, Unit};
use crate::speech::locale::Piece;

pub(crate) fn render(units: &[Unit]) -> String {
    let mut sentences = Vec::new();
    for unit in units {
        let mut j = Joiner::default();
        for piece in &unit.pieces {
            match piece {
                Piece::Words(text, _) => j.push(text, false, starts_with_punct(text)),
                Piece::Literal(text) => j.push(text, true, false),
                Piece::Number(n, _) | Piece::Ordinal(n) => j.push(&n.to_string(), false, false),
                Piece::Clock(clock) => j.push(clock, false, false),
                Piece::Written { text, .. } => j.push(text, false, false),
                // Expanded into time words before rendering.
                Piece::Time(_) => {}
                Piece::Digits(digits) => j.push(&spaced(digits.as_str()), false, false),
                Piece::End => j.push(".", false, true),
                Piece::Pause => {}
            }
        }
        let sentence = j.take();
        if !sentence.is_empty() {
            sentences.push(sentence);
        }
    }
    sentences.join(" ")
}

/// "4567" → "4 5 6 7", so any engine reads digits one by one.
pub(crate) fn spaced(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
