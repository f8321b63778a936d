"""The callback journey from Python: the widget's time slots, Client.register for every
outcome, and a registration whose answer never comes (no outcome, spoken as unconfirmed, one
POST)."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from conftest import Simulator


def test_widget_has_timeslots(cbstatus):
    with cbstatus.Client(widget_id="w-open") as c:
        w = c.widget()
        assert w.ok and w.action is cbstatus.Action.WIDGET
        assert len(w.timeslots) == 3 and w.timeslots == sorted(w.timeslots)
        now = time.time()
        assert all(now < t < now + 4 * 3600 for t in w.timeslots)
        assert c.widget("w-closed").timeslots == []


def test_register_every_outcome(cbstatus):
    with cbstatus.Client(widget_id="w-open", timezone="America/New_York") as c:
        r = c.register("+15557775001")
        assert r.ok and r.action is cbstatus.Action.REGISTER
        assert r.register_outcome == "requested"
        assert r.callback_id and r.callback_id.startswith("cb-")
        assert r.text == "Thank you. We will call you back at the number ending in 5 0 0 1 in about 10 minutes."
        status = c.lookup("+15557775001")
        assert status.found and status.position == 1

        slot = c.widget().timeslots[0]
        s = c.register("+15557775002", at=datetime.fromtimestamp(slot, tz=timezone.utc))
        assert s.register_outcome == "requested", s.error
        assert c.lookup("+15557775002").estimated_for == datetime.fromtimestamp(slot, tz=timezone.utc)

        cases = [
            (c.register("+15557775001"), "duplicate"),
            (c.register("+15557775003", widget_id="w-closed"), "refused"),
            (c.register("+15551230400"), "invalid_contact"),
            (c.register("+15557775004", at=int(time.time()) - 60), "invalid_time"),
            (c.register("+15557775005", at=slot + 61), "invalid_time"),
        ]
        for result, outcome in cases:
            assert result.ok, result.error
            assert result.register_outcome == outcome
            assert result.callback_id is None
            assert "We will call you back" not in result.text
            assert result.text.startswith(("Sorry", "We already have"))
        with pytest.raises(ValueError):
            c.register("+15557775006", at=-1)
        with pytest.raises(ValueError):
            c.register("+15557775006", at=datetime(2030, 1, 1))  # naive
        with pytest.raises(TypeError):
            c.register("+15557775006", at="soon")
        bad = c.register("not a number")
        assert isinstance(bad.error, cbstatus.InvalidNumber) and bad.register_outcome is None


def test_lost_answer_is_unconfirmed(cbstatus, tmp_path):
    path = tmp_path / "hang.toml"
    path.write_text('[[widget]]\nid = "w-open"\nfault = "hang"\n', encoding="utf-8")
    sim = Simulator(path)
    try:
        with cbstatus.Client(api_url=sim.url, timeout_ms="400", widget_id="w-open") as c:
            r = c.register("+15557776001")
            assert isinstance(r.error, cbstatus.NoReply)
            assert r.register_outcome is None and r.callback_id is None
            assert r.text == "Sorry, we could not confirm your callback."
            with pytest.raises(cbstatus.NoReply):
                c.register("+15557776002", raise_on_error=True)
    finally:
        sim.stop()
