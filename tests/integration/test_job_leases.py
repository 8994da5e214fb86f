"""Leases follow the worker: renewed while a job runs, taken over soon after a daemon dies, fenced."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from incidentbot.db import jobs as db_jobs
from incidentbot.demo.workspace import ALICE, GENERAL, INCIDENTS, Workspace, visible_text
from incidentbot.domain.models import Job
from incidentbot.jobs.worker import JobWorker
from incidentbot.metrics import Metrics
from incidentbot.sandbox import SandboxClient, SandboxServer
from incidentbot.services.queue import DEFAULT_LEASE, JobQueue
from incidentbot.tasks import TaskTracker
from tests.integration.conftest import ROUTING, DaemonFactory, FakeClock, eventually, rows
from tests.integration.test_job_queue import enqueue, make_queue

pytestmark = pytest.mark.resilience

FAST_HEARTBEAT = timedelta(milliseconds=20)


def beating_queue(pool: AsyncConnectionPool[Any], clock: FakeClock, worker: str, metrics: Metrics) -> JobQueue:
    """A queue whose heartbeat is quick in real time, while its clock moves only when a test says so."""
    return JobQueue(
        pool=pool,
        clock=clock,
        metrics=metrics,
        worker_id=worker,
        max_attempts=3,
        heartbeat=FAST_HEARTBEAT,
        completion_backoff=0.01,
    )


def leases_lost(metrics: Metrics, kind: str = "test") -> float:
    return metrics.registry.get_sample_value("incidentbot_job_leases_lost_total", {"kind": kind}) or 0.0


def job_row(database_url: str, job: Job) -> tuple[Any, ...]:
    (row,) = rows(
        database_url, "SELECT status, attempts, locked_by, locked_until FROM jobs WHERE id = %(id)s", id=job.id
    )
    return row


@pytest.mark.parametrize("runner", ["worker", "request"])
async def test_a_job_longer_than_its_lease_keeps_it_and_runs_once(
    pool: AsyncConnectionPool[Any], database_url: str, runner: str
) -> None:
    clock, runs = FakeClock(), Counter[int]()
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow(job: Job) -> None:
        runs[job.id] += 1
        started.set()
        await finish.wait()

    holder, rival = beating_queue(pool, clock, "daemon-a", Metrics()), make_queue(pool, clock, "daemon-b")
    (job,) = await enqueue(holder, pool)
    tracker = TaskTracker()
    worker = JobWorker(queue=holder, handlers={"test": slow}, tracker=tracker, poll_seconds=0.02)
    if runner == "worker":
        worker.start()
    else:  # the request that queued it runs it at once
        tracker.spawn(holder.run_now(job, slow), name="request")
    await asyncio.wait_for(started.wait(), 10)
    for _ in range(4):  # four leases go by while the job runs
        clock.advance(DEFAULT_LEASE)
        moved_to = clock.now()

        async def renewed(moved_to: datetime = moved_to) -> bool:
            return bool(job_row(database_url, job)[3] > moved_to)

        await eventually(renewed)
        assert await rival.claim(10) == []  # still held: nobody else may run it
    finish.set()

    async def done() -> bool:
        return job_row(database_url, job)[0] == "done"

    await eventually(done)
    await worker.stop()
    assert await tracker.drain(5) == 0
    assert runs == {job.id: 1}
    assert job_row(database_url, job)[:2] == ("done", 1)


async def test_a_run_that_lost_its_lease_is_stopped_and_the_new_holders_outcome_stands(
    pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    # The holder's clock lags a lease behind: to everyone else its lease has run out (it could not
    # reach the database for that long), however often it renews it.
    lagging, metrics = FakeClock(), Metrics()
    ahead = FakeClock()
    ahead.advance(DEFAULT_LEASE + timedelta(seconds=1))
    started, stopped = asyncio.Event(), asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    holder, rival = beating_queue(pool, lagging, "daemon-a", metrics), make_queue(pool, ahead, "daemon-b")
    (job,) = await enqueue(holder, pool)
    tracker = TaskTracker()
    worker = JobWorker(queue=holder, handlers={"test": slow}, tracker=tracker, poll_seconds=0.02)
    worker.start()
    await asyncio.wait_for(started.wait(), 10)
    (taken,) = await rival.claim(10)
    assert taken.attempts == 2
    await asyncio.wait_for(stopped.wait(), 10)  # the holder's next renewal found the job taken
    await worker.stop()
    assert await tracker.drain(5) == 0
    assert leases_lost(metrics) == 1
    assert job_row(database_url, job)[:3] == ("running", 2, "daemon-b")  # nothing recorded, not given back
    assert await rival.complete(taken)
    assert job_row(database_url, job)[:2] == ("done", 2)


async def test_a_late_answer_after_a_takeover_changes_nothing(
    pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    clock, metrics = FakeClock(), Metrics()
    holder, rival = beating_queue(pool, clock, "daemon-a", metrics), make_queue(pool, clock, "daemon-b")
    (job,) = await enqueue(holder, pool)
    (mine,) = await holder.claim(10)
    clock.advance(DEFAULT_LEASE + timedelta(seconds=1))
    (taken,) = await rival.claim(10)
    assert not await holder.complete(mine)
    assert await holder.fail(mine, "Slack said internal_error") is None
    assert leases_lost(metrics) == 2
    assert job_row(database_url, job)[:3] == ("running", 2, "daemon-b")
    assert await rival.complete(taken)


async def test_a_worker_that_takes_back_its_own_expired_job_is_a_new_holder(
    pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    clock = FakeClock()
    queue = make_queue(pool, clock, "daemon-a")
    (job,) = await enqueue(queue, pool)
    (first,) = await queue.claim(10)
    clock.advance(DEFAULT_LEASE + timedelta(seconds=1))
    (second,) = await queue.claim(10)  # its renewals did not reach the database for a whole lease
    assert not await queue.complete(first)
    assert job_row(database_url, job)[:2] == ("running", 2)
    assert await queue.complete(second)


@pytest.mark.parametrize("when", ["before the write", "after the write"])
async def test_a_completion_survives_a_database_blip_and_the_job_does_not_run_again(
    pool: AsyncConnectionPool[Any], database_url: str, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    clock, metrics = FakeClock(), Metrics()
    queue = beating_queue(pool, clock, "daemon-a", metrics)
    real_complete, calls = db_jobs.complete, []

    async def complete_once_lost(conn: psycopg.AsyncConnection[Any], **kwargs: Any) -> bool:
        calls.append(when)
        if len(calls) == 1 and when == "after the write":
            await real_complete(conn, **kwargs)  # committed, but the answer never arrives
        if len(calls) == 1:
            raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
        return await real_complete(conn, **kwargs)

    monkeypatch.setattr(db_jobs, "complete", complete_once_lost)
    runs: list[int] = []

    async def handler(job: Job) -> None:
        runs.append(job.id)

    (job,) = await enqueue(queue, pool)
    (claimed,) = await queue.claim(10)
    assert await queue.run(claimed, handler)
    assert len(calls) == 2 and leases_lost(metrics) == 0
    assert job_row(database_url, job)[:2] == ("done", 1)
    clock.advance(timedelta(hours=1))
    assert await queue.claim(10) == []  # done: it will not run again
    assert runs == [job.id]


async def test_a_killed_daemons_job_is_taken_over_by_the_other_within_the_lease(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    lease = 3.0
    env = {**ROUTING, "JOB_LEASE_SECONDS": str(lease)}
    daemons = [await start_daemon(sandbox=sandbox, database_url=database_url, extra=env) for _ in range(2)]
    for daemon in daemons:
        await daemon.wait_ready()
    ws = Workspace(slack)
    await slack.fault("conversations.setTopic", delay=9)  # the channel's job hangs there, mid-way
    await ws.run("declare P2 Slow topic", user=ALICE, channel=GENERAL)

    def open_channel_job() -> list[tuple[Any, ...]]:
        return rows(database_url, "SELECT status, locked_by, locked_until FROM jobs WHERE kind = 'slack.open_channel'")

    async def claimed() -> tuple[Any, ...] | None:
        found = open_channel_job()
        return found[0] if found and found[0][0] == "running" else None

    _, holder_id, first_lease = await eventually(claimed)

    async def renewed() -> bool:  # whichever runs it (the request, or a worker) keeps renewing the lease
        (status, locked_by, locked_until) = open_channel_job()[0]
        return status == "running" and locked_by == holder_id and locked_until > first_lease

    await eventually(renewed)
    (holder,) = [d for d in daemons if d.proc is not None and holder_id.split(":")[-2] == str(d.proc.pid)]
    holder.signal(signal.SIGKILL)
    killed_at = time.monotonic()
    await holder.wait_exit()

    async def taken_over() -> bool:
        (status, locked_by, _) = open_channel_job()[0]
        return status == "done" or locked_by != holder_id

    await eventually(taken_over, timeout=30, interval=0.05)
    assert time.monotonic() - killed_at < 2 * lease  # the lease, then the survivor's next poll

    async def done() -> bool:
        return open_channel_job()[0][0] == "done"

    await eventually(done, timeout=30)
    assert rows(database_url, "SELECT attempts FROM jobs WHERE kind = 'slack.open_channel'") == [(2,)]
    channels = [c for c in await slack.channels() if c["name"].startswith("inc-")]
    assert len(channels) == 1
    announced = [m for m in await ws.messages(INCIDENTS) if "Slow topic" in visible_text(m)]
    assert len(announced) == 1
