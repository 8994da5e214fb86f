"""Deferred work behind an ack, and the one place where errors become messages for the user.

Listeners ack first (no I/O), then hand the real work to :func:`run_deferred` under the task
tracker, so Slack's 3-second deadline never depends on the database and shutdown can drain it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout
from slack_sdk.web.async_client import AsyncWebClient

from incidentbot.clock import Clock
from incidentbot.domain.errors import AfterCommitError, PermissionDeniedError, UserFacingError
from incidentbot.metrics import Metrics
from incidentbot.services.config import IncidentConfig
from incidentbot.services.declare import IncidentDeclarer
from incidentbot.services.lifecycle import IncidentLifecycle
from incidentbot.services.privacy import IncidentPrivacy
from incidentbot.services.queries import IncidentQueries
from incidentbot.services.statuspage_publish import StatuspagePublisher
from incidentbot.services.timers import IncidentTimers
from incidentbot.slack.fairness import BacklogFullError, FairSlots, PerUserRateLimit
from incidentbot.slack.gateway import SlackGateway
from incidentbot.slack.views.interaction import OUT_OF_DATE, StaleInteractionError
from incidentbot.tasks import TaskTracker

__all__ = ["APOLOGY", "HandlerDeps", "Reply", "run_deferred"]

logger = logging.getLogger(__name__)

Reply = Callable[[dict[str, Any]], Awaitable[Any]]

WORK_SLOTS = 16
MAX_WAITING = 1000  # work waiting for a slot; past it the person is told to try again
DEFAULT_RATE_LIMIT = 20

# Only when the change was committed: the person must not be told that nothing happened.
SAVED_BUT = (
    "Your change to {incident} was saved, but something went wrong on my side while telling Slack about it. "
    "I keep retrying in the background; if it does not show up, give your admin this reference: `{ref}`."
)
DATABASE_DOWN = (
    "I could not record that: my database is not answering. Nothing was changed; please try again in a minute."
)
BUSY = "I am very busy right now and could not take that on. Nothing was changed; please try again in a minute."
RATE_LIMITED = (
    "You have sent {limit} commands in the last minute, my limit per person, so I skipped this one. "
    "Nothing was changed; try again in a few seconds."
)
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
    # Work behind acks, shared round-robin between people; commands per person per minute.
    work_slots: FairSlots = field(default_factory=lambda: FairSlots(WORK_SLOTS, max_waiting=MAX_WAITING))
    rate_limit: PerUserRateLimit = field(default_factory=lambda: PerUserRateLimit(DEFAULT_RATE_LIMIT))


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
    except AfterCommitError as exc:
        outcome = "error_after_commit"
        ref = uuid.uuid4().hex[:8]
        logger.exception("%s failed after its change was saved (reference %s)", kind, ref)
        text = SAVED_BUT.format(incident=exc.reference, ref=ref)
        await _safe_reply(reply, {"response_type": "ephemeral", "text": text})
    except (psycopg.OperationalError, PoolTimeout) as exc:
        outcome = "database_down"
        logger.warning("%s failed: the database is not answering (%s)", kind, type(exc).__name__)
        await _safe_reply(reply, {"response_type": "ephemeral", "text": DATABASE_DOWN})
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


def run_deferred(deps: HandlerDeps, kind: str, work: Work, reply: Reply, *, user: str = "") -> None:
    """Run ``work`` after the ack, tracked for shutdown; errors answer the user, never escape.

    ``work`` may return an outcome for the metrics (e.g. ``"duplicate"``); the default is ``"ok"``.
    ``user`` is whose turn it is: slots go round-robin between people."""
    deps.tracker.spawn(_fair(deps, user, kind, work, reply), name=kind)


async def _fair(deps: HandlerDeps, user: str, kind: str, work: Work, reply: Reply) -> None:
    """At most a few handlers work at once (so a burst cannot starve the acks of later envelopes),
    taken in turn by person (so one person's flood cannot starve everyone else's commands)."""
    try:
        async with deps.work_slots.slot(user):
            await _run(kind, work, reply, deps.metrics)
    except BacklogFullError:
        deps.metrics.commands.labels(kind, "busy").inc()
        logger.warning("%s refused: %d pieces of work already waiting", kind, deps.work_slots.waiting)
        await _safe_reply(reply, {"response_type": "ephemeral", "text": BUSY})


def refuse_rate_limited(deps: HandlerDeps, kind: str, reply: Reply) -> None:
    """A command over the person's limit gets its one answer, and no work (so no slot)."""
    deps.metrics.commands.labels(kind, "rate_limited").inc()
    text = RATE_LIMITED.format(limit=deps.rate_limit.per_minute)
    deps.tracker.spawn(_safe_reply(reply, {"response_type": "ephemeral", "text": text}), name=f"{kind}:limited")
