"""cbstatus-mcp driven by the official MCP client over stdio and Streamable HTTP, against the
simulator: the four tools listed with the schemas of cbstatus.tools.schemas(), each called
(found, not found, API down, the confirmation rule), concurrent sessions each answered for
the caller its own header names, and the refusals (no caller header, bad token, a
non-loopback address without a token)."""

from __future__ import annotations

import asyncio
import json
import os
import select
import socket
import subprocess
import sys
from typing import Any, Dict, Iterator, Optional

import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from conftest import UrlProcess, subprocess_env

TOKEN = "t0ken-for-tests"


def server_env(**extra: str) -> Dict[str, str]:
    env = subprocess_env(CBSTATUS_WIDGET_ID="w-open")
    env.pop("CBSTATUS_MCP_AUTH_TOKEN", None)
    env.update(extra)
    return env


class HttpServer(UrlProcess):
    """A running ``python -m cbstatus.mcp --http 127.0.0.1:0``."""

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None) -> None:
        cmd = [sys.executable, "-m", "cbstatus.mcp", "--http", "127.0.0.1:0", *args]
        super().__init__(cmd, "cbstatus-mcp", "http://127.0.0.1:", 30, env=env or server_env())


@pytest.fixture(scope="module")
def http_server() -> Iterator[HttpServer]:
    server = HttpServer("--auth-token", TOKEN)
    yield server
    server.stop()


def http_client(url: str, caller: Optional[str], token: Optional[str] = TOKEN) -> Any:
    headers = {}
    if caller is not None:
        headers["X-Caller-Number"] = caller
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return create_mcp_http_client(headers=headers)


