//! Packaging: what a telephony engineer installing a C library expects (issue #7).
//!
//! Always run:
//! - the shared object exports only `cb_*` symbols, all of them declared in the header, and
//!   carries the SONAME `libcbstatus.so.0` and `-z nodelete`;
//! - versions agree: Cargo.toml, the header's `CB_VERSION_*`, `cb_version()` at run time,
//!   `packaging/cbstatus.pc`, the CHANGELOG;
//! - `packaging/cbstatus.pc` works: examples/lookup.c builds with `pkg-config --cflags --libs`
//!   (shared) and `pkg-config --static` (its `Libs.private` is enough to link the archive);
//! - the Debian files (unit, maintainer scripts, example configuration) are consistent.
//!
//! Run when the tool is installed (each says SKIPPED otherwise):
//! - `cargo cinstall` (cargo-c) into a temporary DESTDIR: the installed layout, lookup.c built
//!   through the installed pkg-config file (shared and static), Python ctypes loading it;
//! - `packaging/build-deb` (cargo-deb, espeak-ng): the .deb's contents and control data.

mod common;

use cbstatus::simulator::{Scenarios, Simulator};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(run(cmd).stdout).unwrap()
}

fn tool_works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap())
}

/// Function names declared in include/cbstatus.h (`... cb_name(`), without the test-only
/// export.
fn declared_functions() -> Vec<String> {
    let header = read(root().join("include/cbstatus.h"));
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
fn dynamic_symbols(so: &Path) -> Vec<(String, String)> {
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
fn assert_exports_only_the_c_api(so: &Path) {
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

/// The dynamic section of a shared object, as `readelf -d` prints it.
fn dynamic_section(so: &Path) -> String {
    stdout(Command::new("readelf").arg("-d").arg(so))
}

fn assert_soname_and_nodelete(so: &Path) {
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

#[test]
fn shared_object_exports_only_the_c_api() {
    let so = common::lib_dir().join("libcbstatus.so");
    assert!(
        declared_functions().len() >= 30,
        "{:?}",
        declared_functions()
    );
    assert_exports_only_the_c_api(&so);
}

#[test]
fn shared_object_is_versioned_and_nodelete() {
    assert_soname_and_nodelete(&common::lib_dir().join("libcbstatus.so"));
}

/// `#define NAME value` from the header.
fn header_define(header: &str, name: &str) -> u32 {
    let prefix = format!("#define {name} ");
    let line = header
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{name} is not defined in cbstatus.h"));
    line[prefix.len()..].trim().parse().unwrap()
}

#[test]
fn versions_agree_everywhere() {
    let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let number = major * 10000 + minor * 100 + patch;

    // The header, as compiled C sees it.
    let header = read(root().join("include/cbstatus.h"));
    assert_eq!(header_define(&header, "CB_VERSION_MAJOR"), major);
    assert_eq!(header_define(&header, "CB_VERSION_MINOR"), minor);
    assert_eq!(header_define(&header, "CB_VERSION_PATCH"), patch);
    assert_eq!(header_define(&header, "CB_VERSION_NUMBER"), number);

    // The library at run time, from C.
    let dir = common::scratch("packaging-version");
    let source = dir.join("version.c");
    std::fs::write(
        &source,
        "#include <cbstatus.h>\n#include <stdio.h>\n\
         int main(void) {\n\
         \x20   printf(\"%s %u %d.%d.%d %d\\n\", cb_version(), (unsigned)cb_version_number(),\n\
         \x20          CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH, CB_VERSION_NUMBER);\n\
         \x20   return 0;\n}\n",
    )
    .unwrap();
    let exe = dir.join("version");
    common::compile_c(&source, &exe, false, &[]);
    let printed = stdout(&mut Command::new(&exe));
    assert_eq!(
        printed.trim(),
        format!("{version} {number} {major}.{minor}.{patch} {number}")
    );
    assert_eq!(cbstatus::VERSION, version);

    // The pkg-config file the Debian package installs, and the changelog.
    let pc = read(root().join("packaging/cbstatus.pc"));
    assert!(
        pc.lines().any(|l| l == format!("Version: {version}")),
        "packaging/cbstatus.pc names another version:\n{pc}"
    );
    let changelog = read(root().join("CHANGELOG.md"));
    assert!(
        changelog.contains(&format!("## [{version}]")),
        "CHANGELOG.md has no section for {version}"
    );
}

// --- pkg-config --------------------------------------------------------------------------

/// The `name: value` field of a pkg-config file.
fn pc_field(pc: &str, field: &str) -> String {
    let prefix = format!("{field}:");
    pc.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field} in\n{pc}"))
        .trim()
        .to_owned()
}

/// An installed-like prefix holding `libs` (name -> file to link to) and the checked-in
/// header and pkg-config file (with its prefix pointed there).
fn fake_prefix(name: &str, libs: &[(&str, PathBuf)]) -> PathBuf {
    let prefix = common::scratch(name);
    for dir in ["include", "lib/pkgconfig"] {
        std::fs::create_dir_all(prefix.join(dir)).unwrap();
    }
    std::fs::copy(
        root().join("include/cbstatus.h"),
        prefix.join("include/cbstatus.h"),
    )
    .unwrap();
    for (lib, target) in libs {
        let link = prefix.join("lib").join(lib);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    let pc = read(root().join("packaging/cbstatus.pc"))
        .replace("prefix=/usr\n", &format!("prefix={}\n", prefix.display()));
    std::fs::write(prefix.join("lib/pkgconfig/cbstatus.pc"), pc).unwrap();
    prefix
}

/// `pkg-config ARGS cbstatus` with only `pc_dir` searched, split into compiler arguments.
fn pkg_config(pc_dir: &Path, sysroot: Option<&Path>, args: &[&str]) -> Vec<String> {
    let mut cmd = Command::new("pkg-config");
    cmd.env("PKG_CONFIG_PATH", pc_dir)
        .env("PKG_CONFIG_LIBDIR", pc_dir)
        .args(args)
        .arg("cbstatus");
    if let Some(sysroot) = sysroot {
        cmd.env("PKG_CONFIG_SYSROOT_DIR", sysroot);
    }
    stdout(&mut cmd)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Build examples/lookup.c the way examples/README.md says, with pkg-config's flags.
fn build_lookup_with(flags: &[String], extra: &[String], out: &Path) {
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(root().join("examples/lookup.c"))
        .arg("-o")
        .arg(out)
        .args(flags)
        .args(extra);
    run(&mut cmd);
}

/// Run a lookup program against the simulator: it must find the demo caller.
fn assert_lookup_runs(exe: &Path, env: &[(&str, &Path)]) {
    let mut cmd = Command::new(exe);
    cmd.env_clear()
        .env("CBSTATUS_API_URL", simulator().organization_url())
        .arg("+15551230001");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = stdout(&mut cmd);
    assert!(out.starts_with("You are number 4"), "{out}");
    assert!(out.contains("position: 4"), "{out}");
}

fn needed_libraries(exe: &Path) -> Vec<String> {
    dynamic_section(exe)
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_owned()))
        .collect()
}

#[test]
fn pkg_config_file_builds_shared_and_static() {
    if !tool_works("pkg-config", &["--version"]) {
        eprintln!("SKIPPED pkg_config_file_builds_shared_and_static: pkg-config is not installed");
        return;
    }
    let lib_dir = common::lib_dir();

    // Shared: the .so under its SONAME, and the development link.
    let shared = fake_prefix(
        "pc-shared",
        &[
            ("libcbstatus.so.0", lib_dir.join("libcbstatus.so")),
            ("libcbstatus.so", "libcbstatus.so.0".into()),
        ],
    );
    let flags = pkg_config(&shared.join("lib/pkgconfig"), None, &["--cflags", "--libs"]);
    assert!(flags.contains(&"-lcbstatus".to_owned()), "{flags:?}");
    let exe = shared.join("lookup");
    build_lookup_with(
        &flags,
        &[format!("-Wl,-rpath,{}", shared.join("lib").display())],
        &exe,
    );
    assert!(
        needed_libraries(&exe).contains(&"libcbstatus.so.0".to_owned()),
        "{:?}",
        needed_libraries(&exe)
    );
    assert_lookup_runs(&exe, &[]);

    // Static: only the archive, so Libs.private alone must resolve what it needs.
    let archive = fake_prefix(
        "pc-static",
        &[("libcbstatus.a", lib_dir.join("libcbstatus.a"))],
    );
    let flags = pkg_config(
        &archive.join("lib/pkgconfig"),
        None,
        &["--static", "--cflags", "--libs"],
    );
    let private = pc_field(&read(root().join("packaging/cbstatus.pc")), "Libs.private");
    for lib in private.split_whitespace() {
        assert!(
            flags.contains(&lib.to_owned()),
            "{lib} missing from {flags:?}"
        );
    }
    let exe = archive.join("lookup");
    build_lookup_with(&flags, &[], &exe);
    let needed = needed_libraries(&exe);
    assert!(
        !needed.iter().any(|l| l.starts_with("libcbstatus")),
        "{needed:?}"
    );
    assert_lookup_runs(&exe, &[]);
}

// --- Debian files --------------------------------------------------------------------------

#[test]
fn example_configuration_documents_every_key_and_parses() {
    let text = read(root().join("packaging/cbstatus.toml"));
    // As shipped (all commented out) it is valid and sets nothing.
    let mut config = cbstatus::Config::new();
    config.apply_toml(&text).unwrap();
    // Uncommented, every documented key is a real one, with a valid example value.
    let uncommented: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            l.split_once(" = ")
                .is_some_and(|(k, _)| cbstatus::config::KEYS.contains(&k))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let mut config = cbstatus::Config::new();
    config
        .apply_toml(&uncommented)
        .unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    for key in cbstatus::config::KEYS {
        assert!(
            text.contains(&format!("# {key} = ")),
            "packaging/cbstatus.toml does not document {key}"
        );
    }
}

#[test]
fn fastagi_unit_and_maintainer_scripts() {
    let unit = read(root().join("packaging/deb/cbstatus-fastagi.service"));
    for line in [
        "User=cbstatus",
        "Group=cbstatus",
        "ExecStart=/usr/bin/cbstatus fastagi --listen 127.0.0.1:4573 $CBSTATUS_FASTAGI_ARGS",
        "EnvironmentFile=-/etc/default/cbstatus",
        "Environment=CBSTATUS_CONFIG=/etc/cbstatus/cbstatus.toml",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "WantedBy=multi-user.target",
        "LimitNOFILE=8192",
    ] {
        assert!(
            unit.lines().any(|l| l == line),
            "cbstatus-fastagi.service lacks {line:?}"
        );
    }
    // The unit's arguments are ones the CLI accepts.
    let help = stdout(Command::new(env!("CARGO_BIN_EXE_cbstatus")).args(["fastagi", "--help"]));
    assert!(
        help.contains("--listen") && help.contains("--max-calls"),
        "{help}"
    );

    let postinst = root().join("packaging/deb/postinst");
    let script = read(&postinst);
    assert!(script.contains("adduser --system"), "{script}");
    assert!(script.contains("chown root:cbstatus /etc/cbstatus/cbstatus.toml"));
    assert!(script.contains("#DEBHELPER#"));
    for name in ["postinst", "postrm"] {
        let path = root().join("packaging/deb").join(name);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{name} is not executable");
        run(Command::new("sh").arg("-n").arg(&path));
    }
    run(Command::new("sh")
        .arg("-n")
        .arg(root().join("packaging/build-deb")));
}

#[test]
fn fastagi_unit_passes_systemd_analyze() {
    if !tool_works("systemd-analyze", &["--version"]) {
        eprintln!("SKIPPED fastagi_unit_passes_systemd_analyze: systemd-analyze is not installed");
        return;
    }
    // Verify a copy whose ExecStart points at this build (the unit names /usr/bin/cbstatus).
    let dir = common::scratch("packaging-unit");
    let unit = read(root().join("packaging/deb/cbstatus-fastagi.service"))
        .replace("/usr/bin/cbstatus", env!("CARGO_BIN_EXE_cbstatus"));
    let path = dir.join("cbstatus-fastagi.service");
    std::fs::write(&path, unit).unwrap();
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let messages = String::from_utf8_lossy(&output.stderr).into_owned();
    // Without a running systemd (containers), verify may complain about the environment
    // itself; only complaints about this unit count.
    let about_unit: Vec<&str> = messages
        .lines()
        .filter(|l| l.contains("cbstatus-fastagi.service"))
        .filter(|l| !l.contains("Failed to ") || l.contains("parse"))
        .collect();
    assert!(about_unit.is_empty(), "{messages}");
}

// --- cargo cinstall ------------------------------------------------------------------------

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo cinstall` into a temporary DESTDIR, once.
fn cinstall() -> Option<&'static Path> {
    static DESTDIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DESTDIR
        .get_or_init(|| {
            if !tool_works(&cargo(), &["cinstall", "--version"]) {
                return None;
            }
            let destdir = common::scratch("cinstall");
            let _ = std::fs::remove_dir_all(&destdir);
            run(Command::new(cargo())
                .current_dir(root())
                .args(["cinstall", "--locked", "--release"])
                .args(["--prefix=/usr", "--libdir=/usr/lib"])
                .arg(format!("--destdir={}", destdir.display())));
            Some(destdir)
        })
        .as_deref()
}

macro_rules! require_cinstall {
    ($test:literal) => {
        match cinstall() {
            Some(destdir) => destdir,
            None => {
                eprintln!(
                    "SKIPPED {}: `cargo cinstall` is not available (cargo install --locked \
                     cargo-c --version 0.10.24+cargo-0.98.0)",
                    $test
                );
                return;
            }
        }
    };
}

#[test]
fn cinstall_layout() {
    let destdir = require_cinstall!("cinstall_layout");
    let lib = destdir.join("usr/lib");
    let version = env!("CARGO_PKG_VERSION");

    // libcbstatus.so -> libcbstatus.so.0 -> libcbstatus.so.0.1.0 (real file)
    let real = lib.join(format!("libcbstatus.so.{version}"));
    assert!(real.is_file() && !real.is_symlink(), "{}", real.display());
    let resolve = |name: &str| std::fs::canonicalize(lib.join(name)).unwrap();
    assert_eq!(
        resolve("libcbstatus.so.0"),
        std::fs::canonicalize(&real).unwrap()
    );
    assert_eq!(
        resolve("libcbstatus.so"),
        std::fs::canonicalize(&real).unwrap()
    );
    assert!(lib.join("libcbstatus.a").is_file());
    assert_soname_and_nodelete(&real);
    assert_exports_only_the_c_api(&real);

    // The checked-in header, as is.
    assert_eq!(
        read(destdir.join("usr/include/cbstatus.h")),
        read(root().join("include/cbstatus.h"))
    );

    // The pkg-config file: same fields as the one the Debian package ships.
    let installed = read(lib.join("pkgconfig/cbstatus.pc"));
    let shipped = read(root().join("packaging/cbstatus.pc"));
    for field in ["Name", "Version", "Libs", "Cflags"] {
        assert_eq!(
            pc_field(&installed, field),
            pc_field(&shipped, field),
            "{field} differs:\n{installed}"
        );
    }
    let words = |text: String| {
        let mut words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        words.sort();
        words
    };
    let want = words(pc_field(&shipped, "Libs.private"));
    let got = words(pc_field(&installed, "Libs.private"));
    assert_eq!(
        got, want,
        "Libs.private (from native-static-libs) changed: update packaging/cbstatus.pc"
    );
}

#[test]
fn cinstall_pkg_config_builds_lookup_example() {
    let destdir = require_cinstall!("cinstall_pkg_config_builds_lookup_example");
    if !tool_works("pkg-config", &["--version"]) {
        eprintln!("SKIPPED cinstall_pkg_config_builds_lookup_example: no pkg-config");
        return;
    }
    let pc_dir = destdir.join("usr/lib/pkgconfig");
    let dir = common::scratch("cinstall-lookup");

    let flags = pkg_config(&pc_dir, Some(destdir), &["--cflags", "--libs"]);
    let exe = dir.join("lookup-shared");
    build_lookup_with(&flags, &[], &exe);
    assert_lookup_runs(&exe, &[("LD_LIBRARY_PATH", &destdir.join("usr/lib"))]);

    let flags = pkg_config(&pc_dir, Some(destdir), &["--static", "--cflags", "--libs"]);
    let exe = dir.join("lookup-static");
    // Both libcbstatus.so and .a are installed: ask the linker for the archive.
    let flags: Vec<String> = flags
        .into_iter()
        .map(|f| {
            if f == "-lcbstatus" {
                "-l:libcbstatus.a".into()
            } else {
                f
            }
        })
        .collect();
    build_lookup_with(&flags, &[], &exe);
    assert!(!needed_libraries(&exe)
        .iter()
        .any(|l| l.starts_with("libcbstatus")));
    assert_lookup_runs(&exe, &[]);
}

#[test]
fn cinstall_loads_from_python_ctypes() {
    let destdir = require_cinstall!("cinstall_loads_from_python_ctypes");
    if !tool_works("python3", &["--version"]) {
        eprintln!("SKIPPED cinstall_loads_from_python_ctypes: no python3");
        return;
    }
    let so = destdir.join("usr/lib/libcbstatus.so.0");
    let script = "import ctypes, sys\n\
                  lib = ctypes.CDLL(sys.argv[1])\n\
                  lib.cb_version.restype = ctypes.c_char_p\n\
                  lib.cb_version_number.restype = ctypes.c_uint32\n\
                  print(lib.cb_version().decode(), lib.cb_version_number())\n";
    let out = stdout(Command::new("python3").arg("-c").arg(script).arg(&so));
    let version = env!("CARGO_PKG_VERSION");
    let header = read(root().join("include/cbstatus.h"));
    assert_eq!(
        out.trim(),
        format!("{version} {}", header_define(&header, "CB_VERSION_NUMBER"))
    );
}

// --- cargo deb -----------------------------------------------------------------------------

/// packaging/build-deb once; the path of the .deb.
fn build_deb() -> Option<&'static Path> {
    static DEB: OnceLock<Option<PathBuf>> = OnceLock::new();
    DEB.get_or_init(|| {
        if !tool_works(&cargo(), &["deb", "--version"]) || !tool_works("dpkg-deb", &["--version"]) {
            return None;
        }
        if !tool_works("espeak-ng", &["--version"]) {
            eprintln!("packaging/build-deb needs espeak-ng to generate the prompts");
            return None;
        }
        let out_dir = common::scratch("deb");
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        run(Command::new(root().join("packaging/build-deb"))
            .current_dir(root())
            .arg("--fast")
            .arg("--output")
            .arg(&out_dir));
        let deb = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "deb"))
            .expect("cargo deb made a .deb");
        Some(deb)
    })
    .as_deref()
}

macro_rules! require_deb {
    ($test:literal) => {
        match build_deb() {
            Some(deb) => deb,
            None => {
                eprintln!(
                    "SKIPPED {}: needs cargo-deb (cargo install cargo-deb --locked), dpkg-deb \
                     and espeak-ng",
                    $test
                );
                return;
            }
        }
    };
}

/// `(mode, path, link target)` of every entry of `dpkg-deb -c`.
fn deb_entries(deb: &Path) -> Vec<(String, String, Option<String>)> {
    stdout(Command::new("dpkg-deb").arg("-c").arg(deb))
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let mode = fields[0].to_owned();
            let path = fields[5].trim_start_matches('.').to_owned();
            let target = (fields.len() >= 8 && fields[6] == "->").then(|| fields[7].to_owned());
            (mode, path, target)
        })
        .collect()
}

#[test]
fn deb_contents() {
    let deb = require_deb!("deb_contents");
    let entries = deb_entries(deb);
    let find = |path: &str| {
        entries
            .iter()
            .find(|(_, p, _)| p == path)
            .unwrap_or_else(|| panic!("{path} not in the package: {entries:#?}"))
    };
    assert_eq!(find("/usr/bin/cbstatus").0, "-rwxr-xr-x");
    assert!(find("/usr/lib/libcbstatus.so.0").0.starts_with('-'));
    assert_eq!(
        find("/usr/lib/libcbstatus.so").2.as_deref(),
        Some("libcbstatus.so.0")
    );
    find("/usr/include/cbstatus.h");
    find("/usr/lib/pkgconfig/cbstatus.pc");
    assert_eq!(find("/etc/cbstatus/cbstatus.toml").0, "-rw-r-----");
    find("/etc/default/cbstatus");
    assert!(
        entries
            .iter()
            .any(|(_, p, _)| p.ends_with("/systemd/system/cbstatus-fastagi.service")),
        "{entries:#?}"
    );
    for page in [
        "cbstatus.1.gz",
        "cbstatus-fastagi.1.gz",
        "cbstatus-lookup.1.gz",
    ] {
        find(&format!("/usr/share/man/man1/{page}"));
    }
    for lang in ["en", "es"] {
        let prompts = entries
            .iter()
            .filter(|(_, p, _)| {
                p.starts_with(&format!("/usr/share/asterisk/sounds/{lang}/cbstatus/"))
                    && p.ends_with(".wav")
            })
            .count();
        assert!(prompts > 3, "only {prompts} {lang} prompts: {entries:#?}");
    }
    find("/usr/share/doc/cbstatus/examples/lookup.c");
    find("/usr/share/doc/cbstatus/copyright");

    // The packaged files themselves.
    let root_dir = common::scratch("deb-extract");
    let _ = std::fs::remove_dir_all(&root_dir);
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root_dir));
    let so = root_dir.join("usr/lib/libcbstatus.so.0");
    assert_soname_and_nodelete(&so);
    assert_exports_only_the_c_api(&so);
    let version = stdout(Command::new(root_dir.join("usr/bin/cbstatus")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("cbstatus {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn deb_control_data() {
    let deb = require_deb!("deb_control_data");
    let info = stdout(Command::new("dpkg-deb").arg("-I").arg(deb));
    let field = |name: &str| -> String {
        info.lines()
            .find_map(|l| l.trim_start().strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in\n{info}"))
            .to_owned()
    };
    assert_eq!(field("Package"), "cbstatus");
    assert_eq!(field("Version"), format!("{}-1", env!("CARGO_PKG_VERSION")));
    let depends = field("Depends");
    for package in ["adduser", "libc6", "libgcc-s1"] {
        assert!(depends.contains(package), "{depends}");
    }

    let control = common::scratch("deb-control");
    let _ = std::fs::remove_dir_all(&control);
    run(Command::new("dpkg-deb").arg("-e").arg(deb).arg(&control));
    let conffiles = read(control.join("conffiles"));
    for file in ["/etc/cbstatus/cbstatus.toml", "/etc/default/cbstatus"] {
        assert!(conffiles.lines().any(|l| l == file), "{conffiles}");
    }
    let postinst = read(control.join("postinst"));
    assert!(postinst.contains("adduser --system"), "{postinst}");
    assert!(!postinst.contains("#DEBHELPER#"), "{postinst}");
    assert!(postinst.contains("cbstatus-fastagi.service"), "{postinst}");
    assert!(read(control.join("triggers")).contains("activate-noawait ldconfig"));
}
