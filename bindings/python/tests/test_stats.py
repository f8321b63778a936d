"""Client.stats(): the library's counters (cb_client_stats_json) by value, after real lookups."""

from __future__ import annotations

import json

import pytest


def test_stats_count_every_request_by_result(cbstatus):
    with cbstatus.Client(cache_ttl_ms="60000", breaker_threshold="0") as c:
        fresh = c.stats()
        assert fresh["requests"]["status"] == {"found": 0, "not_found": 0, "error": 0}
        assert fresh["connections_opened"] == 0 and fresh["breaker_open"] is False
        for _ in range(3):
            c.lookup("+15551230001").close()  # the 2nd and 3rd come from the cache
        c.lookup("+15551230099").close()
        c.lookup("+15551230500").close()  # HTTP 503
        c.lookup("unknown").close()  # invalid number: no request made
        c.widget_status("w-open").close()
        s = c.stats()
    assert s["requests"]["status"] == {"found": 3, "not_found": 1, "error": 2}
    assert s["requests"]["widget"]["found"] == 1
    assert s["errors"]["http_status"] == 1 and s["errors"]["invalid_number"] == 1
    assert s["cache_hits"] == 2
    assert s["upstream_requests"] == {"200": 3, "503": 1}
    assert s["connections_opened"] >= 1
    assert s["calls_in_flight"] == 0
    hist = s["request_duration_seconds"]
    assert hist["count"] == 7 and hist["buckets"][-1] == {"le": "+Inf", "count": 7}
    assert hist["buckets"][0]["le"] == 0.001
    assert s["upstream_duration_seconds"]["count"] == 4
    assert s["version"] == cbstatus.version()
    assert "+1555123" not in json.dumps(s), "no caller number in the counters"


def test_stats_on_a_closed_client_raise(cbstatus):
    c = cbstatus.Client()
    c.close()
    with pytest.raises(ValueError):
        c.stats()
