"""Nothing from the API can steer a dialplan (issue 10, class 7): hostile ``status``, ``type``
and ``widget_state`` values reach ``Result``, the channel variables and the FreeSWITCH handler
only as a word of ``[a-z0-9_]{1,32}`` (else ``other``)."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

import cbstatus

from conftest import Simulator, _toml_str
from test_freeswitch import FakeSession, handler_module  # noqa: F401  (fixture)

HOSTILE = [
    'FOUND"|&,${EXEC}/x',
    'x" = "x" | "connecting',
    "${SHELL(reboot)}",
    "a,b|c&d",
    "../../etc/passwd",
    "con necting\r\nEXEC System x",
]

SAFE_WORD = re.compile(r"[a-z0-9_]{1,32}")


@pytest.fixture(scope="module")
def hostile_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    parts = []
    for i, value in enumerate(HOSTILE):
        q = _toml_str(value)
        parts.append(
            f'[[number]]\nnumber = "+1555170{i:04}"\n[[number.callback]]\n'
            f'type = {q}\nstatus = {q}\nforecast_waitlist_position = "2"\n'
        )
        parts.append(
            f'[[widget]]\nid = "w-hostile-{i}"\nwidget_state = {q}\n'
            "offer_asap = false\noffer_scheduled = false\n"
        )
    path = tmp_path_factory.mktemp("hostile") / "hostile.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    sim = Simulator(path)
    yield sim
    sim.stop()


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=[repr(v) for v in HOSTILE])
def test_result_and_channel_variables_carry_only_safe_words(hostile_sim, i):
    with cbstatus.Client(api_url=hostile_sim.url) as client:
        with client.lookup(f"+1555170{i:04}") as result:
            assert result.found
            assert (result.status, result.type) == ("other", "other")
            values = cbstatus.channel_variables(result)
        assert values["CBSTATUS_STATUS"] == "other" and values["CBSTATUS_TYPE"] == "other"
        with client.widget_status(f"w-hostile-{i}") as widget:
            assert widget.widget_state == "other"
            assert SAFE_WORD.fullmatch(widget.widget_state)


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=[repr(v) for v in HOSTILE])
def test_freeswitch_handler_sets_only_safe_words(hostile_sim, handler_module, monkeypatch, i):  # noqa: F811
    monkeypatch.setenv("CBSTATUS_API_URL", hostile_sim.url)
    handler_module.reset_client()
    session = FakeSession(caller_id_number=f"+1555170{i:04}")
    handler_module.handler(session, "nospeak")
    assert session.set["CBSTATUS_RESULT"] == "FOUND"
    assert session.set["CBSTATUS_STATUS"] == "other"
    assert session.set["CBSTATUS_TYPE"] == "other"
    for name, value in session.set.items():
        if name not in ("CBSTATUS_TEXT", "CBSTATUS_SSML", "CBSTATUS_PROMPTS"):
            assert not set(value) & set('"|&,${}/\r\n'), (name, value)
