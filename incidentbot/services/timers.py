"""Sweeps re-derived from the database each run: archive old channels, remind quiet commanders.

Nothing lives in the scheduler's memory: a restart, a missed run or a second daemon changes nothing
(a session advisory lock lets one daemon sweep at a time). A channel that cannot be archived now
(`not_in_channel`, a rate limit) is skipped and tried again on the next sweep; the others go on.
Its closing message is posted once, not on every attempt.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from incidentbot.db import deliveries, incidents, timeline
from incidentbot.domain.errors import NotFoundError, PermissionDeniedError
from incidentbot.domain.models import EventKind, Incident, NotificationStatus, Severity
from incidentbot.domain.rules import Action, archive_due, archive_warning_due, authorize, reminder_due
from incidentbot.services.context import UseCase
from incidentbot.services.ports import ChatError

__all__ = ["SNOOZE", "ArchivePolicy", "IncidentTimers"]

logger = logging.getLogger(__name__)

SNOOZE = timedelta(minutes=30)
BOT_ACTOR = "incidentbot"
CLOSING = "archive_closing"  # the notification kind recording the closing message


@dataclass(frozen=True)
class ArchivePolicy:
    after_days: int
    warning_hours: float


class IncidentTimers(UseCase):
    async def archive_sweep(self, policy: ArchivePolicy) -> int:
        """Heads-ups and archival due now; returns how many channels were archived."""
        if policy.after_days <= 0:
            return 0
        async with self._pool.connection() as lock:
            if not await incidents.try_sweep_lock(lock, name="archive-sweep"):
                logger.info("another daemon is running the archive sweep")
                return 0
            try:
                return await self._archive_due(policy)
            finally:
                await incidents.sweep_unlock(lock, name="archive-sweep")

    async def _archive_due(self, policy: ArchivePolicy) -> int:
        now = self._clock.now()
        horizon = now - timedelta(days=policy.after_days) + timedelta(hours=policy.warning_hours)
        async with self._pool.connection() as conn:
            candidates = await incidents.resolved_before(conn, before=horizon)
        archived = 0
        for incident in candidates:
            try:
                if archive_due(incident, now=now, after_days=policy.after_days):
                    await self._archive(incident, policy)
                    archived += 1
                elif archive_warning_due(
                    incident, now=now, after_days=policy.after_days, warning_hours=policy.warning_hours
                ):
                    await self._warn(incident, policy)
            except ChatError as exc:
                logger.warning("archive sweep: %s skipped until the next sweep: %s", incident.reference, exc.code)
        self._metrics.archive_last_sweep.set(now.timestamp())
        return archived

    async def _warn(self, incident: Incident, policy: ArchivePolicy) -> None:
        assert incident.channel_id is not None and incident.resolved_at is not None
        archive_at = incident.resolved_at + timedelta(days=policy.after_days)
        await self._chat.warn_archive(incident.channel_id, incident, archive_at=archive_at)
        async with self._pool.connection() as conn:
            await incidents.update(
                conn, incident_id=incident.id, now=self._clock.now(), archive_warned_at=self._clock.now()
            )

    async def _archive(self, incident: Incident, policy: ArchivePolicy) -> None:
        assert incident.channel_id is not None
        await self._say_goodbye(incident, policy)
        await self._chat.archive_channel(incident.channel_id)
        now = self._clock.now()
        async with self._pool.connection() as conn, conn.transaction():
            after = await incidents.update(conn, incident_id=incident.id, now=now, archived_at=now)
            await timeline.add_event(
                conn,
                incident_id=incident.id,
                at=now,
                actor_id=BOT_ACTOR,
                kind=EventKind.ARCHIVED,
                text=f"retention window of {policy.after_days} days",
                data={"channel": incident.channel_id},
            )
            await timeline.record_audit(
                conn,
                at=now,
                actor_id=BOT_ACTOR,
                action="archive",
                outcome="ok",
                incident_id=incident.id,
                old_state=incident.snapshot(),
                new_state=after.snapshot(),
            )
        self._metrics.channels_archived.inc()
        logger.info("archived the channel of %s", incident.reference)

    async def _say_goodbye(self, incident: Incident, policy: ArchivePolicy) -> None:
        """The closing message, once per resolution: a channel Slack will not archive yet is retried
        every sweep, and would otherwise hear the goodbye every time."""
        assert incident.channel_id is not None and incident.resolved_at is not None
        async with self._pool.connection() as conn:
            if await deliveries.notification_sent(
                conn, incident_id=incident.id, kind=CLOSING, target=incident.channel_id, since=incident.resolved_at
            ):
                return
        ts = await self._chat.post_archive_closing(incident.channel_id, incident, after_days=policy.after_days)
        async with self._pool.connection() as conn:
            await deliveries.record_notification(
                conn,
                incident_id=incident.id,
                at=self._clock.now(),
                kind=CLOSING,
                target=incident.channel_id,
                status=NotificationStatus.SENT,
                ts=ts,
            )

    async def reminder_sweep(self, minutes: Mapping[Severity, int]) -> int:
        """Nudge commanders of quiet open incidents; returns how many reminders went out."""
        async with self._pool.connection() as lock:
            if not await incidents.try_sweep_lock(lock, name="reminder-sweep"):
                return 0
            try:
                sent = await self._remind_due(minutes)
            finally:
                await incidents.sweep_unlock(lock, name="reminder-sweep")
        self._metrics.reminder_last_sweep.set(self._clock.now().timestamp())
        return sent

    async def _remind_due(self, minutes: Mapping[Severity, int]) -> int:
        now = self._clock.now()
        async with self._pool.connection() as conn:
            candidates = await incidents.list_open(conn)
        sent = 0
        for incident in candidates:
            interval = minutes.get(incident.severity, 0)
            if incident.channel_id is None or not reminder_due(incident, now=now, minutes=interval):
                continue
            # While nothing is public about a serious incident, each reminder asks for that too.
            publish = self._publisher is not None and await self._publisher.prompt_wanted(incident)
            try:
                await self._chat.remind(incident.channel_id, incident, quiet_minutes=interval, publish_prompt=publish)
            except ChatError as exc:
                logger.warning("could not remind about %s: %s", incident.reference, exc.code)
                continue
            async with self._pool.connection() as conn:
                await incidents.update(conn, incident_id=incident.id, now=now, reminded_at=now)
            self._metrics.reminders_sent.labels(incident.severity.value).inc()
            sent += 1
        return sent

    async def snooze(self, *, incident_id: int, actor_id: str) -> Incident:
        """No reminder for the next 30 minutes; only the people running the response may ask.

        A refusal is audited in the same commit as it is decided, then raised (as lifecycle does).
        """
        now = self._clock.now()
        action = Action.SNOOZE_REMINDERS
        denied: PermissionDeniedError | None = None
        async with self._pool.connection() as conn, conn.transaction():
            before = await incidents.get(conn, incident_id=incident_id, for_update=True)
            if before is None:
                raise NotFoundError(f"There is no incident #{incident_id}.")
            try:
                authorize(action, actor=actor_id, incident=before, admins=self._config.admins)
            except PermissionDeniedError as exc:
                denied = exc
                await timeline.record_denial(conn, at=now, actor_id=actor_id, incident=before, refusal=exc)
            else:
                after = await incidents.update(conn, incident_id=incident_id, now=now, snoozed_until=now + SNOOZE)
                await timeline.record_audit(
                    conn,
                    at=now,
                    actor_id=actor_id,
                    action=action.name.lower(),
                    outcome="ok",
                    incident_id=incident_id,
                    old_state=before.snapshot(),
                    new_state=after.snapshot(),
                )
        if denied is not None:
            raise denied
        return after
