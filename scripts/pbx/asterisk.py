"""The real Asterisk part of the PBX suite.

Lays out a private, loopback-only Asterisk (no SIP, no network listener: autoload is off and
only the modules below are loaded), installs func_cbstatus.so with its Makefile, places calls
through call files on Local channels, and reads what happened from Asterisk's own log
("CBTEST <id> NAME=value" lines printed by tests/pbx/asterisk/extensions.conf).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from common import (check_found, check_library_list, library_variables, LANGUAGES, FR_FOUND_TEXT, CANCEL, REGISTER, JOURNEY, JOURNEY_CLOSED, JOURNEY_MENU, EN_FOUND_TEXT, ES_FOUND_TEXT, FAILS, FOUND, HOSTILE, HUNG, NOT_FOUND,
                    REPO, Process, Results, free_port, log, wait_until)

MODULES = [
    "pbx_config", "pbx_spool", "app_verbose", "app_playback", "app_exec", "app_stack",
    "res_speech", "res_agi", "func_callerid", "func_channel", "func_logic", "func_strings",
    "format_gsm", "format_wav", "format_pcm", "format_sln", "codec_gsm", "codec_ulaw",
    "func_cbstatus",
]
TIMEOUT_MS = 1500


class Asterisk:
    def __init__(self, prefix: Path, work: Path, cbstatus_bin: Path, lib_dir: Path, api_url: str):
        self.prefix = prefix
        self.dir = work / "asterisk"
        self.bin = prefix / "sbin/asterisk"
        self.cbstatus_bin = cbstatus_bin
        self.lib_dir = lib_dir
        self.api_url = api_url
        self.conf = self.dir / "etc/asterisk.conf"
        self.messages = self.dir / "log/messages"
        self.proc: Optional[Process] = None
        self.fastagi: Optional[Process] = None
        self.seq = 0

    # --- layout -----------------------------------------------------------------------

    def layout(self, sounds_dir: Path) -> None:
        d = self.dir
        if d.exists():
            shutil.rmtree(d)
        for sub in ["etc", "modules", "varlib", "data/documentation/thirdparty", "agi-bin",
                    "spool/outgoing", "spool/tmp", "run", "log", "data/sounds"]:
            (d / sub).mkdir(parents=True, exist_ok=True)
        # Stock modules from the cached build, plus ours installed by its Makefile.
        stock = self.prefix / "lib/asterisk/modules"
        for m in stock.iterdir():
            (d / "modules" / m.name).symlink_to(m)
        # Stock documentation plus ours (thirdparty/) so `core show application` has it.
        for f in (self.prefix / "var/lib/asterisk/documentation").iterdir():
            if f.name != "thirdparty":
                (d / "data/documentation" / f.name).symlink_to(f)
        self.make_module()
        # Sounds: the Debian packs (every entry linked) plus the project prompts.
        for lang in LANGUAGES:
            ld = d / "data/sounds" / lang
            ld.mkdir()
            for entry in (Path("/usr/share/asterisk/sounds") / lang).iterdir():
                (ld / entry.name).symlink_to(entry.resolve())
            (ld / "cbstatus").symlink_to(sounds_dir / lang / "cbstatus")
        shutil.copy(REPO / "bindings/asterisk/cbstatus-agi.py", d / "agi-bin/cbstatus-agi.py")
        os.chmod(d / "agi-bin/cbstatus-agi.py", 0o755)

        self.fastagi_port = free_port()
        (d / "etc/asterisk.conf").write_text(
            "[directories]\n"
            f"astetcdir => {d}/etc\nastmoddir => {d}/modules\nastvarlibdir => {d}/varlib\n"
            f"astdbdir => {d}/varlib\nastkeydir => {d}/varlib\nastdatadir => {d}/data\n"
            f"astagidir => {d}/agi-bin\nastspooldir => {d}/spool\nastrundir => {d}/run\n"
            f"astlogdir => {d}/log\nastsbindir => {self.prefix}/sbin\n"
            "[options]\ndocumentation_language = en_US\nmaxcalls = 500\n"
        )
        (d / "etc/modules.conf").write_text(
            "[modules]\nautoload = no\n" + "".join(f"load => {m}.so\n" for m in MODULES)
        )
        (d / "etc/logger.conf").write_text(
            "[general]\ndateformat = %F %T.%3q\nlogger_queue_limit = 100000\n[logfiles]\nmessages => notice,warning,error,verbose\n"
        )
        ext = (REPO / "tests/pbx/asterisk/extensions.conf").read_text()
        ext = ext.replace("@CBSTATUS_BIN@", str(self.cbstatus_bin))
        ext = ext.replace("@FASTAGI@", f"127.0.0.1:{self.fastagi_port}")
        (d / "etc/extensions.conf").write_text(ext)
        self.write_cbstatus_conf()
        # Profiles live in the TOML file (CBSTATUS_CONFIG); CBStatus(...,profile=NAME) picks one.
        (d / "etc/cbstatus.toml").write_text('[profiles.spanish]\nlocale = "es-US"\n')

    def write_cbstatus_conf(self, extra: str = "") -> None:
        # The URL comes from the environment (CBSTATUS_API_URL); the rest from cbstatus.conf.
        (self.dir / "etc/cbstatus.conf").write_text(
            "[general]\n"
            f"timeout_ms = {TIMEOUT_MS}\n"
            "api_token = pbx-suite-secret-token\n"
            "cache_ttl_ms = 3000\n"
            # The suite checks deadlines: failures must not open the circuit breaker.
            "breaker_threshold = 1000\n" + extra
        )

    def make_module(self) -> None:
        """Build and install func_cbstatus.so with bindings/asterisk/Makefile."""
        build = self.dir / "module-build"
        shutil.copytree(REPO / "bindings/asterisk", build,
                        ignore=shutil.ignore_patterns("*.so", "*-en_US.xml"))
        args = [
            "make", "-C", str(build), "install",
            f"ASTERISK_INCLUDE={self.prefix}/include",
            f"ASTMODDIR={self.dir}/modules",
            f"ASTDATADIR={self.dir}/data",
            f"ASTETCDIR={self.dir}/etc",
            f"CBSTATUS_CFLAGS=-I{REPO}/include",
            f"CBSTATUS_LIBS=-L{self.lib_dir} -lcbstatus -Wl,-rpath,{self.lib_dir}",
        ]
        out = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"building func_cbstatus.so failed:\n{out.stdout}\n{out.stderr}")
        self.make_output = out.stdout + out.stderr

    def buildopt_sum(self, include: Path) -> str:
        """AST_BUILDOPT_SUM of a header set (asterisk/buildopts.h)."""
        m = re.search(r'#define AST_BUILDOPT_SUM "([0-9a-f]*)"', (include / "asterisk/buildopts.h").read_text())
        return m.group(1) if m else ""

    def make_module_other_options(self) -> Tuple[Path, str]:
        """func_cbstatus.so built by its Makefile against the headers of a build of this
        Asterisk with one more ABI-changing option, DEBUG_THREADS (it changes the lock
        structures): the installed headers with asterisk/buildopts.h as
        build_tools/make_buildopts_h writes it for that build (the define, and the checksum of
        the option list). Installed as func_cbstatus_otheropts.so; returns it and its sum."""
        include = self.dir / "include-debug-threads"
        shutil.copytree(self.prefix / "include", include, symlinks=True)
        buildopts = include / "asterisk/buildopts.h"
        text = buildopts.read_text()
        m = re.search(r'#define AST_BUILDOPTS "(.*)"', text)
        opts = ", ".join(["DEBUG_THREADS"] + [o for o in (m.group(1) if m else "").split(", ") if o])
        # make_buildopts_h: BUILDSUM=$(echo "${BUILDOPTS}" | md5sum | cut -c1-32)
        other_sum = hashlib.md5((opts + "\n").encode()).hexdigest()
        text = re.sub(r'#define AST_BUILDOPT_SUM "[0-9a-f]*"', f'#define AST_BUILDOPT_SUM "{other_sum}"', text)
        text = re.sub(r'#define AST_BUILDOPTS ".*"', f'#define AST_BUILDOPTS "{opts}"', text)
        buildopts.write_text("#define DEBUG_THREADS 1\n" + text)
        build = self.dir / "module-build-otheropts"
        shutil.copytree(REPO / "bindings/asterisk", build,
                        ignore=shutil.ignore_patterns("*.so", "*-en_US.xml"))
        out = subprocess.run(
            ["make", "-C", str(build), "func_cbstatus.so", f"ASTERISK_INCLUDE={include}",
             f"CBSTATUS_CFLAGS=-I{REPO}/include",
             f"CBSTATUS_LIBS=-L{self.lib_dir} -lcbstatus -Wl,-rpath,{self.lib_dir}"],
            capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"building func_cbstatus.so (DEBUG_THREADS headers) failed:\n{out.stdout}\n{out.stderr}")
        target = self.dir / "modules/func_cbstatus_otheropts.so"
        shutil.copy(build / "func_cbstatus.so", target)
        return target, other_sum

    # --- what every surface must set ---------------------------------------------------

    def library_variables(self, action: str, target: str, language: str = "") -> List[Tuple[str, str]]:
        """The library's CBSTATUS_* list for this request, with this Asterisk's settings."""
        return library_variables(self.lib_dir, self.api_url,
                                 {"timeout_ms": str(TIMEOUT_MS), "breaker_threshold": "1000",
                                  "config": str(self.dir / "etc/cbstatus.toml")},
                                 action, target, language)

    # --- running ----------------------------------------------------------------------

    def env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CBSTATUS_")}
        env.update(
            CBSTATUS_API_URL=self.api_url,
            CBSTATUS_TIMEOUT_MS=str(TIMEOUT_MS),
            CBSTATUS_CONFIG=str(self.dir / "etc/cbstatus.toml"),
            CBSTATUS_LIBRARY=str(self.lib_dir / "libcbstatus.so"),
            PYTHONPATH=str(REPO / "bindings/python"),
        )
        return env

    def start(self) -> None:
        self.fastagi = Process(
            [str(self.cbstatus_bin), "fastagi", "--listen", f"127.0.0.1:{self.fastagi_port}"],
            self.dir / "log/fastagi.log",
            env=self.env(),
        )
        self.proc = Process(
            [str(self.bin), "-C", str(self.conf), "-f", "-n", "-vvv"],
            self.dir / "log/console.log",
            env=self.env(),
        )
        if not wait_until(lambda: self.rx("core waitfullybooted", timeout=15) is not None, 30, 0.3):
            raise RuntimeError(f"Asterisk did not boot:\n{self.proc.output()[-3000:]}")

    def rx(self, command: str, timeout: float = 20) -> Optional[str]:
        """Run a CLI command through the control socket; None if Asterisk is not reachable."""
        try:
            out = subprocess.run([str(self.bin), "-C", str(self.conf), "-rx", command],
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if out.returncode != 0 and "Unable to connect" in (out.stdout + out.stderr):
            return None
        return out.stdout + out.stderr

    def stop(self) -> None:
        if self.proc and self.proc.alive():
            self.rx("core stop now", timeout=10)
            wait_until(lambda: not self.proc.alive(), 10)
        if self.proc:
            self.proc.stop()
        if self.fastagi:
            self.fastagi.stop()

    # --- calls ------------------------------------------------------------------------

    def call(self, case: str, callerid: str = FOUND, wait: int = 30, **variables: str) -> str:
        """Drop a call file: Local/<case>@cbtest with that caller ID. Returns the call id."""
        self.seq += 1
        call_id = f"{case}-{self.seq}"
        lines = [
            f"Channel: Local/{case}@cbtest",
            f"CallerID: <{callerid}>",
            "Application: Wait",
            f"Data: {wait}",
            "MaxRetries: 0",
            f"Setvar: __ID={call_id}",
        ]
        lines += [f"Setvar: __{k}={v}" for k, v in variables.items()]
        tmp = self.dir / "spool/tmp" / f"{call_id}.call"
        tmp.write_text("\n".join(lines) + "\n")
        os.rename(tmp, self.dir / "spool/outgoing" / tmp.name)  # atomic, as Asterisk requires
        return call_id

    def log_text(self) -> str:
        try:
            return self.messages.read_text(errors="replace")
        except OSError:
            return ""

    def result(self, call_id: str, timeout: float = 20) -> Optional[Dict[str, str]]:
        """The CBTEST values of a finished call (None if it did not finish in time)."""
        pattern = re.compile(rf"app_verbose\.c: CBTEST {re.escape(call_id)} ([A-Z_]+)=(.*)$", re.M)

        def done() -> Optional[Dict[str, str]]:
            values = dict(pattern.findall(self.log_text()))
            # HANGUP (the h extension) without DONE: the dialplan stopped early.
            return values if "DONE" in values or "HANGUP" in values else None

        return wait_until(done, timeout, 0.2)

    def started(self, call_id: str) -> bool:
        return f"CBTEST {call_id} START=1" in self.log_text()


def check_lookup(r: Results, name: str, v: Optional[Dict[str, str]], locale: str,
                 play: bool) -> None:
    if check_found(r, name, v, locale) and play:
        assert v is not None
        r.equal(f"{name}: PLAYBACKSTATUS", v.get("PLAYBACKSTATUS"), "SUCCESS")


def check_journey(r: Results, ast: Asterisk) -> None:
    """Issue 13's journey through the native AGI: offer, register (ASAP or a slot of
    CBSTATUS_SLOTS), the confirmation played, a duplicate, then the status lookup finds it."""
    log("asterisk: the callback journey (AGI offer, register, confirm), en, es and fr")
    cases = {}
    for n, (lang, slot) in enumerate([("en", ""), ("es", ""), ("en", "1"), ("es", "2"), ("fr", ""), ("fr", "1")]):
        cases[f"{lang} {'slot ' + slot if slot else 'asap'}"] = ast.call(
            "journey", JOURNEY[n], LANG=lang, WIDGET="w-journey", SLOT=slot)
    closed = ast.call("journey", JOURNEY_CLOSED, WIDGET="w-closed")
    menu = ast.call("menu", JOURNEY_MENU, wait=90, WIDGET="w-asap")
    for name, call_id in cases.items():
        name = f"asterisk journey {name}"
        v = ast.result(call_id, 40) or {}
        if not r.check(f"{name}: call finished", "DONE" in v, repr(v)):
            continue
        r.equal(f"{name}: CBSTATUS_OFFER", v.get("CBSTATUS_OFFER"), "yes")
        r.equal(f"{name}: CBSTATUS_SLOT_COUNT", v.get("CBSTATUS_SLOT_COUNT"), "2")
        slots = v.get("CBSTATUS_SLOTS", "").split(",")
        r.check(f"{name}: CBSTATUS_SLOTS are two Unix times",
                len(slots) == 2 and all(s.isdigit() for s in slots), repr(slots))
        r.check(f"{name}: offer prompts", v.get("OFFER_PROMPTS", "") != "", repr(v))
        r.equal(f"{name}: CBSTATUS_REGISTER_RESULT", v.get("REG_RESULT"), "REQUESTED")
        r.check(f"{name}: CBSTATUS_CALLBACK_ID", re.fullmatch(r"[A-Za-z0-9_-]+", v.get("REG_CALLBACK_ID", "")) is not None,
                repr(v.get("REG_CALLBACK_ID")))
        r.check(f"{name}: confirmation prompts", v.get("REG_PROMPTS", "") != "", repr(v.get("REG_TEXT")))
        if " fr " in f"{name} ":
            r.check(f"{name}: confirmed in French", v.get("REG_TEXT", "").startswith("Merci. Nous vous rappellerons"),
                    repr(v.get("REG_TEXT")))
        r.equal(f"{name}: confirmation PLAYBACKSTATUS", v.get("REG_PLAYBACKSTATUS"), "SUCCESS")
        r.equal(f"{name}: the same number again is a duplicate", v.get("REG_AGAIN_RESULT"), "DUPLICATE")
        r.equal(f"{name}: the status lookup finds the new callback", v.get("CBSTATUS_RESULT"), "FOUND")
        want_type = "scheduled" if "slot" in name else "asap"
        r.equal(f"{name}: its type", v.get("CBSTATUS_TYPE"), want_type)
    v = ast.result(closed, 40) or {}
    r.equal("asterisk journey closed widget: CBSTATUS_OFFER", v.get("CBSTATUS_OFFER"), "no")
    r.equal("asterisk journey closed widget: REFUSED", (v.get("REG_RESULT"), v.get("REG_CALLBACK_ID")),
            ("REFUSED", ""))
    r.equal("asterisk journey closed widget: refusal PLAYBACKSTATUS", v.get("REG_PLAYBACKSTATUS"), "SUCCESS")
    r.equal("asterisk journey closed widget: nothing registered", v.get("CBSTATUS_RESULT"), "NOT_FOUND")
    v = ast.result(menu, 90) or {}
    r.equal("asterisk journey --menu: AGISTATUS", v.get("AGISTATUS"), "SUCCESS")
    r.equal("asterisk journey --menu: offered", v.get("CBSTATUS_OFFER"), "yes")
    r.equal("asterisk journey --menu, no key: CBSTATUS_REGISTER_RESULT empty", v.get("REG_RESULT"), "")
    # Two attempts of the menu prompts, each followed by the 5 s wait for a key.
    r.check("asterisk journey --menu, no key: waited for a key twice",
            v.get("MENU_ELAPSED", "").isdigit() and int(v["MENU_ELAPSED"]) >= 10, repr(v.get("MENU_ELAPSED")))
    r.equal("asterisk journey --menu, no key: nothing registered", v.get("CBSTATUS_RESULT"), "NOT_FOUND")
    text = ast.log_text()
    r.check("asterisk journey: no sound file 'does not exist'", "does not exist" not in text,
            "\n".join(l for l in text.splitlines() if "does not exist" in l)[:2000])


def check_build(r: Results, ast: Asterisk) -> None:
    """The module as its Makefile builds it against this version's installed headers:
    warning-free under -Wall -Wextra -Werror, carrying these headers' build-options checksum."""
    out = getattr(ast, "make_output", "")
    r.check("asterisk: func_cbstatus.c compiles with -Wall -Wextra -Werror (bindings/asterisk/Makefile)",
            "-Wall -Wextra -Werror" in out and "warning:" not in out, out[-2000:])
    want = ast.buildopt_sum(ast.prefix / "include")
    so = (ast.dir / "modules/func_cbstatus.so").read_bytes()
    r.check(f"asterisk: func_cbstatus.so carries this build's AST_BUILDOPT_SUM ({want})",
            len(want) == 32 and want.encode() in so, want)


