"""The built-in web chat (`--platform local`): a Discord-like room in the browser, live over a
WebSocket, served from this process by uvicorn. Static files ship in static/, no build step."""

from bot.platforms.webchat.platform import WebChatPlatform
from bot.platforms.webchat.server import WebChatError

__all__ = ["WebChatError", "WebChatPlatform"]
