"""Client, Config and Result against the simulator: every demo number, every error family."""

from __future__ import annotations

import gc
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import DEMO, FAULTS, ORG, TOKEN


def near(dt, seconds_from_now, slack=120):
    now = datetime.now(timezone.utc)
    return dt is not None and abs((dt - (now + timedelta(seconds=seconds_from_now))).total_seconds()) < slack


@pytest.mark.parametrize("number,expect", DEMO, ids=[n for n, _ in DEMO])
def test_demo_numbers(client, number, expect):
    with client.lookup(number) as r:
        for key, value in expect.items():
            assert getattr(r, key) == value, (key, r)
        assert r.error is None and r.ok
        assert r.number == number
        assert r.outcome == ("found" if expect["found"] else "not_found")
        assert r.text and r.ssml.startswith("<speak") and r.prompts


def test_demo_texts(client):
    def text(n):
        with client.lookup(n) as r:
            return r.text

    t = text("+15551230001")
    assert "4" in t and "minute" in t
    assert "next" in text("+15551230002")
    assert "less than a minute" in text("+15551230003")
    now = datetime.now(timezone.utc)
    soon = now + timedelta(hours=3)
    assert ("today" if soon.date() == now.date() else "tomorrow") in text("+15551230004")  # zone: Etc/UTC
    assert "scheduled" in text("+15551230005")
    assert "now" in text("+15551230006")
    assert "2 callback" in text("+15551230007")
    assert "canceled" in text("+15551230008")
    assert "3" in text("+15551230009")  # unknown status: still speaks the position
    t = text("+15551230010")
    assert "40" in t and ("hour" in t or "minutes" in t)
    assert text("+15551230011")
    assert "could not find" in text("+15551230099")


def test_estimated_for_is_utc_aware(client):
    r = client.lookup("+15551230001")
    assert r.estimated_for.tzinfo is not None and r.estimated_for.utcoffset() == timedelta(0)
    assert near(r.estimated_for, 720)
    assert near(client.lookup("+15551230004").estimated_for, 3 * 3600)
    assert near(client.lookup("+15551230005").estimated_for, 2 * 86400)
    assert client.lookup("+15551230011").estimated_for is None
    assert client.lookup("+15551230099").estimated_for is None


@pytest.mark.parametrize("shape", ["15551230001", "5551230001", "(555) 123-0001", "555.123.0001", "+1 555 123 0001"])
def test_number_shapes(client, shape):
    r = client.lookup(shape)
    assert r.found and r.number == "+15551230001" and r.position == 4


@pytest.mark.parametrize("number,cls_name,code", FAULTS, ids=[n for n, _, _ in FAULTS])
def test_faults_do_not_raise(cbstatus, number, cls_name, code):
    with cbstatus.Client() as c:  # fresh: a 429 opens the circuit breaker for Retry-After
        r = c.lookup(number)
    assert cbstatus.last_error() == (code, r.error.message)
    assert not r.found and r.count == 0 and r.outcome == "error"
    assert type(r.error) is getattr(cbstatus, cls_name)
    assert r.error.code == code and r.error.name == cbstatus.status_name(code) and r.error.message
    assert isinstance(r.error, cbstatus.ApiError)
    assert r.text == "Sorry, we can't check your callback right now."
    assert r.to_dict()["error"]["code"] == code
    assert cbstatus.last_error() == (0, "")  # the render succeeded


@pytest.mark.parametrize("number,cls_name,code", FAULTS, ids=[n for n, _, _ in FAULTS])
def test_faults_raise_on_request(cbstatus, number, cls_name, code):
    with cbstatus.Client() as c:
        with pytest.raises(getattr(cbstatus, cls_name)) as e:
            c.lookup(number, raise_on_error=True)
    assert e.value.code == code and str(code) in str(e.value)
    assert isinstance(e.value, cbstatus.CbError)


