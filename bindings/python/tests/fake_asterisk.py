#!/usr/bin/env python3
"""fake_asterisk.py: a stand-in Asterisk that speaks AGI to a script or a FastAGI server.

It behaves the way res_agi.c does (see /work/shared/telephony.md): it sends the ``agi_*`` env
block and an empty line, then reads one command line at a time and answers it; it parses
every command with AGI's own argument rules (space/tab separate, ``"`` toggles quoting, ``\\``
escapes the next character, a newline cannot be escaped) and records the variables set. It
flags protocol violations instead of hiding them:

- a raw CR in a command line, a line over 8191 bytes, invalid UTF-8;
- a line ending inside a quoted value or after a lone backslash (a newline split a value:
  the rest would run as a new command, i.e. injection) and the unknown "command" that follows;
- ``SET VARIABLE`` with a bad name, the wrong number of arguments, control characters in the
  value, or a value that does not survive re-encoding;
- a command written before the reply to the previous one was sent (pipelining);
- for scripts: a non-zero exit status, or not exiting within the deadline.

Faults on demand: ``511`` after N commands, a hang-up after N commands (SIGHUP to a script,
a ``HANGUP`` line to a FastAGI server, then dead-channel replies), SIGHUP alone, closing the
pipes, ``520`` usage replies (multi-line ``520-...`` or single line), ``510``, ``100 Trying``.

Importable (``FakeAsterisk``, ``parse_args``, ``encode_value``) and runnable::

    python3 fake_asterisk.py --agi-command "python3 cbstatus-agi.py" --callerid +15551230001
    python3 fake_asterisk.py --fastagi 127.0.0.1:4573 --callerid +15551230001

Either prints a JSON summary (variables, commands, replies, violations, exit code, elapsed
seconds) and exits 0 when there was no violation (1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

#: res_agi reads at most this many bytes per command line; longer lines are split.
AGI_MAX_LINE = 8191

_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # everything but TAB

#: Commands res_agi knows (the first words of each). Longest match wins.
KNOWN_COMMANDS = [
    "ANSWER", "ASYNCAGI BREAK", "CHANNEL STATUS", "CONTROL STREAM FILE", "DATABASE DEL",
    "DATABASE DELTREE", "DATABASE GET", "DATABASE PUT", "EXEC", "GET DATA", "GET FULL VARIABLE",
    "GET OPTION", "GET VARIABLE", "GOSUB", "HANGUP", "NOOP", "RECEIVE CHAR", "RECEIVE TEXT",
    "RECORD FILE", "SAY ALPHA", "SAY DATE", "SAY DATETIME", "SAY DIGITS", "SAY NUMBER",
    "SAY PHONETIC", "SAY TIME", "SEND IMAGE", "SEND TEXT", "SET AUTOHANGUP", "SET CALLERID",
    "SET CONTEXT", "SET EXTENSION", "SET MUSIC", "SET PRIORITY", "SET VARIABLE", "SPEECH ACTIVATE GRAMMAR",
    "SPEECH CREATE", "SPEECH DEACTIVATE GRAMMAR", "SPEECH DESTROY", "SPEECH LOAD GRAMMAR",
    "SPEECH RECOGNIZE", "SPEECH SET", "SPEECH UNLOAD GRAMMAR", "STREAM FILE", "TDD MODE",
    "VERBOSE", "WAIT FOR DIGIT",
]
#: What still works once the channel is gone.
DEAD_OK = {"EXEC", "GET VARIABLE", "GET FULL VARIABLE", "SET VARIABLE", "VERBOSE", "NOOP",
           "DATABASE DEL", "DATABASE DELTREE", "DATABASE GET", "DATABASE PUT", "ASYNCAGI BREAK"}

REPLY_511 = "511 Command Not Permitted on a dead channel or intercepted channel"
REPLY_510 = "510 Invalid or unknown command"


def parse_args(line: str) -> Tuple[List[str], bool, bool]:
    """Split a command line exactly like res_agi.c ``parse_args()``.

    Returns ``(argv, open_quote, trailing_escape)``: the flags tell that the line ended inside
    a quoted string or right after a backslash, i.e. a newline cut a value in two.
    """
    argv: List[str] = []
    cur: Optional[List[str]] = None
    quoted = escaped = False
    whitespace = True
    for ch in line:
        if ch == '"' and not escaped:
            quoted = not quoted
            if quoted and whitespace:
                cur = []
                argv.append("")  # placeholder, filled below
                whitespace = False
            escaped = False
            continue
        if ch in (" ", "\t") and not quoted and not escaped:
            if cur is not None:
                argv[-1] = "".join(cur)
                cur = None
            whitespace = True
            continue
        if ch == "\\" and not escaped:
            escaped = True
            continue
        # normal character (or an escaped one)
        if whitespace:
            cur = []
            argv.append("")
            whitespace = False
        if cur is None:  # continuing an argument after a closing quote
            cur = list(argv[-1])
        cur.append(ch)
        escaped = False
    if cur is not None:
        argv[-1] = "".join(cur)
    return argv, quoted, escaped


def encode_value(value: str) -> str:
    """The canonical safe encoding of one AGI argument (what a correct client sends)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command_name(argv: Sequence[str]) -> Optional[str]:
    """The known command ``argv`` starts with (longest match), or None."""
    words = [a.upper() for a in argv[:4]]
    best = None
    for known in KNOWN_COMMANDS:
        parts = known.split(" ")
        if words[: len(parts)] == parts and (best is None or len(parts) > len(best.split(" "))):
            best = known
    return best


