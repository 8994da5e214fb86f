"""``incidentbot demo``: the real daemon, the Slack sandbox and an embedded PostgreSQL, end to end.

The daemon runs exactly as in production (``incidentbot run`` in a child process, configured only
through its environment); the demo plays the users through the sandbox's control API and prints
what each of them sees.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from incidentbot.demo.child import DaemonChild, DaemonError, daemon_env, free_port
from incidentbot.demo.script import DEMO_SETTINGS, play
from incidentbot.demo.workspace import StepFailedError, Workspace
from incidentbot.sandbox import SandboxClient, SandboxControlError, SandboxServer

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


async def run_demo(*, keep_logs: bool = False) -> int:
    """Play the demo; 0 when every step showed what it should."""
    async with _workdir(keep_logs) as workdir:
        server = SandboxServer(host="127.0.0.1", port=0)
        await server.start()
        env = daemon_env(
            sandbox=server,
            database_url=None,
            port=free_port(),
            extra={"INCIDENTBOT_DATA_DIR": str(workdir / "data"), **DEMO_SETTINGS},
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
                await play(Workspace(client))
            ok = True
            metrics = await daemon.metrics()
            count = "incidentbot_slack_ack_latency_seconds_count"
            acks = [line for line in metrics.splitlines() if line.startswith(count)]
            _say("\nFrom /metrics: " + ("; ".join(acks) or "no ack recorded"))
        except (DaemonError, StepFailedError, SandboxControlError) as exc:
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
