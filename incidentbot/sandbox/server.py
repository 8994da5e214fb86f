"""SandboxServer: builds the aiohttp application and runs it on a local port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from .control import INTERACTIONS, add_control_routes
from .core import DEFAULT_SCOPES, SANDBOX, Sandbox, SandboxConfig
from .errors import BadRequest
from .ids import IdFactory
from .interactions import Interactions
from .listening import listen
from .respond import handle_respond
from .state import APP_ID
from .webapi import handle_api

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _bad_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Control-API input errors become JSON 400/404 answers that say what was wrong."""
    try:
        return await handler(request)
    except BadRequest as err:
        error = "not_found" if err.status == 404 else "bad_request"
        return web.json_response({"ok": False, "error": error, "message": err.message}, status=err.status)


class SandboxServer:
    """A local Slack: Web API under `api/`, Socket Mode at `socket`, control API under `_sandbox/`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ack_timeout: float = 3.0,
        max_retries: int = 3,
        trigger_ttl: float = 3.0,
        rate_limits: bool = False,
        bot_token: str | None = None,
        app_token: str | None = None,
        scopes: Iterable[str] | None = None,
        disconnect_delay: float = 2.0,
        max_connections: int = 10,
        response_url_ttl: float = 1800.0,
        public_url: str | None = None,
        seed: int | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._public_url = public_url
        ids = IdFactory(seed)
        config = SandboxConfig(
            bot_token=bot_token or ids.bot_token(),
            app_token=app_token or ids.app_token(APP_ID),
            verification_token=ids.url_token(),
            scopes=tuple(scopes) if scopes is not None else DEFAULT_SCOPES,
            ack_timeout=ack_timeout,
            max_retries=max_retries,
            trigger_ttl=trigger_ttl,
            rate_limits=rate_limits,
            disconnect_delay=disconnect_delay,
            max_connections=max_connections,
            response_url_ttl=response_url_ttl,
        )
        self.sandbox = Sandbox(config, ids)
        self.interactions = Interactions(self.sandbox)
        self._runner: web.AppRunner | None = None

    # -- what the bot configures ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if not self.sandbox.base_url:
            raise RuntimeError("the sandbox has not been started")
        return self.sandbox.base_url

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    @property
    def bot_token(self) -> str:
        return self.sandbox.config.bot_token

    @property
    def app_token(self) -> str:
        return self.sandbox.config.app_token

    @property
    def team_id(self) -> str:
        return self.sandbox.workspace.team_id

    @property
    def bot_user_id(self) -> str:
        return self.sandbox.workspace.bot_user_id

    @property
    def app_id(self) -> str:
        return self.sandbox.workspace.app_id

    # -- lifecycle ----------------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[_bad_requests], client_max_size=8 * 1024 * 1024)
        app[SANDBOX] = self.sandbox
        app[INTERACTIONS] = self.interactions
        app.router.add_route("*", "/api/{method}", handle_api)
        app.router.add_get("/socket", self.sandbox.hub.handle)
        app.router.add_post("/_sandbox/respond/{token:.+}", handle_respond)
        add_control_routes(app)
        return app

    async def start(self) -> None:
        """Bind and serve; with port 0 the system picks a free port, read it back from `url`."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        # slack_sdk sends some methods' arguments (1,000 invitees) in the query string.
        self._runner, self.port, url = await listen(self.build_app(), self.host, self.port, max_line_size=1 << 16)
        self.sandbox.base_url = self._public_url or url
        log.info("Slack sandbox listening on %s", self.sandbox.base_url)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.interactions.close()
        await self.sandbox.hub.close()
        await runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def serve(
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    ready: Callable[[SandboxServer], None] | None = None,
    ack_timeout: float = 3.0,
    max_retries: int = 3,
    trigger_ttl: float = 3.0,
    rate_limits: bool = False,
    bot_token: str | None = None,
    app_token: str | None = None,
) -> None:
    """Run a sandbox until cancelled; `ready` is called once it is listening."""
    server = SandboxServer(
        host,
        port,
        ack_timeout=ack_timeout,
        max_retries=max_retries,
        trigger_ttl=trigger_ttl,
        rate_limits=rate_limits,
        bot_token=bot_token,
        app_token=app_token,
    )
    await server.start()
    try:
        if ready is not None:
            ready(server)
        await asyncio.Event().wait()
    finally:
        await server.stop()
