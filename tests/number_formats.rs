//! `number_format` as a list (issue 21, section 2): `e164,national` from every surface, and
//! bad lists refused with a message saying what to write.

use cbstatus::{Config, ErrorKind, NumberFormat, NumberFormats};

fn formats(config: &Config) -> Vec<NumberFormat> {
    config.number_format.iter().collect()
}

#[test]
fn the_default_is_e164_alone() {
    assert_eq!(formats(&Config::new()), [NumberFormat::E164]);
    assert_eq!(Config::new().number_format, NumberFormats::default());
}

#[test]
fn a_list_from_set_a_toml_string_a_toml_array_and_a_profile() {
    let wanted = [NumberFormat::E164, NumberFormat::National];
    let mut set = Config::new();
    set.set("number_format", "e164,national").unwrap();
    assert_eq!(formats(&set), wanted);
    set.set("CBSTATUS_NUMBER_FORMAT", " national , digits ")
        .unwrap();
    assert_eq!(
        formats(&set),
        [NumberFormat::National, NumberFormat::Digits]
    );
    set.set("number_format", "").unwrap();
    assert_eq!(formats(&set), [NumberFormat::E164], "empty: the default");

    for toml in [
        "number_format = \"e164,national\"",
        "number_format = [\"e164\", \"national\"]",
        "number_format = [\"E164\", \" National\"]",
    ] {
        let mut config = Config::new();
        config.apply_toml(toml).unwrap();
        assert_eq!(formats(&config), wanted, "{toml}");
    }

    let mut profiled = Config::new();
    profiled
        .apply_toml(
            "number_format = \"e164\"\n\
             [profiles.sms]\nnumber_format = [\"national\", \"e164\"]\n",
        )
        .unwrap();
    assert_eq!(formats(&profiled), [NumberFormat::E164]);
    profiled.set("profile", "sms").unwrap();
    assert_eq!(
        formats(&profiled),
        [NumberFormat::National, NumberFormat::E164]
    );
}

#[test]
fn duplicates_unknown_names_and_bad_arrays_are_refused_saying_what_to_write() {
    for (value, says) in [
        ("e164,national,e164", "lists e164 twice"),
        ("national,NATIONAL", "lists national twice"),
        (
            "e164,internatonal",
            "\"internatonal\", which is not a number format",
        ),
        ("e164,,national", "has an empty entry"),
    ] {
        let mut config = Config::new();
        config.set("number_format", "digits").unwrap();
        let error = config.set("number_format", value).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidConfig, "{value}");
        assert!(error.detail().contains(says), "{value}: {error}");
        assert!(error.detail().contains("e.g. \"e164,national\""), "{error}");
        assert_eq!(formats(&config), [NumberFormat::Digits], "kept: {value}");
    }
    for (toml, says) in [
        ("number_format = [\"e164\", \"e164\"]", "lists e164 twice"),
        ("number_format = []", "is an empty array"),
        (
            "number_format = [\"e164\", 1]",
            "not an array holding a value of type integer",
        ),
        (
            "number_format = [\"e164,national\"]",
            "the item \"e164,national\", which holds a comma",
        ),
        // Only a list-valued key takes an array.
        (
            "timeout_ms = [1000]",
            "must be a string, number or boolean, not array",
        ),
        (
            "[profiles.p]\nnumber_format = [\"digits\", \"e.164\", \"e164\"]",
            "lists e164 twice",
        ),
    ] {
        let error = Config::new().apply_toml(toml).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidConfig, "{toml}");
        assert!(error.detail().contains(says), "{toml}: {error}");
    }
}