def test_error_hierarchy(cbstatus):
    assert issubclass(cbstatus.RateLimited, cbstatus.HttpError)
    assert issubclass(cbstatus.Unauthorized, cbstatus.HttpError)
    assert issubclass(cbstatus.HttpError, cbstatus.ApiError)
    assert issubclass(cbstatus.TlsError, cbstatus.ConnectError)
    assert issubclass(cbstatus.NotConfigured, cbstatus.ConfigError)
    assert cbstatus.InvalidConfig is cbstatus.ConfigError
    assert issubclass(cbstatus.InvalidUtf8, ValueError)
    e = cbstatus.LookupTimeout(4, "timeout", "slow")
    import pickle

    again = pickle.loads(pickle.dumps(e))
    assert type(again) is cbstatus.LookupTimeout and again.message == "slow" and again.error_code == 4


def test_no_reply_within_the_deadline(cbstatus):
    # The simulator reads the request and never answers: it may have been received (no_reply).
    with cbstatus.Client(timeout_ms=300) as c:
        start = time.monotonic()
        r = c.lookup("+15551230408")
        elapsed = time.monotonic() - start
    assert isinstance(r.error, cbstatus.NoReply) and r.error.code == 19
    assert elapsed < 2.0
    assert "Sorry" in r.text


def test_invalid_numbers_do_not_raise(client, cbstatus):
    for number in ["", "unknown", "anonymous", "abc", "12", "+" + "9" * 40, "555-CALL-NOW"]:
        r = client.lookup(number)
        assert isinstance(r.error, cbstatus.InvalidNumber), number
        assert r.number is None and not r.found and r.text
    with pytest.raises(cbstatus.InvalidNumber):
        client.lookup("unknown", raise_on_error=True)


def test_invalid_arguments_raise_before_c(client):
    for bad in [None, 15551230001, b"+15551230001", ["+1"], 1.5]:
        with pytest.raises(TypeError):
            client.lookup(bad)
    for bad in ["+1555\x001230001", "\ud800", "+1555123000\udcff"]:
        with pytest.raises(ValueError):
            client.lookup(bad)


def test_circuit_breaker(cbstatus):
    with cbstatus.Client(breaker_threshold=1, breaker_cooldown_ms=60000) as c:
        assert isinstance(c.lookup("+15551230500").error, cbstatus.HttpError)
        r = c.lookup("+15551230001")
        assert isinstance(r.error, cbstatus.CircuitOpen) and r.error.code == 16
        with pytest.raises(cbstatus.CircuitOpen):
            c.lookup("+15551230002", raise_on_error=True)


def test_connect_error(cbstatus):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with cbstatus.Client(api_url=f"http://127.0.0.1:{port}/api/organization/{ORG}", timeout_ms=1000) as c:
        r = c.lookup("+15551230001")
    assert type(r.error) is cbstatus.ConnectError and r.error.code == 5


