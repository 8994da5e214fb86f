"""Throughput of the durable job queue, with the Slack sandbox as the target.

Declares N incidents while the sandbox refuses to create channels, so N `slack.open_channel` jobs
(each one: create the channel, invite, post and pin the summary, set the topic, announce) pile up in
PostgreSQL; then lets Slack answer again and times how fast the daemon's worker drains the queue.

    python bench/jobs_throughput.py [--jobs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import psycopg

from incidentbot.db.embedded import start_embedded
from incidentbot.demo.child import DaemonChild, daemon_env, free_port
from incidentbot.sandbox import SandboxClient, SandboxServer


def count(url: str, where: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM jobs WHERE {where}").fetchone()  # noqa: S608 - constant
    return int(row[0]) if row else 0


async def main(jobs: int) -> None:
    server = SandboxServer(host="127.0.0.1", port=0)
    await server.start()
    workdir = Path(tempfile.mkdtemp(prefix="ib-bench-"))
    embedded = None
    url = os.environ.get("DATABASE_URL")
    if url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS incidentbot_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE incidentbot_bench")
        url = url.rsplit("/", 1)[0] + "/incidentbot_bench"
    else:
        embedded = await asyncio.to_thread(start_embedded, workdir / "data")
        url = embedded.url
    env = daemon_env(
        sandbox=server,
        database_url=url,
        port=free_port(),
        extra={
            "LOG_LEVEL": "warning",
            "NOTIFY_CHANNELS_P2": "C0INCIDENTS",
            "JOB_LEASE_SECONDS": "5",
            "RATE_LIMIT_PER_MINUTE": "0",  # one load generator plays one person
        },
    )
    daemon = DaemonChild(env, workdir / "daemon.log")
    await daemon.start()
    try:
        await daemon.wait_ready(timeout=60)
        async with SandboxClient(server.url) as slack:
            await slack.fault("conversations.create", error="internal_error", times=0)
            for start in range(0, jobs, 50):
                await asyncio.gather(
                    *(
                        slack.slash(f"declare P2 Queued {i}", user="U0ALICE", channel="C0GENERAL")
                        for i in range(start, min(start + 50, jobs))
                    )
                )
            while count(url, "kind = 'slack.open_channel'") < jobs:  # noqa: ASYNC110 - polling another process's table
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            await slack.clear_faults()
            # Slack is back: make every job due now, so the figure is the worker's pace, not the backoff.
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("UPDATE jobs SET run_after = now() WHERE status = 'queued'")
            began = time.perf_counter()
            while count(url, "kind = 'slack.open_channel' AND status = 'done'") < jobs:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            took = time.perf_counter() - began
            calls = len(await slack.calls())
        print(f"database: {'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'embedded PostgreSQL'}")
        print(f"jobs drained: {jobs} in {took:.2f} s → {jobs / took:.1f} jobs/s")
        print(f"(each job makes about 6 Slack calls; the sandbox logged {calls} calls in all)")
    finally:
        await daemon.stop()
        await server.stop()
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200, help="jobs to queue and drain (default 200)")
    args = parser.parse_args()
    asyncio.run(main(args.jobs))
