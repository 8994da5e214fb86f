"""Changing an incident: status, updates, severity, roles, notes, resolve and reopen.

Each change is one transaction: lock the incident row, check permission, claim the request key,
apply the rule, write the row, the timeline event and the audit record. A denial is audited too,
in its own commit. Only then does Slack hear of it: the summary is edited in place, the topic kept
current, the event posted in the channel and threaded under the announcements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from incidentbot.db import deliveries, incidents, timeline
from incidentbot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from incidentbot.domain.models import EventKind, Incident, Job, Role, Severity, Status, TimelineEvent
from incidentbot.domain.rules import Action, authorize, check_assignable, check_transition, route_for, validate_text
from incidentbot.domain.text import user_reference
from incidentbot.services.committed import after_commit
from incidentbot.services.context import UseCase
from incidentbot.services.gauges import refresh_open_incidents
from incidentbot.services.ports import ChatError

__all__ = ["AFTER_CHANGE_KIND", "Change", "ChangeOutcome", "IncidentLifecycle"]

AFTER_CHANGE_KIND = "slack.after_change"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """What a rule decided: the columns to set and the timeline event to record."""

    columns: dict[str, Any]
    kind: EventKind
    text: str = ""
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChangeOutcome:
    before: Incident
    after: Incident
    event: TimelineEvent | None
    duplicate: bool = False
    # The queued Slack work this change needs (posts, summary, announcements, DMs).
    job: Job | None = None


Decide = Callable[[Incident], Change]

# News for the people following the incident (it restarts the update-reminder clock); notes, roles
# and hand-offs are not. None of it reaches the status page: only a publication does.
NEWS_KINDS = frozenset({EventKind.STATUS, EventKind.UPDATE, EventKind.SEVERITY, EventKind.RESOLVED, EventKind.REOPENED})


class IncidentLifecycle(UseCase):
    # -- the one transaction every change goes through ------------------------------------------------
    async def _apply(
        self, *, incident_id: int, actor_id: str, request_key: str | None, action: Action, decide: Decide
    ) -> ChangeOutcome:
        now = self._clock.now()
        denied: PermissionDeniedError | None = None
        async with self._pool.connection() as conn, conn.transaction():
            before = await incidents.get(conn, incident_id=incident_id, for_update=True)
            if before is None:
                raise NotFoundError(f"There is no incident #{incident_id}. `/incident list` shows the open ones.")
            try:
                authorize(action, actor=actor_id, incident=before, admins=self._config.admins)
            except PermissionDeniedError as exc:
                denied = exc
                await timeline.record_denial(conn, at=now, actor_id=actor_id, incident=before, refusal=exc)
            if denied is None:
                if request_key is not None and not await deliveries.claim_request(
                    conn, key=request_key, incident_id=incident_id, now=now
                ):
                    self._metrics.duplicates_suppressed.labels(action.name.lower()).inc()
                    return ChangeOutcome(before, before, None, duplicate=True)
                change = decide(before)
                columns = dict(change.columns)
                if change.kind in NEWS_KINDS:
                    columns["last_update_at"] = now  # news: the update-reminder clock starts again
                after = await incidents.update(conn, incident_id=incident_id, now=now, **columns)
                event = await timeline.add_event(
                    conn,
                    incident_id=incident_id,
                    at=now,
                    actor_id=actor_id,
                    kind=change.kind,
                    text=change.text,
                    data=change.data,
                )
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
                job = await self._queue.enqueue(
                    conn,
                    kind=AFTER_CHANGE_KIND,
                    payload={
                        "incident_id": incident_id,
                        "event_id": event.id,
                        "action": action.name.lower(),
                        "before": {**before.snapshot(), "archived": before.archived_at is not None},
                    },
                    incident_id=incident_id,
                    ordering_key=f"slack:{incident_id}",
                )
        if denied is not None:
            raise denied
        async with after_commit(after):
            await self._queue.run_now(job, self.after_change_job)  # at once; the queue retries if Slack fails
            await refresh_open_incidents(self._pool, self._metrics)
        return ChangeOutcome(before, after, event, job=job)

    async def require(self, *, incident_id: int, actor_id: str, action: Action) -> Incident:
        """Check a permission before showing a form (a button); a denial is audited like any other."""
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=incident_id)
            if incident is None:
                raise NotFoundError(f"There is no incident #{incident_id}.")
            try:
                authorize(action, actor=actor_id, incident=incident, admins=self._config.admins)
            except PermissionDeniedError as exc:
                await timeline.record_denial(
                    conn, at=self._clock.now(), actor_id=actor_id, incident=incident, refusal=exc
                )
                raise
        return incident

    def allowed(self, incident: Incident, actor_id: str) -> list[Action]:
        """What this person may do to this incident right now (for context-aware help)."""
        permitted = []
        for action in Action:
            try:
                authorize(action, actor=actor_id, incident=incident, admins=self._config.admins)
            except PermissionDeniedError:
                continue
            permitted.append(action)
        return permitted

    # -- use cases -------------------------------------------------------------------------------------
    async def change_status(
        self, *, incident_id: int, actor_id: str, request_key: str | None, status: Status, message: str = ""
    ) -> ChangeOutcome:
        if status is Status.RESOLVED:
            return await self.resolve(
                incident_id=incident_id, actor_id=actor_id, request_key=request_key, summary=message
            )
        text = validate_text(message, what="message", required=False)

        def decide(incident: Incident) -> Change:
            check_transition(incident.status, status)
            data = {"from": incident.status.value, "to": status.value}
            return Change({"status": status}, EventKind.STATUS, text, data)

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.STATUS, decide=decide
        )
        return outcome

    async def post_update(
        self, *, incident_id: int, actor_id: str, request_key: str | None, text: str, status: Status | None = None
    ) -> ChangeOutcome:
        if status is not None:
            return await self.change_status(
                incident_id=incident_id, actor_id=actor_id, request_key=request_key, status=status, message=text
            )
        body = validate_text(text, what="update")

        def decide(incident: Incident) -> Change:
            if not incident.status.is_open:
                raise InvalidInputError(f"{incident.reference} is resolved. Use `/incident reopen` first.")
            return Change({}, EventKind.UPDATE, body)

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.UPDATE, decide=decide
        )
        return outcome

    async def change_severity(
        self, *, incident_id: int, actor_id: str, request_key: str | None, severity: Severity
    ) -> ChangeOutcome:
        def decide(incident: Incident) -> Change:
            if severity is incident.severity:
                raise InvalidInputError(f"{incident.reference} is already {severity.value}.")
            data = {"from": incident.severity.value, "to": severity.value}
            return Change({"severity": severity}, EventKind.SEVERITY, "", data)

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.SEVERITY, decide=decide
        )
        return outcome

    async def hand_off_commander(
        self, *, incident_id: int, actor_id: str, request_key: str | None, new_commander: str
    ) -> ChangeOutcome:
        check_assignable(await self._chat.account(new_commander), user_id=new_commander, role="commander")

        def decide(incident: Incident) -> Change:
            if incident.commander_id == new_commander:
                who = user_reference(new_commander)
                raise InvalidInputError(f"{who} is already the commander of {incident.reference}.")
            data = {"from": incident.commander_id, "to": new_commander}
            return Change({"commander_id": new_commander}, EventKind.COMMANDER, "", data)

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.COMMANDER, decide=decide
        )
        return outcome

    async def assign_role(
        self, *, incident_id: int, actor_id: str, request_key: str | None, role: Role, user_id: str
    ) -> ChangeOutcome:
        if role is Role.COMMANDER:
            raise InvalidInputError("Use `/incident commander @someone` to hand off the commander role.")
        check_assignable(await self._chat.account(user_id), user_id=user_id, role=f"{role.value} person")
        column = "comms_id" if role is Role.COMMS else "scribe_id"

        def decide(incident: Incident) -> Change:
            return Change({column: user_id}, EventKind.ROLE, "", {"role": role.value, "user": user_id})

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.ROLE, decide=decide
        )
        return outcome

    async def add_note(self, *, incident_id: int, actor_id: str, request_key: str | None, text: str) -> ChangeOutcome:
        body = validate_text(text, what="note")
        outcome = await self._apply(
            incident_id=incident_id,
            actor_id=actor_id,
            request_key=request_key,
            action=Action.NOTE,
            decide=lambda incident: Change({}, EventKind.NOTE, body),
        )
        return outcome

    async def resolve(
        self, *, incident_id: int, actor_id: str, request_key: str | None, summary: str = ""
    ) -> ChangeOutcome:
        text = validate_text(summary, what="summary", required=False)
        now = self._clock.now()

        def decide(incident: Incident) -> Change:
            if not incident.status.is_open:
                raise InvalidInputError(f"{incident.reference} is already resolved.")
            duration = int((now - incident.declared_at).total_seconds())
            columns = {"status": Status.RESOLVED, "resolved_at": now, "resolution": text or None}
            return Change(columns, EventKind.RESOLVED, text, {"from": incident.status.value, "duration_s": duration})

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.RESOLVE, decide=decide
        )
        return outcome

    async def reopen(self, *, incident_id: int, actor_id: str, request_key: str | None) -> ChangeOutcome:
        def decide(incident: Incident) -> Change:
            if incident.status.is_open:
                raise InvalidInputError(f"{incident.reference} is not resolved, so there is nothing to reopen.")
            columns = {
                "status": Status.INVESTIGATING,
                "resolved_at": None,
                "resolution": None,
                "archived_at": None,
                "archive_warned_at": None,
            }
            return Change(columns, EventKind.REOPENED, "", {"to": Status.INVESTIGATING.value})

        outcome = await self._apply(
            incident_id=incident_id, actor_id=actor_id, request_key=request_key, action=Action.REOPEN, decide=decide
        )
        return outcome

    # -- after the commit: tell Slack, as a job the queue retries until Slack takes it ------------------
    async def after_change_job(self, job: Job) -> None:
        """Everything Slack must show after one change. Safe to run again: edits are in place,
        announcements already recorded are skipped; a post may repeat only after a failure midway."""
        p = job.payload
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=int(p["incident_id"]))
            event = await timeline.get_event(conn, event_id=int(p["event_id"]))
        if incident is None or event is None:
            return
        before: dict[str, Any] = p.get("before") or {}
        action = str(p.get("action"))
        channel = incident.channel_id
        if channel and action == "reopen" and before.get("archived"):
            await self._quietly(self._chat.unarchive_channel(channel), "unarchive the channel")
        if channel and action == "commander" and incident.commander_id:
            await self._quietly(self._chat.invite(channel, [incident.commander_id]), "invite the commander")
        if channel and action == "role" and event.data.get("user"):
            await self._quietly(self._chat.invite(channel, [str(event.data["user"])]), "invite")
        await self._broadcast(incident, event, announce=action not in ("note", "resolve"))
        if action == "severity" and before.get("severity"):
            await self._announce_escalation(Severity(before["severity"]), incident)
            if self._publisher is not None:
                await self._publisher.prompt_if_due(incident)
        if action == "resolve":
            await self._announce_resolution(incident)
            if self._publisher is not None:
                await self._publisher.offer_resolution(incident, event_id=event.id)
        if action == "commander" and incident.commander_id:
            previous = before.get("commander_id")
            await self._tell(incident.commander_id, incident, previous=previous)
            if previous and previous != incident.commander_id:
                await self._tell(previous, incident, previous=previous)

    async def _broadcast(self, incident: Incident, event: TimelineEvent, *, announce: bool) -> None:
        """Summary and topic (edited in place), the event in the channel, and under each announcement."""
        channel = incident.channel_id
        if channel is None:
            return
        if incident.summary_ts:
            await self._quietly(self._chat.update_summary(channel, incident.summary_ts, incident), "update the summary")
        await self._quietly(self._chat.set_topic(channel, incident), "set the topic")
        await self._quietly(self._chat.post_event(channel, incident, event), "post the event")
        if announce:
            async with self._pool.connection() as conn:
                places = await deliveries.list_announcements(conn, incident_id=incident.id)
            for place in places:
                await self._quietly(
                    self._chat.post_event(place.channel_id, incident, event, thread_ts=place.ts), "thread the event"
                )

    async def _announce_escalation(self, previous: Severity, after: Incident) -> None:
        if not (after.severity.rank < previous.rank and after.severity in (Severity.P1, Severity.P2)):
            return
        route = route_for(after.severity, self._config.routing, private=after.private)
        for channel in route.channels:

            async def send(channel: str = channel) -> str:
                return await self._chat.announce_escalated(channel, after, previous=previous)

            await self._notifier.announce(after, channel, send, remember=True)
        for user in route.dm_users:

            async def page(user: str = user) -> str:
                return await self._chat.page(user, after)

            await self._notifier.dm(after, user, page)

    async def _announce_resolution(self, incident: Incident) -> None:
        if incident.resolved_at is None:
            return  # reopened before this job ran: nothing to announce
        duration = incident.resolved_at - incident.declared_at
        async with self._pool.connection() as conn:
            places = await deliveries.list_announcements(conn, incident_id=incident.id)
            paged = await deliveries.paged_users(conn, incident_id=incident.id)
        for place in places:

            async def send(channel: str = place.channel_id, ts: str = place.ts) -> str:
                return await self._chat.announce_resolved(channel, incident, duration=duration, thread_ts=ts)

            await self._notifier.announce(incident, place.channel_id, send)
        for user in paged:

            async def tell(user: str = user) -> str:
                return await self._chat.announce_resolved(user, incident, duration=duration, thread_ts=None)

            await self._notifier.dm(incident, user, tell)

    async def _tell(self, user_id: str, incident: Incident, *, previous: str | None) -> None:
        await self._quietly(self._chat.tell_commander(user_id, incident, previous=previous), "DM the commander")

    async def _quietly(self, call: Any, what: str) -> None:
        """A Slack call after commit: a "never" error is logged and skipped; a "not now" one raises,
        so the queue retries the job."""
        try:
            await call
        except ChatError as exc:
            if exc.retryable:
                raise
            logger.warning("could not %s: %s", what, exc.code)