@dataclass
class Summary:
    """What happened during one call."""

    mode: str
    variables: Dict[str, str] = field(default_factory=dict)
    commands: List[str] = field(default_factory=list)
    replies: List[str] = field(default_factory=list)
    violations: List[str] = field(default_factory=list)
    events: List[str] = field(default_factory=list)
    exit_code: Optional[int] = None
    elapsed: float = 0.0
    timed_out: bool = False
    stderr: str = ""

    @property
    def ok(self) -> bool:
        """No violation, no timeout, and (for scripts) exit status 0."""
        return not self.violations and not self.timed_out and self.exit_code in (0, None)

    def to_dict(self) -> Dict[str, object]:
        d = asdict(self)
        d["ok"] = self.ok
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


class _Channel:
    """Line I/O on a pair of file descriptors (pipes or one socket) with deadlines."""

    def __init__(self, rfd: int, wfd: int) -> None:
        self.rfd, self.wfd = rfd, wfd
        self.buf = b""
        self.eof = False

    def _fill(self, timeout: float) -> bool:
        """Read what is available within ``timeout``; False on timeout."""
        if self.eof:
            return True
        r, _, _ = select.select([self.rfd], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            chunk = os.read(self.rfd, 65536)
        except (ConnectionResetError, OSError):
            chunk = b""
        if chunk:
            self.buf += chunk
        else:
            self.eof = True
        return True

    def readline(self, deadline: float) -> Optional[bytes]:
        """One line including its LF; the unterminated rest at EOF; None at EOF. TimeoutError."""
        while b"\n" not in self.buf:
            if self.eof:
                rest, self.buf = self.buf, b""
                return rest or None
            if not self._fill(deadline - time.monotonic()):
                raise TimeoutError
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def pending(self) -> bool:
        """True when the peer already sent more bytes (a command before our reply)."""
        if self.buf:
            return True
        if self.eof:
            return False
        self._fill(0.0)
        return bool(self.buf)

    def write(self, data: bytes) -> bool:
        """Write everything; False when the peer is gone."""
        try:
            view = memoryview(data)
            while view:
                n = os.write(self.wfd, view)
                view = view[n:]
            return True
        except (BrokenPipeError, ConnectionError, OSError):
            return False


class FakeAsterisk:
    """A scriptable Asterisk for one AGI call. See the module docstring.

    Fault options count commands from 1; "after N" means once the reply to the N-th command
    was sent (N = 0: right after the env block, before any command -- for a script that is
    usually before its interpreter could install a SIGHUP handler, so prefer
    ``sighup_after_seconds`` to hang up while a script is busy).
    """

    def __init__(
        self,
        *,
        callerid: str = "+15551230001",
        calleridname: str = "Test Caller",
        callingpres: int = 0,
        language: str = "en",
        args: Sequence[str] = (),
        agi_env: Optional[Dict[str, str]] = None,
        script: str = "cbstatus-agi.py",
        network_script: str = "cbstatus",
        reply_511_after: Optional[int] = None,
        hangup_after: Optional[int] = None,
        send_sighup: bool = True,
        sighup_after: Optional[int] = None,
        sighup_after_seconds: Optional[float] = None,
        close_after: Optional[int] = None,
        usage_error_on: Iterable[int] = (),
        usage_single_line: bool = False,
        unknown_on: Iterable[int] = (),
        trying_on: Iterable[int] = (),
        channel_vars: Optional[Dict[str, str]] = None,
        timeout: float = 15.0,
    ) -> None:
        self.callerid = callerid
        self.calleridname = calleridname
        self.callingpres = callingpres
        self.language = language
        self.args = list(args)
        self.agi_env = dict(agi_env or {})
        self.script = script
        self.network_script = network_script
        self.reply_511_after = reply_511_after
        self.hangup_after = hangup_after
        self.send_sighup = send_sighup
        self.sighup_after = sighup_after
        self.sighup_after_seconds = sighup_after_seconds
        self.close_after = close_after
        self.usage_error_on = set(usage_error_on)
        self.usage_single_line = usage_single_line
        self.unknown_on = set(unknown_on)
        self.trying_on = set(trying_on)
        self.channel_vars = dict(channel_vars or {})
        self.timeout = timeout

    # -- the env block ---------------------------------------------------------------------

    def env_block(self, network: bool = False, request: Optional[str] = None) -> List[Tuple[str, str]]:
        """The ``agi_*`` lines Asterisk sends, in Asterisk's order."""
        env: List[Tuple[str, str]] = []
        if network:
            env += [("agi_network", "yes"), ("agi_network_script", self.network_script)]
        env += [
            ("agi_request", request or self.script),
            ("agi_channel", "PJSIP/alice-00000001"),
            ("agi_language", self.language),
            ("agi_type", "PJSIP"),
            ("agi_uniqueid", "1700000000.1"),
            ("agi_version", "20.5.0"),
            ("agi_callerid", self.callerid),
            ("agi_calleridname", self.calleridname),
            ("agi_callingpres", str(self.callingpres)),
            ("agi_callingani2", "0"),
            ("agi_callington", "0"),
            ("agi_callingtns", "0"),
            ("agi_dnid", "5550100"),
            ("agi_rdnis", "unknown"),
            ("agi_context", "cbstatus-demo"),
            ("agi_extension", "100"),
            ("agi_priority", "2"),
            ("agi_enhanced", "0.0"),
            ("agi_accountcode", ""),
            ("agi_threadid", "140000000000000"),
        ]
        for key, value in self.agi_env.items():
            env = [(k, v) for k, v in env if k != key] + [(key, value)]
        env += [(f"agi_arg_{i}", a) for i, a in enumerate(self.args, 1)]
        return env

    @staticmethod
    def _env_bytes(env: Sequence[Tuple[str, str]]) -> bytes:
        return "".join(f"{k}: {v}\n" for k, v in env).encode("utf-8") + b"\n"

    # -- replies ---------------------------------------------------------------------------

    def _reply(self, n: int, line: str, dead: bool, summary: Summary) -> List[str]:
        """The reply lines to the n-th command ``line``."""
        violations = summary.violations
        argv, open_quote, trailing_escape = parse_args(line)
        if open_quote:
            violations.append(f"command {n} ends inside a quoted string (a newline split a value): {line[:120]!r}")
        if trailing_escape:
            violations.append(f"command {n} ends with a lone backslash (a newline cannot be escaped): {line[:120]!r}")
        if self.reply_511_after is not None and n > self.reply_511_after:
            return [REPLY_511]
        if n in self.usage_error_on:
            return self._usage(argv)
        if n in self.unknown_on:
            return [REPLY_510]
        name = command_name(argv)
        if name is None:
            violations.append(f"command {n} is not an AGI command (injected line?): {line[:120]!r}")
            return [REPLY_510]
        if dead and name not in DEAD_OK:
            return [REPLY_511]
        prefix = ["100 result=0 Trying..."] if n in self.trying_on else []
        nargs = len(name.split(" "))
        rest = argv[nargs:]
        if name == "SET VARIABLE":
            if len(rest) != 2:
                violations.append(f"command {n}: SET VARIABLE with {len(rest)} arguments instead of 2: {line[:120]!r}")
                return self._usage(argv)
            var, value = rest
            if not _VAR_NAME.match(var):
                violations.append(f"command {n}: bad variable name {var!r}")
            if _CONTROL.search(value):
                violations.append(f"command {n}: control character in the value of {var}: {value[:80]!r}")
            again, q, e = parse_args("X " + encode_value(value))
            if again != ["X", value] or q or e:
                violations.append(f"command {n}: the value of {var} does not round-trip: {value[:80]!r}")
            summary.variables[var] = value
            self.channel_vars[var] = value
            return prefix + ["200 result=1"]
        if name in ("GET VARIABLE", "GET FULL VARIABLE"):
            key = rest[0] if rest else ""
            if name == "GET FULL VARIABLE":
                key = key.strip("${}")
            if key in self.channel_vars:
                return prefix + [f"200 result=1 ({self.channel_vars[key]})"]
            return prefix + ["200 result=0"]
        if name in ("STREAM FILE", "CONTROL STREAM FILE"):
            return prefix + ["200 result=0 endpos=8000"]
        if name in ("VERBOSE", "HANGUP", "DATABASE PUT", "SET MUSIC"):
            return prefix + ["200 result=1"]
        if name == "CHANNEL STATUS":
            return prefix + ["200 result=6"]
        if name == "GOSUB":
            return ["100 result=0 Trying...", "200 result=0 Gosub complete"]
        return prefix + ["200 result=0"]

    def _usage(self, argv: Sequence[str]) -> List[str]:
        if self.usage_single_line:
            return ["520 Invalid command syntax.  Proper usage not available."]
        cmd = " ".join(argv[:2]).upper() or "COMMAND"
        return [
            "520-Invalid command syntax.  Proper usage follows:",
            f" Usage: {cmd} <variablename> <value>",
            "     Sets a variable to the current channel.",
            "520 End of proper usage.",
        ]

    # -- the conversation ------------------------------------------------------------------

    def _converse(
        self,
        chan: _Channel,
        summary: Summary,
        deadline: float,
        on_hangup: Callable[[], None],
        on_sighup: Callable[[], None],
        on_close: Callable[[], None],
    ) -> None:
        state = {"dead": False}

        def after(count: int) -> bool:
            if self.hangup_after == count and not state["dead"]:
                state["dead"] = True
                summary.events.append(f"hangup after {count} commands")
                on_hangup()
            if self.sighup_after == count:
                summary.events.append(f"SIGHUP after {count} commands")
                on_sighup()
            if self.close_after == count:
                summary.events.append(f"closed the AGI connection after {count} commands")
                on_close()
                return False
            return True

        timer = None
        if self.sighup_after_seconds is not None:
            def timed() -> None:
                summary.events.append(f"SIGHUP {self.sighup_after_seconds}s after the env block")
                on_sighup()

            timer = threading.Timer(self.sighup_after_seconds, timed)
            timer.daemon = True
            timer.start()
        try:
            self._loop(chan, summary, deadline, after, state)
        finally:
            if timer is not None:
                timer.cancel()

    def _loop(
        self, chan: _Channel, summary: Summary, deadline: float, after: Callable[[int], bool], state: Dict[str, bool]
    ) -> None:
        n = 0
        peer_gone = False
        if not after(0):
            return
        while True:
            try:
                raw = chan.readline(deadline)
            except TimeoutError:
                summary.timed_out = True
                summary.violations.append(f"no command or exit within {self.timeout:.1f}s (after {n} commands)")
                return
            if raw is None:
                summary.events.append(f"peer closed after {n} commands")
                return
            n += 1
            if not raw.endswith(b"\n"):
                summary.violations.append(f"command {n} is not terminated by LF: {raw[:120]!r}")
            body = raw[:-1] if raw.endswith(b"\n") else raw
            if b"\r" in body:
                summary.violations.append(f"command {n} contains a raw CR: {body[:120]!r}")
            if len(body) > AGI_MAX_LINE:
                summary.violations.append(f"command {n} is {len(body)} bytes (Asterisk splits lines over {AGI_MAX_LINE})")
            try:
                line = body.decode("utf-8")
            except UnicodeDecodeError:
                summary.violations.append(f"command {n} is not valid UTF-8: {body[:120]!r}")
                line = body.decode("utf-8", "replace")
            summary.commands.append(line)
            if chan.pending():
                summary.violations.append(f"command {n + 1} was sent before the reply to command {n}")
            reply = self._reply(n, line, state["dead"], summary)
            if peer_gone:  # still record (and check) what it sent before it went away
                continue
            summary.replies.append("\n".join(reply))
            if not chan.write(("\n".join(reply) + "\n").encode("utf-8")):
                summary.events.append(f"peer gone while replying to command {n}")
                peer_gone = True
                continue
            if not after(n):
                return

    # -- process-per-call AGI --------------------------------------------------------------

    def run_process(self, argv: Sequence[str], env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None) -> Summary:
        """Spawn ``argv`` as Asterisk does for ``AGI(script)`` and talk over its stdin/stdout."""
        summary = Summary(mode="process")
        start = time.monotonic()
        deadline = start + self.timeout
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
        )
        err_chunks: List[bytes] = []
        drain = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True)
        drain.start()
        assert proc.stdin is not None and proc.stdout is not None
        chan = _Channel(proc.stdout.fileno(), proc.stdin.fileno())
        closed = False

        def sighup() -> None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGHUP)

        def hangup() -> None:
            if self.send_sighup:
                sighup()

        def close() -> None:
            nonlocal closed
            closed = True
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass

        try:
            if chan.write(self._env_bytes(self.env_block())):
                self._converse(chan, summary, deadline, hangup, sighup, close)
            else:
                summary.events.append("script exited before reading the env block")
        finally:
            if not closed:
                close()
            try:
                summary.exit_code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                summary.timed_out = True
                summary.violations.append(f"script did not exit within {self.timeout:.1f}s")
                proc.kill()
                summary.exit_code = proc.wait()
            drain.join(timeout=5)
            summary.elapsed = round(time.monotonic() - start, 3)
            summary.stderr = b"".join(err_chunks).decode("utf-8", "replace")
        if summary.exit_code not in (0, None):
            summary.violations.append(f"script exited with status {summary.exit_code}")
        return summary

    # -- FastAGI ---------------------------------------------------------------------------

    def run_fastagi(self, host: str, port: int = 4573, path: str = "cbstatus") -> Summary:
        """Connect like ``AGI(agi://host:port/path)`` and talk over TCP (2 s connect timeout)."""
        summary = Summary(mode="fastagi")
        start = time.monotonic()
        deadline = start + self.timeout
        sock = socket.create_connection((host, port), timeout=2.0)
        sock.settimeout(None)
        chan = _Channel(sock.fileno(), sock.fileno())
        request = f"agi://{host}:{port}/{path}"

        def hangup() -> None:
            chan.write(b"HANGUP\n")

        def close() -> None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        try:
            if chan.write(self._env_bytes(self.env_block(network=True, request=request))):
                self._converse(chan, summary, deadline, hangup, hangup, close)
        finally:
            sock.close()
            summary.elapsed = round(time.monotonic() - start, 3)
        return summary


