//! Build script: records the target triple (the C tests compile for it), sets the shared
//! object's link options, and tells the tests which external tools this machine has.

use std::path::{Path, PathBuf};

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=CBSTATUS_BUILD_TARGET={target}");
    if target.contains("linux") {
        // A PBX that unloads a module (dlclose) must not unmap code that thread-local
        // destructors of threads still running will call.
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        // A versioned shared object: programs record libcbstatus.so.0 and keep working when
        // a compatible release replaces the file. Bump with the ABI (0 while at 0.x); keep it
        // equal to `version_suffix_components` in [package.metadata.capi.library] (cargo-c
        // passes the same -soname; tests/packaging.rs checks both).
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcbstatus.so.0");
    }
    test_tools();
    println!("cargo:rerun-if-changed=build.rs");
}

/// External programs some integration tests need, as `cbstatus_has_<name>` cfgs.
///
/// A test that needs a missing tool is `#[cfg_attr(not(cbstatus_has_x), ignore = "...")]`:
/// the test runner reports it as ignored with the reason, never as passed. Under `CI=true`
/// every tool counts as present, so a tool the test command failed to install makes its tests
/// fail loudly instead of being ignored.
const TEST_TOOLS: &[(&str, &str)] = &[
    ("cargo_cinstall", "cargo-cinstall"),
    ("cargo_deb", "cargo-deb"),
    ("dpkg_deb", "dpkg-deb"),
    ("lintian", "lintian"),
    ("espeak_ng", "espeak-ng"),
    ("pkg_config", "pkg-config"),
    ("python3", "python3"),
    ("systemd_analyze", "systemd-analyze"),
    ("valgrind", "valgrind"),
    ("groff", "groff"),
    ("xmllint", "xmllint"),
];

fn test_tools() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(home) = cargo_home() {
        dirs.push(home.join("bin")); // `cargo install` puts cargo-c and cargo-deb there
    }
    for (cfg, program) in TEST_TOOLS {
        println!("cargo:rustc-check-cfg=cfg(cbstatus_has_{cfg})");
        if ci || dirs.iter().any(|dir| is_executable(&dir.join(program))) {
            println!("cargo:rustc-cfg=cbstatus_has_{cfg}");
        }
    }
    // The Asterisk sound packages (asterisk-core-sounds-{en,es,fr}-gsm), every language.
    println!("cargo:rustc-check-cfg=cfg(cbstatus_has_asterisk_sounds)");
    let sounds = Path::new("/usr/share/asterisk/sounds");
    if ci
        || ["en/digits", "es/digits", "fr/digits"]
            .iter()
            .all(|d| sounds.join(d).is_dir())
    {
        println!("cargo:rustc-cfg=cbstatus_has_asterisk_sounds");
    }
    if sounds.is_dir() {
        println!("cargo:rerun-if-changed={}", sounds.display());
    }
    // Real Asterisk headers (the real-PBX suite's cached build, or /usr/include) for
    // tests/examples.rs's compile check of bindings/asterisk/func_cbstatus.c.
    println!("cargo:rustc-check-cfg=cfg(cbstatus_has_asterisk_headers)");
    let pbx_cache = std::env::var_os("CBSTATUS_PBX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cbstatus-pbx"));
    if ci || asterisk_headers_in(&pbx_cache) {
        println!("cargo:rustc-cfg=cbstatus_has_asterisk_headers");
    }
    println!("cargo:rerun-if-env-changed=CBSTATUS_PBX_CACHE");
    if pbx_cache.is_dir() {
        println!("cargo:rerun-if-changed={}", pbx_cache.display());
    }
    println!("cargo:rerun-if-env-changed=CI");
    // Installing a tool (apt-get, cargo install) changes these directories: probe again.
    // (Not every PATH entry: a rerun rebuilds the crate, and other directories change often.)
    for dir in ["/usr/bin", "/usr/local/bin"]
        .iter()
        .map(PathBuf::from)
        .chain(cargo_home().map(|h| h.join("bin")))
    {
        if dir.is_dir() {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
    }
}

/// Whether `asterisk.h` is in /usr/include or in a cached Asterisk build under `cache`
/// (`asterisk-*/include`, made by scripts/pbx/build-asterisk).
fn asterisk_headers_in(cache: &Path) -> bool {
    let mut dirs = vec![PathBuf::from("/usr/include")];
    if let Ok(entries) = std::fs::read_dir(cache) {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("asterisk-"))
                .map(|e| e.path().join("include")),
        );
    }
    dirs.iter()
        .any(|d| d.join("asterisk.h").is_file() && d.join("asterisk/module.h").is_file())
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}
