"""`townhall eval` through the Anthropic backend against the fake Anthropic server, with no key
and no network: the paid path end to end (estimate, prompt, cost, response cache, --max-cost).

    PYTHONPATH=. python bench/eval_fake_anthropic.py PACK [more townhall eval options]

The fake server (tests/support/fake_llm_servers.py) answers every request with one sentence, so
the scores must sit at chance; docs/eval.md shows a run on the Chit-Chat sample.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading

from tests.support.fake_llm_servers import FakeAnthropic

MODEL = "anthropic:claude-haiku-4-5"


def serve_in_background() -> str:
    """The fake server on its own event loop in a thread (the CLI runs its own loop)."""
    ready, found = threading.Event(), {}

    def serve() -> None:
        loop = asyncio.new_event_loop()
        fake = FakeAnthropic()
        loop.run_until_complete(fake.start())
        found["url"] = fake.base_url
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait()
    return found["url"]


def main() -> None:
    os.environ["ANTHROPIC_BASE_URL"] = serve_in_background()
    os.environ["ANTHROPIC_API_KEY"] = "sk-ant-fake"
    from bot.cli import app

    sys.argv = ["townhall", "eval", *sys.argv[1:], "--model", MODEL]
    app(prog_name="townhall")


if __name__ == "__main__":
    main()
