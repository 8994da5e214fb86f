"""StatusPagePort on the Statuspage client, and a cached reachability check for /ready.

Statuspage allows about one request a second per key, so /ready never calls it: a background job
does, every 30 s, sets ``incidentbot_statuspage_up``, and the check reads the result. The check is
registered as optional: an outage of Statuspage degrades the bot but never makes it not ready.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from incidentbot.domain.models import Severity, Status
from incidentbot.health import CheckFailedError
from incidentbot.integrations.statuspage import StatuspageClient, StatuspageError
from incidentbot.integrations.statuspage_mapping import component_status_for, incident_status
from incidentbot.metrics import Metrics
from incidentbot.services.ports import PublicRef

__all__ = ["StatuspageAdapter", "StatuspageReachability"]

FRESHNESS_SECONDS = 90.0


class StatuspageAdapter:
    def __init__(self, client: StatuspageClient) -> None:
        self._client = client

    async def open(self, *, title: str, status: Status, message: str, components: Mapping[str, Severity]) -> PublicRef:
        created = await self._client.create_incident(
            name=title,
            status=incident_status(status.value),
            body=message,
            component_status={c: component_status_for(s.value) for c, s in components.items()},
        )
        return PublicRef(created.id, created.shortlink)

    async def update(
        self, public_id: str, *, status: Status, message: str, components: Mapping[str, Severity]
    ) -> PublicRef:
        updated = await self._client.update_incident(
            public_id,
            status=incident_status(status.value),
            body=message,
            component_status={c: component_status_for(s.value) for c, s in components.items()},
        )
        return PublicRef(updated.id, updated.shortlink)

    async def close(self, public_id: str, *, message: str, component_ids: Sequence[str]) -> PublicRef:
        resolved = await self._client.resolve_incident(public_id, body=message, component_ids=component_ids)
        return PublicRef(resolved.id, resolved.shortlink)


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
