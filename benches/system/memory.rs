//! Section 8: memory. A child process (this bench binary again, in child mode) reads its
//! resident size (`VmRSS`), `dlopen`s `libcbstatus.so`, makes a first `cb_status_lookup`, then
//! 100,000 lookups of the same number and 100,000 of rotating numbers (cache disabled), reading
//! `VmRSS` after each phase. The simulator stays in this (parent) process, so its memory does
//! not count.

use crate::report::{mib, Report};
use crate::util::{self, rss_kib};
use crate::Plan;
use cbstatus_sim::Simulator;
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::time::Instant;

/// Set (to the mode) in the child's environment.
pub const CHILD_ENV: &str = "CBSTATUS_BENCH_CHILD";
const LIB_ENV: &str = "CBSTATUS_BENCH_LIB";
const LOOKUPS_ENV: &str = "CBSTATUS_BENCH_LOOKUPS";

type Lookup = unsafe extern "C" fn(*const c_char) -> *mut c_char;
type Free = unsafe extern "C" fn(*mut c_char);
type LastError = unsafe extern "C" fn() -> i32;

/// The child: prints `key value` lines for the parent. Returns the exit code.
pub fn child(mode: &str) -> i32 {
    let lib = std::env::var(LIB_ENV).expect("library path");
    let lookups: usize = std::env::var(LOOKUPS_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    println!("rss_start {}", rss_kib());
    let path = CString::new(lib).expect("path");
    // SAFETY: loading a library and looking up symbols whose C types are those of
    // include/cbstatus.h.
    let (lookup, free, last_error) = unsafe {
        let handle = libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL);
        assert!(!handle.is_null(), "dlopen failed");
        let sym = |name: &str| {
            let name = CString::new(name).unwrap();
            let p = libc::dlsym(handle, name.as_ptr());
            assert!(!p.is_null(), "missing symbol {name:?}");
            p
        };
        (
            std::mem::transmute::<*mut libc::c_void, Lookup>(sym("cb_status_lookup")),
            std::mem::transmute::<*mut libc::c_void, Free>(sym("cb_string_free")),
            std::mem::transmute::<*mut libc::c_void, LastError>(sym("cb_last_error_code")),
        )
    };
    println!("rss_loaded {}", rss_kib());
    let mut errors = 0usize;
    let mut call = |number: &CString| {
        // SAFETY: a valid C string in; the returned string is released with cb_string_free.
        unsafe {
            let text = lookup(number.as_ptr());
            assert!(!text.is_null());
            free(text);
            errors += usize::from(last_error() != 0);
        }
    };
    let same = CString::new(util::NUMBER).unwrap();
    call(&same);
    println!("rss_first {}", rss_kib());
    if mode == "memory" {
        let start = Instant::now();
        for _ in 0..lookups {
            call(&same);
        }
        println!(
            "us_per_lookup {}",
            start.elapsed().as_secs_f64() * 1e6 / lookups as f64
        );
        println!("rss_same {}", rss_kib());
    }
    for i in 0..lookups {
        call(&CString::new(format!("+1555{:07}", 1_000_000 + i)).unwrap());
    }
    println!("rss_rotating {}", rss_kib());
    println!("errors {errors}");
    0
}

fn run_child(
    mode: &str,
    lib: &std::path::Path,
    url: &str,
    lookups: usize,
    cache: bool,
) -> HashMap<String, f64> {
    let exe = std::env::current_exe().expect("current_exe");
    let mut cmd = util::command(exe);
    cmd.env(CHILD_ENV, mode)
        .env(LIB_ENV, lib)
        .env(LOOKUPS_ENV, lookups.to_string())
        .env("CBSTATUS_API_URL", url);
    if !cache {
        cmd.env("CBSTATUS_CACHE_TTL_MS", "0")
            .env("CBSTATUS_NOT_FOUND_TTL_MS", "0");
    }
    let out = cmd.output().expect("run the memory child");
    assert!(
        out.status.success(),
        "memory child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

pub fn section(report: &mut Report, plan: &Plan, sim: &Simulator) {
    eprintln!(
        "[8] memory: dlopen + first lookup, then 2 x {} lookups",
        plan.memory_lookups
    );
    let lib = util::profile_dir().join("libcbstatus.so");
    let url = sim.organization_url();
    let m = run_child("memory", &lib, &url, plan.memory_lookups, false);
    let get = |k: &str| m.get(k).copied().unwrap_or(f64::NAN);
    let loaded = get("rss_first") - get("rss_start");
    let same = get("rss_same") - get("rss_first");
    let rotating = get("rss_rotating") - get("rss_same");
    let file = std::fs::metadata(&lib).map_or(0, |m| m.len());
    report.row(
        "8",
        "resident size: dlopen(libcbstatus.so) + first lookup",
        None,
        None,
        None,
        format!(
            "VmRSS {} -> {} after dlopen -> {} after the first lookup: +{} (the .so file is {})",
            mib(get("rss_start")),
            mib(get("rss_loaded")),
            mib(get("rss_first")),
            mib(loaded),
            mib(file as f64 / 1024.0)
        ),
    );
    report.row(
        "8",
        format!(
            "growth over {} lookups, same number, cache off",
            plan.memory_lookups
        ),
        None,
        None,
        Some(1e6 / get("us_per_lookup")),
        format!(
            "VmRSS {} -> {}: {:+.0} KiB; C one-shot `cb_status_lookup` (lookup + text), \
             mean {:.1} µs per call",
            mib(get("rss_first")),
            mib(get("rss_same")),
            same,
            get("us_per_lookup")
        ),
    );
    report.row(
        "8",
        format!(
            "growth over {} lookups, rotating numbers, cache off",
            plan.memory_lookups
        ),
        None,
        None,
        None,
        format!(
            "VmRSS {} -> {}: {:+.0} KiB; lookups that failed: {}",
            mib(get("rss_same")),
            mib(get("rss_rotating")),
            rotating,
            get("errors")
        ),
    );
    // Informative: the default cache (3 s found / 1 s not found) holds what it answered.
    let c = run_child("memory-cached", &lib, &url, plan.memory_lookups, true);
    let cget = |k: &str| c.get(k).copied().unwrap_or(f64::NAN);
    report.row(
        "8",
        format!(
            "growth over {} lookups, rotating numbers, default cache (not a target)",
            plan.memory_lookups
        ),
        None,
        None,
        None,
        format!(
            "VmRSS {} -> {}: {:+.0} KiB (entries live 1 s, swept every 256 inserts)",
            mib(cget("rss_first")),
            mib(cget("rss_rotating")),
            cget("rss_rotating") - cget("rss_first")
        ),
    );
    let growth = same.max(rotating);
    report.target(
        "resident memory over 100,000 lookups",
        "no growth beyond 1 MiB",
        format!("{same:+.0} KiB (same number), {rotating:+.0} KiB (rotating numbers)"),
        growth <= 1024.0,
    );
    report.target(
        "the loaded library",
        "under 8 MiB resident",
        format!("+{} (dlopen + first lookup)", mib(loaded)),
        loaded < 8.0 * 1024.0,
    );
}
