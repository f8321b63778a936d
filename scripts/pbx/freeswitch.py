"""The real FreeSWITCH part of the PBX suite.

Lays out a private FreeSWITCH (only the modules below; the event socket on 127.0.0.1 is its
one listener), builds mod_cbstatus.so with its Makefile, places calls on the loopback endpoint
through the event socket, and reads what happened from FreeSWITCH's own log ("CBTEST <id>
NAME=value" lines printed by tests/pbx/freeswitch/dialplan.xml).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from common import (check_found, check_library_list, library_variables, LANGUAGES, FOUND_POSITION_PROMPT, FR_FOUND_TEXT, CANCEL_FS, REGISTER_FS, JOURNEY_FS, EN_FOUND_TEXT, ES_FOUND_TEXT, FOUND, HOSTILE, HUNG, NOT_FOUND, REPO,
                    Process, Results, free_port, log, wait_until)

MODULES = ["mod_console", "mod_logfile", "mod_event_socket", "mod_commands", "mod_dptools",
           "mod_expr", "mod_dialplan_xml", "mod_loopback", "mod_sndfile", "mod_native_file",
           "mod_tone_stream", "mod_python3", "mod_cbstatus"]
TIMEOUT_MS = 1500


class Esl:
    """A minimal event-socket client: `auth`, then `api` commands (one at a time)."""

    def __init__(self, port: int, timeout: float = 20):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self._read_message()  # auth/request
        self.send("auth ClueCon")

    def _read_message(self) -> tuple:
        while b"\n\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("event socket closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\n\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().splitlines() if ": " in line)
        body = b""
        length = int(headers.get("Content-Length", "0"))
        while len(self.buf) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("event socket closed")
            self.buf += chunk
        body, self.buf = self.buf[:length], self.buf[length:]
        return headers, body.decode(errors="replace")

    def send(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\n\n")
        while True:
            headers, body = self._read_message()
            kind = headers.get("Content-Type", "")
            if kind in ("api/response", "command/reply"):
                return body if kind == "api/response" else headers.get("Reply-Text", "")

    def api(self, command: str) -> str:
        return self.send(f"api {command}")

    def close(self) -> None:
        self.sock.close()


class FreeSwitch:
    def __init__(self, prefix: Path, work: Path, cbstatus_bin: Path, lib_dir: Path, api_url: str):
        self.prefix = prefix
        self.dir = work / "freeswitch"
        self.cbstatus_bin = cbstatus_bin
        self.lib_dir = lib_dir
        self.api_url = api_url
        self.proc: Optional[Process] = None
        self.esl: Optional[Esl] = None
        self.seq = 0
        self.port = free_port()
        self.logfile = self.dir / "log/freeswitch.log"

    def layout(self) -> None:
        d = self.dir
        if d.exists():
            shutil.rmtree(d)
        for sub in ["conf/autoload_configs", "conf/dialplan", "log", "db", "run", "mod", "sounds",
                    "temp", "scripts"]:
            (d / sub).mkdir(parents=True)
        for m in (self.prefix / "lib/freeswitch/mod").iterdir():
            (d / "mod" / m.name).symlink_to(m)
        self.make_module()
        out = subprocess.run([str(self.cbstatus_bin), "prompts", "generate", "--layout", "freeswitch",
                              "--dir", str(d / "sounds/cbstatus")], capture_output=True, text=True,
                             timeout=300)
        if out.returncode != 0:
            raise RuntimeError(f"prompts generate --layout freeswitch failed: {out.stderr}")
        c = d / "conf"
        (c / "freeswitch.xml").write_text(
            '<?xml version="1.0"?>\n<document type="freeswitch/xml">\n'
            '  <section name="configuration" description="configuration">\n'
            '    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>\n  </section>\n'
            '  <section name="dialplan" description="dialplan">\n'
            '    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>\n  </section>\n'
            "</document>\n"
        )
        a = c / "autoload_configs"
        (a / "modules.conf.xml").write_text(
            '<configuration name="modules.conf"><modules>\n'
            + "".join(f'<load module="{m}"/>\n' for m in MODULES)
            + "</modules></configuration>\n"
        )
        (a / "switch.conf.xml").write_text(
            '<configuration name="switch.conf"><settings>\n'
            '<param name="max-sessions" value="1000"/>\n<param name="sessions-per-second" value="1000"/>\n'
            '<param name="loglevel" value="debug"/>\n</settings></configuration>\n'
        )
        (a / "logfile.conf.xml").write_text(
            '<configuration name="logfile.conf"><settings/><profiles><profile name="default">\n'
            f'<settings><param name="logfile" value="{self.logfile}"/></settings>\n'
            '<mappings><map name="all" value="debug,info,notice,warning,err,crit,alert"/></mappings>\n'
            "</profile></profiles></configuration>\n"
        )
        (a / "event_socket.conf.xml").write_text(
            '<configuration name="event_socket.conf"><settings>\n'
            '<param name="listen-ip" value="127.0.0.1"/>\n'
            f'<param name="listen-port" value="{self.port}"/>\n'
            '<param name="password" value="ClueCon"/>\n</settings></configuration>\n'
        )
        self.write_cbstatus_conf()
        # Profiles live in the TOML file (CBSTATUS_CONFIG); `cbstatus profile=NAME` picks one.
        (c / "cbstatus.toml").write_text('[profiles.spanish]\nlocale = "es-US"\n')
        shutil.copy(REPO / "tests/pbx/freeswitch/dialplan.xml", c / "dialplan/cbtest.xml")

    def write_cbstatus_conf(self, extra: str = "") -> None:
        (self.dir / "conf/autoload_configs/cbstatus.conf.xml").write_text(
            '<configuration name="cbstatus.conf"><settings>\n'
            f'<param name="timeout_ms" value="{TIMEOUT_MS}"/>\n'
            '<param name="breaker_threshold" value="1000"/>\n' + extra
            + "</settings></configuration>\n"
        )

    def make_module(self) -> None:
        build = self.dir / "module-build"
        shutil.copytree(REPO / "bindings/freeswitch", build, ignore=shutil.ignore_patterns("*.so"))
        env = dict(os.environ, PKG_CONFIG_PATH=str(self.prefix / "lib/pkgconfig"))
        out = subprocess.run(
            ["make", "-C", str(build), "install", f"FS_MODDIR={self.dir}/mod",
             f"CBSTATUS_CFLAGS=-I{REPO}/include",
             f"CBSTATUS_LIBS=-L{self.lib_dir} -lcbstatus -Wl,-rpath,{self.lib_dir}"],
            capture_output=True, text=True, timeout=120, env=env)
        if out.returncode != 0:
            raise RuntimeError(f"building mod_cbstatus.so failed:\n{out.stdout}\n{out.stderr}")
        self.make_output = out.stdout + out.stderr

    def library_variables(self, action: str, target: str, language: str = "") -> List[Tuple[str, str]]:
        """The library's CBSTATUS_* list for this request, with this FreeSWITCH's settings."""
        return library_variables(self.lib_dir, self.api_url,
                                 {"timeout_ms": str(TIMEOUT_MS), "breaker_threshold": "1000",
                                  "config": str(self.dir / "conf/cbstatus.toml")},
                                 action, target, language)

    def env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CBSTATUS_")}
        env.update(
            CBSTATUS_API_URL=self.api_url,
            CBSTATUS_TIMEOUT_MS=str(TIMEOUT_MS),
            CBSTATUS_BREAKER_THRESHOLD="1000",
            CBSTATUS_CONFIG=str(self.dir / "conf/cbstatus.toml"),
            CBSTATUS_LIBRARY=str(self.lib_dir / "libcbstatus.so"),
            PYTHONPATH=":".join([str(REPO / "bindings/freeswitch"), str(REPO / "bindings/python"),
                                 str(self.prefix / "lib/python3/dist-packages")]),
        )
        return env

    def start(self) -> None:
        d = self.dir
        self.proc = Process(
            [str(self.prefix / "bin/freeswitch"), "-nf", "-nc", "-nonat", "-nonatmap",
             "-conf", str(d / "conf"), "-log", str(d / "log"), "-db", str(d / "db"),
             "-run", str(d / "run"), "-mod", str(d / "mod"), "-sounds", str(d / "sounds"),
             "-temp", str(d / "temp"), "-scripts", str(d / "scripts")],
            d / "log/stdout.log", env=self.env())

        def connect() -> Optional[Esl]:
            try:
                return Esl(self.port)
            except OSError:
                return None

        self.esl = wait_until(connect, 60, 0.5)  # type: ignore[assignment]
        if not self.esl:
            raise RuntimeError(f"FreeSWITCH did not start:\n{self.proc.output()[-3000:]}\n"
                               f"{self.log_text()[-3000:]}")
        wait_until(lambda: "+OK" in (self.esl.api("status") or "") or "UP" in self.esl.api("status"), 20)

    def stop(self) -> None:
        if self.esl:
            try:
                self.esl.api("fsctl shutdown")
            except OSError:
                pass
            self.esl.close()
        if self.proc:
            wait_until(lambda: not self.proc.alive(), 15)
            self.proc.stop()

    def log_text(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def call(self, case: str, callerid: str = FOUND, lang: str = "") -> str:
        """Originate loopback/cb-<case>-<n>[-<lang>]/cbtest in the background; the call id."""
        self.seq += 1
        call_id = f"{case}-{self.seq}"
        dest = f"cb-{case}-{self.seq}" + (f"-{lang}" if lang else "")
        assert self.esl is not None
        self.esl.send(f"bgapi originate {{origination_caller_id_number={callerid}}}"
                      f"loopback/{dest}/cbtest &park()")
        return call_id

    def result(self, call_id: str, timeout: float = 20) -> Optional[Dict[str, str]]:
        pattern = re.compile(rf"CBTEST {re.escape(call_id)} ([A-Z_]+)=(.*)$", re.M)

        def done() -> Optional[Dict[str, str]]:
            values = dict(pattern.findall(self.log_text()))
            return values if "DONE" in values else None

        return wait_until(done, timeout, 0.2)

    def started(self, call_id: str) -> bool:
        return f"CBTEST {call_id} START=1" in self.log_text()


def check_fs_found(r: Results, name: str, v: Optional[Dict[str, str]], lang: str, play: bool) -> None:
    if not check_found(r, name, v, lang):
        return
    assert v is not None
    playlist = v.get("CBSTATUS_PLAYLIST", "")
    r.check(f"{name}: CBSTATUS_PLAYLIST over the {lang} sounds",
            playlist.startswith("file_string://") and f"/{lang}/{FOUND_POSITION_PROMPT[lang]}.wav" in playlist,
            repr(playlist))
    if play:
        r.check(f"{name}: playback of CBSTATUS_PLAYLIST", v.get("PLAYBACK", "").startswith("FILE PLAYED"),
                repr(v.get("PLAYBACK")))


def run(r: Results, fs: FreeSwitch) -> None:
    esl = fs.esl
    assert esl is not None
    log("freeswitch: started; API")
    made = getattr(fs, "make_output", "")
    r.check("freeswitch: mod_cbstatus.c compiles with -Wall -Wextra -Werror (bindings/freeswitch/Makefile)",
            "-Wall -Wextra -Werror" in made and "warning:" not in made, made[-2000:])
    out = esl.api(f"cbstatus {FOUND}")
    r.check("freeswitch api: text", out.startswith(EN_FOUND_TEXT), repr(out))
    out = esl.api(f"cbstatus {FOUND} text es-US")
    r.check("freeswitch api: text es-US", out.startswith(ES_FOUND_TEXT), repr(out))
    out = esl.api(f"cbstatus {FOUND} text fr-CA")
    r.check("freeswitch api: text fr-CA", out.startswith(FR_FOUND_TEXT), repr(out))
    r.equal("freeswitch api: position", esl.api(f"cbstatus {FOUND} position").strip(), "4")
    r.equal("freeswitch api: result", esl.api(f"cbstatus {NOT_FOUND} result").strip(), "NOT_FOUND")
    r.equal("freeswitch api: status of hostile values", esl.api(f"cbstatus {HOSTILE} status").strip(), "other")
    out = esl.api(f"cbstatus {FOUND} json")
    r.check("freeswitch api: json", out.strip().startswith("{") and '"found":true' in out.replace(" ", ""), out[:200])
    out = esl.api(f"cbstatus {FOUND} playlist es-US")
    r.check("freeswitch api: playlist", out.startswith("file_string://") and "/es/cbstatus/" in out, out[:200])
    out = esl.api(f"cbstatus {FOUND} bogus")
    r.check("freeswitch api: unknown field", out.startswith("-ERR"), out)
    out = esl.api("cbstatus")
    r.check("freeswitch api: usage", out.startswith("-USAGE"), out)

    log("freeswitch: the module's application and the mod_python3 handler, en, es and fr, with playback")
    calls = [(c, lang, fs.call(c, FOUND, lang)) for c in ["app", "py"] for lang in LANGUAGES]
    for case, lang, call_id in calls:
        check_fs_found(r, f"freeswitch {case} {lang}", fs.result(call_id, 30), lang, play=True)
        # The module and the handler set the library's list (cb_result_variables()).
        check_library_list(r, f"freeswitch {case} {lang}", fs.result(call_id, 30),
                           fs.library_variables("status", FOUND, lang))
    for lang in LANGUAGES:
        v = fs.result(fs.call("pyspeak", FOUND, lang), 30) or {}
        r.check(f"freeswitch python handler speaks the playlist ({lang})",
                v.get("HANDLER_PLAYBACK", "").startswith("FILE PLAYED"), repr(v.get("HANDLER_PLAYBACK")))

    log("freeswitch: not found, failures, actions, hostile values")
    ids = {
        "notfound": fs.call("plain", NOT_FOUND),
        "503": fs.call("plain", "+15551230500"),
        "anon": fs.call("plain", "anonymous"),
        "explicit": fs.call("explicit", NOT_FOUND),
        "cancel": fs.call("cancel", CANCEL_FS),
        "widget": fs.call("widget", FOUND),
        "hostile": fs.call("plain", HOSTILE),
        "hwidget": fs.call("hwidget", FOUND),
        "py-hostile": fs.call("py", HOSTILE, "en"),
        "register": fs.call("register", REGISTER_FS),
        "journey": fs.call("journey", JOURNEY_FS),
        "prefetch": fs.call("prefetch", FOUND),
        "profile": fs.call("profile", FOUND),
        "noprofile": fs.call("noprofile", FOUND),
    }
    v = {k: fs.result(i, 30) or {} for k, i in ids.items()}
    for k, (action, target, lang) in {
        "notfound": ("status", NOT_FOUND, ""), "503": ("status", "+15551230500", ""),
        "explicit": ("status", FOUND, "es-US"), "widget": ("widget", "w-open", ""),
        "hostile": ("status", HOSTILE, ""), "hwidget": ("widget", "w-hostile", ""),
        "py-hostile": ("status", HOSTILE, "en"),
    }.items():
        check_library_list(r, f"freeswitch {k}", v[k], fs.library_variables(action, target, lang))
    r.equal("freeswitch app not found", v["notfound"].get("CBSTATUS_RESULT"), "NOT_FOUND")
    r.equal("freeswitch app 503", (v["503"].get("CBSTATUS_RESULT"), v["503"].get("CBSTATUS_ERROR")),
            ("ERROR", "http_status"))
    r.check("freeswitch app 503: fallback", v["503"].get("CBSTATUS_TEXT", "").startswith("Sorry"),
            repr(v["503"].get("CBSTATUS_TEXT")))
    r.equal("freeswitch app anonymous caller", v["anon"].get("CBSTATUS_ERROR"), "invalid_number")
    r.check("freeswitch app explicit number and locale",
            v["explicit"].get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT), repr(v["explicit"].get("CBSTATUS_TEXT")))
    r.equal("freeswitch app register", (v["register"].get("CBSTATUS_RESULT"),
                                         v["register"].get("CBSTATUS_REGISTER_RESULT")), ("REQUESTED", "REQUESTED"))
    r.check("freeswitch app register: callback id", v["register"].get("CBSTATUS_CALLBACK_ID", "") != "",
            repr(v["register"]))
    j = v["journey"]
    r.equal("freeswitch python journey: offer", (j.get("CBSTATUS_OFFER"), j.get("CBSTATUS_SLOT_COUNT")), ("yes", "2"))
    r.equal("freeswitch python journey: register slot=1", j.get("REG_RESULT"), "REQUESTED")
    r.check("freeswitch python journey: callback id", re.fullmatch(r"[A-Za-z0-9_-]+", j.get("REG_CALLBACK_ID", "")) is not None,
            repr(j.get("REG_CALLBACK_ID")))
    r.equal("freeswitch python journey: the same number again", j.get("REG_AGAIN_RESULT"), "DUPLICATE")
    r.equal("freeswitch python journey: the status lookup finds it", (j.get("CBSTATUS_RESULT"), j.get("CBSTATUS_TYPE")),
            ("FOUND", "scheduled"))
    r.equal("freeswitch cbstatus_prefetch started", v["prefetch"].get("PREFETCH"), "1")
    r.equal("freeswitch cbstatus after the prefetch", v["prefetch"].get("CBSTATUS_RESULT"), "FOUND")
    r.check("freeswitch cbstatus profile=spanish: the profile's locale",
            v["profile"].get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT), repr(v["profile"].get("CBSTATUS_TEXT")))
    r.equal("freeswitch cbstatus profile=nosuch: an error, not another client",
            (v["noprofile"].get("CBSTATUS_RESULT"), v["noprofile"].get("CBSTATUS_ERROR")), ("ERROR", "invalid_config"))
    out = esl.api("cbstatus stats")
    r.check("freeswitch api: cbstatus stats", out.strip().startswith("{") and "prefetch" in out, out[:300])
    r.equal("freeswitch app cancel", v["cancel"].get("CBSTATUS_RESULT"), "CANCELED")
    r.equal("freeswitch app widget", (v["widget"].get("CBSTATUS_RESULT"), v["widget"].get("CBSTATUS_WIDGET_STATE"),
                                      v["widget"].get("CBSTATUS_EWT_SECONDS")), ("AVAILABLE", "offer_callback", "600"))
    for k in ["hostile", "hwidget", "py-hostile"]:
        r.equal(f"freeswitch {k}: dialplan branch unchanged", v[k].get("BRANCH"), "other")
        for name in ["CBSTATUS_STATUS", "CBSTATUS_TYPE", "CBSTATUS_WIDGET_STATE"]:
            val = v[k].get(name, "")
            r.check(f"freeswitch {k}: {name} is a safe word", re.fullmatch(r"[a-z0-9_]{0,32}", val) is not None,
                    repr(val))

    log("freeswitch: hung Mindful")
    for case in ["plain", "py"]:
        hv = fs.result(fs.call(case, HUNG, "en" if case == "py" else ""), 30) or {}
        r.equal(f"freeswitch {case} hung Mindful: ERROR no_reply, call goes on",
                (hv.get("CBSTATUS_RESULT"), hv.get("CBSTATUS_ERROR")), ("ERROR", "no_reply"))
        r.check(f"freeswitch {case} hung Mindful: within the deadline",
                hv.get("ELAPSED", "99").isdigit() and int(hv.get("ELAPSED", "99")) <= 4,
                f"elapsed {hv.get('ELAPSED')} s")

    log("freeswitch: 50 concurrent calls")
    t0 = time.monotonic()
    many = [fs.call("plain", FOUND) for _ in range(50)]
    got = [fs.result(i, 60) for i in many]
    ok = [g for g in got if g and g.get("CBSTATUS_RESULT") == "FOUND"]
    r.equal("freeswitch: 50 concurrent calls all FOUND", len(ok), 50)
    log(f"freeswitch: 50 concurrent calls took {time.monotonic() - t0:.1f} s")

    log("freeswitch: unload and reload while calls are up")
    inside = [fs.call("plain", HUNG) for _ in range(3)]
    wait_until(lambda: all(fs.started(i) for i in inside), 10)
    time.sleep(0.3)
    out = esl.api("unload mod_cbstatus")
    r.check("freeswitch: unload refused while calls are inside the application", "-ERR" in out, out)
    for i in inside:
        hv = fs.result(i, 30) or {}
        r.equal(f"freeswitch: call {i} survived the unload attempt", hv.get("CBSTATUS_ERROR"), "no_reply")
    fs.write_cbstatus_conf('<param name="locale" value="es-US"/>\n')
    out = esl.api("reload mod_cbstatus")
    r.check("freeswitch: reload mod_cbstatus when idle", "+OK" in out, out)
    v2 = fs.result(fs.call("plain", FOUND), 30) or {}
    r.check("freeswitch: reload applied the new cbstatus.conf.xml (locale es-US)",
            v2.get("CBSTATUS_TEXT", "").startswith(ES_FOUND_TEXT), repr(v2.get("CBSTATUS_TEXT")))
    fs.write_cbstatus_conf()
    out = esl.api("unload mod_cbstatus")
    r.check("freeswitch: unload when idle", "+OK" in out, out)
    out = esl.api(f"cbstatus {FOUND}")
    r.check("freeswitch: API gone after unload", "-ERR" in out or "not found" in out.lower(), out)
    out = esl.api("load mod_cbstatus")
    r.check("freeswitch: load again", "+OK" in out, out)
    r.check("freeswitch: API back", esl.api(f"cbstatus {FOUND}").startswith(EN_FOUND_TEXT), "")
    r.check("freeswitch: no crash (process alive at the end)", fs.proc is not None and fs.proc.alive(), "")
