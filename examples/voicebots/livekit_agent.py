"""A LiveKit Agents voice agent that answers "where is my callback?" with cbstatus's tools.

Calls reach the LiveKit room through LiveKit SIP; the caller's number is the SIP participant's
``sip.phoneNumber`` attribute, never the model's. Speech and the model go through LiveKit
Inference, so the only keys are the LiveKit project's (``LIVEKIT_URL``, ``LIVEKIT_API_KEY``,
``LIVEKIT_API_SECRET``); cbstatus is configured as everywhere else (``CBSTATUS_API_URL``,
``CBSTATUS_TOKEN``, ``CBSTATUS_WIDGET_ID``).

    pip install 'cbstatus[livekit]'
    python livekit_agent.py dev          # then dial the SIP trunk's number
"""

import os

from livekit import agents
from livekit.agents import Agent, AgentSession, JobContext, inference

from cbstatus.tools.livekit import callback_tools

INSTRUCTIONS = (
    "You answer the phone for our contact centre. You can tell callers where their callback "
    "request stands, offer and book a callback, or cancel one, with the tools. Say the tools' "
    "`say` sentences as they are. Book or cancel only after the caller said yes to what you "
    "read back. Keep answers short: this is a phone call."
)


async def entrypoint(ctx: JobContext) -> None:
    await ctx.connect()
    participant = await ctx.wait_for_participant()
    caller = participant.attributes.get("sip.phoneNumber", "")  # "": withheld
    agent = Agent(
        instructions=INSTRUCTIONS,
        # The four tools bound to this call's caller; the model sees no number argument.
        tools=callback_tools(caller, locale=os.environ.get("CBSTATUS_LOCALE")),
    )
    session = AgentSession(
        stt=inference.STT("deepgram/nova-3"),
        llm=inference.LLM("openai/gpt-4.1-mini"),
        tts=inference.TTS("cartesia/sonic-2"),
    )
    await session.start(agent=agent, room=ctx.room)
    await session.generate_reply(instructions="Greet the caller and ask how you can help.")


if __name__ == "__main__":
    agents.cli.run_app(agents.WorkerOptions(entrypoint_fnc=entrypoint))