def check_other_options_refused(r: Results, ast: Asterisk) -> None:
    """A module built against another build's options is refused with Asterisk's own message
    (loader.c inspect_module), and Asterisk goes on. Run while func_cbstatus is unloaded."""
    so, other_sum = ast.make_module_other_options()
    r.check("asterisk: the DEBUG_THREADS build of the module carries that build's checksum",
            other_sum.encode() in so.read_bytes() and other_sum != ast.buildopt_sum(ast.prefix / "include"),
            other_sum)
    out = ast.rx(f"module load {so.name}") or ""
    message = f"Module '{so.name}' was not compiled with the same compile-time options as this version of Asterisk."
    said = wait_until(lambda: message in ast.log_text(), 5)
    r.check("asterisk: a module built against another build's options is refused with Asterisk's message",
            bool(said) and "will not be initialized as it may cause instability" in ast.log_text(),
            f"{out}\n" + "\n".join(l for l in ast.log_text().splitlines() if so.name in l)[-1500:])
    r.check("asterisk: ... and `module load` says it did not load", "Unable to load module" in out, out)
    r.check("asterisk: still running after the refusal", ast.rx("core show uptime") is not None, "no answer")
    out = ast.rx("core show applications like CBStatus") or "x CBStatus"
    r.check("asterisk: the refused module registered nothing", "CBStatus" not in out, out)
    so.unlink()


