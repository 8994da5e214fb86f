"""Mirroring incidents on the public status page, through the durable job queue.

A change that customers should see queues a sync job in its own transaction, carrying the state
at that moment; jobs of one incident share an ordering key, so even after an outage of Statuspage
every update arrives, once each, in the order it was made. Each sync says so in the incident
channel with the public link; a failing one says so there on its first failure, then keeps retrying.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.db import incidents, statuspage
from incidentbot.domain.models import Incident, Job, Severity, Status
from incidentbot.services.ports import ChatError, ChatPort, StatusPagePort
from incidentbot.services.queue import JobQueue

__all__ = ["SYNC_KIND", "StatuspageSync"]

logger = logging.getLogger(__name__)

SYNC_KIND = "statuspage.sync"
CHANNEL_WAIT_STEPS = 40
CHANNEL_WAIT_STEP_SECONDS = 0.25


class StatuspageSync:
    def __init__(
        self,
        *,
        pool: AsyncConnectionPool[Any],
        statuspage: StatusPagePort,
        chat: ChatPort,
        queue: JobQueue,
        clock: Clock,
        min_severity: Severity,
    ) -> None:
        self._pool = pool
        self._statuspage = statuspage
        self._chat = chat
        self._queue = queue
        self._clock = clock
        self._min_severity = min_severity

    async def enqueue(self, conn: AsyncConnection[Any], incident: Incident, *, message: str) -> bool:
        """In the change's transaction: queue a sync if the incident is public (or already published)."""
        public = incident.public or incident.severity.rank <= self._min_severity.rank
        if not public and await statuspage.public_incident(conn, incident_id=incident.id) is None:
            return False
        payload = {
            "incident_id": incident.id,
            "title": incident.title,
            "status": incident.status.value,
            "severity": incident.severity.value,
            "service": incident.service,
            "message": message or _default_message(incident),
        }
        await self._queue.enqueue(
            conn, kind=SYNC_KIND, payload=payload, incident_id=incident.id, ordering_key=f"statuspage:{incident.id}"
        )
        return True

    def poke(self) -> None:
        self._queue.poke()

    async def run(self, job: Job) -> None:
        """One sync: create the public incident, update it, or resolve it, then tell the channel."""
        p = job.payload
        incident_id = int(p["incident_id"])
        status, severity = Status(p["status"]), Severity(p["severity"])
        async with self._pool.connection() as conn:
            existing = await statuspage.public_incident(conn, incident_id=incident_id)
            component = await statuspage.component_for(conn, service=p.get("service"))
        components = {component: severity} if component else {}
        try:
            if existing is None:
                if status is Status.RESOLVED:
                    return  # resolved before it was ever published: nothing for customers to see
                ref = await self._statuspage.open(
                    title=str(p["title"]), status=status, message=str(p["message"]), components=components
                )
                async with self._pool.connection() as conn:
                    await statuspage.save_public_incident(
                        conn, incident_id=incident_id, public_id=ref.id, shortlink=ref.link, now=self._clock.now()
                    )
                verb = "Published on Statuspage"
            elif status is Status.RESOLVED:
                ref = await self._statuspage.close(
                    existing[0], message=str(p["message"]), component_ids=list(components)
                )
                verb = "Resolved on Statuspage"
            else:
                ref = await self._statuspage.update(
                    existing[0], status=status, message=str(p["message"]), components=components
                )
                verb = "Statuspage updated"
        except Exception as exc:
            if job.attempts == 1:
                await self._notice(
                    incident_id, f":warning: Statuspage did not take the update ({_short(exc)}). I will keep retrying."
                )
            raise
        link = f"<{ref.link}|public page>" if ref.link else "the public page"
        await self._notice(incident_id, f":globe_with_meridians: {verb} ({status.value}): {link}")

    async def _notice(self, incident_id: int, text: str) -> None:
        """Tell the incident channel. A sync queued at declaration may run before the channel exists."""
        channel = await self._channel_of(incident_id)
        if channel is None:
            logger.info("incident %s has no channel for the Statuspage notice: %s", incident_id, text)
            return
        try:
            await self._chat.post_notice(channel, text)
        except ChatError as exc:
            logger.warning("could not post the Statuspage notice: %s", exc.code)

    async def _channel_of(self, incident_id: int) -> str | None:
        for _ in range(CHANNEL_WAIT_STEPS):
            async with self._pool.connection() as conn:
                incident = await incidents.get(conn, incident_id=incident_id)
            if incident is None or incident.channel_id:
                return incident.channel_id if incident else None
            await asyncio.sleep(CHANNEL_WAIT_STEP_SECONDS)
        return None


def _default_message(incident: Incident) -> str:
    return {
        Status.DECLARED: "We are investigating reports of a problem.",
        Status.INVESTIGATING: "We are investigating the problem.",
        Status.IDENTIFIED: "The cause has been identified and a fix is being worked on.",
        Status.MONITORING: "A fix has been applied and we are monitoring the results.",
        Status.RESOLVED: "This incident has been resolved.",
    }[incident.status]


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text[:150]
