"""The incident lifecycle as people in Slack see it, and as PostgreSQL stores it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import sql

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    GENERAL,
    INCIDENTS,
    SRE,
    Workspace,
    visible_text,
)
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import ROUTING, DaemonFactory, declare, eventually, rows


async def test_declare_opens_a_channel_with_people_summary_topic_and_stored_history(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    await ws.run("declare P3 Checkout errors 🔥", user=ALICE)
    channel = await ws.incident_channel(1)
    assert channel["name"].startswith("inc-") and channel["name"].endswith("-1-checkout-errors")
    reply = await ws.reply_to(ALICE, "#1")
    assert f"<#{channel['id']}>" in visible_text(reply)

    channel = await ws.wait(lambda: _with_topic(ws, channel["id"]), what="topic")
    assert "P3" in channel["topic"] and "Declared" in channel["topic"] and "<@U0ALICE>" in channel["topic"]
    assert set(channel["members"]) >= {ALICE, "U0BOT"}
    summary = await ws.summary(channel["id"])
    text = visible_text(summary)
    assert "Checkout errors" in text and "P3" in text
    buttons = [e for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["text"]["text"] for b in buttons} == {"Post update", "Change severity", "Resolve"}

    (incident,) = rows(database_url, "SELECT id, title, severity, status, commander_id, channel_id FROM incidents")
    assert incident == (1, "Checkout errors 🔥", "P3", "declared", ALICE, channel["id"])
    assert rows(database_url, "SELECT kind, actor_id FROM incident_events") == [("declared", ALICE)]
    assert rows(database_url, "SELECT action, outcome, actor_id FROM audit_log") == [("declare", "ok", ALICE)]
    # P3 routes to the incident channel only: no announcement anywhere else.
    assert rows(database_url, "SELECT count(*) FROM notifications") == [(0,)]


async def _with_topic(ws: Workspace, channel_id: str) -> dict[str, Any] | None:
    channel = await ws.channel(channel_id)
    return channel if channel["topic"] else None


async def test_p1_is_announced_in_its_channels_and_pages_on_call_once(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P1 Payments down", user=BOB)
    announcement = await ws.message_with(SRE, "Payments down")
    assert f"<#{channel['id']}>" in visible_text(announcement)
    for person in (CAROL, DAVE):
        dms = await ws.wait(lambda person=person: ws.dms(person), what=f"page to {person}")
        assert "Payments down" in visible_text(dms[-1])
    assert [m for m in await ws.messages(INCIDENTS) if "Payments down" in visible_text(m)] == []
    sent = rows(database_url, "SELECT kind, target, status FROM notifications ORDER BY kind, target")
    assert sent == [("announcement", SRE, "sent"), ("dm", CAROL, "sent"), ("dm", DAVE, "sent")]

    # Escalating again within 5 minutes does not page the same people twice.
    await ws.run("severity P2", user=BOB, channel=channel["id"])
    await ws.message_with(channel["id"], "P2")
    await ws.run("severity P1", user=BOB, channel=channel["id"])
    await ws.wait(lambda: _count(database_url, "status = 'throttled'", 2), what="throttled DMs recorded")
    assert len(await ws.dms(CAROL)) == 1


async def _count(database_url: str, where: str, expected: int) -> bool:
    found = rows(database_url, f"SELECT count(*) FROM notifications WHERE {where}")  # noqa: S608 - test literal
    return bool(found[0][0] == expected)


async def test_p2_goes_to_its_channel_and_escalation_to_p1_is_announced(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P2 Search is slow", user=ALICE)
    await ws.message_with(INCIDENTS, "Search is slow")
    await ws.run("severity P1", user=ALICE, channel=channel["id"])
    escalation = await ws.message_with(SRE, "Search is slow")
    assert "P1" in visible_text(escalation)
    await ws.wait(lambda: ws.dms(CAROL), what="P1 page after escalation")
    summary = await ws.summary(channel["id"])
    assert summary["edited"] and "P1" in visible_text(summary)


async def test_status_update_and_note_reach_the_channel_and_the_announcement_thread(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P2 Checkout errors", user=ALICE)
    announcement = await ws.message_with(INCIDENTS, "Checkout errors")
    await ws.run("status investigating looking at the load balancer", user=ALICE, channel=channel["id"])
    await ws.message_with(channel["id"], "looking at the load balancer")
    for person in (BOB, CAROL):
        await ws.slack.join(channel["id"], user=person)
    await ws.run("update rolled back the deploy", user=BOB, channel=channel["id"])
    await ws.message_with(channel["id"], "rolled back the deploy")
    threaded = await ws.message_with(INCIDENTS, "rolled back the deploy")
    assert threaded["thread_ts"] == announcement["ts"]
    await ws.run("note <script>alert(1)</script> & more", user=CAROL, channel=channel["id"])
    note = await ws.message_with(channel["id"], "alert(1)")
    raw = str(note["text"]) + str(note["blocks"])
    assert "<script>" not in raw and "&lt;script&gt;" in raw  # escaped: shown as typed, never markup
    kinds = rows(database_url, "SELECT kind, actor_id FROM incident_events ORDER BY id")
    assert kinds == [("declared", ALICE), ("status", ALICE), ("update", BOB), ("note", CAROL)]
    channel = await ws.channel(channel["id"])
    assert "Investigating" in channel["topic"]


async def test_status_cannot_go_back_and_only_the_commander_may_change_it(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P3 Queue backlog", user=ALICE)
    await ws.run("status monitoring", user=ALICE, channel=channel["id"])
    await ws.message_with(channel["id"], "onitoring")
    await ws.run("status investigating", user=ALICE, channel=channel["id"])
    reply = await ws.reply_to(ALICE, "cannot go back")
    assert "monitoring" in visible_text(reply)
    await ws.slack.join(channel["id"], user=BOB)
    await ws.run("status resolved", user=BOB, channel=channel["id"])
    denied = await ws.reply_to(BOB, "Only the incident commander")
    assert "<@U0ALICE>" in visible_text(denied)
    assert rows(database_url, "SELECT status FROM incidents") == [("monitoring",)]
    audit = rows(database_url, "SELECT action, outcome, actor_id FROM audit_log WHERE outcome = 'denied'")
    assert audit == [("resolve", "denied", BOB)]  # `status resolved` is a resolve
    metrics = await bot.metrics()
    for sample in (
        'incidentbot_incidents_declared_total{severity="P3"} 1.0',
        'incidentbot_open_incidents{severity="P3",status="monitoring"} 1.0',
        'incidentbot_commands_total{command="command:declare",outcome="ok"} 1.0',
        'incidentbot_commands_total{command="command:status",outcome="refused"} 1.0',
        'incidentbot_commands_total{command="command:status",outcome="denied"} 1.0',
        'incidentbot_permission_denials_total{action="resolve"} 1.0',
        'incidentbot_command_duration_seconds_count{command="command:declare"} 1.0',
    ):
        assert sample in metrics, sample
    # An admin may do what the commander may.
    await ws.slack.join(channel["id"], user=ERIN)
    await ws.run("resolve fixed by the admin", user=ERIN, channel=channel["id"])
    await ws.wait(lambda: _status_is(database_url, "resolved"), what="resolved by admin")


async def _status_is(database_url: str, status: str) -> bool:
    return rows(database_url, "SELECT status FROM incidents")[0][0] == status


async def test_commander_hand_off_tells_both_and_moves_the_permissions(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P3 Cache misses", user=ALICE)
    await ws.run(f"commander <@{BOB}|bob>", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _member(ws, channel["id"], BOB), what="the new commander invited")
    await ws.wait(lambda: ws.dms(BOB), what="DM to the new commander")
    await ws.wait(lambda: ws.dms(ALICE), what="DM to the old commander")
    await ws.run("severity P4", user=ALICE, channel=channel["id"])
    await ws.reply_to(ALICE, "Only the incident commander")
    await ws.run("severity P4", user=BOB, channel=channel["id"])
    await ws.wait(lambda: _severity_is(database_url, "P4"), what="severity by new commander")
    await ws.run(f"role comms <@{CAROL}>", user=BOB, channel=channel["id"])
    await ws.wait(lambda: _role_is(database_url, CAROL), what="comms role")
    summary = await ws.summary_with(channel["id"], "<@U0CAROL>")
    assert "<@U0BOB>" in visible_text(summary)
    await ws.wait(lambda: _member(ws, channel["id"], CAROL), what="the comms person invited")


async def _member(ws: Workspace, channel_id: str, user: str) -> bool:
    return user in (await ws.channel(channel_id))["members"]


async def _severity_is(database_url: str, severity: str) -> bool:
    return rows(database_url, "SELECT severity FROM incidents")[0][0] == severity


async def _role_is(database_url: str, user: str) -> bool:
    return rows(database_url, "SELECT comms_id FROM incidents")[0][0] == user


async def test_resolve_records_duration_announces_where_declared_and_reopen_works(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P2 Login failures", user=ALICE)
    announcement = await ws.message_with(INCIDENTS, "Login failures")
    await ws.run("resolved bad certificate replaced", user=ALICE, channel=channel["id"])
    resolved = await ws.message_with(INCIDENTS, "bad certificate replaced")
    assert resolved["thread_ts"] == announcement["ts"]
    (row,) = rows(database_url, "SELECT status, resolution, resolved_at > declared_at FROM incidents")
    assert row == ("resolved", "bad certificate replaced", True)
    summary = await ws.summary(channel["id"])
    assert not [b for b in summary["blocks"] if b["type"] == "actions"]
    await ws.run("reopen", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _status_is(database_url, "investigating"), what="reopened")
    assert rows(database_url, "SELECT resolved_at FROM incidents") == [(None,)]


async def test_timeline_info_and_list(bot: DaemonChild, ws: Workspace) -> None:
    first = await declare(ws, "P3 Slow reports", user=ALICE, number=1)
    await declare(ws, "P1 Everything is down", user=BOB, number=2)
    await ws.run("status identified disk full", user=ALICE, channel=first["id"])
    await ws.message_with(first["id"], "disk full")
    await ws.slack.join(first["id"], user=BOB)
    await ws.run("timeline", user=BOB, channel=first["id"])
    timeline = visible_text(await ws.reply_to(BOB, "disk full"))
    assert "declared" in timeline.lower() and "CET" in timeline  # bob is in Europe/Berlin
    await ws.run("info #1", user=CAROL, channel=GENERAL)
    assert "Slow reports" in visible_text(await ws.reply_to(CAROL, "Slow reports"))
    await ws.run("list", user=DAVE, channel=GENERAL)
    listing = visible_text(await ws.reply_to(DAVE, "Everything is down"))
    assert listing.index("Everything is down") < listing.index("Slow reports")  # most severe first


async def test_help_depends_on_where_and_who(bot: DaemonChild, ws: Workspace) -> None:
    channel = await declare(ws, "P3 Help test", user=ALICE)
    await ws.run("help", user=ALICE, channel=channel["id"])
    commander_help = visible_text(await ws.reply_to(ALICE, "resolve"))
    assert "severity" in commander_help
    await ws.slack.join(channel["id"], user=BOB)
    await ws.run("help", user=BOB, channel=channel["id"])
    bystander_help = visible_text(await ws.reply_to(BOB, "note"))
    assert "resolve [summary]" not in bystander_help and "update <message>" in bystander_help
    await ws.run("help", user=CAROL, channel=GENERAL)
    general_help = visible_text(await ws.reply_to(CAROL, "declare"))
    assert "list" in general_help
    await ws.run("resolv", user=CAROL, channel=GENERAL)
    assert "Did you mean" in visible_text(await ws.reply_to(CAROL, "resolv"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("declare", None),  # opens the modal: tested elsewhere
        ("declare P9 Something", "not a severity"),
        ("declare " + "x" * 5000, "keep it to 100"),
        ("declare P2 \u200b\u200b", "needs a title"),
        ("status resolved", "not an incident channel"),
        ("info #999", "no incident #999"),
        ("commander", "not an incident channel"),
    ],
)
async def test_bad_input_gets_a_friendly_answer_and_changes_nothing(
    bot: DaemonChild, ws: Workspace, database_url: str, text: str, expected: str | None
) -> None:
    if expected is None:
        return
    await ws.run(text, user=ALICE, channel=GENERAL)
    await ws.reply_to(ALICE, expected)
    assert rows(database_url, "SELECT count(*) FROM incidents") == [(0,)]


async def test_bad_input_inside_an_incident_channel(bot: DaemonChild, ws: Workspace, database_url: str) -> None:
    channel = await declare(ws, "P3 Input checks", user=ALICE)
    cases = [
        ("severity P9", "not a severity"),
        ("commander @nobody", "is not a person"),
        ("commander <@U0NOSUCH>", "can't find"),
        ("role boss <@U0BOB>", "not a role"),
        ("update", "is empty"),
        ("status fixed", "not a status"),
        ("'; DROP TABLE incidents; --", "I don't know"),
    ]
    for text, expected in cases:
        await ws.run(text, user=ALICE, channel=channel["id"])
        await ws.reply_to(ALICE, expected)
    assert rows(database_url, "SELECT severity, status, commander_id FROM incidents") == [("P3", "declared", ALICE)]
    assert rows(database_url, "SELECT count(*) FROM incident_events") == [(1,)]


async def test_an_owner_who_cannot_be_invited_does_not_stop_the_declaration(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    await ws.run("declare", user=ALICE)  # opens the modal
    view = await ws.wait(lambda: _open_view(slack, ALICE), what="declare modal")
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": "Card payments failing"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P2"}}},
            "service": {"service": {"type": "static_select", "selected_option": {"value": "payments"}}},
        },
    )
    channel = await ws.incident_channel(1)
    reply = await ws.reply_to(ALICE, "#1")
    assert "U0GONE" in visible_text(reply)  # told who could not be invited
    assert rows(database_url, "SELECT service, severity FROM incidents") == [("payments", "P2")]
    assert ALICE in (await ws.channel(channel["id"]))["members"]


async def _open_view(slack: SandboxClient, user: str) -> dict[str, Any] | None:
    views = await slack.views(user, open_only=True)
    return views[-1] if views else None


async def test_twenty_declarations_at_once_make_twenty_incidents_and_channels(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    users = [ALICE, BOB, CAROL, DAVE, ERIN]
    results = await asyncio.gather(
        *(slack.slash(f"declare P3 Concurrent {i}", user=users[i % 5], channel=GENERAL) for i in range(20))
    )
    assert all(r.get("acked") for r in results)
    await ws.wait(lambda: _channels_count(slack, 20), timeout=30, what="20 incident channels")
    names = [c["name"] for c in await slack.channels() if c["name"].startswith("inc-")]
    assert len(set(names)) == 20
    stored = "SELECT count(*), count(DISTINCT channel_id) FROM incidents"
    await ws.wait(lambda: _rows_are(database_url, stored, [(20, 20)]), what="20 channels stored")


async def _channels_count(slack: SandboxClient, n: int) -> bool:
    return len([c for c in await slack.channels() if c["name"].startswith("inc-")]) >= n


@pytest.mark.resilience
async def test_a_redelivered_declaration_makes_one_incident(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    await slack.fault("socket_ack", times=2)  # two acks lost: Slack delivers the same command 3 times
    result = await slack.slash("declare P2 Delivered thrice", user=ALICE, channel=GENERAL)
    assert result["attempts"] == 3
    await ws.incident_channel(1)

    async def both_redeliveries_handled() -> bool:  # what proves nothing more will come of them
        return 'incidentbot_duplicates_suppressed_total{kind="declare"} 2.0' in await bot.metrics()

    await eventually(both_redeliveries_handled)
    assert rows(database_url, "SELECT count(*) FROM incidents") == [(1,)]
    assert len([c for c in await slack.channels() if c["name"].startswith("inc-")]) == 1


async def test_a_double_typed_declaration_makes_one_incident(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    await asyncio.gather(
        slack.slash("declare P3 Double enter", user=BOB, channel=GENERAL),
        slack.slash("declare P3 Double enter", user=BOB, channel=GENERAL),
    )
    await ws.reply_to(BOB, "You already declared #1")
    assert rows(database_url, "SELECT count(*) FROM incidents") == [(1,)]


async def _rows_are(database_url: str, query: str, expected: list[tuple[Any, ...]]) -> bool:
    return rows(database_url, query) == expected


async def test_a_change_typed_outside_the_channel_is_answered_where_it_was_typed(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    await declare(ws, "P3 Remote control", user=ALICE)
    await ws.run("severity #1 P2", user=ALICE, channel=GENERAL)
    answer = visible_text(await ws.reply_to(ALICE, "Done on #1"))
    assert "changed the severity" in answer and "P2" in answer
    await ws.run("update #1 still looking", user=CAROL, channel=GENERAL)
    assert "still looking" in visible_text(await ws.reply_to(CAROL, "Done on #1"))


async def test_the_channel_name_carries_the_utc_date_whatever_the_database_time_zone(
    start_daemon: DaemonFactory, sandbox: SandboxServer, ws: Workspace, database_url: str
) -> None:
    # A zone whose date differs from UTC's right now: 14 hours ahead late in the UTC day, 11 behind early.
    zone = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"
    database = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} SET TimeZone = {}").format(sql.Identifier(database), zone))
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra=ROUTING)
    await daemon.wait_ready()
    channel = await declare(ws, "P3 Far away", user=ALICE)
    ((declared_at,),) = rows(database_url, "SELECT declared_at FROM incidents")
    utc_day = declared_at.astimezone(UTC).date()
    assert declared_at.astimezone(ZoneInfo(zone)).date() != utc_day  # the zone would have named another day
    assert channel["name"] == f"inc-{utc_day:%Y%m%d}-1-far-away"
