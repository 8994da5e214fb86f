"""The retention sweep: forget done jobs and processed request keys once they can matter no more.

A done job is history (its effects are in Slack and the timeline); a request key guards against
Slack redelivering a request, which happens within minutes. Both tables would otherwise grow for
ever. Queued, running and dead jobs are never deleted: they are work still to do or to look at.
Rows go in batches, each its own statement, so the sweep never holds many locks for long.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.db import deliveries, incidents, jobs
from incidentbot.metrics import Metrics

__all__ = ["RetentionSweep"]

logger = logging.getLogger(__name__)

BATCH = 1000
LOCK_NAME = "retention-sweep"

Delete = Callable[[AsyncConnection[Any]], Awaitable[int]]


class RetentionSweep:
    def __init__(
        self,
        *,
        pool: AsyncConnectionPool[Any],
        clock: Clock,
        metrics: Metrics,
        days: int,
        batch: int = BATCH,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._metrics = metrics
        self._days = days
        self._batch = batch

    async def sweep(self) -> dict[str, int]:
        """Delete what is older than the retention window; returns how many rows, by table."""
        if self._days <= 0:
            return {}
        async with self._pool.connection() as lock:
            if not await incidents.try_sweep_lock(lock, name=LOCK_NAME):
                logger.info("another daemon is running the retention sweep")
                return {}
            try:
                return await self._delete_old(self._clock.now() - timedelta(days=self._days))
            finally:
                await incidents.sweep_unlock(lock, name=LOCK_NAME)

    async def _delete_old(self, before: datetime) -> dict[str, int]:
        async def done_jobs(conn: AsyncConnection[Any]) -> int:
            return await jobs.delete_done_before(conn, before=before, limit=self._batch)

        async def request_keys(conn: AsyncConnection[Any]) -> int:
            return await deliveries.delete_requests_before(conn, before=before, limit=self._batch)

        deleted = {
            "jobs": await self._in_batches("jobs", done_jobs),
            "slack_requests": await self._in_batches("slack_requests", request_keys),
        }
        if any(deleted.values()):
            logger.info("retention sweep deleted %r (older than %s)", deleted, before.isoformat())
        return deleted

    async def _in_batches(self, table: str, delete: Delete) -> int:
        total = 0
        while True:
            async with self._pool.connection() as conn:
                n = await delete(conn)
            self._metrics.retention_deleted.labels(table).inc(n)
            total += n
            if n < self._batch:
                return total
