"""The connection pool: opened explicitly, failing fast at start, checked on every checkout.

Connections are in autocommit mode; code that must commit several statements together opens a
``conn.transaction()`` block (psycopg's recommended style).
"""

from __future__ import annotations

import logging

from psycopg_pool import AsyncConnectionPool, PoolTimeout

from incidentbot.health import CheckFailedError

__all__ = ["DatabaseUnavailableError", "check_database", "open_pool"]

logger = logging.getLogger(__name__)


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
        name="incidentbot",
    )
    try:
        await pool.open(wait=True, timeout=timeout)
    except PoolTimeout as exc:
        await pool.close()
        raise DatabaseUnavailableError(f"no connection to PostgreSQL within {timeout:g}s") from exc
    return pool


async def check_database(pool: AsyncConnectionPool, *, timeout: float = 1.0) -> str:
    """Readiness check: a ``SELECT 1`` through the pool, bounded by ``timeout``."""
    try:
        async with pool.connection(timeout=timeout) as conn:
            await conn.execute("SELECT 1")
    except PoolTimeout:
        raise CheckFailedError(f"no database connection within {timeout:g}s") from None
    except Exception as exc:
        raise CheckFailedError(f"database error: {type(exc).__name__}") from None
    return "SELECT 1 ok"
