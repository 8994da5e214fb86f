"""``incidentbot jobs``: see the durable queue, retry dead jobs, drop ones that should not run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from incidentbot.db import jobs
from incidentbot.db.embedded import start_embedded
from incidentbot.db.migrate import apply_migrations
from incidentbot.domain.models import JobStatus
from incidentbot.settings import Settings

__all__ = ["database", "drop", "list_all", "retry"]


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    embedded = None
    if settings.database_url is not None:
        url = settings.database_url.reveal()
    else:
        embedded = await asyncio.to_thread(start_embedded, settings.data_dir)
        url = embedded.url
    try:
        await asyncio.to_thread(apply_migrations, url)
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            yield conn
    finally:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


def _run(settings: Settings, action: Callable[[psycopg.AsyncConnection[Any]], Awaitable[int]]) -> int:
    async def main() -> int:
        async with database(settings) as conn:
            return await action(conn)

    return asyncio.run(main())


def list_all(settings: Settings, *, status: str | None, limit: int) -> int:
    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        wanted = JobStatus(status) if status else None
        found = await jobs.list_jobs(conn, status=wanted, limit=limit)
        if not found:
            print(f"No {status + ' ' if status else ''}jobs.")
            return 0
        print(f"{'id':>8}  {'kind':<24} {'status':<8} {'tries':>5}  {'next run (UTC)':<19}  last error")
        for job in found:
            when = job.run_after.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            error = (job.last_error or "").replace("\n", " ")[:60]
            tries = f"{job.attempts}/{job.max_attempts}"
            print(f"{job.id:>8}  {job.kind:<24} {job.status.value:<8} {tries:>5}  {when:<19}  {error}")
        return 0

    return _run(settings, action)


def retry(settings: Settings, *, job_id: int | None) -> int:
    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        ids = await jobs.retry(conn, job_id=job_id, now=datetime.now(UTC))
        if not ids:
            print("Nothing to retry: only dead jobs can be retried (`incidentbot jobs list --status dead`).")
            return 1
        print(f"Queued again: {', '.join(str(i) for i in ids)}.")
        return 0

    return _run(settings, action)


def drop(settings: Settings, *, job_id: int) -> int:
    async def action(conn: psycopg.AsyncConnection[Any]) -> int:
        if not await jobs.drop(conn, job_id=job_id):
            print(f"No queued or dead job {job_id} (a running job cannot be dropped).")
            return 1
        print(f"Dropped job {job_id}.")
        return 0

    return _run(settings, action)
