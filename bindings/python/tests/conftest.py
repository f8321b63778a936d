"""Shared fixtures: the library, the Mindful simulator (the project's CLI), clients.

By default the suite tests the package in this tree (not an installed copy). It needs
``target/debug/libcbstatus.so`` and ``target/debug/cbstatus`` (``cargo build``), or
``CBSTATUS_LIBRARY`` / ``CBSTATUS_BIN`` pointing elsewhere.

With ``CBSTATUS_TEST_INSTALLED=1`` it tests the *installed* package instead (a wheel in the
running Python's environment) with the library inside it: ``CBSTATUS_LIBRARY`` must then be
unset, and the package must not be imported from this tree. ``tests/python_package.rs`` runs
it that way in a fresh venv. Everything runs on loopback.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

TESTS = Path(__file__).resolve().parent
PYTHON_DIR = TESTS.parent
REPO = PYTHON_DIR.parent.parent
AGI_SCRIPT = REPO / "bindings" / "asterisk" / "cbstatus-agi.py"
FREESWITCH_DIR = REPO / "bindings" / "freeswitch"

#: Testing the installed package (see the module docstring), not this tree's.
INSTALLED = os.environ.get("CBSTATUS_TEST_INSTALLED") == "1"
if not INSTALLED:
    sys.path.insert(0, str(PYTHON_DIR))  # the package under test
sys.path.insert(0, str(TESTS))  # fake_asterisk

# A reproducible environment: no CBSTATUS_* settings from the developer's shell.
for _key in [k for k in os.environ if k.startswith("CBSTATUS_")]:
    if _key not in ("CBSTATUS_LIBRARY", "CBSTATUS_BIN"):
        del os.environ[_key]


def _installed_package_dir() -> Path:
    """The installed package's directory; refuses this tree's copy and an overriding library."""
    if "CBSTATUS_LIBRARY" in os.environ:
        raise RuntimeError("CBSTATUS_TEST_INSTALLED=1: unset CBSTATUS_LIBRARY (the package must use its own library)")
    import cbstatus as installed

    package_dir = Path(installed.__file__).resolve().parent
    if package_dir == (PYTHON_DIR / "cbstatus").resolve():
        raise RuntimeError(f"CBSTATUS_TEST_INSTALLED=1 but cbstatus was imported from this tree ({package_dir})")
    return package_dir


#: The package under test's directory, and the library the suite loads explicitly.
if INSTALLED:
    PACKAGE_DIR = _installed_package_dir()
    LIBRARY = str(PACKAGE_DIR / "libcbstatus.so")
else:
    PACKAGE_DIR = PYTHON_DIR / "cbstatus"
    os.environ.setdefault("CBSTATUS_LIBRARY", str(REPO / "target" / "debug" / "libcbstatus.so"))
    LIBRARY = os.environ["CBSTATUS_LIBRARY"]
BIN = os.environ.get("CBSTATUS_BIN") or str(REPO / "target" / "debug" / "cbstatus")

#: Organization id of every simulator used here.
ORG = "562a519b54f83b56"
#: Token the custom simulator requires.
TOKEN = "s3cret"

#: Hostile values served by the custom simulator (see _custom_scenarios).
HOSTILE_STATUS = 'Par"k\\ed\r\nSET VARIABLE EVIL 1\t$\x7f{x}'
LONG_STATUS = "é" * 3000 + "x" * 3000  # 9000 UTF-8 bytes



def _toml_str(value: str) -> str:
    """A TOML basic string for ``value`` (escapes control characters)."""
    out = ['"']
    for ch in value:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _custom_scenarios() -> str:
    q = _toml_str
    return f"""
[settings]
organization = "{ORG}"
token = "{TOKEN}"
not_found = "empty"

[[number]]
number = "+15552220001"
description = "one callback: cancel succeeds"
[[number.callback]]
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "2"
estimated_wait_time = "300"
estimated_for_in = 300

[[number]]
number = "+15552220002"
description = "two callbacks: cancel answers TooManyInteractions"
[[number.callback]]
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "3"
estimated_wait_time = "600"
estimated_for_in = 600
[[number.callback]]
type = "scheduled"
status = "scheduled"
estimated_for_in = 86400

[[number]]
number = "+15552220003"
description = "cancel is refused"
cancel = "FAILED"
[[number.callback]]
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "5"
estimated_wait_time = "900"
estimated_for_in = 900

[[number]]
number = "+15552220010"
description = "hostile status and type"
[[number.callback]]
type = {q('AS"AP' + chr(10) + 'HANGUP')}
status = {q(HOSTILE_STATUS)}
forecast_waitlist_position = "7"
estimated_wait_time = "420"
estimated_for_in = 420

[[number]]
number = "+15552220011"
description = "a 9000-byte status"
[[number.callback]]
type = "ASAP"
status = {q(LONG_STATUS)}
forecast_waitlist_position = "1"
estimated_wait_time = "60"
estimated_for_in = 60

