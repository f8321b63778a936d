"""Issue 23: ``cbstatus.tools.pipecat`` through pipecat's own machinery (pipecat-ai from
tests/requirements.txt; no network, no model). A pipeline runs an LLM service built on
pipecat's ``LLMService`` whose "model" answers each context with scripted tool calls: pipecat
registers the handlers the schemas carry (or ``register()`` does), its OpenAI adapter derives
the tool definitions the model is sent (they must equal ``schemas()``), and its function-call
runner invokes the handlers, which reach the simulator; the results pipecat hands back are the
tools' dicts. Arguments naming another caller never reach another caller's callbacks."""

from __future__ import annotations

import asyncio
import sys

import pytest

from pipecat.frames.frames import FunctionCallFromLLM, FunctionCallResultFrame, LLMContextFrame  # noqa: E402
from pipecat.processors.aggregators.llm_context import LLMContext  # noqa: E402
from pipecat.services.llm_service import LLMService  # noqa: E402
from pipecat.tests.utils import run_test  # noqa: E402

from cbstatus.tools import TOOL_NAMES, schemas  # noqa: E402
from cbstatus.tools.pipecat import callback_tools, function_schemas, handlers, register  # noqa: E402

FOUND = "+15551230001"  # demo simulator: 4th in line, 720 s
NOT_FOUND = "+15551230099"


class ScriptedLLM(LLMService):
    """pipecat's LLMService with a scripted model: each context gets the next batch of calls."""

    def __init__(self, script, **kwargs):
        super().__init__(**kwargs)
        self.script = list(script)
        self.sent_tools = []

    async def process_frame(self, frame, direction):
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            params = await self.get_llm_adapter().get_llm_invocation_params(
                frame.context, convert_developer_to_user=False
            )
            self.sent_tools.append(params["tools"])
            calls = [
                FunctionCallFromLLM(function_name=name, tool_call_id=f"call-{i}", arguments=args, context=frame.context)
                for i, (name, args) in enumerate(self.script.pop(0))
            ]
            await self.run_function_calls(calls)
        else:
            await self.push_frame(frame, direction)


def run(llm, tools, sleep=1.0):
    from pipecat.tests.utils import SleepFrame

    context = LLMContext([{"role": "user", "content": "where is my callback?"}], tools=tools)
    down, _ = asyncio.run(
        run_test(llm, frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=sleep)])
    )
    return {f.tool_call_id: f.result for f in down if isinstance(f, FunctionCallResultFrame)}


def test_schemas_pipecat_derives_are_schemas(cbstatus):
    tools = callback_tools(FOUND)
    assert [s.name for s in tools.standard_tools] == list(TOOL_NAMES)
    from pipecat.adapters.llm.services.open_ai_adapter import OpenAILLMAdapter

    assert OpenAILLMAdapter().to_provider_tools_format(tools) == schemas()
    for schema, want in zip(function_schemas(FOUND), schemas()):
        params = want["function"]["parameters"]
        assert (schema.name, schema.description) == (want["function"]["name"], want["function"]["description"])
        assert (schema.properties, schema.required) == (params["properties"], params["required"])
    opted = callback_tools(FOUND, allow_number_argument=True)
    assert OpenAILLMAdapter().to_provider_tools_format(opted) == schemas(allow_number_argument=True)


def test_auto_registered_handlers_reach_the_simulator(cbstatus):
    llm = ScriptedLLM([[("get_callback_status", {}), ("cancel_callback", {"confirmed": False})]])
    results = run(llm, callback_tools(FOUND))
    assert llm.sent_tools == [schemas()]  # what the model would be sent
    status = results["call-0"]
    assert status["tool"] == "get_callback_status" and status["ok"] and status["found"] is True
    assert status["position"] == 4 and status["wait_seconds"] == 720 and "4" in status["say"]
    with cbstatus.Client() as c, c.lookup(FOUND) as r:
        assert status["say"] == r.text
    dry = results["call-1"]
    assert dry["tool"] == "cancel_callback" and dry["done"] is False  # nothing on a guess


def test_register_on_the_service(cbstatus):
    llm = ScriptedLLM([[("get_callback_status", {})]])
    tools = register(llm, callback_tools(NOT_FOUND))
    assert all(llm.has_function(name) for name in TOOL_NAMES)
    results = run(llm, tools)
    assert results["call-0"]["found"] is False and results["call-0"]["ok"]


def test_handlers_for_register_function(cbstatus):
    llm = ScriptedLLM([[("get_callback_status", {})]])
    for name, handler in handlers(FOUND).items():
        llm.register_function(name, handler)
    results = run(llm, [s for s in function_schemas(FOUND)])
    assert results["call-0"]["position"] == 4


@pytest.mark.parametrize("arguments", [{"caller_number": NOT_FOUND}, {"number": NOT_FOUND}, {"caller": NOT_FOUND}])
def test_the_model_cannot_change_the_caller(cbstatus, arguments):
    llm = ScriptedLLM([[("get_callback_status", arguments)]])
    result = run(llm, callback_tools(FOUND))["call-0"]
    assert result["ok"] is False and result["error"] in ("invalid_arguments", "number_argument_not_allowed")
    assert "found" not in result or result["found"] is not False  # never the other caller's answer


def test_missing_pipecat_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "pipecat" or m.startswith("pipecat.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pipecat", None)  # import pipecat raises ImportError
    import importlib

    import cbstatus.tools.pipecat as adapter

    importlib.reload(adapter)  # importing the adapter needs no framework: only using it does
    with pytest.raises(ImportError, match=r"pip install 'cbstatus\[pipecat\]'"):
        adapter.callback_tools(FOUND)


def test_agent_assist_opt_in_takes_the_number_argument(cbstatus):
    llm = ScriptedLLM([[("get_callback_status", {"caller_number": NOT_FOUND}), ("get_callback_status", {})]])
    results = run(llm, callback_tools(FOUND, allow_number_argument=True))
    assert llm.sent_tools == [schemas(allow_number_argument=True)]
    assert results["call-0"]["ok"] and results["call-0"]["found"] is False  # the typed number
    assert results["call-1"]["found"] is True  # omitted: the call's own
