"""cbstatus_handler: FreeSWITCH mod_python3 handler telling a caller where their Mindful callback stands.

Dialplan (see README.md and dialplan.xml)::

    <action application="answer"/>
    <action application="python" data="cbstatus_handler"/>
    <action application="python" data="cbstatus_handler ${caller_id_number} locale=es-US"/>

What it does, per call:

1. Number: the first plain argument, else the ``caller_id_number`` channel variable. An empty,
   ``unknown``/``anonymous`` caller ID, or one the caller hid (``privacy_hide_number=true``)
   counts as no number (the lookup then fails with ``invalid_number`` and the fallback
   sentence is spoken).
2. Lookup with one shared, thread-safe :class:`cbstatus.Client` (configured from the
   ``CBSTATUS_*`` environment of the FreeSWITCH process, see README.md).
3. Channel variables, the same names as the Asterisk AGI: ``CBSTATUS_RESULT`` (FOUND,
   NOT_FOUND, ERROR), ``CBSTATUS_TEXT``, ``CBSTATUS_SSML``, ``CBSTATUS_PROMPTS``,
   ``CBSTATUS_STATUS``, ``CBSTATUS_TYPE``, ``CBSTATUS_POSITION``, ``CBSTATUS_WAIT_SECONDS``,
   ``CBSTATUS_ESTIMATED_FOR`` (Unix seconds), ``CBSTATUS_COUNT``, ``CBSTATUS_ERROR``. Values
   from the API (status, type) are always a word of ``[a-z0-9_]{1,32}`` or ``other``, safe in
   any dialplan condition.
4. Speech (skipped with the ``nospeak`` argument), first match wins:

   a. ``tts_engine`` is set (and ``tts_voice``, default ``default``): ``session.set_tts_params``
      then ``session.speak(text)`` -- the text is the most natural output and matches the
      locale, so a configured TTS engine is always preferred;
   b. ``cbstatus_sound_prefix`` is set: the prompt list is played file by file as
      ``<cbstatus_sound_prefix>/<name>.<cbstatus_sound_ext or wav>``. The names are Asterisk
      sound names (``queue-thereare``, ``digits/4``, ``cbstatus/...``), so the prefix must
      point at a copy of those sounds (not at FreeSWITCH's own ``sound_prefix``, whose callie
      prompts have other names);
   c. otherwise ``session.execute("speak", "<engine>|<voice>|<text>")`` with
      ``cbstatus_fallback_tts`` (default ``flite|kal``), which needs mod_flite (English only).

Arguments (space separated after the module name): a number, ``locale=<tag>`` (else the
``cbstatus_locale`` channel variable, else the configured locale), ``nospeak``.

The callback journey (see dialplan.xml), with ``action=``:

- ``action=offer [widget=ID]``: check the widget and speak the offer with its menu ("For a
  callback as soon as possible, press 1. For today at 3:00 PM, press 2. ..."); sets
  ``CBSTATUS_OFFER`` (yes/no), ``CBSTATUS_SLOTS``, ``CBSTATUS_SLOT_COUNT`` and
  ``CBSTATUS_MENU`` (what each key chooses: ``asap`` or Unix seconds).
- ``action=register [key=K | slot=N | at=UNIX] [widget=ID]``: register a callback for the
  number (as soon as possible by default; ``key=K`` is the K-th entry of the channel's
  ``CBSTATUS_MENU``, ``slot=N`` the N-th of ``CBSTATUS_SLOTS``) and speak the confirmation;
  sets ``CBSTATUS_REGISTER_RESULT`` (REQUESTED, DUPLICATE, REFUSED, INVALID_CONTACT,
  INVALID_TIME, FAILED, ERROR) and ``CBSTATUS_CALLBACK_ID``. Sent once; no answer is ERROR,
  spoken as "we could not confirm your callback".
- ``action=cancel``: cancel the number's callback and speak the confirmation.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any, Dict, List, Optional, Tuple

import cbstatus

try:  # inside FreeSWITCH
    import freeswitch  # type: ignore[import-not-found]
except ImportError:  # tests, linters
    freeswitch = None

log = logging.getLogger("cbstatus.freeswitch")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NO_NUMBER = {"", "unknown", "anonymous", "restricted", "private", "0000000000"}

_client: Optional[cbstatus.Client] = None
_client_lock = threading.Lock()


def _console(level: str, message: str) -> None:
    """Log to the FreeSWITCH console when running inside it, else to Python logging."""
    if freeswitch is not None:
        freeswitch.consoleLog(level, f"cbstatus: {message}\n")
    else:
        getattr(log, {"err": "error", "warning": "warning", "info": "info"}.get(level, "debug"))(message)


def get_client() -> cbstatus.Client:
    """The process-wide client, made on first use (thread-safe; shared by all channels)."""
    global _client
    with _client_lock:
        if _client is None or _client.closed:
            _client = cbstatus.Client()
        return _client


def reset_client() -> None:
    """Close the shared client (e.g. after changing the configuration); the next call makes a new one."""
    global _client
    with _client_lock:
        client, _client = _client, None
    if client is not None:
        client.close()


_JOURNEY_KEYS = ("action", "key", "slot", "at", "widget")


def split_journey(args: Any) -> Tuple[Dict[str, str], str]:
    """The journey options (``action=``, ``key=``, ``slot=``, ``at=``, ``widget=``) and the
    remaining arguments."""
    options: Dict[str, str] = {}
    rest: List[str] = []
    for token in str(args or "").split():
        name, sep, value = token.partition("=")
        if sep and name.lower() in _JOURNEY_KEYS:
            options[name.lower()] = value
        else:
            rest.append(token)
    return options, " ".join(rest)


def _nth(listing: str, which: str) -> Tuple[bool, Optional[str]]:
    """The ``which``-th (from 1) comma-separated entry of ``listing``."""
    entries = [e.strip() for e in listing.split(",") if e.strip()]
    try:
        index = int(which) - 1
    except ValueError:
        return (False, None)
    return (True, entries[index]) if 0 <= index < len(entries) else (False, None)


def appointment(session: Any, options: Dict[str, str]) -> Tuple[bool, Optional[int]]:
    """``(ok, at)`` for a registration: at None = as soon as possible."""
    if "key" in options:
        ok, entry = _nth(_var(session, "CBSTATUS_MENU"), options["key"])
    elif "slot" in options:
        ok, entry = _nth(_var(session, "CBSTATUS_SLOTS"), options["slot"])
    elif "at" in options:
        ok, entry = True, options["at"]
    else:
        return (True, None)
    if not ok or entry is None:
        return (False, None)
    if entry == "asap":
        return (True, None)
    return (True, int(entry)) if entry.isdigit() and int(entry) > 0 else (False, None)


def journey_values(session: Any, options: Dict[str, str], number: str, locale: Optional[str]) -> Dict[str, str]:
    """The variables of an offer, registration or cancel (``options["action"]``)."""
    action = options.get("action", "").lower()
    try:
        client = get_client()
    except (cbstatus.CbError, ImportError) as e:
        _console("err", f"not usable: {e}")
        values = cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "internal")
        if action == "register":
            values.update(CBSTATUS_REGISTER_RESULT="ERROR", CBSTATUS_CALLBACK_ID="")
        return result_last(values)
    widget = options.get("widget") or None
    if action == "offer":
        result = client.offer(widget)
    elif action == "cancel":
        result = client.cancel(number)
    elif action == "register":
        ok, at = appointment(session, options)
        if not ok:
            values = cbstatus.error_variables(
                "Sorry, we could not register your callback right now.", "invalid_argument"
            )
            values.update(CBSTATUS_REGISTER_RESULT="ERROR", CBSTATUS_CALLBACK_ID="")
            return result_last(values)
        result = client.register(number, at=at, widget_id=widget)
    else:
        raise ValueError(f"unknown action={action!r} (offer, register, cancel)")
    with result:
        # The library's list: the journey variables included, CBSTATUS_RESULT last.
        return cbstatus.channel_variables(result, locale)


def result_last(values: Dict[str, str]) -> Dict[str, str]:
    """``values`` with ``CBSTATUS_RESULT`` moved to the end (it is always set last)."""
    out = {k: v for k, v in values.items() if k != "CBSTATUS_RESULT"}
    out["CBSTATUS_RESULT"] = values["CBSTATUS_RESULT"]
    return out


def parse_args(args: Any) -> Tuple[Optional[str], Optional[str], bool]:
    """``(number, locale, speak)`` from the handler's argument string."""
    number = locale = None
    speak = True
    for token in str(args or "").split():
        if token.lower() == "nospeak":
            speak = False
        elif token.startswith("locale="):
            locale = token[len("locale=") :] or None
        elif number is None:
            number = token
    return number, locale, speak


