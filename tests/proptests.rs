//! Issue #5, part 5: property tests over the public API. Number normalisation never panics,
//! gives `+` and 8-15 digits and is idempotent; reply parsing never panics on any bytes or JSON
//! and round-trips generated entries; every renderer turns any report into non-empty speech,
//! well-formed SSML and valid prompt names, never speaking raw API strings.
//! 256 cases per property keep the suite fast; `PROPTEST_CASES` raises it locally.

use cbstatus::mindful::parse_callback_status;
use cbstatus::number::CountryCode;
use cbstatus::speech::{speak, EtaPolicy, EtaStyle, Format, Locale, Outcome, SpeechOptions};
use cbstatus::{
    Callback, CallbackStatus, CallbackType, ErrorKind, PhoneNumber, StatusReport, Token,
};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn country() -> impl Strategy<Value = CountryCode> {
    prop_oneof![Just("1"), Just("44"), Just("52"), Just("353"), Just("7")]
        .prop_map(|c| CountryCode::parse(c).unwrap())
}

/// Caller-id-like text: digits, separators, a `+`, words PBXes use, and anything at all.
fn caller_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+]?[0-9 ().-]{0,24}",
        "(tel:|sip:|sips:)?[+]?[0-9]{1,16}(@[a-z.]{1,10})?",
        "(00|011)[0-9]{6,16}",
        "(unknown|anonymous|Restricted|PRIVATE|null| )",
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..80).prop_map(|c| c.into_iter().collect()),
    ]
}

fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalisation_never_panics_and_is_e164_and_idempotent(input in caller_id(), cc in country()) {
        match PhoneNumber::parse(&input, &cc) {
            Ok(number) => {
                prop_assert!(is_e164(number.as_str()), "{input:?} -> {number}");
                let again = PhoneNumber::parse(number.as_str(), &cc).unwrap();
                prop_assert_eq!(again.as_str(), number.as_str());
                // Idempotent whatever the default country: an E.164 number is final.
                let other = PhoneNumber::parse(number.as_str(), &CountryCode::parse("44").unwrap());
                let other = other.unwrap();
                prop_assert_eq!(other.as_str(), number.as_str());
                prop_assert_eq!(number.digits(), &number.as_str()[1..]);
                prop_assert!(number.last_digits(4).len() <= 4);
            }
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::InvalidNumber);
                prop_assert!(e.detail().len() < 400, "long message for {input:?}");
            }
        }
    }

    #[test]
    fn north_american_numbers_in_any_shape(area in "[2-9][0-9]{2}", exchange in "[2-9][0-9]{2}",
                                           line in "[0-9]{4}", shape in 0usize..6) {
        let digits = format!("{area}{exchange}{line}");
        let input = match shape {
            0 => digits.clone(),
            1 => format!("1{digits}"),
            2 => format!("+1{digits}"),
            3 => format!("({area}) {exchange}-{line}"),
            4 => format!("+1 {area}.{exchange}.{line}"),
            _ => format!("tel:+1-{area}-{exchange}-{line}"),
        };
        let number = PhoneNumber::parse(&input, &CountryCode::default()).unwrap();
        prop_assert_eq!(number.as_str(), format!("+1{digits}"));
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_callback_status(&body, Timestamp::UNIX_EPOCH) {
            prop_assert_eq!(e.kind(), ErrorKind::MalformedReply);
        }
    }

    #[test]
    fn parsing_arbitrary_json_never_panics(value in json_value(), wrap in 0usize..3) {
        let body = match wrap {
            0 => value.to_string(),
            1 => json!({ "data": value }).to_string(),
            _ => json!({ "data": [value] }).to_string(),
        };
        match parse_callback_status(body.as_bytes(), Timestamp::UNIX_EPOCH) {
            Ok(report) => {
                // Whatever was accepted can be spoken.
                let text = speak(&Outcome::Status { report: &report, number: None },
                                 Timestamp::UNIX_EPOCH, &TimeZone::UTC,
                                 &SpeechOptions::default(), Format::Text);
                prop_assert!(!text.is_empty());
            }
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::MalformedReply),
        }
    }

    #[test]
    fn parsing_entries_with_arbitrary_field_values_never_fails(entries in proptest::collection::vec(entry_with_junk(), 0..6)) {
        let body = json!({ "data": entries }).to_string();
        let report = parse_callback_status(body.as_bytes(), Timestamp::UNIX_EPOCH);
        // Objects in an array are always accepted: odd fields are just absent.
        prop_assert!(report.is_ok(), "{body}: {report:?}");
    }

    #[test]
    fn valid_entries_round_trip(entries in proptest::collection::vec(valid_entry(), 1..5)) {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let body = json!({ "data": entries.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>() }).to_string();
        let report = parse_callback_status(body.as_bytes(), now).unwrap();
        prop_assert_eq!(report.count(), entries.len());
        for (_, want) in &entries {
            prop_assert!(report.callbacks.contains(want), "{want:?} missing from {:?}", report.callbacks);
        }
    }

    #[test]
    fn every_renderer_speaks_any_report(report in report(), opts in options(), now in now(),
                                        tz in zone(), with_number in any::<bool>()) {
        let number = PhoneNumber::parse("+15551230001", &CountryCode::default()).unwrap();
        let outcome = Outcome::Status { report: &report, number: with_number.then_some(&number) };
        for format in Format::ALL {
            let text = speak(&outcome, now, &tz, &opts, format);
            prop_assert!(!text.trim().is_empty(), "{format}: empty");
            prop_assert!(!text.chars().any(char::is_control), "{format}: control character in {text:?}");
            // Raw API strings (unknown status/type values, ids, sources) are never spoken.
            // Tokens are lower case: look for the marker in any case.
            prop_assert!(
                !text.to_lowercase().contains("qzx"),
                "{format}: raw value in {text}"
            );
            match format {
                Format::Ssml => check_xml(&text).map_err(TestCaseError::fail)?,
                Format::Prompts => prop_assert!(valid_prompts(&text), "{text}"),
                Format::Text => prop_assert!(!text.contains('<'), "{text}"),
            }
        }
    }

    #[test]
    fn the_fallback_renders_in_every_locale_and_format(opts in options(), now in now(), tz in zone()) {
        for format in Format::ALL {
            let text = speak(&Outcome::Failed, now, &tz, &opts, format);
            prop_assert!(!text.is_empty());
            if format == Format::Ssml {
                check_xml(&text).map_err(TestCaseError::fail)?;
            }
            if format == Format::Prompts {
                prop_assert!(valid_prompts(&text), "{text}");
            }
        }
    }
}

