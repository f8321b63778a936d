//! The Python package as a user gets it (issue 15): `pip wheel` / `pip install` of
//! bindings/python compile the crate with setuptools-rust and put libcbstatus.so inside the
//! package; an sdist carries the crate and builds the same wheel; the wheel, installed in a
//! fresh venv outside the checkout, passes the Python suite with no `CBSTATUS_LIBRARY`.
//!
//! The wheel is built once per run, in release, into this build's target directory
//! (`CARGO_TARGET_DIR`), so the crate's dependencies are the ones `cargo build --release`
//! already compiled. pip fetches setuptools, setuptools-rust and pytest from PyPI.

mod common;

use common::elf::{
    assert_exports_only_the_c_api, assert_soname_and_nodelete, dynamic_symbols, needed_libraries,
};
use common::process::{run, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn python_dir() -> PathBuf {
    root().join("bindings/python")
}

/// The target directory of this build (target/debug/deps/<test> -> target).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// A venv at `dir` (made if missing) with `packages` installed; its python.
fn venv(dir: &Path, packages: &[&str]) -> PathBuf {
    let python = dir.join("bin/python");
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(dir));
    }
    if !packages.is_empty() {
        run(pip(&python).arg("install").args(packages));
    }
    python
}

fn pip(python: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "pip", "--disable-pip-version-check", "-q"])
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("CBSTATUS_LIBRARY");
    cmd
}

/// The build tools' venv, kept in the target directory between runs.
fn tools() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| venv(&target_dir().join("python-package/tools"), &["build"]))
}

/// The only file in `dir` ending with `suffix`.
fn only_file(dir: &Path, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(found.len(), 1, "{found:?} in {}", dir.display());
    found.into_iter().next().unwrap()
}

/// pip builds bindings/python in place (its build/ and cbstatus.egg-info/): one build at a
/// time.
fn source_tree() -> MutexGuard<'static, ()> {
    static SOURCE_TREE: Mutex<()> = Mutex::new(());
    SOURCE_TREE.lock().unwrap_or_else(|e| e.into_inner())
}

/// `pip wheel` of `source` (a directory or an sdist) into a new directory; the wheel.
fn build_wheel(source: &Path, name: &str) -> PathBuf {
    let _one_at_a_time = source.is_dir().then(source_tree);
    let out = common::scratch(name);
    let _ = std::fs::remove_dir_all(&out);
    run(pip(tools())
        .args(["wheel", "--no-deps", "-w"])
        .arg(&out)
        .arg(source));
    only_file(&out, ".whl")
}

/// The wheel built from the source tree, once.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| build_wheel(&python_dir(), "wheel"))
}

/// The sdist built from the source tree, once.
fn sdist() -> &'static Path {
    static SDIST: OnceLock<PathBuf> = OnceLock::new();
    SDIST.get_or_init(|| {
        let _one_at_a_time = source_tree();
        let out = common::scratch("sdist");
        let _ = std::fs::remove_dir_all(&out);
        run(Command::new(tools())
            .args(["-m", "build", "--sdist", "--outdir"])
            .arg(&out)
            .arg(python_dir()));
        only_file(&out, ".tar.gz")
    })
}

