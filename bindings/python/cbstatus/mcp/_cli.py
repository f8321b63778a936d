"""``cbstatus-mcp`` options and startup. Exit codes: 0 after a clean stop, 2 for a usage or
configuration error (the message says what to do), 1 when the server failed."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import socket
import sys
from typing import List, Optional, Tuple

from . import DEFAULT_CALLER_HEADER, MCP_PATH

#: Environment variable holding the bearer token (keeps it out of the process list).
TOKEN_ENV = "CBSTATUS_MCP_AUTH_TOKEN"
DEFAULT_PORT = 8765

log = logging.getLogger("cbstatus")


class UsageError(Exception):
    """A bad option: exit 2 with this message."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cbstatus-mcp",
        description="Serve the Mindful callback tools (get_callback_status, offer_callback, request_callback, "
        "cancel_callback) to an LLM agent over MCP: stdio for one caller, or Streamable HTTP where each "
        "request names its caller in a header.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--caller", metavar="NUMBER", help="stdio: serve this caller (the call's caller ID)")
    where.add_argument(
        "--http", metavar="ADDR",
        help=f"Streamable HTTP on ADDR (HOST:PORT, [V6]:PORT or PORT; loopback when no host), path {MCP_PATH}",
    )
    p.add_argument(
        "--caller-header", metavar="NAME", default=DEFAULT_CALLER_HEADER,
        help=f"HTTP: the request header naming the caller (default {DEFAULT_CALLER_HEADER})",
    )
    p.add_argument(
        "--auth-token", metavar="TOKEN", default=None,
        help=f"HTTP: require 'Authorization: Bearer TOKEN' (default ${TOKEN_ENV}); required for a non-loopback address",
    )
    p.add_argument("--config", metavar="PATH", help="settings file (instead of $CBSTATUS_CONFIG)")
    p.add_argument("--profile", metavar="NAME", help="apply the file's [profiles.NAME] table (overrides CBSTATUS_PROFILE)")
    p.add_argument("--locale", metavar="LOCALE", help="the callers' locale or language (default: the locale setting)")
    p.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr logging")
    return p


def parse_addr(addr: str) -> Tuple[str, int]:
    """``HOST:PORT``, ``[V6]:PORT``, ``:PORT`` or ``PORT`` (host 127.0.0.1)."""
    text = addr.strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--http {addr!r}: expected HOST:PORT, [IPV6]:PORT or PORT (0-65535)")
    return host or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: not known to be loopback


def check_header(name: str) -> str:
    token_chars = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not name or len(name) > 64 or any(c not in token_chars for c in name):
        raise UsageError(f"--caller-header {name!r}: not an HTTP header name")
    if name.lower() in ("authorization", "host", "content-type", "content-length", "mcp-session-id"):
        raise UsageError(f"--caller-header {name!r}: that header has another meaning")
    return name


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="cbstatus-mcp: %(levelname)s %(message)s")
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        print("cbstatus-mcp: the MCP SDK is not installed: pip install 'cbstatus[mcp]'", file=sys.stderr)
        return 2
    try:
        return run(args)
    except UsageError as exc:
        print(f"cbstatus-mcp: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    from .._errors import CbError
    from ..tools import new_clients
    from ._server import build_server, http_app, valid_caller

    token = args.auth_token if args.auth_token is not None else os.environ.get(TOKEN_ENV) or None
    header = check_header(args.caller_header)
    if args.http is not None:
        host, port = parse_addr(args.http)
        if not is_loopback(host) and not token:
            raise UsageError(
                f"refusing to serve {host} (not a loopback address) without a token: "
                f"set --auth-token or ${TOKEN_ENV}, or listen on 127.0.0.1"
            )
    elif not valid_caller(args.caller):
        raise UsageError(f"--caller {args.caller!r}: not a phone number")
    # As every cbstatus command: the file(s), then the profile, then CBSTATUS_* (the library's order).
    if args.config:
        os.environ["CBSTATUS_CONFIG"] = args.config
    if args.profile:
        os.environ["CBSTATUS_PROFILE"] = args.profile
    try:
        clients = new_clients()
    except CbError as exc:
        raise UsageError(f"configuration: {exc.message}") from None
    try:
        if args.http is None:
            server = build_server(clients, caller=args.caller, locale=args.locale, log_level=args.log_level)
            server.run("stdio")
            return 0
        server = build_server(clients, caller_header=header, locale=args.locale, log_level=args.log_level)
        app = http_app(server, host=host, caller_header=header, token=token)
        return serve_http(app, host, port)
    finally:
        for c in clients:
            c.close()


def serve_http(app: object, host: str, port: int) -> int:
    """Bind first (so the URL printed is the real one, port 0 included), then serve."""
    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"http://{shown}:{bound}{MCP_PATH}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    asyncio.run(server.serve(sockets=[sock]))
    return 0
