"""StatusPagePort on the Statuspage client, and a cached reachability check for /ready.

Statuspage allows about one request a second per key, so /ready never calls it: a background job
does, every 30 s, sets ``incidentbot_statuspage_up``, and the check reads the result. The check is
registered as optional: an outage of Statuspage degrades the bot but never makes it not ready.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from incidentbot.domain.publication import PublicationDraft
from incidentbot.health import CheckFailedError
from incidentbot.integrations.statuspage import StatuspageClient, StatuspageError
from incidentbot.metrics import Metrics
from incidentbot.services.ports import PublicRef, StatusPageError

__all__ = ["StatuspageAdapter", "StatuspageReachability"]

FRESHNESS_SECONDS = 90.0


class StatuspageAdapter:
    """StatusPagePort on the Statuspage client: the draft goes out word for word."""

    def __init__(self, client: StatuspageClient) -> None:
        self._client = client

    async def publish(self, draft: PublicationDraft, *, public_id: str | None) -> PublicRef:
        components = {c: s.value for c, s in draft.components.items()}
        try:
            if public_id is None:
                ref = await self._client.create_incident(
                    name=draft.title, status=draft.status.value, body=draft.message, component_status=components
                )
            else:
                ref = await self._client.update_incident(
                    public_id,
                    name=draft.title,
                    status=draft.status.value,
                    body=draft.message,
                    component_status=components,
                )
        except StatuspageError as exc:
            raise _port_error(exc) from None
        return PublicRef(ref.id, ref.shortlink)

    async def find_published(
        self, draft: PublicationDraft, *, public_id: str | None, since: datetime
    ) -> PublicRef | None:
        """After a crash mid-call: did the page already take this draft? (Statuspage has no idempotency key.)

        A new incident is recognised by its name among the open ones created since the decision; an
        update by its status and body among the incident's updates since then."""
        try:
            if public_id is None:
                candidates = await self._client.unresolved_incidents()
                for incident in candidates:
                    if incident.get("name") == draft.title and _after(incident.get("created_at"), since):
                        return PublicRef(str(incident["id"]), incident.get("shortlink") or None)
                return None
            incident = await self._client.incident(public_id)
        except StatuspageError as exc:
            raise _port_error(exc) from None
        for update in incident.get("incident_updates") or []:
            if (
                isinstance(update, dict)
                and update.get("body") == draft.message
                and update.get("status") == draft.status.value
                and _after(update.get("created_at"), since)
            ):
                return PublicRef(public_id, incident.get("shortlink") or None)
        return None

    async def component_names(self) -> dict[str, str]:
        try:
            components = await self._client.components()
        except StatuspageError as exc:
            raise _port_error(exc) from None
        return {str(c["id"]): str(c.get("name") or c["id"]) for c in components if c.get("id")}


# Our clock and Statuspage's may disagree a little; a match this much older still counts.
CLOCK_SKEW = timedelta(minutes=2)


def _after(stamp: object, since: datetime) -> bool:
    if not isinstance(stamp, str):
        return False
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return bool(moment >= since - CLOCK_SKEW)


def _port_error(exc: StatuspageError) -> StatusPageError:
    return StatusPageError(exc.message, status=exc.status, retryable=exc.retryable, retry_after=exc.retry_after)


class StatuspageReachability:
    def __init__(self, client: StatuspageClient, *, metrics: Metrics) -> None:
        self._client = client
        self._metrics = metrics
        self._last_ok: float | None = None
        self._last_error = "not checked yet"

    async def refresh(self) -> None:
        try:
            self._last_error = await self._client.check()
        except StatuspageError as exc:
            self._last_error = exc.message
            self._metrics.statuspage_up.set(0)
        else:
            self._last_ok = time.monotonic()
            self._metrics.statuspage_up.set(1)

    async def check(self) -> str:
        if self._last_ok is None or time.monotonic() - self._last_ok > FRESHNESS_SECONDS:
            raise CheckFailedError(f"Statuspage not reachable: {self._last_error}")
        return self._last_error
