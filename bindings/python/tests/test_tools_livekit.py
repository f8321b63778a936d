"""Issue 23: ``cbstatus.tools.livekit`` through LiveKit Agents' own machinery (livekit-agents
from tests/requirements.txt; no network, no model, no room): an ``Agent(tools=...)`` holds the
tools, LiveKit's OpenAI provider format derives the definitions the model is sent (they must
equal ``schemas()``), and LiveKit's own argument preparation (``prepare_function_arguments``,
what its tool executor runs on the model's JSON) calls them: the calls reach the simulator and
return the tools' dicts. Arguments naming another caller never reach another caller's
callbacks."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from livekit.agents import Agent
from livekit.agents.llm import ToolContext
from livekit.agents.llm._provider_format import openai as openai_format
from livekit.agents.llm.utils import prepare_function_arguments

from cbstatus.tools import TOOL_NAMES, schemas
from cbstatus.tools.livekit import callback_tools

FOUND = "+15551230001"  # demo simulator: 4th in line, 720 s
NOT_FOUND = "+15551230099"


def invoke(tools, name, arguments_json):
    """What LiveKit's tool executor does with a model's call: find the tool, prepare the
    arguments from the JSON, await the tool."""
    fnc = ToolContext(tools).function_tools[name]
    args, kwargs = prepare_function_arguments(fnc=fnc, json_arguments=arguments_json)
    return asyncio.run(fnc(*args, **kwargs))


def test_agent_derives_schemas(cbstatus):
    agent = Agent(instructions="help the caller", tools=callback_tools(FOUND))
    context = ToolContext(agent.tools)
    assert sorted(context.function_tools) == sorted(TOOL_NAMES)
    assert openai_format.to_fnc_ctx(context, strict=True) == schemas()
    assert openai_format.to_fnc_ctx(context, strict=False) == schemas()
    opted = ToolContext(callback_tools(FOUND, allow_number_argument=True))
    assert openai_format.to_fnc_ctx(opted) == schemas(allow_number_argument=True)


def test_calls_reach_the_simulator(cbstatus):
    tools = callback_tools(FOUND)
    status = invoke(tools, "get_callback_status", "{}")
    assert status["tool"] == "get_callback_status" and status["ok"] and status["found"] is True
    assert status["position"] == 4 and status["wait_seconds"] == 720
    with cbstatus.Client() as c, c.lookup(FOUND) as r:
        assert status["say"] == r.text
    json.dumps(status)
    dry = invoke(tools, "request_callback", '{"confirmed": false}')
    assert dry["tool"] == "request_callback" and dry["done"] is False  # nothing on a guess
    assert invoke(callback_tools(NOT_FOUND), "get_callback_status", "{}")["found"] is False


@pytest.mark.parametrize("arguments", ['{"caller_number": "+15551230099"}', '{"number": "+15551230099"}'])
def test_the_model_cannot_change_the_caller(cbstatus, arguments):
    result = invoke(callback_tools(FOUND), "get_callback_status", arguments)
    assert result["ok"] is False and result["error"] in ("invalid_arguments", "number_argument_not_allowed")
    assert "found" not in result or result["found"] is not False


def test_missing_livekit_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "livekit" or m.startswith("livekit.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "livekit", None)
    import importlib

    import cbstatus.tools.livekit as adapter

    importlib.reload(adapter)  # importing the adapter needs no framework: only using it does
    with pytest.raises(ImportError, match=r"pip install 'cbstatus\[livekit\]'"):
        adapter.callback_tools(FOUND)
