"""Model backends benchmark: prompt layout and caching, HTTP throughput vs its bound, local model.

    PYTHONPATH=. python bench/bench_llm.py [--messages 40] [--blocks 1,8,16,28] [--latency 0.25]
                                           [--concurrency 16] [--skip-local]

1. A 7-persona board room (pack `board`, discussion scenario) runs to 40 messages with the real
   Anthropic backend against the local fake Messages API, once per window block size (--blocks;
   1 = the old sliding window). For every decision request we replay Anthropic's documented prompt
   cache over what was actually sent (tests.support.fake_llm_servers.PromptCache: a breakpoint writes the
   prefix up to it if it reaches the model's minimum; a request reads the longest prefix written
   before that ends at one of its block boundaries, ≤ 20 blocks back from a breakpoint), counting
   tokens with a real BPE tokenizer (SmolLM2's, from the embedded GGUF; Claude's differs by some
   percent, the ratios hardly), at the 1,024 and the 4,096-token minimums. Also shown: what the
   fake server itself reported (its llm_calls.cached_input_tokens; it counts ~4 chars a token).
2. Calls/s through the Anthropic backend against the fake server with a fixed latency, vs the
   bound concurrency ÷ latency.
3. The embedded model: time to first reply (cold: load + generate), tokens/s, RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.backends.anthropic_api import AnthropicLLM  # noqa: E402
from agents.backends.local_llama import LocalLLM, chat_for, embedded_model_path  # noqa: E402
from agents.backends.pool import LLMPool  # noqa: E402
from agents.backends.remote import RemoteLimits  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.engine.budgets import Budgets  # noqa: E402
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.scenarios import Discussion  # noqa: E402
from bot.transcript import Transcript  # noqa: E402
from tests.support.fake_llm_servers import FakeAnthropic, PromptCache, prompt_blocks  # noqa: E402
from tests.support.llm import PITCH, agent_for, decision_request, pitch_context  # noqa: E402

MIN_CACHEABLE = {"Sonnet 4.x / Opus 4.0-4.1": 1024, "Haiku 4.5 / Opus 4.5-4.6": 4096}
MODEL = "claude-sonnet-4-6"  # the fake server applies this model's 1,024-token minimum


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def tokenizer():
    from llama_cpp import Llama

    vocab = Llama(model_path=str(embedded_model_path()), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode(), add_bos=False, special=False))


AGENDA = [
    PITCH,
    "Item 2: Q3 numbers. Revenue grew 12%, churn is flat at 9%, support backlog is three days.",
    "Item 3: should we open a second office in Lisbon to hire engineers at lower cost?",
    "Item 4: the CFO proposes a $40M buyback. Thoughts?",
    "Item 5: a competitor offered to sell us their payroll product for $60M.",
    "Item 6: do we raise prices 8% for new customers next year?",
    "Item 7: an AI assistant in the product, built in-house or bought?",
    "Item 8: any other business before we close?",
]


async def meeting(room: Orchestrator) -> None:
    """Management brings the next agenda item (a second round if need be) every 0.3 s, until the
    message budget ends the meeting."""
    for number in range(3 * len(AGENDA)):
        if room.finished.is_set():
            return
        item = AGENDA[number % len(AGENDA)]
        text = item if number < len(AGENDA) else f"Back to: {item}"
        await room.post_human("Chair's office", text)
        await asyncio.sleep(0.3)


async def board_meeting(messages: int, block: int) -> tuple[list[dict], list[tuple], str, int]:
    """Run the meeting; (request bodies as sent, the llm_calls rows, stop reason, messages)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        async with FakeAnthropic() as server, Transcript(db) as transcript:
            os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench"
            os.environ["ANTHROPIC_BASE_URL"] = server.base_url
            pool = LLMPool(f"anthropic:{MODEL}")
            settings = RunSettings(seed=1, speed=0, stop_when_quiet=False, window_block=block,
                                   budgets=Budgets(max_messages=messages, max_seconds=60))
            room = Orchestrator(load_pack("board"), pool.for_persona, transcript, settings,
                                policy=Discussion(), model_name=pool.default_spec, title=PITCH)
            await room.start()
            driver = asyncio.create_task(meeting(room))
            reason = await room.run()
            driver.cancel()
            await pool.aclose()
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT input_tokens, cached_input_tokens, cache_creation_tokens "
                                "FROM llm_calls WHERE run_id = ? AND error IS NULL",
                                (room.run_id,)).fetchall()
    return [r.body for r in server.received], rows, reason, room.totals.messages


