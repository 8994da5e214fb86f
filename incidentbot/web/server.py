"""The side server: liveness, readiness and Prometheus metrics on HTTP_HOST:HTTP_PORT.

aiohttp does not own the process (Socket Mode does), so it runs under an AppRunner with
``handle_signals=False``; its state lives on the application under typed keys.

It listens on every interface by default (containers), so it expects strangers: what it serves names
no person, channel or incident; a malformed request costs one WARNING line; and a connection that
does not deliver a whole request within ``REQUEST_TIMEOUT_SECONDS`` is closed.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.http import HttpProcessingError
from prometheus_client import CONTENT_TYPE_LATEST

from incidentbot import __version__
from incidentbot.health import Readiness
from incidentbot.metrics import Metrics

__all__ = ["REQUEST_TIMEOUT_SECONDS", "SideServer"]

logger = logging.getLogger(__name__)

# A connection must complete a request within this long of opening, or of its previous response;
# otherwise it is closed. Probes and scrapers send theirs at once, so this only closes idle and
# trickling (slowloris) connections. aiohttp's keepalive_timeout provides it: its timer starts when
# the connection opens and after each response, and closes the connection if no whole request has
# arrived by then (aiohttp/web_protocol.py, RequestHandler.connection_made and _process_keepalive;
# the start-of-connection timer needs aiohttp >= 3.14.5, hence the floor in pyproject.toml).
REQUEST_TIMEOUT_SECONDS = 15.0


class _MalformedRequestFilter(logging.Filter):
    """One WARNING line, without traceback, for each request that is not valid HTTP.

    aiohttp logs such a request as an ERROR with the parser's traceback, or, for a bad method on a
    fresh connection, only at DEBUG (web_protocol.py, RequestHandler.handle_error). A stranger
    decides how often that happens, so each gets one short line naming the peer and the kind of
    error, never the bytes it sent. Anything else (an exception in our own handler) passes unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            peer = record.args[0] if isinstance(record.args, tuple) and record.args else "unknown"
            record.msg = "rejected a malformed HTTP request from %s (%s)"
            record.args = (peer, type(error).__name__)
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info, record.exc_text = None, None
        # The logger lets DEBUG through so that the bad-method case reaches this filter; the root level decides.
        return logging.getLogger().isEnabledFor(record.levelno)


def _protocol_logger() -> logging.Logger:
    """The logger aiohttp's connection handler reports to (its ``logger`` option), filtered as above."""
    protocol_log = logging.getLogger("incidentbot.web.http")
    protocol_log.setLevel(logging.DEBUG)
    if not any(isinstance(f, _MalformedRequestFilter) for f in protocol_log.filters):
        protocol_log.addFilter(_MalformedRequestFilter())
    return protocol_log


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
    def __init__(
        self,
        *,
        host: str,
        port: int,
        readiness: Readiness,
        metrics: Metrics,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self._runner = web.AppRunner(
            build_web_app(readiness, metrics),
            handle_signals=False,
            access_log=None,
            logger=_protocol_logger(),
            keepalive_timeout=request_timeout,
        )
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
