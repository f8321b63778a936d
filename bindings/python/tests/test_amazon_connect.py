"""Issue 23: the Amazon Connect Lambda (examples/amazon-connect/lambda_function.py) answers
sample ``InvokeLambdaFunction`` events against the simulator with Connect's flat string map:
the library's channel variables (found, not found, a withheld number, the journey), the
error variables for an API that is down or silent (always before Connect's 8 seconds, even
when the configuration asks for a longer timeout), and ``invalid_argument`` for malformed
events and parameters, never an exception."""

from __future__ import annotations

import copy
import importlib.util
import json
import socket
import threading
import time

import pytest

from conftest import REPO, Simulator

LAMBDA_FILE = REPO / "examples" / "amazon-connect" / "lambda_function.py"


def _load():
    spec = importlib.util.spec_from_file_location("cbstatus_connect_lambda", LAMBDA_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Connect's sample event (AWS Lambda developer guide, "Using Lambda with Amazon Connect").
EVENT = {
    "Details": {
        "ContactData": {
            "Attributes": {},
            "Channel": "VOICE",
            "ContactId": "4a573372-1f28-4e26-b97b-000000000001",
            "CustomerEndpoint": {"Address": "+15551230001", "Type": "TELEPHONE_NUMBER"},
            "InitialContactId": "4a573372-1f28-4e26-b97b-000000000001",
            "InitiationMethod": "INBOUND",
            "InstanceARN": "arn:aws:connect:us-east-1:111111111111:instance/c8c0e68d-2200-4265-82c0-000000000000",
            "PreviousContactId": "4a573372-1f28-4e26-b97b-000000000001",
            "Queue": None,
            "SystemEndpoint": {"Address": "+18005550100", "Type": "TELEPHONE_NUMBER"},
        },
        "Parameters": {},
    },
    "Name": "ContactFlowEvent",
}


def event(address="+15551230001", **params):
    e = copy.deepcopy(EVENT)
    e["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = address
    e["Details"]["Parameters"] = params
    return e


class Context:
    """The part of Lambda's context object the handler reads."""

    def __init__(self, remaining_ms):
        self.end = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self):
        return int((self.end - time.monotonic()) * 1000)


@pytest.fixture
def connect(cbstatus, monkeypatch):
    """The Lambda module with a fresh client (made from the environment on first use)."""
    module = _load()
    yield module
    module.reset_client()


@pytest.fixture(scope="module")
def own_sim():
    """A simulator of this module's own: registrations here never join the line other
    modules' tests count on in the session's simulator."""
    sim = Simulator()
    yield sim
    sim.stop()


@pytest.fixture
def registering(own_sim, monkeypatch):
    monkeypatch.setenv("CBSTATUS_API_URL", own_sim.url)
    monkeypatch.setenv("CBSTATUS_WIDGET_ID", "w-open")


def assert_string_map(answer):
    """Connect's STRING_MAP: flat, string keys and values, JSON-serializable, RESULT last."""
    assert isinstance(answer, dict) and answer
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in answer.items()), answer
    json.dumps(answer)
    assert list(answer)[-1] == "CBSTATUS_RESULT"


def test_found_is_the_library_s_channel_variables(connect, cbstatus, client):
    answer = connect.lambda_handler(event("+15551230001"), Context(8000))
    assert_string_map(answer)
    with client.lookup("+15551230001") as result:
        assert answer == cbstatus.channel_variables(result)
    assert answer["CBSTATUS_RESULT"] == "FOUND"
    assert answer["CBSTATUS_POSITION"] == "4" and answer["CBSTATUS_WAIT_SECONDS"] == "720"
    assert answer["CBSTATUS_ERROR"] == ""
    assert "4" in answer["CBSTATUS_TEXT"]


def test_not_found(connect):
    answer = connect.lambda_handler(event("+15551230099"), None)
    assert_string_map(answer)
    assert answer["CBSTATUS_RESULT"] == "NOT_FOUND" and answer["CBSTATUS_COUNT"] == "0"


