"""Fixtures that run the real daemon against the Slack sandbox and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from incidentbot.db.migrate import apply_migrations
from incidentbot.db.pool import open_pool
from incidentbot.demo.child import DaemonChild, daemon_env, free_port
from incidentbot.demo.workspace import ALICE, CAROL, DAVE, ERIN, INCIDENTS, SRE, Workspace
from incidentbot.sandbox import SandboxClient, SandboxServer

T = TypeVar("T")


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(host="127.0.0.1", port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def slack(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    """The sandbox's control API: act as a user, read what users see."""
    async with SandboxClient(sandbox.url) as client:
        yield client


DaemonFactory = Callable[..., Awaitable[DaemonChild]]


@pytest.fixture
async def start_daemon(tmp_path: Path) -> AsyncIterator[DaemonFactory]:
    """Start `incidentbot run` processes; any still running at the end are stopped (and must exit 0)."""
    started: list[DaemonChild] = []

    async def start(
        *,
        sandbox: SandboxServer | None,
        database_url: str | None,
        extra: dict[str, str] | None = None,
        args: tuple[str, ...] = ("run",),
    ) -> DaemonChild:
        env = daemon_env(sandbox=sandbox, database_url=database_url, port=free_port(), extra=extra)
        daemon = DaemonChild(env, tmp_path / f"daemon-{len(started)}.log", args=args)
        started.append(daemon)
        return await daemon.start()

    yield start
    for daemon in started:
        if daemon.alive():
            code = await daemon.stop()
            assert code == 0, daemon.log_text()[-3000:]


@pytest.fixture
async def daemon(start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str) -> DaemonChild:
    """One ready daemon on a fresh database."""
    process = await start_daemon(sandbox=sandbox, database_url=database_url)
    await process.wait_ready()
    return process


class FakeClock:
    """A clock that moves only when a test says so (the Clock protocol: aware UTC datetimes)."""

    def __init__(self) -> None:
        self.current = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    """A pool on a freshly migrated database, for tests of the queue and the sweeps below the daemon."""
    await asyncio.to_thread(apply_migrations, database_url)
    opened = await open_pool(database_url, max_size=8, timeout=10)
    try:
        yield opened
    finally:
        await opened.close()


async def eventually(probe: Callable[[], Awaitable[T]], *, timeout: float = 10, interval: float = 0.05) -> T:
    """Poll ``probe`` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last  # type: ignore[no-any-return]
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


# -- the incident lifecycle: a daemon with routing, and the workspace as its people see it ---------------

ROUTING = {
    "NOTIFY_CHANNELS_P1": SRE,
    "NOTIFY_CHANNELS_P2": INCIDENTS,
    "P1_USERS": f"{CAROL},{DAVE}",
    "INCIDENT_ADMINS": ERIN,
    "SERVICES": "checkout,payments",
    "SERVICE_OWNERS": '{"checkout": ["U0BOB"], "payments": ["U0GONE"]}',
}


@pytest.fixture
async def bot(start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str) -> DaemonChild:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    return daemon


@pytest.fixture
def ws(slack: SandboxClient) -> Workspace:
    return Workspace(slack)


def rows(database_url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows straight from PostgreSQL: what is stored, as opposed to what Slack shows."""
    with psycopg.connect(database_url) as conn:
        return list(conn.execute(query, params).fetchall())


def age(database_url: str, sql: str) -> None:
    """Move an incident's clock back: the sweep sees it as older than it is."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql)


async def declare(ws: Workspace, text: str, *, user: str = ALICE, number: int = 1) -> dict[str, Any]:
    await ws.run(f"declare {text}", user=user)
    channel = await ws.incident_channel(number)
    await ws.reply_to(user, f"#{number}")
    return channel
