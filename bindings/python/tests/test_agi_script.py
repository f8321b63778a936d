"""bindings/asterisk/cbstatus-agi.py against the fake Asterisk."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import sys

import pytest

import cbstatus

from conftest import AGI_SCRIPT, BIN, DEMO, LONG_STATUS, TOKEN, subprocess_env
from fake_asterisk import FakeAsterisk, parse_args

# The library's order (cb_result_variables()): CBSTATUS_RESULT last.
VARIABLES = [
    "CBSTATUS_ERROR", "CBSTATUS_TEXT", "CBSTATUS_SSML", "CBSTATUS_PROMPTS", "CBSTATUS_STATUS",
    "CBSTATUS_TYPE", "CBSTATUS_POSITION", "CBSTATUS_WAIT_SECONDS", "CBSTATUS_ESTIMATED_FOR",
    "CBSTATUS_COUNT", "CBSTATUS_RESULT",
]
FALLBACK = "Sorry, we can't check your callback right now."
DEADLINE = 5.0  # seconds for a whole call (python start-up + lookup + 11 commands)


def load_script():
    spec = importlib.util.spec_from_file_location("cbstatus_agi", AGI_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


agi = load_script()


def run(fake: FakeAsterisk, *args: str, **env: str):
    summary = fake.run_process([sys.executable, str(AGI_SCRIPT), *args], env=subprocess_env(**env))
    assert summary.exit_code == 0, summary.to_json()
    assert summary.elapsed < DEADLINE, summary.to_json()
    return summary


def assert_complete(summary):
    assert not summary.violations, summary.to_json()
    assert set(summary.variables) == set(VARIABLES), summary.to_json()
    assert summary.commands[-1].startswith("SET VARIABLE CBSTATUS_RESULT ")  # set last
    # Exactly the library's list, in its order.
    assert [c.split()[2] for c in summary.commands if c.startswith("SET VARIABLE ")] == VARIABLES
    return summary.variables


@pytest.mark.parametrize("number,expect", DEMO, ids=[n for n, _ in DEMO])
def test_demo_numbers(number, expect):
    v = assert_complete(run(FakeAsterisk(callerid=number)))
    assert v["CBSTATUS_RESULT"] == ("FOUND" if expect["found"] else "NOT_FOUND")
    assert v["CBSTATUS_ERROR"] == ""
    assert v["CBSTATUS_COUNT"] == str(expect["count"])
    assert v["CBSTATUS_STATUS"] == (expect["status"] or "")
    assert v["CBSTATUS_TYPE"] == (expect["type"] or "")
    assert v["CBSTATUS_POSITION"] == ("" if expect["position"] is None else str(expect["position"]))
    assert v["CBSTATUS_WAIT_SECONDS"] == ("" if expect["wait_seconds"] is None else str(expect["wait_seconds"]))
    assert v["CBSTATUS_TEXT"] and v["CBSTATUS_TEXT"] != FALLBACK
    assert v["CBSTATUS_SSML"].startswith("<speak")
    assert all(re.fullmatch(r"[A-Za-z0-9/_-]+", p) for p in v["CBSTATUS_PROMPTS"].split("&"))
    if v["CBSTATUS_ESTIMATED_FOR"]:
        assert v["CBSTATUS_ESTIMATED_FOR"].isdigit() and len(v["CBSTATUS_ESTIMATED_FOR"]) == 10


def test_text_matches_the_library(cbstatus):
    v = assert_complete(run(FakeAsterisk(callerid="+15551230002")))
    with cbstatus.Client() as c, c.lookup("+15551230002") as r:
        assert v["CBSTATUS_TEXT"] == r.text
        assert v["CBSTATUS_SSML"] == r.ssml
        assert v["CBSTATUS_PROMPTS"] == r.prompts


@pytest.mark.parametrize("number,error", [
    ("+15551230500", "http_status"),
    ("+15551230429", "rate_limited"),
    ("+15551230666", "malformed_reply"),
])
def test_faults(number, error):
    v = assert_complete(run(FakeAsterisk(callerid=number)))
    assert v["CBSTATUS_RESULT"] == "ERROR" and v["CBSTATUS_ERROR"] == error
    assert v["CBSTATUS_TEXT"] == FALLBACK and v["CBSTATUS_COUNT"] == "0"
    assert v["CBSTATUS_PROMPTS"]  # the fallback has prompts too


def test_timeout_stays_within_deadline():
    s = run(FakeAsterisk(callerid="+15551230408"), CBSTATUS_TIMEOUT_MS="500")
    v = assert_complete(s)
    assert v["CBSTATUS_ERROR"] == "no_reply" and v["CBSTATUS_TEXT"] == FALLBACK
    assert s.elapsed < 2.5


def test_argument_wins_over_callerid():
    v = assert_complete(run(FakeAsterisk(callerid="+15551230099", args=["+15551230001"]), "+15551230001"))
    assert v["CBSTATUS_POSITION"] == "4"


@pytest.mark.parametrize("callerid,pres", [
    ("unknown", 0), ("", 0), ("anonymous", 0), ("+15551230001", 0x20), ("+15551230001", 0x40),
    ("+15551230001", 0x23), ("+15551230001", 0x43),
])
def test_no_usable_caller_number(callerid, pres):
    v = assert_complete(run(FakeAsterisk(callerid=callerid, callingpres=pres)))
    assert v["CBSTATUS_RESULT"] == "ERROR" and v["CBSTATUS_ERROR"] == "invalid_number"
    assert v["CBSTATUS_TEXT"] == FALLBACK


def test_explicit_argument_is_used_as_given():
    # As the native `cbstatus agi`: the dialplan decided to pass the number.
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001", callingpres=0x20), "+15551230001"))
    assert v["CBSTATUS_RESULT"] == "FOUND"
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001"), "unknown"))
    assert v["CBSTATUS_ERROR"] == "invalid_number"


def test_typed_in_number_is_used_despite_restricted_callerid():
    v = assert_complete(run(FakeAsterisk(callerid="+15551230099", callingpres=0x20), "5551230002"))
    assert v["CBSTATUS_RESULT"] == "FOUND" and v["CBSTATUS_POSITION"] == "1"


def test_allowed_presentation_values():
    for pres in (0x00, 0x01, 0x03):
        v = assert_complete(run(FakeAsterisk(callerid="+15551230001", callingpres=pres)))
        assert v["CBSTATUS_RESULT"] == "FOUND"


def test_channel_language_is_not_guessed():
    # The configured locale applies (as in the native AGI) ...
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001", language="es")))
    assert "number 4" in v["CBSTATUS_TEXT"]
    # ... unless the dialplan passes a locale or ${CHANNEL(language)} as 2nd argument.
    for arg in ("es", "es-US", "es_US"):
        v = assert_complete(run(FakeAsterisk(callerid="+15551230001"), "", arg))
        assert "número" in v["CBSTATUS_TEXT"] and 'xml:lang="es-US"' in v["CBSTATUS_SSML"], arg
    for arg in ("fr", "fr-CA", "fr_CA"):
        v = assert_complete(run(FakeAsterisk(callerid="+15551230001"), "", arg))
        assert v["CBSTATUS_TEXT"].startswith("Vous êtes le 4e"), arg
        assert 'xml:lang="fr-CA"' in v["CBSTATUS_SSML"], arg


def test_configured_locale(monkeypatch):
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001", language="en"), CBSTATUS_LOCALE="es-US"))
    assert "número" in v["CBSTATUS_TEXT"]
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001", language="en"), CBSTATUS_LOCALE="fr-CA"))
    assert v["CBSTATUS_TEXT"].startswith("Vous êtes le 4e")


def test_unknown_locale_argument_renders_english():
    v = assert_complete(run(FakeAsterisk(callerid="+15551230001"), "", "de"))
    assert "number 4" in v["CBSTATUS_TEXT"]


@pytest.mark.parametrize("callerid,pres,args", [
    ("+15551230001", 0, []),
    ("+15551230007", 0, []),
    ("+15551230099", 0, []),
    ("+15551230011", 0, []),
    ("+15551230500", 0, []),
    ("unknown", 0, []),
    ("+15551230001", 0x20, []),
    ("+15551230001", 0x40, ["+15551230001"]),
    ("+15551230099", 0, ["(555) 123-0002"]),
    ("+15551230099", 0, ["anonymous"]),
])
def test_same_variables_as_the_native_agi(callerid, pres, args):
    if not os.path.exists(BIN):
        pytest.skip("native cbstatus binary not built")
    fake = FakeAsterisk(callerid=callerid, callingpres=pres, args=args)
    native = fake.run_process([BIN, "agi", *args], env=subprocess_env())
    python = run(fake, *args)
    assert native.ok and python.ok, (native.to_json(), python.to_json())
    assert set(native.variables) == set(python.variables) == set(VARIABLES)
    for name in VARIABLES:
        a, b = native.variables[name], python.variables[name]
        if name == "CBSTATUS_ESTIMATED_FOR" and a and b:
            assert abs(int(a) - int(b)) <= 2
        elif name in ("CBSTATUS_TEXT", "CBSTATUS_SSML", "CBSTATUS_PROMPTS") and callerid == "+15551230007":
            assert bool(a) == bool(b)  # minutes may tick between the two runs
        else:
            assert a == b, (name, a, b)


def test_not_configured():
    env = subprocess_env()
    env.pop("CBSTATUS_API_URL")
    s = FakeAsterisk(callerid="+15551230001").run_process([sys.executable, str(AGI_SCRIPT)], env=env)
    v = assert_complete(s)
    assert v["CBSTATUS_RESULT"] == "ERROR" and v["CBSTATUS_ERROR"] == "not_configured"
    assert v["CBSTATUS_TEXT"] == FALLBACK and s.exit_code == 0
    assert "not usable" in s.stderr  # logged, to stderr


def test_library_missing():
    s = run(FakeAsterisk(callerid="+15551230001"), CBSTATUS_LIBRARY="/nonexistent/libcbstatus.so")
    v = assert_complete(s)
    assert v["CBSTATUS_RESULT"] == "ERROR" and v["CBSTATUS_ERROR"] == "internal"
    assert v["CBSTATUS_TEXT"] == FALLBACK
    assert "libcbstatus" in s.stderr


def test_hostile_values_from_the_api(custom_sim, cbstatus):
    env = dict(CBSTATUS_API_URL=custom_sim.url, CBSTATUS_API_TOKEN=TOKEN)
    v = assert_complete(run(FakeAsterisk(callerid="+15552220010"), **env))
    # Outside the safe vocabulary ([a-z0-9_]{1,32}): nothing of the value reaches the dialplan.
    assert v["CBSTATUS_STATUS"] == "other"
    assert v["CBSTATUS_TYPE"] == "other"
    assert set(v) == set(VARIABLES)  # no injected variable (EVIL)


def test_long_values_are_truncated_on_a_character_boundary(custom_sim):
    env = dict(CBSTATUS_API_URL=custom_sim.url, CBSTATUS_API_TOKEN=TOKEN)
    s = run(FakeAsterisk(callerid="+15552220011"), **env)
    v = assert_complete(s)
    status = v["CBSTATUS_STATUS"]
    # An unknown API value longer than 32 characters (or not [a-z0-9_]) is the word "other".
    assert status == "other"
    # Every command fits Asterisk's 2048-byte command buffer.
    assert all(len(c.encode()) < 2048 for c in s.commands)
    # The script's own limit counts escapes and cuts on a character boundary.
    for hostile in (LONG_STATUS, '"\\' * 3000, "é" * 2000 + '"'):
        encoded = agi.encode_value(hostile)
        assert encoded.startswith('"') and encoded.endswith('"')
        assert len(encoded.encode()) <= agi.MAX_VALUE_BYTES + 2
        assert len(encoded.encode()) > agi.MAX_VALUE_BYTES - 4


def test_hostile_env_block():
    fake = FakeAsterisk(
        callerid='+1555"1230001\\',
        calleridname='Eve "\\" \t<script>',
        agi_env={"agi_language": 'e"s', "agi_extra": "x" * 10000},
    )
    v = assert_complete(run(fake))
    assert v["CBSTATUS_RESULT"] in ("FOUND", "ERROR")


@pytest.mark.parametrize("after", [0, 1, 5, 10])
def test_511_dead_channel(after):
    s = run(FakeAsterisk(callerid="+15551230001", reply_511_after=after))
    assert not s.violations, s.to_json()
    assert len(s.commands) == after + 1  # stops at the first 511


@pytest.mark.parametrize("after", [1, 2, 6])
def test_sighup(after):
    s = run(FakeAsterisk(callerid="+15551230001", sighup_after=after))
    assert not s.violations, s.to_json()
    assert len(s.commands) <= after + 1


def test_sighup_during_a_slow_lookup():
    s = run(FakeAsterisk(callerid="+15551230408", sighup_after_seconds=0.5), CBSTATUS_TIMEOUT_MS="1200")
    assert not s.violations and s.exit_code == 0
    assert len(s.commands) <= 1 and s.elapsed < 3
    assert any("SIGHUP" in e for e in s.events)


def test_hangup_with_sighup():
    s = run(FakeAsterisk(callerid="+15551230001", hangup_after=3))
    assert not s.violations, s.to_json()
    assert len(s.commands) <= 4


def test_hangup_without_sighup_finishes_on_the_dead_channel():
    # AGISIGHUP=no: SET VARIABLE still works on a dead channel, so every variable gets set.
    s = run(FakeAsterisk(callerid="+15551230001", hangup_after=3, send_sighup=False))
    assert_complete(s)


@pytest.mark.parametrize("after", [0, 1, 7])
def test_pipe_closed(after):
    s = run(FakeAsterisk(callerid="+15551230001", close_after=after))
    assert not s.violations, s.to_json()
    assert len(s.commands) == after


@pytest.mark.parametrize("single", [False, True])
def test_520_usage_replies(single):
    s = run(FakeAsterisk(callerid="+15551230001", usage_error_on=[2, 11], usage_single_line=single))
    assert not s.violations, s.to_json()
    assert len(s.commands) == 11  # carried on after each 520
    # The 2nd and 11th commands (VARIABLES order) were refused; the others were set.
    assert VARIABLES[1] not in s.variables and VARIABLES[10] not in s.variables
    assert set(s.variables) == set(VARIABLES) - {VARIABLES[1], VARIABLES[10]}
    assert "usage error" in s.stderr


def test_510_and_100_replies():
    s = run(FakeAsterisk(callerid="+15551230001", unknown_on=[1], trying_on=[3, 4]))
    assert not s.violations, s.to_json()
    assert len(s.commands) == 11 and VARIABLES[0] not in s.variables  # the 1st: 510
    assert s.variables["CBSTATUS_RESULT"] == "FOUND"


def test_stdout_carries_only_agi():
    # Everything on stdout is parsed as commands: a single stray line would be a violation.
    s = run(FakeAsterisk(callerid="+15551230001"), CBSTATUS_AGI_LOG_LEVEL="DEBUG")
    assert_complete(s)
    assert s.stderr  # debug logging went to stderr


# -- unit tests of the script's pieces ---------------------------------------------------------


@pytest.mark.parametrize("value", [
    "", "plain", 'a "quoted" word', "back\\slash\\", "\\\"", "cr\rlf\nboth\r\n", "tab\there",
    "${EVIL}", "ünïcødé ✓", "\x00\x1b\x7f", " lead and trail ", "x" * 5000, "é" * 3000,
])
def test_encode_value_round_trips(value):
    encoded = agi.encode_value(value)
    argv, open_quote, escape = parse_args("SET VARIABLE X " + encoded)
    assert not open_quote and not escape and len(argv) == 4
    expected = agi.truncate_utf8(re.sub(r"[\x00-\x1f\x7f]", " ", value), agi.MAX_VALUE_BYTES)
    assert argv[3] == expected
    assert "\n" not in encoded and "\r" not in encoded
    assert len(("SET VARIABLE CBSTATUS_WAIT_SECONDS " + encoded).encode()) <= 8191


def test_truncate_utf8():
    assert agi.truncate_utf8("é" * 10, 5) == "éé"
    assert agi.truncate_utf8("abc", 10) == "abc"
    assert agi.truncate_utf8("\U0001F600x", 3) == ""


def test_safe_prompts():
    assert cbstatus.safe_prompts("cbstatus/a&digits/4") == "cbstatus/a&digits/4"
    assert cbstatus.safe_prompts("") == ""
    for bad in ["a,b", "a&b c", "a&&b", "../x&y;z", "a&b\n"]:
        assert cbstatus.safe_prompts(bad) == ""


def test_agi_class_over_buffers():
    rfile = io.BytesIO(b"agi_callerid: +15551230001\nagi_callingpres: 0x20\n\n200 result=1\n"
                       b"100 result=0 Trying...\n200 result=1\n520-x\nmore\n520 end\n511 dead\n")
    wfile = io.BytesIO()
    conn = agi.AGI(rfile, wfile)
    env = conn.read_env()
    assert env == {"agi_callerid": "+15551230001", "agi_callingpres": "0x20"}
    assert agi.pick_number(["x"], env)[0] == ""
    assert conn.set_variable("A", "1") == 200
    assert conn.set_variable("B", "2") == 200
    assert conn.command("NOOP") == (520, "x more")
    with pytest.raises(agi.Hangup):
        conn.set_variable("C", "3")
    with pytest.raises(agi.Hangup):  # EOF
        conn.command("NOOP")
    with pytest.raises(ValueError):
        conn.command("NOOP\nHANGUP")
    assert wfile.getvalue().count(b"\n") == 5


def test_hangup_line_and_garbage():
    conn = agi.AGI(io.BytesIO(b"HANGUP\n"), io.BytesIO())
    with pytest.raises(agi.Hangup):
        conn.command("NOOP")
    conn = agi.AGI(io.BytesIO(b"garbage\n"), io.BytesIO())
    with pytest.raises(agi.ProtocolError):
        conn.command("NOOP")
    conn = agi.AGI(io.BytesIO(b"200 result=1\r\n"), io.BytesIO())
    assert conn.command("NOOP") == (200, "result=1")


def test_run_never_raises():
    out = io.BytesIO()
    assert agi.run(["x"], io.BytesIO(b"agi_callerid: unknown\n"), out) == 0  # EOF in the env block
    assert out.getvalue() == b""