/// `^[A-Za-z0-9/_-]+(&[A-Za-z0-9/_-]+)*$`
fn valid_prompts(text: &str) -> bool {
    text.split('&').all(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    })
}

/// Balanced tags, quoted attributes, only the five XML entities, no stray `<`, `>` or `&`,
/// one `<speak>` root.
fn check_xml(ssml: &str) -> Result<(), String> {
    if !ssml.starts_with("<speak") || !ssml.ends_with("</speak>") {
        return Err(format!("not a <speak> document: {ssml}"));
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = ssml;
    let mut roots = 0;
    while let Some(i) = rest.find(['<', '&', '>']) {
        let tail = &rest[i..];
        if tail.starts_with('>') {
            return Err(format!("stray '>' in {ssml}"));
        }
        if tail.starts_with('&') {
            let end = tail.find(';').ok_or_else(|| format!("bare & in {ssml}"))?;
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&&tail[..=end]) {
                return Err(format!("unknown entity in {ssml}"));
            }
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail
            .find('>')
            .ok_or_else(|| format!("unclosed tag in {ssml}"))?;
        let tag = &tail[1..end];
        if tag.contains('<') || tag.matches('"').count() % 2 != 0 {
            return Err(format!("malformed tag <{tag}>"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop() != Some(name.trim()) {
                return Err(format!("mismatched </{name}> in {ssml}"));
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            if stack.is_empty() {
                roots += 1;
            }
            stack.push(name);
        }
        rest = &tail[end + 1..];
    }
    if !stack.is_empty() || roots != 1 {
        return Err(format!("unbalanced ({stack:?}, {roots} roots): {ssml}"));
    }
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        "(ASAP|scheduled|waitlisted|InteractionNotFound|[0-9]{1,12}|-?[0-9.e+]{1,8})"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("data".to_string()),
        Just("type".to_string()),
        Just("status".to_string()),
        Just("forecast_waitlist_position".to_string()),
        Just("estimated_wait_time".to_string()),
        Just("estimated_for".to_string()),
        Just("created_at".to_string()),
        Just("callback_number".to_string()),
        "[a-z_]{1,8}",
    ]
}

/// An object with the documented keys holding any JSON values at all.
fn entry_with_junk() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(field_name(), json_value(), 0..8)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// A documented entry, sent as strings or numbers at random, and the callback it must parse to.
fn valid_entry() -> impl Strategy<Value = (Value, Callback)> {
    (
        prop_oneof![
            Just(("ASAP", CallbackType::Asap)),
            Just(("scheduled", CallbackType::Scheduled))
        ],
        prop_oneof![
            Just(("waitlisted", CallbackStatus::Waitlisted)),
            Just(("Scheduled", CallbackStatus::Scheduled)),
            Just(("pending", CallbackStatus::Pending)),
            Just(("CONNECTING", CallbackStatus::Connecting)),
            Just(("canceled", CallbackStatus::Canceled)),
        ],
        proptest::option::of(0u32..10_000),
        proptest::option::of(0u64..1_000_000),
        proptest::option::of(1_600_000_000i64..1_900_000_000),
        proptest::option::of("[a-z0-9]{1,12}"),
        any::<bool>(),
    )
        .prop_map(
            |((t, kind), (s, status), position, wait, at, id, as_numbers)| {
                let mut entry = serde_json::Map::new();
                entry.insert("type".into(), json!(t));
                entry.insert("status".into(), json!(s));
                let put =
                    |entry: &mut serde_json::Map<String, Value>, key: &str, n: Option<i64>| {
                        let value = match n {
                            Some(n) if as_numbers => json!(n),
                            Some(n) => json!(n.to_string()),
                            None => json!(""),
                        };
                        entry.insert(key.to_string(), value);
                    };
                put(
                    &mut entry,
                    "forecast_waitlist_position",
                    position.map(i64::from),
                );
                put(&mut entry, "estimated_wait_time", wait.map(|w| w as i64));
                put(&mut entry, "estimated_for", at);
                if let Some(id) = &id {
                    entry.insert("call_request_id".into(), json!(id));
                }
                let callback = Callback {
                    kind: Some(kind),
                    status: Some(status),
                    position,
                    wait: wait.map(Duration::from_secs),
                    estimated_for: at.map(|s| Timestamp::from_second(s).unwrap()),
                    request_id: id,
                    ..Callback::default()
                };
                (Value::Object(entry), callback)
            },
        )
}

/// Any timestamp jiff can hold, biased towards the present.
fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        3 => 1_600_000_000i64..1_900_000_000,
        1 => Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
    ]
    .prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn now() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        4 => 1_700_000_000i64..1_800_000_000,
        1 => Timestamp::MIN.as_second()..=Timestamp::MAX.as_second(),
    ]
    .prop_map(|s| Timestamp::from_second(s).unwrap())
}

