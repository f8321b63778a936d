//! Section 7: rendering and parsing, from the criterion runs of `benches/speech.rs` and
//! `benches/parse.rs` (`scripts/bench` runs them first; their median estimates are read
//! from `target/criterion/<group>/<name>/new/estimates.json`).

use crate::report::{us, Report};
use crate::util;
use std::path::PathBuf;

/// Criterion's median for `id` (`group/name`), nanoseconds per iteration.
fn median_ns(id: &str) -> Option<f64> {
    let dir: PathBuf = util::profile_dir().parent()?.join("criterion");
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

pub fn section(report: &mut Report) {
    eprintln!("[7] rendering and parsing (criterion)");
    let samples = cbstatus::speech::sample_messages().len() as f64;
    let mut worst_render: Option<(f64, String)> = None;
    let mut consider = |v: f64, what: String| {
        if worst_render.as_ref().is_none_or(|(w, _)| v > *w) {
            worst_render = Some((v, what));
        }
    };
    let mut missing = Vec::new();
    for format in ["text", "ssml", "prompts"] {
        let typical = median_ns(&format!("render/{format}"));
        let all = median_ns(&format!("render_all/{format}")).map(|ns| ns / samples);
        let en = median_ns(&format!("speak/{format}_en"));
        let es = median_ns(&format!("speak/{format}_es"));
        let (Some(typical), Some(all), Some(en), Some(es)) = (typical, all, en, es) else {
            missing.push(format);
            continue;
        };
        report.row(
            "7",
            format!("render {format}: typical message (en-US)"),
            Some(typical / 1000.0),
            None,
            Some(1e9 / typical),
            format!(
                "all {samples:.0} sample messages: {} per message; decide + render from the \
                 parsed reply: {} en-US, {} es-US",
                us(all / 1000.0),
                us(en / 1000.0),
                us(es / 1000.0)
            ),
        );
        consider(typical, format!("{format} typical"));
        consider(all, format!("{format} sample average"));
        consider(en, format!("{format} decide+render en-US"));
        consider(es, format!("{format} decide+render es-US"));
    }
    let mut parse_typical = None;
    for (name, what) in [
        ("typical", "parse a typical reply (1 ASAP callback)"),
        ("two_callbacks", "parse a reply with 2 callbacks"),
        ("not_found", "parse a not-found reply `{\"data\":[]}`"),
    ] {
        match median_ns(&format!("parse/{name}")) {
            Some(ns) => {
                if name == "typical" {
                    parse_typical = Some(ns);
                }
                report.row("7", what, Some(ns / 1000.0), None, Some(1e9 / ns), "");
            }
            None => missing.push(name),
        }
    }
    if !missing.is_empty() {
        report.note(format!(
            "criterion results missing for {missing:?}: run `scripts/bench` (it runs \
             benches/speech.rs and benches/parse.rs before this one)"
        ));
    }
    report.note(
        "section 7 figures are criterion medians (benches/speech.rs, benches/parse.rs: 0.5 s \
         warm-up, 1.5 s measurement, 100 samples each), not median-of-repetitions",
    );
    if let Some((worst, what)) = worst_render {
        report.target(
            "rendering",
            "under 5 µs per message",
            format!("slowest: {} ({what})", us(worst / 1000.0)),
            worst < 5000.0,
        );
    }
    if let Some(ns) = parse_typical {
        report.target(
            "parsing a typical reply",
            "under 10 µs",
            us(ns / 1000.0),
            ns < 10_000.0,
        );
    }
}
