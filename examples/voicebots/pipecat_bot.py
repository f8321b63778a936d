"""A pipecat phone bot that answers "where is my callback?" with cbstatus's tools.

Twilio (or Telnyx, Exotel) streams the call to this bot over a WebSocket; the caller's number
comes from the call (Twilio: the ``from_number`` stream parameter set in the TwiML below;
Telnyx and Exotel send ``from`` themselves), never from the model. Speech to text, the model
and text to speech are OpenAI's, so the only key is ``OPENAI_API_KEY``; cbstatus is
configured as everywhere else (``CBSTATUS_API_URL``, ``CBSTATUS_TOKEN``, ``CBSTATUS_WIDGET_ID``).

    pip install 'cbstatus[pipecat]' 'pipecat-ai[openai,runner,websocket]'
    OPENAI_API_KEY=... CBSTATUS_API_URL=... python pipecat_bot.py -t twilio -x YOUR.PUBLIC.HOST

TwiML of the Twilio number (pipecat's runner serves the WebSocket at /ws)::

    <Response><Connect><Stream url="wss://YOUR.PUBLIC.HOST/ws">
      <Parameter name="from_number" value="{{From}}"/>
    </Stream></Connect></Response>
"""

import os

from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.runner.types import RunnerArguments
from pipecat.runner.utils import create_transport, parse_telephony_websocket
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams
from pipecat.workers.runner import WorkerRunner

from cbstatus.tools.pipecat import callback_tools, register

INSTRUCTIONS = (
    "You answer the phone for our contact centre. You can tell callers where their callback "
    "request stands, offer and book a callback, or cancel one, with the tools. Say the tools' "
    "`say` sentences as they are. Book or cancel only after the caller said yes to what you "
    "read back. Keep answers short: this is a phone call."
)


async def bot(runner_args: RunnerArguments) -> None:
    _, call_data = await parse_telephony_websocket(runner_args.websocket)
    caller = call_data.get("from") or ""  # "" (withheld): the tools answer invalid_number
    transport = await create_transport(
        runner_args,
        {name: lambda: FastAPIWebsocketParams(audio_in_enabled=True, audio_out_enabled=True)
         for name in ("twilio", "telnyx", "exotel")},
    )
    key = os.environ["OPENAI_API_KEY"]
    llm = OpenAILLMService(api_key=key)
    # The four tools bound to this call's caller; the model sees no number argument.
    tools = register(llm, callback_tools(caller, locale=os.environ.get("CBSTATUS_LOCALE")))
    context = LLMContext([{"role": "system", "content": INSTRUCTIONS}], tools=tools)
    aggregators = LLMContextAggregatorPair(context)
    pipeline = Pipeline([
        transport.input(),
        OpenAISTTService(api_key=key),
        aggregators.user(),
        llm,
        OpenAITTSService(api_key=key),
        transport.output(),
        aggregators.assistant(),
    ])
    worker = PipelineWorker(pipeline, params=PipelineParams(audio_in_sample_rate=8000, audio_out_sample_rate=8000))
    runner = WorkerRunner(handle_sigint=runner_args.handle_sigint)
    await runner.add_workers(worker)
    await runner.run()


if __name__ == "__main__":
    from pipecat.runner.run import main

    main()
