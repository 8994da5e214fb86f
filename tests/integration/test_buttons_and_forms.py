"""The summary's buttons, the forms they open, the template picker, and channel-name clashes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from incidentbot.demo.child import DaemonChild
from incidentbot.demo.workspace import ALICE, BOB, GENERAL, INCIDENTS, Workspace, visible_text
from incidentbot.sandbox import SandboxClient
from tests.integration.conftest import declare, eventually, rows


async def _open_view(slack: SandboxClient, user: str, callback: str) -> dict[str, Any] | None:
    for view in reversed(await slack.views(user, open_only=True)):
        if view.get("callback_id") == callback:
            return dict(view)
    return None


async def _summary_ts(ws: Workspace, channel_id: str) -> str:
    return str((await ws.summary(channel_id))["ts"])


async def test_buttons_obey_the_commanders_permissions(bot: DaemonChild, ws: Workspace, database_url: str) -> None:
    channel = await declare(ws, "P3 Button permissions", user=ALICE)
    cid = channel["id"]
    ts = await _summary_ts(ws, cid)
    await ws.slack.join(cid, user=BOB)
    for count, action in enumerate(("summary_change_severity", "summary_resolve"), start=1):
        await ws.slack.click(user=BOB, channel=cid, message_ts=ts, action_id=action)

        async def refusals(count: int = count) -> bool:
            answers = [m for m in await ws.slack.ephemerals(BOB) if "Only the incident commander" in visible_text(m)]
            return len(answers) == count

        await eventually(refusals)  # each click answered (the audit is written before the answer)
    assert await ws.slack.views(BOB, open_only=True) == []  # refused before any form opened
    denied = rows(database_url, "SELECT action FROM audit_log WHERE outcome = 'denied' ORDER BY id")
    assert denied == [("severity",), ("resolve",)]

    # Anyone may post an update: the form opens for bob.
    await ws.slack.click(user=BOB, channel=cid, message_ts=ts, action_id="summary_post_update")
    view = await ws.wait(lambda: _open_view(ws.slack, BOB, "incident_update"), what="update form")
    await ws.slack.submit_view(
        user=BOB,
        view_id=view["id"],
        values={"update_text": {"update_text": {"type": "plain_text_input", "value": "cache warmed up"}}},
    )
    await ws.message_with(cid, "cache warmed up")


async def test_the_commander_changes_severity_and_resolves_through_the_forms(
    bot: DaemonChild, ws: Workspace, database_url: str
) -> None:
    channel = await declare(ws, "P3 Form driven", user=ALICE)
    cid = channel["id"]
    ts = await _summary_ts(ws, cid)

    await ws.slack.click(user=ALICE, channel=cid, message_ts=ts, action_id="summary_change_severity")
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE, "incident_severity"), what="severity form")
    await ws.slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={"severity": {"severity": {"type": "static_select", "selected_option": {"value": "P2"}}}},
    )
    await ws.message_with(INCIDENTS, "Form driven")  # an escalation to P2 is announced where P2 routes

    await ws.slack.click(user=ALICE, channel=cid, message_ts=ts, action_id="summary_post_update")
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE, "incident_update"), what="update form")
    offered = [o["value"] for b in view["blocks"] if b.get("block_id") == "status" for o in b["element"]["options"]]
    assert offered == ["investigating", "identified", "monitoring", "resolved"]
    await ws.slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={
            "status": {"status": {"type": "static_select", "selected_option": {"value": "identified"}}},
            "update_text": {"update_text": {"type": "plain_text_input", "value": "found the bad index"}},
        },
    )
    await ws.message_with(cid, "found the bad index")

    await ws.slack.click(user=ALICE, channel=cid, message_ts=ts, action_id="summary_resolve")
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE, "incident_resolve"), what="resolve form")
    await ws.slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={"resolution": {"resolution": {"type": "plain_text_input", "value": "index rebuilt"}}},
    )
    await ws.wait(lambda: _stored(database_url), what="resolved through the form")
    summary = await ws.summary_with(cid, "index rebuilt")
    assert not [b for b in summary["blocks"] if b["type"] == "actions"]


async def _stored(database_url: str) -> bool:
    found = rows(database_url, "SELECT severity, status, resolution FROM incidents")
    return found == [("P2", "resolved", "index rebuilt")]


async def test_the_declare_form_shows_mistakes_next_to_the_field(bot: DaemonChild, ws: Workspace) -> None:
    await ws.run("declare", user=ALICE)
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE, "incident_declare"), what="declare form")
    result = await ws.slack.submit_view(
        user=ALICE,
        view_id=view["id"],
        values={"title": {"title": {"type": "plain_text_input", "value": "\u200b  "}}},
    )
    errors = (result.get("response") or {}).get("errors") or {}
    assert "title" in errors and "title" in errors["title"].lower()
    assert await _open_view(ws.slack, ALICE, "incident_declare")  # the form stays open


async def test_picking_a_template_prefills_the_form(bot: DaemonChild, ws: Workspace) -> None:
    await ws.run("declare", user=ALICE)
    view = await ws.wait(lambda: _open_view(ws.slack, ALICE, "incident_declare"), what="declare form")
    await ws.slack.click(user=ALICE, view_id=view["id"], action_id="declare_template", value="Database outage")

    async def prefilled() -> dict[str, Any] | None:
        current = await _open_view(ws.slack, ALICE, "incident_declare")
        if current and "Database unavailable" in str(current["blocks"]):
            return current
        return None

    current = await ws.wait(prefilled, what="form prefilled from the template")
    severity = next(b for b in current["blocks"] if b.get("block_id") == "severity")
    assert severity["element"]["initial_option"]["value"] == "P1"


async def test_a_taken_channel_name_gets_a_suffix(bot: DaemonChild, ws: Workspace, slack: SandboxClient) -> None:
    today = datetime.now(UTC).strftime("%Y%m%d")
    await slack.add_channel(f"inc-{today}-1-name-clash", members=[BOB])
    await ws.run("declare P3 Name clash", user=ALICE, channel=GENERAL)
    channel = await ws.wait(lambda: _named(slack, f"inc-{today}-1-name-clash-2"), what="suffixed channel")
    assert ALICE in channel["members"]


async def _named(slack: SandboxClient, name: str) -> dict[str, Any] | None:
    for channel in await slack.channels():
        if channel["name"] == name:
            return dict(channel)
    return None
