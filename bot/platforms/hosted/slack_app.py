"""Slack: the room seated in one channel over Socket Mode (no public URL). Personas post through the
one app with their own `username` and icon (scope chat:write.customize); reactions can only come
from the app's identity, so each is also attributed on a visible line. Built on slack-bolt."""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import emoji as emoji_data
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.base import Capabilities
from bot.platforms.hosted.channel import ChannelAdapter, Placed, PlatformError, Seat

log = logging.getLogger("townhall.slack")

MANIFEST = "docs/slack-manifest.yaml"
REQUIRED_SCOPES = ("chat:write", "chat:write.customize", "reactions:write", "users:read",
                   "channels:read", "channels:history")
_HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share"}
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    app_token: str
    channel: str
    api_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SlackConfig:
        bot, app = env.get("SLACK_BOT_TOKEN", "").strip(), env.get("SLACK_APP_TOKEN", "").strip()
        channel = env.get("SLACK_CHANNEL", "").strip().lstrip("#")
        if not bot.startswith("xoxb-"):
            problem = "is not a bot token (xoxb-…)" if bot else "is not set"
            raise PlatformError(f"SLACK_BOT_TOKEN {problem} — fix: copy the Bot User OAuth Token "
                                "from your app's OAuth & Permissions page (create the app from "
                                f"{MANIFEST})")
        if not app.startswith("xapp-"):
            problem = "is not an app-level token (xapp-…)" if app else "is not set"
            raise PlatformError(f"SLACK_APP_TOKEN {problem} — fix: Basic Information → App-Level "
                                "Tokens → Generate, with scope connections:write")
        if not channel:
            raise PlatformError("SLACK_CHANNEL is not set — fix: set it to the channel's name "
                                "(e.g. townhall) or id (C…)")
        return cls(bot, app, channel, env.get("TOWNHALL_SLACK_API_URL") or None)


def slack_escape(text: str) -> str:
    """Slack reads <…> as links and mentions; escaped, text can never ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def emoji_names(char: str) -> list[str]:
    """Candidate Slack names for a unicode emoji, Slack's short aliases first ("thumbsup")."""
    data = emoji_data.EMOJI_DATA.get(char) or emoji_data.EMOJI_DATA.get(char.replace("\ufe0f", ""))
    if data is None:
        return [char.strip(":")] if re.fullmatch(r":?[\w+-]+:?", char) else []
    names = [*data.get("alias", []), data["en"]]
    return list(dict.fromkeys(n.strip(":") for n in names))


