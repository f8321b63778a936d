"""The one-shot API: status_lookup(), last_error(), shutdown(), version()."""

from __future__ import annotations

import threading

import pytest

from conftest import DEMO

FALLBACK = "Sorry, we can't check your callback right now."


@pytest.mark.parametrize("number,expect", DEMO, ids=[n for n, _ in DEMO])
def test_demo_numbers(oneshot, number, expect):
    text = oneshot.status_lookup(number)
    assert isinstance(text, str) and text and text != FALLBACK
    assert oneshot.last_error() == (0, "")
    with oneshot.Client() as c:
        assert c.lookup(number).text == text  # same words as the client API


def test_failures_return_the_fallback(oneshot):
    for number, code in [("+15551230500", 7), ("+15551230666", 10), ("unknown", 1), ("", 1)]:
        oneshot.shutdown()  # fresh process-wide client: no circuit-breaker carry-over
        assert oneshot.status_lookup(number) == FALLBACK
        got, message = oneshot.last_error()
        assert got == code and message, number
    oneshot.shutdown()
    assert oneshot.status_lookup("+15551230099") != FALLBACK
    assert oneshot.last_error() == (0, "")


def test_no_reply(oneshot, monkeypatch):
    monkeypatch.setenv("CBSTATUS_TIMEOUT_MS", "300")
    oneshot.shutdown()  # re-read the environment
    assert oneshot.status_lookup("+15551230408") == FALLBACK  # the API never answers
    assert oneshot.last_error()[0] == 19  # no_reply: the request was sent


def test_not_configured_then_configured(oneshot, monkeypatch, simulator):
    monkeypatch.delenv("CBSTATUS_API_URL")
    oneshot.shutdown()
    assert oneshot.status_lookup("+15551230001") == FALLBACK
    code, message = oneshot.last_error()
    assert code == 2 and "CBSTATUS_API_URL" in message
    monkeypatch.setenv("CBSTATUS_API_URL", simulator.url)
    # Still the old (failed) state until shutdown? The library makes no client on failure:
    assert "4" in oneshot.status_lookup("+15551230001")
    assert oneshot.last_error() == (0, "")


def test_spanish_fallback_from_env(oneshot, monkeypatch):
    monkeypatch.delenv("CBSTATUS_API_URL")
    monkeypatch.setenv("CBSTATUS_LOCALE", "es-US")
    oneshot.shutdown()
    text = oneshot.status_lookup("+15551230001")
    assert text != FALLBACK and text  # localized fallback
    assert oneshot.last_error()[0] == 2


def test_bad_arguments(oneshot):
    for bad in [None, 15551230001, b"+15551230001", object()]:
        with pytest.raises(TypeError):
            oneshot.status_lookup(bad)
    for bad in ["+1555\x001230001", "\ud83d", "\udcff"]:
        with pytest.raises(ValueError):
            oneshot.status_lookup(bad)


def test_last_error_is_per_thread(oneshot):
    oneshot.status_lookup("unknown")
    assert oneshot.last_error()[0] == 1
    seen = []
    t = threading.Thread(target=lambda: seen.append(oneshot.last_error()))
    t.start()
    t.join()
    assert seen == [(0, "")]
    assert oneshot.last_error()[0] == 1


def test_shutdown_is_idempotent(oneshot):
    oneshot.status_lookup("+15551230002")
    oneshot.shutdown()
    oneshot.shutdown()
    assert "next" in oneshot.status_lookup("+15551230002")


def test_version(oneshot):
    assert oneshot.version() == "0.1.0"
    assert oneshot.version_number() == 100
