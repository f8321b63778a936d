"""Forwarding libcbstatus's own diagnostics (``cb_set_log_callback``) to Python logging."""

from __future__ import annotations

import atexit
import logging
import threading
from typing import List, Optional, Union

from ._fork import at_fork_in_child
from ._lib import Library, PathLike, cb_log_fn, get_library

__all__ = ["forward_library_logs", "stop_library_logs", "LIBRARY_LOGGER"]

#: Logger receiving the library's messages (a child of ``"cbstatus"``).
LIBRARY_LOGGER = "cbstatus.lib"

_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}
_lib_log = logging.getLogger(LIBRARY_LOGGER)
_lock = threading.Lock()


def _renew_lock() -> None:
    global _lock
    _lock = threading.Lock()


at_fork_in_child(_renew_lock)
# Every callback ever registered stays referenced: the library may still be delivering a
# message to a replaced callback, and a collected ctypes thunk would crash the process.
_keepalive: List[object] = []
_registered: List[Library] = []


def _forward(level: int, message: Optional[bytes], userdata: object) -> None:
    try:
        text = message.decode("utf-8", "replace") if message else ""
        _lib_log.log(_LEVELS.get(level, logging.INFO), "%s", text)
    except Exception:  # never raise into C
        pass


def _cb_level(max_level: int) -> int:
    if max_level <= logging.DEBUG:
        return 4
    if max_level <= logging.INFO:
        return 3
    if max_level <= logging.WARNING:
        return 2
    return 1


def forward_library_logs(max_level: int = logging.INFO, *, library: Union[None, PathLike, Library] = None) -> None:
    """Route the library's messages up to ``max_level`` to the ``cbstatus.lib`` logger.

    The library's logging is process-wide and off by default (it never writes to
    stdout/stderr itself); this turns it on for the whole process, replacing any callback
    another component installed. Messages never contain the API token and show caller
    numbers by their last 4 digits. :func:`stop_library_logs` (also run at exit) turns it off.
    """
    lib = get_library(library)
    with _lock:
        thunk = cb_log_fn(_forward)
        _keepalive.append(thunk)
        code = lib.cb_set_log_callback(thunk, _cb_level(max_level), None)
        lib.check(code)
        if lib not in _registered:
            _registered.append(lib)


def stop_library_logs(*, library: Union[None, PathLike, Library] = None) -> None:
    """Turn the library's logging off again (``cb_set_log_callback(NULL, ...)``)."""
    lib = get_library(library)
    with _lock:
        lib.cb_set_log_callback(cb_log_fn(), 1, None)
        if lib in _registered:
            _registered.remove(lib)


@atexit.register
def _stop_all() -> None:
    # Before the interpreter goes away, so no library thread calls into a dead Python.
    for lib in list(_registered):
        try:
            lib.cb_set_log_callback(cb_log_fn(), 1, None)
        except Exception:
            pass
