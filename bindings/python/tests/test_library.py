"""Loading the library, the prototypes against the header, versions, constants."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import INSTALLED, LIBRARY, PACKAGE_DIR, PYTHON_DIR, REPO, subprocess_env

HEADER = REPO / "include" / "cbstatus.h"


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_functions():
    """{name: (return type, [arg types], conditional)} from cbstatus.h."""
    text = _strip_comments(HEADER.read_text())
    funcs = {}
    depth_conditional = []
    buf = ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#if"):
            guard = "CBSTATUS_H" in s or "__cplusplus" in s
            depth_conditional.append(not guard)
            continue
        if s.startswith("#endif"):
            if depth_conditional:
                depth_conditional.pop()
            continue
        if s.startswith("#") or s.startswith("typedef") or s.startswith("extern") or s in ("{", "}"):
            buf = ""
            continue
        buf += " " + s
        if ";" in buf:
            m = re.match(r"\s*(.+?)\b(cb_\w+)\s*\((.*)\)\s*;", buf, flags=re.S)
            if m:
                ret = " ".join(m.group(1).split())
                params = [] if m.group(3).strip() in ("", "void") else [" ".join(p.split()) for p in m.group(3).split(",")]
                types = [re.sub(r"\s*\b\w+$", "", p).strip() for p in params]
                funcs[m.group(2)] = (ret, types, any(depth_conditional))
            buf = ""
    return funcs


def header_defines():
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"#define\s+(CB_\w+)\s+(\d+)\b", HEADER.read_text())}


def expected_ctype(ctype: str, is_return: bool):
    from cbstatus import _lib

    c = ctypes
    if is_return and ctype.replace(" ", "") == "constchar*const*":
        return (c.POINTER(c.c_char_p),)  # a static NULL-terminated list of static strings
    t = ctype.replace("const ", "").replace("struct ", "").replace(" *", "*").strip()
    simple = {"int32_t": c.c_int32, "uint32_t": c.c_uint32, "int64_t": c.c_int64, "size_t": c.c_size_t,
              "bool": c.c_bool, "void": None, "void*": c.c_void_p, "cb_log_fn": _lib.cb_log_fn,
              "char**": c.POINTER(c.c_void_p)}
    if t in simple:
        return (simple[t],)
    if t == "char*":
        if is_return:
            # lent/static `const char *` may be c_char_p; an owned `char *` must be c_void_p
            return (c.c_char_p,) if ctype.startswith("const") else (c.c_void_p,)
        return (c.c_char_p, c.c_void_p)
    m = re.fullmatch(r"(cb_\w+)(\*+)", t)
    assert m, f"unmapped C type {ctype!r}"
    typ = getattr(_lib, m.group(1))
    for _ in m.group(2):
        typ = c.POINTER(typ)
    return (typ,)


def test_every_header_function_has_a_matching_prototype(cbstatus):
    from cbstatus import _lib

    funcs = header_functions()
    assert len(funcs) >= 30, funcs.keys()
    lib = cbstatus.get_library()
    for name, (ret, args, conditional) in funcs.items():
        assert name in _lib.PROTOTYPES, f"{name} is in cbstatus.h but has no prototype in _lib.PROTOTYPES"
        restype, argtypes = _lib.PROTOTYPES[name]
        assert restype in expected_ctype(ret, True), f"{name}: restype {restype} for {ret!r}"
        assert len(argtypes) == len(args), f"{name}: {len(argtypes)} argtypes for {args}"
        for i, (have, c_arg) in enumerate(zip(argtypes, args)):
            assert have in expected_ctype(c_arg, False), f"{name} arg {i}: {have} for {c_arg!r}"
        if conditional:
            assert name in _lib.OPTIONAL_FUNCTIONS, name
        else:
            # Every unconditional function is exported and bound with argtypes/restype.
            fn = getattr(lib, name)
            assert tuple(fn.argtypes) == tuple(argtypes) and fn.restype is restype, name
    # Nothing declared here that the header does not know.
    assert set(_lib.PROTOTYPES) <= set(funcs), set(_lib.PROTOTYPES) - set(funcs)


def test_owned_strings_are_void_pointers():
    from cbstatus import _lib

    assert _lib.PROTOTYPES["cb_status_lookup"][0] is ctypes.c_void_p
    assert _lib.PROTOTYPES["cb_result_render"][1][3] is ctypes.POINTER(ctypes.c_void_p)
    assert _lib.PROTOTYPES["cb_string_free"][1] == (ctypes.c_void_p,)


def test_log_callback_typedef_matches_header():
    from cbstatus import _lib

    text = _strip_comments(HEADER.read_text())
    m = re.search(r"typedef\s+void\s*\(\*cb_log_fn\)\s*\(([^)]*)\)", text)
    assert m, "cb_log_fn typedef not found"
    assert [" ".join(p.split()) for p in m.group(1).split(",")] == [
        "int32_t level", "const char *message", "void *userdata"]
    assert _lib.cb_log_fn._restype_ is None
    assert _lib.cb_log_fn._argtypes_ == (ctypes.c_int32, ctypes.c_char_p, ctypes.c_void_p)


def test_constants_match_header(cbstatus):
    defines = header_defines()
    codes = {k[len("CB_E_"):]: v for k, v in defines.items() if k.startswith("CB_E_")}
    assert codes, "no CB_E_ constants in the header"
    for name, value in codes.items():
        assert cbstatus.ErrorCode[name] == value
        cls = cbstatus.error_class(value)
        assert cls is not cbstatus.CbError, f"CB_E_{name} has no exception class"
        assert cls.default_code == value
        assert cbstatus.status_name(value) == name.lower()
        assert cbstatus.status_str(value) not in ("", "unknown status code")
    assert defines["CB_OK"] == 0
    for fmt in cbstatus.Format:
        assert defines[f"CB_FORMAT_{fmt.name}"] == fmt.value
    for action in cbstatus.Action:
        assert defines[f"CB_ACTION_{action.name}"] == action.value
    for outcome in cbstatus.CancelOutcome:
        if outcome.value:
            assert defines[f"CB_CANCEL_{outcome.name}"] == outcome.value
    from cbstatus import _log

    assert {defines[f"CB_LOG_{n}"] for n in ("ERROR", "WARN", "INFO", "DEBUG")} == set(_log._LEVELS)


def test_versions(cbstatus):
    defines = header_defines()
    assert cbstatus.version_number() == defines["CB_VERSION_NUMBER"]
    assert cbstatus.version() == "{}.{}.{}".format(
        defines["CB_VERSION_MAJOR"], defines["CB_VERSION_MINOR"], defines["CB_VERSION_PATCH"])
    assert cbstatus.EXPECTED_MAJOR == defines["CB_VERSION_MAJOR"]
    assert cbstatus.__version__ == cbstatus.version()
    assert "0.1.0" in (PYTHON_DIR / "pyproject.toml").read_text()


def test_status_names_and_unknown_codes(cbstatus):
    assert cbstatus.status_name(0) == "ok"
    assert cbstatus.status_name(9999) == "unknown"
    assert cbstatus.status_name(-1) == "unknown"
    assert cbstatus.status_str(9999) == "unknown status code"
    assert cbstatus.status_str(0) == "success"
    err = cbstatus.get_library().error(9999, "from the future")
    assert type(err) is cbstatus.CbError and err.error_code is None and err.code == 9999


def test_incompatible_major_version(monkeypatch, cbstatus):
    from cbstatus import _lib

    monkeypatch.setattr(_lib, "EXPECTED_MAJOR", 7)
    with pytest.raises(cbstatus.IncompatibleLibrary, match="major version 7"):
        _lib.Library(LIBRARY)


def test_explicit_missing_path(cbstatus, tmp_path):
    missing = tmp_path / "nowhere" / "libcbstatus.so"
    with pytest.raises(cbstatus.LibraryNotFound) as e:
        cbstatus.load_library(missing)
    assert str(missing) in str(e.value) and e.value.searched
    assert isinstance(e.value, ImportError)
    with pytest.raises(cbstatus.LibraryNotFound):
        cbstatus.Client(library=missing)
    # The default is still the good library.
    assert cbstatus.get_library().path == LIBRARY


def test_not_a_library(cbstatus, tmp_path):
    bogus = tmp_path / "libcbstatus.so"
    bogus.write_text("not an ELF file")
    with pytest.raises(cbstatus.LibraryNotFound, match="libcbstatus.so"):
        cbstatus.load_library(bogus)
    cbstatus.load_library(LIBRARY)


def test_directory_and_object_arguments(cbstatus):
    lib = cbstatus.load_library(os.path.dirname(LIBRARY))
    assert os.path.samefile(lib.path, LIBRARY)
    with cbstatus.Client(library=lib) as c:
        assert c.library is lib
    with cbstatus.Client(library=LIBRARY) as c:
        assert c.lookup("+15551230099").found is False
    cbstatus.load_library(LIBRARY)


def test_env_variable_pointing_nowhere(monkeypatch, cbstatus):
    from cbstatus import _lib

    monkeypatch.setenv("CBSTATUS_LIBRARY", "/nonexistent/libcbstatus.so")
    with pytest.raises(cbstatus.LibraryNotFound, match=r"\$CBSTATUS_LIBRARY = '/nonexistent/libcbstatus.so'"):
        _lib._search([])


def _run_python(code: str, env: dict, cwd: str = "/") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(INSTALLED, reason="the installed package carries its own libcbstatus.so: the search cannot fail")
def test_not_found_message_lists_every_place(tmp_path):
    env = subprocess_env()
    env.pop("CBSTATUS_LIBRARY", None)
    env["LD_LIBRARY_PATH"] = str(tmp_path)  # nothing there
    probe = _run_python("import ctypes.util; print(ctypes.util.find_library('cbstatus'))", env)
    if probe.stdout.strip() != "None":
        pytest.skip("a libcbstatus is installed system-wide")
    code = (
        "import cbstatus\n"
        "try:\n    cbstatus.version()\n"
        "except cbstatus.LibraryNotFound as e:\n    print(e)\n    raise SystemExit(3)\n"
    )
    out = _run_python(code, env)
    assert out.returncode == 3, out.stderr
    msg = out.stdout
    assert "$CBSTATUS_LIBRARY: not set" in msg
    assert os.path.join(str(PACKAGE_DIR), "libcbstatus.so") in msg
    assert 'find_library("cbstatus")' in msg
    assert "libcbstatus.so.0" in msg
    assert "load_library" in msg  # says how to fix it


def test_found_next_to_the_package(tmp_path):
    pkg = tmp_path / "cbstatus"
    shutil.copytree(PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(LIBRARY, pkg / "libcbstatus.so")
    env = subprocess_env(PYTHONPATH=str(tmp_path))
    env.pop("CBSTATUS_LIBRARY", None)
    out = _run_python("import cbstatus; print(cbstatus.get_library().path); print(cbstatus.version())", env)
    assert out.returncode == 0, out.stderr
    path, version = out.stdout.split()
    assert path == str(pkg / "libcbstatus.so") and version == "0.1.0"


def test_explicit_path_and_env_override_the_package_copy(tmp_path):
    pkg = tmp_path / "pkg" / "cbstatus"
    shutil.copytree(PACKAGE_DIR, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(LIBRARY, pkg / "libcbstatus.so")
    other = tmp_path / "other" / "libcbstatus.so"
    other.parent.mkdir()
    shutil.copy(LIBRARY, other)
    code = "import cbstatus; print(cbstatus.get_library().path)"
    env = subprocess_env(PYTHONPATH=str(pkg.parent), CBSTATUS_LIBRARY=str(other))
    out = _run_python(code, env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(other)]
    env.pop("CBSTATUS_LIBRARY")
    third = tmp_path / "third.so"
    shutil.copy(LIBRARY, third)
    out = _run_python(f"import cbstatus; print(cbstatus.load_library({str(third)!r}).path)", env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(third)]


@pytest.mark.skipif(not INSTALLED, reason="only an installed package (CBSTATUS_TEST_INSTALLED=1) carries the library")
def test_installed_package_uses_its_own_copy():
    from cbstatus import _lib

    assert "CBSTATUS_LIBRARY" not in os.environ
    assert os.path.isfile(LIBRARY) and not os.path.islink(LIBRARY)
    lib = _lib._search([])
    assert lib.path == LIBRARY, lib.path
    out = _run_python("import cbstatus; print(cbstatus.get_library().path, cbstatus.version())", subprocess_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [LIBRARY, "0.1.0"]


def test_import_never_needs_the_library():
    env = subprocess_env(CBSTATUS_LIBRARY="/nonexistent/libcbstatus.so")
    out = _run_python("import cbstatus; print(cbstatus.CbError.__name__, cbstatus.__version__)", env)
    assert out.returncode == 0 and out.stdout.split() == ["CbError", "0.1.0"], out.stderr


def test_settings_are_read_from_the_library(cbstatus):
    lib = cbstatus.get_library()
    keys = lib.config_keys()
    assert tuple(cbstatus.SETTINGS) == keys and cbstatus.SETTINGS == keys
    assert len(cbstatus.SETTINGS) == len(keys) >= 24
    assert cbstatus.SETTINGS[0] == "api_url" and "timeout_ms" in cbstatus.SETTINGS
    assert "no_such_key" not in cbstatus.SETTINGS
    assert repr(cbstatus.SETTINGS) == repr(keys)
    # The package holds no list of its own: the names come from cb_config_keys().
    source = (PACKAGE_DIR / "_config.py").read_text()
    assert '"breaker_cooldown_ms"' not in source and "'breaker_cooldown_ms'" not in source


def test_settings_need_the_library_only_when_read():
    env = subprocess_env(CBSTATUS_LIBRARY="/nonexistent/libcbstatus.so")
    code = ("import cbstatus\n"
            "try:\n    list(cbstatus.SETTINGS)\nexcept cbstatus.LibraryNotFound:\n    print('not found')")
    out = _run_python(code, env)
    assert out.returncode == 0 and out.stdout.split() == ["not", "found"], out.stderr


def test_settings_match_the_header_and_the_library(cbstatus):
    # cb_config_set's comment lists every setting (tests/header.rs ties it to the Rust KEYS).
    doc = HEADER.read_text().split("Set one setting by name:")[1].split("(the `CBSTATUS_*`")[0]
    assert set(cbstatus.SETTINGS) == set(re.findall(r"`(\w+)`", doc))
    config = cbstatus.Config()
    for key in cbstatus.SETTINGS:
        config.set(key, None)  # "" restores the default: every name is known to the library
    config.close()
