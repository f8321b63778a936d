"""Client.prefetch() and Client.warm() (cb_client_prefetch, cb_client_warm) against the simulator.

+15551230200 answers after 300 ms: a prefetch issued ahead makes the later lookup instant.
"""

from __future__ import annotations

import time

import pytest

SLOW = "+15551230200"


def test_prefetch_returns_at_once_and_the_later_lookup_takes_its_answer(cbstatus):
    with cbstatus.Client(cache_ttl_ms=0, not_found_ttl_ms=0) as c:
        started = time.perf_counter()
        c.prefetch(SLOW)
        assert time.perf_counter() - started < 0.1, "prefetch must not wait for the 300 ms API"
        time.sleep(0.6)
        started = time.perf_counter()
        with c.lookup(SLOW) as r:
            perceived = time.perf_counter() - started
            assert r.found and r.error is None
        assert perceived < 0.1, f"the prefetched answer was not used ({perceived:.3f} s)"
        # Consumed: the next lookup asks the API again (and waits for it).
        started = time.perf_counter()
        c.lookup(SLOW).close()
        assert time.perf_counter() - started >= 0.25
        assert c.stats()["upstream_requests"] == {"200": 2}


def test_a_lookup_joins_the_prefetch_in_flight(cbstatus):
    with cbstatus.Client(cache_ttl_ms=0) as c:
        c.prefetch(SLOW)
        time.sleep(0.1)
        started = time.perf_counter()
        with c.lookup(SLOW) as r:
            assert r.found
        assert time.perf_counter() - started < 0.29, "joined: waited only for the rest"
        assert c.stats()["upstream_requests"] == {"200": 1}


def test_prefetch_of_an_invalid_number_raises_and_warm_returns_at_once(cbstatus):
    with cbstatus.Client() as c:
        with pytest.raises(cbstatus.InvalidNumber):
            c.prefetch("not a number")
        with pytest.raises(TypeError):
            c.prefetch(None)  # type: ignore[arg-type]
        started = time.perf_counter()
        c.warm()
        assert time.perf_counter() - started < 0.1
    with pytest.raises(ValueError):
        c.prefetch(SLOW)
