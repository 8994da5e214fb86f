"""Incident templates: presets for the declare modal."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row

from incidentbot.domain.models import Severity, Template

__all__ = ["add_template", "get_template", "list_templates", "remove_template"]

SELECT_ALL = "SELECT name, title, severity, service, description FROM incident_templates ORDER BY name"
SELECT_ONE = "SELECT name, title, severity, service, description FROM incident_templates WHERE name = %(name)s"
UPSERT = """
INSERT INTO incident_templates (name, title, severity, service, description)
VALUES (%(name)s, %(title)s, %(severity)s, %(service)s, %(description)s)
ON CONFLICT (name) DO UPDATE SET title = EXCLUDED.title, severity = EXCLUDED.severity,
    service = EXCLUDED.service, description = EXCLUDED.description
"""
DELETE = "DELETE FROM incident_templates WHERE name = %(name)s RETURNING name"


def _template(row: dict[str, Any]) -> Template:
    return Template(**{**row, "severity": Severity(row["severity"])})


async def list_templates(conn: AsyncConnection[Any]) -> list[Template]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_ALL)
        return [_template(r) for r in await cur.fetchall()]


async def get_template(conn: AsyncConnection[Any], *, name: str) -> Template | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_ONE, {"name": name})
        row = await cur.fetchone()
    return _template(row) if row else None


# The CLI manages templates with short-lived synchronous connections.


def list_templates_sync(conn: Connection[Any]) -> list[Template]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(SELECT_ALL)
        return [_template(r) for r in cur.fetchall()]


def add_template(conn: Connection[Any], template: Template) -> None:
    conn.execute(
        UPSERT,
        {
            "name": template.name,
            "title": template.title,
            "severity": template.severity.value,
            "service": template.service,
            "description": template.description,
        },
    )


def remove_template(conn: Connection[Any], *, name: str) -> bool:
    return conn.execute(DELETE, {"name": name}).fetchone() is not None
