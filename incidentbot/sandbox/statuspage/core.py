"""Everything one fake Statuspage holds, kept on the aiohttp application under a typed key."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from .faults import FaultInjector
from .models import IdFactory, Json, timestamp
from .ratelimit import RateLimiter
from .state import StatuspageState

REQUEST_LOG_SIZE = 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RequestLog:
    """The last API requests: method, path (never the query, which may hold `api_key`), status, time."""

    def __init__(self, *, now: Callable[[], datetime]) -> None:
        self._now = now
        self._entries: deque[Json] = deque(maxlen=REQUEST_LOG_SIZE)

    def record(self, *, method: str, path: str, status: int, fault: bool) -> None:
        entry = {"method": method, "path": path, "status": status, "fault": fault, "time": timestamp(self._now())}
        self._entries.append(entry)

    def entries(self) -> list[Json]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()


class FakeStatuspage:
    """The page, its API key, faults, the rate limiter and the request log of one running fake."""

    def __init__(
        self,
        *,
        api_key: str | None,
        page_id: str | None,
        rate_limit: bool,
        clock: Callable[[], float],
        seed: int | None,
    ) -> None:
        ids = IdFactory(seed)
        self.api_key = api_key or ids.api_key()
        self.clock = clock
        self.state = StatuspageState(page_id=page_id or ids.object_id(), ids=ids, now=_utc_now)
        self.faults = FaultInjector()
        self.rate_limiter = RateLimiter(enabled=rate_limit, clock=clock)
        self.requests = RequestLog(now=_utc_now)
        self.base_url = ""

    @property
    def page_id(self) -> str:
        return self.state.page_id

    def reset(self) -> None:
        """Back to the state at start: no incidents, components operational, no faults, empty log."""
        self.state.reset()
        self.faults.clear()
        self.rate_limiter.reset()
        self.requests.clear()


STATUSPAGE = web.AppKey("statuspage", FakeStatuspage)
