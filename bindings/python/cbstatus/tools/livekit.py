"""The callback tools for LiveKit Agents (``pip install 'cbstatus[livekit]'``).

::

    from cbstatus.tools.livekit import callback_tools

    participant = await ctx.wait_for_participant()
    caller = participant.attributes.get("sip.phoneNumber")      # the SIP caller ID
    agent = Agent(instructions=..., tools=callback_tools(caller, locale="en-US"))

Each tool is a LiveKit ``function_tool`` in its raw-schema form, whose schema is
``cbstatus.tools.schemas()``'s ``function`` entry unchanged: LiveKit sends it to the model as it
is. The tool runs :meth:`CallbackTools.call` with the model's arguments in a worker thread and
returns the result dict. The caller is the bound one; an argument naming another number is
refused by the tools' argument check.

livekit-agents is imported when :func:`callback_tools` is called, never by ``import cbstatus``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Union

from ._bound import bound, call, definitions, import_framework
from ._tools import CallbackTools

__all__ = ["callback_tools"]


def callback_tools(caller: Union[str, None, CallbackTools], **kwargs: Any) -> List[Any]:
    """The four tools bound to ``caller`` as LiveKit ``RawFunctionTool`` objects, for
    ``Agent(tools=...)`` or ``agent.update_tools()``; ``kwargs`` as
    :class:`~cbstatus.tools.CallbackTools` (``locale``, ``client``, ...), or pass a
    ``CallbackTools``."""
    llm = import_framework("livekit.agents.llm", "livekit-agents", "livekit")
    tools = bound(caller, kwargs)

    def make(definition: Dict[str, Any]) -> Callable[..., Awaitable[Dict[str, Any]]]:
        name = definition["name"]

        async def tool(raw_arguments: Dict[str, object]) -> Dict[str, Any]:
            return await call(tools, name, raw_arguments)

        tool.__name__ = name
        tool.__qualname__ = name
        return tool

    return [llm.function_tool(make(d), raw_schema=d) for d in definitions(tools)]
