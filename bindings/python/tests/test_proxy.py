"""HTTP proxies (issue 19, class 1), from Python: a loopback CONNECT proxy written here in front
of the simulator. The environment's proxy variables are given to child processes only (never
set in this one, so no other test sees them); the ``proxy`` setting is tested in process."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from typing import Iterator, List

import pytest

from conftest import LIBRARY, subprocess_env


class ConnectProxy:
    """A CONNECT proxy on 127.0.0.1 that tunnels every request and records each CONNECT head."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.heads: List[str] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.listener.getsockname()[1]

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        head = b""
        while not head.endswith(b"\r\n\r\n") and len(head) < 16384:
            byte = conn.recv(1)
            if not byte:
                conn.close()
                return
            head += byte
        text = head.decode("latin-1")
        self.heads.append(text)
        host, _, port = text.split(" ")[1].rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=10)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=2)
        self.listener.close()


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    p = ConnectProxy()
    yield p
    p.stop()


#: A child process: a client from the environment, one lookup, its outcome (or the error).
CHILD = """
import sys, cbstatus
cbstatus.load_library(sys.argv[1])
try:
    with cbstatus.Client() as client:
        print(client.lookup("+15551230001").outcome)
except cbstatus.CbError as e:
    print(type(e).__name__, e)
"""


#: The variables a client reads for its proxy: the child gets only those a test gives it.
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
              "no_proxy", "NO_PROXY", "CBSTATUS_PROXY")


def child(**env: str) -> str:
    clean = {k: v for k, v in subprocess_env().items() if k not in PROXY_VARS}
    clean.update(env)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, LIBRARY],
        env=clean,
        capture_output=True,
        timeout=30,
        text=True,
    )
    return done.stdout.strip() + done.stderr


def test_an_inherited_http_proxy_variable_tunnels_the_lookup(simulator, proxy) -> None:
    assert child(http_proxy=proxy.url) == "found"
    target = simulator.url.split("/")[2]
    assert [h.split("\r\n")[0] for h in proxy.heads] == [f"CONNECT {target} HTTP/1.1"]
    # HTTP_PROXY is ignored as curl ignores it (CGI), and CBSTATUS_PROXY=none ignores the rest.
    assert child(HTTP_PROXY=proxy.url) == "found"
    assert child(http_proxy=proxy.url, CBSTATUS_PROXY="none") == "found"
    assert len(proxy.heads) == 1


def test_a_socks_variable_is_refused_when_the_client_is_made(proxy) -> None:
    out = child(ALL_PROXY="socks5://u:hunter2@127.0.0.1:1080")
    assert out.startswith("ConfigError") and "ALL_PROXY" in out and "SOCKS" in out, out
    assert "hunter2" not in out


def test_the_proxy_setting(cbstatus, simulator, proxy) -> None:
    with cbstatus.Client(proxy=proxy.url, cache_ttl_ms=0, prewarm=False) as client:
        for _ in range(3):
            assert client.lookup("+15551230001").outcome == "found"
    assert len(proxy.heads) == 1, "one pooled tunnel"
    with pytest.raises(cbstatus.ConfigError, match="socks5://127.0.0.1:1080 is a SOCKS proxy"):
        cbstatus.Config(proxy="socks5://127.0.0.1:1080")
    assert "proxy" in cbstatus.SETTINGS
