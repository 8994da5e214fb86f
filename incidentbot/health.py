"""Readiness: named checks, each answering within a deadline, plus the draining flag.

A probe never does expensive work: each check is a cheap query or reads state that a background
task keeps fresh. Checks run concurrently, so one slow dependency cannot hide the others.

A check is *required* (the bot cannot do its job without it: the database, Slack) or *optional* (an
integration such as Statuspage): a failing optional check is reported as degraded but keeps the bot
ready, so an outage of an optional service never stalls a rollout or takes pods out of service.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

__all__ = ["CheckFailedError", "CheckResult", "Readiness", "ReadinessReport"]


class CheckFailedError(Exception):
    """Raised by a check with a short, operator-facing reason."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    detail: str
    optional: bool = False


@dataclass(frozen=True)
class ReadinessReport:
    ready: bool
    starting: bool
    draining: bool
    checks: tuple[CheckResult, ...]

    def as_dict(self) -> dict[str, object]:
        status = (
            "ready" if self.ready else "draining" if self.draining else "starting" if self.starting else "not ready"
        )
        return {
            "status": status,
            "checks": {
                c.name: {"ok": c.ok, "optional": c.optional, "latency_ms": round(c.latency_ms, 2), "detail": c.detail}
                for c in self.checks
            },
            "failing": [c.name for c in self.checks if not c.ok and not c.optional],
            "degraded": [c.name for c in self.checks if not c.ok and c.optional],
        }


Check = Callable[[], Awaitable[str]]


class Readiness:
    """Collects the checks each component registers; the side server asks it for a report."""

    def __init__(self, *, timeout: float = 1.0) -> None:
        self._checks: dict[str, tuple[Check, bool]] = {}
        self._timeout = timeout
        # Not ready until start-up has registered every check: a partial list could pass too early.
        self.starting = True
        self.draining = False

    def add(self, name: str, check: Check, *, optional: bool = False) -> None:
        """Register a check: a coroutine that returns a detail string or raises CheckFailedError.

        An ``optional`` check that fails is listed as degraded but does not make the bot not ready.
        """
        self._checks[name] = (check, optional)

    async def report(self) -> ReadinessReport:
        # Decide "starting" before awaiting the checks: start-up may finish (and add checks) meanwhile.
        starting = self.starting
        results = await asyncio.gather(*(self._run(n, c, o) for n, (c, o) in list(self._checks.items())))
        ready = not starting and not self.draining and all(r.ok for r in results if not r.optional)
        return ReadinessReport(ready=ready, starting=starting, draining=self.draining, checks=tuple(results))

    async def _run(self, name: str, check: Check, optional: bool) -> CheckResult:
        start = time.perf_counter()
        try:
            detail = await asyncio.wait_for(check(), timeout=self._timeout)
            ok = True
        except CheckFailedError as exc:
            ok, detail = False, str(exc)
        except TimeoutError:
            ok, detail = False, f"no answer within {self._timeout:g}s"
        except Exception as exc:  # a probe must answer, whatever the check did
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        return CheckResult(name, ok, (time.perf_counter() - start) * 1000, detail, optional)
