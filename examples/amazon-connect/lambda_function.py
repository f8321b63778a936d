"""Amazon Connect: the callback status as contact attributes, from an AWS Lambda function.

For the flow block "Invoke AWS Lambda function" (``InvokeLambdaFunction``, response validation
``STRING_MAP``): Connect sends the contact (``Details.ContactData``) and the block's parameters
(``Details.Parameters``); this handler looks the caller up with the cbstatus package and
returns the same ``CBSTATUS_*`` variables a dialplan gets (``CBSTATUS_RESULT`` ``FOUND`` /
``NOT_FOUND`` / ``ERROR`` ..., ``CBSTATUS_TEXT`` to speak), as Connect's flat string-to-string
map, under ``$.External``. See README.md next to this file for packaging and the flow.

The rules, and why:

- The number is the contact's ``CustomerEndpoint.Address``, never a parameter: a flow cannot
  be talked into looking up somebody else. A withheld number (``anonymous``, none) goes to the
  library as it is and answers ``ERROR`` / ``invalid_number`` with the fallback sentence.
- One vocabulary: the map is ``cbstatus.channel_variables()`` (the library's list) or
  ``cbstatus.error_variables()``; this file names no variable of its own.
- Never raise, always answer before Connect gives up: Connect waits at most 8 seconds
  (``InvocationTimeLimitSeconds``) and takes an exception as the Error branch with nothing
  to say. The client's ``timeout_ms`` is capped below that, and the call runs under a
  watchdog bounded by the block's limit and the Lambda's own remaining time, so even a
  configuration with a longer timeout answers ``ERROR`` / ``timeout`` in time.
- Parameters are those of ``cbstatus agi``: ``action`` (``status``, the default, ``cancel``,
  ``widget``, ``offer``, ``register``; spelled exactly), ``locale`` (else the contact's
  ``LanguageCode``), ``widget_id``, and for ``register`` either ``at`` (Unix seconds) or
  ``slot`` (N, from 1) with ``slots`` (the ``CBSTATUS_SLOTS`` an earlier ``offer``
  returned). A bad one answers ``ERROR`` / ``invalid_argument`` and asks the API nothing.
- A register is sent once and never retried (the library's rule); one whose answer is lost
  says "we could not confirm your callback" and a later status lookup tells the truth.

Configuration: the ``CBSTATUS_*`` environment variables of the function (``CBSTATUS_API_URL``,
``CBSTATUS_TOKEN``, ``CBSTATUS_LOCALE``, ...) or a file named by ``CBSTATUS_CONFIG``. The
client is made on the first invocation and kept while the container is warm, so later calls
reuse its connection.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional

import cbstatus

log = logging.getLogger("cbstatus.connect")

#: Connect's longest wait for a Lambda function (``InvocationTimeLimitSeconds`` <= 8).
CONNECT_LIMIT_MS = 8000
#: Kept free for returning the answer and Connect's own work.
MARGIN_MS = 1000
#: The largest ``timeout_ms`` the client gets, whatever the configuration says.
MAX_TIMEOUT_MS = CONNECT_LIMIT_MS - 2 * MARGIN_MS

#: The actions, as ``cbstatus agi --action`` names them.
ACTIONS = ("status", "cancel", "widget", "offer", "register")

_client: Optional[cbstatus.Client] = None
_client_lock = threading.Lock()


class BadParameter(ValueError):
    """A block parameter this handler cannot use (answered as ``invalid_argument``)."""


def client_settings(environ: Mapping[str, str] = os.environ) -> Dict[str, Any]:
    """The settings the client gets on top of its configuration: ``timeout_ms`` capped at
    :data:`MAX_TIMEOUT_MS` when ``CBSTATUS_TIMEOUT_MS`` asks for more (a value that is not a
    number is left to the library, which refuses it with a clear error)."""
    raw = environ.get("CBSTATUS_TIMEOUT_MS", "").strip()
    if raw.isdigit() and int(raw) > MAX_TIMEOUT_MS:
        log.warning("CBSTATUS_TIMEOUT_MS=%s is longer than Connect waits; using %d", raw, MAX_TIMEOUT_MS)
        return {"timeout_ms": MAX_TIMEOUT_MS}
    return {}


def get_client() -> cbstatus.Client:
    """The container's client, made on first use (raises the package's configuration errors)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = cbstatus.Client(**client_settings())
        return _client


def reset_client() -> None:
    """Close the container's client; the next invocation makes a new one (for tests and
    configuration changes)."""
    global _client
    with _client_lock:
        client, _client = _client, None
    if client is not None:
        client.close()


