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

// --- Lookups in several formats, against the simulator matching `contact_number` exactly. ---

mod common;
mod support;

use cbstatus::{CancelOutcome, Client};
use cbstatus_sim::{Scenarios, Simulator};
use std::time::{Duration, Instant};

/// One waitlisted callback with id `id` at position `position`.
fn callback(id: &str, position: u32) -> String {
    format!(
        "[[number.callback]]\ncall_request_id = \"{id}\"\ntype = \"ASAP\"\nstatus = \"waitlisted\"\n\
         forecast_waitlist_position = \"{position}\"\nestimated_wait_time = \"600\"\n\
         estimated_for_in = {}\n",
        position * 100
    )
}

/// Numbers stored the way different channels submit them (Mindful matches exactly):
/// ...0001 only nationally; ...0002 under both forms with the same request; ...0003's e164
/// request fails with 500 and ...0004's hangs, both found nationally; ...0005 nowhere;
/// ...0006's e164 request fails with 500 and nothing is stored nationally; ...0007's e164
/// request is reset (TCP RST) and ...0008's gets truncated JSON, both found nationally.
fn stored(extra_settings: &str) -> Simulator {
    let toml = format!(
        "[settings]\ncontact_match = \"exact\"\n{extra_settings}\n\
         [[number]]\nnumber = \"5551230001\"\n{}\
         [[number]]\nnumber = \"+15551230002\"\n{}\
         [[number]]\nnumber = \"5551230002\"\n{}{}\
         [[number]]\nnumber = \"+15551230003\"\nfault = {{ kind = \"status\", code = 500 }}\n\
         [[number]]\nnumber = \"5551230003\"\n{}\
         [[number]]\nnumber = \"+15551230004\"\nfault = \"hang\"\n\
         [[number]]\nnumber = \"5551230004\"\n{}\
         [[number]]\nnumber = \"+15551230006\"\nfault = {{ kind = \"status\", code = 500 }}\n\
         [[number]]\nnumber = \"+15551230007\"\nfault = \"reset\"\n\
         [[number]]\nnumber = \"5551230007\"\n{}\
         [[number]]\nnumber = \"+15551230008\"\nfault = \"malformed\"\n\
         [[number]]\nnumber = \"5551230008\"\n{}",
        callback("n1", 3),
        callback("both", 2),
        callback("both", 2),
        callback("national-only", 5),
        callback("n3", 1),
        callback("n4", 1),
        callback("n7", 1),
        callback("n8", 1),
    );
    Simulator::start("127.0.0.1:0", Scenarios::from_toml_str(&toml).unwrap()).unwrap()
}

fn listing(sim: &Simulator, formats: &str, extra: &[(&str, &str)]) -> Client {
    let mut settings = vec![
        ("number_format", formats),
        ("timeout_ms", "1500"),
        ("breaker_threshold", "0"),
        ("prewarm", "off"),
    ];
    settings.extend_from_slice(extra);
    support::client(&sim.organization_url(), &settings)
}

