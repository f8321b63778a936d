//! The number stage (`--number`): the caller's lookup made once per number format (e164,
//! national, digits), each by a real client configured with that one format, counting the
//! callbacks each finds; then what the caller would hear, in every configured locale, and the
//! `number_format` to configure. Mindful matches `contact_number` "exactly as it was
//! submitted", so the format that finds the callback is the one to configure.
//!
//! The number is shown by its last 4 digits only.

use super::settings::Loaded;
use super::{clean, Stage, Verdict};
use cbstatus::speech::Format;
use cbstatus::{Client, LookupResult};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Instant;

/// Every format, in the order tried and suggested.
const FORMATS: [&str; 3] = ["e164", "national", "digits"];

pub fn check(loaded: &Loaded, number: &str, stages: &mut Vec<Stage>) {
    let started = Instant::now();
    let masked = cbstatus::log::masked(number);
    let mut results: Vec<(&str, Result<LookupResult, String>)> = Vec::new();
    for format in FORMATS {
        let mut config = loaded.config.clone();
        let made = config
            .set("number_format", format)
            .and_then(|_| config.set("cache_ttl_ms", "0"))
            .and_then(|_| config.set("not_found_ttl_ms", "0"))
            .and_then(|_| config.set("prefetch_max", "0"))
            .and_then(|_| Client::new(&config));
        let result = match made {
            Ok(client) => {
                let result = client.status(number);
                match result.error() {
                    Some(e) => Err(clean(&e.to_string(), 200)),
                    None => Ok(result),
                }
            }
            Err(e) => Err(clean(&e.to_string(), 200)),
        };
        results.push((format, result));
    }
    let counts: Vec<Value> = results
        .iter()
        .map(|(f, r)| match r {
            Ok(r) => json!({"format": f, "callbacks": r.count()}),
            Err(e) => json!({"format": f, "callbacks": null, "error": e}),
        })
        .collect();
    let found: Vec<(&str, &LookupResult)> = results
        .iter()
        .filter_map(|(f, r)| r.as_ref().ok().filter(|r| r.found()).map(|r| (*f, r)))
        .collect();
    // Several formats finding the very same callbacks need only the first; different ones
    // (the number stored by different channels) need the list.
    let ids = |r: &LookupResult| -> BTreeSet<String> {
        r.report()
            .map(|rep| {
                rep.callbacks
                    .iter()
                    .filter_map(|c| c.request_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let suggested: Vec<&str> = match found.first() {
        None => Vec::new(),
        Some((first, r)) => {
            let first_ids = ids(r);
            let mut list = vec![*first];
            for (f, other) in &found[1..] {
                let theirs = ids(other);
                if theirs.is_empty() || !theirs.is_subset(&first_ids) {
                    list.push(*f);
                }
            }
            list
        }
    };
    let configured: Vec<String> = loaded
        .raw
        .get("number_format")
        .and_then(Value::as_str)
        .unwrap_or("e164")
        .split(',')
        .map(|f| f.trim().to_ascii_lowercase().replace("e.164", "e164"))
        .filter(|f| !f.is_empty())
        .collect();
    let per_format: Vec<String> = results
        .iter()
        .map(|(f, r)| match r {
            Ok(r) => format!("{f}: {}", r.count()),
            Err(e) => format!("{f}: failed ({e})"),
        })
        .collect();
    // What the caller hears: the answer of the first format that found something, else of
    // the first configured one.
    let heard_from = found.first().map(|(_, r)| *r).or_else(|| {
        results
            .iter()
            .find(|(f, _)| configured.first().is_some_and(|c| c == f))
            .and_then(|(_, r)| r.as_ref().ok())
    });
    let mut extra = Vec::new();
    let mut heard = serde_json::Map::new();
    if let Some(result) = heard_from {
        for tag in &loaded.locales {
            let (text, _) = result.render_in(Format::Text, tag);
            let text = clean(&text, 400);
            extra.push(format!("{tag} hears: {text}"));
            heard.insert(tag.clone(), Value::String(text));
        }
    }
    let list = suggested.join(",");
    let works_as_configured = suggested.iter().any(|f| configured.iter().any(|c| c == f));
    let (verdict, detail, fix) = if suggested.is_empty() {
        let all_failed = results.iter().all(|(_, r)| r.is_err());
        (
            Verdict::Fail,
            format!(
                "no callback found for {masked} under any format ({})",
                per_format.join(", ")
            ),
            Some(if all_failed {
                "every lookup failed: see the error named".to_string()
            } else {
                "check that this number has an open callback in Mindful now, and that \
                 default_country is the caller's country code (a national number is completed \
                 with it)"
                    .to_string()
            }),
        )
    } else if works_as_configured && suggested.len() <= configured.len() {
        (
            Verdict::Ok,
            format!(
                "callbacks for {masked}: {}; number_format = \"{list}\" (as configured)",
                per_format.join(", ")
            ),
            None,
        )
    } else {
        (
            Verdict::Fail,
            format!(
                "callbacks for {masked}: {}; configure number_format = \"{list}\" (now \"{}\")",
                per_format.join(", "),
                configured.join(",")
            ),
            Some(format!(
                "set number_format = \"{list}\" (CBSTATUS_NUMBER_FORMAT={list}): this \
                 organization stores the number that way"
            )),
        )
    };
    let mut stage = Stage::new("number", verdict, detail)
        .fact("number", masked)
        .fact("per_format", counts)
        .fact(
            "suggested_number_format",
            (!list.is_empty()).then_some(list),
        )
        .fact("heard", heard)
        .timed(started);
    stage.fix = fix;
    stage.extra = extra;
    stages.push(stage);
}
