"""Discord: the room seated in one channel. Personas speak through one channel webhook with their
own name and avatar per message (the PluralKit approach); a persona with its own bot token reacts as
itself, every other reaction is shown on an attributed line. Built on discord.py 2.x."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import yarl

from bot.platforms.base import Capabilities
from bot.platforms.hosted.channel import ChannelAdapter, Placed, PlatformError, Seat

log = logging.getLogger("townhall.discord")
T = TypeVar("T")

WEBHOOK_NAME = "townhall"
CLOUDFLARE_RETRIES = 3
MAX_WEBHOOKS = 15  # Discord's cap per channel
MAX_CONTENT = 2000
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
JUMP_BASE = "https://discord.com/channels"
SETUP_GUIDE = "docs/discord-setup.md"

# What the bot needs in the channel, as (discord.py attribute, name in Discord's UI).
REQUIRED_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("manage_webhooks", "Manage Webhooks"),
    ("add_reactions", "Add Reactions"),
    ("read_message_history", "Read Message History"),
)
# The invite asks for these plus Send Messages in Threads: 275414846528.
INVITE_PERMISSIONS = discord.Permissions(send_messages_in_threads=True,
                                         **{attr: True for attr, _ in REQUIRED_PERMISSIONS})
_HUMAN_MESSAGE_TYPES = {discord.MessageType.default, discord.MessageType.reply}


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=("bot",))


@dataclass(frozen=True)
class DiscordConfig:
    token: str
    channel_id: int
    persona_tokens: Mapping[str, str] = field(default_factory=dict)
    api_url: str | None = None
    gateway_url: str | None = None

    @classmethod
    def from_env(cls, persona_ids: Iterable[str],
                 env: Mapping[str, str] = os.environ) -> DiscordConfig:
        token = env.get("DISCORD_BOT_TOKEN", "").strip()
        if not token:
            raise PlatformError(
                "DISCORD_BOT_TOKEN is not set — fix: put your bot's token (Developer Portal → Bot "
                f"→ Reset Token) in the environment or .env; see {SETUP_GUIDE}")
        raw_channel = env.get("DISCORD_CHANNEL_ID", "").strip()
        if not raw_channel.isdigit():
            problem = f"{raw_channel!r} is not a channel id" if raw_channel else "is not set"
            raise PlatformError(
                f"DISCORD_CHANNEL_ID {problem} — fix: enable Developer Mode (User Settings → "
                "Advanced), right-click the channel → Copy Channel ID")
        return cls(token, int(raw_channel),
                   parse_persona_tokens(env.get("DISCORD_PERSONA_TOKENS", ""), set(persona_ids)),
                   env.get("TOWNHALL_DISCORD_API_URL") or None,
                   env.get("TOWNHALL_DISCORD_GATEWAY_URL") or None)


def parse_persona_tokens(raw: str, persona_ids: set[str]) -> dict[str, str]:
    """`helen=TOKEN,marcus=TOKEN` or a JSON object {"helen": "TOKEN"}; ids must be in the pack."""
    raw = raw.strip()
    if not raw:
        return {}
    if raw.startswith("{"):
        try:
            pairs = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PlatformError(f"DISCORD_PERSONA_TOKENS is not valid JSON ({exc.msg}) — fix: "
                                'write {"persona-id": "token"} or persona-id=token,…') from None
        if not isinstance(pairs, dict):
            raise PlatformError("DISCORD_PERSONA_TOKENS must map persona ids to tokens")
    else:
        pairs = {}
        for item in filter(None, (part.strip() for part in raw.split(","))):
            persona_id, sep, token = item.partition("=")
            if not sep or not token.strip():
                raise PlatformError(f"DISCORD_PERSONA_TOKENS: '{persona_id}' has no token — fix: "
                                    "write persona-id=token, separated by commas")
            pairs[persona_id.strip()] = token.strip()
    unknown = sorted(set(pairs) - persona_ids)
    if unknown:
        raise PlatformError(f"DISCORD_PERSONA_TOKENS names {', '.join(unknown)}, not in this pack "
                            f"— fix: use persona ids ({', '.join(sorted(persona_ids))})")
    return {k: str(v) for k, v in pairs.items()}


def point_discord_at(api_url: str | None, gateway_url: str | None) -> None:
    """discord.py reads its endpoints from class attributes, so an override is process-wide.
    A plain Client never asks /gateway/bot, so both the REST base and the gateway must be set."""
    if api_url:
        base = api_url.rstrip("/")
        discord.http.Route.BASE = base if "/api/v" in base else base + "/api/v10"
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def webhook_username(name: str) -> str:
    """Discord refuses webhook names containing "discord" or "clyde"; a zero-width space
    defuses them."""
    for word in ("discord", "clyde"):
        lower = name.lower()
        while word in lower:
            at = lower.index(word)
            name = name[: at + 1] + "\u200b" + name[at + 1:]
            lower = name.lower()
    return name[:80]


def split_content(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Discord takes 2,000 characters a message; longer text goes out in pieces, cut at line
    ends."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text] if text else pieces or [""]


def _intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.message_content = True
    return intents


class DiscordPlatform(ChannelAdapter):
    name = "discord"
    capabilities = Capabilities(per_persona_identity=True, per_persona_reactions=False,
                                threads=True)

    def __init__(self, config: DiscordConfig, seats: Iterable[Seat]) -> None:
        # Webhook execution is limited to about 5 per 2 s per webhook: pace below that.
        super().__init__(seats, rate=2.5, burst=5,
                         secrets=(config.token, *config.persona_tokens.values()))
        self.config = config
        self.client = discord.Client(intents=_intents())
        self.persona_clients: dict[str, discord.Client] = {}
        self._tasks: list[asyncio.Task] = []
        self._webhook: discord.Webhook | None = None
        self._channel: discord.TextChannel | None = None
        self._own_ids: set[int] = set()
        self.client.event(self.on_message)

    # -- connecting and start-up checks ------------------------------------------------------

    async def _connect(self) -> None:
        point_discord_at(self.config.api_url, self.config.gateway_url)
        try:
            await self._seat_bot(self.client, self.config.token, "DISCORD_BOT_TOKEN", _intents())
            self._channel = await self._find_channel()
            self._check_permissions(self._channel)
            self._webhook = await self._find_or_create_webhook(self._channel)
            for persona_id, token in self.config.persona_tokens.items():
                intents = discord.Intents.none()
                intents.guilds = True
                persona_client = discord.Client(intents=intents)
                self.persona_clients[persona_id] = persona_client
                setting = f"DISCORD_PERSONA_TOKENS ({persona_id})"
                await self._seat_bot(persona_client, token, setting, intents)
                if persona_client.get_channel(self.config.channel_id) is None:
                    raise PlatformError(f"{setting}: that bot ({persona_client.user}) is not in "
                                        f"#{self._channel.name}'s server — fix: invite it with the "
                                        f"URL in {SETUP_GUIDE}")
        except BaseException:
            await self._disconnect()
            raise
        self._own_ids = {c.user.id for c in (self.client, *self.persona_clients.values()) if c.user}

    async def _seat_bot(self, client: discord.Client, token: str, setting: str,
                        intents: discord.Intents) -> None:
        """Log in and open the gateway as a task (several clients share one loop: start(), not
        run())."""
        try:
            await client.login(token)
        except discord.LoginFailure:
            raise PlatformError(f"{setting} was rejected by Discord (401 Unauthorized) — fix: copy "
                                f"the token again (Developer Portal → Bot → Reset Token); see "
                                f"{SETUP_GUIDE}") from None
        except (discord.HTTPException, OSError) as exc:
            raise PlatformError(f"cannot reach Discord's API at {discord.http.Route.BASE}: {exc} — "
                                "fix: check the network (or TOWNHALL_DISCORD_API_URL)") from None
        connection = asyncio.create_task(client.connect(reconnect=True), name=f"discord-{setting}")
        self._tasks.append(connection)
        # discord.py waits 2 s after the last GUILD_CREATE before "ready"; the channel's guild
        # arriving is all we need, so stop waiting then (ready still ends the wait otherwise).
        ready = asyncio.create_task(client.wait_until_ready())
        seen = asyncio.create_task(client.wait_for(
            "guild_available", check=lambda guild: guild.get_channel(self.config.channel_id)))
        done, _ = await asyncio.wait({connection, ready, seen}, timeout=READY_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        seen.cancel()
        ready.cancel()
        if ready in done or seen in done:
            return
        if connection not in done:
            raise PlatformError(f"Discord's gateway did not get ready within {READY_TIMEOUT:g} s — "
                                "fix: check the network (or TOWNHALL_DISCORD_GATEWAY_URL)")
        problem = connection.exception()
        if isinstance(problem, discord.PrivilegedIntentsRequired):
            raise PlatformError(
                f"{setting}: the Message Content intent is off — fix: Developer Portal → your "
                "application → Bot → Privileged Gateway Intents → turn on MESSAGE CONTENT INTENT, "
                "then start again")
        if isinstance(problem, discord.ConnectionClosed) and problem.code == 4004:
            raise PlatformError(f"{setting} was rejected by Discord's gateway (4004) — fix: copy "
                                "the token again (Developer Portal → Bot → Reset Token)")
        raise PlatformError(f"Discord's gateway closed the connection: {problem}")

    async def _find_channel(self) -> discord.TextChannel:
        channel_id = self.config.channel_id
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                guilds = ", ".join(g.name for g in self.client.guilds) or "no server yet"
                raise PlatformError(
                    f"DISCORD_CHANNEL_ID {channel_id}: the bot {self.client.user} cannot see that "
                    f"channel (it is in: {guilds}) — fix: copy the right channel id, or invite the "
                    f"bot to that server: {invite_url(self.client.application_id)}") from None
        if not isinstance(channel, discord.TextChannel):
            kind = getattr(channel, "type", type(channel).__name__)
            raise PlatformError(f"DISCORD_CHANNEL_ID {channel_id} is a {kind} channel, not a text "
                                "channel — fix: use the id of a text channel")
        return channel

    def _check_permissions(self, channel: discord.TextChannel) -> None:
        granted = channel.permissions_for(channel.guild.me)
        missing = [label for attr, label in REQUIRED_PERMISSIONS if not getattr(granted, attr)]
        if missing:
            raise PlatformError(
                f"the bot lacks {', '.join(missing)} in #{channel.name} — fix: grant them to its "
                "role (Server Settings → Roles, or the channel's Permissions), or re-invite it: "
                f"{invite_url(self.client.application_id)}")

    async def _find_or_create_webhook(self, channel: discord.TextChannel) -> discord.Webhook:
        """Reuse our webhook across restarts; never pile up new ones (Discord caps a channel
        at 15)."""
        hooks = await channel.webhooks()
        me = self.client.user.id
        ours = [h for h in hooks
                if h.name == WEBHOOK_NAME and h.user and h.user.id == me and h.token]
        for duplicate in ours[1:]:
            await duplicate.delete(reason="townhall keeps one webhook per channel")
        if ours:
            return ours[0]
        if len(hooks) >= MAX_WEBHOOKS:
            raise PlatformError(
                f"#{channel.name} already has {len(hooks)} webhooks, Discord's limit — fix: delete "
                "an unused one (Channel Settings → Integrations → Webhooks)")
        return await channel.create_webhook(name=WEBHOOK_NAME,
                                            reason="townhall personas speak here")

    async def _disconnect(self) -> None:
        for client in (*self.persona_clients.values(), self.client):
            if not client.is_closed():
                await client.close()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in self._tasks:
                if not task.done():
                    task.cancel()
                elif not task.cancelled():
                    task.exception()  # retrieved: a failed connection was reported at start-up
            self._tasks.clear()

    # -- inbound -----------------------------------------------------------------------------

    def _in_our_channel(self, channel: object) -> bool:
        cid = self.config.channel_id
        return getattr(channel, "id", None) == cid or getattr(channel, "parent_id", None) == cid

    async def on_message(self, message: discord.Message) -> None:
        if not self._in_our_channel(message.channel):
            return
        if self._webhook and message.webhook_id == self._webhook.id:
            return  # our personas' own posts coming back
        if message.author.id in self._own_ids or message.type not in _HUMAN_MESSAGE_TYPES:
            return
        if not self.first_sighting(str(message.id)):
            return
        in_thread = isinstance(message.channel, discord.Thread)
        thread = str(message.channel.id) if in_thread else None
        parent = message.reference.message_id if message.reference else None
        if parent is None and in_thread:
            parent = message.channel.id  # a thread started on a message has that message's id
        text = message.clean_content
        if message.attachments:
            text = "\n".join([text, *(f"[attachment: {a.filename}]" for a in message.attachments)])
        await self.take_human(message.author.display_name, text, Placed(str(message.id), thread),
                              self.our_id(str(parent) if parent else None))

    # -- outbound ----------------------------------------------------------------------------

    def _jump(self, placed: Placed) -> str:
        where = placed.thread or self.config.channel_id
        return f"{JUMP_BASE}/{self._channel.guild.id}/{where}/{placed.platform_id}"

    async def _patiently(self, call: Callable[[], Awaitable[T]]) -> T:
        """discord.py waits out ordinary 429s itself, but one without a `Via` header (Cloudflare,
        not Discord's API) it raises at once: wait the Retry-After and try again, a few times."""
        for attempt in range(CLOUDFLARE_RETRIES + 1):
            try:
                return await call()
            except discord.HTTPException as exc:
                if exc.status != 429 or attempt == CLOUDFLARE_RETRIES:
                    raise
                wait = float(exc.response.headers.get("Retry-After") or 5)
                log.warning("discord: 429 without a Via header — Cloudflare is limiting this IP "
                            "(often after many invalid requests); retrying in %.1f s", wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _send(self, content: str, username: str, avatar_url: str | None,
                    thread: str | None) -> discord.WebhookMessage:
        return await self._patiently(lambda: self._webhook.send(
            content, username=webhook_username(username),
            avatar_url=avatar_url or discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions.none(), wait=True,
            thread=discord.Object(int(thread)) if thread else discord.utils.MISSING))

    async def _post(self, seat: Seat, text: str, thread: str | None,
                    quote: tuple[str, str, Placed] | None) -> str:
        if quote is not None:
            author, excerpt, parent = quote
            text = f"> **{author}**: {excerpt} · [↪]({self._jump(parent)})\n{text}"
        # A webhook avatar must be a URL; an emoji avatar rides in front of the name instead.
        emoji = seat.avatar_emoji
        username = f"{emoji} {seat.name}" if emoji else seat.name
        first: discord.WebhookMessage | None = None
        for piece in split_content(text):
            sent = await self._send(piece, username, seat.avatar_url, thread)
            first = first or sent
        return str(first.id)

    async def _post_notice(self, text: str, thread: str | None) -> None:
        await self._send(f"-# {text}", WEBHOOK_NAME, None, thread)

    async def _react_as_persona(self, persona_id: str, target: Placed, emoji: str) -> bool:
        client = self.persona_clients.get(persona_id)
        if client is None:
            return False
        try:
            await self._react(client, target, emoji)
        except discord.HTTPException as exc:  # e.g. its bot lost access: fall back, never drop
            log.warning("discord: %s's bot could not react: %s", persona_id, exc)
            return False
        return True

    async def _react_as_app(self, target: Placed, emoji: str) -> None:
        await self._react(self.client, target, emoji)

    async def _react(self, client: discord.Client, target: Placed, emoji: str) -> None:
        channel = client.get_partial_messageable(int(target.thread or self.config.channel_id))
        message = channel.get_partial_message(int(target.platform_id))
        await self._patiently(lambda: message.add_reaction(emoji))

    def _line(self, target: Placed, author: str, text: str) -> str:
        return f"-# {text} — on {author}'s [message]({self._jump(target)})"

    async def _post_line(self, target: Placed, author: str, text: str) -> str:
        sent = await self._send(self._line(target, author, text), WEBHOOK_NAME, None, target.thread)
        return str(sent.id)

    async def _edit_line(self, target: Placed, line_id: str, author: str, text: str) -> None:
        await self._patiently(lambda: self._webhook.edit_message(
            int(line_id), content=self._line(target, author, text),
            allowed_mentions=discord.AllowedMentions.none(),
            thread=discord.Object(int(target.thread)) if target.thread else discord.utils.MISSING))
