"""What the tools say and the values they report, all from the library.

- Every sentence (``say``) is the library's rendering of a result in the caller's locale, or
  the library's fallback sentence for a failure (``cb_failed_variables``): never API text,
  never a sentence written here. ``speakable`` is a last guard (control characters, length).
- The offer's choices are read with their own words (``today at 3:00 PM``), not as a keypad
  menu: the tools' offer client renders the ``offer_menu`` sentence with a marker template
  (``|{key}| {choice}``, for every locale the library has), and ``split_offer`` cuts the text
  at the markers into the offer sentence and one label per choice.
- Times are ISO 8601 in the contact centre's zone (the ``timezone`` setting), from Unix
  seconds the library parsed; slot ids are ``slot-<unix seconds>``, so a booking needs no
  memory of the offer and an id the model made up is refused (malformed) or refused by
  Mindful (not a slot: ``invalid_time``).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import datetime, timezone
from typing import Any, List, Optional, Tuple

from .._channel import FALLBACK_TEXT
from .._lib import get_library

log = logging.getLogger("cbstatus")

#: Locales the library renders (its REGISTRY); the offer template is loaded for each one it
#: accepts, so a library without one of them just keeps its keypad wording there.
LOCALES = ("en-US", "es-US", "fr-CA")

#: The marker template of the offer's menu lines.
MARKER_TEMPLATE = "|{key}| {choice}"
_MARKER = re.compile(r"\s*\|(\d)\|\s*")

#: Longest sentence passed on (the library's are far shorter).
MAX_SAY = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

#: ``CB_ACTION_*`` of each tool, for the library's failure sentence.
ACTION_CODES = {
    "get_callback_status": 0,
    "cancel_callback": 1,
    "offer_callback": 2,
    "request_callback": 3,
}

_SLOT_ID = re.compile(r"slot-([0-9]{9,11})")


def speakable(text: Optional[str]) -> str:
    """``text`` on one line without control characters, at most :data:`MAX_SAY` characters."""
    if not text:
        return ""
    return _CONTROL.sub(" ", text).strip()[:MAX_SAY]


def failure_say(tool: str, code: int, locale: Optional[str]) -> str:
    """The library's fallback sentence for ``tool`` failing with ``code``, in ``locale``."""
    try:
        lib = get_library()
        raw = None if locale is None else locale.encode("utf-8", "replace").split(b"\0")[0]
        handle = lib.cb_failed_variables(ACTION_CODES.get(tool, 0), int(code), raw)
        if handle:
            try:
                for i in range(int(lib.cb_variables_count(handle))):
                    if (lib.cb_variables_name(handle, i) or b"") == b"CBSTATUS_TEXT":
                        text = (lib.cb_variables_value(handle, i) or b"").decode("utf-8", "replace")
                        if text:
                            return speakable(text)
            finally:
                lib.cb_variables_free(handle)
    except Exception:  # the library cannot be loaded: the package's own fallback
        log.debug("cbstatus.tools: no library fallback sentence", exc_info=True)
    return FALLBACK_TEXT


def zone_of(result: Any) -> timezone:
    """The contact centre's zone of ``result`` (its ``timezone``), UTC if unknown."""
    try:
        name = result.to_dict().get("timezone")
        if isinstance(name, str) and name:
            from zoneinfo import ZoneInfo

            return ZoneInfo(name)  # type: ignore[return-value]
    except Exception:
        log.debug("cbstatus.tools: no zone", exc_info=True)
    return timezone.utc


def iso_time(at: Any, zone: Any) -> Optional[str]:
    """Unix seconds or an aware datetime as ISO 8601 in ``zone`` (seconds), or None."""
    if at is None:
        return None
    if isinstance(at, datetime):
        moment = at
    else:
        moment = datetime.fromtimestamp(int(at), tz=timezone.utc)
    return moment.astimezone(zone).isoformat(timespec="seconds")


def slot_id(unix: int) -> str:
    """The id of the time slot at ``unix``."""
    return f"slot-{int(unix)}"


def slot_time(identifier: str) -> Optional[int]:
    """The Unix time a slot id names, or None when it is not a slot id."""
    m = _SLOT_ID.fullmatch(identifier.strip())
    return int(m.group(1)) if m else None


def split_offer(text: str) -> Tuple[str, List[str]]:
    """The offer text of the marker template cut into (the offer sentence, one label per menu
    line in key order). Without markers: (the whole text, [])."""
    parts = _MARKER.split(text)
    head = parts[0].strip()
    labels = [parts[i + 1].strip().rstrip(".").strip() for i in range(1, len(parts) - 1, 2)]
    return head, labels


def offer_template_file() -> str:
    """A TOML file with the marker template for every locale (the caller deletes it)."""
    fd, path = tempfile.mkstemp(prefix="cbstatus-tools-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for locale in LOCALES:
            f.write(f'[templates.{locale}]\noffer_menu = "{MARKER_TEMPLATE}"\n')
    return path


def load_offer_templates(config: Any) -> bool:
    """Load the marker template into ``config`` (a :class:`cbstatus.Config`); False when the
    library refuses it (then the offer keeps its keypad wording)."""
    path = offer_template_file()
    try:
        config.load_file(path)
        return True
    except Exception as exc:
        log.warning("cbstatus.tools: offer wording not loaded (%s); the offer keeps its menu wording", exc)
        return False
    finally:
        os.unlink(path)


def result_locale(result: Any, locale: Optional[str]) -> Optional[str]:
    """The library's locale for the caller's ``locale`` (a locale or a language: ``es``,
    ``fr_CA``); None keeps the client's."""
    if locale is None:
        return None
    try:
        return str(result.variables_locale(locale))
    except Exception:
        return None


def render_text(result: Any, locale: Optional[str]) -> str:
    """The result's text in ``locale`` (None: the client's)."""
    return speakable(result.render("text", locale))

