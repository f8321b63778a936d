"""``Client`` (wraps ``cb_client``) and the one-shot module functions."""

from __future__ import annotations

import ctypes
import json
import logging
import threading
from datetime import datetime
from typing import Any, Dict, Optional, Tuple, Union

from ._config import Config
from ._errors import ErrorCode
from ._handle import Handle
from ._lib import (
    Library,
    PathLike,
    cb_client_p,
    cb_result_p,
    check_functions,
    encode_arg,
    get_library,
    record_last_error,
    recorded_last_error,
)
from ._result import Result

__all__ = ["Client", "status_lookup", "last_error", "shutdown", "version", "version_number", "mask_number"]

log = logging.getLogger("cbstatus")


def mask_number(number: object) -> str:
    """A caller number safe for logs: only its last 4 digits, e.g. ``"***0001"``."""
    if not isinstance(number, str):
        return "<none>" if number is None else f"<{type(number).__name__}>"
    digits = "".join(c for c in number if c.isascii() and c.isdigit())
    if len(digits) <= 4:
        return "***" if number else "<empty>"
    return "***" + digits[-4:]


def _log_failure(what: str, subject: str, code: int, name: str, message: str) -> None:
    # An anonymous/unknown caller is routine on a PBX: info, not warning.
    level = logging.INFO if code == ErrorCode.INVALID_NUMBER else logging.WARNING
    log.log(level, "cbstatus: %s %s failed: %s (%d): %s", what, subject, name, code, message)


