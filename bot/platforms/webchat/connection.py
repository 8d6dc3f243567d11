"""One browser tab on the WebSocket: hello and catch-up, then its posts, reactions and controls.

Everything a tab asks for goes through the orchestrator's public methods; every refusal comes back
as an `error` frame the tab shows next to the composer, with the text kept so nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from agents.lookalike import skeleton
from bot.engine.human_input import HumanInputError
from bot.platforms.rate_limit import TokenBucket
from bot.platforms.webchat.hub import Client, catch_up
from bot.platforms.webchat.limits import (
    MAX_NAME_CHARS,
    MAX_SPEED,
    POST_BURST,
    POST_PER_SECOND,
    REACT_BURST,
    REACT_PER_SECOND,
    REPLAY_AHEAD,
    REPLAY_BURST,
    REPLAY_PER_SECOND,
)
from bot.platforms.webchat.live import LiveRoom
from bot.platforms.webchat.wire import encode, event_payload, participants_payload, plain_title
from bot.transcript.queries import RunNotFound, load_run
from bot.transcript.replay import replay_into

HELLO_SECONDS = 10
REPLAY_MAX_GAP = 5.0  # a live room can sit idle for minutes; a replay shortens any pause to this
CLOSE_FINISHED, CLOSE_BEHIND = 1000, 1013


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: int | str | None = None


class Hello(_Op):
    op: Literal["hello"]
    after: int = -1
    run_id: str | None = None


class Post(_Op):
    op: Literal["post"]
    name: str
    text: str = Field(max_length=20_000)
    reply_to: int | None = None
    thread_id: int | None = None


class React(_Op):
    op: Literal["react"]
    name: str
    message_id: int
    emoji: str = Field(max_length=32)


class Control(_Op):
    op: Literal["pause", "resume", "stop", "replay_stop"]


class Speed(_Op):
    op: Literal["speed"]
    speed: float = Field(ge=0, le=MAX_SPEED)


class Mute(_Op):
    op: Literal["mute"]
    persona_id: str
    muted: bool = True


class Replay(_Op):
    op: Literal["replay"]
    run_id: str = Field(max_length=64)
    speed: float = Field(0.0, ge=0, le=MAX_SPEED)


_OPS = TypeAdapter(Annotated[Post | React | Control | Speed | Mute | Replay,
                             Field(discriminator="op")])


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"bad request ({where}: {first['msg']})" if where else f"bad request ({first['msg']})"


class Connection:
    def __init__(self, ws: WebSocket, live: LiveRoom) -> None:
        self.ws = ws
        self.live = live
        self.engine = live.engine
        self.client: Client | None = None
        self.posts = TokenBucket(POST_PER_SECOND, POST_BURST)
        self.reactions = TokenBucket(REACT_PER_SECOND, REACT_BURST)
        self.replays = TokenBucket(REPLAY_PER_SECOND, REPLAY_BURST)
        self.address = ws.client.host if ws.client else "unknown"
        self._replay: asyncio.Task | None = None
        self._replays = 0  # numbers each replay, so a tab ignores frames of one it replaced

    async def serve(self) -> None:
        await self.ws.accept()
        try:
            hello = Hello.model_validate_json(
                await asyncio.wait_for(self.ws.receive_text(), HELLO_SECONDS))
        except (TimeoutError, ValidationError, WebSocketDisconnect, KeyError):
            with contextlib.suppress(Exception):
                await self.ws.close(1008, "expected a hello first")
            return
        reset = hello.run_id is not None and hello.run_id != self.engine.run_id
        after = -1 if reset or hello.run_id is None else hello.after
        # Registering and snapshotting happen in one step with no await in between (see hub.py).
        self.client, snapshot = self.live.hub.join(after)
        hello_frame, state_frame = self.live.hello_frame(reset), self.live.state_frame()
        pump: asyncio.Task | None = None
        try:
            frames = await catch_up(after, snapshot, self.live.older_frames)
            pump = asyncio.create_task(self.client.pump(self.ws.send_text,
                                                        [hello_frame, *frames, state_frame]))
            pump.add_done_callback(self._pump_ended)
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is None:
                    await self._close(1003, "frames must be JSON text")
                    break
                await self._handle(message["text"])
        except WebSocketDisconnect:
            pass
        finally:
            self.live.hub.leave(self.client)
            for task in (pump, self._replay):
                if task is not None:
                    task.cancel()

    def _pump_ended(self, pump: asyncio.Task) -> None:
        if pump.cancelled() or pump.exception() is not None:
            return
        behind = self.client is not None and self.client.overflowed
        code, reason = (CLOSE_BEHIND, "too far behind; reconnect") if behind else \
            (CLOSE_FINISHED, "run finished")
        asyncio.ensure_future(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(code, reason)

    def _send(self, payload: dict, bounded: bool = True) -> None:
        assert self.client is not None
        self.client.push((None, encode(payload)), bounded)

    def _error(self, ref: int | str | None, message: str) -> None:
        self._send({"type": "error", "ref": ref, "message": message})

    async def _handle(self, raw: str) -> None:
        try:
            op = _OPS.validate_json(raw)
        except ValidationError as exc:
            ref = None
            with contextlib.suppress(Exception):
                ref = json.loads(raw).get("ref")
            self._error(ref if isinstance(ref, int | str) else None, _problem(exc))
            return
        try:
            await self._dispatch(op)
        except HumanInputError as exc:
            self._error(op.ref, str(exc))

    async def _dispatch(self, op: Post | React | Control | Speed | Mute | Replay) -> None:
        engine = self.engine
        running = self.live.finished_reason is None
        if isinstance(op, Replay):
            await self._start_replay(op)
            return
        if isinstance(op, Control) and op.op == "replay_stop":
            if self._replay:
                self._replay.cancel()
            return
        if isinstance(op, Control) and op.op == "stop":
            engine.request_stop("stopped from the web chat")
            self.live.closed.set()  # after the run's end, Stop closes the room that still shows it
            return
        if not running:
            raise HumanInputError("this run has ended")
        match op:
            case Post():
                name = self._check_name(op.name)
                wait = self.posts.try_take() or self.live.limits.wait("post", self.address,
                                                                      skeleton(name))
                if wait:
                    raise HumanInputError(f"slow down: you can post again in {wait:.0f} s")
                event = await engine.post_human(name, op.text, op.reply_to, op.thread_id)
                self._send({"type": "ack", "ref": op.ref, "id": event.id, "seq": event.seq})
            case React():
                name = self._check_name(op.name)
                wait = self.reactions.try_take() or self.live.limits.wait("react", self.address,
                                                                          skeleton(name))
                if wait:
                    raise HumanInputError(f"slow down: you can react again in {wait:.0f} s")
                event = await engine.post_human_reaction(name, op.message_id, op.emoji)
                self._send({"type": "ack", "ref": op.ref, "seq": event.seq if event else None})
            case Control(op="pause"):
                engine.pause()
            case Control(op="resume"):
                engine.resume()
            case Speed():
                engine.set_speed(op.speed)
            case Mute():
                engine.mute(op.persona_id, op.muted)

    def _check_name(self, name: str) -> str:
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
            raise HumanInputError(f"pick a display name of 1 to {MAX_NAME_CHARS} characters")
        if skeleton(name) in self.live.persona_skeletons:  # "Неlеn" in Cyrillic is not Helen either
            raise HumanInputError(f"'{name}' is a persona in this room — pick another display name")
        refused = self.live.limits.name_refused(self.address, skeleton(name))
        if refused:
            raise HumanInputError(refused)
        return name

    async def _start_replay(self, op: Replay) -> None:
        wait = self.replays.try_take()  # each replay reads a whole run: 100 at once pinned the CPU
        if wait:
            raise HumanInputError(f"slow down: you can start a replay again in {wait:.0f} s")
        if self._replay:
            self._replay.cancel()
        try:
            view = await load_run(self.live.reader, op.run_id)
        except RunNotFound as exc:
            raise HumanInputError(str(exc)) from None
        run = {k: view.run[k] for k in ("id", "pack", "model", "status", "started_at",
                                        "finished_at", "stop_reason")}
        run["title"] = plain_title(view.run["title"])
        self._replays += 1
        number = self._replays
        self._send({"type": "replay_start", "replay": number, "run": run, "speed": op.speed,
                    "participants": participants_payload(view.participants.values())}, False)

        async def room() -> None:  # a replay at speed 0 queued a whole run at once, per request
            while self.client is not None and self.client.queue.qsize() >= REPLAY_AHEAD:
                await asyncio.sleep(0.05)

        async def play() -> None:
            await replay_into(view.events, lambda e: self._send(
                {"type": "replay", "replay": number, "event": event_payload(e)}, False), op.speed,
                REPLAY_MAX_GAP, room)
            self._send({"type": "replay_end", "replay": number, "run_id": run["id"]}, False)

        self._replay = asyncio.create_task(play(), name=f"replay-{run['id']}")
