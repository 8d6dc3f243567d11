"""Anthropic Message Batches through the real SDK, against a local server speaking the wire protocol."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from agents.llm.base import LLMError

anthropic = pytest.importorskip("anthropic")
web = pytest.importorskip("aiohttp.web")

from agents.llm.message_batches import run_message_batch  # noqa: E402


class FakeBatchesAPI:
    """POST /v1/messages/batches, GET …/{id} (in progress for `polls` looks), GET …/{id}/results,
    POST …/{id}/cancel. Answers each request by its params: a decision tool call, or an error
    when the prompt says "fail"."""

    def __init__(self, polls: int = 2) -> None:
        self.polls = polls
        self.batches: dict[str, dict] = {}
        self.cancelled: list[str] = []
        self.keys: list[str | None] = []
        self.base = ""

    def _batch(self, batch_id: str) -> dict:
        state = self.batches[batch_id]
        ended = state["looks"] >= self.polls or batch_id in self.cancelled
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        n = len(state["requests"])
        return {
            "id": batch_id, "type": "message_batch", "created_at": now, "expires_at": now,
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {"processing": 0 if ended else n, "succeeded": n if ended else 0,
                               "errored": 0, "canceled": 0, "expired": 0},
            "ended_at": now if ended else None,
            "results_url": f"{self.base}/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    async def create(self, request):
        # The SDK sends the key as x-api-key or, in 2.x, as a bearer token.
        self.keys.append(request.headers.get("x-api-key") or request.headers.get("authorization"))
        body = await request.json()
        batch_id = f"msgbatch_{len(self.batches) + 1}"
        self.batches[batch_id] = {"requests": body["requests"], "looks": 0}
        return web.json_response(self._batch(batch_id))

    async def retrieve(self, request):
        batch_id = request.match_info["id"]
        self.batches[batch_id]["looks"] += 1
        return web.json_response(self._batch(batch_id))

    async def cancel(self, request):
        self.cancelled.append(request.match_info["id"])
        return web.json_response(self._batch(request.match_info["id"]))

    async def results(self, request):
        lines = []
        for item in reversed(self.batches[request.match_info["id"]]["requests"]):  # any order
            params = item["params"]
            prompt = params["messages"][-1]["content"]
            if "fail" in prompt:
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "prompt is too long"}}}
            else:
                result = {"type": "succeeded", "message": {
                    "id": "msg_" + item["custom_id"], "type": "message", "role": "assistant",
                    "model": params["model"], "stop_reason": "tool_use", "stop_sequence": None,
                    "content": [{"type": "tool_use", "id": "toolu_1", "name": "decision",
                                 "input": {"action": "reply", "text": f"re: {prompt}"}}],
                    "usage": {"input_tokens": 12, "output_tokens": 7}}}
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return web.Response(body="\n".join(lines) + "\n", content_type="application/binary")


@pytest.fixture
async def batches_api():
    api = FakeBatchesAPI()
    app = web.Application()
    app.router.add_post("/v1/messages/batches", api.create)
    app.router.add_get("/v1/messages/batches/{id}", api.retrieve)
    app.router.add_get("/v1/messages/batches/{id}/results", api.results)
    app.router.add_post("/v1/messages/batches/{id}/cancel", api.cancel)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    api.base = f"http://127.0.0.1:{port}"
    client = anthropic.AsyncAnthropic(api_key="sk-test", base_url=api.base, max_retries=0)
    yield api, client
    await client.close()
    await runner.cleanup()


def params(prompt: str) -> dict:
    return {"model": "claude-haiku-4-5", "max_tokens": 100,
            "messages": [{"role": "user", "content": prompt}],
            "tools": [{"name": "decision", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "tool", "name": "decision"}}


async def test_a_batch_is_polled_until_it_ends_and_answers_in_request_order(batches_api):
    api, client = batches_api
    answers = await run_message_batch(client, [params("one"), params("fail me"), params("three")],
                                      poll_seconds=0.01)
    assert api.batches["msgbatch_1"]["looks"] == 3  # 2 polls, then the SDK looks up results_url
    assert [a.content[0].input["text"] for a in (answers[0], answers[2])] == ["re: one",
                                                                             "re: three"]
    assert answers[0].usage.input_tokens == 12
    assert isinstance(answers[1], LLMError) and "prompt is too long" in str(answers[1])
    assert len(api.keys) == 1 and api.keys[0].endswith("sk-test")


async def test_a_batch_nobody_waits_for_is_cancelled(batches_api):
    api, client = batches_api
    api.polls = 1_000
    task = asyncio.create_task(run_message_batch(client, [params("one")], poll_seconds=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert api.cancelled == ["msgbatch_1"]


async def test_the_deadline_cancels_the_batch_with_a_clear_error(batches_api):
    api, client = batches_api
    api.polls = 1_000
    with pytest.raises(LLMError, match="did not end within 0.1s"):
        await run_message_batch(client, [params("one")], poll_seconds=0.02, deadline=0.1)
    assert api.cancelled == ["msgbatch_1"]
