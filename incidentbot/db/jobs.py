"""The jobs table: enqueue in the caller's transaction, claim with SKIP LOCKED, finish, retry, list.

A claim is a lease: its holder renews it while it works, a worker that dies (kill -9) leaves its
jobs ``running`` with a lease that runs out, and the next claim takes them again. A claim is
identified by its worker and its attempt number (every claim raises ``attempts``), so a holder whose
lease was taken over can neither renew, complete nor fail the job again. Jobs sharing an
``ordering_key`` are claimed one at a time, oldest first, so updates to one Statuspage incident
arrive in the order they were made.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from incidentbot.domain.models import Job, JobStatus

__all__ = [
    "claim",
    "complete",
    "count_by_kind_and_status",
    "delete_done_before",
    "drop",
    "enqueue",
    "fail",
    "get",
    "list_jobs",
    "release",
    "renew",
    "retry",
]

_COLUMNS = (
    "id, kind, payload, incident_id, ordering_key, status, attempts, max_attempts, run_after, locked_by, "
    "locked_until, last_error, created_at, updated_at, finished_at"
)

ENQUEUE = f"""
INSERT INTO jobs (kind, payload, incident_id, ordering_key, max_attempts, run_after, created_at, updated_at)
VALUES (%(kind)s, %(payload)s, %(incident_id)s, %(ordering_key)s, %(max_attempts)s, %(run_after)s, %(now)s, %(now)s)
RETURNING {_COLUMNS}
"""  # noqa: S608 - column list is a constant

# Runnable: queued and due, or running with a lease that ran out (its worker died). Not runnable
# while an older job with the same ordering key is unfinished.
CLAIM = f"""
WITH candidates AS (
    SELECT j.id FROM jobs j
    WHERE ((j.status = 'queued' AND j.run_after <= %(now)s)
           OR (j.status = 'running' AND j.locked_until < %(now)s))
      AND (%(ids)s::bigint[] IS NULL OR j.id = ANY(%(ids)s::bigint[]))
      AND (j.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs e
            WHERE e.ordering_key = j.ordering_key AND e.id < j.id AND e.status IN ('queued', 'running')))
    ORDER BY j.id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET status = 'running', attempts = jobs.attempts + 1, locked_by = %(worker)s,
       locked_until = %(lease_until)s, updated_at = %(now)s
FROM candidates WHERE jobs.id = candidates.id
RETURNING {", ".join("jobs." + c.strip() for c in _COLUMNS.split(","))}
"""  # noqa: S608
# The claim's own row, or nothing: after a takeover ``locked_by`` or ``attempts`` differ. After an
# expired lease a claim only ever raises ``attempts`` and a release gives the job back ``queued``, so
# no later claim of this worker can look like an earlier one.
_HELD = "id = %(id)s AND status = 'running' AND locked_by = %(worker)s AND attempts = %(attempts)s"
RENEW = f"UPDATE jobs SET locked_until = %(lease_until)s WHERE {_HELD}"  # noqa: S608 - a constant
# Also true when this claim completed the job in an earlier try whose answer was lost (a retry after a
# dropped connection): done with this claim's attempt number, which any takeover would have raised.
COMPLETE = f"""
WITH done AS (
    UPDATE jobs SET status = 'done', finished_at = %(now)s, updated_at = %(now)s, locked_by = NULL, locked_until = NULL
    WHERE {_HELD}
    RETURNING id
)
SELECT EXISTS (SELECT 1 FROM done)
    OR EXISTS (SELECT 1 FROM jobs WHERE id = %(id)s AND status = 'done' AND attempts = %(attempts)s)
"""  # noqa: S608
FAIL = f"""
UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
       run_after = %(retry_at)s, last_error = %(error)s, updated_at = %(now)s, locked_by = NULL, locked_until = NULL,
       finished_at = CASE WHEN attempts >= max_attempts THEN %(now)s END
WHERE {_HELD}
RETURNING status
"""  # noqa: S608
RELEASE = f"""
UPDATE jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), updated_at = %(now)s,
       locked_by = NULL, locked_until = NULL
WHERE {_HELD}
"""  # noqa: S608
SELECT_ONE = f"SELECT {_COLUMNS} FROM jobs WHERE id = %(id)s"  # noqa: S608
SELECT_SOME = f"""
SELECT {_COLUMNS} FROM jobs
WHERE (%(status)s::text IS NULL OR status = %(status)s)
ORDER BY id DESC LIMIT %(limit)s
"""  # noqa: S608
RETRY = """
UPDATE jobs SET status = 'queued', attempts = 0, run_after = %(now)s, updated_at = %(now)s, finished_at = NULL
WHERE id = %(id)s AND status = 'dead'
RETURNING id
"""
RETRY_ALL_DEAD = """
UPDATE jobs SET status = 'queued', attempts = 0, run_after = %(now)s, updated_at = %(now)s, finished_at = NULL
WHERE status = 'dead'
RETURNING id
"""
DROP = "DELETE FROM jobs WHERE id = %(id)s AND status IN ('queued', 'dead') RETURNING id"
COUNTS = "SELECT kind, status, count(*) FROM jobs WHERE status <> 'done' GROUP BY 1, 2"


def _job(row: dict[str, Any]) -> Job:
    return Job(**{**row, "status": JobStatus(row["status"])})


async def enqueue(
    conn: AsyncConnection[Any],
    *,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    max_attempts: int,
    incident_id: int | None = None,
    ordering_key: str | None = None,
    run_after: datetime | None = None,
) -> Job:
    """Queue a job in the caller's transaction: it exists exactly when the change that caused it does."""
    params = {
        "kind": kind,
        "payload": Jsonb(payload),
        "incident_id": incident_id,
        "ordering_key": ordering_key,
        "max_attempts": max_attempts,
        "run_after": run_after or now,
        "now": now,
    }
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(ENQUEUE, params)
        row = await cur.fetchone()
    assert row is not None
    return _job(row)


