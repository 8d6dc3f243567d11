"""uvicorn embedded in the run's own event loop, on a socket we bind ourselves.

Binding first turns "port in use" into one clear error (uvicorn would sys.exit) and lets port 0 pick
a free port. The run session owns SIGINT/SIGTERM, so uvicorn must not install its own handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

WS_MAX_BYTES = 64 * 1024  # a 4,000-character message is at most ~16 KB; bigger frames are refused


class WebChatError(RuntimeError):
    """The web chat could not start (port taken, bad host); the message says how to fix it."""


class _SignalFreeServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise WebChatError(f"cannot use --host {host}: {exc.strerror} — fix: give an address such "
                           "as 127.0.0.1 or 0.0.0.0") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise WebChatError(f"cannot listen on {host}:{port}: {exc.strerror} — fix: pass --port "
                           "with a free port (or --port 0 to pick one)") from None
    return sock


class EmbeddedServer:
    """Serves `app` on an already bound socket (see `bind`)."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False,
                                ws_max_size=WS_MAX_BYTES, ws_ping_interval=20, ws_ping_timeout=20,
                                timeout_graceful_shutdown=3)
        self._server = _SignalFreeServer(config)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]),
                                         name="webchat-http")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise WebChatError("the web server stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self, grace: float = 5) -> None:
        """Close the server, giving open connections `grace` seconds to finish."""
        if self._task is None:
            self.sock.close()
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            self._server.force_exit = True
            await asyncio.gather(self._task, return_exceptions=True)
        finally:
            self.sock.close()
