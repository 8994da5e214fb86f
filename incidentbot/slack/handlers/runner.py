"""Deferred work behind an ack, and the one place where errors become messages for the user.

Listeners ack first (no I/O), then hand the real work to :func:`run_deferred` under the task
tracker, so Slack's 3-second deadline never depends on the database and shutdown can drain it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.clock import Clock
from incidentbot.domain.errors import PermissionDeniedError, UserFacingError
from incidentbot.metrics import Metrics
from incidentbot.services.config import IncidentConfig
from incidentbot.services.declare import IncidentDeclarer
from incidentbot.services.lifecycle import IncidentLifecycle
from incidentbot.services.privacy import IncidentPrivacy
from incidentbot.services.queries import IncidentQueries
from incidentbot.services.statuspage_publish import StatuspagePublisher
from incidentbot.services.timers import IncidentTimers
from incidentbot.slack.gateway import SlackGateway
from incidentbot.slack.views.interaction import OUT_OF_DATE, StaleInteractionError
from incidentbot.tasks import TaskTracker

__all__ = ["APOLOGY", "HandlerDeps", "Reply", "run_deferred"]

logger = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], Awaitable[Any]]

WORK_SLOTS = 16

APOLOGY = (
    "Sorry, something went wrong on my side and I could not finish that. Nothing was changed. "
    "Please try again; if it keeps failing, give your admin this reference: `{ref}`."
)


@dataclass(frozen=True)
class HandlerDeps:
    """What handlers need from the rest of the daemon."""

    tracker: TaskTracker
    metrics: Metrics
    declarer: IncidentDeclarer
    lifecycle: IncidentLifecycle
    timers: IncidentTimers
    queries: IncidentQueries
    privacy: IncidentPrivacy
    config: IncidentConfig
    gateway: SlackGateway
    client: AsyncWebClient
    clock: Clock
    statuspage_enabled: bool = False
    # Publishes on the status page what a person decided; None when Statuspage is not configured.
    publisher: StatuspagePublisher | None = None
    work_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WORK_SLOTS))


async def _safe_reply(reply: Reply, message: dict[str, Any]) -> None:
    try:
        await reply(message)
    except Exception:
        logger.exception("could not send the reply to the user")


Work = Callable[[], Awaitable[str | None]]


async def _run(kind: str, work: Work, reply: Reply, metrics: Metrics) -> None:
    start = time.perf_counter()
    outcome = "ok"
    try:
        outcome = await work() or "ok"
    except StaleInteractionError as exc:
        outcome = "stale"
        logger.warning("%s: the interaction is out of date or not ours (%s)", kind, exc.reason)
        await _safe_reply(reply, {"response_type": "ephemeral", "text": OUT_OF_DATE})
    except PermissionDeniedError as exc:
        outcome = "denied"
        metrics.permission_denials.labels(exc.action).inc()
        await _safe_reply(reply, {"response_type": "ephemeral", "text": exc.user_text})
    except UserFacingError as exc:
        outcome = "refused"
        await _safe_reply(reply, {"response_type": "ephemeral", "text": exc.user_text})
    except Exception:
        outcome = "error"
        ref = uuid.uuid4().hex[:8]
        logger.exception("%s failed (reference %s)", kind, ref)
        await _safe_reply(reply, {"response_type": "ephemeral", "text": APOLOGY.format(ref=ref)})
    finally:
        elapsed = time.perf_counter() - start
        metrics.commands.labels(kind, outcome).inc()
        metrics.command_duration.labels(kind).observe(elapsed)
        logger.info("%s %s in %.0f ms", kind, outcome, elapsed * 1000)


def run_deferred(deps: HandlerDeps, kind: str, work: Work, reply: Reply) -> None:
    """Run ``work`` after the ack, tracked for shutdown; errors answer the user, never escape.

    ``work`` may return an outcome for the metrics (e.g. ``"duplicate"``); the default is ``"ok"``."""
    deps.tracker.spawn(_bounded(deps.work_slots, _run(kind, work, reply, deps.metrics)), name=kind)


async def _bounded(slots: asyncio.Semaphore, work: Coroutine[Any, Any, None]) -> None:
    """At most a few handlers work at once, so a burst cannot starve the acks of later envelopes."""
    async with slots:
        await work
