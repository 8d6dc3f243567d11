"""The ASGI app: the page, its static files, the past-runs list and the room's WebSocket."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from bot.platforms.webchat.access import AccessGate
from bot.platforms.webchat.connection import Connection
from bot.platforms.webchat.live import LiveRoom

STATIC = Path(__file__).parent / "static"

# The page is ES modules, which a browser refuses unless served as JavaScript; StaticFiles asks
# mimetypes, whose answer for .js comes from the system (a Windows registry may say text/plain).
mimetypes.add_type("text/javascript", ".js")

# No inline script or style anywhere, so even a rendering bug cannot run injected markup; the
# token-bearing URL never leaks through a Referer header.
_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
     b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-cache"),
]


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_app(live: LiveRoom, token: str | None, port: int) -> ASGIApp:
    async def index(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def runs(request: Request) -> JSONResponse:
        return JSONResponse(await live.runs())

    async def room_socket(ws: WebSocket) -> None:
        await Connection(ws, live).serve()

    app = Starlette(routes=[
        Route("/", index),
        Route("/api/runs", runs),
        WebSocketRoute("/ws", room_socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    return AccessGate(_SecurityHeaders(app), token=token, port=port)
