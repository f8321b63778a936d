"""Locks a child made by ``os.fork()`` (``multiprocessing``'s fork start method) must not
inherit held.

After a fork only the forking thread exists in the child, so a lock another thread held at
that moment would stay locked for ever there, and the child's first call would hang. The
library itself is fork-safe (its connections, cache and breaker are per process); these are
the package's own Python locks. Objects owning one register here and get a fresh lock, with
nothing in flight, in the child.
"""

from __future__ import annotations

import os
import weakref
from typing import Callable

_owners: "weakref.WeakSet[object]" = weakref.WeakSet()


def renew_in_child(owner: object) -> None:
    """Call ``owner._after_fork_in_child()`` in every child forked from now on."""
    _owners.add(owner)


def at_fork_in_child(reset: Callable[[], None]) -> None:
    """Run ``reset`` in every child forked from now on (for module-level locks)."""
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=reset)


def _renew_all() -> None:
    for owner in list(_owners):
        owner._after_fork_in_child()  # type: ignore[attr-defined]


at_fork_in_child(_renew_all)