def _text(value: Any, what: str) -> str:
    """A parameter as a string: missing is "", a non-string is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadParameter(f"{what} must be a string, not {type(value).__name__}")
    return value.strip()


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadParameter(f"{what} must be an object, not {type(value).__name__}")
    return value


def caller_number(event: Any) -> str:
    """``Details.ContactData.CustomerEndpoint.Address``, or "" when the event has none (a
    withheld number, a chat, a malformed event): the library then answers ``invalid_number``."""
    try:
        endpoint = event["Details"]["ContactData"]["CustomerEndpoint"]
        address = endpoint["Address"] if isinstance(endpoint, Mapping) else None
    except (KeyError, TypeError):
        return ""
    return address.strip() if isinstance(address, str) else ""


def _at(params: Mapping[str, Any]) -> Optional[int]:
    """The register's appointment: ``at`` (Unix seconds), or slot ``slot`` of ``slots``;
    None: as soon as possible."""
    at, slot = _text(params.get("at"), "at"), _text(params.get("slot"), "slot")
    if at and slot:
        raise BadParameter("give either at or slot, not both")
    if at:
        if not at.isdigit() or int(at) <= 0:
            raise BadParameter(f"at must be Unix seconds, not {at[:40]!r}")
        return int(at)
    if slot:
        slots = [s.strip() for s in _text(params.get("slots"), "slots").split(",") if s.strip()]
        if not slot.isdigit() or not 1 <= int(slot) <= len(slots) or not slots[int(slot) - 1].isdigit():
            raise BadParameter(
                f"slot {slot[:40]!r} is not one of the {len(slots)} entries of slots "
                "(pass the CBSTATUS_SLOTS of an earlier offer)"
            )
        return int(slots[int(slot) - 1])
    return None


def _request(event: Any) -> "tuple[Callable[[cbstatus.Client], cbstatus.Result], Optional[str]]":
    """What to do (a call on the client) and the language to answer in, from the event."""
    details = _mapping(event.get("Details") if isinstance(event, Mapping) else None, "Details")
    params = _mapping(details.get("Parameters"), "Details.Parameters")
    contact = _mapping(details.get("ContactData"), "Details.ContactData")
    action = _text(params.get("action"), "action") or "status"
    if action not in ACTIONS:
        raise BadParameter(f"unknown action {action[:40]!r} (one of {', '.join(ACTIONS)}, lower case)")
    language = _text(params.get("locale"), "locale") or _text(contact.get("LanguageCode"), "LanguageCode")
    widget_id = _text(params.get("widget_id"), "widget_id") or None
    number = caller_number(event)
    calls: Dict[str, Callable[[cbstatus.Client], cbstatus.Result]] = {
        "status": lambda c: c.lookup(number),
        "cancel": lambda c: c.cancel(number),
        "widget": lambda c: c.widget(widget_id),
        "offer": lambda c: c.offer(widget_id),
    }
    if action == "register":
        at = _at(params)
        return (lambda c: c.register(number, at, widget_id)), language or None
    return calls[action], language or None


def _answer(event: Any) -> Dict[str, str]:
    """The variables for ``event`` (runs in the watchdog's thread)."""
    try:
        call, language = _request(event)
    except BadParameter as e:
        log.warning("cbstatus: %s", e)
        return cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "invalid_argument")
    try:
        client = get_client()
    except cbstatus.CbError as e:  # not configured / an invalid setting
        log.error("cbstatus is not usable: %s", e)
        return cbstatus.error_variables(cbstatus.FALLBACK_TEXT, e.name)
    with call(client) as result:
        return cbstatus.channel_variables(result, language)


def _deadline_ms(context: Any) -> int:
    """How long the answer may take: Connect's limit less the margin, and no longer than the
    Lambda's own remaining time less the margin (at least 1 ms)."""
    budget = CONNECT_LIMIT_MS - MARGIN_MS
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        try:
            budget = min(budget, int(remaining()) - MARGIN_MS // 2)
        except Exception:  # a context that cannot say: keep Connect's limit
            pass
    return max(budget, 1)


def lambda_handler(event: Any, context: Any = None) -> Dict[str, str]:
    """The Lambda entry point: Connect's flat map of ``CBSTATUS_*`` variables, always, in time."""
    started = time.monotonic()
    box: Dict[str, Dict[str, str]] = {}

    def work() -> None:
        try:
            box["answer"] = _answer(event)
        except Exception:  # never into Connect's Error branch without words
            log.exception("cbstatus: unexpected error")
            box["answer"] = cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "internal")

    worker = threading.Thread(target=work, name="cbstatus-connect", daemon=True)
    worker.start()
    worker.join(_deadline_ms(context) / 1000)
    answer = box.get("answer")
    if answer is None:
        log.error("cbstatus: no answer within %.0f ms; answering timeout", (time.monotonic() - started) * 1000)
        return cbstatus.error_variables(cbstatus.FALLBACK_TEXT, "timeout")
    log.info(
        "cbstatus: %s %s in %.0f ms",
        cbstatus.mask_number(caller_number(event)),
        answer.get("CBSTATUS_RESULT"),
        (time.monotonic() - started) * 1000,
    )
    return answer
