"""The job queue as use cases see it: enqueue with a change, claim, run under a lease, finish, retry.

Workers in any number of daemons share the table; SKIP LOCKED and leases keep two of them from
running one job at once. A running job's lease is short and renewed while it works, so a daemon
killed mid-job frees its jobs within one lease, and a job slower than the lease is not taken from
a holder that is still alive. A holder whose lease was taken over anyway (it could not reach the
database for a whole lease) stops, and records nothing: the new holder's outcome stands.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from tenacity import AsyncRetrying, before_sleep_log, retry_if_exception_type, stop_after_attempt, wait_exponential

from incidentbot.clock import Clock
from incidentbot.db import jobs
from incidentbot.domain.models import Job, JobStatus
from incidentbot.domain.rules import job_retry_delay
from incidentbot.metrics import Metrics

__all__ = ["JobHandler", "JobQueue", "retry_after_of"]

logger = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=30)
# A completion that fails on a database blip is tried again: the work is done, and a job left
# ``running`` would run again once its lease ran out.
COMPLETION_TRIES = 4

JobHandler = Callable[[Job], Awaitable[None]]


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
        heartbeat: timedelta | None = None,
        completion_backoff: float = 0.2,
    ) -> None:
        """``worker_id`` must be unique to this process start; ``heartbeat`` defaults to a third of
        the lease, so two renewals may fail before the lease runs out."""
        self._pool = pool
        self._clock = clock
        self._metrics = metrics
        self.worker_id = worker_id
        self.max_attempts = max_attempts
        self._lease = lease
        self._heartbeat = (heartbeat or lease / 3).total_seconds()
        self._completion_backoff = completion_backoff
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

    async def run_now(self, job: Job, handler: JobHandler) -> bool:
        """Run a job just queued, here and now, so the person waiting sees its effect at once.

        If a worker got to it first, or it fails, the queue takes over: it is never lost, never run
        twice at once. Returns whether it ran to the end here.
        """
        claimed = await self.claim(1, ids=[job.id])
        if not claimed:
            self.poke()
            return False
        done = await self.run(claimed[0], handler)
        if not done:
            self.poke()
        return done

    async def run(self, job: Job, handler: JobHandler) -> bool:
        """Run a claimed job while renewing its lease, then record the outcome; True if completed here.

        A renewal that finds the job taken over stops the handler: the new holder runs it. A run cut
        short (shutdown) gives the job back unrun.
        """
        work = asyncio.ensure_future(handler(job))
        heartbeat = asyncio.create_task(self._renew_until_lost(job), name=f"lease:{job.id}")
        try:
            await asyncio.wait({work, heartbeat}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()
            heartbeat.cancel()
            await asyncio.gather(work, heartbeat, return_exceptions=True)
            await asyncio.shield(self.release(job))
            raise
        lost = not work.done()  # the heartbeat ended first: another claim holds the job now
        for task in (work, heartbeat) if lost else (heartbeat,):
            task.cancel()
        await asyncio.gather(work, heartbeat, return_exceptions=True)
        if lost:
            self._lost(job, "taken over while running; stopped")
            return False
        exc = work.exception()
        if exc is not None:
            await self.fail(job, f"{type(exc).__name__}: {exc}", retry_after=retry_after_of(exc))
            return False
        return await self.complete(job)

    async def _renew_until_lost(self, job: Job) -> None:
        """Extend the lease every heartbeat; return once a renewal finds the job no longer ours."""
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                async with self._pool.connection() as conn:
                    held = await jobs.renew(
                        conn,
                        job_id=job.id,
                        worker=self.worker_id,
                        attempt=job.attempts,
                        now=self._clock.now(),
                        lease=self._lease,
                    )
            except Exception as exc:  # a database blip: the lease outlasts two missed renewals
                logger.warning("could not renew the lease of job %s: %s: %s", job.id, type(exc).__name__, exc)
                continue
            if not held:
                return

    def _lost(self, job: Job, what: str) -> None:
        self._metrics.job_leases_lost.labels(job.kind).inc()
        logger.warning("job %s (%s) lost its lease (attempt %d): %s", job.id, job.kind, job.attempts, what)

    async def complete(self, job: Job) -> bool:
        """Record a claim's job as done, trying again through a brief database outage.

        False when another claim took the job over: its outcome stands, this one is dropped."""
        now = self._clock.now()
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(COMPLETION_TRIES),
                wait=wait_exponential(multiplier=self._completion_backoff, max=5.0),
                retry=retry_if_exception_type(psycopg.OperationalError),
                before_sleep=before_sleep_log(logger, logging.WARNING),
                reraise=True,
            ):
                with attempt:
                    async with self._pool.connection() as conn:
                        ours = await jobs.complete(
                            conn, job_id=job.id, worker=self.worker_id, attempt=job.attempts, now=now
                        )
        except psycopg.Error as exc:
            logger.error(
                "job %s (%s) ran but could not be recorded as done; it will run again: %s", job.id, job.kind, exc
            )
            return False
        if not ours:
            self._lost(job, "finished after a takeover; its outcome is dropped")
            return False
        self._metrics.job_latency.labels(job.kind).observe((now - job.created_at).total_seconds())
        return True

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
                conn,
                job_id=job.id,
                worker=self.worker_id,
                attempt=job.attempts,
                now=now,
                retry_at=retry_at,
                error=error,
            )
        if status is None:
            self._lost(job, f"failed after a takeover; its error is dropped: {error}")
            return None
        self._metrics.job_failures.labels(job.kind).inc()
        if status is JobStatus.DEAD:
            logger.error("job %s (%s) is dead after %d attempts: %s", job.id, job.kind, job.attempts, error)
        else:
            logger.warning("job %s (%s) failed (attempt %d), retrying: %s", job.id, job.kind, job.attempts, error)
        return status

    async def release(self, job: Job) -> None:
        async with self._pool.connection() as conn:
            await jobs.release(conn, job_id=job.id, worker=self.worker_id, attempt=job.attempts, now=self._clock.now())

    async def refresh_gauges(self) -> None:
        """Recount unfinished jobs by kind and status for ``incidentbot_jobs``."""
        async with self._pool.connection() as conn:
            counts = await jobs.count_by_kind_and_status(conn)
        gauge = self._metrics.jobs
        gauge.clear()
        for kind, status, n in counts:
            gauge.labels(kind, status).set(n)
