"""Rendering: every format, both locales, unknown locales, JSON consistency."""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import DEMO, FAULTS

PROMPT = re.compile(r"[A-Za-z0-9/_-]+")
SSML_NS = "{http://www.w3.org/2001/10/synthesis}"
NUMBERS = [n for n, _ in DEMO] + [n for n, _, _ in FAULTS] + ["unknown"]


@pytest.fixture(scope="module")
def results():
    import cbstatus

    from conftest import LIBRARY

    cbstatus.load_library(LIBRARY)
    out = {}
    for number in NUMBERS:
        with cbstatus.Client() as c:  # one per number: faults must not trip the breaker for others
            out[number] = c.lookup(number)
    yield out
    for r in out.values():
        r.close()


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("locale", [None, "en-US", "es-US", "fr-CA"])
def test_all_formats(results, number, locale):
    r = results[number]
    text = r.render("text", locale)
    assert text.strip() and "\n" not in text and "{" not in text
    ssml = r.render("ssml", locale)
    root = ET.fromstring(ssml)  # well-formed
    assert root.tag == SSML_NS + "speak"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == (locale or "en-US")
    prompts = r.render("prompts", locale)
    assert prompts and all(PROMPT.fullmatch(p) for p in prompts.split("&")), prompts
    doc = json.loads(r.render("json", locale))
    assert doc["text"] == text and doc["ssml"] == ssml and doc["prompts"] == prompts
    assert doc["locale"] == (locale or "en-US")


@pytest.mark.parametrize("number", NUMBERS)
def test_json_matches_attributes(results, number):
    r = results[number]
    d = r.to_dict()
    assert d["found"] is r.found and d["count"] == r.count
    assert d["number"] == r.number
    assert d["result"] == r.outcome
    if r.error is None:
        assert d["error"] is None
    else:
        assert d["error"]["code"] == r.error.code and d["error"]["name"] == r.error.name
    cb = d["callback"]
    if cb is None:
        assert r.status is None and r.position is None
    else:
        assert cb["status"] == r.status and cb["type"] == r.type
        assert cb["position"] == r.position and cb["wait_seconds"] == r.wait_seconds
        at = cb["estimated_for"]
        assert (r.estimated_for is None) if at is None else int(r.estimated_for.timestamp()) == at


def test_spanish_differs(results):
    r = results["+15551230001"]
    en, es = r.render("text", "en-US"), r.render("text", "es-US")
    assert en != es and "número" in es
    assert r.render("text") == en  # the client's locale
    assert r.text == en and r.ssml == r.render("ssml") and r.prompts == r.render("prompts")
    assert r.prompt_names == r.prompts.split("&")


def test_unknown_locale_renders_english(results, cbstatus, caplog):
    r = results["+15551230002"]
    caplog.set_level(logging.WARNING, logger="cbstatus")
    for locale in ["xx-YY", "fr-FR", "", "en_US_POSIX_LONG" * 10, "\u00e9s"]:
        caplog.clear()
        assert r.render("text", locale) == r.render("text", "en-US"), locale
        assert any("English" in rec.getMessage() for rec in caplog.records)
    with pytest.raises(cbstatus.UnknownLocale) as e:
        r.render("text", "xx-YY", strict=True)
    assert e.value.code == 17
    assert r.to_dict("xx-YY")["locale"] == "en-US"


def test_format_arguments(results, cbstatus):
    r = results["+15551230003"]
    assert r.render(cbstatus.Format.SSML) == r.render("SSML") == r.render(1)
    with pytest.raises(ValueError, match="unknown format"):
        r.render("html")
    with pytest.raises(cbstatus.InvalidArgument) as e:
        r.render(9)
    assert e.value.code == 13
    with pytest.raises(TypeError):
        r.render(None)
    with pytest.raises(TypeError):
        r.render(True)
    with pytest.raises(TypeError):
        r.render("text", 5)
    with pytest.raises(ValueError):
        r.render("text", "en\x00US")
    with pytest.raises(ValueError):
        r.render("text", "\ud800")


def test_failed_lookup_renders_fallback_everywhere(results):
    r = results["+15551230500"]
    assert r.text == "Sorry, we can't check your callback right now."
    assert "Sorry" in r.ssml and r.prompts
    es = r.render("text", "es-US")
    assert es != r.text and es


def test_freeswitch_playlist(client, cbstatus):
    with client.lookup("+15551230001") as r:
        names = r.prompts.split("&")
        playlist = r.playlist("/snd")
        assert playlist == "file_string://" + "!".join(f"/snd/en/{n}.wav" for n in names)
        spanish = r.playlist("/snd/", "es-US")
        assert spanish.startswith("file_string:///snd/es/cbstatus/") and "/snd/es/digits/4.wav" in spanish
        for bad in ["relative", "/a b", "/a!b", "/a$b"]:
            with pytest.raises(cbstatus.InvalidArgument):
                r.playlist(bad)
