#![no_main]
//! Any bytes as a Mindful reply body: parsing and speaking never panic (fuzz/src/lib.rs).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cbstatus_fuzz::parse_reply(data));
