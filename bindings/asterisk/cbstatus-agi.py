#!/usr/bin/env python3
"""cbstatus-agi.py: Asterisk AGI script that tells a caller where their Mindful callback stands.

The readable Python twin of the native ``cbstatus agi`` (which starts faster: prefer it, or the
FastAGI server, on a busy PBX). Adapt it freely. It uses the ``cbstatus`` Python package
(``pip install bindings/python``) over ``libcbstatus.so``.

Dialplan::

    same => n,AGI(cbstatus-agi.py)                     ; the caller ID (honours restricted presentation)
    same => n,AGI(cbstatus-agi.py,${CALLERID(num)})   ; or a number, used as given
    same => n,AGI(cbstatus-agi.py,${NUM},${CHANNEL(language)})  ; optional 2nd argument: locale/language
    same => n,GotoIf($["${CBSTATUS_RESULT}" = "FOUND"]?found)

It sets, on every run, these channel variables (empty when not applicable):

    CBSTATUS_RESULT        FOUND, NOT_FOUND or ERROR (set last: empty means the script stopped early;
                           the native `cbstatus agi` sets the same values, RESULT first)
    CBSTATUS_TEXT          what to say (the fallback sentence after an error)
    CBSTATUS_SSML          the same as an SSML <speak> document
    CBSTATUS_PROMPTS       an &-joined Playback() list of sound files
    CBSTATUS_STATUS        status of the soonest callback ("waitlisted", "scheduled", ...)
    CBSTATUS_TYPE          "asap", "scheduled", ...
    CBSTATUS_POSITION      waitlist position (1 = next)
    CBSTATUS_WAIT_SECONDS  expected wait in seconds
    CBSTATUS_ESTIMATED_FOR when the callback is expected, Unix seconds (use STRFTIME())
    CBSTATUS_COUNT         how many callbacks the number has
    CBSTATUS_ERROR         the error name after a failure ("timeout", "invalid_number", ...)

Configuration comes from the environment Asterisk gives the script (``CBSTATUS_API_URL``,
``CBSTATUS_API_TOKEN``, ``CBSTATUS_TIMEOUT_MS``, ``CBSTATUS_CONFIG``, ...; set them in the
Asterisk service unit or ``/etc/default/asterisk``). ``CBSTATUS_LIBRARY`` locates the library.
Logging goes to stderr (and syslog with ``CBSTATUS_AGI_SYSLOG=1``); level from
``CBSTATUS_AGI_LOG_LEVEL`` (default WARNING). stdout is the AGI channel: nothing else is
written to it. The script always exits 0 so the dialplan continues.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import signal
import sys
from typing import BinaryIO, Dict, List, Optional, Sequence, Tuple

#: Longest value sent, in UTF-8 bytes, escapes included: Asterisk reads a command line into a
#: 2048-byte buffer (res_agi.c) and would run the rest of a longer line as another command.
MAX_VALUE_BYTES = 1900

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

log = logging.getLogger("cbstatus.agi")


class Hangup(Exception):
    """The channel is gone (SIGHUP, ``HANGUP`` line, ``511`` reply, or the AGI pipe closed)."""


class ProtocolError(Exception):
    """Asterisk sent something this script does not understand; stop talking."""


# -- encoding --------------------------------------------------------------------------------


def truncate_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    raw = text.encode("utf-8", "replace")
    if len(raw) <= limit:
        return raw.decode("utf-8")
    return raw[:limit].decode("utf-8", "ignore")


def encode_value(value: object, limit: int = MAX_VALUE_BYTES) -> str:
    """A value as one safe AGI argument.

    Control characters (CR and LF above all: a newline cannot be escaped in AGI and would end
    the command) become spaces; ``\\`` and ``"`` are escaped; the escaped text is cut to
    ``limit`` bytes on a character boundary (Asterisk reads a command line into a 2048-byte
    buffer and runs the rest of a longer line as another command); the result is wrapped in
    double quotes.
    """
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    pieces = []
    used = 0
    for ch in text:
        piece = ("\\" + ch if ch in '\\"' else ch).encode("utf-8", "replace").decode("utf-8")
        size = len(piece.encode("utf-8"))
        if used + size > limit:
            break
        pieces.append(piece)
        used += size
    return '"' + "".join(pieces) + '"'


# -- the AGI conversation --------------------------------------------------------------------


class AGI:
    """One AGI conversation: the env block, then strictly one command and its reply at a time."""

    def __init__(self, rfile: BinaryIO, wfile: BinaryIO) -> None:
        self.rfile = rfile
        self.wfile = wfile

    def _readline(self) -> str:
        raw = self.rfile.readline()
        if not raw:
            raise Hangup("AGI input closed")
        line = raw.decode("utf-8", "replace")
        if line.endswith("\n"):
            line = line[:-1]
        return line.rstrip("\r")

    def read_env(self) -> Dict[str, str]:
        """Read ``agi_*: value`` lines up to the empty line."""
        env: Dict[str, str] = {}
        while True:
            line = self._readline()
            if line == "":
                return env
            key, sep, value = line.partition(":")
            if sep:
                env[key.strip()] = value.strip()

    def command(self, line: str) -> Tuple[int, str]:
        """Send one command line and read its whole reply: ``(code, text after the code)``.

        ``200`` and ``520`` (single or ``520-`` multi-line) and ``510`` are returned; ``511``
        (dead channel) and ``HANGUP`` raise :class:`Hangup`; ``100`` lines are skipped.
        """
        if "\n" in line or "\r" in line:
            raise ValueError("an AGI command must be a single line")
        try:
            self.wfile.write(line.encode("utf-8") + b"\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionError) as e:
            raise Hangup(f"AGI output closed: {e}") from None
        while True:
            reply = self._readline()
            if reply.startswith("HANGUP"):
                raise Hangup("HANGUP from Asterisk")
            code, rest = reply[:3], reply[4:]
            if code == "100":  # "100 Trying..." (GOSUB); the real reply follows
                continue
            if code == "200":
                return 200, rest
            if code == "511":
                raise Hangup(f"dead channel: {reply}")
            if code == "510":
                log.warning("Asterisk does not know the command %r: %s", line.split(" ")[0:2], reply)
                return 510, rest
            if code == "520":
                if reply.startswith("520-"):
                    usage = [rest]
                    while True:  # continued until a line starting "520 "
                        more = self._readline()
                        if more.startswith("520 "):
                            break
                        usage.append(more)
                    rest = " ".join(usage)
                log.warning("Asterisk usage error for %r: %s", line[:60], rest)
                return 520, rest
            raise ProtocolError(f"unexpected AGI reply {reply[:80]!r}")

    def set_variable(self, name: str, value: object) -> int:
        """``SET VARIABLE name "value"`` with the value safely encoded."""
        return self.command(f"SET VARIABLE {name} {encode_value(value)}")[0]


# -- choosing the number and the locale ------------------------------------------------------


def pick_number(argv: Sequence[str], env: Dict[str, str]) -> Tuple[str, str]:
    """``(number, why)``: argv[1] if given, else ``agi_callerid``; "" when there is none.

    As in the native ``cbstatus agi``: an argument is used as given (the library rejects
    ``unknown``, ``anonymous``, ...), while the caller ID counts as no number when it is empty,
    ``unknown``, or its presentation is restricted or unavailable (``agi_callingpres & 0x60``).
    So ``AGI(cbstatus-agi.py)`` honours the caller's privacy; ``AGI(cbstatus-agi.py,${CALLERID(num)})``
    deliberately looks the number up anyway.
    """
    arg = argv[1].strip() if len(argv) > 1 else ""
    if arg:
        return arg, "argument"
    callerid = env.get("agi_callerid", "").strip()
    if not callerid or callerid.lower() == "unknown":
        return "", "no caller ID"
    try:
        pres = int(env.get("agi_callingpres", "0").strip() or "0", 0)
    except ValueError:
        pres = 0
    if pres & 0x60:
        return "", f"caller ID presentation is restricted or unavailable (agi_callingpres={pres})"
    return callerid, "caller ID"


def pick_locale(argv: Sequence[str]) -> Optional[str]:
    """The language to render in: argv[2] when given (a locale such as ``es-US``, or an
    Asterisk language such as ``es`` from ``${CHANNEL(language)}``), as it is: the library
    picks the locale (``es``, ``es_MX`` speak es-US, ``fr``, ``fr_CA`` fr-CA; ``en``, an unknown language or nothing
    keep the configured ``CBSTATUS_LOCALE``, default en-US)."""
    value = argv[2].strip() if len(argv) > 2 else ""
    return value or None


# -- the lookup ------------------------------------------------------------------------------


#: Set when the cbstatus package itself cannot be imported (nothing else is known then).
NO_PACKAGE = {
    "CBSTATUS_TEXT": "Sorry, we can't check your callback right now.",
    "CBSTATUS_ERROR": "internal",
    "CBSTATUS_RESULT": "ERROR",
}


def lookup_values(number: str, locale: Optional[str]) -> Dict[str, str]:
    """Look ``number`` up ("" = no number) and return every variable's value, in setting order."""
    try:
        import cbstatus
    except ImportError as e:  # the package itself is missing
        log.error("cannot import the cbstatus package: %s", e)
        return dict(NO_PACKAGE)
    try:
        client = cbstatus.Client()
    except cbstatus.CbError as e:  # not configured / invalid setting
        log.error("cbstatus is not usable: %s", e)
        # The one-shot call still supplies the (localized) fallback sentence.
        return cbstatus.error_variables(cbstatus.status_lookup(number), e.name)
    except ImportError as e:  # LibraryNotFound / IncompatibleLibrary
        log.error("%s", e)
        return cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "internal")
    with client, client.lookup(number) as result:
        return cbstatus.channel_variables(result, locale)