fn zone() -> impl Strategy<Value = TimeZone> {
    prop_oneof![
        Just("UTC"),
        Just("America/New_York"),
        Just("America/Los_Angeles"),
        Just("America/Mexico_City"),
        Just("Pacific/Kiritimati"),
        Just("Pacific/Pago_Pago"),
        Just("Asia/Kathmandu"),
    ]
    .prop_map(|name| TimeZone::get(name).unwrap_or(TimeZone::UTC))
}

/// Raw strings carry the marker `Qzx`, which must never be spoken.
fn raw_text() -> impl Strategy<Value = String> {
    ".{0,30}".prop_map(|s| format!("Qzx{s}"))
}

fn callback() -> impl Strategy<Value = Callback> {
    let status = prop_oneof![
        Just(CallbackStatus::Pending),
        Just(CallbackStatus::Waitlisted),
        Just(CallbackStatus::Scheduled),
        Just(CallbackStatus::Registering),
        Just(CallbackStatus::Connecting),
        Just(CallbackStatus::Queued),
        Just(CallbackStatus::Talking),
        Just(CallbackStatus::Retries),
        Just(CallbackStatus::Abandoned),
        Just(CallbackStatus::Canceled),
        Just(CallbackStatus::Failure),
        Just(CallbackStatus::Successful),
        Just(CallbackStatus::Unavailable),
        // Through the one way in from the API: a raw value becomes a safe token (or `other`).
        raw_text().prop_map(|t| CallbackStatus::Other(Token::from_api(&t))),
    ];
    let kind = prop_oneof![
        Just(CallbackType::Asap),
        Just(CallbackType::Scheduled),
        raw_text().prop_map(|t| CallbackType::Other(Token::from_api(&t))),
    ];
    (
        proptest::option::of(kind),
        proptest::option::of(status),
        proptest::option::of(prop_oneof![0u32..200, any::<u32>()]),
        proptest::option::of(prop_oneof![0u64..20_000, 0u64..10_000_000, any::<u64>()]),
        proptest::option::of(timestamp()),
        proptest::option::of(timestamp()),
        proptest::option::of(prop_oneof!["[+]?[0-9]{0,16}", raw_text()]),
        proptest::option::of(raw_text()),
    )
        .prop_map(
            |(kind, status, position, wait, estimated_for, created_at, number, raw)| Callback {
                kind,
                status,
                position,
                wait: wait.map(Duration::from_secs),
                estimated_for,
                created_at,
                callback_number: number,
                request_id: raw.clone(),
                source: raw.clone(),
                call_target_id: raw,
            },
        )
}

fn report() -> impl Strategy<Value = StatusReport> {
    (proptest::collection::vec(callback(), 0..4), now())
        .prop_map(|(callbacks, at)| StatusReport::new(callbacks, at))
}

fn options() -> impl Strategy<Value = SpeechOptions> {
    (
        prop_oneof![Just(Locale::EN_US), Just(Locale::ES_US)],
        prop_oneof![Just(EtaStyle::Exact), Just(EtaStyle::Range)],
        proptest::option::of(0u32..=60),
        proptest::option::of(1u32..=1440),
        any::<bool>(),
    )
        .prop_filter_map(
            "invalid wait policy",
            |(locale, style, min, max, read_back)| {
                let eta = EtaPolicy {
                    style,
                    min_minutes: min,
                    max_minutes: max,
                };
                eta.validate().ok()?;
                Some(SpeechOptions {
                    locale,
                    eta,
                    read_back_number: read_back,
                    ..SpeechOptions::default()
                })
            },
        )
}
