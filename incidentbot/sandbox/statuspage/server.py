"""StatuspageServer: the fake's aiohttp application, run on a local port."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import web

from ..listening import listen
from .api import add_api_routes, gate_requests
from .control import add_control_routes
from .core import STATUSPAGE, FakeStatuspage

log = logging.getLogger(__name__)


class StatuspageServer:
    """A local Statuspage: the v1 API under `v1/`, the control API under `_statuspage/`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        page_id: str | None = None,
        rate_limit: bool = False,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.fake = FakeStatuspage(api_key=api_key, page_id=page_id, rate_limit=rate_limit, clock=clock, seed=seed)
        self._runner: web.AppRunner | None = None

    # -- what the bot configures ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if not self.fake.base_url:
            raise RuntimeError("the Statuspage fake has not been started")
        return self.fake.base_url

    @property
    def api_url(self) -> str:
        return self.url + "v1/"

    @property
    def api_key(self) -> str:
        return self.fake.api_key

    @property
    def page_id(self) -> str:
        return self.fake.page_id

    def component_id(self, name: str) -> str:
        """The id of the seeded component called `name` (e.g. "Payments")."""
        for component in self.fake.state.components.values():
            if component.name == name:
                return component.id
        raise KeyError(name)

    # -- lifecycle ----------------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[gate_requests])
        app[STATUSPAGE] = self.fake
        add_api_routes(app)
        add_control_routes(app)
        return app

    async def start(self) -> None:
        """Bind and serve; with port 0 the system picks a free port, read it back from `url`."""
        if self._runner is not None:
            raise RuntimeError("the Statuspage fake is already running")
        self._runner, self.port, self.fake.base_url = await listen(self.build_app(), self.host, self.port)
        log.info("Statuspage fake listening on %s", self.fake.base_url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> StatuspageServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def serve(
    host: str = "127.0.0.1",
    port: int = 3001,
    *,
    ready: Callable[[StatuspageServer], None] | None = None,
    api_key: str | None = None,
    page_id: str | None = None,
    rate_limit: bool = False,
) -> None:
    """Run a fake until cancelled; `ready` is called once it is listening."""
    async with StatuspageServer(host, port, api_key=api_key, page_id=page_id, rate_limit=rate_limit) as server:
        if ready is not None:
            ready(server)
        await asyncio.Event().wait()
