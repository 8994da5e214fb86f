"""The connection pool: opened explicitly, failing fast at start, checked on every checkout.

Connections are in autocommit mode; code that must commit several statements together opens a
``conn.transaction()`` block (psycopg's recommended style).
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from incidentbot.health import CheckFailedError

__all__ = ["DatabaseUnavailableError", "check_database", "open_pool"]

logger = logging.getLogger(__name__)


CHECKOUT_TIMEOUT = 2.0


class DatabaseUnavailableError(Exception):
    """The database did not answer at start within the allowed time."""


async def open_pool(url: str, *, max_size: int, timeout: float = 30.0) -> AsyncConnectionPool:
    """Open a pool and wait until it holds a working connection, or raise DatabaseUnavailableError."""
    pool: AsyncConnectionPool = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        open=False,
        kwargs={"autocommit": True},
        check=AsyncConnectionPool.check_connection,
        # After an outage, keep trying in the background rather than giving up on the slot.
        reconnect_timeout=3600.0,
        # Work waits this long for a connection, then fails: during an outage a command is answered
        # ("my database is not answering") within Slack's 3 s rather than after half a minute.
        timeout=CHECKOUT_TIMEOUT,
        name="incidentbot",
    )
    try:
        await pool.open(wait=True, timeout=timeout)
    except PoolTimeout as exc:
        await pool.close()
        raise DatabaseUnavailableError(f"no connection to PostgreSQL within {timeout:g}s") from exc
    return pool


async def check_database(url: str, *, timeout: float = 1.0) -> str:
    """Readiness check: ``SELECT 1`` on a connection of its own, bounded by ``timeout``.

    Never through the pool: a busy pool would make a healthy database look down, and a pool still
    backing off after an outage would keep /ready at 503 long after PostgreSQL is back."""
    try:
        async with asyncio.timeout(timeout):
            conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
            try:
                await conn.execute("SELECT 1")
            finally:
                await conn.close()
    except TimeoutError:
        raise CheckFailedError(f"no answer from PostgreSQL within {timeout:g}s") from None
    except Exception as exc:
        raise CheckFailedError(f"database error: {type(exc).__name__}") from None
    return "SELECT 1 ok"
