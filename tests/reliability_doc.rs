//! RELIABILITY.md names, for every fault and bad input it lists, the test that backs it as
//! `file::function`. This test fails if a named test does not exist in tests/<file>.rs, so the
//! table cannot claim what `cargo test` does not run.

use std::path::Path;

#[test]
fn every_row_of_reliability_md_names_an_existing_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("RELIABILITY.md")).unwrap();
    let mut checked = 0;
    let mut missing = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let Some(last) = line.trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        for reference in last.split(',').map(str::trim) {
            let Some((file, function)) = reference.split_once("::") else {
                continue;
            };
            let file = file.split_whitespace().last().unwrap_or(file);
            let function = function.split_whitespace().next().unwrap_or(function);
            let path = root.join("tests").join(format!("{file}.rs"));
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            // A plain #[test] fn, or a property inside proptest! { fn name(...) }.
            if !source.contains(&format!("fn {function}(")) {
                missing.push(reference.to_string());
            }
            checked += 1;
        }
    }
    assert!(
        missing.is_empty(),
        "RELIABILITY.md names missing tests: {missing:?}"
    );
    assert!(checked >= 80, "only {checked} test references found");
    eprintln!("{checked} test references checked");
}
