//! Issue #5, part 6: the cargo-fuzz targets (fuzz/) on stable Rust. Their bodies live in
//! fuzz/src/lib.rs, included here, so this test replays the checked-in seed corpus
//! (fuzz/corpus-seed/<target>/) through exactly the code the fuzzer runs, plus simple
//! deterministic mutations of every seed (each truncation, byte flips, splices). Fuzzing
//! proper needs nightly: `cd fuzz && cargo +nightly fuzz run parse_reply` (RELIABILITY.md).

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus-seed").join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.len() <= 4096, "{}: seeds stay small", path.display());
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            )
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 8, "{target}: only {} seeds", seeds.len());
    seeds
}

/// Every truncation, a few byte flips and insertions, and splices with the next seed.
fn mutations(seed: &[u8], other: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for cut in 0..=seed.len() {
        out.push(seed[..cut].to_vec());
    }
    for (i, byte) in [
        0x00u8, 0xff, b'"', b'[', b'{', b'}', b'\\', b'9', b'-', b'+',
    ]
    .into_iter()
    .enumerate()
    {
        if !seed.is_empty() {
            let at = (i * 7919) % seed.len();
            let mut flipped = seed.to_vec();
            flipped[at] = byte;
            out.push(flipped);
            let mut inserted = seed.to_vec();
            inserted.insert(at, byte);
            out.push(inserted);
        }
    }
    let half = seed.len() / 2;
    let mut spliced = seed[..half].to_vec();
    spliced.extend_from_slice(&other[other.len() / 2..]);
    out.push(spliced);
    out.push([seed, other].concat());
    out
}

fn replay(target: &str, run: fn(&[u8])) {
    let seeds = seeds(target);
    let mut inputs = 0;
    for (i, (_, seed)) in seeds.iter().enumerate() {
        run(seed);
        let other = &seeds[(i + 1) % seeds.len()].1;
        for input in mutations(seed, other) {
            run(&input);
            inputs += 1;
        }
    }
    eprintln!("{target}: {} seeds, {inputs} mutations", seeds.len());
}

#[test]
fn parse_reply_seed_corpus() {
    replay("parse_reply", targets::parse_reply);
}

#[test]
fn normalize_number_seed_corpus() {
    replay("normalize_number", targets::normalize_number);
}

#[test]
fn the_fuzz_directory_is_complete_and_separate() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    // Its own workspace: never part of the main build.
    assert!(
        manifest.contains("\n[workspace]\n"),
        "fuzz/Cargo.toml needs [workspace]"
    );
    assert!(manifest.contains("cargo-fuzz = true"));
    for target in ["parse_reply", "normalize_number"] {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} not declared"
        );
        let source =
            std::fs::read_to_string(fuzz_dir().join(format!("fuzz_targets/{target}.rs"))).unwrap();
        assert!(
            source.contains(&format!("cbstatus_fuzz::{target}(data)")),
            "fuzz_targets/{target}.rs must call the shared body"
        );
        assert!(fuzz_dir().join("corpus-seed").join(target).is_dir());
    }
    let main =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(
        !main.contains("\"fuzz\""),
        "the main workspace must not include fuzz/"
    );
}
