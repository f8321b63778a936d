#![no_main]
//! Any bytes as a caller number: normalisation never panics and keeps its promises
//! (fuzz/src/lib.rs).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cbstatus_fuzz::normalize_number(data));
