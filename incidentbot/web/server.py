"""The side server: liveness, readiness and Prometheus metrics on HTTP_HOST:HTTP_PORT.

aiohttp does not own the process (Socket Mode does), so it runs under an AppRunner with
``handle_signals=False``; its state lives on the application under typed keys.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from incidentbot import __version__
from incidentbot.health import Readiness
from incidentbot.metrics import Metrics

__all__ = ["SideServer"]

logger = logging.getLogger(__name__)

READINESS = web.AppKey("readiness", Readiness)
METRICS = web.AppKey("metrics", Metrics)
STARTED = web.AppKey("started", float)


async def health(request: web.Request) -> web.Response:
    uptime = time.monotonic() - request.app[STARTED]
    return web.json_response({"status": "ok", "version": __version__, "uptime_seconds": round(uptime, 1)})


async def ready(request: web.Request) -> web.Response:
    report = await request.app[READINESS].report()
    return web.json_response(report.as_dict(), status=200 if report.ready else 503)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_web_app(readiness: Readiness, metrics_: Metrics) -> web.Application:
    app = web.Application()
    app[READINESS] = readiness
    app[METRICS] = metrics_
    app[STARTED] = time.monotonic()
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics)
    return app


class SideServer:
    def __init__(self, *, host: str, port: int, readiness: Readiness, metrics: Metrics) -> None:
        self._runner = web.AppRunner(build_web_app(readiness, metrics), handle_signals=False, access_log=None)
        self._host = host
        self._port = port
        self.port: int | None = None

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else self._port
        logger.info("health and metrics on http://%s:%s (/health /ready /metrics)", self._host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()
