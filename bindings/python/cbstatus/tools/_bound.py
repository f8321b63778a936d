"""What both framework adapters share: binding the tools to a caller, the exact definitions
they advertise, a call that never blocks the event loop, and the missing-framework error.

Rule: an adapter only translates. The definitions it advertises are ``schemas()``'s, byte
for byte, and every call goes through :meth:`CallbackTools.call` (its argument check, its
confirmation rule, its never-raise), in a worker thread: a lookup blocks for up to the
client's deadline, and the agent's event loop must keep streaming audio meanwhile.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, Dict, List, Optional, Union

from ._spec import schemas
from ._tools import CallbackTools


def import_framework(module: str, distribution: str, extra: str) -> Any:
    """``importlib.import_module(module)``, or an ImportError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"cbstatus.tools.{extra} needs {distribution} ({module} cannot be imported: {e}); "
            f"install it with: pip install 'cbstatus[{extra}]'"
        ) from e


def bound(caller: Union[str, None, CallbackTools], kwargs: Dict[str, Any]) -> CallbackTools:
    """``caller`` if it is already a :class:`CallbackTools` (then no ``kwargs``), else the
    tools bound to the number ``caller`` with ``kwargs`` (as :class:`CallbackTools`)."""
    if isinstance(caller, CallbackTools):
        if kwargs:
            raise TypeError("pass settings to CallbackTools, not with an existing one")
        return caller
    return CallbackTools(caller, **kwargs)


def definitions(tools: CallbackTools) -> List[Dict[str, Any]]:
    """The ``function`` part of each of ``schemas()``'s entries, for ``tools``' options."""
    return [s["function"] for s in schemas(allow_number_argument=tools.allow_number_argument)]


async def call(tools: CallbackTools, name: str, arguments: Optional[Any]) -> Dict[str, Any]:
    """:meth:`CallbackTools.call` in a worker thread (it never raises)."""
    return await asyncio.get_running_loop().run_in_executor(None, tools.call, name, arguments)
