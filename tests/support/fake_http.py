"""What every fake server shares: an aiohttp app on a free loopback port, started and stopped by
`async with` (or start/close), a base URL, a way for a test to wait until the fake has seen
something, and running one by hand to try townhall against it without an account."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Self

from aiohttp import web


class FakeHTTPServer:
    def __init__(self) -> None:
        self.base = ""  # http://127.0.0.1:PORT once started
        self.changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        """The fake's routes (and middlewares)."""
        raise NotImplementedError

    async def start(self) -> Self:
        self._runner = web.AppRunner(self.app(), shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self.port}"
        return self

    @property
    def port(self) -> int:
        assert self._runner is not None, "start the fake first"
        return self._runner.addresses[0][1]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy (checked whenever something happens here)."""
        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()


def serve_by_hand(fake: FakeHTTPServer, how_to_use: Callable[[FakeHTTPServer], str]) -> None:
    """Run a fake until Ctrl-C, after printing how to point townhall at it."""

    async def forever() -> None:
        await fake.start()
        print(how_to_use(fake), flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())
