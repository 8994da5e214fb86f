"""The timeline and the audit log: append-only records written in the same transaction as each change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from incidentbot.domain.errors import PermissionDeniedError
from incidentbot.domain.models import EventKind, Incident, TimelineEvent

__all__ = ["add_event", "get_event", "list_events", "record_audit", "record_denial"]

INSERT_EVENT = """
INSERT INTO incident_events (incident_id, at, actor_id, kind, text, data)
VALUES (%(incident_id)s, %(at)s, %(actor_id)s, %(kind)s, %(text)s, %(data)s)
RETURNING id, incident_id, at, actor_id, kind, text, data
"""
SELECT_EVENTS = """
SELECT id, incident_id, at, actor_id, kind, text, data FROM incident_events
WHERE incident_id = %(incident_id)s ORDER BY at, id
"""
SELECT_EVENT = "SELECT id, incident_id, at, actor_id, kind, text, data FROM incident_events WHERE id = %(id)s"
INSERT_AUDIT = """
INSERT INTO audit_log (at, actor_id, action, outcome, incident_id, old_state, new_state, detail)
VALUES (%(at)s, %(actor_id)s, %(action)s, %(outcome)s, %(incident_id)s, %(old_state)s, %(new_state)s, %(detail)s)
"""


def _event(row: dict[str, Any]) -> TimelineEvent:
    return TimelineEvent(**{**row, "kind": EventKind(row["kind"])})


async def add_event(
    conn: AsyncConnection[Any],
    *,
    incident_id: int,
    at: datetime,
    actor_id: str,
    kind: EventKind,
    text: str = "",
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append one event to an incident's timeline."""
    params = {
        "incident_id": incident_id,
        "at": at,
        "actor_id": actor_id,
        "kind": kind.value,
        "text": text,
        "data": Jsonb(data or {}),
    }
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(INSERT_EVENT, params)
        row = await cur.fetchone()
    assert row is not None
    return _event(row)


async def list_events(conn: AsyncConnection[Any], *, incident_id: int) -> list[TimelineEvent]:
    """An incident's timeline, oldest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_EVENTS, {"incident_id": incident_id})
        return [_event(row) for row in await cur.fetchall()]


async def get_event(conn: AsyncConnection[Any], *, event_id: int) -> TimelineEvent | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_EVENT, {"id": event_id})
        row = await cur.fetchone()
    return _event(row) if row else None


async def record_audit(
    conn: AsyncConnection[Any],
    *,
    at: datetime,
    actor_id: str,
    action: str,
    outcome: str,
    incident_id: int | None,
    old_state: dict[str, Any] | None = None,
    new_state: dict[str, Any] | None = None,
    detail: str = "",
) -> None:
    """One audit record: who did (or was refused) what, with the state before and after."""
    await conn.execute(
        INSERT_AUDIT,
        {
            "at": at,
            "actor_id": actor_id,
            "action": action,
            "outcome": outcome,
            "incident_id": incident_id,
            "old_state": Jsonb(old_state) if old_state is not None else None,
            "new_state": Jsonb(new_state) if new_state is not None else None,
            "detail": detail,
        },
    )


async def record_denial(
    conn: AsyncConnection[Any], *, at: datetime, actor_id: str, incident: Incident, refusal: PermissionDeniedError
) -> None:
    """Audit a refusal: who tried what on which incident, and the words they were refused with."""
    await record_audit(
        conn,
        at=at,
        actor_id=actor_id,
        action=refusal.action,
        outcome="denied",
        incident_id=incident.id,
        old_state=incident.snapshot(),
        detail=refusal.user_text,
    )
