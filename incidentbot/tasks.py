"""TaskTracker: every handler and job coroutine runs under it, so shutdown can drain them.

Listeners ack at once and hand their work here; a graceful stop closes the tracker to new work,
waits for what is running up to a deadline, then cancels the rest and says how many.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["TaskTracker", "TrackerClosedError"]

logger = logging.getLogger(__name__)


class TrackerClosedError(RuntimeError):
    """New work was offered after shutdown began."""


class TaskTracker:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a tracked task. Its exceptions are logged, never lost."""
        if self._closed:
            coro.close()
            raise TrackerClosedError(f"shutting down; refused {name}")
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("task %r failed", task.get_name(), exc_info=exc)

    def close(self) -> None:
        """Refuse new work from now on."""
        self._closed = True

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for running tasks; cancel the rest. Returns how many were cancelled."""
        self.close()
        pending = set(self._tasks)
        if pending:
            logger.info("waiting for %d in-flight task(s), up to %.1fs", len(pending), timeout)
            _, pending = await asyncio.wait(pending, timeout=timeout)
        return await self.cancel_all(pending)

    async def cancel_all(self, tasks: set[asyncio.Task[Any]] | None = None) -> int:
        """Cancel tasks (all tracked ones by default) and wait for them to unwind."""
        victims = set(self._tasks if tasks is None else tasks)
        for task in victims:
            task.cancel()
        if victims:
            await asyncio.wait(victims, timeout=5)
            logger.warning("cancelled %d task(s) that outlived the shutdown budget", len(victims))
        return len(victims)
