"""PBX channel variables: the ``CBSTATUS_*`` values the Asterisk AGI script and the FreeSWITCH
handler set from a :class:`~cbstatus.Result`.

The library makes the list (``cb_result_variables()``, the same one ``cbstatus agi``, FastAGI
and the Asterisk and FreeSWITCH modules set): the names of the result's action, in the order
to set them, ``CBSTATUS_RESULT`` last, with values in which nothing from the API is raw. This
module only hands it over; it derives no value, and picks no locale (the channel's language
goes to the library as it is).
"""

from __future__ import annotations

import logging
import re
from typing import Dict, Optional

from ._result import Result

#: The variables every action sets, in the library's order: ``CBSTATUS_RESULT`` last, so a
#: script stopped by a hang-up never leaves a RESULT next to missing details. (A test checks
#: this copy against the library's list.)
CHANNEL_VARIABLES = (
    "CBSTATUS_ERROR",
    "CBSTATUS_TEXT",
    "CBSTATUS_SSML",
    "CBSTATUS_PROMPTS",
    "CBSTATUS_STATUS",
    "CBSTATUS_TYPE",
    "CBSTATUS_POSITION",
    "CBSTATUS_WAIT_SECONDS",
    "CBSTATUS_ESTIMATED_FOR",
    "CBSTATUS_COUNT",
    "CBSTATUS_RESULT",
)

#: Said when not even the library can be used (it normally supplies a localized sentence).
FALLBACK_TEXT = "Sorry, we can't check your callback right now."

# Used with fullmatch: "$" would accept a trailing newline.
_PROMPT = re.compile(r"[A-Za-z0-9/_-]+")

log = logging.getLogger("cbstatus")


def safe_prompts(prompts: str) -> str:
    """``prompts`` if every name is safe for ``Playback()`` (``^[A-Za-z0-9/_-]+$``), else "".
    (The library's list already applies this rule to ``CBSTATUS_PROMPTS``.)"""
    names = prompts.split("&") if prompts else []
    if all(_PROMPT.fullmatch(n) for n in names):
        return prompts
    log.warning("unsafe prompt list dropped: %r", prompts[:200])
    return ""


def channel_variables(result: Result, language: Optional[str] = None) -> Dict[str, str]:
    """Every channel variable of ``result``, as the library makes it: the names of its action
    in the order to set them (``CBSTATUS_RESULT`` last), rendered in the locale ``language``
    (the channel's language or a locale, as the PBX has it; None: the client's) picks.
    Set them by looping over the dict, in its order."""
    return result.variables(language)


def error_variables(text: str, error: str) -> Dict[str, str]:
    """The variables of a call that could not even look up (no result exists): ``ERROR``,
    ``text`` to say and the error name, everything else empty, in :data:`CHANNEL_VARIABLES`
    order (``CBSTATUS_RESULT`` last)."""
    values = {name: "" for name in CHANNEL_VARIABLES}
    values.update(CBSTATUS_RESULT="ERROR", CBSTATUS_TEXT=text, CBSTATUS_COUNT="0", CBSTATUS_ERROR=error)
    return values


#: The callback-journey variables, in the library's order: a widget or offer result sets the
#: first four (after the widget's own), a register result the last two.
JOURNEY_VARIABLES = (
    "CBSTATUS_OFFER",
    "CBSTATUS_SLOT_COUNT",
    "CBSTATUS_SLOTS",
    "CBSTATUS_MENU",
    "CBSTATUS_REGISTER_RESULT",
    "CBSTATUS_CALLBACK_ID",
)


def journey_variables(result: Result, now: Optional[float] = None) -> Dict[str, str]:
    """The journey variables of a widget/offer or register result ({} for others), as in
    :func:`channel_variables`: ``CBSTATUS_OFFER`` (yes/no), ``CBSTATUS_SLOT_COUNT``,
    ``CBSTATUS_SLOTS`` (comma-separated Unix seconds), ``CBSTATUS_MENU`` (``asap`` or Unix
    seconds per key), or ``CBSTATUS_REGISTER_RESULT`` and ``CBSTATUS_CALLBACK_ID``. The menu
    is the one of the lookup's time (``now`` is accepted for compatibility and not used)."""
    del now
    return {k: v for k, v in result.variables().items() if k in JOURNEY_VARIABLES}
