"""Publishing on the public status page: only what a person with the right to publish decided.

A publication is a decision (who, what, when) stored in one transaction with the job that sends
it; the job sends the draft word for word, then records the outcome, the timeline event and the
audit record together, and says so once in the channel. Statuspage refusing the draft (a 4xx other
than a rate limit) is final: the person who published is told why, once. An outage or a rate limit
is retried by the queue, honouring Retry-After. Nothing else ever reaches the status page: internal
titles, updates, notes and resolutions stay internal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.clock import Clock
from incidentbot.db import deliveries, incidents, statuspage, timeline
from incidentbot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from incidentbot.domain.models import EventKind, Incident, Job, Severity
from incidentbot.domain.publication import (
    DEFAULT_MESSAGES,
    DEFAULT_TITLE,
    ComponentStatus,
    MappedComponent,
    Publication,
    PublicationDraft,
    PublicState,
    PublicStatus,
    authorize_publish,
    default_component_status,
    publish_prompt_due,
    validate_draft,
)
from incidentbot.metrics import Metrics
from incidentbot.services.committed import after_commit
from incidentbot.services.notify import Notifier
from incidentbot.services.ports import ChatError, ChatPort, StatusPageError, StatusPagePort
from incidentbot.services.queue import JobQueue

__all__ = ["LEGACY_SYNC_KIND", "PUBLISH_KIND", "PublishForm", "PublishingConfig", "StatuspagePublisher"]

logger = logging.getLogger(__name__)

PUBLISH_KIND = "statuspage.publish"
# Jobs of the automatic sync of earlier versions: never sent any more (they carry internal text).
LEGACY_SYNC_KIND = "statuspage.sync"
AUDIT_ACTION = "statuspage_publish"


@dataclass(frozen=True)
class PublishingConfig:
    min_severity: Severity = Severity.P2
    publishers: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()
    default_title: str = DEFAULT_TITLE
    messages: Mapping[PublicStatus, str] = field(default_factory=lambda: dict(DEFAULT_MESSAGES))


@dataclass(frozen=True)
class PublishForm:
    """What the publish form starts from: neutral defaults, never the internal title or updates."""

    incident: Incident
    draft: PublicationDraft
    components: list[MappedComponent]
    current: PublicState | None


class StatuspagePublisher:
    def __init__(
        self,
        *,
        pool: AsyncConnectionPool[Any],
        statuspage: StatusPagePort,
        chat: ChatPort,
        queue: JobQueue,
        clock: Clock,
        metrics: Metrics,
        notifier: Notifier,
        config: PublishingConfig,
    ) -> None:
        self._notifier = notifier
        self._pool = pool
        self._statuspage = statuspage
        self._chat = chat
        self._queue = queue
        self._clock = clock
        self._metrics = metrics
        self.config = config

    # -- the form --------------------------------------------------------------------------------------
    async def form(self, *, incident_id: int, actor_id: str, status: PublicStatus | None = None) -> PublishForm:
        """Check the right to publish (a refusal is audited), then the form's defaults."""
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=incident_id)
            if incident is None:
                raise NotFoundError(f"There is no incident #{incident_id}.")
            try:
                self._authorize(actor_id, incident)
            except PermissionDeniedError as exc:
                await self._audit_denial(conn, actor_id, incident, exc)
                raise
            current = await statuspage.public_state(conn, incident_id=incident_id)
            mapped = await statuspage.mapped_components(conn)
        chosen = status or self._default_status(incident, current)
        draft = PublicationDraft(
            incident_id=incident.id,
            title=current.title if current and current.title else self.config.default_title,
            status=chosen,
            message=self.message_for(chosen),
            components=_default_components(incident, chosen, mapped, current),
        )
        return PublishForm(incident=incident, draft=draft, components=mapped, current=current)

    def message_for(self, status: PublicStatus) -> str:
        return self.config.messages.get(status) or DEFAULT_MESSAGES[status]

    @staticmethod
    def _default_status(incident: Incident, current: PublicState | None) -> PublicStatus:
        if not incident.status.is_open:
            return PublicStatus.RESOLVED
        if current is not None and current.status is not None and current.status is not PublicStatus.RESOLVED:
            return current.status
        return PublicStatus.INVESTIGATING

    # -- the decision ----------------------------------------------------------------------------------
    async def publish(self, *, actor_id: str, request_key: str | None, draft: PublicationDraft) -> Publication | None:
        """Record the decision and send it; None when this request was already handled (a redelivery)."""
        draft = validate_draft(draft)
        now = self._clock.now()
        denied: PermissionDeniedError | None = None
        async with self._pool.connection() as conn, conn.transaction():
            incident = await incidents.get(conn, incident_id=draft.incident_id, for_update=True)
            if incident is None:
                raise NotFoundError(f"There is no incident #{draft.incident_id}.")
            try:
                self._authorize(actor_id, incident)
            except PermissionDeniedError as exc:
                denied = exc
                await self._audit_denial(conn, actor_id, incident, exc)
            if denied is None:
                if request_key is not None and not await deliveries.claim_request(
                    conn, key=request_key, incident_id=incident.id, now=now
                ):
                    self._metrics.duplicates_suppressed.labels(AUDIT_ACTION).inc()
                    return None
                known = {c.component_id for c in await statuspage.mapped_components(conn)}
                stale = sorted(set(draft.components) - known)
                if stale:
                    raise InvalidInputError(
                        "A component in the form is no longer mapped to a service. Open the form again."
                    )
                publication = await statuspage.insert_publication(conn, draft=draft, requested_by=actor_id, now=now)
                job = await self._queue.enqueue(
                    conn,
                    kind=PUBLISH_KIND,
                    payload={"publication_id": publication.id},
                    incident_id=incident.id,
                    ordering_key=f"statuspage:{incident.id}",
                )
        if denied is not None:
            raise denied
        async with after_commit(incident):
            await self._queue.run_now(job, self.run)  # at once; the queue retries through an outage
            async with self._pool.connection() as conn:
                return await statuspage.get_publication(conn, publication_id=publication.id) or publication

    def may_publish(self, incident: Incident, actor_id: str) -> bool:
        """For help: whether this person would be let through (no audit; nothing is attempted)."""
        try:
            self._authorize(actor_id, incident)
        except PermissionDeniedError:
            return False
        return True

    def _authorize(self, actor_id: str, incident: Incident) -> None:
        authorize_publish(
            actor=actor_id, incident=incident, admins=self.config.admins, publishers=self.config.publishers
        )

    async def _audit_denial(self, conn: Any, actor_id: str, incident: Incident, exc: PermissionDeniedError) -> None:
        await timeline.record_denial(conn, at=self._clock.now(), actor_id=actor_id, incident=incident, refusal=exc)

    # -- the job ---------------------------------------------------------------------------------------
    async def run(self, job: Job) -> None:
        """Send one publication, record what became of it, then say so once. Safe to run again."""
        async with self._pool.connection() as conn:
            publication = await statuspage.get_publication(conn, publication_id=int(job.payload["publication_id"]))
        if publication is None:
            return
        if publication.outcome == "pending":
            publication = await self._send(publication, first_attempt=job.attempts <= 1)
        if publication is not None:
            await self._tell_outcome(publication)

    async def drop_legacy_sync(self, job: Job) -> None:
        """An automatic sync queued by an earlier version: dropped, since no person decided it."""
        logger.warning("dropping automatic Statuspage sync job %s: publishing is now a person's decision", job.id)

    async def _send(self, publication: Publication, *, first_attempt: bool) -> Publication | None:
        async with self._pool.connection() as conn:
            current = await statuspage.public_state(conn, incident_id=publication.draft.incident_id)
        public_id = current.public_id if current else None
        try:
            ref = None
            if not first_attempt:  # an earlier attempt may have been taken before we could record it
                ref = await self._statuspage.find_published(
                    publication.draft, public_id=public_id, since=publication.requested_at
                )
            if ref is None:
                ref = await self._statuspage.publish(publication.draft, public_id=public_id)
        except StatusPageError as exc:
            if exc.retryable:
                self._metrics.statuspage_publications.labels("retried").inc()
                if first_attempt:
                    await self._notice_delay(publication, exc)
                raise
            return await self._record_refusal(publication, exc)
        now = self._clock.now()
        draft = publication.draft
        async with self._pool.connection() as conn, conn.transaction():
            finished = await statuspage.finish_publication(
                conn, publication_id=publication.id, outcome="published", now=now, public_id=ref.id, link=ref.link
            )
            if finished is None:
                return None  # finished by another worker meanwhile
            await statuspage.save_public_state(conn, draft=draft, public_id=ref.id, link=ref.link, now=now)
            data: dict[str, Any] = {
                **draft.as_json(),
                "publication_id": publication.id,
                "link": ref.link,
            }
            await timeline.add_event(
                conn,
                incident_id=draft.incident_id,
                at=now,
                actor_id=publication.requested_by,
                kind=EventKind.PUBLISHED,
                text=draft.message,
                data=data,
            )
            await timeline.record_audit(
                conn,
                at=now,
                actor_id=publication.requested_by,
                action=AUDIT_ACTION,
                outcome="ok",
                incident_id=draft.incident_id,
                new_state=data,
                detail=f"published ({draft.status.value}) as {ref.id}",
            )
        self._metrics.statuspage_publications.labels("published").inc()
        return finished

    async def _record_refusal(self, publication: Publication, exc: StatusPageError) -> Publication | None:
        now = self._clock.now()
        async with self._pool.connection() as conn, conn.transaction():
            finished = await statuspage.finish_publication(
                conn, publication_id=publication.id, outcome="refused", now=now, error=exc.detail[:500]
            )
            if finished is None:
                return None
            await timeline.record_audit(
                conn,
                at=now,
                actor_id=publication.requested_by,
                action=AUDIT_ACTION,
                outcome="failed",
                incident_id=publication.draft.incident_id,
                new_state=publication.draft.as_json(),
                detail=exc.detail[:500],
            )
        self._metrics.statuspage_publications.labels("refused").inc()
        logger.warning("Statuspage refused publication %s: %s", publication.id, exc.detail)
        return finished

    async def _tell_outcome(self, publication: Publication) -> None:
        """The channel line for a publication, or the refusal for its author: each once."""
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=publication.draft.incident_id)
        if incident is None or incident.channel_id is None:
            # Published right after the declaration, before its channel exists: try again shortly.
            raise ChatError("channel_not_ready", "statuspage notice")
        channel = incident.channel_id
        if publication.outcome == "published":
            kind = "statuspage_published"

            async def send() -> str:
                return await self._chat.announce_publication(channel, incident, publication)

        else:
            kind = "statuspage_refused"

            async def send() -> str:
                return await self._chat.tell_refusal(channel, incident, publication)

        await self._notifier.notify_once(incident, kind, f"publication:{publication.id}", send)

    async def _notice_delay(self, publication: Publication, exc: StatusPageError) -> None:
        """The first failure of a publication, said in the channel; the queue keeps retrying."""
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=publication.draft.incident_id)
        if incident is None or incident.channel_id is None:
            return
        text = (
            f":warning: The status page did not take <@{publication.requested_by}>'s publication yet "
            f"({_short(exc.detail)}). I will keep trying; nothing needs doing."
        )
        try:
            await self._chat.post_notice(incident.channel_id, text)
        except ChatError as err:
            logger.warning("could not post the Statuspage delay notice: %s", err.code)

    # -- prompts: asking a person to decide ------------------------------------------------------------
    async def is_published(self, incident_id: int) -> bool:
        async with self._pool.connection() as conn:
            return await statuspage.public_state(conn, incident_id=incident_id) is not None

    async def prompt_wanted(self, incident: Incident) -> bool:
        """Serious enough to tell customers, and nothing public yet (for the reminders)."""
        if not publish_prompt_due(incident, min_severity=self.config.min_severity, published=False):
            return False
        return not await self.is_published(incident.id)

    async def prompt_if_due(self, incident: Incident) -> None:
        """Ask the commander, once per incident, to decide what customers are told."""
        channel = incident.channel_id
        if channel is None or not await self.prompt_wanted(incident):
            return

        async def send() -> str:
            return await self._chat.prompt_publication(channel, incident, min_severity=self.config.min_severity)

        await self._notifier.notify_once(incident, "statuspage_prompt", channel, send)

    async def offer_resolution(self, incident: Incident, *, event_id: int) -> None:
        """Resolved in Slack while customers still see it open: offer (never perform) the public resolution."""
        channel = incident.channel_id
        if channel is None or incident.status.is_open:
            return
        async with self._pool.connection() as conn:
            current = await statuspage.public_state(conn, incident_id=incident.id)
        if current is None or current.status is PublicStatus.RESOLVED:
            return

        async def send() -> str:
            return await self._chat.offer_public_resolution(channel, incident, public=current)

        await self._notifier.notify_once(incident, "statuspage_offer", f"event:{event_id}", send)


def _default_components(
    incident: Incident, status: PublicStatus, mapped: list[MappedComponent], current: PublicState | None
) -> dict[str, ComponentStatus]:
    """The incident's own service's component by severity, plus whatever is already public."""
    chosen: dict[str, ComponentStatus] = {}
    for component in mapped:
        if current is not None and component.component_id in current.components:
            previous = current.components[component.component_id]
            resolved = status is PublicStatus.RESOLVED
            chosen[component.component_id] = ComponentStatus.OPERATIONAL if resolved else previous
        elif component.service == incident.service:
            chosen[component.component_id] = default_component_status(incident.severity, status)
    return chosen


def _short(text: str) -> str:
    return text[:150]
