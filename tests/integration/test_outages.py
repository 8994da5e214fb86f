"""Work that must not be lost survives Slack outages, rate-limit storms and a daemon killed with -9."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import pytest

from incidentbot.demo.workspace import ALICE, GENERAL, INCIDENTS, Workspace, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import ROUTING, DaemonFactory, rows

pytestmark = pytest.mark.resilience

QUICK_LEASE = {"JOB_LEASE_SECONDS": "3"}


async def test_a_slack_outage_delays_the_channel_but_does_not_lose_it(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    ws = Workspace(slack)
    await slack.fault("conversations.create", status=500, times=4)  # beyond slack_sdk's own 2 retries
    await ws.run("declare P2 During a Slack outage", user=ALICE, channel=GENERAL)
    reply = await ws.reply_to(ALICE, "#1")
    assert "Slack is not answering right now" in visible_text(reply) and "tell you where it is" in visible_text(reply)
    channel = await ws.incident_channel(1, timeout=20)
    await ws.message_with(INCIDENTS, "During a Slack outage", timeout=20)
    assert ALICE in (await ws.channel(channel["id"]))["members"]
    # Told where it is once it exists: a DM to the declarer, once.
    ready = await ws.wait(lambda: _dms_with(ws, ALICE, "is ready"), timeout=20, what="where the channel is")
    assert f"<#{channel['id']}>" in visible_text(ready[0])
    assert rows(database_url, "SELECT status FROM jobs WHERE kind = 'slack.open_channel'") == [("done",)]
    assert len(await _dms_with(ws, ALICE, "is ready")) == 1


async def _dms_with(ws: Workspace, user: str, text: str) -> list[dict[str, Any]]:
    return [m for m in await ws.dms(user) if text in visible_text(m)]


async def test_an_invite_slack_could_not_take_now_is_retried_not_reported_as_failed(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    ws = Workspace(slack)
    await slack.fault("conversations.invite", error="internal_error", times=1)
    await ws.run("declare P3 Invite hiccup", user=ALICE, channel=GENERAL)
    reply = await ws.reply_to(ALICE, "#1")
    assert "could not invite" not in visible_text(reply)
    channel = await ws.incident_channel(1)

    async def alice_invited() -> bool:
        return ALICE in (await ws.channel(channel["id"]))["members"]

    await ws.wait(alice_invited, timeout=20, what="Alice invited when the job ran again")
    await ws.wait(lambda: _open_channel_done(database_url), what="the channel job done")
    assert rows(database_url, "SELECT attempts FROM jobs WHERE kind = 'slack.open_channel'") == [(2,)]


async def _open_channel_done(database_url: str) -> bool:
    return rows(database_url, "SELECT status FROM jobs WHERE kind = 'slack.open_channel'") == [("done",)]


async def test_a_burst_of_rate_limits_delays_announcements_but_delivers_all(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    ws = Workspace(slack)
    await slack.fault("chat.postMessage", status=429, retry_after=2, times=3)
    for i in range(3):
        await ws.run(f"declare P2 Storm {i}", user=ALICE, channel=GENERAL)
    for i in range(3):
        await ws.message_with(INCIDENTS, f"Storm {i}", timeout=40)
    announced = [m for m in await ws.messages(INCIDENTS) if "Storm" in visible_text(m)]
    assert len(announced) == 3  # each once
    metrics = await daemon.metrics()
    assert 'incidentbot_slack_rate_limit_retries_total{method="chat.postMessage"}' in metrics


async def test_jobs_queued_when_the_daemon_is_killed_run_after_restart_once_each(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    env = {**ROUTING, **QUICK_LEASE, "RATE_LIMIT_PER_MINUTE": "0"}  # 50 declarations by one person on purpose
    first = await start_daemon(sandbox=sandbox, database_url=database_url, extra=env)
    await first.wait_ready()
    ws = Workspace(slack)
    await slack.fault("conversations.create", error="internal_error", times=0)  # Slack keeps failing
    await asyncio.gather(*(ws.run(f"declare P2 Queued {i}", user=ALICE, channel=GENERAL) for i in range(50)))

    async def all_queued() -> bool:
        found = rows(database_url, "SELECT count(*) FROM jobs WHERE kind = 'slack.open_channel'")
        return found == [(50,)]

    await ws.wait(all_queued, timeout=30, what="50 channel jobs queued")
    first.signal(signal.SIGKILL)
    await first.wait_exit()
    await slack.clear_faults()

    second = await start_daemon(sandbox=sandbox, database_url=database_url, extra=env)
    await second.wait_ready()

    async def all_done() -> bool:
        done = rows(database_url, "SELECT count(*) FROM jobs WHERE kind = 'slack.open_channel' AND status = 'done'")
        return done == [(50,)]

    await ws.wait(all_done, timeout=60, what="all 50 done after the restart")
    channels = [c for c in await slack.channels() if c["name"].startswith("inc-")]
    assert len(channels) == 50
    announced = [m for m in await ws.messages(INCIDENTS) if "Queued" in visible_text(m)]
    assert len(announced) == 50  # none twice
    assert rows(database_url, "SELECT count(DISTINCT channel_id) FROM incidents") == [(50,)]


async def test_a_channel_created_by_a_run_that_never_recorded_it_is_adopted_not_doubled(
    start_daemon: DaemonFactory, sandbox: SandboxServer, slack: SandboxClient, database_url: str
) -> None:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    ws = Workspace(slack)
    await slack.fault("conversations.create", status=500, times=4)  # the request's attempt fails; the queue retries
    await ws.run("declare P2 Adopted after a crash", user=ALICE, channel=GENERAL)
    await ws.reply_to(ALICE, "#1")
    # The name is recorded before the create. A run killed right after Slack created the channel, before
    # recording its id, leaves exactly this behind: the bot's channel of that name.
    ((planned,),) = rows(database_url, "SELECT channel_name FROM incidents")
    orphan = await slack.add_channel(planned)  # created by the bot (no other member)

    async def recorded() -> bool:
        return rows(database_url, "SELECT channel_id FROM incidents") == [(orphan["id"],)]

    await ws.wait(recorded, timeout=20, what="the bot's own channel adopted")
    await ws.message_with(INCIDENTS, "Adopted after a crash", timeout=20)
    names = [c["name"] for c in await slack.channels() if c["name"].startswith("inc-")]
    assert names == [planned]  # no "-2"
    assert ALICE in (await ws.channel(orphan["id"]))["members"]
