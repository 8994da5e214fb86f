"""Statuspage's per-key rate limit, when asked for: more than one request a second is refused."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 1.0


class RateLimiter:
    """A sliding one-second window per API key; refused requests do not count against the key."""

    def __init__(self, *, enabled: bool, clock: Callable[[], float], per_second: int = 1) -> None:
        self.enabled = enabled
        self._clock = clock
        self._per_second = per_second
        self._recent: dict[str, deque[float]] = {}

    def retry_after(self, api_key: str) -> int | None:
        """Whole seconds to put in `Retry-After` when over the limit, else None (and the request counts)."""
        if not self.enabled:
            return None
        now = self._clock()
        recent = self._recent.setdefault(api_key, deque())
        while recent and now - recent[0] >= WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= self._per_second:
            return max(1, math.ceil(WINDOW_SECONDS - (now - recent[0])))
        recent.append(now)
        return None

    def reset(self) -> None:
        self._recent.clear()
