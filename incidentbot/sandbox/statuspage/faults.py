"""Injected failures on the v1 API: a status and/or a delay, for the next N requests or for S seconds."""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import Any

from .errors import HttpError
from .models import Json

RATE_LIMITED = (420, 429)  # 420 is the code Statuspage used before 429, and what it still sends many accounts
_FAULT_KEYS = frozenset({"status", "delay", "times", "seconds", "retry_after"})


@dataclass
class Fault:
    status: int | None = None
    delay: float | None = None
    retry_after: int | None = None
    times: int | None = None  # set for "the next N requests"
    seconds: float | None = None  # set for "every request for S seconds"
    until: float | None = None  # the clock reading at which a timed fault ends
    used: int = 0

    def live(self, now: float) -> bool:
        if self.until is not None:
            return now < self.until
        return self.times is not None and self.used < self.times

    def error(self) -> HttpError | None:
        """The answer to give instead of the real one, or None when the fault is only a delay."""
        if self.status is None:
            return None
        if self.status in RATE_LIMITED:
            retry_after = self.retry_after if self.retry_after is not None else 1
            return HttpError(self.status, "Rate limit exceeded", headers={"Retry-After": str(retry_after)})
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return HttpError(self.status, _reason(self.status), headers=headers)

    def to_control(self, now: float) -> Json:
        return {
            "status": self.status,
            "delay": self.delay,
            "retry_after": self.retry_after,
            "times": self.times,
            "seconds": self.seconds,
            "remaining_seconds": None if self.until is None else round(max(0.0, self.until - now), 3),
            "used": self.used,
        }


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def parse_fault(body: Json, *, now: float) -> Fault:
    """A fault from control-API JSON, refusing anything that could not be meant (400)."""
    unknown = sorted(set(body) - _FAULT_KEYS)
    if unknown:
        raise HttpError(400, f"unknown fault field(s) {', '.join(unknown)}; use {', '.join(sorted(_FAULT_KEYS))}")
    status = _optional_number(body, "status", integer=True)
    if status is not None and not 400 <= status <= 599:
        raise HttpError(400, f"fault 'status' must be a 4xx or 5xx code such as 500, 503, 429 or 420, not {status}")
    delay = _optional_number(body, "delay")
    if status is None and delay is None:
        raise HttpError(400, "fault needs 'status', 'delay' or both")
    times = _optional_number(body, "times", integer=True)
    seconds = _optional_number(body, "seconds")
    if times is not None and seconds is not None:
        raise HttpError(400, "fault takes 'times' or 'seconds', not both")
    if times is not None and times < 1:
        raise HttpError(400, "fault 'times' must be at least 1")
    if seconds is not None and seconds <= 0:
        raise HttpError(400, "fault 'seconds' must be more than 0")
    retry_after = _optional_number(body, "retry_after", integer=True)
    return Fault(
        status=int(status) if status is not None else None,
        delay=delay,
        retry_after=int(retry_after) if retry_after is not None else None,
        times=int(times) if times is not None else (None if seconds is not None else 1),
        seconds=seconds,
        until=now + seconds if seconds is not None else None,
    )


def _optional_number(body: Json, key: str, *, integer: bool = False) -> float | None:
    value: Any = body.get(key)
    if value is None:
        return None
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        kind = "a whole number" if integer else "a number"
        raise HttpError(400, f"fault {key!r} must be {kind} >= 0, not {value!r}")
    return value


class FaultInjector:
    """Faults in the order added; each API request uses up the first one still live."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, now: float) -> Fault | None:
        self._faults = [f for f in self._faults if f.live(now)]
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.used += 1
        return fault

    def to_control(self, now: float) -> list[Json]:
        return [f.to_control(now) for f in self._faults if f.live(now)]
