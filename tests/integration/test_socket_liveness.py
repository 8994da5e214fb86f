"""Socket liveness: with several connections one dying loses no command, and a dead one is replaced at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import DaemonFactory, eventually
from tests.integration.test_daemon import metric

pytestmark = pytest.mark.resilience

BURST = 100


async def _live_sockets(slack: SandboxClient, count: int) -> list[dict[str, Any]] | None:
    """The sandbox's sockets once exactly ``count`` are open and none is silent or told to leave."""
    sockets: list[dict[str, Any]] = (await slack.socket_info())["sockets"]
    healthy = [s for s in sockets if not s["silent"] and not s["draining"]]
    return sockets if len(sockets) == count and len(healthy) == count else None


async def _burst(slack: SandboxClient, user: str, *, midway: Callable[[], Awaitable[Any]]) -> list[dict[str, Any]]:
    """BURST `/incident help` commands, a few milliseconds apart, with ``midway`` done after a third of them."""
    sent = []
    for i in range(BURST):
        sent.append(asyncio.create_task(slack.slash("help", user=user, channel="C0GENERAL")))
        if i == BURST // 3:
            await midway()
        await asyncio.sleep(0.005)
    return list(await asyncio.gather(*sent))


async def _all_answered(slack: SandboxClient, user: str) -> bool:
    shown = await slack.ephemerals(user)
    return len([m for m in shown if m["user"] != "USLACKBOT"]) >= BURST


def _failures(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if not (r.get("ok") and r.get("acked"))]


async def _ready_detail(daemon: DaemonChild) -> tuple[int, str]:
    status, body = await daemon.get("/ready")
    return status, str(body["checks"]["slack_socket"]["detail"])


async def test_a_dropped_connection_loses_no_command_of_a_burst(daemon: DaemonChild, slack: SandboxClient) -> None:
    sockets = await eventually(lambda: _live_sockets(slack, 2))

    results = await _burst(slack, "U0ALICE", midway=lambda: slack.drop_socket(socket=sockets[0]["id"]))

    assert _failures(results) == []
    await eventually(lambda: _all_answered(slack, "U0ALICE"), timeout=30)
    assert not [m for m in await slack.ephemerals("U0ALICE") if m["user"] == "USLACKBOT"]  # no dispatch_failed
    replaced = await eventually(lambda: _live_sockets(slack, 2))
    assert sockets[0]["id"] not in [s["id"] for s in replaced]
    metrics = await daemon.metrics()
    assert metric(metrics, "incidentbot_slack_socket_connected") == 2
    assert (metric(metrics, "incidentbot_slack_socket_reconnects_total") or 0) >= 1


async def test_a_silent_connection_is_replaced_within_seconds_and_ready_counts_the_live_ones(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    # The default ping interval: the bound below is the one an operator gets.
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra={"SLACK_PING_INTERVAL_SECONDS": "10"})
    await daemon.wait_ready()
    sockets = await eventually(lambda: _live_sockets(slack, 2))
    assert await _ready_detail(daemon) == (200, "2 of 2 connections live (sessions opened: 2)")
    # Its replacement takes 2 s to open, so the moment with one connection live can be seen.
    await slack.fault("apps.connections.open", delay=2.0, times=1)

    silenced = time.monotonic()
    await slack.drop_socket(silent=True, socket=sockets[0]["id"])
    during = [asyncio.create_task(slack.slash("help", user="U0BOB", channel="C0GENERAL")) for _ in range(10)]

    status, _ = await eventually(lambda: _ready_detail_once(daemon, "1 of 2"), timeout=8)
    assert time.monotonic() - silenced < 8  # about 5 s: ping every 1 s, dead after 4 s of silence
    assert status == 200
    assert (metric(await daemon.metrics(), "incidentbot_slack_socket_connected")) == 1
    await eventually(lambda: _ready_detail_once(daemon, "2 of 2"), timeout=10)
    replaced = await eventually(lambda: _live_sockets(slack, 2))
    assert sockets[0]["id"] not in [s["id"] for s in replaced]  # the half-open one was closed by the bot
    assert _failures(list(await asyncio.gather(*during))) == []  # those sent into it were redelivered


async def _ready_detail_once(daemon: DaemonChild, live: str) -> tuple[int, str] | None:
    status, detail = await _ready_detail(daemon)
    return (status, detail) if detail.startswith(f"{live} connections live") else None


async def test_a_disconnect_during_a_burst_opens_the_replacement_first_and_loses_nothing(
    daemon: DaemonChild, slack: SandboxClient
) -> None:
    sockets = await eventually(lambda: _live_sockets(slack, 2))
    leaving = sockets[0]["id"]

    async def disconnect_one() -> None:
        await slack.disconnect_socket("refresh_requested", socket=leaving)

    results = await _burst(slack, "U0CAROL", midway=disconnect_one)

    assert _failures(results) == []
    await eventually(lambda: _all_answered(slack, "U0CAROL"), timeout=30)
    replaced = await eventually(lambda: _live_sockets(slack, 2))
    assert leaving not in [s["id"] for s in replaced]
    # The sandbox closes a socket 2 s after its `disconnect`; the replacement was open before that.
    logged = [line["message"] for line in daemon.log_lines()]
    told = next(i for i, m in enumerate(logged) if m.startswith("socket disconnected by Slack"))
    assert any(m.startswith("socket connected") for m in logged[told:])
    assert (await slack.socket_info())["opened_total"] == 3


async def test_the_replacement_is_open_while_the_old_connection_still_is(
    daemon: DaemonChild, slack: SandboxClient
) -> None:
    sockets = await eventually(lambda: _live_sockets(slack, 2))
    await slack.disconnect_socket("warning", socket=sockets[0]["id"])

    both = await eventually(lambda: _open_with(slack, sockets[0]["id"], count=3))
    assert len(both) == 3
    await eventually(lambda: _live_sockets(slack, 2))


async def _open_with(slack: SandboxClient, socket_id: int, *, count: int) -> list[dict[str, Any]] | None:
    sockets: list[dict[str, Any]] = (await slack.socket_info())["sockets"]
    return sockets if len(sockets) == count and socket_id in [s["id"] for s in sockets] else None


async def test_one_connection_still_works_and_reconnects(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra={"SLACK_SOCKET_CONNECTIONS": "1"})
    await daemon.wait_ready()
    assert await _ready_detail(daemon) == (200, "1 of 1 connections live (sessions opened: 1)")
    assert (await slack.slash("help", user="U0DAVE", channel="C0GENERAL"))["acked"] is True

    await slack.drop_socket()
    await eventually(lambda: _reopened(slack))
    assert (await slack.slash("help", user="U0DAVE", channel="C0GENERAL"))["acked"] is True
    assert (await slack.socket_info())["connections"] == 1
    assert metric(await daemon.metrics(), "incidentbot_slack_socket_connected") == 1


async def _reopened(slack: SandboxClient) -> bool:
    info = await slack.socket_info()
    return bool(info["connections"] == 1 and info["opened_total"] == 2)
