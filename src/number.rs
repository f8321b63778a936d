//! Caller number → E.164.
//!
//! PBXes hand us caller ids in many shapes: `+15551234567`, `15551234567`, `5551234567`,
//! `(555) 123-4567`, `tel:+44 20 7946 0958`, or the literal `unknown`. [`PhoneNumber::parse`]
//! turns the usable ones into E.164 (`+` and 8 to 15 digits) and rejects the rest with an
//! [`ErrorKind::InvalidNumber`] error that says why. Between the digits only the separators of
//! one list are skipped, and the error for any other character names exactly that list. A `/`
//! may follow an area code (`0171/1234567`), never a complete number: `+1 555 123 0001 / 02`
//! is two numbers, whose digits run together would make a third.

use crate::error::{Error, ErrorKind, Result};
use std::fmt;

mod formats;

pub use formats::NumberFormats;

/// Longest input we look at; anything longer is not a phone number.
const MAX_INPUT_LEN: usize = 64;
/// E.164 allows at most 15 digits including the country code.
const MAX_E164_DIGITS: usize = 15;
/// Shortest full international number we accept (country code + subscriber number).
const MIN_E164_DIGITS: usize = 8;

/// Characters written between the digits of one number (`(555) 123-4567`, `555.123.4567`,
/// `0171/1234567`), skipped when reading it. The only other characters accepted are digits and
/// a leading `+`; the error for any other names exactly these (see [`separators_allowed`]).
const SEPARATORS: [char; 7] = [' ', '\t', '-', '.', '(', ')', '/'];

/// The separator that may also stand between two numbers (`+1 555 123 0001 / 02`): accepted
/// only inside one number, after an area code, never after a number already complete.
const NUMBER_JOINER: char = '/';

/// "digits, a leading '+' and the separators space, tab, - . ( ) /": [`SEPARATORS`] as the
/// error message lists them.
fn separators_allowed() -> String {
    let names: Vec<String> = SEPARATORS
        .iter()
        .map(|c| match c {
            ' ' => "space".to_string(),
            '\t' => "tab".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "only digits, a leading '+' and the separators {} are allowed",
        names.join(" ")
    )
}

/// Caller-id values PBXes use when there is no number to show.
const NO_NUMBER_WORDS: [&str; 9] = [
    "unknown",
    "anonymous",
    "restricted",
    "private",
    "unavailable",
    "withheld",
    "blocked",
    "none",
    "null",
];

/// A country calling code (1 to 3 digits, no `+`), used to complete national numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parse `1`, `+44`, `052` (leading zeros are not allowed) ...
    pub fn parse(text: &str) -> Result<CountryCode> {
        let digits = text.trim().trim_start_matches('+');
        let valid = (1..=3).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if valid {
            Ok(CountryCode(digits.to_string()))
        } else {
            Err(Error::new(
                ErrorKind::InvalidConfig,
                format!(
                    "default_country must be a country calling code such as 1 or 44, not {text:?}"
                ),
            ))
        }
    }

    /// The digits, without `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CountryCode {
    fn default() -> Self {
        CountryCode("1".to_string())
    }
}

/// How the number is written in the `contact_number` sent to Mindful. Its documentation does
/// not say which form it matches requests on (its one example source is `Phone:8525550917`,
/// a national number), so deployments can choose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NumberFormat {
    /// `+15551234567` (the default).
    #[default]
    E164,
    /// `15551234567`: E.164 without the `+`.
    Digits,
    /// `5551234567`: without the default country code (other countries keep theirs, as
    /// `+44...`).
    National,
}

impl NumberFormat {
    /// Every format, in the order the stats list them.
    pub const ALL: [NumberFormat; 3] = [
        NumberFormat::E164,
        NumberFormat::Digits,
        NumberFormat::National,
    ];