# -- main ------------------------------------------------------------------------------------


def _on_sighup(signum: int, frame: object) -> None:
    # Asterisk hung up (classic AGI). Do not die mid-command: stop talking and exit 0.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise Hangup("SIGHUP")


def _setup_logging() -> None:
    level = os.environ.get("CBSTATUS_AGI_LOG_LEVEL", "WARNING").upper()
    handlers: List[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if os.environ.get("CBSTATUS_AGI_SYSLOG") == "1" and os.path.exists("/dev/log"):
        handler = logging.handlers.SysLogHandler(address="/dev/log")
        handler.setFormatter(logging.Formatter("cbstatus-agi[%(process)d]: %(message)s"))
        handlers.append(handler)
    handlers[0].setFormatter(logging.Formatter("cbstatus-agi[%(process)d] %(levelname)s: %(message)s"))
    root = logging.getLogger()
    for h in handlers:
        root.addHandler(h)
    root.setLevel(getattr(logging, level, logging.WARNING))


def run(argv: Sequence[str], rfile: BinaryIO, wfile: BinaryIO) -> int:
    """One AGI conversation over ``rfile``/``wfile``. Returns 0 (always)."""
    agi = AGI(rfile, wfile)
    try:
        env = agi.read_env()
        number, why = pick_number(argv, env)
        if not number:
            log.info("no usable caller number: %s", why)
        for name, value in lookup_values(number, pick_locale(argv)).items():
            agi.set_variable(name, value)
    except Hangup as e:
        log.info("channel hung up (%s); exiting", e)
    except ProtocolError as e:
        log.error("%s; exiting", e)
    except Exception:  # never let the dialplan see a failure
        log.exception("unexpected error; exiting")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: talk AGI over stdin/stdout, log to stderr, exit 0."""
    argv = list(sys.argv if argv is None else argv)
    signal.signal(signal.SIGHUP, _on_sighup)
    # Keep the AGI channel for ourselves: fd 1 becomes stderr, so a stray print() (ours or a
    # library's) can never inject an AGI command.
    agi_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _setup_logging()
    try:
        return run(argv, sys.stdin.buffer, agi_out)
    except Hangup:  # SIGHUP outside the conversation
        return 0
    finally:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


if __name__ == "__main__":
    try:
        main()
    except BaseException:  # including a late SIGHUP: the dialplan must continue
        pass
    sys.exit(0)
