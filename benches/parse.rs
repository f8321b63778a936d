//! Reply parsing benchmarks (criterion): `parse_callback_status` on real simulator replies.
//!
//! - `parse/typical`: one ASAP callback (the demo's +15551230001, 4th in line);
//! - `parse/two_callbacks`: an ASAP and a scheduled callback (+15551230007);
//! - `parse/not_found`: `{"data":[]}`.
//!
//! `scripts/bench` runs it and the system bench quotes the medians.

#[path = "support/mod.rs"]
mod support;

use cbstatus::mindful::parse_callback_status;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::Timestamp;
use std::hint::black_box;
use std::time::Duration;

fn parse(c: &mut Criterion) {
    let bodies = support::reply_bodies(&["+15551230001", "+15551230007", "+15559999999"]);
    let now = Timestamp::now();
    let mut group = c.benchmark_group("parse");
    for (name, body) in ["typical", "two_callbacks", "not_found"]
        .iter()
        .zip(&bodies)
    {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| parse_callback_status(black_box(body), now).expect("parses"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));
    targets = parse
}
criterion_main!(benches);
