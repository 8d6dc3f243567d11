"""Model backends benchmark: prompt layout and caching, HTTP throughput vs its bound, local model.

    PYTHONPATH=. python bench/bench_llm.py [--messages 40] [--latency 0.25] [--concurrency 16]

1. A 7-persona board room (pack `board`, discussion scenario) runs to 40 messages with the real
   Anthropic backend against the local fake Messages API. For every decision request we count the
   tokens of the cacheable prefix (tool + persona system prompt, up to the `cache_control`
   breakpoint) and of the rest (the conversation), with a real BPE tokenizer (SmolLM2's, from the
   embedded GGUF; Claude's tokenizer differs by some percent, the ratio hardly).
2. Calls/s through the Anthropic backend against the fake server with a fixed latency, vs the
   bound concurrency ÷ latency.
3. The embedded model: time to first reply (cold: load + generate), tokens/s, RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.llm.anthropic_api import AnthropicLLM  # noqa: E402
from agents.llm.local_llama import LocalLLM, chat_for, embedded_model_path  # noqa: E402
from agents.llm.pool import LLMPool  # noqa: E402
from agents.llm.remote import RemoteLimits  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.orchestrator import Budgets, Orchestrator, RunSettings  # noqa: E402
from bot.transcript import Transcript  # noqa: E402
from tests.fake_llm_servers import FakeAnthropic  # noqa: E402
from tests.llm_helpers import PITCH, agent_for, decision_request, pitch_context  # noqa: E402

MIN_CACHEABLE = {"Sonnet 4.x / Opus 4.0-4.1": 1024, "Haiku 4.5 / Opus 4.5": 4096}


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


async def prompt_layout(messages: int) -> None:
    count = tokenizer()
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeAnthropic() as server, Transcript(Path(tmp) / "bench.db") as transcript:
            os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench"
            os.environ["ANTHROPIC_BASE_URL"] = server.base_url
            pool = LLMPool("anthropic:claude-haiku-4-5")
            settings = RunSettings(seed=1, speed=0, stop_when_quiet=False,
                                   budgets=Budgets(max_messages=messages, max_seconds=60))
            room = Orchestrator(load_pack("board"), pool.for_persona, transcript, settings,
                                model_name=pool.default_spec, title=PITCH)
            await room.start()
            driver = asyncio.create_task(meeting(room))
            reason = await room.run()
            driver.cancel()
            await pool.aclose()
    prefix, rest = [], []
    for received in server.received:
        cacheable, changing = server.split_prefix(received.body)
        prefix.append(count(cacheable))
        rest.append(count(changing))
    total = [p + r for p, r in zip(prefix, rest, strict=True)]
    print(f"\n1. prompt layout — board pack, 7 personas, {room.usage.messages} messages "
          f"(an agenda item every 0.3 s; ended by {reason}), {len(total)} decisions")
    print(f"   prompt tokens per decision: mean {statistics.mean(total):.0f}, "
          f"median {statistics.median(total):.0f}, max {max(total)}")
    print(f"   cacheable prefix (tool + persona system prompt): mean {statistics.mean(prefix):.0f} "
          f"tokens, {min(prefix)}-{max(prefix)}")
    print(f"   conversation after it: mean {statistics.mean(rest):.0f} tokens")
    print(f"   fraction of input tokens in the cacheable prefix: {sum(prefix) / sum(total):.1%}")
    print(f"   a stable prefix reaching 90% would be ≥ 9 × the conversation: "
          f"~{9 * statistics.mean(rest):.0f} tokens")
    for models, minimum in MIN_CACHEABLE.items():
        share = sum(p >= minimum for p in prefix) / len(prefix)
        print(f"   prefixes long enough for Anthropic to cache ({models}: ≥{minimum}): {share:.0%}")


SERVE = """
import asyncio, sys
sys.path.insert(0, {root!r})
from tests.fake_llm_servers import FakeAnthropic
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
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--calls", type=int, default=320)
    parser.add_argument("--replies", type=int, default=14)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, shared with other jobs; "
          f"Python {sys.version.split()[0]}")
    asyncio.run(prompt_layout(args.messages))
    asyncio.run(throughput(args.concurrency, args.latency, args.calls))
    asyncio.run(local_model(args.replies))


if __name__ == "__main__":
    main()
