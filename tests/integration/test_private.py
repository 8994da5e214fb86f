"""Private incidents: a private channel, announced nowhere, seen only by the people in it and admins."""

from __future__ import annotations

from typing import Any

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, BOB, CAROL, DAVE, ERIN, GENERAL, INCIDENTS, SRE, Workspace, visible_text
from incidentbot.sandbox import SandboxClient
from tests.integration.conftest import rows

SECRET_WORDS = ("Leaked signing keys", "vault", "checkout")


async def _open_declare_form(slack: SandboxClient, user: str) -> dict[str, Any] | None:
    for view in reversed(await slack.views(user, open_only=True)):
        if view.get("callback_id") == "incident_declare":
            return dict(view)
    return None


def _private_box(view: dict[str, Any]) -> dict[str, Any]:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == "private")


def _ticked(view: dict[str, Any]) -> bool:
    return [o["value"] for o in _private_box(view).get("initial_options") or []] == ["private"]


async def _mentions(ws: Workspace, channel_id: str, words: tuple[str, ...]) -> list[str]:
    return [visible_text(m) for m in await ws.messages(channel_id) if any(w in visible_text(m) for w in words)]


async def test_a_private_p1_has_a_private_channel_no_announcement_and_pages_that_name_only_whom_to_ask(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    # `/incident private` with no title opens the declare form, ticked private.
    await ws.run("private", user=ALICE, channel=GENERAL)
    view = await ws.wait(lambda: _open_declare_form(slack, ALICE), what="declare form")
    assert _ticked(view)
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "title": {"title": {"type": "plain_text_input", "value": "Leaked signing keys"}},
            "severity": {"severity": {"type": "static_select", "selected_option": {"value": "P1"}}},
            "service": {"service": {"type": "static_select", "selected_option": {"value": "checkout"}}},
            "description": {"description": {"type": "plain_text_input", "value": "found in the vault repo"}},
            "commander": {"commander": {"type": "users_select", "selected_user": CAROL}},
        },
    )
    channel = await ws.incident_channel(1)
    await ws.wait(lambda: ws.summary(channel["id"]), what="the pinned summary")
    await ws.wait(lambda: _told(ws, ALICE, "Declared #1"), what="the declarer's confirmation")
    # Pages are sent after announcements would be: once dave has his, any announcement would be there.
    page = (await ws.wait(lambda: ws.dms(DAVE), what="the private page"))[-1]

    channel = await ws.channel(channel["id"])
    assert channel["is_private"] is True
    assert sorted(channel["members"]) == sorted(["U0BOT", ALICE, CAROL])  # no service owner (bob), no pagee
    shown = visible_text(page)
    assert "private" in shown and "#1" in shown and f"<@{CAROL}>" in shown
    for secret in (*SECRET_WORDS, "found in", channel["id"], channel["name"]):
        assert secret not in str(page), secret
    for public in (SRE, INCIDENTS, GENERAL):
        assert await _mentions(ws, public, SECRET_WORDS) == [], public
    assert rows(database_url, "SELECT kind, target FROM notifications WHERE kind = 'announcement'") == []
    assert rows(database_url, "SELECT private FROM incidents") == [(True,)]

    # An update is threaded nowhere; resolving is announced nowhere. (The resolution DM to the paged
    # people falls within the 5-minute DM throttle here; its text is checked in the view's unit test.)
    await ws.run("update keys rotated", user=CAROL, channel=channel["id"])
    await ws.message_with(channel["id"], "keys rotated")
    await ws.run("resolve rotated and revoked", user=CAROL, channel=channel["id"])
    await ws.wait(lambda: _resolution_dms_recorded(database_url), what="the resolution job finished")
    for public in (SRE, INCIDENTS, GENERAL):
        assert await _mentions(ws, public, (*SECRET_WORDS, "keys rotated", "revoked")) == [], public
    assert rows(database_url, "SELECT count(*) FROM notifications WHERE kind = 'announcement'") == [(0,)]


async def _resolution_dms_recorded(database_url: str) -> bool:
    found = rows(database_url, "SELECT count(*) FROM notifications WHERE kind = 'dm' AND status = 'throttled'")
    return bool(found[0][0] == 2)


async def _told(ws: Workspace, user: str, text: str) -> bool:
    """An answer to ``user`` only, ephemeral where they were or by DM (the bot is not in #general)."""
    private = [*await ws.slack.ephemerals(user), *await ws.dms(user)]
    return any(text in visible_text(m) for m in private)


