"""Injected failures: a method answers with an HTTP status, a Slack error or a delay, N times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BadRequest
from .models import Json

RESPONSE_URL = "response_url"
ANY_METHOD = "*"
# Not a Web API method: the next acks arriving on the socket are lost in transit, so Slack redelivers.
LOST_ACK = "socket_ack"


@dataclass
class Fault:
    method: str
    status: int | None = None
    error: str | None = None
    retry_after: int | None = None
    delay: float | None = None
    times: int = 1
    used: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times > 0 and self.used >= self.times

    def response(self) -> tuple[int, Json, dict[str, str]] | None:
        """The status, body and headers to answer with, or None when the fault is only a delay."""
        if self.status is None and self.error is None:
            return None
        status = self.status or 200
        headers: dict[str, str] = {}
        if status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
            error = self.error or "ratelimited"
        elif status >= 500:
            error = self.error or "internal_error"
        else:
            error = self.error or "fatal_error"
        return status, {"ok": False, "error": error}, headers

    def to_control(self) -> Json:
        return {
            "method": self.method,
            "status": self.status,
            "error": self.error,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "times": self.times,
            "used": self.used,
        }


def parse_fault(body: Json) -> Fault:
    """A fault from control-API JSON, refusing anything that could not be meant."""
    method = body.get("method")
    if not isinstance(method, str) or not method:
        raise BadRequest("fault needs 'method': a Web API method, 'response_url', 'socket_ack' or '*'")
    status = _optional_int(body, "status")
    if status is not None and not (status == 429 or 400 <= status <= 599):
        raise BadRequest(f"fault 'status' must be 429 or another 4xx/5xx code, not {status}")
    error = body.get("error")
    if error is not None and not isinstance(error, str):
        raise BadRequest("fault 'error' must be a Slack error code string")
    delay = body.get("delay")
    if delay is not None and (not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0):
        raise BadRequest("fault 'delay' must be a number of seconds >= 0")
    times = _optional_int(body, "times")
    if times is not None and times < 0:
        raise BadRequest("fault 'times' must be >= 0 (0 means every call)")
    if status is None and error is None and delay is None and method != LOST_ACK:
        raise BadRequest("fault needs at least one of 'status', 'error' or 'delay'")
    return Fault(
        method=method,
        status=status,
        error=error,
        retry_after=_optional_int(body, "retry_after"),
        delay=float(delay) if delay is not None else None,
        times=1 if times is None else times,
    )


def _optional_int(body: Json, key: str) -> int | None:
    value: Any = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"fault {key!r} must be an integer, not {value!r}")
    return value


class FaultInjector:
    """Faults in the order they were added; the first live one matching a call is used."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def take(self, target: str) -> Fault | None:
        """Use up one application of the fault for `target` (a method name or 'response_url')."""
        for fault in self.faults:
            wildcard = fault.method == ANY_METHOD and target not in (RESPONSE_URL, LOST_ACK)
            if (fault.method == target or wildcard) and not fault.exhausted:
                fault.used += 1
                return fault
        return None

    def to_control(self) -> list[Json]:
        return [f.to_control() for f in self.faults if not f.exhausted]
