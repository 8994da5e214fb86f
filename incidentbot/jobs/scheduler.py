"""The scheduler: APScheduler on our event loop, every job run tracked so shutdown can drain it.

Jobs hold no state of their own: each run re-derives its work from the database (or from Slack),
so a restart or a missed run loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from incidentbot.tasks import TaskTracker

__all__ = ["Scheduler"]

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, tracker: TaskTracker) -> None:
        self._tracker = tracker
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], *, name: str) -> None:
        """Run ``job`` every ``seconds``; a run still going when the next is due is skipped, not stacked."""

        async def tracked() -> None:
            if self._tracker.closed:
                return
            await self._tracker.spawn(_logged(job, name), name=f"job:{name}")

        self._scheduler.add_job(
            tracked, "interval", seconds=seconds, id=name, name=name, max_instances=1, coalesce=True
        )

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop firing new runs; runs in progress belong to the task tracker and are drained there."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


async def _logged(job: Callable[[], Awaitable[object]], name: str) -> None:
    try:
        await job()
    except Exception:
        logger.exception("scheduled job %s failed; it will run again at its next interval", name)
