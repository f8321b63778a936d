"""Callback tools for LLM voice agents: the callback journey as four function tools.

::

    from cbstatus import tools

    bot_tools = tools.bind(caller_id_of_the_call, locale="en-US", widget_id="w-support")
    llm.register(tools.schemas())                  # OpenAI-style function definitions
    result = bot_tools.call(name, arguments)       # a dict: data, `say`, `error`

The tools (names are a contract, :data:`TOOL_NAMES`):

- ``get_callback_status``: where the caller's callback stands.
- ``offer_callback``: what can be offered now (as soon as possible with the current wait,
  and time slots, each with an ``id``).
- ``request_callback(confirmed, slot_id)``: book one (as soon as possible or a slot id).
- ``cancel_callback(confirmed)``: cancel it.

Rules:

- **The caller's number comes from the call, never from the model**: tools are bound to a
  caller when the session starts; the schemas have no number argument (agent-assist desks may
  opt in with ``allow_number_argument=True``). A result never holds the caller's number.
- **Nothing is booked or cancelled on a guess**: without ``confirmed=True``,
  ``request_callback`` and ``cancel_callback`` return what would be done (``"done": false``,
  ``"would"``) and change nothing. A booking is sent once, never retried.
- **Results carry data and words**: structured fields plus ``say``, the library's sentence
  in the caller's locale, so the model repeats Mindful's figures; a failure has ``error`` (a
  stable word) and the fallback sentence in ``say``, within the client's deadline. Tools never
  raise into the agent loop.

Standard library only; the MCP server is :mod:`cbstatus.mcp` (``pip install cbstatus[mcp]``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._spec import NUMBER_ARGUMENT, TOOL_NAMES, schemas
from ._tools import TOOL_ERRORS, CallbackTools, bind, new_clients

__all__ = [
    "TOOL_NAMES",
    "TOOL_ERRORS",
    "NUMBER_ARGUMENT",
    "schemas",
    "CallbackTools",
    "bind",
    "new_clients",
    "get_callback_status",
    "offer_callback",
    "request_callback",
    "cancel_callback",
]


def _once(caller: Optional[str], kwargs: Dict[str, Any], tool: str, *args: Any) -> Dict[str, Any]:
    with CallbackTools(caller, **kwargs) as t:
        return getattr(t, tool)(*args)  # type: ignore[no-any-return]


def get_callback_status(caller: Optional[str], **kwargs: Any) -> Dict[str, Any]:
    """:meth:`CallbackTools.get_callback_status` for ``caller`` (``kwargs`` as CallbackTools).
    Makes a client per call unless ``client=`` is given: bind once per session instead."""
    return _once(caller, kwargs, "get_callback_status")


def offer_callback(caller: Optional[str], **kwargs: Any) -> Dict[str, Any]:
    """:meth:`CallbackTools.offer_callback` (see :func:`get_callback_status`)."""
    return _once(caller, kwargs, "offer_callback")


def request_callback(
    caller: Optional[str], confirmed: bool = False, slot_id: Optional[str] = None, **kwargs: Any
) -> Dict[str, Any]:
    """:meth:`CallbackTools.request_callback` (see :func:`get_callback_status`)."""
    return _once(caller, kwargs, "request_callback", confirmed, slot_id)


def cancel_callback(caller: Optional[str], confirmed: bool = False, **kwargs: Any) -> Dict[str, Any]:
    """:meth:`CallbackTools.cancel_callback` (see :func:`get_callback_status`)."""
    return _once(caller, kwargs, "cancel_callback", confirmed)
