"""Sharing the work fairly between people: slots granted round-robin by user, a bounded backlog, and a
per-user rate limit on commands.

Per replica and in memory: each replica shares its own work slots, and Slack spreads envelopes over
the connections, so a flood from one person is held back on every replica alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable

__all__ = ["BacklogFullError", "FairSlots", "PerUserRateLimit"]


class BacklogFullError(Exception):
    """More work is waiting than the daemon will hold: refuse this one rather than queue it unbounded."""


class FairSlots:
    """At most ``size`` holders at once. Waiters are served round-robin by key (a user), so one
    person's hundred commands queue behind each other, not in front of everyone else's."""

    def __init__(self, size: int, *, max_waiting: int) -> None:
        self._free = size
        self._max_waiting = max_waiting
        self._queues: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    @contextlib.asynccontextmanager
    async def slot(self, key: str) -> AsyncIterator[None]:
        """Hold one slot for the block; BacklogFullError when too many already wait."""
        if self._free > 0 and not self._queues:
            self._free -= 1
        else:
            await self._wait_turn(key)
        try:
            yield
        finally:
            self._release()

    async def _wait_turn(self, key: str) -> None:
        if self._waiting >= self._max_waiting:
            raise BacklogFullError(f"{self._waiting} waiting")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(key, deque()).append(turn)
        self._waiting += 1
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # granted just as we were cancelled: pass it on
            else:
                self._forget(key, turn)
            raise

    def _forget(self, key: str, turn: asyncio.Future[None]) -> None:
        queue = self._queues.get(key)
        if queue is not None and turn in queue:
            queue.remove(turn)
            self._waiting -= 1
            if not queue:
                del self._queues[key]

    def _release(self) -> None:
        """Hand the slot to the next person in turn (and send them to the back), or free it."""
        while self._queues:
            key, queue = next(iter(self._queues.items()))
            turn = queue.popleft()
            self._waiting -= 1
            if queue:
                self._queues.move_to_end(key)
            else:
                del self._queues[key]
            if not turn.cancelled():
                turn.set_result(None)
                return
        self._free += 1


class PerUserRateLimit:
    """At most ``per_minute`` commands per user in any 60 s (a sliding window); 0 turns it off."""

    WINDOW = 60.0

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._limit = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, user: str) -> bool:
        """Count this command if it is allowed; a refused one is not counted."""
        if self._limit <= 0:
            return True
        now = self._clock()
        recent = self._seen.setdefault(user, deque())
        while recent and now - recent[0] >= self.WINDOW:
            recent.popleft()
        if len(recent) >= self._limit:
            return False
        recent.append(now)
        if len(self._seen) > 10_000:  # forget the quiet, so the map cannot grow without bound
            self._seen = {u: d for u, d in self._seen.items() if d and now - d[-1] < self.WINDOW}
        return True
