//! Asterisk prompts: an `&`-joined list of sound file names for `Playback()`, built with
//! Asterisk's own number and time rules (see the locale files). Always the built-in wording:
//! operator templates do not apply, because no recordings exist for an operator's words.

use crate::speech::locale::{phrases, Language, Piece};
use crate::speech::manifest::is_valid_prompt_name;
use crate::speech::message::Message;

pub(crate) fn render(message: &Message, lang: &dyn Language) -> String {
    names(message, lang).join("&")
}

/// The prompt names, in playing order.
pub(crate) fn names(message: &Message, lang: &dyn Language) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for sentence in &message.sentences {
        for piece in phrases::sentence(lang, sentence) {
            match piece {
                Piece::Words(_, prompts) => names.extend(prompts.iter().map(|p| p.to_string())),
                Piece::Number(n, gender) => names.extend(lang.number_prompts(n, gender)),
                Piece::Ordinal(n) => names.extend(lang.ordinal_prompts(n)),
                Piece::Time(time) => names.extend(lang.time_prompts(time)),
                Piece::Digits(digits) => names.extend(lang.digit_prompts(&digits)),
                // Templates and written clock times never reach prompts.
                Piece::Literal(_)
                | Piece::Clock(_)
                | Piece::Written { .. }
                | Piece::End
                | Piece::Pause => {}
            }
        }
    }
    let mut names = phrases::elide_prompts(lang, names);
    debug_assert!(names.iter().all(|n| is_valid_prompt_name(n)), "{names:?}");
    names.retain(|n| is_valid_prompt_name(n));
    names
}
