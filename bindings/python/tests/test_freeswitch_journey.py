"""The callback journey through bindings/freeswitch/cbstatus_handler.py (a stand-in session):
offer, register by menu key, the returning caller's status and cancel."""

from __future__ import annotations

import cbstatus

from test_freeswitch import FakeSession, handler_module  # noqa: F401  (fixture)


def test_offer_register_by_key_status_and_cancel(handler_module, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CBSTATUS_WIDGET_ID", "w-open")
    handler_module.reset_client()
    s = FakeSession(caller_id_number="+15557779101", tts_engine="flite")
    handler_module.handler(s, "action=offer")
    assert s.set["CBSTATUS_OFFER"] == "yes"
    assert s.set["CBSTATUS_SLOT_COUNT"] == "3"
    menu = s.set["CBSTATUS_MENU"].split(",")
    assert menu[0] == "asap" and len(menu) == 4
    assert list(s.set)[-1] == "CBSTATUS_RESULT"
    spoken = [c for c in s.media() if c[0] == "speak"]
    assert spoken and "For a callback as soon as possible, press 1." in spoken[0][1]

    # The caller pressed 2: the first time slot.
    handler_module.handler(s, "action=register key=2")
    assert s.set["CBSTATUS_REGISTER_RESULT"] == "REQUESTED"
    assert s.set["CBSTATUS_CALLBACK_ID"].startswith("cb-")
    assert s.set["CBSTATUS_RESULT"] == "REQUESTED"
    assert s.media()[-1][1].startswith("Thank you. We will call you back at the number ending in 9 1 0 1 ")

    # The same number again: duplicate. A key not on the menu: nothing sent.
    handler_module.handler(s, "action=register key=1")
    assert s.set["CBSTATUS_REGISTER_RESULT"] == "DUPLICATE"
    handler_module.handler(s, "action=register key=9 nospeak")
    assert s.set["CBSTATUS_REGISTER_RESULT"] == "ERROR"
    assert s.set["CBSTATUS_ERROR"] == "invalid_argument"

    # The returning caller hears the status, and may cancel.
    handler_module.handler(s, "")
    assert s.set["CBSTATUS_RESULT"] == "FOUND" and s.set["CBSTATUS_TYPE"] == "scheduled"
    handler_module.handler(s, "action=cancel")
    assert s.media()[-1] == ("speak", "Your callback request has been canceled.")


def test_refusals_never_sound_like_success(handler_module, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CBSTATUS_WIDGET_ID", "w-open")
    handler_module.reset_client()
    for args, want in [
        ("action=register widget=w-closed", "REFUSED"),
        ("action=register +15551230400", "INVALID_CONTACT"),
        ("action=register at=1000000000", "INVALID_TIME"),
    ]:
        s = FakeSession(caller_id_number="+15557779102", tts_engine="flite")
        handler_module.handler(s, args)
        assert s.set["CBSTATUS_REGISTER_RESULT"] == want, args
        assert "We will call you back" not in s.set["CBSTATUS_TEXT"]
    closed = FakeSession(caller_id_number="+15557779103")
    handler_module.handler(closed, "action=offer widget=w-closed nospeak")
    assert closed.set["CBSTATUS_OFFER"] == "no" and closed.set["CBSTATUS_MENU"] == ""
    assert cbstatus.JOURNEY_VARIABLES[0] == "CBSTATUS_OFFER"
