"""The durable job queue on a real PostgreSQL: at-least-once, never two at once, in order, with backoff."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from incidentbot.domain.models import Job, JobStatus
from incidentbot.jobs.worker import JobWorker
from incidentbot.metrics import Metrics
from incidentbot.services.queue import JobQueue
from incidentbot.tasks import TaskTracker
from tests.integration.conftest import DaemonFactory, FakeClock, eventually, rows


def make_queue(pool: AsyncConnectionPool[Any], clock: Any, worker: str, *, max_attempts: int = 3) -> JobQueue:
    return JobQueue(pool=pool, clock=clock, metrics=Metrics(), worker_id=worker, max_attempts=max_attempts)


async def enqueue(queue: JobQueue, pool: AsyncConnectionPool[Any], n: int = 1, **kwargs: Any) -> list[Job]:
    queued = []
    async with pool.connection() as conn, conn.transaction():
        for i in range(n):
            queued.append(
                await queue.enqueue(
                    conn,
                    kind=kwargs.get("kind", "test"),
                    payload={"i": i},
                    **{k: v for k, v in kwargs.items() if k != "kind"},
                )
            )
    return queued


async def test_a_job_exists_only_if_its_transaction_commits(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    queue = make_queue(pool, FakeClock(), "w1")
    with pytest.raises(RuntimeError):
        async with pool.connection() as conn, conn.transaction():
            await queue.enqueue(conn, kind="test", payload={})
            raise RuntimeError("the state change failed")
    assert rows(database_url, "SELECT count(*) FROM jobs") == [(0,)]


async def test_failures_back_off_then_the_job_is_dead(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    clock = FakeClock()
    queue = make_queue(pool, clock, "w1", max_attempts=3)
    (job,) = await enqueue(queue, pool)
    delays = []
    for attempt in range(1, 4):
        (claimed,) = await queue.claim(10)
        assert claimed.id == job.id and claimed.attempts == attempt
        status = await queue.fail(claimed, "Slack said ratelimited")
        if attempt < 3:
            assert status is JobStatus.QUEUED
            assert await queue.claim(10) == []  # not due yet
            (run_after,) = rows(database_url, "SELECT run_after FROM jobs")[0]
            delays.append(run_after - clock.now())
            clock.advance(run_after - clock.now() + timedelta(milliseconds=1))
        else:
            assert status is JobStatus.DEAD
    assert timedelta(seconds=1) <= delays[0] <= timedelta(seconds=2) < delays[1] <= timedelta(seconds=4)
    assert rows(database_url, "SELECT status, attempts, last_error FROM jobs") == [
        ("dead", 3, "Slack said ratelimited")
    ]
    clock.advance(timedelta(hours=1))
    assert await queue.claim(10) == []  # dead jobs wait for a person


async def test_a_retry_after_is_honoured_instead_of_the_backoff(
    pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    clock = FakeClock()
    queue = make_queue(pool, clock, "w1", max_attempts=3)
    await enqueue(queue, pool)
    (claimed,) = await queue.claim(10)
    await queue.fail(claimed, "429 Too Many Requests", retry_after=30)
    (run_after,) = rows(database_url, "SELECT run_after FROM jobs")[0]
    assert run_after - clock.now() == timedelta(seconds=30)  # not the 1-2 s backoff
    clock.advance(timedelta(seconds=29, milliseconds=999))
    assert await queue.claim(10) == []
    clock.advance(timedelta(milliseconds=1))
    assert len(await queue.claim(10)) == 1


async def test_jobs_with_one_ordering_key_run_in_order(pool: AsyncConnectionPool[Any]) -> None:
    clock = FakeClock()
    queue = make_queue(pool, clock, "w1")
    first, second = await enqueue(queue, pool, 2, ordering_key="statuspage:incident:1")
    (other,) = await enqueue(queue, pool, 1, ordering_key="statuspage:incident:2")
    claimed = await queue.claim(10)
    assert [j.id for j in claimed] == [first.id, other.id]  # the second waits for the first
    await queue.fail(claimed[0], "Statuspage answered 500")
    await queue.complete(claimed[1])
    assert await queue.claim(10) == []  # the first is backing off, so the second still waits
    clock.advance(timedelta(minutes=1))
    (again,) = await queue.claim(10)
    assert again.id == first.id
    await queue.complete(again)
    assert [j.id for j in await queue.claim(10)] == [second.id]


async def test_a_crashed_workers_job_is_taken_again_when_its_lease_runs_out(pool: AsyncConnectionPool[Any]) -> None:
    clock = FakeClock()
    crashed, survivor = make_queue(pool, clock, "daemon-a"), make_queue(pool, clock, "daemon-b")
    (job,) = await enqueue(crashed, pool)
    (lost,) = await crashed.claim(10)  # …and then daemon-a is killed with -9
    assert lost.id == job.id
    assert await survivor.claim(10) == []  # leased: nobody else may run it
    clock.advance(timedelta(seconds=31))  # one lease (30 s), never renewed by the dead daemon
    (taken,) = await survivor.claim(10)
    assert taken.id == job.id and taken.attempts == 2 and taken.locked_by == "daemon-b"
    assert not await crashed.complete(lost)  # the dead daemon's late answer changes nothing
    assert (await survivor.claim(10)) == []
    await survivor.complete(taken)


async def test_two_workers_never_run_the_same_job_twice(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    runs: Counter[int] = Counter()

    async def handler(job: Job) -> None:
        runs[job.id] += 1
        await asyncio.sleep(0.001)

    trackers = [TaskTracker(), TaskTracker()]
    queues = [make_queue(pool, FakeClock(), f"daemon-{i}") for i in range(2)]
    jobs = await enqueue(queues[0], pool, 200)
    workers = [
        JobWorker(queue=q, handlers={"test": handler}, tracker=t, concurrency=8, poll_seconds=0.02)
        for q, t in zip(queues, trackers, strict=True)
    ]
    for worker in workers:
        worker.start()
    await eventually(lambda: _all_done(database_url, 200), timeout=30)
    for worker, tracker in zip(workers, trackers, strict=True):
        await worker.stop()
        await tracker.drain(5)
    assert sorted(runs) == sorted(j.id for j in jobs)
    assert set(runs.values()) == {1}
    by_worker = rows(database_url, "SELECT count(DISTINCT id) FROM jobs WHERE status = 'done'")
    assert by_worker == [(200,)]


async def _all_done(database_url: str, n: int) -> bool:
    return rows(database_url, "SELECT count(*) FROM jobs WHERE status = 'done'") == [(n,)]


async def test_shutdown_gives_back_a_job_it_could_not_finish(pool: AsyncConnectionPool[Any], database_url: str) -> None:
    started = asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        await asyncio.sleep(30)

    tracker = TaskTracker()
    queue = make_queue(pool, FakeClock(), "w1")
    await enqueue(queue, pool)
    worker = JobWorker(queue=queue, handlers={"test": slow}, tracker=tracker, poll_seconds=0.02)
    worker.start()
    await asyncio.wait_for(started.wait(), 10)
    await worker.stop()
    assert await tracker.drain(0.1) == 1
    assert rows(database_url, "SELECT status, attempts, locked_by FROM jobs") == [("queued", 0, None)]


async def test_operators_list_retry_and_drop_jobs(
    start_daemon: DaemonFactory, pool: AsyncConnectionPool[Any], database_url: str
) -> None:
    clock = FakeClock()
    queue = make_queue(pool, clock, "w1", max_attempts=1)
    dead, waiting = await enqueue(queue, pool, 2, kind="announce")
    (claimed,) = await queue.claim(1)
    await queue.fail(claimed, "channel_not_found")

    async def cli(*args: str) -> tuple[int, str]:
        daemon = await start_daemon(sandbox=None, database_url=database_url, args=("jobs", *args))
        return await daemon.wait_exit(), daemon.log_text()

    code, listing = await cli("list", "--status", "dead")
    assert code == 0 and f"{dead.id}" in listing and "channel_not_found" in listing and "announce" in listing
    code, output = await cli("retry", str(dead.id))
    assert code == 0, output
    assert rows(database_url, "SELECT status, attempts FROM jobs WHERE id = %(id)s", id=dead.id) == [("queued", 0)]
    assert (await cli("retry", str(waiting.id)))[0] == 1  # only dead jobs are retried
    assert (await cli("drop", str(waiting.id)))[0] == 0
    assert rows(database_url, "SELECT count(*) FROM jobs") == [(1,)]
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE status = 'dead'").fetchone() == (0,)
