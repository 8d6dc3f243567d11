"""A live web-chat room in the test's own event loop, and a WebSocket "tab" to talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import websockets

from agents.backends.pool import LLMPool
from agents.packs import load_pack
from agents.persona import Persona
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.platforms.webchat import WebChatPlatform
from bot.runs.session import SessionResult, run_session


class LiveRoom:
    def __init__(self, platform: WebChatPlatform, url: str, task: asyncio.Task) -> None:
        self.platform = platform
        self.url = url
        self.task = task

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.platform.port}/ws"

    @property
    def engine(self):
        return self.platform.engine

    async def stop(self) -> SessionResult:
        self.engine.request_stop("test over")
        self.platform.close_room()
        return await asyncio.wait_for(self.task, 15)


@asynccontextmanager
async def live_room(db: Path, model: str = "fake", *, speed: float = 0.0, seed: int = 7,
                    ring_size: int = 2048, token: str | None = None,
                    pitch: str | None = None, policy: Policy | None = None,
                    personas: list[Persona] | None = None) -> AsyncIterator[LiveRoom]:
    urls: asyncio.Queue[str] = asyncio.Queue()
    platform = WebChatPlatform(port=0, token=token, announce=urls.put_nowait, ring_size=ring_size)
    settings = RunSettings(seed=seed, speed=speed, stop_when_quiet=False)
    task = asyncio.create_task(run_session(load_pack("board"), LLMPool(model), db, settings,
                                           platform, pitch=pitch, policy=policy,
                                           personas=personas))
    url = await asyncio.wait_for(urls.get(), 15)
    live = LiveRoom(platform, url, task)
    try:
        yield live
    finally:
        if not task.done():
            await live.stop()


class Tab:
    """One browser tab, speaking the web chat's WebSocket protocol."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._ref = 0

    @classmethod
    async def open(cls, live: LiveRoom, after: int = -1, run_id: str | None = None,
                   **connect: Any) -> Tab:
        ws = await websockets.connect(live.ws_url, **connect)
        await ws.send(json.dumps({"op": "hello", "after": after,
                                  "run_id": run_id or live.engine.run_id}))
        return cls(ws)

    async def send(self, **op: Any) -> int:
        self._ref += 1
        await self.ws.send(json.dumps({**op, "ref": self._ref}))
        return self._ref

    async def until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 10) -> dict:
        """The first frame, already received or still to come, for which `done` is true."""
        for frame in self.frames:
            if done(frame):
                return frame

        async def read() -> dict:
            while True:
                frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if done(frame):
                    return frame
        return await asyncio.wait_for(read(), timeout)

    async def reply_to(self, ref: int, timeout: float = 10) -> dict:
        return await self.until(lambda f: f.get("ref") == ref and f["type"] in ("ack", "error"),
                                timeout)

    def seqs(self) -> list[int]:
        return [f["seq"] for f in self.frames if f["type"] in ("message", "reaction", "status")]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]

    async def close(self) -> None:
        await self.ws.close()

    async def drain(self, timeout: float = 15) -> int | None:
        """Read every frame until the server closes the socket; returns the close code."""
        async def read() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for raw in self.ws:
                    self.frames.append(json.loads(raw))
        await asyncio.wait_for(read(), timeout)
        return self.ws.close_code


async def stored_seqs(db: Path, run_id: str) -> list[int]:
    """What the transcript holds for a run (messages, reactions, status), in order."""
    from bot.transcript import Transcript
    from bot.transcript.queries import load_events, load_participants

    async with Transcript(db) as t:
        events = await load_events(t.conn, run_id, await load_participants(t.conn, run_id))
    return [e.seq for e in events]
