//! Rendering a [`Message`] in one locale: text, SSML or Asterisk prompts.
//!
//! The locale words each sentence as [`Piece`]s (or an operator template does, for text and
//! SSML); the renderers only decide how pieces look.

pub(crate) mod prompts;
pub(crate) mod ssml;
pub(crate) mod text;

use super::locale::{phrases, Language, Piece};
use super::message::{Message, Sentence};
use super::templates::{Part, Templates};
use super::Locale;

/// One sentence of the message, worded.
pub(crate) struct Unit {
    pub(crate) pieces: Vec<Piece>,
}

/// Word every sentence: the operator's template if there is one for the situation (and all
/// its values exist), else the locale's built-in wording.
pub(crate) fn word(message: &Message, locale: Locale, templates: Option<&Templates>) -> Vec<Unit> {
    let lang = locale.language();
    message
        .sentences
        .iter()
        .map(|sentence| {
            let templated = templates
                .and_then(|t| t.get(locale, sentence.situation()))
                .and_then(|t| fill(t.parts(), sentence, lang));
            let mut pieces = expand(
                templated.unwrap_or_else(|| phrases::sentence(lang, sentence)),
                lang,
            );
            phrases::elide(lang, &mut pieces);
            Unit { pieces }
        })
        .collect()
}

/// For text and SSML: clock times become the locale's time words, numbers that grammar
/// wants as words (es "una hora") become words, and ordinals the locale writes its own way
/// (fr "4e", said "quatrième") become [`Piece::Written`].
fn expand(pieces: Vec<Piece>, lang: &dyn Language) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match piece {
            Piece::Time(time) => out.extend(expand(lang.time_words(time), lang)),
            Piece::Number(n, gender) => match lang.number_word(n, gender) {
                Some(word) => out.push(Piece::Words(word, &[])),
                None => out.push(Piece::Number(n, gender)),
            },
            Piece::Ordinal(n) => match lang.ordinal_words(n) {
                Some((text, spoken)) => out.push(Piece::Written { text, spoken }),
                None => out.push(Piece::Ordinal(n)),
            },
            other => out.push(other),
        }
    }
    out
}

fn fill(parts: &[Part], sentence: &Sentence, lang: &dyn Language) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => pieces.push(Piece::Literal(text.clone())),
            Part::Value(placeholder) => {
                pieces.extend(phrases::value(lang, *placeholder, sentence)?)
            }
        }
    }
    Some(pieces)
}

/// Joins rendered fragments with single spaces between words, none before punctuation, and
/// none next to template text (which carries its own spacing).
#[derive(Default)]
pub(crate) struct Joiner {
    out: String,
    prev_literal: bool,
}

impl Joiner {
    pub(crate) fn push(&mut self, fragment: &str, literal: bool, starts_with_punct: bool) {
        if fragment.is_empty() {
            return;
        }
        // An elided word ("d'", SSML "d&apos;") joins the next one: "d'environ".
        let elided = self.out.ends_with(['\'', '’']) || self.out.ends_with("&apos;");
        let need_space = !self.out.is_empty()
            && !elided
            && !literal
            && !self.prev_literal
            && !starts_with_punct
            && !self.out.ends_with(' ');
        if need_space {
            self.out.push(' ');
        }
        self.out.push_str(fragment);
        self.prev_literal = literal;
    }

    /// Markup that takes no space of its own (SSML `<break/>`): keeps the spacing state.
    pub(crate) fn push_markup(&mut self, markup: &str) {
        if !self.out.is_empty() && !self.out.ends_with(' ') {
            self.out.push(' ');
        }
        self.out.push_str(markup);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.out.trim().is_empty()
    }

    pub(crate) fn take(&mut self) -> String {
        self.prev_literal = false;
        std::mem::take(&mut self.out).trim().to_string()
    }
}

pub(crate) fn starts_with_punct(text: &str) -> bool {
    text.starts_with([',', '.', ';', ':', '!', '?'])
}
