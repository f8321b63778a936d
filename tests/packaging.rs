//! Packaging: what a telephony engineer installing a C library expects (issue #7).
//!
//! Always run:
//! - the shared object exports only `cb_*` symbols, all of them declared in the header, and
//!   carries the SONAME `libcbstatus.so.0` and `-z nodelete`;
//! - neither the shared object nor the archive contains the simulator (crates/cbstatus-sim);
//! - versions agree: Cargo.toml, the header's `CB_VERSION_*`, `cb_version()` at run time,
//!   `packaging/cbstatus.pc`, the CHANGELOG;
//! - `packaging/cbstatus.pc` works: examples/lookup.c builds with `pkg-config --cflags --libs`
//!   (shared) and `pkg-config --static` (its `Libs.private` is enough to link the archive);
//! - the Debian files (unit, maintainer scripts, example configuration) are consistent.
//!
//! - `cargo cinstall` (cargo-c) into a temporary DESTDIR: the installed layout, lookup.c built
//!   through the installed pkg-config file (shared and static), Python ctypes loading it;
//! - `packaging/build-deb` (dpkg-deb, espeak-ng): the three Debian packages' contents,
//!   control data and dependencies, the extracted files at work (lookup.c built with the
//!   packaged pkg-config file), and lintian.
//!
//! A test whose tool this machine lacks is reported as ignored, with the reason (build.rs sets
//! `cbstatus_has_<tool>`); under `CI=true` it runs, and fails, instead.

mod common;