/// The `contact_number`s the simulator was sent, sorted.
fn sent(sim: &Simulator) -> Vec<String> {
    let mut sent: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| {
            r.body_json().unwrap()["contact_number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    sent.sort();
    sent
}

#[test]
fn found_only_under_national_and_only_with_it_listed() {
    let sim = stored("");
    let e164 = listing(
        &sim,
        "e164",
        &[("cache_ttl_ms", "0"), ("not_found_ttl_ms", "0")],
    );
    assert!(
        !e164.lookup("5551230001").unwrap().found(),
        "e164 alone misses it"
    );
    let both = listing(&sim, "e164,national", &[]);
    let report = both.lookup("+1 555 123 0001").unwrap();
    assert_eq!(report.count(), 1);
    assert_eq!(report.primary().unwrap().position, Some(3));
    assert_eq!(
        sent(&sim),
        ["+15551230001", "+15551230001", "5551230001"],
        "one request per format"
    );
    let stats = both.stats();
    assert_eq!(
        stats.found_by_format,
        [
            (NumberFormat::E164, 0),
            (NumberFormat::Digits, 0),
            (NumberFormat::National, 1)
        ]
    );
    let json = stats.to_json();
    assert_eq!(json["found_by_format"]["national"], 1, "{json}");
    assert_eq!(json["found_by_format"]["e164"], 0, "{json}");
}

#[test]
fn the_same_request_found_under_two_formats_is_counted_once() {
    let sim = stored("");
    let client = listing(&sim, "national,e164", &[]);
    let report = client.lookup("5551230002").unwrap();
    let ids: Vec<_> = report
        .callbacks
        .iter()
        .map(|c| c.request_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["both", "national-only"], "both once, soonest first");
    assert_eq!(report.open_count(), 2);
    let by_format = client.stats().found_by_format;
    assert!(
        by_format.contains(&(NumberFormat::E164, 1)),
        "{by_format:?}"
    );
    assert!(
        by_format.contains(&(NumberFormat::National, 1)),
        "{by_format:?}"
    );
}

#[test]
fn a_format_whose_request_fails_or_hangs_does_not_hide_the_one_that_found() {
    let sim = stored("");
    let client = listing(&sim, "e164,national", &[("timeout_ms", "700")]);
    let report = client.lookup("5551230003").unwrap();
    assert_eq!(report.primary().unwrap().request_id.as_deref(), Some("n3"));
    let started = Instant::now();
    let report = client.lookup("5551230004").unwrap();
    assert_eq!(report.primary().unwrap().request_id.as_deref(), Some("n4"));
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1200),
        "the hanging format is bounded by the one deadline: {took:?}"
    );
    // A not-found everywhere is not-found; a not-found and a failure is the failure (the
    // callback may be stored under the format that failed).
    assert!(!client.lookup("5551230005").unwrap().found());
    for (number, id) in [("5551230007", "n7"), ("5551230008", "n8")] {
        let report = client.lookup(number).unwrap();
        assert_eq!(report.primary().unwrap().request_id.as_deref(), Some(id));
    }
    let error = client.lookup("5551230006").unwrap_err();
    assert_eq!(error.http_status(), Some(500), "{error}");
}

#[test]
fn all_failing_is_the_first_formats_error_and_not_found_everywhere_is_not_found() {
    let sim = stored("fault = { kind = \"status\", code = 503 }");
    let client = listing(&sim, "national,digits,e164", &[]);
    let error = client.lookup("5551230001").unwrap_err();
    assert_eq!(error.kind(), ErrorKind::HttpStatus);
    assert_eq!(error.http_status(), Some(503));
    assert_eq!(sim.request_count(), 3);

    let sim = stored("");
    let client = listing(&sim, "national,digits,e164", &[]);
    assert!(!client.lookup("5551230009").unwrap().found());
    assert_eq!(sim.request_count(), 3);
}

#[test]
fn cancel_uses_the_format_that_found_and_invalidates_the_one_entry() {
    let sim = stored("");
    let client = listing(&sim, "e164,national", &[("cache_ttl_ms", "60000")]);
    // Before any lookup: the first format (it does not find the national-only callback).
    assert_eq!(
        client
            .cancel(&client.normalize("5551230001").unwrap())
            .unwrap(),
        CancelOutcome::NotFound
    );
    assert!(client.lookup("5551230001").unwrap().found());
    assert!(client.lookup("5551230001").unwrap().found(), "cached");
    assert_eq!(
        sim.request_count(),
        3,
        "one cancel, then one lookup of two formats"
    );
    assert_eq!(
        client
            .cancel(&client.normalize("5551230001").unwrap())
            .unwrap(),
        CancelOutcome::Canceled
    );
    let cancel = sim.requests().pop().unwrap();
    assert!(cancel.path.ends_with("/cancel_callback"), "{}", cancel.path);
    assert_eq!(cancel.body_json().unwrap()["contact_number"], "5551230001");
    // The cancel invalidated the caller's one entry: the next lookup asks again, both formats.
    let report = client.lookup("5551230001").unwrap();
    assert_eq!(sim.request_count(), 6);
    assert!(report.open_count() == 0, "{report:?}");
}

