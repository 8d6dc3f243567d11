"""Who may use the web chat.

On loopback (the default) anyone on this machine may, but only through a loopback Host header (no
DNS rebinding) and, for the WebSocket, only from our own page (no cross-site socket hijacking: a
browser sends cookies and opens sockets to 127.0.0.1 for any site). On any other address a token is
required, printed in the URL as Jupyter does; the first visit trades it for an HttpOnly cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _hostname(host_header: str) -> str:
    return urlsplit("//" + host_header).hostname or ""


class AccessGate:
    """ASGI middleware in front of every route, HTTP and WebSocket alike."""

    def __init__(self, app: ASGIApp, *, token: str | None, port: int) -> None:
        self.app = app
        self.token = token
        self.cookie = f"townhall_token_{port}"

    def _token_ok(self, scope: Scope) -> tuple[bool, bool]:
        """(allowed, came in the query string)"""
        if self.token is None:
            return True, False
        given = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            return True, True
        cookies = SimpleCookie(Headers(scope=scope).get("cookie", ""))
        morsel = cookies.get(self.cookie)
        ok = morsel is not None and hmac.compare_digest(morsel.value.encode(), self.token.encode())
        return ok, False

    def _host_ok(self, headers: Headers) -> bool:
        return self.token is not None or is_loopback(_hostname(headers.get("host", "")))

    @staticmethod
    def _same_origin(headers: Headers) -> bool:
        origin = headers.get("origin")
        return origin is None or urlsplit(origin).netloc == headers.get("host")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        allowed, from_query = self._token_ok(scope)
        if scope["type"] == "websocket":
            if not (allowed and self._host_ok(headers) and self._same_origin(headers)):
                await send({"type": "websocket.close", "code": 1008,
                            "reason": "not allowed: open the URL townhall printed"})
                return
            await self.app(scope, receive, send)
            return
        if not self._host_ok(headers):
            await _plain(send, 421, "This room only answers on 127.0.0.1 or localhost.")
            return
        if not allowed:
            await _plain(send, 403, "This room needs its access token: open the full URL "
                                    "(with ?token=…) that townhall printed when it started.")
            return
        if not from_query:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = (f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict")
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