class Client(Handle, kind="Client", free="cb_client_free"):
    """A connection to one Mindful organization (wraps ``cb_client``); thread-safe.

    ``Client()`` is configured from ``$CBSTATUS_CONFIG`` and the ``CBSTATUS_*`` environment
    variables plus keyword settings (``Client(api_url=..., timeout_ms=1500)``); or pass a
    :class:`Config` (then no keyword settings). Share one client between all threads: lookups
    run in parallel without a lock held during network I/O.

    Fork-safe: a child made by ``os.fork()`` or ``multiprocessing`` (fork start method) may
    keep using a client made before the fork, even while other threads were inside lookups;
    its first lookup opens its own connections with an empty cache and a closed breaker, and
    never reads a reply meant for the parent.

    :meth:`close` (or the end of a ``with`` block) waits for calls still running on other
    threads, then releases the client; results it produced stay valid, later calls raise
    ValueError.

    Raises:
        NotConfigured: no API URL. ConfigError: an invalid setting.
    """

    def __init__(
        self,
        config: Optional[Config] = None,
        *,
        library: Union[None, PathLike, Library] = None,
        **settings: Any,
    ) -> None:
        """Create a client from ``config`` or from the environment plus ``settings``."""
        self._begin()
        self._cond = threading.Condition(self._lock)
        self._inflight = 0
        if config is not None:
            if settings:
                raise TypeError("pass either a Config or keyword settings, not both")
            if not isinstance(config, Config):
                raise TypeError(f"config must be a cbstatus.Config, not {type(config).__name__}")
            if library is not None and get_library(library) is not config.library:
                raise ValueError("config was made with another libcbstatus than library=")
            cfg, owned = config, False
        else:
            cfg, owned = Config.from_env(library=library, **settings), True
        self.library = cfg.library
        try:
            out = cb_client_p()
            code = self.library.cb_client_new(cfg._ptr(), ctypes.byref(out))
            self.library.check(code)
            self._handle = out
        finally:
            if owned:
                cfg.close()

    # -- in-flight tracking: close() waits for running calls instead of freeing under them --

    def _enter(self) -> Any:
        with self._cond:
            handle = self._ptr()
            self._inflight += 1
            return handle

    def _leave(self) -> None:
        with self._cond:
            self._inflight -= 1
            if self._inflight == 0:
                self._cond.notify_all()

    def _after_fork_in_child(self) -> None:
        # The calls other threads had in flight do not exist in a forked child.
        super()._after_fork_in_child()
        self._cond = threading.Condition(self._lock)
        self._inflight = 0

    def _take(self) -> Optional[Any]:
        # Detached at once (no new call starts), released once the calls in flight end.
        with self._cond:
            handle, self._handle = self._handle, None
            if handle is not None:
                self._cond.wait_for(lambda: self._inflight == 0)
        return handle

    def _call(
        self, what: str, fn_name: str, subject: str, arg: Optional[bytes], raise_on_error: bool, *extra: Any
    ) -> Result:
        lib = self.library
        handle = self._enter()
        try:
            out = cb_result_p()
            code = int(getattr(lib, fn_name)(handle, arg, *extra, ctypes.byref(out)))
            message = lib.last_error_message() if code else ""
        finally:
            self._leave()
        if not out:  # only when client/out is NULL, which this wrapper never passes
            exc = lib.error(code, message)
            record_last_error(code, exc.message)
            raise exc
        result = Result(lib, out)
        record_last_error(code, message or (result.error.message if result.error else ""))
        if result.error is not None:
            err = result.error
            _log_failure(what, subject, err.code, err.name, err.message)
            if raise_on_error:
                result.close()
                raise err
        return result

    def lookup(self, number: str, *, raise_on_error: bool = False) -> Result:
        """Look up the callbacks of ``number`` (any caller-id shape: "+15551234567", "(555) 123-4567").

        Blocks for at most the configured timeout. Lookup failures (invalid number, timeout,
        HTTP errors, ...) do not raise: the returned :class:`Result` has ``error`` set and its
        ``text`` is the fallback sentence. With ``raise_on_error=True`` they raise the matching
        :class:`~cbstatus.CbError` subclass instead.

        Raises:
            TypeError: ``number`` is not a str. ValueError: NUL character or lone surrogate,
            or the client is closed.
        """
        arg = encode_arg(number, "number")
        subject = mask_number(number)
        log.debug("cbstatus: lookup %s", subject)
        return self._call("lookup", "cb_client_lookup", subject, arg, raise_on_error)

    def cancel(self, number: str, *, raise_on_error: bool = False) -> Result:
        """Cancel the callback of ``number``; ``Result.cancel_outcome`` says what happened.

        Failures behave as in :meth:`lookup`. Needs a library exporting ``cb_client_cancel``
        (NotImplementedError otherwise).
        """
        check_functions(self.library, ["cb_client_cancel"])
        arg = encode_arg(number, "number")
        subject = mask_number(number)
        log.debug("cbstatus: cancel %s", subject)
        return self._call("cancel", "cb_client_cancel", subject, arg, raise_on_error)

    def widget_status(self, widget_id: Optional[str] = None, *, raise_on_error: bool = False) -> Result:
        """Ask a widget whether callbacks are offered now (``None`` = the configured ``widget_id``).

        ``Result.widget_state``, ``callbacks_available``, ``offer_asap``, ``offer_scheduled`` and
        ``ewt_seconds`` hold the answer. Failures behave as in :meth:`lookup`. Needs a library
        exporting ``cb_client_widget_status`` (NotImplementedError otherwise).
        """
        check_functions(self.library, ["cb_client_widget_status"])
        arg = encode_arg(widget_id, "widget_id", allow_none=True)
        subject = repr(widget_id) if widget_id is not None else "<configured widget>"
        log.debug("cbstatus: widget status %s", subject)
        return self._call("widget status", "cb_client_widget_status", subject, arg, raise_on_error)

    def widget(self, widget_id: Optional[str] = None, *, raise_on_error: bool = False) -> Result:
        """The widget status (as :meth:`widget_status`) with its time slots in ``Result.timeslots``
        (Unix seconds, sorted)."""
        return self.widget_status(widget_id, raise_on_error=raise_on_error)

    def offer(self, widget_id: Optional[str] = None, *, raise_on_error: bool = False) -> Result:
        """Check the widget and speak it as an offer: ``text`` is the ASAP offer with the wait
        and one menu line per choice ("For a callback as soon as possible, press 1. For today
        at 3:00 PM, press 2. ..."). ``Result.timeslots`` and ``offer_asap`` as in
        :meth:`widget`; :meth:`menu_choice` maps a key to what it chooses. Needs a library
        exporting ``cb_client_offer`` (NotImplementedError otherwise)."""
        check_functions(self.library, ["cb_client_offer"])
        arg = encode_arg(widget_id, "widget_id", allow_none=True)
        subject = repr(widget_id) if widget_id is not None else "<configured widget>"
        log.debug("cbstatus: offer %s", subject)
        return self._call("offer", "cb_client_offer", subject, arg, raise_on_error)

    def register(
        self,
        number: str,
        at: Optional[Union[int, datetime]] = None,
        widget_id: Optional[str] = None,
        *,
        raise_on_error: bool = False,
    ) -> Result:
        """Register a callback for ``number``: as soon as possible (``at=None``) or at ``at``
        (Unix seconds or an aware datetime; one of the widget's time slots).

        ``Result.register_outcome`` is "requested", "duplicate", "refused", "invalid_contact",
        "invalid_time" or "failed"; it is None when no answer came back (a timeout, a reset):
        the request may or may not have been registered, ``text`` says "we could not confirm
        your callback", and a later :meth:`lookup` tells the truth. Sent exactly once, never
        retried. Failures behave as in :meth:`lookup`. Needs a library exporting
        ``cb_client_register`` (NotImplementedError otherwise).

        Raises:
            TypeError: bad argument types. ValueError: ``at`` not after 1970, a NUL character,
            or the client is closed.
        """
        check_functions(self.library, ["cb_client_register"])
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise ValueError("at must be an aware datetime (with tzinfo) or Unix seconds")
            at = int(at.timestamp())
        if at is None:
            appointment = 0
        elif isinstance(at, bool) or not isinstance(at, int):
            raise TypeError(f"at must be None, int Unix seconds or a datetime, not {type(at).__name__}")
        elif at <= 0:
            raise ValueError("at must be a Unix time after 1970 (None: as soon as possible)")
        else:
            appointment = at
        arg = encode_arg(number, "number")
        widget = encode_arg(widget_id, "widget_id", allow_none=True)
        subject = mask_number(number)
        log.debug("cbstatus: register %s", subject)
        return self._call(
            "register", "cb_client_register", subject, arg, raise_on_error, widget, ctypes.c_int64(appointment)
        )

    def prefetch(self, number: str) -> None:
        """Start looking ``number`` up in the background (wraps ``cb_client_prefetch``).

        Returns at once. A later :meth:`lookup` of the same number joins the prefetch while it
        runs, or takes its answer at once (kept ``prefetch_ttl_ms``, default 30 s, and consumed
        by that lookup); a failed prefetch is not kept. At most ``prefetch_max`` prefetches run
        at once; more are ignored and the later lookup does the work. Call it as early in the
        call as possible (before the greeting). Prefetches belong to the process: after
        ``fork()`` the child does not see its parent's.

        Raises:
            InvalidNumber: ``number`` cannot be looked up. TypeError / ValueError: as
            :meth:`lookup`, or the client is closed. NotImplementedError: the library has no
            ``cb_client_prefetch``.
        """
        check_functions(self.library, ["cb_client_prefetch"])
        arg = encode_arg(number, "number")
        handle = self._enter()
        try:
            code = int(self.library.cb_client_prefetch(handle, arg))
        finally:
            self._leave()
        log.debug("cbstatus: prefetch %s", mask_number(number))
        self.library.check(code)

    def warm(self) -> None:
        """Open a connection to the API in the background now (wraps ``cb_client_warm``), unless
        a usable one is open, so the next lookup costs one round trip. Returns at once; a
        failure is only logged. A new client does this by itself unless ``prewarm`` is off.

        Raises:
            ValueError: the client is closed. NotImplementedError: no ``cb_client_warm``.
        """
        check_functions(self.library, ["cb_client_warm"])
        handle = self._enter()
        try:
            code = int(self.library.cb_client_warm(handle))
        finally:
            self._leave()
        self.library.check(code)

    def stats(self) -> Dict[str, Any]:
        """The client's counters since it was made (wraps ``cb_client_stats_json``).

        A dict: ``requests`` (``{"status": {"found": n, "not_found": n, "error": n}, "cancel":
        ..., "widget": ...}``), ``errors`` (by error name), ``upstream_requests`` (by HTTP
        status, ``"none"`` for no reply), ``request_duration_seconds`` and
        ``upstream_duration_seconds`` (``{"buckets": [{"le": 0.001, "count": n}, ...], "sum":
        s, "count": n}``, cumulative), ``cache_hits``, ``coalesced``, ``prefetch``,
        ``breaker_open``, ``calls_in_flight``, ``calls_rejected``, ``connections_opened``,
        ``found_by_format`` (status lookups that found the caller, by ``number_format``
        entry: ``{"e164": n, "digits": n, "national": n}``), ``version``. Reading them takes no lock a lookup waits for. Needs a library exporting
        ``cb_client_stats_json`` (NotImplementedError otherwise).

        Raises:
            ValueError: the client is closed.
        """
        check_functions(self.library, ["cb_client_stats_json"])
        lib = self.library
        handle = self._enter()
        try:
            out = ctypes.c_void_p()
            code = int(lib.cb_client_stats_json(handle, ctypes.byref(out)))
            exc = lib.error(code) if code else None
        finally:
            self._leave()
        if exc is not None:
            raise exc
        stats: Dict[str, Any] = json.loads(lib.take_string(out.value))
        return stats


