"""Slack's rate-limit tiers as token buckets, keyed per method (and per channel for posting)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

# tier -> (calls per minute, burst); Slack allows short bursts over the per-minute figure.
TIERS: dict[int, tuple[float, float]] = {1: (1, 3), 2: (20, 20), 3: (50, 50), 4: (100, 100)}
POST_MESSAGE_PER_SECOND = 1.0
POST_MESSAGE_BURST = 4.0


class _Bucket:
    __slots__ = ("capacity", "per_second", "tokens", "updated")

    def __init__(self, capacity: float, per_second: float, now: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a call may go ahead, else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


class RateLimiter:
    def __init__(self, *, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def retry_after(self, method: str, tier: int | None, channel: str | None = None) -> int | None:
        """Whole seconds to wait (for `Retry-After`) when over the limit, else None."""
        if not self.enabled or tier is None:
            return None
        if method == "chat.postMessage":
            key = (method, channel or "")
            capacity, per_second = POST_MESSAGE_BURST, POST_MESSAGE_PER_SECOND
        else:
            key = (method, "")
            per_minute, capacity = TIERS[tier]
            per_second = per_minute / 60
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(capacity, per_second, now)
        wait = bucket.take(now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def reset(self) -> None:
        self._buckets.clear()
