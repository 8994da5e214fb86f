"""Hostile input through the real daemon: markup echoed as text, invisible titles and NUL refused,
line breaks kept, snoozing and roles reserved for the people running the response."""

from __future__ import annotations

from typing import Any

import pytest

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, BOB, GENERAL, Workspace, visible_text
from incidentbot.sandbox import SandboxClient, SandboxServer
from tests.integration.conftest import ROUTING, DaemonFactory, declare, rows
from tests.integration.test_timers import FAST_TIMERS, age

LIVE_MARKUP = ("<!channel>", "<!here>", "<!subteam^", "<@U0EVE>", "<https://evil")


def assert_inert(message: dict[str, Any]) -> None:
    """The raw payload (what Slack would parse), not the decoded text people read."""
    raw = str(message.get("text", "")) + str(message.get("blocks") or "")
    assert not [m for m in LIVE_MARKUP if m in raw], raw
    assert "&lt;" in raw


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("status <!channel>", "is not a status"),
        ("severity <!here>", "is not a severity"),
        ("role <!subteam^S0SRE|@sre> <@U0BOB>", "is not a role"),
        ("commander <!channel>", "is not a person"),
        ("<!channel> <@U0EVE>", "I don't know"),
        ("stauts <https://evil.example|click>", "I don't know"),
    ],
)
async def test_what_was_typed_is_echoed_back_escaped(
    bot: DaemonChild, ws: Workspace, database_url: str, typed: str, answer: str
) -> None:
    channel = await declare(ws, "P3 Echo checks", user=ALICE)
    await ws.run(typed, user=ALICE, channel=channel["id"])
    reply = await ws.reply_to(ALICE, answer)
    assert_inert(reply)
    assert rows(database_url, "SELECT severity, status, commander_id FROM incidents") == [("P3", "declared", ALICE)]


async def test_a_title_nobody_can_see_is_refused_and_nothing_is_stored(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    await ws.run("declare P2 \u3164", user=ALICE, channel=GENERAL)
    reply = await ws.reply_to(ALICE, "nothing visible")
    assert "title" in visible_text(reply)
    await ws.run("declare P2 \u3164\u200b\u2800 \u0301", user=ALICE, channel=GENERAL)
    await ws.wait(lambda: _replies(ws, ALICE, "nothing visible", 2), what="the second refusal")
    assert rows(database_url, "SELECT count(*) FROM incidents") == [(0,)]
    assert [c for c in await ws.slack.channels() if c["name"].startswith("inc-")] == []


async def test_the_declare_form_refuses_an_invisible_title_under_its_field(bot: DaemonChild, ws: Workspace) -> None:
    await ws.run("declare", user=ALICE)
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE), what="declare form")
    result = await ws.slack.submit_view(
        user=ALICE, view_id=view["id"], values={"title": {"title": {"type": "plain_text_input", "value": "\u3164"}}}
    )
    errors = (result.get("response") or {}).get("errors") or {}
    assert "nothing visible" in errors.get("title", "")