/// The names in a wheel, as `python -m zipfile -l` lists them.
fn wheel_names(wheel: &Path) -> Vec<String> {
    let listing = stdout(
        Command::new("python3")
            .args(["-m", "zipfile", "-l"])
            .arg(wheel),
    );
    let mut names: Vec<String> = listing
        .lines()
        .skip(1) // "File Name   Modified   Size"
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// A wheel unpacked into a new directory.
fn unpack(wheel: &Path, name: &str) -> PathBuf {
    let dir = common::scratch(name);
    let _ = std::fs::remove_dir_all(&dir);
    run(Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(wheel)
        .arg(&dir));
    dir
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn wheel_has_the_library_and_a_py3_none_tag() {
    let wheel = wheel();
    let arch = std::env::consts::ARCH;
    let version = env!("CARGO_PKG_VERSION");
    // One wheel for every Python 3: the library does not use Python's C API.
    assert_eq!(
        wheel.file_name().unwrap().to_str().unwrap(),
        format!("cbstatus-{version}-py3-none-linux_{arch}.whl")
    );

    let names = wheel_names(wheel);
    let dist_info = format!("cbstatus-{version}.dist-info");
    for name in [
        "cbstatus/__init__.py",
        "cbstatus/_lib.py",
        "cbstatus/py.typed",
        "cbstatus/libcbstatus.so",
        "cbstatus/tools/__init__.py",
        "cbstatus/tools/pipecat.py",
        "cbstatus/tools/livekit.py",
        "cbstatus/mcp/__init__.py",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:#?}");
    }
    for name in &names {
        assert!(
            name.starts_with("cbstatus/") || name.starts_with(&format!("{dist_info}/")),
            "unexpected {name} in the wheel"
        );
        assert!(
            !name.ends_with(".so") || name == "cbstatus/libcbstatus.so",
            "another shared object in the wheel: {name}"
        );
    }

    let dir = unpack(wheel, "wheel-unpacked");
    let tags = std::fs::read_to_string(dir.join(&dist_info).join("WHEEL")).unwrap();
    assert!(
        tags.lines()
            .any(|l| l == format!("Tag: py3-none-linux_{arch}")),
        "{tags}"
    );
    assert!(
        tags.lines().any(|l| l == "Root-Is-Purelib: false"),
        "{tags}"
    );
    let so = dir.join("cbstatus/libcbstatus.so");
    assert_soname_and_nodelete(&so);
    assert_exports_only_the_c_api(&so);
    assert!(
        !dynamic_symbols(&so)
            .iter()
            .any(|(name, _)| name == "cb_test_panic"),
        "the wheel's library is built with the test-panic feature"
    );
    let needed = needed_libraries(&so);
    assert!(
        needed.iter().all(|l| !l.contains("python")),
        "the library links Python: {needed:?}"
    );
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn sdist_carries_the_crate_and_builds_the_same_wheel() {
    let sdist = sdist();
    let listing = stdout(Command::new("tar").arg("tzf").arg(sdist));
    let base = format!("cbstatus-{}/", env!("CARGO_PKG_VERSION"));
    for file in [
        "setup.py",
        "pyproject.toml",
        "cbstatus/_lib.py",
        "crate/Cargo.toml",
        "crate/Cargo.lock",
        "crate/build.rs",
        "crate/src/lib.rs",
        "crate/include/cbstatus.h",
        // The workspace's simulator crate: the CLI depends on it, so cargo needs it to build.
        "crate/crates/cbstatus-sim/Cargo.toml",
        "crate/crates/cbstatus-sim/src/lib.rs",
    ] {
        assert!(
            listing.lines().any(|l| l == format!("{base}{file}")),
            "{file} not in the sdist:\n{listing}"
        );
    }
    // The sdist's crate is the repository's, byte for byte.
    let unpacked = common::scratch("sdist-unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked).unwrap();
    run(Command::new("tar")
        .arg("xzf")
        .arg(sdist)
        .arg("-C")
        .arg(&unpacked));
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "src/lib.rs",
        "include/cbstatus.h",
        "crates/cbstatus-sim/Cargo.toml",
    ] {
        assert_eq!(
            std::fs::read(unpacked.join(&base).join("crate").join(file)).unwrap(),
            std::fs::read(root().join(file)).unwrap(),
            "{file} differs in the sdist"
        );
    }

    let from_sdist = build_wheel(sdist, "wheel-from-sdist");
    assert_eq!(from_sdist.file_name(), wheel().file_name());
    assert_eq!(wheel_names(&from_sdist), wheel_names(wheel()));
    let a = unpack(&from_sdist, "wheel-from-sdist-unpacked").join("cbstatus/libcbstatus.so");
    let b = unpack(wheel(), "wheel-unpacked-again").join("cbstatus/libcbstatus.so");
    assert_soname_and_nodelete(&a);
    assert_eq!(dynamic_symbols(&a), dynamic_symbols(&b));
}

/// A fresh venv outside the checkout.
fn fresh_venv(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("cbstatus-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!dir.starts_with(root()));
    let python = venv(&dir, &[]);
    (dir, python)
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn installed_wheel_passes_the_python_suite_in_a_fresh_venv() {
    installed_passes_the_python_suite(wheel(), "wheel-venv");
}

/// `wheel` installed in a fresh venv outside the checkout (pip checks the wheel's tags against
/// this machine) loads its own library and passes the project's Python suite, whose lookups go
/// to the simulator (`CBSTATUS_BIN simulate`).
fn installed_passes_the_python_suite(wheel: &Path, name: &str) {
    let (dir, python) = fresh_venv(name);
    // The suite's pinned test dependencies (pytest, the MCP SDK, ...), then the wheel.
    run(pip(&python)
        .arg("install")
        .arg("-r")
        .arg(python_dir().join("tests").join("requirements.txt"))
        .arg(wheel));
    let where_from = stdout(
        Command::new(&python)
            .current_dir(&dir)
            .env_remove("CBSTATUS_LIBRARY")
            .args(["-c", "import cbstatus; print(cbstatus.get_library().path)"]),
    );
    let library = PathBuf::from(where_from.trim());
    assert!(
        library.starts_with(&dir) && library.ends_with("cbstatus/libcbstatus.so"),
        "the installed package loaded {}",
        library.display()
    );

    // The project's Python suite, against the installed package and its own library.
    let output = Command::new(&python)
        .current_dir(&dir)
        .env_remove("CBSTATUS_LIBRARY")
        .env("CBSTATUS_TEST_INSTALLED", "1")
        .env("CBSTATUS_BIN", env!("CARGO_BIN_EXE_cbstatus"))
        .args(["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"])
        .arg(python_dir().join("tests"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Python suite failed against the installed wheel:\n{said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = said.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed") && !summary.contains("failed"),
        "{said}"
    );
    // The installed-only test ran (-rs lists skipped tests with their reason).
    assert!(!said.contains("only an installed package"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn pip_install_of_the_source_directory_installs_the_library() {
    let (dir, python) = fresh_venv("pip-install-venv");
    {
        let _one_at_a_time = source_tree();
        run(pip(&python).arg("install").arg(python_dir()));
    }
    let said = stdout(
        Command::new(&python)
            .current_dir(&dir)
            .env_remove("CBSTATUS_LIBRARY")
            .args([
                "-c",
                "import cbstatus; print(cbstatus.get_library().path, cbstatus.version())",
            ]),
    );
    let fields: Vec<&str> = said.split_whitespace().collect();
    assert_eq!(fields.len(), 2, "{said}");
    assert!(
        Path::new(fields[0]).starts_with(&dir) && fields[0].ends_with("cbstatus/libcbstatus.so"),
        "{said}"
    );
    assert_eq!(fields[1], env!("CARGO_PKG_VERSION"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The wheel PyPI accepts (issue 23), from scripts/build-wheel: cargo-zigbuild against glibc
/// 2.17, stripped, tagged `py3-none-manylinux_2_17_<arch>`, and `auditwheel show` agrees.
fn manylinux_wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = common::scratch("manylinux-wheel");
        let _ = std::fs::remove_dir_all(&out);
        let said = {
            let _one_at_a_time = source_tree();
            stdout(
                Command::new(root().join("scripts/build-wheel"))
                    .arg(&out)
                    .env("CARGO_TARGET_DIR", target_dir())
                    .env_remove("CBSTATUS_LIBRARY"),
            )
        };
        let wheel = only_file(&out, ".whl");
        assert_eq!(said.lines().last(), Some(wheel.to_str().unwrap()), "{said}");
        wheel
    })
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn manylinux_wheel_is_tagged_stripped_and_needs_glibc_2_17_at_most() {
    let wheel = manylinux_wheel();
    let version = env!("CARGO_PKG_VERSION");
    let platform = format!("manylinux_2_17_{}", std::env::consts::ARCH);
    assert_eq!(
        wheel.file_name().unwrap().to_str().unwrap(),
        format!("cbstatus-{version}-py3-none-{platform}.whl")
    );
    // The same files as the wheel pip builds from source.
    assert_eq!(wheel_names(wheel), wheel_names(self::wheel()));
    let dir = unpack(wheel, "manylinux-wheel-unpacked");
    let tags =
        std::fs::read_to_string(dir.join(format!("cbstatus-{version}.dist-info/WHEEL"))).unwrap();
    assert!(
        tags.lines()
            .any(|l| l == format!("Tag: py3-none-{platform}")),
        "{tags}"
    );
    assert!(
        tags.lines().any(|l| l == "Root-Is-Purelib: false"),
        "{tags}"
    );

    // auditwheel's own verdict (from the tools venv scripts/build-wheel installed); it wraps
    // its sentences, so compare with whitespace collapsed.
    let shown = stdout(
        Command::new(target_dir().join("wheel-tools/bin/auditwheel"))
            .arg("show")
            .arg(wheel),
    );
    let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        shown.contains(&format!(
            "is consistent with the following platform tag: \"{platform}\""
        )),
        "{shown}"
    );

    let so = dir.join("cbstatus/libcbstatus.so");
    assert_soname_and_nodelete(&so);
    assert_exports_only_the_c_api(&so);
    // Stripped: no symbol table, no debug sections.
    let sections = stdout(Command::new("readelf").args(["-S", "-W"]).arg(&so));
    assert!(sections.contains(".dynsym"), "{sections}");
    for section in [".symtab", ".strtab", ".debug"] {
        assert!(
            !sections.contains(section),
            "{section} in the wheel's library:\n{sections}"
        );
    }
    // The newest glibc symbol version it needs is 2.17 at most.
    let dynamic = stdout(Command::new("objdump").arg("-T").arg(&so));
    let mut glibc: Vec<(u32, u32)> = dynamic
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter_map(|w| w.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next().flatten().unwrap_or(0)))
        })
        .collect();
    glibc.sort();
    let newest = *glibc.last().expect("no GLIBC_ versions in objdump -T");
    assert!(newest >= (2, 2), "{dynamic}");
    assert!(
        newest <= (2, 17),
        "the library needs glibc {newest:?}:\n{dynamic}"
    );
    assert!(
        needed_libraries(&so).iter().all(|l| !l.contains("python")),
        "the library links Python"
    );
}

#[test]
#[cfg_attr(
    not(cbstatus_has_python3),
    ignore = "python3 with venv is not installed"
)]
fn installed_manylinux_wheel_passes_the_python_suite_in_a_fresh_venv() {
    installed_passes_the_python_suite(manylinux_wheel(), "manylinux-venv");
}
