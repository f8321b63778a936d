"""Shared pieces of the real-PBX suite: results, bounded waits, the simulator, helpers.

Everything here talks to 127.0.0.1 only, and every wait has a deadline.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[2]
FOUND = "+15551230001"
CANCEL = "+15551230002"
REGISTER = "+15551230777"  # no callback yet: registered through the widget
REGISTER_FS = "+15551230778"
# The journey (offer, register, confirm): no callback yet, one number per call (the simulator
# keeps registrations; the same number within 10 s is a duplicate).
JOURNEY = ["+15551230781", "+15551230782", "+15551230783", "+15551230784", "+15551230787",
           "+15551230788"]
JOURNEY_CLOSED = "+15551230785"
JOURNEY_MENU = "+15551230786"
JOURNEY_FS = "+15551230791"
CANCEL_FS = "+15551230003"  # the simulator remembers a cancel: one number per PBX
NOT_FOUND = "+15551230099"
HUNG = "+15551230408"
FAILS = "+15551230500"
HOSTILE = "+15551230666"
EN_FOUND_TEXT = "You are number 4 in line for your callback."
ES_FOUND_TEXT = "Usted es el número 4 en la fila"
FR_FOUND_TEXT = "Vous êtes le 4e dans la file d'attente"
# Every language the suite calls in: what FOUND (4th in line) starts with, and the prompt
# that says its position (French says an ordinal, "le quatrième": digits/h-4).
FOUND_TEXT = {"en": EN_FOUND_TEXT, "es": ES_FOUND_TEXT, "fr": FR_FOUND_TEXT}
FOUND_POSITION_PROMPT = {"en": "digits/4", "es": "digits/4", "fr": "digits/h-4"}
LANGUAGES = list(FOUND_TEXT)


def library_variables(lib_dir: Path, url: str, settings: Dict[str, str], action: str, target: str,
                      language: str = "") -> List[Tuple[str, str]]:
    """The CBSTATUS_* list the library makes for one request (``cb_result_variables()``,
    read through the Python package over the same libcbstatus.so the PBXs load), in its
    order: what every surface must set. ``settings`` are the PBX's cbstatus settings."""
    script = (
        "import sys, cbstatus\n"
        "action, target, language = sys.argv[1], sys.argv[2], sys.argv[3] or None\n"
        "with cbstatus.Client() as client:\n"
        "    ask = {'cancel': client.cancel, 'widget': client.widget_status}.get(action, client.lookup)\n"
        "    with ask(target) as result:\n"
        "        for name, value in cbstatus.channel_variables(result, language).items():\n"
        "            sys.stdout.write(name + '\\t' + value + '\\n')\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO / "bindings/python"),
           "PYTHONIOENCODING": "utf-8", "CBSTATUS_LIBRARY": str(lib_dir / "libcbstatus.so"),
           "CBSTATUS_API_URL": url}
    env.update({f"CBSTATUS_{k.upper()}": v for k, v in settings.items()})
    out = subprocess.run([sys.executable, "-c", script, action, target, language], env=env,
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"the library's list for {action} {target}: {out.stderr}")
    return [tuple(line.split("\t", 1)) for line in out.stdout.splitlines()]  # type: ignore[misc]


def _same(got: Optional[str], want: str) -> bool:
    """Equal, or both the same Unix times (comma-separated) within 2 minutes: the
    simulator's times are relative to each request ("now + 720 s"), and the library's list
    is asked for after the calls of a batch finished."""
    if got == want:
        return True
    g, w = (got or "").split(","), want.split(",")
    return (len(g) == len(w) and all(a.isdigit() and b.isdigit() and int(b) > 10**9
                                     and abs(int(a) - int(b)) <= 120 for a, b in zip(g, w)))


def check_library_list(r: "Results", name: str, v: Optional[Dict[str, str]],
                       expected: List[Tuple[str, str]]) -> bool:
    """A call's CBTEST report holds every variable of the library's list with its value."""
    v = v or {}
    wrong = {n: (v.get(n), w) for n, w in expected if not _same(v.get(n), w)}
    return r.check(f"{name}: the library's {len(expected)} variables, same values",
                   bool(expected) and expected[-1][0] == "CBSTATUS_RESULT" and not wrong,
                   repr(wrong)[:2000])


