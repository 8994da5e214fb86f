"""``incidentbot demo``: the real daemon, the Slack sandbox and an embedded PostgreSQL, end to end.

The daemon runs exactly as in production (``incidentbot run`` in a child process, configured only
through its environment), with the local Statuspage fake as its public status page; the demo plays
the users through the sandbox's control API and prints what each of them, and customers, see.
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
from incidentbot.sandbox.statuspage import StatuspageControl, StatuspageServer

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


async def _map_checkout(env: dict[str, str], workdir: Path, page: StatuspageServer) -> None:
    """`incidentbot statuspage map checkout <id>`, as an operator would run it once."""
    mapping = DaemonChild(
        env, workdir / "statuspage-map.log", args=("statuspage", "map", "checkout", page.component_id("Checkout API"))
    )
    await mapping.start()
    if await mapping.wait_exit(timeout=READY_TIMEOUT) != 0:
        raise DaemonError(f"`incidentbot statuspage map` failed:\n{mapping.log_text()[-2000:]}")


async def run_demo(*, keep_logs: bool = False) -> int:
    """Play the demo; 0 when every step showed what it should."""
    async with _workdir(keep_logs) as workdir:
        server = SandboxServer(host="127.0.0.1", port=0)
        await server.start()
        page = StatuspageServer(host="127.0.0.1", port=0)
        await page.start()
        env = daemon_env(
            sandbox=server,
            database_url=None,
            port=free_port(),
            extra={
                "INCIDENTBOT_DATA_DIR": str(workdir / "data"),
                "STATUSPAGE_API_KEY": page.api_key,
                "STATUSPAGE_PAGE_ID": page.page_id,
                "STATUSPAGE_API_URL": page.api_url,
                **DEMO_SETTINGS,
            },
        )
        daemon = DaemonChild(env, workdir / "incidentbot.log")
        ok = False
        try:
            _say(f"Slack sandbox on {server.url} (workspace T0SANDBOX; users alice, bob, carol, dave, erin)")
            _say(f"Statuspage fake on {page.url} (a public page with a Checkout API component)")
            await _map_checkout(env, workdir, page)
            _say("Starting incidentbot (embedded PostgreSQL, Socket Mode to the sandbox)…")
            await daemon.start()
            took = await daemon.wait_ready(timeout=READY_TIMEOUT)
            _say(f"incidentbot is ready after {took:.1f}s: {daemon.url}/ready answers 200\n")
            async with SandboxClient(server.url) as client, StatuspageControl(page.url) as public_page:
                await play(Workspace(client), public_page)
            ok = True
            metrics = await daemon.metrics()
            count = "incidentbot_slack_ack_latency_seconds_count"
            acks = [line for line in metrics.splitlines() if line.startswith(count)]
            _say("\nFrom /metrics: " + ("; ".join(acks) or "no ack recorded"))
        except (DaemonError, StepFailedError, SandboxControlError) as exc:
            _say(f"✗ {exc}")
        finally:
            code = await daemon.stop() if daemon.alive() else 0
            await server.stop()
            await page.stop()
        _say(f"incidentbot stopped (exit code {code}).")
        if ok and code == 0:
            if keep_logs:
                _say(f"Its log is kept in {daemon.log_path}")
            _say("✓ Demo complete.")
            return 0
        _say("✗ The demo did not complete. The end of the daemon's log:")
        _say("\n".join(daemon.log_text().splitlines()[-20:]))
        return 1