async def test_a_private_escalation_is_not_announced_and_its_page_is_private(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    await ws.run("private P3 Leaked signing keys", user=BOB, channel=GENERAL)
    channel = await ws.incident_channel(1)
    await ws.reply_to(BOB, "Declared #1")
    await ws.run("severity P1", user=BOB, channel=channel["id"])
    page = (await ws.wait(lambda: ws.dms(CAROL), what="the page after escalation"))[-1]
    assert "private" in visible_text(page) and "Leaked" not in str(page)
    # A public incident declared after it is announced: the private one, before it, never was.
    await ws.run("declare P1 Public outage", user=BOB, channel=GENERAL)
    await ws.message_with(SRE, "Public outage")
    assert await _mentions(ws, SRE, SECRET_WORDS) == []
    assert sorted((await ws.channel(channel["id"]))["members"]) == sorted(["U0BOT", BOB])


async def test_only_members_and_admins_see_a_private_incident_and_others_are_refused(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    await ws.run("private P2 Payroll export leaks salaries", user=ALICE, channel=GENERAL)
    secret = await ws.incident_channel(1)
    await ws.reply_to(ALICE, "Declared #1")
    await ws.run("declare P3 Search is slow", user=BOB, channel=GENERAL)
    await ws.reply_to(BOB, "Declared #2")

    await ws.run("list", user=DAVE, channel=GENERAL)
    listed = visible_text(await ws.reply_to(DAVE, "open incident"))
    assert "Search is slow" in listed and "#1" not in listed and "Payroll" not in listed
    for person in (ALICE, ERIN):  # a member (typing outside the channel) and an incident admin
        await ws.run("list", user=person, channel=GENERAL)
        listed = visible_text(await ws.reply_to(person, "open incident"))
        assert "Payroll export" in listed and "Search is slow" in listed, person

    before = rows(database_url, "SELECT * FROM incidents WHERE id = 1")
    for number, command in enumerate(("info #1", "update #1 I can see this", "timeline #1", "severity #1 P4"), 1):
        await ws.run(command, user=DAVE, channel=GENERAL)
        refusals = await ws.wait(lambda n=number: _refusals(ws, DAVE, n), what=f"refusal of {command}")
        assert f"Ask its commander, <@{ALICE}>" in refusals[-1], command
        assert "Payroll" not in refusals[-1] and secret["id"] not in refusals[-1], command
    assert rows(database_url, "SELECT * FROM incidents WHERE id = 1") == before
    assert rows(database_url, "SELECT kind FROM incident_events WHERE incident_id = 1") == [("declared",)]
    denied = rows(database_url, "SELECT actor_id, action FROM audit_log WHERE outcome = 'denied'")
    assert denied == [(DAVE, "see_private")] * 4

    # The people the commander adds see it: dave becomes scribe, is invited, and may look.
    await ws.run(f"role scribe <@{DAVE}>", user=ALICE, channel=secret["id"])
    await ws.wait(lambda: _member(ws, secret["id"], DAVE), what="dave invited")
    await ws.run("info #1", user=DAVE, channel=GENERAL)
    await ws.reply_to(DAVE, "Payroll export")


async def _refusals(ws: Workspace, user: str, count: int) -> list[str] | None:
    found = [visible_text(m) for m in await ws.slack.ephemerals(user) if "private incident" in visible_text(m)]
    return found if len(found) >= count else None


async def _member(ws: Workspace, channel_id: str, user: str) -> bool:
    return user in (await ws.channel(channel_id))["members"]


async def test_declaring_from_a_private_channel_suggests_private(
    bot: DaemonChild, ws: Workspace, slack: SandboxClient, database_url: str
) -> None:
    hideout = await slack.add_channel("security-team", members=[ALICE, BOB], bot_member=False, is_private=True)
    await ws.run("declare", user=ALICE, channel=GENERAL)
    view = await ws.wait(lambda: _open_declare_form(slack, ALICE), what="declare form from #general")
    assert not _ticked(view)
    await slack.close_view(user=ALICE, view_id=view["id"])

    await slack.clear_calls()
    await ws.run("declare", user=ALICE, channel=hideout["id"])
    view = await ws.wait(lambda: _open_declare_form(slack, ALICE), what="declare form from a private channel")
    assert _ticked(view)
    methods = [str(c["method"]) for c in await slack.calls()]
    # Slack says "privategroup" in the command itself: nothing is asked of Slack before the form opens.
    assert methods[: methods.index("views.open")] == []
    await slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={"title": {"title": {"type": "plain_text_input", "value": "Suspicious logins"}}},
    )
    channel = await ws.incident_channel(1)
    assert channel["is_private"] is True
    assert rows(database_url, "SELECT title, private FROM incidents") == [("Suspicious logins", True)]
