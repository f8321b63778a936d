//! `number_format` as a list: the forms of `contact_number` to try, in order.
//!
//! Mindful matches `contact_number` "exactly as it was submitted", and callbacks reach it from
//! widgets, SMS and IVRs that each submit numbers their own way. A deployment that does not
//! know which form its organization stores lists several (`e164,national`): a status lookup
//! asks for all of them at once and merges the answers (`mindful/formats.rs`), and the first
//! format in this order that found something is the one a cancel or register uses.
//!
//! The list is never empty and never names a format twice (a duplicate would only cost a
//! request); both are refused with a message saying what to write. The text form is the
//! format names joined by `,` (what `Display` writes and [`NumberFormats::parse`] reads), so
//! the list travels through every text-only surface (`CBSTATUS_NUMBER_FORMAT`,
//! `cb_config_set`, TOML strings) unchanged.

use super::NumberFormat;
use crate::error::{Error, ErrorKind, Result};
use std::fmt;

/// The formats a caller number is tried in, in order: at least one, each at most once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NumberFormats(Vec<NumberFormat>);

impl Default for NumberFormats {
    /// `e164` alone.
    fn default() -> Self {
        NumberFormats(vec![NumberFormat::default()])
    }
}

impl NumberFormats {
    /// Parse `e164`, `e164,national`, `national, digits` ... (names as [`NumberFormat::parse`]
    /// reads them, separated by commas).
    pub fn parse(text: &str) -> Result<NumberFormats> {
        let invalid = |why: String| {
            Error::new(
                ErrorKind::InvalidConfig,
                format!("{why}; write one or more of e164, digits and national separated by commas, each once, e.g. \"e164,national\""),
            )
        };
        let mut formats = Vec::new();
        for name in text.split(',') {
            if name.trim().is_empty() {
                return Err(invalid(format!(
                    "number_format {text:?} has an empty entry"
                )));
            }
            let format = NumberFormat::parse(name).map_err(|_| {
                invalid(format!(
                    "number_format {text:?} names {:?}, which is not a number format",
                    name.trim()
                ))
            })?;
            if formats.contains(&format) {
                return Err(invalid(format!(
                    "number_format {text:?} lists {format} twice"
                )));
            }
            formats.push(format);
        }
        Ok(NumberFormats(formats))
    }

    /// The list from formats given one by one (the same checks as [`NumberFormats::parse`]).
    pub fn from_list(formats: &[NumberFormat]) -> Result<NumberFormats> {
        let text: Vec<String> = formats.iter().map(|f| f.to_string()).collect();
        NumberFormats::parse(&text.join(","))
    }

    /// The first format: what a cancel or register uses before any lookup found the caller.
    pub fn first(&self) -> NumberFormat {
        self.0[0]
    }

    /// The formats, in order.
    pub fn iter(&self) -> impl Iterator<Item = NumberFormat> + '_ {
        self.0.iter().copied()
    }

    /// How many formats (at least 1).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: kept for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for NumberFormats {
    /// `e164,national`: the text [`NumberFormats::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, format) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{format}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_in_order_and_print_back() {
        let list = NumberFormats::parse(" e164, National ,digits").unwrap();
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [
                NumberFormat::E164,
                NumberFormat::National,
                NumberFormat::Digits
            ]
        );
        assert_eq!(list.to_string(), "e164,national,digits");
        assert_eq!(NumberFormats::parse(&list.to_string()).unwrap(), list);
        assert_eq!(list.first(), NumberFormat::E164);
        assert_eq!(NumberFormats::default().to_string(), "e164");
        assert_eq!(
            NumberFormats::parse("national").unwrap().first(),
            NumberFormat::National
        );
    }

    #[test]
    fn bad_lists_are_refused_saying_why() {
        for (text, says) in [
            ("e164,national,e164", "lists e164 twice"),
            ("e164,E.164", "lists e164 twice"),
            (
                "e164,internatonal",
                "\"internatonal\", which is not a number format",
            ),
            ("e164,", "has an empty entry"),
            (",national", "has an empty entry"),
            ("e164;national", "\"e164;national\", which is not"),
        ] {
            let error = NumberFormats::parse(text).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidConfig, "{text}");
            assert!(error.detail().contains(says), "{text}: {error}");
            assert!(error.detail().contains("e.g. \"e164,national\""), "{error}");
        }
    }
}
