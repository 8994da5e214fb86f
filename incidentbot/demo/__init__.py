"""``incidentbot demo``: the real daemon, the Slack sandbox and an embedded PostgreSQL, end to end.

The daemon runs exactly as in production (``incidentbot run`` in a child process, configured only
through its environment); the demo plays the users through the sandbox's control API and prints
what each of them sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from incidentbot.demo.child import DaemonChild, DaemonError, daemon_env, free_port
from incidentbot.demo.render import render_message
from incidentbot.sandbox import SandboxClient, SandboxServer

__all__ = ["run_demo"]

READY_TIMEOUT = 60.0


def _say(text: str = "") -> None:
    print(text, flush=True)


@contextlib.asynccontextmanager
async def _workdir(keep: bool) -> AsyncIterator[Path]:
    # Short path: the embedded PostgreSQL's Unix socket lives inside it.
    path = Path(tempfile.mkdtemp(prefix="ib-demo-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


def _show(who: str, where: str, messages: list[dict[str, Any]]) -> None:
    _say(f"  {who} sees in {where}:")
    for message in messages:
        _say(render_message(message))
    _say()


async def _play(client: SandboxClient) -> bool:
    """The scripted session. Returns whether everything the user should see arrived."""
    _say("▶ alice types `/incident help` in #general")
    result = await client.slash("help", user="U0ALICE", channel="C0GENERAL")
    if not result.get("acked"):
        _say(f"  ✗ Slack would have shown alice an error: {result.get('error')}")
        return False
    _say(f"  acked in {result['ack_ms']:.1f} ms")
    replies = await _wait_for_ephemeral(client, "U0ALICE")
    if not replies:
        _say("  ✗ no answer reached alice")
        return False
    _show("alice (only visible to you)", "#general", replies[-1:])
    return True


async def _wait_for_ephemeral(client: SandboxClient, user: str, timeout: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found: list[dict[str, Any]] = await client.ephemerals(user)
        if found:
            return found
        await asyncio.sleep(0.05)
    return []


async def run_demo(*, keep_logs: bool = False) -> int:
    """Play the demo; 0 when every step showed what it should."""
    async with _workdir(keep_logs) as workdir:
        server = SandboxServer(host="127.0.0.1", port=0)
        await server.start()
        env = daemon_env(
            sandbox=server, database_url=None, port=free_port(), extra={"INCIDENTBOT_DATA_DIR": str(workdir / "data")}
        )
        daemon = DaemonChild(env, workdir / "incidentbot.log")
        ok = False
        try:
            _say(f"Slack sandbox on {server.url} (workspace T0SANDBOX; users alice, bob, carol, dave, erin)")
            _say("Starting incidentbot (embedded PostgreSQL, Socket Mode to the sandbox)…")
            await daemon.start()
            took = await daemon.wait_ready(timeout=READY_TIMEOUT)
            _say(f"incidentbot is ready after {took:.1f}s: {daemon.url}/ready answers 200\n")
            async with SandboxClient(server.url) as client:
                ok = await _play(client)
            metrics = await daemon.metrics()
            count = "incidentbot_slack_ack_latency_seconds_count"
            acks = [line for line in metrics.splitlines() if line.startswith(count)]
            _say("From /metrics: " + ("; ".join(acks) or "no ack recorded"))
        except DaemonError as exc:
            _say(f"✗ {exc}")
        finally:
            code = await daemon.stop()
            await server.stop()
        _say(f"incidentbot stopped (exit code {code}).")
        if ok and code == 0:
            if keep_logs:
                _say(f"Its log is kept in {daemon.log_path}")
            _say("✓ Demo complete.")
            return 0
        _say("✗ The demo did not complete. The end of the daemon's log:")
        _say("\n".join(daemon.log_text().splitlines()[-20:]))
        return 1