use cbstatus_sim::{Scenarios, Simulator};
use common::elf::{
    assert_exports_only_the_c_api, assert_no_simulator, assert_soname_and_nodelete,
    declared_functions, needed_libraries,
};
use common::process::{run, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn simulator() -> &'static Simulator {
    static SIMULATOR: OnceLock<Simulator> = OnceLock::new();
    SIMULATOR.get_or_init(|| Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap())
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

/// The simulator is a dependency of the CLI only: the library never names it, so neither the
/// shared object nor the archive PBX modules link contains it (its code, API or semver).
#[test]
fn libraries_do_not_contain_the_simulator() {
    for file in ["libcbstatus.so", "libcbstatus.a"] {
        assert_no_simulator(&common::lib_dir().join(file));
    }
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
    // The Debian packages' version is <version>-<revision>.
    let debian = read(root().join("packaging/deb/changelog"));
    assert!(
        debian.starts_with(&format!("cbstatus ({version}-")),
        "packaging/deb/changelog does not start with version {version}:\n{debian}"
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

#[test]
#[cfg_attr(not(cbstatus_has_pkg_config), ignore = "pkg-config is not installed")]
fn pkg_config_file_builds_shared_and_static() {
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
    // No debhelper: the scripts carry the systemd handling themselves.
    assert!(script.contains("deb-systemd-helper update-state cbstatus-fastagi.service"));
    assert!(!script.contains("#DEBHELPER#"));
    for name in ["postinst", "prerm", "postrm"] {
        let path = root().join("packaging/deb").join(name);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{name} is not executable");
        run(Command::new("sh").arg("-n").arg(&path));
    }
    run(Command::new("bash")
        .arg("-n")
        .arg(root().join("packaging/build-deb")));
}

#[test]
#[cfg_attr(
    not(cbstatus_has_systemd_analyze),
    ignore = "systemd-analyze is not installed (apt-get install systemd)"
)]
fn fastagi_unit_passes_systemd_analyze() {
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

/// examples/lookup.c built with an installed tree's pkg-config file (`sysroot` is where it was
/// installed, `libdir` its library directory): shared, needing libcbstatus.so.0 at run time,
/// and static (`-l:libcbstatus.a`, as both are installed), needing no libcbstatus; both run.
fn lookup_builds_with_installed_pkg_config(
    pc_dir: &Path,
    sysroot: &Path,
    libdir: &Path,
    name: &str,
) {
    let dir = common::scratch(&format!("{name}-lookup"));
    let flags = pkg_config(pc_dir, Some(sysroot), &["--cflags", "--libs"]);
    let exe = dir.join("lookup-shared");
    build_lookup_with(&flags, &[], &exe);
    assert!(needed_libraries(&exe).contains(&"libcbstatus.so.0".to_owned()));
    assert_lookup_runs(&exe, &[("LD_LIBRARY_PATH", libdir)]);

    let flags: Vec<String> = pkg_config(pc_dir, Some(sysroot), &["--static", "--cflags", "--libs"])
        .into_iter()
        .map(|f| {
            if f == "-lcbstatus" {
                "-l:libcbstatus.a".into()
            } else {
                f
            }
        })
        .collect();
    let exe = dir.join("lookup-static");
    build_lookup_with(&flags, &[], &exe);
    assert!(!needed_libraries(&exe)
        .iter()
        .any(|l| l.starts_with("libcbstatus")));
    assert_lookup_runs(&exe, &[]);
}

// --- cargo cinstall ------------------------------------------------------------------------

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo cinstall` into a temporary DESTDIR, once.
fn cinstall() -> &'static Path {
    static DESTDIR: OnceLock<PathBuf> = OnceLock::new();
    DESTDIR.get_or_init(|| {
        let destdir = common::scratch("cinstall");
        let _ = std::fs::remove_dir_all(&destdir);
        run(Command::new(cargo())
            .current_dir(root())
            .args(["cinstall", "--locked", "--release"])
            .args(["--prefix=/usr", "--libdir=/usr/lib"])
            .arg(format!("--destdir={}", destdir.display())));
        destdir
    })
}

#[test]
#[cfg_attr(
    not(cbstatus_has_cargo_cinstall),
    ignore = "needs cargo-c: cargo install --locked cargo-c --version 0.10.24+cargo-0.98.0 (scripts/test installs it)"
)]
fn cinstall_layout() {
    let destdir = cinstall();
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
    assert_no_simulator(&real);
    assert_no_simulator(&lib.join("libcbstatus.a"));

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
#[cfg_attr(
    not(cbstatus_has_cargo_cinstall),
    ignore = "needs cargo-c: cargo install --locked cargo-c --version 0.10.24+cargo-0.98.0 (scripts/test installs it)"
)]
fn cinstall_pkg_config_builds_lookup_example() {
    let destdir = cinstall();
    let pc_dir = destdir.join("usr/lib/pkgconfig");
    lookup_builds_with_installed_pkg_config(&pc_dir, destdir, &destdir.join("usr/lib"), "cinstall");
}

#[test]
#[cfg_attr(
    not(cbstatus_has_cargo_cinstall),
    ignore = "needs cargo-c: cargo install --locked cargo-c --version 0.10.24+cargo-0.98.0 (scripts/test installs it)"
)]
fn cinstall_loads_from_python_ctypes() {
    let destdir = cinstall();
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

// --- Debian packages -----------------------------------------------------------------------

/// The multiarch directory of this machine's libraries, e.g. `usr/lib/x86_64-linux-gnu`.
fn multiarch_libdir() -> String {
    let triple = stdout(Command::new("dpkg-architecture").arg("-qDEB_HOST_MULTIARCH"));
    format!("usr/lib/{}", triple.trim())
}

/// packaging/build-deb once; the three .deb files by package name.
fn debs() -> &'static [(String, PathBuf)] {
    static DEBS: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    DEBS.get_or_init(|| {
        let out_dir = common::scratch("deb");
        let _ = std::fs::remove_dir_all(&out_dir);
        std::fs::create_dir_all(&out_dir).unwrap();
        run(Command::new(root().join("packaging/build-deb"))
            .current_dir(root())
            .arg("--output")
            .arg(&out_dir));
        let arch = stdout(Command::new("dpkg").arg("--print-architecture"));
        let version = format!("{}-1", env!("CARGO_PKG_VERSION"));
        let mut debs = Vec::new();
        for package in ["libcbstatus0", "libcbstatus-dev", "cbstatus"] {
            let deb = out_dir.join(format!("{package}_{version}_{}.deb", arch.trim()));
            assert!(deb.is_file(), "build-deb made no {}", deb.display());
            debs.push((package.to_owned(), deb));
        }
        let made = std::fs::read_dir(&out_dir).unwrap().count();
        assert_eq!(
            made,
            3,
            "build-deb made other files in {}",
            out_dir.display()
        );
        debs
    })
}

fn deb(package: &str) -> &'static Path {
    &debs().iter().find(|(name, _)| name == package).unwrap().1
}

/// `(mode, path, link target)` of every entry of `dpkg-deb -c`, directories left out.
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
        .filter(|(mode, _, _)| !mode.starts_with('d'))
        .collect()
}

/// A control field of `dpkg-deb -I`.
fn control_field(deb: &Path, name: &str) -> Option<String> {
    let info = stdout(Command::new("dpkg-deb").arg("-I").arg(deb));
    info.lines()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{name}: ")))
        .map(str::to_owned)
}

/// The control archive of a package, extracted.
fn control_files(deb: &Path, name: &str) -> PathBuf {
    let dir = common::scratch(&format!("deb-control-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    run(Command::new("dpkg-deb").arg("-e").arg(deb).arg(&dir));
    dir
}

/// The exact list of files (not directories) each package ships, and their links.
#[test]
#[cfg_attr(
    not(all(cbstatus_has_dpkg_deb, cbstatus_has_espeak_ng)),
    ignore = "needs dpkg-dev (dpkg-deb, dpkg-shlibdeps) and espeak-ng (scripts/test installs them)"
)]
fn deb_contents() {
    let version = env!("CARGO_PKG_VERSION");
    let libdir = format!("/{}", multiarch_libdir());
    let doc = |package: &str| {
        vec![
            format!("/usr/share/doc/{package}/copyright"),
            format!("/usr/share/doc/{package}/changelog.Debian.gz"),
        ]
    };

    // libcbstatus0: the versioned shared object and its SONAME link, nothing else.
    let lib = deb_entries(deb("libcbstatus0"));
    let mut paths: Vec<String> = lib.iter().map(|(_, p, _)| p.clone()).collect();
    paths.sort();
    let mut want = doc("libcbstatus0");
    want.push(format!("{libdir}/libcbstatus.so.{version}"));
    want.push(format!("{libdir}/libcbstatus.so.0"));
    want.sort();
    assert_eq!(paths, want, "libcbstatus0 contents");
    let entry = |entries: &[(String, String, Option<String>)], path: &str| {
        entries
            .iter()
            .find(|(_, p, _)| p == path)
            .cloned()
            .unwrap_or_else(|| panic!("{path} not in the package: {entries:#?}"))
    };
    let real = entry(&lib, &format!("{libdir}/libcbstatus.so.{version}"));
    assert_eq!(real.0, "-rw-r--r--");
    let soname = entry(&lib, &format!("{libdir}/libcbstatus.so.0"));
    assert_eq!(
        soname.2.as_deref(),
        Some(format!("libcbstatus.so.{version}").as_str())
    );

    // libcbstatus-dev: header, archive, pkg-config file, the development link, C examples.
    let dev = deb_entries(deb("libcbstatus-dev"));
    let mut paths: Vec<String> = dev.iter().map(|(_, p, _)| p.clone()).collect();
    paths.sort();
    let mut want = doc("libcbstatus-dev");
    want.extend([
        "/usr/include/cbstatus.h".to_owned(),
        format!("{libdir}/libcbstatus.a"),
        format!("{libdir}/libcbstatus.so"),
        format!("{libdir}/pkgconfig/cbstatus.pc"),
        "/usr/share/doc/libcbstatus-dev/examples/README.md".to_owned(),
        "/usr/share/doc/libcbstatus-dev/examples/lookup.c".to_owned(),
    ]);
    for file in [
        "asterisk/README.md",
        "asterisk/Makefile",
        "asterisk/cbstatus.conf.sample",
        "asterisk/func_cbstatus.c",
        "freeswitch/README.md",
        "freeswitch/Makefile",
        "freeswitch/cbstatus.conf.xml",
        "freeswitch/mod_cbstatus.c",
    ] {
        want.push(format!("/usr/share/doc/libcbstatus-dev/{file}"));
    }
    want.sort();
    assert_eq!(paths, want, "libcbstatus-dev contents");
    let link = entry(&dev, &format!("{libdir}/libcbstatus.so"));
    assert_eq!(link.2.as_deref(), Some("libcbstatus.so.0"));

    // cbstatus: the command and what it uses; no library files.
    let cli = deb_entries(deb("cbstatus"));
    assert_eq!(entry(&cli, "/usr/bin/cbstatus").0, "-rwxr-xr-x");
    assert_eq!(entry(&cli, "/etc/cbstatus/cbstatus.toml").0, "-rw-r-----");
    entry(&cli, "/etc/default/cbstatus");
    entry(&cli, "/lib/systemd/system/cbstatus-fastagi.service");
    for file in doc("cbstatus") {
        entry(&cli, &file);
    }
    entry(&cli, "/usr/share/doc/cbstatus/examples/scenarios.toml");
    for page in std::fs::read_dir(root().join("doc/man")).unwrap() {
        let name = page.unwrap().file_name().into_string().unwrap();
        entry(&cli, &format!("/usr/share/man/man1/{name}.gz"));
    }
    for lang in ["en", "es"] {
        let prompts = cli
            .iter()
            .filter(|(_, p, _)| {
                p.starts_with(&format!("/usr/share/asterisk/sounds/{lang}/cbstatus/"))
                    && p.ends_with(".wav")
            })
            .count();
        assert!(prompts > 3, "only {prompts} {lang} prompts: {cli:#?}");
    }
    let stray: Vec<&String> = cli
        .iter()
        .map(|(_, p, _)| p)
        .filter(|p| p.contains("libcbstatus") || p.starts_with("/usr/include"))
        .collect();
    assert!(stray.is_empty(), "cbstatus ships library files: {stray:?}");
}

#[test]
#[cfg_attr(
    not(all(cbstatus_has_dpkg_deb, cbstatus_has_espeak_ng)),
    ignore = "needs dpkg-dev (dpkg-deb, dpkg-shlibdeps) and espeak-ng (scripts/test installs them)"
)]
fn deb_control_data_and_dependencies() {
    let version = format!("{}-1", env!("CARGO_PKG_VERSION"));
    let arch = stdout(Command::new("dpkg").arg("--print-architecture"));
    for (package, deb) in debs() {
        assert_eq!(
            control_field(deb, "Package").as_deref(),
            Some(package.as_str())
        );
        assert_eq!(control_field(deb, "Source").as_deref(), Some("cbstatus"));
        assert_eq!(
            control_field(deb, "Version").as_deref(),
            Some(version.as_str())
        );
        assert_eq!(
            control_field(deb, "Architecture").as_deref(),
            Some(arch.trim())
        );
        let md5sums = std::fs::read_to_string(control_files(deb, package).join("md5sums")).unwrap();
        let files = deb_entries(deb)
            .iter()
            .filter(|(m, _, _)| m.starts_with('-'))
            .count();
        assert_eq!(
            md5sums.lines().count(),
            files,
            "{package}: md5sums\n{md5sums}"
        );
    }

    // libcbstatus0: its shlibs file maps the SONAME to it; ldconfig runs on install.
    let lib = deb("libcbstatus0");
    assert_eq!(control_field(lib, "Section").as_deref(), Some("libs"));
    assert_eq!(control_field(lib, "Multi-Arch").as_deref(), Some("same"));
    let depends = control_field(lib, "Depends").unwrap();
    assert!(depends.contains("libc6 (>= "), "{depends}");
    let control = control_files(lib, "libcbstatus0");
    assert_eq!(
        std::fs::read_to_string(control.join("shlibs"))
            .unwrap()
            .trim(),
        format!(
            "libcbstatus 0 libcbstatus0 (>= {})",
            env!("CARGO_PKG_VERSION")
        )
    );
    let triggers = std::fs::read_to_string(control.join("triggers")).unwrap();
    assert!(
        triggers.lines().any(|l| l == "activate-noawait ldconfig"),
        "{triggers}"
    );

    // libcbstatus-dev: exactly the same build of the library.
    let dev = deb("libcbstatus-dev");
    assert_eq!(control_field(dev, "Section").as_deref(), Some("libdevel"));
    assert_eq!(control_field(dev, "Multi-Arch").as_deref(), Some("same"));
    assert_eq!(
        control_field(dev, "Depends"),
        Some(format!("libcbstatus0 (= {version})"))
    );

    // cbstatus: links the library statically, so it needs libc, libgcc and adduser only.
    let cli = deb("cbstatus");
    let depends = control_field(cli, "Depends").unwrap();
    for package in ["adduser", "libc6 (>= ", "libgcc-s1"] {
        assert!(depends.contains(package), "{depends}");
    }
    assert!(!depends.contains("libcbstatus"), "{depends}");
    let control = control_files(cli, "cbstatus");
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    let mut conffiles: Vec<&str> = conffiles.lines().collect();
    conffiles.sort();
    assert_eq!(
        conffiles,
        ["/etc/cbstatus/cbstatus.toml", "/etc/default/cbstatus"]
    );
    let postinst = std::fs::read_to_string(control.join("postinst")).unwrap();
    assert!(postinst.contains("adduser --system"), "{postinst}");
    assert!(
        postinst.contains("update-state cbstatus-fastagi.service"),
        "{postinst}"
    );
    assert!(
        !postinst.contains("deb-systemd-helper enable") && !postinst.contains("systemctl enable"),
        "the unit must not be enabled on install:\n{postinst}"
    );
    let prerm = std::fs::read_to_string(control.join("prerm")).unwrap();
    assert!(prerm.contains("stop cbstatus-fastagi.service"), "{prerm}");
    let postrm = std::fs::read_to_string(control.join("postrm")).unwrap();
    assert!(
        postrm.contains("purge cbstatus-fastagi.service"),
        "{postrm}"
    );
}

/// The three packages unpacked into one root work together: the library is the real one, the
/// packaged pkg-config file builds lookup.c (shared and static) and the command runs.
#[test]
#[cfg_attr(
    not(all(cbstatus_has_dpkg_deb, cbstatus_has_espeak_ng, cbstatus_has_pkg_config)),
    ignore = "needs dpkg-dev (dpkg-deb, dpkg-shlibdeps), espeak-ng and pkg-config (scripts/test installs them)"
)]
fn deb_files_work_when_unpacked() {
    let root_dir = common::scratch("deb-root");
    let _ = std::fs::remove_dir_all(&root_dir);
    for (_, deb) in debs() {
        run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root_dir));
    }
    let libdir = root_dir.join(multiarch_libdir());
    let so = libdir.join(format!("libcbstatus.so.{}", env!("CARGO_PKG_VERSION")));
    assert_soname_and_nodelete(&so);
    assert_exports_only_the_c_api(&so);
    assert_eq!(
        read(root_dir.join("usr/include/cbstatus.h")),
        read(root().join("include/cbstatus.h"))
    );

    let pc = read(libdir.join("pkgconfig/cbstatus.pc"));
    let multiarch = multiarch_libdir().trim_start_matches("usr/lib/").to_owned();
    assert!(
        pc.lines()
            .any(|l| l == format!("libdir=${{exec_prefix}}/lib/{multiarch}")),
        "{pc}"
    );
    lookup_builds_with_installed_pkg_config(&libdir.join("pkgconfig"), &root_dir, &libdir, "deb");

    let cli = root_dir.join("usr/bin/cbstatus");
    assert!(!needed_libraries(&cli)
        .iter()
        .any(|l| l.starts_with("libcbstatus")));
    let version = stdout(Command::new(&cli).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("cbstatus {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Warnings lintian gives that are deliberate, with why.
const LINTIAN_ACCEPTED: &[(&str, &str)] = &[
    // The configuration may hold the API token: 0640 root:cbstatus (postinst sets the group).
    (
        "non-standard-file-perm 0640 != 0644 [etc/cbstatus/cbstatus.toml]",
        "secret",
    ),
    // Not uploaded to Debian: there is no ITP bug to close.
    ("initial-upload-closes-no-bugs", "no Debian archive"),
];

#[test]
#[cfg_attr(
    not(all(cbstatus_has_dpkg_deb, cbstatus_has_espeak_ng, cbstatus_has_lintian)),
    ignore = "needs lintian, dpkg-dev and espeak-ng (scripts/test installs them)"
)]
fn lintian_reports_no_errors() {
    let output = Command::new("lintian")
        .args(debs().iter().map(|(_, deb)| deb))
        .output()
        .expect("run lintian");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E: ")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{report}");
    let unexpected: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("W: "))
        .filter(|l| !LINTIAN_ACCEPTED.iter().any(|(tag, _)| l.contains(tag)))
        .collect();
    assert!(unexpected.is_empty(), "new lintian warnings:\n{report}");
    // lintian exits 0 unless it found errors (or failed to run).
    assert!(
        output.status.success(),
        "lintian failed ({}):\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

// --- C from the source tree ----------------------------------------------------------------

/// The README's source-tree C block (after its `source-tree-c` marker), line by line.
fn readme_source_tree_block() -> String {
    let readme = read(root().join("README.md"));
    let after = readme
        .split("<!-- source-tree-c:")
        .nth(1)
        .expect("README.md has no source-tree-c block");
    let block = after
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the source-tree-c marker is followed by a ```sh block");
    block.to_owned()
}

/// Exactly what the README says: scripts/build-c, then cc with -Ltarget/release -lcbstatus,
/// then the program runs, with no link made by hand (nor by the tests' helpers: they work in
/// target/<profile>/deps).
#[test]
fn readme_source_tree_c_commands_work() {
    let block = readme_source_tree_block();
    assert!(block.contains("scripts/build-c"), "{block}");
    assert!(block.contains("-Ltarget/release -lcbstatus"), "{block}");
    let release = root().join("target/release");
    let _ = std::fs::remove_file(release.join("libcbstatus.so.0"));
    let exe = root().join("lookup");
    let _ = std::fs::remove_file(&exe);
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &block])
        .current_dir(root())
        .env_remove("CARGO_TARGET_DIR")
        .env("CBSTATUS_API_URL", simulator().organization_url())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&exe);
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the README's commands failed ({}):\n{block}\n{said}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("You are number 4"), "{said}");
    assert_eq!(
        std::fs::read_link(release.join("libcbstatus.so.0")).unwrap(),
        Path::new("libcbstatus.so")
    );
}