@pytest.mark.parametrize("address", ["anonymous", "+anonymous", "", "   ", None, 15551230001])
def test_withheld_number_is_invalid_number(connect, address):
    e = event()
    e["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = address
    answer = connect.lambda_handler(e, Context(8000))
    assert_string_map(answer)
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "invalid_number"
    assert answer["CBSTATUS_TEXT"]  # the fallback sentence, something to say


def test_no_customer_endpoint(connect):
    e = event()
    e["Details"]["ContactData"]["CustomerEndpoint"] = None  # a chat, or a contact without one
    answer = connect.lambda_handler(e)
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "invalid_number"


def test_the_number_is_never_a_parameter(connect):
    answer = connect.lambda_handler(event("+15551230099", number="+15551230001", Address="+15551230001"))
    assert answer["CBSTATUS_RESULT"] == "NOT_FOUND"


def test_locale_from_parameter_or_contact_language(connect):
    spanish = connect.lambda_handler(event("+15551230099", locale="es"))
    assert spanish["CBSTATUS_RESULT"] == "NOT_FOUND"
    assert "encontramos" in spanish["CBSTATUS_TEXT"]
    e = event("+15551230099")
    e["Details"]["ContactData"]["LanguageCode"] = "fr-CA"
    french = connect.lambda_handler(e)
    assert french["CBSTATUS_TEXT"] != spanish["CBSTATUS_TEXT"]
    assert french["CBSTATUS_SSML"].find('xml:lang="fr-CA"') > 0
    english = connect.lambda_handler(event("+15551230099"))
    assert 'xml:lang="en-US"' in english["CBSTATUS_SSML"]


def test_journey_offer_then_register_a_slot_then_status(connect, registering):
    number = "+15557723001"
    offer = connect.lambda_handler(event(number, action="offer"))
    assert_string_map(offer)
    assert offer["CBSTATUS_RESULT"] == "AVAILABLE", offer
    slots = offer["CBSTATUS_SLOTS"]
    assert slots and int(offer["CBSTATUS_SLOT_COUNT"]) == len(slots.split(","))
    registered = connect.lambda_handler(event(number, action="register", slot="1", slots=slots))
    assert_string_map(registered)
    assert registered["CBSTATUS_RESULT"] == "REQUESTED", registered
    assert registered["CBSTATUS_REGISTER_RESULT"] == "REQUESTED" and registered["CBSTATUS_CALLBACK_ID"]
    status = connect.lambda_handler(event(number))
    assert status["CBSTATUS_RESULT"] == "FOUND" and status["CBSTATUS_TYPE"] == "scheduled"
    assert status["CBSTATUS_ESTIMATED_FOR"] == slots.split(",")[0]


def test_register_asap_and_cancel(connect, registering):
    number = "+15557723002"
    assert connect.lambda_handler(event(number, action="register"))["CBSTATUS_RESULT"] == "REQUESTED"
    assert connect.lambda_handler(event(number))["CBSTATUS_TYPE"] == "asap"
    assert connect.lambda_handler(event(number, action="cancel"))["CBSTATUS_RESULT"] == "CANCELED"
    assert connect.lambda_handler(event(number, action="cancel"))["CBSTATUS_RESULT"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "params",
    [
        {"action": "Cancel"},
        {"action": "cancle"},
        {"action": 5},
        {"locale": ["es"]},
        {"action": "register", "at": "tomorrow"},
        {"action": "register", "at": "-5"},
        {"action": "register", "at": "1700000000", "slot": "1", "slots": "1700000000"},
        {"action": "register", "slot": "3", "slots": "1700000000,1700003600"},
        {"action": "register", "slot": "0", "slots": "1700000000"},
        {"action": "register", "slot": "1", "slots": "asap"},
        {"action": "register", "slot": "1"},
    ],
)
def test_bad_parameters_are_invalid_argument_and_ask_nothing(connect, params, registering):
    number = "+15557723003"
    answer = connect.lambda_handler(event(number, **params))
    assert_string_map(answer)
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "invalid_argument", answer
    assert connect.lambda_handler(event(number))["CBSTATUS_RESULT"] == "NOT_FOUND"  # nothing registered


@pytest.mark.parametrize(
    "malformed",
    [
        None,
        [],
        "ContactFlowEvent",
        {},
        {"Details": "x"},
        {"Details": {"ContactData": "x"}},
        {"Details": {"ContactData": {"CustomerEndpoint": "+15551230001"}}},
        {"Details": {"ContactData": {"CustomerEndpoint": {"Address": "+15551230001"}}, "Parameters": ["status"]}},
    ],
)
def test_malformed_events_answer_an_error_map(connect, malformed):
    answer = connect.lambda_handler(malformed, object())  # a context without the method, too
    assert_string_map(answer)
    assert answer["CBSTATUS_RESULT"] == "ERROR"
    assert answer["CBSTATUS_ERROR"] in ("invalid_number", "invalid_argument")
    assert answer["CBSTATUS_TEXT"]


def test_api_down(connect, monkeypatch):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    monkeypatch.setenv("CBSTATUS_API_URL", f"http://127.0.0.1:{port}/api/organization/562a519b54f83b56")
    started = time.monotonic()
    answer = connect.lambda_handler(event("+15551230001"), Context(8000))
    assert time.monotonic() - started < 3
    assert_string_map(answer)
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "connect", answer
    assert answer["CBSTATUS_TEXT"]


def test_not_configured(connect, monkeypatch):
    monkeypatch.delenv("CBSTATUS_API_URL")
    answer = connect.lambda_handler(event("+15551230001"))
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "not_configured"
    assert answer["CBSTATUS_TEXT"]


class SilentServer:
    """Accepts connections and reads, never answers."""

    def __init__(self):
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.conns = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.srv.getsockname()[1]}/api/organization/562a519b54f83b56"

    def _loop(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.srv.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def silent(monkeypatch):
    server = SilentServer()
    monkeypatch.setenv("CBSTATUS_API_URL", server.url)
    yield server
    server.close()


def test_silent_api_answers_timeout_within_the_configured_timeout(connect, silent, monkeypatch):
    monkeypatch.setenv("CBSTATUS_TIMEOUT_MS", "500")
    started = time.monotonic()
    answer = connect.lambda_handler(event("+15551230001"), Context(8000))
    assert 0.4 < time.monotonic() - started < 2.5
    # The library's word: the request was written and no reply came (it may have arrived).
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "no_reply", answer


def test_a_longer_configured_timeout_is_capped_below_connect_s_limit(connect, silent, monkeypatch):
    monkeypatch.setenv("CBSTATUS_TIMEOUT_MS", "60000")
    assert connect.client_settings() == {"timeout_ms": connect.MAX_TIMEOUT_MS}
    assert connect.MAX_TIMEOUT_MS < connect.CONNECT_LIMIT_MS
    started = time.monotonic()
    answer = connect.lambda_handler(event("+15551230001"))  # no context: Connect's limit only
    elapsed = time.monotonic() - started
    assert connect.MAX_TIMEOUT_MS / 1000 - 0.1 < elapsed < connect.CONNECT_LIMIT_MS / 1000 - 0.5, elapsed
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "no_reply", answer


def test_the_lambda_s_remaining_time_bounds_the_answer(connect, silent, monkeypatch):
    # The function's own timeout is shorter than the configured lookup timeout: the watchdog
    # answers before Lambda kills the invocation.
    monkeypatch.setenv("CBSTATUS_TIMEOUT_MS", "5000")
    started = time.monotonic()
    answer = connect.lambda_handler(event("+15551230001"), Context(1500))
    elapsed = time.monotonic() - started
    assert elapsed < 1.4, elapsed
    assert answer["CBSTATUS_RESULT"] == "ERROR" and answer["CBSTATUS_ERROR"] == "timeout", answer
    assert answer["CBSTATUS_TEXT"]
