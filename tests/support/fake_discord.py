"""A small Discord for tests: the REST API v10 and the gateway WebSocket, enough for the real
discord.py to log in, identify (HELLO → IDENTIFY → READY + GUILD_CREATE), heartbeat, RESUME after a
drop, receive MESSAGE_CREATE / THREAD_CREATE, and use channel webhooks and reactions.

Facts it honours because discord.py depends on them: JSON answers carry `Content-Type:
application/json` with no charset; a 429 without a `Via` header is taken for a Cloudflare ban;
guild members need `flags`; a plain Client never calls /gateway/bot (it uses DEFAULT_GATEWAY).
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from tests.support.fake_http import FakeHTTPServer, serve_by_hand

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
ADD_REACTIONS = 1 << 6
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_WEBHOOKS = 1 << 29
SEND_MESSAGES_IN_THREADS = 1 << 38
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | READ_MESSAGE_HISTORY
    | MANAGE_WEBHOOKS
    | SEND_MESSAGES_IN_THREADS
)
MESSAGE_CONTENT_INTENT = 1 << 15
BOT = web.RequestKey("bot", dict)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, message: str, code: int = 0) -> web.Response:
    return _json({"message": message, "code": code}, status)


@dataclass
class Session:
    id: str
    user_id: int
    seq: int = 0
    sent: list[dict] = field(default_factory=list)  # every dispatch, kept for RESUME
    ws: web.WebSocketResponse | None = None


@dataclass
class RateLimit:
    method: str
    path_part: str
    retry_after: float
    via: bool
    times: int


class FakeDiscord(FakeHTTPServer):
    def __init__(
        self,
        *,
        token: str = "bot-token",
        message_content_enabled: bool = True,
        permissions: int = BOT_PERMISSIONS,
        echo: bool = False,
    ) -> None:
        super().__init__()
        self.echo = echo
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self.message_content_enabled = message_content_enabled
        self.guild_id, self.channel_id, self.voice_id = (
            self.snowflake(),
            self.snowflake(),
            self.snowflake(),
        )
        self.app_id = self.snowflake()
        self.bot_role_id = self.snowflake()
        self.permissions = permissions
        self.bots: dict[str, dict] = {}
        self.bot = self.add_bot(token, "townhall")
        self.humans: dict[str, dict] = {}
        self.threads: dict[int, dict] = {}
        self.messages: dict[int, dict] = {}
        self.webhooks: dict[int, dict] = {}
        self.reactions: list[tuple[int, str, int]] = []  # (message id, emoji, user id)
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.rate_limits: list[RateLimit] = []
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        self.resumes = 0
        self.duplicate_on_resume = False  # also resend messages the client already had

    def show(self, line: str, channel_id: str) -> None:
        """With `echo` on (running this module by hand), print the channel as Discord would."""
        if self.echo:
            where = "#general" if int(channel_id) == self.channel_id else f"thread {channel_id}"
            print(f"{where:>10} │ {line}", flush=True)

    def snowflake(self) -> int:
        return next(self._ids)

    def add_bot(self, token: str, name: str) -> dict:
        user = {
            "id": str(self.snowflake()),
            "username": name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
        }
        self.bots[token] = user
        return user

    # -- lifecycle ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get("/api/v10/users/@me", self._me)
        r.add_get("/api/v10/oauth2/applications/@me", self._application)
        r.add_get("/api/v10/channels/{cid}", self._get_channel)
        r.add_get("/api/v10/channels/{cid}/webhooks", self._list_webhooks)
        r.add_post("/api/v10/channels/{cid}/webhooks", self._create_webhook)
        r.add_delete("/api/v10/webhooks/{wid}", self._delete_webhook)
        r.add_post("/api/v10/webhooks/{wid}/{token}", self._execute_webhook)
        r.add_patch("/api/v10/webhooks/{wid}/{token}/messages/{mid}", self._edit_webhook_message)
        r.add_put("/api/v10/channels/{cid}/messages/{mid}/reactions/{emoji}/@me", self._react)
        return app

    @property
    def api_url(self) -> str:
        return self.base + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/gateway"

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.close()
        await super().close()

    # -- test controls -----------------------------------------------------------------------

    def rate_limit(
        self, method: str, path_part: str, retry_after: float, *, via: bool = True, times: int = 1
    ) -> None:
        """Answer the next `times` matching requests with 429, with or without the `Via` header
        (without it, discord.py takes the 429 for a Cloudflare ban)."""
        self.rate_limits.append(RateLimit(method, path_part, retry_after, via, times))

    def human(self, name: str) -> dict:
        if name not in self.humans:
            self.humans[name] = {
                "id": str(self.snowflake()),
                "username": name.lower(),
                "discriminator": "0",
                "global_name": name,
                "avatar": None,
                "public_flags": 0,
            }
        return self.humans[name]

    async def post_human(
        self,
        text: str,
        name: str = "Ana",
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict:
        channel_id = thread_id or self.channel_id
        message = self._message(channel_id, text, self.human(name))
        if reply_to is not None:
            message["type"] = 19
            message["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
                "guild_id": str(self.guild_id),
            }
        await self._created(message)
        return message

    async def create_thread(self, message_id: int, name: str, owner: str = "Ana") -> dict:
        """A thread started on a message has that message's id (as on Discord)."""
        thread = {
            "id": str(message_id),
            "guild_id": str(self.guild_id),
            "parent_id": str(self.channel_id),
            "owner_id": self.human(owner)["id"],
            "name": name,
            "type": 11,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now(),
                "locked": False,
            },
        }
        self.threads[message_id] = thread
        await self._dispatch_all("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    async def drop_gateway(self) -> None:
        """Cut every gateway connection without a close frame, as a network drop does."""
        for session in self.sessions.values():
            if session.ws is not None:
                ws, session.ws = session.ws, None
                transport = ws._req.transport if ws._req else None
                if transport is not None:
                    transport.abort()

    def messages_in(self, channel_id: int) -> list[dict]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == channel_id]

    def webhook_messages(self) -> list[dict]:
        return [m for m in self.messages.values() if m.get("webhook_id")]

    # -- REST --------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        if request.path == "/gateway":
            return await handler(request)
        for limit in self.rate_limits:
            if limit.times and request.method == limit.method and limit.path_part in request.path:
                limit.times -= 1
                headers = {
                    "Retry-After": str(max(1, round(limit.retry_after))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(limit.retry_after),
                    "X-RateLimit-Scope": "user",
                }
                if limit.via:
                    headers["Via"] = "1.1 google"
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": limit.retry_after,
                        "global": False,
                    }
                    response = _json(body, 429, headers)
                else:
                    response = web.Response(text="error code: 1015", status=429, headers=headers)
                self.requests.append((request.method, request.path, 429))
                return response
        if "/webhooks/" not in request.path or request.method == "DELETE":
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bot ") or auth[4:] not in self.bots:
                self.requests.append((request.method, request.path, 401))
                return _error(401, "401: Unauthorized")
            request[BOT] = self.bots[auth[4:]]
        response = await handler(request)
        self.requests.append((request.method, request.path, response.status))
        await self.notify()
        return response

    async def _me(self, request: web.Request) -> web.Response:
        return _json(request[BOT])

    async def _application(self, request: web.Request) -> web.Response:
        bot = request[BOT]
        return _json(
            {
                "id": bot["id"],
                "name": bot["username"],
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": bot,
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "rpc_origins": [],
            }
        )

    def _channel_data(self) -> dict:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }

    def _can(self, bit: int) -> bool:
        return bool(self.permissions & bit)

    async def _get_channel(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["cid"])
        if cid == self.channel_id:
            return _json(self._channel_data())
        if cid in self.threads:
            return _json(self.threads[cid])
        return _error(404, "Unknown Channel", 10003)

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        if not self._can(MANAGE_WEBHOOKS):
            return _error(403, "Missing Permissions", 50013)
        cid = request.match_info["cid"]
        return _json([w for w in self.webhooks.values() if w["channel_id"] == cid])

    async def _create_webhook(self, request: web.Request) -> web.Response:
        if not self._can(MANAGE_WEBHOOKS):
            return _error(403, "Missing Permissions", 50013)
        body = await request.json()
        hook_id = self.snowflake()
        hook = {
            "id": str(hook_id),
            "type": 1,
            "guild_id": str(self.guild_id),
            "channel_id": request.match_info["cid"],
            "name": body["name"],
            "avatar": None,
            "token": uuid.uuid4().hex,
            "application_id": str(self.app_id),
            "user": request[BOT],
        }
        self.webhooks[hook_id] = hook
        return _json(hook)

    async def _delete_webhook(self, request: web.Request) -> web.Response:
        self.webhooks.pop(int(request.match_info["wid"]), None)
        return web.Response(status=204)

    def _hook(self, request: web.Request) -> dict | None:
        hook = self.webhooks.get(int(request.match_info["wid"]))
        return hook if hook and hook["token"] == request.match_info["token"] else None

    async def _execute_webhook(self, request: web.Request) -> web.Response:
        hook = self._hook(request)
        if hook is None:
            return _error(404, "Unknown Webhook", 10015)
        body = await request.json()
        if not body.get("content"):
            return _error(400, "Cannot send an empty message", 50006)
        name = body.get("username") or hook["name"]
        if "discord" in name.lower() or "clyde" in name.lower():
            return _error(400, "Invalid Form Body", 50035)
        thread_id = request.query.get("thread_id")
        if thread_id and int(thread_id) not in self.threads:
            return _error(400, "Unknown thread", 10003)
        author = {
            "id": hook["id"],
            "username": name,
            "discriminator": "0000",
            "avatar": None,
            "bot": True,
            "public_flags": 0,
        }
        message = self._message(
            int(thread_id or hook["channel_id"]), body["content"], author, member=False
        )
        message.update(
            webhook_id=hook["id"],
            avatar_url=body.get("avatar_url"),
            allowed_mentions=body.get("allowed_mentions"),
        )
        await self._created(message)
        waits = request.query.get("wait", "").lower() in {"1", "true"}
        return _json(message) if waits else web.Response(status=204)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        if self._hook(request) is None:
            return _error(404, "Unknown Webhook", 10015)
        message = self.messages.get(int(request.match_info["mid"]))
        if message is None:
            return _error(404, "Unknown Message", 10008)
        body = await request.json()
        message["content"] = body.get("content", message["content"])
        message["edited_timestamp"] = _now()
        message["edits"] = message.get("edits", 0) + 1
        self.show(f"(edited) {message['content']}", message["channel_id"])
        await self._dispatch_all("MESSAGE_UPDATE", message)
        return _json(message)

    async def _react(self, request: web.Request) -> web.Response:
        if not self._can(ADD_REACTIONS):
            return _error(403, "Missing Permissions", 50013)
        mid = int(request.match_info["mid"])
        if mid not in self.messages:
            return _error(404, "Unknown Message", 10008)
        emoji = unquote(request.match_info["emoji"])
        user_id = int(request[BOT]["id"])
        if (mid, emoji, user_id) not in self.reactions:
            self.reactions.append((mid, emoji, user_id))
            who = request[BOT]["username"]
            self.show(f"[{who} reacted {emoji} to {mid}]", self.messages[mid]["channel_id"])
        return web.Response(status=204)

    # -- messages ----------------------------------------------------------------------------

    def _message(self, channel_id: int, content: str, author: dict, member: bool = True) -> dict:
        message = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "guild_id": str(self.guild_id),
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if member:
            message["member"] = {
                "roles": [],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        return message

    async def _created(self, message: dict) -> None:
        self.messages[int(message["id"])] = message
        self.show(f"{message['author']['username']}: {message['content']}", message["channel_id"])
        await self._dispatch_all("MESSAGE_CREATE", message)

    # -- gateway -----------------------------------------------------------------------------

    async def _dispatch_all(self, event: str, data: dict) -> None:
        for session in self.sessions.values():
            await self._dispatch(session, event, data)
        await self.notify()

    async def _dispatch(self, session: Session, event: str, data: dict) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_str(json.dumps(payload))
            except ConnectionError:
                session.ws = None  # it will RESUME and get this again

    def _guild(self, user: dict) -> dict:
        everyone = {
            "id": str(self.guild_id),
            "name": "@everyone",
            "permissions": str(VIEW_CHANNEL),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        bot_role = {
            **everyone,
            "id": str(self.bot_role_id),
            "name": "townhall",
            "position": 1,
            "permissions": str(self.permissions),
            "managed": True,
        }
        members = [
            {
                "user": bot,
                "roles": [str(self.bot_role_id)],
                "joined_at": _now(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
            for bot in self.bots.values()
        ]
        voice = {
            **self._channel_data(),
            "id": str(self.voice_id),
            "type": 2,
            "name": "voice",
            "bitrate": 64000,
            "user_limit": 0,
        }
        return {
            "id": str(self.guild_id),
            "name": "Test Server",
            "icon": None,
            "owner_id": self.human("Owner")["id"],
            "roles": [everyone, bot_role],
            "channels": [self._channel_data(), voice],
            "threads": list(self.threads.values()),
            "members": members,
            "member_count": len(members),
            "features": [],
            "emojis": [],
            "stickers": [],
            "large": False,
            "unavailable": False,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "afk_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": _now(),
        }

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(
            json.dumps({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": 41250}})
        )
        session: Session | None = None
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
            elif op == 2:
                session = await self._identify(ws, data)
                if session is None:
                    break
            elif op == 6:
                session = await self._resume(ws, data)
        if session is not None and session.ws is ws:
            session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> Session | None:
        user = self.bots.get(data.get("token", ""))
        if user is None:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        if data.get("intents", 0) & MESSAGE_CONTENT_INTENT and not self.message_content_enabled:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        self.identifies += 1
        session = Session(uuid.uuid4().hex, int(user["id"]), ws=ws)
        self.sessions[session.id] = session
        await self._dispatch(
            session,
            "READY",
            {
                "v": 10,
                "user": user,
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.app_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "shard": [0, 1],
            },
        )
        await self._dispatch(session, "GUILD_CREATE", self._guild(user))
        await self.notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or self.bots.get(data.get("token", "")) is None:
            await ws.send_str(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return None
        self.resumes += 1
        session.ws = ws
        for payload in session.sent:
            again = self.duplicate_on_resume and payload["t"] == "MESSAGE_CREATE"
            if payload["s"] > (data.get("seq") or 0) or again:
                await ws.send_str(json.dumps(payload))
        session.seq += 1
        resumed = {"op": 0, "t": "RESUMED", "s": session.seq, "d": {}}
        session.sent.append(resumed)
        await ws.send_str(json.dumps(resumed))
        await self.notify()
        return session


def _how_to_use(fake: FakeDiscord) -> str:
    return (f"fake Discord on {fake.base}; point townhall at it with:\n"
            f"  export DISCORD_BOT_TOKEN=bot-token DISCORD_CHANNEL_ID={fake.channel_id} "
            f"TOWNHALL_DISCORD_API_URL={fake.api_url} "
            f"TOWNHALL_DISCORD_GATEWAY_URL={fake.gateway_url}")


if __name__ == "__main__":  # a channel to try townhall --platform discord without an account
    serve_by_hand(FakeDiscord(echo=True), _how_to_use)
