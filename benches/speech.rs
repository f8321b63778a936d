//! Rendering benchmarks (criterion): time per message for each renderer.
//!
//! - `render/<format>`: the typical message ("You are number 4 in line ... about 12 minutes"),
//!   en-US, already decided;
//! - `render_all/<format>`: every sample message (`speech::sample_messages()`, all situations
//!   and kinds of wait) once; per message = the time / their count;
//! - `speak/<format>`: decide + render from the parsed typical reply (what rendering a lookup
//!   result costs), en-US and es-US.
//!
//! `scripts/bench` runs it and the system bench quotes the medians.

#[path = "support/mod.rs"]
mod support;

use cbstatus::mindful::parse_callback_status;
use cbstatus::speech::{
    self, Eta, Format, Locale, Message, Outcome, Sentence, Span, SpeechOptions,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::hint::black_box;
use std::time::Duration;

fn typical() -> Message {
    Message::new(vec![Sentence::AsapPosition {
        position: 4,
        eta: Eta::About(Span::hours_and_minutes(12)),
    }])
}

fn render(c: &mut Criterion) {
    let en = SpeechOptions::default();
    let message = typical();
    let mut group = c.benchmark_group("render");
    for format in Format::ALL {
        group.bench_function(format.as_str(), |b| {
            b.iter(|| speech::render(black_box(&message), format, &en))
        });
    }
    group.finish();

    let all = speech::sample_messages();
    let mut group = c.benchmark_group("render_all");
    group.throughput(Throughput::Elements(all.len() as u64));
    for format in Format::ALL {
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                for m in &all {
                    black_box(speech::render(black_box(m), format, &en));
                }
            })
        });
    }
    group.finish();
}

fn speak(c: &mut Criterion) {
    let body = support::reply_bodies(&["+15551230001"]).remove(0);
    let now = Timestamp::now();
    let report = parse_callback_status(&body, now).expect("typical reply parses");
    let outcome = Outcome::Status {
        report: &report,
        number: None,
    };
    let tz = TimeZone::UTC;
    let es = SpeechOptions {
        locale: Locale::parse("es-US").expect("es-US"),
        ..SpeechOptions::default()
    };
    let mut group = c.benchmark_group("speak");
    for (locale, opts) in [("en", SpeechOptions::default()), ("es", es)] {
        for format in Format::ALL {
            group.bench_function(format!("{}_{locale}", format.as_str()), |b| {
                b.iter(|| speech::speak(black_box(&outcome), now, &tz, &opts, format))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));
    targets = render, speak
}
criterion_main!(benches);
