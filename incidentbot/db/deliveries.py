"""What the bot has done in Slack: processed requests (dedupe), announcements and notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from incidentbot.domain.models import Announcement, NotificationStatus

__all__ = [
    "add_announcement",
    "attach_request",
    "claim_request",
    "delete_requests_before",
    "last_dm_sent",
    "list_announcements",
    "notification_sent",
    "paged_users",
    "record_notification",
    "request_incident",
]

CLAIM = """
INSERT INTO slack_requests (key, incident_id, received_at) VALUES (%(key)s, %(incident_id)s, %(now)s)
ON CONFLICT (key) DO NOTHING
RETURNING key
"""
ATTACH = "UPDATE slack_requests SET incident_id = %(incident_id)s WHERE key = %(key)s"
REQUEST_INCIDENT = "SELECT incident_id FROM slack_requests WHERE key = %(key)s"
ADD_ANNOUNCEMENT = """
INSERT INTO announcements (incident_id, channel_id, ts) VALUES (%(incident_id)s, %(channel_id)s, %(ts)s)
ON CONFLICT (incident_id, channel_id) DO NOTHING
"""
LIST_ANNOUNCEMENTS = "SELECT incident_id, channel_id, ts FROM announcements WHERE incident_id = %(incident_id)s"
RECORD_NOTIFICATION = """
INSERT INTO notifications (incident_id, at, kind, target, status, ts, error)
VALUES (%(incident_id)s, %(at)s, %(kind)s, %(target)s, %(status)s, %(ts)s, %(error)s)
"""
PAGED_USERS = """
SELECT DISTINCT target FROM notifications
WHERE incident_id = %(incident_id)s AND kind = 'dm' AND status = 'sent' ORDER BY target
"""
LAST_DM = """
SELECT max(at) FROM notifications
WHERE incident_id = %(incident_id)s AND target = %(user_id)s AND kind = 'dm' AND status = 'sent'
"""


async def claim_request(conn: AsyncConnection[Any], *, key: str, incident_id: int | None, now: datetime) -> bool:
    """Record that a Slack request is being acted on; False if it already was (a redelivery)."""
    cur = await conn.execute(CLAIM, {"key": key, "incident_id": incident_id, "now": now})
    return await cur.fetchone() is not None


async def attach_request(conn: AsyncConnection[Any], *, key: str, incident_id: int) -> None:
    """Link a claimed request to the incident it created."""
    await conn.execute(ATTACH, {"key": key, "incident_id": incident_id})


async def request_incident(conn: AsyncConnection[Any], *, key: str) -> int | None:
    """The incident a processed request created, if any."""
    cur = await conn.execute(REQUEST_INCIDENT, {"key": key})
    row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None


async def add_announcement(conn: AsyncConnection[Any], *, incident_id: int, channel_id: str, ts: str) -> None:
    """Remember where a declaration was announced."""
    await conn.execute(ADD_ANNOUNCEMENT, {"incident_id": incident_id, "channel_id": channel_id, "ts": ts})


async def list_announcements(conn: AsyncConnection[Any], *, incident_id: int) -> list[Announcement]:
    """Where the declaration was announced."""
    cur = await conn.execute(LIST_ANNOUNCEMENTS, {"incident_id": incident_id})
    return [Announcement(incident_id=i, channel_id=c, ts=t) for i, c, t in await cur.fetchall()]


async def record_notification(
    conn: AsyncConnection[Any],
    *,
    incident_id: int,
    at: datetime,
    kind: str,
    target: str,
    status: NotificationStatus,
    ts: str | None = None,
    error: str | None = None,
) -> None:
    """Every notification sent, failed or throttled leaves a row."""
    await conn.execute(
        RECORD_NOTIFICATION,
        {
            "incident_id": incident_id,
            "at": at,
            "kind": kind,
            "target": target,
            "status": status.value,
            "ts": ts,
            "error": error,
        },
    )


async def last_dm_sent(conn: AsyncConnection[Any], *, incident_id: int, user_id: str) -> datetime | None:
    """When this person last got a DM about this incident."""
    cur = await conn.execute(LAST_DM, {"incident_id": incident_id, "user_id": user_id})
    row = await cur.fetchone()
    return row[0] if row else None


async def paged_users(conn: AsyncConnection[Any], *, incident_id: int) -> list[str]:
    """Everyone who got a DM about this incident: the resolution goes to them too."""
    cur = await conn.execute(PAGED_USERS, {"incident_id": incident_id})
    return [str(r[0]) for r in await cur.fetchall()]


NOTIFICATION_SENT = """
SELECT EXISTS (SELECT 1 FROM notifications
               WHERE incident_id = %(incident_id)s AND kind = %(kind)s AND target = %(target)s AND status = 'sent'
                 AND (%(since)s::timestamptz IS NULL OR at >= %(since)s::timestamptz))
"""


async def notification_sent(
    conn: AsyncConnection[Any], *, incident_id: int, kind: str, target: str, since: datetime | None = None
) -> bool:
    """Whether this notice already went out (at or after ``since``, if given), so it is not posted twice."""
    params = {"incident_id": incident_id, "kind": kind, "target": target, "since": since}
    cur = await conn.execute(NOTIFICATION_SENT, params)
    row = await cur.fetchone()
    return bool(row and row[0])


DELETE_REQUESTS = """
DELETE FROM slack_requests
WHERE key = ANY(ARRAY(SELECT key FROM slack_requests WHERE received_at < %(before)s LIMIT %(limit)s))
"""


async def delete_requests_before(conn: AsyncConnection[Any], *, before: datetime, limit: int) -> int:
    """Forget up to ``limit`` request keys received before ``before``: Slack redelivers within minutes, not days."""
    cur = await conn.execute(DELETE_REQUESTS, {"before": before, "limit": limit})
    return cur.rowcount
