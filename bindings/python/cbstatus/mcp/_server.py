"""The MCP server: the four tools on the SDK's ``MCPServer``, and the HTTP gate in front of it.

- Tools are listed with the exact schemas of :func:`cbstatus.tools.schemas` (no number
  argument) and called with the model's raw arguments through ``CallbackTools.call``, which
  checks them strictly (the SDK's own signature-derived validation would coerce ``"yes"`` to
  ``true``: never for a booking). A result is the tool's dict as structured content, plus
  the same JSON as text for clients that only read text; ``isError`` when ``ok`` is false.
- The caller comes from the server (stdio: ``--caller``) or from the tools/call request's own
  header (HTTP): each call binds fresh tools to the caller its request names, so concurrent
  sessions never see each other's caller. The blocking library call runs in a worker
  thread, so one slow lookup never holds up the other sessions.
- :class:`Gate` (ASGI) refuses, before the SDK sees them, requests without the bearer token
  (401) and requests to the endpoint without a usable caller header (400).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from typing import Any, Dict, List, Optional, Tuple

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from mcp_types import Tool as MCPTool

from .. import __version__
from .._client import Client, mask_number
from ..tools import TOOL_NAMES, CallbackTools, schemas
from . import DEFAULT_CALLER_HEADER, MCP_PATH

log = logging.getLogger("cbstatus")

#: What a model may assume of each tool (MCP tool annotations).
ANNOTATIONS = {
    "get_callback_status": ToolAnnotations(read_only_hint=True, open_world_hint=True),
    "offer_callback": ToolAnnotations(read_only_hint=True, open_world_hint=True),
    "request_callback": ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True),
    "cancel_callback": ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True),
}

INSTRUCTIONS = (
    "Callback tools for the caller on this call (already identified: never ask for or pass "
    "a phone number). Say each result's `say` to the caller as it is. Book or cancel only "
    "after reading the choice back and hearing the caller say yes (confirmed=true)."
)

#: A caller header value the server accepts: what a caller ID can look like, at most 32.
_CALLER = re.compile(r"[0-9A-Za-z+()./ -]{1,32}")


def valid_caller(value: Optional[str]) -> bool:
    """Whether ``value`` can be a caller number from a header (not empty, no control
    characters, at most 32 characters; the library judges the rest)."""
    return bool(value) and _CALLER.fullmatch(value or "") is not None and any(c.isdigit() for c in value or "")


class CallbackMCPServer(MCPServer):
    """``MCPServer`` serving the four callback tools for one caller (stdio) or for the caller
    each HTTP request names (``caller_header``)."""

    def __init__(
        self,
        clients: Tuple[Client, Client],
        *,
        caller: Optional[str] = None,
        caller_header: Optional[str] = None,
        locale: Optional[str] = None,
        log_level: str = "WARNING",
    ) -> None:
        super().__init__(
            name="cbstatus",
            title="Mindful callback status",
            instructions=INSTRUCTIONS,
            version=__version__,
            log_level=log_level,  # type: ignore[arg-type]
        )
        if (caller is None) == (caller_header is None):
            raise ValueError("give exactly one of caller (stdio) and caller_header (HTTP)")
        self._clients = clients
        self._caller = caller
        self._caller_header = caller_header
        self._locale = locale
        self._definitions = {d["function"]["name"]: d["function"] for d in schemas()}

    async def list_tools(self) -> List[MCPTool]:
        return [
            MCPTool(
                name=name,
                description=self._definitions[name]["description"],
                input_schema=self._definitions[name]["parameters"],
                annotations=ANNOTATIONS[name],
            )
            for name in TOOL_NAMES
        ]

    def _caller_of(self, context: Optional[Context]) -> Optional[str]:
        if self._caller_header is None:
            return self._caller
        headers = None
        try:
            headers = context.headers if context is not None else None
        except Exception:
            headers = None
        value = headers.get(self._caller_header) if headers is not None else None
        return value if isinstance(value, str) and valid_caller(value) else None

    async def call_tool(self, name: str, arguments: Dict[str, Any], context: Optional[Context] = None) -> CallToolResult:
        caller = self._caller_of(context)
        client, offer_client = self._clients
        tools = CallbackTools(caller, client=client, offer_client=offer_client, locale=self._locale)
        log.debug("cbstatus-mcp: %s for %s", name, mask_number(caller))
        result = await anyio.to_thread.run_sync(tools.call, name, arguments)
        return CallToolResult(
            content=[TextContent(type="text", text=json.dumps(result, ensure_ascii=False))],
            structured_content=result,
            is_error=not result.get("ok", False),
        )


def build_server(
    clients: Tuple[Client, Client],
    *,
    caller: Optional[str] = None,
    caller_header: Optional[str] = None,
    locale: Optional[str] = None,
    log_level: str = "WARNING",
) -> CallbackMCPServer:
    """The MCP server over ``clients`` (from :func:`cbstatus.tools.new_clients`): for one
    ``caller`` (stdio) or the caller named by each request's ``caller_header`` (HTTP)."""
    return CallbackMCPServer(clients, caller=caller, caller_header=caller_header, locale=locale, log_level=log_level)


class Gate:
    """ASGI middleware in front of the SDK's Streamable HTTP app: bearer token (when set),
    then the caller header on every request to the endpoint. Refusals are JSON
    ``{"error": word, "message": ...}`` and never reach the tools."""

    def __init__(self, app: Any, *, caller_header: str = DEFAULT_CALLER_HEADER, token: Optional[str] = None) -> None:
        self.app = app
        self.header = caller_header.lower().encode("latin-1")
        self.token = token.encode("utf-8") if token else None

    async def __call__(self, scope: Dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers: Dict[bytes, bytes] = {}
        for key, value in scope.get("headers") or []:
            headers.setdefault(key.lower(), value)
        if self.token is not None:
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, b"Bearer " + self.token):
                await _refuse(send, 401, "unauthorized", "send the server's token as 'Authorization: Bearer TOKEN'",
                              [(b"www-authenticate", b'Bearer realm="cbstatus-mcp"')])
                return
        path = scope.get("path") or ""
        if path.rstrip("/") == MCP_PATH and scope.get("method") != "DELETE":
            raw = headers.get(self.header)
            value = raw.decode("latin-1") if raw is not None else None
            if not valid_caller(value):
                name = self.header.decode("latin-1")
                what = "missing" if raw is None else "not a phone number"
                await _refuse(send, 400, "no_caller",
                              f"the {name} header is {what}: set it to the caller's number (the call's caller ID) on every request")
                return
        await self.app(scope, receive, send)


async def _refuse(send: Any, status: int, error: str, message: str, extra: Optional[List[Tuple[bytes, bytes]]] = None) -> None:
    body = json.dumps({"error": error, "message": message}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def http_app(server: CallbackMCPServer, *, host: str, caller_header: str, token: Optional[str]) -> Any:
    """The ASGI app: the SDK's Streamable HTTP app at :data:`MCP_PATH` behind :class:`Gate`.
    (The SDK adds DNS-rebinding protection for a loopback ``host``.)"""
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    return Gate(app, caller_header=caller_header, token=token)