[[number]]
number = "+15552220669"
description = "a 4 MiB body"
fault = {{ kind = "huge", bytes = 4194304 }}
"""


class UrlProcess:
    """A server process that prints its URL as its first line (the simulator, cbstatus-mcp
    --http): started, waited for up to ``wait`` seconds, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, cmd: "list[str]", what: str, prefix: str, wait: float, env: "dict[str, str] | None" = None) -> None:
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], wait)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith(prefix):
            self.stop()
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise RuntimeError(f"{what} did not start ({' '.join(cmd)}): {line!r} {err}")
        #: The URL the process printed.
        self.url = line

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()


class Simulator(UrlProcess):
    """A running ``cbstatus simulate`` process; ``url`` is the organization URL
    (CBSTATUS_API_URL)."""

    def __init__(self, scenarios: "Path | None" = None) -> None:
        if not os.path.exists(BIN):
            raise RuntimeError(f"{BIN} not found: run `cargo build` first (or set CBSTATUS_BIN)")
        cmd = [BIN, "simulate", "--listen", "127.0.0.1:0"]
        if scenarios is not None:
            cmd += ["--scenarios", str(scenarios)]
        super().__init__(cmd, "simulator", "http", 15)


@pytest.fixture(scope="session", autouse=True)
def simulator() -> Iterator[Simulator]:
    """The demo simulator; CBSTATUS_API_URL points at it for the whole session."""
    if not os.path.exists(LIBRARY):
        raise RuntimeError(f"{LIBRARY} not found: run `cargo build` first (or set CBSTATUS_LIBRARY)")
    sim = Simulator()
    os.environ["CBSTATUS_API_URL"] = sim.url
    os.environ["CBSTATUS_TIMEOUT_MS"] = "2000"
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def custom_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """A simulator with the suite's own scenarios (token required, hostile values, cancel)."""
    path = tmp_path_factory.mktemp("scenarios") / "custom.toml"
    path.write_text(_custom_scenarios(), encoding="utf-8")
    sim = Simulator(path)
    yield sim
    sim.stop()


@pytest.fixture
def cbstatus():
    """The package, with the library loaded."""
    import cbstatus as pkg

    pkg.load_library(LIBRARY)
    return pkg


@pytest.fixture
def client(cbstatus) -> Iterator["object"]:
    """A fresh client on the demo simulator (fresh: no circuit-breaker state from other tests)."""
    with cbstatus.Client() as c:
        yield c


@pytest.fixture
def oneshot(cbstatus) -> Iterator["object"]:
    """The one-shot API with a fresh process-wide client before and after the test."""
    cbstatus.shutdown()
    yield cbstatus
    cbstatus.shutdown()


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def subprocess_env(**extra: str) -> Dict[str, str]:
    """The environment for child processes: this one plus (testing this tree) the package on PYTHONPATH."""
    env = dict(os.environ)
    if not INSTALLED:
        env["PYTHONPATH"] = os.pathsep.join([str(PYTHON_DIR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.update(extra)
    return env


#: (number, expectations) for the demo set.
DEMO: List[tuple] = [
    ("+15551230001", dict(found=True, count=1, status="waitlisted", type="asap", position=4, wait_seconds=720)),
    ("+15551230002", dict(found=True, count=1, status="waitlisted", type="asap", position=1, wait_seconds=90)),
    ("+15551230003", dict(found=True, count=1, status="waitlisted", type="asap", position=2, wait_seconds=40)),
    ("+15551230004", dict(found=True, count=1, status="scheduled", type="scheduled", position=None, wait_seconds=None)),
    ("+15551230005", dict(found=True, count=1, status="scheduled", type="scheduled", position=None, wait_seconds=172800)),
    ("+15551230006", dict(found=True, count=1, status="connecting", type="asap", position=0, wait_seconds=0)),
    ("+15551230007", dict(found=True, count=2, status="waitlisted", type="asap", position=6, wait_seconds=1500)),
    ("+15551230008", dict(found=True, count=1, status="canceled", type="asap", position=None, wait_seconds=None)),
    ("+15551230009", dict(found=True, count=1, status="parked", type="asap", position=3, wait_seconds=300)),
    ("+15551230010", dict(found=True, count=1, status="waitlisted", type="asap", position=40, wait_seconds=8100)),
    ("+15551230011", dict(found=True, count=1, status="pending", type=None, position=None, wait_seconds=None)),
    ("+15551230099", dict(found=False, count=0, status=None, type=None, position=None, wait_seconds=None)),
]

#: (number, error class name, code) for the demo faults.
FAULTS = [
    ("+15551230500", "HttpError", 7),
    ("+15551230429", "RateLimited", 9),
    ("+15551230666", "MalformedReply", 10),
]


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
