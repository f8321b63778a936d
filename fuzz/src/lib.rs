//! The bodies of the fuzz targets, shared with the stable replay test (tests/fuzz_corpus.rs
//! includes this file), so the targets cannot rot between fuzzing campaigns. Each function
//! panics only when cbstatus breaks a promise: that is what the fuzzer reports.

use cbstatus::mindful::{parse_callback_status, parse_cancel, parse_widget};
use cbstatus::number::CountryCode;
use cbstatus::speech::{speak, Format, Outcome, SpeechOptions};
use cbstatus::{ErrorKind, PhoneNumber};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Any bytes as a reply body: parsing never panics, fails only as `MalformedReply`, and what
/// parses can be spoken in every format.
pub fn parse_reply(data: &[u8]) {
    let now = Timestamp::from_second(1_700_000_000).expect("valid time");
    match parse_callback_status(data, now) {
        Ok(report) => {
            let outcome = Outcome::Status {
                report: &report,
                number: None,
            };
            for format in Format::ALL {
                let text = speak(
                    &outcome,
                    now,
                    &TimeZone::UTC,
                    &SpeechOptions::default(),
                    format,
                );
                assert!(!text.is_empty(), "empty {format} rendering");
            }
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::MalformedReply, "{e}"),
    }
    if let Err(e) = parse_cancel(data) {
        assert_eq!(e.kind(), ErrorKind::MalformedReply, "{e}");
    }
    if let Err(e) = parse_widget(data) {
        assert_eq!(e.kind(), ErrorKind::MalformedReply, "{e}");
    }
}

/// Any bytes as a caller number (UTF-8 only, as every surface checks): normalisation never
/// panics, gives `+` and 8 to 15 digits, and is idempotent.
pub fn normalize_number(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for cc in ["1", "44", "353"] {
        let country = CountryCode::parse(cc).expect("valid country code");
        match PhoneNumber::parse(text, &country) {
            Ok(number) => {
                let digits = &number.as_str()[1..];
                assert!(number.as_str().starts_with('+'), "{number}");
                assert!((8..=15).contains(&digits.len()), "{number}");
                assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{number}");
                let again = PhoneNumber::parse(number.as_str(), &country).expect("idempotent");
                assert_eq!(again, number);
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidNumber, "{e}"),
        }
    }
}