def _serve(handler):
    """A loopback TCP server running ``handler(conn)`` per connection; returns (port, stop)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.1)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                handler(conn)
            except OSError:
                pass
            finally:
                conn.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()

    def shutdown():
        stop.set()
        t.join()
        srv.close()

    return srv.getsockname()[1], shutdown


def test_tls_error_untrusted_certificate(cbstatus, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    def handler(conn):
        conn.settimeout(2)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(4096)

    port, shutdown = _serve(handler)
    try:
        with cbstatus.Client(api_url=f"https://127.0.0.1:{port}/api/organization/{ORG}", timeout_ms=1500) as c:
            r = c.lookup("+15551230001")
        assert type(r.error) is cbstatus.TlsError and r.error.code == 6, r.error
    finally:
        shutdown()


def test_tls_error_plain_http_server(cbstatus):
    def handler(conn):
        conn.settimeout(2)
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    port, shutdown = _serve(handler)
    try:
        with cbstatus.Client(api_url=f"https://127.0.0.1:{port}/api/organization/{ORG}", timeout_ms=1000) as c:
            r = c.lookup("+15551230001")
        assert isinstance(r.error, cbstatus.TlsError), r.error
    finally:
        shutdown()


def test_unauthorized_and_token(cbstatus, custom_sim):
    with cbstatus.Client(api_url=custom_sim.url, api_token="wrong") as c:
        r = c.lookup("+15552220002")
        assert type(r.error) is cbstatus.Unauthorized and r.error.code == 8
        assert "wrong" not in r.error.message  # never the token
    with cbstatus.Client(api_url=custom_sim.url) as c:
        assert isinstance(c.lookup("+15552220002").error, cbstatus.Unauthorized)
    with cbstatus.Client(api_url=custom_sim.url, api_token=TOKEN) as c:
        assert c.lookup("+15552220002").count == 2


def test_body_too_large(cbstatus, custom_sim):
    with cbstatus.Client(api_url=custom_sim.url, api_token=TOKEN) as c:
        r = c.lookup("+15552220669")
    assert type(r.error) is cbstatus.BodyTooLarge and r.error.code == 11


def test_not_configured(cbstatus, monkeypatch):
    with pytest.raises(cbstatus.NotConfigured) as e:
        cbstatus.Client(cbstatus.Config())
    assert e.value.code == 2 and "CBSTATUS_API_URL" in e.value.message
    monkeypatch.delenv("CBSTATUS_API_URL")
    with pytest.raises(cbstatus.NotConfigured):
        cbstatus.Client()
    assert cbstatus.last_error()[0] == 2


def test_config_errors(cbstatus, monkeypatch):
    with pytest.raises(cbstatus.ConfigError, match="bogus"):
        cbstatus.Config().set("bogus", "1")
    with pytest.raises(cbstatus.ConfigError):
        cbstatus.Client(timeout_ms="soon")
    with pytest.raises(cbstatus.ConfigError):
        cbstatus.Config(api_url="not a url")
    with pytest.raises(cbstatus.ConfigError):
        cbstatus.Config(eta_style="vague")
    with pytest.raises(TypeError):
        cbstatus.Config().set("timeout_ms", 1.5)
    with pytest.raises(TypeError):
        cbstatus.Config().set(None, "1")
    with pytest.raises(ValueError):
        cbstatus.Config().set("locale", "en\x00US")
    monkeypatch.setenv("CBSTATUS_TIMEOUT_MS", "abc")
    with pytest.raises(cbstatus.ConfigError, match="(?i)timeout"):
        cbstatus.Config.from_env()
    with pytest.raises(cbstatus.ConfigError):
        cbstatus.Client()


def test_config_values_and_chaining(cbstatus, simulator):
    cfg = cbstatus.Config(api_url=simulator.url, timeout_ms=1500)
    assert cfg.set("read_back_number", True) is cfg
    cfg.set("locale", "es-US").set("locale", "en-US").set("widget_id", "w-open").set("widget_id", None)  # None resets
    cfg.update(eta_style="range", CBSTATUS_ETA_MIN_MINUTES=2)
    with cbstatus.Client(cfg) as c:
        assert "between" in c.lookup("+15551230001").text
    cfg.close()
    cfg.close()
    assert cfg.closed
    with pytest.raises(ValueError):
        cfg.set("timeout_ms", 1)
    with pytest.raises(TypeError):
        cbstatus.Client(cbstatus.Config(api_url=simulator.url), timeout_ms=5)
    with pytest.raises(TypeError):
        cbstatus.Client("http://example.com")


def test_config_keyword_locale(cbstatus):
    with cbstatus.Client(locale="es-US") as c:
        r = c.lookup("+15551230001")
        assert "número" in r.text
        assert r.to_dict()["locale"] == "es-US"


def test_load_file(cbstatus, simulator, tmp_path):
    good = tmp_path / "cbstatus.toml"
    good.write_text(f'api_url = "{simulator.url}"\ntimeout_ms = 800\nlocale = "es-US"\n')
    with cbstatus.Config() as cfg:
        assert cfg.load_file(good) is cfg  # pathlib.Path
        cfg.load_file(str(good))
        cfg.load_file(bytes(good))
        with cbstatus.Client(cfg) as c:
            assert "número" in c.lookup("+15551230001").text
        bad = tmp_path / "bad.toml"
        bad.write_text("api_url = [1, 2\n")
        with pytest.raises(cbstatus.ConfigError):
            cfg.load_file(bad)
        unknown = tmp_path / "unknown.toml"
        unknown.write_text('colour = "blue"\n')
        with pytest.raises(cbstatus.ConfigError, match="colour"):
            cfg.load_file(unknown)
        with pytest.raises(cbstatus.ConfigError, match="missing"):
            cfg.load_file(tmp_path / "missing.toml")
        with pytest.raises(ValueError):
            cfg.load_file("bad\x00path")
        with pytest.raises(TypeError):
            cfg.load_file(None)


def test_config_file_from_env(cbstatus, simulator, tmp_path, monkeypatch):
    path = tmp_path / "env.toml"
    path.write_text('eta_style = "range"\n')
    monkeypatch.setenv("CBSTATUS_CONFIG", str(path))
    with cbstatus.Client() as c:
        assert "between" in c.lookup("+15551230001").text


def test_client_close(cbstatus):
    c = cbstatus.Client()
    r = c.lookup("+15551230001")
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(ValueError, match="closed"):
        c.lookup("+15551230001")
    assert r.text  # results outlive their client
    r.close()


def test_close_waits_for_running_lookups(cbstatus):
    c = cbstatus.Client(timeout_ms=600)
    done = []
    t = threading.Thread(target=lambda: done.append(c.lookup("+15551230408")))
    t.start()
    time.sleep(0.1)
    start = time.monotonic()
    c.close()  # must not free the handle under the running lookup
    assert time.monotonic() - start > 0.2
    t.join()
    assert isinstance(done[0].error, cbstatus.NoReply)


def test_result_lifetime(client):
    r = client.lookup("+15551230001")
    text = r.text
    r.close()
    r.close()
    assert r.closed and r.text == text and r.position == 4  # cached / read once
    with pytest.raises(ValueError, match="closed"):
        r.render("ssml", "es-US")
    for _ in range(50):  # the __del__ safety net
        client.lookup("+15551230002")
    gc.collect()
    assert "Result" in repr(client.lookup("+15551230099"))


def test_every_handle_shares_one_lifecycle(cbstatus, simulator):
    from cbstatus._handle import Handle

    # close / with / __del__ / repr are written once, in Handle; no wrapper has its own.
    for cls in (cbstatus.Config, cbstatus.Client, cbstatus.Result):
        assert issubclass(cls, Handle)
        for name in ("close", "closed", "__enter__", "__exit__", "__del__", "__repr__"):
            assert name not in vars(cls), f"{cls.__name__}.{name} repeats Handle's"
    cfg = cbstatus.Config(api_url=simulator.url)
    assert repr(cfg) == "<cbstatus.Config>"
    with cbstatus.Client(cfg) as client:
        assert repr(client) == "<cbstatus.Client>"
        with client.lookup("+15551230001") as result:
            assert repr(result).startswith("<cbstatus.Result found number='+15551230001'")
        assert result.closed
    assert client.closed and repr(client) == "<cbstatus.Client (closed)>"
    for handle, kind in ((cfg, "Config"), (client, "Client"), (result, "Result")):
        handle.close()
        handle.close()  # idempotent
        assert handle.closed
        with pytest.raises(ValueError, match=f"^{kind} is closed$"):
            handle._ptr()
    assert repr(cfg) == "<cbstatus.Config (closed)>"
    assert repr(result).startswith("<cbstatus.Result found"), "a result's fields outlive its handle"


def test_cancel(cbstatus, custom_sim):
    with cbstatus.Client(api_url=custom_sim.url, api_token=TOKEN) as c:
        r = c.cancel("+15552220001")
        assert r.ok and r.action is cbstatus.Action.CANCEL
        assert r.cancel_outcome is cbstatus.CancelOutcome.CANCELED
        assert r.text
        assert c.cancel("+15552220002").cancel_outcome is cbstatus.CancelOutcome.TOO_MANY
        assert c.cancel("+15552220003").cancel_outcome is cbstatus.CancelOutcome.FAILED
        assert c.cancel("+15552220099").cancel_outcome is cbstatus.CancelOutcome.NOT_FOUND
        bad = c.cancel("unknown")
        assert isinstance(bad.error, cbstatus.InvalidNumber) and bad.cancel_outcome is cbstatus.CancelOutcome.NONE
        with pytest.raises(cbstatus.InvalidNumber):
            c.cancel("", raise_on_error=True)
        with pytest.raises(TypeError):
            c.cancel(None)


def test_widget_status(cbstatus):
    with cbstatus.Client() as c:
        w = c.widget_status("w-open")
        assert w.ok and w.action is cbstatus.Action.WIDGET
        assert w.widget_state == "offer_callback" and w.callbacks_available is True
        assert w.offer_asap is True and w.offer_scheduled is True and w.ewt_seconds == 600
        closed = c.widget_status("w-closed")
        assert closed.widget_state == "platform_unavailable" and closed.callbacks_available is False
        assert closed.ewt_seconds is None
        ewt = c.widget_status("w-ewt")
        assert ewt.widget_state == "display_ewt_only" and ewt.ewt_seconds == 240
        assert ewt.callbacks_available is False and ewt.offer_asap is False
        assert w.text and ewt.text
        none = c.widget_status()  # no widget_id configured
        assert isinstance(none.error, cbstatus.NotConfigured) and none.callbacks_available is False
        with pytest.raises(cbstatus.NotConfigured):
            c.widget_status(raise_on_error=True)
        with pytest.raises(TypeError):
            c.widget_status(42)
    with cbstatus.Client(widget_id="w-ewt") as c:
        assert c.widget_status().ewt_seconds == 240
    status = cbstatus.Client().lookup("+15551230001")
    assert status.action is cbstatus.Action.STATUS and status.widget_state is None


def test_logging_masks_numbers(client, caplog):
    caplog.set_level(logging.DEBUG, logger="cbstatus")
    client.lookup("+15551230001")
    client.lookup("+15551230666")
    client.lookup("unknown")
    text = caplog.text
    assert "***0001" in text and "5551230001" not in text
    assert "5551230666" not in text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and all("malformed_reply" in r.getMessage() for r in warnings)
    assert any("invalid_number" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_forward_library_logs(cbstatus, caplog):
    caplog.set_level(logging.DEBUG, logger="cbstatus")
    cbstatus.forward_library_logs(logging.DEBUG)
    try:
        with cbstatus.Client(cache_ttl_ms=0) as c:
            c.lookup("+15551230001")
            r = c.lookup("+15551230500")
            assert isinstance(r.error, cbstatus.HttpError)
            # The log callback runs during the call; the error must survive it.
            assert cbstatus.last_error()[0] == 7
        text = cbstatus.status_lookup("+15551230500")
        assert "Sorry" in text and cbstatus.last_error()[0] == 7
        lib_records = [r for r in caplog.records if r.name == "cbstatus.lib"]
        assert lib_records, "the library logged nothing"
        assert all("5551230001" not in r.getMessage() for r in lib_records)
    finally:
        cbstatus.stop_library_logs()
        cbstatus.shutdown()
    caplog.clear()
    cbstatus.Client().lookup("+15551230002")
    assert not [r for r in caplog.records if r.name == "cbstatus.lib"]
