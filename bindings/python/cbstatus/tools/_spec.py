"""The four tools as a model sees them: names, descriptions, parameters. Declared once here;
``schemas()`` and the argument check of ``CallbackTools.call`` are derived from ``TOOLS``.

Rules the declarations carry, and why:

- **No number argument.** The tools are bound to the caller when the session starts (the
  call's caller ID), so the model can neither mistype a number nor look up someone else's.
  ``allow_number_argument=True`` (agent-assist desks, where a human types the number) adds
  ``caller_number`` to every tool; it is off by default.
- **Nothing is booked or cancelled on a guess.** ``request_callback`` and ``cancel_callback``
  take ``confirmed``, documented as true only after the caller said yes to the exact offer
  read back to them; without it they only say what would be done.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["TOOLS", "TOOL_NAMES", "NUMBER_ARGUMENT", "schemas", "check_arguments"]

CONFIRMED_DESCRIPTION = (
    "true only after the caller said yes to the exact offer read back to them. "
    "false (or omitted): nothing is changed; the result says what would be done "
    "(read its `say` back to the caller and ask them to confirm)."
)

#: name -> (description, properties, required). Descriptions are written for the model.
TOOLS: Dict[str, Tuple[str, Dict[str, Any], List[str]]] = {
    "get_callback_status": (
        "Tell the caller where their callback request stands: whether one exists, their place "
        "in line, the expected wait and when we expect to call. The caller is already "
        "identified by the call; do not ask for their phone number. Say the result's `say` "
        "to the caller as it is: it has Mindful's figures in the caller's language; do not "
        "invent or round figures of your own. On `error`, say `say` (an apology) and offer "
        "another way to help.",
        {},
        [],
    ),
    "offer_callback": (
        "What callback can be offered to the caller right now: a callback as soon as possible "
        "with the current wait, and/or time slots (each with an `id` and its `say`, e.g. "
        "'today at 3:00 PM'). Call it before offering a callback; read `say` to the caller, "
        "then pass the chosen slot's `id` (or no slot_id for as soon as possible) to "
        "request_callback. Never make up a slot or a time.",
        {},
        [],
    ),
    "request_callback": (
        "Book a callback for the caller: as soon as possible (no slot_id) or at a time slot "
        "from offer_callback (its `id`). First call it with confirmed=false: nothing is booked "
        "and `say` is the exact choice to read back; ask the caller to confirm. Only after "
        "they said yes, call it again with confirmed=true and the same slot_id, once: a "
        "booking is sent exactly once and never retried. Then say the result's `say`. If the "
        "result has no `outcome` (no answer came), do not book again: use "
        "get_callback_status to find out.",
        {
            "confirmed": {"type": "boolean", "description": CONFIRMED_DESCRIPTION},
            "slot_id": {
                "type": "string",
                "description": "The `id` of a slot from offer_callback; omit it for a callback "
                "as soon as possible.",
            },
        },
        ["confirmed"],
    ),
    "cancel_callback": (
        "Cancel the caller's callback request. First call it with confirmed=false: nothing "
        "is cancelled and `say` describes the callback that would be cancelled; read it back "
        "and ask the caller to confirm. Only after they said yes, call it with "
        "confirmed=true. Then say the result's `say`.",
        {"confirmed": {"type": "boolean", "description": CONFIRMED_DESCRIPTION}},
        ["confirmed"],
    ),
}

#: The tools' stable names, in order.
TOOL_NAMES: Tuple[str, ...] = tuple(TOOLS)

#: The argument an agent-assist desk may opt into (``allow_number_argument=True``).
NUMBER_ARGUMENT = "caller_number"
_NUMBER_PROPERTY = {
    "type": "string",
    "description": "The caller's phone number as the agent has it (E.164 such as +15551234567, "
    "or national digits). Omit it to use the number of the current call.",
}


def parameters(name: str, allow_number_argument: bool = False) -> Dict[str, Any]:
    """The JSON Schema (an object) of tool ``name``'s arguments."""
    _, properties, required = TOOLS[name]
    props = copy.deepcopy(properties)
    if allow_number_argument:
        props[NUMBER_ARGUMENT] = dict(_NUMBER_PROPERTY)
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


def schemas(*, allow_number_argument: bool = False) -> List[Dict[str, Any]]:
    """The four tools as OpenAI-style function definitions:
    ``[{"type": "function", "function": {"name", "description", "parameters"}}]``, where
    ``parameters`` is a JSON Schema object. A fresh copy each call."""
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": TOOLS[name][0],
                "parameters": parameters(name, allow_number_argument),
            },
        }
        for name in TOOL_NAMES
    ]


_JSON_TYPES = {"boolean": bool, "string": str}


def check_arguments(name: str, arguments: Dict[str, Any], allow_number_argument: bool) -> Optional[str]:
    """None if ``arguments`` fit tool ``name``'s schema, else what is wrong (for the model).

    One exception to the schema: a missing ``confirmed`` is accepted and means false (the
    tool then only says what would be done), as the Python functions' default."""
    schema = parameters(name, allow_number_argument)
    props = schema["properties"]
    for key, value in arguments.items():
        if key not in props:
            allowed = ", ".join(props) or "none"
            return f"unknown argument {key!r} for {name} (arguments: {allowed})"
        want = props[key]["type"]
        if value is None and key != "confirmed":
            continue  # null = omitted
        if not isinstance(value, _JSON_TYPES[want]) or (want == "string" and len(value) > 64):
            return f"argument {key!r} of {name} must be a {want}" + (" of at most 64 characters" if want == "string" else "")
    return None
