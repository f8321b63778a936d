"""``Handle``: the lifecycle every wrapper of a library handle shares, written once.

A wrapper (:class:`~cbstatus.Config`, :class:`~cbstatus.Client`, :class:`~cbstatus.Result`)
owns one handle from ``libcbstatus`` and releases it exactly once with its ``cb_*_free``: on
:meth:`Handle.close` (idempotent), at the end of a ``with`` block, or, as a safety net, when
it is garbage collected. A method reaching a closed handle raises ``ValueError("<Kind> is
closed")``. Each wrapper has a lock renewed in a forked child (a lock held by another thread at
the fork would stay held there for ever).

A subclass names its kind and free function (``class Config(Handle, kind="Config",
free="cb_config_free")``), calls :meth:`Handle._begin` first in its constructor, and stores the
handle in ``_handle`` once the library gave it; it may override ``_take`` (how the handle is
detached for release: the client waits for calls in flight) and ``_describe`` (its ``repr``).
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Optional, TypeVar

from ._fork import renew_in_child
from ._lib import Library

__all__ = ["Handle"]

_Self = TypeVar("_Self", bound="Handle")


class Handle:
    """Owner of one library handle: ``close()``, ``with``, the ``__del__`` safety net, ``repr``."""

    #: The wrapper's name in messages and ``repr`` ("Config").
    _kind: ClassVar[str] = "Handle"
    #: The library function releasing the handle ("cb_config_free").
    _free: ClassVar[str] = ""
    #: The handle; None before the library gave one and after release. A class default, so the
    #: safety net of an object whose constructor failed finds nothing to release.
    _handle: Optional[Any] = None
    #: The library the handle came from (and goes back to).
    library: Library

    def __init_subclass__(cls, *, kind: str, free: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._kind = kind
        cls._free = free

    def _begin(self) -> None:
        """Make the lock and have it renewed in forked children (first thing in a constructor)."""
        self._lock = threading.Lock()
        renew_in_child(self)

    def _after_fork_in_child(self) -> None:
        # A thread that held the lock at the fork does not exist in the child.
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has released the handle."""
        return self._handle is None

    def _ptr(self) -> Any:
        """The handle, or ValueError when it was released."""
        handle = self._handle
        if handle is None:
            raise ValueError(f"{self._kind} is closed")
        return handle

    def _take(self) -> Optional[Any]:
        """Detach the handle for release: it, or None when already released."""
        with self._lock:
            handle, self._handle = self._handle, None
        return handle

    def close(self) -> None:
        """Release the handle (idempotent)."""
        handle = self._take()
        if handle is not None:
            getattr(self.library, self._free)(handle)

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # safety net; prefer close() / with
        try:
            handle = self._handle
            if handle is not None:
                self._handle = None
                getattr(self.library, self._free)(handle)
        except Exception:
            pass

    def _describe(self) -> str:
        """What ``repr`` says after the kind."""
        return " (closed)" if self.closed else ""

    def __repr__(self) -> str:
        return f"<cbstatus.{self._kind}{self._describe()}>"