#[test]
fn one_cache_entry_per_caller_and_identical_contacts_asked_once() {
    let sim = stored("");
    let client = listing(&sim, "e164,digits,national", &[("cache_ttl_ms", "60000")]);
    for _ in 0..5 {
        assert!(client.lookup("(555) 123-0001").unwrap().found());
    }
    assert_eq!(
        sim.request_count(),
        3,
        "three formats, one entry, asked once"
    );
    assert_eq!(client.stats().cache_hits, 4);
    // A number outside the default country writes the same in e164 and national: asked once.
    let before = sim.request_count();
    let _ = client.lookup("+44 20 7946 0958").unwrap();
    assert_eq!(
        sim.request_count() - before,
        2,
        "e164 (= national) and digits"
    );
}

#[test]
fn three_formats_take_one_round_trip_not_three() {
    let sim = stored("fault = { kind = \"delay\", ms = 300 }");
    let client = listing(
        &sim,
        "e164,digits,national",
        &[
            ("timeout_ms", "5000"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
        ],
    );
    let mut times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        assert!(client.lookup("5551230001").unwrap().found());
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[1];
    assert!(
        median >= Duration::from_millis(300) && median < Duration::from_millis(550),
        "3 formats against a 300 ms server: {times:?}"
    );
    assert_eq!(sim.request_count(), 9);
}

#[test]
fn the_list_from_the_environment_the_cli_and_the_c_api() {
    let sim = stored("");
    let url = sim.organization_url();
    let output = support::cli(&[
        ("CBSTATUS_API_URL", &url),
        ("CBSTATUS_NUMBER_FORMAT", "e164,national"),
    ])
    .args(["lookup", "5551230001", "--format", "json"])
    .output()
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(sent(&sim), ["+15551230001", "5551230001"]);

    let output = support::cli(&[
        ("CBSTATUS_API_URL", &url),
        ("CBSTATUS_NUMBER_FORMAT", "e164,e164"),
    ])
    .args(["lookup", "5551230001"])
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("lists e164 twice"), "{stderr}");

    // C: cb_config_set, then a lookup through cb_client_lookup (tests/c/config_check.c).
    let before = sim.request_count();
    let mut c = std::process::Command::new(common::c_program("config_check"));
    c.env_clear().args([
        "set",
        "api_url",
        &url,
        "set",
        "number_format",
        "national, digits",
        "client",
        "lookup",
        "5551230001",
        "set",
        "number_format",
        "digits,national,digits",
    ]);
    let output = c.output().unwrap();
    let lines = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{output:?}");
    assert!(lines.contains("lookup rc=0"), "{lines}");
    let mut asked: Vec<String> = sim.requests()[before..]
        .iter()
        .map(|r| {
            r.body_json().unwrap()["contact_number"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    asked.sort();
    assert_eq!(asked, ["15551230001", "5551230001"]);
    let last = lines.lines().last().unwrap();
    assert!(
        last.starts_with("set rc=")
            && !last.starts_with("set rc=0")
            && last.contains("lists digits twice"),
        "{lines}"
    );
}

#[test]
fn concurrent_lookups_of_one_caller_share_one_set_of_requests() {
    let sim = stored("fault = { kind = \"delay\", ms = 200 }");
    let client = listing(
        &sim,
        "e164,national",
        &[("cache_ttl_ms", "0"), ("not_found_ttl_ms", "0")],
    );
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.lookup("5551230001").unwrap().found())
        })
        .collect();
    for thread in threads {
        assert!(thread.join().unwrap());
    }
    assert_eq!(sim.request_count(), 2, "one lookup in flight, two formats");
    assert_eq!(client.stats().coalesced, 7);
}

#[test]
fn the_breaker_counts_a_lookup_in_three_formats_once() {
    let sim = stored("fault = { kind = \"status\", code = 503 }");
    let client = listing(
        &sim,
        "e164,digits,national",
        &[
            ("breaker_threshold", "2"),
            ("cache_ttl_ms", "0"),
            ("not_found_ttl_ms", "0"),
        ],
    );
    assert!(client.lookup("5551230001").is_err());
    assert!(
        !client.breaker_open(),
        "one failed lookup, not three failures"
    );
    assert!(client.lookup("5551230001").is_err());
    assert!(client.breaker_open());
    assert_eq!(sim.request_count(), 6);
    let refused = client.lookup("5551230001").unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::CircuitOpen, "{refused}");
    assert_eq!(sim.request_count(), 6, "the open breaker asks no format");
}