async def call(client: Client, name: str, args: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    r = await client.call_tool(name, args or {})
    data = r.structured_content
    assert json.loads(r.content[0].text) == data  # the same answer as text
    assert r.is_error is (not data["ok"])
    return data


async def check_listing(client: Client, tools_module: Any) -> None:
    listed = (await client.list_tools()).tools
    assert [t.name for t in listed] == list(tools_module.TOOL_NAMES)
    by_name = {d["function"]["name"]: d["function"] for d in tools_module.schemas()}
    for t in listed:
        assert t.input_schema == by_name[t.name]["parameters"]
        assert t.description == by_name[t.name]["description"]
        assert "caller_number" not in json.dumps(t.input_schema)
    assert listed[0].annotations.read_only_hint is True and listed[3].annotations.destructive_hint is True


async def journey(client: Client, number_tail: str) -> None:
    """The four tools for a fresh caller: not found, offer, dry runs change nothing, book, cancel."""
    assert (await call(client, "get_callback_status"))["found"] is False
    offer = await call(client, "offer_callback")
    assert offer["available"] and offer["asap"] and len(offer["slots"]) == 3
    dry = await call(client, "request_callback", {"confirmed": False, "slot_id": offer["slots"][0]["id"]})
    assert dry["done"] is False and dry["would"]["slot_id"] == offer["slots"][0]["id"]
    assert (await call(client, "get_callback_status"))["found"] is False
    refused = await client.call_tool("request_callback", {"confirmed": "true"})
    assert refused.is_error and refused.structured_content["error"] == "invalid_arguments"
    assert (await call(client, "get_callback_status"))["found"] is False
    booked = await call(client, "request_callback", {"confirmed": True})
    assert booked["done"] and booked["outcome"] == "requested"
    assert f"ending in {' '.join(number_tail)}" in booked["say"]
    status = await call(client, "get_callback_status")
    assert status["found"] and status["position"] >= 1  # behind others booked on the simulator
    dry = await call(client, "cancel_callback", {"confirmed": False})
    assert dry["done"] is False and dry["found"]
    assert (await call(client, "get_callback_status"))["status"] == "waitlisted"
    done = await call(client, "cancel_callback", {"confirmed": True})
    assert done["outcome"] == "canceled"
    assert (await call(client, "get_callback_status"))["status"] == "canceled"


def stdio(caller: str, **env: str) -> Client:
    return Client(
        StdioServerParameters(
            command=sys.executable, args=["-m", "cbstatus.mcp", "--caller", caller], env=server_env(**env)
        )
    )


def test_stdio_lists_and_calls_every_tool(cbstatus):
    from cbstatus import tools

    async def run() -> None:
        async with stdio("+15551230001") as c:
            await check_listing(c, tools)
            found = await call(c, "get_callback_status")
            assert found["found"] and found["position"] == 4 and found["wait_seconds"] == 720
            assert found["say"] == "You are number 4 in line for your callback. We expect to call you in about 12 minutes."
            assert "5551230001" not in json.dumps(found)
        async with stdio("+15558881001") as c:
            await journey(c, "1001")
        async with stdio("+15551230500") as c:
            down = await call(c, "get_callback_status")
            assert down["error"] == "http_status" and down["say"] == "Sorry, we can't check your callback right now."

    asyncio.run(run())


def test_stdio_api_unreachable(cbstatus):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/organization/562a519b54f83b56"

    async def run() -> None:
        async with stdio("+15551230001", CBSTATUS_API_URL=url, CBSTATUS_TIMEOUT_MS="800") as c:
            for name in ("get_callback_status", "offer_callback", "request_callback", "cancel_callback"):
                r = await call(c, name, {"confirmed": True} if name.endswith("_callback") and name != "offer_callback" else {})
                assert r["ok"] is False and r["error"] == "connect" and r["say"].startswith("Sorry"), r

    asyncio.run(run())


def test_http_sessions_get_their_own_callers_answers(cbstatus, http_server):
    from cbstatus import tools

    expected = {"+15551230001": 4, "+15551230002": 1, "+15551230003": 2, "+15551230010": 40}

    async def session(caller: str, rounds: int) -> None:
        async with http_client(http_server.url, caller) as http:
            async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                for _ in range(rounds):
                    r = await call(c, "get_callback_status")
                    assert r["position"] == expected[caller], (caller, r)
                    assert caller[-10:] not in json.dumps(r)

    async def run() -> None:
        async with http_client(http_server.url, "+15551230099") as http:
            async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                await check_listing(c, tools)
                assert (await call(c, "get_callback_status"))["found"] is False
        # Concurrent sessions, interleaved: each only ever hears its own caller's answer.
        await asyncio.gather(*[session(caller, 5) for caller in expected for _ in range(2)])
        async with http_client(http_server.url, "+15551230500") as http:  # the API answers 503
            async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                down = await call(c, "get_callback_status")
                assert down["error"] == "http_status" and down["say"] == "Sorry, we can't check your callback right now."
        async with http_client(http_server.url, "+15558882002") as http:
            async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                await journey(c, "2002")

    asyncio.run(run())


def test_http_refuses_missing_caller_and_bad_token(cbstatus, http_server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    cases = [
        ({"Authorization": f"Bearer {TOKEN}"}, 400, "no_caller"),
        ({"Authorization": f"Bearer {TOKEN}", "X-Caller-Number": ""}, 400, "no_caller"),
        ({"Authorization": f"Bearer {TOKEN}", "X-Caller-Number": "+1555\x01"}, 400, "no_caller"),
        ({"X-Caller-Number": "+15551230001"}, 401, "unauthorized"),
        ({"X-Caller-Number": "+15551230001", "Authorization": "Bearer wrong"}, 401, "unauthorized"),
        ({"X-Caller-Number": "+15551230001", "Authorization": TOKEN}, 401, "unauthorized"),
    ]
    with httpx2.Client(timeout=10) as http:
        for extra, status, error in cases:
            try:
                r = http.post(http_server.url, json=body, headers={**headers, **extra})
            except Exception:  # httpx refuses a control character itself: also refused
                assert "\x01" in json.dumps(extra)
                continue
            assert r.status_code == status, (extra, r.status_code, r.text)
            assert r.json()["error"] == error
        # The official client without the header (or the token) gets no session either.

    async def refused(caller: Optional[str], token: Optional[str]) -> None:
        async with http_client(http_server.url, caller, token) as http:
            with pytest.raises(Exception):
                async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                    await c.list_tools()

    asyncio.run(refused(None, TOKEN))
    asyncio.run(refused("+15551230001", "wrong"))


def test_http_custom_header_without_token_on_loopback(cbstatus):
    server = HttpServer("--caller-header", "X-Ani")
    try:

        async def run() -> None:
            async with create_mcp_http_client(headers={"X-Ani": "+15551230002"}) as http:
                async with Client(streamable_http_client(server.url, http_client=http)) as c:
                    assert (await call(c, "get_callback_status"))["position"] == 1

        asyncio.run(run())
        with httpx2.Client(timeout=10) as http:
            r = http.post(server.url, json={}, headers={"X-Caller-Number": "+15551230002"})
            assert r.status_code == 400 and "X-Ani".lower() in r.json()["message"].lower()
    finally:
        server.stop()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--http", "0.0.0.0:0"], "without a token"),
        (["--http", "[::]:0"], "without a token"),
        (["--http", "example.com:8080"], "without a token"),
        (["--http", "127.0.0.1:99999"], "expected HOST:PORT"),
        (["--caller", "anonymous"], "not a phone number"),
        (["--http", "127.0.0.1:0", "--caller-header", "Authorization"], "another meaning"),
        (["--http", "127.0.0.1:0", "--profile", "nope"], "configuration"),
    ],
)
def test_refused_startups(cbstatus, args, words):
    env = server_env()
    p = subprocess.run([sys.executable, "-m", "cbstatus.mcp", *args], env=env, capture_output=True, timeout=60)
    assert p.returncode == 2, p
    assert words in p.stderr.decode(), p.stderr
    assert p.stdout == b""