def _int(text: str) -> int:
    return int(text, 0)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: run one call and print the JSON summary."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--agi-command", help='the AGI command line, e.g. "cbstatus agi" (split like a shell)')
    target.add_argument("--fastagi", metavar="HOST:PORT", help="connect to a FastAGI server")
    p.add_argument("--fastagi-path", default="cbstatus", help="script path of the agi:// URL (default cbstatus)")
    p.add_argument("--callerid", default="+15551230001", help='agi_callerid ("unknown" for none)')
    p.add_argument("--calleridname", default="Test Caller")
    p.add_argument("--callingpres", type=_int, default=0, help="agi_callingpres (0x20 restricted, 0x40 unavailable)")
    p.add_argument("--language", default="en")
    p.add_argument("--arg", action="append", default=[], help="an AGI argument (agi_arg_N); repeat")
    p.add_argument("--agi-env", action="append", default=[], metavar="KEY=VALUE", help="add/override an env line")
    p.add_argument("--reply-511-after", type=int, metavar="N", help="answer 511 to every command after the N-th")
    p.add_argument("--hangup-after", type=int, metavar="N", help="hang up after N commands (SIGHUP or HANGUP line, then dead channel)")
    p.add_argument("--no-sighup", action="store_true", help="like AGISIGHUP=no: a hang-up sends no SIGHUP")
    p.add_argument("--sighup-after", type=int, metavar="N", help="send SIGHUP after N commands")
    p.add_argument("--sighup-after-seconds", type=float, metavar="S", help="send SIGHUP S seconds after the env block")
    p.add_argument("--close-after", type=int, metavar="N", help="close the connection after N commands")
    p.add_argument("--usage-error-on", type=int, action="append", default=[], metavar="N", help="answer 520 to the N-th command")
    p.add_argument("--usage-single-line", action="store_true", help="520 as one line instead of 520-...")
    p.add_argument("--unknown-on", type=int, action="append", default=[], metavar="N", help="answer 510 to the N-th command")
    p.add_argument("--trying-on", type=int, action="append", default=[], metavar="N", help="send '100 Trying' first")
    p.add_argument("--timeout", type=float, default=15.0, help="deadline for the whole call, seconds")
    a = p.parse_args(argv)
    extra = dict(kv.split("=", 1) for kv in a.agi_env)
    fake = FakeAsterisk(
        callerid=a.callerid, calleridname=a.calleridname, callingpres=a.callingpres, language=a.language,
        args=a.arg, agi_env=extra, network_script=a.fastagi_path, reply_511_after=a.reply_511_after,
        hangup_after=a.hangup_after, send_sighup=not a.no_sighup, sighup_after=a.sighup_after,
        sighup_after_seconds=a.sighup_after_seconds,
        close_after=a.close_after, usage_error_on=a.usage_error_on, usage_single_line=a.usage_single_line,
        unknown_on=a.unknown_on, trying_on=a.trying_on, timeout=a.timeout,
    )
    if a.agi_command:
        cmd = shlex.split(a.agi_command)
        fake.script = cmd[-1] if cmd else "agi"
        summary = fake.run_process(cmd)
    else:
        host, _, port = a.fastagi.rpartition(":")
        summary = fake.run_fastagi(host or "127.0.0.1", int(port or 4573), a.fastagi_path)
    print(summary.to_json())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
