"""Incidents: SQL and the async verbs that read and write them, returning domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from incidentbot.domain.models import Incident, Severity, Status

__all__ = [
    "get",
    "get_by_channel",
    "insert",
    "list_open",
    "open_counts",
    "recent_twin",
    "resolved_before",
    "sweep_unlock",
    "try_sweep_lock",
    "update",
]

_COLUMNS = (
    "id, title, severity, status, service, description, commander_id, comms_id, scribe_id, declared_by, "
    "channel_id, channel_name, summary_ts, template, declared_at, updated_at, resolved_at, resolution, "
    "last_update_at, reminded_at, snoozed_until, archive_warned_at, archived_at, public, private"
)

INSERT = f"""
INSERT INTO incidents (title, severity, status, service, description, commander_id, declared_by, template,
                       declared_at, updated_at, last_update_at, public, private)
VALUES (%(title)s, %(severity)s, 'declared', %(service)s, %(description)s, %(commander_id)s, %(declared_by)s,
        %(template)s, %(now)s, %(now)s, %(now)s, %(public)s, %(private)s)
RETURNING {_COLUMNS}
"""  # noqa: S608 - column list is a constant

SELECT_BY_ID = f"SELECT {_COLUMNS} FROM incidents WHERE id = %(incident_id)s"  # noqa: S608
SELECT_BY_CHANNEL = f"SELECT {_COLUMNS} FROM incidents WHERE channel_id = %(channel_id)s"  # noqa: S608
SELECT_OPEN = f"""
SELECT {_COLUMNS} FROM incidents WHERE status <> 'resolved'
ORDER BY severity, declared_at
"""  # noqa: S608
UPDATE = "UPDATE incidents SET {assignments} WHERE id = %(incident_id)s RETURNING " + _COLUMNS  # noqa: S608
LOCK_TWIN = "SELECT pg_advisory_xact_lock(hashtext(%(key)s))"
SELECT_TWIN = f"""
SELECT {_COLUMNS} FROM incidents
WHERE declared_by = %(declared_by)s AND lower(title) = lower(%(title)s) AND declared_at > %(since)s
ORDER BY id LIMIT 1
"""  # noqa: S608
SELECT_TO_ARCHIVE = f"""
SELECT {_COLUMNS} FROM incidents
WHERE status = 'resolved' AND archived_at IS NULL AND channel_id IS NOT NULL AND resolved_at <= %(before)s
ORDER BY resolved_at
"""  # noqa: S608
TRY_SWEEP_LOCK = "SELECT pg_try_advisory_lock(hashtext(%(name)s))"
SWEEP_UNLOCK = "SELECT pg_advisory_unlock(hashtext(%(name)s))"
COUNT_OPEN = "SELECT severity, status, count(*) AS n FROM incidents WHERE status <> 'resolved' GROUP BY 1, 2"

# Columns a use case may change; anything else is a programming error.
_UPDATABLE = frozenset(
    {
        "title",
        "severity",
        "status",
        "commander_id",
        "comms_id",
        "scribe_id",
        "channel_id",
        "channel_name",
        "summary_ts",
        "resolved_at",
        "resolution",
        "last_update_at",
        "reminded_at",
        "snoozed_until",
        "archive_warned_at",
        "archived_at",
    }
)


def _incident(row: dict[str, Any]) -> Incident:
    return Incident(
        **{
            **row,
            "severity": Severity(row["severity"]),
            "status": Status(row["status"]),
        }
    )


async def insert(
    conn: AsyncConnection[Any],
    *,
    title: str,
    severity: Severity,
    service: str | None,
    description: str,
    commander_id: str | None,
    declared_by: str,
    template: str | None,
    now: datetime,
    public: bool = False,
    private: bool = False,
) -> Incident:
    """Store a new incident in state ``declared``; a ``private`` one for good (nothing makes it public)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            INSERT,
            {
                "title": title,
                "severity": severity.value,
                "service": service,
                "description": description,
                "commander_id": commander_id,
                "declared_by": declared_by,
                "template": template,
                "now": now,
                "public": public,
                "private": private,
            },
        )
        row = await cur.fetchone()
    assert row is not None
    return _incident(row)


async def _one(conn: AsyncConnection[Any], query: str, params: dict[str, Any], for_update: bool) -> Incident | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query + (" FOR UPDATE" if for_update else ""), params)
        row = await cur.fetchone()
    return _incident(row) if row else None


async def get(conn: AsyncConnection[Any], *, incident_id: int, for_update: bool = False) -> Incident | None:
    """One incident by number; ``for_update`` locks it until the transaction ends."""
    return await _one(conn, SELECT_BY_ID, {"incident_id": incident_id}, for_update)


async def get_by_channel(conn: AsyncConnection[Any], *, channel_id: str, for_update: bool = False) -> Incident | None:
    """The incident whose channel this is, if any."""
    return await _one(conn, SELECT_BY_CHANNEL, {"channel_id": channel_id}, for_update)


async def update(conn: AsyncConnection[Any], *, incident_id: int, now: datetime, **changes: Any) -> Incident:
    """Change some columns (enums stored by value) and bump ``updated_at``."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    values = {k: (v.value if isinstance(v, Severity | Status) else v) for k, v in changes.items()}
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in [*values, "updated_at"]
    )
    query = sql.SQL(UPDATE).format(assignments=assignments)
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, {**values, "updated_at": now, "incident_id": incident_id})
        row = await cur.fetchone()
    if row is None:
        raise LookupError(f"incident {incident_id} vanished")
    return _incident(row)


async def recent_twin(conn: AsyncConnection[Any], *, declared_by: str, title: str, since: datetime) -> Incident | None:
    """The same person's incident with the same title since ``since``, serialised per (person, title).

    The advisory lock lasts until the transaction ends, so two identical declarations racing each
    other cannot both miss the other.
    """
    await conn.execute(LOCK_TWIN, {"key": f"{declared_by}:{title.lower()}"})
    return await _one(conn, SELECT_TWIN, {"declared_by": declared_by, "title": title, "since": since}, False)


async def list_open(conn: AsyncConnection[Any]) -> list[Incident]:
    """Open incidents, most severe first, then oldest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_OPEN)
        return [_incident(row) for row in await cur.fetchall()]


async def open_counts(conn: AsyncConnection[Any]) -> list[tuple[str, str, int]]:
    """(severity, status, count) of open incidents, for the gauge."""
    cur = await conn.execute(COUNT_OPEN)
    return [(str(s), str(st), int(n)) for s, st, n in await cur.fetchall()]


async def resolved_before(conn: AsyncConnection[Any], *, before: datetime) -> list[Incident]:
    """Resolved, unarchived incidents with a channel, resolved before ``before``: archival candidates."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_TO_ARCHIVE, {"before": before})
        return [_incident(row) for row in await cur.fetchall()]


async def try_sweep_lock(conn: AsyncConnection[Any], *, name: str) -> bool:
    """A session lock so that, with two daemons, one runs a given sweep at a time."""
    cur = await conn.execute(TRY_SWEEP_LOCK, {"name": name})
    row = await cur.fetchone()
    return bool(row and row[0])


async def sweep_unlock(conn: AsyncConnection[Any], *, name: str) -> None:
    await conn.execute(SWEEP_UNLOCK, {"name": name})
