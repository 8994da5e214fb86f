"""The outbox worker: claims due jobs, runs each under the task tracker, records the outcome.

On shutdown it stops claiming; jobs already running belong to the tracker, which lets them finish
within the shutdown budget. A job cut short is given back unrun, and one lost to a crash comes back
when its lease runs out (renewed while the job runs, so it is short), so nothing queued is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from incidentbot.domain.models import Job
from incidentbot.logs import log_context
from incidentbot.services.queue import JobHandler, JobQueue
from incidentbot.tasks import TaskTracker, TrackerClosedError

__all__ = ["JobHandler", "JobWorker"]

logger = logging.getLogger(__name__)


class JobWorker:
    def __init__(
        self,
        *,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        tracker: TaskTracker,
        concurrency: int = 4,
        poll_seconds: float = 0.5,
    ) -> None:
        self._queue = queue
        self._handlers = handlers
        self._tracker = tracker
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._running: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="job-worker")

    async def stop(self) -> None:
        """Stop claiming. Running jobs keep going; the tracker's drain decides how long."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    async def _loop(self) -> None:
        while not self._stopping:
            free = self._concurrency - len(self._running)
            claimed: list[Job] = []
            if free > 0:
                try:
                    claimed = await self._queue.claim(free)
                except Exception as exc:  # the database is down: keep trying, /ready says so
                    logger.warning("could not claim jobs: %s: %s", type(exc).__name__, exc)
            for job in claimed:
                try:
                    task = self._tracker.spawn(self._run(job), name=f"job:{job.kind}:{job.id}")
                except TrackerClosedError:
                    await self._queue.release(job)
                    return
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if len(claimed) == free and free > 0:
                continue  # there may be more waiting
            self._queue.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.wakeup.wait(), timeout=self._poll)

    async def _run(self, job: Job) -> None:
        with log_context(job_id=job.id, job_kind=job.kind, incident_id=job.incident_id):
            handler = self._handlers.get(job.kind)
            if handler is None:
                await self._queue.fail(job, f"no handler for job kind {job.kind!r}")
                return
            await self._queue.run(job, handler)
        self._queue.wakeup.set()  # a finished job may unblock the next one with its ordering key
