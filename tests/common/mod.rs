//! Helpers shared by the integration tests: where the built library is, and how to compile
//! C against it.
#![allow(dead_code)]

pub mod elf;
pub mod process;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory holding `libcbstatus.so` / `.a` of this build (target/<profile>/deps).
pub fn lib_dir() -> PathBuf {
    // Integration tests run from target/<profile>/deps/, where cargo writes the library this
    // test build linked against. (target/<profile>/ gets a copy only from `cargo build`: it
    // may be missing or stale under `cargo test`.)
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    soname_link(&dir);
    dir
}

/// The shared object's SONAME is `libcbstatus.so.0` (build.rs), so programs linked with
/// `-lcbstatus` look for that name at run time; cargo makes only `libcbstatus.so`.
fn soname_link(dir: &Path) {
    let link = dir.join("libcbstatus.so.0");
    if std::fs::read_link(&link).is_err() {
        // Several test threads may race here; whichever creates it wins.
        let _ = std::os::unix::fs::symlink("libcbstatus.so", &link);
    }
}

pub fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include")
}

/// A scratch directory unique to this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cbstatus-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The C (or C++) compiler the `cc` crate picks for this target, with warnings as errors.
pub fn compiler(cpp: bool) -> Command {
    let target = env!("CBSTATUS_BUILD_TARGET");
    let tool = cc::Build::new()
        .cpp(cpp)
        .target(target)
        .host(target)
        .opt_level(0)
        .cargo_metadata(false)
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .get_compiler();
    let mut cmd = tool.to_command();
    cmd.arg(format!("-I{}", include_dir().display()));
    cmd
}

/// How every C test program is compiled: C99, every warning an error, with debug info.
pub const C_FLAGS: [&str; 6] = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Wpedantic",
    "-Werror",
    "-g",
];

/// Compile `tests/c/<name>.c` against the shared library into this process's scratch folder.
pub fn c_program(name: &str) -> PathBuf {
    let exe = scratch("c").join(name);
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/c/{name}.c"));
    compile_c(&source, &exe, false, &[]);
    exe
}

/// Compile `source` into the executable `out`, linked against the shared library (with an
/// rpath) or the static archive.
pub fn compile_c(source: &Path, out: &Path, link_static: bool, extra: &[&str]) {
    let mut cmd = compiler(false);
    cmd.args(C_FLAGS).arg(source).arg("-o").arg(out);
    let dir = lib_dir();
    if link_static {
        cmd.arg(dir.join("libcbstatus.a"))
            .args(["-lpthread", "-ldl", "-lm"]);
    } else {
        cmd.arg(format!("-L{}", dir.display()))
            .arg("-lcbstatus")
            .arg(format!("-Wl,-rpath,{}", dir.display()));
    }
    cmd.args(extra).arg("-lpthread");
    let status = cmd.status().expect("run the C compiler");
    assert!(
        status.success(),
        "compiling {} failed: {cmd:?}",
        source.display()
    );
}
