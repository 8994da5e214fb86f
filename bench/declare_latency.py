"""Declaration latency of the real daemon, measured through the sandbox.

For each `/incident declare P2 …`: the time from sending the command to the first message in the new
incident channel (the summary), and to the announcement in the P2 notification channel; plus the ack
latency of the commands while the declarations run. Two loads: N at a steady rate, and M at once.

    python bench/declare_latency.py [--steady 100] [--rate 10] [--burst 50]

Times come from the sandbox's message timestamps and this process's clock (same machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from incidentbot.demo.child import DaemonChild, daemon_env, free_port
from incidentbot.sandbox import SandboxClient, SandboxServer

NOTIFY = "C0INCIDENTS"
USERS = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"]


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def p(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]

    return f"p50 {p(50):6.1f}  p95 {p(95):6.1f}  p99 {p(99):6.1f}  max {ordered[-1]:6.1f}  (n={len(ordered)})"


async def run_load(slack: SandboxClient, label: str, titles: list[str], rate: float | None) -> dict[str, Any]:
    sent: dict[str, float] = {}
    acks: list[float] = []
    start = time.perf_counter()

    async def one(i: int, title: str) -> None:
        if rate:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
        sent[title] = time.time()
        result = await slack.slash(f"declare P2 {title}", user=USERS[i % len(USERS)], channel="C0GENERAL")
        if result.get("acked"):
            acks.append(float(result["ack_ms"]))

    await asyncio.gather(*(one(i, t) for i, t in enumerate(titles)))
    first: dict[str, float] = {}
    announced: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(first) < len(titles) or len(announced) < len(titles)):
        await asyncio.sleep(0.5)
        channels = [c for c in await slack.channels() if c["name"].startswith("inc-")]
        for channel in channels:
            messages = [m for m in await slack.messages(channel["id"], include_ephemeral=False) if not m["subtype"]]
            for title in titles:
                if title not in first and messages and title in str(messages[0].get("text")):
                    first[title] = float(messages[0]["ts"])
        for message in await slack.messages(NOTIFY, include_ephemeral=False):
            for title in titles:
                if title not in announced and title in str(message.get("text")):
                    announced[title] = float(message["ts"])
    return {
        "label": label,
        "first": [(first[t] - sent[t]) * 1000 for t in titles if t in first],
        "announced": [(announced[t] - sent[t]) * 1000 for t in titles if t in announced],
        "acks": acks,
        "missing": len(titles) - len(first),
    }


async def main(steady: int, rate: float, burst: int) -> None:
    server = SandboxServer(host="127.0.0.1", port=0)
    await server.start()
    workdir = Path(tempfile.mkdtemp(prefix="ib-bench-"))
    database_url = os.environ.get("DATABASE_URL")
    env = daemon_env(
        sandbox=server,
        database_url=database_url,
        port=free_port(),
        extra={
            "RATE_LIMIT_PER_MINUTE": "0",  # one load generator plays one person
            "INCIDENTBOT_DATA_DIR": str(workdir / "data"),
            "LOG_LEVEL": "warning",
            "NOTIFY_CHANNELS_P2": NOTIFY,
        },
    )
    daemon = DaemonChild(env, workdir / "daemon.log")
    await daemon.start()
    try:
        await daemon.wait_ready(timeout=60)
        async with SandboxClient(server.url) as slack:
            results = [
                await run_load(slack, f"{steady} at {rate:g}/s", [f"Steady {i}" for i in range(steady)], rate),
                await run_load(slack, f"{burst} at once", [f"Burst {i}" for i in range(burst)], None),
            ]
        print(f"database: {'DATABASE_URL' if database_url else 'embedded PostgreSQL'}; cpus: {os.cpu_count()}")
        for r in results:
            print(f"{r['label']}: (ms)")
            print(f"  command -> first message in the incident channel: {percentiles(r['first'])}")
            print(f"  command -> announcement in {NOTIFY}:            {percentiles(r['announced'])}")
            print(f"  ack latency while declaring:                      {percentiles(r['acks'])}")
            if r["missing"]:
                print(f"  MISSING: {r['missing']} declarations without a channel message")
    finally:
        await daemon.stop()
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steady", type=int, default=100, help="declarations at a steady rate (default 100)")
    parser.add_argument("--rate", type=float, default=10.0, help="per second for the steady load (default 10)")
    parser.add_argument("--burst", type=int, default=50, help="declarations sent at once (default 50)")
    args = parser.parse_args()
    asyncio.run(main(args.steady, args.rate, args.burst))
