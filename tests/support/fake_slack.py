"""A small Slack for tests: the Web API methods townhall uses and Socket Mode, enough for the real
slack_sdk and slack-bolt: `apps.connections.open` hands out a ws:// URL, events arrive as
envelopes the client must ack, and an envelope left unacked is delivered again (retry_attempt + 1)
on the next connection, as Slack does."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web

from tests.support.fake_http import FakeHTTPServer, serve_by_hand

SCOPES = (
    "chat:write,chat:write.customize,reactions:write,users:read,channels:read,"
    "channels:history,groups:read,groups:history"
)
# A few of Slack's emoji names (its own short names: "thumbsup", "thinking_face", not CLDR's).
EMOJI_NAMES = {
    "thumbsup",
    "+1",
    "thinking_face",
    "eyes",
    "fire",
    "pray",
    "handshake",
    "joy",
    "heart",
    "100",
    "fox_face",
    "panda_face",
}


@dataclass
class RateLimit:
    method: str
    retry_after: int
    times: int


@dataclass
class Envelope:
    id: str
    payload: dict
    attempts: int = 0
    acked: bool = False


@dataclass
class SocketState:
    connections: int = 0
    ws: web.WebSocketResponse | None = None
    pending: list[Envelope] = field(default_factory=list)


class FakeSlack(FakeHTTPServer):
    def __init__(
        self,
        *,
        bot_token: str = "xoxb-good",
        app_token: str = "xapp-good",
        scopes: str = SCOPES,
        app_in_channel: bool = True,
        echo: bool = False,
    ) -> None:
        super().__init__()
        self.echo = echo
        self.bot_token, self.app_token, self.scopes = bot_token, app_token, scopes
        self.team_id, self.app_id = "T0TEST", "A0TEST"
        self.bot_user_id, self.bot_id = "U0BOT", "B0BOT"
        self.channel_id, self.channel_name = "C0GENERAL", "general"
        self.app_in_channel = app_in_channel
        self.users = {"U0ANA": "Ana", "U0BEN": "Ben"}
        self.messages: dict[str, dict] = {}  # ts → message
        self.reactions: list[tuple[str, str]] = []  # (ts, name)
        self.requests: list[tuple[str, int]] = []  # (method, HTTP status)
        self.rate_limits: list[RateLimit] = []
        self.failures: list[tuple[str, str]] = []  # (method, error), answered in turn
        self.socket = SocketState()
        self.drop_after_next_envelope = False
        self.redeliveries = 0
        self._clock = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link", self._link)
        return app

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    async def close(self) -> None:
        if self.socket.ws is not None:
            await self.socket.ws.close()
        await super().close()

    def show(self, line: str, thread_ts: str | None) -> None:
        """With `echo` on (running this module by hand), print the channel as Slack would."""
        if self.echo:
            print(f"{'thread ' + thread_ts if thread_ts else '#general':>10} │ {line}", flush=True)

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._clock):06d}"

    # -- test controls -----------------------------------------------------------------------

    def rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self.rate_limits.append(RateLimit(method, retry_after, times))

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Refuse the next `times` calls of `method` with `error`, echoing the caller's token in
        the body as careless servers do (it must not end up in townhall's records)."""
        self.failures.extend([(method, error)] * times)

    async def post_human(
        self, text: str, user: str = "U0ANA", thread_ts: str | None = None
    ) -> dict:
        message = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": self._ts(),
            "team": self.team_id,
            "client_msg_id": str(uuid.uuid4()),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages[message["ts"]] = message
        await self._event(message)
        return message

    async def drop_socket(self) -> None:
        """Close the Socket Mode connection (the client is expected to open a new one)."""
        if self.socket.ws is not None:
            ws, self.socket.ws = self.socket.ws, None
            await ws.close()

    def persona_posts(self) -> list[dict]:
        return [
            m for m in self.messages.values() if m.get("bot_id") and m.get("username") != "townhall"
        ]

    def app_posts(self) -> list[dict]:
        return [m for m in self.messages.values() if m.get("bot_id")]

    # -- Web API -----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict = {k: v[0] for k, v in parse_qs(request.query_string).items()}
        if request.can_read_body:
            body = await request.read()
            if request.content_type == "application/json":
                args.update(json.loads(body or b"{}"))
            else:
                args.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
        for limit in self.rate_limits:
            if limit.times and limit.method == method:
                limit.times -= 1
                self.requests.append((method, 429))
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(limit.retry_after)},
                )
        token = request.headers.get("Authorization", "").removeprefix("Bearer ") or args.get(
            "token"
        )
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        failure = next((error for m, error in self.failures if m == method), None)
        if token != expected:
            error = (
                "not_allowed_token_type"
                if token in (self.bot_token, self.app_token)
                else "invalid_auth"
            )
            result, headers = {"ok": False, "error": error}, {}
        elif failure is not None:
            self.failures.remove((method, failure))
            result, headers = {"ok": False, "error": failure, "your_token": token}, {}
        else:
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            result = await handler(args) if handler else {"ok": False, "error": "unknown_method"}
            headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        self.requests.append((method, 200))
        await self.notify()
        return web.json_response(result, headers=headers)

    async def _auth_test(self, args: dict) -> dict:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "townhall",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    async def _apps_connections_open(self, args: dict) -> dict:
        ticket = uuid.uuid4().hex
        return {"ok": True, "url": self.base.replace("http://", "ws://") + f"/link?ticket={ticket}"}

    def _channel(self) -> dict:
        return {
            "id": self.channel_id,
            "name": self.channel_name,
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": self.app_in_channel,
        }

    async def _conversations_info(self, args: dict) -> dict:
        if args.get("channel") != self.channel_id:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": self._channel()}

    async def _conversations_list(self, args: dict) -> dict:
        return {"ok": True, "channels": [self._channel()], "response_metadata": {"next_cursor": ""}}

    async def _users_info(self, args: dict) -> dict:
        uid = args.get("user", "")
        if uid not in self.users:
            return {"ok": False, "error": "user_not_found"}
        name = self.users[uid]
        return {
            "ok": True,
            "user": {
                "id": uid,
                "name": name.lower(),
                "profile": {"display_name": name, "real_name": name},
            },
        }

    async def _chat_postMessage(self, args: dict) -> dict:
        if args.get("channel") != self.channel_id:
            return {"ok": False, "error": "channel_not_found"}
        message = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text", ""),
            "ts": self._ts(),
            "bot_id": self.bot_id,
            "username": args.get("username"),
            "icons": {k: args[k] for k in ("icon_url", "icon_emoji") if k in args},
            "link_names": args.get("link_names"),
        }
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self.messages[message["ts"]] = message
        self.show(f"{message['username']}: {message['text']}", message.get("thread_ts"))
        await self._event(message)  # Slack echoes the app's own posts; Bolt must drop them
        return {"ok": True, "channel": self.channel_id, "ts": message["ts"], "message": message}

    async def _chat_update(self, args: dict) -> dict:
        message = self.messages.get(args.get("ts", ""))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = args.get("text", message["text"])
        message["edits"] = message.get("edits", 0) + 1
        self.show(f"(edited) {message['text']}", message.get("thread_ts"))
        return {
            "ok": True,
            "channel": self.channel_id,
            "ts": message["ts"],
            "text": message["text"],
        }

    async def _reactions_add(self, args: dict) -> dict:
        ts, name = args.get("timestamp", ""), args.get("name", "")
        if ts not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        if name not in EMOJI_NAMES:
            return {"ok": False, "error": "invalid_name"}
        if (ts, name) in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append((ts, name))
        self.show(f"[townhall reacted :{name}: to {ts}]", self.messages[ts].get("thread_ts"))
        return {"ok": True}

    # -- Socket Mode -------------------------------------------------------------------------

    async def _event(self, event: dict) -> None:
        event = {
            **event,
            "channel": self.channel_id,
            "event_ts": event["ts"],
            "channel_type": "channel",
        }
        payload = {
            "token": "verification",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10],
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        envelope = Envelope(str(uuid.uuid4()), payload)
        self.socket.pending.append(envelope)
        await self._send(envelope)

    async def _send(self, envelope: Envelope) -> None:
        ws = self.socket.ws
        if ws is None or ws.closed:
            return  # delivered when the client connects again
        envelope.attempts += 1
        self.redeliveries += envelope.attempts > 1
        await ws.send_str(
            json.dumps(
                {
                    "envelope_id": envelope.id,
                    "type": "events_api",
                    "accepts_response_payload": False,
                    "retry_attempt": envelope.attempts - 1,
                    "retry_reason": "timeout" if envelope.attempts > 1 else "",
                    "payload": envelope.payload,
                }
            )
        )
        if self.drop_after_next_envelope:
            self.drop_after_next_envelope = False
            await self.drop_socket()  # before the ack can arrive: Slack will send it again

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket.connections += 1
        self.socket.ws = ws
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        await self.notify()
        for envelope in [e for e in self.socket.pending if not e.acked]:
            await self._send(envelope)
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                ack = json.loads(frame.data).get("envelope_id")
                for envelope in self.socket.pending:
                    if envelope.id == ack:
                        envelope.acked = True
                self.socket.pending = [e for e in self.socket.pending if not e.acked]
                await self.notify()
        if self.socket.ws is ws:
            self.socket.ws = None
        return ws


def _how_to_use(fake: FakeSlack) -> str:
    return (f"fake Slack on {fake.base}; point townhall at it with:\n"
            f"  export SLACK_BOT_TOKEN={fake.bot_token} SLACK_APP_TOKEN={fake.app_token} "
            f"SLACK_CHANNEL=general TOWNHALL_SLACK_API_URL={fake.api_url}")


if __name__ == "__main__":  # a channel to try townhall --platform slack without an account
    serve_by_hand(FakeSlack(echo=True), _how_to_use)
