"""``CallbackTools``: the four tools bound to one caller, and their results.

Every tool makes at most one request to Mindful (so it ends within the client's deadline,
``timeout_ms``), returns a JSON-serializable dict and never raises: a failure is a result
with ``error`` (a stable word: the library's error names, or one of :data:`TOOL_ERRORS`) and
``say`` (the fallback sentence in the caller's locale). A result never holds the caller's
number (the library's own sentences read back at most its last four digits).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from .._client import Client, mask_number
from .._config import Config
from .._errors import CbError, ErrorCode
from . import _words as words
from ._spec import TOOL_NAMES, check_arguments

__all__ = ["CallbackTools", "bind", "new_clients", "TOOL_ERRORS"]

log = logging.getLogger("cbstatus")

#: Error words of the tools themselves (the library's error names are the others:
#: ``timeout``, ``connect``, ``http_status``, ``invalid_number``, ``not_configured``, ...).
TOOL_ERRORS = {
    "unknown_tool": "no tool of that name",
    "invalid_arguments": "the arguments do not fit the tool's schema",
    "unknown_slot": "slot_id is not the id of a time slot from offer_callback",
    "not_offered": "that choice is not offered now (see `say` for what is)",
    "number_argument_not_allowed": "caller_number is only accepted with allow_number_argument=True",
    "no_caller": "no caller number is bound to the session",
    "internal": "an unexpected failure inside the tools",
}

#: A tool name echoed back in an ``unknown_tool`` result (anything else is not echoed).
_TOOL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")

_CANCEL_WORDS = {1: "canceled", 2: "not_found", 3: "too_many", 4: "failed"}


def new_clients(**settings: Any) -> Tuple[Client, Client]:
    """The clients the tools use, configured as every cbstatus client (``$CBSTATUS_CONFIG``,
    ``CBSTATUS_*``, ``profile``, then ``settings``): one for status, register and cancel, one
    for the offer that reads its choices with their own words (see ``_words``). Raises as
    :class:`cbstatus.Client` does (``NotConfigured``, ``ConfigError``)."""
    client = Client(**settings)
    try:
        config = Config.from_env(**settings)
        try:
            words.load_offer_templates(config)
            offer_client = Client(config)
        finally:
            config.close()
    except BaseException:
        client.close()
        raise
    return client, offer_client


class CallbackTools:
    """The four callback tools bound to one caller (the number the call came from).

    ``CallbackTools("+15551234567", locale="es-US")``; the model never sees the number. Give
    ``client`` to share one :class:`cbstatus.Client` between sessions (then also
    ``offer_client`` from :func:`new_clients` for the offer's spoken choices); otherwise the
    tools make their own from ``client_settings`` (``api_url=``, ``widget_id=``, ...) and the
    environment, and :meth:`close` releases them. A configuration error does not raise: each
    tool then answers with ``error`` (e.g. ``not_configured``) and the fallback sentence.

    ``locale``: the caller's locale or language (``en-US``, ``es``, ``fr_CA``; None: the
    client's ``locale`` setting). ``allow_number_argument``: accept ``caller_number`` from the
    model (agent-assist desks only).
    """

    def __init__(
        self,
        caller: Optional[str],
        *,
        client: Optional[Client] = None,
        locale: Optional[str] = None,
        allow_number_argument: bool = False,
        offer_client: Optional[Client] = None,
        **client_settings: Any,
    ) -> None:
        if caller is not None and not isinstance(caller, str):
            raise TypeError(f"caller must be a str or None, not {type(caller).__name__}")
        if locale is not None and not isinstance(locale, str):
            raise TypeError(f"locale must be a str or None, not {type(locale).__name__}")
        self._caller = caller
        self.locale = locale
        self.allow_number_argument = bool(allow_number_argument)
        self._setup_error: Optional[CbError] = None
        self._owned: List[Client] = []
        self._client: Optional[Client] = None
        self._offer_client: Optional[Client] = None
        if client is not None:
            if client_settings:
                raise TypeError("pass either client= or client settings, not both")
            self._client, self._offer_client = client, offer_client or client
        else:
            try:
                self._client, self._offer_client = new_clients(**client_settings)
                self._owned = [self._client, self._offer_client]
            except CbError as exc:
                log.warning("cbstatus.tools: no client: %s", exc)
                self._setup_error = exc
        self._locales: Dict[Optional[str], Optional[str]] = {}

    def __repr__(self) -> str:
        return f"CallbackTools(caller={mask_number(self._caller)})"

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        """Release the clients the tools made (not a ``client`` you passed)."""
        owned, self._owned = self._owned, []
        for c in owned:
            c.close()

    def __enter__(self) -> "CallbackTools":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the tools -----------------------------------------------------------------------

    def get_callback_status(self, *, caller_number: Optional[str] = None) -> Dict[str, Any]:
        """Whether the caller has a callback and where it stands: ``found``, ``count``,
        ``status``, ``type``, ``position``, ``wait_seconds``, ``callback_time`` (ISO 8601 in
        the contact centre's zone) and ``say``."""
        return self._run("get_callback_status", caller_number, self._status)

    def offer_callback(self, *, caller_number: Optional[str] = None) -> Dict[str, Any]:
        """What can be offered now: ``available``, ``asap`` (a callback as soon as possible is
        offered), ``wait_seconds`` (the current wait), ``slots`` (``[{"id", "time", "say"}]``)
        and ``say`` (the offer, with each choice in its own words)."""
        return self._run("offer_callback", caller_number, self._offer, needs_caller=False)

    def request_callback(
        self, confirmed: bool = False, slot_id: Optional[str] = None, *, caller_number: Optional[str] = None
    ) -> Dict[str, Any]:
        """Book a callback as soon as possible (``slot_id`` None) or at an offered slot.

        Without ``confirmed=True`` nothing is booked: ``done`` is false, ``would`` says what
        would be booked and ``say`` is the choice to read back. With it, the registration is
        sent exactly once (never retried): ``done`` true, ``outcome`` ("requested",
        "duplicate", "refused", "invalid_contact", "invalid_time", "failed", or None when no
        answer came: it may or may not be booked), ``callback_id``, ``say``."""
        return self._run(
            "request_callback", caller_number, lambda number: self._request(number, confirmed, slot_id)
        )

    def cancel_callback(self, confirmed: bool = False, *, caller_number: Optional[str] = None) -> Dict[str, Any]:
        """Cancel the caller's callback. Without ``confirmed=True`` nothing is cancelled: the
        result describes the callback that would be (``done`` false, ``found``, ``status``,
        ``say``). With it: ``done`` true, ``outcome`` ("canceled", "not_found", "too_many",
        "failed", or None without an answer) and ``say``."""
        return self._run("cancel_callback", caller_number, lambda number: self._cancel(number, confirmed))

    def call(self, name: str, arguments: Any = None) -> Dict[str, Any]:
        """Run tool ``name`` with the model's ``arguments`` (a dict, a JSON object text, or
        None), checked against the tool's schema first. An unknown tool or bad arguments give
        an error result (``unknown_tool``, ``invalid_arguments`` with a ``message`` for the
        model), never an exception."""
        try:
            if name not in TOOL_NAMES:
                shown = name if isinstance(name, str) and _TOOL_NAME.fullmatch(name) else ""
                return self._tool_error(
                    shown, "unknown_tool",
                    f"unknown tool; the tools are {', '.join(TOOL_NAMES)}",
                )
            if isinstance(arguments, (str, bytes)):
                try:
                    arguments = json.loads(arguments or "{}")
                except ValueError:
                    return self._tool_error(name, "invalid_arguments", "arguments are not a JSON object")
            if arguments is None:
                arguments = {}
            if not isinstance(arguments, dict):
                return self._tool_error(name, "invalid_arguments", "arguments must be a JSON object")
            problem = check_arguments(name, arguments, self.allow_number_argument)
            if problem is not None:
                return self._tool_error(name, "invalid_arguments", problem)
            kwargs = {k: v for k, v in arguments.items() if v is not None}
            method: Callable[..., Dict[str, Any]] = getattr(self, name)
            return method(**kwargs)
        except Exception:  # never into the agent loop
            log.exception("cbstatus.tools: %s failed", name)
            return self._tool_error(name if name in TOOL_NAMES else "", "internal", "unexpected failure")

    # -- plumbing ------------------------------------------------------------------------

    def _run(
        self,
        tool: str,
        caller_number: Optional[str],
        body: Callable[[Optional[str]], Dict[str, Any]],
        *,
        needs_caller: bool = True,
    ) -> Dict[str, Any]:
        try:
            if caller_number is not None and not self.allow_number_argument:
                return self._tool_error(tool, "number_argument_not_allowed", TOOL_ERRORS["number_argument_not_allowed"])
            if caller_number is not None and not isinstance(caller_number, str):
                return self._tool_error(tool, "invalid_arguments", "caller_number must be a string")
            number = caller_number if caller_number is not None else self._caller
            if self._setup_error is not None:
                return self._failure(tool, self._setup_error.name, self._setup_error.code)
            if needs_caller and not number:
                return self._failure(tool, "no_caller", ErrorCode.INVALID_NUMBER, TOOL_ERRORS["no_caller"])
            log.debug("cbstatus.tools: %s for %s", tool, mask_number(number))
            return body(number)
        except Exception:
            log.exception("cbstatus.tools: %s failed", tool)
            return self._failure(tool, "internal", ErrorCode.INTERNAL)

    def _base(self, tool: str) -> Dict[str, Any]:
        return {"tool": tool, "ok": True, "error": None}

    def _failure(self, tool: str, error: str, code: int, message: Optional[str] = None) -> Dict[str, Any]:
        out = {"tool": tool, "ok": False, "error": error, "say": words.failure_say(tool, code, self.locale)}
        if message:
            out["message"] = message
        return out

    def _tool_error(self, tool: str, error: str, message: str) -> Dict[str, Any]:
        return self._failure(tool, error, ErrorCode.INVALID_ARGUMENT, message)

    def _locale(self, result: Any) -> Optional[str]:
        if self.locale not in self._locales:
            self._locales[self.locale] = words.result_locale(result, self.locale)
        return self._locales[self.locale]

    def _with_result(self, tool: str, result: Any, out: Dict[str, Any]) -> Dict[str, Any]:
        """``out`` plus the result's ``say`` (and ``error`` for a failed request)."""
        out["say"] = words.render_text(result, self._locale(result))
        if result.error is not None:
            out["ok"] = False
            out["error"] = result.error.name
        return out

    # -- each tool -----------------------------------------------------------------------

    def _status(self, number: Optional[str]) -> Dict[str, Any]:
        assert self._client is not None and number is not None
        with self._client.lookup(number) as r:
            zone = words.zone_of(r)
            out = self._base("get_callback_status")
            out.update(
                found=bool(r.found) if r.error is None else None,
                count=int(r.count),
                status=r.status,
                type=r.type,
                position=r.position,
                wait_seconds=r.wait_seconds,
                callback_time=words.iso_time(r.estimated_for, zone),
            )
            return self._with_result("get_callback_status", r, out)

    def _offer_result(self) -> Tuple[Any, Dict[str, Any], List[Tuple[Optional[int], Optional[str]]]]:
        """The offer request: (result, the offer's fields, [(slot unix or None for ASAP, label)])."""
        assert self._offer_client is not None
        r = self._offer_client.offer()
        zone = words.zone_of(r)
        widget = (r.to_dict().get("widget") or {}) if r.error is None else {}
        menu = [None if c == "asap" else int(c) for c in widget.get("menu") or [] if c == "asap" or isinstance(c, int)]
        head, labels = words.split_offer(words.render_text(r, self._locale(r)))
        if len(labels) != len(menu):
            labels = [None] * len(menu)  # a client without the offer wording: no labels
        choices = list(zip(menu, labels))
        fields = {
            "available": bool(r.error is None and menu),
            "asap": None in menu,
            "wait_seconds": r.ewt_seconds,
            "slots": [
                {"id": words.slot_id(at), "time": words.iso_time(at, zone), "say": label}
                for at, label in choices
                if at is not None
            ],
        }
        say = head if not any(labels) else " ".join([head] + [_sentence(label) for _, label in choices if label])
        fields["say"] = words.speakable(say)
        return r, fields, choices

    def _offer(self, number: Optional[str]) -> Dict[str, Any]:
        del number  # the offer is the same for every caller
        r, fields, _ = self._offer_result()
        with r:
            out = self._base("offer_callback")
            out.update(fields)
            if r.error is not None:
                out.update(ok=False, error=r.error.name)
            return out

    def _request(self, number: Optional[str], confirmed: Any, slot: Optional[str]) -> Dict[str, Any]:
        tool = "request_callback"
        if not isinstance(confirmed, bool):
            return self._tool_error(tool, "invalid_arguments", "confirmed must be true or false")
        if slot is not None and not isinstance(slot, str):
            return self._tool_error(tool, "invalid_arguments", "slot_id must be a string")
        at: Optional[int] = None
        if slot is not None and slot.strip() and slot.strip().lower() != "asap":
            at = words.slot_time(slot)
            if at is None:
                return self._tool_error(tool, "unknown_slot", TOOL_ERRORS["unknown_slot"])
        if not confirmed:
            r, fields, choices = self._offer_result()
            with r:
                if r.error is not None:
                    return self._with_result(tool, r, {**self._base(tool), "done": False, "would": None})
                chosen = [label for when, label in choices if when == at]
                if not chosen:
                    out = self._tool_error(tool, "not_offered", TOOL_ERRORS["not_offered"])
                    out.update(done=False, would=None, say=fields["say"])
                    return out
                zone = words.zone_of(r)
                would = {
                    "action": tool,
                    "asap": at is None,
                    "slot_id": None if at is None else words.slot_id(at),
                    "time": words.iso_time(at, zone),
                    "wait_seconds": r.ewt_seconds if at is None else None,
                }
                say = chosen[0] or fields["say"]
                return {**self._base(tool), "done": False, "would": would, "say": words.speakable(_sentence(say))}
        assert self._client is not None and number is not None
        with self._client.register(number, at=at) as r:
            zone = words.zone_of(r)
            out = self._base(tool)
            out.update(
                done=True,
                outcome=r.register_outcome,
                callback_id=r.callback_id,
                callback_time=words.iso_time(at if at is not None else r.estimated_for, zone)
                if r.register_outcome == "requested"
                else None,
                wait_seconds=r.wait_seconds,
            )
            return self._with_result(tool, r, out)

    def _cancel(self, number: Optional[str], confirmed: Any) -> Dict[str, Any]:
        tool = "cancel_callback"
        if not isinstance(confirmed, bool):
            return self._tool_error(tool, "invalid_arguments", "confirmed must be true or false")
        assert self._client is not None and number is not None
        if not confirmed:
            with self._client.lookup(number) as r:
                zone = words.zone_of(r)
                out = self._base(tool)
                out.update(
                    done=False,
                    would={"action": tool} if r.found and r.error is None else None,
                    found=bool(r.found) if r.error is None else None,
                    status=r.status,
                    callback_time=words.iso_time(r.estimated_for, zone),
                )
                return self._with_result(tool, r, out)
        with self._client.cancel(number) as r:
            out = self._base(tool)
            outcome = int(r.cancel_outcome) if r.cancel_outcome is not None else 0
            out.update(done=True, outcome=_CANCEL_WORDS.get(outcome))
            return self._with_result(tool, r, out)


def _sentence(label: Optional[str]) -> str:
    """A choice label said as a sentence: first letter upper case, one final period."""
    if not label:
        return ""
    label = label.strip().rstrip(".")
    return label[:1].upper() + label[1:] + "."


def bind(caller: Optional[str], **kwargs: Any) -> CallbackTools:
    """The four tools bound to ``caller`` (as :class:`CallbackTools`)."""
    return CallbackTools(caller, **kwargs)