async def claim(
    conn: AsyncConnection[Any],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    ids: list[int] | None = None,
) -> list[Job]:
    """Take up to ``limit`` runnable jobs (only these ``ids``, if given) for ``worker``, in a transaction."""
    params = {"worker": worker, "now": now, "lease_until": now + lease, "limit": limit, "ids": ids}
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(CLAIM, params)
        return [_job(r) for r in await cur.fetchall()]


async def renew(
    conn: AsyncConnection[Any], *, job_id: int, worker: str, attempt: int, now: datetime, lease: timedelta
) -> bool:
    """Extend a claim's lease; False when the claim no longer holds the job (it was taken over)."""
    params = {"id": job_id, "worker": worker, "attempts": attempt, "lease_until": now + lease}
    cur = await conn.execute(RENEW, params)
    return cur.rowcount == 1


async def complete(conn: AsyncConnection[Any], *, job_id: int, worker: str, attempt: int, now: datetime) -> bool:
    """Mark a claim's job done; False when another claim holds or finished it. Safe to repeat."""
    cur = await conn.execute(COMPLETE, {"id": job_id, "worker": worker, "attempts": attempt, "now": now})
    row = await cur.fetchone()
    return bool(row and row[0])


async def fail(
    conn: AsyncConnection[Any],
    *,
    job_id: int,
    worker: str,
    attempt: int,
    now: datetime,
    retry_at: datetime,
    error: str,
) -> JobStatus | None:
    """Record a failed attempt: back to ``queued`` for ``retry_at``, or ``dead`` when out of attempts.

    None when the claim no longer holds the job."""
    params = {
        "id": job_id,
        "worker": worker,
        "attempts": attempt,
        "now": now,
        "retry_at": retry_at,
        "error": error[:2000],
    }
    cur = await conn.execute(FAIL, params)
    row = await cur.fetchone()
    return JobStatus(row[0]) if row else None


async def release(conn: AsyncConnection[Any], *, job_id: int, worker: str, attempt: int, now: datetime) -> None:
    """Give a job back unrun (shutdown cut it short): it does not count as an attempt."""
    await conn.execute(RELEASE, {"id": job_id, "worker": worker, "attempts": attempt, "now": now})


async def get(conn: AsyncConnection[Any], *, job_id: int) -> Job | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_ONE, {"id": job_id})
        row = await cur.fetchone()
    return _job(row) if row else None


async def list_jobs(conn: AsyncConnection[Any], *, status: JobStatus | None, limit: int = 50) -> list[Job]:
    """The newest jobs, optionally of one status."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SELECT_SOME, {"status": status.value if status else None, "limit": limit})
        return [_job(r) for r in await cur.fetchall()]


async def retry(conn: AsyncConnection[Any], *, job_id: int | None, now: datetime) -> list[int]:
    """Queue a dead job (or every dead job) again with fresh attempts."""
    if job_id is None:
        cur = await conn.execute(RETRY_ALL_DEAD, {"now": now})
    else:
        cur = await conn.execute(RETRY, {"id": job_id, "now": now})
    return [int(r[0]) for r in await cur.fetchall()]


async def drop(conn: AsyncConnection[Any], *, job_id: int) -> bool:
    """Delete a queued or dead job (never one a worker holds)."""
    cur = await conn.execute(DROP, {"id": job_id})
    return await cur.fetchone() is not None


async def count_by_kind_and_status(conn: AsyncConnection[Any]) -> list[tuple[str, str, int]]:
    cur = await conn.execute(COUNTS)
    return [(str(k), str(s), int(n)) for k, s, n in await cur.fetchall()]


# A batch at a time, so no statement holds many row locks or runs long; the outer status check
# keeps a row that changed meanwhile (none should: done is final).
DELETE_DONE = """
DELETE FROM jobs
WHERE id = ANY(ARRAY(SELECT id FROM jobs WHERE status = 'done' AND finished_at < %(before)s LIMIT %(limit)s))
  AND status = 'done'
"""


async def delete_done_before(conn: AsyncConnection[Any], *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` done jobs finished before ``before``; never queued, running or dead ones."""
    cur = await conn.execute(DELETE_DONE, {"before": before, "limit": limit})
    return cur.rowcount
