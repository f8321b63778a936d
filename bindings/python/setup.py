"""Builds the cbstatus Python package with the C library inside it.

setuptools-rust compiles the Rust crate as a C shared library (``Binding.NoBinding``: the
package loads it with ctypes, no Python extension API) and puts it in the package as
``cbstatus/libcbstatus.so``, where ``cbstatus._lib`` looks first. The crate is the repository
root two levels up, or the copy ``crate/`` that an sdist made here carries.

The library does not use Python's C API, so the wheel is tagged ``py3-none-<platform>``: one
wheel serves every Python 3 on that platform.
"""

import os
import shutil

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension

HERE = os.path.dirname(os.path.abspath(__file__))
#: Where an sdist carries the crate (see sdist_with_crate).
SDIST_CRATE = "crate"
#: What of the repository the crate's build needs (Cargo.toml names the README and benches, and
#: the workspace's other member, the simulator crate in crates/, a dependency of the CLI).
CRATE_FILES = (
    "Cargo.toml", "Cargo.lock", "build.rs", "README.md", "src", "include", "benches", "crates"
)
LIBRARY_FILE = "libcbstatus.so"
#: A library already built for the wheel, and the wheel's platform tag (scripts/build-wheel).
PREBUILT_LIBRARY = os.environ.get("CBSTATUS_WHEEL_LIBRARY")
PLATFORM = os.environ.get("CBSTATUS_WHEEL_PLATFORM")


def crate_dir() -> str:
    """The crate to build: the sdist's copy when there is one, else the repository root."""
    bundled = os.path.join(HERE, SDIST_CRATE)
    if os.path.isfile(os.path.join(bundled, "Cargo.toml")):
        return bundled
    repo = os.path.normpath(os.path.join(HERE, "..", ".."))
    if not os.path.isfile(os.path.join(repo, "Cargo.toml")):
        raise SystemExit(
            f"cbstatus: no Rust crate found (neither {bundled} nor {repo} has a Cargo.toml): "
            "build from the cbstatus repository or from its sdist"
        )
    return repo


class build_ext_plain_library_name(build_ext):
    """Names the shared object ``libcbstatus.so``, not ``libcbstatus.cpython-3xx-....so``:
    it is a C library for ctypes, not an extension module tied to one Python version."""

    def get_ext_filename(self, fullname):
        if fullname.split(".")[-1] == "libcbstatus":
            return LIBRARY_FILE
        return super().get_ext_filename(fullname)


class bdist_wheel_any_python(bdist_wheel):
    """Tags the wheel ``py3-none-<platform>``: the library is native, Python's ABI is not used."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", PLATFORM or platform


class distribution_with_native_library(Distribution):
    """A prebuilt library is native code too: the wheel is platform-specific (platlib)."""

    def has_ext_modules(self):
        return bool(PREBUILT_LIBRARY) or super().has_ext_modules()


class build_py_prebuilt_library(build_py):
    """Puts ``CBSTATUS_WHEEL_LIBRARY`` in the package as ``cbstatus/libcbstatus.so``."""

    def run(self):
        super().run()
        if PREBUILT_LIBRARY:
            if not os.path.isfile(PREBUILT_LIBRARY):
                raise SystemExit(
                    f"cbstatus: CBSTATUS_WHEEL_LIBRARY={PREBUILT_LIBRARY} is not a file"
                )
            # Always copied: build/ may hold the library an earlier setuptools-rust build made,
            # newer than this one (copy_file would keep it).
            target = os.path.join(self.build_lib, "cbstatus", LIBRARY_FILE)
            shutil.copyfile(PREBUILT_LIBRARY, target)
            os.chmod(target, 0o755)


class sdist_with_crate(sdist):
    """Copies the crate into the sdist (``crate/``) so the sdist builds the same wheel."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        source = crate_dir()
        target = os.path.join(base_dir, SDIST_CRATE)
        for name in CRATE_FILES:
            path = os.path.join(source, name)
            if os.path.isdir(path):
                shutil.copytree(path, os.path.join(target, name),
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "target"))
            else:
                os.makedirs(target, exist_ok=True)
                shutil.copy2(path, os.path.join(target, name))


setup(
    rust_extensions=[] if PREBUILT_LIBRARY else [
        RustExtension(
            "cbstatus.libcbstatus",
            path=os.path.relpath(os.path.join(crate_dir(), "Cargo.toml")),
            binding=Binding.NoBinding,
            # The lockfile is shipped: build exactly the tested dependency versions.
            cargo_manifest_args=["--locked"],
        )
    ],
    cmdclass={
        "build_ext": build_ext_plain_library_name,
        "build_py": build_py_prebuilt_library,
        "bdist_wheel": bdist_wheel_any_python,
        "sdist": sdist_with_crate,
    },
    distclass=distribution_with_native_library,
    zip_safe=False,
)
