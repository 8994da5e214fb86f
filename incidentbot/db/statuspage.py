"""Statuspage mapping (service → component) and the public incident mirroring each local one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

__all__ = ["component_for", "list_components", "map_component", "public_incident", "save_public_incident", "unmap"]

UPSERT_COMPONENT = """
INSERT INTO statuspage_components (service, component_id) VALUES (%(service)s, %(component_id)s)
ON CONFLICT (service) DO UPDATE SET component_id = EXCLUDED.component_id
"""
DELETE_COMPONENT = "DELETE FROM statuspage_components WHERE service = %(service)s RETURNING service"
SELECT_COMPONENTS = "SELECT service, component_id FROM statuspage_components ORDER BY service"
SELECT_COMPONENT = "SELECT component_id FROM statuspage_components WHERE service = %(service)s"
SELECT_PUBLIC = "SELECT public_id, shortlink FROM statuspage_incidents WHERE incident_id = %(incident_id)s"
INSERT_PUBLIC = """
INSERT INTO statuspage_incidents (incident_id, public_id, shortlink, created_at)
VALUES (%(incident_id)s, %(public_id)s, %(shortlink)s, %(now)s)
ON CONFLICT (incident_id) DO NOTHING
"""


async def map_component(conn: AsyncConnection[Any], *, service: str, component_id: str) -> None:
    await conn.execute(UPSERT_COMPONENT, {"service": service, "component_id": component_id})


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


async def public_incident(conn: AsyncConnection[Any], *, incident_id: int) -> tuple[str, str | None] | None:
    """(public id, shortlink) of the Statuspage incident mirroring this one, if there is one."""
    cur = await conn.execute(SELECT_PUBLIC, {"incident_id": incident_id})
    row = await cur.fetchone()
    return (str(row[0]), row[1]) if row else None


async def save_public_incident(
    conn: AsyncConnection[Any], *, incident_id: int, public_id: str, shortlink: str | None, now: datetime
) -> None:
    await conn.execute(
        INSERT_PUBLIC, {"incident_id": incident_id, "public_id": public_id, "shortlink": shortlink, "now": now}
    )