class Results:
    """Checks, printed as they happen, each naming the PBX version it is about (the label,
    e.g. `asterisk-20.20.1`); the closing line is `pbx: LABEL: N passed, M failed`."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.passed = 0
        self.failed: List[str] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if self.label:
            name = f"{self.label}: {name}"
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed.append(name)
            print(f"FAIL {name}: {detail}", flush=True)
        return ok

    def equal(self, name: str, got: object, want: object) -> bool:
        return self.check(name, got == want, f"got {got!r}, want {want!r}")

    def closing_line(self) -> str:
        label = f"{self.label}: " if self.label else ""
        return f"pbx: {label}{self.passed} passed, {len(self.failed)} failed"


def wait_until(predicate: Callable[[], object], timeout: float, step: float = 0.1) -> object:
    """The first truthy value of predicate() within timeout seconds, else None."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Process:
    """A child process in its own process group, stopped (TERM, then KILL) at the end."""

    def __init__(self, args: List[str], log_path: Path, env: Optional[dict] = None, cwd=None):
        self.log_path = log_path
        self.out = open(log_path, "wb")
        self.proc = subprocess.Popen(
            args,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, grace: float = 5.0) -> None:
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self.out.close()


def start_simulator(cbstatus_bin: Path, workdir: Path) -> "tuple[Process, str]":
    """`cbstatus simulate` on a free loopback port with the suite's scenarios; its org URL."""
    sim = Process(
        [str(cbstatus_bin), "simulate", "--listen", "127.0.0.1:0",
         "--scenarios", str(REPO / "tests/pbx/scenarios.toml")],
        workdir / "simulator.log",
    )
    url = wait_until(
        lambda: (re.search(r"http://127\.0\.0\.1:\d+/api/organization/\w+", sim.output()) or [None])[0],
        10,
    )
    if not url:
        sim.stop()
        sys.exit(f"pbx: the simulator did not start:\n{sim.output()}")
    return sim, str(url)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_found(r: Results, name: str, v: Optional[Dict[str, str]], lang: str) -> bool:
    """The CBSTATUS_* variables of a call for FOUND (ASAP, 4th in line) in `lang` (en, es, fr),
    and the dialplan's branch on the status. False when the call did not finish."""
    if not r.check(f"{name}: call finished", v is not None and "DONE" in v,
                   f"no DONE line in the log: {v}"):
        return False
    assert v is not None
    r.equal(f"{name}: CBSTATUS_RESULT", v.get("CBSTATUS_RESULT"), "FOUND")
    r.equal(f"{name}: CBSTATUS_POSITION", v.get("CBSTATUS_POSITION"), "4")
    r.equal(f"{name}: CBSTATUS_STATUS", v.get("CBSTATUS_STATUS"), "waitlisted")
    r.equal(f"{name}: CBSTATUS_TYPE", v.get("CBSTATUS_TYPE"), "asap")
    r.equal(f"{name}: CBSTATUS_WAIT_SECONDS", v.get("CBSTATUS_WAIT_SECONDS"), "720")
    r.equal(f"{name}: CBSTATUS_COUNT", v.get("CBSTATUS_COUNT"), "1")
    r.equal(f"{name}: CBSTATUS_ERROR", v.get("CBSTATUS_ERROR"), "")
    r.check(f"{name}: CBSTATUS_ESTIMATED_FOR", v.get("CBSTATUS_ESTIMATED_FOR", "").isdigit(),
            repr(v.get("CBSTATUS_ESTIMATED_FOR")))
    want = FOUND_TEXT[lang]
    r.check(f"{name}: CBSTATUS_TEXT in {lang}", v.get("CBSTATUS_TEXT", "").startswith(want),
            repr(v.get("CBSTATUS_TEXT")))
    r.check(f"{name}: CBSTATUS_SSML", v.get("CBSTATUS_SSML", "").startswith("<speak"),
            repr(v.get("CBSTATUS_SSML", "")[:80]))
    prompts = v.get("CBSTATUS_PROMPTS", "")
    r.check(f"{name}: CBSTATUS_PROMPTS", FOUND_POSITION_PROMPT[lang] in prompts.split("&"), repr(prompts))
    r.equal(f"{name}: branch", v.get("BRANCH"), "waitlisted")
    return True