    /// The name `number_format` takes: `e164`, `digits` or `national`.
    pub fn as_str(self) -> &'static str {
        match self {
            NumberFormat::E164 => "e164",
            NumberFormat::Digits => "digits",
            NumberFormat::National => "national",
        }
    }

    /// Parse `e164`, `digits` or `national` (case-insensitive).
    pub fn parse(text: &str) -> Result<NumberFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "e164" | "e.164" => Ok(NumberFormat::E164),
            "digits" => Ok(NumberFormat::Digits),
            "national" => Ok(NumberFormat::National),
            _ => Err(Error::new(
                ErrorKind::InvalidConfig,
                format!("number_format must be e164, digits or national, not {text:?}"),
            )),
        }
    }
}

impl fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phone number in E.164 form, e.g. `+15551234567`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// An international number written with the national trunk prefix in parentheses
/// (`+44 (0) 7700 900123`, `0044 (0)20 7946 0958`) without it: the `0` is dialled only from
/// inside the country. A national number keeps its `(0)` (there the 0 is the trunk prefix
/// that normalisation already drops).
fn without_trunk_prefix_in_parentheses(body: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = body.trim_start();
    if !(trimmed.starts_with('+') || trimmed.starts_with("00")) || !body.contains('(') {
        return body.into();
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        match after.find(')') {
            Some(close) if after[..close].trim() == "0" => {
                out.push_str(&rest[..open]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.into()
}

impl PhoneNumber {
    /// Normalise a caller number to E.164, completing national numbers with `country`.
    pub fn parse(input: &str, country: &CountryCode) -> Result<PhoneNumber> {
        let invalid = |why: String| Err(Error::new(ErrorKind::InvalidNumber, why));
        if input.len() > MAX_INPUT_LEN {
            return invalid(format!(
                "caller number is {} bytes long; a phone number has at most {MAX_E164_DIGITS} digits",
                input.len()
            ));
        }
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return invalid("caller number is empty (no caller id)".to_string());
        }
        let lower = trimmed.to_ascii_lowercase();
        if NO_NUMBER_WORDS.contains(&lower.as_str()) {
            return invalid(format!(
                "caller number is {trimmed:?}: the caller withheld or has no caller id"
            ));
        }
        let body = ["tel:", "sip:", "sips:"]
            .iter()
            .find_map(|scheme| lower.strip_prefix(scheme))
            .map(|rest| &trimmed[trimmed.len() - rest.len()..])
            .unwrap_or(trimmed);
        // A SIP URI carries the user part before '@'.
        let body = body.split('@').next().unwrap_or(body);
        let body = without_trunk_prefix_in_parentheses(body);

        let mut digits = String::with_capacity(MAX_E164_DIGITS);
        let mut international = false;
        for (i, c) in body.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => international = true,
                c if c.is_control() && !SEPARATORS.contains(&c) => {
                    return invalid(format!(
                        "caller number contains a control character (U+{:04X})",
                        c as u32
                    ))
                }
                c if SEPARATORS.contains(&c) => {}
                c => {
                    return invalid(format!(
                        "caller number contains {c:?}; {}",
                        separators_allowed()
                    ))
                }
            }
        }
        if let Some((before, _)) = body.split_once(NUMBER_JOINER) {
            // `0171/1234567` is one number (area code / subscriber); `5551230001/02` and
            // `+1 555 123 0001 / 02` are two, and their digits run together would be a third.
            if PhoneNumber::parse(before, country).is_ok() {
                return invalid(format!(
                    "caller number holds two numbers joined by '{NUMBER_JOINER}'; pass one"
                ));
            }
        }
        if digits.is_empty() {
            return invalid("caller number has no digits".to_string());
        }

        let e164_digits = if international {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if country.as_str() == "1" {
            north_american(digits)?
        } else if let Some(national) = digits.strip_prefix('0') {
            // A trunk prefix: 020 7946 0958 in the UK is +44 20 7946 0958.
            format!("{}{national}", country.as_str())
        } else if digits.starts_with(country.as_str()) && digits.len() >= 10 {
            digits
        } else {
            format!("{}{digits}", country.as_str())
        };

        let n = e164_digits.len();
        if !(MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&n) {
            return invalid(format!(
                "caller number has {n} digits with its country code; E.164 numbers have {MIN_E164_DIGITS} to {MAX_E164_DIGITS}"
            ));
        }
        if e164_digits.starts_with('0') {
            return invalid("caller number has no valid country code (starts with 0)".to_string());
        }
        Ok(PhoneNumber(format!("+{e164_digits}")))
    }

    /// The E.164 form, `+` then digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The number written as `format` (`country`: the default country code, dropped by
    /// [`NumberFormat::National`] when the number has it).
    pub fn formatted(&self, format: NumberFormat, country: &CountryCode) -> &str {
        match format {
            NumberFormat::E164 => self.as_str(),
            NumberFormat::Digits => self.digits(),
            NumberFormat::National => match self.digits().strip_prefix(country.as_str()) {
                Some(national) => national,
                None => self.as_str(),
            },
        }
    }

    /// The last `n` digits (all of them if there are fewer), for "ending in 4 5 6 7".
    pub fn last_digits(&self, n: usize) -> &str {
        let d = self.digits();
        &d[d.len().saturating_sub(n)..]
    }
}

/// North American Numbering Plan: 10 digits, or 11 starting with 1, or 011 + international.
fn north_american(digits: String) -> Result<String> {
    if let Some(rest) = digits.strip_prefix("011") {
        return Ok(rest.to_string());
    }
    match digits.len() {
        10 => Ok(format!("1{digits}")),
        11 if digits.starts_with('1') => Ok(digits),
        n => Err(Error::new(
            ErrorKind::InvalidNumber,
            format!(
                "caller number has {n} digits; a North American number has 10 (or 11 starting with 1); \
                 set default_country for other countries or send it with a leading +"
            ),
        )),
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(input: &str) -> Result<String> {
        PhoneNumber::parse(input, &CountryCode::default()).map(|n| n.as_str().to_string())
    }

    #[test]
    fn a_trunk_prefix_in_parentheses_is_dropped_from_international_numbers() {
        let uk = CountryCode::parse("44").unwrap();
        let us_cc = CountryCode::default();
        for (input, country, want) in [
            ("+44 (0) 7700 900123", &us_cc, "+447700900123"),
            ("+44(0)7700 900123", &us_cc, "+447700900123"),
            ("0044 ( 0 ) 20 7946 0958", &us_cc, "+442079460958"),
            ("tel:+44-(0)-20-7946-0958", &us_cc, "+442079460958"),
            ("(0) 20 7946 0958", &uk, "+442079460958"),
            ("020 7946 0958", &uk, "+442079460958"),
            ("+1 (555) 123-4567", &us_cc, "+15551234567"),
        ] {
            let got = PhoneNumber::parse(input, country).map(|n| n.as_str().to_string());
            assert_eq!(got.unwrap(), want, "{input}");
        }
    }

    #[test]
    fn asterisk_shapes_normalise_to_e164() {
        for input in [
            "+15551234567",
            "15551234567",
            "5551234567",
            "(555) 123-4567",
            "555.123.4567",
            " +1 555 123 4567 ",
            "tel:+1-555-123-4567",
            "sip:+15551234567@pbx.example.com",
        ] {
            assert_eq!(us(input).unwrap(), "+15551234567", "{input}");
        }
    }

    #[test]
    fn international_forms() {
        assert_eq!(us("+44 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(us("011 44 20 7946 0958").unwrap(), "+442079460958");
        assert_eq!(us("0044 20 7946 0958").unwrap(), "+442079460958");
        let uk = CountryCode::parse("44").unwrap();
        let n = PhoneNumber::parse("020 7946 0958", &uk).unwrap();
        assert_eq!(n.as_str(), "+442079460958");
        assert_eq!(
            PhoneNumber::parse("442079460958", &uk).unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn rejects_what_is_not_a_number() {
        for input in [
            "",
            "   ",
            "unknown",
            "Unknown",
            "anonymous",
            "restricted",
            "abc",
            "555-CALL-NOW",
            "+",
            "()",
            "123",
            "+1234567",
            "+1234567890123456",
            "55512345678",
            "5551\n234567",
            "555\u{0}1234567",
            "+1555+1234567",
        ] {
            let err = us(input).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidNumber, "{input:?}");
            assert!(!err.detail().is_empty());
        }
        assert_eq!(
            us(&"5".repeat(10_000)).unwrap_err().kind(),
            ErrorKind::InvalidNumber
        );
    }

    #[test]
    fn the_characters_accepted_are_those_the_error_lists() {
        let listed = |err: Error| -> Vec<char> {
            let detail = err.detail().to_string();
            let list = detail
                .split_once("the separators ")
                .and_then(|(_, rest)| rest.strip_suffix(" are allowed"))
                .unwrap_or_else(|| panic!("no list in {detail:?}"));
            list.split(' ')
                .map(|name| match name {
                    "space" => ' ',
                    "tab" => '\t',
                    c => c.chars().next().unwrap(),
                })
                .collect()
        };
        // Every character but digits and '+', between the digits of a valid number.
        let mut accepted = Vec::new();
        let mut message = None;
        for c in (0u8..=0x7f)
            .map(char::from)
            .chain(['\u{a0}', 'é', '\u{2013}'])
        {
            // '@' ends the user part of a SIP URI (`sip:+15551234567@pbx`): what follows is
            // the host, not part of the number.
            if c.is_ascii_digit() || c == '+' || c == '@' {
                continue;
            }
            match us(&format!("555{c}1234567")) {
                Ok(n) => {
                    assert_eq!(n, "+15551234567", "{c:?}");
                    accepted.push(c);
                }
                Err(err) if c.is_control() && !SEPARATORS.contains(&c) => {
                    assert!(err.detail().contains("control character"), "{c:?}");
                }
                Err(err) => message = Some(listed(err)),
            }
        }
        let mut listed = message.expect("some character refused");
        listed.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(accepted, listed, "accepted vs listed in the error");
    }

    #[test]
    fn a_slash_joins_an_area_code_never_two_numbers() {
        let de = CountryCode::parse("49").unwrap();
        assert_eq!(
            PhoneNumber::parse("0171/1234567", &de).unwrap().as_str(),
            "+491711234567"
        );
        assert_eq!(us("555/123-4567").unwrap(), "+15551234567");
        for two in [
            "+1 555 123 0001 / 02",
            "+1 555 123 0001/2",
            "5551230001/5551230002",
            "(555) 123-0001 / 0002",
            "+44 20 7946 0958 / 59",
        ] {
            let err = us(two).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidNumber, "{two}");
            assert!(err.detail().contains("two numbers"), "{two}: {err}");
        }
    }

    #[test]
    fn last_digits() {
        let n = PhoneNumber::parse("5551234567", &CountryCode::default()).unwrap();
        assert_eq!(n.last_digits(4), "4567");
        assert_eq!(n.last_digits(40), "15551234567");
        assert_eq!(n.digits(), "15551234567");
    }

    #[test]
    fn formats_for_the_api() {
        let us = CountryCode::default();
        let n = PhoneNumber::parse("(555) 123-4567", &us).unwrap();
        assert_eq!(n.formatted(NumberFormat::E164, &us), "+15551234567");
        assert_eq!(n.formatted(NumberFormat::Digits, &us), "15551234567");
        assert_eq!(n.formatted(NumberFormat::National, &us), "5551234567");
        let uk = PhoneNumber::parse("+442079460958", &us).unwrap();
        assert_eq!(uk.formatted(NumberFormat::National, &us), "+442079460958");
        assert_eq!(
            NumberFormat::parse(" National ").unwrap(),
            NumberFormat::National
        );
        assert_eq!(NumberFormat::parse("e164").unwrap(), NumberFormat::E164);
        assert_eq!(
            NumberFormat::parse("x").unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
    }

    #[test]
    fn country_code_validation() {
        assert_eq!(CountryCode::parse("+44").unwrap().as_str(), "44");
        for bad in ["", "0", "1234", "x", "04"] {
            assert_eq!(
                CountryCode::parse(bad).unwrap_err().kind(),
                ErrorKind::InvalidConfig
            );
        }
    }
}
