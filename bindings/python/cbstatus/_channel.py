"""PBX channel variables: the ``CBSTATUS_*`` values the Asterisk AGI programs and the
FreeSWITCH handler set from a :class:`~cbstatus.Result`, with the same names and meanings as
the native ``cbstatus agi``."""

from __future__ import annotations

import logging
import re
from typing import Dict, Optional

from ._result import Result

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