def test_non_loopback_with_token_starts(cbstatus):
    env = server_env(CBSTATUS_MCP_AUTH_TOKEN=TOKEN)
    p = subprocess.Popen([sys.executable, "-m", "cbstatus.mcp", "--http", "0.0.0.0:0"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([p.stdout], [], [], 30)
        line = p.stdout.readline().decode().strip() if ready else ""
        assert line.startswith("http://0.0.0.0:") and line.endswith("/mcp"), (line, p.stderr.read1(4000) if not ready else "")
    finally:
        p.terminate()
        p.wait(timeout=10)
        p.stdout.close()
        p.stderr.close()


def test_console_script(cbstatus):
    """`cbstatus-mcp` is the package's console script (installed: it runs; this tree: declared)."""
    from conftest import INSTALLED, PYTHON_DIR

    if INSTALLED:
        script = os.path.join(os.path.dirname(sys.executable), "cbstatus-mcp")
        p = subprocess.run([script, "--caller", "anonymous"], env=server_env(), capture_output=True, timeout=60)
        assert p.returncode == 2 and b"not a phone number" in p.stderr, p
    else:
        text = (PYTHON_DIR / "pyproject.toml").read_text(encoding="utf-8")
        assert 'cbstatus-mcp = "cbstatus.mcp:main"' in text and '"cbstatus.mcp"' in text
        assert 'mcp = ["mcp>=2.3,<3"]' in text


def test_http_answers_without_nagle_delay(cbstatus, http_server):
    """A tool call over HTTP costs milliseconds, not the 40 ms of Nagle against delayed ACK (the
    listening socket has TCP_NODELAY, which accepted sockets inherit: 51 -> 9 ms per call)."""
    import statistics
    import time

    async def run() -> float:
        async with http_client(http_server.url, "+15551230001") as http:
            async with Client(streamable_http_client(http_server.url, http_client=http)) as c:
                await c.call_tool("get_callback_status", {})
                took = []
                for _ in range(30):
                    start = time.perf_counter()
                    await c.call_tool("get_callback_status", {})
                    took.append(time.perf_counter() - start)
                return statistics.median(took)

    median = asyncio.run(run())
    assert median < 0.030, f"median {median * 1000:.1f} ms per call"
