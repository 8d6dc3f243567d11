"""The fake Anthropic API (tests/support/fake_llm_servers.py) plus its Message Batches endpoints.

POST /v1/messages/batches, GET …/{id} (in progress for `polls` looks), GET …/{id}/results (JSONL,
in reverse order: the real API promises no order), POST …/{id}/cancel. Each batched request gets
what POST /v1/messages would have answered it; a prompt containing "fail" comes back errored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiohttp import web

from tests.support.fake_llm_servers import FakeAnthropic, Received


class FakeAnthropicBatches(FakeAnthropic):
    def __init__(self, polls: int = 2, **options) -> None:
        super().__init__(**options)
        self.polls = polls
        self.batches: dict[str, dict] = {}
        self.cancelled: list[str] = []

    def routes(self) -> list[web.RouteDef]:
        return [*super().routes(),
                web.post("/v1/messages/batches", self._create),
                web.get("/v1/messages/batches/{id}", self._retrieve),
                web.get("/v1/messages/batches/{id}/results", self._results),
                web.post("/v1/messages/batches/{id}/cancel", self._cancel)]

    @property
    def batch_sizes(self) -> list[int]:
        return [len(b["requests"]) for b in self.batches.values()]

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
            "results_url": (f"{self.base_url}/v1/messages/batches/{batch_id}/results"
                            if ended else None),
        }

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(Received.of(request, body))
        batch_id = f"msgbatch_{len(self.batches) + 1}"
        self.batches[batch_id] = {"requests": body["requests"], "looks": 0}
        return web.json_response(self._batch(batch_id))

    async def _retrieve(self, request: web.Request) -> web.Response:
        batch_id = request.match_info["id"]
        self.batches[batch_id]["looks"] += 1
        return web.json_response(self._batch(batch_id))

    async def _cancel(self, request: web.Request) -> web.Response:
        self.cancelled.append(request.match_info["id"])
        return web.json_response(self._batch(request.match_info["id"]))

    async def _results(self, request: web.Request) -> web.Response:
        lines = []
        for item in reversed(self.batches[request.match_info["id"]]["requests"]):
            params = item["params"]
            if "fail" in json.dumps(params["messages"][-1]["content"]):
                result = {"type": "errored", "error": {"type": "error", "error": {
                    "type": "invalid_request_error", "message": "prompt is too long"}}}
            else:
                result = {"type": "succeeded", "message": self._default(params)}
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return web.Response(body="\n".join(lines) + "\n", content_type="application/binary")