async def test_a_nul_in_an_update_gets_a_clear_answer_and_nothing_is_stored(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P3 Nul checks", user=ALICE)
    await ws.run("update before\x00after", user=ALICE, channel=channel["id"])
    await ws.reply_to(ALICE, "character I can't store")
    await ws.run("note a\x00b", user=ALICE, channel=channel["id"])
    await ws.wait(lambda: _replies(ws, ALICE, "character I can't store", 2), what="the second refusal")
    assert rows(database_url, "SELECT kind FROM incident_events") == [("declared",)]
    assert rows(database_url, "SELECT count(*) FROM audit_log WHERE action <> 'declare'") == [(0,)]


async def test_line_breaks_in_an_update_reach_the_channel(bot: DaemonChild, ws: Workspace, database_url: str) -> None:
    channel = await declare(ws, "P3 Multi-line", user=ALICE)
    await ws.run("update line one\nline two\r\n- and a list", user=ALICE, channel=channel["id"])
    post = await ws.message_with(channel["id"], "line one")
    assert "line one\nline two\n- and a list" in visible_text(post)
    assert rows(database_url, "SELECT text FROM incident_events WHERE kind = 'update'") == [
        ("line one\nline two\n- and a list",)
    ]


async def test_a_bot_cannot_be_made_commander_or_given_a_role(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    channel = await declare(ws, "P3 Bots keep out", user=ALICE)
    other_bot = await slack.add_user("deploybot", is_bot=True)
    cases = [
        ("commander <@U0BOT>", "<@U0BOT> is a bot"),
        (f"commander <@{other_bot['id']}>", "is a bot"),
        ("role comms <@USLACKBOT>", "<@USLACKBOT> is a bot"),
        ("role scribe <@U0BOT>", "is a bot"),
    ]
    for typed, answer in cases:
        await ws.run(typed, user=ALICE, channel=channel["id"])
        await ws.reply_to(ALICE, answer)
    stored = rows(database_url, "SELECT commander_id, comms_id, scribe_id FROM incidents")
    assert stored == [(ALICE, None, None)]
    assert rows(database_url, "SELECT kind FROM incident_events") == [("declared",)]


async def test_the_declare_form_refuses_a_bot_as_commander(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    await ws.run("declare", user=ALICE, channel=GENERAL)
    view = await ws.wait(lambda: _open_view(slack, ALICE), what="declare form")
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": "Bot in charge"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P3"}}},
            "commander": {"commander": {"type": "users_select", "selected_user": "U0BOT"}},
        },
    )
    await ws.reply_to(ALICE, "is a bot")
    assert rows(database_url, "SELECT count(*) FROM incidents") == [(0,)]


@pytest.fixture
async def timed_bot(start_daemon: DaemonFactory, sandbox: SandboxServer, database_url: str) -> DaemonChild:
    daemon = await start_daemon(sandbox=sandbox, database_url=database_url, extra={**ROUTING, **FAST_TIMERS})
    await daemon.wait_ready()
    return daemon


async def test_only_the_people_running_the_response_may_snooze_reminders(
    timed_bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    channel = await declare(ws, "P3 Quiet incident", user=ALICE)
    cid = channel["id"]
    age(database_url, "UPDATE incidents SET last_update_at = now() - interval '2 minutes'")
    reminder = await ws.message_with(cid, "has had no update")
    await slack.join(cid, user=BOB)
    await slack.click(user=BOB, channel=cid, message_ts=reminder["ts"], action_id="reminder_snooze")
    refusal = visible_text(await ws.reply_to(BOB, "Only the incident commander"))
    assert "<@U0ALICE>" in refusal and "comms and scribe" in refusal and "snooze" in refusal
    assert rows(database_url, "SELECT snoozed_until FROM incidents") == [(None,)]
    audit = "SELECT action, outcome, actor_id FROM audit_log WHERE action = 'snooze_reminders'"
    assert rows(database_url, audit) == [("snooze_reminders", "denied", BOB)]
    assert 'incidentbot_permission_denials_total{action="snooze_reminders"} 1.0' in await timed_bot.metrics()

    await ws.run(f"role comms <@{BOB}>", user=ALICE, channel=cid)
    await ws.wait(lambda: _comms_is(database_url, BOB), what="bob is comms")
    await slack.click(user=BOB, channel=cid, message_ts=reminder["ts"], action_id="reminder_snooze")
    await ws.reply_to(BOB, "No update reminders")
    await ws.wait(lambda: _snoozed(database_url), what="snoozed by the comms person")
    assert sorted(rows(database_url, audit)) == [("snooze_reminders", "denied", BOB), ("snooze_reminders", "ok", BOB)]


async def _comms_is(database_url: str, user: str) -> bool:
    return rows(database_url, "SELECT comms_id FROM incidents") == [(user,)]


async def _snoozed(database_url: str) -> bool:
    return rows(database_url, "SELECT snoozed_until IS NOT NULL FROM incidents") == [(True,)]


async def _replies(ws: Workspace, user: str, contains: str, count: int) -> bool:
    return len([m for m in await ws.slack.ephemerals(user) if contains in visible_text(m)]) >= count


async def _open_view(slack: SandboxClient, user: str) -> dict[str, Any] | None:
    views = await slack.views(user, open_only=True)
    return views[-1] if views else None