def run(r: Results, ast: Asterisk) -> None:
    log("asterisk: booted; documentation and CLI")
    check_build(r, ast)
    out = ast.rx("core show application CBStatus") or ""
    r.check("asterisk: core show application CBStatus documents every argument",
            all(w in out for w in ["Look up a caller's Mindful callback", "number", "options",
                                   "cancel", "widget", "register", "at=UNIX", "profile=NAME",
                                   "locale=TAG", "CBSTATUS_RESULT", "CBSTATUS_CALLBACK_ID"]), out[:1500])
    out = ast.rx("core show function CBSTATUS_PREFETCH") or ""
    r.check("asterisk: core show function CBSTATUS_PREFETCH documents it",
            "Start a caller's callback lookup in the background" in out and "number" in out, out[:800])
    out = ast.rx("core show function CBSTATUS") or ""
    r.check("asterisk: core show function CBSTATUS documents every argument",
            all(w in out for w in ["Say where a caller's Mindful callback stands", "number",
                                   "field", "locale", "wait_seconds", "estimated_for"]), out[:800])
    out = ast.rx("cbstatus show settings") or ""
    r.check("asterisk: cbstatus show settings masks the token",
            "api_token" in out and "******** (set)" in out and "pbx-suite-secret" not in out
            and "CBSTATUS_API_URL" in out and "timeout_ms" in out, out)
    out = ast.rx(f"cbstatus lookup {FOUND}") or ""
    r.check("asterisk: cbstatus lookup", re.search(r"result\s+FOUND", out) is not None
            and EN_FOUND_TEXT in out, out)
    out = ast.rx(f"cbstatus lookup {FOUND} es-US") or ""
    r.check("asterisk: cbstatus lookup es-US", ES_FOUND_TEXT in out, out)

    out = ast.rx(f"cbstatus lookup {FOUND} fr-CA") or ""
    r.check("asterisk: cbstatus lookup fr-CA", FR_FOUND_TEXT in out, out)

    log("asterisk: every integration, en, es and fr, with playback")
    calls = []
    for case in ["agi", "fastagi", "pyagi", "app", "func"]:
        for lang in LANGUAGES:
            calls.append((case, lang, ast.call(case, FOUND, LANG=lang, PLAY="1")))
    for case, lang, call_id in calls:
        v = ast.result(call_id, 30)
        check_lookup(r, f"asterisk {case} {lang}", v, lang, play=True)
        if case == "func" and v:
            r.check(f"asterisk func {lang}: third argument picks the locale",
                    v.get("EN_TEXT", "").startswith(EN_FOUND_TEXT), repr(v.get("EN_TEXT")))
            r.equal(f"asterisk func {lang}: unknown field reads empty", v.get("BOGUS"), "")
        if case == "fastagi" and v:
            r.equal(f"asterisk fastagi {lang}: AGISTATUS", v.get("AGISTATUS"), "SUCCESS")
    # Every surface sets the library's list (cb_result_variables()): the same names and values.
    for case, lang, call_id in calls:
        check_library_list(r, f"asterisk {case} {lang}", ast.result(call_id, 30),
                           ast.library_variables("status", FOUND, lang))
    text = ast.log_text()
    r.check("asterisk: no sound file 'does not exist'", "does not exist" not in text,
            "\n".join(l for l in text.splitlines() if "does not exist" in l)[:2000])

    check_journey(r, ast)

    log("asterisk: not found, failures, actions")
    ids = {
        "app-notfound": ast.call("app", NOT_FOUND),
        "func-notfound": ast.call("func", NOT_FOUND),
        "app-503": ast.call("app", FAILS, PLAY="1"),
        "func-503": ast.call("func", FAILS),
        "app-anon": ast.call("app", "anonymous"),
        "app-cancel": ast.call("app", CANCEL, OPTS="cancel"),
        "app-widget": ast.call("app", FOUND, OPTS="widget=w-open"),
        "app-widget-es": ast.call("app", FOUND, OPTS="widget=w-open,locale=es-US"),
        "app-explicit": ast.call("app", NOT_FOUND, NUM=FOUND, OPTS="locale=es-US"),
        "app-register": ast.call("app", REGISTER, OPTS="register,widget=w-open"),
        "prefetch": ast.call("prefetch", FOUND),
        "profile": ast.call("app", FOUND, OPTS="profile=spanish"),
        "profile-unknown": ast.call("app", FOUND, OPTS="profile=nosuch"),
    }
    v = {k: ast.result(i, 30) or {} for k, i in ids.items()}
    for k, (action, target, lang) in {
        "app-notfound": ("status", NOT_FOUND, "en"), "func-notfound": ("status", NOT_FOUND, "en"),
        "app-503": ("status", FAILS, "en"), "func-503": ("status", FAILS, "en"),
        "app-widget": ("widget", "w-open", "en"), "app-widget-es": ("widget", "w-open", "es-US"),
    }.items():
        check_library_list(r, f"asterisk {k}", v[k], ast.library_variables(action, target, lang))
    for k in ["app-notfound", "func-notfound"]:
        r.equal(f"asterisk {k}: RESULT", v[k].get("CBSTATUS_RESULT"), "NOT_FOUND")
        r.equal(f"asterisk {k}: COUNT", v[k].get("CBSTATUS_COUNT"), "0")
    for k in ["app-503", "func-503"]:
        r.equal(f"asterisk {k}: RESULT", v[k].get("CBSTATUS_RESULT"), "ERROR")
        r.equal(f"asterisk {k}: ERROR", v[k].get("CBSTATUS_ERROR"), "http_status")
        r.check(f"asterisk {k}: fallback sentence", v[k].get("CBSTATUS_TEXT", "").startswith("Sorry"),
                repr(v[k].get("CBSTATUS_TEXT")))
    r.equal("asterisk app-503: fallback prompts play", v["app-503"].get("PLAYBACKSTATUS"), "SUCCESS")
    r.equal("asterisk app anonymous caller: ERROR", v["app-anon"].get("CBSTATUS_RESULT"), "ERROR")
    r.equal("asterisk app anonymous caller: invalid_number", v["app-anon"].get("CBSTATUS_ERROR"),
            "invalid_number")
    r.equal("asterisk app cancel: CANCELED", v["app-cancel"].get("CBSTATUS_RESULT"), "CANCELED")
    r.equal("asterisk app widget: AVAILABLE", v["app-widget"].get("CBSTATUS_RESULT"), "AVAILABLE")
    r.equal("asterisk app widget: state", v["app-widget"].get("CBSTATUS_WIDGET_STATE"), "offer_callback")
    r.equal("asterisk app widget: offer asap", v["app-widget"].get("CBSTATUS_OFFER_ASAP"), "1")
    r.equal("asterisk app widget: ewt", v["app-widget"].get("CBSTATUS_EWT_SECONDS"), "600")
    r.check("asterisk app widget es-US: Spanish", not v["app-widget-es"].get("CBSTATUS_TEXT", "x").startswith("We"),
            repr(v["app-widget-es"].get("CBSTATUS_TEXT")))
    r.equal("asterisk app register: REQUESTED", (v["app-register"].get("CBSTATUS_RESULT"),
                                                 v["app-register"].get("CBSTATUS_REGISTER_RESULT")),
            ("REQUESTED", "REQUESTED"))
    r.check("asterisk app register: callback id", v["app-register"].get("CBSTATUS_CALLBACK_ID", "") != "",
            repr(v["app-register"]))
    r.equal("asterisk CBSTATUS_PREFETCH() started", v["prefetch"].get("PREFETCH"), "1")
    r.equal("asterisk CBStatus() after the prefetch", v["prefetch"].get("CBSTATUS_RESULT"), "FOUND")
    r.check("asterisk CBStatus(,profile=spanish): the profile's locale",
            v["profile"].get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT), repr(v["profile"].get("CBSTATUS_TEXT")))
    r.equal("asterisk CBStatus(,profile=nosuch): an error, not another client",
            (v["profile-unknown"].get("CBSTATUS_RESULT"), v["profile-unknown"].get("CBSTATUS_ERROR")),
            ("ERROR", "invalid_config"))
    out = ast.rx("cbstatus show stats") or ""
    r.check("asterisk: cbstatus show stats prints the counters", out.strip().startswith("{")
            and "prefetch" in out, out[:300])
    r.equal("asterisk app explicit number: FOUND", v["app-explicit"].get("CBSTATUS_RESULT"), "FOUND")
    r.check("asterisk app locale=es-US on an English channel",
            v["app-explicit"].get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT),
            repr(v["app-explicit"].get("CBSTATUS_TEXT")))

    log("asterisk: hostile API values")
    hostile = {c: ast.call(c, HOSTILE) for c in ["app", "func", "agi", "fastagi", "pyagi"]}
    hostile["widget"] = ast.call("app", FOUND, OPTS="widget=w-hostile")
    for c, i in hostile.items():
        hv = ast.result(i, 30) or {}
        want = ast.library_variables("widget", "w-hostile") if c == "widget" else \
            ast.library_variables("status", HOSTILE)
        check_library_list(r, f"asterisk hostile {c}", hv, want)
        r.equal(f"asterisk hostile {c}: dialplan branch unchanged", hv.get("BRANCH"), "other")
        r.equal(f"asterisk hostile {c}: nothing executed", hv.get("PWNED"), "")
        for name in ["CBSTATUS_STATUS", "CBSTATUS_TYPE", "CBSTATUS_WIDGET_STATE"]:
            val = hv.get(name, "")
            r.check(f"asterisk hostile {c}: {name} is a safe word",
                    re.fullmatch(r"[a-z0-9_]{0,32}", val) is not None, repr(val))

    log("asterisk: hung Mindful")
    hung = [ast.call(c, HUNG) for c in ["app", "func", "agi", "fastagi"]]
    for i in hung:
        hv = ast.result(i, 30) or {}
        r.equal(f"asterisk hung Mindful {i}: ERROR no_reply, call goes on",
                (hv.get("CBSTATUS_RESULT"), hv.get("CBSTATUS_ERROR")), ("ERROR", "no_reply"))
        r.check(f"asterisk hung Mindful {i}: within the deadline",
                hv.get("ELAPSED", "99").isdigit() and int(hv.get("ELAPSED", "99")) <= 4,
                f"elapsed {hv.get('ELAPSED')} s, timeout_ms {TIMEOUT_MS}")

    log("asterisk: 50 concurrent calls")
    t0 = time.monotonic()
    many = [ast.call("app" if n % 2 else "func", FOUND) for n in range(50)]
    got = [ast.result(i, 60) for i in many]
    ok = [g for g in got if g and g.get("CBSTATUS_RESULT") == "FOUND" and g.get("CBSTATUS_POSITION") == "4"]
    if not r.equal("asterisk: 50 concurrent calls all FOUND", len(ok), 50):
        print([g for g in got if not g or g.get("CBSTATUS_RESULT") != "FOUND"][:3])
        print(ast.rx("core show channels"))
    log(f"asterisk: 50 concurrent calls took {time.monotonic() - t0:.1f} s")

    log("asterisk: unload and reload while calls are up")
    inside = [ast.call("app", HUNG) for _ in range(3)]
    wait_until(lambda: all(ast.started(i) for i in inside), 10)
    time.sleep(0.3)
    out = ast.rx("module unload func_cbstatus.so") or ""
    r.check("asterisk: unload refused while calls are inside CBStatus()",
            "use count" in out or "Unable to unload" in out or "in use" in out, out)
    for i in inside:
        hv = ast.result(i, 30) or {}
        r.equal(f"asterisk: call {i} survived the unload attempt", hv.get("CBSTATUS_ERROR"), "no_reply")
    r.check("asterisk: still running", ast.rx("core show uptime") is not None, "no answer")
    out = ast.rx("module unload func_cbstatus.so") or ""
    r.check("asterisk: unload succeeds once idle", "Unloaded" in out or "unloaded" in out, out)
    out = ast.rx("module show like cbstatus") or ""
    r.check("asterisk: module gone after unload", "func_cbstatus" not in out, out)
    check_other_options_refused(r, ast)
    # Without an API URL (cbstatus.conf's empty api_url restores the default: none) the
    # module declines to load and says why.
    ast.write_cbstatus_conf("api_url =\n")
    out = ast.rx("module load func_cbstatus.so") or ""
    said = wait_until(lambda: "no API URL" in ast.log_text(), 5)
    r.check("asterisk: module declines to load without api_url, saying why",
            "Unable to load" in out and bool(said), out)
    r.check("asterisk: a declined module registers nothing",
            "CBStatus" not in (ast.rx("core show applications like CBStatus") or "x CBStatus"),
            ast.rx("core show applications like CBStatus") or "")
    ast.write_cbstatus_conf()
    out = ast.rx("module load func_cbstatus.so") or ""
    r.check("asterisk: module load again", "Loaded" in out or "loaded" in out, out)
    check_lookup(r, "asterisk after reload of the module", ast.result(ast.call("app", FOUND), 30),
                 "en", play=False)

    inside = [ast.call("app", HUNG) for _ in range(3)]
    wait_until(lambda: all(ast.started(i) for i in inside), 10)
    time.sleep(0.3)
    ast.write_cbstatus_conf("locale = es-US\n")
    out = ast.rx("module reload func_cbstatus") or ""
    r.check("asterisk: module reload while calls are up", "fail" not in out.lower(), out)
    for i in inside:
        hv = ast.result(i, 30) or {}
        r.equal(f"asterisk: call {i} finished on the old client", hv.get("CBSTATUS_ERROR"), "no_reply")
    v2 = ast.result(ast.call("func", NOT_FOUND, NUM=FOUND, LANG="en"), 30) or {}
    r.check("asterisk: reload applied the new cbstatus.conf (locale = es-US)",
            v2.get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT), repr(v2.get("CBSTATUS_TEXT")))
    out = ast.rx("cbstatus show settings") or ""
    r.check("asterisk: show settings after reload", "es-US" in out, out)
    ast.write_cbstatus_conf("timeout_ms = soon\n")
    ast.rx("module reload func_cbstatus")
    v3 = ast.result(ast.call("app", FOUND), 30) or {}
    r.equal("asterisk: a bad reload keeps the previous settings", v3.get("CBSTATUS_RESULT"), "FOUND")
    ast.write_cbstatus_conf()
    ast.rx("module reload func_cbstatus")
    # A proxy URL's credentials are masked like the token (issue 19, class 1).
    ast.write_cbstatus_conf("proxy = http://pbx-proxy-user:pbx-proxy-secret@127.0.0.1:9\n")
    ast.rx("module reload func_cbstatus")
    out = ast.rx("cbstatus show settings") or ""
    r.check("asterisk: cbstatus show settings masks a proxy's credentials",
            "http://***@127.0.0.1:9" in out and "pbx-proxy-secret" not in out
            and "pbx-proxy-user" not in out, out)
    ast.write_cbstatus_conf()
    ast.rx("module reload func_cbstatus")
    r.check("asterisk: no crash (process alive at the end)", ast.proc is not None and ast.proc.alive(),
            ast.proc.output()[-2000:] if ast.proc else "")
