"""The composition root and the daemon's lifecycle. Only the CLI imports this module.

Start: side server (/health 200, /ready 503) → database (embedded if no URL) → pool → migrations →
Slack identity → bolt app → Socket Mode → scheduler → ready. Stop (first signal): not ready →
stop intake (scheduler, socket) → drain in-flight work up to the budget, cancel the rest → close
pool → stop embedded database → stop side server. A second signal cancels in-flight work at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import psycopg
from psycopg_pool import AsyncConnectionPool

from incidentbot.composition import JOB_WORKERS, build_graph
from incidentbot.db.embedded import start_embedded
from incidentbot.db.migrate import LockTimeout, SchemaTooNewError, apply_migrations
from incidentbot.db.pool import DatabaseUnavailableError, check_database, open_pool
from incidentbot.health import Readiness
from incidentbot.jobs.scheduler import Scheduler
from incidentbot.jobs.worker import JobWorker
from incidentbot.metrics import Metrics
from incidentbot.services.gauges import refresh_open_incidents
from incidentbot.settings import Settings
from incidentbot.slack.app import build_app
from incidentbot.slack.client import build_web_client
from incidentbot.slack.identity import SlackAuthRejectedError, SlackIdentity
from incidentbot.slack.socket import SocketConnections
from incidentbot.tasks import TaskTracker
from incidentbot.web.server import SideServer

__all__ = ["ExitCode", "Signals", "migrate_only", "run"]

logger = logging.getLogger(__name__)

AUTH_REFRESH_SECONDS = 30.0
GAUGE_REFRESH_SECONDS = 30.0
DATABASE_START_TIMEOUT = 30.0


class ExitCode(enum.IntEnum):
    OK = 0
    FAILURE = 1
    CONFIG = 2
    SCHEMA_TOO_NEW = 3
    DATABASE_UNAVAILABLE = 4
    SLACK_REJECTED = 5


@dataclass
class Signals:
    """Set by the signal handlers: ``stop`` on the first signal, ``force`` on the second."""

    stop: asyncio.Event
    force: asyncio.Event

    @classmethod
    def create(cls) -> Signals:
        return cls(asyncio.Event(), asyncio.Event())


@dataclass(frozen=True)
class _Intake:
    """Everything that brings in new work, so shutdown can stop it first."""

    scheduler: Scheduler
    socket: SocketConnections
    worker: JobWorker


class _StartupError(Exception):
    def __init__(self, code: ExitCode, message: str) -> None:
        self.code = code
        super().__init__(message)


async def _database_url(settings: Settings, stack: contextlib.AsyncExitStack) -> str:
    if settings.database_url is not None:
        return settings.database_url.reveal()
    embedded = await asyncio.to_thread(start_embedded, settings.data_dir)
    stack.push_async_callback(asyncio.to_thread, embedded.stop)
    logger.info("using embedded PostgreSQL in %s (set DATABASE_URL for production)", embedded.pgdata)
    return embedded.url


async def _migrate(url: str) -> None:
    try:
        applied = await asyncio.to_thread(apply_migrations, url)
    except SchemaTooNewError as exc:
        raise _StartupError(ExitCode.SCHEMA_TOO_NEW, str(exc)) from None
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _StartupError(ExitCode.DATABASE_UNAVAILABLE, f"cannot reach PostgreSQL: {first_line}") from None
    except LockTimeout:
        raise _StartupError(
            ExitCode.FAILURE,
            "another process holds the migration lock; if none is running, clear it with "
            "`yoyo break-lock --database <DATABASE_URL with postgresql+psycopg://>`",
        ) from None
    logger.info("database schema is current (%d migration(s) applied now)", len(applied))


async def _open_pool(url: str, settings: Settings, stack: contextlib.AsyncExitStack) -> AsyncConnectionPool:
    try:
        pool = await open_pool(url, max_size=settings.database_pool_size, timeout=DATABASE_START_TIMEOUT)
    except DatabaseUnavailableError as exc:
        raise _StartupError(
            ExitCode.DATABASE_UNAVAILABLE, f"{exc}; is DATABASE_URL right and is the server up?"
        ) from None
    stack.push_async_callback(pool.close)
    return pool


async def _start(
    settings: Settings,
    stack: contextlib.AsyncExitStack,
    tracker: TaskTracker,
    readiness: Readiness,
    metrics: Metrics,
) -> _Intake:
    side = SideServer(host=settings.http_host, port=settings.http_port, readiness=readiness, metrics=metrics)
    await side.start()
    stack.push_async_callback(side.stop)

    url = await _database_url(settings, stack)
    pool = await _open_pool(url, settings, stack)
    await _migrate(url)
    metrics.watch_pool(pool.get_stats)
    readiness.add("database", lambda: check_database(url))

    session = aiohttp.ClientSession()
    stack.push_async_callback(session.close)
    client = build_web_client(
        token=settings.slack_bot_token.reveal(),
        base_url=settings.slack_api_url,
        session=session,
        metrics=metrics,
    )
    identity = SlackIdentity(client, bot_token=settings.slack_bot_token.reveal())
    try:
        await identity.refresh()
    except SlackAuthRejectedError as exc:
        raise _StartupError(ExitCode.SLACK_REJECTED, str(exc)) from None
    readiness.add("slack_auth", identity.check)

    graph = build_graph(settings, pool=pool, client=client, session=session, tracker=tracker, metrics=metrics)
    app = build_app(client=client, identity=identity, deps=graph.deps)
    socket = SocketConnections(
        app=app,
        app_token=settings.slack_app_token.reveal(),
        web_client=client,
        metrics=metrics,
        ping_interval=settings.slack_ping_interval_seconds,
        count=settings.slack_socket_connections,
    )
    try:
        await socket.start()
    except SlackAuthRejectedError as exc:
        raise _StartupError(ExitCode.SLACK_REJECTED, str(exc)) from None
    stack.push_async_callback(socket.stop)
    readiness.add("slack_socket", socket.check)

    worker = JobWorker(queue=graph.queue, handlers=graph.job_handlers, tracker=tracker, concurrency=JOB_WORKERS)
    worker.start()
    stack.push_async_callback(worker.stop)
    for name, check in graph.optional_checks.items():
        readiness.add(name, check, optional=True)

    scheduler = Scheduler(tracker)
    scheduler.every(AUTH_REFRESH_SECONDS, identity.refresh, name="slack-auth-refresh")
    scheduler.every(GAUGE_REFRESH_SECONDS, lambda: refresh_open_incidents(pool, metrics), name="open-incidents-gauge")
    for periodic in graph.periodic:
        scheduler.every(periodic.seconds, periodic.job, name=periodic.name)
        if periodic.at_start:
            await periodic.job()  # so gauges and checks are right from the start
    await refresh_open_incidents(pool, metrics)
    scheduler.start()
    stack.callback(scheduler.stop)
    readiness.starting = False
    return _Intake(scheduler, socket, worker)


async def _drain(tracker: TaskTracker, signals: Signals, timeout: float) -> None:
    drain = asyncio.create_task(tracker.drain(timeout))
    forced = asyncio.create_task(signals.force.wait())
    done, _ = await asyncio.wait({drain, forced}, return_when=asyncio.FIRST_COMPLETED)
    if drain not in done:
        logger.warning("second signal: cancelling %d in-flight task(s) now", len(tracker))
        await tracker.cancel_all()
        drain.cancel()
    forced.cancel()


async def run(
    settings: Settings,
    signals: Signals,
    *,
    on_ready: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
) -> ExitCode:
    """Run the daemon until ``signals.stop`` is set; return the process exit code."""
    metrics = metrics or Metrics()
    readiness = Readiness()
    tracker = TaskTracker()
    async with contextlib.AsyncExitStack() as stack:
        starting = asyncio.create_task(_start(settings, stack, tracker, readiness, metrics))
        stopping = asyncio.create_task(signals.stop.wait())
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            logger.info("stop requested during start-up")
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, _StartupError):
                await starting
            return ExitCode.OK
        stopping.cancel()
        try:
            intake = starting.result()
        except _StartupError as exc:
            logger.error("cannot start: %s", exc)
            return exc.code
        logger.info("incidentbot is running")
        if on_ready is not None:
            on_ready()
        await signals.stop.wait()

        logger.info("shutting down: not ready, stopping intake")
        readiness.draining = True
        intake.scheduler.stop()
        await intake.socket.stop()
        await intake.worker.stop()
        await _drain(tracker, signals, settings.shutdown_timeout_seconds)
        logger.info("in-flight work finished; closing database and server")
    logger.info("stopped cleanly")
    return ExitCode.OK


async def migrate_only(settings: Settings) -> ExitCode:
    """``incidentbot migrate``: apply pending migrations and exit."""
    async with contextlib.AsyncExitStack() as stack:
        url = await _database_url(settings, stack)
        try:
            await _migrate(url)
        except _StartupError as exc:
            logger.error("%s", exc)
            return exc.code
    return ExitCode.OK
