//! What a built or packaged `libcbstatus.so` must look like from outside: its SONAME, its
//! `-z nodelete` flag and its exported symbols (nm, readelf), for every place that ships it
//! (cargo build, cargo cinstall, the Debian packages, the Python wheel).

use super::process::stdout;
use std::path::{Path, PathBuf};
use std::process::Command;

fn header() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/cbstatus.h")
}

/// Function names declared in include/cbstatus.h (`... cb_name(`), without the test-only
/// export.
pub fn declared_functions() -> Vec<String> {
    let header = std::fs::read_to_string(header()).unwrap();
    let mut names: Vec<String> = header
        .lines()
        .filter(|line| !line.starts_with(' ') && !line.starts_with('#'))
        .filter_map(|line| {
            let before_paren = line.split('(').next()?;
            let name = before_paren.rsplit([' ', '*']).next()?;
            (name.starts_with("cb_") && line.contains('(')).then(|| name.to_owned())
        })
        .filter(|name| name != "cb_test_panic")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `(name, type)` of every defined dynamic symbol of a shared object.
pub fn dynamic_symbols(so: &Path) -> Vec<(String, String)> {
    stdout(Command::new("nm").args(["-D", "--defined-only"]).arg(so))
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace().rev();
            let name = fields.next()?.to_owned();
            let kind = fields.next()?.to_owned();
            Some((name, kind))
        })
        .collect()
}

/// Only the C API leaves the shared object: no Rust symbols a host could bind to by accident.
pub fn assert_exports_only_the_c_api(so: &Path) {
    let symbols = dynamic_symbols(so);
    let leaked: Vec<&String> = symbols
        .iter()
        .map(|(name, _)| name)
        .filter(|name| !name.starts_with("cb_"))
        .collect();
    assert!(
        leaked.is_empty(),
        "{} exports non-cb_ symbols: {leaked:?}",
        so.display()
    );
    let exported: Vec<&str> = symbols.iter().map(|(name, _)| name.as_str()).collect();
    for name in declared_functions() {
        assert!(
            exported.contains(&name.as_str()),
            "{name} is declared in cbstatus.h but not exported by {}",
            so.display()
        );
    }
}

/// The dynamic section of an ELF file, as `readelf -d` prints it.
pub fn dynamic_section(elf: &Path) -> String {
    stdout(Command::new("readelf").arg("-d").arg(elf))
}

pub fn assert_soname_and_nodelete(so: &Path) {
    let dynamic = dynamic_section(so);
    assert!(
        dynamic.contains("Library soname: [libcbstatus.so.0]"),
        "{}: SONAME is not libcbstatus.so.0:\n{dynamic}",
        so.display()
    );
    let flags = dynamic
        .lines()
        .find(|l| l.contains("(FLAGS_1)"))
        .unwrap_or_default();
    assert!(
        flags.contains("NODELETE"),
        "{}: not linked with -z nodelete:\n{dynamic}",
        so.display()
    );
}

/// The libraries an executable or shared object records as NEEDED.
pub fn needed_libraries(elf: &Path) -> Vec<String> {
    dynamic_section(elf)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_owned()))
        .collect()
}

/// The simulator (crates/cbstatus-sim) is a test double for the CLI and the tests: the C
/// library, shared or static, must not carry any of it. Checks the symbol tables (`readelf -s`
/// reads every member of an archive, LTO or not) for the crate's symbols, and the bytes for the
/// name of its accept thread, a string only the simulator has.
pub fn assert_no_simulator(lib: &Path) {
    let symbols = stdout(Command::new("readelf").args(["-s", "-W"]).arg(lib));
    let simulator: Vec<&str> = symbols
        .lines()
        .filter(|line| line.contains("cbstatus_sim") || line.contains("simulator"))
        .take(10)
        .collect();
    assert!(
        simulator.is_empty(),
        "{} contains simulator symbols: {simulator:#?}",
        lib.display()
    );
    let bytes = std::fs::read(lib).unwrap();
    let marker = b"cbstatus-sim-accept";
    assert!(
        !bytes.windows(marker.len()).any(|w| w == marker),
        "{} contains the simulator's code (its accept thread's name)",
        lib.display()
    );
}