# -- the one-shot API ------------------------------------------------------------------------


def status_lookup(number: str) -> str:
    """Look ``number`` up with the library's process-wide client and return what to say.

    Wraps ``cb_status_lookup``: the client is configured from ``$CBSTATUS_CONFIG`` and the
    ``CBSTATUS_*`` environment variables on first use. Never raises for lookup failures (nor
    for a missing configuration): the text is then the fallback sentence and
    :func:`last_error` says why.

    Raises:
        TypeError: ``number`` is not a str. ValueError: NUL character or lone surrogate.
        LibraryNotFound: libcbstatus cannot be loaded.
    """
    arg = encode_arg(number, "number")
    lib = get_library()
    log.debug("cbstatus: status_lookup %s", mask_number(number))
    ptr = lib.cb_status_lookup(arg)
    code = int(lib.cb_last_error_code())  # before any other call: every call resets it
    message = lib.last_error_message() if code else ""
    text = lib.take_string(ptr)
    record_last_error(code, message)
    if code:
        _log_failure("status_lookup", mask_number(number), code, lib.status_name(code), message)
    return text


def last_error() -> Tuple[int, str]:
    """``(code, message)`` of the latest call this thread made through cbstatus.

    ``(0, "")`` after a success. Set by :func:`status_lookup`, ``Client.lookup`` and every
    other call; it is this package's per-thread copy of ``cb_last_error_code()`` /
    ``cb_last_error_message()``, taken right after the C call.
    """
    return recorded_last_error()


def shutdown() -> None:
    """Drop the library's process-wide client (``cb_shutdown``); the next :func:`status_lookup`
    re-reads the environment. Clients made with :class:`Client` are not affected."""
    get_library().cb_shutdown()


def version() -> str:
    """The loaded library's version string, e.g. ``"0.1.0"``."""
    return get_library().version


def version_number() -> int:
    """The loaded library's version as ``MAJOR * 10000 + MINOR * 100 + PATCH``."""
    return get_library().version_number
