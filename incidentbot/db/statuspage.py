"""Statuspage: the mapping (service → component), the public incident mirroring each local one, and
every decision to publish (a publication) with what became of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from incidentbot.domain.publication import (
    ComponentStatus,
    MappedComponent,
    Publication,
    PublicationDraft,
    PublicState,
    PublicStatus,
)

__all__ = [
    "component_for",
    "finish_publication",
    "get_publication",
    "insert_publication",
    "list_components",
    "map_component",
    "mapped_components",
    "public_state",
    "save_public_state",
    "unmap",
]

UPSERT_COMPONENT = """
INSERT INTO statuspage_components (service, component_id, component_name)
VALUES (%(service)s, %(component_id)s, %(name)s)
ON CONFLICT (service) DO UPDATE SET component_id = EXCLUDED.component_id, component_name = EXCLUDED.component_name
"""
SELECT_MAPPED = "SELECT service, component_id, component_name FROM statuspage_components ORDER BY service"
DELETE_COMPONENT = "DELETE FROM statuspage_components WHERE service = %(service)s RETURNING service"
SELECT_COMPONENTS = "SELECT service, component_id FROM statuspage_components ORDER BY service"
SELECT_COMPONENT = "SELECT component_id FROM statuspage_components WHERE service = %(service)s"


async def map_component(
    conn: AsyncConnection[Any], *, service: str, component_id: str, name: str | None = None
) -> None:
    await conn.execute(UPSERT_COMPONENT, {"service": service, "component_id": component_id, "name": name})


async def mapped_components(conn: AsyncConnection[Any]) -> list[MappedComponent]:
    """Every mapped component, by service, with its name on the page when known."""
    cur = await conn.execute(SELECT_MAPPED)
    return [MappedComponent(service=str(s), component_id=str(c), name=n) for s, c, n in await cur.fetchall()]


async def unmap(conn: AsyncConnection[Any], *, service: str) -> bool:
    cur = await conn.execute(DELETE_COMPONENT, {"service": service})
    return await cur.fetchone() is not None


async def list_components(conn: AsyncConnection[Any]) -> list[tuple[str, str]]:
    cur = await conn.execute(SELECT_COMPONENTS)
    return [(str(s), str(c)) for s, c in await cur.fetchall()]


async def component_for(conn: AsyncConnection[Any], *, service: str | None) -> str | None:
    if not service:
        return None
    cur = await conn.execute(SELECT_COMPONENT, {"service": service})
    row = await cur.fetchone()
    return str(row[0]) if row else None


SELECT_STATE = """
SELECT public_id, shortlink, title, status, components FROM statuspage_incidents WHERE incident_id = %(incident_id)s
"""
UPSERT_STATE = """
INSERT INTO statuspage_incidents (incident_id, public_id, shortlink, created_at, title, status, components)
VALUES (%(incident_id)s, %(public_id)s, %(shortlink)s, %(now)s, %(title)s, %(status)s, %(components)s)
ON CONFLICT (incident_id) DO UPDATE
SET shortlink = coalesce(EXCLUDED.shortlink, statuspage_incidents.shortlink), title = EXCLUDED.title,
    status = EXCLUDED.status,
    components = statuspage_incidents.components || EXCLUDED.components
"""
_PUBLICATION_COLUMNS = (
    "id, incident_id, requested_by, requested_at, title, status, message, components, outcome, public_id, link, error"
)
INSERT_PUBLICATION = f"""
INSERT INTO statuspage_publications (incident_id, requested_by, requested_at, title, status, message, components)
VALUES (%(incident_id)s, %(requested_by)s, %(now)s, %(title)s, %(status)s, %(message)s, %(components)s)
RETURNING {_PUBLICATION_COLUMNS}
"""  # noqa: S608 - column list is a constant
SELECT_PUBLICATION = f"""
SELECT {_PUBLICATION_COLUMNS} FROM statuspage_publications WHERE id = %(id)s
"""  # noqa: S608
FINISH_PUBLICATION = f"""
UPDATE statuspage_publications
SET outcome = %(outcome)s, public_id = %(public_id)s, link = %(link)s, error = %(error)s, finished_at = %(now)s
WHERE id = %(id)s AND outcome = 'pending'
RETURNING {_PUBLICATION_COLUMNS}
"""  # noqa: S608


def _components(raw: Any) -> dict[str, ComponentStatus]:
    if not isinstance(raw, dict):
        return {}
    found = {}
    for component, status in raw.items():
        try:
            found[str(component)] = ComponentStatus(str(status))
        except ValueError:
            continue  # a status this version does not know: leave it out of the defaults
    return found


async def public_state(conn: AsyncConnection[Any], *, incident_id: int) -> PublicState | None:
    """What customers see of this incident now, if anything was published."""
    cur = await conn.execute(SELECT_STATE, {"incident_id": incident_id})
    row = await cur.fetchone()
    if row is None:
        return None
    public_id, link, title, status, components = row
    try:
        known: PublicStatus | None = PublicStatus(status) if status else None
    except ValueError:
        known = None
    return PublicState(
        public_id=str(public_id), link=link, title=title, status=known, components=_components(components)
    )


async def save_public_state(
    conn: AsyncConnection[Any], *, draft: PublicationDraft, public_id: str, link: str | None, now: datetime
) -> None:
    """Record what customers now see (components merge: one left out keeps its last status)."""
    await conn.execute(
        UPSERT_STATE,
        {
            "incident_id": draft.incident_id,
            "public_id": public_id,
            "shortlink": link,
            "now": now,
            "title": draft.title,
            "status": draft.status.value,
            "components": Jsonb({c: s.value for c, s in draft.components.items()}),
        },
    )


def _publication(row: dict[str, Any]) -> Publication:
    draft = PublicationDraft(
        incident_id=int(row["incident_id"]),
        title=str(row["title"]),
        status=PublicStatus(row["status"]),
        message=str(row["message"]),
        components=_components(row["components"]),
    )
    return Publication(
        id=int(row["id"]),
        draft=draft,
        requested_by=str(row["requested_by"]),
        requested_at=row["requested_at"],
        outcome=str(row["outcome"]),
        public_id=row["public_id"],
        link=row["link"],
        error=row["error"],
    )


async def insert_publication(
    conn: AsyncConnection[Any], *, draft: PublicationDraft, requested_by: str, now: datetime
) -> Publication:
    """Record a person's decision to publish, pending until Statuspage takes it."""
    params = {
        **draft.as_json(),
        "components": Jsonb({c: s.value for c, s in draft.components.items()}),
        "requested_by": requested_by,
        "now": now,
    }
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(INSERT_PUBLICATION, params)
        row = await cur.fetchone()
    assert row is not None
    return _publication(row)


async def get_publication(conn: AsyncConnection[Any], *, publication_id: int) -> Publication | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_PUBLICATION, {"id": publication_id})
        row = await cur.fetchone()
    return _publication(row) if row else None


async def finish_publication(
    conn: AsyncConnection[Any],
    *,
    publication_id: int,
    outcome: str,
    now: datetime,
    public_id: str | None = None,
    link: str | None = None,
    error: str | None = None,
) -> Publication | None:
    """Mark a pending publication published or refused; None if it was no longer pending."""
    params = {
        "id": publication_id,
        "outcome": outcome,
        "public_id": public_id,
        "link": link,
        "error": error,
        "now": now,
    }
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(FINISH_PUBLICATION, params)
        row = await cur.fetchone()
    return _publication(row) if row else None
