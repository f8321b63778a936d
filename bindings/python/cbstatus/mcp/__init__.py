"""``cbstatus-mcp``: the callback tools (:mod:`cbstatus.tools`) as an MCP server.

Built on the official MCP Python SDK (``pip install 'cbstatus[mcp]'``)::

    cbstatus-mcp --caller +15551234567                 # stdio: one session, one caller
    cbstatus-mcp --http 127.0.0.1:8765                 # Streamable HTTP at /mcp
    cbstatus-mcp --http 0.0.0.0:8765 --auth-token ...  # another address needs a token

Over HTTP every request names its caller in a header the bot sets (``X-Caller-Number``,
``--caller-header``): each tool call answers for the caller its own request names, never
another session's. A request without it, or without the bearer token when one is set, is
refused before it reaches the tools. The model never passes a number.

Configuration as everywhere else: ``$CBSTATUS_CONFIG`` / ``--config``, ``CBSTATUS_PROFILE``
/ ``--profile``, the ``CBSTATUS_*`` variables (``CBSTATUS_API_URL``, ``CBSTATUS_WIDGET_ID``,
``CBSTATUS_LOCALE``, ...).
"""

from __future__ import annotations

from typing import List, Optional

__all__ = ["main", "build_server", "DEFAULT_CALLER_HEADER", "MCP_PATH"]

#: The request header naming the session's caller (``--caller-header``).
DEFAULT_CALLER_HEADER = "X-Caller-Number"
#: Where the Streamable HTTP endpoint is served.
MCP_PATH = "/mcp"


def build_server(*args, **kwargs):  # type: ignore[no-untyped-def]
    """:func:`cbstatus.mcp._server.build_server` (imports the MCP SDK)."""
    from ._server import build_server as build

    return build(*args, **kwargs)


def main(argv: Optional[List[str]] = None) -> int:
    """The ``cbstatus-mcp`` command (see ``cbstatus-mcp --help``)."""
    from ._cli import main as run

    return run(argv)
