"""Declaring an incident: store it once, then open its channel, bring people in and tell who must know.

The incident, its first timeline event, its audit record and the request key commit together; a
redelivered request, or the same person declaring the same title again within a minute (a
double-click), finds that and changes nothing. Slack is called only after the commit. If the
channel was created but could not be stored, it is archived again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from incidentbot.db import deliveries, incidents, timeline
from incidentbot.domain.errors import InvalidInputError
from incidentbot.domain.models import EventKind, Incident, Job, Severity
from incidentbot.domain.rules import channel_name, check_assignable, route_for, validate_title
from incidentbot.domain.text import echo, escape_mrkdwn, normalize, one_line
from incidentbot.services.committed import after_commit
from incidentbot.services.context import UseCase
from incidentbot.services.gauges import refresh_open_incidents
from incidentbot.services.ports import ChatError

__all__ = ["OPEN_CHANNEL_KIND", "DeclareOutcome", "DeclareRequest", "IncidentDeclarer"]

OPEN_CHANNEL_KIND = "slack.open_channel"
CHANNEL_READY = "channel_ready"  # the DM that tells a declarer where their delayed channel is

logger = logging.getLogger(__name__)

DOUBLE_DECLARE_WINDOW = timedelta(seconds=60)
NAME_ATTEMPTS = 5
MAX_DESCRIPTION = 3000


@dataclass(frozen=True, kw_only=True)
class DeclareRequest:
    actor_id: str
    request_key: str | None
    title: str
    severity: Severity | None = None
    service: str | None = None
    description: str = ""
    commander_id: str | None = None
    template: str | None = None
    public: bool = False
    private: bool = False


@dataclass(frozen=True)
class DeclareOutcome:
    incident: Incident
    duplicate: bool = False
    problems: list[str] = field(default_factory=list)


class IncidentDeclarer(UseCase):
    async def _validate(self, request: DeclareRequest) -> DeclareRequest:
        title = validate_title(request.title)
        service = one_line(request.service) or None
        if service is not None and self._config.services and service not in self._config.services:
            known = escape_mrkdwn(", ".join(self._config.services))
            raise InvalidInputError(f"`{echo(service, 40)}` is not a known service. Pick one of: {known}.")
        description = normalize(request.description)
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInputError(
                f"Keep the description under {MAX_DESCRIPTION} characters (this one has {len(description)})."
            )
        commander = request.commander_id or request.actor_id
        if commander != request.actor_id:
            check_assignable(await self._chat.account(commander), user_id=commander, role="commander")
        return DeclareRequest(
            actor_id=request.actor_id,
            request_key=request.request_key,
            title=title,
            severity=request.severity or self._config.default_severity,
            service=service,
            description=description,
            commander_id=commander,
            template=request.template,
            public=request.public,
            private=request.private,
        )

    async def declare(
        self, request: DeclareRequest, *, on_stored: Callable[[Incident], Awaitable[None]] | None = None
    ) -> DeclareOutcome:
        """``on_stored`` runs once the incident is committed, before its channel is opened (the
        publish form must open within 3 seconds of the form's submission)."""
        request = await self._validate(request)
        stored, job = await self._store(request)
        if stored.duplicate or job is None:
            self._metrics.duplicates_suppressed.labels("declare").inc()
            return stored
        self._metrics.incidents_declared.labels(stored.incident.severity.value).inc()
        problems: list[str] = []
        failures: list[Exception] = []

        async def open_now(claimed: Job) -> None:
            try:
                problems.extend(await self._open_channel(claimed))
            except Exception as exc:
                failures.append(exc)
                raise

        async with after_commit(stored.incident):
            if on_stored is not None:
                await on_stored(stored.incident)
            ran = await self._queue.run_now(job, open_now)
            await refresh_open_incidents(self._pool, self._metrics)
            async with self._pool.connection() as conn:
                incident = await incidents.get(conn, incident_id=stored.incident.id) or stored.incident
        if not ran:
            problems.append(_delay_notice(failures))
        return DeclareOutcome(incident, problems=problems)

    async def open_channel_job(self, job: Job) -> None:
        """The queue's run of a declaration whose channel was not opened in the request.

        The declarer was told it would come; when this run creates the channel, they are told where."""
        async with self._pool.connection() as conn:
            before = await incidents.get(conn, incident_id=int(job.payload["incident_id"]))
        problems = await self._open_channel(job)
        if problems:
            logger.info("opened the channel of incident %s late: %s", job.incident_id, " ".join(problems))
        if before is not None and before.channel_id is None:
            await self._tell_declarer_where(before.id)

    async def _tell_declarer_where(self, incident_id: int) -> None:
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=incident_id)
        if incident is None or incident.channel_id is None:
            return

        async def send() -> str:
            return await self._chat.tell_channel_ready(incident.declared_by, incident)

        await self._notifier.notify_once(incident, CHANNEL_READY, incident.declared_by, send)

    async def _store(self, request: DeclareRequest) -> tuple[DeclareOutcome, Job | None]:
        now = self._clock.now()
        assert request.severity is not None
        async with self._pool.connection() as conn, conn.transaction():
            if request.request_key is not None and not await deliveries.claim_request(
                conn, key=request.request_key, incident_id=None, now=now
            ):
                twin_id = await deliveries.request_incident(conn, key=request.request_key)
                twin = await incidents.get(conn, incident_id=twin_id) if twin_id else None
                if twin is None:
                    raise InvalidInputError("That declaration is already being handled.")
                return DeclareOutcome(twin, duplicate=True), None
            # Same person, same title, within a minute: a double-click, not a second incident.
            twin = await incidents.recent_twin(
                conn, declared_by=request.actor_id, title=request.title, since=now - DOUBLE_DECLARE_WINDOW
            )
            if twin is not None:
                return DeclareOutcome(twin, duplicate=True), None
            incident = await incidents.insert(
                conn,
                title=request.title,
                severity=request.severity,
                service=request.service,
                description=request.description,
                commander_id=request.commander_id,
                declared_by=request.actor_id,
                template=request.template,
                now=now,
                public=request.public,
                private=request.private,
            )
            if request.request_key is not None:
                await deliveries.attach_request(conn, key=request.request_key, incident_id=incident.id)
            await timeline.add_event(
                conn,
                incident_id=incident.id,
                at=now,
                actor_id=request.actor_id,
                kind=EventKind.DECLARED,
                text=incident.title,
                data={"severity": incident.severity.value, "commander": incident.commander_id},
            )
            await timeline.record_audit(
                conn,
                at=now,
                actor_id=request.actor_id,
                action="declare",
                outcome="ok",
                incident_id=incident.id,
                new_state=incident.snapshot(),
            )
            # The channel, invites, summary and announcements must happen even if Slack is down now.
            job = await self._queue.enqueue(
                conn,
                kind=OPEN_CHANNEL_KIND,
                payload={"incident_id": incident.id},
                incident_id=incident.id,
                ordering_key=f"slack:{incident.id}",
            )
        return DeclareOutcome(incident), job

    async def _create_channel(self, incident: Incident) -> tuple[str, str]:
        # The UTC date: psycopg returns timestamptz in the database session's TimeZone, which may be anything.
        day = incident.declared_at.astimezone(UTC).date()
        for attempt in range(NAME_ATTEMPTS):
            name = channel_name(day=day, number=incident.id, title=incident.title, attempt=attempt)
            if incident.channel_name != name:
                # Recorded before the create: a run after a crash knows which name it may have taken.
                async with self._pool.connection() as conn:
                    incident = await incidents.update(
                        conn, incident_id=incident.id, now=self._clock.now(), channel_name=name
                    )
            try:
                return await self._chat.create_channel(name, private=incident.private), name
            except ChatError as exc:
                if exc.code != "name_taken":
                    raise
            # Taken: by us, before a crash kept us from recording it (adopt it), or by someone else.
            own = await self._chat.find_own_channel(name)
            if own is not None:
                logger.info("adopting %s (%s): created on an earlier run that did not record it", name, own)
                return own, name
        raise ChatError("name_taken", "conversations.create")

    async def _open_channel(self, job: Job) -> list[str]:
        """Channel, invites, pinned summary, topic, announcements: each step skipped if already done.

        Idempotent, so the queue may run it again after a failure or a crash. A Slack error that
        means "not now" raises (the queue retries); one that means "never" is reported and skipped.
        """
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=int(job.payload["incident_id"]))
        if incident is None:
            return []
        problems: list[str] = []
        if incident.channel_id is None:
            incident = await self._create_and_store_channel(incident)
        channel_id = incident.channel_id
        assert channel_id is not None
        people = [incident.declared_by, incident.commander_id or incident.declared_by]
        if not incident.private:  # a private incident's people are added by hand
            people += list(self._config.service_owners.get(incident.service or "", ()))
        failed = await self._chat.invite(channel_id, list(dict.fromkeys(people)))
        if failed:
            problems.append(f"I could not invite {', '.join(f'<@{u}>' for u in failed)}.")
        if incident.summary_ts is None:
            incident = await self._post_summary(incident, channel_id, problems)
        try:
            await self._chat.set_topic(channel_id, incident)
        except ChatError as exc:
            if exc.retryable:
                raise
            problems.append(f"I could not set the channel topic ({exc.code}).")
        await self._announce(incident)
        if self._publisher is not None:
            await self._publisher.prompt_if_due(incident)  # customers hear only what a person decides
        return problems

    async def _create_and_store_channel(self, incident: Incident) -> Incident:
        channel_id, name = await self._create_channel(incident)
        try:
            async with self._pool.connection() as conn:
                return await incidents.update(
                    conn, incident_id=incident.id, now=self._clock.now(), channel_id=channel_id, channel_name=name
                )
        except Exception:
            logger.exception("could not store the channel of %s; archiving it again", incident.reference)
            try:
                await self._chat.archive_channel(channel_id)
            except ChatError as exc:
                logger.error("could not archive %s either: %s", channel_id, exc.code)
            raise

    async def _post_summary(self, incident: Incident, channel_id: str, problems: list[str]) -> Incident:
        try:
            ts = await self._chat.post_summary(channel_id, incident)
        except ChatError as exc:
            if exc.retryable:
                raise
            problems.append(f"I could not post the incident summary ({exc.code}).")
            return incident
        async with self._pool.connection() as conn:
            incident = await incidents.update(conn, incident_id=incident.id, now=self._clock.now(), summary_ts=ts)
        try:
            await self._chat.pin(channel_id, ts)
        except ChatError as exc:
            if exc.retryable:
                raise
            problems.append(f"I could not pin the summary ({exc.code}).")
        return incident

    async def _announce(self, incident: Incident) -> None:
        route = route_for(incident.severity, self._config.routing, private=incident.private)
        async with self._pool.connection() as conn:
            done = {a.channel_id for a in await deliveries.list_announcements(conn, incident_id=incident.id)}
        for channel in route.channels:
            if channel in done:
                continue  # announced on an earlier run of this job

            async def send(channel: str = channel) -> str:
                return await self._chat.announce_declared(channel, incident)

            await self._notifier.announce(incident, channel, send, remember=True)
        for user in route.dm_users:

            async def page(user: str = user) -> str:
                return await self._chat.page(user, incident)

            await self._notifier.dm(incident, user, page)


def _delay_notice(failures: list[Exception]) -> str:
    """What the declarer hears when the channel could not be opened in the request: the true reason."""
    if failures and isinstance(failures[0], ChatError):
        return "Slack is not answering right now; I will open the channel as soon as it does and tell you where it is."
    if failures:
        return "I could not finish opening the channel yet; I will keep trying and tell you where it is."
    return "Its channel is being opened; I will tell you where it is."
