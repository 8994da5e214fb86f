"""Archival after the retention window and update reminders, driven by what the database says.

Time is moved in PostgreSQL (an incident resolved "8 days ago"), never by sleeping: the sweeps
re-derive their work from stored state each run, which is also what makes them restart-safe.
"""

from __future__ import annotations

import time

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, Workspace, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import ROUTING, DaemonFactory, age, declare, eventually, rows

FAST_TIMERS = {
    "ARCHIVE_SWEEP_MINUTES": "0.02",  # every 1.2 s
    "REMINDER_SWEEP_SECONDS": "0.5",
    "REMINDER_MINUTES_P3": "1",
}


@pytest.fixture
async def timed_bot(start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str) -> DaemonChild:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra={**ROUTING, **FAST_TIMERS})
    await daemon.wait_ready()
    return daemon


async def _archived(ws: Workspace, channel_id: str) -> bool:
    return bool((await ws.channel(channel_id))["is_archived"])


async def test_channels_are_archived_after_the_retention_window_with_a_heads_up_first(
    timed_bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    old = await declare(ws, "P3 Old outage", user=ALICE, number=1)
    soon = await declare(ws, "P3 Recent outage", user=ALICE, number=2)
    still_open = await declare(ws, "P3 Long running", user=ALICE, number=3)
    for channel in (old, soon):
        await ws.run("resolve done", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _resolved(database_url, 2), what="both resolved")
    age(database_url, "UPDATE incidents SET resolved_at = now() - interval '8 days' WHERE id = 1")
    age(database_url, "UPDATE incidents SET resolved_at = now() - interval '6 days 12 hours' WHERE id = 2")
    age(database_url, "UPDATE incidents SET declared_at = now() - interval '30 days' WHERE id = 3")

    await ws.wait(lambda: _archived(ws, old["id"]), what="old channel archived")
    closing = await ws.message_with(old["id"], "archiving this channel")
    assert "retention window" in visible_text(closing)
    await ws.message_with(soon["id"], "Heads-up: this channel will be archived")
    assert not await _archived(ws, soon["id"]) and not await _archived(ws, still_open["id"])
    assert rows(database_url, "SELECT kind, actor_id FROM incident_events WHERE kind = 'archived'") == [
        ("archived", "incidentbot")
    ]
    assert rows(database_url, "SELECT action FROM audit_log WHERE action = 'archive'") == [("archive",)]
    heads_up = [m for m in await ws.messages(soon["id"]) if "Heads-up" in visible_text(m)]
    assert len(heads_up) == 1  # once, not every sweep
    metrics = await timed_bot.metrics()
    assert "incidentbot_channels_archived_total 1.0" in metrics

    # Reopening an archived incident brings its channel back.
    await ws.run("reopen #1", user=ALICE, channel="C0GENERAL")
    await ws.wait(lambda: _unarchived(ws, old["id"]), what="channel unarchived on reopen")
    assert rows(database_url, "SELECT status, archived_at FROM incidents WHERE id = 1") == [("investigating", None)]


async def _resolved(database_url: str, n: int) -> bool:
    return rows(database_url, "SELECT count(*) FROM incidents WHERE status = 'resolved'") == [(n,)]


async def _unarchived(ws: Workspace, channel_id: str) -> bool:
    return not (await ws.channel(channel_id))["is_archived"]


async def test_a_channel_that_cannot_be_archived_now_does_not_stop_the_others(
    timed_bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    first = await declare(ws, "P3 First", user=ALICE, number=1)
    second = await declare(ws, "P3 Second", user=ALICE, number=2)
    for channel in (first, second):
        await ws.run("resolve done", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _resolved(database_url, 2), what="both resolved")
    await slack.fault("conversations.archive", error="ratelimited", times=1)
    age(database_url, "UPDATE incidents SET resolved_at = now() - interval '9 days'")
    await ws.wait(lambda: _archived(ws, second["id"]), what="the other channel archived")
    await ws.wait(lambda: _archived(ws, first["id"]), what="the failed one archived on a later sweep")


async def test_a_channel_slack_will_not_archive_yet_hears_the_goodbye_once_per_resolution(
    timed_bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    channel = await declare(ws, "P3 Stubborn channel", user=ALICE)
    await ws.run("resolve done", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _resolved(database_url, 1), what="resolved")
    await slack.fault("conversations.archive", error="restricted_action", times=3)
    age(database_url, "UPDATE incidents SET resolved_at = now() - interval '8 days'")
    # Three sweeps fail to archive, the fourth archives: every sweep ran while the goodbye was due.
    await ws.wait(lambda: _archived(ws, channel["id"]), timeout=20, what="archived after three refusals")
    assert len(await slack.calls("conversations.archive")) == 4
    goodbyes = [m for m in await ws.messages(channel["id"]) if "archiving this channel" in visible_text(m)]
    assert len(goodbyes) == 1
    assert rows(database_url, "SELECT kind, status FROM notifications WHERE kind = 'archive_closing'") == [
        ("archive_closing", "sent")
    ]

    # Reopened and resolved again, the channel is archived again: a new goodbye for the new resolution.
    await ws.run("reopen #1", user=ALICE, channel="C0GENERAL")
    await ws.wait(lambda: _unarchived(ws, channel["id"]), what="channel unarchived on reopen")
    await ws.run("resolve done again", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _resolved(database_url, 1), what="resolved again")
    age(database_url, "UPDATE notifications SET at = at - interval '9 days'")  # the first goodbye came before
    age(database_url, "UPDATE incidents SET resolved_at = now() - interval '8 days'")
    await ws.wait(lambda: _archived(ws, channel["id"]), what="archived again")
    goodbyes = [m for m in await ws.messages(channel["id"]) if "archiving this channel" in visible_text(m)]
    assert len(goodbyes) == 2


async def test_quiet_commanders_are_reminded_once_per_interval_and_can_snooze(
    timed_bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    channel = await declare(ws, "P3 Quiet incident", user=ALICE)
    cid = channel["id"]
    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '2 minutes'")
    reminder = await ws.message_with(cid, "has had no update")
    assert "<@U0ALICE>" in visible_text(reminder)
    buttons = [e["action_id"] for b in reminder["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["summary_post_update", "reminder_snooze"]
    assert len([m for m in await ws.messages(cid) if "has had no update" in visible_text(m)]) == 1

    await slack.click(user=ALICE, channel=cid, message_ts=reminder["ts"], action_id="reminder_snooze")
    await ws.reply_to(ALICE, "No update reminders")
    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '5 minutes', reminded_at = NULL")
    await _sweeps_since(timed_bot, time.time(), 2)  # two whole sweeps saw it snoozed
    metrics = await timed_bot.metrics()
    assert 'incidentbot_reminders_sent_total{severity="P3"} 1.0' in metrics
    assert len([m for m in await ws.messages(cid) if "has had no update" in visible_text(m)]) == 1  # snoozed

    # An update restarts the clock; a resolved incident is never reminded.
    await ws.run("resolve fixed", user=ALICE, channel=cid)
    await ws.wait(lambda: _resolved(database_url, 1), what="resolved")
    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '2 hours', snoozed_until = NULL")
    await _sweeps_since(timed_bot, time.time(), 2)  # two whole sweeps saw it resolved
    assert len([m for m in await ws.messages(cid) if "has had no update" in visible_text(m)]) == 1


async def _sweeps_since(bot: DaemonChild, since: float, count: int) -> None:
    """Wait until ``count`` reminder sweeps have run to the end after ``since``: what proves a negative."""
    last = since
    for _ in range(count):
        floor = last

        async def swept(floor: float = floor) -> float | None:
            for line in (await bot.metrics()).splitlines():
                if line.startswith("incidentbot_reminder_last_sweep_timestamp_seconds "):
                    value = float(line.split()[1])
                    return value if value > floor else None
            return None

        last = await eventually(swept)