def _var(session: Any, name: str) -> str:
    value = session.getVariable(name)
    return "" if value is None else str(value)


def pick_number(session: Any, arg_number: Optional[str]) -> str:
    """The number to look up ("" for none): the argument, else the caller ID unless hidden."""
    callerid = _var(session, "caller_id_number").strip()
    number = (arg_number or "").strip() or callerid
    if number == callerid and _var(session, "privacy_hide_number").lower() == "true":
        return ""
    if number.lower() in _NO_NUMBER:
        return ""
    return number


def sound_dir(session: Any) -> str:
    """Where ``cbstatus prompts generate --layout freeswitch`` put the sounds: the
    ``cbstatus_sound_dir`` channel variable, else ``${sounds_dir}/cbstatus`` ("" if neither)."""
    explicit = _var(session, "cbstatus_sound_dir")
    if explicit:
        return explicit
    sounds = _var(session, "sounds_dir")
    return f"{sounds.rstrip('/')}/cbstatus" if sounds else ""


#: The variables the handler sets for a status lookup, in order: ``CBSTATUS_PLAYLIST`` first
#: (FreeSWITCH's own, as mod_cbstatus sets it), then the library's list, ``CBSTATUS_RESULT``
#: last.
FREESWITCH_VARIABLES = ("CBSTATUS_PLAYLIST",) + cbstatus.CHANNEL_VARIABLES


