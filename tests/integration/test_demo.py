"""`incidentbot demo` is the first thing a new user runs: it must work, end to end, as the README says."""

from __future__ import annotations

import asyncio
import os
import sys


async def test_the_demo_plays_a_whole_incident_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.lower().endswith("_proxy")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "incidentbot",
        "demo",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    text = out.decode()
    assert proc.returncode == 0, text
    for seen in (
        "alice types `/incident declare`",
        "escalates to P1",
        "#sre-leads",
        "DM to carol",
        "pinned summary",
        "Published on the status page by @alice",
        "the public status page (what customers see)",
        "resolved: Checkout works normally again.",
        "timeline",
        "✓ Demo complete.",
    ):
        assert seen in text, f"{seen!r} missing from the demo's output:\n{text}"
