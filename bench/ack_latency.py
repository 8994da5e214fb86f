"""Ack latency and memory of the real daemon under slash-command load, measured through the sandbox.

Starts the Slack sandbox and `incidentbot run` (embedded PostgreSQL, or DATABASE_URL when set), waits
for /ready, records the daemon's idle RSS, then sends N `/incident help` commands at R per second and
prints the time from each envelope leaving the sandbox to its ack arriving back (what Slack's 3-second
deadline measures), plus the daemon's RSS under load.

    python bench/ack_latency.py [--count 1000] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import psutil

from incidentbot.demo.child import DaemonChild, daemon_env, free_port
from incidentbot.sandbox import SandboxClient, SandboxServer


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mib(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


async def main(count: int, rate: float) -> None:
    server = SandboxServer(host="127.0.0.1", port=0)
    await server.start()
    workdir = Path(tempfile.mkdtemp(prefix="ib-bench-"))
    database_url = os.environ.get("DATABASE_URL")
    env = daemon_env(
        sandbox=server,
        database_url=database_url,
        port=free_port(),
        # One load generator plays one person; the per-person limit is not what is measured here.
        extra={"INCIDENTBOT_DATA_DIR": str(workdir / "data"), "LOG_LEVEL": "warning", "RATE_LIMIT_PER_MINUTE": "0"},
    )
    daemon = DaemonChild(env, workdir / "daemon.log")
    await daemon.start()
    try:
        ready_after = await daemon.wait_ready(timeout=60)
        assert daemon.proc is not None
        await asyncio.sleep(2)
        idle_rss = rss_mib(daemon.proc.pid)
        async with SandboxClient(server.url) as slack:
            for _ in range(20):  # warm-up: first-call costs are not steady state
                await slack.slash("help", user="U0ALICE", channel="C0GENERAL")
            acks: list[float] = []
            failures = 0
            start = time.perf_counter()

            async def one(i: int) -> None:
                nonlocal failures
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                result = await slack.slash("help", user="U0BOB", channel="C0GENERAL")
                if result.get("acked"):
                    acks.append(float(result["ack_ms"]))
                else:
                    failures += 1

            await asyncio.gather(*(one(i) for i in range(count)))
            elapsed = time.perf_counter() - start
            loaded_rss = rss_mib(daemon.proc.pid)
        print(f"database: {'DATABASE_URL' if database_url else 'embedded PostgreSQL'}; cpus: {os.cpu_count()}")
        print(f"ready after start: {ready_after:.2f} s")
        print(f"commands: {count} at {rate:g}/s (achieved {count / elapsed:.1f}/s), not acked: {failures}")
        print(
            "ack latency ms: "
            f"p50 {percentile(acks, 50):.2f}  p95 {percentile(acks, 95):.2f}  p99 {percentile(acks, 99):.2f}  "
            f"max {max(acks):.2f}  mean {statistics.fmean(acks):.2f}"
        )
        print(f"daemon RSS MiB: idle {idle_rss:.1f}, after load {loaded_rss:.1f}")
    finally:
        await daemon.stop()
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="commands to send (default 1000)")
    parser.add_argument("--rate", type=float, default=50.0, help="commands per second (default 50)")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.rate))