class SlackPlatform(ChannelAdapter):
    name = "slack"
    capabilities = Capabilities(per_persona_identity=True, per_persona_reactions=False,
                                threads=True)

    def __init__(self, config: SlackConfig, seats: Iterable[Seat]) -> None:
        # chat.postMessage allows about one message a second per channel, with short bursts.
        super().__init__(seats, rate=1.0, burst=4, secrets=(config.bot_token, config.app_token))
        self.config = config
        kwargs = {"base_url": config.api_url.rstrip("/") + "/"} if config.api_url else {}
        self.web = AsyncWebClient(token=config.bot_token, **kwargs)
        self.web.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
        self.app = AsyncApp(client=self.web, name="townhall")
        self.app.event("message")(self.on_message)
        self.handler: AsyncSocketModeHandler | None = None
        self.channel_id = ""
        self.bot_id: str | None = None
        self._names: dict[str, str] = {}
        self._emoji: dict[str, str | None] = {}

    # -- connecting and start-up checks ------------------------------------------------------

    async def _connect(self) -> None:
        auth = await self._call("SLACK_BOT_TOKEN", self.web.auth_test)
        self.bot_id = auth.get("bot_id")
        granted = _scopes(auth.headers)
        missing = [s for s in REQUIRED_SCOPES if granted is not None and s not in granted]
        if missing:
            raise PlatformError(f"the Slack app lacks the scope{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} — fix: add them under OAuth & Permissions → "
                                f"Bot Token Scopes (or paste {MANIFEST}) and reinstall the app")
        self.channel_id = await self._find_channel()
        # Socket Mode would retry a bad app token forever; ask once here for a clear answer.
        await self._call("SLACK_APP_TOKEN", self.web.apps_connections_open,
                         app_token=self.config.app_token)
        self.handler = AsyncSocketModeHandler(self.app, self.config.app_token)
        await self.handler.connect_async()

    async def _call(self, setting: str, method, **kwargs):
        try:
            return await method(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            fixes = {
                "invalid_auth": "copy the token again from your app's settings",
                "not_authed": "copy the token again from your app's settings",
                "account_inactive": "the app was uninstalled: reinstall it to the workspace",
                "token_revoked": "reinstall the app and copy the new token",
                "not_allowed_token_type": "use a token of the right kind (xoxb- bot, xapp- app)",
            }
            raise PlatformError(f"{setting} was rejected by Slack ({error}) — fix: "
                                f"{fixes.get(error, 'see ' + MANIFEST)}") from None
        except OSError as exc:
            raise PlatformError(f"cannot reach Slack's API at {self.web.base_url}: {exc} — fix: "
                                "check the network (or TOWNHALL_SLACK_API_URL)") from None

    async def _find_channel(self) -> str:
        wanted = self.config.channel
        if _CHANNEL_ID.match(wanted):
            try:
                info = (await self.web.conversations_info(channel=wanted))["channel"]
            except SlackApiError as exc:
                raise PlatformError(
                    f"SLACK_CHANNEL {wanted}: {exc.response.get('error')} — fix: use the id from "
                    "the channel's details (bottom of the About tab)") from None
        else:
            info = await self._channel_by_name(wanted)
        if not info.get("is_member"):
            raise PlatformError(f"the app is not in #{info.get('name', wanted)} — fix: type "
                                f"/invite @townhall in that channel (or the app's name)")
        return info["id"]

    async def _channel_by_name(self, name: str) -> dict:
        cursor = None
        while True:
            page = await self.web.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000,
                cursor=cursor)
            for channel in page["channels"]:
                if channel.get("name") == name:
                    return channel
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                raise PlatformError(f"SLACK_CHANNEL #{name}: no such channel the app can see — "
                                    "fix: check the name, or use the channel id (C…)")

    async def _disconnect(self) -> None:
        if self.handler is not None:
            await self.handler.close_async()
            self.handler = None

    # -- inbound -----------------------------------------------------------------------------

    async def on_message(self, event: dict) -> None:
        if event.get("channel") != self.channel_id or event.get("subtype") not in _HUMAN_SUBTYPES:
            return
        if event.get("bot_id") and event.get("bot_id") == self.bot_id:
            return  # Bolt drops our own posts already; personas post through the same bot
        ts = event.get("ts")
        if not ts or not event.get("user") or not self.first_sighting(ts):
            return  # a redelivery (Socket Mode retries an envelope it saw no ack for)
        root = event.get("thread_ts")
        thread = root if root and root != ts else None
        name = await self._user_name(event["user"])
        text = await self._plain_text(event.get("text", ""))
        for upload in event.get("files") or []:
            text += f"\n[attachment: {upload.get('name', 'file')}]"
        await self.take_human(name, text.strip(), Placed(ts, thread), self.our_id(thread))

    async def _user_name(self, user_id: str) -> str:
        if user_id not in self._names:
            try:
                user = (await self.web.users_info(user=user_id))["user"]
                profile = user.get("profile") or {}
                self._names[user_id] = (profile.get("display_name") or profile.get("real_name")
                                        or user.get("name") or user_id)
            except SlackApiError as exc:
                log.warning("slack: users.info %s failed: %s", user_id, exc.response.get("error"))
                return user_id
        return self._names[user_id]

    async def _plain_text(self, text: str) -> str:
        """Slack's <@U1>, <#C1|name> and <url|label> markup back into what a person sees."""
        parts: list[str] = []
        last = 0
        for match in _LINK.finditer(text):
            target, label = match.group(1), match.group(2)
            parts.append(text[last:match.start()])
            if target.startswith("@"):
                parts.append("@" + (label or await self._user_name(target[1:])))
            elif target.startswith("#"):
                parts.append("#" + (label or target[1:]))
            elif target.startswith("!"):
                parts.append("@" + (label or target[1:].split("^")[0]))
            else:
                parts.append(f"{label} ({target})" if label and label != target else target)
            last = match.end()
        parts.append(text[last:])
        return html.unescape("".join(parts))

    # -- outbound ----------------------------------------------------------------------------

    def _thread_of(self, root: Placed | None) -> str | None:
        return (root.thread or root.platform_id) if root else None

    async def _post_as(self, text: str, thread: str | None, username: str,
                       icon: dict[str, str]) -> str:
        response = await self.web.chat_postMessage(
            channel=self.channel_id, text=text, thread_ts=thread, username=username,
            link_names=False, unfurl_links=False, unfurl_media=False, **icon)
        return response["ts"]

    async def _post(self, seat: Seat, text: str, thread: str | None,
                    quote: tuple[str, str, Placed] | None) -> str:
        body = slack_escape(text)
        if quote is not None:
            author, excerpt, _ = quote
            body = f"> *{slack_escape(author)}*: {slack_escape(excerpt)}\n{body}"
        if seat.avatar_url:
            icon = {"icon_url": seat.avatar_url}
        else:
            names = emoji_names(seat.avatar_emoji) if seat.avatar_emoji else []
            icon = {"icon_emoji": f":{names[0]}:"} if names else {}
        return await self._post_as(body, thread, seat.name, icon)

    async def _post_notice(self, text: str, thread: str | None) -> None:
        await self._post_as(f"_{slack_escape(text)}_", thread, "townhall", {})

    async def _react_as_persona(self, persona_id: str, target: Placed, emoji: str) -> bool:
        return False  # a Slack app has one identity

    async def _react_as_app(self, target: Placed, emoji: str) -> None:
        """Try the emoji's Slack names until one is known; remember which worked."""
        known = self._emoji.get(emoji, "")
        candidates = [known] if known else ([] if known is None else emoji_names(emoji))
        for name in candidates:
            try:
                await self.web.reactions_add(channel=self.channel_id, timestamp=target.platform_id,
                                             name=name)
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error == "invalid_name":
                    continue
                if error != "already_reacted":  # two personas, one emoji: the app reacts once
                    raise
            self._emoji[emoji] = name
            return
        self._emoji[emoji] = None  # no Slack name: the attributed line still shows it

    def _line(self, author: str, text: str) -> str:
        return f"_{slack_escape(text)} — on {slack_escape(author)}'s message_"

    async def _post_line(self, target: Placed, author: str, text: str) -> str:
        return await self._post_as(self._line(author, text), target.thread, "townhall", {})

    async def _edit_line(self, target: Placed, line_id: str, author: str, text: str) -> None:
        await self.web.chat_update(channel=self.channel_id, ts=line_id,
                                   text=self._line(author, text))


def _scopes(headers: Mapping[str, object]) -> set[str] | None:
    """The bot token's scopes, from auth.test's x-oauth-scopes header (None if not sent)."""
    for key, value in headers.items():
        if key.lower() == "x-oauth-scopes":
            raw = value[0] if isinstance(value, list) else value
            return {s.strip() for s in str(raw).split(",") if s.strip()}
    return None
