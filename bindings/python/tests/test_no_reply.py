"""Issue 19, class 5 from Python: a request written whole and then left without a reply (the
server closes, resets, or stays silent until the deadline) raises/reports ``cbstatus.NoReply``
(code 19, ``no_reply``), whose message says it may have been received; a request that never
left (nothing listens) is ``cbstatus.ConnectError``. For a lookup, a register and a cancel, each
against raw loopback servers that misbehave at that exact point."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

NUMBER = "+15551230001"
TIMEOUT_MS = 800


def _read_request(conn):
    """Read one HTTP request (head and Content-Length body); False at EOF."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        body += chunk
    return True


class _Server:
    """A loopback server: each connection reads the whole request, then ``after(conn)``."""

    def __init__(self, after):
        self.after = after
        self.requests = 0
        self.stop = threading.Event()
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.srv.settimeout(0.1)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.srv.getsockname()[1]}/api/organization/raw"

    def _loop(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.srv.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            if _read_request(conn):
                self.requests += 1
                self.after(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.srv.close()


def _close(conn, stop):
    pass  # closed by the caller: a FIN without a byte of reply


def _reset(conn, stop):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _silent(conn, stop):
    stop.wait(20)


SILENT = [("closes", _close), ("resets", _reset), ("stays silent", _silent)]


@pytest.fixture(params=SILENT, ids=[name for name, _ in SILENT])
def silent_server(request):
    server = _Server(request.param[1])
    yield request.param[0], server
    server.close()


def _client(cbstatus, url):
    return cbstatus.Client(api_url=url, timeout_ms=TIMEOUT_MS, widget_id="w-1", breaker_threshold=0,
                           prewarm=False)


def _assert_no_reply(cbstatus, r, elapsed):
    assert type(r.error) is cbstatus.NoReply, r.error
    assert isinstance(r.error, cbstatus.ApiError)
    assert r.error.code == 19 == cbstatus.ErrorCode.NO_REPLY and r.error.name == "no_reply"
    assert "may have been received" in str(r.error)
    assert elapsed < TIMEOUT_MS / 1000 + 1.5


def test_lookup_left_without_a_reply_is_no_reply(cbstatus, silent_server):
    how, server = silent_server
    with _client(cbstatus, server.url) as c:
        start = time.monotonic()
        r = c.lookup(NUMBER)
        _assert_no_reply(cbstatus, r, time.monotonic() - start)
        with pytest.raises(cbstatus.NoReply):
            c.lookup(NUMBER, raise_on_error=True)
    assert cbstatus.error_class(19) is cbstatus.NoReply


def test_register_left_without_a_reply_is_no_reply_and_unconfirmed(cbstatus, silent_server):
    how, server = silent_server
    with _client(cbstatus, server.url) as c:
        start = time.monotonic()
        r = c.register(NUMBER)
        _assert_no_reply(cbstatus, r, time.monotonic() - start)
    assert r.register_outcome is None
    assert r.text == "Sorry, we could not confirm your callback."
    assert server.requests == 1, how


def test_cancel_left_without_a_reply_is_no_reply(cbstatus, silent_server):
    how, server = silent_server
    with _client(cbstatus, server.url) as c:
        start = time.monotonic()
        r = c.cancel(NUMBER)
        _assert_no_reply(cbstatus, r, time.monotonic() - start)
    assert server.requests == 1, how


def test_nothing_listening_is_connect_not_no_reply(cbstatus):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with _client(cbstatus, f"http://127.0.0.1:{port}/api/organization/raw") as c:
        for r in (c.lookup(NUMBER), c.register(NUMBER), c.cancel(NUMBER)):
            assert type(r.error) is cbstatus.ConnectError and r.error.code == 5
            assert "may have been received" not in str(r.error)
        assert c.register(NUMBER).text == "Sorry, we could not register your callback right now."