async def prompt_layout(messages: int, blocks: list[int]) -> None:
    count = tokenizer()
    print(f"\n1. prompt caching — board pack, 7 personas, {messages} messages (an agenda item every "
          f"0.3 s), model {MODEL}; window ≥ 12 messages, oldest moving in jumps of B")
    for block in blocks:
        bodies, rows, reason, posted = await board_meeting(messages, block)
        sent = [prompt_blocks(body) for body in bodies]
        total = [sum(count(text) for text, _ in request) for request in sent]
        marked = [sum(count(text) for text, _ in request[:max(i for i, (_, m) in
                      enumerate(request) if m) + 1]) for request in sent]
        shown = [len(body["messages"][0]["content"]) - 2 for body in bodies]
        label = "sliding window (before)" if block == 1 else f"B = {block}"
        print(f"   {label}: {len(sent)} decisions, {posted} messages (ended by {reason}); "
              f"window {min(shown)}-{max(shown)} messages")
        print(f"      prompt tokens per decision: mean {statistics.mean(total):.0f}, "
              f"median {statistics.median(total):.0f}, max {max(total)}; marked for caching "
              f"(up to the last breakpoint) {sum(marked) / sum(total):.1%}")
        for models, minimum in MIN_CACHEABLE.items():
            cache = PromptCache(count, minimum)
            uses = [cache.serve(request) for request in sent]
            read = sum(u.read for u in uses)
            hits = sum(u.read > 0 for u in uses)
            written = sum(u.written for u in uses)
            # Anthropic bills a cache write at 1.25x the input price and a read at 0.1x.
            billed = sum(total) - read - written + 1.25 * written + 0.1 * read
            print(f"      served from cache, {models} (≥ {minimum}): {read / sum(total):.1%} of "
                  f"input tokens; {hits}/{len(uses)} requests hit; cache writes "
                  f"{written / sum(total):.1%}; input billed as "
                  f"{billed / len(uses):.0f} plain tokens per decision")
        fresh_and_cached, read, _ = (sum(column) for column in zip(*rows, strict=True))
        print(f"      the fake server's own report (llm_calls, ~4 chars/token, ≥ 1024): "
              f"cached_input_tokens {read / fresh_and_cached:.1%} of input_tokens")


SERVE = """
import asyncio, sys
sys.path.insert(0, {root!r})
from tests.support.fake_llm_servers import FakeAnthropic
async def serve():
    async with FakeAnthropic(latency={latency!r}) as server:
        print(server.base_url, flush=True)
        await asyncio.Event().wait()
asyncio.run(serve())
"""


async def throughput(concurrency: int, latency: float, calls: int) -> None:
    """The fake server runs in its own process, as a provider would: only our side is measured."""
    board = load_pack("board")
    root = str(Path(__file__).resolve().parent.parent)
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVE.format(root=root, latency=latency),
        stdout=asyncio.subprocess.PIPE)
    try:
        os.environ["ANTHROPIC_BASE_URL"] = (await server.stdout.readline()).decode().strip()
        os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench"
        llm = AnthropicLLM("claude-haiku-4-5", RemoteLimits(concurrency=concurrency, timeout=30,
                                                            max_retries=0, deadline=60))
        request = decision_request(board, llm)
        await asyncio.gather(*(llm.complete(request) for _ in range(concurrency)))  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(llm.complete(request) for _ in range(calls)))
        elapsed = time.perf_counter() - started
        await llm.aclose()
    finally:
        server.terminate()
        await server.wait()
    bound = concurrency / latency if latency else float("inf")
    rate = calls / elapsed
    print(f"\n2. throughput — {calls} calls, concurrency {concurrency}, fake latency {latency:g}s")
    print(f"   {rate:.1f} calls/s vs bound {bound:.1f} calls/s = {rate / bound:.1%}")


async def local_model(replies: int) -> None:
    board = load_pack("board")
    before = rss_mb()
    started = time.perf_counter()
    llm = LocalLLM()
    first = await agent_for(board, "marcus", llm).decide(pitch_context(board, mentioned=True))
    cold = time.perf_counter() - started
    out_tokens, gen_seconds, latencies = 0, 0.0, []
    for persona in [p.id for p in board.personas] * (replies // 7 + 1):
        if len(latencies) >= replies:
            break
        t = time.perf_counter()
        completion = await llm.complete(agent_for(board, persona, llm)._request(
            pitch_context(board, f"{PITCH} (take {len(latencies)})", mentioned=True),
            "Reply.", None))
        latencies.append(time.perf_counter() - t)
        out_tokens += completion.usage.output_tokens
        gen_seconds += latencies[-1]
    after = rss_mb()
    # Prompt processing and generation apart: the same prompt twice; llama.cpp keeps the first
    # call's KV cache, so the second call only generates.
    chat = chat_for(board.persona("helen"), pitch_context(board))
    t = time.perf_counter()
    prompt_tokens = (await asyncio.to_thread(llm._generate, chat, 1, 1))["usage"]["prompt_tokens"]
    prompt_seconds = time.perf_counter() - t
    t = time.perf_counter()
    generated = (await asyncio.to_thread(llm._generate, chat, 2, 64))["usage"]["completion_tokens"]
    generate_seconds = time.perf_counter() - t
    await llm.aclose()
    print(f"\n3. embedded model — SmolLM2-135M-Instruct Q4_1, n_threads={llm.threads}")
    print(f"   time to first reply (cold: load + generate): {cold:.2f}s "
          f"→ {first.decision.text!r}")
    print(f"   {len(latencies)} more replies: median {statistics.median(latencies):.2f}s, "
          f"{out_tokens / gen_seconds:.0f} output tokens/s end to end (prompt processing included)")
    print(f"   prompt processing {prompt_tokens / prompt_seconds:.0f} tokens/s, generation "
          f"{generated / generate_seconds:.0f} tokens/s ({generated} tokens)")
    print(f"   RSS {after:.0f} MB (+{after - before:.0f} MB for the model)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--blocks", default="1,8,16,28",
                        help="window block sizes to compare (1 = the old sliding window)")
    parser.add_argument("--skip-local", action="store_true", help="skip part 3, the local model")
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--calls", type=int, default=320)
    parser.add_argument("--replies", type=int, default=14)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, shared with other jobs; "
          f"Python {sys.version.split()[0]}")
    asyncio.run(prompt_layout(args.messages, [int(b) for b in args.blocks.split(",")]))
    asyncio.run(throughput(args.concurrency, args.latency, args.calls))
    if not args.skip_local:
        asyncio.run(local_model(args.replies))


if __name__ == "__main__":
    main()
