"""The retention sweep on a real PostgreSQL: old done jobs and request keys go, everything else stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from incidentbot.db import deliveries, incidents
from incidentbot.metrics import Metrics
from incidentbot.services.queue import JobQueue
from incidentbot.services.retention import RetentionSweep
from tests.integration.conftest import FakeClock, rows


async def _jobs_finishing(pool: AsyncConnectionPool[Any], clock: FakeClock, outcomes: list[str]) -> None:
    """One job per outcome, each queued and taken at the clock's time: done, dead, queued or running."""
    queue = JobQueue(pool=pool, clock=clock, metrics=Metrics(), worker_id="w1", max_attempts=1)
    for outcome in outcomes:
        async with pool.connection() as conn:
            await queue.enqueue(conn, kind=f"test.{outcome}", payload={})
        if outcome == "queued":
            continue
        (job,) = await queue.claim(1)
        if outcome == "done":
            await queue.complete(job)
        elif outcome == "dead":
            await queue.fail(job, "channel_not_found")


async def _requests(pool: AsyncConnectionPool[Any], clock: FakeClock, n: int, prefix: str) -> None:
    async with pool.connection() as conn:
        for i in range(n):
            await deliveries.claim_request(conn, key=f"{prefix}{i}", incident_id=None, now=clock.now())


async def test_old_done_jobs_and_request_keys_are_deleted_in_batches_and_counted(
    pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    clock, metrics = FakeClock(), Metrics()
    await _jobs_finishing(pool, clock, ["done"] * 5 + ["dead"])
    await _requests(pool, clock, 3, "old:")
    clock.current += timedelta(days=13, hours=23)
    await _jobs_finishing(pool, clock, ["done", "running", "queued"])
    await _requests(pool, clock, 1, "recent:")
    clock.current += timedelta(hours=2)  # the first ones are now 14 days and 1 hour old

    sweep = RetentionSweep(pool=pool, clock=clock, metrics=metrics, days=14, batch=2)
    assert await sweep.sweep() == {"jobs": 5, "slack_requests": 3}

    assert rows(database_url, "SELECT kind, status FROM jobs ORDER BY id") == [
        ("test.dead", "dead"),
        ("test.done", "done"),  # finished 1 hour less than 14 days ago
        ("test.running", "running"),
        ("test.queued", "queued"),
    ]
    assert rows(database_url, "SELECT key FROM slack_requests") == [("recent:0",)]
    deleted = "incidentbot_retention_deleted_total"
    assert metrics.registry.get_sample_value(deleted, {"table": "jobs"}) == 5
    assert metrics.registry.get_sample_value(deleted, {"table": "slack_requests"}) == 3
    assert await sweep.sweep() == {"jobs": 0, "slack_requests": 0}


async def test_zero_days_keeps_everything(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    clock = FakeClock()
    await _jobs_finishing(pool, clock, ["done"])
    await _requests(pool, clock, 1, "old:")
    clock.current += timedelta(days=3650)
    assert await RetentionSweep(pool=pool, clock=clock, metrics=Metrics(), days=0).sweep() == {}
    assert rows(database_url, "SELECT count(*) FROM jobs") == [(1,)]
    assert rows(database_url, "SELECT count(*) FROM slack_requests") == [(1,)]


async def test_one_daemon_sweeps_at_a_time(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    clock = FakeClock()
    await _requests(pool, clock, 1, "old:")
    clock.current += timedelta(days=15)
    sweep = RetentionSweep(pool=pool, clock=clock, metrics=Metrics(), days=14)
    async with pool.connection() as other_daemon:
        assert await incidents.try_sweep_lock(other_daemon, name="retention-sweep")
        assert await sweep.sweep() == {}
        await incidents.sweep_unlock(other_daemon, name="retention-sweep")
    assert rows(database_url, "SELECT count(*) FROM slack_requests") == [(1,)]
    assert await sweep.sweep() == {"jobs": 0, "slack_requests": 1}
