"""The orchestrator hooks the web chat needs: human reactions, muting a persona, thread posts."""

from __future__ import annotations

import pytest

from agents.backends.fake import FakeLLM
from bot.engine.human_input import HumanInputError
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.scenarios import Discussion
from bot.transcript import Transcript
from bot.transcript.events import ReactionEvent, StatusEvent
from bot.transcript.queries import load_run


def _reply_always(request):
    return {"action": "reply", "text": f"{request.persona.first_name} answers."}


async def _room(transcript, board, script=_reply_always) -> Orchestrator:
    llm = FakeLLM(script)
    room = Orchestrator(board, lambda p: llm, transcript, RunSettings(seed=1, speed=0),
                        policy=Discussion(), model_name="fake")
    await room.start()
    return room


async def test_a_human_reaction_is_recorded_once_and_validated(db_path, board):
    shown = []
    async with Transcript(db_path) as transcript:
        room = await _room(transcript, board)
        room.subscribe(shown.append)
        message = await room.post_human("Alex", "A pitch.")
        first = await room.post_human_reaction("Alex", message.id, "👍")
        assert isinstance(first, ReactionEvent) and first.author_id == "human:alex"
        assert await room.post_human_reaction("Alex", message.id, "👍") is None
        assert await room.post_human_reaction("Sam", message.id, "👍") is not None  # a new joiner
        for bad in ("lol", "", "👍 👍", "<b>", "é", "👍x"):
            with pytest.raises(HumanInputError, match="one emoji"):
                await room.post_human_reaction("Alex", message.id, bad)
        with pytest.raises(HumanInputError, match="no message 99"):
            await room.post_human_reaction("Alex", 99, "🔥")
        assert await room.post_human_reaction("Alex", message.id, "1️⃣") is not None
        assert await room.post_human_reaction("Alex", message.id, "👩‍💻") is not None
        room.request_stop("done")
        await room.run()
        view = await load_run(transcript.conn, room.run_id)
    assert [(r.author_name, r.emoji) for r in view.reactions] == [
        ("Alex", "👍"), ("Sam", "👍"), ("Alex", "1️⃣"), ("Alex", "👩‍💻")]
    assert sum(isinstance(e, ReactionEvent) for e in shown) == 4


async def test_a_muted_persona_takes_no_turns_even_when_mentioned(db_path, board):
    async with Transcript(db_path) as transcript:
        room = await _room(transcript, board)
        room.mute("marcus")
        room.mute("marcus")  # idempotent: recorded once
        with pytest.raises(HumanInputError, match="no persona 'nobody'"):
            room.mute("nobody")
        await room.post_human("Alex", "@Marcus what do you say?")
        await room.run()
        view = await load_run(transcript.conn, room.run_id)
        assert "marcus" not in {m.author_id for m in view.messages}
        assert [e.kind for e in view.events if isinstance(e, StatusEvent)].count("muted") == 1
        assert room.muted_ids() == ["marcus"]

        again = await _room(transcript, board)
        again.mute("marcus")
        again.mute("marcus", False)
        await again.post_human("Alex", "@Marcus what do you say?")
        await again.run()
        view = await load_run(transcript.conn, again.run_id)
    assert "marcus" in {m.author_id for m in view.messages}


async def test_thread_posts_are_validated_and_replies_stay_in_their_thread(db_path, board):
    async with Transcript(db_path) as transcript:
        room = await _room(transcript, board, lambda r: {"action": "ignore"})
        root = await room.post_human("Alex", "Root message.")
        inside = await room.post_human("Alex", "In the thread.", thread_id=root.id)
        assert inside.thread_id == root.id
        answer = await room.post_human("Sam", "Replying in it.", reply_to=inside.id)
        assert answer.thread_id == root.id  # a reply stays in its parent's thread
        with pytest.raises(HumanInputError, match="no thread"):
            await room.post_human("Alex", "Nested?", thread_id=inside.id)
        with pytest.raises(HumanInputError, match="no thread"):
            await room.post_human("Alex", "Nowhere", thread_id=42)
        room.request_stop("done")
        await room.run()