def with_playlist(values: Dict[str, str], playlist: str) -> Dict[str, str]:
    """``CBSTATUS_PLAYLIST`` first, then ``values`` in their order (``CBSTATUS_RESULT`` last)."""
    return {"CBSTATUS_PLAYLIST": playlist, **values}


def lookup_values(number: str, locale: Optional[str], sounds: str = "") -> Dict[str, str]:
    """Every channel variable's value for ``number`` ("" = none), in setting order;
    ``CBSTATUS_PLAYLIST`` is a ``file_string://`` playlist over ``sounds`` (when given)."""
    try:
        client = get_client()
    except cbstatus.CbError as e:  # not configured / invalid setting
        _console("err", f"not usable: {e}")
        return with_playlist(cbstatus.error_variables(cbstatus.status_lookup(number), e.name), "")
    except ImportError as e:  # LibraryNotFound / IncompatibleLibrary
        _console("err", str(e))
        return with_playlist(cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "internal"), "")
    with client.lookup(number) as result:
        playlist = ""
        if sounds:
            try:
                # In the locale the library picks for the variables' renderings.
                playlist = result.playlist(sounds, result.variables_locale(locale))
            except (cbstatus.CbError, ValueError) as e:  # a bad sound folder: say so, go on
                _console("warning", f"no playlist: {e}")
        return with_playlist(cbstatus.channel_variables(result, locale), playlist)


def speak(session: Any, values: Dict[str, str]) -> str:
    """Say the result on the channel; returns how: "tts", "playlist", "prompts" or "speak"."""
    text = _CONTROL.sub(" ", values["CBSTATUS_TEXT"]) or cbstatus.FALLBACK_TEXT
    engine = _var(session, "tts_engine")
    if engine:
        session.set_tts_params(engine, _var(session, "tts_voice") or "default")
        session.speak(text)
        return "tts"
    prefix = _var(session, "cbstatus_sound_prefix").rstrip("/")
    prompts: List[str] = [p for p in values["CBSTATUS_PROMPTS"].split("&") if p]
    playlist = values.get("CBSTATUS_PLAYLIST", "")
    first_file = playlist[len("file_string://") :].split("!")[0]
    if not prefix and playlist and os.path.isfile(first_file):
        session.execute("playback", playlist)
        return "playlist"
    if prefix and prompts:
        ext = _var(session, "cbstatus_sound_ext") or "wav"
        for name in prompts:
            if hasattr(session, "ready") and not session.ready():
                break
            session.streamFile(f"{prefix}/{name}.{ext}")
        return "prompts"
    tts = _var(session, "cbstatus_fallback_tts") or "flite|kal"
    session.execute("speak", f"{tts}|{text.replace('|', ' ')}")
    return "speak"


def handler(session: Any, args: Any = "") -> None:
    """mod_python3 entry point: ``<action application="python" data="cbstatus_handler [args]"/>``."""
    variables_set = False
    try:
        options, args = split_journey(args)
        arg_number, locale, do_speak = parse_args(args)
        number = pick_number(session, arg_number)
        locale = locale or _var(session, "cbstatus_locale") or None
        if options.get("action", "status").lower() == "status":
            values = lookup_values(number, locale, sound_dir(session))
        else:
            values = journey_values(session, options, number, locale)
        for name, value in values.items():  # CBSTATUS_RESULT last
            session.setVariable(name, value)
        variables_set = True
        if values["CBSTATUS_ERROR"] and values["CBSTATUS_ERROR"] != "invalid_number":
            _console("warning", f"lookup failed: {values['CBSTATUS_ERROR']}")
        if do_speak and (not hasattr(session, "ready") or session.ready()):
            speak(session, values)
    except Exception as e:  # never take the call down with us
        _console("err", f"handler error: {type(e).__name__}: {e}")
        if not variables_set:
            try:
                session.setVariable("CBSTATUS_RESULT", "ERROR")
                session.setVariable("CBSTATUS_ERROR", "internal")
            except Exception:
                pass
