"""The callback tools for pipecat (``pip install 'cbstatus[pipecat]'``).

::

    from cbstatus.tools.pipecat import callback_tools

    tools = callback_tools(caller_number, locale="en-US")   # bound when the call starts
    context = LLMContext(messages, tools=tools)             # a pipecat ToolsSchema
    # pipecat >= 1.14 registers each schema's handler itself; any version:
    register(llm, tools)

Each tool is a pipecat ``FunctionSchema`` carrying its handler. The definition it gives a
provider's adapter (``to_default_dict()``) is exactly ``cbstatus.tools.schemas()``'s, and its
``properties``/``required`` are those of the same schema for adapters that rebuild it. The
handler runs :meth:`CallbackTools.call` with the model's arguments in a worker thread and hands
the result dict to ``result_callback``. The caller is the bound one; an argument naming
another number is refused by the tools' argument check.

pipecat is imported when these functions are called, never by ``import cbstatus``.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any, Awaitable, Callable, Dict, List, Union

from ._bound import bound, call, definitions, import_framework
from ._tools import CallbackTools

__all__ = ["callback_tools", "function_schemas", "handlers", "register"]

Handler = Callable[[Any], Awaitable[None]]


def _schemas_module() -> Any:
    try:  # pipecat >= 1.14
        return import_framework("pipecat.adapters.llm.schemas.function_schema", "pipecat-ai", "pipecat")
    except ImportError:
        return import_framework("pipecat.adapters.schemas.function_schema", "pipecat-ai", "pipecat")


def _tools_module() -> Any:
    try:
        return import_framework("pipecat.adapters.llm.schemas.tools_schema", "pipecat-ai", "pipecat")
    except ImportError:
        return import_framework("pipecat.adapters.schemas.tools_schema", "pipecat-ai", "pipecat")


def handlers(caller: Union[str, None, CallbackTools], **kwargs: Any) -> Dict[str, Handler]:
    """``{tool name: pipecat handler}`` for ``llm.register_function(name, handler)``: each takes
    pipecat's ``FunctionCallParams`` and reports the tool's result dict."""
    tools = bound(caller, kwargs)

    def make(name: str) -> Handler:
        async def handler(params: Any) -> None:
            await params.result_callback(await call(tools, name, dict(params.arguments or {})))

        handler.__name__ = name
        handler.__qualname__ = name
        return handler

    return {d["name"]: make(d["name"]) for d in definitions(tools)}


def function_schemas(caller: Union[str, None, CallbackTools], **kwargs: Any) -> List[Any]:
    """The four tools as pipecat ``FunctionSchema`` objects, each with its handler when the
    installed pipecat takes one (1.14 and later)."""
    tools = bound(caller, kwargs)
    base = _schemas_module().FunctionSchema

    class CallbackFunctionSchema(base):  # type: ignore[misc, valid-type]
        """A FunctionSchema whose provider definition is ``schemas()``'s entry, unchanged
        (FunctionSchema's own would drop ``additionalProperties``)."""

        def __init__(self, definition: Dict[str, Any], handler: Handler, takes_handler: bool) -> None:
            params = definition["parameters"]
            extra = {"handler": handler} if takes_handler else {}
            super().__init__(
                name=definition["name"],
                description=definition["description"],
                properties=params["properties"],
                required=params["required"],
                **extra,
            )
            self._cbstatus_definition = definition
            self.cbstatus_handler = handler

        def to_default_dict(self) -> Dict[str, Any]:
            return copy.deepcopy(self._cbstatus_definition)

    takes_handler = "handler" in inspect.signature(base.__init__).parameters
    by_name = handlers(tools)
    return [CallbackFunctionSchema(d, by_name[d["name"]], takes_handler) for d in definitions(tools)]


def callback_tools(caller: Union[str, None, CallbackTools], **kwargs: Any) -> Any:
    """The four tools bound to ``caller`` as a pipecat ``ToolsSchema`` (for
    ``LLMContext(tools=...)``); ``kwargs`` as :class:`~cbstatus.tools.CallbackTools`
    (``locale``, ``client``, ...), or pass a ``CallbackTools``."""
    return _tools_module().ToolsSchema(standard_tools=function_schemas(bound(caller, kwargs)))


def register(llm: Any, tools: Any, **options: Any) -> Any:
    """Register the handlers of ``tools`` (a :func:`callback_tools` ToolsSchema) on the pipecat
    LLM service ``llm`` with ``llm.register_function`` (``options`` go to it, e.g.
    ``cancel_on_interruption``); returns ``tools``. Needed on pipecat before 1.14, harmless after."""
    for schema in tools.standard_tools:
        handler = getattr(schema, "cbstatus_handler", None)
        if handler is None:
            raise ValueError(f"{schema.name} has no handler: build tools with callback_tools()")
        llm.register_function(schema.name, handler, **options)
    return tools
