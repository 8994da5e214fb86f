"""Telling people: announcements where a severity routes, P1 pages by DM, each one recorded.

Runs after the state change has committed. A failure to notify never undoes the change: it is
recorded (and counted) so nobody has to guess whether a page went out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.db import deliveries
from incidentbot.domain.models import Incident, NotificationStatus
from incidentbot.domain.rules import dm_allowed
from incidentbot.metrics import Metrics
from incidentbot.services.ports import ChatError, ChatPort

__all__ = ["Notifier"]

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(self, *, pool: AsyncConnectionPool[Any], chat: ChatPort, clock: Clock, metrics: Metrics) -> None:
        self._pool = pool
        self._chat = chat
        self._clock = clock
        self._metrics = metrics

    async def _record(
        self, incident: Incident, kind: str, target: str, status: NotificationStatus, ts: str | None, error: str | None
    ) -> None:
        self._metrics.notifications.labels(kind, status.value).inc()
        async with self._pool.connection() as conn:
            await deliveries.record_notification(
                conn,
                incident_id=incident.id,
                at=self._clock.now(),
                kind=kind,
                target=target,
                status=status,
                ts=ts,
                error=error,
            )

    async def announce(
        self, incident: Incident, channel_id: str, send: Callable[[], Awaitable[str]], *, remember: bool = False
    ) -> str | None:
        """Post one announcement; record it; with ``remember``, store it as where the declaration went."""
        try:
            ts = await send()
        except ChatError as exc:
            logger.warning("announcement of %s in %s failed: %s", incident.reference, channel_id, exc.code)
            await self._record(incident, "announcement", channel_id, NotificationStatus.FAILED, None, exc.code)
            if exc.retryable:
                raise  # the job is retried; the failure stays on record
            return None
        await self._record(incident, "announcement", channel_id, NotificationStatus.SENT, ts, None)
        if remember:
            async with self._pool.connection() as conn:
                await deliveries.add_announcement(conn, incident_id=incident.id, channel_id=channel_id, ts=ts)
        return ts

    async def dm(self, incident: Incident, user_id: str, send: Callable[[], Awaitable[str]]) -> None:
        """DM one person unless they had one about this incident in the last 5 minutes (then record the throttle)."""
        async with self._pool.connection() as conn:
            last = await deliveries.last_dm_sent(conn, incident_id=incident.id, user_id=user_id)
        if not dm_allowed(last, self._clock.now()):
            await self._record(incident, "dm", user_id, NotificationStatus.THROTTLED, None, "sent within 5 minutes")
            return
        try:
            ts = await send()
        except ChatError as exc:
            logger.warning("DM to %s about %s failed: %s", user_id, incident.reference, exc.code)
            await self._record(incident, "dm", user_id, NotificationStatus.FAILED, None, exc.code)
            if exc.retryable:
                raise
            return
        await self._record(incident, "dm", user_id, NotificationStatus.SENT, ts, None)

    async def notify_once(
        self, incident: Incident, kind: str, target: str, send: Callable[[], Awaitable[str]]
    ) -> str | None:
        """Post a notice unless one of this ``kind`` already went to ``target`` (a job run again).

        Recorded after it is posted: a crash in between may repeat it once (at least once, keyed)."""
        async with self._pool.connection() as conn:
            if await deliveries.notification_sent(conn, incident_id=incident.id, kind=kind, target=target):
                return None
        try:
            ts = await send()
        except ChatError as exc:
            logger.warning("%s about %s to %s failed: %s", kind, incident.reference, target, exc.code)
            await self._record(incident, kind, target, NotificationStatus.FAILED, None, exc.code)
            if exc.retryable:
                raise
            return None
        await self._record(incident, kind, target, NotificationStatus.SENT, ts, None)
        return ts
