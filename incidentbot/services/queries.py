"""Reading incidents: find the one a command is about, its timeline, the open list, the gauge."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.db import deliveries, incidents, statuspage, templates, timeline
from incidentbot.domain.errors import InvalidInputError, NotFoundError
from incidentbot.domain.models import Announcement, Incident, Template, TimelineEvent

__all__ = ["IncidentDetails", "IncidentQueries", "split_reference"]

_REFERENCE = re.compile(r"#(\d{1,12})(?:\s+(.*))?", re.DOTALL)


def split_reference(args: str) -> tuple[int | None, str]:
    """``"#42 rest"`` → ``(42, "rest")``; no reference → ``(None, args)``. Line breaks in the rest stay."""
    match = _REFERENCE.fullmatch(args.strip())
    if match:
        return int(match.group(1)), (match.group(2) or "").strip()
    return None, args.strip()


@dataclass(frozen=True)
class IncidentDetails:
    incident: Incident
    announcements: list[Announcement]


class IncidentQueries:
    def __init__(self, *, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def locate(self, *, channel_id: str | None, reference: int | None, usage: str) -> Incident:
        """The incident a command is about: the one referenced, else the one whose channel this is."""
        async with self._pool.connection() as conn:
            if reference is not None:
                found = await incidents.get(conn, incident_id=reference)
                if found is None:
                    raise NotFoundError(f"There is no incident #{reference}. `/incident list` shows the open ones.")
                return found
            found = await incidents.get_by_channel(conn, channel_id=channel_id) if channel_id else None
        if found is None:
            raise InvalidInputError(
                f"This is not an incident channel. Run it in the incident's channel, or name the incident: `{usage}`."
            )
        return found

    async def in_channel(self, channel_id: str | None) -> Incident | None:
        if not channel_id:
            return None
        async with self._pool.connection() as conn:
            return await incidents.get_by_channel(conn, channel_id=channel_id)

    async def details(self, incident_id: int) -> IncidentDetails:
        async with self._pool.connection() as conn:
            incident = await incidents.get(conn, incident_id=incident_id)
            if incident is None:
                raise NotFoundError(f"There is no incident #{incident_id}.")
            places = await deliveries.list_announcements(conn, incident_id=incident_id)
        return IncidentDetails(incident, places)

    async def public_status(self, incident: Incident) -> tuple[bool, str | None, str | None]:
        """(published on Statuspage, its public link, the component mapped to the incident's service)."""
        async with self._pool.connection() as conn:
            public = await statuspage.public_state(conn, incident_id=incident.id)
            component = await statuspage.component_for(conn, service=incident.service)
        return public is not None, public.link if public else None, component

    async def timeline(self, incident_id: int) -> list[TimelineEvent]:
        async with self._pool.connection() as conn:
            return await timeline.list_events(conn, incident_id=incident_id)

    async def open_incidents(self) -> list[Incident]:
        async with self._pool.connection() as conn:
            return await incidents.list_open(conn)

    async def templates(self) -> list[Template]:
        async with self._pool.connection() as conn:
            return await templates.list_templates(conn)

    async def template(self, name: str) -> Template | None:
        async with self._pool.connection() as conn:
            return await templates.get_template(conn, name=name)
