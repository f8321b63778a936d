"""PBX channel variables: the ``CBSTATUS_*`` values the Asterisk AGI programs and the
FreeSWITCH handler set from a :class:`~cbstatus.Result`, with the same names and meanings as
the native ``cbstatus agi``."""

from __future__ import annotations

import logging
import re
from typing import Dict, Optional

from ._result import Action, Result

#: The variables, in the order the scripts set them: ``CBSTATUS_RESULT`` last, so a script
#: stopped by a hang-up never leaves a RESULT next to missing details.
CHANNEL_VARIABLES = (
    "CBSTATUS_TEXT",
    "CBSTATUS_SSML",
    "CBSTATUS_PROMPTS",
    "CBSTATUS_STATUS",
    "CBSTATUS_TYPE",
    "CBSTATUS_POSITION",
    "CBSTATUS_WAIT_SECONDS",
    "CBSTATUS_ESTIMATED_FOR",
    "CBSTATUS_COUNT",
    "CBSTATUS_ERROR",
    "CBSTATUS_RESULT",
)

#: Said when not even the library can be used (it normally supplies a localized sentence).
FALLBACK_TEXT = "Sorry, we can't check your callback right now."

# Used with fullmatch: "$" would accept a trailing newline.
_PROMPT = re.compile(r"[A-Za-z0-9/_-]+")

log = logging.getLogger("cbstatus")


def safe_prompts(prompts: str) -> str:
    """``prompts`` if every name is safe for ``Playback()`` (``^[A-Za-z0-9/_-]+$``), else ""."""
    names = prompts.split("&") if prompts else []
    if all(_PROMPT.fullmatch(n) for n in names):
        return prompts
    log.warning("unsafe prompt list dropped: %r", prompts[:200])
    return ""


def channel_variables(result: Result, locale: Optional[str] = None) -> Dict[str, str]:
    """Every channel variable's value for ``result``, rendered in ``locale`` (None: the
    client's), in :data:`CHANNEL_VARIABLES` order; "" where a value is unknown."""
    values = {
        "CBSTATUS_TEXT": result.render("text", locale),
        "CBSTATUS_SSML": result.render("ssml", locale),
        "CBSTATUS_PROMPTS": safe_prompts(result.render("prompts", locale)),
        "CBSTATUS_STATUS": result.status or "",
        "CBSTATUS_TYPE": result.type or "",
        "CBSTATUS_POSITION": "" if result.position is None else str(result.position),
        "CBSTATUS_WAIT_SECONDS": "" if result.wait_seconds is None else str(result.wait_seconds),
        "CBSTATUS_ESTIMATED_FOR": ""
        if result.estimated_for is None
        else str(int(result.estimated_for.timestamp())),
        "CBSTATUS_COUNT": str(result.count),
        "CBSTATUS_ERROR": result.error.name if result.error else "",
        "CBSTATUS_RESULT": result.outcome.upper(),
    }
    return {name: values[name] for name in CHANNEL_VARIABLES}


def error_variables(text: str, error: str) -> Dict[str, str]:
    """The variables of a call that could not even look up: ``ERROR``, ``text`` to say and the
    error name, everything else empty."""
    values = {name: "" for name in CHANNEL_VARIABLES}
    values.update(CBSTATUS_RESULT="ERROR", CBSTATUS_TEXT=text, CBSTATUS_COUNT="0", CBSTATUS_ERROR=error)
    return values


#: The callback-journey variables (after :data:`CHANNEL_VARIABLES`), as the native
#: ``cbstatus agi --action offer / register`` sets them.
JOURNEY_VARIABLES = (
    "CBSTATUS_OFFER",
    "CBSTATUS_SLOT_COUNT",
    "CBSTATUS_SLOTS",
    "CBSTATUS_MENU",
    "CBSTATUS_REGISTER_RESULT",
    "CBSTATUS_CALLBACK_ID",
)


def journey_variables(result: Result, now: Optional[float] = None) -> Dict[str, str]:
    """The journey variables of a widget/offer or register result ({} for others):
    ``CBSTATUS_OFFER`` (yes/no), ``CBSTATUS_SLOTS`` (the menu's time slots, comma-separated Unix
    seconds), ``CBSTATUS_SLOT_COUNT``, ``CBSTATUS_MENU`` (what each key chooses: ``asap`` or
    Unix seconds), or ``CBSTATUS_REGISTER_RESULT`` (REQUESTED, DUPLICATE, REFUSED,
    INVALID_CONTACT, INVALID_TIME, FAILED, ERROR) and ``CBSTATUS_CALLBACK_ID``. Only this fixed
    vocabulary (and ids of safe characters) reaches the dialplan."""
    if result.action is Action.WIDGET:
        menu = result.menu(now)
        slots = [str(t) for t in menu if t is not None]
        return {
            "CBSTATUS_OFFER": "yes" if menu else "no",
            "CBSTATUS_SLOT_COUNT": str(len(slots)),
            "CBSTATUS_SLOTS": ",".join(slots),
            "CBSTATUS_MENU": ",".join("asap" if c is None else str(c) for c in menu),
        }
    if result.action is Action.REGISTER:
        return {
            "CBSTATUS_REGISTER_RESULT": (result.register_outcome or "error").upper(),
            "CBSTATUS_CALLBACK_ID": result.callback_id or "",
        }
    return {}
