"""bindings/freeswitch/cbstatus_handler.py against a stand-in mod_python3 session."""

from __future__ import annotations

import importlib
import sys
import threading
from typing import Dict, List, Optional, Tuple

import pytest

import cbstatus

from conftest import DEMO, FREESWITCH_DIR

FALLBACK = "Sorry, we can't check your callback right now."


class FakeSession:
    """Records what the handler does with the channel (mod_python3's ``session`` API)."""

    def __init__(self, **variables: str) -> None:
        self.variables: Dict[str, str] = dict(variables)
        self.set: Dict[str, str] = {}
        self.calls: List[Tuple] = []
        self.alive = True

    def getVariable(self, name: str) -> Optional[str]:
        return self.variables.get(name)

    def setVariable(self, name: str, value: str) -> None:
        assert isinstance(value, str), (name, value)
        self.calls.append(("setVariable", name, value))
        self.set[name] = value
        self.variables[name] = value

    def set_tts_params(self, engine: str, voice: str) -> None:
        self.calls.append(("set_tts_params", engine, voice))

    def speak(self, text: str) -> None:
        self.calls.append(("speak", text))

    def streamFile(self, path: str) -> None:
        self.calls.append(("streamFile", path))

    def execute(self, app: str, data: str) -> None:
        self.calls.append(("execute", app, data))

    def ready(self) -> bool:
        return self.alive

    def media(self) -> List[Tuple]:
        return [c for c in self.calls if c[0] != "setVariable"]


@pytest.fixture
def handler_module(cbstatus):
    sys.path.insert(0, str(FREESWITCH_DIR))
    try:
        module = importlib.import_module("cbstatus_handler")
        module.reset_client()
        yield module
        module.reset_client()
    finally:
        sys.path.remove(str(FREESWITCH_DIR))


@pytest.mark.parametrize("number,expect", DEMO, ids=[n for n, _ in DEMO])
def test_demo_numbers_set_variables(handler_module, number, expect):
    s = FakeSession(caller_id_number=number)
    handler_module.handler(s, "nospeak")
    assert s.set["CBSTATUS_RESULT"] == ("FOUND" if expect["found"] else "NOT_FOUND")
    assert s.set["CBSTATUS_POSITION"] == ("" if expect["position"] is None else str(expect["position"]))
    assert s.set["CBSTATUS_COUNT"] == str(expect["count"])
    assert s.set["CBSTATUS_STATUS"] == (expect["status"] or "")
    assert s.set["CBSTATUS_ERROR"] == ""
    assert list(s.set) == list(handler_module.FREESWITCH_VARIABLES)  # all of them, RESULT last
    assert s.media() == []  # nospeak


def test_tts_engine(handler_module):
    s = FakeSession(caller_id_number="+15551230001", tts_engine="flite", tts_voice="slt")
    handler_module.handler(s, "")
    assert s.media() == [("set_tts_params", "flite", "slt"), ("speak", s.set["CBSTATUS_TEXT"])]
    assert "4" in s.set["CBSTATUS_TEXT"]


def test_prompt_files(handler_module):
    s = FakeSession(caller_id_number="+15551230002", cbstatus_sound_prefix="/usr/share/sounds/cbstatus/en/")
    handler_module.handler(s)
    played = [c[1] for c in s.media()]
    names = s.set["CBSTATUS_PROMPTS"].split("&")
    assert played == [f"/usr/share/sounds/cbstatus/en/{n}.wav" for n in names]
    s = FakeSession(caller_id_number="+15551230002", cbstatus_sound_prefix="/s", cbstatus_sound_ext="gsm")
    handler_module.handler(s)
    assert all(c[1].endswith(".gsm") for c in s.media())


def test_prompt_playback_stops_on_hangup(handler_module):
    s = FakeSession(caller_id_number="+15551230007", cbstatus_sound_prefix="/s")

    def hang_up_after_two(path, calls=s.calls):
        calls.append(("streamFile", path))
        if len(s.media()) == 2:
            s.alive = False

    s.streamFile = hang_up_after_two
    handler_module.handler(s)
    assert len(s.media()) == 2


def test_speak_app_fallback(handler_module):
    s = FakeSession(caller_id_number="+15551230099")
    handler_module.handler(s)
    assert s.media() == [("execute", "speak", "flite|kal|" + s.set["CBSTATUS_TEXT"])]
    s = FakeSession(caller_id_number="+15551230099", cbstatus_fallback_tts="unimrcp|alice")
    handler_module.handler(s)
    assert s.media()[0][2].startswith("unimrcp|alice|We could not find")


