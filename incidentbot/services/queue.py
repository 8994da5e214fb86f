"""The job queue as use cases see it: enqueue with a change, claim, finish, retry with backoff.

Workers in any number of daemons share the table; SKIP LOCKED and leases keep two of them from
running one job at once, and a daemon killed mid-job leaves a lease that runs out, so the job runs
again (jobs are written to be idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.db import jobs
from incidentbot.domain.models import Job, JobStatus
from incidentbot.domain.rules import job_retry_delay
from incidentbot.metrics import Metrics

__all__ = ["JobQueue", "retry_after_of"]

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)


def retry_after_of(exc: BaseException) -> float | None:
    """The wait a failed call was told to respect (an exception's ``retry_after``), if any."""
    value = getattr(exc, "retry_after", None)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class JobQueue:
    def __init__(
        self,
        *,
        pool: AsyncConnectionPool[Any],
        clock: Clock,
        metrics: Metrics,
        worker_id: str,
        max_attempts: int,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._metrics = metrics
        self.worker_id = worker_id
        self.max_attempts = max_attempts
        self._lease = lease
        # Set when this process queued work, so its worker does not wait for the next poll.
        self.wakeup = asyncio.Event()

    async def enqueue(
        self,
        conn: AsyncConnection[Any],
        *,
        kind: str,
        payload: dict[str, Any],
        incident_id: int | None = None,
        ordering_key: str | None = None,
    ) -> Job:
        """Queue a job inside the caller's transaction; call ``poke()`` after it commits."""
        return await jobs.enqueue(
            conn,
            kind=kind,
            payload=payload,
            now=self._clock.now(),
            max_attempts=self.max_attempts,
            incident_id=incident_id,
            ordering_key=ordering_key,
        )

    def poke(self) -> None:
        self.wakeup.set()

    async def claim(self, limit: int, *, ids: list[int] | None = None) -> list[Job]:
        async with self._pool.connection() as conn, conn.transaction():
            return await jobs.claim(
                conn, worker=self.worker_id, now=self._clock.now(), lease=self._lease, limit=limit, ids=ids
            )

    async def run_now(self, job: Job, handler: Callable[[Job], Awaitable[None]]) -> bool:
        """Run a job just queued, here and now, so the person waiting sees its effect at once.

        If a worker got to it first, or it fails, the queue takes over: it is never lost, never run
        twice at once. Returns whether it ran to the end here.
        """
        claimed = await self.claim(1, ids=[job.id])
        if not claimed:
            self.poke()
            return False
        try:
            await handler(claimed[0])
        except asyncio.CancelledError:
            await asyncio.shield(self.release(claimed[0]))
            raise
        except Exception as exc:
            await self.fail(claimed[0], f"{type(exc).__name__}: {exc}", retry_after=retry_after_of(exc))
            self.poke()
            return False
        await self.complete(claimed[0])
        return True

    async def complete(self, job: Job) -> None:
        now = self._clock.now()
        async with self._pool.connection() as conn:
            await jobs.complete(conn, job_id=job.id, worker=self.worker_id, now=now)
        self._metrics.job_latency.labels(job.kind).observe((now - job.created_at).total_seconds())

    async def fail(self, job: Job, error: str, *, retry_after: float | None = None) -> JobStatus | None:
        """Schedule the next attempt with backoff and jitter, or declare the job dead.

        ``retry_after`` (seconds), when the other side said how long to wait (HTTP 429/420), is
        honoured instead of the backoff: sooner would be refused again, later would be late."""
        now = self._clock.now()
        if retry_after is not None:
            retry_at = now + timedelta(seconds=max(retry_after, 0.0))
        else:
            retry_at = now + job_retry_delay(job.attempts, jitter=random.uniform(0.5, 1.0))
        async with self._pool.connection() as conn:
            status = await jobs.fail(
                conn, job_id=job.id, worker=self.worker_id, now=now, retry_at=retry_at, error=error
            )
        self._metrics.job_failures.labels(job.kind).inc()
        if status is JobStatus.DEAD:
            logger.error("job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempts, error)
        else:
            logger.warning("job %s (%s) failed (attempt %d), retrying: %s", job.id, job.kind, job.attempts, error)
        return status

    async def release(self, job: Job) -> None:
        async with self._pool.connection() as conn:
            await jobs.release(conn, job_id=job.id, worker=self.worker_id, now=self._clock.now())

    async def refresh_gauges(self) -> None:
        """Recount unfinished jobs by kind and status for ``incidentbot_jobs``."""
        async with self._pool.connection() as conn:
            counts = await jobs.count_by_kind_and_status(conn)
        gauge = self._metrics.jobs
        gauge.clear()
        for kind, status, n in counts:
            gauge.labels(kind, status).set(n)
