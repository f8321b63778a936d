"""Issue 10, class 1: multiprocessing with the fork start method after the library was used.

A child inherits the parent's Client object. cbstatus keeps its connections, cache and breaker
per process, so each child makes its own on first use and never reads a reply meant for the
parent (or for a sibling) through an inherited keep-alive socket.
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest

# Demo simulator numbers and the position each one is in (conftest.DEMO).
POSITIONS = {"+15551230001": 4, "+15551230002": 1, "+15551230003": 2}

#: The client the forked children inherit (set by the tests before forking).
_inherited = None


def _position_in_child(number: str):
    """Run in a forked child: look `number` up on the inherited client."""
    assert _inherited is not None
    return number, [_inherited.lookup(number).position for _ in range(3)]


def _lookup_and_report(number: str, queue) -> None:
    queue.put(_position_in_child(number))


@pytest.fixture
def inherited(client):
    global _inherited
    _inherited = client
    yield client
    _inherited = None


def test_pool_children_and_parent_each_hear_their_own_position(inherited):
    # A keep-alive connection is now pooled in the parent: the children inherit it.
    assert inherited.lookup("+15551230001").position == 4
    ctx = multiprocessing.get_context("fork")
    numbers = ["+15551230002", "+15551230003"] * 4
    with ctx.Pool(4) as pool:
        pending = pool.map_async(_position_in_child, numbers)
        parent = [inherited.lookup("+15551230001").position for _ in range(20)]
        answers = pending.get(timeout=30)
    assert parent == [4] * 20
    for number, positions in answers:
        assert positions == [POSITIONS[number]] * 3, (number, positions)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Python 3.12: fork with threads
def test_fork_while_threads_are_inside_lookups(inherited):
    stop = threading.Event()
    wrong = []

    def busy(number: str) -> None:
        while not stop.is_set():
            position = inherited.lookup(number).position
            if position != POSITIONS[number]:
                wrong.append((number, position))

    threads = [threading.Thread(target=busy, args=(n,)) for n in list(POSITIONS) * 3]
    for t in threads[:8]:
        t.start()
    ctx = multiprocessing.get_context("fork")
    try:
        for i in range(10):
            number = list(POSITIONS)[i % 3]
            queue = ctx.Queue()
            child = ctx.Process(target=_lookup_and_report, args=(number, queue))
            child.start()
            child.join(timeout=15)
            if child.is_alive():
                child.kill()
                child.join()
                pytest.fail(f"fork {i}: the child's lookup hung (deadlock)")
            assert child.exitcode == 0, f"fork {i}: child exit code {child.exitcode}"
            assert queue.get(timeout=5) == (number, [POSITIONS[number]] * 3)
    finally:
        stop.set()
        for t in threads[:8]:
            t.join(timeout=15)
    assert wrong == []


def test_a_lock_held_by_another_thread_at_the_fork_does_not_hang_the_child(inherited):
    # Another thread is inside the client's bookkeeping (holds its lock) at the fork.
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with inherited._cond:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(5)
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_lookup_and_report, args=("+15551230003", queue))
        child.start()
        child.join(timeout=15)
        if child.is_alive():
            child.kill()
            child.join()
            pytest.fail("the child's lookup hung on a lock held by a parent thread")
        assert child.exitcode == 0
        assert queue.get(timeout=5) == ("+15551230003", [2, 2, 2])
    finally:
        release.set()
        thread.join(10)