def test_number_from_args_and_locale(handler_module):
    s = FakeSession(caller_id_number="+15551230099")
    handler_module.handler(s, "+15551230001 locale=es-US nospeak")
    assert s.set["CBSTATUS_POSITION"] == "4" and "número" in s.set["CBSTATUS_TEXT"]
    s = FakeSession(caller_id_number="+15551230001", cbstatus_locale="es-US")
    handler_module.handler(s, "nospeak")
    assert 'xml:lang="es-US"' in s.set["CBSTATUS_SSML"]


@pytest.mark.parametrize("variables", [
    {"caller_id_number": "unknown"},
    {"caller_id_number": "anonymous"},
    {"caller_id_number": ""},
    {},
    {"caller_id_number": "+15551230001", "privacy_hide_number": "true"},
])
def test_no_usable_number(handler_module, variables):
    s = FakeSession(**variables)
    handler_module.handler(s, "nospeak")
    assert s.set["CBSTATUS_RESULT"] == "ERROR" and s.set["CBSTATUS_ERROR"] == "invalid_number"
    assert s.set["CBSTATUS_TEXT"] == FALLBACK


def test_failures_still_speak(handler_module):
    s = FakeSession(caller_id_number="+15551230666", tts_engine="flite")
    handler_module.handler(s)
    assert s.set["CBSTATUS_RESULT"] == "ERROR" and s.set["CBSTATUS_ERROR"] == "malformed_reply"
    assert ("speak", FALLBACK) in s.calls


def test_not_configured(handler_module, monkeypatch):
    monkeypatch.delenv("CBSTATUS_API_URL")
    handler_module.reset_client()
    s = FakeSession(caller_id_number="+15551230001", tts_engine="flite")
    handler_module.handler(s)
    assert s.set["CBSTATUS_ERROR"] == "not_configured" and s.set["CBSTATUS_RESULT"] == "ERROR"
    assert ("speak", FALLBACK) in s.calls


def test_library_missing_still_speaks(handler_module, monkeypatch, cbstatus):
    def missing(*a, **k):
        raise cbstatus.LibraryNotFound("cannot find libcbstatus.so", ["/nowhere"])

    monkeypatch.setattr(cbstatus, "Client", missing)
    handler_module.reset_client()
    s = FakeSession(caller_id_number="+15551230001", tts_engine="flite")
    handler_module.handler(s)
    assert s.set["CBSTATUS_RESULT"] == "ERROR" and s.set["CBSTATUS_ERROR"] == "internal"
    assert ("speak", FALLBACK) in s.calls


def test_broken_session_never_raises(handler_module):
    class Broken(FakeSession):
        def speak(self, text):
            raise RuntimeError("channel gone")

    s = Broken(caller_id_number="+15551230001", tts_engine="flite")
    handler_module.handler(s)  # logged, not raised
    assert s.set["CBSTATUS_RESULT"] == "FOUND"


def test_many_channels_share_one_client(handler_module):
    sessions = [FakeSession(caller_id_number=DEMO[i % len(DEMO)][0]) for i in range(64)]
    threads = [threading.Thread(target=handler_module.handler, args=(s, "nospeak")) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, s in enumerate(sessions):
        expect = DEMO[i % len(DEMO)][1]
        assert s.set["CBSTATUS_COUNT"] == str(expect["count"])
    assert handler_module.get_client() is handler_module.get_client()


def test_playlist_is_set_and_played_when_the_sounds_exist(handler_module, tmp_path):
    # The FreeSWITCH layout of `cbstatus prompts generate --layout freeswitch --dir D`.
    s = FakeSession(caller_id_number="+15551230001", cbstatus_sound_dir=str(tmp_path))
    handler_module.handler(s, "locale=es-US nospeak")
    playlist = s.set["CBSTATUS_PLAYLIST"]
    names = s.set["CBSTATUS_PROMPTS"].split("&")
    assert playlist == "file_string://" + "!".join(f"{tmp_path}/es/{n}.wav" for n in names)
    # Sounds missing: the handler does not play a playlist that would fail.
    s = FakeSession(caller_id_number="+15551230001", cbstatus_sound_dir=str(tmp_path))
    handler_module.handler(s, "")
    assert not any(c[:2] == ("execute", "playback") for c in s.calls)
    # Sounds present: it plays the playlist with `playback`.
    first = tmp_path / "en" / f"{names[0]}.wav"
    first.parent.mkdir(parents=True)
    first.write_bytes(b"RIFF")
    s = FakeSession(caller_id_number="+15551230001", cbstatus_sound_dir=str(tmp_path))
    handler_module.handler(s, "")
    assert ("execute", "playback", s.set["CBSTATUS_PLAYLIST"]) in s.calls
    # No folder known (no cbstatus_sound_dir, no sounds_dir): no playlist.
    s = FakeSession(caller_id_number="+15551230001")
    handler_module.handler(s, "nospeak")
    assert s.set["CBSTATUS_PLAYLIST"] == ""
